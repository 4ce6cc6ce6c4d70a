"""Schemathesis hooks for tests/test_fuzz.py (issue 19): besides what the schema allows,
every part of a request (path, query, body) may carry a NUL or another control character,
or a date near year 1 or 9999, in any one of its values: the API must answer 4xx, never 5xx.
Loaded by SCHEMATHESIS_HOOKS=tests.fuzz.hooks."""

from __future__ import annotations

from typing import Any

import schemathesis
from hypothesis import strategies as st

POISON = [
    "\x00",
    "QZ\x00PORT",
    "\x01",
    "a\x1bb",
    "0001-01-01",
    "0001-01-01T00:00:00Z",
    "0001-01-01T00:00:00+14:00",
    "9999-12-31",
    "9999-12-31T23:59:59-12:00",
    "0001-01",
    "0001-W01",
    "[1, 2]",
]


def _poisoned(values: Any) -> st.SearchStrategy[Any]:
    """The drawn values as they are, or with one of them replaced by a poison."""
    if not isinstance(values, dict) or not values:
        return st.just(values)
    keys = sorted(values)
    return st.one_of(
        st.just(values),
        st.builds(
            lambda key, poison: {**values, key: poison},
            st.sampled_from(keys),
            st.sampled_from(POISON),
        ),
    )


@schemathesis.hook
def flatmap_query(ctx, query):
    return _poisoned(query)


@schemathesis.hook
def flatmap_path_parameters(ctx, path_parameters):
    return _poisoned(path_parameters)


@schemathesis.hook
def flatmap_body(ctx, body):
    return _poisoned(body)
