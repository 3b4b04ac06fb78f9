"""pcap → flow, DNS, HTTP, TLS, SSH events: packets/s beside ``tshark -T fields`` with the 5-tuple.

The capture is built in a temporary directory from the shared traces (every
Ethernet capture, concatenated in rounds until it passes ``--packets``; each
round rewrites the IPv4 addresses so its flows are new, and shifts time so the
capture runs forward). Both readers run in child processes on the same file:

- ours: ``PcapParser.stream`` over the file, every event built (``--pipeline``
  adds the pipeline's envelope and ids as ``secops parse`` does);
- tshark: ``tshark -n -r FILE -T fields`` with the addresses, ports and protocol.

Printed: packets/s per core (packets ÷ CPU seconds of the process) and by the
wall clock, the ratio to tshark, peak RSS and the most flows alive at once,
and scapy's undecoded reading speed on the same file as a check of how busy
the machine is (SOURCES.md measured 360,000 packets/s on it idle).
The target is ≥ 300,000 packets/s per core and faster than tshark. The
machine is shared; the load average is printed with the figures.

    .venv/bin/python bench/packet.py [--packets 1000000] [--keep FILE]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import orjson

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from collectors.packet.pcapio import read_batches  # noqa: E402

SHARED = Path(os.environ.get("SECOPS_SHARED_DATA", REPO.parent / "shared" / "data")) / "packet"
SUFFIXES = (".pcap", ".pcapng", ".pcap.gz", ".pcapng.gz", ".cap")
FIELDS = ["ip.src", "ip.dst", "ipv6.src", "ipv6.dst", "tcp.srcport", "tcp.dstport", "udp.srcport", "udp.dstport",
          "ip.proto"]  # fmt: skip


def traces() -> list[list[tuple[int, bytes, int]]]:
    """Ethernet packets of every shared capture: (time ns, frame, wire length)."""
    import gzip

    out = []
    for path in sorted(p for p in SHARED.rglob("*") if p.is_file() and p.name.endswith(SUFFIXES)):
        opener = gzip.open if path.suffix == ".gz" else open
        packets: list[tuple[int, bytes, int]] = []
        with opener(path, "rb") as fh:
            for batch in read_batches(fh, lambda _msg: None):
                if batch.linktype != 1:
                    continue
                for start, caplen, wire, ts in zip(
                    batch.data.tolist(), batch.caplen.tolist(), batch.wirelen.tolist(), batch.ts.tolist(), strict=True
                ):
                    packets.append((ts, batch.buf[start : start + caplen], wire))
        if packets:
            out.append(packets)
    return out


def build(target: Path, minimum: int) -> int:
    """Write the benchmark capture; returns its packet count."""
    sources = traces()
    if not sources:
        sys.exit(f"no Ethernet capture under {SHARED}: set SECOPS_SHARED_DATA to the shared data folder")
    clock = 1_700_000_000 * 10**9
    count = 0
    with target.open("wb") as out:
        out.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, 1))
        rounds = 0
        while count < minimum:
            for packets in sources:
                first = packets[0][0]
                for ts, frame, wire in packets:
                    moment = clock + min(3600 * 10**9, max(0, ts - first))
                    if len(frame) >= 34 and frame[12:14] == b"\x08\x00" and rounds:
                        edit = bytearray(frame)
                        edit[26] ^= rounds & 0xFF
                        edit[30] ^= rounds & 0xFF
                        edit[27] ^= (rounds >> 8) & 0xFF
                        edit[31] ^= (rounds >> 8) & 0xFF
                        frame = bytes(edit)
                    sec, nsec = divmod(moment, 10**9)
                    out.write(struct.pack("<IIII", sec, nsec // 1000, len(frame), wire))
                    out.write(frame)
                    count += 1
                clock = moment + 10**9
            rounds += 1
    return count


OURS = """
import resource, sys, time, orjson
from functools import partial
sys.path.insert(0, {repo!r})
from collectors.packet.pcap import PcapParser
from collectors.packet import engine as engine_module
from secops.registry import ParseContext, Source
from secops.pipeline import Stats, parse_files
from secops.inputs import expand
peak = [0]
original_sweep = engine_module.FlowTable.sweep
def sweep(self, now):
    peak[0] = max(peak[0], len(self.flows))
    original_sweep(self, now)
engine_module.FlowTable.sweep = sweep
path = {path!r}
wall, cpu = time.perf_counter(), time.process_time()
if {pipeline!r}:
    events = sum(1 for _ in parse_files(expand([path]), "pcap", ParseContext(), Stats()))
else:
    source = Source(path, partial(open, path, "rb"))
    events = sum(1 for _ in PcapParser().stream(source, ParseContext()))
cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(orjson.dumps(dict(events=events, cpu=cpu, wall=wall, rss_kb=rss, peak_flows=peak[0])).decode())
"""


CALIBRATE = """
import sys, time
from scapy.utils import RawPcapReader
cpu = time.process_time()
count = sum(1 for _ in RawPcapReader({path!r}))
print(count / (time.process_time() - cpu))
"""


def calibrate(path: Path) -> float:
    """scapy's RawPcapReader (no decoding) on the same file: SOURCES.md measured 360,000 packets/s idle."""
    done = subprocess.run([sys.executable, "-c", CALIBRATE.format(path=str(path))], capture_output=True, text=True,
                          check=True)  # fmt: skip
    return float(done.stdout.strip().splitlines()[-1])


def run_ours(path: Path, pipeline: bool) -> dict:
    code = OURS.format(repo=str(REPO), path=str(path), pipeline=pipeline)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return orjson.loads(done.stdout.strip().splitlines()[-1])


def run_tshark(path: Path) -> dict:
    if shutil.which("tshark") is None:
        raise SystemExit("tshark is not installed")
    cmd = ["tshark", "-n", "-r", str(path), "-T", "fields"]
    for field in FIELDS:
        cmd += ["-e", field]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    wall = time.perf_counter()
    with open(os.devnull, "wb") as sink:
        subprocess.run(cmd, stdout=sink, stderr=subprocess.DEVNULL, check=True)
    wall = time.perf_counter() - wall
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"cpu": cpu, "wall": wall}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--packets", type=int, default=1_000_000)
    parser.add_argument("--keep", type=Path, help="Write the capture here and keep it (default: a temp dir).")
    parser.add_argument("--pipeline", action="store_true", help="Also time the full pipeline (envelope, ids).")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="secops-bench-packet-") as tmp:
        path = args.keep or Path(tmp) / "bench.pcap"
        count = build(path, args.packets)
        size = path.stat().st_size
        print(f"capture: {count:,} packets, {size / 1e6:.0f} MB, built from {SHARED}")
        print(f"load average before: {os.getloadavg()[0]:.2f}")
        ours = run_ours(path, pipeline=False)
        theirs = run_tshark(path)
        rows = [("secops pcap (parser)", ours)]
        if args.pipeline:
            rows.append(("secops pcap (pipeline)", run_ours(path, pipeline=True)))
        for name, res in rows:
            print(f"{name}: {count / res['cpu']:,.0f} packets/s per core (CPU {res['cpu']:.2f} s), "
                  f"{count / res['wall']:,.0f} packets/s wall ({res['wall']:.2f} s), {res['events']:,} events, "
                  f"peak RSS {res['rss_kb'] / 1024:.0f} MB, at most {res['peak_flows']:,} live flows")  # fmt: skip
        print(f"tshark -T fields (5-tuple): {count / theirs['cpu']:,.0f} packets/s per core "
              f"(CPU {theirs['cpu']:.2f} s), {count / theirs['wall']:,.0f} packets/s wall "
              f"({theirs['wall']:.2f} s)")  # fmt: skip
        cpu_ratio, wall_ratio = theirs["cpu"] / ours["cpu"], theirs["wall"] / ours["wall"]
        print(f"ratio secops/tshark: {cpu_ratio:.2f}x per core, {wall_ratio:.2f}x wall")
        print(f"machine check: scapy RawPcapReader, no decoding: {calibrate(path):,.0f} packets/s per core "
              "(SOURCES.md: 360,000 on the idle machine)")  # fmt: skip
        verdict = "met" if count / ours["cpu"] >= 300_000 and ours["cpu"] < theirs["cpu"] else "NOT met"
        print(f"target (>= 300,000 packets/s per core and faster than tshark): {verdict}")
        print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
