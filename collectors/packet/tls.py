"""TLS handshakes: ClientHello (SNI, versions, JA3) and ServerHello (version, cipher, JA3S).

Records are read from each side's reassembled stream; handshake messages may
span records and records may span segments. One ``network_traffic.tls``
event per handshake, once the ServerHello is read (or the flow ends without
one). After that the flow is encrypted and the session lets go of it.

JA3 is ``version,ciphers,extensions,groups,point formats`` in decimal with
GREASE values removed, then MD5 (salesforce/ja3); JA3S is
``version,cipher,extensions``. Reference: RFC 8446 section 4.1, RFC 5246 7.4.1.
"""

from __future__ import annotations

import hashlib
import struct

from collectors.packet.flows import Emit, Flow
from collectors.packet.netevent import app_event

MAX_HANDSHAKE = 1 << 16
VERSIONS = {0x0300: ("ssl", "3.0"), 0x0301: ("tls", "1.0"), 0x0302: ("tls", "1.1"), 0x0303: ("tls", "1.2"),
            0x0304: ("tls", "1.3")}  # fmt: skip
CIPHERS = {
    0x1301: "TLS_AES_128_GCM_SHA256", 0x1302: "TLS_AES_256_GCM_SHA384", 0x1303: "TLS_CHACHA20_POLY1305_SHA256",
    0xC02B: "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", 0xC02C: "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
    0xC02F: "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", 0xC030: "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
    0xCCA8: "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", 0xCCA9: "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
    0xC013: "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", 0xC014: "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA",
    0xC009: "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA", 0xC00A: "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA",
    0xC027: "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256", 0xC028: "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384",
    0x009C: "TLS_RSA_WITH_AES_128_GCM_SHA256", 0x009D: "TLS_RSA_WITH_AES_256_GCM_SHA384",
    0x002F: "TLS_RSA_WITH_AES_128_CBC_SHA", 0x0035: "TLS_RSA_WITH_AES_256_CBC_SHA",
    0x003C: "TLS_RSA_WITH_AES_128_CBC_SHA256", 0x003D: "TLS_RSA_WITH_AES_256_CBC_SHA256",
    0x000A: "TLS_RSA_WITH_3DES_EDE_CBC_SHA", 0x0005: "TLS_RSA_WITH_RC4_128_SHA", 0x0004: "TLS_RSA_WITH_RC4_128_MD5",
    0x0033: "TLS_DHE_RSA_WITH_AES_128_CBC_SHA", 0x0039: "TLS_DHE_RSA_WITH_AES_256_CBC_SHA",
    0x009E: "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256", 0x009F: "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384",
}  # fmt: skip


def is_grease(value: int) -> bool:
    return value & 0x0F0F == 0x0A0A and value >> 8 == value & 0xFF


def _u16s(data: bytes) -> list[int]:
    return list(struct.unpack_from(f"!{len(data) // 2}H", data)) if len(data) >= 2 else []


def _extensions(data: bytes, pos: int) -> list[tuple[int, bytes]]:
    if pos + 2 > len(data):
        return []
    end = min(len(data), pos + 2 + int.from_bytes(data[pos : pos + 2], "big"))
    pos += 2
    out = []
    while pos + 4 <= end:
        etype, size = struct.unpack_from("!HH", data, pos)
        out.append((etype, data[pos + 4 : pos + 4 + size]))
        pos += 4 + size
    return out


def client_hello(body: bytes) -> dict:
    """Fields of a ClientHello message body (after the 4-byte handshake header)."""
    version = int.from_bytes(body[0:2], "big")
    pos = 34
    pos += 1 + body[pos]
    n = int.from_bytes(body[pos : pos + 2], "big")
    ciphers = _u16s(body[pos + 2 : pos + 2 + n])
    pos += 2 + n
    pos += 1 + body[pos]
    exts = _extensions(body, pos)
    out: dict = {"version": version, "ciphers": ciphers, "extensions": [t for t, _ in exts]}
    groups: list[int] = []
    formats: list[int] = []
    for etype, data in exts:
        if etype == 0 and len(data) >= 5 and data[2] == 0:
            size = int.from_bytes(data[3:5], "big")
            out["sni"] = data[5 : 5 + size].decode("utf-8", "backslashreplace")
        elif etype == 10:
            groups = _u16s(data[2:])
        elif etype == 11 and data:
            formats = list(data[1 : 1 + data[0]])
        elif etype == 16:
            out["alpn"] = _alpn(data)
        elif etype == 43 and data:
            out["versions"] = [v for v in _u16s(data[1 : 1 + data[0]]) if not is_grease(v)]
    ja3 = ",".join(
        [
            str(version),
            "-".join(str(c) for c in ciphers if not is_grease(c)),
            "-".join(str(t) for t, _ in exts if not is_grease(t)),
            "-".join(str(g) for g in groups if not is_grease(g)),
            "-".join(str(f) for f in formats),
        ]
    )
    out["ja3_string"] = ja3
    out["ja3"] = hashlib.md5(ja3.encode(), usedforsecurity=False).hexdigest()
    return out


def _alpn(data: bytes) -> list[str]:
    names, pos = [], 2
    while pos < len(data):
        size = data[pos]
        names.append(data[pos + 1 : pos + 1 + size].decode("utf-8", "backslashreplace"))
        pos += 1 + size
    return names


def server_hello(body: bytes) -> dict:
    version = int.from_bytes(body[0:2], "big")
    pos = 34
    if not 0x7F00 <= version < 0x7F16:
        # TLS 1.3 drafts before 22 had no session id echo in the ServerHello.
        pos += 1 + body[pos]
    cipher = int.from_bytes(body[pos : pos + 2], "big")
    exts = _extensions(body, pos + (2 if 0x7F00 <= version < 0x7F16 else 3))
    out: dict = {"version": version, "cipher": cipher}
    for etype, data in exts:
        if etype == 43 and len(data) == 2:
            out["version"] = int.from_bytes(data, "big")
        elif etype == 16:
            alpn = _alpn(data)
            if alpn:
                out["alpn"] = alpn[0]
    ja3s = f"{version},{cipher},{'-'.join(str(t) for t, _ in exts)}"
    out["ja3s"] = hashlib.md5(ja3s.encode(), usedforsecurity=False).hexdigest()
    return out


def version_text(code: int) -> tuple[str, str]:
    if code in VERSIONS:
        return VERSIONS[code]
    if code >> 8 == 0x7F:
        return "tls", "1.3"
    return "tls", f"{code:#06x}"


class TlsHandshake:
    """Reads handshake records from both sides until the hellos are known."""

    def __init__(self, flow: Flow, emit: Emit) -> None:
        self.flow = flow
        self.emit = emit
        self.records = [b"", b""]
        self.messages = [b"", b""]
        self.client: dict | None = None
        self.server: dict | None = None
        self.client_side = 0
        self.first_ts = 0
        self.done = False

    def data(self, side: int, ts: int, chunk: bytes) -> None:
        if self.done:
            return
        buf = self.records[side] + chunk
        while len(buf) >= 5:
            ctype, major = buf[0], buf[1]
            size = int.from_bytes(buf[3:5], "big")
            if ctype < 20 or ctype > 24 or major != 3:
                buf = b""
                break
            if len(buf) < 5 + size:
                break
            if ctype == 22:
                self.messages[side] += buf[5 : 5 + size]
                self._messages(side, ts)
            buf = buf[5 + size :]
        self.records[side] = buf[-MAX_HANDSHAKE:]

    def _messages(self, side: int, ts: int) -> None:
        msgs = self.messages[side]
        while len(msgs) >= 4:
            size = int.from_bytes(msgs[1:4], "big")
            if len(msgs) < 4 + size:
                break
            mtype, body = msgs[0], msgs[4 : 4 + size]
            msgs = msgs[4 + size :]
            try:
                if mtype == 1 and self.client is None:
                    self.client = client_hello(body)
                    self.client_side, self.first_ts = side, ts
                elif mtype == 2 and self.server is None:
                    self.server = server_hello(body)
            except (IndexError, struct.error):
                continue
            if self.server is not None:
                self.finish()
                return
        self.messages[side] = msgs[-MAX_HANDSHAKE:]

    def gap(self, side: int, size: int) -> None:
        self.records[side] = self.messages[side] = b""

    def close(self, ts: int) -> None:
        self.finish()

    def finish(self) -> None:
        if self.done:
            return
        self.done = True
        if self.client is None and self.server is None:
            return
        hello = self.client or {}
        side = self.client_side if self.client is not None else 0
        event = app_event(self.flow, side, self.first_ts, "tls", ["network"], ["protocol"])
        tls: dict = {}
        client: dict = {}
        if "sni" in hello:
            client["server_name"] = hello["sni"]
            event["destination"]["domain"] = hello["sni"]
        if "ja3" in hello:
            client["ja3"] = hello["ja3"]
            client["supported_ciphers"] = [CIPHERS.get(c, f"0x{c:04X}") for c in hello["ciphers"] if not is_grease(c)]
        offered = max(hello.get("versions") or [hello.get("version", 0)])
        code = self.server["version"] if self.server else offered
        if code:
            tls["version_protocol"], tls["version"] = version_text(code)
        if self.server:
            tls["cipher"] = CIPHERS.get(self.server["cipher"], f"0x{self.server['cipher']:04X}")
            tls["server"] = {"ja3s": self.server["ja3s"]}
            tls["established"] = True
            if "alpn" in self.server:
                tls["next_protocol"] = self.server["alpn"]
        if client:
            tls["client"] = client
        event["tls"] = tls
        if "ja3_string" in hello:
            event["secops"] = {"tls": {"client": {"ja3_string": hello["ja3_string"], "alpn": hello.get("alpn", [])}}}
        raw = f"tls hello sni={hello.get('sni', '')!r} version={tls.get('version', '')} ja3={client.get('ja3', '')}"
        self.emit(event, raw)
