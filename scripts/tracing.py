"""Shared helpers of the hand-tracing scripts (``scripts/trace_*.py``).

The tracing scripts hold vertex tables and write ``layers/traced/*.geojson`` (format:
``layers/traced/FORMAT.md``).  This module gives them one implementation of what they
all need:

* conversion of GCJ-02 / BD-09 reference coordinates to WGS-84 with the project's own
  converter, :func:`geo.crs.convert_coords` (vectorised, exact iterative inverse);
* projection of shapely geometries to UTM zone 50N (EPSG:32650) and back, and metric
  measures (area, length, buffers) computed there;
* coordinate rounding, ring orientation and snapping to the storage grid;
* the dict shapes of the traced format: figures, features, FeatureCollections;
* atomic writing through :func:`geo.io.write_json`.

The scripts run as ``python scripts/trace_x.py``, so this folder is on ``sys.path``;
importing this module also puts the repository root there so that ``geo`` imports.
"""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import shapely  # noqa: E402
from pyproj import Transformer  # noqa: E402
from shapely.geometry import mapping, shape  # noqa: E402

from geo import settings  # noqa: E402
from geo.crs import convert_coords, normalize_system  # noqa: E402
from geo.io import write_json  # noqa: E402

#: Folder of the traced layers.
TRACED = ROOT / "layers" / "traced"
#: Decimal places of stored coordinates (1e-6 degree is about 0.1 m).
NDIGITS = 6

# Short system tags used in vertex tables ("GCJ", "BD", "WGS") -> geo.crs names.
_TAGS = {"GCJ": "gcj02", "BD": "bd09", "WGS": "wgs84"}


# --------------------------------------------------------------------------------------
# coordinate systems
# --------------------------------------------------------------------------------------
def _system(name: str) -> str:
    return normalize_system(_TAGS.get(str(name).strip().upper(), name))


def to_wgs84(points: Iterable[Sequence[float]], src: str, *,
             ndigits: int | None = None) -> list[tuple[float, float]]:
    """Convert (lon, lat) points from ``src`` to WGS-84 in one vectorised call.

    Parameters
    ----------
    points : iterable of (lon, lat)
        Points in degrees.
    src : str
        System the points are in: ``"gcj02"``, ``"bd09"`` or ``"wgs84"`` (any alias
        :func:`geo.crs.normalize_system` accepts), or a vertex-table tag ``"GCJ"``,
        ``"BD"``, ``"WGS"``.
    ndigits : int, optional
        Round the results to this many decimals; by default they are not rounded.

    Returns
    -------
    list of tuple of float
        WGS-84 (lon, lat) points as plain Python floats.
    """
    pts = np.asarray([tuple(p) for p in points], dtype=float).reshape(-1, 2)
    lon, lat = convert_coords(pts[:, 0], pts[:, 1], src=_system(src), dst="wgs84")
    out = [(float(x), float(y)) for x, y in zip(lon, lat, strict=True)]
    if ndigits is not None:
        out = [round_point(p, ndigits) for p in out]
    return out


def gcj(lon: float, lat: float) -> tuple[float, float]:
    """Convert one GCJ-02 (lon, lat) point to WGS-84 (lon, lat).

    Parameters
    ----------
    lon, lat : float
        GCJ-02 longitude and latitude in degrees (Amap, Tencent, most Chinese POIs).

    Returns
    -------
    tuple of float
        WGS-84 (lon, lat), not rounded.
    """
    return to_wgs84([(lon, lat)], "gcj02")[0]


def bd(lon: float, lat: float) -> tuple[float, float]:
    """Convert one BD-09 (lon, lat) point to WGS-84 (lon, lat) (via GCJ-02).

    Parameters
    ----------
    lon, lat : float
        BD-09 (Baidu) longitude and latitude in degrees.

    Returns
    -------
    tuple of float
        WGS-84 (lon, lat), not rounded.
    """
    return to_wgs84([(lon, lat)], "bd09")[0]


def round_point(pt: Sequence[float], ndigits: int = NDIGITS) -> tuple[float, float]:
    """Round a (lon, lat) point.

    Parameters
    ----------
    pt : (lon, lat)
        The point.
    ndigits : int, default 6
        Decimal places.

    Returns
    -------
    tuple of float
    """
    return (round(float(pt[0]), ndigits), round(float(pt[1]), ndigits))


# --------------------------------------------------------------------------------------
# UTM 50N and metric measures
# --------------------------------------------------------------------------------------
@functools.cache
def _transformer(src: str, dst: str) -> Transformer:
    return Transformer.from_crs(src, dst, always_xy=True)


def _reproject(geom, src: str, dst: str):
    tf = _transformer(src, dst).transform
    return shapely.transform(geom, lambda xy: np.column_stack(tf(xy[:, 0], xy[:, 1])))


def to_utm(geom):
    """Project a WGS-84 shapely geometry to UTM zone 50N (``settings.METRIC_CRS``).

    Parameters
    ----------
    geom : shapely geometry (or array of them)
        Geometry in WGS-84 longitude/latitude.

    Returns
    -------
    shapely geometry
        The same geometry in metres (EPSG:32650).
    """
    return _reproject(geom, settings.STORAGE_CRS, settings.METRIC_CRS)


def from_utm(geom):
    """Project a UTM zone 50N shapely geometry back to WGS-84 (``settings.STORAGE_CRS``).

    Parameters
    ----------
    geom : shapely geometry (or array of them)
        Geometry in EPSG:32650 metres.

    Returns
    -------
    shapely geometry
        The same geometry in WGS-84 longitude/latitude.
    """
    return _reproject(geom, settings.METRIC_CRS, settings.STORAGE_CRS)


def area_m2(geom) -> float:
    """Area of a WGS-84 geometry in square metres, measured in UTM 50N."""
    return to_utm(geom).area


def area_km2(geom) -> float:
    """Area of a WGS-84 geometry in km², measured in UTM 50N."""
    return area_m2(geom) / 1e6


def length_m(geom) -> float:
    """Length of a WGS-84 geometry in metres, measured in UTM 50N."""
    return to_utm(geom).length


def length_km(geom) -> float:
    """Length of a WGS-84 geometry in km, measured in UTM 50N."""
    return length_m(geom) / 1000


def buffer_m(geom, metres: float, *, quad_segs: int = 8, **kwargs):
    """Buffer a WGS-84 geometry by a distance in metres (computed in UTM 50N).

    Parameters
    ----------
    geom : shapely geometry
        Geometry in WGS-84.
    metres : float
        Buffer distance; negative shrinks polygons.
    quad_segs : int, default 8
        Segments per quarter circle.
    **kwargs
        Further arguments of :meth:`shapely.Geometry.buffer` (``cap_style``, ...).

    Returns
    -------
    shapely geometry
        The buffer, in WGS-84.
    """
    return from_utm(to_utm(geom).buffer(metres, quad_segs=quad_segs, **kwargs))


# --------------------------------------------------------------------------------------
# rounding and orientation
# --------------------------------------------------------------------------------------
def round_coords(obj, ndigits: int = NDIGITS):
    """Round every float in a nested structure (a GeoJSON geometry dict, say).

    Parameters
    ----------
    obj : float, list, tuple, dict or other
        Tuples become lists (as in JSON); other values are returned unchanged.
    ndigits : int, default 6
        Decimal places.

    Returns
    -------
    The rounded copy.
    """
    if isinstance(obj, float):
        return round(obj, ndigits)
    if isinstance(obj, (list, tuple)):
        return [round_coords(x, ndigits) for x in obj]
    if isinstance(obj, dict):
        return {k: round_coords(v, ndigits) for k, v in obj.items()}
    return obj


def snap(geom, grid: float = 10.0 ** -NDIGITS):
    """Snap a geometry to a coordinate grid (:func:`shapely.set_precision`).

    Unlike :func:`round_coords` this keeps the geometry valid: vertices that collapse
    onto each other are merged.

    Parameters
    ----------
    geom : shapely geometry
    grid : float, default 1e-6
        Grid size in degrees.

    Returns
    -------
    shapely geometry
    """
    return shapely.set_precision(geom, grid)


def orient_ccw(geom):
    """Orient polygon exteriors counter-clockwise (holes clockwise), as GeoJSON asks.

    Parameters
    ----------
    geom : shapely geometry
        Non-polygonal geometries are returned unchanged.

    Returns
    -------
    shapely geometry
    """
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        return shapely.orient_polygons(geom, exterior_cw=False)
    return geom


# --------------------------------------------------------------------------------------
# traced-format dicts
# --------------------------------------------------------------------------------------
def fig(name: str, value, unit: str, original: str, ref: str, section: str) -> dict:
    """A figure quoted from a document, as stored in a feature's ``figures`` list.

    Parameters
    ----------
    name : str
        Machine name of the figure.
    value : int or float
        The number, in ``unit``.
    unit : str
        Unit (``"m2"``, ``"count"``, ``"yuan"``, ...).
    original : str
        The quoted original wording.
    ref : str
        Document key of the reference.
    section : str
        Locator in the document (heading + paragraph).

    Returns
    -------
    dict
    """
    return {"name": name, "value": value, "unit": unit, "original": original, "ref": ref,
            "section": section}


def feature(props: dict, geom, *, ndigits: int | None = NDIGITS) -> dict:
    """A GeoJSON Feature dict from properties and a WGS-84 shapely geometry.

    Parameters
    ----------
    props : dict
        Feature properties (must hold ``id`` for error messages).
    geom : shapely geometry
        Must be valid and non-empty.
    ndigits : int or None, default 6
        Round coordinates to this many decimals; ``None`` leaves them as they are
        (for geometries already snapped with :func:`snap`).

    Returns
    -------
    dict

    Raises
    ------
    ValueError
        If the geometry is invalid or empty.
    """
    if geom.is_empty or not geom.is_valid:
        raise ValueError(f"{props.get('id')}: invalid geometry: {shapely.is_valid_reason(geom)}")
    g = mapping(geom)
    return {"type": "Feature", "properties": props,
            "geometry": g if ndigits is None else round_coords(g, ndigits)}


def check_unique_ids(features: Iterable[dict]) -> None:
    """Raise ``ValueError`` if two features share an ``id`` property."""
    ids = [f["properties"]["id"] for f in features]
    dup = sorted({i for i in ids if ids.count(i) > 1})
    if dup:
        raise ValueError(f"duplicate ids: {', '.join(dup)}")


def feature_collection(layer: str, features: list[dict]) -> dict:
    """A traced-layer FeatureCollection dict (WGS-84) named ``layer``."""
    return {"type": "FeatureCollection", "name": layer, "coordinate_system": "WGS-84",
            "features": features}


def write_layer(layer: str, features: list[dict], out_dir: Path = TRACED) -> Path:
    """Write ``out_dir/<layer>.geojson`` atomically (:func:`geo.io.write_json`).

    Parameters
    ----------
    layer : str
        Layer name (file stem and the collection's ``name``).
    features : list of dict
        Feature dicts, see :func:`feature`.
    out_dir : Path, default ``layers/traced``

    Returns
    -------
    Path
        The written file.
    """
    return write_json(feature_collection(layer, features), out_dir / f"{layer}.geojson")


def load_features(path: Path) -> dict:
    """Read a GeoJSON FeatureCollection into ``{id: shapely geometry}``, in file order."""
    doc = json.loads(Path(path).read_text(encoding="utf-8"))
    return {f["properties"]["id"]: shape(f["geometry"]) for f in doc["features"]}


__all__ = [
    "NDIGITS", "ROOT", "TRACED", "area_km2", "area_m2", "bd", "buffer_m", "check_unique_ids",
    "feature", "feature_collection", "fig", "from_utm", "gcj", "length_km", "length_m",
    "load_features", "orient_ccw", "round_coords", "round_point", "snap", "to_utm", "to_wgs84",
    "write_json", "write_layer",
]
