"""The interactive maps (overview, 智谷, silicon lanes, corridor, proximity, land supply, firms, gallery).

The work is split by concern; this module keeps the public names in one place:

* :mod:`geo.render.assemble` — building a page and rendering every map (:func:`render_maps`);
* :mod:`geo.render.popups` — popups and tooltips, citations by document title;
* :mod:`geo.render.formatting` — figures in the documents' own units, never ``nan``;
* :mod:`geo.render.basemaps` — tile providers from ``xyzservices``, keyed ones only with a key;
* :mod:`geo.render.inputs` — the layers and analysis/points tables a map reads;
* :mod:`geo.render.overlays` — GeoJSON overlays (uncertainty classes, colour scales), rasters;
* :mod:`geo.render.labels` and :mod:`geo.render.search` — names on the map, aliases and pinyin;
* :mod:`geo.render.dashboard` — the land-supply chart and scenario explorer;
* :mod:`geo.render.pages` — Jinja2 templates (panel, print layout, dashboard, gallery), build date
  and data version;
* :mod:`geo.render.runtime` — the page's JavaScript and CSS.

Amap tiles are in GCJ-02: when an Amap basemap is chosen the page shifts every overlay
to GCJ-02 (a port of the forward transform in the page's runtime) and back to WGS-84
when another basemap is chosen, so features always sit on their tiles.

Data values are HTML-escaped in Python before they reach the page; the page binds popups
itself instead of using folium's ``GeoJsonPopup``/``GeoJsonTooltip``, which insert property
values as raw HTML.
"""

from __future__ import annotations

from geo.render.assemble import (
    GALLERY_EXTRA_PAGES,
    INDEX_NAME,
    RenderReport,
    build_map,
    map_names,
    render_index,
    render_maps,
    summary_lines,
)
from geo.render.basemaps import basemap_layers
from geo.render.formatting import format_figure, format_number
from geo.render.inputs import ANALYSIS_GPKG, ZONE_POINTS_GPKG, Inputs
from geo.render.overlays import NO_DATA_COLOR, prepare_geometry, raster_image
from geo.render.popups import cite, load_documents, popup_html, tooltip_html

__all__ = [
    "ANALYSIS_GPKG", "GALLERY_EXTRA_PAGES", "INDEX_NAME", "NO_DATA_COLOR", "ZONE_POINTS_GPKG", "Inputs",
    "RenderReport", "basemap_layers", "build_map", "cite", "format_figure", "format_number", "load_documents",
    "map_names", "popup_html", "prepare_geometry", "raster_image", "render_index", "render_maps", "summary_lines",
    "tooltip_html",
]
