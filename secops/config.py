"""Configuration: one ``secops.toml``, overridable key by key from ``SECOPS_*``.

Lookup order for the file: ``--config``, ``$SECOPS_CONFIG``, ``./secops.toml``,
then the XDG config directory. Every key can be overridden by an environment
variable named after its path (``data_dir`` → ``SECOPS_DATA_DIR``,
``es.api_key`` → ``SECOPS_ES_API_KEY``). Secrets come from the environment or
from a ``*_file`` readable only by its owner, and are never printed.
"""

from __future__ import annotations

import os
import re
import stat
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any, Literal, get_args, get_origin
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import platformdirs
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, SecretStr, ValidationError

from secops.errors import ConfigError
from secops.timespec import Duration

ENV_PREFIX = "SECOPS_"
_USERINFO = re.compile(r"(?<=://)[^\s@]+(?:@[^\s@]+)*@")
"""``user:password@`` after a URL's scheme up to its last ``@`` (a URL parser takes ``u:p@ss@host`` as password
``p@ss``), even with characters (``/``) a URL parser would not take as userinfo."""


def mask_userinfo(text: str) -> str:
    """``text`` with every URL's ``user:password@`` replaced: what may be shown of a URL that carried a password."""
    return _USERINFO.sub("***@", text)


def mask_url(url: str) -> str:
    """A configured URL as it may be shown: all before its last ``@`` hidden, scheme kept.

    Unlike ``mask_userinfo`` (for free text) this takes a password with spaces,
    ``#`` or ``?`` whole, and one without a scheme.
    """
    scheme, sep, rest = url.partition("://") if "://" in url else ("", "", url)
    if "@" not in rest:
        return url
    return f"{scheme}{sep}***@{rest.rpartition('@')[2]}"


def _zone_name(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {name!r} (an IANA name such as UTC or America/New_York)") from None
    return name


ZoneName = Annotated[str, AfterValidator(_zone_name)]
"""An IANA time zone name, checked when the settings are read."""


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SyslogConfig(Section):
    """Network syslog input (``secops collect syslog``)."""

    listen: list[str] = Field(default_factory=list)
    """Addresses used when ``--listen`` is not given: ``udp://HOST:PORT``, ``tcp://...``, ``tls://...``."""
    tls_cert: Path | None = None
    """PEM certificate chain a ``tls://`` listener presents (RFC 5425)."""
    tls_key: Path | None = None
    """PEM private key; must be readable only by its owner."""
    tls_key_password: SecretStr | None = None
    tls_key_password_file: Path | None = None
    tls_client_ca: Path | None = None
    """CA bundle to verify client certificates with (mutual TLS)."""
    tls_require_client_cert: bool = False
    max_message_bytes: int = Field(default=1 << 20, ge=2048)
    """Longer messages are cut to this size and flagged (RFC 5425 asks for at least 2048)."""
    fsync_interval: float = Field(default=0.2, gt=0)
    """Seconds between fsyncs of the spool: the most a power loss could take."""
    spool_segment_bytes: int = Field(default=64 << 20, ge=1 << 20)
    flush_interval: float = Field(default=2.0, gt=0)
    """Seconds an event may wait in memory before its batch is stored."""

    def key_password(self) -> str | None:
        if self.tls_key_password is not None:
            return self.tls_key_password.get_secret_value()
        return read_secret_file(self.tls_key_password_file) if self.tls_key_password_file else None


BULK_REQUESTS = 2
"""Measured against one request at a time: 0.72-0.82 of a raw ``_bulk`` loop's rate became 0.87-0.92
with two, node and client sharing 2 cores; a third was slower where the node had one core."""


class EsConfig(Section):
    """How to reach an Elasticsearch cluster."""

    url: str | None = None
    api_key: SecretStr | None = None
    api_key_file: Path | None = None
    username: str | None = None
    password: SecretStr | None = None
    password_file: Path | None = None
    ca_file: Path | None = None
    verify_certs: bool = True
    """Turning this off must be explicit; it is on by default."""
    index_prefix: str = "secops"
    timeout: float = Field(default=60.0, gt=0)
    """Seconds one request may take before it is retried (bulk) or fails (queries)."""
    read_lag: float = 90.0
    """Seconds scheduled detection stays behind ``event.ingested``: covers a bulk request in
    flight, the refresh interval and clock skew between writers (see ``read_since``)."""
    bulk_requests: int = Field(default=BULK_REQUESTS, ge=1, le=64)
    """Bulk requests one collector keeps in flight at once (each holds one batch in memory)."""

    def __repr_args__(self) -> Iterator[tuple[str | None, Any]]:
        """``repr()`` and ``str()`` of the settings (a log line, a traceback's locals) show no password in ``url``."""
        for name, value in super().__repr_args__():
            yield name, mask_url(value) if name == "url" and isinstance(value, str) else value

    def secret(self, name: Literal["api_key", "password"]) -> str | None:
        """A secret from its value or its owner-only file."""
        value: SecretStr | None = getattr(self, name)
        if value is not None:
            return value.get_secret_value()
        path: Path | None = getattr(self, f"{name}_file")
        return read_secret_file(path) if path else None


EntityKind = Literal["hosts", "users", "ips"]


class IncidentsConfig(Section):
    """Automatic grouping of alerts into incidents (``secops incidents group``, and after detection runs)."""

    window: Duration = "1h"
    """Alerts this close in time (a duration: 30m, 1h, 1d) that share an entity belong together."""
    min_alerts: int = Field(default=2, ge=1)
    """A new incident needs at least this many linked alerts; one alert alone stays in the queue."""
    entities: list[EntityKind] = Field(default_factory=lambda: list(get_args(EntityKind)))
    """Which entity kinds link alerts."""
    ignore: list[str] = Field(
        default_factory=lambda: ["SYSTEM", "LOCAL SERVICE", "NETWORK SERVICE", "localhost", "127.0.0.1", "::1"]
    )
    """Values too common to mean anything (they would chain everything together); compared without case."""
    common_after: int = Field(default=50, ge=1)
    """A value found on more alerts than this in one grouping run (a public resolver, a scanner's
    target) links none of them: it is background, not a thread through one story."""
    auto: bool = True
    """Group new alerts after each detection run."""


class DetectException(Section):
    """Events a rule must not alert on: ``field`` equal (case-insensitively, ``*`` wildcards) to a value."""

    rule: str = "*"
    """Rule id, name or title; ``*`` wildcards allowed."""
    field: str
    values: list[str]
    reason: str = ""


class DetectSuppression(Section):
    """One alert per rule and ``by`` values per ``window``; later matches join it."""

    rule: str = "*"
    by: list[str] = Field(default_factory=list)
    window: Duration = "1h"


class DetectConfig(Section):
    """Sigma detection: exceptions, suppression windows, placeholder values for ``|expand``."""

    exceptions: list[DetectException] = Field(default_factory=list)
    suppress: list[DetectSuppression] = Field(default_factory=list)
    placeholders: dict[str, list[str]] = Field(default_factory=dict)


class DashboardConfig(Section):
    """The local web console (``secops dashboard``)."""

    host: str = "127.0.0.1"
    port: int = Field(default=8765, ge=0, le=65535)
    token: SecretStr | None = None
    """A fixed console token (else a new one is made and printed at each start); ``SECOPS_DASHBOARD_TOKEN``."""
    token_file: Path | None = None
    dashboards: Path | None = None
    """A folder of dashboard definitions to serve instead of the project's own."""

    def secret(self) -> str | None:
        if self.token is not None:
            return self.token.get_secret_value()
        return read_secret_file(self.token_file) if self.token_file else None


class Config(Section):
    """Everything secops can be told; defaults make a zero-setup embedded install."""

    data_dir: Path | None = None
    store: Literal["embedded", "elasticsearch"] = "embedded"
    rules: list[Path] = Field(default_factory=list)
    syslog: SyslogConfig = Field(default_factory=SyslogConfig)
    timezone: ZoneName = "UTC"
    """Zone for log timestamps that carry none."""
    batch_size: int = Field(default=20_000, ge=1)
    es: EsConfig = Field(default_factory=EsConfig)
    incidents: IncidentsConfig = Field(default_factory=IncidentsConfig)
    detect: DetectConfig = Field(default_factory=DetectConfig)
    dashboard: DashboardConfig = Field(default_factory=DashboardConfig)
    source: Path | None = Field(default=None, exclude=True)
    """The file this configuration was read from, if any."""

    def resolved_data_dir(self, override: Path | None = None) -> Path:
        """``--data-dir``, then ``SECOPS_DATA_DIR``/``data_dir``, then the XDG data directory."""
        chosen = override or self.data_dir or Path(platformdirs.user_data_dir("secops"))
        return chosen.expanduser()

    def redacted(self) -> dict[str, Any]:
        """The configuration as shown to people: secrets replaced, a password written into ``es.url`` too."""
        shown = self.model_dump(mode="json", exclude={"source"})
        if shown["es"]["url"]:
            shown["es"]["url"] = mask_url(shown["es"]["url"])
        return shown


def read_secret_file(path: Path) -> str:
    """Read a secret from a file that only its owner can read."""
    try:
        info = path.stat()
    except OSError as exc:
        raise ConfigError("cannot read secret file", where=str(path)) from exc
    if info.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise ConfigError("secret file is readable by others; chmod 600 it", where=str(path))
    if not stat.S_ISREG(info.st_mode):
        raise ConfigError("a secret file must be a regular file", where=str(path))
    try:
        value = path.read_text("utf-8").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read secret file: {type(exc).__name__}", where=str(path)) from None
    if not value:
        raise ConfigError("secret file is empty", where=str(path))  # else the request would go without credentials
    return value


def find_config_file(explicit: Path | None = None) -> Path | None:
    """The configuration file by the documented lookup order, or None."""
    if explicit is not None:
        if not _is_file(explicit):
            raise ConfigError("configuration file not found", where=str(explicit))
        return explicit
    env = os.environ.get(f"{ENV_PREFIX}CONFIG")
    if env:
        if not _is_file(Path(env)):
            raise ConfigError("configuration file not found (from SECOPS_CONFIG)", where=env)
        return Path(env)
    for candidate in (Path("secops.toml"), Path(platformdirs.user_config_dir("secops")) / "secops.toml"):
        if _is_file(candidate):
            return candidate
    return None


def _is_file(path: Path) -> bool:
    """Whether the file is there; a location we may not look into is an error, not "no file".

    Skipping it would run with defaults a configuration file there may change
    (e.g. ``HOME`` still pointing at another user's directory under ``sudo -u``).
    """
    try:
        return path.is_file()
    except OSError as exc:
        raise ConfigError(
            f"cannot look for a configuration file here: {exc.strerror or exc} (give one with --config)",
            where=str(path),
        ) from None


def load_config(explicit: Path | None = None, environ: dict[str, str] | None = None) -> Config:
    """Read the file (if any), apply ``SECOPS_*`` overrides, validate."""
    path = find_config_file(explicit)
    data: dict[str, Any] = {}
    if path is not None:
        try:
            data = tomllib.loads(path.read_text("utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(str(exc), where=str(path)) from exc
        _refuse_unsafe_file(path, data)
    from_env: set[str] = set()
    _apply_env(Config, data, environ if environ is not None else dict(os.environ), ENV_PREFIX, from_env)
    try:
        config = Config.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        key = ".".join(str(p) for p in first["loc"])
        variable = ENV_PREFIX + "_".join(str(p) for p in first["loc"] if isinstance(p, str)).upper()
        where = variable if key in from_env or path is None else str(path)
        # Not chained: pydantic's error repeats the input value, which may be a secret (a mistyped key's value,
        # a password TOML read as a number), and a traceback prints the chain.
        raise ConfigError(f"{key}: {first['msg']}", where=where) from None
    config.source = path
    return config


def _refuse_unsafe_file(path: Path, data: dict[str, Any]) -> None:
    """A configuration file someone else can change, or that shows a secret to others, is not used.

    Whoever can write the file chooses ``es.url`` and ``verify_certs``, and so
    where the credentials from the environment or the secret files are sent: a
    ``./secops.toml`` another user left in a shared folder must not do that.
    """
    try:
        info = path.stat()
    except OSError as exc:
        raise ConfigError(f"cannot read the configuration file: {exc.strerror or exc}", where=str(path)) from None
    if info.st_uid not in (os.geteuid(), 0):
        raise ConfigError(
            f"configuration file belongs to another user (uid {info.st_uid}), who could send your credentials"
            " anywhere; use a copy of your own",
            where=str(path),
        )
    if info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        raise ConfigError("configuration file is writable by others; chmod go-w it", where=str(path))
    if info.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        inline = _inline_secrets(Config, data)
        if inline:
            raise ConfigError(
                f"configuration file holds a secret ({', '.join(inline)}) and others can read it; chmod 600 it,"
                " or move the secret to an owner-only *_file or a SECOPS_* variable",
                where=str(path),
            )


def _inline_secrets(model: type[BaseModel], data: dict[str, Any], path: str = "") -> list[str]:
    """The keys of ``data`` holding a secret: a ``SecretStr`` setting, or a URL with a password."""
    found = []
    for name, info in model.model_fields.items():
        value = data.get(name)
        if value is None:
            continue
        annotation = info.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel) and isinstance(value, dict):
            found += _inline_secrets(annotation, value, f"{path}{name}.")
        elif SecretStr in (annotation, *get_args(annotation)) or (
            name == "url" and isinstance(value, str) and mask_url(value) != value
        ):
            found.append(path + name)
    return found


def _apply_env(
    model: type[BaseModel], data: dict[str, Any], environ: dict[str, str], prefix: str, found: set[str], path: str = ""
) -> None:
    """Overlay environment variables onto raw config data, following the model's fields; ``found`` gets their keys.

    A list is split on ``os.pathsep`` when it holds paths (as ``PATH`` is) and on
    commas otherwise: ``udp://127.0.0.1:5514,tcp://127.0.0.1:5514``. A variable set
    to nothing (``SECOPS_ES_API_KEY=``) counts as not set: an empty key must not
    hide the ``api_key_file`` beside it, nor an empty path mean the current folder.
    """
    for name, info in model.model_fields.items():
        if info.exclude:
            continue
        key = f"{prefix}{name.upper()}"
        annotation = info.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            sub = data.setdefault(name, {})
            _apply_env(annotation, sub, environ, key + "_", found, f"{path}{name}.")
            if not sub:
                del data[name]
        elif environ.get(key, "").strip():
            value = environ[key]
            found.add(path + name)
            if get_origin(annotation) is list or list in get_args(annotation):
                separator = os.pathsep if Path in get_args(annotation) else ","
                data[name] = [v.strip() for v in value.split(separator) if v.strip()]
            else:
                data[name] = value


def config_template() -> str:
    """The commented starting file ``secops config init`` writes."""
    from importlib import resources

    return resources.files("secops.data").joinpath("secops.toml.example").read_text("utf-8")
