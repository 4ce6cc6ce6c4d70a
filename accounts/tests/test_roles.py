"""Roles as groups of permissions: each role's group holds exactly what accounts.roles
says, a profile's role decides the user's group and staff flag, and role_of reads it."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group

from accounts.models import Profile, Role
from accounts.roles import READ_DATA, ROLE_PERMISSIONS, group_name, role_of, sync_role_groups

pytestmark = pytest.mark.django_db


def perms(group: Group) -> set[str]:
    return {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.all()}


def test_role_groups_hold_their_permissions_and_every_view():
    sync_role_groups()
    official = perms(Group.objects.get(name=group_name(Role.OFFICIAL)))
    analyst = perms(Group.objects.get(name=group_name(Role.ANALYST)))
    assert set(ROLE_PERMISSIONS[Role.OFFICIAL]) <= official
    assert "geo.change_geofence" not in analyst and "portcalls.view_portcall" in analyst
    assert {p for p in analyst if not p.split(".")[1].startswith("view_")} == {READ_DATA}
    # The security and audit administrators read no data (三员分立).
    for role in (Role.SECURITY, Role.AUDITOR):
        held = perms(Group.objects.get(name=group_name(role)))
        assert held == set(ROLE_PERMISSIONS[role]), role
        assert READ_DATA not in held and "portcalls.view_portcall" not in held
    assert "audit.view_auditevent" not in analyst | official


def test_a_profiles_role_sets_group_staff_and_superuser(django_user_model):
    user = django_user_model.objects.create_user("someone", password="a long passphrase 1")
    profile = Profile.objects.create(user=user, role=Role.OFFICIAL)
    user.refresh_from_db()
    assert (user.is_staff, user.is_superuser) == (True, False)
    assert user.has_perm("geo.change_geofence") and not user.has_perm("ports.add_throughputreport")
    profile.role = Role.OPERATOR
    profile.save()
    user = django_user_model.objects.get(pk=user.pk)  # permissions are cached per instance
    assert [g.name for g in user.groups.all()] == [group_name(Role.OPERATOR)]
    assert not user.is_staff and user.has_perm("ports.add_throughputreport")
    assert role_of(user) == Role.OPERATOR


def test_role_of_anonymous_and_plain_superuser(django_user_model):
    from django.contrib.auth.models import AnonymousUser

    assert role_of(AnonymousUser()) is None
    root = django_user_model.objects.create_superuser("root", password="a long passphrase 2")
    assert role_of(root) == Role.ADMIN


def test_operator_demo_account_is_bound_to_its_nodes(django_user_model):
    operator = django_user_model.objects.get(username="operator")
    assert set(operator.profile.nodes.values_list("code", flat=True)) == {"QZ_PORT", "QZ_ACT"}
