"""Cisco ASA syslog: connection built/teardown (302013-302016) and ACL denies (106023).

``<166>Nov 25 2026 21:40:52 asa-reg2 : %ASA-6-302014: Teardown TCP connection 81234 for
outside:142.250.72.14/443 to inside:10.40.12.20/51514 duration 0:00:21 bytes 48213 TCP FINs``
"""

from __future__ import annotations

from secops.generate.flows import Flow
from secops.generate.network import Site
from secops.generate.stamps import split

FORMAT = "cisco-asa"
_FACILITY = 20 << 3  # local4


def _duration(seconds: int) -> str:
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}"


def line(flow: Flow, site: Site) -> str:
    m, sec = split(flow.t)
    head = f"{m.cisco}{sec} {site.firewall} : "
    if flow.action == "deny":
        inside = flow.direction == "outbound"
        src_if, dst_if = ("inside", "outside") if inside else ("outside", "inside")
        group = "inside_access_in" if inside else "outside_access_in"
        return (
            f"<{_FACILITY + 4}>{head}%ASA-4-106023: Deny {flow.proto} src {src_if}:{flow.src}/{flow.sport} "
            f'dst {dst_if}:{flow.dst}/{flow.dport} by access-group "{group}" [0x{flow.session & 0xFFFFFFF:x}, 0x0]'
        )
    proto = flow.proto.upper()
    if flow.direction == "outbound":
        far, near = f"outside:{flow.dst}/{flow.dport}", f"inside:{flow.src}/{flow.sport}"
        far_mapped = f"({flow.dst}/{flow.dport})"
        near_mapped = f"({flow.nat_src or flow.src}/{flow.nat_sport or flow.sport})"
        kind = "outbound"
    else:
        far, near = f"outside:{flow.src}/{flow.sport}", f"dmz:{flow.nat_dst or flow.dst}/{flow.dport}"
        far_mapped = f"({flow.src}/{flow.sport})"
        near_mapped = f"({flow.dst}/{flow.dport})"
        kind = "inbound"
    if flow.session % 5 < 2 and flow.bytes_out < 10_000_000:  # connection start, no byte counts yet
        code = "302013" if proto == "TCP" else "302015"
        return (
            f"<{_FACILITY + 6}>{head}%ASA-6-{code}: Built {kind} {proto} connection {flow.session} "
            f"for {far} {far_mapped} to {near} {near_mapped}"
        )
    code = "302014" if proto == "TCP" else "302016"
    reason = " TCP FINs" if proto == "TCP" else ""
    total = flow.bytes_out + flow.bytes_in
    return (
        f"<{_FACILITY + 6}>{head}%ASA-6-{code}: Teardown {proto} connection {flow.session} for {far} to {near} "
        f"duration {_duration(flow.duration)} bytes {total}{reason}"
    )
