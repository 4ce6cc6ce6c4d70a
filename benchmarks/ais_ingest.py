"""AIS ingest benchmark: pyais decode-only vs our end-to-end ingest on the same file.

    .venv/bin/python benchmarks/ais_ingest.py [--messages 1000000] [--runs 3] [--workers N]

Generates (once, cached in .var/bench/) a simulator feed of about --messages lines (tag
blocks, multi-part static messages, noise), then on that file:
1. pyais decode-only on one core: FileReaderStream + decode() of every message;
2. our ingest end to end: `manage.py ingest_ais FILE --force` in a subprocess against a
   scratch database `<name>_bench` on the same server (decode, COPY into the monthly
   partitions, latest positions, vessels), positions tables emptied before each run.
Prints both rates, their ratio and the ingester's peak memory (all its processes), with the
median of --runs runs. Then a decoded archive: the same positions written as a NOAA
MarineCadastre CSV of --csv-rows rows (cached too), ingested end to end the same way: rows
per second and the ratio to the NMEA file's messages per second.
Figures, not assertions: nothing here fails on a slow machine.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def generate(path: Path, messages: int, seed: int) -> None:
    from ais.demo.simulator import Simulator, load_lanes

    sim = Simulator(load_lanes(ROOT / "data/gis/sea_lanes.geojson"), seed=seed)
    start = 1_764_115_200.0
    plan = sim.plan(start, 48 * 3600, arrivals_per_hour=60, initial=1500)
    tmp = path.with_suffix(".tmp")
    written = 0
    with tmp.open("w") as fh:
        for _, line in sim.sentences(plan, start, start + 48 * 3600):
            fh.write(line + "\n")
            written += 1
            if written >= messages:
                break
    tmp.rename(path)


def pyais_decode_only(path: Path) -> tuple[int, float]:
    from pyais.stream import FileReaderStream

    started = time.perf_counter()
    decoded = 0
    for msg in FileReaderStream(str(path)):
        try:
            msg.decode()
            decoded += 1
        except Exception:
            pass
    return decoded, time.perf_counter() - started


def our_decode_only(path: Path) -> tuple[list, list, float]:
    """Our decoder alone, one process: the file's lines to positions and static reports
    (tag-block times, multi-part assembly, MMSI checks), nothing stored."""
    from ais.ingest.ais import AisDecoder

    decoder = AisDecoder("BENCH")
    positions: list = []
    statics: list = []
    started = time.perf_counter()
    with path.open("rb") as fh:
        while block := fh.readlines(1 << 20):
            decoder.decode_into(block, time.time(), positions, statics)
    decoder.close()
    return positions, statics, time.perf_counter() - started


def store_only(positions: list, statics: list, database_url: str, rows: int = 5000) -> float:
    """The store alone: pre-decoded reports written in batches of `rows` (the pipeline's
    batch) through `PositionStore.write_batch` into the emptied tables, one process (Django
    set up only for the statements, which name the tables through their models)."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    from ais.db import position_store
    from ais.ingest.batch import Batch

    conninfo = database_url.replace("postgis://", "postgresql://")
    empty_tables(conninfo)
    store = position_store(conninfo)
    started = time.perf_counter()
    batches = max(1, -(-len(positions) // rows))
    for k in range(batches):  # the static reports spread over the batches as they came
        batch = Batch(
            positions=positions[k * rows : (k + 1) * rows],
            statics=statics[k * len(statics) // batches : (k + 1) * len(statics) // batches],
        )
        store.write_batch(batch, flush_latest=k == batches - 1)
    elapsed = time.perf_counter() - started
    store.close()
    return elapsed


def empty_tables(conninfo: str) -> None:
    """Empty the AIS tables and drop the positions' month partitions: the writers create
    them as a live feed does, so every run fills an open month's partition (no spatial
    index, see ais.partitions), whatever month the benchmark file's times fall in; then a
    checkpoint when the role may."""
    import psycopg

    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(
            "TRUNCATE ports_vesselposition, ports_vessellatest, ports_vessel, "
            "ports_aissource, ports_aisingestrun, ports_portcallrecompute CASCADE"
        )
        months = conn.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = 'ports_vesselposition'::regclass"
        ).fetchall()
        for (name,) in months:
            conn.execute(f'DROP TABLE "{name}"')
        # Every run starts from a checkpoint: none falls due in the middle of one because
        # of the WAL the previous run wrote (full-page writes after it cost every run alike).
        with contextlib.suppress(psycopg.errors.InsufficientPrivilege):
            conn.execute("CHECKPOINT")


def tree_pss_kb(pid: int) -> int:
    """Proportional set size of a process and all its descendants (kB, from /proc): pages
    shared by forked workers are counted once, unlike a sum of RSS."""
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            rollup = Path(f"/proc/{p}/smaps_rollup").read_text()
            total += int(next(x for x in rollup.splitlines() if x.startswith("Pss:")).split()[1])
            for task in Path(f"/proc/{p}/task").iterdir():
                todo.extend(int(c) for c in (task / "children").read_text().split())
        except (FileNotFoundError, StopIteration, ProcessLookupError):
            continue
    return total


def bench_database_url() -> str:
    import dj_database_url
    import psycopg

    base = os.environ.get("DATABASE_URL") or (ROOT / ".var/database_url").read_text().strip()
    cfg = dj_database_url.parse(base)
    name = f"{cfg['NAME']}_bench"
    admin = psycopg.connect(
        host=cfg["HOST"],
        port=cfg["PORT"],
        user=cfg["USER"],
        password=cfg["PASSWORD"],
        dbname="postgres",
        autocommit=True,
    )
    if not admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
        admin.execute(f'CREATE DATABASE "{name}"')
    admin.close()
    return base.rsplit("/", 1)[0] + "/" + name


def seeded_bench_django() -> None:
    """Point this process at the scratch database, migrate and seed it, set Django up (the
    set-up of the benchmarks that call the services in-process)."""
    os.environ["DATABASE_URL"] = bench_database_url()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    for step in (["migrate", "-v0"], ["load_corridor"]):
        subprocess.run(
            [sys.executable, "manage.py", *step], cwd=ROOT, check=True, capture_output=True
        )
    import django

    django.setup()


def seed_live_vessels(count: int, source: str) -> None:
    """`count` live vessels (a newest position now) spread over the Beibu Gulf and beyond."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM ports_vessellatest WHERE source = %s", [source])
        cursor.execute(
            """
            INSERT INTO ports_vessel (mmsi, name, callsign, ship_type, first_seen_at, destination,
                                      ais_class, imo)
            SELECT 414000000 + i, 'BENCH ' || i, '', 70, now(), '', 'A', NULL
            FROM generate_series(1, %s) AS i ON CONFLICT (mmsi) DO NOTHING
            """,
            [count],
        )
        cursor.execute(
            """
            INSERT INTO ports_vessellatest (mmsi, ts, geom, sog_kn, cog_deg, msg_type, source)
            SELECT 414000000 + i, now(),
                   ST_SetSRID(ST_MakePoint(104 + (i %% 97) * 0.1, 4 + (i %% 89) * 0.2), 4326),
                   8 + i %% 5, (i * 7) %% 360, 1, %s
            FROM generate_series(1, %s) AS i
            ON CONFLICT (mmsi) DO UPDATE SET ts = now(), source = EXCLUDED.source
            """,
            [source, count],
        )


def ingest_once(path: Path, env: dict, workers: int | None) -> tuple[float, int, str]:
    empty_tables(env["DATABASE_URL"].replace("postgis://", "postgresql://"))
    cmd = [sys.executable, "manage.py", "ingest_ais", str(path), "--force", "--no-progress"]
    if workers:
        cmd += ["--workers", str(workers)]
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
    peak = 0
    while proc.poll() is None:
        peak = max(peak, tree_pss_kb(proc.pid))
        time.sleep(0.05)
    elapsed = time.perf_counter() - started
    out = proc.stdout.read() if proc.stdout else ""
    if proc.returncode:
        raise SystemExit(f"ingest failed ({proc.returncode}): {out}")
    return elapsed, peak, out.strip().splitlines()[-1]


def generate_csv(path: Path, positions: list, statics: list, rows: int) -> None:
    """A NOAA MarineCadastre CSV of `rows` rows from decoded positions (each pass over
    them two days later than the last, so every row is a new report)."""
    from datetime import timedelta

    from ais.ingest.decoded import NOAA

    names = {s.mmsi: s for s in statics}
    tmp = path.with_suffix(".tmp")
    written = 0
    with tmp.open("w") as fh:
        fh.write(",".join(NOAA.columns.values()) + "\n")
        shift = 0
        while written < rows:
            for p in positions:
                s = names.get(p.mmsi)
                ts = (p.ts + timedelta(days=2 * shift)).strftime("%Y-%m-%dT%H:%M:%S")
                fh.write(
                    f"{p.mmsi},{ts},{p.lat:.5f},{p.lon:.5f},"
                    f"{'' if p.sog_kn is None else p.sog_kn},"
                    f"{360.0 if p.cog_deg is None else p.cog_deg},"
                    f"{511 if p.heading_deg is None else p.heading_deg},"
                    f"{(s and s.name) or ''},{f'IMO{s.imo}' if s and s.imo else ''},"
                    f"{(s and s.callsign) or ''},{(s and s.ship_type) or ''},"
                    f"{'' if p.nav_status is None else p.nav_status},,,,"
                    f"{'B' if p.msg_type in (18, 19) else 'A'}\n"
                )
                written += 1
                if written >= rows:
                    break
            shift += 1
    tmp.rename(path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--file", type=Path, help="an NMEA file to use instead")
    parser.add_argument("--csv-rows", type=int, default=1_000_000)
    args = parser.parse_args()

    path = args.file or ROOT / f".var/bench/ais-{args.messages}-s{args.seed}.nmea"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        print(f"generating {args.messages:,} lines into {path} ...", flush=True)
        generate(path, args.messages, args.seed)
    lines = sum(1 for _ in path.open("rb"))
    print(f"file: {path.name}, {lines:,} lines, {path.stat().st_size / 2**20:.0f} MiB")

    env = {**os.environ, "DATABASE_URL": bench_database_url()}
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)

    decode_runs, ingest_runs, own_runs, peaks = [], [], [], []
    decoded = 0
    for run in range(args.runs):
        decoded, seconds = pyais_decode_only(path)
        decode_runs.append(seconds)
        elapsed, peak_kb, summary = ingest_once(path, env, args.workers)
        # The run's own time, as the command reports it (from the ingest's start to its
        # last commit): the figure comparable with pyais's, which starts no interpreter.
        rate = re.search(r"; [\d,.]+ s, ([\d,]+) messages/s", summary)[1]
        own = decoded / int(rate.replace(",", ""))  # seconds, at the command's own rate
        ingest_runs.append(elapsed)
        own_runs.append(own)
        peaks.append(peak_kb)
        print(
            f"run {run + 1}: pyais decode-only {decoded / seconds:,.0f} msg/s; "
            f"ingest {decoded / own:,.0f} msg/s ({own:.1f} s; {elapsed:.1f} s with the "
            f"interpreter's and Django's start), peak {peak_kb / 1024:.0f} MiB"
        )
    print(f"last ingest: {summary}")
    pyais_rate = decoded / statistics.median(decode_runs)
    ingest_rate = decoded / statistics.median(own_runs)
    wall_rate = decoded / statistics.median(ingest_runs)
    print(f"pyais decode-only (1 core): {pyais_rate:,.0f} msg/s (median of {args.runs})")
    print(
        f"end-to-end ingest (decode + COPY + partitions + latest + vessels, "
        f"{args.workers or os.cpu_count()} workers): {ingest_rate:,.0f} msg/s "
        f"({lines / statistics.median(own_runs):,.0f} lines/s); {wall_rate:,.0f} msg/s "
        f"counting the command's start"
    )
    print(
        f"ratio ingest / pyais decode-only: {ingest_rate / pyais_rate:.2f} (aim >= 1.0; "
        f"{wall_rate / pyais_rate:.2f} counting the start)"
    )
    # The stages alone (issue 13: the pipeline should reach 0.8x the slower one).
    positions, statics, decode_s = our_decode_only(path)
    store_s = store_only(positions, statics, env["DATABASE_URL"])
    stage = min(decoded / decode_s, decoded / store_s)
    print(
        f"stages alone, one process each: our decoder {decoded / decode_s:,.0f} msg/s, "
        f"the store (COPY, partitions, latest, vessels) {decoded / store_s:,.0f} msg/s "
        f"({len(positions):,} positions); end-to-end / slower stage: {ingest_rate / stage:.2f} "
        f"(aim >= 0.8; {wall_rate / stage:.2f} counting the start)"
    )
    print(f"ingester peak memory (PSS of all its processes): {max(peaks) / 1024:.0f} MiB")

    # A decoded archive (CSV, NOAA layout) beside the NMEA file.
    csv_path = path.with_name(f"{path.stem}-noaa-{args.csv_rows}.csv")
    if not csv_path.exists():
        print(f"writing {args.csv_rows:,} NOAA rows into {csv_path} ...", flush=True)
        generate_csv(csv_path, positions, statics, args.csv_rows)
    csv_runs = []
    for run in range(args.runs):
        elapsed, peak_kb, csv_summary = ingest_once(csv_path, env, None)
        rate = re.search(r"; [\d,.]+ s, ([\d,]+) messages/s", csv_summary)[1]
        csv_runs.append(args.csv_rows / int(rate.replace(",", "")))
        print(
            f"csv run {run + 1}: {args.csv_rows / csv_runs[-1]:,.0f} rows/s "
            f"({elapsed:.1f} s with the start), peak {peak_kb / 1024:.0f} MiB"
        )
    print(f"last csv ingest: {csv_summary}")
    csv_rate = args.csv_rows / statistics.median(csv_runs)
    print(
        f"decoded CSV (NOAA layout, one process): {csv_rate:,.0f} rows/s (median of "
        f"{args.runs}); ratio CSV rows/s / NMEA messages/s: {csv_rate / ingest_rate:.2f}"
    )


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    main()
