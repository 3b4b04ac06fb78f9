//! Linux netfilter `LOG` records (the kernel's `KEY=value` fields and the log prefix before them) → ECS.
//!
//! The format, the field names and the mapping are described in
//! `collectors/firewall/netfilter.py`, which converts the times this returns as written.

use std::borrow::Cow;
use std::sync::LazyLock;

use regex::Regex;

use pyo3::prelude::*;
use pyo3::types::PyTuple;

use crate::clock::Clock;
use crate::event::{Map, Val};
use crate::net;
use crate::pytext;
use crate::syslog_header::Syslog;

const DATASET: &str = "iptables.log";

// Python's `\s` (`str.isspace`) also holds the separators U+001C–U+001F, the regex crate's does not.
/// Where the kernel's fields start: `IN=` and `OUT=` always come together, even right after a prefix
/// written without its trailing space (`--log-prefix "DROP"` gives `DROPIN=eth0 OUT=`).
static START: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"IN=[^\s\x1c-\x1f=]* OUT=").unwrap());
static START_ALONE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?:^|[\s\x1c-\x1f\]:])((?:IN|OUT)=)").unwrap());
static UPTIME: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\[[\s\x1c-\x1f]*\d+\.\d+\][\s\x1c-\x1f]*").unwrap());
static CTIME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^\[(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) ([A-Z][a-z]{2} +\d{1,2}) (\d\d?:\d\d:\d\d) (\d{4})\][\s\x1c-\x1f]*",
    )
    .unwrap()
});
static UBIQUITI: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\[([^\]\s\x1c-\x1f\[]+)-(default|\d+)-([ADR])\]").unwrap());
/// A verdict inside a word; the word is Python's `\w+` (see `verdict_word`).
static VERDICT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)(DROP|DENY|REJECT|BLOCK)|(ACCEPT|ALLOW|PASS)").unwrap());
static APACHE_TIME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(\d\d)/(\w{3})/(\d{4}):(\d\d:\d\d:\d\d) ([+-]\d\d)(\d\d)").unwrap()
});

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// Packet fields before the protocol's, and their `iptables.*` names (Elastic's).
const IP_KEYS: &[(&str, &str)] = &[
    ("LEN", "length"),
    ("TOS", "tos"),
    ("PREC", "precedence_bits"),
    ("TTL", "ttl"),
    ("ID", "id"),
    ("TC", "tc"),
    ("HOPLIMIT", "hop_limit"),
    ("FLOWLBL", "flow_label"),
    ("MARK", "mark"),
    ("UID", "uid"),
    ("GID", "gid"),
];
/// Written after the protocol's fields (the socket's owner, the packet mark), yet about the packet.
const PACKET_KEYS: &[&str] = &["UID", "GID", "MARK"];
const FRAGMENT_FLAGS: &[&str] = &["DF", "MF", "CE"];

/// A protocol field's `iptables.<proto>.*` name: `str.lower()`, the usual ones without an allocation.
fn lower_key(key: &str) -> Cow<'static, str> {
    Cow::Borrowed(match key {
        "WINDOW" => "window",
        "RES" => "res",
        "URGP" => "urgp",
        "LEN" => "len",
        "TYPE" => "type",
        "CODE" => "code",
        "ID" => "id",
        "SEQ" => "seq",
        "MTU" => "mtu",
        _ => return Cow::Owned(pytext::lower(key)),
    })
}

/// A part of the prefix, borrowed when the prefix is.
fn part<'a>(text: &Cow<'a, str>, start: usize, end: usize) -> Val<'a> {
    match text {
        Cow::Borrowed(text) => Val::from(text.get(start..end).unwrap_or_default()),
        Cow::Owned(text) => Val::from(text.get(start..end).unwrap_or_default().to_owned()),
    }
}

fn number(value: &str) -> Val<'_> {
    net::integer(value).map_or(Val::from(value), Val::Int)
}

/// The record's fields: packet fields, bare flags, the protocol's fields, and the quoted packet of an ICMP error.
struct Fields<'a> {
    packet: Vec<(&'a str, &'a str)>,
    flags: Vec<&'a str>,
    proto: Vec<(&'a str, &'a str)>,
    quoted: &'a str,
}

fn get<'a>(pairs: &[(&str, &'a str)], key: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(name, _)| *name == key)
        .map(|(_, value)| *value)
}

fn take<'a>(pairs: &mut Vec<(&str, &'a str)>, key: &str) -> Option<&'a str> {
    let at = pairs.iter().position(|(name, _)| *name == key)?;
    Some(pairs.remove(at).1)
}

fn split_fields(text: &str) -> Fields<'_> {
    let (text, quoted) = match text.find(" [") {
        Some(cut) => (&text[..cut], pytext::strip(&text[cut + 1..])),
        None => (text, ""),
    };
    let mut fields = Fields {
        packet: Vec::with_capacity(16),
        flags: Vec::new(),
        proto: Vec::with_capacity(8),
        quoted,
    };
    let mut after_proto = false;
    for token in pytext::split_space(text).filter(|token| !token.is_empty()) {
        match token.split_once('=') {
            None => fields.flags.push(token),
            Some((key, value)) if after_proto && !PACKET_KEYS.contains(&key) => {
                if get(&fields.proto, key).is_none() {
                    fields.proto.push((key, value));
                }
            }
            Some((key, value)) => {
                if get(&fields.packet, key).is_none() {
                    fields.packet.push((key, value));
                }
                after_proto = key == "PROTO";
            }
        }
    }
    fields
}

/// The log prefix: the message without the kernel's uptime stamps, stripped.
fn without_uptime(message: &str) -> Cow<'_, str> {
    let mut found = UPTIME.find_iter(message);
    let Some(first) = found.next() else {
        return Cow::Borrowed(pytext::strip(message));
    };
    if found.next().is_none() && pytext::strip(&message[..first.start()]).is_empty() {
        return Cow::Borrowed(pytext::strip(&message[first.end()..]));
    }
    Cow::Owned(pytext::strip(&UPTIME.replace_all(message, "")).to_owned())
}

/// The times a record without a header time writes in its message: `dmesg -T`'s (`Mmm dd yyyy hh:mm:ss`)
/// and Proxmox's (ISO text).
type MessageTimes = (Option<String>, Option<String>);

/// A line → `(event or None, header time, reason or None, dmesg -T time, Proxmox time)`: `crate::line_result`'s
/// three, and the times the message writes when the header has none, for the Python side to convert. A line
/// without the kernel's fields is refused before its header is read (no header time then), as before.
pub fn line_to_py<'py>(line: &str, clock: Clock<'_, 'py>) -> PyResult<Bound<'py, PyTuple>> {
    let py = clock.py;
    let Some(at) = fields_start(line) else {
        let reason = "no IN=/OUT= and SRC= fields: not a netfilter log line";
        return (py.None(), py.None(), reason, py.None(), py.None()).into_pyobject(py);
    };
    let syslog = Syslog::read(line.get(..at).unwrap_or_default());
    let timeless = syslog.times.is_empty();
    let (mut event, (dmesg, apache)) = parse(
        line.get(at..).unwrap_or_default(),
        syslog.message(),
        syslog.app(),
        timeless,
    );
    if let Some(hostname) = syslog.hostname().filter(|name| !name.is_empty()) {
        event.put("host.hostname", hostname);
        event.put("observer.name", hostname);
    }
    if syslog.priority().is_some() {
        event.put("log.syslog", syslog.log_fields());
    }
    let time = syslog.time_to_py(clock)?;
    (event.to_py(py)?, time, py.None(), dmesg, apache).into_pyobject(py)
}

/// Where the kernel's fields start, None when the line has none.
fn fields_start(line: &str) -> Option<usize> {
    if let Some(found) = START.find(line) {
        return Some(found.start());
    }
    let found = START_ALONE.captures(line)?.get(1)?;
    line.contains("SRC=").then_some(found.start())
}

/// The event for one record. `text` is the text from `IN=`/`OUT=` on, `message` what the header left
/// before it; `timeless` when the header has no time: then the times found in the message come with it.
fn parse<'a>(
    text: &'a str,
    message: &'a str,
    app: Option<&'a str>,
    timeless: bool,
) -> (Map<'a>, MessageTimes) {
    let mut prefix = without_uptime(message);
    let mut dmesg = None;
    if timeless && prefix.starts_with('[') {
        if let Some(wall) = CTIME.captures(&prefix) {
            dmesg = Some(format!("{} {} {}", &wall[1], &wall[3], &wall[2]));
            let end = wall.get(0).map_or(0, |all| all.end());
            prefix = match prefix {
                Cow::Borrowed(text) => Cow::Borrowed(&text[end..]),
                Cow::Owned(text) => Cow::Owned(text[end..].to_owned()),
            };
        }
    }
    if prefix.is_empty() {
        if let Some(app) = app.filter(|app| !app.is_empty() && *app != "kernel") {
            prefix = Cow::Borrowed(app);
        }
    }
    let mut fields = split_fields(text);
    let src = get(&fields.packet, "SRC");
    let dst = get(&fields.packet, "DST");
    let proto = get(&fields.packet, "PROTO").unwrap_or("");
    let transport = if proto.eq_ignore_ascii_case("icmpv6") {
        Some("ipv6-icmp".to_owned())
    } else {
        net::transport(proto)
    };
    let mut source = net::endpoint(
        src.unwrap_or(""),
        take(&mut fields.proto, "SPT").and_then(net::port),
    );
    let mut destination = net::endpoint(dst.unwrap_or(""), None);
    if let Some(port) = take(&mut fields.proto, "DPT").and_then(net::port) {
        destination.set("port", port);
    }
    let mut iptables = Map::new();
    for (key, name) in IP_KEYS {
        if let Some(value) = get(&fields.packet, key) {
            iptables.set(name, number(value));
        }
    }

    let mut event = Map::new();
    let event_fields = event.child("event");
    event_fields.set("kind", "event");
    event_fields.set("category", vec!["network"]);
    event_fields.set("type", vec!["connection"]);
    event_fields.set("dataset", DATASET);
    event_fields.set("module", "iptables");
    event.set("source", Map::new());
    event.set("destination", Map::new());
    let mut zones = None;
    if let Some((verdict, action)) = verdict(&prefix, &mut event, &mut iptables, &mut zones) {
        let event_fields = event.child("event");
        event_fields.set("type", vec![verdict, "connection"]);
        event_fields.set("action", action);
    }
    let times = if timeless {
        (dmesg, apache_time(message))
    } else {
        (None, None)
    };
    let network = event.child("network");
    network.set("type", net::ip_type(src.unwrap_or("")));
    if let Some(transport) = &transport {
        network.set("transport", transport.clone());
    }
    let observer = event.child("observer");
    observer.set("type", "firewall");
    if let Some(name) = get(&fields.packet, "IN").filter(|name| !name.is_empty()) {
        observer.put("ingress.interface.name", name);
        iptables.set("input_device", name);
    }
    if let Some(name) = get(&fields.packet, "OUT").filter(|name| !name.is_empty()) {
        observer.put("egress.interface.name", name);
        iptables.set("output_device", name);
    }
    if let Some((input, output)) = zones {
        observer.child("ingress").set("zone", input);
        observer.child("egress").set("zone", output);
    }
    if let Some(mac) = get(&fields.packet, "MAC").filter(|mac| !mac.is_empty()) {
        let octets: Vec<&str> = mac.split(':').collect();
        if octets.len() >= 14 {
            destination.set("mac", pytext::upper(&octets[0..6].join("-")));
            source.set("mac", pytext::upper(&octets[6..12].join("-")));
            let ether_type = [octets[12], octets[13]].concat();
            if ether_type.len() == 4 && ether_type.bytes().all(|b| b.is_ascii_hexdigit()) {
                if let Ok(value) = i64::from_str_radix(&ether_type, 16) {
                    iptables.set("ether_type", value);
                }
            }
        }
    }
    event.set("source", source);
    event.set("destination", destination);
    let fragment: Vec<&str> = fields
        .flags
        .iter()
        .copied()
        .filter(|flag| FRAGMENT_FLAGS.contains(flag))
        .collect();
    if !fragment.is_empty() {
        iptables.set("fragment_flags", fragment);
    }
    let tcp = transport.as_deref() == Some("tcp");
    if !fields.proto.is_empty() || (tcp && !fields.flags.is_empty()) {
        let mut block = Map::new();
        for (key, value) in &fields.proto {
            block.set_data(lower_key(key), *value);
        }
        if tcp {
            let flags: Vec<&str> = fields
                .flags
                .iter()
                .copied()
                .filter(|flag| !FRAGMENT_FLAGS.contains(flag))
                .collect();
            block.set("flags", flags);
        }
        match transport.as_deref() {
            None => iptables.set("protocol", block),
            Some("tcp") => iptables.set("tcp", block),
            Some("udp") => iptables.set("udp", block),
            Some("icmp") | Some("ipv6-icmp") => iptables.set("icmp", block),
            Some(other) => iptables.set_data(other.to_owned(), block),
        }
    }
    if !fields.quoted.is_empty() {
        iptables.set("quoted_packet", fields.quoted);
    }
    if !prefix.is_empty() {
        let all = prefix.len();
        iptables.set("log_prefix", part(&prefix, 0, all));
    }
    net::add_related_ips(&mut event, [src, dst].into_iter().flatten());
    event.set("iptables", iptables);
    (event, times)
}

/// `event.type`'s verdict and `event.action`: Ubiquiti's letter, or the prefix's verdict word lower-cased.
fn verdict<'a>(
    prefix: &Cow<'a, str>,
    event: &mut Map<'a>,
    iptables: &mut Map<'a>,
    zones: &mut Option<(Val<'a>, Val<'a>)>,
) -> Option<(&'static str, Val<'a>)> {
    if prefix.is_empty() {
        return None;
    }
    if let Some(found) = UBIQUITI.captures(prefix) {
        let (set, id, letter) = (found.get(1)?, found.get(2)?, found.get(3)?);
        let rule = event.child("rule");
        rule.set("name", part(prefix, set.start(), set.end()));
        rule.set("id", part(prefix, id.start(), id.end()));
        let mut ubiquiti = Map::new();
        ubiquiti.set("rule_set", part(prefix, set.start(), set.end()));
        ubiquiti.set("rule_number", part(prefix, id.start(), id.end()));
        if let Some(dash) = set.as_str().find('-') {
            // a zone policy (wan-lan); WAN_IN and LAN_LOCAL name an interface's rules
            if dash + 1 < set.len() {
                let input = part(prefix, set.start(), set.start() + dash);
                let output = part(prefix, set.start() + dash + 1, set.end());
                ubiquiti.set("input_zone", input.clone());
                ubiquiti.set("output_zone", output.clone());
                *zones = Some((input, output));
            }
        }
        iptables.set("ubiquiti", ubiquiti);
        return Some(match letter.as_str() {
            "A" => ("allowed", Val::from("accept")),
            "D" => ("denied", Val::from("drop")),
            _ => ("denied", Val::from("reject")),
        });
    }
    let (word, denied) = verdict_word(prefix)?;
    let verdict = if denied { "denied" } else { "allowed" };
    Some((verdict, Val::from(pytext::lower(word))))
}

/// Python's `(?i)\b\w*?(?:(DROP|DENY|REJECT|BLOCK)|(ACCEPT|ALLOW|PASS))\w*`: the first word (a run of
/// Python's `\w`, which takes `²` and not combining marks, unlike the regex crate's) holding a verdict, and
/// whether that verdict (its first in the word) denies.
fn verdict_word(text: &str) -> Option<(&str, bool)> {
    let is_word = |c: char| c == '_' || pytext::is_alnum(c);
    let mut rest = text;
    while let Some(start) = rest.find(is_word) {
        let from = rest.get(start..)?;
        let end = from.find(|c: char| !is_word(c)).unwrap_or(from.len());
        let word = from.get(..end)?;
        if let Some(found) = VERDICT.captures(word) {
            return Some((word, found.get(1).is_some()));
        }
        rest = from.get(end..)?;
    }
    None
}

/// Proxmox writes `20/Jun/2022:13:09:14 +0200` before the fields: that time as ISO text.
fn apache_time(text: &str) -> Option<String> {
    let found = APACHE_TIME.captures(text)?;
    let month = MONTHS.iter().position(|name| *name == &found[2])? + 1;
    Some(format!(
        "{}-{:02}-{}T{}{}:{}",
        &found[3], month, &found[1], &found[4], &found[5], &found[6]
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    const FIELDS: &str = "IN=eth0 OUT= MAC=52:54:00:12:34:56:52:54:00:ab:cd:ef:08:00 SRC=198.51.100.9 \
        DST=10.0.0.5 LEN=60 TOS=0x00 PREC=0x00 TTL=52 ID=54321 DF PROTO=TCP SPT=44444 DPT=22 WINDOW=64240 \
        RES=0x00 SYN URGP=0";

    #[test]
    fn fields_flags_and_verdict() {
        let (event, times) = parse(FIELDS, "[ 12.5] [UFW BLOCK] ", Some("kernel"), false);
        assert_eq!(times, (None, None));
        assert_eq!(event.get_str("event.action"), Some("block"));
        assert_eq!(event.lookup("destination.port"), Some(&Val::Int(22)));
        assert_eq!(event.get_str("source.mac"), Some("52-54-00-AB-CD-EF"));
        assert_eq!(event.lookup("iptables.ether_type"), Some(&Val::Int(0x800)));
        assert_eq!(event.get_str("iptables.log_prefix"), Some("[UFW BLOCK]"));
        assert_eq!(
            event.lookup("iptables.tcp.flags"),
            Some(&Val::from(vec!["SYN"]))
        );
        assert_eq!(
            event.lookup("iptables.fragment_flags"),
            Some(&Val::from(vec!["DF"]))
        );
    }

    #[test]
    fn ubiquiti_zones_and_dmesg_time() {
        let (event, (dmesg, apache)) = parse(
            FIELDS,
            "[Fri Nov 27 10:00:00 2026] [wan-lan-default-D]",
            None,
            true,
        );
        assert_eq!(dmesg.as_deref(), Some("Nov 27 2026 10:00:00"));
        assert_eq!(apache, None);
        assert_eq!(event.get_str("observer.ingress.zone"), Some("wan"));
        assert_eq!(event.get_str("rule.id"), Some("default"));
        assert_eq!(event.get_str("event.action"), Some("drop"));
    }

    #[test]
    fn verdict_words_as_python_reads_them() {
        assert_eq!(verdict_word("[x] 09²DENY: "), Some(("09²DENY", true)));
        assert_eq!(verdict_word(" ²drop_in"), Some(("²drop_in", true)));
        assert_eq!(verdict_word("a\u{301}ACCEPT"), Some(("ACCEPT", false)));
        assert_eq!(verdict_word("PASSDROP x"), Some(("PASSDROP", false)));
        assert_eq!(verdict_word("nothing here"), None);
    }

    #[test]
    fn where_the_fields_start() {
        assert_eq!(
            fields_start("kernel: DROPIN=eth0 OUT= SRC=1.2.3.4"),
            Some(12)
        );
        assert_eq!(fields_start("x [f]OUT=eth1 SRC=1.2.3.4"), Some(5));
        assert_eq!(fields_start("OUT=eth1 DST=1.2.3.4"), None);
        assert_eq!(fields_start("xOUT=eth1 SRC=1.2.3.4"), None);
    }

    #[test]
    fn apache_time_of_proxmox() {
        assert_eq!(
            apache_time("x 20/Jun/2022:13:09:14 +0200 y").as_deref(),
            Some("2022-06-20T13:09:14+02:00")
        );
        assert_eq!(apache_time("20/Jux/2022:13:09:14 +0200"), None);
    }
}
