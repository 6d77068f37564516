"""The core of the per-zone point figures: one chunk function, its partial sums, and ``finish``.

For every zone of the zone layers (智谷, innovation belts, silicon-lane corridors, parks,
districts, corridor cities) a zone pass reports

* the number of points inside it, overall and by category, and per km²;
* the median and 90th percentile of the points' straight distance to the nearest campus;
* the share of its points within each isochrone (walk / bike / drive, 5 / 10 / 15 min, from
  any campus);
* each firm figure the documents give for it (智谷's 400 firms in 3-5 years, 南湖硅巷's 400+,
  环华科大's 500 + 1,000, 武昌's 10,000 ...) with the gap between figure and count.

This module holds what every engine shares and nothing that runs one: the
:class:`ZoneContext` (zones, campus index, isochrones) every chunk needs, the chunk function
:func:`zone_partial` giving a :class:`ZonePartial` of integer sums (counts, a distance
histogram per zone, isochrone and category counts) that add up exactly over disjoint
chunks, :func:`finish` turning summed partials into the :class:`ZoneFigures` tables, and the
documents' firm figures (:func:`firm_targets`).  The engines — :mod:`geo.points.memory_engine`
(chunked, in this process) and :mod:`geo.points.dask_engine` (partitions on a Dask cluster) —
import only from here, and :func:`geo.points.zones.zone_figures` dispatches to them; so both
give identical figures.

Medians and percentiles come from the summed histograms (bins of 1 m under 5 km, 10 m under
50 km, 100 m beyond: :data:`geo.settings.POINT_DISTANCE_BINS`) and are reported as the lower
edge of the bin holding the percentile; the nearest-campus look-up itself is exact to half of
:data:`geo.settings.NEAREST_VERTEX_SPACING_M`.

Zone membership is tested in WGS-84 longitude/latitude (points on a boundary count as
inside); areas and distances are measured in UTM 50N (EPSG:32650).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import shapely

from geo import settings
from geo.errors import CoordinateSystemError
from geo.io import read_layer, write_geopackage, write_json, write_text
from geo.points.arrow import lonlat_to_metric
from geo.points.importer import in_box, is_storage_crs, read_points_metadata
from geo.units import area_m2, m2_to_km2

log = logging.getLogger(__name__)

#: The row that counts every point, whichever zone it falls in.
ALL_ZONE_ID = "all-points"
NO_CATEGORY = "(none)"


# --- distance bins --------------------------------------------------------------------------------


def distance_bin_edges(spec=None) -> np.ndarray:
    """Lower edges (m) of the nearest-campus distance bins; the last bin is open-ended."""
    spec = settings.POINT_DISTANCE_BINS if spec is None else spec
    edges, start = [], 0.0
    for limit, width in spec:
        edges.append(np.arange(start, limit, width))
        start = limit
    edges.append(np.array([start]))
    return np.concatenate(edges)


def histogram_quantile(hist: np.ndarray, q: float, edges: np.ndarray) -> float:
    """The ``q`` quantile (inverted CDF) from bin counts, as the lower edge of its bin (m)."""
    total = int(hist.sum())
    if total == 0:
        return float("nan")
    k = max(int(np.ceil(q * total - 1e-9)), 1)
    return float(edges[int(np.searchsorted(np.cumsum(hist), k))])


# --- what every chunk or partition needs ----------------------------------------------------------


@dataclass
class ZoneContext:
    """The small layers every chunk needs: zones, campus index, isochrones (broadcast under Dask).

    Geometries are WGS-84 and prepared for fast point-in-polygon tests.
    """

    zones: gpd.GeoDataFrame  # zone_layer, zone_id, name_zh, name_en, area_km2, geometry (WGS-84)
    campus_index: object | None  # geo.analysis.proximity.CampusIndex, or None to skip distances
    iso_keys: list[tuple[str, int]]
    iso_geoms: np.ndarray
    edges: np.ndarray = field(default_factory=distance_bin_edges)

    def __post_init__(self):
        self.geoms = self.zones.geometry.to_numpy()
        self.bounds = shapely.bounds(self.geoms)
        self.iso_bounds = shapely.bounds(self.iso_geoms) if len(self.iso_geoms) else np.zeros((0, 4))
        shapely.prepare(self.geoms)
        shapely.prepare(self.iso_geoms)

    def __setstate__(self, state):  # prepared geometries do not survive pickling
        self.__dict__.update(state)
        shapely.prepare(self.geoms)
        shapely.prepare(self.iso_geoms)

    @property
    def n_zones(self) -> int:
        return len(self.geoms)


def load_isochrones(path: Path | None = None) -> gpd.GeoDataFrame | None:
    """The ``isochrones`` table written by ``corridor analyse``, or None if it is not there."""
    path = Path(path) if path else settings.analysis_dir() / "analysis.gpkg"
    if not path.exists():
        return None
    try:
        return read_layer(path, layer="isochrones")
    except Exception:  # noqa: BLE001 - an analysis file without the table counts as absent
        return None


def compute_isochrones(campuses: gpd.GeoDataFrame, *, progress: bool = False) -> gpd.GeoDataFrame:
    """Isochrones from every campus on the traced road network (geo.analysis.proximity)."""
    from geo.analysis.network import build_network
    from geo.analysis.proximity import isochrones
    from geo.layers import load_layers

    roads = load_layers("roads")["roads"]
    return isochrones(campuses, build_network(roads), progress=progress)


def _union_isochrones(iso: gpd.GeoDataFrame | None) -> tuple[list[tuple[str, int]], np.ndarray]:
    if iso is None or len(iso) == 0:
        return [], np.array([], dtype=object)
    if iso.crs is None:
        raise CoordinateSystemError("isochrones have no CRS")
    iso = iso.to_crs(settings.STORAGE_CRS)
    keys, geoms = [], []
    order = {m: i for i, m in enumerate(("walk", "bike", "drive"))}
    for (mode, minutes), group in sorted(iso.groupby(["mode", "minutes"]),
                                         key=lambda kv: (order.get(kv[0][0], 9), kv[0][1])):
        keys.append((str(mode), int(minutes)))
        geoms.append(shapely.union_all(group.geometry.to_numpy()))
    return keys, np.array(geoms, dtype=object)


def zone_table(zones: Mapping[str, gpd.GeoDataFrame]) -> gpd.GeoDataFrame:
    """Stack zone layers into one WGS-84 frame: zone_layer, zone_id, name_zh, name_en, area_km2."""
    parts = []
    for layer, gdf in zones.items():
        if gdf.crs is None:
            raise CoordinateSystemError(f"zone layer {layer!r} has no CRS")
        g = gdf.to_crs(settings.STORAGE_CRS)
        parts.append(gpd.GeoDataFrame({
            "zone_layer": layer,
            "zone_id": g["id"].astype(str).to_numpy() if "id" in g else np.arange(len(g)).astype(str),
            "name_zh": g["name_zh"].to_numpy() if "name_zh" in g else "",
            "name_en": g["name_en"].to_numpy() if "name_en" in g else "",
        }, geometry=g.geometry.to_numpy(), crs=settings.STORAGE_CRS))
    out = pd.concat(parts, ignore_index=True) if parts else gpd.GeoDataFrame(
        {"zone_layer": [], "zone_id": [], "name_zh": [], "name_en": []}, geometry=[], crs=settings.STORAGE_CRS)
    out = gpd.GeoDataFrame(out, geometry="geometry", crs=settings.STORAGE_CRS)
    out.insert(4, "area_km2", m2_to_km2(area_m2(out).to_numpy()))
    return out


def zone_context(zones: Mapping[str, gpd.GeoDataFrame] | None = None, *,
                 campuses: gpd.GeoDataFrame | None = None, isochrones: gpd.GeoDataFrame | bool | None = None,
                 nearest_campus: bool = True, progress: bool = False) -> ZoneContext:
    """Build the context of a zone pass.

    Parameters
    ----------
    zones : mapping of layer name to GeoDataFrame, optional
        Default: :data:`geo.settings.POINT_ZONE_LAYERS` from :func:`geo.layers.load_layers`.
    campuses : GeoDataFrame, optional
        Campus polygons for nearest-campus distances (default: the campuses layer).
    isochrones : GeoDataFrame, True, False or None
        Isochrone polygons (the ``isochrones`` table's columns mode, minutes).  None: read
        ``layers/build/analysis/analysis.gpkg`` and, if absent, compute them from the
        traced roads; True: always compute; False: no isochrone shares.
    nearest_campus : bool
        False skips the nearest-campus distances.
    """
    from geo.layers import load_layers

    if zones is None:
        zones = load_layers(*settings.POINT_ZONE_LAYERS)
    index = None
    if nearest_campus or isochrones is None or isochrones is True:
        if campuses is None:
            campuses = load_layers("campuses")["campuses"]
    if nearest_campus:
        from geo.analysis.proximity import CampusIndex

        index = CampusIndex(campuses)
    if isochrones is None:
        isochrones = load_isochrones()
        if isochrones is None:
            try:
                isochrones = compute_isochrones(campuses, progress=progress)
            except Exception as exc:  # noqa: BLE001 - counts stay useful without isochrone shares
                log.warning("isochrones unavailable (%s); run `corridor analyse` for the within-isochrone "
                            "shares", exc)
                isochrones = None
    elif isochrones is True:
        isochrones = compute_isochrones(campuses, progress=progress)
    elif isochrones is False:
        isochrones = None
    keys, geoms = _union_isochrones(isochrones)
    return ZoneContext(zones=zone_table(zones), campus_index=index, iso_keys=keys, iso_geoms=geoms)


# --- the chunk function: the same in memory and on every Dask partition ---------------------------


@dataclass
class ZonePartial:
    """Integer sums over some points; partials of disjoint point sets add up exactly.

    Row ``n_zones`` of ``counts``, ``hist`` and ``iso`` is the all-points row.
    """

    points: int
    unlocated: int
    counts: np.ndarray  # (n_zones + 1,)
    hist: np.ndarray  # (n_zones + 1, n_bins)
    iso: np.ndarray  # (n_zones + 1, n_iso)
    categories: dict[tuple[int, str], int]

    def __add__(self, other: ZonePartial) -> ZonePartial:
        cats = dict(self.categories)
        for key, n in other.categories.items():
            cats[key] = cats.get(key, 0) + n
        return ZonePartial(
            points=self.points + other.points, unlocated=self.unlocated + other.unlocated,
            counts=self.counts + other.counts, hist=self.hist + other.hist, iso=self.iso + other.iso,
            categories=cats,
        )

    @classmethod
    def empty(cls, ctx: ZoneContext) -> ZonePartial:
        n = ctx.n_zones + 1
        return cls(0, 0, np.zeros(n, np.int64), np.zeros((n, len(ctx.edges)), np.int64),
                   np.zeros((n, len(ctx.iso_keys)), np.int64), {})


def _members(geom, bounds, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Indices of the points inside (or on the boundary of) a prepared polygon."""
    idx = np.flatnonzero(in_box(lon, lat, bounds))
    return idx[shapely.intersects_xy(geom, lon[idx], lat[idx])]


def category_codes(category) -> tuple[np.ndarray, np.ndarray]:
    """Integer codes and labels of a category array (Arrow or numpy); missing values become "(none)"."""
    if isinstance(category, pa.ChunkedArray):
        category = category.combine_chunks()
    if isinstance(category, pa.Array):
        encoded = pc.dictionary_encode(pc.fill_null(category.cast(pa.string()), NO_CATEGORY))
        return (encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64),
                np.asarray(encoded.dictionary.to_pylist(), dtype=object))
    labels = pd.Series(category, dtype=object)
    labels = labels.where(labels.notna(), NO_CATEGORY).astype(str)
    codes, uniques = pd.factorize(labels, sort=False)
    return codes, np.asarray(uniques, dtype=object)


def zone_partial(lon: np.ndarray, lat: np.ndarray, category, ctx: ZoneContext) -> ZonePartial:
    """Per-zone sums for one chunk of WGS-84 points (the function both engines map).

    Parameters
    ----------
    lon, lat : numpy.ndarray
        Degrees, WGS-84; rows with NaN count as unlocated and are skipped.
    category : array_like or None
        One category per point (None / NaN become ``"(none)"``).
    ctx : ZoneContext
    """
    lon = np.asarray(lon, dtype=float)
    lat = np.asarray(lat, dtype=float)
    located = np.isfinite(lon) & np.isfinite(lat)
    unlocated = int((~located).sum())
    if unlocated:
        lon, lat = lon[located], lat[located]
        if category is not None:
            category = category.filter(pa.array(located)) if isinstance(category, pa.Array | pa.ChunkedArray) \
                else np.asarray(category, dtype=object)[located]
    out = ZonePartial.empty(ctx)
    out.points, out.unlocated = len(lon), unlocated
    n_bins = len(ctx.edges)
    if ctx.campus_index is not None and len(lon):
        x_m, y_m = lonlat_to_metric(lon, lat)
        dist = ctx.campus_index.query(x_m, y_m)["distance_m"].to_numpy()
        bins = np.searchsorted(ctx.edges, dist, side="right") - 1
    else:
        bins = None
    iso_in = np.zeros((len(lon), len(ctx.iso_keys)), dtype=bool)
    for j, geom in enumerate(ctx.iso_geoms):
        iso_in[_members(geom, ctx.iso_bounds[j], lon, lat), j] = True
    if category is not None:
        codes, uniques = category_codes(category)
    everyone = np.arange(len(lon))
    groups = [(z, _members(ctx.geoms[z], ctx.bounds[z], lon, lat)) for z in range(ctx.n_zones)]
    groups.append((ctx.n_zones, everyone))
    for z, idx in groups:
        out.counts[z] = len(idx)
        if not len(idx):
            continue
        if bins is not None:
            out.hist[z] = np.bincount(bins[idx], minlength=n_bins)
        out.iso[z] = iso_in[idx].sum(axis=0)
        if category is not None:
            for code, n in enumerate(np.bincount(codes[idx], minlength=len(uniques))):
                if n:
                    out.categories[(z, uniques[code])] = int(n)
    return out


def require_points_crs(crs) -> None:
    """Refuse points without a CRS (both engines check at the door, before any work)."""
    if crs is None:
        raise CoordinateSystemError("points have no CRS; declare it (EPSG:4326 for WGS-84 lon/lat)")


def sum_partials(partials: Iterable[ZonePartial], ctx: ZoneContext) -> ZonePartial:
    """The sum of some partials (the empty partial of ``ctx`` when there are none)."""
    total = ZonePartial.empty(ctx)
    for p in partials:
        total = total + p
    return total


def parquet_geometry_column(metadata: dict | None, *, path) -> str:
    """The geometry column of a points GeoParquet, refusing one whose CRS is not WGS-84."""
    meta = metadata or {}
    geo = json.loads(meta[b"geo"]) if b"geo" in meta else {"primary_column": "geometry"}
    column = geo["primary_column"]
    crs = geo.get("columns", {}).get(column, {}).get("crs")
    if crs is not None and not is_storage_crs(crs):
        raise CoordinateSystemError(f"{path}: points are not in WGS-84; import them with `corridor points import`")
    return column


# --- finishing: partial sums -> tables -------------------------------------------------------------


@dataclass
class ZoneFigures:
    """The per-zone tables (DataFrames; ``zones`` and ``targets`` carry zone geometry for maps).

    Attributes
    ----------
    zones : GeoDataFrame
        One row per zone plus the all-points row: zone_layer, zone_id, name_zh, name_en,
        area_km2, points, points_per_km2, nearest_campus_median_m, nearest_campus_p90_m,
        and ``within_<mode>_<minutes>min_share`` (0..1) per isochrone.
    categories : DataFrame
        zone_layer, zone_id, category, points, share (of the zone's points).
    isochrones : DataFrame
        zone_layer, zone_id, mode, minutes, points_within, share.
    targets : GeoDataFrame
        One row per firm figure: zone_layer, zone_id, name_zh, figure, figure_kind (target
        or reported), figure_count, figure_text, ref, points, gap_count (figure − points:
        firms still missing from the data, negative when the data hold more), attained_share.
    summary : dict
        Points counted, unlocated, engine, category column.
    """

    zones: gpd.GeoDataFrame
    categories: pd.DataFrame
    isochrones: pd.DataFrame
    targets: gpd.GeoDataFrame
    summary: dict

    def write(self, out_dir: str | Path | None = None) -> dict[str, Path]:
        """Write CSVs of every table, a GeoPackage (zone_points, zone_targets) and a summary JSON."""
        out = Path(out_dir) if out_dir else settings.points_dir()
        paths = {}
        for name, table in (("zone_points", self.zones), ("zone_categories", self.categories),
                            ("zone_isochrones", self.isochrones), ("zone_targets", self.targets)):
            frame = pd.DataFrame(table.drop(columns="geometry", errors="ignore"))
            paths[name] = write_text(frame.to_csv(index=False), out / f"{name}.csv")
        located = self.zones[self.zones["zone_id"] != ALL_ZONE_ID]
        paths["gpkg"] = write_geopackage({"zone_points": located, "zone_targets": self.targets},
                                         out / "zone_points.gpkg")
        paths["summary"] = write_json(self.summary, out / "zone_points.json")
        return paths


def finish(partial: ZonePartial, ctx: ZoneContext, *, targets: pd.DataFrame | None = None,
           summary: dict | None = None) -> ZoneFigures:
    """Turn summed partials into the :class:`ZoneFigures` tables."""
    z = ctx.zones
    all_row = gpd.GeoDataFrame({"zone_layer": ["all"], "zone_id": [ALL_ZONE_ID], "name_zh": ["全部点"],
                                "name_en": ["all points"], "area_km2": [np.nan]}, geometry=[None],
                               crs=settings.STORAGE_CRS)
    zones = gpd.GeoDataFrame(pd.concat([z, all_row], ignore_index=True), geometry="geometry",
                             crs=settings.STORAGE_CRS)
    counts = partial.counts
    zones["points"] = counts
    zones["points_per_km2"] = np.where(zones["area_km2"] > 0, counts / zones["area_km2"], np.nan)
    have_dist = ctx.campus_index is not None
    zones["nearest_campus_median_m"] = [histogram_quantile(h, 0.5, ctx.edges) if have_dist else np.nan
                                        for h in partial.hist]
    zones["nearest_campus_p90_m"] = [histogram_quantile(h, 0.9, ctx.edges) if have_dist else np.nan
                                     for h in partial.hist]
    iso_rows = []
    for j, (mode, minutes) in enumerate(ctx.iso_keys):
        share = np.where(counts > 0, partial.iso[:, j] / np.maximum(counts, 1), np.nan)
        zones[f"within_{mode}_{minutes}min_share"] = share
        iso_rows.append(pd.DataFrame({"zone_layer": zones["zone_layer"], "zone_id": zones["zone_id"],
                                      "mode": mode, "minutes": minutes, "points_within": partial.iso[:, j],
                                      "share": share}))
    isochrones = pd.concat(iso_rows, ignore_index=True) if iso_rows else pd.DataFrame(
        columns=["zone_layer", "zone_id", "mode", "minutes", "points_within", "share"])
    zones = zones[[c for c in zones.columns if c != "geometry"] + ["geometry"]]
    if partial.categories:
        keys = sorted(partial.categories, key=lambda k: (k[0], -partial.categories[k], k[1]))
        zi = np.array([k[0] for k in keys])
        categories = pd.DataFrame({
            "zone_layer": zones["zone_layer"].to_numpy()[zi], "zone_id": zones["zone_id"].to_numpy()[zi],
            "category": [k[1] for k in keys], "points": [partial.categories[k] for k in keys],
        })
        categories["share"] = categories["points"] / counts[zi]
    else:
        categories = pd.DataFrame(columns=["zone_layer", "zone_id", "category", "points", "share"])
    target_table = _targets_against(targets, zones, partial, ctx)
    info = {"points": int(partial.points), "unlocated": int(partial.unlocated),
            "zones": int(ctx.n_zones), "isochrones": [f"{m} {t} min" for m, t in ctx.iso_keys],
            "distance_bins_m": [list(b) for b in settings.POINT_DISTANCE_BINS],
            **(summary or {})}
    return ZoneFigures(zones=zones, categories=categories, isochrones=isochrones, targets=target_table,
                       summary=info)


def _targets_against(targets: pd.DataFrame | None, zones: gpd.GeoDataFrame, partial: ZonePartial,
                     ctx: ZoneContext) -> gpd.GeoDataFrame:
    cols = ["zone_layer", "zone_id", "name_zh", "figure", "figure_kind", "figure_count", "figure_text",
            "ref", "points", "gap_count", "attained_share"]
    if targets is None or targets.empty:
        return gpd.GeoDataFrame(pd.DataFrame(columns=cols), geometry=[], crs=settings.STORAGE_CRS)
    key = pd.Series(np.arange(len(zones)), index=pd.MultiIndex.from_arrays([zones["zone_layer"], zones["zone_id"]]))
    t = targets.copy()
    pos = [key.get((layer, zid)) for layer, zid in zip(t["zone_layer"], t["zone_id"], strict=True)]
    t = t[[p is not None for p in pos]].copy()
    pos = np.array([p for p in pos if p is not None], dtype=int)
    t["name_zh"] = zones["name_zh"].to_numpy()[pos]
    t["points"] = partial.counts[pos]
    t["gap_count"] = t["figure_count"] - t["points"]
    t["attained_share"] = t["points"] / t["figure_count"]
    return gpd.GeoDataFrame(t[cols].reset_index(drop=True), geometry=zones.geometry.to_numpy()[pos],
                            crs=settings.STORAGE_CRS)


# --- the documents' firm figures ---------------------------------------------------------------------


def _is_firm_figure(row: Mapping) -> bool:
    """A count of firms (the figure table names them ``firms``, ``high_tech_firms_…`` …)."""
    return row["quantity"] == "count" and "firm" in row["name"]


def firm_targets(zones: Mapping[str, gpd.GeoDataFrame] | None = None, *,
                 figures: pd.DataFrame | None = None) -> pd.DataFrame:
    """The documents' firm figures for each zone, from the figure table (``layers/figures.csv``).

    A figure counts when it is a count of firms whose subject is one of the zones; a
    silicon-lane corridor (``<lane>-corridor``) takes the figures of its lane.  Figures
    about a whole district are set only against that district, never against a zone in it.

    Returns
    -------
    DataFrame: zone_layer, zone_id, figure, figure_kind (``target`` or ``reported``),
    figure_count, figure_text, ref, horizon, figure_id.
    """
    from geo.figures import load_figures

    if zones is None:
        from geo.layers import load_layers

        zones = load_layers(*settings.POINT_ZONE_LAYERS)
    table = load_figures() if figures is None else figures
    ids = {layer: set(gdf["id"]) for layer, gdf in zones.items()}
    rows = []
    for row in table.to_dict("records"):
        if not _is_firm_figure(row) or not row["subject_id"]:
            continue
        zone = (row["subject_layer"], row["subject_id"])
        if row["subject_layer"] == "silicon_lanes":
            zone = ("silicon_lane_corridors", f"{row['subject_id']}-corridor")
        if zone[1] not in ids.get(zone[0], ()):
            continue
        rows.append({"zone_layer": zone[0], "zone_id": zone[1], "figure": row["name"],
                     "figure_kind": "target" if row["status"] == "target" else "reported",
                     "figure_count": float(row["value"]), "figure_text": row["original"],
                     "ref": row["document"], "horizon": row["horizon"], "figure_id": row["id"]})
    return pd.DataFrame(rows, columns=["zone_layer", "zone_id", "figure", "figure_kind", "figure_count",
                                       "figure_text", "ref", "horizon", "figure_id"])


# --- a zone pass: context and figures, whichever engine sums the partials ---------------------


def context_and_targets(zones: Mapping[str, gpd.GeoDataFrame] | None, *, context: ZoneContext | None,
                        targets: pd.DataFrame | None, **context_kwargs) -> tuple[ZoneContext, pd.DataFrame]:
    """The context and firm figures of a zone pass (both engines), reading the default zone layers once.

    ``context`` and ``targets`` are used when given; otherwise they come from :func:`zone_context`
    (with ``context_kwargs``) and :func:`firm_targets` of the same zone layers.
    """
    if zones is None and (context is None or targets is None):
        from geo.layers import load_layers

        zones = load_layers(*settings.POINT_ZONE_LAYERS)
    ctx = context or zone_context(zones, **context_kwargs)
    return ctx, firm_targets(zones) if targets is None else targets


def points_category(points, category: str | None) -> str | None:
    """The category column of a zone pass: ``category`` if given, else the one the importer
    recorded in a points GeoParquet file (None for frames and dataset folders)."""
    if category is not None or not isinstance(points, str | Path) or not Path(points).is_file():
        return category
    return read_points_metadata(points).get("category")
