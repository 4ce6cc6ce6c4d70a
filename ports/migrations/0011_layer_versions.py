"""Version triggers on the tables map layers read (HTTP caching: core.layercache)."""

from django.db import migrations

from core.layercache import watch_sql

FORWARD, BACKWARD = watch_sql("ports_throughputreport")


class Migration(migrations.Migration):
    dependencies = [("ports", "0010_upload_content"), ("core", "0001_initial")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
