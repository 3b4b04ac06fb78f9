"""Crafted captures (scapy) for the hard cases: fragments, VLAN, out-of-order TCP, split TLS hellos.

What the capture holds is known because the test wrote it; tshark on the same
file is asked too, so both our decoder and the crafted bytes are checked.
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest
from packet_support import of, parse_capture, write_pcap
from packet_truth import our_items, tshark_items

from secops import ecs
from tests.conftest import require

scapy_all = pytest.importorskip("scapy.all")
Ether, Dot1Q, IP, IPv6, UDP, TCP, Raw = (scapy_all.Ether, scapy_all.Dot1Q, scapy_all.IP, scapy_all.IPv6,
                                         scapy_all.UDP, scapy_all.TCP, scapy_all.Raw)  # fmt: skip
DNS, DNSQR = scapy_all.DNS, scapy_all.DNSQR

LONG_NAME = ".".join(["fragmentedlabel"] * 12) + ".example.org"


def tshark_agrees(path: Path, events: list) -> None:
    """tshark, told to reassemble out-of-order segments too (off by default), reports what we report."""
    require(shutil.which("tshark") is not None, "tshark is not installed")
    assert our_items(events) == tshark_items(path, "-o", "tcp.reassemble_out_of_order:TRUE")


def test_fragmented_dns_over_vlan_and_ipv6(tmp_path: Path) -> None:
    query = DNS(id=7, rd=1, qd=DNSQR(qname=LONG_NAME, qtype="AAAA"))
    v4 = (
        Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02")
        / Dot1Q(vlan=100)
        / IP(src="10.1.1.1", dst="10.1.1.53", id=99)
        / UDP(sport=4000, dport=53)
        / query
    )
    frags4 = scapy_all.fragment(v4[IP], fragsize=64)
    v6 = IPv6(src="2001:db8::1", dst="2001:db8::53") / scapy_all.IPv6ExtHdrFragment(id=5) / UDP(sport=4001, dport=53)
    frags6 = scapy_all.fragment6(v6 / query, 120)
    packets = [
        Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02") / Dot1Q(vlan=100) / f for f in reversed(frags4)
    ] + [Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02") / f for f in frags6]
    for n, pkt in enumerate(packets):
        pkt.time = 1_700_000_000 + n / 10
    path = write_pcap(tmp_path / "frag.pcap", packets)
    events = parse_capture(path)
    dns = of(events, "dns")
    assert len(frags4) > 2 and len(frags6) > 1
    assert [ecs.get(e, "dns.question.name") for e in dns] == [LONG_NAME, LONG_NAME]
    assert [ecs.get(e, "network.type") for e in dns] == ["ipv4", "ipv6"]
    assert [ecs.get(e, "related.ip") for e in dns] == [["10.1.1.1", "10.1.1.53"], ["2001:db8::1", "2001:db8::53"]]
    flows = {ecs.get(e, "source.port"): e for e in of(events, "flow")}
    assert ecs.get(flows[4000], "network.vlan.id") == "100"
    tshark_agrees(path, events)


def tcp_packets(client: tuple[str, int], server: tuple[str, int], request: list[bytes], response: list[bytes]) -> list:
    """A TCP conversation: handshake, request segments, response segments, FIN both ways."""
    (cip, cport), (sip, sport) = client, server
    c, s = 1000, 5000
    base_c = Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02") / IP(src=cip, dst=sip)
    base_s = Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02") / IP(src=sip, dst=cip)
    out = [base_c / TCP(sport=cport, dport=sport, flags="S", seq=c),
           base_s / TCP(sport=sport, dport=cport, flags="SA", seq=s, ack=c + 1),
           base_c / TCP(sport=cport, dport=sport, flags="A", seq=c + 1, ack=s + 1)]  # fmt: skip
    c, s = c + 1, s + 1
    for chunk in request:
        out.append(base_c / TCP(sport=cport, dport=sport, flags="PA", seq=c, ack=s) / Raw(chunk))
        c += len(chunk)
    for chunk in response:
        out.append(base_s / TCP(sport=sport, dport=cport, flags="PA", seq=s, ack=c) / Raw(chunk))
        s += len(chunk)
    out += [base_c / TCP(sport=cport, dport=sport, flags="FA", seq=c, ack=s),
            base_s / TCP(sport=sport, dport=cport, flags="FA", seq=s, ack=c + 1),
            base_c / TCP(sport=cport, dport=sport, flags="A", seq=c + 1, ack=s + 1)]  # fmt: skip
    return out


def test_out_of_order_http_with_chunked_body(tmp_path: Path) -> None:
    request = b"GET /files/report.bin?x=1 HTTP/1.1\r\nHost: files.example.net:8080\r\nUser-Agent: crafted/1.0\r\n\r\n"
    body = bytes(range(256)) * 40
    chunked = b"".join(
        b"%x\r\n" % len(body[i : i + 3000]) + body[i : i + 3000] + b"\r\n" for i in range(0, len(body), 3000)
    )
    response = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: application/octet-stream\r\n\r\n"
    response += chunked + b"0\r\n\r\n"
    req_parts = [request[:10], request[10:40], request[40:]]
    resp_parts = [response[i : i + 1000] for i in range(0, len(response), 1000)]
    packets = tcp_packets(("192.0.2.10", 40000), ("198.51.100.5", 8080), req_parts, resp_parts)
    # Reorder: the second request segment arrives after the third; one response segment is sent twice.
    packets[4], packets[5] = packets[5], packets[4]
    packets.insert(9, packets[8].copy())
    for n, pkt in enumerate(packets):
        pkt.time = 1_700_000_100 + n / 100
    path = write_pcap(tmp_path / "http.pcap", packets)
    events = parse_capture(path, carve_dir=str(tmp_path / "carve"))
    (http,) = of(events, "http")
    assert ecs.get(http, "url.original") == "/files/report.bin?x=1"
    assert ecs.get(http, "url.domain") == "files.example.net" and ecs.get(http, "url.port") == 8080
    assert ecs.get(http, "user_agent.original") == "crafted/1.0"
    assert ecs.get(http, "http.response.status_code") == 200
    (carved,) = of(events, "file")
    assert ecs.get(carved, "file.hash.sha256") == hashlib.sha256(body).hexdigest()
    assert Path(ecs.get(carved, "file.path")).read_bytes() == body
    (flow,) = of(events, "flow")
    assert ecs.get(flow, "event.reason") == "closed"
    assert ecs.get(flow, "source.packets") + ecs.get(flow, "destination.packets") == len(packets)
    tshark_agrees(path, events)


def client_hello(sni: str) -> bytes:
    """A TLS 1.3-style ClientHello with GREASE values, as browsers send it."""

    def ext(kind: int, data: bytes) -> bytes:
        return kind.to_bytes(2, "big") + len(data).to_bytes(2, "big") + data

    name = sni.encode()
    server_name = (len(name) + 3).to_bytes(2, "big") + b"\x00" + len(name).to_bytes(2, "big") + name
    groups = b"\x00\x08" + b"\x0a\x0a\x00\x1d\x00\x17\x00\x18"
    exts = ext(0x1A1A, b"") + ext(0, server_name) + ext(10, groups) + ext(11, b"\x01\x00")
    exts += ext(16, b"\x00\x0c\x02h2\x08http/1.1") + ext(43, b"\x04\x03\x04\x03\x03") + ext(0x2A2A, b"\x00")
    exts += ext(21, b"\x00" * 600)  # padding, so the hello spans two segments
    ciphers = b"\x8a\x8a\x13\x01\x13\x02\xc0\x2f\xc0\x30"
    body = b"\x03\x03" + b"\x11" * 32 + b"\x00" + len(ciphers).to_bytes(2, "big") + ciphers + b"\x01\x00"
    body += len(exts).to_bytes(2, "big") + exts
    handshake = b"\x01" + len(body).to_bytes(3, "big") + body
    return b"\x16\x03\x01" + len(handshake).to_bytes(2, "big") + handshake


def test_client_hello_split_across_segments(tmp_path: Path) -> None:
    hello = client_hello("split.example.com")
    packets = tcp_packets(("192.0.2.20", 50000), ("203.0.113.7", 443), [hello[:300], hello[300:]], [])
    for n, pkt in enumerate(packets):
        pkt.time = 1_700_000_200 + n / 100
    path = write_pcap(tmp_path / "tls.pcap", packets)
    events = parse_capture(path)
    (tls,) = of(events, "tls")
    assert ecs.get(tls, "tls.client.server_name") == "split.example.com"
    ja3 = ecs.get(tls, "secops.tls.client.ja3_string")
    assert ja3 == "771,4865-4866-49199-49200,0-10-11-16-43-21,29-23-24,0"
    assert ecs.get(tls, "tls.client.ja3") == hashlib.md5(ja3.encode(), usedforsecurity=False).hexdigest()
    assert ecs.get(tls, "tls.version") == "1.3"
    tshark_agrees(path, events)
