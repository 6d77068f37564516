"""Proximity and accessibility: distances, nearest campus, isochrones, coverage, access belts.

Every function takes GeoDataFrames in any declared CRS (a missing CRS raises
:class:`~geo.errors.CoordinateSystemError`), measures in UTM 50N (EPSG:32650) and returns
results in WGS-84 (EPSG:4326) where they carry geometry.  Distances are metres.

Network distances go along a :class:`~geo.analysis.network.RoadNetwork` — the traced
arterial network offline, an OpenStreetMap graph when given (© OpenStreetMap contributors,
ODbL) — with the straight connector from each object to its nearest street added.  With a
network, travel times are shortest times on each mode's view of it (walking both ways on
every street but motorways, cycling and driving along one-way streets, speeds per highway
class from settings.NETWORK_SPEEDS_KMH); without one, the straight distance at the stated
speeds of settings.SPEEDS_KMH (walk 4.8, bike 15, drive 30 km/h).
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from affine import Affine
from rasterio import features as rfeatures
from scipy import ndimage
from scipy.sparse import csgraph
from scipy.spatial import cKDTree
from tqdm.auto import tqdm

from geo import settings
from geo.analysis import network as net
from geo.analysis.raster import Grid
from geo.crs import to_metric

log = logging.getLogger("corridor")

#: Travel modes, those with a stated speed (walk, bike, drive).
MODES = tuple(settings.SPEEDS_KMH)


def _col(gdf, name, default=""):
    return gdf[name].to_numpy() if name in gdf.columns else np.full(len(gdf), default, dtype=object)


def _times(distance_m) -> dict[str, np.ndarray]:
    return {f"{m}_min": net.travel_minutes(distance_m, m) for m in MODES}


# --- distance matrices and nearest features -------------------------------------------------------


def straight_distance_m(origins: gpd.GeoDataFrame, targets: gpd.GeoDataFrame) -> np.ndarray:
    """Straight-line (shortest) distance between every origin and target geometry, metres.

    Returns an array of shape (len(origins), len(targets)); 0 where geometries touch.
    """
    a = to_metric(origins, what="origins").geometry.to_numpy()
    b = to_metric(targets, what="targets").geometry.to_numpy()
    return shapely.distance(a[:, None], b[None, :])


def network_distance_m(origins: gpd.GeoDataFrame, targets: gpd.GeoDataFrame,
                       network: net.RoadNetwork) -> np.ndarray:
    """Network distance (m) between every origin and target, connectors included.

    Along every street both ways (the metric view of the network).  Origins and targets
    reach the largest connected component at the street point nearest to them (polygons
    also at every node inside them and along their outline).  One Dijkstra pass from all
    origins.
    """
    return _network_cost(origins, targets, network.for_mode(None))


def _network_cost(origins, targets, view: net.RoadNetwork) -> np.ndarray:
    o_m, t_m = to_metric(origins, what="origins"), to_metric(targets, what="targets")
    cost = net.object_distances(view, net.attach(view, o_m), net.attach(view, t_m))
    # objects that touch or overlap need no street between them
    touching = shapely.intersects(o_m.geometry.to_numpy()[:, None], t_m.geometry.to_numpy()[None, :])
    return np.where(touching, 0.0, cost)


def network_minutes(origins: gpd.GeoDataFrame, targets: gpd.GeoDataFrame, network: net.RoadNetwork,
                    *, modes=MODES) -> dict[str, np.ndarray]:
    """Travel time (minutes) between every origin and target by each mode on its own network view.

    Walking uses every street both ways, cycling and driving follow one-way streets; speeds
    per highway class (settings.NETWORK_SPEEDS_KMH); connectors to the street are walked.
    Returns ``{"walk_min": array (n_origins, n_targets), ...}``.
    """
    return {f"{m}_min": _network_cost(origins, targets, network.for_mode(m)) / 60.0 for m in modes}


def distance_matrix(origins: gpd.GeoDataFrame, targets: gpd.GeoDataFrame, *,
                    network: net.RoadNetwork | None = None, origin_layer: str = "campuses",
                    target_layer: str | None = None) -> pd.DataFrame:
    """Long-form distance matrix: one row per (origin, target) pair.

    Columns: origin_id, origin_layer, origin_name_zh, target_id, target_layer,
    target_name_zh, straight_m, network_m, walk_min, bike_min, drive_min.  With a network,
    the times are shortest times on each mode's network view (:func:`network_minutes`);
    without one, the straight distance at the stated speeds.
    """
    straight = straight_distance_m(origins, targets)
    network_m = network_distance_m(origins, targets, network) if network is not None \
        else np.full(straight.shape, np.nan)
    times = network_minutes(origins, targets, network) if network is not None else _times(straight)
    n_o, n_t = straight.shape
    tl = _col(targets, "layer") if target_layer is None else np.full(n_t, target_layer)
    df = pd.DataFrame({
        "origin_id": np.repeat(_col(origins, "id"), n_t),
        "origin_layer": origin_layer,
        "origin_name_zh": np.repeat(_col(origins, "name_zh"), n_t),
        "target_id": np.tile(_col(targets, "id"), n_o),
        "target_layer": np.tile(tl, n_o),
        "target_name_zh": np.tile(_col(targets, "name_zh"), n_o),
        "straight_m": straight.ravel(),
        "network_m": network_m.ravel(),
    })
    return df.assign(**{k: v.ravel() for k, v in times.items()})


def nearest(features: gpd.GeoDataFrame, candidates: gpd.GeoDataFrame, *,
            network: net.RoadNetwork | None = None, by: str | None = None,
            from_layer: str | None = None, prefix: str = "campus") -> gpd.GeoDataFrame:
    """For each feature, its nearest candidate (by network distance when a network is given).

    Returns a GeoDataFrame in WGS-84 with one LineString per feature (the straight shortest
    line from the feature to the chosen candidate) and columns from_id, from_layer,
    from_name_zh, ``<prefix>_id``, ``<prefix>_name_zh``, straight_m, network_m, walk_min,
    bike_min, drive_min (to the chosen candidate: on each mode's network view when a network
    is given, else on the straight distance).

    Parameters
    ----------
    by : {"network", "straight"}, optional
        What "nearest" means; default network when ``network`` is given.
    """
    by = by or ("network" if network is not None else "straight")
    if by == "network" and network is None:
        raise ValueError("by='network' needs a network")
    f_m = to_metric(features, what="features")
    c_m = to_metric(candidates, what="candidates")
    straight = straight_distance_m(f_m, c_m)
    network_m = network_distance_m(f_m, c_m, network) if network is not None \
        else np.full(straight.shape, np.nan)
    score = network_m if by == "network" else straight
    pick = np.argmin(np.where(np.isfinite(score), score, np.inf), axis=1)
    rows = np.arange(len(f_m))
    s_m = straight[rows, pick]
    n_m = network_m[rows, pick]
    times = {k: v[rows, pick] for k, v in network_minutes(f_m, c_m, network).items()} if network is not None \
        else _times(s_m)
    lines = shapely.shortest_line(f_m.geometry.to_numpy(), c_m.geometry.to_numpy()[pick])
    # a feature inside or touching its candidate gets a line between representative points
    degenerate = shapely.length(lines) == 0
    if degenerate.any():
        lines[degenerate] = shapely.linestrings(np.stack([
            shapely.get_coordinates(shapely.point_on_surface(f_m.geometry.to_numpy()[degenerate])),
            shapely.get_coordinates(shapely.point_on_surface(c_m.geometry.to_numpy()[pick][degenerate])),
        ], axis=1))
    layer = np.full(len(f_m), from_layer) if from_layer else _col(f_m, "layer")
    out = gpd.GeoDataFrame({
        "from_id": _col(f_m, "id"), "from_layer": layer, "from_name_zh": _col(f_m, "name_zh"),
        f"{prefix}_id": _col(c_m, "id")[pick], f"{prefix}_name_zh": _col(c_m, "name_zh")[pick],
        "straight_m": s_m, "network_m": n_m, **times,
    }, geometry=lines, crs=settings.METRIC_CRS)
    return out.to_crs(settings.STORAGE_CRS)


def nearest_campus(features: gpd.GeoDataFrame, campuses: gpd.GeoDataFrame, **kwargs) -> gpd.GeoDataFrame:
    """Nearest campus of each park, site, lane or any feature; see :func:`nearest`."""
    return nearest(features, campuses, prefix="campus", **kwargs)


def nearest_park(campuses: gpd.GeoDataFrame, parks: gpd.GeoDataFrame, **kwargs) -> gpd.GeoDataFrame:
    """Nearest park of each campus; see :func:`nearest` (columns ``park_id``, ``park_name_zh``)."""
    kwargs.setdefault("from_layer", "campuses")
    return nearest(campuses, parks, prefix="park", **kwargs)


# --- isochrones -------------------------------------------------------------------------------


def _cell_m(mode: str | None) -> float:
    """Isochrone grid cell of ``mode`` (settings.ISOCHRONE_CELL_M: one size, or one per mode), m."""
    cell = settings.ISOCHRONE_CELL_M
    return float(cell.get(mode or "walk", min(cell.values())) if isinstance(cell, dict) else cell)


def _walk_mps() -> float:
    return settings.SPEEDS_KMH["walk"] / 3.6


@dataclass
class StreetCells:
    """The streets of one network view burnt into a grid, for fast isochrone polygons.

    Every grid cell within ``cap_m`` of a street knows its nearest *street cell* and its
    distance to it, and every street cell knows its street piece and its position along it
    (m).  A cell is inside an isochrone when its street cell is reached with enough time
    left to walk the rest (settings.SPEEDS_KMH["walk"]): reached streets — partial edges
    included — buffered by the time left, up to ``cap_m``, at ``cell_m`` resolution.
    """

    transform: object
    shape: tuple[int, int]
    cell_m: float
    cap_m: float
    street_edge: np.ndarray
    street_along_m: np.ndarray
    street_row: np.ndarray
    street_col: np.ndarray
    nearest_street: np.ndarray  # int32 grid: index into the street cells, -1 beyond the cap
    walk_s: np.ndarray  # float32 grid: seconds to walk from the nearest street cell

    @classmethod
    def build(cls, network: net.RoadNetwork, *, extra_bounds=None, cap_m: float | None = None,
              cell_m: float | None = None, bounds=None) -> StreetCells:
        """Grid over the network (or ``bounds``, metric minx, miny, maxx, maxy) and its streets."""
        cap_m = settings.ISOCHRONE_ACCESS_CAP_M.get(network.mode or "walk", 200.0) if cap_m is None else cap_m
        cell_m = _cell_m(network.mode) if cell_m is None else cell_m
        xy, edge, along = _edge_samples(network, step_m=cell_m / 2, bounds=bounds)
        if bounds is not None:
            keep = ((xy[:, 0] >= bounds[0]) & (xy[:, 0] <= bounds[2]) & (xy[:, 1] >= bounds[1])
                    & (xy[:, 1] <= bounds[3]))
            xy, edge, along = xy[keep], edge[keep], along[keep]
        if not len(xy):
            raise net.NetworkError("no streets to draw isochrones on")
        minx, miny = xy.min(axis=0)
        maxx, maxy = xy.max(axis=0)
        if extra_bounds is not None:
            minx, miny = min(minx, extra_bounds[0]), min(miny, extra_bounds[1])
            maxx, maxy = max(maxx, extra_bounds[2]), max(maxy, extra_bounds[3])
        pad = cap_m + 2 * cell_m
        grid = Grid.covering((minx - pad, miny - pad, maxx + pad, maxy + pad), cell_m)
        width, height = grid.width, grid.height
        col = ((xy[:, 0] - grid.west) / cell_m).astype(np.int64)
        row = ((grid.north - xy[:, 1]) / cell_m).astype(np.int64)
        flat = row * width + col
        flat, first = np.unique(flat, return_index=True)  # one street cell per grid cell
        street = np.full(height * width, -1, dtype=np.int32)
        street[flat] = np.arange(len(flat), dtype=np.int32)
        street = street.reshape(height, width)
        dist, (ri, ci) = ndimage.distance_transform_edt(street < 0, sampling=cell_m, return_indices=True)
        nearest = street[ri, ci]
        del ri, ci
        nearest[dist > cap_m] = -1
        return cls(transform=grid.transform, shape=grid.shape, cell_m=cell_m, cap_m=cap_m,
                   street_edge=edge[first], street_along_m=along[first], street_row=flat // width,
                   street_col=flat % width, nearest_street=nearest.astype(np.int32),
                   walk_s=(dist / _walk_mps()).astype(np.float32))

    def street_cost(self, network: net.RoadNetwork, node_cost: np.ndarray) -> np.ndarray:
        """Network cost of every street cell, from the costs at the nodes (partial edges).

        A street cell on piece ``e`` (u→v) is reached from u along ``e`` and, when the street
        is two-way in this view, from v along its reverse.
        """
        e = self.street_edge
        rate = network.edge_rate()
        from_u = node_cost[network.edge_u[e]] + self.street_along_m * rate[e]
        rev = network.edge_reverse[e]
        two_way = rev >= 0
        from_v = np.full(len(e), np.inf)
        from_v[two_way] = (node_cost[network.edge_v[e[two_way]]]
                           + (network.edge_length_m[e[two_way]] - self.street_along_m[two_way]) * rate[rev[two_way]])
        return np.minimum(from_u, from_v)

    # older name, kept for callers written when costs were metres
    street_distance_m = street_cost

    def polygons(self, street_cost: np.ndarray, budgets, *, seed_geometries=(), walk_rate: float | None = None) -> list:
        """One (multi)polygon per budget: the cells reached within it.

        A cell's cost is its street cell's cost plus the walk from the street
        (``walk_rate`` cost per metre; by default seconds at the walking speed).
        ``seed_geometries`` (metric) are burnt in at cost 0 — the campus itself.
        """
        budgets = np.sort(np.asarray(budgets, dtype=float))
        seeds = [g for g in seed_geometries if g is not None and not g.is_empty]
        hit = np.flatnonzero(street_cost <= budgets[-1])
        pad = int(np.ceil(self.cap_m / self.cell_m)) + 2
        inv = ~self.transform
        boxes = [(self.street_row[hit].min() - pad, self.street_row[hit].max() + pad + 1,
                  self.street_col[hit].min() - pad, self.street_col[hit].max() + pad + 1)] if len(hit) else []
        for g in seeds:
            minx, miny, maxx, maxy = g.bounds
            c_a, r_a = inv @ (minx, maxy)
            c_b, r_b = inv @ (maxx, miny)
            boxes.append((int(r_a) - 1, int(r_b) + 2, int(c_a) - 1, int(c_b) + 2))
        if not boxes:
            return [shapely.Polygon() for _ in budgets]
        r0 = max(min(b[0] for b in boxes), 0)
        r1 = min(max(b[1] for b in boxes), self.shape[0])
        c0 = max(min(b[2] for b in boxes), 0)
        c1 = min(max(b[3] for b in boxes), self.shape[1])
        t = self.transform @ Affine.translation(c0, r0)
        nearest = self.nearest_street[r0:r1, c0:c1]
        walk = self.walk_s[r0:r1, c0:c1]
        if walk_rate is not None:
            walk = walk * np.float32(walk_rate * _walk_mps())
        window = np.where(nearest >= 0, street_cost[np.maximum(nearest, 0)].astype(np.float32) + walk, np.inf)
        if seeds:
            burnt = rfeatures.rasterize([(g, 1) for g in seeds], out_shape=window.shape, transform=t, fill=0,
                                        dtype="uint8").astype(bool)
            window[burnt] = 0.0
        out = []
        for budget in budgets:
            # 4-connected regions of a binary mask are disjoint: their collection is the union
            inside = window <= budget
            rows = np.flatnonzero(inside.any(axis=1))
            if not len(rows):
                out.append(shapely.Polygon())
                continue
            cols = np.flatnonzero(inside.any(axis=0))
            # polygonise only the part a shorter cut-off reaches
            ra, rb, ca, cb = rows[0], rows[-1] + 1, cols[0], cols[-1] + 1
            crop = inside[ra:rb, ca:cb]
            rings = [g["coordinates"] for g, _ in rfeatures.shapes(crop.view(np.uint8), mask=crop,
                                                                    transform=t @ Affine.translation(ca, ra),
                                                                    connectivity=4)]
            # one GeoJSON parse in GEOS is far cheaper than a shapely object per ring
            out.append(shapely.from_geojson(json.dumps({"type": "MultiPolygon", "coordinates": rings}))
                       if rings else shapely.Polygon())
        return out


def _edge_samples(network: net.RoadNetwork, *, step_m: float, bounds=None):
    """Points every ``step_m`` (or closer) along each street piece: xy (m), edge index, position (m)."""
    pieces = np.flatnonzero(network.street_mask)
    if bounds is not None:
        pieces = pieces[shapely.intersects(network.edge_geometry[pieces], shapely.box(*bounds))]
    dense = shapely.segmentize(network.edge_geometry[pieces], step_m)
    xy, k = shapely.get_coordinates(dense, return_index=True)
    step = np.r_[0.0, np.hypot(*np.diff(xy, axis=0).T)]
    first = np.r_[True, k[1:] != k[:-1]]
    step[first] = 0.0
    cum = np.cumsum(step)
    start = np.maximum.accumulate(np.where(first, np.arange(len(xy)), 0))
    return xy, pieces[k], cum - cum[start]


def isochrones(campuses: gpd.GeoDataFrame, network: net.RoadNetwork, *,
               modes=MODES, minutes=None, buffer_m: float | None = None, cell_m: float | None = None,
               bounds=None, progress: bool = False, id_column: str = "id") -> gpd.GeoDataFrame:
    """Isochrone polygons from every campus (or any polygons) for every mode and cut-off.

    Per mode, one multi-source shortest-path pass on that mode's network view
    (:func:`scipy.sparse.csgraph.dijkstra`, ``indices`` = all campuses' virtual nodes,
    ``limit`` = the longest cut-off, costs in seconds) gives every campus's time to every
    node; campuses enter the network along their outline and at the nodes inside them.
    Each (campus, mode, minutes) polygon is the campus itself and the reached streets —
    the partly reached last piece of each edge included — widened by the land one can walk
    to from them in the time left (settings.SPEEDS_KMH["walk"]), at most ``buffer_m`` (per
    mode, settings.ISOCHRONE_ACCESS_CAP_M).  The widening is drawn on a ``cell_m`` grid
    (:class:`StreetCells`, one per mode) and polygonised per cut-off; polygon edges are
    exact to about ``cell_m`` (settings.ISOCHRONE_CELL_M, per mode), over the extent the
    campuses reach (within ``bounds``, metric minx, miny, maxx, maxy, when given).  A campus
    the network does not cover (farther than settings.NETWORK_ACCESS_MAX_M from any street)
    also reaches, across country at walking speed, the land within the cut-off's walk of its
    outline, so its isochrones still grow with the cut-off.

    Returns
    -------
    GeoDataFrame (WGS-84) with campus_id, campus_name_zh, campus_name_en, mode, minutes,
    budget_m (the distance at the mode's stated speed, for reference), budget_s (the
    cut-off, s), area_m2, reached_street_km and access_m (the campus's distance to its
    nearest street: beyond settings.NETWORK_ACCESS_MAX_M the network does not cover it,
    and a warning says so).
    """
    minutes = settings.ISOCHRONE_MINUTES if minutes is None else minutes
    c_m = to_metric(campuses, what="campuses")
    geoms = c_m.geometry.to_numpy()
    ids, names_zh, names_en = _col(c_m, id_column), _col(c_m, "name_zh"), _col(c_m, "name_en")
    rows, polys = [], []
    budgets = np.sort(np.asarray([float(t) * 60.0 for t in minutes]))
    for mode in modes:
        view = network.for_mode(mode)
        links = net.attach(view, c_m)
        node_t = net.distances_from(view, links, limit=budgets[-1])
        cap = settings.ISOCHRONE_ACCESS_CAP_M.get(mode, 200.0) if buffer_m is None else buffer_m
        cell = _cell_m(mode) if cell_m is None else cell_m
        # draw only where some campus gets within the longest cut-off: the edges leaving reached nodes
        reached = np.isfinite(node_t).any(axis=0)
        leaving = reached[view.edge_u]
        if leaving.any():
            b = shapely.bounds(view.edge_geometry[leaving])
            extent = [b[:, 0].min(), b[:, 1].min(), b[:, 2].max(), b[:, 3].max()]
        else:
            extent = list(c_m.total_bounds)
        if bounds is not None:
            extent = [max(extent[0], bounds[0]), max(extent[1], bounds[1]), min(extent[2], bounds[2]),
                      min(extent[3], bounds[3])]
        # no campus reaches a street within the longest cut-off: the polygons are the campuses (and, off
        # the network, the walk across country below)
        cells = (StreetCells.build(view, extra_bounds=c_m.total_bounds, cap_m=cap, cell_m=cell, bounds=extent)
                 if leaving.any() else None)
        far = links.connector_m > settings.NETWORK_ACCESS_MAX_M
        if far.any():
            (log.warning if view.source == "osm" else log.info)(
                "%s network: %s farther than %.0f m from the nearest street (the network may not cover them; "
                "the straight connector to it is walked)", mode,
                ", ".join(f"{ids[i]} ({links.connector_m[i]:.0f} m)" for i in np.flatnonzero(far)),
                settings.NETWORK_ACCESS_MAX_M)
        for i in tqdm(range(len(c_m)), desc=f"{mode} isochrones", unit="campus", disable=not progress):
            if cells is None:
                by_budget = [geoms[i]] * len(budgets)
            else:
                street_t = cells.street_cost(view, node_t[i])
                by_budget = cells.polygons(street_t, budgets, seed_geometries=[geoms[i]])
            reached = _reached_km(view, node_t[i], budgets)
            for t, budget, poly, reached_km in zip(sorted(minutes), budgets, by_budget, reached, strict=True):
                if far[i]:  # off the network: the reader walks across country from the campus outline
                    walk_m = t * 60.0 * settings.SPEEDS_KMH["walk"] / 3.6
                    poly = shapely.union(poly, shapely.buffer(geoms[i], walk_m, quad_segs=8))
                polys.append(poly)
                rows.append((ids[i], names_zh[i], names_en[i], mode, int(t), net.cutoff_m(t, mode), budget,
                             reached_km, links.connector_m[i]))
    out = gpd.GeoDataFrame(
        pd.DataFrame(rows, columns=["campus_id", "campus_name_zh", "campus_name_en", "mode", "minutes", "budget_m",
                                    "budget_s", "reached_street_km", "access_m"]),
        geometry=polys, crs=settings.METRIC_CRS,
    )
    out["area_m2"] = out.area
    return out.to_crs(settings.STORAGE_CRS)


def _reached_km(view: net.RoadNetwork, node_cost: np.ndarray, budgets) -> list[float]:
    """Street length reached within each budget (whole edges from reached nodes, partial ends), km."""
    e = np.flatnonzero(view.street_mask)
    e = e[np.isfinite(node_cost[view.edge_u[e]]) | np.isfinite(node_cost[view.edge_v[e]])]
    rate = np.maximum(view.edge_rate(), 1e-12)
    length = view.edge_length_m[e]
    rev = view.edge_reverse[e]
    t_u = node_cost[view.edge_u[e]]
    t_v = np.where(rev >= 0, node_cost[view.edge_v[e]], np.inf)
    r_u, r_v = rate[e], rate[np.maximum(rev, 0)]
    out = []
    for budget in budgets:
        with np.errstate(invalid="ignore"):
            left_u = np.nan_to_num(np.clip((budget - t_u) / r_u, 0, None), posinf=0.0)
            left_v = np.nan_to_num(np.clip((budget - t_v) / r_v, 0, None), posinf=0.0)
        out.append(float(np.minimum(length, left_u + left_v).sum() / 1000.0))
    return out


def isochrone_nodes(campuses: gpd.GeoDataFrame, network: net.RoadNetwork, *, mode: str,
                    minutes: float) -> dict[str, np.ndarray]:
    """Node indices reached from each campus within ``minutes`` by ``mode`` (on its view, for checks)."""
    view = network.for_mode(mode)
    links = net.attach(view, to_metric(campuses, what="campuses"))
    budget = float(minutes) * 60.0
    cost = net.distances_from(view, links, limit=budget)
    return {cid: np.flatnonzero(cost[i] <= budget) for i, cid in enumerate(campuses["id"])}


def isochrone_coverage(zones: gpd.GeoDataFrame, isochrones_gdf: gpd.GeoDataFrame, *,
                       zone_layer: str | None = None, include_any: bool = True) -> pd.DataFrame:
    """Share of each zone's area inside each isochrone.

    Parameters
    ----------
    zones : GeoDataFrame
        Polygons (lanes' corridors, belts, parks ...), any declared CRS.
    isochrones_gdf : GeoDataFrame
        As returned by :func:`isochrones`.
    include_any : bool
        Add rows with ``campus_id="any"``: the share within reach of at least one campus.

    Returns
    -------
    DataFrame: zone_id, zone_layer, zone_name_zh, campus_id, mode, minutes, zone_area_m2,
    covered_m2, share (0..1).
    """
    z = to_metric(zones, what="zones")
    iso = to_metric(isochrones_gdf, what="isochrones")
    zg = z.geometry.to_numpy()
    ig = iso.geometry.to_numpy()
    zi, ii = shapely.STRtree(ig).query(zg, predicate="intersects")
    covered = shapely.area(shapely.intersection(zg[zi], ig[ii]))
    zone_area = shapely.area(zg)
    layer = np.full(len(z), zone_layer) if zone_layer else _col(z, "layer")
    df = pd.DataFrame({
        "zone_id": _col(z, "id")[zi], "zone_layer": layer[zi], "zone_name_zh": _col(z, "name_zh")[zi],
        "campus_id": iso["campus_id"].to_numpy()[ii], "mode": iso["mode"].to_numpy()[ii],
        "minutes": iso["minutes"].to_numpy()[ii], "zone_area_m2": zone_area[zi], "covered_m2": covered,
    })
    if include_any and len(iso):
        # the cell staircase dropped first (within 10 m): far fewer vertices to union
        groups = iso.groupby(["mode", "minutes"]).geometry.apply(
            lambda s: shapely.union_all(shapely.simplify(s.to_numpy(), 10.0, preserve_topology=True)))
        anyrows = []
        for (mode, minutes), geom in groups.items():
            cov = shapely.area(shapely.intersection(zg, geom))
            anyrows.append(pd.DataFrame({
                "zone_id": _col(z, "id"), "zone_layer": layer, "zone_name_zh": _col(z, "name_zh"),
                "campus_id": "any", "mode": mode, "minutes": minutes, "zone_area_m2": zone_area,
                "covered_m2": cov,
            }))
        df = pd.concat([df, *anyrows], ignore_index=True)
    df["share"] = np.where(df["zone_area_m2"] > 0, df["covered_m2"] / df["zone_area_m2"], np.nan)
    return df.sort_values(["zone_layer", "zone_id", "mode", "minutes", "campus_id"]).reset_index(drop=True)


# --- belts re-derived from accessibility ------------------------------------------------------


def _norm(text: str) -> str:
    return re.sub(r"\s+", "", str(text)).replace("（", "(").replace("）", ")")


def belt_campuses(belts: gpd.GeoDataFrame, campuses: gpd.GeoDataFrame) -> dict[str, list[str]]:
    """The campuses each belt is built around.

    From the belt's ``universities`` attribute matched against each campus's ``university``
    where both exist; otherwise the campuses the belt's outline intersects.
    """
    out: dict[str, list[str]] = {}
    b_m, c_m = to_metric(belts, what="belts"), to_metric(campuses, what="campuses")
    unis = _col(c_m, "university")
    for bid, names, geom in zip(b_m["id"], _col(b_m, "universities"), b_m.geometry, strict=True):
        picked = []
        if isinstance(names, str) and names:
            text = _norm(names)
            picked = [cid for cid, u in zip(c_m["id"], unis, strict=True)
                      if isinstance(u, str) and u and _norm(u) in text]
        if not picked:
            picked = list(c_m["id"][c_m.intersects(geom)])
        out[bid] = picked
    return out


def belts_from_access(belts: gpd.GeoDataFrame, campuses: gpd.GeoDataFrame,
                      isochrones_gdf: gpd.GeoDataFrame, *, mode: str | None = None,
                      minutes: int | None = None) -> gpd.GeoDataFrame:
    """Re-derive each innovation belt as the land within ``minutes`` by ``mode`` of its campuses.

    Returns a GeoDataFrame (WGS-84, the derived polygons) with belt_id, belt_name_zh,
    campus_ids, mode, minutes, traced_m2, derived_m2, overlap_m2, traced_only_m2,
    derived_only_m2 and iou (intersection over union, 0..1).
    """
    mode = settings.BELT_ACCESS_MODE if mode is None else mode
    minutes = settings.BELT_ACCESS_MINUTES if minutes is None else minutes
    b_m = to_metric(belts, what="belts")
    iso = to_metric(isochrones_gdf, what="isochrones")
    iso = iso[(iso["mode"] == mode) & (iso["minutes"] == minutes)]
    if iso.empty:
        raise ValueError(f"no {mode} isochrones at {minutes} min; compute them first")
    members = belt_campuses(belts, campuses)
    rows, geoms = [], []
    for bid, name, traced in zip(b_m["id"], _col(b_m, "name_zh"), b_m.geometry, strict=True):
        ids = members.get(bid, [])
        derived = shapely.union_all(iso.geometry[iso["campus_id"].isin(ids)].to_numpy()) if ids \
            else shapely.Polygon()
        inter = shapely.area(shapely.intersection(traced, derived))
        t_a, d_a = traced.area, derived.area
        union = t_a + d_a - inter
        rows.append({
            "belt_id": bid, "belt_name_zh": name, "campus_ids": ";".join(ids), "mode": mode,
            "minutes": minutes, "traced_m2": t_a, "derived_m2": d_a, "overlap_m2": inter,
            "traced_only_m2": t_a - inter, "derived_only_m2": d_a - inter,
            "iou": inter / union if union > 0 else np.nan,
        })
        geoms.append(derived)
    return gpd.GeoDataFrame(pd.DataFrame(rows), geometry=geoms, crs=settings.METRIC_CRS).to_crs(
        settings.STORAGE_CRS)


# --- nearest campus for many points -----------------------------------------------------------


class CampusIndex:
    """A reusable nearest-campus index (metres, EPSG:32650) for millions of points.

    Campus boundaries are densified every ``spacing_m`` metres into a :class:`cKDTree`; the
    nearest vertex is then refined against its two adjacent boundary segments, so a point's
    distance to its nearest campus boundary is exact in practice and never off by more than
    ``spacing_m / 2`` (0 inside a campus).  With a network, :meth:`query` also gives the
    network distance: from the point's nearest network node (plus the straight connector) to
    the nearest campus along the streets, from one multi-source Dijkstra pass done here.
    """

    def __init__(self, campuses: gpd.GeoDataFrame, *, spacing_m: float | None = None,
                 network: net.RoadNetwork | None = None):
        spacing_m = settings.NEAREST_VERTEX_SPACING_M if spacing_m is None else spacing_m
        c_m = to_metric(campuses, what="campuses")
        self.ids = c_m["id"].to_numpy() if "id" in c_m else np.arange(len(c_m)).astype(str)
        self.geoms = c_m.geometry.to_numpy()
        shapely.prepare(self.geoms)
        self.bounds = shapely.bounds(self.geoms)
        rings, ring_owner = shapely.get_parts(shapely.boundary(self.geoms), return_index=True)
        xy, ring = shapely.get_coordinates(shapely.segmentize(rings, spacing_m), return_index=True)
        self.owner = ring_owner[ring]
        # segment j joins vertex j to j + 1 when both lie on the same ring (else it has length 0)
        same = np.r_[ring[1:] == ring[:-1], False]
        nxt = np.r_[xy[1:], xy[-1:]]
        self._seg_ax, self._seg_ay = xy[:, 0].copy(), xy[:, 1].copy()
        self._seg_dx = np.where(same, nxt[:, 0] - xy[:, 0], 0.0)
        self._seg_dy = np.where(same, nxt[:, 1] - xy[:, 1], 0.0)
        len2 = self._seg_dx ** 2 + self._seg_dy ** 2
        self._seg_inv_len2 = np.where(len2 > 0, 1.0 / np.where(len2 > 0, len2, 1.0), 0.0)
        # the segment ending at each vertex; a closed ring's first vertex is also its last
        starts = np.r_[True, ring[1:] != ring[:-1]]
        ends = np.r_[ring[1:] != ring[:-1], True]
        self._prev_seg = np.arange(len(xy)) - 1
        self._prev_seg[starts] = np.flatnonzero(ends) - 1
        # an unbalanced, uncompacted tree is several times faster on densified outlines
        self.tree = cKDTree(xy, balanced_tree=False, compact_nodes=False)
        self.network = network
        if network is not None:
            links = net.attach(network, c_m)
            n = network.n_nodes
            dist, _, src = csgraph.dijkstra(
                net.graph_with_sources(network, links), directed=True,
                indices=np.arange(n, n + len(c_m)), min_only=True, return_predecessors=True)
            self.node_dist_m = dist[:n]
            self.node_campus = np.where(src[:n] >= n, src[:n] - n, -1)
            ok = np.isfinite(self.node_dist_m)
            self.node_ok = np.flatnonzero(ok)
            self.node_tree = cKDTree(network.node_xy[ok])

    def _refine(self, xs: np.ndarray, ys: np.ndarray, d: np.ndarray, k: np.ndarray) -> np.ndarray:
        """Distance to the boundary segments before and after the nearest vertex, if shorter."""
        for seg in (k, self._prev_seg[k]):  # segment j runs from vertex j to vertex j + 1
            ax, ay = self._seg_ax[seg], self._seg_ay[seg]
            dx, dy = self._seg_dx[seg], self._seg_dy[seg]
            t = ((xs - ax) * dx + (ys - ay) * dy) * self._seg_inv_len2[seg]
            np.clip(t, 0.0, 1.0, out=t)
            ex = xs - (ax + t * dx)
            ey = ys - (ay + t * dy)
            np.minimum(d, np.sqrt(ex * ex + ey * ey), out=d)
        return d

    def query(self, x_m: np.ndarray, y_m: np.ndarray, *, chunk_size: int | None = None,
              progress: bool = False) -> pd.DataFrame:
        """Nearest campus of points given in metres (EPSG:32650), in chunks (flat memory).

        Returns a DataFrame with campus (index into the campuses), campus_id, distance_m and,
        with a network, network_campus_id and network_m.
        """
        chunk_size = settings.NEAREST_CHUNK_POINTS if chunk_size is None else chunk_size
        x_m = np.asarray(x_m, dtype=float)
        y_m = np.asarray(y_m, dtype=float)
        n = len(x_m)
        campus = np.empty(n, dtype=np.int32)
        dist = np.empty(n, dtype=float)
        has_net = self.network is not None
        if has_net:
            ncampus = np.empty(n, dtype=np.int32)
            ndist = np.empty(n, dtype=float)
        for s in tqdm(range(0, n, chunk_size), desc="nearest campus", unit="chunk", disable=not progress):
            e = min(s + chunk_size, n)
            xs, ys = x_m[s:e], y_m[s:e]
            xy = np.column_stack([xs, ys])
            d, k = self.tree.query(xy, workers=-1)
            d = self._refine(xs, ys, d, k)
            c = self.owner[k]
            for i, (minx, miny, maxx, maxy) in enumerate(self.bounds):  # a few campuses: loop over them
                cand = np.flatnonzero((xs >= minx) & (xs <= maxx) & (ys >= miny) & (ys <= maxy))
                if len(cand):
                    inside = cand[shapely.contains_xy(self.geoms[i], xs[cand], ys[cand])]
                    d[inside] = 0.0
                    c[inside] = i
            campus[s:e] = c
            dist[s:e] = d
            if has_net:
                nd, nk = self.node_tree.query(xy, workers=-1)
                node = self.node_ok[nk]
                ndist[s:e] = nd + self.node_dist_m[node]
                ncampus[s:e] = self.node_campus[node]
        # ids as a categorical: one small code per point instead of an object pointer
        ids = pd.Index(self.ids.astype(str))
        cols = {"campus": campus, "campus_id": pd.Categorical.from_codes(campus, categories=ids), "distance_m": dist}
        if has_net:
            cols.update(network_campus_id=pd.Categorical.from_codes(ncampus, categories=ids), network_m=ndist)
        return pd.DataFrame(cols, copy=False)


def nearest_campus_points(points, campuses: gpd.GeoDataFrame, *, network: net.RoadNetwork | None = None,
                          chunk_size: int | None = None, progress: bool = False) -> pd.DataFrame:
    """Nearest campus for any number of points (building centroids, firm addresses ...), chunked.

    Parameters
    ----------
    points : GeoDataFrame/GeoSeries of points (any declared CRS)
    campuses : GeoDataFrame of campus polygons
    network : RoadNetwork, optional
        Adds network_campus_id and network_m (nearest node + straight connector).

    Returns
    -------
    DataFrame aligned with ``points``: campus_id, distance_m to the campus boundary (0 inside
    a campus; never off by more than half of settings.NEAREST_VERTEX_SPACING_M, see
    :class:`CampusIndex`), and with a network network_campus_id and
    network_m, metres.
    """
    chunk_size = settings.NEAREST_CHUNK_POINTS if chunk_size is None else chunk_size
    pts = to_metric(points, what="points")
    geom = pts.geometry if isinstance(pts, gpd.GeoDataFrame) else pts
    xy = shapely.get_coordinates(geom.to_numpy())
    index = CampusIndex(campuses, network=network)
    out = index.query(xy[:, 0], xy[:, 1], chunk_size=chunk_size, progress=progress).drop(columns="campus")
    out.index = pts.index
    return out
