"""The rules of throughput totals (ports.services.totals), on a hand-made world: a port
group G with members A and B, a standalone port C. Every expected value is written here by
hand, not computed by the code under test."""

from __future__ import annotations

import itertools
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.periods import month_end, month_index, month_start
from geo.models import Node
from tests.factories import make_figure, make_node

from ..models import ThroughputReport
from ..services.totals import best_disjoint, compare, node_totals, total

pytestmark = pytest.mark.django_db

D = Decimal


figure = make_figure


@pytest.fixture
def world():
    g = make_node("TG", kind="port_group", kinds=["port_group"])
    a = make_node("TGA", group=g)
    b = make_node("TGB", group=g)
    c = make_node("TC")
    figure(g, "2023-01-01", "2023-05-31", 300)  # a partial year
    figure(g, "2024-01-01", "2024-12-31", 1000)
    figure(g, "2025-01-01", "2025-12-31", 1200, ">=")
    figure(a, "2025-03-01", "2025-03-31", 99)  # inside the group's year: left out
    figure(a, "2026-01-01", "2026-01-31", 50)
    figure(a, "2026-02-01", "2026-02-28", 60)
    figure(b, "2026-01-01", "2026-01-31", 40)  # B has no February
    figure(c, "2024-01-01", "2024-12-31", 450, "~")
    figure(c, "2024-01-01", "2024-12-31", 300, reporting_entity="TC listed company")
    figure(c, "2025-01-01", "2025-12-31", 500)
    for month in range(1, 13):  # and its months, which sum to 480: the finest count
        figure(c, f"2025-{month:02d}-01", str(month_end(2025 * 12 + month - 1)), 40)
    # Figures that never count: pending, rejected, another breakdown.
    figure(c, "2024-03-01", "2024-03-31", 7777, status="submitted", official=False)
    figure(c, "2024-04-01", "2024-04-30", 8888, status="rejected", official=False)
    figure(c, "2024-05-01", "2024-05-31", 9999, direction="in")
    return {"G": g, "A": a, "B": b, "C": c}


def ids(world, *names):
    return [world[n].pk for n in names]


def test_a_year_of_a_group_and_a_standalone_port(world):
    found = total("teu", date(2025, 1, 1), date(2025, 12, 31), ids(world, "G", "A", "B", "C"))
    assert found.value == D(1680)  # G 1200 (A's March is the group's) + C's months 480
    assert found.qualifier == ">="  # the group's "more than" survives the sum
    assert not found.partial
    assert found.nodes == ("TC", "TG")
    assert [p.stands_for for p in found.parts if p.node == "TG"] == [("TGA", "TGB")]
    assert "TG stands for TGA, TGB" in found.covers_text()


def test_like_for_like_years_compare(world):
    now = total("teu", date(2025, 1, 1), date(2025, 12, 31), ids(world, "G", "C"))
    then = total("teu", date(2024, 1, 1), date(2024, 12, 31), ids(world, "G", "C"))
    assert then.value == D(1450)  # G 1000 + C 450: the wider of C's two reporters
    assert then.qualifier == "~"
    change = compare(now, then)
    assert change.comparable and change.qualifier == "~"
    assert change.change == pytest.approx(230 / 1450)


def test_a_partial_year_is_not_comparable(world):
    then = total("teu", date(2023, 1, 1), date(2023, 12, 31), ids(world, "G", "C"))
    assert then.value == D(300) and then.partial
    assert then.months == tuple(date(2023, m, 1) for m in range(1, 6))
    assert "2023-01 – 2023-05" in then.covers_text()
    now = total("teu", date(2024, 1, 1), date(2024, 12, 31), ids(world, "G", "C"))
    assert not compare(now, then).comparable  # other nodes (C has no 2023)
    only_group = total("teu", date(2024, 1, 1), date(2024, 12, 31), ids(world, "G"))
    verdict = compare(only_group, then)
    assert not verdict.comparable and "2023-01 – 2023-05" in verdict.reason


def test_members_cover_a_month_together_only_when_each_does(world):
    found = total("teu", date(2026, 1, 1), date(2026, 2, 28), ids(world, "G"))
    assert found.value == D(150)  # A 50 + 60, B 40
    assert found.partial and found.months == (date(2026, 1, 1),)
    assert found.nodes == ("TGA", "TGB")


def test_a_long_period_holds_what_each_part_covers(world):
    found = total("teu", date(2025, 1, 1), date(2026, 2, 28), ids(world, "G", "C"))
    assert found.value == D(1830)  # 1200 + 480 + 150
    assert found.partial
    assert date(2026, 1, 1) in found.months and date(2026, 2, 1) not in found.months


def test_a_figure_across_the_period_edge_does_not_count(world):
    found = total("teu", date(2025, 6, 1), date(2025, 12, 31), ids(world, "G", "C"))
    assert found.value == D(280)  # C's June to December; G's year is not inside
    assert found.nodes == ("TC",)


def test_each_node_carries_only_its_own_figure(world):
    year = node_totals("teu", date(2025, 1, 1), date(2025, 12, 31), world.values())
    assert year["TG"].value == D(1200) and year["TG"].qualifier == ">="
    # A's own March lies in the group's year: the group stands for it there.
    assert year["TGA"].value is None and year["TGA"].covered_by == "TG"
    assert year["TGB"].value is None and year["TGB"].covered_by == "TG"
    assert "TG" in year["TGB"].covers_text()
    assert year["TC"].value == D(480)
    # The rows add up to the total of them all (no group figure twice, no March twice).
    together = total("teu", date(2025, 1, 1), date(2025, 12, 31), ids(world, "G", "A", "B", "C"))
    assert sum(f.value or 0 for f in year.values()) == together.value == D(1680)
    # Where the group has no figure, the members carry their own.
    months = node_totals("teu", date(2026, 1, 1), date(2026, 2, 28), world.values())
    assert (months["TGA"].value, months["TGB"].value, months["TG"].value) == (110, 40, None)
    assert months["TGA"].covered_by is None and not months["TGA"].partial
    assert months["TGB"].partial


def test_nothing_is_a_figure_of_none(world):
    found = total("teu", date(2019, 1, 1), date(2019, 12, 31), ids(world, "G", "C"))
    assert found.value is None and not found.partial and found.nodes == ()
    assert not compare(found, found).comparable


def test_best_disjoint_prefers_cover_then_finer_then_wider():
    class R:
        def __init__(self, pk, a, b, value):
            self.pk, self.value = pk, D(value)
            self.period_start, self.period_end = date.fromisoformat(a), date.fromisoformat(b)

    year = R(1, "2025-01-01", "2025-12-31", 100)
    h1, h2 = R(2, "2025-01-01", "2025-06-30", 40), R(3, "2025-07-01", "2025-12-31", 50)
    other = R(4, "2025-01-01", "2025-12-31", 90)
    assert [r.pk for r in best_disjoint([year, h1, h2, other])] == [2, 3]
    assert [r.pk for r in best_disjoint([year, other, h1])] == [1]  # the whole year covers more
    assert [r.pk for r in best_disjoint([other, year])] == [1]  # the wider scope
    assert best_disjoint([h1, h2], blocked=[(year.period_start.toordinal(),) * 2]) == [h2]


# -- drawn at random: invariants over laminar figures (months, quarters, halves, years) ----

SIZES = {"month": 1, "quarter": 3, "half": 6, "year": 12}


@st.composite
def figures_and_period(draw):
    chosen = draw(
        st.lists(
            st.tuples(st.sampled_from(list(SIZES)), st.integers(0, 35), st.integers(1, 500)),
            max_size=25,
        )
    )
    first = draw(st.integers(0, 35))
    last = draw(st.integers(first, 35))
    return chosen, first, last


BASE = 2024 * 12


def _store(node, chosen):
    seen = set()
    for kind, offset, value in chosen:
        size = SIZES[kind]
        start = BASE + offset // size * size  # aligned like calendar periods
        if (start, size) in seen:
            continue
        seen.add((start, size))
        figure(node, str(month_start(start)), str(month_end(start + size - 1)), value)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(drawn=figures_and_period(), split=st.integers(0, 35))
def test_invariants_over_random_figures_and_periods(drawn, split):
    chosen, first, last = drawn
    ThroughputReport.objects.filter(node__code="TR").delete()
    Node.objects.filter(code="TR").delete()  # left by an earlier example
    node = make_node("TR")
    _store(node, chosen)
    period = (month_start(BASE + first), month_end(BASE + last))
    found = total("teu", *period, [node.pk])
    figures = ThroughputReport.objects.filter(node=node)
    inside = [f for f in figures if period[0] <= f.period_start and f.period_end <= period[1]]
    held = {
        month_index(f.period_start) + i
        for f in inside
        for i in range(month_index(f.period_end) - month_index(f.period_start) + 1)
    }
    # "partial" exactly when a month of the period is held by no figure inside it.
    if inside:
        assert found.partial == (held != set(range(BASE + first, BASE + last + 1)))
        assert {month_index(m) for m in found.months} == held
    else:
        assert found.value is None
    # Counted figures never overlap (a year and its months are not added).
    spans = sorted((p.start, p.end) for p in found.parts)
    assert all(a[1] < b[0] for a, b in itertools.pairwise(spans))
    # A complete period is the sum of its complete halves.
    cut = BASE + split
    if found.value is not None and not found.partial and first <= split < last:
        a = total("teu", period[0], month_end(cut), [node.pk])
        b = total("teu", month_start(cut + 1), period[1], [node.pk])
        if not a.partial and not b.partial and a.value is not None and b.value is not None:
            assert found.value == a.value + b.value


@st.composite
def group_world(draw):
    """Random laminar figures of a group and its two members, and a period."""

    def figures():
        return draw(
            st.lists(
                st.tuples(st.sampled_from(list(SIZES)), st.integers(0, 23), st.integers(1, 500)),
                max_size=10,
            )
        )

    first = draw(st.integers(0, 23))
    return figures(), figures(), figures(), first, draw(st.integers(first, 23))


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(drawn=group_world())
def test_group_invariants_over_random_figures(drawn):
    group_figures, a_figures, b_figures, first, last = drawn
    ThroughputReport.objects.filter(node__code__in=["RG", "RGA", "RGB"]).delete()
    Node.objects.filter(code__in=["RGA", "RGB"]).delete()
    Node.objects.filter(code="RG").delete()
    g = make_node("RG", kind="port_group", kinds=["port_group"])
    a, b = make_node("RGA", group=g), make_node("RGB", group=g)
    for node, chosen in ((g, group_figures), (a, a_figures), (b, b_figures)):
        _store(node, chosen)
    period = (month_start(BASE + first), month_end(BASE + last))
    rows = node_totals("teu", *period, [g, a, b])
    together = total("teu", *period, [g.pk, a.pk, b.pk])
    group_days = [(p.start, p.end) for p in together.parts if p.node == "RG"]
    # Members never add figures of a time the group's figures cover: the group's figure
    # is never exceeded by what its members add for that time.
    for part in together.parts:
        if part.node != "RG":
            assert not any(s <= part.end and part.start <= e for s, e in group_days)
    # The rows add up to the total of the three.
    assert sum((r.value or 0) for r in rows.values()) == (together.value or 0)
    # A member's row never carries the group's number.
    group_ids = {p.id for p in rows["RG"].parts}
    assert not any(p.id in group_ids for code in ("RGA", "RGB") for p in rows[code].parts)


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(drawn=figures_and_period(), shift=st.sampled_from([1, 12]))
def test_a_like_for_like_pair_shows_a_percentage(drawn, shift):
    """Two totals of the same node compare exactly when they cover the same months of
    their periods; then the change is a percentage, else a reason is given."""
    chosen, first, last = drawn
    ThroughputReport.objects.filter(node__code="TR").delete()
    Node.objects.filter(code="TR").delete()
    node = make_node("TR")
    _store(node, chosen)
    now = total("teu", month_start(BASE + first), month_end(BASE + last), [node.pk])
    n = last - first + 1
    back = shift * n if shift == 1 else 12  # the period before, or a year before
    then = total("teu", month_start(BASE + first - back), month_end(BASE + last - back), [node.pk])
    verdict = compare(now, then)
    same = (
        now.value is not None
        and then.value
        and {month_index(m) - BASE - first for m in now.months}
        == {month_index(m) - BASE - first + back for m in then.months}
    )
    assert verdict.comparable == bool(same), (now, then, verdict)
    if verdict.comparable:
        assert verdict.change == pytest.approx(float((now.value - then.value) / then.value))
    else:
        assert verdict.reason
