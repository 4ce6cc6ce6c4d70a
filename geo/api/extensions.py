"""Node properties that other apps contribute to the node API.

`geo` imports no other app; the app that owns a figure registers it here (from its
`AppConfig.ready`), e.g. ports registers the latest full-year TEU the map sizes nodes by.
A provider returns {node code: value} for every node at once (one query, not one per node).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

_providers: dict[str, Callable[[], dict[str, Any]]] = {}
_tables: list[str] = []


def register_node_context(
    name: str, provider: Callable[[], dict[str, Any]], tables: tuple[str, ...] = ()
) -> None:
    """Make `provider()` available to node serializers as `context[name]`; `tables` are
    the tables it reads (their versions key the node layer's cache)."""
    _providers[name] = provider
    register_node_tables(*tables)


def register_node_tables(*tables: str) -> None:
    """Tables of another app the node layer's answer depends on (e.g. route membership
    for `?route=`), named by their owner (`Model._meta.db_table`)."""
    _tables.extend(t for t in tables if t not in _tables)


def node_tables() -> tuple[str, ...]:
    return tuple(_tables)


def node_context() -> dict[str, dict[str, Any]]:
    """Every registered property, computed now: {name: {node code: value}}."""
    return {name: provide() for name, provide in _providers.items()}
