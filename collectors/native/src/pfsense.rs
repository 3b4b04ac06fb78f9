//! pfSense and OPNsense `filterlog` lines → ECS.
//!
//! The format, the field names and the mapping are described in
//! `collectors/firewall/pfsense.py`, which calls this and converts the header's time.

use std::sync::LazyLock;

use regex::Regex;

use crate::event::{Map, Val};
use crate::net;
use crate::pytext;
use crate::python_repr;
use crate::syslog_header::Syslog;

static RECORD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"\d*,[^,]*,[^,]*,[^,]*,[^,]*,[^,]*,(?:block|pass|reject|match|scrub|nat|rdr|binat)\b",
    )
    .unwrap()
});

const IPV4: &[&str] = &["tos", "ecn", "ttl", "id", "offset", "flags"];
const IPV6: &[&str] = &["class", "flow_label", "hop_limit"];
const PACKET_V4: &[&str] = &["proto_id", "proto", "length", "src", "dst"];
const PACKET_V6: &[&str] = &["proto", "proto_id", "length", "src", "dst"];
// Field names as Elastic's pfsense integration has them (pfsense.tcp.flags, .length, .window…)
const TCP: &[&str] = &[
    "source_port",
    "destination_port",
    "length",
    "flags",
    "sequence",
    "ack",
    "window",
    "urg",
    "options",
];
const UDP: &[&str] = &["source_port", "destination_port", "length"];
const CARP: &[&str] = &["type", "ttl", "vhid", "version", "advskew", "advbase"];
const NUMERIC_ICMP: &[&str] = &["id", "seq", "otime", "rtime", "ttime", "mtu", "port"];

/// What follows each ICMP type word; other types (unreach, timexceed…) carry a description.
fn icmp_fields(kind: &str) -> Option<&'static [&'static str]> {
    Some(match kind {
        "request" | "reply" | "tstamp" => &["id", "seq"],
        "tstampreply" => &["id", "seq", "otime", "rtime", "ttime"],
        "unreachproto" => &["destination", "unreachable"],
        "unreachport" => &["destination", "unreachable", "port"],
        "needfrag" => &["destination", "mtu"],
        "redirect" => &["redirect"],
        "paramprob" => &["parameter"],
        _ => return None,
    })
}

/// A whole line: its header, and the event (or the reason the record cannot be read).
pub fn parse_line(line: &str) -> (Syslog<'_>, Result<Map<'_>, String>) {
    let syslog = Syslog::read(line);
    let parsed = parse(syslog.message()).map(|mut event| {
        if let Some(hostname) = syslog.hostname().filter(|name| !name.is_empty()) {
            event.put("observer.name", hostname);
        }
        event.attach("process", syslog.process_fields());
        if syslog.priority().is_some() {
            event.put("log.syslog", syslog.log_fields());
        }
        event
    });
    (syslog, parsed)
}

/// The event for the record after the header; the error is the reason it cannot be read.
fn parse(message: &str) -> Result<Map<'_>, String> {
    let text = if RECORD.find(message).is_some_and(|found| found.start() == 0) {
        message
    } else {
        let at = message.find("filterlog").unwrap_or(0);
        match RECORD.find_at(message, at) {
            Some(found) => &message[found.start()..],
            None => return Err("no filterlog record".into()),
        }
    };
    let values: Vec<&str> = text.split(',').collect();
    if values.len() < 9 {
        return Err("filterlog record with fewer than 9 fields".into());
    }
    let [rule, sub_rule, anchor, tracker, interface, reason, action, direction, version] =
        <[&str; 9]>::try_from(&values[..9]).expect("nine fields");
    let rest = &values[9..];
    let mut pf = Map::new();
    for (key, value) in [
        ("rule_number", rule),
        ("sub_rule_number", sub_rule),
        ("anchor", anchor),
    ] {
        if !value.is_empty() {
            pf.set(key, value);
        }
    }
    pf.set("reason", reason);
    let mut event = Map::new();
    let kind = match action {
        "block" | "reject" => "denied",
        "pass" => "allowed",
        _ => "info",
    };
    let fields = event.child("event");
    fields.set("kind", "event");
    fields.set("category", vec!["network"]);
    fields.set("type", vec!["connection", kind]);
    fields.set("action", action);
    fields.set("reason", reason);
    fields.set("dataset", "pfsense.log");
    fields.set("module", "pfsense");
    fields.set("provider", "filterlog");
    let observer = event.child("observer");
    observer.set("vendor", "netgate");
    observer.set("type", "firewall");
    observer.put("ingress.interface.name", interface);
    let network = event.child("network");
    network.set("direction", direction);
    network.set("type", if version == "6" { "ipv6" } else { "ipv4" });
    if !tracker.is_empty() {
        event.put("rule.id", tracker);
    }
    if let Some((_, vlan)) = interface.rsplit_once('.') {
        if net::is_decimal(vlan) {
            event.put("observer.ingress.vlan.id", vlan); // igb1.12: VLAN 12 on igb1
        }
    }
    let (names, packet_names) = match version {
        "4" => (IPV4, PACKET_V4),
        "6" => (IPV6, PACKET_V6),
        _ => {
            return Err(format!(
                "filterlog record of IP version {}",
                python_repr(version)
            ))
        }
    };
    // A row cut short (a datagram truncated on its way) keeps the fields it has.
    let mut ip = Map::new();
    for (name, value) in names.iter().zip(rest) {
        if !value.is_empty() {
            ip.set(name, *value);
        }
    }
    let packet_values = rest.get(names.len()..).unwrap_or_default();
    let packet = |name: &str| {
        packet_names
            .iter()
            .position(|n| *n == name)
            .and_then(|at| packet_values.get(at).copied())
    };
    let (proto, proto_id, length) = (
        packet("proto").unwrap_or(""),
        packet("proto_id").unwrap_or(""),
        packet("length").unwrap_or(""),
    );
    let (src, dst) = (packet("src").unwrap_or(""), packet("dst").unwrap_or(""));
    let tail = rest
        .get(names.len() + packet_names.len()..)
        .unwrap_or_default();
    let proto = pytext::lower(proto);
    let network = event.child("network");
    if !proto.is_empty() {
        network.set("transport", proto.clone());
    }
    if !proto_id.is_empty() {
        network.set("iana_number", proto_id);
    }
    if net::is_decimal(length) {
        match length.parse::<i64>() {
            Ok(bytes) => network.set("bytes", bytes),
            Err(_) => ip.set("length", length),
        }
    } else if !length.is_empty() {
        ip.set("length", length);
    }
    pf.set("ip", ip);
    let mut source = net::endpoint(src, None);
    let mut destination = net::endpoint(dst, None);
    protocol(&proto, tail, &mut source, &mut destination, &mut pf);
    event.attach("source", source);
    event.attach("destination", destination);
    net::add_related_ips(&mut event, [src, dst]);
    event.set("pfsense", pf);
    Ok(event)
}

fn number(value: &str) -> Val<'_> {
    net::integer(value).map_or(Val::from(value), Val::Int)
}

fn protocol<'a>(
    proto: &str,
    tail: &[&'a str],
    source: &mut Map<'a>,
    destination: &mut Map<'a>,
    pf: &mut Map<'a>,
) {
    match proto {
        "tcp" | "udp" => {
            let names = if proto == "tcp" { TCP } else { UDP };
            let mut block = Map::new();
            for (name, value) in names.iter().zip(tail) {
                match *name {
                    "source_port" => source.put_opt("port", net::port(value)),
                    "destination_port" => destination.put_opt("port", net::port(value)),
                    "options" if !value.is_empty() => {
                        block.set("options", value.split(';').collect::<Vec<_>>())
                    }
                    _ if !value.is_empty() => block.set(name, *value),
                    _ => {}
                }
            }
            if !block.is_empty() {
                pf.set(if proto == "tcp" { "tcp" } else { "udp" }, block);
            }
        }
        "icmp" | "ipv6-icmp" | "icmpv6" => {
            let values: Vec<&str> = if proto == "icmp" {
                tail.to_vec()
            } else {
                tail.iter().copied().filter(|v| !v.is_empty()).collect()
            };
            let icmp = icmp(&values);
            if !icmp.is_empty() {
                pf.set("icmp", icmp);
            }
        }
        "carp" if tail.len() >= 6 => {
            let mut carp = Map::new();
            for (name, value) in CARP.iter().zip(tail) {
                if !value.is_empty() {
                    carp.set(name, number(value));
                }
            }
            pf.set("carp", carp);
        }
        _ => {
            if tail.iter().any(|value| !value.is_empty()) {
                let mut payload = Map::new();
                payload.set("data", tail.join(","));
                if proto.is_empty() {
                    pf.set("payload", payload)
                } else {
                    pf.set_data(proto.to_owned(), payload)
                }
            }
        }
    }
}

/// The ICMP part: a type word, then what filterlog writes for that type (its raw-filter-format page).
fn icmp<'a>(tail: &[&'a str]) -> Map<'a> {
    let mut icmp = Map::new();
    let Some((kind, values)) = tail.split_first().filter(|(kind, _)| !kind.is_empty()) else {
        return icmp;
    };
    icmp.set("type", *kind);
    let Some(names) = icmp_fields(kind) else {
        if values.iter().any(|value| !value.is_empty()) {
            icmp.set("description", values.join(","));
        }
        return icmp;
    };
    for (name, value) in names.iter().zip(values) {
        if value.is_empty() {
            continue;
        }
        if *name == "destination" {
            let mut destination = Map::new();
            destination.set(
                if net::ip(value).is_some() {
                    "ip"
                } else {
                    "address"
                },
                *value,
            );
            icmp.set("destination", destination);
        } else if NUMERIC_ICMP.contains(name) {
            icmp.set(name, number(value));
        } else {
            icmp.set(name, *value);
        }
    }
    icmp
}
