"""Positions' indexes by the month's state (see ports.partitions): no spatial index on the
open month's insert path, a GiST index on (ts, geom) for each closed month, BRIN on ts
summarised as it fills."""

from django.contrib.postgres.operations import BtreeGistExtension
from django.db import migrations

from ports.partitions import CLOSE_AFTER, closed_months_without_index, spatial_index_sql

FORWARD = """
DROP INDEX IF EXISTS ports_vesselposition_geom_gist;
DROP INDEX IF EXISTS ports_vesselposition_ts_brin;
CREATE INDEX ports_vesselposition_ts_brin ON ports_vesselposition USING brin (ts)
    WITH (pages_per_range = 32, autosummarize = on);
"""
BACKWARD = """
DROP INDEX IF EXISTS ports_vesselposition_ts_brin;
CREATE INDEX ports_vesselposition_ts_brin ON ports_vesselposition USING brin (ts);
CREATE INDEX ports_vesselposition_geom_gist ON ports_vesselposition USING gist (geom);
"""


def index_closed(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT now()")
        now = cursor.fetchone()[0]
        for name in closed_months_without_index(cursor, now, CLOSE_AFTER):
            cursor.execute(spatial_index_sql(name, concurrently=False))


def drop_closed(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexrelid::regclass::text FROM pg_index x JOIN pg_inherits i "
            "ON i.inhrelid = x.indrelid WHERE i.inhparent = 'ports_vesselposition'::regclass "
            "AND x.indexrelid::regclass::text LIKE '%%_ts_geom'"
        )
        for (name,) in cursor.fetchall():
            cursor.execute(f"DROP INDEX {name}")


class Migration(migrations.Migration):
    dependencies = [("ports", "0011_layer_versions")]

    operations = [
        BtreeGistExtension(),
        migrations.RunPython(drop_closed, index_closed),
        migrations.RunSQL(FORWARD, BACKWARD),
        migrations.RunPython(index_closed, drop_closed),
    ]
