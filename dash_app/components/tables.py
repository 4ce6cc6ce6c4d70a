"""A long table as people expect one: sorted by a click on a header, searched with a box
per column, paged, exported as CSV (its shown headers), all in the browser."""

from __future__ import annotations

from typing import Any

from dash import dash_table
from django.utils.translation import gettext as _


def paged_table(
    table_id: str, columns: list[tuple[str, str, str]], rows: list[dict[str, Any]], page_size: int
) -> dash_table.DataTable:
    """`columns`: (key, shown name, "text" or "numeric")."""
    return dash_table.DataTable(
        id=table_id,
        columns=[{"id": key, "name": name, "type": kind} for key, name, kind in columns],
        data=rows,
        sort_action="native",
        filter_action="native",
        filter_options={"case": "insensitive", "placeholder_text": _("search…")},
        page_action="native",
        page_size=page_size,
        export_format="csv",
        export_headers="display",
        style_table={"overflowX": "auto"},
        style_cell={
            "fontSize": 13,
            "padding": "3px 6px",
            "textAlign": "left",
            "whiteSpace": "normal",
        },
        style_header={"fontWeight": "bold"},
    )
