"""Issue 21 (8): an export's dates are inclusive (a range of one day holds that day), and a
position export names each vessel, not only its number."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from exports.services.layers import LAYERS, ExportParams
from tests.factories import make_positions, make_vessel

pytestmark = pytest.mark.django_db


def rows(layer: str, **filters: str) -> dict[str, list]:
    params = ExportParams.parse(filters)
    out: dict[str, list] = {}
    for chunk in LAYERS[layer].rows(params, 4326):
        for name, values in chunk.values.items():
            out.setdefault(name, []).extend(values)
    return out


def test_a_one_day_range_holds_that_day_and_positions_carry_the_vessels_name():
    make_vessel(412000777, name="BEIBU DAWN")
    make_positions(412000777, [(108.6, 21.7, 9.0)] * 4, datetime(2025, 11, 20, 22, tzinfo=UTC))
    make_positions(412000888, [(108.7, 21.6, 5.0)] * 2, datetime(2025, 11, 20, 6, tzinfo=UTC))
    make_positions(412000777, [(108.6, 21.7, 9.0)], datetime(2025, 11, 21, 0, 0, 1, tzinfo=UTC))
    found = rows("positions", start="2025-11-20", end="2025-11-20")
    assert len(found["mmsi"]) == 6  # the whole day, to its last moment; not the 21st
    assert (
        LAYERS["positions"].count(ExportParams.parse({"start": "2025-11-20", "end": "2025-11-20"}))
        == 6
    )
    names = dict(zip(found["mmsi"], found["name"], strict=True))
    assert names == {412000777: "BEIBU DAWN", 412000888: "412000888"}  # no name: its number
    assert ExportParams.parse({"end": "2025-11-20"}).end == datetime(
        2025, 11, 20, 23, 59, 59, 999999, tzinfo=UTC
    )
    assert ExportParams.parse({"start": "2025-11-20"}).start == datetime(2025, 11, 20, tzinfo=UTC)
