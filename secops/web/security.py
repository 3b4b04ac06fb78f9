"""What keeps the console to its analyst: the token, the cookie, same-origin checks, CSRF, response headers.

- **Token.** Every route, static files included, answers 401 without it. It
  comes in an ``Authorization: Bearer`` (or ``X-Secops-Token``) header, or in
  the cookie the first visit sets: ``/?token=…`` is answered with an
  HttpOnly, SameSite=Strict cookie and a redirect to ``/``, so the token does
  not stay in the address bar, the history or a Referer. Comparisons are
  constant-time.
- **Host.** On loopback, only ``127.0.0.1``, ``localhost`` and ``[::1]`` at
  our port are served: a page on another name that resolves to us (DNS
  rebinding) gets 421.
- **State changes** are POST only, with a JSON body, a same-origin ``Origin``
  (or ``Sec-Fetch-Site: same-origin``) and the CSRF token the session route
  hands to the page. A client authenticated by header rather than cookie
  (curl, a script) cannot be driven by another site, so it needs no ``Origin``.
- **Headers** on every response: a strict Content-Security-Policy (no inline
  script or style, nothing from elsewhere, no framing), nosniff, no referrer.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import ipaddress
import secrets
from dataclasses import dataclass, field
from email.message import Message
from typing import Literal

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
    "Cache-Control": "no-store",
}
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]")

Credential = Literal["header", "cookie"]


def new_token() -> str:
    return secrets.token_urlsafe(32)


def cookie_values(header: str | None, name: str) -> list[str]:
    """The values of cookie ``name`` in a ``Cookie`` header, read leniently, as browsers write it.

    Cookies are shared by every port of a host, so the header also carries
    other local apps' cookies, JSON or spaces in their values included; the
    standard library's ``SimpleCookie`` stops at the first of those and lost
    ours with it.
    """
    found = []
    for part in (header or "").split(";"):
        key, sep, value = part.partition("=")
        if sep and key.strip() == name:
            found.append(value.strip())
    return found


def url_host(host: str) -> str:
    """An address as a URL and a Host header write it: IPv6 in brackets."""
    bare = host.strip("[]")
    return f"[{bare}]" if ":" in bare else bare


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@dataclass
class Guard:
    """The checks of one console run (one token, one port)."""

    token: str
    port: int
    remote: bool = False
    """Served beyond loopback (``--allow-remote``): any Host is accepted; Origin must still match it."""
    host: str = "127.0.0.1"
    """The address served, as given (``127.0.0.2`` and ``::1`` are loopback too): its URL is the one printed."""
    csrf: str = field(init=False)
    hosts: frozenset[str] = field(init=False)
    """The Host headers served on loopback."""

    def __post_init__(self) -> None:
        self.csrf = hmac.new(self.token.encode(), b"secops-dashboard-csrf", hashlib.sha256).hexdigest()
        names = {*LOOPBACK_NAMES, url_host(self.host)}
        with contextlib.suppress(ValueError):  # a name, such as localhost
            names.add(url_host(str(ipaddress.ip_address(self.host.strip("[]")))))
        self.hosts = frozenset(f"{name}:{self.port}" for name in names)

    @property
    def cookie_name(self) -> str:
        """Per port: browsers share cookies across the ports of a host."""
        return f"secops_dashboard_{self.port}"

    def host_allowed(self, host: str | None) -> bool:
        if self.remote:
            return bool(host)
        return host in self.hosts

    def token_ok(self, candidate: str | None) -> bool:
        return candidate is not None and hmac.compare_digest(candidate.encode(), self.token.encode())

    def credential(self, headers: Message) -> Credential | None:
        """How the request proved it holds the token, if it did (header names compare without case)."""
        auth = headers.get("Authorization") or ""
        if auth.startswith("Bearer ") and self.token_ok(auth[7:].strip()):
            return "header"
        if self.token_ok(headers.get("X-Secops-Token")):
            return "header"
        if any(self.token_ok(value) for value in cookie_values(headers.get("Cookie"), self.cookie_name)):
            return "cookie"
        return None

    def set_cookie(self) -> str:
        return f"{self.cookie_name}={self.token}; HttpOnly; SameSite=Strict; Path=/"

    def refuse_change(self, headers: Message, credential: Credential) -> str | None:
        """Why a state-changing request must be refused (None: it may go on)."""
        origin = headers.get("Origin")
        site = headers.get("Sec-Fetch-Site")
        host = headers.get("Host") or ""
        if origin is not None and origin != f"http://{host}":
            return f"cross-origin request refused (Origin {origin})"
        if site is not None and site not in ("same-origin", "none"):
            return f"cross-site request refused (Sec-Fetch-Site {site})"
        if credential == "cookie":
            if origin is None and site is None:
                return "a browser request without Origin or Sec-Fetch-Site is refused"
            if not hmac.compare_digest((headers.get("X-CSRF-Token") or "").encode(), self.csrf.encode()):
                return "missing or wrong CSRF token"
        if (headers.get("Content-Type") or "").split(";")[0].strip() != "application/json":
            return "state changes take a JSON body (Content-Type: application/json)"
        return None
