//! Check Point Log Exporter lines → ECS: the syslog header, then the record (the message's
//! `[key:"value"; …]` list, or the header's RFC 5424 `Fields@1.3.6.1.4.1.2620` parameters).
//!
//! The layouts and the mapping are described in `collectors/firewall/checkpoint.py`, which calls
//! this, converts the header's time in the configured zone, and, when the header has no year (BSD),
//! prefers the record's epoch `time` returned beside the event.

use std::borrow::Cow;
use std::collections::hash_map::Entry;
use std::collections::HashMap;
use std::hash::BuildHasherDefault;
use std::sync::LazyLock;

use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple};
use regex::Regex;

use crate::clock::Clock;
use crate::event::{KeyHasher, Map, Val};
use crate::net;
use crate::pytext;
use crate::syslog_header::Syslog;

/// The RFC 5424 SD-ID under which Log Exporter writes the record as structured data.
pub(crate) const SD_ID: &[u8] = b"Fields@1.3.6.1.4.1.2620";

/// `key:"value"` with backslash escapes inside the value (the full grammar, for records that escape).
static PAIR: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"([\w\-.@]+):"([^"\\]*(?:\\.[^"\\]*)*)""#).unwrap());

/// One record field: a key may repeat (one value per matched rule layer), then it holds a list.
#[derive(Debug)]
enum Field<'a> {
    One(Cow<'a, str>),
    Many(Vec<Cow<'a, str>>),
}

impl<'a> Field<'a> {
    fn first(&self) -> &Cow<'a, str> {
        match self {
            Field::One(value) => value,
            Field::Many(values) => &values[0], // never empty: made from two values, then grown
        }
    }

    fn into_val(self) -> Val<'a> {
        match self {
            Field::One(value) => Val::Str(value),
            Field::Many(values) => Val::List(values.into_iter().map(Val::Str).collect()),
        }
    }

    fn to_val(&self) -> Val<'a> {
        match self {
            Field::One(value) => Val::Str(value.clone()),
            Field::Many(values) => Val::List(values.iter().cloned().map(Val::Str).collect()),
        }
    }
}

/// The record's fields in their order; empty values dropped, repeated keys as lists.
#[derive(Debug, Default)]
struct Record<'a> {
    entries: Vec<(&'a str, Field<'a>)>,
    index: HashMap<&'a str, usize, BuildHasherDefault<KeyHasher>>,
}

impl<'a> Record<'a> {
    fn with_capacity(capacity: usize) -> Self {
        Record {
            entries: Vec::with_capacity(capacity),
            index: HashMap::with_capacity_and_hasher(capacity, BuildHasherDefault::default()),
        }
    }

    fn push(&mut self, key: &'a str, value: Cow<'a, str>) {
        if value.is_empty() {
            return;
        }
        match self.index.entry(key) {
            Entry::Vacant(slot) => {
                slot.insert(self.entries.len());
                self.entries.push((key, Field::One(value)));
            }
            Entry::Occupied(slot) => {
                let field = &mut self.entries[*slot.get()].1;
                match field {
                    Field::Many(values) => values.push(value),
                    Field::One(previous) => {
                        let previous = std::mem::take(previous);
                        *field = Field::Many(vec![previous, value]);
                    }
                }
            }
        }
    }

    fn get(&self, key: &str) -> Option<&Field<'a>> {
        self.index.get(key).map(|&at| &self.entries[at].1)
    }

    fn has(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    /// The (first) value of a key, as Python's `_first(rec.get(key))`.
    fn value(&self, key: &str) -> Option<&Cow<'a, str>> {
        self.get(key).map(Field::first)
    }

    fn text(&self, key: &str) -> Option<&str> {
        self.value(key).map(|value| value.as_ref())
    }
}

/// Keys mapped to ECS and so left out of `checkpoint.*`.
fn mapped(key: &str) -> bool {
    matches!(
        key,
        "src"
            | "dst"
            | "s_port"
            | "service"
            | "svc"
            | "sport_svc"
            | "proto"
            | "xlatesrc"
            | "xlatedst"
            | "xlatesport"
            | "xlatedport"
            | "xlatesport_svc"
            | "xlatedport_svc"
            | "ifdir"
            | "ifname"
            | "rule_name"
            | "product"
            | "ProductName"
            | "user"
            | "administrator"
            | "client_ip"
            | "action"
            | "sent_bytes"
            | "received_bytes"
            | "client_outbound_bytes"
            | "server_outbound_bytes"
            | "client_outbound_packets"
            | "server_outbound_packets"
            | "bytes"
            | "packets"
            | "duration"
            | "origin"
            | "time"
    )
}

/// (ECS object, field, the keys that may hold it, first valid one wins).
const COUNTERS: &[(&str, &str, &[&str])] = &[
    ("source", "bytes", &["sent_bytes", "client_outbound_bytes"]),
    (
        "destination",
        "bytes",
        &["received_bytes", "server_outbound_bytes"],
    ),
    ("source", "packets", &["client_outbound_packets"]),
    ("destination", "packets", &["server_outbound_packets"]),
    ("network", "bytes", &["bytes"]), // the connection's totals, both directions
    ("network", "packets", &["packets"]),
];

/// Check Point fields whose value is an ECS field as written (Elastic's integration); they stay under `checkpoint.*` too.
const CONTENT: &[(&str, &str)] = &[
    ("resource", "url.original"),
    ("http_host", "url.domain"),
    ("method", "http.request.method"),
    ("user_agent", "user_agent.original"),
    ("web_client_type", "user_agent.name"),
    ("src_user_name", "source.user.name"),
    ("dst_user_name", "destination.user.name"),
    ("src_machine_name", "source.domain"),
    ("dst_machine_name", "destination.domain"),
    ("service_id", "network.application"),
    ("layer_name", "network.name"),
    ("inzone", "observer.ingress.zone"),
    ("outzone", "observer.egress.zone"),
    ("rule_uid", "rule.uuid"),
    ("malware_action", "rule.description"),
    ("file_name", "file.name"),
    ("file_type", "file.type"),
    ("file_md5", "file.hash.md5"),
    ("file_sha1", "file.hash.sha1"),
    ("file_sha256", "file.hash.sha256"),
];

const ALLOW: &[&str] = &[
    "accept",
    "allow",
    "inline",
    "encrypt",
    "decrypt",
    "key install",
];
const DENY: &[&str] = &["drop", "reject", "block", "prevent", "deny"];
const MALWARE_PRODUCTS: &[&str] = &[
    "Anti Malware",
    "Anti-Virus",
    "Anti-Bot",
    "Threat Extraction",
];
const IDS_PRODUCTS: &[&str] = &["SmartDefense", "IPS", "Core Protections"];

/// A line for Python: `(event or None, header time, reason or None, epoch or None)`, as `line_result` in
/// `lib.rs` plus the record's `time` as epoch seconds, given only when the header is BSD (no year, no zone)
/// and the value is one (decimal, at most 11 digits), for `@timestamp` to prefer it.
pub fn line_to_py<'py>(line: &str, clock: Clock<'_, 'py>) -> PyResult<Bound<'py, PyTuple>> {
    let py = clock.py;
    let (syslog, parsed) = parse_line(line);
    let time = syslog.time_to_py(clock)?;
    match parsed {
        Ok((event, epoch)) => {
            let dict = event.to_py(py)?;
            if syslog.priority().is_some() && !has_structured(&syslog) {
                let log = PyDict::new(py);
                log.set_item(intern!(py, "syslog"), log_syslog(py, &syslog)?)?;
                dict.set_item(intern!(py, "log"), log)?;
            }
            (dict, time, py.None(), epoch).into_pyobject(py)
        }
        Err(reason) => (py.None(), time, reason, py.None()).into_pyobject(py),
    }
}

/// A whole line: its header, and the event with the epoch for `@timestamp` (or the reason the record
/// cannot be read). `log.syslog` is in the event only when the header has structured data: otherwise
/// `line_to_py` adds it to the Python dict (`log_syslog`).
fn parse_line(line: &str) -> (Syslog<'_>, Result<(Map<'_>, Option<i64>), String>) {
    let syslog = Syslog::read(line);
    let rec = match structured(&syslog) {
        Some(rec) => rec,
        None => fields(syslog.message()),
    };
    if rec.entries.is_empty() {
        return (syslog, Err("no Check Point fields".into()));
    }
    let epoch = if syslog.header.version.is_none() {
        rec.text("time").and_then(epoch)
    } else {
        None
    };
    let mut event = map(rec);
    if let Some(hostname) = syslog.hostname().filter(|name| !name.is_empty()) {
        event.put("observer.name", hostname);
    }
    if syslog.priority().is_some() && has_structured(&syslog) {
        event.put("log.syslog", syslog.log_fields());
    }
    (syslog, Ok((event, epoch)))
}

fn has_structured(syslog: &Syslog<'_>) -> bool {
    syslog
        .header
        .structured
        .as_ref()
        .is_some_and(|elements| !elements.is_empty())
}

/// `log.syslog` of a header without structured data, as `Syslog::log_fields` (`SyslogHeader.log_fields`)
/// builds it, made as Python dicts directly: through a `Map` it cost twice what Python's did.
fn log_syslog<'py>(py: Python<'py>, syslog: &Syslog<'_>) -> PyResult<Bound<'py, PyDict>> {
    let out = PyDict::new(py);
    if let Some(priority) = syslog.priority() {
        out.set_item(intern!(py, "priority"), priority)?;
        for (key, code) in [
            (intern!(py, "facility"), priority >> 3),
            (intern!(py, "severity"), priority & 7),
        ] {
            let inner = PyDict::new(py);
            inner.set_item(intern!(py, "code"), code)?;
            out.set_item(key, inner)?;
        }
    }
    for (key, value) in [
        (intern!(py, "hostname"), syslog.hostname()),
        (intern!(py, "appname"), syslog.app()),
        (intern!(py, "procid"), syslog.procid()),
        (intern!(py, "msgid"), syslog.msgid()),
    ] {
        if let Some(value) = value.filter(|value| !value.is_empty()) {
            out.set_item(key, value)?;
        }
    }
    if let Some(version) = syslog
        .header
        .version
        .and_then(|digits| std::str::from_utf8(digits).ok())
        .and_then(pytext::integer)
    {
        out.set_item(intern!(py, "version"), version.to_string())?;
    }
    Ok(out)
}

/// Epoch seconds of a `time` value, as Python's `int(value)` when `value.isdecimal() and len(value) <= 11`.
fn epoch(value: &str) -> Option<i64> {
    if !pytext::is_decimal(value) || value.chars().count() > 11 {
        return None;
    }
    pytext::integer(value)
}

/// The record from the header's `Fields@…` element, when it has one (the last, if repeated), read as
/// the header's Python dict of it: a repeated name keeps its first place and its last value; then
/// empty values are dropped.
fn structured<'a>(syslog: &Syslog<'a>) -> Option<Record<'a>> {
    let (_, params) = syslog
        .header
        .structured
        .as_ref()?
        .iter()
        .rev()
        .find(|(sd_id, _)| *sd_id == SD_ID)?;
    let mut rec = Record::with_capacity(params.len());
    let mut empty = false;
    for (name, value) in params {
        let name = std::str::from_utf8(name).unwrap_or_default();
        let value: Cow<'a, str> = match value {
            Cow::Borrowed(value) => Cow::Borrowed(std::str::from_utf8(value).unwrap_or_default()),
            Cow::Owned(value) => Cow::Owned(String::from_utf8_lossy(value).into_owned()),
        };
        empty |= value.is_empty();
        match rec.index.entry(name) {
            Entry::Vacant(slot) => {
                slot.insert(rec.entries.len());
                rec.entries.push((name, Field::One(value)));
            }
            Entry::Occupied(slot) => rec.entries[*slot.get()].1 = Field::One(value),
        }
    }
    if empty {
        let mut kept = Record::with_capacity(rec.entries.len());
        for (name, field) in rec.entries {
            if let Field::One(value) = field {
                kept.push(name, value);
            }
        }
        rec = kept;
    }
    Some(rec)
}

/// The record's fields from the `[key:"value"; …]` layout.
fn fields(text: &str) -> Record<'_> {
    let mut rec = Record::with_capacity(48);
    let Some(start) = text.find('[') else {
        return rec;
    };
    if text.contains('\\') {
        for found in PAIR.captures_iter(&text[start..]) {
            let (Some(key), Some(value)) = (found.get(1), found.get(2)) else {
                continue;
            };
            let value = value.as_str();
            let value = if value.contains('\\') {
                Cow::Owned(unescape(value))
            } else {
                Cow::Borrowed(value)
            };
            rec.push(key.as_str(), value);
        }
        return rec;
    }
    // Python's text[start + 1 : text.rfind("]")]: without a "]", up to the last character.
    let end = match text.rfind(']') {
        Some(end) => end,
        None => text.char_indices().next_back().map_or(0, |(at, _)| at),
    };
    let body = text.get(start + 1..end).unwrap_or("");
    let body = body.trim_end_matches([';', ' ']); // some exporters end with '";]' or '"; ]'
                                                  // Python's body.split('"; '), then item.partition(':"') for each, in one pass over the bytes.
    let bytes = body.as_bytes();
    let (mut start, mut colon, mut at) = (0, None, 0);
    while let Some(found) = bytes
        .get(at..)
        .and_then(|rest| rest.iter().position(|b| *b == b'"' || *b == b':'))
    {
        at += found;
        let rest = bytes.get(at + 1..).unwrap_or_default();
        if bytes[at] == b'"' {
            if rest.starts_with(b"; ") {
                pair(&mut rec, body, start, colon, at);
                (start, colon) = (at + 3, None);
                at += 3;
                continue;
            }
        } else if colon.is_none()
            && rest.first() == Some(&b'"')
            && !rest.get(1..).unwrap_or_default().starts_with(b"; ")
        {
            colon = Some(at); // a quote that opens a separator is not the item's
        }
        at += 1;
    }
    pair(&mut rec, body, start, colon, bytes.len());
    rec
}

/// One `key:"value` item of `body[start..end]`, its `:"` at `colon`; an item without one is skipped.
fn pair<'a>(rec: &mut Record<'a>, body: &'a str, start: usize, colon: Option<usize>, end: usize) {
    let Some(colon) = colon else {
        return;
    };
    let (Some(key), Some(value)) = (body.get(start..colon), body.get(colon + 2..end)) else {
        return;
    };
    rec.push(
        pytext::strip(key),
        Cow::Borrowed(value.strip_suffix('"').unwrap_or(value)),
    );
}

/// `\x` → `x`, as Python's `re.sub(r"\\(.)", r"\1", value)` (`.` is any character but a newline).
fn unescape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let mut chars = value.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(&next) = chars.peek() {
                if next != '\n' {
                    out.push(next);
                    chars.next();
                    continue;
                }
            }
        }
        out.push(c);
    }
    out
}

fn lower(value: Option<&str>) -> String {
    value.map(pytext::lower).unwrap_or_default()
}

/// An ECS `source`/`destination` object (`net.endpoint`), from values that may be unescaped copies.
fn endpoint<'a>(address: Option<&Cow<'a, str>>, port: Option<i64>) -> Map<'a> {
    let mut out = Map::new();
    if let Some(address) = address {
        out.set("address", address.clone());
        if net::ip(address).is_some() {
            out.set("ip", address.clone());
        } else {
            out.set("domain", address.clone());
        }
    }
    if let Some(number) = port {
        out.set("port", number);
    }
    out
}

/// Add the distinct values to `related.<key>` (`ecs.extend_related`, `related` holding no such key yet).
fn related<'a>(event: &mut Map<'a>, key: &'static str, values: Vec<Cow<'a, str>>) {
    let mut found: Vec<Val<'a>> = Vec::with_capacity(values.len());
    for value in values {
        let item = Val::Str(value);
        if !found.contains(&item) {
            found.push(item);
        }
    }
    if !found.is_empty() {
        event.child("related").set(key, Val::List(found));
    }
}

fn map(rec: Record<'_>) -> Map<'_> {
    let mut event = Map::new();
    let fields = event.child("event");
    fields.set("kind", "event");
    fields.set("dataset", "checkpoint.firewall");
    fields.set("module", "checkpoint");
    let origin = rec.value("origin").filter(|value| net::ip(value).is_some());
    connection(&mut event, &rec, origin);
    classify(&mut event, &rec);
    if let Some(nanos) = rec
        .text("duration")
        .and_then(net::integer)
        .and_then(|seconds| seconds.checked_mul(1_000_000_000))
    {
        event.child("event").set("duration", nanos); // ``elapsed`` is kept as written, as Elastic does
    }
    let observer = event.child("observer");
    observer.set("vendor", "Checkpoint");
    observer.set("type", "firewall");
    if let Some(product) = rec.value("product").or_else(|| rec.value("ProductName")) {
        observer.set("product", product.clone());
    }
    if let Some(origin) = origin {
        observer.set("ip", origin.clone());
    }
    if let Some(hostname) = rec.value("originsicname").and_then(common_name) {
        observer.set("hostname", hostname);
    }
    if let Some(ifname) = rec.value("ifname") {
        let side = if rec.text("ifdir") == Some("outbound") {
            "egress"
        } else {
            "ingress"
        };
        observer.child(side).put("interface.name", ifname.clone());
    }
    if let Some(rule) = rec.get("rule_name").or_else(|| rec.get("objectname")) {
        event.child("rule").set("name", rule.to_val());
    }
    let mut user_name = None;
    if let Some(user) = rec.value("user") {
        user_name = Some(user.clone());
    } else if let Some(admin) = rec.text("administrator") {
        user_name = Some(Cow::Owned(pytext::lower(admin)));
    }
    if let Some(name) = &user_name {
        event.child("user").set("name", name.clone());
    }
    content(&mut event, &rec, user_name);
    let mut checkpoint = Map::new();
    for (key, field) in rec.entries {
        if !mapped(key) {
            checkpoint.push_new(key, field.into_val()); // a record's keys are unique (its index)
        }
    }
    event.set("checkpoint", checkpoint);
    event
}

/// The gateway's name from its SIC name: `CN=gw1,O=mgmt..x7f` → `gw1`.
fn common_name<'a>(value: &Cow<'a, str>) -> Option<Cow<'a, str>> {
    if !value.get(..3)?.eq_ignore_ascii_case("cn=") {
        return None;
    }
    let name = |rest: &str| rest.split_once(',').map_or(rest, |(name, _)| name).len();
    let length = name(&value[3..]);
    if length == 0 {
        return None;
    }
    Some(match value {
        Cow::Borrowed(text) => Cow::Borrowed(&text[3..3 + length]),
        Cow::Owned(text) => Cow::Owned(text[3..3 + length].to_owned()),
    })
}

fn connection<'a>(event: &mut Map<'a>, rec: &Record<'a>, origin: Option<&Cow<'a, str>>) {
    let src = rec.value("src").or_else(|| rec.value("client_ip"));
    let dst = rec.value("dst");
    let port_of = |key: &str, fallback: &str| {
        rec.text(key)
            .or_else(|| rec.text(fallback))
            .and_then(net::port)
    };
    let mut source = endpoint(src, port_of("s_port", "sport_svc"));
    let mut destination = endpoint(dst, port_of("service", "svc"));
    // 0.0.0.0 is Check Point's "no translation"
    let nat = |key: &str| rec.value(key).filter(|value| net::nat_ip(value).is_some());
    let (source_nat, destination_nat) = (nat("xlatesrc"), nat("xlatedst"));
    for (side, address, key, fallback) in [
        (&mut source, source_nat, "xlatesport", "xlatesport_svc"),
        (
            &mut destination,
            destination_nat,
            "xlatedport",
            "xlatedport_svc",
        ),
    ] {
        if let Some(address) = address {
            let nat = side.child("nat");
            nat.set("ip", address.clone());
            if let Some(number) = port_of(key, fallback).filter(|number| *number != 0) {
                nat.set("port", number);
            }
        }
    }
    let mut network = Map::new();
    for (part, field, keys) in COUNTERS {
        let count = keys
            .iter()
            .find_map(|key| rec.text(key).and_then(net::integer));
        if let Some(count) = count {
            match *part {
                "source" => source.set(field, count),
                "destination" => destination.set(field, count),
                _ => network.set(field, count),
            }
        }
    }
    event.attach("source", source);
    event.attach("destination", destination);
    if let Some(proto) = rec.value("proto") {
        network.set("iana_number", proto.clone());
        if let Some(transport) = net::transport(proto) {
            network.set("transport", transport);
        }
    }
    if let Some(direction) = rec.value("ifdir") {
        network.set("direction", direction.clone());
    }
    event.attach("network", network);
    let ips: Vec<Cow<'a, str>> = [src, source_nat, dst, destination_nat, origin] // Elastic's order
        .into_iter()
        .flatten()
        .filter(|value| net::ip(value).is_some())
        .cloned()
        .collect();
    related(event, "ip", ips);
}

fn classify<'a>(event: &mut Map<'a>, rec: &Record<'a>) {
    let ev = event.child("event");
    let written = rec.value("action");
    if let Some(written) = written {
        ev.set("action", written.clone()); // as Check Point writes it ("Accept"), as Elastic keeps it
    }
    let action = lower(written.map(|value| value.as_ref()));
    let operation = lower(rec.text("operation"));
    let product = rec.text("product").unwrap_or("");
    let login = match operation.as_str() {
        "log in" | "login" => Some(("start", "logged-in")),
        "log out" | "logout" => Some(("end", "logged-out")),
        _ => None,
    };
    if let Some((kind, name)) = login {
        ev.set("category", vec!["authentication"]);
        ev.set("type", vec![kind]);
        ev.set("action", name);
        ev.set("outcome", "success");
        return;
    }
    let mut category = vec!["network"];
    if rec.has("malware_action") || MALWARE_PRODUCTS.contains(&product) {
        category.push("malware");
        ev.set("kind", "alert");
    } else if IDS_PRODUCTS.contains(&product) || rec.has("attack") {
        category.push("intrusion_detection");
        ev.set("kind", "alert");
    }
    ev.set("category", category);
    let verdict = if action.is_empty() {
        lower(rec.text("rule_action"))
    } else {
        action.clone()
    };
    let kind = if ALLOW.contains(&verdict.as_str()) && (rec.has("rule_name") || rec.has("src")) {
        vec!["allowed", "connection"]
    } else if DENY.contains(&verdict.as_str()) {
        vec!["denied", "connection"]
    } else {
        vec!["info"]
    };
    ev.set("type", kind);
    let status = lower(
        rec.text("audit_status")
            .or_else(|| rec.text("operation_results")),
    );
    if !status.is_empty() {
        ev.set(
            "outcome",
            if status.starts_with("succe") {
                "success"
            } else {
                "failure"
            },
        );
    } else if !action.is_empty() {
        ev.set("outcome", "success");
    }
}

/// The URL, user agent, users, machines, zones, rule and file a record names, and its severity.
fn content<'a>(event: &mut Map<'a>, rec: &Record<'a>, user_name: Option<Cow<'a, str>>) {
    for (key, path) in CONTENT {
        if let Some(value) = rec.value(key) {
            event.put(path, value.clone());
        }
    }
    if let Some(severity) = rec.text("severity").and_then(net::integer) {
        event.child("event").set("severity", severity);
    }
    let names: Vec<Cow<'a, str>> = [
        user_name,
        rec.value("src_user_name").cloned(),
        rec.value("dst_user_name").cloned(),
    ]
    .into_iter()
    .flatten()
    .collect();
    related(event, "user", names);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(line: &str) -> Map<'_> {
        parse_line(line).1.expect("a record").0
    }

    #[test]
    fn plain_record_maps_connection_and_keeps_the_rest() {
        let event = event(
            r#"[action:"Accept"; ifdir:"outbound"; ifname:"eth1"; origin:"192.0.2.1"; src:"10.0.0.2"; dst:"8.8.8.8"; proto:"17"; s_port:"5353"; service:"53"; xlatesrc:"198.51.100.7"; xlatesport:"4000"; xlatedst:"0.0.0.0"; rule_name:"dns"; time:"1709629818"; loguid:"{1}";]"#,
        );
        assert_eq!(event.get_str("source.nat.ip"), Some("198.51.100.7"));
        assert_eq!(event.lookup("source.nat.port"), Some(&Val::Int(4000)));
        assert!(!event.contains("destination.nat"));
        assert_eq!(event.get_str("network.transport"), Some("udp"));
        assert_eq!(
            event.get_str("observer.egress.interface.name"),
            Some("eth1")
        );
        assert_eq!(event.get_str("checkpoint.loguid"), Some("{1}"));
        assert!(!event.contains("checkpoint.time"));
        assert_eq!(
            event.lookup("event.type"),
            Some(&Val::from(vec!["allowed", "connection"]))
        );
        assert_eq!(
            event.lookup("related.ip"),
            Some(&Val::from(vec![
                "10.0.0.2",
                "198.51.100.7",
                "8.8.8.8",
                "192.0.2.1"
            ]))
        );
    }

    #[test]
    fn repeated_keys_become_lists_and_escapes_are_undone() {
        let event =
            event(r#"[action:"Drop"; rule_name:"a"; rule_name:"b"; comment:"x \"y\" \]z"]"#);
        assert_eq!(event.lookup("rule.name"), Some(&Val::from(vec!["a", "b"])));
        assert_eq!(event.get_str("checkpoint.comment"), Some(r#"x "y" ]z"#));
    }

    #[test]
    fn audit_login_and_sic_name() {
        let event = event(
            r#"[operation:"Log In"; administrator:"Admin"; originsicname:"cn=gw1,O=m"; time:"1"]"#,
        );
        assert_eq!(event.get_str("event.action"), Some("logged-in"));
        assert_eq!(event.get_str("user.name"), Some("admin"));
        assert_eq!(event.get_str("observer.hostname"), Some("gw1"));
    }

    #[test]
    fn no_fields_is_an_error_and_odd_input_does_not_panic() {
        assert_eq!(
            parse_line("<134>Mar  1 07:58:40 gw CheckPoint: no bracket")
                .1
                .unwrap_err(),
            "no Check Point fields"
        );
        for text in [
            "[",
            "]",
            "é[",
            "[é",
            "[a:\"",
            "[\\",
            "x\\[a:\"\\",
            "<1>1 - - - - - [Fields@1.3.6.1.4.1.2620]",
        ] {
            let _ = parse_line(text);
        }
    }

    #[test]
    fn header_fields_and_the_epoch_of_a_bsd_header() {
        let (syslog, parsed) = parse_line(
            r#"<134>Mar  1 07:58:40 gw-1 CheckPoint[7]: [action:"Accept"; time:"1709629818"]"#,
        );
        let (event, epoch) = parsed.expect("a record");
        assert_eq!(epoch, Some(1_709_629_818));
        assert_eq!(syslog.times.len(), 1);
        assert_eq!(event.get_str("observer.name"), Some("gw-1"));
        assert!(!event.contains("process"));
        let (_, parsed) = parse_line(
            r#"<134>1 2023-03-01T07:58:40Z gw CheckPoint - - [action:"Accept"; time:"1709629818"]"#,
        );
        assert_eq!(parsed.expect("a record").1, None);
    }

    #[test]
    fn structured_data_is_the_record_a_repeated_name_keeping_its_last_value() {
        let (_, parsed) = parse_line(
            r#"<85>1 2023-01-13T10:10:16-05:00 fw CP-GW - Log [Fields@1.3.6.1.4.1.2620 src="10.0.0.1" time="5" src="" dst="10.0.0.2" dst="10.0.0.3"] tail"#,
        );
        let (event, epoch) = parsed.expect("a record");
        assert_eq!(epoch, None);
        assert!(!event.contains("source"));
        assert_eq!(event.get_str("destination.ip"), Some("10.0.0.3"));
        assert!(event.contains("log.syslog.structured_data"));
        let (_, parsed) =
            parse_line(r#"<85>1 - fw CP-GW - Log [Fields@1.3.6.1.4.1.2620 a=""] [x:"y"]"#);
        assert_eq!(parsed.unwrap_err(), "no Check Point fields");
    }
}
