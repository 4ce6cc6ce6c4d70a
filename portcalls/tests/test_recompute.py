"""Archive and late positions leave port calls right (issue 7, point 3): the AIS store
queues a recompute of the periods and vessels a load touched; the follower (or
`detect_port_calls --pending`) does it, and the follower's own trackers follow."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from ais.demo.simulator import Simulator, load_lanes
from ais.models import PortCallRecompute
from geo.models import Node

from ..models import PortCall
from ..services.calls import CallFollower, detect_port_calls, process_recompute_requests

DATA = Path(__file__).resolve().parents[2] / "data" / "gis"
JANUARY = datetime(2026, 1, 10, tzinfo=UTC)
pytestmark = pytest.mark.django_db


@pytest.fixture
def archive(tmp_path, ais_tables):
    """Thirty hours of last January's traffic, as an archive file."""
    sim = Simulator(load_lanes(DATA / "sea_lanes.geojson"), seed=31)
    t0 = JANUARY.timestamp()
    plan = sim.plan(t0, 12 * 3600, arrivals_per_hour=2, initial=0)
    path = tmp_path / "january.nmea"
    path.write_text(
        "".join(f"{line}\n" for _, line in sim.sentences(plan, t0, t0 + 30 * 3600, noise=0))
    )
    return path, plan


def test_archive_ingest_queues_and_yields_the_port_calls(archive, tmp_path, in_own_connection):
    path, plan = archive
    out = StringIO()
    call_command(
        "ingest_ais", str(path), "--spill-dir", str(tmp_path / "s"), "--no-progress", stdout=out
    )
    assert "queued for port-call recompute" in out.getvalue()
    pending = PortCallRecompute.objects.filter(state="pending")
    assert pending.exists() and not PortCall.objects.exists()
    assert min(r.start_at for r in pending) >= JANUARY

    in_own_connection(lambda: call_command("detect_port_calls", "--pending", stdout=StringIO()))
    states = list(PortCallRecompute.objects.values_list("state", "detail"))
    assert {s for s, _ in states} == {"done"}, states
    found = {(c.vessel_id, c.node.code) for c in PortCall.objects.select_related("node")}
    truth = {(c.mmsi, c.port) for c in plan.calls}
    assert found == truth and len(found) >= 5

    # The same calls as a batch recompute of the period (stable ids: same visits, same rule).
    made = set(PortCall.objects.values_list("stable_id", flat=True))

    def batch():
        for code in {c.port for c in plan.calls}:
            node = Node.objects.get(code=code)
            detect_port_calls(node, JANUARY - timedelta(days=1), JANUARY + timedelta(days=3))

    in_own_connection(batch)
    assert set(PortCall.objects.values_list("stable_id", flat=True)) == made


def test_a_vessels_late_positions_update_its_call(archive, tmp_path, in_own_connection):
    """The follower is past a vessel's berth stay; the stay's reports arrive late: the
    recompute gives the call its berth times, and the follower's tracker is rebuilt so the
    call it keeps is the same."""
    path, plan = archive
    qz = Node.objects.get(code="QZ_PORT")
    end = JANUARY + timedelta(hours=30)
    truth = next(c for c in plan.calls if c.port == "QZ_PORT" and c.departure_s < end.timestamp())
    mine, others = [], []
    for line in path.read_text().splitlines():
        (mine if decoded_mmsi(line) == truth.mmsi else others).append(line)
    assert len(mine) > 100
    first = tmp_path / "on-time.nmea"
    first.write_text("".join(f"{x}\n" for x in others))
    late = tmp_path / "late.nmea"
    late.write_text("".join(f"{x}\n" for x in mine))

    def ingest(path: Path) -> None:
        out = StringIO()
        call_command("ingest_ais", str(path), "--spill-dir", str(tmp_path / "s"), stdout=out)

    ingest(first)
    # As if the follower had read those in time: their requests are done.
    in_own_connection(lambda: PortCallRecompute.objects.update(state="done"))
    follower = CallFollower([qz], cursor=JANUARY - timedelta(seconds=1), lag=timedelta(0))
    in_own_connection(lambda: follower.poll(until=end))
    assert not PortCall.objects.filter(vessel_id=truth.mmsi).exists()

    ingest(late)
    summary = in_own_connection(lambda: process_recompute_requests(follower))
    assert summary.requests >= 1 and summary.calls.get("QZ_PORT", 0) >= 1
    call = PortCall.objects.get(vessel_id=truth.mmsi, node=qz)
    assert abs(call.berth_start_at.timestamp() - truth.berth_start_s) <= 600
    tracker = follower.trackers[("QZ_PORT", truth.mmsi)]
    assert tracker.last_ts is not None and tracker.calls  # rebuilt from the stored track
    assert tracker.calls[-1].stable_id == call.stable_id


def decoded_mmsi(line: str) -> int | None:
    """The MMSI of a line's position report (None for anything else)."""
    from ais.ingest.ais import decode_lines

    positions, _, _ = decode_lines([line.encode()], JANUARY.timestamp())
    return positions[0].mmsi if positions else None
