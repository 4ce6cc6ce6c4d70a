"""Template filters of the reporting pages."""

from __future__ import annotations

from typing import Any

from django import template

from ..services.reporting import line_label

register = template.Library()


@register.filter
def figure_line(row: Any) -> str:
    """A figure's line (a FigureRow, a stored figure or a dict of its codes) by name:
    "Containers (TEU) · Foreign trade"."""

    def get(name: str) -> str:
        return str(row[name] if isinstance(row, dict) else getattr(row, name))

    return line_label(*(get(n) for n in ("metric", "trade", "direction", "cargo_class", "laden")))
