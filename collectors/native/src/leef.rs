//! IBM QRadar LEEF 1.0 and 2.0 lines (a syslog header or none, then the `LEEF:` record) → ECS.
//!
//! The format, the delimiter rules and the mapping are described in
//! `collectors/firewall/leef.py`, which calls this and converts the times
//! returned as written: `devTime` (with `devTimeFormat`) and the header's.

use std::sync::LazyLock;

use pyo3::prelude::*;
use pyo3::types::PyTuple;
use regex::Regex;

use crate::clock::Clock;
use crate::event::{Map, Val};
use crate::net;
use crate::pytext;
use crate::syslog_header::Syslog;

/// The raw `devTime` and `devTimeFormat` attributes, when the record has them.
pub type Times<'a> = (Option<&'a str>, Option<&'a str>);

/// A LEEF 2.0 delimiter written as hex (`x09`, `0x09`); Python's `$` allows one final line break.
static HEX_DELIMITER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^0?x([0-9a-fA-F]{2,4})\n?$").unwrap());
/// Verdicts in `action`; `i` also as Python's case-blind `ı` and `İ`.
static DENY: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)deny|den[iıİ]ed|drop|block|reject").unwrap());
static ALLOW: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)allow|accept|perm[iıİ]t|pass").unwrap());
/// A non-ASCII letter or number (Python's `str.isalnum`, which `\w` follows).
static ALNUM: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^[\p{L}\p{N}]").unwrap());

/// Delimiters tried when none is declared, or the declared one is not used; the earlier one wins a tie.
const CANDIDATES: [char; 6] = ['\t', '|', '^', ';', ',', ' '];

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Integer,
    Ip,
    Text,
}

/// Predefined attribute → ECS field, and the check its value passes.
fn ecs_field(key: &str) -> Option<(&'static str, Kind)> {
    use Kind::*;
    Some(match key {
        "src" => ("source.ip", Ip),
        "dst" => ("destination.ip", Ip),
        "srcPort" => ("source.port", Integer),
        "dstPort" => ("destination.port", Integer),
        "srcPostNAT" => ("source.nat.ip", Ip),
        "dstPostNAT" => ("destination.nat.ip", Ip),
        "srcPostNATPort" => ("source.nat.port", Integer),
        "dstPostNATPort" => ("destination.nat.port", Integer),
        "srcBytes" => ("source.bytes", Integer),
        "dstBytes" => ("destination.bytes", Integer),
        "srcPackets" => ("source.packets", Integer),
        "dstPackets" => ("destination.packets", Integer),
        "srcMAC" => ("source.mac", Text),
        "dstMAC" => ("destination.mac", Text),
        "usrName" => ("user.name", Text),
        "identHostName" => ("host.name", Text),
        "url" => ("url.original", Text),
        "action" => ("event.action", Text),
        "policy" => ("rule.name", Text),
        "resource" => ("destination.domain", Text),
        _ => return None,
    })
}

/// The delimiter a LEEF 2.0 header declares: one character, or its code in hex (`None`: one that cannot occur).
fn declared_delimiter(declared: &str) -> Option<char> {
    let mut chars = declared.chars();
    if let (Some(only), None) = (chars.next(), chars.next()) {
        return Some(only);
    }
    let code = HEX_DELIMITER.captures(declared)?.get(1)?.as_str();
    char::from_u32(u32::from_str_radix(code, 16).ok()?) // a surrogate code is no character of the text
}

fn is_word(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_alphanumeric() || c == '_'
    } else {
        let mut buffer = [0; 4];
        ALNUM.is_match(c.encode_utf8(&mut buffer))
    }
}

/// Whether a key starts here: Python's lookahead `(?=[A-Za-z_][\w.\-]*=)`.
fn key_follows(text: &str) -> bool {
    let mut chars = text.chars();
    if !chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
    {
        return false;
    }
    for c in chars {
        if c == '=' {
            return true;
        }
        if !(is_word(c) || c == '.' || c == '-') {
            return false;
        }
    }
    false
}

/// Byte offsets of each `delimiter` that a `key=` follows.
fn split_points(body: &str, delimiter: char) -> impl Iterator<Item = usize> + '_ {
    body.match_indices(delimiter)
        .map(|(at, _)| at)
        .filter(move |at| key_follows(body.get(at + delimiter.len_utf8()..).unwrap_or("")))
}

/// `key=value` items; the delimiter guessed when none is declared or the declared one is not used.
///
/// Devices bend the delimiter rule: PAN-OS and others write LEEF 1.0 with
/// `|` or `^` instead of tabs, some LEEF 2.0 senders leave the delimiter
/// field out. A body of several `key=` without the declared delimiter is
/// split on the candidate that most often precedes a key, and only there,
/// so values keep that character elsewhere.
fn attributes<'a>(body: &'a str, delimiter: Option<Option<char>>) -> Vec<(&'a str, &'a str)> {
    let declared = match delimiter {
        Some(Some(c)) if body.contains(c) || body.matches('=').count() <= 1 => Some(Some(c)),
        Some(None) if body.matches('=').count() <= 1 => Some(None),
        _ => None,
    };
    let mut items: Vec<&'a str> = Vec::new();
    match declared {
        Some(Some(c)) => items.extend(body.split(c)),
        Some(None) => items.push(body), // a delimiter that cannot occur: one item
        None => {
            let mut best: Option<char> = None;
            let mut count = 0;
            for candidate in CANDIDATES {
                let found = split_points(body, candidate).count();
                if found > count {
                    (best, count) = (Some(candidate), found);
                }
            }
            match best {
                Some(c) => {
                    let mut start = 0;
                    for at in split_points(body, c) {
                        items.push(body.get(start..at).unwrap_or(""));
                        start = at + c.len_utf8();
                    }
                    items.push(body.get(start..).unwrap_or(""));
                }
                None => items.push(body),
            }
        }
    }
    let mut out: Vec<(&'a str, &'a str)> = Vec::with_capacity(items.len());
    for item in items {
        if let Some((key, value)) = item.split_once('=') {
            let key = key.trim_matches(pytext::is_space);
            if !key.is_empty() && !out.iter().any(|(known, _)| *known == key) {
                out.push((key, value));
            }
        }
    }
    out
}

/// A whole line → `(event or None, header time, reason or None, devTime, devTimeFormat)`, the times as written.
pub fn line_to_py<'py>(line: &str, clock: Clock<'_, 'py>) -> PyResult<Bound<'py, PyTuple>> {
    let py = clock.py;
    match parse_line(line) {
        Ok((header, event, (time, format))) => {
            let header_time = match &header {
                Some(header) => header.time_to_py(clock)?,
                None => py.None().into_bound(py),
            };
            (event.to_py(py)?, header_time, py.None(), time, format).into_pyobject(py)
        }
        Err(reason) => {
            let none = || py.None();
            (none(), none(), reason, none(), none()).into_pyobject(py)
        }
    }
}

/// A whole line: its syslog header (if text comes before the marker), the event and the raw device time.
///
/// The record is read first and the header only after a readable one: an unreadable record is the error
/// a line reports, as when Python read the header after it. A header's host names the device.
fn parse_line(line: &str) -> Result<(Option<Syslog<'_>>, Map<'_>, Times<'_>), String> {
    let (mut event, times, at) = parse(line)?;
    let header = line
        .get(..at)
        .filter(|head| !head.is_empty())
        .map(Syslog::read);
    if let Some(hostname) = header
        .as_ref()
        .and_then(Syslog::hostname)
        .filter(|name| !name.is_empty())
    {
        event.put("observer.hostname", hostname);
    }
    Ok((header, event, times))
}

/// The event for one line (its record from the `LEEF:` marker on), the raw device time and where the
/// marker is; the error is why it cannot be read.
fn parse(line: &str) -> Result<(Map<'_>, Times<'_>, usize), String> {
    let Some(at) = line.find("LEEF:") else {
        return Err("no LEEF: marker".into());
    };
    let after = line.get(at + 5..).unwrap_or("");
    let (version, rest) = after.split_once('|').unwrap_or((after, ""));
    let fields: Vec<&str> = rest.splitn(5, '|').collect();
    let [vendor, product, dev_version, event_id] = match fields.get(..4) {
        Some(&[vendor, product, dev_version, event_id]) => [vendor, product, dev_version, event_id],
        _ => return Err("LEEF header without vendor, product, version and event id".into()),
    };
    let mut body = fields.get(4).copied().unwrap_or("");
    // Some(None): a declared delimiter that cannot occur; None: none declared, guess it.
    let mut delimiter = Some(Some('\t'));
    if version.starts_with('2') {
        match body.split_once('|') {
            Some((declared, after))
                if declared.chars().count() == 1 || HEX_DELIMITER.is_match(declared) =>
            {
                (delimiter, body) = (Some(declared_delimiter(declared)), after);
            }
            Some(("", after)) => (delimiter, body) = (None, after), // an empty delimiter field: none declared
            _ => delimiter = None, // the field left out: attributes follow the event id
        }
    }
    let attributes = attributes(body, delimiter);
    let get = |name: &str| {
        attributes
            .iter()
            .find(|(key, _)| *key == name)
            .map(|(_, value)| *value)
    };
    let mut event = Map::new();
    let fields = event.child("event");
    fields.set("kind", "event");
    fields.set("category", Val::List(Vec::new()));
    fields.set("type", vec!["info"]);
    fields.set("code", event_id);
    let observer = event.child("observer");
    observer.set("vendor", vendor);
    observer.set("product", product);
    observer.set("version", dev_version);
    let leef = event.child("leef");
    leef.set("version", version);
    leef.set("event_id", event_id);
    leef.set("attributes", Map::new()); // filled last, keeping its place
    for &(key, value) in &attributes {
        match ecs_field(key) {
            Some((target, Kind::Integer)) => event.put_opt(target, net::integer(value)),
            Some((target, Kind::Ip)) => event.put_opt(target, net::ip(value)),
            Some((target, Kind::Text)) if !value.is_empty() => event.put(target, value),
            _ => {}
        }
    }
    if let Some(proto) = get("proto").and_then(net::transport) {
        event.put("network.transport", proto);
    }
    if let Some(severity) = get("sev").filter(|sev| net::is_decimal(sev)) {
        event.put_opt("event.severity", severity.parse::<i64>().ok());
    }
    if let Some(category) = get("cat") {
        event.put("event.reason", category);
    }
    if event.contains("source") || event.contains("destination") {
        let action = get("action").unwrap_or("");
        let verdict = if DENY.is_match(action) {
            Some("denied")
        } else if ALLOW.is_match(action) {
            Some("allowed")
        } else {
            None
        };
        event.put("event.category", vec!["network"]);
        match verdict {
            Some(verdict) => event.put("event.type", vec!["connection", verdict]),
            None => event.put("event.type", vec!["connection"]),
        }
        let direction = net::direction(
            event.get_str("source.ip").unwrap_or(""),
            event.get_str("destination.ip").unwrap_or(""),
        );
        if let Some(direction) = direction {
            event.put("network.direction", direction);
        }
        net::add_related_endpoint_ips(&mut event);
    }
    if let Some(user) = get("usrName").filter(|user| !user.is_empty()) {
        event.put("source.user.name", user);
    }
    let times = (get("devTime"), get("devTimeFormat"));
    let mut kept = Map::new();
    for (key, value) in attributes {
        kept.set_data(key, value);
    }
    event.child("leef").set("attributes", kept);
    Ok((event, times, at))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tabs_by_default_and_the_header_checked() {
        let (event, times, _) =
            parse("LEEF:1.0|Microsoft|MSExchange|4.0 SP1|15345|src=192.0.2.0\tdst=172.50.123.1\tsev=5\tdevTime=1")
                .unwrap();
        assert_eq!(event.get_str("destination.ip"), Some("172.50.123.1"));
        assert_eq!(event.lookup("event.severity"), Some(&Val::Int(5)));
        assert_eq!(event.get_str("network.direction"), Some("external"));
        assert_eq!(times, (Some("1"), None));
        assert_eq!(parse("x").unwrap_err(), "no LEEF: marker");
        assert!(parse("LEEF:1.0|a|b|c").is_err());
    }

    #[test]
    fn a_declared_or_guessed_delimiter() {
        let (event, _, _) =
            parse("LEEF:2.0|L|S|1.0|41|^|src=10.0.0.1^dst=10.0.0.2^action=DENY").unwrap();
        assert_eq!(event.get_str("network.direction"), Some("internal"));
        assert_eq!(
            event.lookup("event.type"),
            Some(&Val::from(vec!["connection", "denied"]))
        );
        let (event, _, _) = parse("LEEF:2.0|L|S|1.0|41|x7C|src=10.0.0.1|usrName=a b|c").unwrap();
        assert_eq!(event.get_str("leef.attributes.usrName"), Some("a b"));
        let (event, _, _) = parse("LEEF:1.0|P|F|1|e|src=10.0.0.1 cat=a b dst=::1").unwrap();
        assert_eq!(event.get_str("leef.attributes.cat"), Some("a b"));
        assert_eq!(event.get_str("destination.ip"), Some("::1"));
    }

    #[test]
    fn the_header_names_the_device() {
        let line = "<13>Jan 18 11:07:53 host LEEF:1.0|a|b|c|d|src=10.0.0.5\tidentHostName=x";
        let (header, event, _) = parse_line(line).unwrap();
        assert_eq!(event.get_str("observer.hostname"), Some("host"));
        assert_eq!(header.map(|h| h.times.len()), Some(1));
        let (header, event, _) = parse_line("LEEF:1.0|a|b|c|d|src=10.0.0.5").unwrap();
        assert!(header.is_none() && !event.contains("observer.hostname"));
        assert!(parse_line("<13>Jan 18 11:07:53 host LEEF:1.0|a").is_err());
    }
}
