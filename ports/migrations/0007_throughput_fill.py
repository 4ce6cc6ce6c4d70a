from django.db import migrations


UNITS = {"teu": "teu", "tonnes": "tonnes", "trains": "trains", "rail_teu": "teu",
         "sailings": "sailings"}
DIRECTIONS = {"total": "total", "import": "in", "export": "out", "transit": "transshipment"}


def fill_breakdown(apps, schema_editor):
    """Existing figures: the unit of their metric, the direction their flow was, "all"
    cargo where none was named, seed channel; a superseded figure is not current; a current
    approved one (the published figures) is official."""
    Report = apps.get_model("ports", "ThroughputReport")
    for report in Report.objects.all():
        report.unit = UNITS[report.metric]
        report.direction = DIRECTIONS.get(report.flow, "total")
        report.cargo_class = report.cargo_class or "all"
        report.current = not Report.objects.filter(supersedes=report).exists()
        report.official = report.current and report.status == "approved"
        report.save(update_fields=["unit", "direction", "cargo_class", "current", "official"])


class Migration(migrations.Migration):

    dependencies = [("ports", "0006_throughput_reporting")]

    operations = [
        migrations.RunPython(fill_breakdown, migrations.RunPython.noop),
    ]
