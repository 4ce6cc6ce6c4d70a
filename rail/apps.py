from django.apps import AppConfig


class RailConfig(AppConfig):
    name = "rail"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from core import profiles

        from .ingest.profiles import check_mapping

        profiles.register("rail", check_mapping)
