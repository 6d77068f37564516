"""Overlays: vector layers as GeoJSON for the page runtime, rasters as images, colour scales.

Every feature carries, besides its geometry: ``id``, ``_popup`` and ``_tooltip`` (HTML escaped
here), ``_search`` (display name) and ``_keys`` (normalised names, aliases, pinyin),
``_row`` (the attribute-table row) and ``_style`` (its uncertainty class and choropleth fill).
Traced outlines and points are drawn by positional-uncertainty class: solid up to
:data:`geo.settings.MAP_UNCERTAINTY_CLASSES_M` [0], dashed up to [1], dotted and faded beyond;
a point gets a halo of its uncertainty radius.
"""

from __future__ import annotations

import base64
import io
import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from branca.colormap import LinearColormap

from geo import settings, units
from geo.crs import to_metric
from geo.errors import CoordinateSystemError, CorridorError
from geo.render.formatting import (
    column_value,
    esc,
    format_number,
    horizon_key,
    horizon_text,
    is_missing,
    is_number,
)
from geo.render.inputs import check_crs
from geo.render.labels import feature_labels, short_name
from geo.render.popups import (
    display_names,
    document_keys,
    document_title,
    popup_html,
    row_figures,
    tooltip_html,
    uncertainty_class,
)
from geo.render.search import search_keys
from geo.render.styles import LayerEntry, LayerStyle, MapSpec
from geo.schema import LINEAR, PUNTAL

#: Fill of choropleth features without a value (for example a zone with no documented target).
NO_DATA_COLOR = "#bbbbbb"
#: Leaflet dash patterns of the uncertainty classes (``fine`` keeps the style's own).
UNCERTAINTY_DASH = {"medium": "7 4", "coarse": "2 5"}
_SOURCE_LABELS = {"traced": "描摹 traced", "admin": "行政区划 admin", "osm": "OpenStreetMap",
                  "analysis": "分析 analysis"}


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
    check_crs(gdf, "prepare_geometry")
    decimals = settings.MAP_COORD_DECIMALS if decimals is None else decimals
    geoms = gdf.geometry
    if simplify_m > 0:
        geoms = geoms.to_crs(settings.METRIC_CRS).simplify(simplify_m, preserve_topology=True)
    geoms = geoms.to_crs(settings.STORAGE_CRS)
    rounded = shapely.transform(geoms.values, lambda xy: np.round(xy, decimals))
    return gdf.set_geometry(gpd.GeoSeries(rounded, index=gdf.index, crs=settings.STORAGE_CRS))


def filter_entry(gdf: gpd.GeoDataFrame, entry: LayerEntry, frames: dict) -> gpd.GeoDataFrame:
    for column, values in entry.filter.items():
        if column not in gdf.columns:
            raise CorridorError(f"map layer {entry.name!r}: filter column {column!r} is not in the data")
        values = values if isinstance(values, list) else [values]
        gdf = gdf[gdf[column].isin(values)]
    if entry.dissolve:
        missing = [c for c in entry.dissolve if c not in gdf.columns]
        if missing:
            raise CorridorError(f"map layer {entry.name!r}: dissolve column(s) {', '.join(missing)} not in the data")
        cols = list(entry.dissolve)
        gdf = gdf[cols + [gdf.geometry.name]].dissolve(by=cols, as_index=False)
    if entry.clip_to:
        other = frames.get(entry.clip_to["layer"])
        if other is not None and len(other):
            area = to_metric(other).union_all().buffer(float(entry.clip_to.get("buffer_m", 0)))
            keep = to_metric(gdf).intersects(area)
            gdf = gdf[keep.values]
    return gdf


def geometry_shape(gdf: gpd.GeoDataFrame) -> str:
    types = set(gdf.geom_type.dropna())
    if types and types <= set(PUNTAL):
        return "point"
    if types and types <= set(LINEAR):
        return "line"
    return "fill"


def attribution(gdf: gpd.GeoDataFrame, entry: LayerEntry) -> str:
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
    return esc("; ".join(parts))


# --------------------------------------------------------------------------------- colour scales
class ColourScale:
    """Values to colours: ``linear`` (clamped to vmin/vmax), ``log`` or ``quantile`` (by rank).

    A quantile or log scale keeps one large zone (a whole district) from washing every other
    zone into the bottom colour.
    """

    def __init__(self, choropleth: dict, values):
        self.colors = list(choropleth["colors"])
        self.kind = str(choropleth.get("scale", "linear"))
        finite = pd.to_numeric(pd.Series(values), errors="coerce").replace([np.inf, -np.inf], np.nan).dropna()
        finite = finite.to_numpy(dtype=float)
        if self.kind == "log":
            finite = finite[finite > 0]
        self.vmin = float(choropleth.get("vmin", finite.min() if finite.size else 0.0))
        self.vmax = float(choropleth.get("vmax", finite.max() if finite.size else 1.0))
        if self.vmax <= self.vmin:
            self.vmax = self.vmin + 1.0
        self.sorted = np.sort(finite)
        self._ramp = LinearColormap(self.colors, vmin=0.0, vmax=1.0)

    def position(self, value: float) -> float:
        """Where ``value`` sits on the ramp, 0..1."""
        if self.kind == "quantile" and self.sorted.size > 1:
            # mean rank of the value among the data (ties share it), 0 for the smallest, 1 for the largest
            rank = (np.searchsorted(self.sorted, value, side="left") + np.searchsorted(self.sorted, value, side="right") - 1) / 2
            return float(np.clip(rank / (self.sorted.size - 1), 0, 1))
        if self.kind == "log" and value > 0 and self.vmin > 0:
            return float(np.clip((np.log10(value) - np.log10(self.vmin)) / (np.log10(self.vmax) - np.log10(self.vmin)), 0, 1))
        return float(np.clip((value - self.vmin) / (self.vmax - self.vmin), 0, 1))

    def __call__(self, value: float) -> str:
        return self._ramp(self.position(value))

    def ticks(self, fmt) -> list[list]:
        """Legend ticks ``[[position 0..1, label], ...]``."""
        if self.kind == "quantile" and self.sorted.size > 1:
            qs = (0.0, 0.5, 1.0)
            return [[q, fmt(float(np.quantile(self.sorted, q)))] for q in qs]
        if self.kind == "log" and self.vmin > 0:
            mid = 10 ** ((np.log10(self.vmin) + np.log10(self.vmax)) / 2)
            return [[0.0, fmt(self.vmin)], [0.5, fmt(mid)], [1.0, fmt(self.vmax)]]
        return [[0.0, fmt(self.vmin)], [1.0, fmt(self.vmax)]]


def ramp_legend(key: str, style: LayerStyle, scale: ColourScale, *, fmt=format_number) -> dict:
    ch = style.choropleth or {}
    caption = f"{ch.get('caption_zh', style.label_zh)} {ch.get('caption_en', style.label_en)}".strip()
    ticks = scale.ticks(fmt)
    note = {"quantile": "分位数色阶 quantile scale", "log": "对数色阶 log scale"}.get(scale.kind, "")
    return {"layer": key, "label": caption,
            "ramp": {"colors": list(scale.colors), "min_label": ticks[0][1], "max_label": ticks[-1][1],
                     "ticks": ticks, "note": note}}


# --------------------------------------------------------------------------------- vector layers
def uncertainty_style(metres, *, base: dict, shape: str) -> dict:
    """Path options of a feature's uncertainty class on top of the layer style."""
    cls = uncertainty_class(metres)
    if cls in ("fine", "unknown"):
        return {}
    out = {"dashArray": UNCERTAINTY_DASH[cls]}
    if cls == "coarse":
        out["opacity"] = round(0.6 * float(base.get("opacity", 1.0)), 3)
        if shape != "line":
            out["fillOpacity"] = round(0.6 * float(base.get("fillOpacity", 0.2)), 3)
    return out


def table_row(row: dict, *, label: str, documents: dict, titles: dict) -> dict:
    """The attribute-table row of a feature: names, layer title, kind, source, documents, horizons."""
    name_zh, name_en = display_names(row)
    figures = row_figures(row)
    keys = list(dict.fromkeys(document_keys(row.get("ref")) + document_keys(row.get("target_ref"))
                              + [k for f in figures for k in document_keys(f.get("ref"))]))
    docs = [t for t in (document_title(k, documents) for k in keys) if t]
    horizons = sorted({h for h in (horizon_key(f) for f in figures) if h})
    source = "" if is_missing(row.get("source")) else _SOURCE_LABELS.get(str(row["source"]), str(row["source"]))
    kind = "" if is_missing(row.get("kind")) else str(row["kind"]).replace("_", " ")
    if not kind and not is_missing(row.get("zone_layer")):
        kind = titles.get(str(row["zone_layer"]), "")
    unc = row.get("uncertainty_m")
    return {"name_zh": name_zh, "name_en": name_en, "layer": label, "kind": kind, "source": source,
            "documents": docs, "horizons": horizons,
            "horizon_labels": sorted({horizon_text(f) for f in figures if horizon_text(f)}),
            "uncertainty_m": float(unc) if is_number(unc) else None}


def vector_overlay(gdf: gpd.GeoDataFrame, *, entry: LayerEntry, style: LayerStyle, spec: MapSpec,
                   documents: dict, titles: dict, aliases: dict, short_names: dict) -> tuple[dict, dict, list[dict]]:
    """GeoJSON data, overlay options (with labels) and legend items for one vector layer."""
    shape = geometry_shape(gdf) if len(gdf) else "fill"
    if shape == "fill" and len(gdf) > 1:
        # Large polygons first, so that small ones stay on top and clickable.
        order = units.area_m2(gdf).sort_values(ascending=False).index
        gdf = gdf.loc[order]
    simplify_m = spec.simplify_m if entry.simplify_m is None else entry.simplify_m
    shown = prepare_geometry(gdf, simplify_m=0 if shape == "point" else simplify_m)
    records = gdf.drop(columns=gdf.geometry.name).to_dict("records")
    ids = [str(r["id"]) if entry.kind == "layer" and not is_missing(r.get("id"))
           else f"{entry.uid}:{r.get('id') if not is_missing(r.get('id')) else i}" for i, r in enumerate(records)]
    label_spec = style.labels or {}
    shorts = [short_name(r, short_names=short_names, use_alias=label_spec.get("short", False)) for r in records]
    props = pd.DataFrame({
        # analysis rows are keyed "<entry>:<id or row>" so they never shadow a layer feature's id
        "id": ids,
        "_popup": [popup_html(r, style=style, documents=documents, titles=titles) for r in records],
        "_tooltip": [tooltip_html(r) for r in records],
        "_search": [" / ".join(n for n in display_names(r) if n) for r in records],
        "_keys": [search_keys(r, aliases=aliases, short=s) for r, s in zip(records, shorts, strict=True)],
        "_row": [table_row(r, label=style.label, documents=documents, titles=titles) for r in records],
    }, index=gdf.index)
    base = dict(style.path_options)
    feature_styles = [uncertainty_style(r.get("uncertainty_m"), base=base, shape=shape) for r in records]
    if shape == "point":
        props["_halo"] = [float(r["uncertainty_m"]) if uncertainty_class(r.get("uncertainty_m")) in ("medium", "coarse")
                          else None for r in records]
    legend = []
    if style.choropleth:
        column = style.choropleth.get("column")
        if column not in gdf.columns:
            raise CorridorError(f"style {style.key!r}: choropleth column {column!r} is not in layer {entry.name!r}")
        values = pd.to_numeric(gdf[column], errors="coerce").to_numpy(dtype=float)
        scale = ColourScale(style.choropleth, values)
        for fs, v in zip(feature_styles, values, strict=True):
            if np.isfinite(v):
                fs["fillColor"] = scale(v)
                if shape == "line":
                    fs["color"] = scale(v)
            else:  # no value: an outline only, so zones without a value do not pile up grey
                fs.update({"fillColor": NO_DATA_COLOR, "fillOpacity": 0.0, "dashArray": "3 4", "color": "#777777"})
        props["_value"] = [float(v) if np.isfinite(v) else None for v in values]
        legend.append(ramp_legend(entry.uid, style, scale, fmt=lambda v: column_value(column, v)))
        if not np.isfinite(values).all():
            ch = style.choropleth
            legend.append({"layer": f"{entry.uid}-no-data", "shape": "fill",
                           "style": {"fillColor": "#ffffff", "fillOpacity": 0, "color": "#777777", "dashArray": "3 4"},
                           "label": f"{ch.get('no_data_zh', '无数据')} {ch.get('no_data_en', 'No data')}"})
    else:
        legend.append({"layer": entry.uid, "label": style.label, "shape": shape, "style": style.path_options})
    props["_style"] = feature_styles
    out = gpd.GeoDataFrame(props, geometry=shown.geometry.values, crs=settings.STORAGE_CRS)
    data = json.loads(out.to_json(drop_id=True))
    options = {"style": style.path_options, "attribution": attribution(gdf, entry), "legend_key": entry.uid}
    if entry.kind == "analysis" and entry.name == "isochrones" and "mode" in entry.filter:
        options["travel_mode"] = True  # a click reads the travel time of every mode there
    if style.labels:
        options["labels"] = feature_labels(gdf, ids, spec=label_spec, short_names=short_names, shape=shape)
    return data, options, legend


# --------------------------------------------------------------------------------- rasters
def raster_image(path: Path, *, style: LayerStyle, max_px: int | None = None, key: str | None = None
                 ) -> tuple[str, list, dict]:
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
    legend = ramp_legend(key or style.key, style, ColourScale({**ch, "vmin": vmin, "vmax": vmax}, []))
    return url, [[south, west], [north, east]], legend
