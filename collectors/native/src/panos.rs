//! Palo Alto Networks PAN-OS lines (a syslog header, then the CSV record) → ECS.
//!
//! The log types, the field names and the mapping are described in
//! `collectors/firewall/panos.py`, which calls this and turns the header's time
//! and the record's (zone-less, in the context's zone) into ECS ones.

use std::borrow::Cow;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::LazyLock;

use pyo3::intern;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyString, PyTuple};
use regex::Regex;

use crate::clock;
use crate::clock::Clock;
use crate::event::{presized, Converter, Map};
use crate::net;
use crate::pydict;
use crate::pytext;
use crate::syslog_header::Syslog;

/// `(?:^|\s)1,(?=\d{4}/)` in Python, the lookahead consumed here: the record starts at the match's
/// `1,`, after the space when there is one. Python's `\s` also takes U+001C–U+001F, which
/// Unicode's White_Space does not.
static START: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?:^|[\s\x1c-\x1f])1,\d{4}/").unwrap());
/// `(.*?)\s*\((\d+)\)$` matched from the start; Python's `$` also matches before a final newline.
static THREAT_NAME: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(.*?)[\s\x1c-\x1f]*\((\d+)\)\n?$").unwrap());

const COMMON: &[&str] = &[
    "future_use1",
    "receive_time",
    "serial",
    "type",
    "subtype",
    "future_use2",
    "generated_time",
];
const SESSION: &[&str] = &[
    "src",
    "dst",
    "natsrc",
    "natdst",
    "rule",
    "srcuser",
    "dstuser",
    "app",
    "vsys",
    "from",
    "to",
    "inbound_if",
    "outbound_if",
    "logset",
    "future_use3",
    "sessionid",
    "repeatcnt",
    "sport",
    "dport",
    "natsport",
    "natdport",
    "flags",
    "proto",
    "action",
];
const TRAFFIC: &[&str] = &[
    "bytes",
    "bytes_sent",
    "bytes_received",
    "packets",
    "start",
    "elapsed",
    "category",
    "future_use4",
    "seqno",
    "actionflags",
    "srcloc",
    "dstloc",
    "future_use5",
    "pkts_sent",
    "pkts_received",
    "session_end_reason",
    "dg_hier_level_1",
    "dg_hier_level_2",
    "dg_hier_level_3",
    "dg_hier_level_4",
    "vsys_name",
    "device_name",
    "action_source",
    "src_uuid",
    "dst_uuid",
    "tunnelid",
    "monitortag",
    "parent_session_id",
    "parent_start_time",
    "tunnel",
    "assoc_id",
    "chunks",
    "chunks_sent",
    "chunks_received",
    "rule_uuid",
];
const THREAT: &[&str] = &[
    "misc",
    "threatid",
    "category",
    "severity",
    "direction",
    "seqno",
    "actionflags",
    "srcloc",
    "dstloc",
    "future_use4",
    "contenttype",
    "pcap_id",
    "filedigest",
    "cloud",
    "url_idx",
    "user_agent",
    "filetype",
    "xff",
    "referer",
    "sender",
    "subject",
    "recipient",
    "reportid",
    "dg_hier_level_1",
    "dg_hier_level_2",
    "dg_hier_level_3",
    "dg_hier_level_4",
    "vsys_name",
    "device_name",
    "future_use5",
    "src_uuid",
    "dst_uuid",
    "http_method",
    "tunnelid",
    "monitortag",
    "parent_session_id",
    "parent_start_time",
    "tunnel",
    "thr_category",
    "contentver",
    "future_use6",
    "assoc_id",
    "ppid",
    "http_headers",
    "url_category_list",
    "rule_uuid",
];
const DECRYPTION: &[&str] = &[
    "tunnel",
    "future_use4",
    "future_use5",
    "src_uuid",
    "dst_uuid",
    "rule_uuid",
    "hs_stage_c2f",
    "hs_stage_f2s",
    "tls_version",
    "tls_keyxchg",
    "tls_enc",
    "tls_auth",
    "policy_name",
    "ec_curve",
    "err_index",
    "root_status",
    "chain_status",
    "proxy_type",
    "cert_serial",
    "fingerprint",
    "notbefore",
    "notafter",
    "cert_ver",
    "cert_size",
    "cn_len",
    "issuer_len",
    "rootcn_len",
    "sni_len",
    "cert_flags",
    "cn",
    "issuer_cn",
    "root_cn",
    "sni",
    "error",
];
const DEVICE: &[&str] = &[
    "dg_hier_level_1",
    "dg_hier_level_2",
    "dg_hier_level_3",
    "dg_hier_level_4",
    "vsys_name",
    "device_name",
];
const SYSTEM: &[&str] = &[
    "vsys",
    "eventid",
    "object",
    "future_use3",
    "future_use4",
    "module",
    "severity",
    "description",
    "seqno",
    "actionflags",
];
const CONFIG: &[&str] = &[
    "host",
    "vsys",
    "cmd",
    "admin",
    "client",
    "result",
    "path",
    "before_change_detail",
    "after_change_detail",
    "seqno",
    "actionflags",
];
const CONFIG_TAIL: &[&str] = &["dg_id", "comment"];
/// PAN-OS 8.x and earlier: the change details come last, after the device name.
const CONFIG_OLD: &[&str] = &[
    "host",
    "vsys",
    "cmd",
    "admin",
    "client",
    "result",
    "path",
    "seqno",
    "actionflags",
];
const CONFIG_OLD_TAIL: &[&str] = &["before_change_detail", "after_change_detail"];
const GLOBALPROTECT: &[&str] = &[
    "vsys",
    "eventid",
    "stage",
    "auth_method",
    "tunnel_type",
    "srcuser",
    "srcregion",
    "machinename",
    "public_ip",
    "public_ipv6",
    "private_ip",
    "private_ipv6",
    "hostid",
    "client_serial",
    "client_ver",
    "client_os",
    "client_os_ver",
    "repeatcnt",
    "reason",
    "error",
    "description",
    "status",
    "location",
    "login_duration",
    "connect_method",
    "error_code",
    "portal",
    "seqno",
    "actionflags",
    "high_res_timestamp",
    "selection_type",
    "response_time",
    "priority",
    "attempted_gateways",
    "gateway",
];
const USERID: &[&str] = &[
    "vsys",
    "src",
    "srcuser",
    "datasourcename",
    "eventid",
    "repeatcnt",
    "timeout",
    "sport",
    "dport",
    "datasource",
    "datasourcetype",
    "seqno",
    "actionflags",
];
const USERID_TAIL: &[&str] = &[
    "vsys_id",
    "factortype",
    "factorcompletiontime",
    "factorno",
    "ugflags",
    "userbysource",
];
const HIPMATCH: &[&str] = &[
    "srcuser",
    "vsys",
    "machinename",
    "os",
    "src",
    "matchname",
    "repeatcnt",
    "matchtype",
    "future_use3",
    "future_use4",
    "seqno",
    "actionflags",
];
const HIPMATCH_TAIL: &[&str] = &["vsys_id", "srcipv6", "hostid"];
const AUTH: &[&str] = &[
    "vsys",
    "ip",
    "user",
    "normalize_user",
    "object",
    "authpolicy",
    "repeatcnt",
    "authid",
    "vendor",
    "logprofile",
    "serverprofile",
    "desc",
    "clienttype",
    "event",
    "factorno",
    "seqno",
    "actionflags",
];
const AUTH_TAIL: &[&str] = &["vsys_id", "authproto"];

/// What a log type's record is turned into.
#[derive(Clone, Copy, PartialEq)]
enum Handler {
    Session,
    System,
    Config,
    GlobalProtect,
    UserId,
    HipMatch,
    Auth,
}

/// A log type's column names, and where each name is.
struct Layout {
    names: Vec<&'static str>,
    index: HashMap<&'static str, usize, BuildHasherDefault<Fnv>>,
    /// Whether each column goes to `panw.panos` when it has a value.
    vendor: Vec<bool>,
    /// The names as Python strings, made once: `panw.panos` is filled straight into its dict.
    keys: PyOnceLock<Vec<Py<PyString>>>,
}

impl Layout {
    fn new(parts: &[&[&'static str]]) -> Self {
        let names: Vec<&'static str> = parts.concat();
        let mut index = HashMap::with_capacity_and_hasher(names.len(), Default::default());
        for (at, name) in names.iter().enumerate() {
            index.entry(*name).or_insert(at); // a repeated name keeps its first place (none repeats today)
        }
        let vendor = names.iter().map(|name| !taken(name)).collect();
        Self {
            names,
            index,
            vendor,
            keys: PyOnceLock::new(),
        }
    }

    fn keys<'py>(&self, py: Python<'py>) -> &[Py<PyString>] {
        self.keys.get_or_init(py, || {
            self.names
                .iter()
                .map(|name| PyString::intern(py, name).unbind())
                .collect()
        })
    }
}

/// FNV-1a: the column names are short and few, SipHash's strength is not needed for them.
struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Self {
        Self(0xcbf2_9ce4_8422_2325)
    }
}

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for byte in bytes {
            self.0 = (self.0 ^ u64::from(*byte)).wrapping_mul(0x0100_0000_01b3);
        }
    }
}

static L_COMMON: LazyLock<Layout> = LazyLock::new(|| Layout::new(&[COMMON]));
static L_TRAFFIC: LazyLock<Layout> = LazyLock::new(|| Layout::new(&[COMMON, SESSION, TRAFFIC]));
static L_THREAT: LazyLock<Layout> = LazyLock::new(|| Layout::new(&[COMMON, SESSION, THREAT]));
static L_DECRYPTION: LazyLock<Layout> =
    LazyLock::new(|| Layout::new(&[COMMON, SESSION, DECRYPTION]));
// Tunnel inspection, GTP and SCTP logs open with the session columns.
static L_SESSION: LazyLock<Layout> = LazyLock::new(|| Layout::new(&[COMMON, SESSION]));
static L_SYSTEM: LazyLock<Layout> = LazyLock::new(|| Layout::new(&[COMMON, SYSTEM, DEVICE]));
static L_CONFIG: LazyLock<Layout> =
    LazyLock::new(|| Layout::new(&[COMMON, CONFIG, DEVICE, CONFIG_TAIL]));
static L_CONFIG_OLD: LazyLock<Layout> =
    LazyLock::new(|| Layout::new(&[COMMON, CONFIG_OLD, DEVICE, CONFIG_OLD_TAIL]));
static L_GLOBALPROTECT: LazyLock<Layout> =
    LazyLock::new(|| Layout::new(&[COMMON, GLOBALPROTECT, DEVICE]));
static L_USERID: LazyLock<Layout> =
    LazyLock::new(|| Layout::new(&[COMMON, USERID, DEVICE, USERID_TAIL]));
static L_HIPMATCH: LazyLock<Layout> =
    LazyLock::new(|| Layout::new(&[COMMON, HIPMATCH, DEVICE, HIPMATCH_TAIL]));
static L_AUTH: LazyLock<Layout> = LazyLock::new(|| Layout::new(&[COMMON, AUTH, DEVICE, AUTH_TAIL]));

/// A log type's layout and handler; a type without a layout of its own gets the common columns.
fn layout(kind: &str) -> (&'static Layout, Handler) {
    match kind {
        "TRAFFIC" => (&L_TRAFFIC, Handler::Session),
        "THREAT" => (&L_THREAT, Handler::Session),
        "DECRYPTION" => (&L_DECRYPTION, Handler::Session),
        "TUNNEL" | "GTP" | "SCTP" => (&L_SESSION, Handler::Session),
        "SYSTEM" => (&L_SYSTEM, Handler::System),
        "CONFIG" => (&L_CONFIG, Handler::Config),
        "GLOBALPROTECT" => (&L_GLOBALPROTECT, Handler::GlobalProtect),
        "USERID" => (&L_USERID, Handler::UserId),
        "HIPMATCH" => (&L_HIPMATCH, Handler::HipMatch),
        "AUTH" => (&L_AUTH, Handler::Auth),
        _ => (&L_COMMON, Handler::System),
    }
}

/// Names mapped to ECS (or unused), which stay out of `panw.panos`.
fn taken(name: &str) -> bool {
    name.starts_with("future_use")
        || matches!(
            name,
            "receive_time"
                | "serial"
                | "type"
                | "subtype"
                | "generated_time"
                | "src"
                | "dst"
                | "natsrc"
                | "natdst"
                | "rule"
                | "srcuser"
                | "dstuser"
                | "sport"
                | "dport"
                | "natsport"
                | "natdport"
                | "proto"
                | "bytes"
                | "bytes_sent"
                | "bytes_received"
                | "packets"
                | "pkts_sent"
                | "pkts_received"
                | "device_name"
                | "inbound_if"
                | "outbound_if"
                | "app"
                | "description"
        )
}

/// Python's `csv` module's limit on one field, in characters (`csv.field_size_limit()`).
const FIELD_LIMIT: usize = 131_072;

/// One row as `csv.reader` reads a single line in its default dialect (not strict, doubled quotes).
fn csv_row(text: &str) -> Result<Vec<Cow<'_, str>>, String> {
    #[derive(PartialEq)]
    enum State {
        StartRecord,
        StartField,
        InField,
        InQuoted,
        QuoteInQuoted,
        EatCrnl,
    }
    let too_long = || format!("bad CSV: field larger than field limit ({FIELD_LIMIT})");
    let mut fields: Vec<Cow<'_, str>> = Vec::new();
    let mut field = String::new();
    let mut length = 0usize; // characters in `field`
    let mut state = State::StartRecord;
    let add = |field: &mut String, length: &mut usize, c: char| {
        if *length >= FIELD_LIMIT {
            return Err(too_long());
        }
        field.push(c);
        *length += 1;
        Ok(())
    };
    let save = |fields: &mut Vec<Cow<'_, str>>, field: &mut String, length: &mut usize| {
        fields.push(Cow::Owned(std::mem::take(field)));
        *length = 0;
    };
    // `None` is the end of the line (csv's EOL).
    for c in text.chars().map(Some).chain([None]) {
        if state == State::StartRecord {
            match c {
                None => continue,
                Some('\n' | '\r') => {
                    state = State::EatCrnl;
                    continue;
                }
                _ => state = State::StartField,
            }
        }
        match state {
            State::StartRecord => {}
            State::StartField => match c {
                None | Some('\n' | '\r') => {
                    save(&mut fields, &mut field, &mut length);
                    state = if c.is_none() {
                        State::StartRecord
                    } else {
                        State::EatCrnl
                    };
                }
                Some('"') => state = State::InQuoted,
                Some(',') => save(&mut fields, &mut field, &mut length),
                Some(c) => {
                    add(&mut field, &mut length, c)?;
                    state = State::InField;
                }
            },
            State::InField => match c {
                None | Some('\n' | '\r') => {
                    save(&mut fields, &mut field, &mut length);
                    state = if c.is_none() {
                        State::StartRecord
                    } else {
                        State::EatCrnl
                    };
                }
                Some(',') => {
                    save(&mut fields, &mut field, &mut length);
                    state = State::StartField;
                }
                Some(c) => add(&mut field, &mut length, c)?,
            },
            State::InQuoted => match c {
                None => {}
                Some('"') => state = State::QuoteInQuoted,
                Some(c) => add(&mut field, &mut length, c)?,
            },
            State::QuoteInQuoted => match c {
                Some('"') => {
                    add(&mut field, &mut length, '"')?;
                    state = State::InQuoted;
                }
                Some(',') => {
                    save(&mut fields, &mut field, &mut length);
                    state = State::StartField;
                }
                None | Some('\n' | '\r') => {
                    save(&mut fields, &mut field, &mut length);
                    state = if c.is_none() {
                        State::StartRecord
                    } else {
                        State::EatCrnl
                    };
                }
                Some(c) => {
                    add(&mut field, &mut length, c)?;
                    state = State::InField;
                }
            },
            State::EatCrnl => match c {
                Some('\n' | '\r') => {}
                None => state = State::StartRecord,
                Some(_) => {
                    return Err(
                        "bad CSV: new-line character seen in unquoted field - do you \
                                need to open the file in universal-newline mode?"
                            .into(),
                    )
                }
            },
        }
    }
    // One line given: a quoted field still open at its end is the row's last field.
    if state == State::InQuoted {
        save(&mut fields, &mut field, &mut length);
    }
    Ok(fields)
}

/// The record's columns: a plain split, or `csv`'s reading when a value is quoted.
fn split(text: &str) -> Result<Vec<Cow<'_, str>>, String> {
    if text.contains('"') {
        csv_row(text)
    } else {
        let mut values = Vec::with_capacity(96);
        let mut from = 0;
        for (at, byte) in text.bytes().enumerate() {
            if byte == b',' {
                values.push(Cow::Borrowed(text.get(from..at).unwrap_or_default()));
                from = at + 1;
            }
        }
        values.push(Cow::Borrowed(text.get(from..).unwrap_or_default()));
        Ok(values)
    }
}

/// The columns after the syslog header, from the record's `1,` on.
fn columns(message: &str) -> Result<Vec<Cow<'_, str>>, String> {
    let start = match START.find(message) {
        // A space is never "1": the match opens with "1," only where `^` matched.
        Some(found) if found.as_str().starts_with("1,") => found.start(),
        Some(found) => found.start() + found.as_str().chars().next().map_or(0, char::len_utf8),
        None => message
            .find("1,")
            .ok_or("no PAN-OS CSV record after the syslog header")?,
    };
    let values = split(message.get(start..).unwrap_or_default())?;
    if values.len() < 7 {
        return Err("PAN-OS record with fewer than 7 fields".into());
    }
    Ok(values)
}

/// The named non-empty values of one record.
struct Record<'a> {
    layout: &'static Layout,
    values: &'a [Cow<'a, str>],
}

impl<'a> Record<'a> {
    fn get(&self, name: &str) -> Option<&'a str> {
        let at = *self.layout.index.get(name)?;
        let value: &'a str = self.values.get(at)?;
        (!value.is_empty()).then_some(value)
    }

    fn or_empty(&self, name: &str) -> &'a str {
        self.get(name).unwrap_or("")
    }

    /// `(column, value)` for each non-empty value that goes to `panw.panos`, in column order.
    fn vendor(&self) -> impl Iterator<Item = (usize, &'a str)> + '_ {
        let values: &'a [Cow<'a, str>] = self.values;
        self.layout
            .vendor
            .iter()
            .zip(values)
            .enumerate()
            .filter(|(_, (vendor, value))| **vendor && !value.is_empty())
            .map(|(at, (_, value))| (at, value.as_ref()))
    }
}

/// The event without `panw.panos`'s columns (`record` adds them), then the record's time
/// (`generated_time`, else `receive_time`) and a TRAFFIC session's start, both as
/// `YYYY-MM-DD hh:mm:ss` text for the caller to read in its zone.
fn parse<'a>(values: &'a [Cow<'a, str>]) -> (Map<'a>, Record<'a>, [Option<String>; 2]) {
    let kind: &str = values.get(3).map_or("", |kind| kind);
    let (mut layout, handler) = layout(kind);
    if kind == "CONFIG"
        && values.len() > 15
        && net::is_decimal(&values[14])
        && values[15].starts_with("0x")
    {
        layout = &L_CONFIG_OLD;
    }
    let record = Record { layout, values };
    let mut event = match handler {
        Handler::Session => session(&record, kind),
        Handler::System => system(&record),
        Handler::Config => config(&record),
        Handler::GlobalProtect => globalprotect(&record),
        Handler::UserId => userid(&record),
        Handler::HipMatch => hipmatch(&record),
        Handler::Auth => auth(&record),
    };
    let stamp = record
        .get("generated_time")
        .or_else(|| record.get("receive_time"))
        .map(|stamp| stamp.replace('/', "-"));
    let start = (kind == "TRAFFIC")
        .then(|| record.get("start"))
        .flatten()
        .map(|start| start.replace('/', "-"));
    let observer = event.child("observer");
    observer.set("vendor", "Palo Alto Networks");
    observer.set("product", "PAN-OS");
    observer.set("type", "firewall");
    observer.put_opt("serial_number", record.get("serial"));
    observer.put_opt("hostname", record.get("device_name")); // else the header's host, in `line`
    (event, record, [stamp, start])
}

/// The object under `key` in a dict made from a `Map`, remade with room for `room` more keys (a dict
/// that outgrows its table is rebuilt: three times for a TRAFFIC record's 40 columns).
fn child_dict<'py>(
    parent: &Bound<'py, PyDict>,
    key: &Bound<'py, PyString>,
    room: usize,
) -> PyResult<Bound<'py, PyDict>> {
    let found = parent.get_item(key)?;
    let found = found
        .as_ref()
        .map(|found| found.cast::<PyDict>())
        .transpose()?;
    let made = presized(parent.py(), room + found.map_or(0, |found| found.len()))?;
    if let Some(found) = found {
        made.update(found.as_mapping())?;
    }
    pydict::set_item(parent, key, &made)?;
    Ok(made)
}

/// `secops_native.panos(line)`: `(event or None, header time, reason or None, record time, TRAFFIC
/// start)`, the times as written, all for `header_timestamp`: the record's (`parse`) are zone-less
/// ISO text, split as `clock::iso_text_to_py` splits it. The header's fields are set here as the
/// Python glue set them.
pub fn line<'py>(line: &str, clock: Clock<'_, 'py>) -> PyResult<Bound<'py, PyTuple>> {
    let py = clock.py;
    let syslog = Syslog::read(line);
    let time = syslog.time_to_py(clock)?;
    let values = match columns(syslog.message()) {
        Ok(values) => values,
        Err(reason) => return (py.None(), time, reason, py.None(), py.None()).into_pyobject(py),
    };
    let (mut event, record, [stamp, start]) = parse(&values);
    let observer = event.child("observer");
    if !observer.contains("hostname") {
        // the record's device name comes first
        if let Some(hostname) = syslog.hostname().filter(|name| !name.is_empty()) {
            observer.set("hostname", hostname);
        }
    }
    if syslog.priority().is_some() {
        event.put("log.syslog", syslog.log_fields());
    }
    let event = event.to_py(py)?;
    // The vendor's own columns, straight into the dict (a Map's per-key search would cost more).
    // Counted in a first walk, to size the dict: cheaper than collecting them (244 instructions a line).
    let columns = record.vendor().count();
    if columns > 0 {
        let vendor = record.vendor();
        let panw = child_dict(&event, intern!(py, "panw"), 1)?;
        let panos = child_dict(&panw, intern!(py, "panos"), columns)?;
        let keys = record.layout.keys(py);
        Converter::with(py, |strings| {
            for (at, value) in vendor {
                if let Some(key) = keys.get(at) {
                    // zones, flags, "0": shared strings
                    pydict::set_item(&panos, key.bind(py), &strings.text(value))?;
                }
            }
            PyResult::Ok(())
        })?;
    }
    let record_time = |text: Option<String>| match text {
        Some(text) => clock::iso_text_to_py(clock, &text),
        None => Ok(py.None().into_bound(py)),
    };
    (
        event,
        time,
        py.None(),
        record_time(stamp)?,
        record_time(start)?,
    )
        .into_pyobject(py)
}

const DENIED: &[&str] = &[
    "deny",
    "drop",
    "drop-icmp",
    "reset-client",
    "reset-server",
    "reset-both",
    "block-url",
    "block",
];
const FILE_SUBTYPES: &[&str] = &["file", "virus", "wildfire", "wildfire-virus"];

/// A session's counter: a non-number (a line whose columns shifted) is left out.
fn count<'a>(target: &mut Map<'a>, key: &'static str, value: Option<&str>) {
    if let Some(number) = value.and_then(net::integer) {
        target.set(key, number);
    }
}

/// `side.nat` unless PAN-OS wrote 0.0.0.0 (and port 0) for "not translated"; returns the address.
fn nat<'a>(side: &mut Map<'a>, address: Option<&'a str>, port: Option<&str>) -> Option<&'a str> {
    let checked = net::nat_ip(address?)?;
    let mut nat = Map::new();
    nat.set("ip", checked);
    if let Some(number) = port.and_then(net::port) {
        nat.set("port", number); // 0 included: an ICMP session's translated "port"
    }
    side.set("nat", nat);
    Some(checked)
}

fn user_map(name: &str) -> Map<'_> {
    let mut user = Map::new();
    user.set("name", name);
    user
}

fn session<'a>(record: &Record<'a>, kind: &str) -> Map<'a> {
    let action = record.or_empty("action");
    let subtype = record.or_empty("subtype");
    let denied = DENIED.contains(&action);
    let mut types = vec![if denied { "denied" } else { "allowed" }];
    match subtype {
        "start" | "end" => types.push(if subtype == "start" { "start" } else { "end" }),
        "deny" | "drop" if !denied => types.push("denied"), // an allow rule's session the device then denied
        _ => {}
    }
    types.push("connection");
    let flow = match (kind, subtype) {
        ("TRAFFIC", "start") => Some("flow_started"),
        ("TRAFFIC", "end") => Some("flow_terminated"),
        ("TRAFFIC", "deny") => Some("flow_denied"),
        ("TRAFFIC", "drop") => Some("flow_dropped"),
        _ => None,
    };
    let threat = kind == "THREAT";
    let mut event = Map::new();
    let fields = event.child("event");
    fields.set("kind", if threat { "alert" } else { "event" });
    fields.set(
        "category",
        if threat {
            vec!["network", "intrusion_detection"]
        } else {
            vec!["network"]
        },
    );
    fields.set("type", types);
    match flow {
        Some(flow) => fields.set("action", flow),
        None if !action.is_empty() => fields.set("action", action),
        None => {}
    }
    fields.set("outcome", if denied { "failure" } else { "success" });
    fields.set("dataset", "panw.panos");
    fields.set("module", "panw");
    if let Some(elapsed) = record.get("elapsed").and_then(net::integer) {
        // Beyond 64 bits in nanoseconds (Python's own integers hold it) the duration is left out.
        if let Some(nanoseconds) = elapsed.checked_mul(1_000_000_000) {
            fields.set("duration", nanoseconds);
        }
    }
    let src = record.get("src");
    let dst = record.get("dst");
    let mut source = net::endpoint(src.unwrap_or(""), record.get("sport").and_then(net::port));
    let mut destination = net::endpoint(dst.unwrap_or(""), record.get("dport").and_then(net::port));
    let source_nat = nat(&mut source, record.get("natsrc"), record.get("natsport"));
    let destination_nat = nat(
        &mut destination,
        record.get("natdst"),
        record.get("natdport"),
    );
    let mut network = Map::new();
    network.set("type", net::ip_type(src.unwrap_or("")));
    network.put_opt("transport", record.get("proto").and_then(net::transport));
    network.put_opt("application", record.get("app"));
    if let Some(sent) = record.get("bytes_sent") {
        count(&mut source, "bytes", Some(sent));
        count(
            &mut destination,
            "bytes",
            Some(record.get("bytes_received").unwrap_or("0")),
        );
    }
    if let Some(sent) = record.get("pkts_sent") {
        count(&mut source, "packets", Some(sent));
        count(
            &mut destination,
            "packets",
            Some(record.get("pkts_received").unwrap_or("0")),
        );
    }
    count(&mut network, "bytes", record.get("bytes"));
    count(&mut network, "packets", record.get("packets"));
    if threat {
        match record.get("direction") {
            Some("client-to-server") => network.set("direction", "outbound"),
            Some("server-to-client") => network.set("direction", "inbound"),
            _ => {}
        }
    }
    let mut ingress = Map::new();
    let mut egress = Map::new();
    if let Some(name) = record.get("inbound_if") {
        ingress.put("interface.name", name);
    }
    if let Some(name) = record.get("outbound_if") {
        egress.put("interface.name", name);
    }
    ingress.put_opt("zone", record.get("from"));
    egress.put_opt("zone", record.get("to"));
    if let Some(user) = record.get("srcuser") {
        source.set("user", user_map(user));
    }
    if let Some(user) = record.get("dstuser") {
        destination.set("user", user_map(user));
    }
    event.set("source", source);
    event.set("destination", destination);
    event.set("network", network);
    event.put_opt("rule.name", record.get("rule"));
    if let Some(user) = record.get("srcuser") {
        event.set("user", user_map(user));
    }
    net::add_related_ips(
        &mut event,
        [src, dst, source_nat, destination_nat]
            .into_iter()
            .flatten(),
    );
    if threat {
        threat_fields(&mut event, record);
    } else if kind == "DECRYPTION" {
        decryption(&mut event, record);
    }
    if !ingress.is_empty() || !egress.is_empty() {
        let observer = event.child("observer");
        observer.attach("ingress", ingress);
        observer.attach("egress", egress);
    }
    event
}

/// What the THREAT columns say in ECS: the signature, its severity, and the URL or file it was about.
fn threat_fields<'a>(event: &mut Map<'a>, record: &Record<'a>) {
    if let Some(threat) = record.get("threatid") {
        event.put("threat.indicator.description", threat);
        // "Name(12345)"; URL logs write only "(9999)"
        let (name, number) = match THREAT_NAME.captures(threat) {
            Some(found) => (
                found.get(1).map_or("", |m| m.as_str()),
                found.get(2).map_or("", |m| m.as_str()),
            ),
            None => (threat, ""),
        };
        let mut vendor = Map::new();
        if !name.is_empty() {
            vendor.set("name", name);
        }
        if !number.is_empty() {
            vendor.set("id", number);
        }
        if !vendor.is_empty() {
            event.child("panw").child("panos").set("threat", vendor);
        }
    }
    severity(event, record);
    if let Some(resource) = record.get("misc") {
        match record.get("subtype") {
            Some("url") => event.put("url.original", resource),
            Some(subtype) if FILE_SUBTYPES.contains(&subtype) => event.put("file.name", resource),
            _ => {}
        }
    }
    let mut http = Map::new();
    http.put_opt("method", record.get("http_method"));
    http.put_opt("referrer", record.get("referer"));
    if !http.is_empty() {
        event.child("http").set("request", http);
    }
    if let Some(agent) = record.get("user_agent") {
        event.put("user_agent.original", agent);
    }
}

/// Whether the first three characters upper-case to `TLS` as Python's `str.upper` has them.
fn starts_tls(version: &str) -> Option<&str> {
    let mut chars = version.char_indices();
    let mut upper = String::with_capacity(3);
    for _ in 0..3 {
        let (_, c) = chars.next()?;
        upper.extend(c.to_uppercase());
    }
    let rest = chars
        .next()
        .map_or("", |(at, _)| version.get(at..).unwrap_or(""));
    (upper == "TLS" && !rest.is_empty()).then_some(rest)
}

fn decryption<'a>(event: &mut Map<'a>, record: &Record<'a>) {
    let mut tls = Map::new();
    if let Some(rest) = record.get("tls_version").and_then(starts_tls) {
        tls.set("version_protocol", "tls");
        tls.set("version", rest.trim_start_matches('v'));
    }
    if let Some(sni) = record.get("sni") {
        tls.put("client.server_name", sni);
    }
    let mut x509 = Map::new();
    if let Some(cn) = record.get("cn") {
        x509.put("subject.common_name", cn);
    }
    if let Some(cn) = record.get("issuer_cn") {
        x509.put("issuer.common_name", cn);
    }
    if !x509.is_empty() {
        tls.child("server").set("x509", x509);
    }
    event.attach("tls", tls);
}

fn base<'a>(category: &'static str, types: Vec<&'static str>, action: Option<&'a str>) -> Map<'a> {
    let mut event = Map::new();
    let fields = event.child("event");
    fields.set("kind", "event");
    fields.set("category", vec![category]);
    fields.set("type", types);
    fields.set("dataset", "panw.panos");
    fields.set("module", "panw");
    if let Some(action) = action.filter(|action| !action.is_empty()) {
        fields.set("action", action);
    }
    event
}

/// The user a record names and the address it came from, in `user`, `source` and `related`.
fn user<'a>(event: &mut Map<'a>, name: Option<&'a str>, address: Option<&'a str>) {
    let mut source = net::endpoint(address.unwrap_or(""), None);
    if let Some(name) = name.filter(|name| !name.is_empty()) {
        event.set("user", user_map(name));
        source.set("user", user_map(name));
        net::extend_related(event, "user", [name]);
    }
    event.attach("source", source);
    net::add_related_ips(event, address);
}

/// The record's severity name as `log.level`, and as `event.severity` where PAN-OS ranks it
/// (1 the most severe, as Elastic's integration numbers them).
fn severity<'a>(event: &mut Map<'a>, record: &Record<'a>) {
    if let Some(severity) = record.get("severity") {
        let mut log = Map::new();
        log.set("level", severity);
        event.set("log", log);
        let rank: i64 = match severity {
            "critical" => 1,
            "high" => 2,
            "medium" => 3,
            "low" => 4,
            "informational" => 5,
            _ => return,
        };
        event.child("event").set("severity", rank);
    }
}

fn system<'a>(record: &Record<'a>) -> Map<'a> {
    let mut event = base("host", vec!["info"], record.get("eventid"));
    event.put_opt("message", record.get("description"));
    severity(&mut event, record);
    event
}

/// An administrator's configuration command: who, from where, which command, on what, with what result.
fn config<'a>(record: &Record<'a>) -> Map<'a> {
    let mut event = base("configuration", vec!["change"], record.get("cmd"));
    if let Some(result) = record.get("result") {
        let result = pytext::lower(result);
        let outcome = if result == "succeeded" || result == "submitted" {
            "success"
        } else {
            "failure"
        };
        event.child("event").set("outcome", outcome);
    }
    user(&mut event, record.get("admin"), record.get("host"));
    event
}

/// A GlobalProtect portal or gateway event: the user, the client's public address, the stage's result.
fn globalprotect<'a>(record: &Record<'a>) -> Map<'a> {
    let eventid = record.get("eventid");
    let id = eventid.unwrap_or("");
    let mut event = if id.contains("logout") {
        base("authentication", vec!["end"], eventid)
    } else if id.ends_with("auth") || id.contains("login") {
        base("authentication", vec!["start"], eventid)
    } else if id.ends_with("connected") {
        base("network", vec!["connection", "start"], eventid)
    } else {
        base("network", vec!["info"], eventid)
    };
    if let Some(status) = record.get("status") {
        let status = pytext::lower(status);
        if status == "success" || status == "failure" {
            let outcome = if status == "success" {
                "success"
            } else {
                "failure"
            };
            event.child("event").set("outcome", outcome);
        }
    }
    let public = record
        .get("public_ip")
        .and_then(net::nat_ip)
        .or_else(|| record.get("public_ipv6").and_then(net::nat_ip));
    user(&mut event, record.get("srcuser"), public);
    net::add_related_ips(
        &mut event,
        [
            record.get("private_ip").and_then(net::nat_ip),
            record.get("private_ipv6").and_then(net::nat_ip),
        ]
        .into_iter()
        .flatten(),
    );
    event.put_opt("message", record.get("description"));
    event
}

/// A User-ID mapping: which user the firewall now ties to which address, and what told it.
fn userid<'a>(record: &Record<'a>) -> Map<'a> {
    let subtype = record.get("subtype");
    let mut event = match subtype {
        Some("login") => base("authentication", vec!["start"], subtype),
        Some("logout") => base("authentication", vec!["end"], subtype),
        _ => base("iam", vec!["info"], subtype),
    };
    user(&mut event, record.get("srcuser"), record.get("src"));
    if let Some(port) = record.get("sport").and_then(net::port) {
        if port != 0 && event.contains("source") {
            // 0: the mapping came without a port
            event.child("source").set("port", port);
        }
    }
    event
}

/// A GlobalProtect host-information match: which object or profile a user's machine matched.
fn hipmatch<'a>(record: &Record<'a>) -> Map<'a> {
    let mut event = base("host", vec!["info"], None);
    let address = record
        .get("src")
        .and_then(net::ip)
        .or_else(|| record.get("srcipv6").and_then(net::ip));
    user(&mut event, record.get("srcuser"), address);
    if let Some(name) = record.get("matchname") {
        event.put("rule.name", name);
    }
    event
}

/// An Authentication Policy or captive-portal logon: the user, the address, the result.
fn auth<'a>(record: &Record<'a>) -> Map<'a> {
    let said = record.get("event");
    let mut event = base("authentication", vec!["start"], said);
    if let Some(said) = said {
        let outcome = if pytext::lower(said).contains("fail") {
            "failure"
        } else {
            "success"
        };
        event.child("event").set("outcome", outcome);
    }
    let name = record.get("normalize_user").or_else(|| record.get("user"));
    user(&mut event, name, record.get("ip"));
    if let Some(policy) = record.get("authpolicy") {
        event.put("rule.name", policy);
    }
    event.put_opt("message", record.get("desc"));
    event
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(text: &str) -> Result<Vec<String>, String> {
        csv_row(text).map(|fields| fields.into_iter().map(Cow::into_owned).collect())
    }

    #[test]
    fn csv_reads_as_pythons_default_dialect() {
        assert_eq!(row("a\"b,c").unwrap(), ["a\"b", "c"]);
        assert_eq!(row("\"ab\"c,d").unwrap(), ["abc", "d"]);
        assert_eq!(row("\"ab").unwrap(), ["ab"]);
        assert_eq!(row("a,\"\"\"\",x").unwrap(), ["a", "\"", "x"]);
        assert_eq!(row("\"\"").unwrap(), [""]);
        assert_eq!(row("a,\"b\"\"").unwrap(), ["a", "b\""]);
        assert_eq!(row("\"a\"\r\n").unwrap(), ["a"]);
        assert_eq!(row("\"a\rb\"").unwrap(), ["a\rb"]);
        assert_eq!(row("a,").unwrap(), ["a", ""]);
        assert!(row("a\rb").unwrap_err().starts_with("bad CSV: new-line"));
        let long = "x".repeat(FIELD_LIMIT + 1);
        assert!(row(&format!("\"{long}")).is_err());
        assert_eq!(row(&format!("\"{}", &long[1..])).unwrap().len(), 1);
    }

    #[test]
    fn record_start_and_short_records() {
        assert_eq!(
            columns("x").unwrap_err(),
            "no PAN-OS CSV record after the syslog header"
        );
        assert_eq!(
            columns("1,2").unwrap_err(),
            "PAN-OS record with fewer than 7 fields"
        );
        // The `1,` before a receive time wins over an earlier one; without it the first `1,` is taken.
        let values = columns("a1,b \u{1c}1,2024/01/01 00:00:00,1,SYSTEM,x,0,y").unwrap();
        assert_eq!(values[1], "2024/01/01 00:00:00");
        let values = columns("a1,b 1,24/01/01 00:00:00,1,SYSTEM,x,0,y").unwrap();
        assert_eq!(values[1], "b 1");
    }

    #[test]
    fn tls_version_prefix() {
        assert_eq!(starts_tls("TLS1.2"), Some("1.2"));
        assert_eq!(starts_tls("tlsv1.3"), Some("v1.3"));
        assert_eq!(
            starts_tls("tl\u{17f}1"),
            Some("1"),
            "long s upper-cases to S"
        );
        assert_eq!(starts_tls("TLS"), None);
        assert_eq!(starts_tls("SSL3"), None);
    }

    #[test]
    fn threat_name_and_id() {
        let found = THREAT_NAME.captures("GNU Bash (36729)").unwrap();
        assert_eq!((&found[1], &found[2]), ("GNU Bash", "36729"));
        let found = THREAT_NAME.captures("(9999)\n").unwrap();
        assert_eq!((&found[1], &found[2]), ("", "9999"));
    }
}
