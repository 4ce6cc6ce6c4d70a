"""Throughput upload benchmark: validate and store a 10,000-row CSV (issue 9's aim: under
5 s on this machine), with the peak memory of the process.

    .venv/bin/python benchmarks/throughput_upload.py [--rows 10000] [--runs 3]

Runs against a scratch database `<name>_bench` (migrated and seeded here): an administrator
uploads monthly figures of every seeded node for as many months and metrics as it takes,
through the same services as the upload page (`preview_upload`, then `commit_upload`).
Figures, not assertions.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    from benchmarks.ais_ingest import seeded_bench_django

    seeded_bench_django()
    from django.contrib.auth import get_user_model

    from core.ingest.spreadsheets import write_csv
    from geo.models import Node
    from ports.ingest.figures import template_header
    from ports.models import ThroughputReport, UploadBatch
    from ports.services.reporting import commit_upload, preview_upload

    user, _ = get_user_model().objects.get_or_create(username="bench-admin", is_superuser=True)
    codes = list(Node.objects.mapped().values_list("code", flat=True))
    rows = []
    year, month = 2026, 10
    while len(rows) < args.rows:
        for code in codes:
            for metric in ("teu", "tonnes"):
                rows.append(
                    [
                        code,
                        f"{year}-{month:02d}",
                        metric,
                        metric,
                        1000 + len(rows) % 97,
                        "total",
                        "total",
                        "all",
                        "total",
                        "",
                        "",
                    ]
                )
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    data = write_csv(template_header(), rows[: args.rows])
    print(f"file: {args.rows:,} rows, {len(data) / 2**20:.1f} MiB")
    timings = []
    for run in range(args.runs):
        ThroughputReport.objects.filter(source="operator").delete()
        UploadBatch.objects.all().delete()
        started = time.perf_counter()
        batch, plan = preview_upload(user, data, "bench.csv")
        previewed = time.perf_counter()
        _, stored = commit_upload(user, batch.pk, confirm_warnings=True)
        done = time.perf_counter()
        assert not plan.errors, plan.errors[:3]
        timings.append(done - started)
        print(
            f"run {run + 1}: preview {previewed - started:.2f} s, commit {done - previewed:.2f} s,"
            f" total {done - started:.2f} s ({stored.rows:,} figures)"
        )
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"validate and store {args.rows:,} rows: {statistics.median(timings):.2f} s "
        f"(median of {args.runs}; aim < 5 s); peak memory {peak_mib:.0f} MiB"
    )


if __name__ == "__main__":
    main()
