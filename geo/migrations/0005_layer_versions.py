"""Version triggers on the tables map layers read (HTTP caching: core.layercache)."""

from django.db import migrations

from core.layercache import watch_sql

FORWARD, BACKWARD = watch_sql("geo_node", "geo_nodeservice", "geo_digitalservicecategory", "geo_geofence", "geo_serviceevidence")


class Migration(migrations.Migration):
    dependencies = [("geo", "0004_service_evidence"), ("core", "0001_initial")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
