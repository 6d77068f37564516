"""Firm and point data: import registries and POI exports, and measure them per zone.

* :func:`import_points` reads CSV, Parquet, GeoPackage or GeoJSON in chunks, converts
  GCJ-02 / BD-09 to WGS-84, rejects bad rows by reason and writes GeoParquet;
* :func:`zone_figures` counts points per zone (by category, per km²), measures their
  distance to the nearest campus and their share within each isochrone, and sets the
  counts against the documents' firm figures; in memory (chunked) or on Dask
  (:func:`zone_figures_dask`), with identical results.
"""

from geo.points.dask_engine import zone_figures_dask
from geo.points.importer import REJECT_REASONS, ImportSummary, import_points
from geo.points.zones import ZoneFigures, firm_targets, zone_context, zone_figures

__all__ = [
    "REJECT_REASONS", "ImportSummary", "ZoneFigures", "firm_targets", "import_points", "zone_context",
    "zone_figures", "zone_figures_dask",
]
