"""The one schema every feature of every layer follows, and validation at the door.

A feature carries:

==================  =========================================================================
``id``              stable ASCII slug, unique across all layers
``name_zh``         Chinese name
``name_en``         English name
``kind``            what the feature is (``campus``, ``innovation_belt``, ``road`` ...)
``layer``           the layer it belongs to (set when the layer is built)
``source``          ``traced``, ``osm``, ``admin`` or ``derived``
``source_detail``   how it was made: roads bounding a traced polygon, package + version ...
``uncertainty_m``   honest positional uncertainty, metres
``ref``             policy document key(s) (``;``-separated) naming the place, or empty
==================  =========================================================================

plus the figures the documents give for it, joined at build from ``layers/figures.csv``
(:mod:`geo.figures`): each figure ``F`` in unit ``U`` becomes a numeric column ``F_U`` (SI
units) and a text column ``F_text`` with the document's own words; ``figures_json`` keeps
the full list with citations, horizons and the documents' own units.

Validation refuses a file or frame before anything is written, naming the file,
the feature id and the problem.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo import settings
from geo.crs import convert_geometry, normalize_system
from geo.errors import CoordinateSystemError, LayerValidationError
from geo.io import drop_z

REQUIRED_FIELDS = (
    "id", "name_zh", "name_en", "kind", "source", "source_detail", "uncertainty_m", "ref",
)
SCHEMA_COLUMNS = (
    "id", "name_zh", "name_en", "kind", "layer", "source", "source_detail", "uncertainty_m", "ref",
)
SOURCES = ("traced", "osm", "admin", "derived")
#: Area units stored in the m² column so that every area column is SI.
_TO_SI = {"km2": ("m2", 1e6), "ha": ("m2", 1e4), "mu": ("m2", 1e4 / 15)}
_ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]*$")

POLYGONAL = ("Polygon", "MultiPolygon")
LINEAR = ("LineString", "MultiLineString")
PUNTAL = ("Point", "MultiPoint")


@dataclass(frozen=True)
class LayerSpec:
    """What a layer is, where its sources are and what geometry it expects.

    Attributes
    ----------
    name : str
        Table name in the GeoPackage (ASCII).
    title_en, title_zh : str
        Human titles for maps and docs.
    sources : tuple of str
        Source files relative to :data:`geo.settings.LAYERS_DIR`.
    geometry_types : tuple of str
        Allowed shapely geometry types.
    description : str
        One line for the layer catalogue.
    """

    name: str
    title_en: str
    title_zh: str
    sources: tuple[str, ...]
    geometry_types: tuple[str, ...]
    description: str = ""


def _feature_label(props: dict, index: int) -> str:
    fid = props.get("id") if isinstance(props, dict) else None
    return str(fid) if fid not in (None, "") else f"#{index} (no id)"


def read_source_features(path: str | Path, *, layer: str | None = None) -> tuple[list, str]:
    """Read a source GeoJSON file and return its features and declared coordinate system.

    Raises
    ------
    LayerValidationError
        If the file is missing, empty, not valid JSON (for example truncated), not a
        FeatureCollection, or does not declare its coordinate system.
    """
    path = Path(path)
    if not path.exists():
        raise LayerValidationError("file does not exist", path=path, layer=layer)
    text = path.read_text(encoding="utf-8")
    if not text.strip():
        raise LayerValidationError("file is empty", path=path, layer=layer)
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise LayerValidationError(
            f"not valid JSON at line {exc.lineno} column {exc.colno} ({exc.msg}); "
            "the file may be truncated",
            path=path, layer=layer,
        ) from None
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection":
        raise LayerValidationError("not a GeoJSON FeatureCollection", path=path, layer=layer)
    features = doc.get("features")
    if not isinstance(features, list) or not features:
        raise LayerValidationError("FeatureCollection has no features", path=path, layer=layer)
    declared = doc.get("coordinate_system")
    if declared is None and _names_wgs84(doc.get("crs")):
        # QGIS and GDAL rewrite the file on save: they drop our member but declare CRS84 / EPSG:4326
        declared = "WGS-84"
    try:
        system = normalize_system(declared)
    except CoordinateSystemError as exc:
        raise LayerValidationError(
            f"{exc}; add a top-level \"coordinate_system\" member (\"WGS-84\", \"GCJ-02\" or "
            "\"BD-09\") naming the system the coordinates were taken in",
            path=path, layer=layer,
        ) from None
    return features, system


#: ``crs`` names (GeoJSON 2008 form, as QGIS/GDAL write it) that declare WGS-84 longitude/latitude.
_WGS84_CRS_NAMES = ("urn:ogc:def:crs:OGC:1.3:CRS84", "urn:ogc:def:crs:OGC::CRS84", "urn:ogc:def:crs:EPSG::4326",
                    "EPSG:4326", "CRS84")


def _names_wgs84(crs) -> bool:
    """Whether a GeoJSON ``crs`` member names WGS-84 (CRS84 or EPSG:4326)."""
    name = ((crs or {}).get("properties") or {}).get("name") if isinstance(crs, dict) else None
    return isinstance(name, str) and name.strip() in _WGS84_CRS_NAMES


def _check_properties(props, *, index: int, path, layer) -> None:
    label = _feature_label(props, index)
    if not isinstance(props, dict):
        raise LayerValidationError("feature has no properties", path=path, feature_id=label, layer=layer)
    missing = [f for f in REQUIRED_FIELDS if f not in props]
    empty = [f for f in REQUIRED_FIELDS if f != "ref" and f in props and props[f] in (None, "")]
    if missing or empty:
        parts = []
        if missing:
            parts.append("missing required field(s): " + ", ".join(missing))
        if empty:
            parts.append("empty required field(s): " + ", ".join(empty))
        raise LayerValidationError("; ".join(parts), path=path, feature_id=label, layer=layer)
    if not _ID_PATTERN.match(str(props["id"])):
        raise LayerValidationError(
            f"id {props['id']!r} is not an ASCII slug (lower-case letters, digits, '-')",
            path=path, feature_id=label, layer=layer,
        )
    if props["source"] not in SOURCES:
        raise LayerValidationError(
            f"source {props['source']!r} is not one of {', '.join(SOURCES)}",
            path=path, feature_id=label, layer=layer,
        )
    unc = props["uncertainty_m"]
    if isinstance(unc, bool) or not isinstance(unc, int | float) or not math.isfinite(unc) or unc <= 0:
        raise LayerValidationError(
            f"uncertainty_m must be a positive number of metres, got {unc!r}",
            path=path, feature_id=label, layer=layer,
        )
    if "figures" in props:
        raise LayerValidationError(
            "carries 'figures'; the documents' figures live in layers/figures.csv (one row per figure, "
            "subject_layer/subject_id naming this feature): move them there and delete the property",
            path=path, feature_id=label, layer=layer,
        )


def _in_bounds(bounds, region) -> bool:
    minx, miny, maxx, maxy = bounds
    rminx, rminy, rmaxx, rmaxy = region
    return minx >= rminx and miny >= rminy and maxx <= rmaxx and maxy <= rmaxy


def _check_geometry(geom, *, index, props, spec: LayerSpec, path) -> None:
    label = _feature_label(props, index)
    layer = spec.name
    if geom is None or geom.is_empty:
        raise LayerValidationError("feature has no geometry", path=path, feature_id=label, layer=layer)
    if geom.geom_type not in spec.geometry_types:
        raise LayerValidationError(
            f"geometry is a {geom.geom_type}; layer {layer!r} expects {' or '.join(spec.geometry_types)}",
            path=path, feature_id=label, layer=layer,
        )
    bounds = geom.bounds
    swapped = _in_bounds((bounds[1], bounds[0], bounds[3], bounds[2]), settings.STUDY_REGION_BOUNDS)
    swap_hint = "longitude and latitude look swapped (GeoJSON order is [lon, lat])"
    if abs(bounds[1]) > 90 or abs(bounds[3]) > 90 or abs(bounds[0]) > 180 or abs(bounds[2]) > 180:
        raise LayerValidationError(
            f"coordinates out of range for longitude/latitude (bounds {tuple(round(b, 4) for b in bounds)})"
            + (f"; {swap_hint}" if swapped else ""),
            path=path, feature_id=label, layer=layer,
        )
    if not _in_bounds(bounds, settings.STUDY_REGION_BOUNDS):
        if swapped:
            problem = swap_hint
        else:
            problem = (
                f"lies outside the study region {settings.STUDY_REGION_BOUNDS} "
                f"(feature bounds {tuple(round(b, 4) for b in bounds)})"
            )
        raise LayerValidationError(problem, path=path, feature_id=label, layer=layer)
    if not geom.is_valid:
        reason = shapely.is_valid_reason(geom)
        raise LayerValidationError(
            f"invalid geometry: {reason}", path=path, feature_id=label, layer=layer
        )


def flatten_figures(figures: list[dict] | None) -> dict:
    """Turn a feature's figure list into flat columns (``F_U`` numbers, ``F_text`` originals).

    Areas given in km² are stored in m² (``F_m2``) so that every area column is SI; the
    document's own wording stays in ``F_text`` and the full list in ``figures_json``.
    """
    out: dict = {}
    for fig in figures or []:
        unit, factor = _TO_SI.get(fig["unit"], (fig["unit"], 1.0))
        out[f"{fig['name']}_{unit}"] = float(fig["value"]) * factor
        out[f"{fig['name']}_text"] = str(fig["original"])
    out["figures_json"] = json.dumps(figures or [], ensure_ascii=False)
    return out


#: The column holding a feature's figure list as JSON (joined from layers/figures.csv at build).
FIGURE_JSON_COLUMNS = ("figures_json",)


def figures_of(row) -> list[dict]:
    """The figure objects of one feature (name, value, SI unit, original, citation).

    Parameters
    ----------
    row : mapping, str or list
        A feature's attributes (dict or pandas Series) whose ``figures_json`` column is read,
        or that column's value.
        A value may be the JSON text :func:`flatten_figures` writes or a list already
        parsed (GeoJSON readers parse it); a missing or empty value gives no figures.

    Returns
    -------
    list of dict
        The figures, values in the SI unit named by each figure's ``unit``.

    Raises
    ------
    LayerValidationError
        If a column holds text that is not JSON (naming the feature id and the column).
    """
    if isinstance(row, str | list | tuple):
        row = {"figures_json": row}
    figures: list[dict] = []
    for col in FIGURE_JSON_COLUMNS:
        raw = row.get(col)
        if isinstance(raw, str) and raw.strip():
            try:
                raw = json.loads(raw)
            except json.JSONDecodeError as exc:
                raise LayerValidationError(
                    f"{col} is not valid JSON ({exc.msg})", feature_id=row.get("id"), layer=row.get("layer"),
                ) from None
        if isinstance(raw, list | tuple):
            figures.extend(f for f in raw if isinstance(f, dict))
    return figures


def load_source_layer(spec: LayerSpec, path: str | Path) -> gpd.GeoDataFrame:
    """Read and validate one source file of a layer; return it in WGS-84 with the schema columns.

    Coordinates declared as GCJ-02 or BD-09 are converted to WGS-84 here, and the
    conversion is appended to each feature's ``source_detail``.
    """
    path = Path(path)
    features, system = read_source_features(path, layer=spec.name)
    rows, geoms = [], []
    for index, feat in enumerate(features):
        props = feat.get("properties") if isinstance(feat, dict) else None
        _check_properties(props, index=index, path=path, layer=spec.name)
        try:
            geom = shapely.from_geojson(json.dumps(feat.get("geometry"))) if feat.get("geometry") else None
        except shapely.errors.GEOSException as exc:
            raise LayerValidationError(
                f"unreadable geometry: {exc}", path=path, feature_id=_feature_label(props, index), layer=spec.name
            ) from None
        if geom is not None:
            geom = convert_geometry(geom, src=system, dst="wgs84")
        _check_geometry(geom, index=index, props=props, spec=spec, path=path)
        row = dict(props)
        row["layer"] = spec.name
        row["ref"] = props.get("ref") or ""
        if system != "wgs84":
            row["source_detail"] = f"{props['source_detail']} [converted from {system.upper()} to WGS-84]"
        row["source_file"] = f"{path.parent.name}/{path.name}"
        rows.append(row)
        geoms.append(geom)
    gdf = gpd.GeoDataFrame(pd.DataFrame(rows), geometry=geoms, crs=settings.STORAGE_CRS)
    gdf = drop_z(gdf, what=str(path))  # a stray 3-D vertex: heights are not used; dropped at the door, with a note
    check_unique_ids(gdf, path=path, layer=spec.name)
    return order_columns(gdf)


def order_columns(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Schema columns first, then the rest alphabetically, geometry last."""
    geom_col = gdf.geometry.name
    rest = sorted(c for c in gdf.columns if c not in SCHEMA_COLUMNS and c != geom_col)
    return gdf[[c for c in SCHEMA_COLUMNS if c in gdf.columns] + rest + [geom_col]]


def check_unique_ids(gdf: gpd.GeoDataFrame, *, path=None, layer=None) -> None:
    """Raise if two features share an id."""
    dup = gdf["id"][gdf["id"].duplicated()]
    if len(dup):
        raise LayerValidationError(
            f"duplicate id (appears {int((gdf['id'] == dup.iloc[0]).sum())} times)",
            path=path, feature_id=str(dup.iloc[0]), layer=layer,
        )


def validate_layer(gdf: gpd.GeoDataFrame, spec: LayerSpec, *, path=None) -> gpd.GeoDataFrame:
    """Validate an in-memory layer (for example one built from OSM) against the schema.

    The frame must carry a CRS; it is reprojected to WGS-84 for storage.  Returns the
    validated frame in WGS-84 with the schema columns first.
    """
    if gdf.crs is None:
        raise LayerValidationError(
            "GeoDataFrame has no CRS; declare it (EPSG:4326 for WGS-84 lon/lat)",
            path=path, layer=spec.name,
        )
    gdf = gdf.to_crs(settings.STORAGE_CRS)
    if "layer" not in gdf.columns:
        gdf = gdf.assign(layer=spec.name)
    for index, (props, geom) in enumerate(
        zip(gdf.drop(columns=gdf.geometry.name).to_dict("records"), gdf.geometry, strict=True)
    ):
        props = {k: (None if isinstance(v, float) and np.isnan(v) else v) for k, v in props.items()}
        props.setdefault("ref", None)
        _check_properties(props, index=index, path=path, layer=spec.name)
        _check_geometry(geom, index=index, props=props, spec=spec, path=path)
    check_unique_ids(gdf, path=path, layer=spec.name)
    return order_columns(gdf)
