"""The whole system as one WSGI application: Django at /, the Dash app at /dash/.

A path dispatcher sends /dash/... to the Dash (Flask) server, which checks the Django
session of every request; everything else goes to Django. Text answers of both are
compressed (brotli or gzip, core.compression); an address holding a control character is
refused first (core.requests).
"""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

django_application = get_wsgi_application()


def build_application():
    from werkzeug.middleware.dispatcher import DispatcherMiddleware

    from core.compression import Compress
    from core.requests import RefuseControlCharacters
    from dash_app.app import create_dash_app

    dash = create_dash_app()
    return RefuseControlCharacters(
        Compress(DispatcherMiddleware(django_application, {"/dash": dash.server}))
    )


application = build_application()
