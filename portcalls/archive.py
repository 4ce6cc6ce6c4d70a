"""Port calls over archived months of positions (GeoParquet, see ais.geoparquet) with Dask
(dask-geopandas), feeding the same pure detector (`portcalls.detection.detect_calls_arrays`)
as the database path, so an analyst with a cluster runs the very same rules there.

Pure: no Django."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import numpy as np

from .detection import Call, PortFences, Rule, detect_calls_arrays


def port_calls(
    paths: Iterable[Path | str],
    fences: PortFences,
    rule: Rule,
    until: float | None = None,
    scheduler: str | None = None,
) -> list[Call]:
    """Port calls over archived months with Dask: the files read as a dask-geopandas frame,
    shuffled so that each vessel's positions are in one partition, and each partition fed
    to `detect_calls_arrays` (trackers are per vessel, so the split changes nothing).
    `scheduler` as Dask takes it ("threads", "processes", "synchronous", or None: the
    distributed client in use, if any)."""
    import dask
    import dask_geopandas
    import pandas as pd

    frame = dask_geopandas.read_parquet(
        [str(p) for p in paths], columns=["mmsi", "ts", "sog_kn", "geometry"]
    )
    frame = frame.assign(lon=frame.geometry.x, lat=frame.geometry.y)
    frame = frame[["mmsi", "ts", "lon", "lat", "sog_kn"]].shuffle("mmsi")

    def calls_of(part: pd.DataFrame) -> pd.DataFrame:
        # Whole microseconds since the epoch, then seconds: the same float as the
        # database path's `datetime.timestamp()` (nanoseconds would round first).
        micros = part["ts"].dt.tz_convert("UTC").dt.as_unit("us").astype("int64")
        seconds = micros.to_numpy() / 1e6
        found = detect_calls_arrays(
            part["mmsi"].to_numpy(dtype=np.int64),
            seconds,
            part["lon"].to_numpy(dtype=float),
            part["lat"].to_numpy(dtype=float),
            part["sog_kn"].to_numpy(dtype=float),
            fences,
            rule,
            until=until,
        )
        return pd.DataFrame({"call": pd.Series(found, dtype=object)})

    meta = pd.DataFrame({"call": pd.Series([], dtype=object)})
    result = frame.map_partitions(calls_of, meta=meta)
    with dask.config.set(scheduler=scheduler) if scheduler else _nothing():
        calls = list(result.compute()["call"])
    return sorted(calls, key=lambda c: (c.mmsi, c.arrival_s))


class _nothing:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None
