"""Names drawn on the map: a short name and an anchor point per feature, with a priority and a zoom.

The page shows a label only from its ``min_zoom`` on and hides, on every zoom, any label
whose box overlaps a label of higher priority (lower number) — so labels never overlap
and more appear as the reader zooms in.  Anchors are computed in metres (UTM 50N): the
pole of inaccessibility of a polygon's largest part (inside even for a crescent), the middle
of a line, the point itself.
"""

from __future__ import annotations

import re

import geopandas as gpd
import shapely
from shapely.ops import polylabel

from geo import settings
from geo.crs import to_metric
from geo.render.formatting import is_missing

_CJK = re.compile(r"[\u4e00-\u9fff]")
_BRACKETS = re.compile(r"\s*[（(].*?[)）]\s*")


def short_name(row: dict, *, short_names: dict[str, str], use_alias: bool) -> str:
    """The name drawn on the map: ``short_names[id]``, else the first Chinese alias (``use_alias``),
    else the Chinese name without bracketed parts."""
    fid = "" if is_missing(row.get("id")) else str(row["id"])
    if fid in short_names:
        return short_names[fid]
    if use_alias and not is_missing(row.get("aliases")):
        for alias in str(row["aliases"]).split(";"):
            if _CJK.search(alias):
                return alias.strip()
    name = "" if is_missing(row.get("name_zh")) else str(row["name_zh"])
    return _BRACKETS.sub("", name).strip() or name or ("" if is_missing(row.get("name_en")) else str(row["name_en"]))


def anchor_points(gdf: gpd.GeoDataFrame) -> list[tuple[float, float] | None]:
    """(lat, lon) of a label anchor per feature (WGS-84); None for an empty geometry."""
    metric = to_metric(gdf, what="labels").geometry
    anchors = []
    for geom in metric:
        if geom is None or geom.is_empty:
            anchors.append(None)
            continue
        if geom.geom_type == "MultiPolygon":
            geom = max(geom.geoms, key=lambda g: g.area)
        if geom.geom_type == "Polygon":
            point = polylabel(geom, tolerance=max(5.0, geom.length / 2000))
        elif geom.geom_type in ("LineString", "MultiLineString"):
            line = max(geom.geoms, key=lambda g: g.length) if geom.geom_type == "MultiLineString" else geom
            point = line.interpolate(0.5, normalized=True)
        else:
            point = shapely.centroid(geom)
        anchors.append(point)
    present = [p for p in anchors if p is not None]
    if not present:
        return [None] * len(anchors)
    wgs = gpd.GeoSeries(present, crs=settings.METRIC_CRS).to_crs(settings.STORAGE_CRS)
    it = iter(wgs)
    out = []
    for p in anchors:
        if p is None:
            out.append(None)
        else:
            q = next(it)
            out.append((round(q.y, 6), round(q.x, 6)))
    return out


def feature_labels(gdf: gpd.GeoDataFrame, ids: list[str], *, spec: dict, short_names: dict[str, str],
                   shape: str) -> list[dict]:
    """Label records ``{id, text, lat, lng, minZoom, priority, shape}`` for the features of one layer."""
    records = gdf.drop(columns=gdf.geometry.name).to_dict("records")
    out = []
    for _fid, row, anchor in zip(ids, records, anchor_points(gdf), strict=True):
        text = short_name(row, short_names=short_names, use_alias=spec.get("short", False))
        if anchor is None or not text:
            continue
        out.append({"text": text, "lat": anchor[0], "lng": anchor[1],
                    "minZoom": spec.get("min_zoom", 0), "priority": spec.get("priority", 5), "shape": shape})
    return out
