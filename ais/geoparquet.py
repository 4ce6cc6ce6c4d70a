"""Closed months of AIS positions as GeoParquet, and what reads them without PostgreSQL.

Pure: no Django. `ais.services.archive` writes a month from the database with
`MonthWriter`; `query` reads the archive with DuckDB; `portcalls.archive.port_calls`
recomputes port calls over any number of months with Dask.

A file holds one month (`positions-YYYY-MM.parquet`; a second batch of late reports for an
archived month goes to `positions-YYYY-MM-2.parquet`), rows sorted by (mmsi, ts), in row
groups of `ROW_GROUP` rows. Columns: mmsi, ts (UTC, microseconds), the AIS fields as
stored, `geometry` (WKB points, lon/lat WGS84) and `bbox` (xmin, ymin, xmax, ymax), the
GeoParquet 1.1 covering column that lets a reader skip row groups by area.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

ROW_GROUP = 250_000
COLUMNS = [
    "mmsi",
    "ts",
    "sog_kn",
    "cog_deg",
    "heading_deg",
    "nav_status",
    "msg_type",
    "source",
    "geometry",
    "bbox",
]
BBOX = pa.struct(
    [("xmin", pa.float64()), ("ymin", pa.float64()), ("xmax", pa.float64()), ("ymax", pa.float64())]
)
SCHEMA = pa.schema(
    [
        ("mmsi", pa.int32()),
        ("ts", pa.timestamp("us", tz="UTC")),
        ("sog_kn", pa.float32()),
        ("cog_deg", pa.float32()),
        ("heading_deg", pa.int16()),
        ("nav_status", pa.int16()),
        ("msg_type", pa.int16()),
        ("source", pa.string()),
        ("geometry", pa.binary()),
        ("bbox", BBOX),
    ]
)


def geo_metadata(bbox: Sequence[float] | None) -> dict[str, Any]:
    """The GeoParquet 1.1 "geo" metadata (no `crs`: OGC:CRS84, i.e. lon/lat WGS84)."""
    column: dict[str, Any] = {
        "encoding": "WKB",
        "geometry_types": ["Point"],
        "covering": {
            "bbox": {
                "xmin": ["bbox", "xmin"],
                "ymin": ["bbox", "ymin"],
                "xmax": ["bbox", "xmax"],
                "ymax": ["bbox", "ymax"],
            }
        },
    }
    if bbox is not None:
        column["bbox"] = list(bbox)
    return {"version": "1.1.0", "primary_column": "geometry", "columns": {"geometry": column}}


def point_wkb(lon: np.ndarray, lat: np.ndarray) -> list[bytes]:
    """Little-endian WKB points, built from the coordinates without GEOS objects."""
    head = b"\x01\x01\x00\x00\x00"
    xy = np.column_stack([lon.astype("<f8"), lat.astype("<f8")])
    return [head + row.tobytes() for row in xy]


class MonthWriter:
    """Writes rows (mmsi, ts, lon, lat, sog, cog, heading, nav_status, msg_type, source),
    already in (mmsi, ts) order, to one GeoParquet file: written under a temporary name and
    moved into place by `close()`, so a file that exists is whole."""

    def __init__(self, path: Path):
        self.path = path
        self.partial = path.with_suffix(".parquet.partial")
        self.writer = pq.ParquetWriter(self.partial, SCHEMA, compression="zstd")
        self.rows = 0
        self.bounds = [np.inf, np.inf, -np.inf, -np.inf]

    def write(self, rows: Sequence[tuple[Any, ...]]) -> None:
        if not rows:
            return
        mmsi, ts, lon, lat, sog, cog, heading, status, msg_type, source = zip(*rows, strict=True)
        x, y = np.array(lon, dtype=float), np.array(lat, dtype=float)
        self.bounds = [
            min(self.bounds[0], float(x.min())),
            min(self.bounds[1], float(y.min())),
            max(self.bounds[2], float(x.max())),
            max(self.bounds[3], float(y.max())),
        ]
        bbox = pa.StructArray.from_arrays(
            [pa.array(x), pa.array(y), pa.array(x), pa.array(y)], fields=list(BBOX)
        )
        table = pa.Table.from_arrays(
            [
                pa.array(mmsi, pa.int32()),
                pa.array(ts, pa.timestamp("us", tz="UTC")),
                pa.array(sog, pa.float32()),
                pa.array(cog, pa.float32()),
                pa.array(heading, pa.int16()),
                pa.array(status, pa.int16()),
                pa.array(msg_type, pa.int16()),
                pa.array(source, pa.string()),
                pa.array(point_wkb(x, y), pa.binary()),
                bbox,
            ],
            schema=SCHEMA,
        )
        self.writer.write_table(table, row_group_size=ROW_GROUP)
        self.rows += len(rows)

    def close(self) -> int:
        """Finish the file (its "geo" metadata with the bounds) and move it into place."""
        self.writer.close()
        bounds = self.bounds if self.rows else None
        table = pq.read_table(self.partial)
        meta = {**(table.schema.metadata or {}), b"geo": json.dumps(geo_metadata(bounds)).encode()}
        pq.write_table(
            table.replace_schema_metadata(meta),
            self.partial,
            compression="zstd",
            row_group_size=ROW_GROUP,
        )
        self.partial.replace(self.path)
        return self.rows

    def abandon(self) -> None:
        self.writer.close()
        self.partial.unlink(missing_ok=True)


def archive_files(directory: Path) -> list[Path]:
    return sorted(directory.glob("positions-*.parquet"))


def query(
    directory: Path,
    bbox: tuple[float, float, float, float] | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    mmsi: int | None = None,
) -> list[tuple[Any, ...]]:
    """Positions from the archive with DuckDB (no PostgreSQL): (mmsi, ts, lon, lat, sog_kn,
    cog_deg, heading_deg, nav_status, msg_type, source) in (mmsi, ts) order, inside `bbox`
    (west, south, east, north; the covering column prunes row groups), in [start, end]."""
    import duckdb

    files = [str(p) for p in archive_files(directory)]
    if not files:
        return []
    where, params = ["true"], []
    if bbox is not None:
        where.append("bbox.xmin >= ? AND bbox.xmax <= ? AND bbox.ymin >= ? AND bbox.ymax <= ?")
        params += [bbox[0], bbox[2], bbox[1], bbox[3]]
    # Times as microseconds since the epoch: exact, and no time-zone module needed.
    if start is not None:
        where.append("epoch_us(ts) >= ?")
        params.append(_micros(start))
    if end is not None:
        where.append("epoch_us(ts) <= ?")
        params.append(_micros(end))
    if mmsi is not None:
        where.append("mmsi = ?")
        params.append(mmsi)
    sql = (
        # real columns as PostgreSQL's driver gives them: the shortest decimal of the float4
        "SELECT mmsi, epoch_us(ts), bbox.xmin, bbox.ymin, sog_kn::VARCHAR::DOUBLE, "
        "cog_deg::VARCHAR::DOUBLE, heading_deg, "
        f"nav_status, msg_type, source FROM read_parquet(?) WHERE {' AND '.join(where)} "
        "ORDER BY mmsi, ts"
    )
    with duckdb.connect() as con:
        rows = con.execute(sql, [files, *params]).fetchall()
    return [(r[0], EPOCH + timedelta(microseconds=r[1]), *r[2:]) for r in rows]


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _micros(moment: datetime) -> int:
    return (moment - EPOCH) // timedelta(microseconds=1)
