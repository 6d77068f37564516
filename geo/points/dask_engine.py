"""The Dask engine: the core's chunk function on every partition, past one machine.

:func:`run` takes a dask-geopandas GeoDataFrame, a GeoParquet dataset path (one file or a
folder of them, one partition per row group) or an in-memory GeoDataFrame, and

1. reduces every partition to WGS-84 lon/lat and the category (a GeoParquet path is decoded
   from its WKB without building shapely geometries);
2. optionally (``spatial_order=True``; default :data:`geo.settings.DASK_SPATIAL_ORDER`)
   shuffles the points into spatially compact partitions, sorted on their distance along a
   Hilbert curve over the study region (geopandas' ``GeoSeries.hilbert_distance``, then
   ``set_index``); only numbers and Arrow-backed categories are shuffled, never geometry
   objects.  It is off by default: ``make bench`` (``benchmarks/bench_points.py``) measures
   the shuffle costing more than the compact partitions save on a 2-worker cluster;
3. broadcasts the small layers (zones, campus index, isochrones: a
   :class:`~geo.points.core.ZoneContext` of a few MB) to every worker once
   (``client.scatter(..., broadcast=True)``);
4. applies :func:`geo.points.core.zone_partial` (the chunk function the in-memory engine
   maps too) to every partition and sums the integer partials in a tree.

:func:`geo.points.zone_figures` (``engine="dask"``) then finishes with
:func:`geo.points.core.finish`, exactly as for the in-memory engine, so the figures are
identical to the in-memory path on the same points.  Without a scheduler address a
:class:`dask.distributed.LocalCluster` is started (and closed) for the call; with
``scheduler="tcp://host:8786"`` any Dask cluster runs it unchanged.

This module imports only :mod:`geo.points.core` (and the Arrow helpers) from the package,
and Dask itself only inside its functions.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa

from geo import settings
from geo.points.arrow import geometry_xy, wkb_point_xy
from geo.points.core import (
    ZoneContext,
    ZonePartial,
    parquet_geometry_column,
    require_points_crs,
    zone_partial,
)

NAME = "dask"


def read_points_dask(path: str | Path, *, category: str | None = None):
    """Open a points GeoParquet file or dataset folder lazily, one partition per row group.

    Returns a dask DataFrame whose geometry column holds the WKB bytes as stored (decoded
    straight to coordinates per partition; no shapely geometry is built).
    """
    import dask.dataframe as dd
    import pyarrow.parquet as pq

    path = Path(path)
    first = path if path.is_file() else min(path.rglob("*.parquet"))
    column = parquet_geometry_column(pq.read_schema(first).metadata, path=first)
    ddf = dd.read_parquet(str(path), columns=[column] + ([category] if category else []), split_row_groups=True)
    return ddf.rename(columns={column: "geometry"}) if column != "geometry" else ddf


def spatial_key(lon: np.ndarray, lat: np.ndarray, *, level: int = 16) -> np.ndarray:
    """Distance of each WGS-84 point along a Hilbert curve over the study region (geopandas).

    Points close on the curve are close on the ground, so sorting on this key gives
    spatially compact partitions.  The curve spans the fixed study region
    (:data:`geo.settings.STUDY_REGION_BOUNDS`), so no pass over the data is needed to find
    bounds; points outside are clamped to its edge, and unlocated points get 0.
    """
    lon = np.asarray(lon, dtype=float)
    lat = np.asarray(lat, dtype=float)
    key = np.zeros(len(lon), dtype=np.int64)
    located = np.isfinite(lon) & np.isfinite(lat)
    if located.any():
        points = gpd.GeoSeries(gpd.points_from_xy(lon[located], lat[located]))
        key[located] = points.hilbert_distance(total_bounds=settings.STUDY_REGION_BOUNDS, level=level).to_numpy()
    return key


def _xy_frame(part: pd.DataFrame, category: str | None, spatial_order: bool = False) -> pd.DataFrame:
    """A partition's points as WGS-84 lon, lat (+ category, + the Hilbert key when ordering)."""
    geom = part["geometry"]
    if isinstance(geom, gpd.GeoSeries):
        if geom.crs is not None and not geom.crs.equals(settings.STORAGE_CRS):
            geom = geom.to_crs(settings.STORAGE_CRS)
        lon, lat, _ = geometry_xy(geom.to_numpy())
    else:  # WKB bytes straight from a GeoParquet file written in WGS-84
        lon, lat, _ = wkb_point_xy(pa.array(geom.to_numpy(dtype=object), type=pa.binary()))
    out = pd.DataFrame({"lon": lon, "lat": lat}, index=part.index)
    if spatial_order:
        out["hilbert"] = spatial_key(lon, lat)
    if category:
        # Arrow-backed text shuffles as Arrow buffers, not as pickled Python strings
        out["category"] = pd.array(part[category].astype(object).to_numpy(), dtype="string[pyarrow]")
    return out


def _xy_meta(category: str | None, spatial_order: bool = False) -> pd.DataFrame:
    meta = pd.DataFrame({"lon": pd.Series(dtype=float), "lat": pd.Series(dtype=float)})
    if spatial_order:
        meta["hilbert"] = pd.Series(dtype=np.int64)
    if category:
        meta["category"] = pd.Series(dtype="string[pyarrow]")
    return meta


@contextlib.contextmanager
def dask_client(scheduler: str | None = None, *, n_workers: int | None = None,
                threads_per_worker: int | None = None, processes: bool = True):
    """A distributed client: on ``scheduler`` if given, else on a LocalCluster made (and closed) here."""
    n_workers = settings.DASK_LOCAL_WORKERS if n_workers is None else n_workers
    threads_per_worker = settings.DASK_THREADS_PER_WORKER if threads_per_worker is None else threads_per_worker
    from dask.distributed import Client, LocalCluster

    if scheduler:
        client = Client(scheduler)
        try:
            yield client
        finally:
            client.close()
        return
    with LocalCluster(n_workers=n_workers, threads_per_worker=threads_per_worker, processes=processes,
                      dashboard_address=None) as cluster, Client(cluster) as client:
        yield client


def _partition_partial(part: pd.DataFrame, ctx: ZoneContext) -> ZonePartial:
    """The core's chunk function on one partition of (lon, lat, category), chunk by chunk."""
    total = ZonePartial.empty(ctx)
    has_cat = "category" in part.columns
    for start in range(0, len(part), settings.POINTS_CHUNK_ROWS):
        chunk = part.iloc[start:start + settings.POINTS_CHUNK_ROWS]
        cats = chunk["category"].to_numpy(dtype=object) if has_cat else None
        total = total + zone_partial(chunk["lon"].to_numpy(), chunk["lat"].to_numpy(), cats, ctx)
    return total


def _add(*partials: ZonePartial) -> ZonePartial:
    total = partials[0]
    for p in partials[1:]:
        total = total + p
    return total


def run(points, ctx: ZoneContext, *, category: str | None = None, client=None, scheduler: str | None = None,
        spatial_order: bool | None = None, npartitions: int | None = None, n_workers: int | None = None,
        processes: bool = True, progress: bool = False) -> tuple[ZonePartial, dict]:
    """The summed partial of ``points`` computed on Dask, and what the engine did.

    Parameters
    ----------
    points : dask_geopandas.GeoDataFrame, GeoDataFrame, str or Path
        Points in any declared CRS, or a points GeoParquet file or dataset folder.
    ctx : ZoneContext
    category : str, optional
        Category column.
    client : dask.distributed.Client, optional
        Run on this client.  Otherwise on ``scheduler`` (an address such as
        ``tcp://10.0.0.5:8786``) or, by default, on a LocalCluster of ``n_workers`` workers
        (``processes=False``: threads in this process).
    spatial_order : bool, optional
        Shuffle the points along a Hilbert curve into spatially compact partitions first
        (default :data:`geo.settings.DASK_SPATIAL_ORDER`).
    npartitions : int, optional
        Partitions for an in-memory GeoDataFrame or the shuffle (default: keep the input's).
    progress : bool
        Unused (the context is built before); accepted like the memory engine's.

    Returns
    -------
    (ZonePartial, dict)
        The sums, and the engine's entries of the summary.
    """
    n_workers = settings.DASK_LOCAL_WORKERS if n_workers is None else n_workers
    spatial_order = settings.DASK_SPATIAL_ORDER if spatial_order is None else bool(spatial_order)
    import dask
    import dask_geopandas

    if isinstance(points, str | Path):
        ddf = read_points_dask(points, category=category)
    elif isinstance(points, gpd.GeoDataFrame | gpd.GeoSeries):
        require_points_crs(points.crs)
        ddf = dask_geopandas.from_geopandas(points, npartitions=npartitions or 4)
    else:
        ddf = points
    if isinstance(ddf, dask_geopandas.GeoSeries):
        ddf = ddf.to_frame(name="geometry")
    if isinstance(ddf, dask_geopandas.GeoDataFrame):
        require_points_crs(ddf.crs)
        if ddf.geometry.name != "geometry":
            ddf = ddf.rename_geometry("geometry")

    with contextlib.ExitStack() as stack:
        if client is None:
            client = stack.enter_context(dask_client(scheduler, n_workers=n_workers, processes=processes))
        # only coordinates, category and the Hilbert key travel: a shuffle of numbers, not geometries
        xy = ddf.map_partitions(_xy_frame, category, spatial_order, meta=_xy_meta(category, spatial_order))
        if spatial_order:
            xy = xy.set_index("hilbert", npartitions=npartitions or xy.npartitions)
        ctx_future = client.scatter(ctx, broadcast=True)
        parts = xy.to_delayed()
        partials = [dask.delayed(_partition_partial)(p, ctx_future) for p in parts]
        while len(partials) > 1:  # tree reduction, eight at a time
            partials = [dask.delayed(_add)(*partials[i:i + 8]) for i in range(0, len(partials), 8)]
        total = client.compute(partials[0]).result() if partials else ZonePartial.empty(ctx)
        n_partitions = len(parts)
        address = client.scheduler.address if getattr(client, "scheduler", None) else str(scheduler)
    return total, {"engine": NAME, "partitions": n_partitions, "scheduler": address,
                   "spatially_ordered": spatial_order}
