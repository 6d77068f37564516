"""Analyses of the corridor layers: land supply, proximity, corridor figures, raster surfaces.

Modules (one concern each; GeoDataFrames in and out, CRS checked at the door, metric work in
UTM 50N / EPSG:32650, results with geometry in WGS-84):

- :mod:`geo.analysis.network` — routable street network from the traced roads or an osmnx graph
- :mod:`geo.analysis.proximity` — distance matrices, nearest campus, isochrones, coverage
- :mod:`geo.analysis.land` — zone areas, land by class, floor-area capacity against targets
- :mod:`geo.analysis.corridor` — the five Guanggu corridor cities and the band along the axis
- :mod:`geo.analysis.raster` — distance / travel-time GeoTIFFs and zonal statistics
- :mod:`geo.analysis.pipeline` — ``run_analysis``, what ``corridor analyse`` runs
"""

from geo.analysis import corridor, land, network, proximity, raster

__all__ = ["corridor", "land", "network", "proximity", "raster"]
