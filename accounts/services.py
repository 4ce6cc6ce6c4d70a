"""Use cases of accounts: the demo accounts a first `make run` creates, once."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from rest_framework.authtoken.models import Token

from audit import services as audit
from audit.choices import Action
from core.tokens import token_expired
from geo.models import Node

from .models import Profile, Role, SetupRecord

DEMO_KEY = "demo_accounts"


@dataclass(frozen=True)
class DemoUser:
    username: str
    role: str
    nodes: tuple[str, ...] = ()


DEMO_USERS = (
    DemoUser("admin", Role.ADMIN),
    DemoUser("official", Role.OFFICIAL),
    DemoUser("analyst", Role.ANALYST),
    DemoUser("operator", Role.OPERATOR, ("QZ_PORT", "QZ_ACT")),
)


@dataclass(frozen=True)
class DemoAccounts:
    """What `create_demo_users` did: `created` maps user names to their passwords (empty
    when the accounts were made before, by an earlier start)."""

    created: dict[str, str]
    already_done: bool


@transaction.atomic
def create_demo_users(password: str | None = None) -> DemoAccounts:
    """Create the demo accounts, once per database: a later call changes nothing, so a
    changed password stays changed and a deleted account stays deleted. Each gets a random
    password unless `password` is given (the same for all)."""
    record, made = SetupRecord.objects.select_for_update().get_or_create(key=DEMO_KEY)
    if not made:
        return DemoAccounts({}, already_done=True)
    User = get_user_model()
    created: dict[str, str] = {}
    for demo in DEMO_USERS:
        if User.objects.filter(username=demo.username).exists():
            continue  # someone made an account of that name: never touch it
        secret = password or secrets.token_urlsafe(12)
        user = User.objects.create_user(demo.username, password=secret)
        profile = Profile.objects.create(user=user, role=demo.role, demo=True)
        profile.nodes.set(Node.objects.filter(code__in=demo.nodes))
        created[demo.username] = secret
    record.note = "created: " + ", ".join(created)
    record.save(update_fields=["note"])
    return DemoAccounts(created, already_done=False)


def active_demo_accounts() -> list[str]:
    """User names of the demo accounts that can still log in."""
    return sorted(
        Profile.objects.filter(demo=True, user__is_active=True).values_list(
            "user__username", flat=True
        )
    )


def write_password_file(path: Path, created: dict[str, str]) -> None:
    """Keep the demo passwords in a file only its owner can read (mode 0600)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write("# Corridor Watch demo accounts (change or deactivate them before sharing)\n")
        for username, secret in created.items():
            role = next(d.role for d in DEMO_USERS if d.username == username)
            fh.write(f"{username}\t{secret}\t{role}\n")
    os.chmod(path, 0o600)


def current_token(user: Any) -> Token | None:
    return Token.objects.filter(user=user).first()


def issue_token(user: Any, renew: bool = False) -> Token:
    """The user's API token, for any role: the one held while it works, a new one when it
    has expired, none is held, or `renew` asks for one (the old one stops working)."""
    with transaction.atomic():
        token = Token.objects.select_for_update().filter(user=user).first()
        if token is not None and not renew and not token_expired(token):
            return token
        Token.objects.filter(user=user).delete()
        made = Token.objects.create(user=user)
    audit.record(Action.TOKEN, f"user:{user.username}", {"token": "issued"}, user=user)
    return made


def revoke_token(user: Any) -> bool:
    """Delete the user's API token; whether there was one."""
    deleted, _ = Token.objects.filter(user=user).delete()
    if deleted:
        audit.record(Action.TOKEN, f"user:{user.username}", {"token": "revoked"}, user=user)
    return deleted > 0


def nodes_of(user: Any, permission: str) -> set[str] | None:
    """Codes of the nodes `user` may write `permission`'s data for: None for every node (an
    administrator); an operator's own nodes when it holds the permission; else none. Who may
    report for which node is decided here, for figures and rail events alike."""
    if not user.is_authenticated or not user.is_active:
        return set()
    if user.is_superuser:
        return None
    if not user.has_perm(permission):
        return set()
    profile = getattr(user, "profile", None)
    return set(profile.nodes.values_list("code", flat=True)) if profile else set()


NEW_TOKEN = "cw-new-token"


def remember_new_token(request: Any, token: Token) -> None:
    """Keep a just-made token's key for the next page, which shows it once."""
    request.session[NEW_TOKEN] = token.key


def new_token_key(request: Any, token: Token | None) -> str | None:
    """The key of a token made by the request before, once (then gone from the session);
    None when there is none or it is no longer the user's token."""
    key = request.session.pop(NEW_TOKEN, None)
    return key if token is not None and key == token.key else None
