"""Dashboard benchmark: `/dash/` in headless chromium with eight weeks of history and 5,000
live vessels; prints the time to the first map render, the time a period change takes to
reach the headline figures, and the largest callback answer (issue 12's aims: under 2 s,
under 500 ms, no answer over 1 MB). Figures, not assertions.

    .venv/bin/python benchmarks/dashboard.py [--vessels 5000] [--runs 3] [--weeks 8]

Runs against a scratch database `<name>_bench` (migrated, seeded, history backfilled once).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
PASSWORD = "bench-dashboard-Pw-1"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--vessels", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--weeks", type=float, default=8)
    args = parser.parse_args()

    from benchmarks.ais_ingest import bench_database_url, seed_live_vessels

    os.environ["DATABASE_URL"] = bench_database_url()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    manage = [sys.executable, "manage.py"]
    for step in (
        ["migrate", "-v0"],
        ["load_corridor"],
        ["backfill_demo", "--weeks", str(args.weeks)],
    ):
        done = subprocess.run([*manage, *step], cwd=ROOT, capture_output=True, text=True)
        if done.returncode:
            print(done.stdout[-2000:], done.stderr[-2000:])
            raise SystemExit(1)
        if step[0] == "backfill_demo":
            print(done.stdout.strip().splitlines()[-1])
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from playwright.sync_api import sync_playwright
    from waitress.server import create_server

    from config.wsgi import application

    user, _ = get_user_model().objects.get_or_create(username="bench-dashboard")
    user.set_password(PASSWORD)
    user.is_superuser = True
    user.save()
    seed_live_vessels(args.vessels, "BENCH-DASH")
    server = create_server(application, host="127.0.0.1", port=0, threads=8)
    threading.Thread(target=server.run, daemon=True).start()
    base = f"http://127.0.0.1:{server.effective_port}"
    first_render, period_change, largest = [], [], []
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path="/usr/bin/chromium", args=["--headless", "--no-sandbox"]
        )
        for _run in range(args.runs):
            context = browser.new_context(viewport={"width": 1920, "height": 1080})
            page = context.new_page()
            sizes: list[int] = []
            durations: list[float] = []

            def on_response(response, sizes=sizes, durations=durations):
                if "_dash-update-component" in response.url:
                    try:
                        sizes.append(len(response.body()))
                        durations.append(response.request.timing["responseEnd"])
                    except Exception:  # a response the page moved on from
                        pass

            page.on("response", on_response)
            page.goto(f"{base}/accounts/login/?next=/dash/")
            page.fill("#id_username", "bench-dashboard")
            page.fill("#id_password", PASSWORD)
            t0 = time.perf_counter()
            page.click("#login-submit")
            page.wait_for_function(
                "document.querySelectorAll('.cw-node').length > 40", timeout=60_000
            )
            first_render.append(time.perf_counter() - t0)
            page.wait_for_selector("#overview-headline-teu strong", timeout=60_000)
            page.wait_for_timeout(2000)  # let the first callbacks settle
            before = page.inner_text("#overview-headline-teu")
            durations.clear()
            page.click("#overview-play")  # one month on after the play step (1.5 s)
            page.wait_for_function(
                "t => document.querySelector('#overview-headline-teu').innerText !== t",
                arg=before,
                timeout=60_000,
            )
            page.wait_for_timeout(500)
            # The change's cost: its slowest callback, request sent to answer received.
            period_change.append(max(durations) / 1000 if durations else float("nan"))
            page.click("#overview-play")
            page.wait_for_timeout(1000)
            largest.append(max(sizes) if sizes else 0)
            context.close()
        browser.close()
    server.close()
    print(
        f"{args.vessels:,} live vessels, {args.weeks:g} weeks of history; medians of {args.runs}:"
    )
    print(f"  first map render after login: {statistics.median(first_render):.2f} s (aim < 2 s)")
    print(
        "  period change (slowest callback it triggers): "
        f"{statistics.median(period_change) * 1000:.0f} ms (aim < 500 ms)"
    )
    print(f"  largest callback answer: {max(largest) / 1024:.0f} KiB (aim < 1,024 KiB)")


if __name__ == "__main__":
    main()
