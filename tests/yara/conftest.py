"""Fixtures for the YARA tests: the bundled pack, the EICAR string, the rule samples.

The EICAR test string is assembled here at run time and never committed in
one piece (an endpoint scanner on a developer's machine would flag the
repository). The rule samples under ``samples/`` are stored base64-encoded for
the same reason; each test decodes them into real files.
"""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from secops.detect.yara import bundled_yara_dir, load_pack
from secops.detect.yara_scan import Scanner

SAMPLES = Path(__file__).parent / "samples"


def eicar() -> bytes:
    """The 68-byte EICAR test string, built from two halves."""
    head = b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$"
    tail = b"EICAR-STANDARD-ANTIVIRUS-" + b"TEST-FILE!$H+H*"
    return head + tail


def decode_samples(rule: str, kind: str, into: Path) -> list[Path]:
    """Write the ``kind`` (hit or miss) samples of a rule as real files under ``into``."""
    out = []
    for encoded in sorted((SAMPLES / rule).glob(f"{kind}*.b64")):
        path = into / rule / encoded.name.removesuffix(".b64")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.decodebytes(encoded.read_bytes()))
        out.append(path)
    return out


@pytest.fixture(scope="session")
def bundled_scanner() -> Scanner:
    folder = bundled_yara_dir()
    assert folder is not None
    pack = load_pack([folder])
    assert pack.rules is not None and not pack.problems
    return Scanner(pack.rules)
