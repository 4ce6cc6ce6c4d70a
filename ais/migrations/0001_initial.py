"""The AIS models move here from `ports` (the apps split): their tables stay as they are
(`ports_*`, made by ports' migrations 0002-0012), so this migration only tells Django's
state where they live now. Nothing in the database changes."""

import django.contrib.gis.db.models.fields
import django.contrib.postgres.fields
import django.db.models.deletion
import django.db.models.functions.datetime
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('ports', '0012_position_indexes_by_month'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='VesselPosition',
                    fields=[
                        ('geom', django.contrib.gis.db.models.fields.PointField(srid=4326)),
                        ('sog_kn', models.FloatField(null=True)),
                        ('cog_deg', models.FloatField(null=True)),
                        ('heading_deg', models.SmallIntegerField(null=True)),
                        ('nav_status', models.SmallIntegerField(null=True)),
                        ('msg_type', models.SmallIntegerField()),
                        ('source', models.CharField(blank=True, max_length=64)),
                        ('pk', models.CompositePrimaryKey('mmsi', 'ts', blank=True, editable=False, primary_key=True, serialize=False)),
                        ('mmsi', models.IntegerField()),
                        ('ts', models.DateTimeField()),
                    ],
                    options={
                        'db_table': 'ports_vesselposition',
                        'ordering': ['mmsi', 'ts'],
                        'managed': False,
                    },
                ),
                migrations.CreateModel(
                    name='AisIngestRun',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('started_at', models.DateTimeField()),
                        ('finished_at', models.DateTimeField(null=True)),
                        ('sources', models.TextField()),
                        ('file_sha256', models.CharField(blank=True, db_index=True, max_length=64)),
                        ('counts', models.JSONField(default=dict)),
                    ],
                    options={
                        'db_table': 'ports_aisingestrun',
                    },
                ),
                migrations.CreateModel(
                    name='AisSource',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('name', models.CharField(max_length=64, unique=True)),
                        ('last_message_at', models.DateTimeField(null=True)),
                        ('last_received_at', models.DateTimeField(null=True)),
                        ('positions', models.BigIntegerField(default=0)),
                        ('static_reports', models.BigIntegerField(default=0)),
                    ],
                    options={
                        'db_table': 'ports_aissource',
                    },
                ),
                migrations.CreateModel(
                    name='Vessel',
                    fields=[
                        ('mmsi', models.IntegerField(primary_key=True, serialize=False)),
                        ('imo', models.IntegerField(blank=True, null=True)),
                        ('name', models.CharField(blank=True, max_length=40)),
                        ('callsign', models.CharField(blank=True, max_length=12)),
                        ('ship_type', models.SmallIntegerField(blank=True, help_text='AIS ship type code', null=True)),
                        ('ais_class', models.CharField(blank=True, help_text='A or B', max_length=1)),
                        ('length_m', models.SmallIntegerField(blank=True, null=True)),
                        ('beam_m', models.SmallIntegerField(blank=True, null=True)),
                        ('draught_m', models.FloatField(blank=True, null=True)),
                        ('destination', models.CharField(blank=True, max_length=40)),
                        ('first_seen_at', models.DateTimeField()),
                        ('static_at', models.DateTimeField(blank=True, null=True)),
                    ],
                    options={
                        'db_table': 'ports_vessel',
                        'ordering': ['mmsi'],
                    },
                ),
                migrations.CreateModel(
                    name='PortCallRecompute',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('requested_at', models.DateTimeField(db_default=django.db.models.functions.datetime.Now())),
                        ('start_at', models.DateTimeField()),
                        ('end_at', models.DateTimeField()),
                        ('mmsis', django.contrib.postgres.fields.ArrayField(base_field=models.IntegerField(), size=None)),
                        ('west', models.FloatField()),
                        ('south', models.FloatField()),
                        ('east', models.FloatField()),
                        ('north', models.FloatField()),
                        ('positions', models.IntegerField(default=0)),
                        ('state', models.CharField(choices=[('pending', 'Pending'), ('running', 'Running'), ('done', 'Done'), ('failed', 'Failed')], default='pending', max_length=8)),
                        ('started_at', models.DateTimeField(blank=True, null=True)),
                        ('finished_at', models.DateTimeField(blank=True, null=True)),
                        ('detail', models.JSONField(blank=True, default=dict)),
                    ],
                    options={
                        'db_table': 'ports_portcallrecompute',
                        'ordering': ['-requested_at'],
                        'indexes': [models.Index(fields=['state', 'requested_at'], name='ports_portc_state_3cb3c8_idx')],
                    },
                ),
                migrations.CreateModel(
                    name='VesselLatest',
                    fields=[
                        ('geom', django.contrib.gis.db.models.fields.PointField(srid=4326)),
                        ('sog_kn', models.FloatField(null=True)),
                        ('cog_deg', models.FloatField(null=True)),
                        ('heading_deg', models.SmallIntegerField(null=True)),
                        ('nav_status', models.SmallIntegerField(null=True)),
                        ('msg_type', models.SmallIntegerField()),
                        ('source', models.CharField(blank=True, max_length=64)),
                        ('vessel', models.OneToOneField(db_column='mmsi', on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='latest', serialize=False, to='ais.vessel')),
                        ('ts', models.DateTimeField(db_index=True)),
                    ],
                    options={
                        'db_table': 'ports_vessellatest',
                    },
                ),
            ],
        ),
    ]
