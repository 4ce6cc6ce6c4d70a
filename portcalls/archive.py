"""Port calls over archived months of positions (GeoParquet, see ais.geoparquet) with Dask
(dask-geopandas), feeding the same pure detector (`portcalls.detection.detect_calls_arrays`)
as the database path, so an analyst with a cluster runs the very same rules there.

Pure: no Django."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any

import numpy as np

from .detection import Call, PortFences, Rule, detect_calls_arrays


def port_calls(
    paths: Iterable[Path | str],
    fences: PortFences,
    rule: Rule,
    until: float | None = None,
    scheduler: str | None = None,
    client: Any = None,
) -> list[Call]:
    """Port calls of one port over archived months (see `ports_calls`)."""
    return ports_calls(paths, [(fences, rule)], until, scheduler, client)


def ports_calls(
    paths: Iterable[Path | str],
    ports: Sequence[tuple[PortFences, Rule]],
    until: float | None = None,
    scheduler: str | None = None,
    client: Any = None,
) -> list[Call]:
    """Port calls of `ports` (each its fences and rule) over archived months with Dask: the
    files read once as a dask-geopandas frame, shuffled so that each vessel's positions are
    in one partition, and each partition fed to `detect_calls_arrays` for every port
    (trackers are per vessel, so the split changes nothing). Sorted by port, vessel, arrival.

    Where it runs: `client`, a `dask.distributed.Client` or a scheduler's address
    ("tcp://host:8786", connected for this run and closed after), spreads the partitions
    (at least two per worker thread) over its workers, which import this code from the same
    checkout or image; else `scheduler` as Dask takes it ("threads", "processes",
    "synchronous", or None: the default)."""
    import dask
    import dask_geopandas
    import pandas as pd

    frame = dask_geopandas.read_parquet(
        [str(p) for p in paths], columns=["mmsi", "ts", "sog_kn", "geometry"]
    )
    frame = frame.assign(lon=frame.geometry.x, lat=frame.geometry.y)

    def calls_of(part: pd.DataFrame) -> pd.DataFrame:
        # Whole microseconds since the epoch, then seconds: the same float as the
        # database path's `datetime.timestamp()` (nanoseconds would round first).
        micros = part["ts"].dt.tz_convert("UTC").dt.as_unit("us").astype("int64")
        columns = (
            part["mmsi"].to_numpy(dtype=np.int64),
            micros.to_numpy() / 1e6,
            part["lon"].to_numpy(dtype=float),
            part["lat"].to_numpy(dtype=float),
            part["sog_kn"].to_numpy(dtype=float),
        )
        found = [
            call
            for fences, rule in ports
            for call in detect_calls_arrays(*columns, fences, rule, until=until)
        ]
        return pd.DataFrame({"call": pd.Series(found, dtype=object)})

    meta = pd.DataFrame({"call": pd.Series([], dtype=object)})
    with _connected(client) as cluster:
        parts = frame.npartitions
        if cluster is not None:
            parts = max(parts, 2 * (sum(cluster.nthreads().values()) or 1))
        shuffled = frame[["mmsi", "ts", "lon", "lat", "sog_kn"]].shuffle("mmsi", npartitions=parts)
        result = shuffled.map_partitions(calls_of, meta=meta)
        if cluster is not None:
            calls = list(cluster.compute(result).result()["call"])
        else:
            with dask.config.set(scheduler=scheduler) if scheduler else nullcontext():
                calls = list(result.compute()["call"])
    return sorted(calls, key=lambda c: (c.port, c.mmsi, c.arrival_s))


@contextmanager
def _connected(client: Any) -> Iterator[Any]:
    """The distributed client to use: the one given, or one connected to the address given
    (closed afterwards), or None."""
    if not isinstance(client, str):
        yield client
        return
    from distributed import Client

    connected = Client(client, timeout="30s")  # type: ignore[no-untyped-call]
    try:
        yield connected
    finally:
        connected.close()  # type: ignore[no-untyped-call]
