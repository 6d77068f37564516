"""Import a point file (firm registry, POI export) as it comes: check, convert, write GeoParquet.

Firm lists reach an analyst as CSV, Parquet, GeoPackage or GeoJSON exports, usually
geocoded by Amap (GCJ-02) or Baidu (BD-09), often with bad rows.  :func:`import_points`
reads such a file in chunks (10^7 rows never need 10^7 geometries at once), converts
every good row to WGS-84 with :func:`geo.crs.convert_coords`, and sorts every bad row
into one of :data:`REJECT_REASONS`; rejected rows go to a CSV beside the output with a
``reject_reason`` column, so nothing is ever dropped silently.

The output is GeoParquet (WKB points, EPSG:4326) holding every column of the input
except the coordinate columns, plus ``src_row`` (the 0-based data row of the input).
Its metadata records the source file, the source coordinate system and the category
column, which :mod:`geo.points.zones` picks up.
"""

from __future__ import annotations

import contextlib
import csv
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pyproj
import shapely
from tqdm.auto import tqdm

from geo import settings
from geo.crs import WGS84, convert_coords, normalize_system
from geo.errors import CoordinateSystemError, CorridorError
from geo.io import atomic_path
from geo.points.arrow import point_wkb, wkb_point_xy

#: Why a row is rejected, in the order the checks run (a row gets the first that applies).
REJECT_REASONS = ("missing", "unparsable", "not_a_point", "swapped", "out_of_region")
#: Schema-metadata key under which the importer records what it did.
METADATA_KEY = b"corridor_points"
GEOMETRY_COLUMN = "geometry"
#: Reason written for a duplicate row dropped with ``drop_duplicates``.
DUPLICATE_REASON = "duplicate"
FORMATS = {".csv": "csv", ".txt": "csv", ".tsv": "csv", ".parquet": "parquet", ".geoparquet": "parquet",
           ".gpkg": "ogr", ".geojson": "ogr", ".json": "ogr", ".xlsx": "excel"}
_NUMBER = r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$"  # a decimal number, nothing else
_CODES = {reason: i + 1 for i, reason in enumerate(REJECT_REASONS)}  # 0 = accepted
_DUPLICATE_CODE = len(REJECT_REASONS) + 1
#: Accepted points sampled for the GCJ-02/BD-09 check of a file declared WGS-84.
_SHIFT_SAMPLE = 4000


class PointImportError(CorridorError, ValueError):
    """A point file cannot be imported (unknown format, missing columns)."""


@dataclass
class ImportSummary:
    """What :func:`import_points` did: rows read, accepted and rejected by reason."""

    source: Path
    out: Path
    rejects: Path
    source_crs: str
    rows_read: int = 0
    accepted: int = 0
    rejected: dict[str, int] = field(default_factory=lambda: dict.fromkeys(REJECT_REASONS, 0))
    category: str | None = None
    duplicates: int = 0  # rows identical in every column to an earlier row
    duplicates_dropped: int = 0  # of those, written to the rejects file (reason "duplicate")
    warnings: list[str] = field(default_factory=list)

    @property
    def rejected_total(self) -> int:
        return int(sum(self.rejected.values())) + self.duplicates_dropped

    def to_dict(self) -> dict:
        return {
            "source": str(self.source), "out": str(self.out), "rejects": str(self.rejects),
            "source_crs": self.source_crs, "category": self.category, "rows_read": self.rows_read,
            "accepted": self.accepted, "rejected_total": self.rejected_total, "rejected": dict(self.rejected),
            "duplicates": self.duplicates, "duplicates_dropped": self.duplicates_dropped,
            "warnings": list(self.warnings),
        }

    def format(self) -> str:
        """A few lines for the CLI: how many rows went where."""
        lines = [
            f"read      {self.rows_read:>12,d} rows from {self.source} ({self.source_crs.upper()})",
            f"accepted  {self.accepted:>12,d} -> {self.out} (WGS-84 GeoParquet)",
            f"rejected  {self.rejected_total:>12,d} -> {self.rejects}",
        ]
        lines += [f"  {reason:<14}{n:>12,d}" for reason, n in self.rejected.items()]
        if self.duplicates_dropped:
            lines.append(f"  {DUPLICATE_REASON:<14}{self.duplicates_dropped:>12,d}")
        if self.duplicates and not self.duplicates_dropped:
            lines.append(f"duplicates{self.duplicates:>12,d} rows repeat an earlier row exactly (kept; "
                         "--drop-duplicates removes them)")
        lines += [f"warning: {w}" for w in self.warnings]
        return "\n".join(lines)


# --- coordinate checks ------------------------------------------------------------------------


def parse_coordinate(values) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Parse one coordinate column (Arrow or numpy, numbers or text) to float64.

    Returns
    -------
    value : numpy.ndarray
        Degrees as float64 (NaN where missing or unparsable).
    missing : numpy.ndarray of bool
        Null, NaN or blank.
    unparsable : numpy.ndarray of bool
        Present but not a finite number (``"30,5N"``, ``"abc"``, ``inf``).
    """
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    arr = values if isinstance(values, pa.Array) else pa.array(np.asarray(values), from_pandas=True)
    if pa.types.is_integer(arr.type) or pa.types.is_floating(arr.type) or pa.types.is_decimal(arr.type):
        value = arr.cast(pa.float64()).to_numpy(zero_copy_only=False)
        missing = np.isnan(value)
        unparsable = np.isinf(value)
    else:
        # validated and cast inside Arrow: no Python object per row
        text = pc.utf8_trim_whitespace(arr.cast(pa.string()))
        # a decimal comma ("114,35", European and Excel exports) is a decimal point
        text = pc.replace_substring_regex(text, r"^([+-]?\d+),(\d+)$", r"\1.\2")
        missing = pc.fill_null(pc.equal(text, ""), True).to_numpy(zero_copy_only=False)
        number = pc.fill_null(pc.match_substring_regex(text, _NUMBER), False)
        value = pc.cast(pc.if_else(number, text, pa.scalar(None, pa.string())), pa.float64())
        value = value.to_numpy(zero_copy_only=False).astype(float, copy=False)
        unparsable = ~missing & ~(number.to_numpy(zero_copy_only=False) & np.isfinite(value))
    value = np.where(missing | unparsable, np.nan, value)
    return value, missing, unparsable


def in_box(lon: np.ndarray, lat: np.ndarray, box) -> np.ndarray:
    """Mask of points inside (or on the edge of) ``box`` = (minx, miny, maxx, maxy), same units as lon/lat."""
    minx, miny, maxx, maxy = box
    return (lon >= minx) & (lon <= maxx) & (lat >= miny) & (lat <= maxy)


def classify_coordinates(
    lon: np.ndarray, lat: np.ndarray, *, src: str, missing: np.ndarray, unparsable: np.ndarray,
    not_point: np.ndarray | None = None, region=None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Convert good rows to WGS-84 and give every row a reject code (0 = accepted).

    Swapped rows are those whose (lat, lon) read the other way round fall in ``region``
    while (lon, lat) do not; out-of-region rows lie outside ``region`` (WGS-84 degrees)
    after conversion.  Codes index :data:`REJECT_REASONS` from 1.

    Returns
    -------
    lon_wgs84, lat_wgs84 : numpy.ndarray
        Degrees (NaN on rejected rows).
    code : numpy.ndarray of int8
    """
    region = settings.STUDY_REGION_BOUNDS if region is None else region
    n = len(lon)
    code = np.zeros(n, dtype=np.int8)
    code[missing] = _CODES["missing"]
    code[(code == 0) & unparsable] = _CODES["unparsable"]
    if not_point is not None:
        code[(code == 0) & not_point] = _CODES["not_a_point"]
    # a GCJ-02/BD-09 shift is under 2 km, far inside the region's margin: test raw values
    raw_in = in_box(lon, lat, region)
    swapped = (code == 0) & ~raw_in & in_box(lat, lon, region)
    code[swapped] = _CODES["swapped"]
    ok = np.flatnonzero(code == 0)
    out_lon = np.full(n, np.nan)
    out_lat = np.full(n, np.nan)
    if len(ok):
        out_lon[ok], out_lat[ok] = convert_coords(lon[ok], lat[ok], src=src, dst=WGS84)
    outside = (code == 0) & ~in_box(out_lon, out_lat, region)
    code[outside] = _CODES["out_of_region"]
    out_lon[code != 0] = np.nan
    out_lat[code != 0] = np.nan
    return out_lon, out_lat, code


# --- readers ------------------------------------------------------------------------------------


@dataclass
class _Source:
    """An opened point file: its declared system and an iterator of Arrow record batches."""

    declared: str | None
    batches: Iterator[pa.RecordBatch]
    geometry: str | None = None  # WKB geometry column, when coordinates come from geometry
    transformer: pyproj.Transformer | None = None  # file CRS -> EPSG:4326 when it is not lon/lat
    metadata: dict = field(default_factory=dict)


_SIGNATURES = {
    b"PK\x03\x04": "an Excel workbook (.xlsx) or another zip file",
    b"\xd0\xcf\x11\xe0": "an old Excel workbook (.xls)",
    b"PAR1": "a Parquet file",
    b"SQLite format 3": "a SQLite/GeoPackage file",
}


def sniff_text(path: Path, *, encoding: str | None = None, what: str = "CSV") -> str:
    """Check that ``path`` is text in ``encoding`` (default UTF-8); return the encoding to read with.

    Raises :class:`PointImportError` naming the file, the first bad line and what to do when
    the file is a binary file under a text name (an Excel workbook renamed ``.csv``) or not
    in the encoding (a GBK/GB18030 export from Chinese Windows).
    """
    with open(path, "rb") as fh:
        head = fh.read(1 << 20)
    for magic, kind in _SIGNATURES.items():
        if head.startswith(magic):
            hint = ("save it as \"CSV UTF-8\" from Excel, or import the workbook itself (.xlsx)"
                    if "Excel" in kind else "give it its proper extension")
            raise PointImportError(f"{path}: this is {kind}, not {what} text; {hint}")
    codec = encoding or "utf-8-sig"
    try:
        head.decode(codec)
    except UnicodeDecodeError as exc:
        if exc.start >= len(head) - 4 and len(head) == 1 << 20:
            return codec  # a multi-byte character cut by the 1 MiB sample
        line = head[:exc.start].count(b"\n") + 1
        guess = ""
        if encoding is None:
            try:
                head[:exc.start + 64].decode("gb18030")
                guess = " It reads as GBK/GB18030 (Chinese Windows)."
            except UnicodeDecodeError:
                pass
        raise PointImportError(
            f"{path}: line {line} is not {codec.replace('-sig', '').upper()} text (byte 0x{head[exc.start]:02x})."
            f"{guess} Pass --encoding gb18030 (or the file's encoding), or save the file as UTF-8"
        ) from None
    return codec


def _csv_header(path: Path, delimiter: str, encoding: str = "utf-8-sig") -> list[str]:
    with open(path, encoding=encoding, newline="") as fh:
        return next(csv.reader(fh, delimiter=delimiter), [])


def _sniff_delimiter(path: Path, default: str, encoding: str) -> str:
    """``;`` for files that use it (Excel in locales with decimal commas), else ``default``."""
    with open(path, encoding=encoding, newline="") as fh:
        first = fh.readline()
    return ";" if default == "," and first.count(";") > first.count(",") else default


class _RowErrors:
    """pyarrow's invalid_row_handler: remember the first bad row, then stop the read."""

    def __init__(self, encoding: str = "utf-8-sig", delimiter: str = ","):
        self.first = None
        self.encoding, self.delimiter = encoding, delimiter

    def __call__(self, row) -> str:
        if self.first is None:
            self.first = row
        return "error"


def _open_csv(path: Path, *, chunk_rows: int, encoding: str | None = None) -> _Source:
    codec = sniff_text(path, encoding=encoding)
    delimiter = _sniff_delimiter(path, "\t" if path.suffix == ".tsv" else ",", codec)
    names = _csv_header(path, delimiter, codec)
    if not names:
        raise PointImportError(f"{path}: the CSV file is empty (no header row)")
    seen: dict[str, int] = {}
    for i, name in enumerate(names, start=1):
        if name in seen:
            raise PointImportError(f"{path}: the header names column {name!r} twice (columns {seen[name]} and "
                                   f"{i}); rename one of them")
        seen[name] = i
    # Every column is read as text: coordinates are parsed here (to tell blank from
    # garbage), and other columns keep exactly what the file says.
    errors = _RowErrors(codec, delimiter)
    reader = _guarded(path, errors, lambda: pacsv.open_csv(
        path,
        read_options=pacsv.ReadOptions(block_size=max(1 << 20, chunk_rows * 64),
                                       encoding="utf8" if codec.startswith("utf-8") else codec),
        parse_options=pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=True,
                                         invalid_row_handler=errors),
        convert_options=pacsv.ConvertOptions(
            column_types=dict.fromkeys(names, pa.string()), strings_can_be_null=True,
            quoted_strings_can_be_null=False,
        ),
    ))
    return _Source(declared=None, batches=_checked_batches(reader, path, errors))


def _open_excel(path: Path, *, chunk_rows: int, sheet: str | None) -> _Source:
    """An Excel workbook (.xlsx), one sheet (default the first), every cell read as text."""
    import pandas as pd

    try:
        frame = pd.read_excel(path, sheet_name=sheet if sheet is not None else 0, dtype=str, engine="openpyxl")
    except (ValueError, KeyError, OSError) as exc:  # not a workbook, or no such sheet
        raise PointImportError(f"{path}: cannot read the workbook ({str(exc).splitlines()[0]}); "
                               "check the file, or pass --layer SHEET") from None
    table = pa.Table.from_pandas(frame.astype(object).where(frame.notna(), None), preserve_index=False)
    table = pa.Table.from_arrays([c.cast(pa.string()) for c in table.columns], names=[str(n) for n in frame.columns])
    return _Source(declared=None, batches=iter(table.to_batches(max_chunksize=chunk_rows)))


def _ragged_line(path: Path, encoding: str, delimiter: str) -> tuple[int, int, int] | None:
    """(line, fields, header fields) of the first row whose field count differs from the header's."""
    with open(path, encoding=encoding, newline="", errors="replace") as fh:
        reader = csv.reader(fh, delimiter=delimiter)
        header = next(reader, [])
        for row in reader:
            if row and len(row) != len(header):
                return reader.line_num, len(row), len(header)
    return None


def _guarded(path: Path, errors: _RowErrors, read):
    """``read()``; a ragged row or a parse failure becomes one :class:`PointImportError` naming it."""
    try:
        return read()
    except pa.ArrowInvalid as exc:
        row = errors.first
        if row is not None:
            found = _ragged_line(path, errors.encoding, errors.delimiter)
            where = f"line {found[0]}" if found else "a row"
            text = (row.text or "")[:80]
            raise PointImportError(
                f"{path}: {where} has {row.actual_columns} fields but the header has {row.expected_columns} "
                f"({text!r}); fix that row (a value holding the delimiter must be quoted)") from None
        raise PointImportError(f"{path}: cannot parse the CSV ({str(exc).splitlines()[0]})") from None


def _checked_batches(reader, path: Path, errors: _RowErrors) -> Iterator[pa.RecordBatch]:
    """The reader's batches, parse failures turned into :class:`PointImportError`."""
    it = iter(reader)
    while True:
        try:
            batch = _guarded(path, errors, lambda: next(it))
        except StopIteration:
            return
        yield batch


def _declared_in_metadata(meta: dict[bytes, bytes] | None) -> str | None:
    if not meta:
        return None
    if METADATA_KEY in meta:
        return json.loads(meta[METADATA_KEY]).get("coordinate_system")
    if b"coordinate_system" in meta:
        return meta[b"coordinate_system"].decode()
    return None


def is_storage_crs(crs) -> bool:
    """Whether a CRS (anything pyproj reads) is WGS-84 longitude/latitude (EPSG:4326, either axis order)."""
    return pyproj.CRS.from_user_input(crs).equals(pyproj.CRS(settings.STORAGE_CRS), ignore_axis_order=True)


def _crs_declaration(crs) -> tuple[str | None, pyproj.Transformer | None]:
    """A file CRS that is not plain lon/lat (a projection) declares WGS-84-based coordinates."""
    if crs is None:
        return None, None
    crs = pyproj.CRS.from_user_input(crs)
    if is_storage_crs(crs):
        return None, None  # GCJ-02 and BD-09 data are labelled EPSG:4326 too: no declaration
    return WGS84, pyproj.Transformer.from_crs(crs, settings.STORAGE_CRS, always_xy=True)


def _open_parquet(path: Path, *, chunk_rows: int, coords_given: bool) -> _Source:
    try:
        pf = pq.ParquetFile(path)
    except (pa.ArrowInvalid, OSError) as exc:
        raise PointImportError(f"{path}: not a readable Parquet file ({str(exc).splitlines()[0]}); "
                               "check that it is complete") from None
    meta = pf.schema_arrow.metadata or {}
    declared = _declared_in_metadata(meta)
    geometry, transformer = None, None
    if not coords_given:
        if b"geo" not in meta:
            raise PointImportError(f"{path}: not a GeoParquet file; name the coordinate columns with --lon/--lat")
        geo = json.loads(meta[b"geo"])
        geometry = geo["primary_column"]
        file_decl, transformer = _crs_declaration(geo["columns"][geometry].get("crs", settings.STORAGE_CRS))
        declared = declared or file_decl
    return _Source(declared=declared, batches=pf.iter_batches(batch_size=chunk_rows), geometry=geometry,
                   transformer=transformer, metadata=meta)


def _geojson_declaration(path: Path) -> str | None:
    with open(path, encoding="utf-8-sig", errors="replace") as fh:
        head = fh.read(8192)
    match = re.search(r'"coordinate_system"\s*:\s*"([^"]+)"', head)
    return match.group(1) if match else None


def _open_ogr(path: Path, *, chunk_rows: int, layer: str | None, stack: contextlib.ExitStack) -> _Source:
    import pyogrio

    if path.suffix.lower() in (".geojson", ".json"):
        sniff_text(path, what="GeoJSON")  # GDAL would read GBK text as garbage or fail obscurely
    try:
        meta, reader = stack.enter_context(pyogrio.open_arrow(path, layer=layer, batch_size=chunk_rows,
                                                              use_pyarrow=True))
    except pyogrio.errors.DataSourceError as exc:
        raise PointImportError(f"{path}: cannot be read as {path.suffix.lstrip('.')} "
                               f"({str(exc).splitlines()[0]}); check that it is complete") from None
    declared, transformer = _crs_declaration(meta.get("crs"))
    if path.suffix in (".geojson", ".json"):
        declared = _geojson_declaration(path) or declared
    geometry = meta.get("geometry_name") or "wkb_geometry"
    return _Source(declared=declared, batches=iter(reader), geometry=geometry, transformer=transformer)


def _resolve_system(declared: str | None, crs: str | None, path: Path) -> str:
    if declared is None and crs is None:
        raise CoordinateSystemError(
            f"{path} does not declare its coordinate system; say which one it is in with "
            "crs= / --crs wgs84|gcj02|bd09 (Amap/Tencent exports are gcj02, Baidu bd09)"
        )
    if declared is not None and crs is not None and normalize_system(declared) != normalize_system(crs):
        raise CoordinateSystemError(
            f"{path} declares {normalize_system(declared).upper()} but crs={crs!r} was given; "
            "drop the argument or fix the file"
        )
    return normalize_system(crs if crs is not None else declared)


# --- the import -----------------------------------------------------------------------------------


def _geo_metadata() -> bytes:
    return json.dumps({
        "version": "1.0.0",
        "primary_column": GEOMETRY_COLUMN,
        "columns": {GEOMETRY_COLUMN: {
            "encoding": "WKB", "geometry_types": ["Point"],
            "crs": pyproj.CRS(settings.STORAGE_CRS).to_json_dict(),
        }},
    }).encode()


def default_output(path: str | Path) -> Path:
    """Where ``corridor points import FILE`` writes by default: ``layers/build/points/<stem>.parquet``."""
    return settings.points_dir() / f"{Path(path).stem}.parquet"


def rejects_path(out: str | Path) -> Path:
    """The rejects file written beside an output: ``<out stem>.rejects.csv``."""
    out = Path(out)
    return out.with_name(f"{out.stem}.rejects.csv")


def import_points(
    path: str | Path, *, lon: str | None = None, lat: str | None = None, crs: str | None = None,
    category: str | None = None, out: str | Path | None = None, rejects: str | Path | None = None,
    layer: str | None = None, region=None,
    chunk_rows: int | None = None, progress: bool = False, encoding: str | None = None,
    drop_duplicates: bool = False, check_shift: bool = True,
) -> ImportSummary:
    """Import a point file to WGS-84 GeoParquet, rejecting bad rows by reason.

    Parameters
    ----------
    path : str or Path
        CSV (``.csv``, ``.tsv``), Parquet / GeoParquet, GeoPackage or GeoJSON.
    lon, lat : str, optional
        Names of the longitude and latitude columns (degrees).  Required for CSV; for the
        other formats the point geometry is used when they are not given.
    crs : {"wgs84", "gcj02", "bd09"}, optional
        System the coordinates are in.  Required unless the file declares it (a GeoJSON
        ``coordinate_system`` member, GeoParquet metadata written by this toolkit, or a
        projected file CRS); must agree with the file when both are given.
    category : str, optional
        Column holding a category (industry, firm type) for per-category counts.
    out : str or Path, optional
        GeoParquet to write (default ``layers/build/points/<stem>.parquet``).
    rejects : str or Path, optional
        CSV of rejected rows (default ``<out stem>.rejects.csv`` beside ``out``), with the
        input's columns, ``src_row`` and ``reject_reason``.
    layer : str, optional
        Layer of a GeoPackage holding several.
    region : tuple, optional
        (lon_min, lat_min, lon_max, lat_max) in WGS-84 outside which rows are rejected.
    chunk_rows : int, optional
        Rows per chunk; memory grows with this, not with the file.
    encoding : str, optional
        Text encoding of a CSV (default UTF-8, with or without BOM); ``gb18030`` reads GBK.
    drop_duplicates : bool
        Rows identical in every column to an earlier row are always counted; with this they
        go to the rejects file (reason ``duplicate``) instead of the output.
    check_shift : bool
        For points declared WGS-84, warn (in ``summary.warnings``) when they sit on the
        GCJ-02/BD-09-shifted positions of the layers' streets and places.

    Returns
    -------
    ImportSummary
        Rows read, accepted and rejected by reason, and the paths written.  Both files are
        written atomically: on an error neither replaces a previous file.
    """
    region = settings.STUDY_REGION_BOUNDS if region is None else region
    chunk_rows = settings.POINTS_CHUNK_ROWS if chunk_rows is None else chunk_rows
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path} does not exist")
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise PointImportError(f"{path}: unknown format {path.suffix!r}; use CSV, Excel (.xlsx), Parquet, "
                               "GeoPackage or GeoJSON")
    if (lon is None) != (lat is None):
        raise PointImportError("give both lon= and lat= (--lon and --lat), or neither")
    if fmt in ("csv", "excel") and lon is None:
        raise PointImportError(f"{path}: a CSV needs the coordinate columns: --lon COLUMN --lat COLUMN")
    out = Path(out) if out else default_output(path)
    rejects = Path(rejects) if rejects else rejects_path(out)
    _check_distinct(path, out, rejects)
    with contextlib.ExitStack() as stack:
        if fmt == "csv":
            source = _open_csv(path, chunk_rows=chunk_rows, encoding=encoding)
        elif fmt == "excel":
            source = _open_excel(path, chunk_rows=chunk_rows, sheet=layer)
        elif fmt == "parquet":
            source = _open_parquet(path, chunk_rows=chunk_rows, coords_given=lon is not None)
        else:
            source = _open_ogr(path, chunk_rows=chunk_rows, layer=layer, stack=stack)
        system = _resolve_system(source.declared, crs, path)
        if category is None and METADATA_KEY in source.metadata:  # re-import keeps the recorded category
            category = json.loads(source.metadata[METADATA_KEY]).get("category")
        summary = ImportSummary(source=path, out=out, rejects=rejects, source_crs=system, category=category)
        out_tmp = stack.enter_context(atomic_path(out))
        rej_tmp = stack.enter_context(atomic_path(rejects))
        writers: dict = {"drop_duplicates": drop_duplicates, "seen": np.empty(0, dtype=np.uint64), "sample": []}
        bar = stack.enter_context(tqdm(desc=f"importing {path.name}", unit=" rows", unit_scale=True,
                                       disable=not progress))
        try:
            for batch in source.batches:
                _import_batch(pa.Table.from_batches([batch]), source=source, system=system, lon=lon, lat=lat,
                              category=category, region=region, summary=summary, writers=writers,
                              out_tmp=out_tmp, rej_tmp=rej_tmp, path=path)
                bar.update(batch.num_rows)
            if "out" not in writers:  # an empty file still gives a (empty) valid output
                raise PointImportError(f"{path} holds no rows")
        finally:
            for key in ("out", "rejects"):
                if key in writers:
                    writers[key].close()
    if check_shift and system == WGS84 and writers["sample"]:
        warning = shift_warning(np.concatenate(writers["sample"]), what=str(path))
        if warning:
            summary.warnings.append(warning)
    return summary


def _check_distinct(path: Path, out: Path, rejects: Path) -> None:
    """Refuse an output that is the input, or one output on the other's path (nothing is overwritten)."""
    def same(a: Path, b: Path) -> bool:
        if a.exists() and b.exists():
            return a.samefile(b)
        return a.resolve() == b.resolve()

    for label, target in (("out", out), ("rejects", rejects)):
        if same(target, path):
            raise PointImportError(f"{label}={target} is the input file; it would be overwritten. "
                                   f"Give --{label} another path")
        if target.is_dir():
            raise PointImportError(f"{label}={target} is an existing folder; give a file name")
    if same(out, rejects):
        raise PointImportError(f"out and rejects are the same file {out}; give them different paths")


def shift_warning(lonlat: np.ndarray, *, what: str) -> str | None:
    """One line when points declared WGS-84 sit on the GCJ-02/BD-09-shifted places of the layers."""
    from geo.layers import load_layers
    from geo.sources.shift_check import measure_shift

    try:
        layers = load_layers()
    except Exception:  # noqa: BLE001 - the check is advice; without layers there is nothing to compare
        return None
    refs = [g for gdf in layers.values() for g in gdf.to_crs(settings.STORAGE_CRS).geometry if g is not None]
    result = measure_shift(shapely.points(lonlat), refs, what=what)
    if not result.looks_shifted:
        return None
    flag = result.looks_shifted
    east, north = result.offset[flag]
    return (f"{what}: the points look {flag.upper().replace('GCJ02', 'GCJ-02').replace('BD09', 'BD-09')} "
            f"shifted: moved back by {np.hypot(east, north):.0f} m, {result.fit[flag]:.0%} of them meet the "
            f"layers' streets and places instead of {result.fit['wgs84']:.0%}. Re-import with --crs {flag} "
            "(Amap/Tencent: gcj02, Baidu: bd09)")


def _import_batch(table: pa.Table, *, source: _Source, system: str, lon, lat, category, region,
                  summary: ImportSummary, writers: dict, out_tmp: Path, rej_tmp: Path, path: Path) -> None:
    n = table.num_rows
    start = summary.rows_read
    not_point = None
    if lon is not None:
        for col in (lon, lat):
            if col not in table.column_names:
                raise PointImportError(f"{path}: no column {col!r}; columns are {', '.join(table.column_names)}")
        x, x_missing, x_bad = parse_coordinate(table[lon])
        y, y_missing, y_bad = parse_coordinate(table[lat])
        missing, unparsable = x_missing | y_missing, x_bad | y_bad
        drop = [lon, lat] + ([source.geometry] if source.geometry in table.column_names else [])
    else:
        x, y, status = wkb_point_xy(table[source.geometry])
        missing, unparsable, not_point = status == 1, np.zeros(n, dtype=bool), status == 2
        drop = [source.geometry]
    if source.transformer is not None:
        x, y = source.transformer.transform(x, y)
    if category is not None and category not in table.column_names:
        raise PointImportError(f"{path}: no category column {category!r}; columns are {', '.join(table.column_names)}")
    lon_w, lat_w, code = classify_coordinates(x, y, src=system, missing=missing, unparsable=unparsable,
                                              not_point=not_point, region=region)
    dup = _duplicates(table, writers)
    summary.duplicates += int(dup.sum())
    if writers["drop_duplicates"]:
        dropped = dup & (code == 0)
        code[dropped] = _DUPLICATE_CODE
        summary.duplicates_dropped += int(dropped.sum())
    if sum(len(a) for a in writers["sample"]) < _SHIFT_SAMPLE:
        ok_rows = np.flatnonzero(code == 0)[:_SHIFT_SAMPLE]
        writers["sample"].append(np.column_stack([x[ok_rows], y[ok_rows]]))
    src_row = pa.array(np.arange(start, start + n, dtype=np.int64))
    counts = np.bincount(code, minlength=len(REJECT_REASONS) + 2)
    summary.rows_read += n
    summary.accepted += int(counts[0])
    for reason, k in zip(REJECT_REASONS, counts[1:len(REJECT_REASONS) + 1], strict=True):
        summary.rejected[reason] += int(k)

    ok = code == 0
    if "src_row" in table.column_names:  # a file this toolkit wrote: keep its lineage too
        table = table.rename_columns([c if c != "src_row" else "src_row_in" for c in table.column_names])
    good = table.drop_columns(drop).filter(pa.array(ok))
    good = good.append_column("src_row", src_row.filter(pa.array(ok)))
    good = good.append_column(GEOMETRY_COLUMN, point_wkb(lon_w[ok], lat_w[ok]))
    if "out" not in writers:
        meta = {b"geo": _geo_metadata(), METADATA_KEY: json.dumps({
            "source_file": path.name, "coordinate_system": WGS84, "source_coordinate_system": system,
            "category": category,
        }, ensure_ascii=False).encode()}
        writers["out"] = pq.ParquetWriter(out_tmp, good.schema.with_metadata(meta), compression="zstd")
        writers["schema"] = good.schema.with_metadata(meta)
    else:
        good = good.cast(writers["schema"])
    writers["out"].write_table(good, row_group_size=settings.POINTS_ROW_GROUP_ROWS)

    bad = ~ok
    rej = table.filter(pa.array(bad))
    if source.geometry is not None and source.geometry in rej.column_names:
        # WKB is not readable in a CSV: keep the raw coordinates as text instead
        rej = rej.drop_columns([source.geometry]).append_column(
            "geometry_x", pa.array(x[bad])).append_column("geometry_y", pa.array(y[bad]))
    rej = rej.append_column("src_row", src_row.filter(pa.array(bad)))
    reasons = np.array(("",) + REJECT_REASONS + (DUPLICATE_REASON,), dtype=object)[code[bad]]
    rej = rej.append_column("reject_reason", pa.array(reasons, type=pa.string()))
    rej = pa.Table.from_arrays([_csv_safe(c) for c in rej.columns], names=rej.column_names)
    if "rejects" not in writers:
        writers["rejects"] = pacsv.CSVWriter(rej_tmp, rej.schema)
        writers["rej_schema"] = rej.schema
    else:
        rej = rej.cast(writers["rej_schema"])
    writers["rejects"].write_table(rej)


def _duplicates(table: pa.Table, state: dict) -> np.ndarray:
    """Rows identical in every column to an earlier row of the file (this batch or before)."""
    if not table.num_rows:
        return np.zeros(0, dtype=bool)
    frame = table.to_pandas()
    hashes = pd.util.hash_pandas_object(frame, index=False).to_numpy(np.uint64)
    first = np.zeros(len(hashes), dtype=bool)
    first[np.unique(hashes, return_index=True)[1]] = True
    dup = ~first | np.isin(hashes, state["seen"])
    state["seen"] = np.union1d(state["seen"], hashes)
    return dup


def _csv_safe(column: pa.ChunkedArray) -> pa.ChunkedArray:
    """Arrow's CSV writer takes plain types only: write anything else as its text."""
    t = column.type
    if pa.types.is_string(t) or pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_boolean(t):
        return column
    if pa.types.is_binary(t) or pa.types.is_large_binary(t):
        return pa.chunked_array([pa.array([None if v is None else v.hex() for v in column.to_pylist()],
                                          type=pa.string())])
    return pc.cast(column, pa.string()) if not pa.types.is_nested(t) else pa.chunked_array(
        [pa.array([None if v is None else json.dumps(v, default=str) for v in column.to_pylist()])])


def read_points_metadata(path: str | Path) -> dict:
    """What the importer recorded in a points GeoParquet (source system, category column ...)."""
    meta = pq.read_schema(path).metadata or {}
    return json.loads(meta[METADATA_KEY]) if METADATA_KEY in meta else {}
