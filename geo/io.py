"""Reading and writing layers: atomic writes, staged folders, GeoPackage, GeoJSON and GeoParquet.

Every write goes to a temporary file in the destination folder and is renamed over
the target only when complete, so a failed or interrupted run never leaves a half
written file where a previous good one stood.  A stage that writes several files
(the layer build's GeoPackage and GeoJSON, the maps) writes them all into a staging
folder first (:func:`staged_dir`) and moves them into place only when all are written.
Temporary files and staging folders carry the writing process's id; those left by a
killed run are removed at the next run (:func:`clean_stale_staging`).

Outputs are deterministic: GeoPackage timestamps are fixed (``SOURCE_DATE_EPOCH`` when
set, else :data:`geo.settings.FIXED_OUTPUT_TIME`), so the same inputs give the same bytes.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import hashlib
import json
import logging
import os
import re
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path

import geopandas as gpd
import shapely

from geo import settings
from geo.errors import CoordinateSystemError

log = logging.getLogger("corridor")

#: Prefix of every temporary file or staging folder the toolkit creates (followed by the pid).
TEMP_PREFIX = ".corridor-tmp-"
_TEMP_PID = re.compile(r"^\.corridor-tmp-(\d+)-")


@contextlib.contextmanager
def atomic_path(target: str | os.PathLike, *, suffix: str | None = None) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; rename it over ``target`` on success.

    On an exception the temporary file is removed and ``target`` is left as it was.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(
        prefix=f"{TEMP_PREFIX}{os.getpid()}-{target.name}.", suffix=suffix or target.suffix, dir=target.parent
    )
    os.close(fd)
    tmp = Path(tmp_name)
    tmp.unlink()  # writers such as GDAL want to create the file themselves
    try:
        yield tmp
        os.replace(tmp, target)
    except Exception as exc:
        if not isinstance(exc, OSError) and _device_full(target.parent):
            # GDAL and Arrow writers report a full disk as "cannot write feature": say what it is
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(target)) from exc
        raise
    finally:
        if tmp.exists():
            tmp.unlink()


def _device_full(folder: Path, *, margin: int = 1 << 16) -> bool:
    try:
        return shutil.disk_usage(folder).free < margin
    except OSError:
        return False


@contextlib.contextmanager
def staged_dir(target_dir: str | os.PathLike) -> Iterator[Path]:
    """Yield an empty staging folder inside ``target_dir``; move its contents into place on success.

    Every file written under the staging folder replaces the file of the same relative
    path in ``target_dir`` (other files there are left alone), only after the block has
    finished without an error, so a build's outputs (a GeoPackage and its GeoJSON) come
    from the same run.  On an error, or a kill, nothing in ``target_dir`` changes and the
    staging folder is removed (after a SIGKILL: at the next run).
    """
    target = Path(target_dir)
    created = not target.exists()
    target.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=f"{TEMP_PREFIX}{os.getpid()}-stage.", dir=target))
    done = False
    try:
        yield stage
        _move_tree(stage, target)
        done = True
    finally:
        shutil.rmtree(stage, ignore_errors=True)
        if created and not done:
            with contextlib.suppress(OSError):
                target.rmdir()  # a folder made for a failed build goes too (only when empty)


def _move_tree(src: Path, dst: Path) -> None:
    for entry in sorted(src.iterdir()):
        goal = dst / entry.name
        if entry.is_dir():
            goal.mkdir(exist_ok=True)
            _move_tree(entry, goal)
        else:
            os.replace(entry, goal)


def unstage(path: str | os.PathLike, stage: Path, target: Path) -> Path:
    """Where a path written under a staging folder ends up in the target folder."""
    path = Path(path)
    try:
        return Path(target) / path.relative_to(stage)
    except ValueError:
        return path


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def clean_stale_staging(folders=None) -> list[Path]:
    """Remove temporary files and staging folders left by killed runs; return what was removed.

    Only entries named ``.corridor-tmp-<pid>-...`` whose process no longer runs are
    removed, in the default output folders (or ``folders``) and their sub-folders one
    level down.
    """
    if folders is None:
        folders = {settings.BUILD_DIR, settings.analysis_dir(), settings.points_dir(), settings.MAPS_DIR,
                   settings.export_dir(), settings.map_png_dir(), settings.OSM_DIR}
    removed: list[Path] = []
    seen: set[Path] = set()
    for folder in folders:
        folder = Path(folder)
        if not folder.is_dir():
            continue
        candidates = list(folder.iterdir())
        candidates += [c for d in list(candidates) if d.is_dir() and not d.name.startswith(".")
                       for c in d.iterdir()]
        for entry in candidates:
            match = _TEMP_PID.match(entry.name)
            if not match or entry in seen or _pid_alive(int(match.group(1))):
                continue
            seen.add(entry)
            if entry.is_dir():
                shutil.rmtree(entry, ignore_errors=True)
            else:
                entry.unlink(missing_ok=True)
            removed.append(entry)
    if removed:
        log.info("removed %d temporary file(s) left by an interrupted run", len(removed))
    return removed


def output_time() -> dt.datetime:
    """The timestamp written inside outputs: ``SOURCE_DATE_EPOCH`` when set, else a fixed time.

    Never the wall clock, so two builds of the same inputs are byte-identical.
    """
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.strip().isdigit():
        return dt.datetime.fromtimestamp(int(epoch), dt.UTC)
    return dt.datetime.fromisoformat(settings.FIXED_OUTPUT_TIME)


def _ogr_time() -> str:
    return output_time().strftime("%Y-%m-%dT%H:%M:%S.000Z")


def drop_z(gdf: gpd.GeoDataFrame, *, what: str) -> gpd.GeoDataFrame:
    """Return ``gdf`` with 2-D geometries; log one note naming the features that had a Z value.

    A single 3-D vertex among 2-D ones passes validation but breaks the analyses and some
    writers; heights are not used anywhere, so they are dropped at the door.
    """
    has_z = shapely.has_z(gdf.geometry.to_numpy())
    if not has_z.any():
        return gdf
    ids = gdf["id"][has_z].astype(str).tolist() if "id" in gdf.columns else [str(i) for i in gdf.index[has_z]]
    log.warning("%s: dropped the Z (height) values of %d feature(s) (%s); only 2-D coordinates are used",
                what, len(ids), ", ".join(ids[:5]) + (" ..." if len(ids) > 5 else ""))
    out = gdf.copy()
    out.loc[has_z, out.geometry.name] = shapely.force_2d(out.geometry.to_numpy()[has_z])
    return out


def write_text(text: str, target: str | os.PathLike) -> Path:
    """Write UTF-8 text atomically and return the target path."""
    with atomic_path(target) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(target)


def write_bytes(data: bytes, target: str | os.PathLike) -> Path:
    """Write bytes atomically (temporary file beside ``target``, then rename) and return the target path."""
    with atomic_path(target) as tmp:
        tmp.write_bytes(data)
    return Path(target)


def sha256_file(path: str | os.PathLike) -> str:
    """SHA-256 of a file's bytes (hex), read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_json(obj, target: str | os.PathLike) -> Path:
    """Write an object as pretty UTF-8 JSON, atomically."""
    return write_text(json.dumps(obj, ensure_ascii=False, indent=2) + "\n", target)


def _check_storage_crs(gdf: gpd.GeoDataFrame, what: str) -> None:
    if gdf.crs is None:
        raise CoordinateSystemError(f"{what}: GeoDataFrame has no CRS")


def write_geojson(gdf: gpd.GeoDataFrame, target: str | os.PathLike) -> Path:
    """Write a GeoDataFrame as RFC 7946 GeoJSON (WGS-84), atomically."""
    _check_storage_crs(gdf, str(target))
    target = Path(target)
    with atomic_path(target) as tmp:
        # the FeatureCollection's "name" is the layer's, not the temporary file's
        drop_z(gdf, what=str(target)).to_crs(settings.STORAGE_CRS).to_file(
            tmp, driver="GeoJSON", engine="pyogrio", layer=target.stem)
    return target


def write_geoparquet(gdf: gpd.GeoDataFrame, target: str | os.PathLike) -> Path:
    """Write a GeoDataFrame as GeoParquet, atomically."""
    _check_storage_crs(gdf, str(target))
    with atomic_path(target) as tmp:
        gdf.to_parquet(tmp, index=False)
    return Path(target)


def write_geopackage(
    layers: Mapping[str, gpd.GeoDataFrame], target: str | os.PathLike
) -> Path:
    """Write several GeoDataFrames as tables of one GeoPackage, atomically.

    The whole file is built beside the target and renamed over it at the end, so
    readers (QGIS included) see either the old file or the complete new one.
    """
    for name, gdf in layers.items():
        _check_storage_crs(gdf, f"{target} table {name}")
    import pyogrio

    previous = pyogrio.get_gdal_config_option("OGR_CURRENT_DATE")
    pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": _ogr_time()})  # no wall clock in the file
    try:
        with atomic_path(target) as tmp:
            for name, gdf in layers.items():
                drop_z(gdf, what=f"{target} table {name}").to_file(tmp, layer=name, driver="GPKG",
                                                                    engine="pyogrio")
    finally:
        pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": previous})
    return Path(target)


def read_table_csv(path: str | os.PathLike, *, columns, error: type[Exception], what: str = "file"):
    """Read one of the project's UTF-8 CSV tables as text, checked at the door.

    Every cell is a string (empty cells ``""``); a BOM is accepted.  ``error`` is the
    exception type raised, with the file named: when it does not exist, is not UTF-8, is not
    a readable CSV, or lacks any of ``columns``.
    """
    import pandas as pd

    path = Path(path)
    if not path.is_file():
        raise error(f"{path}: {what} does not exist")
    try:
        path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise error(f"{path}: not UTF-8 (byte {exc.start}); save it as UTF-8 (in Excel: 'CSV UTF-8')") from None
    try:
        table = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise error(f"{path}: not a readable CSV ({str(exc).strip()})") from None
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise error(f"{path}: missing column(s) {', '.join(missing)}")
    return table


def read_layer(path: str | os.PathLike, *, layer: str | None = None) -> gpd.GeoDataFrame:
    """Read a layer written by the toolkit (GeoPackage table, GeoJSON or GeoParquet)."""
    path = Path(path)
    if path.suffix == ".parquet":
        return gpd.read_parquet(path)
    return gpd.read_file(path, layer=layer, engine="pyogrio")
