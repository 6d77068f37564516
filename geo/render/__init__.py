"""Rendering: interactive Folium maps (:mod:`geo.render.maps`) and batch exports (:mod:`geo.render.export`).

Styles come from ``maps/styles.yml`` (:mod:`geo.render.styles`); Leaflet and its plugins
are inlined from installed packages (:mod:`geo.render.assets`).
"""

from geo.render.maps import RenderReport, build_map, map_names, render_maps
from geo.render.styles import load_styles

__all__ = ["RenderReport", "build_map", "load_styles", "map_names", "render_maps"]
