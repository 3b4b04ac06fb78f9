"""How a capture file begins: the pcap and pcapng magic numbers, kept apart from the reader so
that recognising a capture costs no numpy import.

References: draft-ietf-opsawg-pcap (file header), draft-ietf-opsawg-pcapng (section header block).
"""

from __future__ import annotations

PCAP_MAGICS = {
    b"\xd4\xc3\xb2\xa1": ("<", 1000),
    b"\xa1\xb2\xc3\xd4": (">", 1000),
    b"\x4d\x3c\xb2\xa1": ("<", 1),
    b"\xa1\xb2\x3c\x4d": (">", 1),
}
"""pcap magic → (byte order, nanoseconds per timestamp tick)."""
PCAPNG_SHB = b"\x0a\x0d\x0d\x0a"


def is_capture(head: bytes) -> bool:
    """True for the first bytes of a pcap or pcapng file."""
    return head[:4] in PCAP_MAGICS or head[:4] == PCAPNG_SHB
