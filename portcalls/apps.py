from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortCallsConfig(AppConfig):
    name = "portcalls"
    verbose_name = _("Port calls")
    default_auto_field = "django.db.models.BigAutoField"
