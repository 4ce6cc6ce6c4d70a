"""Turning a service's refusal into an API answer."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework.exceptions import ValidationError


@contextmanager
def django_errors_as_400() -> Iterator[None]:
    """A Django ValidationError raised by a service (naming its fields) becomes a 400."""
    try:
        yield
    except DjangoValidationError as exc:
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
        raise ValidationError(detail) from exc
