from django.apps import AppConfig


class CorridorsConfig(AppConfig):
    name = "corridors"
    default_auto_field = "django.db.models.BigAutoField"
