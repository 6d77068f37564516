"""Per-zone point figures on Dask: the same chunk function, partitioned past one machine.

:func:`zone_figures_dask` takes a dask-geopandas GeoDataFrame, a GeoParquet dataset path
(one file or a folder of them, one partition per row group) or an in-memory GeoDataFrame, and

1. reduces every partition to WGS-84 lon/lat, the category and a Hilbert-curve index over
   the study region (a GeoParquet path is decoded from its WKB without building shapely
   geometries);
2. spatially partitions the points by sorting on the Hilbert index (``set_index`` with
   boundaries from a light sampling pass, :func:`hilbert_divisions`), so each partition
   covers a compact area; only numbers and Arrow-backed categories are shuffled, never
   geometry objects (``spatial_partition=False`` skips this step);
3. broadcasts the small layers (zones, campus index, isochrones: a :class:`ZoneContext`
   of a few MB) to every worker once (``client.scatter(..., broadcast=True)``);
4. applies :func:`geo.points.zones.zone_partial` (the in-memory engine's chunk function)
   to every partition and sums the integer partials in a tree;
5. finishes with :func:`geo.points.zones.finish`, exactly as the in-memory engine does.

The figures are therefore identical to the in-memory path on the same points.  Without
a scheduler address a :class:`dask.distributed.LocalCluster` is started (and closed)
for the call; with ``scheduler="tcp://host:8786"`` any Dask cluster runs it unchanged.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa

from geo import settings
from geo.points.arrow import geometry_xy, hilbert_index, wkb_point_xy
from geo.points.importer import read_points_metadata
from geo.points.zones import (
    ZoneContext,
    ZoneFigures,
    ZonePartial,
    context_and_targets,
    finish,
    parquet_geometry_column,
    require_points_crs,
    zone_partial,
)


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


def _xy_frame(part: pd.DataFrame, category: str | None) -> pd.DataFrame:
    """A partition's points as WGS-84 lon, lat (+ category) and their Hilbert index."""
    geom = part["geometry"]
    if isinstance(geom, gpd.GeoSeries):
        if geom.crs is not None and not geom.crs.equals(settings.STORAGE_CRS):
            geom = geom.to_crs(settings.STORAGE_CRS)
        lon, lat, _ = geometry_xy(geom.to_numpy())
    else:  # WKB bytes straight from a GeoParquet file written in WGS-84
        lon, lat, _ = wkb_point_xy(pa.array(geom.to_numpy(dtype=object), type=pa.binary()))
    out = pd.DataFrame({"lon": lon, "lat": lat, "hilbert": hilbert_index(lon, lat)}, index=part.index)
    if category:
        # Arrow-backed text shuffles as Arrow buffers, not as pickled Python strings
        out["category"] = pd.array(part[category].astype(object).to_numpy(), dtype="string[pyarrow]")
    return out


def _xy_meta(category: str | None) -> pd.DataFrame:
    meta = pd.DataFrame({"lon": pd.Series(dtype=float), "lat": pd.Series(dtype=float),
                         "hilbert": pd.Series(dtype=np.int64)})
    if category:
        meta["category"] = pd.Series(dtype="string[pyarrow]")
    return meta


def _hilbert_sample(part: pd.DataFrame, step: int) -> np.ndarray:
    h = np.sort(_xy_frame(part[["geometry"]], None)["hilbert"].to_numpy())
    if not len(h):
        return h
    return np.unique(np.r_[h[::step], h[-1]])  # every step-th value, and the largest


def hilbert_divisions(ddf, npartitions: int, *, client, step: int = 1000) -> list[int]:
    """Hilbert-index boundaries giving partitions of about equal size.

    One light pass reads only the geometry, and keeps every ``step``-th sorted index of each
    partition; the boundaries are quantiles of that sample (so the shuffle that follows does
    not need Dask's own quantile pass over all columns).
    """
    import dask

    samples = client.compute([dask.delayed(_hilbert_sample)(p, step) for p in ddf[["geometry"]].to_delayed()],
                             sync=True)
    nonempty = [s for s in samples if len(s)]
    if not nonempty:
        return [0, 1]
    sample = np.concatenate(nonempty)  # holds every partition's smallest and largest index
    inner = np.quantile(sample, np.linspace(0, 1, npartitions + 1)[1:-1], method="inverted_cdf")
    divisions = np.unique(np.r_[sample.min(), inner, sample.max()].astype(np.int64))
    if len(divisions) < 2:
        divisions = np.r_[divisions, divisions[-1] + 1]
    return divisions.tolist()


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
    """The in-memory engine's chunk function on one partition of (lon, lat, category)."""
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


def zone_figures_dask(points, *, zones: Mapping[str, gpd.GeoDataFrame] | None = None,
                      campuses: gpd.GeoDataFrame | None = None, isochrones=None, category: str | None = None,
                      targets: pd.DataFrame | None = None, context: ZoneContext | None = None,
                      nearest_campus: bool = True, client=None, scheduler: str | None = None,
                      spatial_partition: bool = True, npartitions: int | None = None,
                      n_workers: int | None = None, processes: bool = True,
                      progress: bool = False) -> ZoneFigures:
    """Per-zone point figures computed on Dask; same arguments and result as :func:`zone_figures`.

    Parameters
    ----------
    points : dask_geopandas.GeoDataFrame, GeoDataFrame, str or Path
        Points in any declared CRS, or a points GeoParquet file or dataset folder.
    client : dask.distributed.Client, optional
        Run on this client.  Otherwise on ``scheduler`` (an address such as
        ``tcp://10.0.0.5:8786``) or, by default, on a LocalCluster of ``n_workers`` workers.
    spatial_partition : bool
        Sort the points along a Hilbert curve into spatially compact partitions first.
    npartitions : int, optional
        Partitions for an in-memory GeoDataFrame or the shuffle (default: keep the input's).
    """
    n_workers = settings.DASK_LOCAL_WORKERS if n_workers is None else n_workers
    import dask
    import dask_geopandas

    if isinstance(points, str | Path):
        if category is None and Path(points).is_file():
            category = read_points_metadata(points).get("category")
        ddf = read_points_dask(points, category=category)
    elif isinstance(points, gpd.GeoDataFrame | gpd.GeoSeries):
        ddf = dask_geopandas.from_geopandas(points, npartitions=npartitions or 4)
    else:
        ddf = points
    if isinstance(ddf, dask_geopandas.GeoSeries):
        ddf = ddf.to_frame(name="geometry")
    if isinstance(ddf, dask_geopandas.GeoDataFrame):
        require_points_crs(ddf.crs)
        if ddf.geometry.name != "geometry":
            ddf = ddf.rename_geometry("geometry")
    ctx, targets = context_and_targets(zones, context=context, targets=targets, campuses=campuses,
                                       isochrones=isochrones, nearest_campus=nearest_campus, progress=progress)

    with contextlib.ExitStack() as stack:
        if client is None:
            client = stack.enter_context(dask_client(scheduler, n_workers=n_workers, processes=processes))
        # only coordinates, category and the Hilbert index travel: a shuffle of numbers, not geometries
        xy = ddf.map_partitions(_xy_frame, category, meta=_xy_meta(category))
        if spatial_partition:
            divisions = hilbert_divisions(ddf, npartitions or xy.npartitions, client=client)
            xy = xy.set_index("hilbert", divisions=divisions)
        ctx_future = client.scatter(ctx, broadcast=True)
        parts = xy.to_delayed()
        partials = [dask.delayed(_partition_partial)(p, ctx_future) for p in parts]
        while len(partials) > 1:  # tree reduction, eight at a time
            partials = [dask.delayed(_add)(*partials[i:i + 8]) for i in range(0, len(partials), 8)]
        total = client.compute(partials[0]).result() if partials else ZonePartial.empty(ctx)
        n_partitions = len(parts)
        address = client.scheduler.address if getattr(client, "scheduler", None) else str(scheduler)
    return finish(total, ctx, targets=targets,
                  summary={"engine": "dask", "category": category, "partitions": n_partitions,
                           "scheduler": address, "spatially_partitioned": bool(spatial_partition)})
