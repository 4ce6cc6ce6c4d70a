"""The port-call models move here from `ports` (the apps split): their tables stay as they
are (`ports_detectionrule`, `ports_portcall`), so this migration only tells Django's state
where they live now. Nothing in the database changes."""

import django.core.validators
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('ais', '0001_initial'),
        ('geo', '0005_layer_versions'),
        ('ports', '0012_position_indexes_by_month'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='DetectionRule',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('origin', models.CharField(choices=[('seed', 'Seed data'), ('user', 'User edit')], default='user', editable=False, max_length=4)),
                        ('version', models.PositiveIntegerField(default=1)),
                        ('speed_kn', models.FloatField(default=1.0, validators=[django.core.validators.MinValueValidator(0.0), django.core.validators.MaxValueValidator(30.0)])),
                        ('min_stay_s', models.PositiveIntegerField(default=1800, validators=[django.core.validators.MaxValueValidator(604800)])),
                        ('gap_timeout_s', models.PositiveIntegerField(default=21600, validators=[django.core.validators.MinValueValidator(60), django.core.validators.MaxValueValidator(604800)])),
                        ('exit_hysteresis_m', models.PositiveIntegerField(default=1000, validators=[django.core.validators.MaxValueValidator(50000)])),
                        ('note', models.TextField(blank=True)),
                        ('valid_from', models.DateTimeField()),
                        ('valid_to', models.DateTimeField(blank=True, null=True)),
                        ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, to=settings.AUTH_USER_MODEL)),
                        ('node', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='detection_rules', to='geo.node')),
                    ],
                    options={
                        'db_table': 'ports_detectionrule',
                        'ordering': ['node__code', '-version'],
                    },
                ),
                migrations.CreateModel(
                    name='PortCall',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('stable_id', models.CharField(max_length=16, unique=True)),
                        ('arrival_at', models.DateTimeField()),
                        ('departure_at', models.DateTimeField(blank=True, null=True)),
                        ('berth_start_at', models.DateTimeField(blank=True, null=True)),
                        ('berth_end_at', models.DateTimeField(blank=True, null=True)),
                        ('anchorage_start_at', models.DateTimeField(blank=True, null=True)),
                        ('anchorage_end_at', models.DateTimeField(blank=True, null=True)),
                        ('anchorage_wait_s', models.FloatField(blank=True, null=True)),
                        ('detected_at', models.DateTimeField(auto_now=True)),
                        ('node', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='port_calls', to='geo.node')),
                        ('rule', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='calls', to='portcalls.detectionrule')),
                        ('vessel', models.ForeignKey(db_column='mmsi', db_constraint=False, on_delete=django.db.models.deletion.CASCADE, related_name='port_calls', to='ais.vessel')),
                    ],
                    options={
                        'db_table': 'ports_portcall',
                        'ordering': ['node__code', '-arrival_at'],
                    },
                ),
                migrations.AddConstraint(
                    model_name='detectionrule',
                    constraint=models.UniqueConstraint(fields=('node', 'version'), name='rule_version_unique'),
                ),
                migrations.AddConstraint(
                    model_name='detectionrule',
                    constraint=models.UniqueConstraint(condition=models.Q(('valid_to__isnull', True)), fields=('node',), name='one_current_rule'),
                ),
                migrations.AddConstraint(
                    model_name='detectionrule',
                    constraint=models.CheckConstraint(condition=models.Q(('speed_kn__gte', 0.0), ('speed_kn__lte', 30.0)), name='rule_speed_kn_range'),
                ),
                migrations.AddConstraint(
                    model_name='detectionrule',
                    constraint=models.CheckConstraint(condition=models.Q(('min_stay_s__gte', 0), ('min_stay_s__lte', 604800)), name='rule_min_stay_s_range'),
                ),
                migrations.AddConstraint(
                    model_name='detectionrule',
                    constraint=models.CheckConstraint(condition=models.Q(('gap_timeout_s__gte', 60), ('gap_timeout_s__lte', 604800)), name='rule_gap_timeout_s_range'),
                ),
                migrations.AddConstraint(
                    model_name='detectionrule',
                    constraint=models.CheckConstraint(condition=models.Q(('exit_hysteresis_m__gte', 0), ('exit_hysteresis_m__lte', 50000)), name='rule_exit_hysteresis_m_range'),
                ),
                migrations.AddIndex(
                    model_name='portcall',
                    index=models.Index(fields=['node', 'arrival_at'], name='ports_portc_node_id_246225_idx'),
                ),
            ],
        ),
    ]
