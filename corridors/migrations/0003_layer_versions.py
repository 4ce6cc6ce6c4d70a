"""Version triggers on the tables map layers read (HTTP caching: core.layercache)."""

from django.db import migrations

from core.layercache import watch_sql

FORWARD, BACKWARD = watch_sql("corridors_route", "corridors_routesegment", "corridors_routemember")


class Migration(migrations.Migration):
    dependencies = [("corridors", "0002_origin"), ("core", "0001_initial")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
