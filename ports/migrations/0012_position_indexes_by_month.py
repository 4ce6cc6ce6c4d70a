"""Positions' indexes by the month's state (see ais.partitions): no spatial index on the
open month's insert path, BRIN on ts summarised as it fills. Closed months get their GiST
index on (ts, geom) from `manage.py index_positions`, built concurrently (run by `make run`
at start and hourly): this migration stays quick on a database with years of positions,
and nothing is locked while the indexes are built."""

from django.contrib.postgres.operations import BtreeGistExtension
from django.db import migrations

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


def drop_month_indexes(apps, schema_editor):
    """Backward: the closed months' own indexes go (the parent's GiST comes back)."""
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
        migrations.RunPython(migrations.RunPython.noop, drop_month_indexes),
        migrations.RunSQL(FORWARD, BACKWARD),
    ]
