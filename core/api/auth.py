"""API authentication: tokens that expire."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone
from rest_framework.authentication import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed


class ExpiringTokenAuthentication(TokenAuthentication):
    """DRF's token, refused once older than CW_TOKEN_DAYS days (a user makes a new one on
    their page)."""

    def authenticate_credentials(self, key: str) -> tuple[Any, Any]:
        user, token = super().authenticate_credentials(key)
        if token.created < timezone.now() - timedelta(days=settings.CW_TOKEN_DAYS):
            raise AuthenticationFailed("token expired: make a new one on your page")
        return user, token
