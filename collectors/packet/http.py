"""HTTP/1.x over reassembled TCP: one event per request/response pair, bodies carved.

Each side of the connection is read as a sequence of messages: a start line
and headers, then a body framed by ``Content-Length``, chunked transfer
coding, or the end of the connection (RFC 9112 section 6). Requests queue up
(pipelining) and each response pairs with the oldest unanswered request.
Bodies stream through a ``PayloadSink``, gzip/deflate content coding
undone, and become ``network_traffic.file`` events linked to the flow by
``network.community_id``.
"""

from __future__ import annotations

import re
import zlib
from collections import deque
from urllib.parse import urlsplit

from collectors.packet.carve import MAX_FILE, Carved, CarveStore, PayloadSink, sniff_mime
from collectors.packet.flows import Emit, Flow
from collectors.packet.netevent import app_event
from collectors.packet.tcp import HTTP_METHODS
from secops.types import Event

MAX_HEAD = 64 << 10
DECODE_STEP = 1 << 20
MAX_DECODED = MAX_FILE
MAX_QUEUE = 64
HEAD, LENGTH, CHUNK_SIZE, CHUNK_DATA, CHUNK_END, TRAILERS, UNTIL_CLOSE, DEAD, RESYNC = range(9)
REQUEST_START = re.compile(rb"(?:^|\n)(?:" + b"|".join(sorted(HTTP_METHODS)) + rb") \S")
RESPONSE_START = re.compile(rb"(?:^|\n)HTTP/\d", re.IGNORECASE)


class Message:
    """One request or response: start line, headers, and its body as it streams."""

    __slots__ = ("body_bytes", "broken", "decoder", "headers", "line", "raw_retry", "sink", "ts")

    def __init__(self, ts: int, line: str, headers: dict[str, str], sink: PayloadSink) -> None:
        self.ts = ts
        self.line = line
        self.headers = headers
        self.sink = sink
        self.body_bytes = 0
        self.broken = False
        self.raw_retry = True
        coding = headers.get("content-encoding", "").strip().lower()
        self.decoder = zlib.decompressobj(47) if coding in ("gzip", "x-gzip", "deflate") else None

    def body(self, chunk: bytes) -> None:
        """Take body bytes as sent; the sink gets them with content coding undone."""
        self.body_bytes += len(chunk)
        if self.broken:
            return
        if self.decoder is None:
            self.sink.write(chunk)
            return
        try:
            self.sink.write(self.decoder.decompress(chunk, DECODE_STEP))
            while self.decoder.unconsumed_tail and self.sink.size <= MAX_DECODED:
                self.sink.write(self.decoder.decompress(self.decoder.unconsumed_tail, DECODE_STEP))
        except zlib.error:
            if self.raw_retry and self.sink.size == 0 and self.body_bytes == len(chunk):
                # "deflate" is often sent without its zlib wrapper: retry the first bytes raw, once.
                self.raw_retry = False
                self.decoder = zlib.decompressobj(-15)
                self.body_bytes = 0
                self.body(chunk)
                return
            self.broken = True


class Txn:
    __slots__ = ("req_carved", "request", "resp_carved", "response")

    def __init__(self, request: Message | None) -> None:
        self.request = request
        self.response: Message | None = None
        self.req_carved: Carved | None = None
        self.resp_carved: Carved | None = None


def _head(raw: bytes) -> tuple[str, dict[str, str]]:
    text = raw.decode("latin-1")
    lines = text.replace("\r\n", "\n").split("\n")
    headers: dict[str, str] = {}
    for line in lines[1:]:
        name, sep, value = line.partition(":")
        if sep and name.strip():
            key = name.strip().lower()
            headers[key] = f"{headers[key]}, {value.strip()}" if key in headers else value.strip()
    return lines[0], headers


class HttpSession:
    """Both sides of one HTTP/1.x connection."""

    def __init__(self, flow: Flow, emit: Emit, carve: CarveStore | None, client_side: int) -> None:
        self.flow = flow
        self.emit = emit
        self.carve = carve
        self.client = client_side
        self.state = [HEAD, HEAD]
        self.buf = [b"", b""]
        self.left = [0, 0]
        self.current: list[Message | None] = [None, None]
        self.queue: deque[Txn] = deque()
        self.done = False

    def data(self, side: int, ts: int, chunk: bytes) -> None:
        buf: bytes | None = self.buf[side] + chunk if self.buf[side] else chunk
        while buf and self.state[side] != DEAD:
            buf = self._step(side, ts, buf)
            if buf is None:
                return
        self.buf[side] = b""

    def _step(self, side: int, ts: int, buf: bytes) -> bytes | None:
        """Consume what one state can from ``buf``; None means 'wait for more bytes'."""
        state = self.state[side]
        if state == RESYNC:
            return self._resync(side, buf)
        if state == HEAD:
            buf = buf.lstrip(b"\r\n")
            if not buf:
                return b""
            simple = self._simple_message(side, ts, buf)
            if simple is not None:
                return simple
            end = buf.find(b"\r\n\r\n")
            sep = 4
            if end < 0:
                end, sep = buf.find(b"\n\n"), 2
            if end < 0:
                if len(buf) > MAX_HEAD:
                    self.state[side] = DEAD
                    return b""
                self.buf[side] = buf
                return None
            self._start(side, ts, buf[:end])
            return buf[end + sep :]
        msg = self.current[side]
        assert msg is not None
        if state in (LENGTH, CHUNK_DATA):
            take = buf[: self.left[side]]
            msg.body(take)
            self.left[side] -= len(take)
            if self.left[side] == 0:
                if state == LENGTH:
                    self._complete(side, ts)
                else:
                    self.state[side] = CHUNK_END
            return buf[len(take) :]
        if state == UNTIL_CLOSE:
            msg.body(buf)
            return b""
        line_end = buf.find(b"\n")
        if line_end < 0:
            if len(buf) > 4096:
                self.state[side] = DEAD
                return b""
            self.buf[side] = buf
            return None
        line, rest = buf[:line_end].strip(), buf[line_end + 1 :]
        if state == CHUNK_END:
            self.state[side] = CHUNK_SIZE
            return rest if not line else buf
        if state == CHUNK_SIZE:
            try:
                size = int(line.split(b";", 1)[0].strip() or b"x", 16)
            except ValueError:
                self.state[side] = DEAD
                return b""
            self.left[side] = size
            self.state[side] = CHUNK_DATA if size else TRAILERS
            return rest
        if not line:
            self._complete(side, ts)
        return rest

    def _simple_message(self, side: int, ts: int, buf: bytes) -> bytes | None:
        """An HTTP/0.9 exchange (RFC 1945 section 4.1): a request line without a version, a bare body back."""
        if side == self.client:
            end = buf.find(b"\n")
            if end < 0 or not _is_simple(buf[:end].rstrip(b"\r")):
                return None
            self._start(side, ts, buf[:end].rstrip(b"\r"))
            return buf[end + 1 :]
        if b"HTTP/".startswith(buf[:5].upper()):
            return None
        txn = next((t for t in self.queue if t.response is None), None)
        if txn is None or txn.request is None or not _is_simple(txn.request.line.encode("latin-1")):
            return None
        msg = Message(ts, "", {}, PayloadSink(self.carve))
        txn.response = msg
        self.current[side] = msg
        self.state[side] = UNTIL_CLOSE
        return buf

    def _start(self, side: int, ts: int, raw: bytes) -> None:
        line, headers = _head(raw)
        is_request = side == self.client
        msg = Message(ts, line, headers, PayloadSink(self.carve))
        word = line.split(" ", 1)[0]
        if is_request:
            if word.encode("latin-1") not in HTTP_METHODS:
                self.state[side] = DEAD
                return
            if len(self.queue) >= MAX_QUEUE:
                self._emit(self.queue.popleft())
            self.queue.append(Txn(msg))
            mode = self._framing(side, headers, request=True, bodyless=False)
        else:
            if not word.upper().startswith("HTTP/"):
                self.state[side] = DEAD
                return
            status = _status(line)
            if 100 <= status < 200 and status != 101:
                self.state[side] = HEAD
                return
            txn = next((t for t in self.queue if t.response is None), None)
            if txn is None:
                txn = Txn(None)
                self.queue.append(txn)
            txn.response = msg
            method = txn.request.line.split(" ", 1)[0] if txn.request else ""
            mode = self._framing(side, headers, request=False, bodyless=method == "HEAD" or status in (101, 204, 304))
            if status == 101:
                mode = DEAD
        self.current[side] = msg
        self.state[side] = mode
        if mode in (HEAD, DEAD):
            self._complete(side, ts, next_state=mode)

    def _framing(self, side: int, headers: dict[str, str], *, request: bool, bodyless: bool) -> int:
        if bodyless:
            return HEAD
        if "chunked" in headers.get("transfer-encoding", "").lower():
            return CHUNK_SIZE
        # Several Content-Length values are a smuggling attempt; the last one counts, as Wireshark reads it.
        length = headers.get("content-length", "").split(",")[-1].strip()
        if length.isdecimal():
            self.left[side] = int(length)
            return LENGTH if self.left[side] else HEAD
        return HEAD if request else UNTIL_CLOSE

    def _complete(self, side: int, ts: int, next_state: int = HEAD, *, whole: bool = True) -> None:
        msg = self.current[side]
        self.current[side] = None
        self.state[side] = next_state
        if msg is None:
            return
        carved = msg.sink.finish(complete=whole and not msg.broken)
        txn = next((t for t in self.queue if t.request is msg or t.response is msg), None)
        if txn is None:
            return
        if msg is txn.request:
            txn.req_carved = carved
        else:
            txn.resp_carved = carved
            while self.queue and self.queue[0].response is not None and self.queue[0].resp_carved is not None:
                self._emit(self.queue.popleft())
        if next_state == DEAD:
            self.done = True

    def _resync(self, side: int, buf: bytes) -> bytes | None:
        """After lost bytes, skip to the next line that starts a request (or a response)."""
        found = (REQUEST_START if side == self.client else RESPONSE_START).search(buf)
        if found is None:
            self.buf[side] = buf[-32:]
            return None
        self.state[side] = HEAD
        return buf[found.start() :]

    def gap(self, side: int, size: int) -> None:
        msg, state = self.current[side], self.state[side]
        if msg is not None and (state == UNTIL_CLOSE or (state in (LENGTH, CHUNK_DATA) and size <= self.left[side])):
            # The hole lies inside a body whose end is known: count it, keep the framing, skip no message.
            msg.body_bytes += size
            msg.broken = True
            if state != UNTIL_CLOSE:
                self.left[side] -= size
                if self.left[side] == 0 and state == LENGTH:
                    self._complete(side, 0, whole=False)
                elif self.left[side] == 0:
                    self.state[side] = CHUNK_END
            return
        if self.current[side] is not None:
            self._complete(side, 0, RESYNC, whole=False)
        self.state[side] = RESYNC
        self.buf[side] = b""

    def close(self, ts: int) -> None:
        for side in (0, 1):
            head = self.buf[side].lstrip(b"\r\n")
            if self.state[side] == HEAD and _partial_head(head, request=side == self.client):
                # A head cut short (snap length, capture end): keep what arrived.
                self.buf[side] = b""
                self._start(side, ts, head)
            if self.current[side] is not None:
                self._complete(side, ts, DEAD, whole=self.state[side] == UNTIL_CLOSE)
        while self.queue:
            self._emit(self.queue.popleft())
        self.done = True

    def _emit(self, txn: Txn) -> None:
        req, resp = txn.request, txn.response
        ts = req.ts if req else resp.ts if resp else 0
        event = app_event(self.flow, self.client, ts, "http", ["network", "web"], ["protocol"])
        http: dict = {}
        url: dict = {}
        raw = []
        if req is not None:
            method, _, rest = req.line.partition(" ")
            target, _, version = rest.partition(" ")
            version = version.rpartition(" ")[2]
            if not version.upper().startswith("HTTP/"):
                version = ""
            http["request"] = {"method": method, "body": {"bytes": req.body_bytes}}
            if version:
                http["version"] = version[5:]
            elif _is_simple(req.line.encode("latin-1")):
                http["version"] = "0.9"
            host = req.headers.get("host", "")
            url = _url(target, host, method)
            _put(http["request"], "referrer", req.headers.get("referer"))
            _put(http["request"], "mime_type", _mime(req.headers))
            if "user-agent" in req.headers:
                event["user_agent"] = {"original": req.headers["user-agent"]}
            if method == "CONNECT":
                event["destination"]["domain"] = target.rpartition(":")[0] or target
            elif url.get("domain"):
                event["destination"]["domain"] = url["domain"]
            raw.append(f"{req.line} host={host!r}")
        if resp is not None:
            status = _status(resp.line)
            http["response"] = {"body": {"bytes": resp.body_bytes}}
            if status:
                http["response"]["status_code"] = status
                event["event"]["outcome"] = "failure" if status >= 400 else "success"
            _put(http["response"], "mime_type", _mime(resp.headers))
            http.setdefault("version", resp.line.split(" ", 1)[0][5:])
            raw.append(f"-> {resp.line or '(HTTP/0.9 body)'}")
        event["http"] = http
        if url:
            event["url"] = url
        self.emit(event, "http " + " ".join(raw))
        for carved, msg, direction in ((txn.req_carved, req, "request"), (txn.resp_carved, resp, "response")):
            if carved is not None and carved.size and msg is not None:
                self.emit(*self._file_event(carved, msg, direction, event))

    def _file_event(self, carved: Carved, msg: Message, direction: str, http_event: Event) -> tuple[Event, str]:
        event = app_event(self.flow, self.client, msg.ts, "http", ["file"], ["info"], dataset="file")
        file: dict = {"size": carved.size, "hash": {"sha256": carved.sha256}}
        mime = sniff_mime(carved.head) or _mime(msg.headers)
        _put(file, "mime_type", mime)
        if carved.path is not None:
            file["path"] = str(carved.path)
        name = _filename(msg.headers, http_event.get("url", {}).get("path", ""))
        _put(file, "name", name)
        event["file"] = file
        for key in ("url", "user_agent"):
            if key in http_event:
                event[key] = http_event[key]
        event["http"] = {k: v for k, v in http_event["http"].items() if k != "version"}
        event["secops"] = {"carve": {"direction": direction, "complete": carved.complete, "stored": bool(carved.path)}}
        raw = f"file {direction} sha256={carved.sha256} size={carved.size} stored={bool(carved.path)}"
        return event, raw


def _is_simple(line: bytes) -> bool:
    """A request line of HTTP/0.9: a method and a path, no version (IRC's ``CONNECT host`` is not one)."""
    words = line.split(b" ")
    return len(words) == 2 and words[0] in HTTP_METHODS and words[1][:1] == b"/"


def _partial_head(head: bytes, *, request: bool) -> bool:
    """A head cut short that still shows a whole request or status line (or the version's start)."""
    words = head.split(b"\n", 1)[0].rstrip(b"\r").split(b" ")
    if request:
        return len(words) >= 3 and words[0] in HTTP_METHODS and b"HTTP/"[: len(words[2])] == words[2][:5].upper()
    return bool(words) and words[0].upper().startswith(b"HTTP/") and len(words) >= 2


def datagram_events(flow: Flow, side: int, ts: int, payload: bytes) -> list[tuple[Event, str]]:
    """HTTP carried in one UDP datagram (SSDP, port 1900): the same decoding, one message."""
    word = payload[:16].split(b" ", 1)[0]
    if word not in HTTP_METHODS and not word.upper().startswith(b"HTTP/"):
        return []
    found: list[tuple[Event, str]] = []
    client = side if word in HTTP_METHODS else 1 - side
    session = HttpSession(flow, lambda event, raw: found.append((event, raw)), None, client)
    session.data(side, ts, payload if b"\r\n\r\n" in payload else payload + b"\r\n\r\n")
    session.close(ts)
    return found


def _status(line: str) -> int:
    parts = line.split(" ", 2)
    return int(parts[1]) if len(parts) > 1 and parts[1].isdecimal() and len(parts[1]) == 3 else 0


def _mime(headers: dict[str, str]) -> str | None:
    value = headers.get("content-type", "").split(";", 1)[0].strip().lower()
    return value or None


def _put(target: dict, key: str, value: object) -> None:
    if value:
        target[key] = value


def _filename(headers: dict[str, str], path: str) -> str | None:
    disposition = headers.get("content-disposition", "")
    if "filename=" in disposition:
        return disposition.split("filename=", 1)[1].split(";", 1)[0].strip().strip('"') or None
    tail = path.rsplit("/", 1)[-1]
    return tail or None


def _url(target: str, host: str, method: str) -> dict:
    url: dict = {"original": target}
    if method == "CONNECT":
        # The target names the tunnel's far end (destination.domain); url.domain stays the Host header's.
        name = host.rpartition(":")[0] if host.count(":") == 1 else host
        if name:
            url["domain"] = name
        return url
    try:
        parts = urlsplit(target)
        hostname, port = parts.hostname, parts.port
    except ValueError:
        parts, hostname, port = None, None, None
    if parts is not None and parts.scheme and parts.netloc:
        url["scheme"] = parts.scheme
        url["domain"] = hostname or ""
        if port:
            url["port"] = port
        path, query = parts.path, parts.query
    else:
        path, _, query = target.partition("?")
        name, _, port_text = host.rpartition(":") if host.count(":") == 1 else (host, "", "")
        url["scheme"] = "http"
        if name:
            url["domain"] = name
        if port_text.isdecimal():
            url["port"] = int(port_text)
    url["path"] = path
    if query:
        url["query"] = query
    if url.get("domain"):
        netloc = url["domain"] + (f":{url['port']}" if "port" in url else "")
        url["full"] = f"{url['scheme']}://{netloc}{path}" + (f"?{query}" if query else "")
    return url
