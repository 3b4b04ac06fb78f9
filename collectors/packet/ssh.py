"""SSH identification banners (``SSH-2.0-OpenSSH_9.6 Ubuntu``) of both sides of a flow.

Each side sends its banner as the first line starting with ``SSH-``; a server
may send other lines before it (RFC 4253 section 4.2). One
``network_traffic.ssh`` event per flow once both banners are read, or when
the flow ends with only one.
"""

from __future__ import annotations

from collectors.packet.flows import Emit, Flow
from collectors.packet.netevent import app_event

MAX_LINE = 255
MAX_PRELUDE = 4096


class SshBanners:
    """Collects the two banners, then lets go of the (encrypted) flow."""

    def __init__(self, flow: Flow, emit: Emit) -> None:
        self.flow = flow
        self.emit = emit
        self.buf = [b"", b""]
        self.seen = [0, 0]
        self.banner: list[str | None] = [None, None]
        self.ts = 0
        self.done = False

    def data(self, side: int, ts: int, chunk: bytes) -> None:
        if self.done or self.banner[side] is not None:
            return
        buf = self.buf[side] + chunk
        while b"\n" in buf:
            line, buf = buf.split(b"\n", 1)
            self.seen[side] += len(line) + 1
            if line.startswith(b"SSH-"):
                self.banner[side] = line[:MAX_LINE].rstrip(b"\r").decode("utf-8", "backslashreplace")
                self.ts = self.ts or ts
                break
        if self.seen[side] > MAX_PRELUDE or len(buf) > MAX_LINE:
            buf = b""
            self.banner[side] = self.banner[side] or ""
        self.buf[side] = buf
        if self.banner[0] is not None and self.banner[1] is not None:
            self.finish()

    def gap(self, side: int, size: int) -> None:
        self.buf[side] = b""

    def close(self, ts: int) -> None:
        self.finish()

    def finish(self) -> None:
        if self.done:
            return
        self.done = True
        client_side = 0 if self.flow.orig_a else 1
        client, server = self.banner[client_side], self.banner[1 - client_side]
        if not client and not server:
            return
        event = app_event(self.flow, client_side, self.ts, "ssh", ["network"], ["protocol"])
        ssh: dict = {}
        for role, banner in (("client", client), ("server", server)):
            if banner:
                proto, _, rest = banner[4:].partition("-")
                software, _, comment = rest.partition(" ")
                ssh[role] = {"banner": banner, "proto_version": proto, "software_version": software}
                if comment:
                    ssh[role]["comment"] = comment
        event["secops"] = {"ssh": ssh}
        self.emit(event, f"ssh client={client or ''!r} server={server or ''!r}")
