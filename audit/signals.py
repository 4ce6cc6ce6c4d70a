"""Logins, failed logins and logouts; role and account changes (audit.services.record)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save
from django.dispatch import receiver

from .choices import Action
from .context import client_ip
from .services import record


def _ip(request: Any) -> str:
    return client_ip(getattr(request, "META", {}) or {})


@receiver(user_logged_in)
def logged_in(sender, request, user, **kwargs):
    record(Action.LOGIN, "session", user=user, ip=_ip(request))


@receiver(user_logged_out)
def logged_out(sender, request, user, **kwargs):
    if user is not None:
        record(Action.LOGOUT, "session", user=user, ip=_ip(request))


@receiver(user_login_failed)
def login_failed(sender, credentials, request=None, **kwargs):
    # The name tried (never the password: Django masks it in `credentials`).
    record(
        Action.LOGIN_FAILED,
        "session",
        {"username": str(credentials.get("username", ""))[:150]},
        ip=_ip(request),
    )


User = get_user_model()


@receiver(pre_save, sender=User)
def _before_user_change(sender, instance, **kwargs):
    if instance.pk is None:
        instance._cw_audit_before = None
        return
    instance._cw_audit_before = (
        User.objects.filter(pk=instance.pk)
        .values("is_active", "is_staff", "is_superuser", "username")
        .first()
    )


@receiver(post_save, sender=User)
def user_changed(sender, instance, created, **kwargs):
    before = getattr(instance, "_cw_audit_before", None)
    now = {
        "is_active": instance.is_active,
        "is_staff": instance.is_staff,
        "is_superuser": instance.is_superuser,
        "username": instance.username,
    }
    if created:
        record(Action.ROLE, f"user:{instance.username}", {"created": True, **now})
    elif before is not None and before != now:
        changed = {k: [before[k], v] for k, v in now.items() if before[k] != v}
        record(Action.ROLE, f"user:{instance.username}", {"changed": changed})


@receiver(post_delete, sender=User)
def user_deleted(sender, instance, **kwargs):
    record(Action.ROLE, f"user:{instance.username}", {"deleted": True})


@receiver(m2m_changed, sender=User.groups.through)
def groups_changed(sender, instance, action, pk_set, reverse, **kwargs):
    if action not in ("post_add", "post_remove", "post_clear") or reverse:
        return
    from django.contrib.auth.models import Group

    names = sorted(Group.objects.filter(pk__in=pk_set or ()).values_list("name", flat=True))
    record(Action.ROLE, f"user:{instance.username}", {"groups": action[5:], "names": names})
