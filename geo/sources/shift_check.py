"""Is a source declared WGS-84 really at the GCJ-02 or BD-09 offset?

Chinese web maps (Amap, Tencent: GCJ-02; Baidu: BD-09) shift every coordinate by a few
hundred metres.  A file traced on such a map but declared ``WGS-84`` validates fine and
builds a layer that sits about 590 m east-south-east of where it should (in Wuhan).

:func:`measure_shift` judges one source against independent references — the other
sources' geometries (whose boundaries follow the same streets), the admin boundaries and,
when present, the anchors of :func:`geo.settings.anchors_file` — by asking whether the
source's vertices fit the references better once moved back from GCJ-02 or BD-09 to
WGS-84.  :func:`check_layers` runs it for every source file of a build (from
:func:`geo.layers.build_layers`), drops Z values with a note, and warns, or with
:data:`geo.settings.CRS_SHIFT_STRICT` (``corridor layers --strict``) raises.
"""

from __future__ import annotations

import csv
import logging
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo import settings
from geo.crs import convert_coords
from geo.errors import CoordinateSystemError

log = logging.getLogger("corridor")

#: Vertices sampled per source (enough for a stable median, cheap for large files).
MAX_VERTICES = 4000
#: Fewer vertices than this and a source is not judged (the median would be noise).
MIN_VERTICES = 5
_LABELS = {"wgs84": "WGS-84", "gcj02": "GCJ-02", "bd09": "BD-09"}


@dataclass(frozen=True)
class ShiftResult:
    """How a set of positions fits the references as declared and moved back from each system."""

    what: str
    vertices: int
    fit: dict[str, float]  # system -> share of vertices, read as that system, near a reference outline
    offset: dict[str, tuple[float, float]]  # system -> (east, north) metres the conversion moves them
    looks_shifted: str | None  # "gcj02" / "bd09" when moving back fits clearly better, else None

    def message(self) -> str:
        sysname = self.looks_shifted
        east, north = self.offset[sysname]
        label = _LABELS[sysname]
        return (f"{self.what} is declared WGS-84 but sits at the {label} offset: moved back by {np.hypot(east, north):.0f} m "
                f"({-east:+.0f} m east, {-north:+.0f} m north), {self.fit[sysname]:.0%} of its vertices meet the other "
                f"layers' edges and streets instead of {self.fit['wgs84']:.0%}. "
                f"If it was traced on Amap/Tencent declare \"coordinate_system\": \"GCJ-02\" "
                f"(Baidu: \"BD-09\"), or re-trace it on a WGS-84 map")


def _vertices(geoms, limit: int = MAX_VERTICES) -> np.ndarray:
    coords = shapely.get_coordinates(np.asarray(geoms, dtype=object))
    if len(coords) > limit:  # an even sample keeps every part of the file represented
        coords = coords[np.linspace(0, len(coords) - 1, limit).astype(int)]
    return coords


def reference_geometries(layers_dir: Path | None = None) -> list:
    """Anchors (WGS-84 points from :func:`geo.settings.anchors_file`), when the file exists."""
    path = settings.anchors_file() if layers_dir is None else Path(layers_dir) / "anchors.csv"
    if not path.exists():
        return []
    points = []
    with open(path, encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            try:
                if row.get("system", "WGS-84") == "WGS-84":
                    points.append(shapely.Point(float(row["lon"]), float(row["lat"])))
            except (KeyError, TypeError, ValueError):
                continue
    return points


class References:
    """Reference outlines in UTM 50N, in one spatial index, each tagged with its owner (a source file)."""

    def __init__(self, geoms, owners=None):
        import pyproj

        geoms = np.asarray(list(geoms), dtype=object)
        owners = np.asarray(["" for _ in geoms] if owners is None else list(owners), dtype=object)
        keep = ~shapely.is_missing(geoms)
        geoms, owners = geoms[keep], owners[keep]
        polygonal = shapely.get_type_id(geoms) >= 3  # polygons, multi-* and collections
        outline = geoms.copy()
        outline[polygonal] = shapely.boundary(geoms[polygonal])  # an interior says nothing about position
        keep = ~shapely.is_empty(outline)
        self.to_m = pyproj.Transformer.from_crs(settings.STORAGE_CRS, settings.METRIC_CRS, always_xy=True)
        # single segments and points: small items make the index's distance queries cheap
        parts, part_of = shapely.get_parts(outline[keep], return_index=True)
        coords, vertex_of = shapely.get_coordinates(parts, return_index=True)
        x, y = self.to_m.transform(coords[:, 0], coords[:, 1])
        xy = np.column_stack([x, y])
        lineal = np.isin(shapely.get_type_id(parts), (1, 2))  # LineString, LinearRing
        pair = (vertex_of[:-1] == vertex_of[1:]) & lineal[vertex_of[:-1]]
        start = np.flatnonzero(pair)
        segments = shapely.linestrings(np.stack([xy[start], xy[start + 1]], axis=1))
        lone = np.flatnonzero(~lineal[vertex_of])
        self.geoms = np.concatenate([segments, shapely.points(xy[lone])])
        self.owners = np.concatenate([owners[keep][part_of[vertex_of[start]]],
                                      owners[keep][part_of[vertex_of[lone]]]])
        self.tree = shapely.STRtree(self.geoms)

    def __len__(self) -> int:
        return len(self.geoms)

    def near(self, x: np.ndarray, y: np.ndarray, *, exclude=None) -> np.ndarray:
        """Which points (metres) lie within :data:`geo.settings.CRS_SHIFT_NEAR_M` of an outline not of ``exclude``."""
        pts, refs = self.tree.query(shapely.points(x, y), predicate="dwithin", distance=settings.CRS_SHIFT_NEAR_M)
        if exclude is not None:
            other = self.owners[refs] != exclude
            pts = pts[other]
        out = np.zeros(len(x), dtype=bool)
        out[pts] = True
        return out


def measure_shift(geoms, references, *, what: str, exclude=None) -> ShiftResult:
    """Compare the fit of ``geoms`` (lon/lat) to ``references`` as WGS-84, and moved back from GCJ-02 and BD-09.

    The fit is the share of the (sampled) vertices lying within
    :data:`geo.settings.CRS_SHIFT_NEAR_M` of a reference outline (UTM 50N): traced features
    share streets and edges with each other and with the admin boundaries, so a correct
    source has many such vertices, a shifted one few — until it is moved back.  The source
    ``looks_shifted`` from a system when moving it back raises that share by at least
    :data:`geo.settings.CRS_SHIFT_MIN_GAIN`, to at least 1.5 times what it was, and by at least
    :data:`geo.settings.CRS_SHIFT_MIN_GAINED_VERTICES` vertices (a handful of points that happen
    to land on a street after a 600 m move is chance, not evidence).

    ``references`` is a :class:`References` (outlines owned by ``exclude`` are ignored) or
    any sequence of lon/lat geometries.
    """
    xy = _vertices(geoms)
    refs = references if isinstance(references, References) else References(references)
    empty = ShiftResult(what, len(xy), {}, {}, None)
    if len(xy) < MIN_VERTICES or not len(refs):
        return empty
    fit, offset = {}, {}
    x0, y0 = refs.to_m.transform(xy[:, 0], xy[:, 1])
    for system in ("wgs84", "gcj02", "bd09"):
        if system == "wgs84":
            lon, lat = xy[:, 0], xy[:, 1]
        else:
            lon, lat = convert_coords(xy[:, 0], xy[:, 1], src=system, dst="wgs84")
        x, y = refs.to_m.transform(lon, lat)
        fit[system] = float(refs.near(x, y, exclude=exclude).mean())
        offset[system] = (float(np.median(x0 - x)), float(np.median(y0 - y)))
    shifted = None
    for system in ("gcj02", "bd09"):
        gained = (fit[system] - fit["wgs84"]) * len(xy)  # vertices that meet a reference only when moved back
        if (fit[system] >= fit["wgs84"] + settings.CRS_SHIFT_MIN_GAIN and fit[system] >= 1.5 * fit["wgs84"]
                and gained >= settings.CRS_SHIFT_MIN_GAINED_VERTICES
                and (shifted is None or fit[system] > fit[shifted])):
            shifted = system
    return ShiftResult(what, len(xy), fit, offset, shifted)


def check_layers(layers: dict[str, gpd.GeoDataFrame], *, layers_dir: Path | None = None,
                 strict: bool | None = None) -> dict[str, gpd.GeoDataFrame]:
    """Check the sources of a build before it is written; return the layers (Z values dropped).

    Every source file declared WGS-84 (its features' ``source_detail`` does not record a
    conversion) is judged by :func:`measure_shift` against every other source file and the
    anchors.  A shifted file is reported in one line with the measured shift: a warning, or a
    :class:`~geo.errors.CoordinateSystemError` when ``strict`` (default
    :data:`geo.settings.CRS_SHIFT_STRICT`).
    """
    from geo.io import drop_z

    strict = settings.CRS_SHIFT_STRICT if strict is None else strict
    layers = {name: drop_z(gdf, what=f"layer {name}") for name, gdf in layers.items()}
    frames = [pd.DataFrame({"source_file": g["source_file"].to_numpy(), "source_detail": g["source_detail"].to_numpy(),
                            "geometry": g.geometry.to_numpy()})
              for g in layers.values() if "source_file" in g.columns and len(g)]
    if not frames:
        return layers
    allf = pd.concat(frames, ignore_index=True)
    anchors = reference_geometries(layers_dir)
    refs = References([*allf["geometry"], *anchors], [*allf["source_file"], *["anchors.csv"] * len(anchors)])
    problems = []
    for source, part in allf.groupby("source_file", sort=True):
        if part["source_detail"].astype(str).str.contains("converted from", regex=False).any():
            continue  # declared GCJ-02/BD-09 and converted: the declaration was made on purpose
        result = measure_shift(part["geometry"].to_numpy(), refs, what=f"{settings.LAYERS_DIR.name}/{source}",
                               exclude=source)
        if result.looks_shifted:
            problems.append(result.message())
    for problem in problems:
        if not strict:
            log.warning("warning: %s (corridor layers --strict makes this an error)", problem)
    if problems and strict:
        raise CoordinateSystemError(problems[0] + (f" (and {len(problems) - 1} more source(s))"
                                                   if len(problems) > 1 else ""))
    return layers
