"""Commands of DESIGN.md that later releases fill in: they exist, say so, and exit 2.

Each entry leaves this table when its real command group is added to the app.
"""

from __future__ import annotations

import typer

from secops.errors import NotAvailable

PENDING_GROUPS: dict[str, tuple[str, list[str]]] = {
}
PENDING_COMMANDS: dict[str, str] = {}


def _unavailable(name: str) -> typer.models.CommandFunctionType:
    def command() -> None:
        raise NotAvailable(f"'secops {name}' is not available in this release yet")

    command.__doc__ = "Not available in this release yet."
    return command


def register(app: typer.Typer) -> None:
    """Add every pending group and command to the app."""
    for group, (help_text, commands) in PENDING_GROUPS.items():
        sub = typer.Typer(help=f"{help_text} (not available yet)", no_args_is_help=True)
        for command in commands:
            sub.command(command)(_unavailable(f"{group} {command}"))
        app.add_typer(sub, name=group)
    for name, help_text in PENDING_COMMANDS.items():
        app.command(name, help=f"{help_text} (not available yet)")(_unavailable(name))
