"""Hostile or broken AIS input (issue 7, points 6-9 and 17): nothing a source sends stops a
feed, poisons the store or runs code; every line that is refused is counted."""

from __future__ import annotations

import gzip
import pickle
import socket
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.db import connection
from pyais import encode_dict
from pyais.util import checksum

from core.database import db_conninfo

from ..db import position_store
from ..ingest import spill
from ..ingest.ais import MAX_LINE_BYTES, AisDecoder, TimeWindow, decode_lines
from ..ingest.batch import Batch
from ..ingest.store import BufferedWriter
from ..ingest.transports import (
    LineBuffer,
    file_blocks,
    parse_source,
    tcp_blocks,
    udp_blocks,
    udp_options,
)
from ..models import VesselLatest, VesselPosition

NOW = time.time()


def position_line(mmsi: int, t: float | str, lon: float = 108.6, lat: float = 21.6) -> bytes:
    [sentence] = encode_dict(
        {"type": 1, "mmsi": mmsi, "lon": lon, "lat": lat, "speed": 5.0, "course": 90.0},
        talker_id="AI",
        sentence_type="VDM",
    )
    body = f"s:TEST,c:{t}"
    return f"\\{body}*{checksum(body.encode()):02X}\\{sentence}".encode()


# --- 6: report times ----------------------------------------------------------------------


@pytest.mark.parametrize("stamp", ["nan", "inf", "-inf", "1e20", "1e300", "4102444800000"])
def test_absurd_tag_times_are_counted_not_raised(stamp):
    decoder = AisDecoder(window=TimeWindow())
    assert decoder.feed(position_line(412000001, stamp), NOW) == []
    assert decoder.counts["bad_time"] == 1
    [ok] = decoder.feed(position_line(412000001, int(NOW)), NOW)  # the next line is fine
    assert ok.ts == datetime.fromtimestamp(int(NOW), UTC)


def test_stream_window_refuses_far_times_and_archives_declare_theirs():
    stream = AisDecoder(window=TimeWindow(past_s=3600, ahead_s=300))
    assert stream.feed(position_line(412000001, int(NOW + 3 * 365 * 86400)), NOW) == []
    assert stream.feed(position_line(412000001, int(NOW - 7200)), NOW) == []
    assert stream.counts["bad_time"] == 2
    january = datetime(2025, 1, 15, tzinfo=UTC).timestamp()
    archive = AisDecoder(
        window=TimeWindow(
            earliest=datetime(2025, 1, 1, tzinfo=UTC).timestamp(),
            latest=datetime(2025, 2, 1, tzinfo=UTC).timestamp(),
        )
    )
    assert len(archive.feed(position_line(412000001, int(january)), NOW)) == 1


def test_udp_datagrams_with_bad_times_never_stop_the_feed(tmp_path, ais_tables):
    """200 spoofed datagrams (nan, 1e20, far-off months) then real ones: the ingester keeps
    running, stores the real ones, makes no partition for a far-off month and pins no
    vessel as live in the future."""
    port = free_udp_port()
    partitions_before = partition_count()
    stop = threading.Event()
    out = StringIO()

    def run():
        from ..services.ingest import ingest_ais

        def started(ingest):
            holder["ingest"] = ingest

        holder: dict = {}
        result = ingest_ais(
            [f"udp://127.0.0.1:{port}"],
            spill_dir=tmp_path / "spill",
            flush_interval_s=0.2,
            on_start=lambda ingest: (started(ingest), stop_when(ingest)),
        )
        out.write(result.summary())

    def stop_when(ingest):
        threading.Thread(target=lambda: (stop.wait(), ingest.stop.set()), daemon=True).start()

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    time.sleep(0.5)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sender:
        for i in range(200):
            stamp = ["nan", "1e20", str(int(NOW) + (i + 2) * 31 * 86400)][i % 3]
            sender.sendto(position_line(412100000 + i, stamp), ("127.0.0.1", port))
        for i in range(20):
            sender.sendto(position_line(412200000 + i, int(NOW) - 5), ("127.0.0.1", port))
    deadline = time.monotonic() + 20
    while (
        time.monotonic() < deadline
        and VesselPosition.objects.filter(mmsi__gte=412200000).count() < 20
    ):
        time.sleep(0.2)
    stop.set()
    worker.join(30)
    assert not worker.is_alive()
    assert VesselPosition.objects.filter(mmsi__gte=412200000).count() == 20
    assert not VesselPosition.objects.filter(mmsi__lt=412200000, mmsi__gte=412100000).exists()
    assert not VesselLatest.objects.filter(ts__gt=datetime.now(UTC) + timedelta(days=1)).exists()
    assert partition_count() <= partitions_before + 1  # at most next month, made ahead
    assert "bad_time=200" in out.getvalue()


def test_store_never_keeps_a_report_far_ahead_of_now(tmp_path, ais_tables):
    from ..ingest.ais import Position

    writer = BufferedWriter(position_store(db_conninfo()), tmp_path).start()
    ahead = datetime.now(UTC) + timedelta(days=400)
    writer.submit(Batch([Position(412000009, ahead, 108.6, 21.6, 1.0, 1.0, 1, 0, 1, "X")]))
    writer.close()
    assert writer.counts["future_refused"] == 1
    assert not VesselPosition.objects.filter(mmsi=412000009).exists()


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def partition_count() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_inherits WHERE inhparent = 'ports_vesselposition'::regclass"
        )
        return cursor.fetchone()[0]


# --- 7: the UDP listener ------------------------------------------------------------------


def test_udp_listens_on_the_loopback_unless_told_otherwise():
    assert parse_source("udp://:10110") == ("udp", "127.0.0.1", 10110)
    assert parse_source("udp://0.0.0.0:10110") == ("udp", "0.0.0.0", 10110)
    assert udp_options("udp://0.0.0.0:1?allow=10.0.0.0/8,192.0.2.7").permits("10.1.2.3")
    assert not udp_options("udp://0.0.0.0:1?allow=10.0.0.0/8").permits("192.0.2.8")
    with pytest.raises(ValueError, match="allow"):
        parse_source("udp://0.0.0.0:1?allow=not-a-network")


def test_udp_allow_list_drops_other_senders():
    port = free_udp_port()
    stop = threading.Event()
    counts: Counter = Counter()
    blocks = udp_blocks(
        "127.0.0.1", port, stop, udp_options(f"udp://:{port}?allow=127.0.0.1/32"), counts
    )
    got: list[bytes] = []

    def read():
        for lines, _, _ in blocks:
            got.extend(line for line in lines if line)
            if len(got) >= 1:
                stop.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    time.sleep(0.3)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as stranger:
        stranger.bind(("127.0.0.2", 0))  # another loopback address: not allowed
        stranger.sendto(b"from a stranger", ("127.0.0.1", port))
    time.sleep(0.3)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as friend:
        friend.sendto(b"from a friend", ("127.0.0.1", port))
    reader.join(5)
    stop.set()
    assert got == [b"from a friend"] and counts["udp_refused"] == 1


# --- 8: floods and endless lines ----------------------------------------------------------


def fragment(source: str, seq: int, channel: str = "A") -> bytes:
    first, _ = encode_dict(
        {"type": 5, "mmsi": 412000001, "shipname": "X"},
        talker_id="AI",
        sentence_type="VDM",
        seq_id=seq % 10,
        radio_channel=channel,
    )
    body = f"s:{source},c:{int(NOW)}"
    return f"\\{body}*{checksum(body.encode()):02X}\\{first}".encode()


def test_fragment_flood_is_capped_per_source_and_in_all():
    decoder = AisDecoder(max_open_groups=100, max_groups_per_source=20)
    for i in range(5000):  # 500 spoofed stations, 10 sequence ids each
        decoder.feed(fragment(f"S{i // 10}", i), NOW)
    assert len(decoder.fragments) <= 100
    assert all(n <= 20 for n in decoder.fragments.open_per_source().values())
    assert decoder.counts["incomplete"] == 5000 - len(decoder.fragments)
    # Normal traffic still decodes after the flood.
    assert len(decoder.feed(position_line(412000001, int(NOW)), NOW)) == 1


def test_one_source_cannot_evict_another_sources_fragments():
    decoder = AisDecoder(max_groups_per_source=20)
    decoder.feed(fragment("GOOD", 1, "B"), NOW)
    for i in range(1000):
        decoder.feed(fragment("FLOOD", i), NOW)
    assert ("GOOD", "B", 1, 2) in decoder.fragments


def test_line_buffer_never_holds_more_than_a_line():
    lines_of = LineBuffer(max_line=100)
    out = []
    for _ in range(1000):  # 1 MB with no newline
        lines, _ = lines_of.feed(b"x" * 1000)
        out += lines
        assert len(lines_of.rest) <= 100
    lines, _ = lines_of.feed(b"tail of it\n" + b"good line\n")
    out += lines
    assert out == [b"x" * 101, b"good line\n"]


def test_tcp_peer_without_newlines_costs_bounded_memory():
    server = socket.create_server(("127.0.0.1", 0))
    port = server.getsockname()[1]
    good = position_line(412000001, int(NOW))

    def serve():
        conn, _ = server.accept()
        with conn:
            for _ in range(200):  # 12.8 MB without a newline
                conn.sendall(b"A" * 65536)
            conn.sendall(b"\n" + good + b"\n")
            time.sleep(1)

    threading.Thread(target=serve, daemon=True).start()
    stop = threading.Event()
    longest, received = 0, []
    for lines, _, _ in tcp_blocks("127.0.0.1", port, stop):
        longest = max([longest, *map(len, lines)])
        received += lines
        if good + b"\n" in received:
            stop.set()
    server.close()
    assert longest <= MAX_LINE_BYTES + 1
    positions, _, counts = decode_lines(received, NOW)
    assert counts["overlong"] == 1 and [p.mmsi for p in positions] == [412000001]


def test_gz_expanding_beyond_its_cap_is_stopped(tmp_path):
    path = tmp_path / "bomb.nmea.gz"
    with gzip.open(path, "wb", compresslevel=9) as fh:
        for _ in range(64):
            fh.write(b"\0" * (1 << 20))  # 64 MiB of one byte, no newline
    assert path.stat().st_size < 200_000
    from ..ingest.transports import InputTooLarge

    longest = 0
    with pytest.raises(InputTooLarge):
        for lines, _, _ in file_blocks(str(path), max_bytes=8 << 20):
            longest = max([longest, *map(len, lines)])
    assert longest <= MAX_LINE_BYTES + 1


# --- 9: spill files -----------------------------------------------------------------------


class Boom:
    """Unpickling this would create a file: proof that a pickle was loaded."""

    def __init__(self, marker: str):
        self.marker = marker

    def __reduce__(self):
        return (Path.touch, (Path(self.marker),))


def test_planted_spill_files_are_never_loaded(tmp_path):
    marker = tmp_path / "code-ran"
    folder = tmp_path / "spill"
    folder.mkdir(mode=0o755)
    (folder / "batch-000000001-5.pickle").write_bytes(pickle.dumps(Boom(str(marker))))
    (folder / "batch-000000002-5.json").write_bytes(pickle.dumps(Boom(str(marker))))
    (folder / "batch-oops.json").write_text("{}")
    (folder / "notes.txt").write_text("hello")
    writer = BufferedWriter(position_store("host=127.0.0.1 port=1 dbname=x"), folder)
    assert not marker.exists()
    assert oct(folder.stat().st_mode & 0o777) == "0o700"
    aside = {p.name for p in (folder / "unreadable").iterdir()}
    assert aside == {"batch-000000001-5.pickle", "batch-oops.json"}
    assert (folder / "notes.txt").exists()  # not ours: left alone
    # The well-named file holding a pickle is refused when read back, and set aside too.
    assert writer._next() is None and not marker.exists()
    assert "batch-000000002-5.json" in {p.name for p in (folder / "unreadable").iterdir()}
    assert writer.counts["unreadable_spill_files"] == 1


def test_spill_files_round_trip_exactly_and_refuse_bad_values(tmp_path):
    from ..ingest.ais import Position, StaticReport

    t = datetime(2026, 1, 5, 8, 0, 0, 123456, tzinfo=UTC)
    batch = Batch(
        [Position(412000001, t, 108.123456, 21.5, None, 90.5, None, 0, 1, "QZ-BASE")],
        [StaticReport(412000001, t, 5, "QZ-BASE", imo=9811001, name="BEIBU", draught_m=11.5)],
    )
    path = tmp_path / "batch-000000001-2.json"
    spill.write(path, batch)
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    assert spill.read(path) == batch
    doc = path.read_text().replace("108.123456", "1e999")
    with pytest.raises(ValueError):
        spill.decode(doc.encode())


def test_spill_disk_use_is_capped(tmp_path):
    from ..ingest.ais import Position

    rows = [
        Position(
            412000001,
            datetime(2026, 1, 5, tzinfo=UTC) + timedelta(seconds=i),
            108.6,
            21.6,
            1.0,
            1.0,
            1,
            0,
            1,
            "T",
        )
        for i in range(1000)
    ]
    writer = BufferedWriter(
        position_store("host=127.0.0.1 port=1 dbname=x"), tmp_path, max_spill_bytes=30_000
    )
    for i in range(10):
        writer._spill(Batch(rows[i * 100 : (i + 1) * 100]))
    size = sum(p.stat().st_size for p in tmp_path.glob("batch-*.json"))
    assert size <= 30_000 + 8_000 and writer.counts["dropped_rows"] > 0
    assert writer.spill_full


# --- 17: MMSIs that are not vessels -------------------------------------------------------


def test_invalid_mmsis_are_counted_and_kept_off_the_map(tmp_path, ais_tables):
    lines = [position_line(m, int(NOW) - 10) for m in (0, 1, 123, 2_000_000, 412000001)]
    positions, _, counts = decode_lines(lines, NOW)
    assert [p.mmsi for p in positions] == [412000001] and counts["invalid_mmsi"] == 4
    # A row of MMSI 0 left by an older version stays off the layer and the port calls.
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO ports_vessel (mmsi, name, callsign, ais_class, destination, "
            "first_seen_at) VALUES (0, '', '', '', '', now())"
        )
        cursor.execute(
            "INSERT INTO ports_vessellatest (mmsi, ts, geom, msg_type, source) VALUES "
            "(0, now(), ST_SetSRID(ST_MakePoint(40, -5), 4326), 1, '')"
        )
    import json

    from ..services.layers import live_json

    assert not [f for f in json.loads(live_json())["features"] if f["properties"]["mmsi"] == 0]


# --- trust, second round: one line cannot stop a feed -------------------------------------


def tagged_line(mmsi: int, body: str) -> bytes:
    [sentence] = encode_dict(
        {"type": 1, "mmsi": mmsi, "lon": 108.6, "lat": 21.6, "speed": 5.0, "course": 90.0},
        talker_id="AI",
        sentence_type="VDM",
    )
    return f"\\{body}*{checksum(body.encode()):02X}\\{sentence}".encode()


@pytest.mark.parametrize("station", ["EV\x00IL", "\x00", "A\x01B", "A\x1bB", "A\x7fB"])
def test_a_control_character_in_a_tag_block_is_counted_and_the_line_refused(station):
    t = int(NOW) - 10
    lines = [
        tagged_line(412000001, f"s:{station},c:{t}"),
        tagged_line(412000002, f"s:GOOD,c:{t}"),
        tagged_line(412000003, f"c:{t},s:{station}"),
    ]
    positions, _, counts = decode_lines(lines, NOW)
    assert [(p.mmsi, p.source) for p in positions] == [(412000002, "GOOD")]
    assert counts["control_characters"] == 2


def test_a_nul_station_among_valid_lines_leaves_every_valid_report_stored(tmp_path, ais_tables):
    """Review finding (High): one line a second with a NUL in its tag block's station (valid
    checksum) sent every batch to a dead file: 165 positions received, 0 stored."""
    t = int(NOW) - 60
    lines = []
    for i in range(200):
        lines.append(tagged_line(412100000 + i, f"s:ST{i % 3},c:{t + i}"))
        if i % 20 == 0:
            lines.append(tagged_line(412200000 + i, f"s:EV\x00IL,c:{t + i}"))
    positions, _, counts = decode_lines(lines, NOW)
    assert counts["control_characters"] == 10
    writer = BufferedWriter(position_store(db_conninfo()), tmp_path).start()
    writer.submit(Batch(positions))
    writer.close()
    assert writer.counts["dead_batches"] == 0 and not list(tmp_path.glob("dead-*"))
    assert VesselPosition.objects.filter(mmsi__gte=412100000, mmsi__lt=412200000).count() == 200
    assert not VesselPosition.objects.filter(mmsi__gte=412200000).exists()


def test_a_row_the_database_refuses_costs_that_row_only(tmp_path, ais_tables):
    """Behind the decoder's check: a batch the server refuses is split until the refused
    rows stand alone; they alone go to the dead file, every other row is stored."""
    from ..ingest.ais import Position

    ts = datetime.now(UTC) - timedelta(minutes=5)
    good = [
        Position(412300000 + i, ts + timedelta(seconds=i), 108.6, 21.6, 1.0, 1.0, 1, 0, 1, "X")
        for i in range(100)
    ]
    bad = Position(412399999, ts, 108.6, 21.6, 1.0, 1.0, 1, 0, 1, "EV\x00IL")
    writer = BufferedWriter(position_store(db_conninfo()), tmp_path).start()
    writer.submit(Batch([*good[:37], bad, *good[37:]]))
    writer.close()
    assert VesselPosition.objects.filter(mmsi__gte=412300000, mmsi__lt=412399999).count() == 100
    assert (writer.counts["dead_batches"], writer.counts["dead_rows"]) == (1, 1)
    [dead] = tmp_path.glob("dead-*")
    assert [p.mmsi for p in spill.read(dead).positions] == [412399999]


def test_a_database_outage_while_a_refused_batch_is_split_loses_nothing(tmp_path, ais_tables):
    """The split of a refused batch meets a lost connection: the writer keeps going and
    the batch is tried again whole; every good row ends stored, the bad one set aside."""
    import psycopg

    from ..ingest.ais import Position

    ts = datetime.now(UTC) - timedelta(minutes=5)
    good = [
        Position(412400000 + i, ts + timedelta(seconds=i), 108.6, 21.6, 1.0, 1.0, 1, 0, 1, "X")
        for i in range(40)
    ]
    bad = Position(412499999, ts, 108.6, 21.6, 1.0, 1.0, 1, 0, 1, "EV\x00IL")
    store = position_store(db_conninfo())
    real = store.write_batch
    calls = []

    def flaky(batch, flush_latest=False):
        calls.append(len(batch))
        if len(calls) == 2:  # the first half of the first split
            raise psycopg.OperationalError("server closed the connection unexpectedly")
        return real(batch, flush_latest)

    store.write_batch = flaky
    writer = BufferedWriter(store, tmp_path, retry_max_s=0.1).start()
    writer.submit(Batch([*good[:20], bad, *good[20:]]))
    writer.close(timeout=60)
    assert writer.error is None
    assert VesselPosition.objects.filter(mmsi__gte=412400000, mmsi__lt=412499999).count() == 40
    assert writer.counts["dead_rows"] == 1 and writer.counts["db_errors"] >= 1
