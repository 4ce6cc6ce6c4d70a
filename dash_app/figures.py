"""Figures for the Dash pages: pure functions, data in, plotly figure out."""

from __future__ import annotations

from datetime import datetime

import plotly.graph_objects as go


def _layout(fig: go.Figure, title: str, height: int = 260) -> go.Figure:
    fig.update_layout(
        title={"text": title, "font": {"size": 14}},
        height=height,
        margin={"l": 50, "r": 10, "t": 40, "b": 40},
        template="plotly_white",
        legend={"orientation": "h", "y": -0.25},
    )
    return fig


def empty(title: str, message: str, height: int = 260) -> go.Figure:
    """A chart with nothing to draw says so, instead of an empty axis."""
    fig = go.Figure()
    fig.add_annotation(
        text=message,
        x=0.5,
        y=0.5,
        xref="paper",
        yref="paper",
        showarrow=False,
        font={"size": 14, "color": "#868e96"},
    )
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return _layout(fig, title, height=height)


def calls_timeline(calls: list, labels: dict[str, str], title: str) -> go.Figure:
    """One row per call: the anchorage wait and the stay at berth as bars over time
    (`calls`: objects with vessel, anchorage_start/end, arrival, berth_start/end and
    departure as datetimes)."""
    if not calls:
        return empty(title, labels["empty"])
    fig = go.Figure()
    now = datetime.now().astimezone()
    for kind, start_key, end_key, colour in (
        ("anchorage", "anchorage_start", "anchorage_end", "#f59f00"),
        ("berth", "berth_start", "berth_end", "#1971c2"),
        ("port", "arrival", "departure", "#adb5bd"),
    ):
        rows = [c for c in calls if getattr(c, start_key)]
        if not rows:
            continue
        fig.add_trace(
            go.Bar(
                name=labels[kind],
                orientation="h",
                marker_color=colour,
                y=[c.vessel for c in rows],
                base=[getattr(c, start_key) for c in rows],
                x=[
                    ((getattr(c, end_key) or now) - getattr(c, start_key)).total_seconds() * 1000
                    for c in rows
                ],
                opacity=0.45 if kind == "port" else 0.9,
                hovertemplate="%{y}<br>%{base|%Y-%m-%d %H:%M} + %{x:.0f} ms<extra></extra>",
            )
        )
    fig.update_xaxes(type="date", side="top")
    fig.update_yaxes(autorange="reversed")
    _layout(fig, title, height=max(260, 18 * len(calls) + 110))
    fig.update_layout(
        barmode="overlay",
        legend={"orientation": "h", "y": 1.0, "yanchor": "bottom", "x": 1, "xanchor": "right"},
        margin={"l": 50, "r": 10, "t": 70, "b": 10},
    )
    return fig


def with_data(days: list[dict]) -> list[dict]:
    """The port's days from the first with any call on: a chart spans its data, not the
    empty months before the data began."""
    for i, d in enumerate(days):
        if d["arrivals"] or d["departures"] or d["queue"]:
            return days[i:]
    return []


def queue_chart(days: list[dict], labels: dict[str, str], title: str) -> go.Figure:
    """Vessels waiting at anchor per day against the baseline mean and 90th percentile
    (where the baseline has its days); congested days marked."""
    days = with_data(days)
    if not any(d["queue"] or d["baseline"]["queue_mean"] for d in days):
        return empty(title, labels["empty"])
    x = [d["date"] for d in days]
    fig = go.Figure(
        [
            go.Bar(
                name=labels["queue"],
                x=x,
                y=[d["queue"] for d in days],
                marker_color=["#e03131" if d["congested"] else "#4dabf7" for d in days],
            ),
            go.Scatter(
                name=labels["mean"],
                x=x,
                y=[d["baseline"]["queue_mean"] for d in days],
                mode="lines",
                line={"color": "#495057", "dash": "dot"},
            ),
            go.Scatter(
                name=labels["p90"],
                x=x,
                y=[d["baseline"]["queue_p90"] for d in days],
                mode="lines",
                line={"color": "#e03131", "dash": "dash"},
            ),
        ]
    )
    return _layout(fig, title)


def wait_chart(days: list[dict], labels: dict[str, str], title: str) -> go.Figure:
    """Median anchorage wait and median time in port per day, hours."""
    days = with_data(days)
    if not any(
        d["median_anchorage_wait_h"] is not None or d["median_hours_in_port"] is not None
        for d in days
    ):
        return empty(title, labels["empty"])
    x = [d["date"] for d in days]
    fig = go.Figure(
        [
            go.Scatter(
                name=labels["wait"],
                x=x,
                y=[d["median_anchorage_wait_h"] for d in days],
                mode="lines+markers",
                line={"color": "#f59f00"},
            ),
            go.Scatter(
                name=labels["stay"],
                x=x,
                y=[d["median_hours_in_port"] for d in days],
                mode="lines+markers",
                line={"color": "#1971c2"},
            ),
        ]
    )
    fig.update_yaxes(title_text="h")
    return _layout(fig, title)


def throughput_chart(series, labels: dict[str, str], title: str) -> go.Figure:
    """Monthly TEU: official and pending figures as bars, the AIS estimate as a line."""
    fig = go.Figure()
    fig.add_trace(
        go.Bar(name=labels["official"], x=series.months, y=series.official, marker_color="#1971c2")
    )
    fig.add_trace(
        go.Bar(
            name=labels["pending"],
            x=series.months,
            y=series.pending,
            marker_color="#f59f00",
            opacity=0.7,
        )
    )
    if any(v is not None for v in series.ais):
        fig.add_trace(
            go.Scatter(
                name=labels["ais"],
                x=series.months,
                y=series.ais,
                mode="lines+markers",
                line={"color": "#2b8a3e", "dash": "dot"},
            )
        )
    fig.update_layout(barmode="group")
    fig.update_yaxes(title_text="TEU")
    return _layout(fig, title, height=240)


def trains_chart(periods: list[dict], labels: dict[str, str], title: str) -> go.Figure:
    """Trains run and cancelled per week (stacked bars), TEU on a second axis."""
    weeks = [p["period"] for p in periods]
    fig = go.Figure()
    fig.add_trace(
        go.Bar(
            name=labels["run"],
            x=weeks,
            y=[p["trains_run"] for p in periods],
            marker_color="#1971c2",
        )
    )
    fig.add_trace(
        go.Bar(
            name=labels["cancelled"],
            x=weeks,
            y=[p["cancelled"] for p in periods],
            marker_color="#c92a2a",
        )
    )
    fig.add_trace(
        go.Scatter(
            name=labels["teu"],
            x=weeks,
            y=[p["teu"] for p in periods],
            yaxis="y2",
            mode="lines+markers",
            line={"color": "#2b8a3e"},
        )
    )
    fig.update_layout(
        barmode="stack", yaxis2={"overlaying": "y", "side": "right", "showgrid": False}
    )
    return _layout(fig, title)


def transit_chart(periods: list[dict], labels: dict[str, str], title: str) -> go.Figure:
    """Median and 90th-percentile transit time per week (hours)."""
    weeks = [p["period"] for p in periods]
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            name=labels["median"],
            x=weeks,
            y=[p["transit_median_h"] for p in periods],
            mode="lines+markers",
        )
    )
    fig.add_trace(
        go.Scatter(
            name=labels["p90"],
            x=weeks,
            y=[p["transit_p90_h"] for p in periods],
            mode="lines+markers",
            line={"dash": "dot"},
        )
    )
    return _layout(fig, title)


def punctuality_chart(periods: list[dict], labels: dict[str, str], title: str) -> go.Figure:
    """Share of arrived trains on time (against the booked and the original plan), %."""
    weeks = [p["period"] for p in periods]

    def pct(v):
        return None if v is None else round(100 * v, 1)

    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            name=labels["booked"],
            x=weeks,
            y=[pct(p["punctuality"]) for p in periods],
            mode="lines+markers",
        )
    )
    fig.add_trace(
        go.Scatter(
            name=labels["original"],
            x=weeks,
            y=[pct(p["punctuality_original"]) for p in periods],
            mode="lines+markers",
            line={"dash": "dot"},
        )
    )
    fig.update_yaxes(range=[0, 100], ticksuffix="%")
    return _layout(fig, title)


def transfer_histogram(
    hours: dict[str, dict[str, list[float]]], threshold_h: float, labels: dict[str, str], title: str
) -> go.Figure:
    """Distribution of transfer times (hours) by direction, exact and estimated apart, with
    the threshold drawn."""
    if not any(values for kinds in hours.values() for values in kinds.values()):
        return empty(title, labels["empty"], height=300)
    fig = go.Figure()
    colours = {"rail_to_sea": "#1971c2", "sea_to_rail": "#e8590c"}
    for direction, kinds in hours.items():
        for kind, values in kinds.items():
            if not values:
                continue
            fig.add_trace(
                go.Histogram(
                    name=f"{labels[direction]} · {labels[kind]}",
                    x=values,
                    xbins={"size": 6},
                    marker_color=colours.get(direction, "#555"),
                    opacity=0.9 if kind == "exact" else 0.45,
                )
            )
    fig.add_vline(
        x=threshold_h, line_dash="dash", line_color="#c92a2a", annotation_text=labels["threshold"]
    )
    fig.update_layout(barmode="overlay")
    fig.update_xaxes(title_text=labels["hours"])
    return _layout(fig, title, height=300)


def share_axis(values: list[float | None]) -> list[float]:
    """A 0-based percent axis scaled to its data (the highest value and a fifth more,
    rounded up to ten, at least 10 %, at most 100 %): lines of 8-20 % fill the chart
    instead of a fifth of a 0-100 % axis."""
    top = max((v for v in values if v is not None), default=0.0)
    return [0, float(min(100, max(10, -(-top * 1.2 // 10) * 10)))]


def coverage_chart(points: list, title: str, empty_text: str) -> go.Figure:
    """A node's coverage score over time (share of applicable services, %)."""
    if not any(p.score is not None for p in points):
        return empty(title, empty_text, height=220)
    fig = go.Figure(
        go.Scatter(
            x=[p.month for p in points],
            y=[None if p.score is None else round(100 * p.score, 1) for p in points],
            mode="lines",
            line={"shape": "hv", "color": "#1971c2"},
            fill="tozeroy",
        )
    )
    fig.update_yaxes(range=share_axis([t for t in fig.data[0].y if t is not None]), ticksuffix="%")
    return _layout(fig, title, height=220)


def coverage_lines(
    months: list[str], lines: dict[str, list[float | None]], title: str, empty_text: str
) -> go.Figure:
    """Coverage over time, one line per route (and the corridor), in %."""
    if not any(v is not None for values in lines.values() for v in values):
        return empty(title, empty_text, height=300)
    fig = go.Figure()
    for name, values in lines.items():
        fig.add_trace(
            go.Scatter(
                name=name,
                x=months,
                y=[None if v is None else round(100 * v, 1) for v in values],
                mode="lines",
                line={"shape": "hv", "width": 3 if name == next(iter(lines)) else 1.5},
            )
        )
    shown = [y for trace in fig.data for y in trace.y if y is not None]
    fig.update_yaxes(range=share_axis(shown), ticksuffix="%")
    return _layout(fig, title, height=300)
