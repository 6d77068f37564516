"""Data sources beyond the committed layers: OpenStreetMap live, from files, and conflation.

* :mod:`geo.sources.osm` — live Overpass queries through osmnx, the ``layers/osm/`` cache.
* :mod:`geo.sources.osm_file` — the same layers offline from ``.osm``/``.osm.xml``/``.osm.pbf``.
* :mod:`geo.sources.conflate` — matching OSM features to the traced places, the report,
  and ``corridor layers --osm``.
* :mod:`geo.sources.buildings` — building footprints × storeys: the existing floor stock
  (``corridor analyse --buildings``).

OSM data is © OpenStreetMap contributors, available under the ODbL.
"""
