"""API tokens for machine clients (AIS and rail pushers, scripts)."""

from __future__ import annotations

from django.contrib.auth import authenticate
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.throttles import AnonThrottle
from core.tokens import token_expires_at

from ..services import issue_token


class TokenLoginSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=256, trim_whitespace=False)
    renew = serializers.BooleanField(
        default=False, help_text="a new token even if the current one still works"
    )


class ObtainTokenView(APIView):
    """Exchange a user name and password for the user's API token (any role): the token
    held while it works, a new one once it has expired or when `renew` is true (the old one
    then stops working). Failed attempts count towards the same lockout as the site's login
    (django-axes): after too many, 429."""

    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes = [AnonThrottle]

    @extend_schema(
        request=TokenLoginSerializer,
        responses={
            200: inline_serializer(
                "Token",
                {"token": serializers.CharField(), "expires_at": serializers.DateTimeField()},
            )
        },
    )
    def post(self, request):
        data = TokenLoginSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        django_request = request._request  # axes reads and flags the Django request
        user = authenticate(
            django_request,
            username=data.validated_data["username"],
            password=data.validated_data["password"],
        )
        if getattr(django_request, "axes_locked_out", False):
            return Response(
                {"detail": "too many failed logins: try again later"},
                status=status.HTTP_429_TOO_MANY_REQUESTS,
            )
        if user is None or not user.is_active:
            return Response(
                {"non_field_errors": ["user name and password do not match"]},
                status=status.HTTP_400_BAD_REQUEST,
            )
        token = issue_token(user, renew=data.validated_data["renew"])
        return Response({"token": token.key, "expires_at": token_expires_at(token)})
