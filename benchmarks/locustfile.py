"""Locust users that read the map as the dashboard does (issue 13's load test).

`benchmarks/load.py` runs it against a scratch server and prints the figures; to load a
deployment of your own:

    CW_SESSION=<sessionid cookie> .venv/bin/locust -f benchmarks/locustfile.py \
        --headless -u 16 -r 16 -t 60s --host https://corridor.example.org

Every user asks for the live vessel layer (as the map does every 10 s), vessels in a box
(zoomed in), and revalidates the layers that change rarely with the ETag it was given
(a browser's cache does the same), so most of those answers are 304s.
"""

from __future__ import annotations

import os
import random

from locust import FastHttpUser, constant, task

HEADERS = {"Accept-Encoding": "gzip, deflate, br", "Accept": "application/json"}
STABLE = [
    "/api/nodes/?limit=500",
    "/api/route-segments/",
    "/api/geofences/",
    "/api/coverage/",
    "/api/basemap/land/",
]


class MapReader(FastHttpUser):
    wait_time = constant(0)  # as fast as the server answers: a capacity test

    def on_start(self) -> None:
        self.cookie = {"Cookie": f"sessionid={os.environ['CW_SESSION']}"}
        self.etags: dict[str, str] = {}

    def _get(self, url: str, name: str, revalidate: bool = False) -> None:
        headers = {**HEADERS, **self.cookie}
        if revalidate and url in self.etags:
            headers["If-None-Match"] = self.etags[url]
        with self.client.get(url, headers=headers, name=name, catch_response=True) as r:
            if r.status_code == 200:
                if "ETag" in r.headers:
                    self.etags[url] = r.headers["ETag"]
                r.success()
            elif r.status_code == 304 and revalidate:
                r.success()
            else:
                r.failure(f"status {r.status_code}")

    @task(4)
    def live_vessels(self) -> None:
        self._get("/api/ais/live/", "live vessels")

    @task(2)
    def vessels_in_a_box(self) -> None:
        west, south = random.uniform(104, 112), random.uniform(4, 20)
        box = f"{west:.2f},{south:.2f},{west + 2:.2f},{south + 2:.2f}"
        self._get(f"/api/vessels/?bbox={box}", "vessels in a box")

    @task(4)
    def stable_layers(self) -> None:
        url = random.choice(STABLE)
        self._get(url, url.split("?")[0] + " (revalidated)", revalidate=True)
