"""The console's HTTP server: the standard library's ``ThreadingHTTPServer``, one small router.

Why no framework: the console has a dozen routes, and every header that
matters for its security (token, cookie, CSP, origin checks) is set here in
plain sight; the standard library adds no dependency to an offline install.

Routes (every one needs the token, see ``security``)::

    GET  /                          the page (GET /?token=... sets the cookie and redirects here)
    GET  /static/NAME               the page's script, styles (from secops/web/static)
    GET  /api/session               analyst, CSRF token, dashboards and their panels
    GET  /api/panel?dashboard=D&panel=P&range=24h   one panel's rows
    GET  /api/alerts/ID             an alert with its events and related alerts
    POST /api/alerts/ack            {"ids": [...]}
    POST /api/alerts/assign         {"ids": [...], "assignee": "name"}
"""

from __future__ import annotations

import logging
import re
import socket
from collections.abc import Callable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from typing import Any
from urllib.parse import parse_qs, urlsplit

import orjson

from secops.errors import SecopsError
from secops.web.console import Console
from secops.web.security import HEADERS, Credential, Guard

log = logging.getLogger("secops.web")
MAX_BODY = 64 * 1024
STATIC_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".html": "text/html; charset=utf-8",
    ".svg": "image/svg+xml",
}
_ALERT = re.compile(r"^/api/alerts/([A-Za-z0-9_-]{1,64})$")


def static_file(name: str) -> bytes | None:
    """A packaged asset by plain file name (no paths), or None."""
    if not re.fullmatch(r"[a-z0-9_-]+\.(js|css|html|svg)", name):
        return None
    item = resources.files("secops.web").joinpath("static", name)
    return item.read_bytes() if item.is_file() else None


class Handler(BaseHTTPRequestHandler):
    server: ConsoleServer
    body_read = False
    protocol_version = "HTTP/1.1"
    server_version = "secops-dashboard"
    sys_version = ""

    # -- plumbing ------------------------------------------------------------------
    def log_message(self, format: str, *args: Any) -> None:
        """Requests are logged without their query string: it may hold the token.

        A request line that does not parse is logged before it has a path.
        """
        log.info("%s %s", self.command, urlsplit(getattr(self, "path", "")).path)

    def parse_request(self) -> bool:
        self.body_read = False
        return super().parse_request()

    def _body_left(self) -> bool:
        """Whether the request carries a body this handler has not read."""
        if self.body_read:
            return False
        return self.headers.get("Content-Length", "0").strip() != "0" or "Transfer-Encoding" in self.headers

    def _send(self, status: int, body: bytes, content_type: str, extra: dict[str, str] | None = None) -> None:
        if self._body_left():
            # An unread body would be taken for the next request on this connection.
            self.close_connection = True
            extra = {**(extra or {}), "Connection": "close"}
        self.send_response(status)
        for name, value in {**HEADERS, **(extra or {})}.items():
            self.send_header(name, value)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _json(self, status: int, data: Any) -> None:
        self._send(status, orjson.dumps(data), "application/json")

    def _error(self, status: int, message: str, extra: dict[str, str] | None = None) -> None:
        self._send(status, orjson.dumps({"error": message}), "application/json", extra)

    def _gate(self) -> tuple[Credential | None, Any]:
        """Host and token checks shared by every method; answers the request itself when they fail."""
        guard = self.server.guard
        if not guard.host_allowed(self.headers.get("Host")):
            self._error(HTTPStatus.MISDIRECTED_REQUEST, "unexpected Host header")
            return None, None
        url = urlsplit(self.path)
        credential = guard.credential(self.headers)
        if credential is None:
            self._error(HTTPStatus.UNAUTHORIZED, "token required", {"WWW-Authenticate": 'Bearer realm="secops"'})
            return None, None
        return credential, url

    # -- methods -------------------------------------------------------------------
    def do_HEAD(self) -> None:
        self.do_GET()

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        guard = self.server.guard
        token = parse_qs(url.query).get("token")
        if url.path == "/" and token and guard.host_allowed(self.headers.get("Host")):
            if guard.token_ok(token[0]):
                self._send(HTTPStatus.SEE_OTHER, b"", "text/plain", {"Location": "/", "Set-Cookie": guard.set_cookie()})
            else:
                self._error(HTTPStatus.UNAUTHORIZED, "wrong token")
            return
        credential, url = self._gate()
        if credential is None:
            return
        self._answer(lambda: self._route_get(url.path, parse_qs(url.query)))

    def do_POST(self) -> None:
        credential, url = self._gate()
        if credential is None:
            return
        refused = self.server.guard.refuse_change(self.headers, credential)
        if refused:
            self._error(HTTPStatus.FORBIDDEN, refused)
            return
        if "Transfer-Encoding" in self.headers:
            self._error(HTTPStatus.LENGTH_REQUIRED, "send the body with a Content-Length")
            return
        declared = self.headers.get("Content-Length", "0").strip()
        if not declared.isascii() or not declared.isdigit():
            self._error(HTTPStatus.BAD_REQUEST, "Content-Length is not a number")
            return
        length = int(declared)
        if length > MAX_BODY:
            self._error(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "request body too large")
            return
        raw = self.rfile.read(length)
        self.body_read = True
        try:
            body = orjson.loads(raw) if length else {}
        except orjson.JSONDecodeError:
            self._error(HTTPStatus.BAD_REQUEST, "the body is not JSON")
            return
        if not isinstance(body, dict):
            self._error(HTTPStatus.BAD_REQUEST, "the body must be a JSON object")
            return
        console = self.server.console
        actions: dict[str, Callable[[dict[str, Any]], Any]] = {
            "/api/alerts/ack": console.acknowledge,
            "/api/alerts/assign": console.assign,
        }
        action = actions.get(url.path)
        if action is None:
            self._error(HTTPStatus.NOT_FOUND, "no such action")
            return
        self._answer(lambda: action(body))

    def do_PUT(self) -> None:
        self._not_allowed()

    def do_DELETE(self) -> None:
        self._not_allowed()

    def do_PATCH(self) -> None:
        self._not_allowed()

    def _not_allowed(self) -> None:
        credential, _ = self._gate()
        if credential is not None:
            self._error(HTTPStatus.METHOD_NOT_ALLOWED, "GET or POST only", {"Allow": "GET, HEAD, POST"})

    # -- routes --------------------------------------------------------------------
    def _answer(self, produce: Callable[[], Any]) -> None:
        """Run a route; library errors are the client's (400), anything else a logged 500 without detail."""
        try:
            result = produce()
        except SecopsError as exc:
            self._error(HTTPStatus.BAD_REQUEST, str(exc))
            return
        except Exception:  # one request fails, the console stays up; the cause is logged with its traceback
            log.exception("request failed: %s %s", self.command, urlsplit(self.path).path)
            self._error(HTTPStatus.INTERNAL_SERVER_ERROR, "internal error (see the console's log)")
            return
        if isinstance(result, tuple):
            self._send(HTTPStatus.OK, result[0], result[1])
        elif result is None:
            self._error(HTTPStatus.NOT_FOUND, "not found")
        else:
            self._json(HTTPStatus.OK, result)

    def _route_get(self, path: str, query: dict[str, list[str]]) -> Any:
        console = self.server.console

        def arg(name: str) -> str:
            return (query.get(name) or [""])[0]

        if path in ("/", "/index.html"):
            page = static_file("index.html")
            return (page, STATIC_TYPES[".html"]) if page else None
        if path.startswith("/static/"):
            name = path.removeprefix("/static/")
            data = static_file(name)
            return (data, STATIC_TYPES["." + name.rsplit(".", 1)[-1]]) if data is not None else None
        if path == "/api/session":
            return console.session(self.server.guard.csrf)
        if path == "/api/panel":
            return console.panel(arg("dashboard"), arg("panel"), arg("range") or None)
        match = _ALERT.match(path)
        if match:
            return console.alert(match.group(1))
        return None


class ConsoleServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], console: Console, token: str, *, remote: bool = False) -> None:
        host = address[0].strip("[]")
        self.address_family = socket.AF_INET6 if ":" in host else socket.AF_INET
        super().__init__((host, address[1]), Handler)
        self.console = console
        self.guard = Guard(token, self.server_address[1], remote=remote, host=host)

    @property
    def port(self) -> int:
        return int(self.server_address[1])
