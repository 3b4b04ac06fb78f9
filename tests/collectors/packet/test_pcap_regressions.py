"""Crafted captures for faults found by comparing our events with Zeek's and Suricata's on the shared traces.

Each capture is written by the test (scapy), so what it holds is known.
"""

from __future__ import annotations

import struct
from pathlib import Path

import pytest
from packet_support import of, parse_capture, write_pcap

from secops import ecs

scapy_all = pytest.importorskip("scapy.all")
Ether, IP, IPv6, UDP, TCP, Raw = (scapy_all.Ether, scapy_all.IP, scapy_all.IPv6, scapy_all.UDP, scapy_all.TCP,
                                  scapy_all.Raw)  # fmt: skip
DNS, DNSQR = scapy_all.DNS, scapy_all.DNSQR


def timed(packets: list, start: float, step: float = 0.01) -> list:
    for i, packet in enumerate(packets):
        packet.time = start + i * step
    return packets


def test_fragmented_first_packet_names_the_originator(tmp_path: Path) -> None:
    """A query sent in fragments (slow path) and answered whole (fast path): the asker is the source."""
    query = (IP(src="10.9.0.1", dst="10.9.0.2", id=77) / UDP(sport=33333, dport=53)
             / DNS(id=9, qd=DNSQR(qname="frag.example")) / Raw(b"x" * 1600))  # fmt: skip
    answer = IP(src="10.9.0.2", dst="10.9.0.1") / UDP(sport=53, dport=33333) / DNS(id=9, qr=1, qd=DNSQR(qname="a"))
    packets = timed([Ether() / f for f in scapy_all.fragment(query, 800)] + [Ether() / answer], 5.0)
    events = parse_capture(write_pcap(tmp_path / "frag-first.pcap", packets))
    (flow,) = of(events, "flow")
    assert (ecs.get(flow, "source.ip"), ecs.get(flow, "source.port")) == ("10.9.0.1", 33333)
    assert ecs.get(flow, "destination.port") == 53
    assert ecs.get(flow, "event.start") == "1970-01-01T00:00:05.020000Z"  # when the datagram was whole


def test_extension_header_syn_opens_the_flow(tmp_path: Path) -> None:
    """A SYN with IPv6 extension headers (slow path) before a plain reply: the flow starts at the SYN."""
    client = IPv6(src="2001:db8::1", dst="2001:db8::2") / scapy_all.IPv6ExtHdrDestOpt()
    server = IPv6(src="2001:db8::2", dst="2001:db8::1")
    packets = timed(
        [
            Ether() / client / TCP(sport=40000, dport=443, flags="S", seq=100),
            Ether() / server / TCP(sport=443, dport=40000, flags="RA", seq=0, ack=101),
        ],
        7.0,
    )
    (flow,) = of(parse_capture(write_pcap(tmp_path / "v6ext.pcap", packets)), "flow")
    assert ecs.get(flow, "source.ip") == "2001:db8::1" and ecs.get(flow, "source.port") == 40000
    assert ecs.get(flow, "event.start") == "1970-01-01T00:00:07.000000Z"
    assert ecs.get(flow, "event.duration") == 10_000_000


class Conversation:
    """One TCP connection's packets, client and server sequence numbers kept for each segment."""

    def __init__(self, client: tuple[str, int], server: tuple[str, int]) -> None:
        self.client, self.server = client, server
        self.seq = {True: 1000, False: 5000}
        self.packets: list = []
        self.send(True, b"", "S")
        self.send(False, b"", "SA")
        self.send(True, b"", "A")

    def send(self, from_client: bool, data: bytes, flags: str = "PA", *, drop: bool = False) -> None:
        (src, sport), (dst, dport) = (self.client, self.server) if from_client else (self.server, self.client)
        tcp = TCP(sport=sport, dport=dport, flags=flags, seq=self.seq[from_client], ack=self.seq[not from_client])
        if not drop:
            self.packets.append(
                Ether() / IP(src=src, dst=dst) / tcp / Raw(data) if data else Ether() / IP(src=src, dst=dst) / tcp
            )
        self.seq[from_client] += len(data) + (1 if "S" in flags or "F" in flags else 0)

    def close(self) -> list:
        self.send(True, b"", "FA")
        self.send(False, b"", "FA")
        return timed(self.packets, 100.0, 0.001)


def test_lost_segment_inside_a_sized_body_keeps_the_next_exchange(tmp_path: Path) -> None:
    """Suricata-verify http-gap-simple: a hole in a Content-Length body is body, not a lost message."""
    conv = Conversation(("10.0.0.5", 51000), ("10.0.0.80", 8080))
    for number, body in ((1, b"A" * 42), (2, b"B" * 12)):
        conv.send(True, f"GET /{number} HTTP/1.1\r\nHost: files.example\r\n\r\n".encode())
        conv.send(False, b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(body))
        for start in range(0, len(body), 14):
            conv.send(False, body[start : start + 14], drop=number == 1 and start == 14)
    events = parse_capture(write_pcap(tmp_path / "gap.pcap", conv.close()))
    http = {ecs.get(e, "url.original"): e for e in of(events, "http")}
    assert sorted(http) == ["/1", "/2"]
    assert ecs.get(http["/1"], "http.response.status_code") == 200
    assert ecs.get(http["/1"], "http.response.body.bytes") == 42
    assert ecs.get(http["/2"], "http.response.status_code") == 200
    files = {ecs.get(e, "url.original"): e for e in of(events, "file")}
    assert ecs.get(files["/1"], "secops.carve.complete") is False
    assert ecs.get(files["/2"], "secops.carve.complete") is True


def test_http_09_request_and_bare_response(tmp_path: Path) -> None:
    """A request line with no version (scanners still send them) and the bare body answering it (Zeek logs both)."""
    conv = Conversation(("192.0.2.77", 1035), ("198.51.100.10", 80))
    conv.send(True, b"GET /cgi-bin/formmail.pl?recipient=someone@example.net&msg=hi\r\n")
    body = b"<HTML><HEAD><TITLE>404 Not Found</TITLE></HEAD>\n<BODY><H2>404 Not Found</H2></BODY></HTML>\n"
    conv.send(False, body[:48])
    conv.send(False, body[48:])
    events = parse_capture(write_pcap(tmp_path / "http09.pcap", conv.close()))
    (http,) = of(events, "http")
    assert ecs.get(http, "http.request.method") == "GET"
    assert ecs.get(http, "url.original") == "/cgi-bin/formmail.pl?recipient=someone@example.net&msg=hi"
    assert ecs.get(http, "http.version") == "0.9"
    assert ecs.get(http, "http.response.body.bytes") == len(body)
    assert ecs.get(http, "http.response.status_code") is None
    assert ecs.get(http, "source.ip") == "192.0.2.77"


def test_record_without_data_reads_nothing_past_it(tmp_path: Path) -> None:
    """A CNAME with no RDATA (class NONE, as UPDATE prerequisites write it) is empty, not the next record's name."""

    def name(text: str) -> bytes:
        return b"".join(bytes([len(label)]) + label.encode() for label in text.split(".")) + b"\0"

    answer = (
        struct.pack("!HHHHHH", 4242, 0x8180, 1, 2, 0, 0)
        + name("example.org") + struct.pack("!HH", 6, 1)
        + name("host1.example.org") + struct.pack("!HHIH", 5, 254, 0, 0)
        + name("host2.example.org") + struct.pack("!HHIH", 1, 1, 60, 4) + bytes([192, 0, 2, 9])
    )  # fmt: skip
    packet = Ether() / IP(src="192.0.2.53", dst="192.0.2.10") / UDP(sport=53, dport=40001) / Raw(answer)
    events = parse_capture(write_pcap(tmp_path / "empty-rdata.pcap", timed([packet], 1.0)))
    (dns,) = of(events, "dns")
    answers = ecs.get(dns, "dns.answers")
    assert [(a["name"], a["type"], a["data"]) for a in answers] == [
        ("host1.example.org", "CNAME", ""),
        ("host2.example.org", "A", "192.0.2.9"),
    ]


def test_capture_that_starts_with_a_dns_answer_keeps_the_asker_as_source(tmp_path: Path) -> None:
    """Suricata-verify dns-reversed-udp-1: the query was not captured; the flow is still the client's."""
    answer = (IP(src="10.16.1.1", dst="10.16.1.11") / UDP(sport=53, dport=41805)
              / DNS(id=36146, qr=1, qd=DNSQR(qname="www.example.org")))  # fmt: skip
    again = IP(src="10.16.1.11", dst="10.16.1.1") / UDP(sport=41805, dport=53) / DNS(id=1, qd=DNSQR(qname="a.example"))
    events = parse_capture(write_pcap(tmp_path / "answer-first.pcap", timed([Ether() / answer, Ether() / again], 2.0)))
    (flow,) = of(events, "flow")
    assert (ecs.get(flow, "source.ip"), ecs.get(flow, "source.port")) == ("10.16.1.11", 41805)
    assert (ecs.get(flow, "source.packets"), ecs.get(flow, "destination.packets")) == (1, 1)
    assert ecs.get(flow, "destination.port") == 53


def test_overlapping_fragment_that_reaches_further_completes_the_datagram(tmp_path: Path) -> None:
    """Zeek's ipv4/fragmented-*: a piece resent from offset 0 with more bytes fills the hole (first bytes win)."""
    datagram = bytes(UDP(sport=40000, dport=53) / DNS(id=31, qd=DNSQR(qname="overlap.fragments.example")))
    header = {"src": "192.0.2.20", "dst": "192.0.2.53", "proto": 17, "id": 4660}
    decoy = b"\xff" * 8  # differs from the first piece in its first bytes: those must not win
    packets = [
        Ether() / IP(**header, flags="MF", frag=0) / Raw(datagram[:16]),
        Ether() / IP(**header, frag=6) / Raw(datagram[48:]),
        Ether() / IP(**header, flags="MF", frag=0) / Raw(decoy + datagram[8:48]),
    ]
    events = parse_capture(write_pcap(tmp_path / "overlap.pcap", timed(packets, 3.0)))
    (dns,) = of(events, "dns")
    assert ecs.get(dns, "dns.question.name") == "overlap.fragments.example"
    assert ecs.get(dns, "source.port") == 40000


def test_irc_connect_is_not_an_http_09_request(tmp_path: Path) -> None:
    """IRC's operator command ``CONNECT server`` has two words too; without a path it is no HTTP request."""
    conv = Conversation(("172.16.238.1", 52624), ("172.16.238.10", 6667))
    conv.send(True, b"CONNECT ircd2.local\r\n")
    conv.send(False, b":ircd.local 481 oper :Permission Denied- You're not an IRC operator\r\n")
    events = parse_capture(write_pcap(tmp_path / "irc.pcap", conv.close()))
    assert of(events, "http") == [] and len(of(events, "flow")) == 1
