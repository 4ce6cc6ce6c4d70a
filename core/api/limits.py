"""The API's side of bounding costly requests (core.limits): the same guards, refusals as
answers (Busy: 429; OverBudget: 400). The caller chooses the window caps
(core.api.params.check_window)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from rest_framework.exceptions import Throttled, ValidationError

from core.limits import Busy, OverBudget


@contextmanager
def refusals_as_answers(field: str = "end") -> Iterator[None]:
    """A guard's refusal as the API answers it: Busy a 429, OverBudget a 400 on `field`."""
    try:
        yield
    except Busy as exc:
        raise Throttled(detail=str(exc)) from exc
    except OverBudget as exc:
        raise ValidationError({field: str(exc)}) from exc
