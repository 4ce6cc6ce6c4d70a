"""The JSON-text expressions layers are written with (core.functions), each against what
Python's json and DRF write for the same value, on a real PostGIS."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from django.db.models import Value

from core.functions import (
    EpochSeconds,
    Feature,
    GeoJsonText,
    JsonLiteral,
    JsonMember,
    JsonNumber,
    JsonObject,
    JsonText,
    JsonTime,
    RoundFloat,
    Tenths,
)
from geo.models import Node
from tests.factories import make_node

pytestmark = pytest.mark.django_db


def one(expression):
    """The value of an expression over one made node."""
    return Node.objects.filter(code="FX").annotate(v=expression).values_list("v", flat=True)[0]


@pytest.fixture(autouse=True)
def node():
    return make_node(
        "FX", lon=108.123456789, lat=21.5, name_en='Quote " and \\ back', name_zh="钦州"
    )


def test_strings_are_escaped_as_json_writes_them_and_null_is_null():
    assert json.loads(one(JsonText("name_en"))) == 'Quote " and \\ back'
    assert json.loads(one(JsonText("name_zh"))) == "钦州"
    assert one(JsonText("group__code")) == "null"


def test_numbers_and_booleans():
    assert one(JsonNumber(Value(2.5))) == "2.5"
    assert one(JsonNumber(Value(True))) == "true"
    assert one(JsonNumber("group_id")) == "null"


def test_times_in_utc_as_drf_and_isoformat_write_them():
    moment = datetime(2026, 12, 6, 5, 7, 9, tzinfo=UTC)
    assert json.loads(one(JsonTime(Value(moment)))) == "2026-12-06T05:07:09Z"
    fraction = moment.replace(microsecond=1500)
    assert json.loads(one(JsonTime(Value(fraction), zone="+00:00"))) == fraction.isoformat()
    assert one(EpochSeconds(Value(moment))) == int(moment.timestamp())
    with pytest.raises(ValueError):
        JsonTime("ts", zone="+08:00")


def test_rounding_as_python_rounds():
    assert one(RoundFloat(Value(2.5))) == round(2.5) == 2
    assert one(RoundFloat(Value(3.5))) == round(3.5) == 4
    assert one(Tenths(Value(12.25))) == round(12.25, 1)


def test_objects_features_literals_and_members():
    text = one(
        JsonObject(
            [("code", "code"), ("n", JsonNumber(Value(3))), ("k", JsonLiteral(["a", "it's"]))]
        )
    )
    assert text == '{"code":"FX","n":3,"k":["a","it\'s"]}'
    feature = json.loads(one(Feature("geom", [("code", "code")], JsonText("code"), precision=5)))
    assert feature == {
        "id": "FX",
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [108.12346, 21.5]},
        "properties": {"code": "FX"},
    }
    assert one(GeoJsonText("group__geom")) == "null"
    figures = json.dumps({"FX": {"score": 0.25}})
    assert one(JsonMember(figures, "code", "score")) == "0.25"
    assert one(JsonMember(figures, "code", "missing", '""')) == '""'
    with pytest.raises(ValueError):
        JsonObject([('a"b', "code")])
