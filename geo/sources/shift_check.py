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


def _outline(geoms) -> np.ndarray:
    """Reference geometries as lines and points: a polygon's interior says nothing about position."""
    geoms = np.asarray(geoms, dtype=object)
    polygonal = shapely.get_type_id(geoms) >= 3  # polygons, multi-* and collections
    out = geoms.copy()
    out[polygonal] = shapely.boundary(geoms[polygonal])
    return out[~shapely.is_empty(out) & ~shapely.is_missing(out)]


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


def measure_shift(geoms, references, *, what: str) -> ShiftResult:
    """Compare the fit of ``geoms`` (lon/lat) to ``references`` as WGS-84, and moved back from GCJ-02 and BD-09.

    The fit is the share of the (sampled) vertices lying within
    :data:`geo.settings.CRS_SHIFT_NEAR_M` of a reference outline (UTM 50N): traced features
    share streets and edges with each other and with the admin boundaries, so a correct
    source has many such vertices, a shifted one few — until it is moved back.  The source
    ``looks_shifted`` from a system when moving it back raises that share by at least
    :data:`geo.settings.CRS_SHIFT_MIN_GAIN` and to at least 1.5 times what it was.
    """
    import pyproj

    xy = _vertices(geoms)
    refs = _outline(list(references))
    empty = ShiftResult(what, len(xy), {}, {}, None)
    if len(xy) < MIN_VERTICES or not len(refs):
        return empty
    to_m = pyproj.Transformer.from_crs(settings.STORAGE_CRS, settings.METRIC_CRS, always_xy=True)
    ref_m = shapely.transform(refs, lambda c: np.column_stack(to_m.transform(c[:, 0], c[:, 1])))
    tree = shapely.STRtree(ref_m)
    fit, offset = {}, {}
    x0, y0 = to_m.transform(xy[:, 0], xy[:, 1])
    for system in ("wgs84", "gcj02", "bd09"):
        if system == "wgs84":
            lon, lat = xy[:, 0], xy[:, 1]
        else:
            lon, lat = convert_coords(xy[:, 0], xy[:, 1], src=system, dst="wgs84")
        x, y = to_m.transform(lon, lat)
        _, d = tree.query_nearest(shapely.points(x, y), return_distance=True, all_matches=False)
        fit[system] = float((d <= settings.CRS_SHIFT_NEAR_M).mean())
        offset[system] = (float(np.median(x0 - x)), float(np.median(y0 - y)))
    shifted = None
    for system in ("gcj02", "bd09"):
        if (fit[system] >= fit["wgs84"] + settings.CRS_SHIFT_MIN_GAIN and fit[system] >= 1.5 * fit["wgs84"]
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
    problems = []
    for source, part in allf.groupby("source_file", sort=True):
        if part["source_detail"].astype(str).str.contains("converted from", regex=False).any():
            continue  # declared GCJ-02/BD-09 and converted: the declaration was made on purpose
        others = allf.loc[allf["source_file"] != source, "geometry"].tolist() + anchors
        result = measure_shift(part.geometry.to_numpy(), others, what=f"{settings.LAYERS_DIR.name}/{source}")
        if result.looks_shifted:
            problems.append(result.message())
    for problem in problems:
        if not strict:
            log.warning("warning: %s (corridor layers --strict makes this an error)", problem)
    if problems and strict:
        raise CoordinateSystemError(problems[0] + (f" (and {len(problems) - 1} more source(s))"
                                                   if len(problems) > 1 else ""))
    return layers
