//! SonicWall SonicOS "enhanced" `key=value` lines → ECS.
//!
//! The format and the mapping are described in `collectors/firewall/sonicwall.py`,
//! which calls this with the whole line and converts the times returned beside
//! the event with the context's zone: the syslog header's (before the record)
//! and the record's `time=`.

use std::sync::LazyLock;

use pyo3::prelude::*;
use pyo3::types::PyTuple;
use regex::Regex;

use crate::clock;
use crate::clock::Clock;
use crate::event::{Map, Val};
use crate::kv::{self, Record};
use crate::net;
use crate::pytext;
use crate::syslog_header::Syslog;

const DATASET: &str = "sonicwall_firewall.log";

/// `\bid=\S+\s+sn=\S+\s+time="` with Python's `\s` (U+001C–U+001F are white space there); `\b` is checked apart.
static SNIFF: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"id=[^\s\x1c-\x1f]+[\s\x1c-\x1f]+sn=[^\s\x1c-\x1f]+[\s\x1c-\x1f]+time=""#).unwrap()
});
/// `(?i)\b(?:dropped|denied|blocked|rejected|discarded)\b`, its `\b` checked apart with Python's `\w`.
static DENIED_TEXT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)(?:dropped|denied|blocked|rejected|discarded)").unwrap());

const NET: &[&str] = &["network"];
const AUTH: &[&str] = &["authentication"];
const IDS: &[&str] = &["intrusion_detection"];
const MALWARE: &[&str] = &["malware"];

/// (event.action, categories, types, outcome).
type Class = (
    Option<&'static str>,
    &'static [&'static str],
    &'static [&'static str],
    &'static str,
);

const CONNECTION_START: Class = (
    Some("connection-start"),
    NET,
    &["connection", "start"],
    "success",
);
const CONNECTION_END: Class = (
    Some("connection-end"),
    NET,
    &["connection", "end"],
    "success",
);
const CONNECTION_INFO: Class = (
    Some("connection-info"),
    NET,
    &["connection", "info"],
    "success",
);
const CONNECTION_DENIED: Class = (
    Some("connection-denied"),
    NET,
    &["connection", "denied"],
    "success",
);
const CONNECTION_ALLOWED: Class = (
    Some("connection-allowed"),
    NET,
    &["connection", "allowed"],
    "success",
);
const PACKET_DROPPED: Class = (Some("packet-dropped"), NET, &["denied"], "success");
const PACKET_ALLOWED: Class = (Some("packet-allowed"), NET, &["allowed"], "success");
const LOGIN_SUCCESS: Class = (Some("login-success"), AUTH, &["start"], "success");
const LOGIN_FAILURE: Class = (Some("login-failure"), AUTH, &["start", "info"], "failure");
const LOGOUT: Class = (Some("logout"), AUTH, &["end"], "success");
const ATTACK_DETECTED: Class = (Some("attack-detected"), IDS, &["info"], "success");
const ATTACK_PREVENTED: Class = (Some("attack-prevented"), IDS, &["denied"], "success");
const MALWARE_DETECTED: Class = (Some("malware-detected"), MALWARE, &["info"], "success");
const MALWARE_PREVENTED: Class = (Some("malware-prevented"), MALWARE, &["denied"], "success");

/// Message id (`m=`) → its class (the table in sonicwall.py says what each id is).
fn message_class(id: &str) -> Option<Class> {
    Some(match id {
        "14" => CONNECTION_DENIED,
        "16" => CONNECTION_ALLOWED,
        "24" | "29" | "1080" => LOGIN_SUCCESS,
        "30" | "31" | "35" => LOGIN_FAILURE,
        "36" | "37" | "38" | "41" | "173" | "602" => PACKET_DROPPED,
        "82" | "608" | "1154" => ATTACK_DETECTED,
        "98" | "1235" => CONNECTION_START,
        "199" | "200" => LOGOUT,
        "537" | "1236" => CONNECTION_END,
        "597" | "598" => PACKET_ALLOWED,
        "609" | "1155" => ATTACK_PREVENTED,
        "794" | "809" => MALWARE_DETECTED,
        "795" => MALWARE_PREVENTED,
        "1153" | "1197" => CONNECTION_INFO,
        _ => return None,
    })
}

/// `pri=` (the syslog severity SonicOS gives the message) → `log.level` as Elastic names it.
fn level(priority: &str) -> Option<(i64, &'static str)> {
    Some(match priority {
        "0" => (0, "emergency"),
        "1" => (1, "alert"),
        "2" => (2, "critical"),
        "3" => (3, "error"),
        "4" => (4, "warning"),
        "5" => (5, "notice"),
        "6" => (6, "info"),
        "7" => (7, "debug"),
        _ => return None,
    })
}

/// Fields mapped to ECS, left out of `sonicwall.firewall`.
fn taken(key: &str) -> bool {
    matches!(
        key,
        "time"
            | "src"
            | "dst"
            | "srcV6"
            | "dstV6"
            | "natSrc"
            | "natDst"
            | "proto"
            | "sent"
            | "rcvd"
            | "spkt"
            | "rpkt"
            | "usr"
            | "msg"
            | "m"
            | "srcMac"
            | "dstMac"
            | "srcZone"
            | "dstZone"
    )
}

/// Where the record starts (`id=… sn=… time="`, at a word's start), as Python's search finds it.
fn record_start(line: &str) -> Option<usize> {
    let mut from = 0;
    while let Some(found) = SNIFF.find_at(line, from) {
        let start = found.start();
        let before = line[..start].chars().next_back();
        if before.is_none_or(|c| !(c == '_' || pytext::is_alnum(c))) {
            return Some(start);
        }
        from = start + 1; // "id" is ASCII: start + 1 is a character boundary
    }
    None
}

/// What a line gives: the syslog header before the record, the event, and the record's `time=` as the
/// glue reads it (`record_time`).
pub struct Found<'r> {
    pub header: Syslog<'r>,
    pub event: Map<'r>,
    pub time: Option<String>,
}

/// A SonicWall line for Python: `(event or None, header time, record time, reason or None)`.
///
/// The header time is as `Syslog::time_to_py` gives it (None without a header or a record); the record's
/// `time=` is None when empty, else as `clock::iso_text_to_py` gives it, after `record_time`.
pub(crate) fn line_to_py<'py>(line: &str, clock: Clock<'_, 'py>) -> PyResult<Bound<'py, PyTuple>> {
    let py = clock.py;
    parse(line, |parsed| match parsed {
        Ok(found) => {
            let event = found.event.to_py(py)?;
            let time = match &found.time {
                Some(time) => clock::iso_text_to_py(clock, time)?,
                None => py.None().into_bound(py),
            };
            let header = found.header.time_to_py(clock)?;
            (event, header, time, py.None()).into_pyobject(py)
        }
        Err(reason) => (py.None(), py.None(), py.None(), reason).into_pyobject(py),
    })
}

/// `time=` as an ISO time: stripped, ` UTC` as `Z`, else its first two `/` as `-`; None when empty.
fn record_time(value: &str) -> Option<String> {
    if value.is_empty() {
        return None;
    }
    let value = pytext::strip(value);
    Some(match value.strip_suffix(" UTC") {
        Some(local) => format!("{local}Z"),
        None => value.replacen('/', "-", 2),
    })
}

/// The line's header, event and times; the error is why the line cannot be read.
pub fn parse<T>(line: &str, then: impl FnOnce(Result<Found<'_>, String>) -> T) -> T {
    let Some(start) = record_start(line) else {
        return then(Err("no id= sn= time= fields: not a SonicWall record".into()));
    };
    let header = Syslog::read(&line[..start]);
    let rec = kv::pairs(&line[start..]);
    then(Ok(Found {
        header,
        event: map(&rec),
        time: record_time(rec.text("time")),
    }))
}

fn map<'r>(rec: &'r Record<'_>) -> Map<'r> {
    let message_id = rec.text("m");
    let text = rec.text("msg");
    let (action, category, types, outcome) = classify(message_id, text);
    let mut event = Map::new();
    let fields = event.child("event");
    fields.set("kind", if category == IDS { "alert" } else { "event" });
    if !category.is_empty() {
        fields.set("category", category.to_vec());
        fields.set("type", types.to_vec());
        fields.set("outcome", outcome);
    }
    if let Some(action) = action {
        fields.set("action", action);
    }
    if !message_id.is_empty() {
        fields.set("code", message_id);
    }
    fields.set("dataset", DATASET);
    fields.set("module", "sonicwall_firewall");
    let level = level(rec.text("pri"));
    if let Some((severity, _)) = level {
        fields.set("severity", severity);
    }
    if let Some(sequence) = rec.get("n").and_then(integer) {
        fields.set("sequence", sequence);
    }
    if !text.is_empty() {
        event.set("message", text);
    }
    if let Some((_, name)) = level {
        event.put("log.level", name);
    }
    let io = endpoints(&mut event, rec);
    let observer = event.child("observer");
    observer.set("vendor", "SonicWall");
    observer.set("product", "SonicOS");
    observer.set("type", "firewall");
    for (key, side) in io {
        observer.set(key, side);
    }
    let id = rec.text("id");
    if !id.is_empty() {
        observer.set("name", id); // the firewall name SonicOS is configured with
    }
    if let Some(serial) = rec.get("sn") {
        observer.set("serial_number", serial);
    }
    let fw = rec.text("fw");
    if net::ip(fw).is_some() {
        observer.set("ip", vec![fw]);
    }
    let user = rec.text("usr");
    if !user.is_empty() {
        event.put("user.name", user);
        event.child("related").set("user", vec![user]);
    }
    if let Some(rule) = rec.get("rule") {
        event.put("rule.name", rule);
    }
    web(&mut event, rec);
    event.child("sonicwall").set("firewall", rec.rest(taken));
    event
}

/// A non-negative decimal integer; one beyond 64 bits is the largest there is (Python kept it whole).
fn integer(value: &str) -> Option<i64> {
    net::is_decimal(value).then(|| value.parse().unwrap_or(i64::MAX))
}

fn classify(message_id: &str, text: &str) -> Class {
    if let Some(known) = message_class(message_id) {
        return known;
    }
    if denied_text(text) {
        return (None, NET, &["denied"], "success");
    }
    (None, &[], &[], "")
}

fn is_py_word(c: Option<char>) -> bool {
    c.is_some_and(|c| c == '_' || pytext::is_alnum(c))
}

/// Whether the text says the traffic was refused, as a whole word (Python's `\b`).
fn denied_text(text: &str) -> bool {
    let mut from = 0;
    while let Some(found) = DENIED_TEXT.find_at(text, from) {
        let before = text[..found.start()].chars().next_back();
        let after = text[found.end()..].chars().next();
        if !is_py_word(before) && !is_py_word(after) {
            return true;
        }
        let first = text[found.start()..]
            .chars()
            .next()
            .map_or(1, char::len_utf8);
        from = found.start() + first;
    }
    false
}

/// `url.*` from a web request's host (`dstname`) and path (`arg`), `http.request.method` from `op`.
fn web<'r>(event: &mut Map<'r>, rec: &'r Record<'_>) {
    let host = rec.text("dstname");
    if let (false, Some(path)) = (host.is_empty(), rec.get("arg")) {
        let mut url = Map::new();
        url.set("domain", host);
        url.set("path", path);
        let proto = rec.text("proto");
        let scheme = proto.rsplit_once('/').map_or(proto, |(_, last)| last);
        if scheme == "http" || scheme == "https" {
            url.set("scheme", scheme);
            url.set("full", format!("{scheme}://{host}{path}"));
        }
        event.set("url", url);
    }
    let method = match rec.text("op") {
        "1" => "GET",
        "2" => "POST",
        "3" => "HEAD",
        _ => return,
    };
    if event.contains("url") {
        event.put("http.request.method", method);
    }
}

/// `ip:port:iface:name` with any part empty or missing ("" for a missing one).
fn address(value: &str) -> [&str; 4] {
    let mut out = [""; 4];
    if value.is_empty() {
        return out;
    }
    let colons = value.bytes().filter(|b| *b == b':').count();
    if colons > 3 {
        // an IPv6 address, alone or with the rest after it
        if net::ip(value).is_some() {
            out[0] = value;
            return out;
        }
        let parts: Vec<&str> = value.split(':').collect();
        let ends: Vec<usize> = value
            .bytes()
            .enumerate()
            .filter(|(_, b)| *b == b':')
            .map(|(at, _)| at)
            .collect();
        let count = parts.len();
        let lowest = (count as isize - 4).max(1) as usize;
        for end in (lowest + 1..count).rev() {
            let joined = &value[..ends[end - 1]];
            if net::is_decimal(parts[end]) && net::ip(joined).is_some() {
                out[0] = joined;
                for (slot, part) in out[1..].iter_mut().zip(&parts[end..]) {
                    *slot = part;
                }
                return out;
            }
        }
        return out;
    }
    for (slot, part) in out.iter_mut().zip(value.split(':')) {
        *slot = part;
    }
    out
}

/// A MAC address in ECS form (`AA-BB-CC-DD-EE-FF`), or None when the value is not one.
fn mac(value: &str) -> Option<String> {
    let bytes = value.as_bytes();
    if bytes.len() != 17 {
        return None;
    }
    for (at, byte) in bytes.iter().enumerate() {
        let fits = if at % 3 == 2 {
            *byte == b':' || *byte == b'-'
        } else {
            byte.is_ascii_hexdigit()
        };
        if !fits {
            return None;
        }
    }
    Some(value.replace(':', "-").to_ascii_uppercase())
}

/// An observer's `ingress`/`egress` side.
type Side<'r> = (&'static str, Map<'r>);

/// Fill source/destination/network/related; returns the observer's ingress/egress interfaces, and
/// whether `proto` names no transport.
fn endpoints<'r>(event: &mut Map<'r>, rec: &'r Record<'_>) -> Vec<Side<'r>> {
    let mut io = Vec::new();
    let mut addresses: [&str; 4] = [""; 4];
    let mut sides = [Map::new(), Map::new()];
    let keys = [
        ("src", "srcV6", "natSrc", "srcMac", "srcZone", "ingress"),
        ("dst", "dstV6", "natDst", "dstMac", "dstZone", "egress"),
    ];
    for (at, (key, v6, nat_key, mac_key, zone_key, io_key)) in keys.into_iter().enumerate() {
        let [written, port, interface, name] = address(rec.text(key));
        let address = Some(rec.text(v6))
            .filter(|v| !v.is_empty())
            .unwrap_or(written);
        let mut found = net::endpoint(address, net::port(port));
        if !name.is_empty() {
            found.set("domain", name);
        }
        let [nat_address, nat_port, _, _] = self::address(rec.text(nat_key));
        let mut nat = Map::new();
        if net::ip(nat_address).is_some() {
            nat.set("ip", nat_address);
        }
        nat.put_opt("port", net::port(nat_port));
        found.attach("nat", nat);
        if let Some(mac) = mac(rec.text(mac_key)) {
            found.set("mac", mac);
        }
        let mut side = Map::new();
        if !interface.is_empty() {
            side.put("interface.name", interface);
        }
        let zone = rec.text(zone_key);
        if !zone.is_empty() {
            side.set("zone", zone);
        }
        if !side.is_empty() {
            io.push((io_key, side));
        }
        addresses[at * 2] = address;
        addresses[at * 2 + 1] = nat_address;
        sides[at] = found;
    }
    let [mut source, mut destination] = sides;
    let mut network = Map::new();
    for (field, sent, received) in [("bytes", "sent", "rcvd"), ("packets", "spkt", "rpkt")] {
        let mut total: Option<i64> = None;
        for (target, key) in [(&mut source, sent), (&mut destination, received)] {
            if let Some(count) = rec.get(key).and_then(integer) {
                target.set(field, count);
                total = Some(count.saturating_add(total.unwrap_or(0)));
            }
        }
        // what was counted: a connection that just opened reports only sent=
        network.put_opt(field, total);
    }
    event.attach("source", source);
    event.attach("destination", destination);
    let proto = rec.text("proto");
    if !proto.is_empty() {
        let (name, service) = proto.split_once('/').unwrap_or((proto, ""));
        // some releases repeat the transport: tcp/tcp/5900
        let service = service.rsplit_once('/').map_or(service, |(_, last)| last);
        // `proto=/https` names no transport: Python wrote None there
        network.set(
            "transport",
            net::transport(name).map_or(Val::Null, Val::from),
        );
        if !service.is_empty() && !net::is_decimal(service) && service != name {
            network.set("protocol", service);
        }
    }
    event.attach("network", network);
    // the firewall itself, as Elastic lists it
    net::add_related_ips(event, addresses.into_iter().chain([rec.text("fw")]));
    io
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses() {
        assert_eq!(
            address("10.0.0.3:52379:X0"),
            ["10.0.0.3", "52379", "X0", ""]
        );
        assert_eq!(address("fe80::1:2:3"), ["fe80::1:2:3", "", "", ""]);
        assert_eq!(address("2001:db8::1:443:X1:web:x"), ["", "", "", ""]);
        assert_eq!(address("2001:db8::g:1:443:X1"), ["", "", "", ""]);
        assert_eq!(
            mac("00:17:c5:0a:0B-0c").as_deref(),
            Some("00-17-C5-0A-0B-0C")
        );
    }

    #[test]
    fn record() {
        let line = r#"<134>Feb 22 18:24:31 fw1 id=firewall sn=0017C5 time="2022-02-22 18:24:30 UTC" fw=10.0.0.2 pri=6 m=98 msg="Connection Opened" src=10.0.0.3:52379:X0 dst=216.160.83.61:443:X1 proto=tcp/https sent=52 usr="alice""#;
        parse(line, |found| {
            let found = found.expect("a record");
            assert_eq!(found.header.hostname(), Some("fw1"));
            assert_eq!(found.header.priority(), Some(134));
            assert_eq!(found.header.times.len(), 1);
            assert_eq!(found.time.as_deref(), Some("2022-02-22 18:24:30Z"));
            let event = &found.event;
            assert_ne!(event.lookup("network.transport"), Some(&Val::Null));
            assert!(!event.contains("@timestamp"));
            assert_eq!(event.get_str("event.action"), Some("connection-start"));
            assert_eq!(event.get_str("network.protocol"), Some("https"));
            assert_eq!(event.get_str("observer.ingress.interface.name"), Some("X0"));
            assert_eq!(event.get_str("sonicwall.firewall.fw"), Some("10.0.0.2"));
        });
        assert!(parse("xid=a sn=b time=\"", |found| found.is_err()));
    }

    #[test]
    fn record_times() {
        assert_eq!(record_time(""), None);
        assert_eq!(
            record_time(" 2022/02/22 18:24:30/x ").as_deref(),
            Some("2022-02-22 18:24:30/x")
        );
        assert_eq!(record_time("\u{1c}x UTC").as_deref(), Some("xZ"));
        assert_eq!(record_time(" ").as_deref(), Some(""));
    }
}
