"""``pcap``: packet captures (pcap and pcapng, plain or gzipped) as ECS network events.

A capture has no text records, so each event's ``event.original`` is a
short, faithful description of what was decoded, for example::

    flow tcp 10.0.0.5:51234 -> 93.184.216.34:80 packets 6/4 bytes 520/1345 ... closed
    dns query id=4660 QUERY A 'example.com'

Events: ``network_traffic.flow`` (one per bidirectional flow, with Community
ID), ``network_traffic.dns``, ``.http``, ``.tls``, ``.ssh`` and ``.file``
(carved HTTP bodies). Carving stores payloads when the parse context names a
carve directory (option ``carve_dir``, set by ``secops collect pcap``);
otherwise file events carry hashes and sizes only. Option ``community_id_seed``
matches sensors configured with a non-zero Community ID seed.

References: draft-ietf-opsawg-pcap, draft-ietf-opsawg-pcapng, the Community
ID spec, and the protocol RFCs named in each decoder module.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from collectors.packet.carve import MAX_FILE, MAX_TOTAL, CarveStore
from collectors.packet.magic import is_capture
from secops import ecs
from secops.registry import ParseContext, Parsed, Source, StreamParser, register

DATASET = "network_traffic.flow"


def carve_store(ctx: ParseContext) -> CarveStore | None:
    """The carve directory the context asks for, if any."""
    root = ctx.options.get("carve_dir")
    if not root:
        return None
    return CarveStore(
        Path(root),
        max_file=int(ctx.options.get("carve_max_file", MAX_FILE)),
        max_total=int(ctx.options.get("carve_max_total", MAX_TOTAL)),
    )


@register
class PcapParser(StreamParser):
    """Packet captures to flows, DNS, HTTP, TLS, SSH and carved files."""

    name = "pcap"
    dataset = DATASET
    priority = 10

    def sniff_file(self, head: bytes, path: Path | None) -> bool:
        return is_capture(head)

    def stream(self, source: Source, ctx: ParseContext) -> Iterator[Parsed]:
        # The decoders need numpy: imported when a capture is read, not whenever a parser is listed.
        from collectors.packet.engine import Engine
        from collectors.packet.pcapio import read_batches

        engine = Engine(carve_store(ctx), seed=int(ctx.options.get("community_id_seed", 0)))
        position = 0
        problems: list[str] = []
        with source.open() as fh:
            for batch in read_batches(fh, problems.append):
                engine.feed(batch)
                for event, raw in engine.out:
                    yield Parsed(event, raw, position)
                    position += 1
                engine.out.clear()
        engine.finish()
        for event, raw in engine.out:
            yield Parsed(event, raw, position)
            position += 1
        for problem in problems:
            failed = ecs.parse_failure(problem, problem, dataset=DATASET)
            ecs.put(failed, "secops.pcap.packets_read", engine.packets)
            yield Parsed(failed, problem, position)
            position += 1
