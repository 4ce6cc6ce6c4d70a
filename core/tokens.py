"""How long an API token works (CW_TOKEN_DAYS), for the authentication and the pages that
show or renew it."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone


def token_expires_at(token: Any) -> datetime:
    return token.created + timedelta(days=settings.CW_TOKEN_DAYS)  # type: ignore[no-any-return]


def token_expired(token: Any) -> bool:
    return token_expires_at(token) < timezone.now()
