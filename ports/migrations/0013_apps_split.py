"""The apps split: the AIS models (vessels, positions, sources, runs, recomputes) now live in
`ais`, the port-call models (rules, calls) in `portcalls`. Their tables stay (`ports_*`):
this migration removes them from ports' state only, and moves their content types (and so
every permission and admin log entry that points to them) to their new app. Nothing of the
data moves."""

from django.db import migrations

MOVED = {
    "ais": ["vessel", "vessellatest", "vesselposition", "aissource", "aisingestrun",
            "portcallrecompute"],
    "portcalls": ["detectionrule", "portcall"],
}


def move_content_types(apps, schema_editor, backwards=False):
    ContentType = apps.get_model("contenttypes", "ContentType")
    for app, models in MOVED.items():
        old, new = ("ports", app) if not backwards else (app, "ports")
        for model in models:
            if ContentType.objects.filter(app_label=new, model=model).exists():
                continue  # already there (made by a run of post_migrate): keep it
            ContentType.objects.filter(app_label=old, model=model).update(app_label=new)


def move_back(apps, schema_editor):
    move_content_types(apps, schema_editor, backwards=True)


class Migration(migrations.Migration):
    dependencies = [
        ("ports", "0012_position_indexes_by_month"),
        ("ais", "0001_initial"),
        ("portcalls", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(model_name="detectionrule", name="created_by"),
                migrations.RemoveField(model_name="detectionrule", name="node"),
                migrations.RemoveField(model_name="portcall", name="rule"),
                migrations.RemoveField(model_name="portcall", name="node"),
                migrations.RemoveField(model_name="portcall", name="vessel"),
                migrations.RemoveField(model_name="vessellatest", name="vessel"),
                migrations.DeleteModel(name="AisIngestRun"),
                migrations.DeleteModel(name="AisSource"),
                migrations.DeleteModel(name="PortCallRecompute"),
                migrations.DeleteModel(name="VesselPosition"),
                migrations.DeleteModel(name="PortCall"),
                migrations.DeleteModel(name="DetectionRule"),
                migrations.DeleteModel(name="Vessel"),
                migrations.DeleteModel(name="VesselLatest"),
            ],
        ),
        migrations.RunPython(move_content_types, move_back),
    ]
