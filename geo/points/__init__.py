"""Firm and point data: import registries and POI exports, and measure them per zone.

* :func:`import_points` reads CSV, Parquet, GeoPackage or GeoJSON in chunks, converts
  GCJ-02 / BD-09 to WGS-84, rejects bad rows by reason and writes GeoParquet;
* :func:`zone_figures` counts points per zone (by category, per km²), measures their
  distance to the nearest campus and their share within each isochrone, and sets the
  counts against the documents' firm figures; in memory, chunked (``engine="memory"``), or
  on Dask (``engine="dask"``), with identical results.

Importing this package does not import Dask; the Dask engine is loaded when it is used.
"""

from geo.points.core import ZoneContext, ZoneFigures, firm_targets, zone_context
from geo.points.importer import REJECT_REASONS, ImportSummary, import_points
from geo.points.zones import ENGINES, zone_figures

__all__ = [
    "ENGINES", "REJECT_REASONS", "ImportSummary", "ZoneContext", "ZoneFigures", "firm_targets", "import_points",
    "zone_context", "zone_figures",
]
