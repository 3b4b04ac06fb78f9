//! Network field values, checked the way ECS types demand (the native half of `collectors/firewall/net.py`).
//!
//! Elasticsearch rejects a document whose `ip` field holds a non-address, so
//! an invalid address leaves `*.ip` unset and is kept as `*.address`.

use std::net::{IpAddr, Ipv4Addr};

use crate::event::{Map, Val};
use crate::pytext;

/// IANA protocol numbers → the lower-case keywords `network.transport` uses.
const IANA_PROTOCOLS: &[(&str, &str)] = &[
    ("0", "hopopt"),
    ("1", "icmp"),
    ("2", "igmp"),
    ("4", "ipv4"),
    ("6", "tcp"),
    ("8", "egp"),
    ("9", "igp"),
    ("17", "udp"),
    ("27", "rdp"),
    ("41", "ipv6"),
    ("43", "ipv6-route"),
    ("44", "ipv6-frag"),
    ("46", "rsvp"),
    ("47", "gre"),
    ("50", "esp"),
    ("51", "ah"),
    ("58", "ipv6-icmp"),
    ("59", "ipv6-nonxt"),
    ("60", "ipv6-opts"),
    ("88", "eigrp"),
    ("89", "ospf"),
    ("94", "ipip"),
    ("103", "pim"),
    ("112", "vrrp"),
    ("115", "l2tp"),
    ("132", "sctp"),
    ("136", "udplite"),
]; // rustfmt::skip would keep this table as written

/// The parsed address of a value written as an IPv4/IPv6 address (a `%zone` suffix allowed).
/// `network.type` of an address as written: `ipv6` when it has a colon, else `ipv4`.
pub fn ip_type(address: &str) -> &'static str {
    if address.contains(':') {
        "ipv6"
    } else {
        "ipv4"
    }
}

pub fn parse_ip(value: &str) -> Option<IpAddr> {
    if let Some(v4) = dotted_quad(value.as_bytes()) {
        return Some(IpAddr::V4(v4));
    }
    let bare = value.split_once('%').map_or(value, |(address, _)| address);
    bare.parse().ok()
}

/// A plain IPv4 address, read in one pass: the standard parser tries each form in turn and took
/// 1,100 instructions a firewall line. None sends the value to it (`%zone`, IPv6, anything odd); a
/// value read here is one it reads the same (four decimal parts to 255, no leading zero).
fn dotted_quad(text: &[u8]) -> Option<Ipv4Addr> {
    let mut octets = [0u8; 4];
    let mut part = 0;
    let (mut value, mut digits) = (0u32, 0);
    for &byte in text {
        match byte {
            b'0'..=b'9' if digits < 3 && !(digits == 1 && value == 0) => {
                value = value * 10 + u32::from(byte - b'0');
                digits += 1;
            }
            b'.' if digits > 0 && part < 3 => {
                octets[part] = u8::try_from(value).ok()?;
                part += 1;
                (value, digits) = (0, 0);
            }
            _ => return None,
        }
    }
    if part != 3 || digits == 0 {
        return None;
    }
    octets[3] = u8::try_from(value).ok()?;
    Some(Ipv4Addr::from(octets))
}

/// The value if it is an IPv4/IPv6 address (kept as written), else None.
pub fn ip(value: &str) -> Option<&str> {
    (!value.is_empty() && parse_ip(value).is_some()).then_some(value)
}

/// A translated address, or None for an invalid one and for "no translation" (0.0.0.0, ::).
pub fn nat_ip(value: &str) -> Option<&str> {
    if value == "0.0.0.0" || value == "::" {
        return None;
    }
    ip(value)
}

/// Whether every character is an ASCII digit (and there is one).
pub fn is_decimal(value: &str) -> bool {
    !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit())
}

/// A non-negative decimal integer, or None.
pub fn integer(value: &str) -> Option<i64> {
    if is_decimal(value) {
        value.parse().ok()
    } else {
        None
    }
}

/// A port number 0–65535, or None.
pub fn port(value: &str) -> Option<i64> {
    integer(value).filter(|number| *number <= 65535)
}

/// A protocol name or number → `network.transport` keyword.
pub fn transport(value: &str) -> Option<String> {
    if value.is_empty() {
        return None;
    }
    if is_decimal(value) {
        let name = IANA_PROTOCOLS
            .iter()
            .find(|(number, _)| *number == value)
            .map_or(value, |(_, name)| name);
        return Some(name.to_owned());
    }
    Some(pytext::lower(value))
}

/// Private space (RFC 1918, RFC 4193), loopback and link-local: Elastic's `private`, `loopback`, `link_local`.
pub fn is_internal(value: &str) -> bool {
    match parse_ip(value) {
        Some(IpAddr::V4(v4)) => {
            let [a, b, ..] = v4.octets();
            a == 10
                || (a == 172 && (16..32).contains(&b))
                || (a == 192 && b == 168)
                || a == 127
                || (a == 169 && b == 254)
        }
        Some(IpAddr::V6(v6)) => {
            let first = v6.segments()[0];
            (first & 0xfe00) == 0xfc00 || (first & 0xffc0) == 0xfe80 || v6.is_loopback()
        }
        None => false,
    }
}

/// `network.direction` from which side of the private networks each end is on.
pub fn direction(source: &str, destination: &str) -> Option<&'static str> {
    if source.is_empty() || destination.is_empty() {
        return None;
    }
    Some(match (is_internal(source), is_internal(destination)) {
        (true, true) => "internal",
        (true, false) => "outbound",
        (false, true) => "inbound",
        (false, false) => "external",
    })
}

/// An ECS `source`/`destination` object; `address` keeps the raw value, `port` a valid number.
pub fn endpoint<'a>(address: &'a str, port_value: Option<i64>) -> Map<'a> {
    let mut out = Map::new();
    if !address.is_empty() {
        out.set("address", address);
        if ip(address).is_some() {
            out.set("ip", address);
        } else {
            out.set("domain", address);
        }
    }
    if let Some(number) = port_value {
        out.set("port", number);
    }
    out
}

/// Add the distinct non-empty strings to `related.<key>`, after any already there (`ecs.extend_related`);
/// values that are not strings are passed over, as Python's does.
pub fn extend_related<'a>(
    event: &mut Map<'a>,
    key: &'static str,
    values: impl IntoIterator<Item = impl Into<Val<'a>>>,
) {
    let mut found: Vec<Val<'a>> = match event.lookup("related").and_then(|related| match related {
        Val::Map(map) => map.get(key),
        _ => None,
    }) {
        Some(Val::List(items)) => items.clone(),
        _ => Vec::new(),
    };
    for value in values {
        let item = value.into();
        if matches!(&item, Val::Str(text) if !text.is_empty()) && !found.contains(&item) {
            found.push(item);
        }
    }
    if !found.is_empty() {
        event.child("related").set(key, Val::List(found));
    }
}

/// `related.ip` from the addresses of a connection once they are set, NAT included (`net.RELATED_ENDPOINTS`).
pub fn add_related_endpoint_ips(event: &mut Map<'_>) {
    let mut found: Vec<Val<'_>> = Vec::new();
    for field in [
        "source.ip",
        "destination.ip",
        "source.nat.ip",
        "destination.nat.ip",
    ] {
        if let Some(value @ Val::Str(text)) = event.lookup(field) {
            if !text.is_empty() && !found.contains(value) {
                found.push(value.clone());
            }
        }
    }
    if !found.is_empty() {
        event.child("related").set("ip", Val::List(found));
    }
}

/// `related.ip`: the distinct valid addresses among raw values, in order.
pub fn add_related_ips<'a>(event: &mut Map<'a>, values: impl IntoIterator<Item = &'a str>) {
    let valid: Vec<&'a str> = values
        .into_iter()
        .filter(|value| ip(value).is_some())
        .collect();
    extend_related(event, "ip", valid);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dotted_quad_is_read_as_the_standard_parser_reads_it() {
        let texts = [
            "10.1.2.3",
            "0.0.0.0",
            "255.255.255.255",
            "256.1.1.1",
            "01.2.3.4",
            "1.2.3",
            "1.2.3.4.5",
            "1..2.3",
            "1.2.3.4%eth0",
            "::1",
            "1.2.3.04",
            "1.2.3.4 ",
            "",
            ".1.2.3",
            "1.2.3.",
            "1000.1.1.1",
            "0.00.1.1",
        ];
        for text in texts {
            let read = dotted_quad(text.as_bytes());
            if read.is_some() {
                assert_eq!(read, text.parse::<Ipv4Addr>().ok(), "{text:?}");
            }
            assert_eq!(
                parse_ip(text),
                text.split('%').next().unwrap().parse().ok(),
                "{text:?}"
            );
        }
        assert_eq!(
            dotted_quad(b"192.168.0.10"),
            Some(Ipv4Addr::new(192, 168, 0, 10))
        );
        // Every text of up to eight of these characters: the same answer as the standard parser's.
        let alphabet = b"0125.";
        let mut texts = vec![Vec::new()];
        for _ in 0..8 {
            texts = texts
                .iter()
                .flat_map(|text: &Vec<u8>| {
                    alphabet
                        .iter()
                        .map(move |c| [text.as_slice(), &[*c]].concat())
                })
                .collect();
            for text in &texts {
                let standard = std::str::from_utf8(text).unwrap().parse::<Ipv4Addr>().ok();
                assert_eq!(
                    dotted_quad(text),
                    standard,
                    "{:?}",
                    String::from_utf8_lossy(text)
                );
            }
        }
    }

    #[test]
    fn addresses_are_checked_as_python_checks_them() {
        assert_eq!(ip("10.0.0.1"), Some("10.0.0.1"));
        assert_eq!(ip("fe80::1%eth0"), Some("fe80::1%eth0"));
        assert_eq!(ip("1192.168.2.2"), None);
        assert_eq!(
            ip("01.2.3.4"),
            None,
            "leading zeros are refused, as ipaddress refuses them"
        );
        assert_eq!(ip(""), None);
    }

    #[test]
    fn internal_ranges() {
        assert!(is_internal("172.31.255.255") && !is_internal("172.32.0.0"));
        assert!(is_internal("fd00::1") && is_internal("fe80::1") && is_internal("::1"));
        assert!(
            !is_internal("::ffff:10.0.0.1"),
            "a mapped address is IPv6, outside the IPv4 ranges"
        );
        assert_eq!(direction("10.0.0.1", "8.8.8.8"), Some("outbound"));
    }

    #[test]
    fn ports_and_protocols() {
        assert_eq!(port("65535"), Some(65535));
        assert_eq!(port("65536"), None);
        assert_eq!(port("-1"), None);
        assert_eq!(transport("17").as_deref(), Some("udp"));
        assert_eq!(transport("253").as_deref(), Some("253"));
        assert_eq!(transport("TCP").as_deref(), Some("tcp"));
    }
}
