"""secops: a security-operations toolkit for agency networks.

The public API is what this module exports; the CLI is built on it.
"""

from secops.ecs import event_id, flatten, get, put
from secops.errors import SecopsError
from secops.registry import LineParser, ParseContext, Parsed, StreamParser, register

__all__ = [
    "LineParser",
    "ParseContext",
    "Parsed",
    "SecopsError",
    "StreamParser",
    "event_id",
    "flatten",
    "get",
    "put",
    "register",
]
__version__ = "0.1.0"
