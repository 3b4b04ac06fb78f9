//! Juniper SRX security records (the `junos@` structured-data element, or a plain RT_FLOW session line) → ECS.
//!
//! The format, the field names and the mapping are described in
//! `collectors/firewall/juniper_srx.py`, which converts the header's time.

use std::borrow::Cow;
use std::sync::LazyLock;

use pyo3::intern;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyString, PyTuple};
use regex::Regex;

use crate::clock::Clock;
use crate::event::{presized, Map};
use crate::net;
use crate::pydict;
use crate::pytext;
use crate::syslog_header::{self, structured_data, Syslog};

const DATASET: &str = "juniper_srx.log";

const IDS: &[&str] = &["network", "intrusion_detection"];
const NETWORK: &[&str] = &["network"];
const MALWARE: &[&str] = &["malware"];
const STARTED: &[&str] = &["start", "allowed", "connection"];
const CLOSED: &[&str] = &["end", "allowed", "connection"];
const SCREEN: &[&str] = &["info", "denied", "connection"];
const INFO: &[&str] = &["info"];

/// MSGID (without the `_LS` logical-system suffix) → (event.action, categories, types).
fn message(
    base: &str,
) -> Option<(
    &'static str,
    &'static [&'static str],
    &'static [&'static str],
)> {
    Some(match base {
        "RT_FLOW_SESSION_CREATE" => ("flow_started", NETWORK, STARTED),
        "RT_FLOW_SESSION_CLOSE" => ("flow_close", NETWORK, CLOSED),
        "RT_FLOW_SESSION_DENY" => ("flow_deny", NETWORK, &["denied", "connection"]),
        // AppTrack reports the same sessions: Elastic names its create/close/route update as the flow's.
        "APPTRACK_SESSION_CREATE" => ("flow_started", NETWORK, STARTED),
        "APPTRACK_SESSION_CLOSE" => ("flow_close", NETWORK, CLOSED),
        "APPTRACK_SESSION_VOL_UPDATE" => (
            "apptrack_session_vol_update",
            NETWORK,
            &["info", "allowed", "connection"],
        ),
        "APPTRACK_SESSION_ROUTE_UPDATE" => ("flow_started", NETWORK, STARTED),
        "RT_SCREEN_TCP" => ("tcp_screen", IDS, SCREEN),
        "RT_SCREEN_UDP" => ("udp_screen", IDS, SCREEN),
        "RT_SCREEN_ICMP" => ("icmp_screen", IDS, SCREEN),
        "RT_SCREEN_IP" => ("ip_screen", IDS, SCREEN),
        "RT_IDP_ATTACK_LOG_EVENT" | "IDP_ATTACK_LOG_EVENT" => ("security_threat", IDS, SCREEN),
        "IDP_APPDDOS_APP_STATE_EVENT" => ("application_ddos", IDS, &["info", "connection"]),
        "AV_VIRUS_DETECTED_MT" => ("virus_detected", MALWARE, INFO),
        "ANTISPAM_SPAM_DETECTED_MT" => ("spam_detected", &["email"], INFO),
        "CONTENT_FILTERING_BLOCKED_MT" => ("content_blocked", NETWORK, SCREEN),
        "WEBFILTER_URL_PERMITTED" => ("web_filter", NETWORK, &["info", "allowed", "connection"]),
        "WEBFILTER_URL_BLOCKED" => ("web_filter", NETWORK, SCREEN),
        "AAMW_ACTION_LOG" => ("malware_action", MALWARE, INFO),
        "AAMW_HOST_INFECTED_EVENT_LOG" => ("malware_infected", MALWARE, INFO),
        "AAMW_MALWARE_EVENT_LOG" => ("malware_detected", MALWARE, INFO),
        "SECINTEL_ACTION_LOG" => ("secintel_action", MALWARE, INFO),
        _ => return None,
    })
}

/// Values a log writes for "none".
fn absent(value: &str) -> bool {
    matches!(value, "N/A" | "None" | "UNKNOWN" | "")
}

/// The fields the ECS mapping reads; the others go to `juniper.srx.*`.
#[derive(Default)]
struct Flow<'a> {
    source_address: Option<&'a str>,
    source_port: Option<&'a str>,
    destination_address: Option<&'a str>,
    destination_port: Option<&'a str>,
    nat_source_address: Option<&'a str>,
    nat_source_port: Option<&'a str>,
    nat_destination_address: Option<&'a str>,
    nat_destination_port: Option<&'a str>,
    protocol_id: Option<&'a str>,
    policy_name: Option<&'a str>,
    bytes_from_client: Option<&'a str>,
    bytes_from_server: Option<&'a str>,
    packets_from_client: Option<&'a str>,
    packets_from_server: Option<&'a str>,
    username: Option<&'a str>,
    elapsed_time: Option<&'a str>,
    source_zone_name: Option<&'a str>,
    destination_zone_name: Option<&'a str>,
    packet_incoming_interface: Option<&'a str>,
    source_interface_name: Option<&'a str>,
    interface_name: Option<&'a str>,
    destination_interface_name: Option<&'a str>,
}

impl<'a> Flow<'a> {
    /// Keep an ECS field's value; false for a field that is not one of them.
    fn take(&mut self, key: &str, value: &'a str) -> bool {
        let slot = match key {
            "source-address" => &mut self.source_address,
            "source-port" => &mut self.source_port,
            "destination-address" => &mut self.destination_address,
            "destination-port" => &mut self.destination_port,
            "nat-source-address" => &mut self.nat_source_address,
            "nat-source-port" => &mut self.nat_source_port,
            "nat-destination-address" => &mut self.nat_destination_address,
            "nat-destination-port" => &mut self.nat_destination_port,
            "protocol-id" => &mut self.protocol_id,
            "policy-name" => &mut self.policy_name,
            "bytes-from-client" => &mut self.bytes_from_client,
            "bytes-from-server" => &mut self.bytes_from_server,
            "packets-from-client" => &mut self.packets_from_client,
            "packets-from-server" => &mut self.packets_from_server,
            "username" => &mut self.username,
            "elapsed-time" => &mut self.elapsed_time,
            "source-zone-name" => &mut self.source_zone_name,
            "destination-zone-name" => &mut self.destination_zone_name,
            "packet-incoming-interface" => &mut self.packet_incoming_interface,
            "source-interface-name" => &mut self.source_interface_name,
            "interface-name" => &mut self.interface_name,
            "destination-interface-name" => &mut self.destination_interface_name,
            _ => return false,
        };
        *slot = Some(value);
        true
    }
}

// Python's `\s` (`str.isspace`) also holds the separators U+001C–U+001F, the regex crate's does not.
macro_rules! s {
    () => {
        r"\s\x1c-\x1f"
    };
}

/// An RT_FLOW session line without structured data: its verb; the tag (and an LSYS name) come before.
static PLAIN: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"session (created|closed|denied) ").unwrap());
static PLAIN_TAG: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"RT_FLOW_SESSION_(?:CREATE|CLOSE|DENY)(?:_LS)?").unwrap());

fn tuple(from: &str, to: &str) -> String {
    format!(
        concat!(
            r"(?P<{0}a>[^",
            s!(),
            r"/]+)/(?P<{0}p>\d+)->(?P<{1}a>[^",
            s!(),
            r"/]+)/(?P<{1}p>\d+)(?: 0x[0-9a-fA-F]+)?"
        ),
        from, to
    )
}

// Junos 12.1X44 added rule types ("source rule r1 N/A N/A"), older ones write two names
const RULES: &str = concat!(
    r"(?:(?P<snt>(?:source|static|destination) rule|N/A|None) (?P<snr>[^",
    s!(),
    r"]+) (?P<dnt>(?:source|static|destination) rule|N/A|None) (?P<dnr>[^",
    s!(),
    r"]+)|(?P<snr2>[^",
    s!(),
    r"]+) (?P<dnr2>[^",
    s!(),
    r"]+))"
);
const APP_USER_IFACE: &str = concat!(
    r"(?: (?P<app>[^",
    s!(),
    r"]+) (?P<napp>[^",
    s!(),
    r"]+) (?P<user>[^",
    s!(),
    r"(]*)\((?P<roles>[^)]*)\)(?: (?P<iface>[^",
    s!(),
    r"]+))?)?"
);
/// `\S+`, as Python reads it.
const WORD: &str = concat!("[^", s!(), "]+");

/// Each verb's fields by position, up to the interface and the application; later releases append more.
static CREATED: LazyLock<Regex> = LazyLock::new(|| {
    let pattern = format!(
        r"^(?:{} (?P<svc>{w}) {} {} (?P<proto>\d+) (?P<policy>{w}) (?P<szone>{w}) (?P<dzone>{w}) (?P<sid>\d+) (?P<user>[^{s}(]*)\((?P<roles>[^)]*)\)(?: (?P<iface>{w})(?: (?P<app>{w}) (?P<napp>{w}) (?P<enc>{w}))?)?)",
        tuple("s", "d"),
        tuple("ns", "nd"),
        RULES,
        w = WORD,
        s = s!(),
    );
    Regex::new(&pattern).unwrap()
});
static CLOSED_LINE: LazyLock<Regex> = LazyLock::new(|| {
    let pattern = format!(
        r"^(?:(?P<reason>[^:]+): {} (?P<svc>{w}) {} {} (?P<proto>\d+) (?P<policy>{w}) (?P<szone>{w}) (?P<dzone>{w}) (?P<sid>\d+) (?P<pc>\d+)\((?P<bc>\d+)\) (?P<ps>\d+)\((?P<bs>\d+)\) (?P<elapsed>\d+){})",
        tuple("s", "d"),
        tuple("ns", "nd"),
        RULES,
        APP_USER_IFACE,
        w = WORD,
    );
    Regex::new(&pattern).unwrap()
});
static DENIED: LazyLock<Regex> = LazyLock::new(|| {
    let pattern = format!(
        r"^(?:{} (?P<svc>{w}) (?P<proto>\d+)\((?P<icmp>\d+)\) (?P<policy>{w}) (?P<szone>{w}) (?P<dzone>{w}){})",
        tuple("s", "d"),
        APP_USER_IFACE,
        w = WORD,
    );
    Regex::new(&pattern).unwrap()
});

/// A plain line's group → the structured-data name of its field.
fn plain_field(group: &str) -> Option<&'static str> {
    Some(match group {
        "sa" => "source-address",
        "sp" => "source-port",
        "da" => "destination-address",
        "dp" => "destination-port",
        "nsa" => "nat-source-address",
        "nsp" => "nat-source-port",
        "nda" => "nat-destination-address",
        "ndp" => "nat-destination-port",
        "svc" => "service-name",
        "snt" => "src-nat-rule-type",
        "snr" | "snr2" => "src-nat-rule-name",
        "dnt" => "dst-nat-rule-type",
        "dnr" | "dnr2" => "dst-nat-rule-name",
        "proto" => "protocol-id",
        "policy" => "policy-name",
        "szone" => "source-zone-name",
        "dzone" => "destination-zone-name",
        "sid" => "session-id-32",
        "user" => "username",
        "roles" => "roles",
        "iface" => "packet-incoming-interface",
        "reason" => "reason",
        "pc" => "packets-from-client",
        "bc" => "bytes-from-client",
        "ps" => "packets-from-server",
        "bs" => "bytes-from-server",
        "elapsed" => "elapsed-time",
        "app" => "application",
        "napp" => "nested-application",
        "enc" => "encrypted",
        "icmp" => "icmp-type",
        _ => return None,
    })
}

/// Fields as (structured-data name, value), in the order the record writes them.
type Pairs<'a> = Vec<(&'a str, &'a str)>;

/// The fields of a plain-text session line (after its verb) under their structured-data names, and its tag.
fn plain<'a>(
    message: &'a str,
    msgid: Option<&'a str>,
) -> Result<(Pairs<'a>, Cow<'a, str>), String> {
    let Some(found) = PLAIN.captures(message) else {
        return Err("no junos@ structured data and no RT_FLOW session text".into());
    };
    let (Some(all), Some(verb)) = (found.get(0), found.get(1)) else {
        return Err("no junos@ structured data and no RT_FLOW session text".into());
    };
    let (pattern, tag) = match verb.as_str() {
        "created" => (&*CREATED, "CREATE"),
        "closed" => (&*CLOSED_LINE, "CLOSE"),
        _ => (&*DENIED, "DENY"),
    };
    let msgid = match PLAIN_TAG.find(&message[..all.start()]) {
        Some(written) => Cow::Borrowed(written.as_str()),
        None => match msgid.filter(|msgid| !msgid.is_empty()) {
            Some(msgid) => Cow::Borrowed(msgid),
            None => Cow::Owned(format!("RT_FLOW_SESSION_{tag}")),
        },
    };
    let text = &message[all.end()..];
    let Some(fields) = pattern.captures(text) else {
        return Err(format!(
            "RT_FLOW session {} line in a layout not known",
            verb.as_str()
        ));
    };
    // what later releases append (application categories, risk, VRF groups…) stays in event.original
    let pairs = pattern
        .capture_names()
        .enumerate()
        .filter_map(|(at, name)| {
            let value = fields.get(at)?;
            Some((plain_field(name?)?, value.as_str()))
        })
        .collect();
    Ok((pairs, msgid))
}

/// An SD-ELEMENT's parameters, as the header split gives them.
type Params<'a> = [(&'a [u8], Cow<'a, [u8]>)];
/// SD-ELEMENTs, as the header split gives them.
type Elements<'a> = [(&'a [u8], Vec<(&'a [u8], Cow<'a, [u8]>)>)];

/// A piece of the line: the header split cuts at character boundaries (and unescaping a value keeps it UTF-8).
fn text(part: &[u8]) -> &str {
    std::str::from_utf8(part).unwrap_or_default()
}

/// The `junos@` element's id and parameters, as the Python dict of the structured data held them: the
/// first id that starts with `junos@`, and the last element of that id (a repeated id's last one wins).
fn junos<'e, 'a>(elements: &'e Elements<'a>) -> Option<(&'a [u8], &'e Params<'a>)> {
    let (id, _) = elements.iter().find(|(id, _)| id.starts_with(b"junos@"))?;
    elements
        .iter()
        .rev()
        .find(|(other, _)| other == id)
        .map(|(_, params)| (*id, params.as_slice()))
}

/// A line → `crate::line_result`'s `(event or None, header time, reason or None)`.
pub fn line_to_py<'py>(line: &str, clock: Clock<'_, 'py>) -> PyResult<Bound<'py, PyTuple>> {
    let py = clock.py;
    let mut syslog = Syslog::read(line);
    // The structured data goes to Python once: `log.syslog.structured_data` and `juniper.srx` share its strings.
    let structured = syslog
        .header
        .structured
        .take()
        .filter(|elements| !elements.is_empty());
    let parsed = record(py, &syslog, structured.as_deref())?;
    let time = syslog.time_to_py(clock)?;
    match parsed {
        Ok(event) => (event, time, py.None()).into_pyobject(py),
        Err(reason) => (py.None(), time, reason).into_pyobject(py),
    }
}

/// The event of a line whose header is read: its `junos@` element (in the structured data, or in the message
/// in event mode) or else the plain RT_FLOW line after the header; the error is the reason it cannot be read.
fn record<'py>(
    py: Python<'py>,
    syslog: &Syslog<'_>,
    structured: Option<&Elements<'_>>,
) -> PyResult<Result<Bound<'py, PyDict>, String>> {
    let message = syslog.message();
    let app = syslog.app();
    let structured_py = structured
        .map(|elements| syslog_header::py_structured(py, elements))
        .transpose()?;
    let mut found = None;
    if let (Some(elements), Some(dict)) = (structured, &structured_py) {
        if let Some((id, _)) = junos(elements) {
            let element = dict.get_item(PyString::new(py, text(id)))?;
            if let Some(element) = element {
                found = Some((element.cast_into::<PyDict>()?, syslog.msgid().unwrap_or("")));
            }
        }
    }
    let inline; // event mode's element, read from the message
    if found.is_none() {
        if let Some(at) = message.find("[junos@") {
            // "RT_FLOW: RT_FLOW_SESSION_CREATE [junos@...]" after an RFC 3164 header: the tag is the word before
            inline = structured_data(message.get(at..).unwrap_or_default().as_bytes()).0;
            if let Some((_, params)) = inline.as_deref().and_then(junos) {
                let tag = message
                    .get(..at)
                    .unwrap_or_default()
                    .split(pytext::is_space)
                    .rfind(|word| !word.is_empty())
                    .map(|word| word.trim_end_matches(':'));
                let tag = tag.unwrap_or_else(|| syslog.msgid().unwrap_or(""));
                found = Some((syslog_header::py_params(py, params)?, tag));
            }
        }
    }
    let Some((element, msgid)) = found else {
        return match plain(message, syslog.msgid()) {
            Ok((pairs, msgid)) => {
                let event = event_of(&pairs, msgid, app);
                Ok(Ok(with_header(py, syslog, event, structured_py)?))
            }
            Err(reason) => Ok(Err(reason)),
        };
    };
    // The element's own strings go to `juniper.srx` as they are (its keys too, where they hold no dash).
    let items: Vec<(Bound<'py, PyAny>, Bound<'py, PyAny>)> = element.iter().collect();
    let mut flow = Flow::default();
    let mut rest = Vec::with_capacity(items.len());
    for (key, value) in &items {
        let name = key.cast::<PyString>()?.to_str()?;
        if !is_ecs_key(name) || !flow.take(name, value.cast::<PyString>()?.to_str()?) {
            rest.push((key, name, value));
        }
    }
    let event = with_header(
        py,
        syslog,
        parse(&flow, Cow::Borrowed(msgid)),
        structured_py,
    )?;
    // Sized for its keys up front, as `Map::to_py` does: growing it key by key rebuilds it twice.
    let srx = presized(py, element.len() + 2)?;
    for (key, name, value) in rest {
        if name.contains('-') {
            pydict::set_item(&srx, &srx_name(py, key, name)?, value)?;
        } else {
            pydict::set_item(&srx, key, value)?;
        }
    }
    srx.set_item(intern!(py, "tag"), msgid)?;
    if let Some(app) = app.filter(|app| !app.is_empty()) {
        srx.set_item(intern!(py, "process"), app)?;
    }
    let juniper = PyDict::new(py);
    juniper.set_item(intern!(py, "srx"), srx)?;
    event.set_item(intern!(py, "juniper"), juniper)?;
    Ok(Ok(event))
}

/// The event with the header's fields: `observer.name`, and `log.syslog` (its structured data as given).
fn with_header<'py, 'a>(
    py: Python<'py>,
    syslog: &Syslog<'a>,
    mut event: Map<'a>,
    structured: Option<Bound<'py, PyDict>>,
) -> PyResult<Bound<'py, PyDict>> {
    if let Some(hostname) = syslog.hostname().filter(|name| !name.is_empty()) {
        event.put("observer.name", hostname);
    }
    let event = event.to_py(py)?;
    if syslog.priority().is_some() {
        let fields = syslog.log_fields().to_py(py)?;
        if let Some(structured) = structured {
            fields.set_item(intern!(py, "structured_data"), structured)?;
        }
        let log = PyDict::new(py);
        log.set_item(intern!(py, "syslog"), fields)?;
        event.set_item(intern!(py, "log"), log)?;
    }
    Ok(event)
}

/// Whether a name is one of `Flow`'s (a cheap test before the full match).
fn is_ecs_key(name: &str) -> bool {
    matches!(
        name.as_bytes().first(),
        Some(b's' | b'd' | b'n' | b'p' | b'b' | b'u' | b'e' | b'i')
    )
}

static SRX_NAMES: PyOnceLock<Py<PyDict>> = PyOnceLock::new();

/// `juniper.srx.*`'s name for a field with dashes, made once per name (a few dozen names repeat).
fn srx_name<'py>(
    py: Python<'py>,
    key: &Bound<'py, PyAny>,
    name: &str,
) -> PyResult<Bound<'py, PyAny>> {
    let names = SRX_NAMES
        .get_or_init(py, || PyDict::new(py).unbind())
        .bind(py);
    if let Some(found) = names.get_item(key)? {
        return Ok(found);
    }
    let converted = PyString::new(py, &name.replace('-', "_")).into_any();
    if names.len() >= 4096 {
        names.clear(); // names from hostile input must not grow it without end
    }
    names.set_item(key, &converted)?;
    Ok(converted)
}

/// The event of a record's fields, `juniper.srx` included.
fn event_of<'a>(
    pairs: &[(&'a str, &'a str)],
    msgid: Cow<'a, str>,
    app: Option<&'a str>,
) -> Map<'a> {
    let mut flow = Flow::default();
    let mut srx = Map::new();
    for (key, value) in pairs {
        if !flow.take(key, value) {
            srx.set_data(srx_key(key), *value);
        }
    }
    let mut event = parse(&flow, msgid.clone());
    srx.set("tag", msgid);
    if let Some(app) = app.filter(|app| !app.is_empty()) {
        srx.set("process", app);
    }
    event.child("juniper").set("srx", srx);
    event
}

/// `juniper.srx.*`'s name for a field: dashes turned into underscores.
fn srx_key(key: &str) -> Cow<'_, str> {
    if key.contains('-') {
        Cow::Owned(key.replace('-', "_"))
    } else {
        Cow::Borrowed(key)
    }
}

/// The event without `juniper.srx`.
fn parse<'a>(flow: &Flow<'a>, msgid: Cow<'a, str>) -> Map<'a> {
    let base = msgid.strip_suffix("_LS").unwrap_or(&msgid);
    let mut event = Map::new();
    let fields = event.child("event");
    match message(base) {
        Some((action, category, types)) => {
            let alert = category.contains(&"intrusion_detection") || category.contains(&"malware");
            fields.set("kind", if alert { "alert" } else { "event" });
            fields.set("category", category.to_vec());
            fields.set("type", types.to_vec());
            fields.set("action", action);
        }
        None => {
            fields.set("kind", "event");
            fields.set("category", vec!["network"]);
            fields.set("type", vec!["info"]);
            fields.set(
                "action",
                if base.is_empty() {
                    "unknown".to_owned()
                } else {
                    pytext::lower(base)
                },
            );
        }
    }
    fields.set("outcome", "success");
    fields.set("code", msgid);
    fields.set("dataset", DATASET);
    fields.set("module", "juniper_srx");
    let observer = event.child("observer");
    observer.set("vendor", "Juniper");
    observer.set("product", "SRX");
    observer.set("type", "firewall");
    flow_fields(&mut event, flow);
    event
}

fn flow_fields<'a>(event: &mut Map<'a>, f: &Flow<'a>) {
    let mut source = net::endpoint(
        f.source_address.unwrap_or(""),
        f.source_port.and_then(net::port),
    );
    let mut destination = net::endpoint(
        f.destination_address.unwrap_or(""),
        f.destination_port.and_then(net::port),
    );
    // `endpoint` sets `ip` for a valid address only
    let source_ip = f.source_address.filter(|_| source.contains("ip"));
    let destination_ip = f.destination_address.filter(|_| destination.contains("ip"));
    let source_nat = f.nat_source_address.and_then(net::nat_ip);
    let destination_nat = f.nat_destination_address.and_then(net::nat_ip);
    for (side, written, address, port) in [
        (
            &mut source,
            f.nat_source_address,
            source_nat,
            f.nat_source_port,
        ),
        (
            &mut destination,
            f.nat_destination_address,
            destination_nat,
            f.nat_destination_port,
        ),
    ] {
        let mut nat = Map::new();
        // IDP and screen logs write 0.0.0.0 and port 0 for "no translation"
        if let Some(address) = address {
            nat.set("ip", address);
        }
        if let Some(number) = port.and_then(net::port) {
            let unspecified = matches!(written, Some("0.0.0.0" | "::"));
            if address.is_some() || !unspecified || number != 0 {
                nat.set("port", number);
            }
        }
        side.attach("nat", nat);
    }
    let mut network = Map::new();
    for (field, client, server) in [
        ("bytes", f.bytes_from_client, f.bytes_from_server),
        ("packets", f.packets_from_client, f.packets_from_server),
    ] {
        let client = client.and_then(net::integer);
        let server = server.and_then(net::integer);
        if let Some(client) = client {
            source.set(field, client);
        }
        if let Some(server) = server {
            destination.set(field, server);
        }
        if let (Some(client), Some(server)) = (client, server) {
            if let Some(total) = client.checked_add(server) {
                network.set(field, total);
            }
        }
    }
    let has_source = !source.is_empty();
    event.attach("source", source);
    event.attach("destination", destination);
    if let Some(proto) = f.protocol_id.filter(|proto| !proto.is_empty()) {
        network.set("iana_number", proto);
        network.put_opt("transport", net::transport(proto));
    }
    event.attach("network", network);
    if let Some(policy) = f.policy_name.filter(|name| !absent(name)) {
        event.put("rule.name", policy);
    }
    if let Some(user) = f.username.filter(|name| !absent(name)) {
        event.put("user.name", user);
        if has_source {
            event.child("source").put("user.name", user);
        }
    }
    if let Some(elapsed) = f.elapsed_time.and_then(net::integer) {
        if let Some(nanoseconds) = elapsed.checked_mul(1_000_000_000) {
            event.child("event").set("duration", nanoseconds);
        }
    }
    for (side, zone, interfaces) in [
        (
            "ingress",
            f.source_zone_name,
            [
                f.packet_incoming_interface,
                f.source_interface_name,
                f.interface_name,
            ],
        ),
        (
            "egress",
            f.destination_zone_name,
            [f.destination_interface_name, None, None],
        ),
    ] {
        let interface = interfaces
            .into_iter()
            .flatten()
            .find(|name| !name.is_empty())
            .filter(|name| !absent(name));
        let zone = zone.filter(|zone| !absent(zone));
        if interface.is_some() || zone.is_some() {
            let mut found = Map::new();
            if let Some(name) = interface {
                found.put("interface.name", name);
            }
            if let Some(zone) = zone {
                found.set("zone", zone);
            }
            let observer = event.child("observer");
            if side == "ingress" {
                observer.set("ingress", found);
            } else {
                observer.set("egress", found);
            }
        }
    }
    // the addresses checked above, not parsed again
    net::extend_related(
        event,
        "ip",
        [source_ip, destination_ip, source_nat, destination_nat]
            .into_iter()
            .flatten(),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_close_line() {
        let message =
            "RT_FLOW_SESSION_CLOSE: session closed TCP FIN: 10.0.0.1/5->8.8.8.8/53 0x0 junos-dns \
            1.2.3.4/6->8.8.8.8/53 0x0 N/A N/A N/A N/A 17 p1 trust untrust 7 1(60) 1(90) 3";
        let (pairs, msgid) = plain(message, None).unwrap();
        assert_eq!(msgid, "RT_FLOW_SESSION_CLOSE");
        let event = event_of(&pairs, msgid, None);
        assert_eq!(
            event.lookup("network.bytes"),
            Some(&crate::event::Val::Int(150))
        );
        assert_eq!(event.get_str("source.nat.ip"), Some("1.2.3.4"));
        assert_eq!(event.get_str("event.action"), Some("flow_close"));
        assert_eq!(event.get_str("juniper.srx.reason"), Some("TCP FIN"));
        assert_eq!(
            event.lookup("event.duration"),
            Some(&crate::event::Val::Int(3_000_000_000))
        );
    }

    #[test]
    fn the_junos_element_as_a_dict_holds_it() {
        let params = |value: &'static str| vec![(&b"a"[..], Cow::Borrowed(value.as_bytes()))];
        let elements = vec![
            (&b"meta"[..], params("0")),
            (&b"junos@1"[..], params("1")),
            (&b"junos@2"[..], params("2")),
            (&b"junos@1"[..], params("3")),
        ];
        let (id, found) = junos(&elements).unwrap();
        assert_eq!((id, found[0].1.as_ref()), (&b"junos@1"[..], &b"3"[..]));
        assert!(junos(&elements[..1]).is_none());
    }

    #[test]
    fn unknown_layouts_are_refused() {
        assert_eq!(
            plain("session denied x", None).err().as_deref(),
            Some("RT_FLOW session denied line in a layout not known")
        );
        assert!(plain("nothing", Some("X")).is_err());
    }

    #[test]
    fn nat_port_of_no_translation_is_dropped() {
        let pairs = [
            ("nat-source-address", "0.0.0.0"),
            ("nat-source-port", "0"),
            ("source-address", "10.0.0.1"),
            ("username", "bob"),
        ];
        let event = event_of(&pairs, Cow::Borrowed("RT_SCREEN_TCP_LS"), Some("RT_IDS"));
        assert!(event.lookup("source.nat").is_none());
        assert_eq!(event.get_str("source.user.name"), Some("bob"));
        assert_eq!(event.get_str("event.kind"), Some("alert"));
        assert_eq!(event.get_str("juniper.srx.process"), Some("RT_IDS"));
    }
}
