//! ArcSight CEF lines (a syslog header or none, then the `CEF:` record) → ECS.
//!
//! The format, the extension dictionary and the mapping are described in
//! `collectors/firewall/cef.py`, which calls this and converts the times
//! returned as written: the device times (`rt`, `start`, `end`) and the header's.

use std::borrow::Cow;
use std::sync::LazyLock;

use pyo3::prelude::*;
use pyo3::types::PyTuple;
use regex::Regex;

use crate::clock::Clock;
use crate::event::{Key, Map, Val};
use crate::net;
use crate::pytext;
use crate::syslog_header::Syslog;

/// The raw device times: `deviceReceiptTime` (`rt`), `startTime`, `endTime`, when the record has them.
pub type Times<'a> = [Option<Cow<'a, str>>; 3];

/// The ECS fields the device times go to, in the order of [`Times`].
pub const TIME_KEYS: [&str; 3] = ["deviceReceiptTime", "startTime", "endTime"];

/// A non-ASCII extension key: Python's `[\w.\[\]-]+` (`\w` being letters, numbers and `_`).
static KEY: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^[\p{L}\p{N}_.\[\]-]+$").unwrap());

/// Short extension keys → the dictionary's full names (as Elastic's CEF decoder stores them).
fn full_name(key: &str) -> Option<&'static str> {
    Some(match key {
        "act" => "deviceAction",
        "app" => "applicationProtocol",
        "cat" => "deviceEventCategory",
        "cnt" => "baseEventCount",
        "dhost" => "destinationHostName",
        "dmac" => "destinationMacAddress",
        "dntdom" => "destinationNtDomain",
        "dpid" => "destinationProcessId",
        "dpriv" => "destinationUserPrivileges",
        "dproc" => "destinationProcessName",
        "dpt" => "destinationPort",
        "dst" => "destinationAddress",
        "dtz" => "deviceTimeZone",
        "duid" => "destinationUserId",
        "duser" => "destinationUserName",
        "dvc" => "deviceAddress",
        "dvchost" => "deviceHostName",
        "dvcmac" => "deviceMacAddress",
        "dvcpid" => "deviceProcessId",
        "end" => "endTime",
        "fname" => "fileName",
        "fsize" => "fileSize",
        "in" => "bytesIn",
        "msg" => "message",
        "out" => "bytesOut",
        "outcome" => "eventOutcome",
        "proto" => "transportProtocol",
        "request" => "requestUrl",
        "rt" => "deviceReceiptTime",
        "shost" => "sourceHostName",
        "smac" => "sourceMacAddress",
        "sntdom" => "sourceNtDomain",
        "spid" => "sourceProcessId",
        "spriv" => "sourceUserPrivileges",
        "sproc" => "sourceProcessName",
        "spt" => "sourcePort",
        "src" => "sourceAddress",
        "start" => "startTime",
        "suid" => "sourceUserId",
        "suser" => "sourceUserName",
        "agt" => "agentAddress",
        "ahost" => "agentHostName",
        "aid" => "agentId",
        "art" => "agentReceiptTime",
        "at" => "agentType",
        "av" => "agentVersion",
        "dlat" => "destinationLatitude",
        "dlong" => "destinationLongitude",
        "slat" => "sourceLatitude",
        "slong" => "sourceLongitude",
        "type" => "type",
        "externalId" => "externalId",
        "reason" => "reason",
        "cs1" => "deviceCustomString1",
        "cs2" => "deviceCustomString2",
        "cs3" => "deviceCustomString3",
        "cs4" => "deviceCustomString4",
        "cs5" => "deviceCustomString5",
        "cs6" => "deviceCustomString6",
        "cn1" => "deviceCustomNumber1",
        "cn2" => "deviceCustomNumber2",
        "cn3" => "deviceCustomNumber3",
        "cfp1" => "deviceCustomFloatingPoint1",
        "cfp2" => "deviceCustomFloatingPoint2",
        "cfp3" => "deviceCustomFloatingPoint3",
        "cfp4" => "deviceCustomFloatingPoint4",
        "c6a1" => "deviceCustomIPv6Address1",
        "c6a2" => "deviceCustomIPv6Address2",
        "c6a3" => "deviceCustomIPv6Address3",
        "c6a4" => "deviceCustomIPv6Address4",
        "cs1Label" => "deviceCustomString1Label",
        "cs2Label" => "deviceCustomString2Label",
        "cs3Label" => "deviceCustomString3Label",
        "cs4Label" => "deviceCustomString4Label",
        "cs5Label" => "deviceCustomString5Label",
        "cs6Label" => "deviceCustomString6Label",
        _ => return None,
    })
}

/// How an ECS field's value is checked before it is set.
#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Integer,
    Ip,
    Mac,
    Text,
}

/// Full extension name → ECS field, and the check its value passes.
fn ecs_field(full: &str) -> Option<(&'static str, Kind)> {
    use Kind::*;
    Some(match full {
        "sourceAddress" => ("source.ip", Ip),
        "sourcePort" => ("source.port", Integer),
        "sourceHostName" => ("source.domain", Text),
        "sourceMacAddress" => ("source.mac", Mac),
        "sourceUserName" => ("source.user.name", Text),
        "sourceUserId" => ("source.user.id", Text),
        "sourceTranslatedAddress" => ("source.nat.ip", Ip),
        "sourceTranslatedPort" => ("source.nat.port", Integer),
        "destinationAddress" => ("destination.ip", Ip),
        "destinationPort" => ("destination.port", Integer),
        "destinationHostName" => ("destination.domain", Text),
        "destinationMacAddress" => ("destination.mac", Mac),
        "destinationUserName" => ("destination.user.name", Text),
        "destinationUserId" => ("destination.user.id", Text),
        "destinationTranslatedAddress" => ("destination.nat.ip", Ip),
        "destinationTranslatedPort" => ("destination.nat.port", Integer),
        "bytesIn" => ("source.bytes", Integer),
        "bytesOut" => ("destination.bytes", Integer),
        "deviceAction" => ("event.action", Text),
        "deviceHostName" => ("observer.hostname", Text),
        "deviceAddress" => ("observer.ip", Ip),
        "deviceExternalId" => ("observer.name", Text),
        "deviceInboundInterface" => ("observer.ingress.interface.name", Text),
        "deviceOutboundInterface" => ("observer.egress.interface.name", Text),
        "requestUrl" => ("url.original", Text),
        "requestMethod" => ("http.request.method", Text),
        "requestClientApplication" => ("user_agent.original", Text),
        "fileName" => ("file.name", Text),
        "filePath" => ("file.path", Text),
        "fileSize" => ("file.size", Integer),
        "fileHash" => ("file.hash.sha256", Text),
        "deviceProcessName" => ("process.name", Text),
        "message" => ("message", Text),
        "applicationProtocol" => ("network.protocol", Text),
        _ => return None,
    })
}

/// `\n`, `\r` and `\x` (any other character but a line break) unescaped, as `re.sub(r"\\(.)", …)` does.
fn unescape(value: &str) -> Cow<'_, str> {
    if !value.contains('\\') {
        return Cow::Borrowed(value);
    }
    let mut out = String::with_capacity(value.len());
    let mut chars = value.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.peek() {
            None | Some('\n') => out.push('\\'),
            Some(&next) => {
                chars.next();
                out.push(match next {
                    'n' => '\n',
                    'r' => '\r',
                    other => other,
                });
            }
        }
    }
    Cow::Owned(out)
}

/// How a header field ends: at an unescaped bar, at the end of the text, or before a final lone backslash.
#[derive(PartialEq)]
enum End {
    Bar,
    Other,
}

/// One header field from byte `from`: its end (exclusive) and what ends it (`\|` and `\\` stay inside).
fn header_field(text: &str, from: usize) -> (usize, End) {
    let bytes = text.as_bytes();
    let mut at = from;
    while let Some(&byte) = bytes.get(at) {
        match byte {
            b'|' => return (at, End::Bar),
            b'\\' => match text.get(at + 1..).and_then(|rest| rest.chars().next()) {
                Some(next) => at += 1 + next.len_utf8(),
                None => return (at, End::Other),
            },
            _ => at += 1,
        }
    }
    (at, End::Other)
}

/// Whether a token's text before `=` names a key (Python: `name.isalnum() or _KEY.fullmatch(name)`).
fn is_key(name: &str) -> bool {
    if name.is_ascii() {
        !name.is_empty()
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'[' | b']' | b'-'))
    } else {
        KEY.is_match(name)
    }
}

/// An ordered name → value table with Python dict semantics (a repeated name keeps its first place).
struct Pairs<'a, K> {
    entries: Vec<(K, Cow<'a, str>)>,
    /// One bit per name seen (by length and last byte): most lookups of an absent name stop here.
    seen: u64,
}

fn name_bit(name: &str) -> u64 {
    let last = name.as_bytes().last().copied().unwrap_or(0);
    1 << ((name.len() as u64 * 7 + u64::from(last)) % 64)
}

impl<'a, K: AsRef<str>> Pairs<'a, K> {
    fn with_capacity(capacity: usize) -> Self {
        Self {
            entries: Vec::with_capacity(capacity),
            seen: 0,
        }
    }

    fn get(&self, name: &str) -> Option<&Cow<'a, str>> {
        if self.seen & name_bit(name) == 0 {
            return None;
        }
        self.entries
            .iter()
            .find(|(key, _)| key.as_ref() == name)
            .map(|(_, value)| value)
    }

    fn insert(&mut self, name: K, value: Cow<'a, str>) {
        let bit = name_bit(name.as_ref());
        if self.seen & bit != 0 {
            if let Some(entry) = self
                .entries
                .iter_mut()
                .find(|(key, _)| key.as_ref() == name.as_ref())
            {
                entry.1 = value;
                return;
            }
        }
        self.seen |= bit;
        self.entries.push((name, value));
    }
}

impl AsRef<str> for Key<'_> {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

/// The extension's pairs, short keys expanded and custom fields labelled (`extensions` in the old Python).
///
/// A key is a word followed by `=` at the start of a space-separated token;
/// everything up to the next key is the value (values may hold spaces and `\=`).
fn extensions<'a>(text: &'a str) -> Pairs<'a, Key<'a>> {
    let mut raw: Pairs<'a, &'a str> = Pairs::with_capacity(32);
    let mut current: Option<(&'a str, usize, usize)> = None; // key, value's start and end
    let finish = |raw: &mut Pairs<'a, &'a str>, (key, start, end): (&'a str, usize, usize)| {
        let value = text.get(start..end).map_or("", pytext::rstrip);
        raw.insert(key, unescape(value));
    };
    // `text.split(' ')` and `split_once('=')`, by bytes: their char searchers cost more per token than
    // these tokens are long (2,800 instructions a CEF line more).
    let bytes = text.as_bytes();
    let mut next = 0;
    while next <= bytes.len() {
        let start = next;
        let end = bytes[start..]
            .iter()
            .position(|&b| b == b' ')
            .map_or(bytes.len(), |at| start + at);
        next = end + 1;
        let token = &text[start..end];
        if let Some(equals) = token.bytes().position(|b| b == b'=') {
            let name = &token[..equals];
            if is_key(name) {
                if let Some(done) = current.take() {
                    finish(&mut raw, done);
                }
                current = Some((name, start + name.len() + 1, start + token.len()));
                continue;
            }
        }
        if let Some((_, _, end)) = current.as_mut() {
            *end = start + token.len();
        }
    }
    if let Some(done) = current {
        finish(&mut raw, done);
    }
    let mut out: Pairs<'a, Key<'a>> = Pairs::with_capacity(raw.entries.len());
    let labels = raw.entries.iter().any(|(key, _)| key.ends_with("Label"));
    for (name, found) in &raw.entries {
        if let Some(base) = name.strip_suffix("Label") {
            if raw.get(base).is_some() {
                continue;
            }
        }
        let label = raw
            .entries
            .iter()
            .filter(|_| labels)
            .find(|(key, _)| key.strip_suffix("Label") == Some(name))
            .map(|(_, label)| label)
            .filter(|label| !label.is_empty());
        let full = match full_name(name) {
            Some(full) => Key::Static(full),
            None => Key::Data(Cow::Borrowed(name)),
        };
        let label_key = label.map(|_| Key::Data(Cow::Owned(format!("{}Label", full.as_str()))));
        out.insert(full, found.clone());
        if let (Some(key), Some(label)) = (label_key, label) {
            out.insert(key, label.clone());
        }
    }
    out
}

fn severity_number(severity: &str) -> Option<i64> {
    if net::is_decimal(severity) {
        return severity.parse().ok();
    }
    let level = pytext::lower(severity);
    Some(match level.as_str() {
        "low" => 3,
        "medium" => 6,
        "high" => 8,
        "very-high" => 10,
        "unknown" => 0,
        _ => return None,
    })
}

fn put_ecs<'a>(event: &mut Map<'a>, target: &'static str, kind: Kind, value: Cow<'a, str>) {
    if value.is_empty() {
        return; // "duser= app=ssl": a key written with nothing after it sets no ECS field
    }
    match kind {
        Kind::Integer => event.put_opt(target, net::integer(&value)),
        Kind::Ip => {
            if net::ip(&value).is_some() {
                event.put(target, value);
            }
        }
        Kind::Mac => event.put(target, pytext::upper(&value.replace(':', "-"))),
        Kind::Text => event.put(target, value),
    }
}

/// A whole line → `(event or None, header time, reason or None, rt, start, end)`, the times as written.
pub fn line_to_py<'py>(line: &str, clock: Clock<'_, 'py>) -> PyResult<Bound<'py, PyTuple>> {
    let py = clock.py;
    match parse_line(line) {
        Ok((header, event, [rt, start, end])) => {
            let time = match &header {
                Some(header) => header.time_to_py(clock)?,
                None => py.None().into_bound(py),
            };
            (event.to_py(py)?, time, py.None(), rt, start, end).into_pyobject(py)
        }
        Err(reason) => {
            let none = || py.None();
            (none(), none(), reason, none(), none(), none()).into_pyobject(py)
        }
    }
}

/// A whole line: its syslog header (if text comes before the marker), the event and the raw device times.
///
/// The record is read first and the header only after a readable one: an unreadable record is the error
/// a line reports, as when Python read the header after it. A header's host names the device unless
/// `dvchost` does.
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
        if !event.contains("observer.hostname") {
            event.put("observer.hostname", hostname);
        }
    }
    Ok((header, event, times))
}

/// The event for one line (its record from the `CEF:` marker on), the raw device times and where the
/// marker is; the error is why it cannot be read.
fn parse(line: &str) -> Result<(Map<'_>, Times<'_>, usize), String> {
    let Some(at) = line.find("CEF:") else {
        return Err("no CEF: marker".into());
    };
    let mut head: [&str; 7] = [""; 7];
    let mut from = at + 4;
    let mut extension = None;
    for (index, slot) in head.iter_mut().enumerate() {
        let (end, how) = header_field(line, from);
        *slot = line.get(from..end).unwrap_or("");
        if index < 6 && how != End::Bar {
            let bars = line.get(at..).unwrap_or("").matches('|').count();
            return Err(format!("CEF header has {} of 7 fields", bars + 1));
        }
        if how == End::Bar && index == 6 {
            extension = line.get(end + 1..);
        }
        from = end + 1;
    }
    let [version, vendor, product, dev_version, class_id, name, severity] = head.map(unescape);
    let ext = match extension {
        Some(text) if !text.is_empty() => extensions(text),
        _ => Pairs::with_capacity(0),
    };
    let mut event = Map::new();
    let fields = event.child("event");
    fields.set("kind", "event");
    fields.set("category", Val::List(Vec::new()));
    fields.set("type", vec!["info"]);
    fields.set("code", class_id.clone());
    fields.put_opt("severity", severity_number(&severity));
    let observer = event.child("observer");
    observer.set("vendor", vendor.clone());
    observer.set("product", product.clone());
    observer.set("version", dev_version.clone());
    let cef = event.child("cef");
    cef.set("version", version);
    cef.set("name", name.clone());
    cef.set("severity", severity);
    let device = cef.child("device");
    device.set("vendor", vendor);
    device.set("product", product);
    device.set("version", dev_version);
    device.set("event_class_id", class_id);
    cef.set("extensions", Map::new()); // filled last, keeping its place
    event.set("message", name);
    for (key, value) in &ext.entries {
        if let Some((target, kind)) = ecs_field(key.as_str()) {
            put_ecs(&mut event, target, kind, value.clone());
        }
    }
    if let Some(proto) = ext.get("transportProtocol").and_then(|p| net::transport(p)) {
        event.put("network.transport", proto);
    }
    match ext.get("deviceDirection").map(|d| d.as_ref()) {
        Some("0") => event.put("network.direction", "inbound"),
        Some("1") => event.put("network.direction", "outbound"),
        _ => {}
    }
    if let Some(outcome) = ext.get("eventOutcome") {
        match pytext::lower(outcome).as_str() {
            "success" | "succeeded" => event.put("event.outcome", "success"),
            "failure" | "failed" => event.put("event.outcome", "failure"),
            _ => {}
        }
    }
    let times = TIME_KEYS.map(|key| ext.get(key).cloned());
    if event.contains("source") || event.contains("destination") {
        event.put("event.category", vec!["network"]);
        net::add_related_endpoint_ips(&mut event);
    }
    let mut extensions = Map::new();
    for (key, value) in ext.entries {
        match key {
            Key::Static(name) => extensions.set(name, value),
            Key::Data(name) => extensions.set_data(name, value),
        }
    }
    event.child("cef").set("extensions", extensions);
    Ok((event, times, at))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaped_bars_stay_in_the_header_field() {
        let (event, _, _) =
            parse(r"CEF:0|Acme\\|Gate\|Way|2.1|100|Login\|SSO|5|src=10.0.0.5").unwrap();
        assert_eq!(event.get_str("observer.vendor"), Some("Acme\\"));
        assert_eq!(event.get_str("observer.product"), Some("Gate|Way"));
        assert_eq!(event.lookup("event.severity"), Some(&Val::Int(5)));
        assert_eq!(event.get_str("source.ip"), Some("10.0.0.5"));
    }

    #[test]
    fn short_headers_are_refused() {
        assert_eq!(parse("x").unwrap_err(), "no CEF: marker");
        assert_eq!(
            parse("CEF:0|a|b").unwrap_err(),
            "CEF header has 3 of 7 fields"
        );
        assert_eq!(
            parse("CEF:0|a|b|c|d|e\\").unwrap_err(),
            "CEF header has 6 of 7 fields"
        );
    }

    #[test]
    fn values_hold_spaces_and_labels_follow() {
        let (event, times, _) =
            parse("CEF:0|a|b|c|d|e|low|rt=123 cs1Label=Rule Name cs1=allow all  msg=a\\=b\\nc")
                .unwrap();
        assert_eq!(times[0].as_deref(), Some("123"));
        assert_eq!(
            event.get_str("cef.extensions.deviceCustomString1"),
            Some("allow all")
        );
        assert_eq!(
            event.get_str("cef.extensions.deviceCustomString1Label"),
            Some("Rule Name")
        );
        assert_eq!(event.get_str("message"), Some("a=b\nc"));
        assert_eq!(event.lookup("event.severity"), Some(&Val::Int(3)));
    }

    #[test]
    fn a_repeated_key_keeps_its_place_and_takes_the_last_value() {
        let ext = extensions("cs1=a src=1.1.1.1 cs1Label=L cs1Label=M cs1=b sourceAddress=2.2.2.2");
        let names: Vec<&str> = ext.entries.iter().map(|(key, _)| key.as_str()).collect();
        assert_eq!(
            names,
            [
                "deviceCustomString1",
                "deviceCustomString1Label",
                "sourceAddress"
            ]
        );
        assert_eq!(
            ext.get("deviceCustomString1Label").map(|v| v.as_ref()),
            Some("M")
        );
        assert_eq!(
            ext.get("sourceAddress").map(|v| v.as_ref()),
            Some("2.2.2.2")
        );
    }

    #[test]
    fn the_header_names_the_device_unless_dvchost_does() {
        let line = "<134>Feb 12 10:10:10 fw01 CEF:0|a|b|c|d|e|low|src=10.0.0.5";
        let (header, event, _) = parse_line(line).unwrap();
        assert_eq!(event.get_str("observer.hostname"), Some("fw01"));
        assert_eq!(header.map(|h| h.times.len()), Some(1));
        let named = format!("{line} dvchost=dev");
        let (_, event, _) = parse_line(&named).unwrap();
        assert_eq!(event.get_str("observer.hostname"), Some("dev"));
        let (header, _, _) = parse_line("CEF:0|a|b|c|d|e|low|").unwrap();
        assert!(header.is_none());
    }

    #[test]
    fn python_whitespace() {
        assert_eq!(pytext::rstrip("a \u{1f}\u{a0}"), "a");
        assert!(!is_key("") && is_key("a.b[0]-c_d") && is_key("é") && !is_key("a b"));
    }
}
