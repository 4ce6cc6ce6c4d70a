"""The Dash application: its instance, page registry and shell layout.

Created by `create_dash_app()` (nothing is loaded at import time) and mounted at /dash/
by config.wsgi; each page in `pages/` holds its own layout and callbacks.
"""

from __future__ import annotations

from pathlib import Path

import dash
from dash import html

from core.names import is_chinese

from . import auth

PREFIX = "/dash/"
HERE = Path(__file__).resolve().parent


class CorridorDash(dash.Dash):
    def interpolate_index(self, **kwargs):  # type: ignore[no-untyped-def]
        """The page's language on its <html> (screen readers read it in that language)."""
        page = super().interpolate_index(**kwargs)
        lang = "zh-Hans" if is_chinese(auth.request_language()) else "en"
        return page.replace("<html>", f'<html lang="{lang}">', 1)


def create_dash_app() -> dash.Dash:
    app = CorridorDash(
        __name__,
        requests_pathname_prefix=PREFIX,
        routes_pathname_prefix="/",
        use_pages=True,
        pages_folder=str(HERE / "pages"),
        assets_folder=str(HERE / "assets"),
        serve_locally=True,
        suppress_callback_exceptions=True,
        title="Corridor Watch",
        update_title=None,
        # Django brings asgiref, which would switch Dash to async endpoints; the ORM is
        # synchronous, so the callbacks stay sync (waitress runs them on threads).
        use_async=False,
    )
    auth.install(app.server, PREFIX)
    app.layout = html.Div([dash.page_container])
    return app
