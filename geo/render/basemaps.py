"""Basemaps from ``xyzservices`` providers; a basemap that needs a key is left out without one.

A keyed basemap (天地图 Tianditu, CARTO) is offered only when its key is in the environment
(:data:`geo.settings.TIANDITU_KEY_ENV`, :data:`geo.settings.CARTO_KEY_ENV`); otherwise it is
simply absent from the map, and :func:`missing_keys` gives the one log line the build prints.
The Amap (高德, ``Gaode``) layer carries the Leaflet option ``gcj02: true``, which the page
runtime uses to shift the overlays onto its GCJ-02 tiles.
"""

from __future__ import annotations

import os

import folium
import xyzservices
import xyzservices.providers as xyz

from geo import settings
from geo.render.formatting import esc

#: Basemap name -> (display name, environment variable of its key or None).
BASEMAP_NAMES = {
    "osm": ("OpenStreetMap", None),
    "cartodb_positron": ("CartoDB 浅色 Positron", "CARTO_KEY_ENV"),
    "cartodb_dark": ("CartoDB 深色 Dark Matter", "CARTO_KEY_ENV"),
    "esri_imagery": ("Esri 影像 World Imagery", None),
    "tianditu": ("天地图 Tianditu (WGS-84)", "TIANDITU_KEY_ENV"),
    "amap": ("高德 Amap (GCJ-02)", None),
}


def _tianditu() -> xyzservices.TileProvider:
    # Not in the xyzservices catalogue: the same TileProvider type, with the WMTS template.
    return xyzservices.TileProvider(
        name="Tianditu.Normal",
        url=("https://t{s}.tianditu.gov.cn/vec_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER=vec"
             "&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk={apikey}"),
        attribution=settings.TIANDITU_ATTRIBUTION, subdomains="01234567", max_zoom=18,
        apikey="<insert your API key here>",
    )


def provider(name: str) -> xyzservices.TileProvider:
    """The xyzservices tile provider of a basemap name of ``maps/styles.yml``."""
    return {
        "osm": lambda: xyz.OpenStreetMap.Mapnik,
        "cartodb_positron": lambda: xyz.CartoDB.Positron,
        "cartodb_dark": lambda: xyz.CartoDB.DarkMatter,
        "esri_imagery": lambda: xyz.Esri.WorldImagery,
        "tianditu": _tianditu,
        "amap": lambda: xyz.Gaode.Normal,
    }[name]()


def _key(name: str, env) -> tuple[str | None, str]:
    """(key or None, environment variable name) of a keyed basemap; (None, '') for a free one."""
    setting = BASEMAP_NAMES[name][1]
    if not setting:
        return None, ""
    var = getattr(settings, setting)
    return (env.get(var, "").strip() or None), var


def missing_keys(names, *, env=None) -> list[str]:
    """One line per keyed basemap left out for want of its key (for the build log)."""
    env = os.environ if env is None else env
    out = {}
    for name in names:
        key, var = _key(name, env)
        if var and not key:
            out.setdefault(var, []).append(BASEMAP_NAMES[name][0])
    return [f"basemap(s) {', '.join(v)} not offered: set {var} to a key to add them" for var, v in out.items()]


_ATTRIBUTIONS = {
    "osm": '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors (ODbL)',
    "cartodb_positron": esc(settings.CARTO_ATTRIBUTION),
    "cartodb_dark": esc(settings.CARTO_ATTRIBUTION),
    "esri_imagery": esc(settings.ESRI_ATTRIBUTION),
    "tianditu": esc(settings.TIANDITU_ATTRIBUTION),
    "amap": esc("© 高德地图 Amap — overlays shifted to GCJ-02 to match"),
}


def basemap_layers(names, *, env=None) -> tuple[list[folium.TileLayer], list[str]]:
    """Tile layers for the basemaps ``names`` (the first shown), and notes on any left out.

    Keyed basemaps without their key are omitted; the notes say so (for the build log, not
    the map).
    """
    env = os.environ if env is None else env
    layers = []
    for name in names:
        key, var = _key(name, env)
        if var and not key:
            continue
        tiles = provider(name)
        url = tiles.build_url(apikey=key) if key else tiles.build_url()
        kwargs = {
            "tiles": url, "name": BASEMAP_NAMES[name][0], "attr": _ATTRIBUTIONS[name],
            "max_zoom": int(tiles.get("max_zoom", 19)), "overlay": False, "control": True,
            "show": not layers, "basemap": name,
        }
        if "{s}" in url and tiles.get("subdomains"):
            kwargs["subdomains"] = tiles["subdomains"]
        if name == "amap":
            kwargs["gcj02"] = True
            kwargs["max_zoom"] = 18
        layers.append(folium.TileLayer(**kwargs))
    return layers, missing_keys(names, env=env)
