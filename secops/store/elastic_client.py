"""Connecting to Elasticsearch from ``EsConfig``: TLS verified unless turned off, secrets kept secret.

Credentials come from ``EsConfig`` (environment or an owner-only file) and go
into the client only; every error that leaves this package passes through
``scrub`` so neither an API key nor a password can reach a message, a log
line or the terminal, even when a transport error echoes the URL it used.
"""

from __future__ import annotations

import base64
import logging
import re
import time
from collections.abc import Callable, Iterable
from typing import TypeVar
from urllib.parse import unquote, urlsplit, urlunsplit

from elastic_transport import ConnectionError as TransportConnectionError
from elastic_transport import TlsError, TransportError
from elasticsearch import ApiError, Elasticsearch
from elasticsearch.serializer import NdjsonSerializer, OrjsonSerializer

from secops.config import EsConfig, mask_userinfo
from secops.errors import BackendUnavailable, ConfigError, StoreError

log = logging.getLogger(__name__)

T = TypeVar("T")

DEFAULT_URL = "http://127.0.0.1:9200"
_PREFIX = re.compile(r"[a-z0-9][a-z0-9._-]{0,99}\Z")
"""Index prefixes: what every Elasticsearch index name accepts (lowercase, no spaces, no leading ``_``)."""


class NdjsonBytes(NdjsonSerializer):
    """A bulk body we built is NDJSON bytes already: sent as it is, where the default copies it twice."""

    def dumps(self, data: object) -> bytes:
        if isinstance(data, bytes | bytearray) and data.endswith(b"\n"):
            return data  # type: ignore[return-value]  # a bytearray is sent as it is too
        return super().dumps(data)


SERIALIZERS = {"application/json": OrjsonSerializer(), "application/x-ndjson": NdjsonBytes()}
"""Responses of thousands of bulk items and search hits decode several times faster with orjson."""


class Secrets:
    """The strings that must never be shown, and the one function that removes them."""

    def __init__(self, values: Iterable[str | None]) -> None:
        self.values = sorted({v for v in values if v and len(v) >= 3}, key=len, reverse=True)

    def scrub(self, text: str) -> str:
        for value in self.values:
            text = text.replace(value, "***")
        return mask_userinfo(text)  # user:password@ in any URL a library echoes back


def _split_userinfo(url: str) -> tuple[str, str | None, str | None]:
    """A URL without ``user:password@``, and what was there, percent-decoded (so it is used, never shown).

    Errors never echo the URL: it may carry a password.
    """
    if "/" in url.partition("://")[2].rpartition("@")[0]:  # 'user:pa/ss@host': no parser takes that as userinfo
        raise ConfigError(
            "put the user and password in es.username and es.password, or percent-encode them", where="es.url"
        )
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise ConfigError(f"not a valid URL ({mask_userinfo(str(exc))})", where="es.url") from None
    if parts.username is None:
        return url, None, None
    host = parts.hostname or ""
    netloc = f"[{host}]" if ":" in host else host
    if port:
        netloc += f":{port}"
    password = unquote(parts.password) if parts.password is not None else None
    return (
        urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment)),
        unquote(parts.username),
        password,
    )


def connect(config: EsConfig) -> tuple[Elasticsearch, Secrets]:
    """A client for the configured cluster and the secrets to scrub from anything it reports."""
    url, url_user, url_password = _split_userinfo(config.url or DEFAULT_URL)
    scheme = urlsplit(url).scheme  # lowercased: HTTPS:// is https too
    if scheme not in ("http", "https"):
        raise ConfigError("es.url must start with http:// or https://", where="es.url")
    if not _PREFIX.match(config.index_prefix):
        raise ConfigError(
            f"{config.index_prefix!r} cannot begin index names: use up to 100 lowercase letters, digits,"
            " '.', '_' or '-', starting with a letter or digit",
            where="es.index_prefix",
        )
    api_key = config.secret("api_key")
    password = config.secret("password") or url_password
    username = config.username or url_user
    basic = base64.b64encode(f"{username}:{password}".encode()).decode() if username and password else None
    secrets = Secrets([api_key, password, url_password, basic])  # basic: the Authorization header, decodable
    kwargs: dict[str, object] = {
        "request_timeout": config.timeout,
        "max_retries": 2,
        "retry_on_timeout": False,
        "http_compress": False,
        "serializers": SERIALIZERS,
    }
    if api_key:
        kwargs["api_key"] = api_key
    elif username and password:
        kwargs["basic_auth"] = (username, password)
    elif username:
        raise ConfigError("es.username is set but no password (SECOPS_ES_PASSWORD or es.password_file)", where="es")
    if scheme == "https":
        kwargs["verify_certs"] = config.verify_certs
        if config.ca_file is not None:
            if not config.ca_file.is_file():
                raise ConfigError("CA file not found", where=str(config.ca_file))
            kwargs["ca_certs"] = str(config.ca_file)
        if not config.verify_certs:
            kwargs["ssl_show_warn"] = False
    elif config.ca_file is not None:  # a CA asks for TLS: an http:// URL is a slip that would send credentials in clear
        raise ConfigError("es.ca_file is set but es.url is http://, without TLS; use https://", where="es.url")
    try:
        client = Elasticsearch(url, **kwargs)  # type: ignore[arg-type]
    except (ValueError, TypeError) as exc:
        raise ConfigError(secrets.scrub(str(exc)), where="es") from None
    return client, secrets


BUSY_SECONDS = 60.0
"""How long a request the cluster answers 429 (busy, a circuit breaker tripped) is retried."""


def call(fn: Callable[[], T], secrets: Secrets, where: str) -> T:
    """One request; a busy cluster (429) is waited out with growing pauses, any other failure translated.

    The client's own retries come back at once, which a tripped circuit
    breaker, freed only as the node collects garbage, still refuses.
    """
    deadline = time.monotonic() + BUSY_SECONDS
    delay = 0.5
    while True:
        try:
            return fn()
        except ApiError as exc:
            if exc.status_code != 429 or time.monotonic() + delay > deadline:
                raise translate(exc, secrets, where) from None
            log.info("%s: Elasticsearch is busy (429); trying again in %.1f s", where, delay)
        except TransportError as exc:
            raise translate(exc, secrets, where) from None
        time.sleep(delay)
        delay = min(delay * 2, 8.0)


def translate(exc: Exception, secrets: Secrets, where: str) -> StoreError:
    """A client exception as a secops error, with every secret removed from its text."""
    if isinstance(exc, TlsError):
        return BackendUnavailable(
            "TLS verification failed (set es.ca_file to the cluster's CA; es.verify_certs=false turns checks off): "
            + secrets.scrub(str(exc)),
            where=where,
        )
    if isinstance(exc, TransportConnectionError | TransportError):
        return BackendUnavailable(f"cannot reach Elasticsearch: {secrets.scrub(str(exc))}", where=where)
    if isinstance(exc, ApiError):
        reason = secrets.scrub(_api_reason(exc))  # a proxy or gateway in front of the cluster may echo the request
        if exc.status_code in (401, 403):
            return StoreError(f"Elasticsearch refused the credentials ({exc.status_code}): {reason}", where=where)
        if exc.status_code in (429, 502, 503, 504):
            return BackendUnavailable(f"Elasticsearch is unavailable ({exc.status_code}): {reason}", where=where)
        return StoreError(f"Elasticsearch error {exc.status_code}: {reason}", where=where)
    return StoreError(secrets.scrub(f"{type(exc).__name__}: {exc}"), where=where)


def _api_reason(exc: ApiError) -> str:
    body = exc.body if isinstance(exc.body, dict) else {}
    error = body.get("error")
    if isinstance(error, dict):
        return f"{error.get('type', '')}: {error.get('reason', '')}".strip(": ")
    return str(error or exc.message)
