"""Point geometry as Arrow arrays: WKB points built and read without shapely objects.

A firm registry of 10^7 rows must not become 10^7 shapely geometries at once.  A WKB
point is 21 bytes (byte order, type, x, y), so a chunk of points is written as one
numpy buffer wrapped in an Arrow binary array, and read back the same way.  Files from
other tools (big-endian, multi-points, Z coordinates) fall back to shapely per chunk.
"""

from __future__ import annotations

import functools

import numpy as np
import pyarrow as pa
import pyproj
import shapely

from geo import settings

#: Little-endian 2-D WKB point: 1-byte order flag, uint32 type (1), float64 x, float64 y.
_WKB_POINT = np.dtype([("order", "u1"), ("type", "<u4"), ("x", "<f8"), ("y", "<f8")])
WKB_POINT_SIZE = _WKB_POINT.itemsize  # 21


def point_wkb(x: np.ndarray, y: np.ndarray) -> pa.Array:
    """Arrow binary array of little-endian WKB points at (x, y), one per element."""
    n = len(x)
    rec = np.empty(n, dtype=_WKB_POINT)
    rec["order"] = 1
    rec["type"] = 1
    rec["x"] = x
    rec["y"] = y
    offsets = np.arange(n + 1, dtype=np.int32) * WKB_POINT_SIZE
    return pa.Array.from_buffers(pa.binary(), n, [None, pa.py_buffer(offsets), pa.py_buffer(rec.tobytes())])


def wkb_point_xy(array) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Coordinates of an Arrow (or numpy object) array of WKB geometries.

    Returns
    -------
    x, y : numpy.ndarray
        float64 coordinates; NaN where the value is not a usable point.
    status : numpy.ndarray of int8
        0 a point, 1 missing (null or empty geometry), 2 not a point.
    """
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    if isinstance(array, pa.Array) and pa.types.is_large_binary(array.type):
        array = array.cast(pa.binary())
    if isinstance(array, pa.Array) and pa.types.is_binary(array.type) and array.null_count == 0 and len(array):
        _, offsets_buf, data_buf = array.buffers()
        offsets = np.frombuffer(offsets_buf, dtype=np.int32, count=len(array) + 1, offset=array.offset * 4)
        if np.all(np.diff(offsets) == WKB_POINT_SIZE):
            data = np.frombuffer(data_buf, dtype=np.uint8, count=offsets[-1] - offsets[0], offset=offsets[0])
            rec = data.view(_WKB_POINT)
            if np.all(rec["order"] == 1) and np.all(rec["type"] == 1):
                x, y = rec["x"].astype(float), rec["y"].astype(float)
                status = np.where(np.isnan(x) & np.isnan(y), 1, 0).astype(np.int8)  # empty POINT is NaN NaN
                return x, y, status
    values = array.to_numpy(zero_copy_only=False) if isinstance(array, pa.Array) else np.asarray(array)
    geoms = shapely.from_wkb(values, on_invalid="ignore")
    return geometry_xy(geoms)


def geometry_xy(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Coordinates and status (0 point, 1 missing, 2 not a point) of shapely geometries."""
    geoms = np.asarray(geoms, dtype=object)
    missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    types = shapely.get_type_id(geoms)
    is_point = (types == 0) & ~missing
    status = np.where(missing, 1, np.where(is_point, 0, 2)).astype(np.int8)
    x = np.full(len(geoms), np.nan)
    y = np.full(len(geoms), np.nan)
    x[is_point] = shapely.get_x(geoms[is_point])
    y[is_point] = shapely.get_y(geoms[is_point])
    return x, y, status


def lonlat_to_metric(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Project WGS-84 longitude/latitude (degrees) to UTM 50N (EPSG:32650) metres, vectorised."""
    return _to_metric().transform(lon, lat)


@functools.cache
def _to_metric() -> pyproj.Transformer:
    # Transformers are not picklable; each process (Dask worker) builds its own once.
    return pyproj.Transformer.from_crs(settings.STORAGE_CRS, settings.METRIC_CRS, always_xy=True)
