"""Reading and writing layers: atomic writes, GeoPackage, GeoJSON and GeoParquet.

Every write goes to a temporary file in the destination folder and is renamed over
the target only when complete, so a failed or interrupted run never leaves a half
written file where a previous good one stood.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path

import geopandas as gpd

from geo import settings
from geo.errors import CoordinateSystemError


@contextlib.contextmanager
def atomic_path(target: str | os.PathLike, *, suffix: str | None = None) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; rename it over ``target`` on success.

    On an exception the temporary file is removed and ``target`` is left as it was.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(
        prefix=f".{target.name}.", suffix=suffix or target.suffix, dir=target.parent
    )
    os.close(fd)
    tmp = Path(tmp_name)
    tmp.unlink()  # writers such as GDAL want to create the file themselves
    try:
        yield tmp
        os.replace(tmp, target)
    finally:
        if tmp.exists():
            tmp.unlink()


def write_text(text: str, target: str | os.PathLike) -> Path:
    """Write UTF-8 text atomically and return the target path."""
    with atomic_path(target) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(target)


def write_json(obj, target: str | os.PathLike) -> Path:
    """Write an object as pretty UTF-8 JSON, atomically."""
    return write_text(json.dumps(obj, ensure_ascii=False, indent=2) + "\n", target)


def _check_storage_crs(gdf: gpd.GeoDataFrame, what: str) -> None:
    if gdf.crs is None:
        raise CoordinateSystemError(f"{what}: GeoDataFrame has no CRS")


def write_geojson(gdf: gpd.GeoDataFrame, target: str | os.PathLike) -> Path:
    """Write a GeoDataFrame as RFC 7946 GeoJSON (WGS-84), atomically."""
    _check_storage_crs(gdf, str(target))
    with atomic_path(target) as tmp:
        gdf.to_crs(settings.STORAGE_CRS).to_file(tmp, driver="GeoJSON", engine="pyogrio")
    return Path(target)


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
    with atomic_path(target) as tmp:
        for name, gdf in layers.items():
            gdf.to_file(tmp, layer=name, driver="GPKG", engine="pyogrio")
    return Path(target)


def read_layer(path: str | os.PathLike, *, layer: str | None = None) -> gpd.GeoDataFrame:
    """Read a layer written by the toolkit (GeoPackage table, GeoJSON or GeoParquet)."""
    path = Path(path)
    if path.suffix == ".parquet":
        return gpd.read_parquet(path)
    return gpd.read_file(path, layer=layer, engine="pyogrio")
