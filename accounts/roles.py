"""What each role may do, as Django permissions held by one group per role.

Reads are open to every logged-in user (the API and Dash check authentication); writes
need the model permission (the API's `CorridorPermission`, the admin). Officials edit
fences, detection rules, nodes and their services (and reach the admin for that);
operators report throughput (for their own nodes: checked where figures are written);
analysts read and export; administrators are superusers.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.contrib.auth.management import create_permissions
from django.contrib.auth.models import Group, Permission

from .choices import Role

VIEW_APPS = ("geo", "corridors", "ais", "portcalls", "ports", "rail", "alerts")
# Apps whose permissions a role may hold beyond the views of VIEW_APPS.
OTHER_APPS = ("accounts", "audit", "auth")
ROLE_PERMISSIONS: dict[str, tuple[str, ...]] = {
    Role.OFFICIAL: (
        "geo.add_geofence",
        "geo.change_geofence",
        "geo.change_node",
        "geo.add_nodeservice",
        "geo.change_nodeservice",
        "portcalls.change_detectionrule",
        "ports.review_throughputreport",
        "alerts.change_alert",
    ),
    Role.OPERATOR: (
        "ports.add_throughputreport",
        "ports.change_throughputreport",
        "rail.add_railevent",
    ),
    Role.ANALYST: (),
    Role.ADMIN: (),
    # The three administrators apart (三员分立): the system administrator (a superuser)
    # runs the system and cannot change or erase the audit (the database refuses it); the
    # security administrator manages users and roles and reads no data and no audit; the
    # audit administrator reads and exports the audit and nothing else.
    Role.SECURITY: (
        "auth.view_user",
        "auth.add_user",
        "auth.change_user",
        "auth.view_group",
        "accounts.view_profile",
        "accounts.add_profile",
        "accounts.change_profile",
    ),
    Role.AUDITOR: ("audit.view_auditevent", "audit.export_auditevent"),
}
# Reading the corridor's data (every page and API read checks it): not the security and
# audit administrators.
DATA_ROLES = {Role.OFFICIAL, Role.OPERATOR, Role.ANALYST, Role.ADMIN}
READ_DATA = "accounts.read_data"
STAFF_ROLES = {Role.OFFICIAL, Role.ADMIN, Role.SECURITY}


def group_name(role: str) -> str:
    return f"role:{role}"


def sync_role_groups() -> None:
    """Create or correct the group of every role (after each migrate)."""
    for label in (*VIEW_APPS, *OTHER_APPS):  # their post_migrate may not have run yet
        create_permissions(apps.get_app_config(label), verbosity=0)
    views = list(Permission.objects.filter(content_type__app_label__in=VIEW_APPS))
    views = [p for p in views if p.codename.startswith("view_")]
    read_data = list(
        Permission.objects.filter(content_type__app_label="accounts", codename="read_data")
    )
    for role, names in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=group_name(role))
        wanted = [*views, *read_data] if role in DATA_ROLES else []
        for name in names:
            app, codename = name.split(".")
            wanted += list(
                Permission.objects.filter(content_type__app_label=app, codename=codename)
            )
        group.permissions.set(wanted)


def apply_role(user: Any, role: str) -> None:
    """Put `user` in its role's group only; staff for officials and administrators, and
    superuser exactly for administrators."""
    groups = {g.name: g for g in Group.objects.filter(name__startswith="role:")}
    if group_name(role) not in groups:
        sync_role_groups()
        groups = {g.name: g for g in Group.objects.filter(name__startswith="role:")}
    user.groups.remove(*[g for name, g in groups.items() if name != group_name(role)])
    user.groups.add(groups[group_name(role)])
    is_staff, is_superuser = role in STAFF_ROLES, role == Role.ADMIN
    if (user.is_staff, user.is_superuser) != (is_staff, is_superuser):
        user.is_staff, user.is_superuser = is_staff, is_superuser
        user.save(update_fields=["is_staff", "is_superuser"])


def role_of(user: Any) -> str | None:
    if not user.is_authenticated:
        return None
    profile = getattr(user, "profile", None)
    return profile.role if profile else (Role.ADMIN if user.is_superuser else None)
