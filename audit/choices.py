"""What an audit row records."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Action(models.TextChoices):
    LOGIN = "login", _("Logged in")
    LOGIN_FAILED = "login_failed", _("Failed login")
    LOGOUT = "logout", _("Logged out")
    READ = "read", _("Read")
    WRITE = "write", _("Changed data")
    EXPORT = "export", _("Export or report")
    UPLOAD = "upload", _("Upload")
    REVIEW = "review", _("Review of a figure")
    TOKEN = "token", _("API token")
    ROLE = "role", _("Role or account change")
    AUDIT = "audit", _("Audit read or export")
