"""AIS decoding of real-format sentences (no database): values, not only counts."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from ..ingest.ais import AisDecoder, decode_lines

FIXTURE = Path(__file__).parent / "fixtures" / "ais_sample.nmea"
RECEIVED = 1_764_200_000.0  # the "arrival" time of lines that carry no time of their own


@pytest.fixture(scope="module")
def decoded():
    positions, statics, counts = decode_lines(
        FIXTURE.read_bytes().splitlines(), RECEIVED, default_source="fixture"
    )
    return {p.mmsi: p for p in positions}, statics, counts


def utc(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def test_gpsd_sample_without_tag_uses_receive_time(decoded):
    p = decoded[0][366053209]
    assert (p.lon, p.lat) == (-122.341618, 37.802118)
    assert (p.sog_kn, p.cog_deg, p.heading_deg, p.nav_status) == (0.0, 219.3, 1, 3)
    assert p.ts == utc(RECEIVED) and p.source == "fixture" and p.msg_type == 1


def test_tag_block_gives_time_and_station(decoded):
    p = decoded[0][413000001]
    assert p.ts == utc(1_764_115_200) and p.source == "QZ-BASE"
    assert (p.lon, p.lat, p.sog_kn, p.cog_deg, p.heading_deg) == (
        108.5712,
        21.6421,
        12.3,
        201.5,
        202,
    )


def test_interleaved_multipart_static_messages(decoded):
    statics = {s.mmsi: s for s in decoded[1] if s.msg_type == 5}
    first, second = statics[413000001], statics[413000002]
    assert (first.name, first.callsign, first.imo, first.ship_type) == (
        "BEIBU PIONEER",
        "BQZA",
        9811001,
        70,
    )
    assert (first.to_bow_m, first.to_stern_m, first.draught_m, first.destination) == (
        200,
        50,
        11.5,
        "QINZHOU",
    )
    assert (second.name, second.destination, second.draught_m) == ("GUI STAR", "SINGAPORE", 9.1)
    # The time of a multi-part message is its first fragment's.
    assert first.ts == utc(1_764_115_210) and second.ts == utc(1_764_115_211)


def test_not_available_values_become_none(decoded):
    positions = decoded[0]
    assert 413000003 not in positions  # lon 181 / lat 91: no position at all
    p = positions[413000004]
    assert (p.lon, p.lat) == (109.03, 21.35)
    assert p.sog_kn is None and p.cog_deg is None and p.heading_deg is None
    assert p.source == "BH-BASE"


def test_class_b_and_long_range(decoded):
    positions, statics, _ = decoded
    b = positions[423302100]
    assert (b.msg_type, b.lon, b.lat, b.sog_kn, b.heading_deg) == (
        18,
        53.010997,
        40.005283,
        1.4,
        177,
    )
    assert b.nav_status is None
    parts = {(s.mmsi, s.name, s.callsign, s.ship_type) for s in statics if s.msg_type == 24}
    assert (271041815, "PROGUY", None, None) in parts
    assert (271041815, None, "TC6163", 37) in parts
    lr = positions[413000005]
    assert (lr.msg_type, lr.lon, lr.lat, lr.sog_kn, lr.cog_deg) == (27, 108.9, 20.5, 11.0, 200.0)


def test_archive_prefixes_and_millisecond_tags(decoded):
    positions = decoded[0]
    assert positions[413000006].ts == utc(1_764_115_260.5)
    assert positions[413000007].ts == datetime(2025, 11, 26, 0, 1, 10, tzinfo=UTC)
    assert positions[413000008].ts == utc(1_764_115_280)
    assert positions[413000008].nav_status == 5


def test_bad_tag_block_keeps_the_sentence_but_not_its_time(decoded):
    p = decoded[0][413000010]
    assert p.ts == utc(RECEIVED) and p.source == "fixture"


def test_everything_else_is_counted_by_kind(decoded):
    counts = decoded[2]
    assert counts["lines"] == 24
    assert counts["blank"] == 1 and counts["garbage"] == 1 and counts["other_nmea"] == 2
    assert counts["bad_checksum"] == 1 and counts["undecodable"] == 1
    assert counts["no_position"] == 1 and counts["bad_tag_block"] == 1
    assert counts["incomplete"] == 1  # the lost half, at the end of the stream
    assert counts["positions"] == 10 and counts["static_reports"] == 4


def test_fragments_expire_after_the_timeout():
    decoder = AisDecoder(fragment_timeout_s=60)
    lines = FIXTURE.read_bytes().splitlines()
    lost = next(line for line in lines if b"2,1,7" in line)
    assert decoder.feed(lost, 1000.0) == []
    assert decoder.counts["incomplete"] == 0
    decoder.expire(1100.0)
    assert decoder.counts["incomplete"] == 1


def test_split_fragment_completes_across_feeds():
    lines = FIXTURE.read_bytes().splitlines()
    first = next(line for line in lines if b"2,1,3,A" in line)
    second = next(line for line in lines if b"2,2,3,A" in line)
    decoder = AisDecoder()
    assert decoder.feed(first, 1.0) == []
    [report] = decoder.feed(second, 2.0)
    assert report.name == "BEIBU PIONEER"


def test_garbage_never_raises():
    junk = [
        b"\xff\xfe\x00",
        b"!AIVDM",
        b"!AIVDM,9,9,9,9,9,9*00",
        b"\\broken-tag",
        b"!AIVDM,1,1,,A,\xe9\xe9,0*00",
        b"!AIVDM,x,y,,A,1,0*00",
        b"\\s:X*ZZ\\!AIVDM,1,1",
    ]
    positions, statics, counts = decode_lines(junk)
    assert positions == [] and statics == []
    assert counts["lines"] == len(junk)
    assert counts["malformed"] == 6 and counts["garbage"] == 1 and counts["bad_tag_block"] == 1


def test_chunk_head_skips_fragments_of_the_previous_chunk():
    lines = FIXTURE.read_bytes().splitlines()
    second = next(line for line in lines if b"2,2,4,B" in line)
    decoder = AisDecoder()
    positions, statics = [], []
    decoder.decode_into([second], 0.0, positions, statics, chunk_head=True)
    assert decoder.counts["chunk_boundary"] == 1 and not decoder.counts["orphan_fragment"]


def test_simulator_feed_round_trips(tmp_path):
    """Every position the simulator encodes decodes to the values it put in."""
    from ..demo.simulator import Simulator, load_lanes

    data = Path(__file__).resolve().parents[2] / "data" / "gis" / "sea_lanes.geojson"
    sim = Simulator(load_lanes(data), seed=3)
    plan = sim.plan(1_764_115_200.0, 3600, initial=5)
    lines = [
        line.encode()
        for _, line in sim.sentences(plan, 1_764_115_200.0, 1_764_115_200.0 + 1800, noise=0)
    ]
    positions, statics, counts = decode_lines(lines)
    assert counts["bad_checksum"] == counts["undecodable"] == counts["incomplete"] == 0
    assert len(positions) > 100 and len(statics) > 0
    names = {s.name for s in statics if s.name}
    assert names <= {ship.name for ship in plan.ships}
    for p in positions[:200]:
        ship = next(s for s in plan.ships if s.mmsi == p.mmsi)
        lon, lat, *_ = ship.state(p.ts.timestamp())
        assert p.lon == pytest.approx(lon, abs=2e-6) and p.lat == pytest.approx(lat, abs=2e-6)


class NoCache(dict):
    """A static-report cache that keeps nothing: every payload decoded by pyais."""

    def __setitem__(self, key, value):
        pass


def both_paths(lines, received_at=RECEIVED):
    """The reports and counts of the same lines through the fast path (and the cache of
    static reports) and through pyais alone."""
    out = []
    for fast in (True, False):
        decoder = AisDecoder("both")
        decoder.fast_path = fast
        if not fast:
            decoder._static_cache = NoCache()
        positions: list = []
        statics: list = []
        decoder.decode_into(lines, received_at, positions, statics)
        decoder.close()
        out.append((positions, statics, +decoder.counts))
    return out


def sentence(payload: str, fill: int = 0, talker: str = "AI", channel: str = "A") -> bytes:
    from pyais.util import checksum

    body = f"{talker}VDM,1,1,,{channel},{payload},{fill}"
    return f"!{body}*{checksum(body.encode()):02X}".encode()


def test_fast_path_equals_pyais_on_a_feed_with_noise(monkeypatch):
    """The simulator's feed (tag blocks, multi-part statics, class A and B, noise): the
    fast path gives exactly pyais's reports and counts, and takes most lines."""
    from ais.ingest import ais

    from ..demo.simulator import Simulator, load_lanes

    taken = []  # payloads the fast path decoded
    real = ais.decode_position
    monkeypatch.setattr(ais, "decode_position", lambda p, i: taken.append(1) or real(p, i))

    data = Path(__file__).resolve().parents[2] / "data" / "gis" / "sea_lanes.geojson"
    sim = Simulator(load_lanes(data), seed=5)
    plan = sim.plan(1_764_115_200.0, 7200, initial=40)
    lines = [line.encode() for _, line in sim.sentences(plan, 1_764_115_200.0, 1_764_118_800.0)]
    fast, slow = both_paths(lines)
    assert fast == slow
    assert len(taken) > 0.9 * fast[2]["positions"]
    assert len({s.mmsi for s in fast[1]}) < len(fast[1])  # static reports repeat (cached)
    assert fast[2]["positions"] > 5000 and {p.msg_type for p in fast[0]} >= {1, 18}


def test_fast_path_equals_pyais_on_random_and_mutated_sentences():
    """Random 168-bit type 1/2/3/18 payloads (every field's range: negative and 'not
    available' positions, speeds and headings, MMSIs of every kind) and mutations of them
    (a character replaced, dropped or added, with the checksum fixed or not, other
    talkers, fill bits, fields): each line gives the same reports and counts both ways."""
    import random

    from pyais.util import checksum

    rng = random.Random(13)
    alphabet = "".join(map(chr, [*range(48, 88), *range(96, 120)]))
    lines: list[bytes] = []
    for _ in range(3000):
        first = rng.choice("123B")
        payload = first + "".join(rng.choice(alphabet) for _ in range(27))
        line = sentence(payload, talker=rng.choice(["AI", "BS", "AB"]))
        lines.append(line)
        text = bytearray(line)
        kind = rng.randrange(6)
        at = rng.randrange(1, len(text) - 3)
        if kind == 0:
            text[at] = rng.randrange(32, 127)
        elif kind == 1:
            del text[at]
        elif kind == 2:
            text.insert(at, rng.randrange(32, 127))
        elif kind == 3:
            text[at] = rng.randrange(128, 256)
        elif kind == 4:
            text = bytearray(sentence(payload[: rng.randrange(20, 30)] + "0" * 2, fill=2))
        else:
            fields = bytes(text).split(b",")
            fields[rng.randrange(0, 6)] = rng.choice([b"", b"2", b"x", b"!AIVDO", b"10"])
            text = bytearray(b",".join(fields))
        if rng.random() < 0.5 and b"*" in text:  # the mutation keeps a right checksum
            body = bytes(text[1 : text.rindex(b"*")])
            text = bytearray(b"!" + body + b"*%02X" % checksum(body))
        ends = [b"", b"\n", b"\r\n", b" \n", b"\t"]
        lines.append(rng.choice([b"", b" ", b"\\s:X,c:1764200000*7B\\"]) + text + rng.choice(ends))
    for line in lines:  # one at a time (each checksum on its own) ...
        fast, slow = both_paths([line])
        assert fast == slow, line
    fast, slow = both_paths(lines)  # ... and as a block (the block's running XOR)
    assert fast == slow
    assert fast[2]["positions"] > 1000 and fast[2]["bad_checksum"] > 100
    assert fast[2]["invalid_mmsi"] > 100 and fast[2]["bad_position"] > 100
    assert {p.msg_type for p in fast[0]} >= {1, 2, 3, 18}
    assert any(p.lon < 0 for p in fast[0]) and any(p.sog_kn is None for p in fast[0])


def test_decode_position_gives_pyais_values():
    """The fast path's own function, payload by payload against pyais: random 168-bit type
    1-3 and 18 payloads over every field's range."""
    import random

    from pyais.messages import NMEAMessage

    from ..ingest.fastpath import decode_position

    rng = random.Random(3)
    alphabet = "0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVW`abcdefghijklmnopqrstuvw"
    checked = 0
    for _ in range(3000):
        ais_id = rng.choice([1, 2, 3, 18])
        first = {1: "1", 2: "2", 3: "3", 18: "B"}[ais_id]
        payload = first + "".join(rng.choice(alphabet) for _ in range(27))
        body = f"AIVDM,1,1,,A,{payload},0"
        from pyais.util import checksum

        data = NMEAMessage(f"!{body}*{checksum(body.encode()):02X}".encode()).decode()
        got = decode_position(payload.encode(), ais_id)
        status = 0 if ais_id == 18 else data.status
        assert got == (
            data.mmsi,
            data.lon,
            data.lat,
            data.speed,
            data.course,
            data.heading,
            int(status),
        ), payload
        checked += 1
    assert checked == 3000
