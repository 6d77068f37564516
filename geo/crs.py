"""Chinese coordinate systems (WGS-84, GCJ-02, BD-09) and the metric projection.

China's online maps do not publish WGS-84.  Amap (高德), Tencent and Google Maps
China use GCJ-02, an obfuscated datum that shifts points by a few hundred metres
(about 590 m east-south-east in Wuhan); Baidu adds a second shift on top (BD-09,
about 1.2 km in Wuhan).  OpenStreetMap and GPS are WGS-84.  The toolkit stores
everything in WGS-84 and converts explicitly wherever data crosses in, so every
function here takes ``src=`` and ``dst=`` by keyword and never guesses.

The forward transforms are the published GCJ-02 and BD-09 formulas.  Their
inverses have no closed form, so :func:`convert_coords` inverts them by fixed-point
iteration to sub-millimetre agreement (the usual one-step inverse is metres off).
All functions are vectorised over numpy arrays: converting 10^6 points is one pass
of array arithmetic, not a Python loop.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import geopandas as gpd
import numpy as np
import shapely

from geo import settings
from geo.errors import CoordinateSystemError

WGS84 = "wgs84"
GCJ02 = "gcj02"
BD09 = "bd09"
SYSTEMS = (WGS84, GCJ02, BD09)

_ALIASES = {
    "wgs84": WGS84, "wgs-84": WGS84, "wgs_84": WGS84, "epsg:4326": WGS84, "4326": WGS84, "gps": WGS84,
    "osm": WGS84,
    "gcj02": GCJ02, "gcj-02": GCJ02, "gcj_02": GCJ02, "gcj": GCJ02, "mars": GCJ02, "amap": GCJ02,
    "gaode": GCJ02, "tencent": GCJ02,
    "bd09": BD09, "bd-09": BD09, "bd_09": BD09, "baidu": BD09, "bd09ll": BD09,
}

# Krasovsky 1940 ellipsoid, as used by the GCJ-02 formula.
_A = 6378245.0
_EE = 0.00669342162296594323
_X_PI = np.pi * 3000.0 / 180.0

#: The iterative inverse stops when a step moves the estimate by less than this (degrees;
#: 1e-8 degree is about 1 mm).  Each step shrinks the error about a hundredfold, so the
#: result is then within about 0.01 mm of the exact inverse.
_INVERSE_TOLERANCE_DEG = 1e-8
#: Arrays longer than this are converted in chunks of this size, spread over threads
#: (numpy releases the GIL), which keeps the temporaries in cache.
_CHUNK = 65_536
_INVERSE_MAX_ITER = 30


def normalize_system(name: str) -> str:
    """Return the canonical name (``"wgs84"``, ``"gcj02"`` or ``"bd09"``) of a coordinate system.

    Raises
    ------
    CoordinateSystemError
        If ``name`` is missing or not one of the three systems (or a known alias).
    """
    if name is None or str(name).strip() == "":
        raise CoordinateSystemError(
            "no coordinate system declared; say which one the data is in: wgs84, gcj02 or bd09"
        )
    key = str(name).strip().lower()
    if key not in _ALIASES:
        raise CoordinateSystemError(
            f"unknown coordinate system {name!r}; expected one of wgs84, gcj02, bd09"
        )
    return _ALIASES[key]


def in_china(lon, lat) -> np.ndarray:
    """Boolean mask of points inside the rough box where GCJ-02 applies.

    Outside it the GCJ-02 transform is the identity, as in the published algorithm.
    """
    lon = np.asarray(lon, dtype=float)
    lat = np.asarray(lat, dtype=float)
    return (lon > 72.004) & (lon < 137.8347) & (lat > 0.8293) & (lat < 55.8271)


def _gcj_offsets(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Offsets (dlon, dlat) in degrees that GCJ-02 adds to WGS-84 at (lon, lat)."""
    x = lon - 105.0
    y = lat - 35.0
    sqrt_abs_x = np.sqrt(np.abs(x))
    s2 = np.sin(2.0 * x * np.pi)
    s6 = s2 * (3.0 - 4.0 * s2 * s2)  # sin(3a) = 3 sin(a) - 4 sin^3(a), saves one sin
    common = (20.0 * s6 + 20.0 * s2) * 2.0 / 3.0
    dlat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * sqrt_abs_x
    dlat += common
    dlat += (20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2.0 / 3.0
    dlat += (160.0 * np.sin(y / 12.0 * np.pi) + 320.0 * np.sin(y * np.pi / 30.0)) * 2.0 / 3.0
    dlon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * sqrt_abs_x
    dlon += common
    dlon += (20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2.0 / 3.0
    dlon += (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0
    sin_lat = np.sin(lat / 180.0 * np.pi)
    sin2 = sin_lat * sin_lat
    magic = 1.0 - _EE * sin2
    sqrt_magic = np.sqrt(magic)
    cos_lat = np.sqrt(1.0 - sin2)  # latitudes where GCJ-02 applies are positive
    dlat = (dlat * 180.0) / ((_A * (1.0 - _EE)) / (magic * sqrt_magic) * np.pi)
    dlon = (dlon * 180.0) / (_A / sqrt_magic * cos_lat * np.pi)
    inside = in_china(lon, lat)
    return np.where(inside, dlon, 0.0), np.where(inside, dlat, 0.0)


def _wgs84_to_gcj02(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    dlon, dlat = _gcj_offsets(lon, lat)
    return lon + dlon, lat + dlat


def _gcj02_to_bd09(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    z = np.sqrt(lon * lon + lat * lat) + 0.00002 * np.sin(lat * _X_PI)
    theta = np.arctan2(lat, lon) + 0.000003 * np.cos(lon * _X_PI)
    return z * np.cos(theta) + 0.0065, z * np.sin(theta) + 0.006


def _bd09_to_gcj02_approx(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The usual closed-form BD-09 -> GCJ-02 step, used as the iteration's start."""
    x = lon - 0.0065
    y = lat - 0.006
    z = np.sqrt(x * x + y * y) - 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) - 0.000003 * np.cos(x * _X_PI)
    return z * np.cos(theta), z * np.sin(theta)


def _invert(
    offsets: Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]],
    lon: np.ndarray,
    lat: np.ndarray,
    start: tuple[np.ndarray, np.ndarray],
) -> tuple[np.ndarray, np.ndarray]:
    """Solve ``x + offsets(x) == (lon, lat)`` for x by fixed-point iteration.

    Both transforms are small, smooth shifts (the offsets' Jacobian is below 1e-4), so
    ``x <- target - offsets(x)`` gains about four digits per step: two or three steps
    from the one-step inverse reach the tolerance.
    """
    x_lon, x_lat = start
    for _ in range(_INVERSE_MAX_ITER):
        d_lon, d_lat = offsets(x_lon, x_lat)
        new_lon = lon - d_lon
        new_lat = lat - d_lat
        step = max(np.max(np.abs(new_lon - x_lon), initial=0.0), np.max(np.abs(new_lat - x_lat), initial=0.0))
        x_lon, x_lat = new_lon, new_lat
        if step < _INVERSE_TOLERANCE_DEG:
            break
    return x_lon, x_lat


def _bd_offsets(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Offsets that BD-09 adds to GCJ-02 at (lon, lat)."""
    b_lon, b_lat = _gcj02_to_bd09(lon, lat)
    return b_lon - lon, b_lat - lat


def _gcj02_to_wgs84(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    dlon, dlat = _gcj_offsets(lon, lat)
    return _invert(_gcj_offsets, lon, lat, (lon - dlon, lat - dlat))


def _bd09_to_gcj02(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return _invert(_bd_offsets, lon, lat, _bd09_to_gcj02_approx(lon, lat))


# Each step goes one edge of the chain WGS-84 <-> GCJ-02 <-> BD-09.
_STEPS = {
    (WGS84, GCJ02): _wgs84_to_gcj02,
    (GCJ02, WGS84): _gcj02_to_wgs84,
    (GCJ02, BD09): _gcj02_to_bd09,
    (BD09, GCJ02): _bd09_to_gcj02,
}
_ORDER = {WGS84: 0, GCJ02: 1, BD09: 2}


def convert_coords(lon, lat, *, src: str, dst: str) -> tuple[np.ndarray, np.ndarray]:
    """Convert longitude/latitude arrays between WGS-84, GCJ-02 and BD-09.

    Parameters
    ----------
    lon, lat : array_like
        Longitudes and latitudes in degrees, any matching shape.
    src, dst : str
        Source and destination systems: ``"wgs84"``, ``"gcj02"`` or ``"bd09"`` (aliases
        such as ``"WGS-84"``, ``"amap"``, ``"baidu"`` are accepted).

    Returns
    -------
    tuple of numpy.ndarray
        Converted longitudes and latitudes (float64, same shape).  Inverses are
        iterated to better than 1e-10 degree (about 0.01 mm).
    """
    src_c, dst_c = normalize_system(src), normalize_system(dst)
    lon = np.asarray(lon, dtype=float)
    lat = np.asarray(lat, dtype=float)
    if lon.shape != lat.shape:
        raise ValueError(f"lon and lat differ in shape: {lon.shape} vs {lat.shape}")
    i, j = _ORDER[src_c], _ORDER[dst_c]
    chain = SYSTEMS[i : j + 1] if i <= j else SYSTEMS[j : i + 1][::-1]
    steps = [_STEPS[(a, b)] for a, b in zip(chain[:-1], chain[1:], strict=True)]
    if not steps:
        return lon.copy(), lat.copy()
    shape = lon.shape
    flat_lon, flat_lat = lon.ravel(), lat.ravel()
    out_lon = np.empty_like(flat_lon)
    out_lat = np.empty_like(flat_lat)

    def run(start: int) -> None:
        a, b = flat_lon[start : start + _CHUNK], flat_lat[start : start + _CHUNK]
        for step_fn in steps:
            a, b = step_fn(a, b)
        out_lon[start : start + _CHUNK] = a
        out_lat[start : start + _CHUNK] = b

    starts = range(0, flat_lon.size, _CHUNK)
    if len(starts) > 1:
        list(_executor().map(run, starts))
    else:
        for start in starts:
            run(start)
    return out_lon.reshape(shape), out_lat.reshape(shape)


@functools.cache
def _executor() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=settings.N_THREADS, thread_name_prefix="geo-crs")


def _transform_xy(src: str, dst: str) -> Callable[[np.ndarray], np.ndarray]:
    def transform(xy: np.ndarray) -> np.ndarray:
        lon, lat = convert_coords(xy[:, 0], xy[:, 1], src=src, dst=dst)
        return np.column_stack([lon, lat])

    return transform


def convert_geometry(geometry, *, src: str, dst: str):
    """Convert a shapely geometry (or an array of them) between the three systems.

    Uses :func:`shapely.transform`, which hands every coordinate of every geometry
    to one vectorised call.
    """
    src_c, dst_c = normalize_system(src), normalize_system(dst)
    if src_c == dst_c:
        return geometry
    return shapely.transform(geometry, _transform_xy(src_c, dst_c))


def convert_gdf(gdf: gpd.GeoDataFrame, *, src: str, dst: str) -> gpd.GeoDataFrame:
    """Return a copy of a longitude/latitude GeoDataFrame converted between the systems.

    The frame's CRS must be geographic (EPSG:4326 is how GCJ-02 and BD-09 data are
    usually labelled, since they have no EPSG code of their own); a frame in a
    projected CRS is refused rather than silently mangled.
    """
    if gdf.crs is None:
        raise CoordinateSystemError("GeoDataFrame has no CRS; set it (EPSG:4326 for lon/lat)")
    if not gdf.crs.is_geographic:
        raise CoordinateSystemError(
            f"GeoDataFrame is in projected CRS {gdf.crs.to_string()}; "
            "GCJ-02/BD-09 conversion works on longitude/latitude"
        )
    out = gdf.copy()
    out.geometry = convert_geometry(gdf.geometry.values, src=src, dst=dst)
    return out.set_crs(settings.STORAGE_CRS, allow_override=True)


def gcj02_offset_m(lon, lat) -> tuple[np.ndarray, np.ndarray]:
    """East and north offsets in metres that GCJ-02 applies at WGS-84 (lon, lat).

    In Wuhan this is about +520 m east and -270 m north (590 m ESE).
    """
    lon = np.asarray(lon, dtype=float)
    lat = np.asarray(lat, dtype=float)
    dlon, dlat = _gcj_offsets(lon, lat)
    metres_per_deg_lat = 111_320.0
    east = dlon * metres_per_deg_lat * np.cos(np.radians(lat))
    north = dlat * metres_per_deg_lat
    return east, north


def to_metric(data, *, what: str = "data"):
    """Project a GeoDataFrame or GeoSeries (any declared CRS) to UTM 50N, EPSG:32650.

    ``what`` names the data in the error raised when it has no CRS.
    """
    if getattr(data, "crs", None) is None:
        raise CoordinateSystemError(
            f"{what} has no CRS; cannot project it to UTM 50N (declare it: EPSG:4326 for WGS-84 lon/lat)"
        )
    return data.to_crs(settings.METRIC_CRS)


def to_storage(data, *, what: str = "data"):
    """Reproject a GeoDataFrame or GeoSeries (any declared CRS) to WGS-84 (EPSG:4326).

    ``what`` names the data in the error raised when it has no CRS.
    """
    if getattr(data, "crs", None) is None:
        raise CoordinateSystemError(f"{what} has no CRS; cannot reproject it to WGS-84")
    return data.to_crs(settings.STORAGE_CRS)
