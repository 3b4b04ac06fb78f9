//! Fortinet FortiGate (FortiOS) `key=value` lines → ECS.
//!
//! The format and the mapping are described in `collectors/firewall/fortigate.py`,
//! which calls this with the whole line (FortiOS writes no syslog header that the
//! mapping reads) and turns the device's own `date`T`time`[offset], returned
//! beside the event, into ECS time with the context's zone.

use std::borrow::Cow;
use std::sync::LazyLock;

use pyo3::prelude::*;
use pyo3::types::PyTuple;
use regex::Regex;

use crate::civil;
use crate::clock;
use crate::clock::Clock;
use crate::event::{Map, Val};
use crate::kv::{self, Record};
use crate::net;
use crate::pytext;

const DATASET: &str = "fortinet_fortigate.log";

const DENY: &[&str] = &[
    "deny",
    "blocked",
    "block",
    "dropped",
    "drop",
    "reset",
    "close-deny",
    "server-rst",
    "client-rst",
];
const ALLOW: &[&str] = &[
    "accept",
    "pass",
    "passthrough",
    "allow",
    "permit",
    "allowed",
    "dns",
    "start",
    "close",
    "timeout",
];
const TRAFFIC_DENY: &[&str] = &["deny", "drop", "dropped", "block", "blocked"];
const CONFIG_ACTIONS: &[&str] = &[
    "add",
    "edit",
    "delete",
    "move",
    "rename",
    "clone",
    "cfg-change",
];
/// Fields mapped to ECS, left out of `fortinet.firewall`.
fn taken(key: &str) -> bool {
    matches!(
        key,
        "date"
            | "time"
            | "tz"
            | "srcip"
            | "srcport"
            | "dstip"
            | "dstport"
            | "proto"
            | "policyname"
            | "transip"
            | "transport"
            | "tranip"
            | "tranport"
            | "sentbyte"
            | "rcvdbyte"
            | "sentpkt"
            | "rcvdpkt"
            | "user"
            | "devname"
            | "devid"
            | "remip"
            | "locip"
            | "remport"
            | "locport"
            | "direction"
            | "dir"
            | "msg"
            | "duration"
    )
}

/// Python's `str.isalpha()` (Unicode letters, at least one).
static ALPHA: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^\p{L}+$").unwrap());

/// What a line gives: the event and the device's time as written.
pub struct Found<'r> {
    pub event: Map<'r>,
    pub stamp: String,
}

/// A FortiGate line for Python: `(event or None, the device's time, reason or None)`.
///
/// The time is the tuple `SyslogClock.parts` takes, or the text for `SyslogClock.iso` when it has an
/// unusual shape (`collectors.syslog_header.header_timestamp` reads both).
pub(crate) fn line_to_py<'py>(line: &str, clock: Clock<'_, 'py>) -> PyResult<Bound<'py, PyTuple>> {
    let py = clock.py;
    parse(line, |parsed| match parsed {
        Ok(found) => (
            found.event.to_py(py)?,
            clock::iso_text_to_py(clock, &found.stamp)?,
            py.None(),
        )
            .into_pyobject(py),
        Err(reason) => (py.None(), py.None(), reason).into_pyobject(py),
    })
}

/// The event for one line; the error is the reason it cannot be read.
pub fn parse<T>(line: &str, then: impl FnOnce(Result<Found<'_>, String>) -> T) -> T {
    let Some(start) = line.find("date=") else {
        return then(Err("no date= field: not a FortiGate record".into()));
    };
    let text = &line[start..];
    let rec = if text.chars().nth(15) == Some(',') {
        Record::first_wins(csv_pairs(text))
    } else {
        kv::pairs(text)
    };
    then(map(&rec))
}

/// The pairs of a CSV-format record (`set format csv`): `key=value` joined by commas, quoted values
/// may hold commas (`([A-Za-z_][\w.\-]*)=(?:"((?:[^"\\]|\\.)*)"|([^,]*))(?:,|$)`, all matches).
fn csv_pairs(text: &str) -> Vec<(&str, Cow<'_, str>)> {
    let bytes = text.as_bytes();
    let mut found = Vec::with_capacity(48);
    let mut pos = 0;
    while let Some((start, equals)) = kv::next_key(text, pos) {
        let key = &text[start..equals];
        let at = equals + 1;
        let quoted = if bytes.get(at) == Some(&b'"') {
            kv::closing_quote(text, at + 1).and_then(|(close, _)| {
                let end = match bytes.get(close + 1) {
                    None => close + 1,
                    Some(b',') => close + 2,
                    Some(b'\n') if close + 2 == bytes.len() => close + 1, // `$` before a last newline
                    Some(_) => return None,
                };
                let value = text.get(at + 1..close).unwrap_or_default();
                Some((value, end))
            })
        } else {
            None
        };
        let (value, end) = match quoted {
            Some((value, end)) if !value.is_empty() => (kv::unescape(value), end),
            Some((_, end)) => (Cow::Borrowed(""), end),
            None => {
                let rest = text.get(at..).unwrap_or_default();
                match rest.find(',') {
                    Some(len) => (Cow::Borrowed(&rest[..len]), at + len + 1),
                    None => (Cow::Borrowed(rest), text.len()),
                }
            }
        };
        found.push((key, value));
        pos = end;
    }
    found
}

fn map<'r>(rec: &'r Record<'_>) -> Result<Found<'r>, String> {
    let (Some(date), Some(time)) = (rec.get("date"), rec.get("time")) else {
        return Err("FortiGate record without date and time".into());
    };
    let kind = rec.text("type");
    let subtype = rec.text("subtype");
    let action = rec.text("action");
    let (category, types) = classify(kind, subtype, action, rec);
    let mut event = Map::new();
    let fields = event.child("event");
    fields.set("kind", "event");
    fields.set("category", category);
    fields.set("type", types);
    fields.set("dataset", DATASET);
    fields.set("module", "fortinet_fortigate");
    if let Some(named) = event_action(kind, action, rec) {
        fields.set("action", named);
    }
    if let Some(outcome) = outcome(rec, action) {
        fields.set("outcome", outcome);
    }
    if let Some(seconds) = rec.get("duration").and_then(integer) {
        fields.set("duration", seconds.saturating_mul(1_000_000_000));
    }
    if let Some(code) = rec.get("logid") {
        fields.set("code", code);
    }
    if let Some(start) = eventtime(rec.text("eventtime")) {
        fields.set("start", start);
    }
    endpoints(&mut event, rec);
    if rec.contains("ip") || rec.contains("tunnelip") || rec.contains("assignip") {
        // a FortiClient's or a VPN tunnel's address
        net::add_related_ips(
            &mut event,
            [rec.text("ip"), rec.text("tunnelip"), rec.text("assignip")],
        );
    }
    let observer = event.child("observer");
    observer.set("vendor", "Fortinet");
    observer.set("product", "Fortigate");
    observer.set("type", "firewall");
    if let Some(name) = rec.get("devname") {
        observer.set("name", name);
    }
    if let Some(serial) = rec.get("devid") {
        observer.set("serial_number", serial);
    }
    if rec.contains("policyname") || rec.contains("policyid") {
        let rule = event.child("rule");
        for (key, value) in [
            ("name", rec.text("policyname")),
            ("id", rec.text("policyid")),
        ] {
            if !value.is_empty() {
                rule.set(key, value);
            }
        }
    }
    match rec.get("user") {
        Some(user) if !user.is_empty() && user != "N/A" => event.put("user.name", user),
        _ => {}
    }
    if let Some(message) = rec.get("msg") {
        event.set("message", message);
    }
    if kind == "utm" {
        content(&mut event, rec);
    }
    event.child("fortinet").set("firewall", rec.rest(taken));
    Ok(Found {
        event,
        stamp: stamp(date, time, rec.get("tz")),
    })
}

/// A non-negative decimal integer; one beyond 64 bits is the largest there is (Python kept it whole).
fn integer(value: &str) -> Option<i64> {
    net::is_decimal(value).then(|| value.parse().unwrap_or(i64::MAX))
}

/// `date`T`time`, with `tz` (`-0500`) as `-05:00` when it is one: the text the glue reads as ISO time.
fn stamp(date: &str, time: &str, tz: Option<&str>) -> String {
    let mut stamp = String::with_capacity(date.len() + time.len() + 7);
    stamp.push_str(date);
    stamp.push('T');
    stamp.push_str(time);
    if let Some(tz) = tz {
        let bytes = tz.as_bytes();
        if bytes.len() == 5 && matches!(bytes[0], b'+' | b'-') && net::is_decimal(&tz[1..]) {
            stamp.push_str(&tz[..3]);
            stamp.push(':');
            stamp.push_str(&tz[3..]);
        }
    }
    stamp
}

/// `eventtime`: epoch seconds (FortiOS 6.0), nanoseconds (6.2+) or milliseconds, as ECS time (UTC).
fn eventtime(value: &str) -> Option<String> {
    if !net::is_decimal(value) || !(9..=19).contains(&value.len()) {
        return None;
    }
    let mut nanos: u64 = value.parse().ok()?;
    for _ in value.len()..19 {
        nanos *= 10; // ljust(19, "0"): at most 10**19 - 1, within u64
    }
    let seconds = nanos / 1_000_000_000;
    let millis = (nanos % 1_000_000_000) / 1_000_000;
    Some(civil::epoch_timestamp(seconds, millis))
}

/// `event.action` as Elastic's pipeline names it; the device's `action` stays in `fortinet.firewall`.
fn event_action<'r>(kind: &str, action: &'r str, rec: &'r Record<'_>) -> Option<&'r str> {
    let named = match kind {
        // what the profile matched: ftgd_blk, signature, dns-query
        "utm" => Some(rec.text("eventtype"))
            .filter(|v| !v.is_empty())
            .unwrap_or(action),
        "event" => return None, // system, VPN and user events: the vectors carry no event.action
        _ => action,            // traffic: the policy's verdict
    };
    (!named.is_empty()).then_some(named)
}

fn classify(
    kind: &str,
    subtype: &str,
    action: &str,
    rec: &Record<'_>,
) -> (Vec<&'static str>, Vec<&'static str>) {
    if kind == "traffic" {
        // FortiOS: "deny" is the policy's block, "start" a session-start log; every other action
        // (close, timeout, server-rst, client-rst, ip-conn, dns...) is how an allowed session ended.
        if action.is_empty() {
            return (vec!["network"], vec!["connection", "end"]);
        }
        let verdict = if TRAFFIC_DENY.contains(&action) {
            "denied"
        } else {
            "allowed"
        };
        let phase = if action == "start" { "start" } else { "end" };
        return (vec!["network"], vec!["connection", phase, verdict]);
    }
    let verdict = if DENY.contains(&action) {
        Some("denied")
    } else if ALLOW.contains(&action) {
        Some("allowed")
    } else {
        None
    };
    match kind {
        "utm" => {
            let category = match subtype {
                "virus" => "malware",
                "ips" | "anomaly" | "waf" => "intrusion_detection",
                "dlp" => "file",
                _ => "network",
            };
            let mut types = if subtype == "dns" {
                vec!["info"]
            } else {
                vec![]
            };
            types.extend(verdict);
            if types.is_empty() {
                types.push("info");
            }
            (vec![category], types)
        }
        "event" => {
            if subtype == "user"
                || action.contains("login")
                || action.contains("logon")
                || action.contains("logoff")
            {
                let ending = action.contains("logoff") || action.contains("logout");
                return (
                    vec!["authentication"],
                    vec![if ending { "end" } else { "start" }],
                );
            }
            if subtype == "vpn" {
                return (vec!["network"], vec!["connection"]);
            }
            if subtype == "system" && action == "perf-stats" {
                return (vec!["host"], vec!["info"]);
            }
            if subtype == "system"
                && (rec.contains("cfgpath")
                    || CONFIG_ACTIONS.contains(&pytext::lower(action).as_str()))
            {
                // an administrator's Add/Edit/Delete of an object
                return (vec!["configuration"], vec!["change"]);
            }
            if subtype == "system" {
                return (vec!["host"], vec!["info"]);
            }
            (vec![], vec!["info"])
        }
        _ => (vec![], vec!["info"]),
    }
}

fn outcome(rec: &Record<'_>, action: &str) -> Option<&'static str> {
    match rec.get("status") {
        Some(status) if !status.is_empty() => Some(
            if matches!(status, "success" | "logon" | "logoff" | "up" | "down") {
                "success"
            } else {
                "failure"
            },
        ),
        _ if action.contains("fail") => Some("failure"),
        _ => (!action.is_empty()).then_some("success"),
    }
}

/// Source, destination and network; true when `proto` names no transport (Python wrote `None` there).
fn endpoints<'r>(event: &mut Map<'r>, rec: &'r Record<'_>) {
    let (src, dst, src_port, dst_port) = if rec.contains("srcip") || rec.contains("dstip") {
        ("srcip", "dstip", "srcport", "dstport")
    } else if rec.contains("remip") {
        ("remip", "locip", "remport", "locport")
    } else {
        return;
    };
    let (src, dst) = (rec.text(src), rec.text(dst));
    let mut source = net::endpoint(src, rec.get(src_port).and_then(net::port));
    let mut destination = net::endpoint(dst, rec.get(dst_port).and_then(net::port));
    nat(&mut source, rec.text("transip"), rec.text("transport"));
    nat(&mut destination, rec.text("tranip"), rec.text("tranport"));
    let mut bytes = (None, None);
    if let Some(sent) = rec.get("sentbyte") {
        let count = integer(sent).unwrap_or(0);
        source.set("bytes", count);
        bytes.0 = Some(count);
    }
    if let Some(received) = rec.get("rcvdbyte") {
        let count = integer(received).unwrap_or(0);
        destination.set("bytes", count);
        bytes.1 = Some(count);
    }
    let packets = (
        rec.get("sentpkt").and_then(integer),
        rec.get("rcvdpkt").and_then(integer),
    );
    source.put_opt("packets", packets.0);
    destination.put_opt("packets", packets.1);
    let source_ip = source.get_str("ip").unwrap_or_default();
    let destination_ip = destination.get_str("ip").unwrap_or_default();
    let found = match rec.get("direction").filter(|v| !v.is_empty()) {
        Some(said) => direction(said),
        None => direction(rec.text("dir")),
    }
    .or_else(|| net::direction(source_ip, destination_ip));
    event.attach("source", source);
    event.attach("destination", destination);
    let mut network = Map::new();
    // both directions, when both are counted (as Elastic's pipeline)
    for (field, counts) in [("bytes", bytes), ("packets", packets)] {
        if let (Some(sent), Some(received)) = counts {
            network.set(field, sent.saturating_add(received));
        }
    }
    if let Some(proto) = rec.get("proto") {
        network.set("iana_number", proto);
        // `proto=""` names no transport: Python wrote None there
        network.set(
            "transport",
            net::transport(proto).map_or(Val::Null, Val::from),
        );
    }
    if let Some(found) = found {
        network.set("direction", found);
    }
    event.attach("network", network);
    net::add_related_ips(event, [src, dst, rec.text("transip"), rec.text("tranip")]);
}

fn direction(said: &str) -> Option<&'static str> {
    match said {
        "outgoing" | "outbound" => Some("outbound"),
        "incoming" | "inbound" => Some("inbound"),
        _ => None,
    }
}

fn nat<'r>(side: &mut Map<'r>, address: &'r str, port: &str) {
    if net::ip(address).is_none() {
        return;
    }
    let mut nat = Map::new();
    nat.set("ip", address);
    nat.put_opt("port", net::port(port));
    side.set("nat", nat);
}

/// What a UTM profile looked at: the URL (`hostname` + `url`), the DNS name, the file.
fn content<'r>(event: &mut Map<'r>, rec: &'r Record<'_>) {
    let mut url = Map::new();
    if let Some(host) = rec.get("hostname") {
        url.set("domain", host);
    }
    let written = rec.text("url");
    if !written.is_empty() {
        let full = written
            .split_once("://")
            .is_some_and(|(scheme, _)| is_alpha(scheme));
        url.set(if full { "original" } else { "path" }, written); // a full URL, or the path
    }
    event.attach("url", url);
    if let Some(name) = rec.get("qname") {
        let mut question = Map::new();
        question.set("name", name);
        if let Some(kind) = rec.get("qtype") {
            question.set("type", kind);
        }
        event.child("dns").set("question", question);
    }
    if let Some(name) = rec.get("filename") {
        event.put("file.name", name);
    }
    if let Some(agent) = rec.get("agent") {
        event.put("user_agent.original", agent);
    }
    if let Some(category) = rec.get("catdesc") {
        event.child("rule").set("category", category);
    }
}

fn is_alpha(text: &str) -> bool {
    if text.is_ascii() {
        !text.is_empty() && text.bytes().all(|b| b.is_ascii_alphabetic())
    } else {
        ALPHA.is_match(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::Val;

    fn with<T>(line: &str, check: impl FnOnce(&Found<'_>) -> T) -> T {
        parse(line, |found| check(&found.expect("a record")))
    }

    #[test]
    fn traffic_record() {
        let line = r#"<189>date=2020-04-23 time=12:11:51 devname="fw1" devid="FG100E" logid="0000000020" type="traffic" subtype="forward" tz="-0500" srcip=192.168.10.10 srcport=6000 dstip=67.43.156.13 dstport=6000 proto=17 action="accept" policyid=3426 transip=67.43.156.14 transport=60964 sentbyte=438650 rcvdbyte=65446 eventtime=1587662511123456789"#;
        with(line, |found| {
            assert_eq!(found.stamp, "2020-04-23T12:11:51-05:00");
            let event = &found.event;
            assert_ne!(event.lookup("network.transport"), Some(&Val::Null));
            assert_eq!(event.get_str("network.transport"), Some("udp"));
            assert_eq!(event.get_str("network.direction"), Some("outbound"));
            assert_eq!(event.lookup("network.bytes"), Some(&Val::Int(504096)));
            assert_eq!(event.get_str("source.nat.ip"), Some("67.43.156.14"));
            assert_eq!(
                event.get_str("event.start"),
                Some("2020-04-23T17:21:51.123Z")
            );
            assert_eq!(event.get_str("fortinet.firewall.policyid"), Some("3426"));
            assert!(!event.contains("fortinet.firewall.srcip"));
        });
    }

    #[test]
    fn csv_records_keep_commas_in_quotes() {
        let found = csv_pairs(r#"date=2020-04-23,time=12:11:51,msg="a, \"b\"",x="y"z,date=1"#);
        let values: Vec<(&str, &str)> = found.iter().map(|(k, v)| (*k, &**v)).collect();
        assert_eq!(
            values,
            vec![
                ("date", "2020-04-23"),
                ("time", "12:11:51"),
                ("msg", "a, \"b\""),
                ("x", "\"y\"z"),
                ("date", "1")
            ]
        );
    }

    #[test]
    fn errors() {
        assert_eq!(
            parse("nothing here", |e| e.err()),
            Some("no date= field: not a FortiGate record".into())
        );
        assert_eq!(
            parse("date=2020-01-01 x=1", |e| e.err()),
            Some("FortiGate record without date and time".into())
        );
    }

    #[test]
    fn epoch_times() {
        assert_eq!(
            eventtime("9999999999999999999").as_deref(),
            Some("2286-11-20T17:46:39.999Z")
        );
        assert_eq!(eventtime("12345678"), None);
    }
}
