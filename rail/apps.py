from django.apps import AppConfig


class RailConfig(AppConfig):
    name = "rail"
    default_auto_field = "django.db.models.BigAutoField"
