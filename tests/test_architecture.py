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
    "ogc",
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
            "ogc": 7,
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
        in_gateway = name == "dash_app.gateway" or name.startswith("dash_app.gateway.")
        if app == "dash_app" and not in_gateway and apps - {"core", "config"}:
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


# -- the gateway only maps (issue 22) ---------------------------------------------------------
# Calls that build or run a query: the gateway leaves them to the services.
QUERY_CALLS = {
    "objects", "filter", "exclude", "order_by", "select_related", "prefetch_related",
    "annotate", "aggregate", "values_list", "only", "defer", "distinct", "exists", "raw",
    "extra", "cursor", "execute", "bulk_create", "get_or_create", "update_or_create", "using",
    "first", "last", "earliest", "latest", "in_bulk", "iterator", "select_for_update",
}  # fmt: skip


def _type_checking_only(tree: ast.AST) -> set[int]:
    """Line numbers of imports under `if TYPE_CHECKING:` (types, never run)."""
    lines = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and getattr(node.test, "id", "") == "TYPE_CHECKING":
            for inner in node.body:
                lines.add(inner.lineno)
    return lines


def gateway_queries(root: Path) -> list[str]:
    """Places where the gateway package would read data itself: a model or the database
    imported (types only under TYPE_CHECKING excepted), a manager reached, a query built."""
    problems = []
    for path in sorted((root / "dash_app" / "gateway").rglob("*.py")):
        rel = str(path.relative_to(root))
        tree = ast.parse(path.read_text(encoding="utf-8"))
        typing_only = _type_checking_only(tree)
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom | ast.Import) and node.lineno not in typing_only:
                names = [node.module or ""] if isinstance(node, ast.ImportFrom) else []
                names += [a.name for a in node.names]
                if any(n.endswith(".models") or n in ("models", "django.db") for n in names):
                    problems.append(f"{rel}:{node.lineno}: imports a model or the database")
            elif isinstance(node, ast.Attribute) and node.attr == "objects":
                problems.append(f"{rel}:{node.lineno}: reaches a manager")
            elif (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in QUERY_CALLS
            ):
                problems.append(f"{rel}:{node.lineno}: builds a query (.{node.func.attr})")
    return sorted(problems)


def test_the_gateway_builds_no_query():
    assert gateway_queries(ROOT) == []


def test_the_query_checker_finds_each_kind(tmp_path):
    package = tmp_path / "dash_app" / "gateway"
    package.mkdir(parents=True)
    (package / "nodes.py").write_text(
        "from typing import TYPE_CHECKING\n"
        "from geo.models import Node\n"
        "if TYPE_CHECKING:\n"
        "    from exports.models import ExportJob\n"
        "def a():\n"
        "    return Node.objects.all()\n"
        "def b(qs):\n"
        "    return qs.filter(code='x')\n"
    )
    assert gateway_queries(tmp_path) == [
        "dash_app/gateway/nodes.py:2: imports a model or the database",
        "dash_app/gateway/nodes.py:6: reaches a manager",
        "dash_app/gateway/nodes.py:8: builds a query (.filter)",
    ]


# Each gateway function that reads data, the service it calls, and the API views or exports
# that call the same service: a page and the API can then not tell two stories.
PAIRS: dict[str, tuple[str, tuple[str, ...]]] = {
    "route_options": ("corridors.services.routes:routes", ("corridors/api/views.py",)),
    "node_options": ("geo.services.nodes:nodes", ("geo/api/views.py",)),
    "node_position": ("geo.services.nodes:find_node", ("ports/api/views.py",)),
    "corridor_bounds": ("geo.services.nodes:nodes_extent", ("exports/services/report.py",)),
    "basemap_urls": ("geo.services.basemap:shown_layers", ("exports/services/report.py",)),
    "tile_layers": ("geo.services.tiles:tile_sources", ("exports/services/report.py",)),
    "map_crs": ("geo.services.tiles:map_crs", ("exports/services/report.py",)),
    "map_approval": ("geo.services.tiles:approval_text", ("exports/services/report.py",)),
    "map_nodes": ("ports.services.totals:latest_year", ("exports/services/layers.py",)),
    "coverage_gap_layer": (
        "corridors.services.coverage:compute_route_coverage",
        ("corridors/api/views.py", "exports/services/report.py"),
    ),
    "node_detail": ("geo.services.coverage:compute_coverage", ("geo/api/views.py",)),
    "node_throughput": ("ports.services.throughput:monthly_series", ("ports/api/views.py",)),
    "coverage_history": ("geo.services.coverage:coverage_history", ("geo/api/views.py",)),
    "node_evidence": ("geo.services.coverage:node_evidence", ("geo/api/views.py",)),
    "coverage_trend": ("corridors.services.coverage:coverage_trend", ("corridors/api/views.py",)),
    "coverage_matrix": (
        "geo.services.coverage:compute_coverage",
        ("corridors/api/views.py", "exports/services/layers.py"),
    ),
    "coverage_colour": ("geo.services.coverage:coverage_hex", ("exports/services/layers.py",)),
    "headline": ("exports.services.figures:headline", ("exports/api/views.py",)),
    "live_vessel_status": ("ais.services.layers:vessels_seen", ("ais/api/views.py",)),
    "vessel_detail": ("ais.services.vessels:find_vessel", ("ais/api/views.py",)),
    "vessel_options": ("ais.services.vessels:search_vessels", ("ais/api/views.py",)),
    "vessel_position": ("ais.services.vessels:find_vessel", ("ais/api/views.py",)),
    "vessel_track_line": ("ais.services.layers:track_json", ("ais/api/views.py",)),
    "port_page": ("portcalls.services.metrics:guarded_port_metrics", ("portcalls/api/views.py",)),
    "port_call_table": ("portcalls.services.calls:calls_arriving", ("portcalls/api/views.py",)),
    "port_sensitivity": (
        "portcalls.services.metrics:guarded_sensitivity",
        ("portcalls/api/views.py",),
    ),
    "port_transfer": ("rail.services.transfer:guarded_port_transfer", ("rail/api/views.py",)),
    "live_trains": ("rail.services.live:live_trains", ("rail/api/views.py",)),
    "train_detail": ("rail.services.trains:find_train", ("rail/api/views.py",)),
    "route_kpis": (
        "rail.services.kpis:route_kpis",
        ("rail/api/views.py", "exports/services/layers.py"),
    ),
    "rail_routes": ("rail.services.trains:routes_with_trains", ("exports/services/layers.py",)),
    "live_alerts": ("alerts.services.listing:alerts", ("alerts/api/views.py",)),
    "change_alerts": ("alerts.services.checks:set_states", ("alerts/api/views.py",)),
    "export_layer_options": ("exports.services.layers:LAYERS", ("exports/api/views.py",)),
    "request_export": ("exports.services.jobs:start_job", ("exports/api/views.py",)),
    "user_exports": ("exports.services.jobs:user_jobs", ("exports/api/views.py",)),
    "export_status": ("exports.services.jobs:user_job", ("exports/api/views.py",)),
    "rerun_export": ("exports.services.jobs:rerun_job", ("exports/api/views.py",)),
    "cancel_export": ("exports.services.jobs:cancel_job", ("exports/api/views.py",)),
    "report_period": ("exports.services.figures:default_period", ("exports/api/views.py",)),
    "default_period": ("exports.services.figures:default_period", ("exports/api/views.py",)),
    "default_period_months": (
        "exports.services.figures:default_period",
        ("exports/api/views.py",),
    ),
    "period_presets": (
        "exports.services.figures:default_period",
        ("exports/api/views.py", "exports/services/jobs.py"),
    ),
}
# Gateway functions that read no data: names, colours, URLs, ids, the period slider.
FORMATTERS = {
    "localized",
    "ship_type_label",
    "nav_status_label",
    "segments_url",
    "fences_url",
    "live_vessels_url",
    "density_layer",
    "parse_id",
    "month_range",
    "total_view",
    "alert_groups",
    "alert_kind_options",
    "may_change_alerts",
}


def _service_names(path: Path, root: Path) -> dict[str, str]:
    """Names a module binds to services (module aliases and functions): name -> module."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module_name(path, root).split(".")[:-1]
    bound = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join([*package[: len(package) - node.level + 1], base])
            for alias in node.names:
                full = f"{base}.{alias.name}"
                if ".services" in full:
                    bound[alias.asname or alias.name] = full
    return bound


def _uses(path: Path, root: Path, target: str, body: list[ast.stmt] | None = None) -> bool:
    """Whether `path` (or only `body` of it) calls or reads `module:name`."""
    module, name = target.split(":")
    bound = _service_names(path, root)
    nodes = body if body is not None else [ast.parse(path.read_text(encoding="utf-8"))]
    for top in nodes:
        for node in ast.walk(top):
            if isinstance(node, ast.Name) and bound.get(node.id) == f"{module}.{name}":
                return True
            if (
                isinstance(node, ast.Attribute)
                and node.attr == name
                and isinstance(node.value, ast.Name)
                and bound.get(node.value.id) == module
            ):
                return True
    return False


def gateway_functions(root: Path) -> dict[str, tuple[Path, ast.FunctionDef]]:
    found = {}
    for path in sorted((root / "dash_app" / "gateway").glob("*.py")):
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.FunctionDef) and not node.name.startswith("_"):
                found[node.name] = (path, node)
    return found


def unpaired_gateway_functions(
    root: Path, pairs: dict[str, tuple[str, tuple[str, ...]]] = PAIRS
) -> list[str]:
    problems = []
    functions = gateway_functions(root)
    for name, (path, fn) in functions.items():
        reads = any(
            isinstance(n, ast.Name | ast.Attribute)
            and (getattr(n, "id", None) or getattr(getattr(n, "value", None), "id", None))
            in _service_names(path, root)
            for statement in fn.body
            for n in ast.walk(statement)
        )
        if name in FORMATTERS:
            if reads:
                problems.append(f"{name}: listed as reading no data, but calls a service")
            continue
        if name not in pairs:
            problems.append(f"{name}: reads data without a listed service and API pair")
            continue
        service, surfaces = pairs[name]
        if not _uses(path, root, service, fn.body):
            problems.append(f"{name}: does not call {service}")
        for surface in surfaces:
            if not _uses(root / surface, root, service):
                problems.append(f"{name}: {surface} does not call {service}")
    problems += [
        f"{name}: listed but not in the gateway" for name in PAIRS if name not in functions
    ]
    return problems


def test_each_gateway_function_shares_its_service_with_the_api_or_an_export():
    assert unpaired_gateway_functions(ROOT) == []


def test_the_pair_checker_finds_an_unshared_service(tmp_path):
    package = tmp_path / "dash_app" / "gateway"
    package.mkdir(parents=True)
    (package / "nodes.py").write_text(
        "from geo.services.nodes import find_node\n"
        "def node_position(code):\n"
        "    return find_node(code)\n"
        "def new_thing(code):\n"
        "    return find_node(code)\n"
    )
    (tmp_path / "ports" / "api").mkdir(parents=True)
    (tmp_path / "ports" / "api" / "views.py").write_text("from geo.models import Node\n")
    found = unpaired_gateway_functions(tmp_path, {"node_position": PAIRS["node_position"]})
    assert "new_thing: reads data without a listed service and API pair" in found
    assert "node_position: ports/api/views.py does not call geo.services.nodes:find_node" in found


# -- SQL in its place (issue 22) ----------------------------------------------------------------
# The modules that may run SQL text: each app's database module and querysets, the core
# helpers that speak to PostgreSQL itself (table versions, locks and timeouts, backups), the
# health check, the Django-free AIS store (it runs the statements ais.db hands it) and the
# GeoParquet reader (DuckDB). Layers are ORM expressions (core.functions, core.geojson).
SQL_HOMES = {
    "ais/db.py",
    "ais/querysets.py",
    "ais/ingest/store.py",
    "ais/geoparquet.py",
    "rail/querysets.py",
    "audit/db.py",
    "ogc/db.py",
    "core/layercache.py",
    "core/limits.py",
    "core/replica.py",
    "core/backup.py",
    "config/views.py",
}


def sql_runners(root: Path) -> set[str]:
    """Modules (no tests, no migrations) that run SQL text: a cursor or `.execute(`."""
    import re

    found = set()
    for path in project_modules(root).values():
        text = path.read_text(encoding="utf-8")
        if re.search(r"\.execute\(|\bcursor\(\)|chunked_cursor\(|RawSQL\(|\.raw\(", text):
            found.add(str(path.relative_to(root)))
    return found


def test_sql_text_runs_only_in_its_homes():
    assert sql_runners(ROOT) - SQL_HOMES == set()


def test_the_sql_checker_finds_a_cursor(tmp_path):
    (tmp_path / "exports" / "services").mkdir(parents=True)
    (tmp_path / "exports" / "services" / "layers.py").write_text(
        "with connection.cursor() as c:\n    c.execute('SELECT 1')\n"
    )
    assert sql_runners(tmp_path) == {"exports/services/layers.py"}
