"""Analyses of the corridor layers: land supply, proximity, corridor figures, raster surfaces.

Modules (one concern each; GeoDataFrames in and out, CRS checked at the door, metric work in
UTM 50N / EPSG:32650, results with geometry in WGS-84):

- :mod:`geo.analysis.streets` — reading street networks (osmnx GraphML, edge lists, live fetch) into one model
- :mod:`geo.analysis.network` — that model's per-mode routing adapter (CSR for scipy's Dijkstra); traced roads
- :mod:`geo.analysis.proximity` — distance matrices, nearest campus, isochrones, coverage
- :mod:`geo.analysis.land` — land supply: floor-space targets against floor stock + capacity, land against land, as ranges
- :mod:`geo.analysis.corridor` — the five Guanggu corridor cities and the band along the axis
- :mod:`geo.analysis.raster` — distance / travel-time GeoTIFFs and zonal statistics
- :mod:`geo.analysis.pipeline` — ``run_analysis``, what ``corridor analyse`` runs
"""

import importlib

__all__ = ["corridor", "land", "network", "pipeline", "proximity", "raster", "streets"]


def __getattr__(name: str):
    # Submodules load on first use, so that importing one of them (or building the CLI's
    # parser) does not pull in scipy, networkx and rasterio for all of them.
    if name in __all__:
        return importlib.import_module(f"geo.analysis.{name}")
    raise AttributeError(f"module 'geo.analysis' has no attribute {name!r}")
