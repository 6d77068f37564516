"""Raster surfaces (distance to the nearest campus, walking time) and zonal statistics.

Surfaces are GeoTIFFs in UTM 50N (EPSG:32650) on a regular grid (default
:data:`geo.settings.RASTER_GRID_M` = 10 m over :data:`geo.settings.CORE_BOUNDS`, Hongshan +
Wuchang), tiled (``settings.RASTER_BLOCK`` px), deflate-compressed, float32 with a nodata
value, written atomically block by block.

Zonal statistics work on any user raster (population, land cover, night lights, elevation)
in any CRS: the zones are reprojected to the raster's CRS and each zone reads only its own
window.
"""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import rasterio
import shapely
from rasterio import features as rfeatures
from rasterio.transform import from_origin
from rasterio.windows import Window, from_bounds
from scipy import ndimage
from scipy.spatial import cKDTree
from tqdm.auto import tqdm

from geo import settings
from geo.analysis import network as net
from geo.errors import CoordinateSystemError, InputFileError
from geo.io import atomic_path

NODATA = -9999.0
log = logging.getLogger("corridor")


@dataclass(frozen=True)
class Grid:
    """A north-up grid in metres (EPSG:32650): origin at the top-left corner."""

    west: float
    north: float
    cell_m: float
    width: int
    height: int
    crs: str = settings.METRIC_CRS

    @classmethod
    def covering(cls, bounds_m, cell_m: float) -> Grid:
        """The grid of ``cell_m`` cells covering metric bounds (minx, miny, maxx, maxy), snapped outwards."""
        minx, miny, maxx, maxy = bounds_m
        west = np.floor(minx / cell_m) * cell_m
        north = np.ceil(maxy / cell_m) * cell_m
        width = int(np.ceil((maxx - west) / cell_m))
        height = int(np.ceil((north - miny) / cell_m))
        return cls(west=float(west), north=float(north), cell_m=float(cell_m), width=width, height=height)

    @property
    def transform(self):
        return from_origin(self.west, self.north, self.cell_m, self.cell_m)

    @property
    def shape(self) -> tuple[int, int]:
        return (self.height, self.width)

    def cell_centres(self, row0: int = 0, row1: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        """x, y (m) of the cell centres of rows ``row0:row1``, flattened row-major."""
        row1 = self.height if row1 is None else row1
        xs = self.west + (np.arange(self.width) + 0.5) * self.cell_m
        ys = self.north - (np.arange(row0, row1) + 0.5) * self.cell_m
        xx, yy = np.meshgrid(xs, ys)
        return xx.ravel(), yy.ravel()


def grid_for_bounds(bounds_lonlat=None, *, cell_m: float | None = None) -> Grid:
    """The grid of ``cell_m`` cells covering WGS-84 bounds (lon_min, lat_min, lon_max, lat_max).

    The bounds are projected to UTM 50N and snapped outwards to whole cells.
    """
    bounds_lonlat = settings.CORE_BOUNDS if bounds_lonlat is None else bounds_lonlat
    cell_m = settings.RASTER_GRID_M if cell_m is None else cell_m
    box = gpd.GeoSeries([shapely.box(*bounds_lonlat)], crs=settings.STORAGE_CRS).to_crs(settings.METRIC_CRS)
    return Grid.covering(box.total_bounds, cell_m)


def _profile(grid: Grid, *, block: int | None = None) -> dict:
    block = settings.RASTER_BLOCK if block is None else block
    tiled = grid.width >= block and grid.height >= block
    profile = {
        "driver": "GTiff", "width": grid.width, "height": grid.height, "count": 1, "dtype": "float32",
        "crs": grid.crs, "transform": grid.transform, "nodata": NODATA, "compress": "deflate",
        "predictor": 3, "BIGTIFF": "IF_SAFER",
    }
    if tiled:
        profile.update(tiled=True, blockxsize=block, blockysize=block)
    return profile


def write_surface(array: np.ndarray, grid: Grid, target: str | Path, *, description: str = "",
                  units: str = "", block: int | None = None) -> Path:
    """Write a float surface as a tiled, deflate-compressed GeoTIFF, atomically.

    ``NaN`` and infinite cells are written as nodata (:data:`NODATA`).
    """
    block = settings.RASTER_BLOCK if block is None else block
    profile = _profile(grid, block=block)
    with atomic_path(target) as tmp, rasterio.open(tmp, "w", **profile) as dst:
        for r0 in range(0, grid.height, block):
            r1 = min(r0 + block, grid.height)
            band = array[r0:r1].astype(np.float32, copy=True)
            band[~np.isfinite(band)] = NODATA
            dst.write(band, 1, window=Window(0, r0, grid.width, r1 - r0))
        dst.set_band_description(1, description)
        if units:
            dst.update_tags(1, units=units)
    return Path(target)


def campus_mask(campuses: gpd.GeoDataFrame, grid: Grid) -> np.ndarray:
    """Boolean raster (grid shape) of the cells touched by any campus polygon."""
    if campuses.crs is None:
        raise CoordinateSystemError("campuses have no CRS")
    geoms = campuses.to_crs(grid.crs).geometry
    return rfeatures.rasterize(((g, 1) for g in geoms if g is not None and not g.is_empty),
                               out_shape=grid.shape, transform=grid.transform, fill=0, all_touched=True,
                               dtype="uint8").astype(bool)


def distance_surface(campuses: gpd.GeoDataFrame, grid: Grid) -> np.ndarray:
    """Straight-line distance (m, float32) from each cell centre to the nearest campus cell.

    Computed with :func:`scipy.ndimage.distance_transform_edt` on the rasterised campus mask
    (exact Euclidean distance between cell centres; 0 inside a campus).
    """
    mask = campus_mask(campuses, grid)
    if not mask.any():
        return np.full(grid.shape, np.inf, dtype=np.float32)
    dist = ndimage.distance_transform_edt(~mask, sampling=grid.cell_m)
    return dist.astype(np.float32)


def travel_time_surface(campuses: gpd.GeoDataFrame, network: net.RoadNetwork, grid: Grid, *,
                        mode: str = "walk", max_connector_m: float | None = None,
                        rows_per_chunk: int = 512, progress: bool = False) -> np.ndarray:
    """Travel time (minutes, float32) from each cell to the nearest campus by ``mode``.

    ``campuses`` may be in any declared CRS; the cells are those of ``grid`` (metres, EPSG:32650).

    Time = (straight connector from the cell to its nearest network node + network
    distance from that node to the nearest campus) / speed; one multi-source Dijkstra pass
    for all campuses.  Cells inside a campus are 0.  Cells farther than ``max_connector_m``
    from any node (if given) are nodata.  Processed in row chunks so that memory stays flat.
    """
    speed = net.metres_per_minute(mode)  # an unknown mode fails before the shortest paths
    links = net.attach(network, campuses)
    node_dist = net.distances_from(network, links, min_only=True)
    ok = np.flatnonzero(np.isfinite(node_dist))
    tree = cKDTree(network.node_xy[ok])
    inside = campus_mask(campuses, grid)
    out = np.empty(grid.shape, dtype=np.float32)
    for r0 in tqdm(range(0, grid.height, rows_per_chunk), desc=f"{mode} time surface", unit="chunk",
                   disable=not progress):
        r1 = min(r0 + rows_per_chunk, grid.height)
        x, y = grid.cell_centres(r0, r1)
        d, k = tree.query(np.column_stack([x, y]), workers=-1)
        total = d + node_dist[ok[k]]
        if max_connector_m is not None:
            total[d > max_connector_m] = np.inf
        out[r0:r1] = (total / speed).reshape(r1 - r0, grid.width)
    out[inside] = 0.0
    return out


# --- zonal statistics ------------------------------------------------------------------------------

ZONAL_STATS = ("count", "sum", "mean", "min", "max")


@contextlib.contextmanager
def open_raster(path: str | Path):
    """Open a raster for reading; a missing, truncated or corrupt file is one :class:`InputFileError`."""
    try:
        src = rasterio.open(path)
    except rasterio.errors.RasterioIOError as exc:
        first = str(exc).strip().splitlines()[0]
        raise InputFileError(f"cannot be read as a raster ({first}); it may be truncated or not a GeoTIFF. "
                             "Export or download it again", path=path) from None
    with src:
        yield src


def _read_failed(path, exc) -> InputFileError:
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return InputFileError(f"reading the raster's cells failed ({first}); the file is probably truncated or "
                          "corrupt. Export or download it again", path=path)


def zonal_stats(raster_path: str | Path, zones: gpd.GeoDataFrame, *, stats=ZONAL_STATS, band: int = 1,
                all_touched: bool = False, id_column: str = "id", progress: bool = False) -> pd.DataFrame:
    """Statistics of a raster's valid cells inside each zone.

    The zones are reprojected to the raster's CRS (a raster without a CRS is refused), and
    each zone reads only the window of its bounds.  A cell belongs to a zone when its centre
    is inside (or, with ``all_touched``, when the zone touches it); nodata and NaN cells are
    skipped.

    Returns
    -------
    DataFrame indexed like ``zones`` with ``id_column`` (when present) and one column per
    requested statistic (count is the number of valid cells; others NaN when count is 0).
    """
    if zones.crs is None:
        raise CoordinateSystemError("zones have no CRS; declare it")
    unknown = set(stats) - set(ZONAL_STATS)
    if unknown:
        raise ValueError(f"unknown statistics {sorted(unknown)}; choose from {ZONAL_STATS}")
    rows = []
    with open_raster(raster_path) as src:
        if src.crs is None:
            raise CoordinateSystemError(f"{raster_path}: raster has no CRS; assign one (gdal_edit.py -a_srs) first")
        if not 1 <= band <= src.count:
            raise ValueError(f"{raster_path} has {src.count} band(s); band {band} does not exist")
        z = zones.to_crs(src.crs)
        full = Window(0, 0, src.width, src.height)
        overlap = shapely.box(*src.bounds)
        for geom in tqdm(z.geometry, desc="zonal stats", unit="zone", disable=not progress):
            try:
                rows.append(_zone_stats(src, geom, full, band=band, all_touched=all_touched, stats=stats))
            except rasterio.errors.RasterioIOError as exc:
                raise _read_failed(raster_path, exc) from None
        outside = int((~z.geometry.intersects(overlap)).sum())
        bounds, crs_text = src.bounds, src.crs.to_string()
    if len(z) and outside == len(z):
        log.warning("warning: %s does not overlap any of the %d zones (raster bounds %s in %s); every statistic "
                    "is empty, not zero. Check the raster's extent and CRS", raster_path, len(z),
                    tuple(round(b, 4) for b in bounds), crs_text)
    elif outside:
        log.warning("warning: %d of %d zones lie outside %s; their statistics are empty", outside, len(z),
                    raster_path)
    out = pd.DataFrame(rows, index=zones.index, columns=list(stats))
    if id_column in zones.columns:
        out.insert(0, id_column, zones[id_column].to_numpy())
    return out


def _zone_stats(src, geom, full: Window, *, band: int, all_touched: bool, stats) -> list:
    empty = [0 if s == "count" else np.nan for s in stats]
    if geom is None or geom.is_empty:
        return empty
    try:
        win = from_bounds(*geom.bounds, transform=src.transform)
        col0, row0 = int(np.floor(win.col_off)), int(np.floor(win.row_off))
        win = Window(col0, row0, int(np.ceil(win.width)) + 2, int(np.ceil(win.height)) + 2).intersection(full)
    except rasterio.errors.WindowError:
        return empty
    if win.width <= 0 or win.height <= 0:
        return empty
    data = src.read(band, window=win, masked=True)
    transform = src.window_transform(win)
    inside = rfeatures.geometry_mask([geom], out_shape=data.shape, transform=transform, invert=True,
                                     all_touched=all_touched)
    valid = inside & ~np.ma.getmaskarray(data)
    values = np.asarray(data.data, dtype=float)[valid]
    values = values[np.isfinite(values)]
    if not len(values):
        return empty
    calc = {"count": len(values), "sum": values.sum(), "mean": values.mean(), "min": values.min(),
            "max": values.max()}
    return [calc[s] for s in stats]
