"""``secops es``: install the index layout on a cluster and show its state."""

from __future__ import annotations

from typing import Annotated, Any, cast

import typer
from elastic_transport import TransportError
from elasticsearch import ApiError

from secops.cli.context import state
from secops.cli.output import emit, key_values
from secops.store import elastic_layout as layout
from secops.store.elastic_bulk import DeadLetters
from secops.store.elastic_client import connect, translate
from secops.store.elastic_events import DEAD_LETTER_FILE, SPOOL_DIR
from secops.store.elastic_spool import Spool
from secops.types import OutputFormat

app = typer.Typer(help="Set up and inspect the Elasticsearch backend.", no_args_is_help=True)

FormatOpt = Annotated[OutputFormat, typer.Option("--format", help="Output format.")]


@app.command("setup")
def setup(ctx: typer.Context, fmt: FormatOpt = OutputFormat.TABLE) -> None:
    """Install the ECS index template and create the alert, incident, audit and state indices (idempotent)."""
    es = state(ctx).config.es
    client, secrets = connect(es)
    try:
        key_values(layout.setup(client, es.index_prefix), fmt, title="elasticsearch setup")
    except (ApiError, TransportError) as exc:
        raise translate(exc, secrets, "es setup") from None
    finally:
        client.close()


@app.command("status")
def status(
    ctx: typer.Context,
    fmt: FormatOpt = OutputFormat.TABLE,
    indices: Annotated[bool, typer.Option("--indices", help="List every index with its size.")] = False,
) -> None:
    """Cluster health, versions, and the size of secops's indices; spooled and dead-lettered events."""
    app_state = state(ctx)
    es = app_state.config.es
    client, secrets = connect(es)
    try:
        health = client.cluster.health()
        nodes = client.nodes.info(filter_path="nodes.*.version")
        found = client.cat.indices(index=f"{es.index_prefix}-*", format="json", bytes="b", s="index")
        rows = cast(list[dict[str, Any]], found.body)
    except (ApiError, TransportError) as exc:
        raise translate(exc, secrets, "es status") from None
    finally:
        client.close()
    listing: list[dict[str, Any]] = [
        {
            "index": r["index"],
            "health": r["health"],
            "docs": int(r["docs.count"] or 0),
            "bytes": int(r["store.size"] or 0),
        }
        for r in rows
    ]
    if indices:
        emit(listing, fmt, [("index", "index"), ("health", "health"), ("docs", "docs"), ("bytes", "bytes")])
        return
    events = [r for r in listing if r["index"].startswith(f"{es.index_prefix}-{layout.EVENTS_PART}-")]
    data_dir = app_state.data_dir
    summary = {
        "cluster": health["cluster_name"],
        "health": health["status"],
        "nodes": health["number_of_nodes"],
        "server_versions": sorted({n["version"] for n in nodes.get("nodes", {}).values()}),
        "client_version": _client_version(),
        "event_indices": len(events),
        "events": sum(r["docs"] for r in events),
        "event_bytes": sum(r["bytes"] for r in events),
        "other_indices": {r["index"]: r["docs"] for r in listing if r not in events},
        "spooled_events": Spool(data_dir / SPOOL_DIR).pending_events(),
        "dead_letters": DeadLetters(data_dir / DEAD_LETTER_FILE).count(),
    }
    key_values(summary, fmt, title="elasticsearch")


def _client_version() -> str:
    from elasticsearch import __versionstr__

    return str(__versionstr__)
