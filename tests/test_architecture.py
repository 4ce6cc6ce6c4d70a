"""The house rules (issues 8 and 22), checked on the import graph: `core` and `geo` import
no other app; the domain apps stand on floors, each building only on lower ones: `ais`
(vessels, positions), then `portcalls` (made from positions), then `ports` (throughput
figures, checked against port calls), then `corridors` (which seeds them), `rail`, `alerts`
and `exports`; parsers and the pure algorithms import no Django (not even through another
module), and `dash_app` reaches data only through its gateway. The checker itself is tested
on a made-up tree, so it can fail."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
APPS = (
    "core",
    "geo",
    "corridors",
    "ais",
    "portcalls",
    "ports",
    "rail",
    "alerts",
    "exports",
    "accounts",
    "dash_app",
    "config",
)
# Modules that must not need Django: parsers, transports, the detector, the router...
PURE = (
    "core/geodesy.py",
    "core/ingest/",
    "geo/ingest/",
    "geo/searouting.py",
    "corridors/ingest/",
    "corridors/geometry.py",
    "ais/ingest/",
    "ais/geoparquet.py",
    "ais/demo/simulator.py",
    "ais/demo/feed.py",
    "portcalls/detection.py",
    "portcalls/archive.py",
    "ports/ingest/",
    "rail/ingest/",
    "rail/demo/simulator.py",
)


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path, root: Path) -> Iterator[str]:
    """Absolute names of the modules `path` imports (relative imports resolved)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module_name(path, root).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                prefix = ".".join(base + ([node.module] if node.module else []))
            else:
                prefix = node.module or ""
            yield prefix
            for alias in node.names:
                yield f"{prefix}.{alias.name}"


def project_modules(root: Path) -> dict[str, Path]:
    found = {}
    for app in APPS:
        for path in (root / app).rglob("*.py"):
            if "migrations" in path.parts or "tests" in path.parts:
                continue
            found[module_name(path, root)] = path
    return found


def violations(root: Path) -> list[str]:
    modules = project_modules(root)
    graph = {
        name: {m for m in imports_of(path, root) if m.split(".")[0] in {*APPS, "django"}}
        for name, path in modules.items()
    }
    problems = []
    for name, imported in graph.items():
        app = name.split(".")[0]
        apps = {m.split(".")[0] for m in imported} - {app, "django"}
        rel = str(modules[name].relative_to(root))
        if app == "core" and apps:
            problems.append(f"{rel}: core imports {sorted(apps)}")
        if app == "geo" and apps - {"core"}:
            problems.append(f"{rel}: geo imports {sorted(apps - {'core'})}")
        # Floors: an app may build on lower floors, never on a higher one.
        floors = {
            "ais": 0,
            "portcalls": 1,
            "ports": 2,
            "corridors": 3,
            "rail": 4,
            "alerts": 5,
            "exports": 6,
        }
        higher = sorted(a for a in apps if floors.get(a, -1) > floors.get(app, 99))
        if higher:
            problems.append(f"{rel}: {app} imports {higher}")
        if name.startswith("dash_app.pages.") and any(
            m.startswith("dash_app.pages.") for m in imported
        ):
            # Dash registers a page module under its own name: imported by another page it
            # is registered twice and every page fails ("duplicate paths").
            problems.append(f"{rel}: a page imports another page")
        if app == "dash_app" and name != "dash_app.gateway" and apps - {"core", "config"}:
            problems.append(f"{rel}: dash_app reaches {sorted(apps)} outside its gateway")
        if rel.startswith(PURE):
            # Django, directly or through any project module it imports.
            seen, todo = set(), [name]
            while todo:
                current = todo.pop()
                for m in graph.get(current, ()):
                    if m.split(".")[0] == "django":
                        problems.append(f"{rel}: imports Django (via {current})")
                        todo.clear()
                        break
                    target = next((t for t in (m, m.rsplit(".", 1)[0]) if t in graph), None)
                    if target and target not in seen:
                        seen.add(target)
                        todo.append(target)
    return sorted(set(problems))


def test_the_house_rules_hold():
    assert violations(ROOT) == []


def test_the_checker_finds_each_kind_of_violation(tmp_path):
    files = {
        "core/__init__.py": "from geo import models\n",
        "geo/__init__.py": "",
        "geo/models.py": "from ports.models import Vessel\n",
        "ports/__init__.py": "",
        "ports/models.py": "",
        "ports/services.py": "from corridors import models\n",
        "ais/__init__.py": "",
        "ais/models.py": "from portcalls.models import PortCall\n",
        "portcalls/__init__.py": "",
        "portcalls/models.py": "from ais.models import Vessel\n",
        "ports/ingest/__init__.py": "",
        "ports/ingest/parse.py": "from ..helpers import x\n",
        "ports/helpers.py": "from django.db import models\n",
        "corridors/__init__.py": "",
        "corridors/models.py": "",
        "dash_app/__init__.py": "",
        "dash_app/gateway.py": "from ports.models import Vessel\n",
        "dash_app/pages.py": "from geo.models import Node\n",
    }
    for rel, text in files.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    found = violations(tmp_path)
    assert any(p.startswith("core/__init__.py: core imports") for p in found)
    assert any(p.startswith("geo/models.py: geo imports") for p in found)
    assert any(p.startswith("ports/services.py: ports imports ['corridors']") for p in found)
    assert any(p.startswith("ais/models.py: ais imports ['portcalls']") for p in found)
    assert not any(p.startswith("portcalls/models.py") for p in found)
    assert any(p.startswith("ports/ingest/parse.py: imports Django") for p in found)
    assert any(p.startswith("dash_app/pages.py: dash_app reaches") for p in found)
    assert not any(p.startswith("dash_app/gateway.py") for p in found)


# Rules that stand once (issue 22): the pattern of each rule's definition, and the one file
# that may hold it. Another file matching it defines the rule a second time.
RULES = {
    "period arithmetic": (
        r"\* 12 \+|// 12\b|% 12\b|month == 12|replace\(day=28\)",
        "core/periods.py",
    ),
    "the MMSI check": (r"999_999_999", "core/mmsi.py"),
    "mode colours": (r'"rail": "#', "corridors/choices.py"),
    "names by language": (r'startswith\(\s*"zh"\s*\)|name_zh if ', "core/names.py"),
    "the container-ship filter": (
        r"ship_type__gte=70|70 <= ship_type|\(70, 79\)",
        "ais/choices.py",
    ),
}


def rules_twice(root: Path) -> list[str]:
    import re

    problems = []
    for name, (pattern, home) in RULES.items():
        for path in project_modules(root).values():
            rel = str(path.relative_to(root))
            if rel != home and re.search(pattern, path.read_text(encoding="utf-8")):
                problems.append(f"{rel}: defines {name} again (its home: {home})")
    return problems


def test_no_rule_stands_twice():
    assert rules_twice(ROOT) == []


def test_the_rule_checker_finds_a_second_definition(tmp_path):
    (tmp_path / "core").mkdir()
    (tmp_path / "core" / "periods.py").write_text("i = d.year * 12 + d.month - 1\n")
    (tmp_path / "geo").mkdir()
    (tmp_path / "geo" / "views.py").write_text("last = d.replace(day=28)\n")
    found = rules_twice(tmp_path)
    assert found == ["geo/views.py: defines period arithmetic again (its home: core/periods.py)"]


def foreign_tables_named(root: Path) -> list[str]:
    """Modules naming another app's table in their text (SQL strings): a table is named
    by its model (`Model._meta.db_table`), so the import graph sees the arrow."""
    import re

    from django.apps import apps

    owners: dict[str, str] = {}
    for model in apps.get_models(include_auto_created=True):
        if model._meta.app_label in APPS:
            owners[model._meta.db_table] = model._meta.app_label
    problems = []
    for name, path in project_modules(root).items():
        app = name.split(".")[0]
        text = path.read_text(encoding="utf-8")
        for table, owner in owners.items():
            if owner != app and re.search(rf"\b{re.escape(table)}\b", text):
                problems.append(f"{path.relative_to(root)}: names {owner}'s table {table}")
    return sorted(problems)


def test_no_table_of_another_app_is_named_in_text():
    assert foreign_tables_named(ROOT) == []


def test_the_table_checker_finds_a_named_table(tmp_path):
    (tmp_path / "geo").mkdir()
    (tmp_path / "geo" / "views.py").write_text('TABLES = ("geo_node", "ports_throughputreport")\n')
    assert foreign_tables_named(tmp_path) == [
        "geo/views.py: names ports's table ports_throughputreport"
    ]
