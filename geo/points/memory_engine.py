"""The in-memory engine: the core's chunk function over the points, one chunk at a time, in this process.

A points GeoParquet (as :func:`geo.points.import_points` writes it) is read in row batches
and decoded straight from its WKB to coordinates, so no shapely geometry is built; a
(Geo)DataFrame is sliced into chunks, each reprojected to WGS-84 when it is not already.
Memory grows with the chunk size (:data:`geo.settings.POINTS_CHUNK_ROWS`), not with the
number of points.  Call it through :func:`geo.points.zone_figures` (``engine="memory"``).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import geopandas as gpd
import pyarrow.parquet as pq
from tqdm.auto import tqdm

from geo import settings
from geo.points.arrow import geometry_xy, wkb_point_xy
from geo.points.core import (
    ZoneContext,
    ZonePartial,
    parquet_geometry_column,
    require_points_crs,
    zone_partial,
)

NAME = "memory"


def frame_partial(frame: gpd.GeoDataFrame | gpd.GeoSeries, ctx: ZoneContext, *, category: str | None = None,
                  chunk_rows: int | None = None) -> ZonePartial:
    """:func:`~geo.points.core.zone_partial` over a (Geo)DataFrame of points in any declared CRS, chunk by chunk.

    Each chunk is reprojected to WGS-84 (EPSG:4326) when it is not already; a frame without a
    CRS is refused.
    """
    chunk_rows = settings.POINTS_CHUNK_ROWS if chunk_rows is None else chunk_rows
    require_points_crs(frame.crs)
    total = ZonePartial.empty(ctx)
    for start in range(0, len(frame), chunk_rows):
        part = frame.iloc[start:start + chunk_rows]
        geom = part.geometry if isinstance(part, gpd.GeoDataFrame) else part
        if not geom.crs.equals(settings.STORAGE_CRS):
            geom = geom.to_crs(settings.STORAGE_CRS)
        lon, lat, _ = geometry_xy(geom.to_numpy())
        cats = part[category].to_numpy(dtype=object) if category else None
        total = total + zone_partial(lon, lat, cats, ctx)
    return total


def iter_parquet_points(path: str | Path, *, category: str | None = None,
                        chunk_rows: int | None = None) -> Iterator[tuple]:
    """Yield (lon, lat, category) arrays chunk by chunk from a points GeoParquet, no geometries built.

    lon/lat are WGS-84 degrees (a file in another CRS is refused by
    :func:`~geo.points.core.parquet_geometry_column`).
    """
    chunk_rows = settings.POINTS_CHUNK_ROWS if chunk_rows is None else chunk_rows
    pf = pq.ParquetFile(path)
    column = parquet_geometry_column(pf.schema_arrow.metadata, path=path)
    columns = [column] + ([category] if category else [])
    for batch in pf.iter_batches(batch_size=chunk_rows, columns=columns):
        lon, lat, _ = wkb_point_xy(batch.column(column))
        cats = batch.column(category) if category else None
        yield lon, lat, cats


def run(points, ctx: ZoneContext, *, category: str | None = None, chunk_rows: int | None = None,
        progress: bool = False) -> tuple[ZonePartial, dict]:
    """The summed partial of ``points``, chunk by chunk, and what the engine did.

    Parameters
    ----------
    points : GeoDataFrame, GeoSeries, str or Path
        Points in any declared CRS, or a points GeoParquet file.
    ctx : ZoneContext
    category : str, optional
        Category column.
    chunk_rows : int, optional
        Points per chunk (default :data:`geo.settings.POINTS_CHUNK_ROWS`).
    progress : bool
        Show a progress bar over the rows of a GeoParquet file.

    Returns
    -------
    (ZonePartial, dict)
        The sums, and the engine's entries of the summary.
    """
    chunk_rows = settings.POINTS_CHUNK_ROWS if chunk_rows is None else chunk_rows
    if isinstance(points, str | Path):
        total = ZonePartial.empty(ctx)
        n = pq.ParquetFile(points).metadata.num_rows
        with tqdm(total=n, desc="points per zone", unit=" pts", unit_scale=True, disable=not progress) as bar:
            for lon, lat, cats in iter_parquet_points(points, category=category, chunk_rows=chunk_rows):
                total = total + zone_partial(lon, lat, cats, ctx)
                bar.update(len(lon))
    elif isinstance(points, gpd.GeoDataFrame | gpd.GeoSeries):
        total = frame_partial(points, ctx, category=category, chunk_rows=chunk_rows)
    else:
        raise TypeError(f"the memory engine takes a GeoDataFrame, a GeoSeries or a GeoParquet path, not "
                        f"{type(points).__name__}; use engine='dask' for a Dask collection")
    return total, {"engine": NAME, "chunk_rows": int(chunk_rows)}
