"""manage.py column_profile: the saved column mappings that let a CSV export of another
system load as it comes.

  column_profile list [--kind ais]
  column_profile show NAME [--kind ais]
  column_profile save NAME FILE.json [--kind ais] [--label TEXT]
  column_profile delete NAME [--kind ais]

FILE.json (AIS): {"columns": {"mmsi": "MMSI", "time": "时间", "lon": "经度", "lat": "纬度",
"sog": "航速", ...}, "time_format": "%Y-%m-%d %H:%M:%S", "utc_offset_h": 8,
"sog_unit": "kn"}. A mapping is checked before it is saved; each problem names its key.
"""

import json
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from core.models import ColumnProfile


class Command(BaseCommand):
    help = "List, show, save or delete saved column mappings (CSV profiles)."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["list", "show", "save", "delete"])
        parser.add_argument("name", nargs="?")
        parser.add_argument("file", nargs="?", type=Path)
        parser.add_argument("--kind", default="ais", choices=ColumnProfile.Kind.values)
        parser.add_argument("--label", default="")

    def handle(self, *args, **o):
        kind, name = o["kind"], o["name"]
        if o["action"] == "list":
            for p in ColumnProfile.objects.filter(kind=kind).order_by("name"):
                self.stdout.write(f"{p.name}\t{p.label}\t{', '.join(p.mapping.get('columns', {}))}")
            return
        if not name:
            raise CommandError("a profile name is needed")
        if o["action"] == "show":
            p = ColumnProfile.objects.filter(kind=kind, name=name).first()
            if p is None:
                raise CommandError(f"no {kind} profile {name!r}")
            self.stdout.write(json.dumps(p.mapping, ensure_ascii=False, indent=2))
            return
        if o["action"] == "delete":
            deleted, _ = ColumnProfile.objects.filter(kind=kind, name=name).delete()
            self.stdout.write(f"column_profile: {deleted} deleted")
            return
        if o["file"] is None:
            raise CommandError("save NAME FILE.json: the mapping's file is needed")
        try:
            mapping = json.loads(o["file"].read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise CommandError(f"{o['file']}: {exc}") from exc
        profile = ColumnProfile.objects.filter(kind=kind, name=name).first() or ColumnProfile(
            kind=kind, name=name
        )
        profile.mapping, profile.label = mapping, o["label"] or profile.label
        try:
            profile.full_clean()
        except ValidationError as exc:
            problems = [m for msgs in exc.message_dict.values() for m in msgs]
            raise CommandError("; ".join(problems)) from exc
        profile.save()
        self.stdout.write(f"column_profile: {kind} profile {name!r} saved")
