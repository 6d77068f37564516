"""Points per zone: the one entry point, :func:`zone_figures`, over either engine.

The work is split three ways, with no import cycle:

* :mod:`geo.points.core` — the context, the chunk function and its partial sums, ``finish``,
  the documents' firm figures;
* :mod:`geo.points.memory_engine` — the chunk function over the points, chunk by chunk, in
  this process;
* :mod:`geo.points.dask_engine` — the same chunk function on every partition of a Dask
  cluster.

Both engines import only from the core; this module imports both (the Dask one only when
it is asked for, so ``import geo.points`` does not import Dask), builds the context once,
hands the points to the engine and finishes the summed partials — so the figures are the
same whichever engine summed them.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Mapping

import geopandas as gpd
import pandas as pd

from geo.points.core import ZoneContext, ZoneFigures, context_and_targets, finish, points_category

#: The engines :func:`zone_figures` dispatches to, by name: the module holding each ``run``.
ENGINES = {"memory": "geo.points.memory_engine", "dask": "geo.points.dask_engine"}


def engine_run(engine: str):
    """The ``run`` function of an engine (its module imported now, not before)."""
    if engine not in ENGINES:
        raise ValueError(f"unknown points engine {engine!r}; use one of {', '.join(map(repr, ENGINES))}")
    return importlib.import_module(ENGINES[engine]).run


def engine_option_names(engine: str) -> tuple[str, ...]:
    """The options an engine takes through ``zone_figures(..., **engine_options)``."""
    params = inspect.signature(engine_run(engine)).parameters
    return tuple(name for name, p in params.items()
                 if p.kind is inspect.Parameter.KEYWORD_ONLY and name not in ("category", "progress"))


def is_dask_collection(obj) -> bool:
    """Whether ``obj`` is a Dask (or dask-geopandas) collection, without importing Dask."""
    return type(obj).__module__.split(".")[0] in ("dask", "dask_geopandas", "dask_expr")


def zone_figures(points, *, zones: Mapping[str, gpd.GeoDataFrame] | None = None,
                 campuses: gpd.GeoDataFrame | None = None, isochrones=None, category: str | None = None,
                 targets: pd.DataFrame | None = None, context: ZoneContext | None = None,
                 nearest_campus: bool = True, engine: str | None = None, progress: bool = False,
                 **engine_options) -> ZoneFigures:
    """Per-zone point figures, in memory (chunked) or on Dask, with identical results.

    Parameters
    ----------
    points : GeoDataFrame, GeoSeries, str, Path or dask-geopandas GeoDataFrame
        Points in any declared CRS, or a points GeoParquet file (as written by
        :func:`geo.points.import_points`; read in row batches without building geometries;
        the Dask engine also takes a folder of them).
    zones, campuses, isochrones, nearest_campus
        See :func:`geo.points.core.zone_context` (defaults: the built layers and analysis outputs).
    category : str, optional
        Category column; for a GeoParquet file from the importer, the column it recorded.
    targets : DataFrame, optional
        Firm figures (default :func:`geo.points.core.firm_targets` of the zones).
    context : ZoneContext, optional
        A prepared context (reuse it across calls).
    engine : {"memory", "dask"}, optional
        ``"memory"``: chunk by chunk in this process; ``"dask"``: partitions on a Dask cluster.
        Default: ``"dask"`` for a Dask collection, ``"memory"`` for anything else.
    progress : bool
        Progress bars (isochrones, the memory engine's rows).
    **engine_options
        Passed to the engine: ``chunk_rows`` for the memory engine
        (:func:`geo.points.memory_engine.run`); ``client``, ``scheduler``, ``n_workers``,
        ``processes``, ``spatial_order`` and ``npartitions`` for Dask
        (:func:`geo.points.dask_engine.run`).

    Returns
    -------
    ZoneFigures

    Raises
    ------
    ValueError
        An unknown engine, or an option the engine does not take.
    """
    engine = engine or ("dask" if is_dask_collection(points) else "memory")
    run = engine_run(engine)
    unknown = sorted(set(engine_options) - set(engine_option_names(engine)))
    if unknown:
        raise ValueError(f"the {engine} engine takes no option {', '.join(unknown)}; "
                         f"it takes {', '.join(engine_option_names(engine))}")
    category = points_category(points, category)
    ctx, targets = context_and_targets(zones, context=context, targets=targets, campuses=campuses,
                                       isochrones=isochrones, nearest_campus=nearest_campus, progress=progress)
    total, summary = run(points, ctx, category=category, progress=progress, **engine_options)
    return finish(total, ctx, targets=targets, summary={**summary, "category": category})

