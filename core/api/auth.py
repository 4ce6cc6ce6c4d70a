"""API authentication: tokens that expire, and a limit on wrong ones."""

from __future__ import annotations

from typing import Any

from rest_framework.authentication import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed

from core.tokens import token_expired

from .throttles import count_failure, refuse_if_guessing


class ExpiringTokenAuthentication(TokenAuthentication):
    """DRF's token, refused once older than CW_TOKEN_DAYS days (renewed by
    `POST /api/auth/token/` or on the user's token page); an address that sends too many
    wrong tokens is answered 429 for a minute."""

    def authenticate(self, request: Any) -> tuple[Any, Any] | None:
        self._request = request
        return super().authenticate(request)

    def authenticate_credentials(self, key: str) -> tuple[Any, Any]:
        request = getattr(self, "_request", None)
        if request is not None:
            refuse_if_guessing(request)
        try:
            user, token = super().authenticate_credentials(key)
        except AuthenticationFailed:
            if request is not None:
                count_failure(request)
            raise
        if token_expired(token):
            raise AuthenticationFailed("token expired: renew it (POST /api/auth/token/)")
        return user, token
