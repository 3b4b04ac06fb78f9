"""What every command shares: configuration, data directory, stores, the acting analyst."""

from __future__ import annotations

import getpass
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import typer

from secops.config import Config, load_config
from secops.errors import ConfigError
from secops.registry import ParseContext
from secops.store import open_case_store, open_event_store
from secops.store.base import CaseStore, EventStore


@dataclass
class AppState:
    """Built by the root callback; commands read it through ``state(ctx)``."""

    config_path: Path | None = None
    data_dir_override: Path | None = None
    analyst: str | None = None
    _opened: list[EventStore | CaseStore] = field(default_factory=list)

    @cached_property
    def config(self) -> Config:
        return load_config(self.config_path)

    @property
    def data_dir_path(self) -> Path:
        """Where the data directory is, without creating it (for showing the configuration)."""
        return self.config.resolved_data_dir(self.data_dir_override)

    @cached_property
    def data_dir(self) -> Path:
        """The data directory, created on first use for its owner only (it holds logs, spool, dead letters,
        the audit log and caches); one that cannot be used is a clear error."""
        path = self.data_dir_path
        try:
            path.mkdir(mode=0o700, parents=True, exist_ok=True)
        except OSError as exc:
            reason = "it is not a directory" if isinstance(exc, FileExistsError) else exc.strerror or str(exc)
            raise ConfigError(f"cannot use this as the data directory: {reason}", where=str(path)) from None
        return path

    @cached_property
    def events(self) -> EventStore:
        store = open_event_store(self.config, self.data_dir)
        self._opened.append(store)
        return store

    @cached_property
    def cases(self) -> CaseStore:
        store = open_case_store(self.config, self.data_dir)
        self._opened.append(store)
        return store

    @property
    def actor(self) -> str:
        """Who is acting, for the audit log: ``--analyst`` or the OS user."""
        return self.analyst or getpass.getuser()

    def parse_context(self, timezone: str | None = None) -> ParseContext:
        name = timezone or self.config.timezone
        try:
            zone = ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ConfigError(f"unknown time zone {name!r}", where="--timezone") from exc
        return ParseContext(timezone=zone)

    def close(self) -> None:
        for store in self._opened:
            store.close()


def state(ctx: typer.Context) -> AppState:
    """The shared state from any command's context."""
    found = ctx.find_root().obj
    assert isinstance(found, AppState)
    return found
