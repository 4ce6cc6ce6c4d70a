"""Spatial SQL as ORM expressions (used by querysets and services)."""

from django.db.models import FloatField, Func


class StX(Func):
    """Longitude (x) of a Point, degrees."""

    function = "ST_X"
    output_field = FloatField()


class StY(Func):
    """Latitude (y) of a Point, degrees."""

    function = "ST_Y"
    output_field = FloatField()
