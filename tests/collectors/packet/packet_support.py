"""Helpers for the packet tests: run our parser on a capture, build small captures with scapy."""

from __future__ import annotations

from pathlib import Path

from collectors.packet.pcap import PcapParser
from collectors.packet.suricata import SuricataEveParser
from collectors.packet.zeek import ZeekParser
from secops.inputs import expand
from secops.pipeline import Stats, parse_files
from secops.registry import ParseContext
from secops.types import Event

PARSERS = (PcapParser, ZeekParser, SuricataEveParser)
"""Imported so they register even when another collector's module cannot be imported yet."""


def parse_capture(path: Path, stats: Stats | None = None, **options: str) -> list[Event]:
    """Every event the pipeline makes of one capture with the ``pcap`` format."""
    return list(parse_files(expand([path]), "pcap", ParseContext(options=options), stats or Stats()))


def write_pcap(path: Path, packets: list) -> Path:
    """Write scapy packets as a pcap file."""
    from scapy.utils import wrpcap

    wrpcap(str(path), packets)
    return path


def of(events: list[Event], dataset: str) -> list[Event]:
    return [e for e in events if e["event"]["dataset"] == f"network_traffic.{dataset}"]
