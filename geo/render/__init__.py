"""Rendering: interactive Folium maps (:mod:`geo.render.maps`, built by :mod:`geo.render.assemble` from
popups, basemaps, labels, search, overlays, dashboard and Jinja2 page templates), QGIS default styles
(:mod:`geo.render.qgis_styles`) and batch exports (:mod:`geo.render.export`).

Styles come from ``maps/styles.yml`` (:mod:`geo.render.styles`); Leaflet and its plugins
are inlined from installed packages (:mod:`geo.render.assets`).
"""

from geo.render.maps import RenderReport, build_map, map_names, render_maps
from geo.render.styles import load_styles

__all__ = ["RenderReport", "build_map", "load_styles", "map_names", "render_maps"]
