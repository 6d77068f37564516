"""Per-zone point figures on Dask: the same chunk function, partitioned past one machine.

:func:`zone_figures_dask` takes a dask-geopandas GeoDataFrame, a GeoParquet dataset path
(one file or a folder of them) or an in-memory GeoDataFrame, and

1. spatially partitions the points along a Hilbert curve (``spatial_shuffle``), unless
   they already carry spatial partitions, so that each partition covers a compact area;
2. broadcasts the small layers (zones, campus index, isochrones: a :class:`ZoneContext`
   of a few MB) to every worker once (``client.scatter(..., broadcast=True)``);
3. applies :func:`geo.points.zones.frame_partial` (the in-memory engine's chunk function)
   to every partition and sums the integer partials in a tree;
4. finishes with :func:`geo.points.zones.finish`, exactly as the in-memory engine does.

The figures are therefore identical to the in-memory path on the same points.  Without
a scheduler address a :class:`dask.distributed.LocalCluster` is started (and closed)
for the call; with ``scheduler="tcp://host:8786"`` any Dask cluster runs it unchanged.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from pathlib import Path

import geopandas as gpd
import pandas as pd

from geo import settings
from geo.points.importer import read_points_metadata
from geo.points.zones import (
    ZoneContext,
    ZoneFigures,
    ZonePartial,
    finish,
    firm_targets,
    frame_partial,
    zone_context,
)


def read_points_dask(path: str | Path, *, category: str | None = None):
    """Open a points GeoParquet file or dataset folder lazily (geometry and category only)."""
    import dask_geopandas

    columns = ["geometry"] + ([category] if category else [])
    return dask_geopandas.read_parquet(str(path), columns=columns, split_row_groups=True)


def spatially_partitioned(ddf, *, npartitions: int | None = None):
    """Points shuffled along a Hilbert curve, so each partition covers a compact area."""
    if getattr(ddf, "spatial_partitions", None) is not None:
        return ddf
    return ddf.spatial_shuffle(by="hilbert", npartitions=npartitions)


@contextlib.contextmanager
def dask_client(scheduler: str | None = None, *, n_workers: int = settings.DASK_LOCAL_WORKERS,
                threads_per_worker: int = settings.DASK_THREADS_PER_WORKER, processes: bool = True):
    """A distributed client: on ``scheduler`` if given, else on a LocalCluster made (and closed) here."""
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


def _partition_partial(part: gpd.GeoDataFrame, ctx: ZoneContext, category: str | None) -> ZonePartial:
    return frame_partial(part, ctx, category=category)


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
                      n_workers: int = settings.DASK_LOCAL_WORKERS, processes: bool = True,
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
        Hilbert-shuffle the points first (skipped when they already have spatial partitions).
    npartitions : int, optional
        Partitions for an in-memory GeoDataFrame or the shuffle (default: keep the input's).
    """
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
    if ddf.crs is None:
        from geo.errors import CoordinateSystemError

        raise CoordinateSystemError("points have no CRS; declare it (EPSG:4326 for WGS-84 lon/lat)")
    if category is not None:
        ddf = ddf[[category, ddf.geometry.name]]
    if spatial_partition:
        ddf = spatially_partitioned(ddf, npartitions=npartitions)
    ctx = context or zone_context(zones, campuses=campuses, isochrones=isochrones,
                                  nearest_campus=nearest_campus, progress=progress)
    if targets is None:
        targets = firm_targets(zones)

    with contextlib.ExitStack() as stack:
        if client is None:
            client = stack.enter_context(dask_client(scheduler, n_workers=n_workers, processes=processes))
        ctx_future = client.scatter(ctx, broadcast=True)
        parts = ddf.to_delayed()
        partials = [dask.delayed(_partition_partial)(p, ctx_future, category) for p in parts]
        while len(partials) > 1:  # tree reduction, eight at a time
            partials = [dask.delayed(_add)(*partials[i:i + 8]) for i in range(0, len(partials), 8)]
        total = client.compute(partials[0]).result() if partials else ZonePartial.empty(ctx)
        n_partitions = len(parts)
        address = client.scheduler.address if getattr(client, "scheduler", None) else str(scheduler)
    return finish(total, ctx, targets=targets,
                  summary={"engine": "dask", "category": category, "partitions": n_partitions,
                           "scheduler": address, "spatially_partitioned": bool(spatial_partition)})
