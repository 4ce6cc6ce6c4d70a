from django.apps import AppConfig
from django.core import checks


class GeoConfig(AppConfig):
    name = "geo"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        checks.register(tile_sources_check)


def tile_sources_check(app_configs=None, **kwargs):
    """A refused tile basemap (an offset datum, a bad Tianditu setting) is an error at
    start-up: `manage.py check` and every command say it."""
    from .services.basemap import political_problems
    from .services.tiles import problems

    return [checks.Error(text, id="geo.E001") for text in problems() + political_problems()]
