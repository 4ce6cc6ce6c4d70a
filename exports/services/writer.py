"""Writing a layer's chunks to a file with GDAL (pyogrio), chunk by chunk (append), so a
million positions never sit in memory at once.

What GIS users trip over, handled here:
- Shapefile (zipped): `.cpg` (UTF-8) and `.prj`; field names cut to 10 characters, made
  unique the same way every time, with `fields.csv` mapping them back; date-times as ISO
  strings (the format has no date-time type); text over 254 characters noted in README.txt;
- GeoPackage: date-times in UTC (written with a zero offset: `Z`), one layer, with a
  description (source, licence);
- KML (LIBKML): a style per feature from its colour (KML's aabbggrr order), names in the
  user's language;
- CSV: UTF-8 with a BOM (Excel shows Chinese), geometry as WKT; XLSX: native date-times
  without a zone, the header saying UTC; text that a spreadsheet would run as a formula is
  prefixed with ' in both;
- FlatGeobuf: with its spatial index (QGIS and GDAL read a box without the whole file);
- GeoParquet 1.1: WKB geometry, the "geo" metadata (its CRS as PROJJSON unless lon/lat
  WGS84, its bbox and geometry types) and the title, source and licence in the file's
  metadata; date-times as UTC timestamps;
- every file says where its figures come from: source columns, and a README in the zip
  (Shapefile) or the layer description (GeoPackage).
"""

from __future__ import annotations

import csv
import io
import os
import shutil
import tempfile
import warnings
import zipfile
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pyogrio.raw
import shapely

from core.ingest.spreadsheets import safe_cell
from core.ingest.text import visible

from .layers import LICENCE_NOTE, Chunk, LayerSpec

FORMATS = {
    "geojson": ("GeoJSON", ".geojson", "application/geo+json"),
    "gpkg": ("GPKG", ".gpkg", "application/geopackage+sqlite3"),
    "shp": ("ESRI Shapefile", ".zip", "application/zip"),
    "kml": ("LIBKML", ".kml", "application/vnd.google-earth.kml+xml"),
    "csv": ("CSV", ".csv", "text/csv; charset=utf-8"),
    "xlsx": ("XLSX", ".xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "fgb": ("FlatGeobuf", ".fgb", "application/vnd.flatgeobuf"),
    "parquet": ("GeoParquet", ".parquet", "application/vnd.apache.parquet"),
}
# Written through a GeoPackage (chunk by chunk, as above), then streamed out of it in
# Arrow batches: FlatGeobuf by GDAL (which cannot append to one), GeoParquet 1.1 by pyarrow
# (this GDAL has no Parquet driver). Memory stays one batch.
VIA_GPKG = ("fgb", "parquet")
ARROW_BATCH = 65_536
ICON = "http://maps.google.com/mapfiles/kml/shapes/placemark_circle.png"
SHP_TEXT_MAX = 254


class Cancelled(Exception):
    pass


def shapefile_names(names: Iterable[str]) -> dict[str, str]:
    """Field names cut to 10 characters, unique (a numeric suffix replaces the tail), the
    same for the same input."""
    out: dict[str, str] = {}
    used: set[str] = set()
    for name in names:
        short = name[:10]
        n = 1
        while short.lower() in used:
            suffix = f"_{n}"
            short = name[: 10 - len(suffix)] + suffix
            n += 1
        used.add(short.lower())
        out[name] = short
    return out


def _iso(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return value.isoformat() if isinstance(value, date) else str(value)


class _Columns:
    """Turns a chunk's values into pyogrio's arrays for one format."""

    def __init__(self, spec: LayerSpec, fmt: str):
        self.spec = spec
        self.fmt = fmt
        self.names = [name for name, _ in spec.fields]
        self.types = dict(spec.fields)
        self.long_text: dict[str, int] = {}
        self.kml_marked = False  # a text held `]]>` (kml_text): the file is mended
        self.out_names = list(self.names)
        if fmt == "shp":
            mapping = shapefile_names(self.names)
            self.out_names = [mapping[n] for n in self.names]
        elif fmt == "xlsx":
            self.out_names = [
                f"{n} (UTC)" if self.types[n] == "datetime" else n for n in self.names
            ]
        if fmt == "kml":
            self.out_names = ["Name" if n == spec.label_field else n for n in self.names]

    def arrays(
        self, chunk: Chunk
    ) -> tuple[list[np.ndarray], list[np.ndarray | None], dict[str, np.ndarray]]:
        n = len(chunk)
        data: list[np.ndarray] = []
        masks: list[np.ndarray | None] = []
        offsets: dict[str, np.ndarray] = {}
        for name, out_name in zip(self.names, self.out_names, strict=True):
            kind = self.types[name]
            values = chunk.values.get(name) or [None] * n
            mask = np.array([v is None for v in values], dtype=bool)
            if kind == "datetime" and self.fmt in ("shp", "csv"):
                kind, values = "str", [_iso(v) for v in values]
            if kind == "str":
                texts = [None if v is None else str(v) for v in values]
                if self.fmt in ("csv", "xlsx"):
                    texts = [None if t is None else safe_cell(t) for t in texts]
                elif self.fmt == "kml":
                    texts = [None if t is None else kml_text(t) for t in texts]
                    self.kml_marked = self.kml_marked or any(t and KML_MARK in t for t in texts)
                if self.fmt == "shp":
                    longest = max((len(t.encode()) for t in texts if t), default=0)
                    if longest > SHP_TEXT_MAX:
                        self.long_text[name] = self.long_text.get(name, 0) + sum(
                            1 for t in texts if t and len(t.encode()) > SHP_TEXT_MAX
                        )
                arr = np.array(["" if t is None else t for t in texts], dtype=object)
            elif kind == "int":
                arr = np.array([0 if v is None else int(v) for v in values], dtype=np.int64)
            elif kind == "float":
                arr = np.array(
                    [np.nan if v is None else float(v) for v in values], dtype=np.float64
                )
            elif kind == "bool":
                arr = np.array([bool(v) for v in values], dtype=bool)
            elif kind == "date":
                arr = np.array(
                    [np.datetime64("NaT") if v is None else np.datetime64(v, "D") for v in values],
                    dtype="datetime64[D]",
                )
            elif kind == "datetime":
                arr = np.array(
                    [
                        np.datetime64("NaT")
                        if v is None
                        else np.datetime64(v.astimezone(UTC).replace(tzinfo=None), "ms")
                        for v in values
                    ],
                    dtype="datetime64[ms]",
                )
                if self.fmt != "xlsx":
                    offsets[out_name] = np.full(n, 100, dtype=np.int64)  # GDAL's flag for UTC
            else:
                raise ValueError(f"unknown field type {kind}")
            data.append(arr)
            masks.append(mask if mask.any() else None)
        if self.fmt in ("csv", "xlsx") and self.spec.geometry == "Point":
            points = shapely.from_wkb(np.array(chunk.wkb, dtype=object))
            for coord in (shapely.get_x(points), shapely.get_y(points)):
                data.append(np.asarray(coord, dtype=np.float64))
                masks.append(None)
        if self.fmt == "xlsx" and self.spec.geometry:
            shapes = shapely.from_wkb(np.array(chunk.wkb, dtype=object))
            wkt = shapely.to_wkt(shapes, rounding_precision=-1)
            # A cell holds 32,767 characters: longer lines are cut and say so.
            data.append(
                np.array(
                    ["" if t is None else (t if len(t) < 32000 else t[:32000] + " …") for t in wkt],
                    dtype=object,
                )
            )
            masks.append(None)
        if self.fmt == "kml":
            colours = chunk.values.get(self.spec.colour_field or "", [None] * n)
            data.append(
                np.array([_kml_style(self.spec.geometry, c) for c in colours], dtype=object)
            )
            masks.append(None)
        return data, masks, offsets

    @property
    def fields(self) -> list[str]:
        names = list(self.out_names)
        if self.fmt in ("csv", "xlsx") and self.spec.geometry == "Point":
            names += ["lon", "lat"]
        if self.fmt == "xlsx" and self.spec.geometry:
            names.append("wkt")
        if self.fmt == "kml":
            names.append("OGR_STYLE")
        return names


# libkml writes a value holding markup characters as one CDATA section without splitting a
# `]]>` inside it (a name holding one ended the section and injected the rest as XML); a
# value that holds `<![CDATA[` it escapes as entities. Neither path can be told to split,
# so a `]]>` is handed over marked and the written file mended (KML_MENDS) to the exact
# text: `]]]]><![CDATA[>` inside CDATA, `]]&gt;` in escaped text.
KML_MARK = "]]\ue000>"
KML_MENDS = (("]]\ue000>", "]]]]><![CDATA[>"), ("]]\ue000&gt;", "]]&gt;"))


def kml_text(text: str) -> str:
    """Text as handed to libkml: `]]>` marked (KML_MARK); characters XML 1.0 cannot hold
    shown as U+FFFD."""
    return visible(text).replace("]]>", KML_MARK)


def _mend_kml(path: Path) -> None:
    """Replace the marks kml_text left, line by line (a mark never spans lines)."""
    mended = path.with_suffix(".mended")
    with path.open(encoding="utf-8") as src, mended.open("w", encoding="utf-8") as dst:
        for line in src:
            if "\ue000" in line:
                for mark, text in KML_MENDS:
                    line = line.replace(mark, text)
            dst.write(line)
    mended.replace(path)


def _kml_style(geometry: str | None, colour: Any) -> str:
    c = colour if isinstance(colour, str) and len(colour) == 7 else "#1f78b4"
    if geometry and "Polygon" in geometry:
        return f"BRUSH(fc:{c}55);PEN(c:{c},w:2px)"
    if geometry and "Line" in geometry:
        return f"PEN(c:{c},w:3px)"
    return f'SYMBOL(id:"{ICON}",c:{c})'


def _layer_options(fmt: str, spec: LayerSpec) -> dict[str, str]:
    if fmt == "gpkg":
        return {
            "DESCRIPTION": f"{spec.title} — {spec.source}. {LICENCE_NOTE}",
            "IDENTIFIER": spec.name,
        }
    if fmt == "csv":
        return {"GEOMETRY": "AS_WKT", "WRITE_BOM": "YES", "CREATE_CSVT": "NO"}
    if fmt == "geojson":
        return {"RFC7946": "NO", "WRITE_NAME": "YES", "DESCRIPTION": str(spec.title)}
    return {}


def _write(*args: Any, **kwargs: Any) -> None:
    pyogrio.raw.write(*args, **kwargs)


def write_layer(
    spec: LayerSpec,
    chunks: Iterable[Chunk],
    fmt: str,
    srid: int,
    out: Path,
    progress: Callable[[int], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> int:
    """Write `chunks` of `spec` as `fmt` to `out` (a .zip for Shapefile); the rows written."""
    final = fmt
    if fmt in VIA_GPKG:
        fmt = "gpkg"
    driver, _ext, _mime = FORMATS[fmt]
    columns = _Columns(spec, fmt)
    work = Path(tempfile.mkdtemp(prefix="cw-export-"))
    try:
        target = work / (f"{spec.name}.shp" if fmt == "shp" else f"{spec.name}{FORMATS[fmt][1]}")
        rows = 0
        crs = f"EPSG:{srid}"
        has_geometry = bool(spec.geometry) and fmt != "xlsx"  # XLSX: WKT and lon/lat columns
        parts = 0
        for chunk in chunks:
            if cancelled and cancelled():
                raise Cancelled()
            data, masks, offsets = columns.arrays(chunk)
            geometry = np.array(chunk.wkb, dtype=object) if has_geometry else None
            # GDAL's CSV driver cannot append: each chunk is its own file, joined below.
            part = work / f"part-{parts}.csv" if fmt == "csv" else target
            with warnings.catch_warnings():
                # Shapefile text over 254 bytes is cut by the format: README.txt says so.
                warnings.filterwarnings("ignore", message=".*has been truncated to 254")
                _write(
                    str(part),
                    geometry,
                    data,
                    columns.fields,
                    field_mask=masks if any(m is not None for m in masks) else None,
                    layer=spec.name,
                    driver=driver,
                    geometry_type=spec.geometry if has_geometry else None,
                    crs=crs if has_geometry else None,
                    encoding="UTF-8" if fmt == "shp" else None,
                    append=rows > 0 and fmt != "csv",
                    layer_options=_layer_options(fmt, spec) if rows == 0 or fmt == "csv" else None,
                    gdal_tz_offsets=offsets or None,
                    promote_to_multi=False,
                )
            if fmt == "csv":
                _join_csv(part, target, first=parts == 0)
                part.unlink()
                parts += 1
            rows += len(chunk)
            if progress:
                progress(rows)
        if rows == 0:  # an empty layer is still a file with its fields
            empty = Chunk([], {name: [] for name, _ in spec.fields})
            data, _masks, _ = columns.arrays(empty)
            pyogrio.raw.write(
                str(target),
                np.array([], dtype=object) if has_geometry else None,
                data,
                columns.fields,
                layer=spec.name,
                driver=driver,
                geometry_type=spec.geometry if has_geometry else None,
                crs=crs if has_geometry else None,
                encoding="UTF-8" if fmt == "shp" else None,
                layer_options=_layer_options(fmt, spec),
            )
        if fmt == "kml" and columns.kml_marked:
            _mend_kml(target)
        if fmt == "shp":
            _zip_shapefile(work, spec, columns, srid, rows, out)
        elif final == "fgb":
            _gpkg_to_flatgeobuf(target, work / out.name, spec, srid)
            shutil.move(str(work / out.name), out)
        elif final == "parquet":
            _gpkg_to_geoparquet(target, work / out.name, spec, srid)
            shutil.move(str(work / out.name), out)
        else:
            shutil.move(str(target), out)
        return rows
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _gpkg_to_flatgeobuf(gpkg: Path, target: Path, spec: LayerSpec, srid: int) -> None:
    with pyogrio.raw.open_arrow(str(gpkg), batch_size=ARROW_BATCH) as (meta, reader):
        pyogrio.raw.write_arrow(
            reader,
            str(target),
            layer=spec.name,
            driver="FlatGeobuf",
            geometry_name=meta["geometry_name"] or None,
            geometry_type=spec.geometry if spec.geometry else None,
            crs=f"EPSG:{srid}" if spec.geometry else None,
            layer_options={"SPATIAL_INDEX": "YES", "TITLE": str(spec.title)},
        )


def _geo_column(srid: int, geometry: str | None, bbox: list[float] | None) -> dict[str, Any]:
    column: dict[str, Any] = {"encoding": "WKB", "geometry_types": [geometry] if geometry else []}
    if srid != 4326:  # absent means OGC:CRS84, lon/lat WGS84 (as 4326 is written here)
        import pyproj

        column["crs"] = pyproj.CRS.from_epsg(srid).to_json_dict()
    if bbox is not None:
        column["bbox"] = bbox
    return column


def _gpkg_to_geoparquet(gpkg: Path, target: Path, spec: LayerSpec, srid: int) -> None:
    import json

    import pyarrow as pa
    import pyarrow.parquet as pq

    metadata = {"title": str(spec.title), "source": str(spec.source), "licence": LICENCE_NOTE}
    if spec.geometry:  # the extent from the GeoPackage's own index, before the rows
        info = pyogrio.read_info(str(gpkg), force_total_bounds=True)
        bounds = info.get("total_bounds")
        known = bounds is not None and info["features"] > 0 and np.isfinite(bounds).all()
        box = [float(b) for b in bounds] if known else None
        geo = {"geometry": _geo_column(srid, spec.geometry, box)}
        metadata["geo"] = json.dumps(
            {"version": "1.1.0", "primary_column": "geometry", "columns": geo}
        )
    with pyogrio.raw.open_arrow(str(gpkg), batch_size=ARROW_BATCH, use_pyarrow=True) as (
        meta,
        reader,
    ):
        geometry_name = meta["geometry_name"] or "geom"

        def named(table: pa.Table) -> pa.Table:
            if geometry_name not in table.column_names:
                return table
            index = table.column_names.index(geometry_name)
            return table.set_column(index, "geometry", table.column(index).cast(pa.binary()))

        schema = named(reader.schema.empty_table()).schema.with_metadata(metadata)
        with pq.ParquetWriter(str(target), schema, compression="zstd") as writer:
            for batch in reader:
                writer.write_table(named(pa.Table.from_batches([batch])).cast(schema))


def _join_csv(part: Path, target: Path, first: bool) -> None:
    """Append a chunk's CSV to the file: the first whole, later ones without their BOM and
    header line."""
    with part.open("rb") as src, target.open("ab") as dst:
        if not first:
            src.readline()
        shutil.copyfileobj(src, dst, 1 << 20)


def _zip_shapefile(
    work: Path, spec: LayerSpec, columns: _Columns, srid: int, rows: int, out: Path
) -> None:
    mapping = io.StringIO()
    writer = csv.writer(mapping)
    writer.writerow(["shapefile_field", "field", "type"])
    for name, short in zip(columns.names, columns.out_names, strict=True):
        kind = columns.types[name]
        writer.writerow([short, name, "ISO 8601 date-time (UTC)" if kind == "datetime" else kind])
    readme = [
        f"{spec.title}",
        f"Source: {spec.source}. {LICENCE_NOTE}.",
        f"Features: {rows}. Coordinates: EPSG:{srid}.",
        "Field names are cut to 10 characters: fields.csv gives the full names.",
        "Date-times are ISO 8601 text in UTC (the Shapefile format has no date-time type).",
        "Text is UTF-8 (see the .cpg file).",
    ]
    for name, count in columns.long_text.items():
        readme.append(
            f"{count} values of '{name}' are longer than 254 bytes and may be cut by some tools."
        )
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(work.iterdir()):
            zf.write(path, path.name)
        zf.writestr("fields.csv", mapping.getvalue())
        zf.writestr("README.txt", "\n".join(readme) + "\n")


def file_name(spec: LayerSpec, fmt: str, when: datetime | None = None) -> str:
    when = when or datetime.now(UTC)
    return f"corridor-watch-{spec.name}-{when:%Y%m%dT%H%M%SZ}{FORMATS[fmt][1]}"


def content_type(fmt: str) -> str:
    return FORMATS[fmt][2]


def ensure_dir(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    os.chmod(path, 0o700)
    return path
