"""The API's side of bounding costly requests (core.limits): the same guards and window
caps as every surface, refusals as answers (Busy: 429; OverBudget, WindowRefused: 400 on
the field at fault)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from rest_framework.exceptions import Throttled, ValidationError

from core.limits import Busy, OverBudget, WindowRefused


@contextmanager
def refusals_as_answers(field: str = "end") -> Iterator[None]:
    """A guard's refusal as the API answers it: Busy a 429, OverBudget a 400 on `field`, a
    refused window a 400 on its own field."""
    try:
        yield
    except WindowRefused as exc:
        raise ValidationError({exc.field: str(exc)}) from exc
    except Busy as exc:
        raise Throttled(detail=str(exc)) from exc
    except OverBudget as exc:
        raise ValidationError({field: str(exc)}) from exc
