"""One writer module per output format: a record of the simulation in, one raw line out.

Each firewall module has ``FORMAT`` (the ``--format`` parser name that reads
its lines) and ``line(flow, site)``. The line shapes follow what the products
emit; none is copied from a sample.
"""

from __future__ import annotations

from collections.abc import Callable

from secops.generate.flows import Flow
from secops.generate.formats import (
    asa,
    cef,
    checkpoint,
    fortigate,
    leef,
    netfilter,
    panos,
    pfsense,
    sonicwall,
    srx,
)
from secops.generate.network import Site

FlowWriter = Callable[[Flow, Site], str]

FIREWALL_WRITERS: dict[str, FlowWriter] = {
    module.FORMAT: module.line
    for module in (asa, panos, fortigate, pfsense, netfilter, checkpoint, srx, sonicwall, cef, leef)
}
