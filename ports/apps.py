from django.apps import AppConfig


class PortsConfig(AppConfig):
    name = "ports"
    default_auto_field = "django.db.models.BigAutoField"
