from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [("ports", "0007_throughput_fill")]

    operations = [
        migrations.RemoveField(
            model_name='throughputreport',
            name='flow',
        ),
        migrations.AddConstraint(
            model_name='throughputreport',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('metric', 'teu'), ('unit', 'teu')), models.Q(('metric', 'tonnes'), ('unit', 'tonnes')), models.Q(('metric', 'trains'), ('unit', 'trains')), models.Q(('metric', 'rail_teu'), ('unit', 'teu')), models.Q(('metric', 'sailings'), ('unit', 'sailings')), _connector='OR'), name='throughput_unit_of_metric'),
        ),
        migrations.AddConstraint(
            model_name='throughputreport',
            constraint=models.UniqueConstraint(condition=models.Q(('current', True)), fields=('node', 'period_kind', 'period_start', 'period_end', 'metric', 'trade', 'direction', 'cargo_class', 'laden', 'reporting_entity', 'source'), name='one_current_figure_per_key'),
        ),
            migrations.AddConstraint(
            model_name='throughputreport',
            constraint=models.UniqueConstraint(condition=models.Q(('official', True)), fields=('node', 'period_kind', 'period_start', 'period_end', 'metric', 'trade', 'direction', 'cargo_class', 'laden', 'reporting_entity', 'source'), name='one_official_figure_per_key'),
        ),
    ]
