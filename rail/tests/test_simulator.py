"""The rail simulator: deterministic, near the published frequencies, its containers handed
to the AIS simulator's ships; its files go through ingest_rail, twice without change."""

import json
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command

from ais.demo.simulator import Simulator, load_lanes
from rail.demo.simulator import DAY, RailSimulator
from rail.ingest.events import valid_container
from rail.models import ContainerEvent, RailEvent, Train
from rail.services.demo import calls_from_plan, rail_lengths

START = 1_790_000_000.0  # 2026-09-21


@pytest.mark.django_db
def test_same_seed_same_trains_and_frequencies_near_the_published_ones():
    lengths = rail_lengths()
    a = RailSimulator(lengths, seed=3).plan(START, 14)
    b = RailSimulator(lengths, seed=3).plan(START, 14)
    assert [(t.number, t.actual) for t in a] == [(t.number, t.actual) for t in b]
    sea_rail = [t for t in a if t.service.service_type == "sea_rail"]
    per_day = len(sea_rail) / 14
    assert 20 < per_day < 34  # ~27 a day: about 10,000 a year
    assert {t.service.route for t in a} >= {"E", "M", "W", "VN-RAIL", "LA-RAIL"}
    assert all(valid_container(c) for t in a for c in t.containers)
    # A day's trains do not depend on the window asked for.
    later = RailSimulator(lengths, seed=3).plan(START + 7 * DAY, 7)
    first = {(t.number, t.service_date): t.actual for t in a}
    second = {(t.number, t.service_date): t.actual for t in later}
    both = first.keys() & second.keys()
    assert len(both) > 100
    assert all(first[k] == second[k] for k in both)


@pytest.mark.django_db
def test_boxes_of_southbound_trains_board_the_ais_simulators_ships():
    ais = Simulator(load_lanes(settings.CW_DATA_DIR / "sea_lanes.geojson"), seed=5)
    plan = ais.plan(START, 12 * DAY, 12.0, initial=40)
    calls = calls_from_plan(plan.ships, plan.calls)
    sim = RailSimulator(rail_lengths(), seed=5)
    messages = [m for _, m in sim.messages(sim.plan(START, 7), calls)]
    loads = [m for m in messages if m.get("event") == "load" and m.get("vessel_mmsi")]
    assert loads
    container_ships = {c.mmsi for c in calls}
    assert {m["vessel_mmsi"] for m in loads} <= container_ships
    railed = {c for m in messages if m.get("containers") for c in m["containers"]}
    assert {m["container"] for m in loads} <= railed


@pytest.mark.django_db
def test_a_simulated_week_through_ingest_rail_twice(tmp_path):
    out = tmp_path / "rail.jsonl"
    call_command(
        "simulate_rail", "--out", str(out), "--days", "7", "--seed", "9", stdout=StringIO()
    )
    lines = out.read_text().splitlines()
    # Noise a real feed has: a broken line and an unknown station.
    bad = json.loads(lines[0]) | {"location": "NOWHERE"}
    out.write_text("\n".join([*lines, "{broken", json.dumps(bad)]) + "\n")
    first, err = StringIO(), StringIO()
    call_command("ingest_rail", str(out), stdout=first, stderr=err)
    assert "2 refused" in first.getvalue()
    assert "malformed JSON" in err.getvalue() and "unknown location" in err.getvalue()
    counts = (Train.objects.count(), RailEvent.objects.count(), ContainerEvent.objects.count())
    assert counts[0] > 150 and counts[2] > 0
    again = StringIO()
    call_command("ingest_rail", str(out), stdout=again, stderr=StringIO())
    assert " 0 stored, 0 updated, 0 corrected" in again.getvalue()
    assert (
        Train.objects.count(),
        RailEvent.objects.count(),
        ContainerEvent.objects.count(),
    ) == counts
    statuses = set(Train.objects.values_list("status", flat=True))
    assert {"arrived", "cancelled"} <= statuses
