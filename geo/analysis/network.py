"""A routable street network in UTM 50N, built from the traced roads or an osmnx graph.

The network is held as flat arrays (node coordinates, edge end nodes, edge lengths and
geometries) plus a symmetric :class:`scipy.sparse.csr_matrix` of edge lengths, so that
shortest paths from many sources run in one :func:`scipy.sparse.csgraph.dijkstra` pass.

Query objects (campuses, parks, sites, arbitrary points) are attached to the network by
*access links*: an object reaches the network at the point of the street nearest to it,
and the straight-line connector from the object to that point is added to every network
distance (plus the distance along the street to the edge's two end nodes).  Polygons
reach the network at the street point nearest to the polygon (connector 0 when a street
touches or crosses it) and also directly at every node inside them.

All coordinates and lengths here are metres in :data:`geo.settings.METRIC_CRS`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy import sparse
from scipy.sparse import csgraph
from scipy.spatial import cKDTree

from geo import settings
from geo.crs import to_metric
from geo.errors import CoordinateSystemError, CorridorError

log = logging.getLogger("corridor")

#: Weight of a zero-length access link (csgraph ignores exact zeros in sparse input).
_EPS_M = 1e-6


class NetworkError(CorridorError, ValueError):
    """The street network cannot be built or queried (no lines, nothing reachable)."""


@dataclass
class RoadNetwork:
    """An undirected street network in metres (EPSG:32650).

    Attributes
    ----------
    node_xy : ndarray (n_nodes, 2)
        Node coordinates, m.
    edge_u, edge_v : ndarray of int
        End nodes of each edge (``edge_u`` is at the start of the edge geometry).
    edge_length_m : ndarray of float
        Length of each edge along its geometry, m.
    edge_geometry : ndarray of shapely LineString
        Edge geometries, metric CRS, running from ``edge_u`` to ``edge_v``.
    edge_road_id : ndarray of object
        Id of the road the edge came from (``""`` when unknown).
    source : str
        ``"traced"`` or ``"osm"``.
    """

    node_xy: np.ndarray
    edge_u: np.ndarray
    edge_v: np.ndarray
    edge_length_m: np.ndarray
    edge_geometry: np.ndarray
    edge_road_id: np.ndarray
    source: str = "traced"
    crs: str = settings.METRIC_CRS
    _component: np.ndarray | None = field(default=None, repr=False)
    _largest: int | None = field(default=None, repr=False)

    @property
    def n_nodes(self) -> int:
        return len(self.node_xy)

    @property
    def n_edges(self) -> int:
        return len(self.edge_u)

    def adjacency(self) -> sparse.csr_matrix:
        """Symmetric CSR matrix of edge lengths (m); parallel edges keep the shortest."""
        return _csr(self.edge_u, self.edge_v, self.edge_length_m, self.n_nodes)

    @property
    def component(self) -> np.ndarray:
        """Connected-component label of every node (largest component first is not implied)."""
        if self._component is None:
            _, labels = csgraph.connected_components(self.adjacency(), directed=False)
            self._component = labels
        return self._component

    @property
    def largest_component(self) -> int:
        """Label of the connected component with the most street length (m)."""
        if self._largest is None:
            length_m = np.bincount(self.component[self.edge_u], weights=self.edge_length_m)
            self._largest = int(np.argmax(length_m))
        return self._largest

    def components_summary(self) -> pd.DataFrame:
        """One row per connected component: nodes, edges, length_km and the roads in it.

        Sorted by street length; the largest component is first and flagged ``largest``.
        """
        comp_of_edge = self.component[self.edge_u]
        df = pd.DataFrame({"component": comp_of_edge, "length_m": self.edge_length_m,
                           "road_id": self.edge_road_id})
        summary = df.groupby("component").agg(
            edges=("length_m", "size"), length_km=("length_m", lambda s: s.sum() / 1000.0),
            roads=("road_id", lambda s: ";".join(sorted({r for r in s if r}))),
        )
        nodes = pd.Series(self.component).value_counts().rename("nodes")
        summary = summary.join(nodes).sort_values("length_km", ascending=False, kind="stable")
        summary["largest"] = summary.index == self.largest_component
        return summary.reset_index()

    def largest_component_nodes(self) -> np.ndarray:
        """Boolean mask of the nodes in the largest component (by street length)."""
        return self.component == self.largest_component

    def edges_gdf(self) -> gpd.GeoDataFrame:
        """The edges as a GeoDataFrame (metric CRS) with u, v, length_m, road_id, component."""
        return gpd.GeoDataFrame(
            {"u": self.edge_u, "v": self.edge_v, "length_m": self.edge_length_m,
             "road_id": self.edge_road_id, "component": self.component[self.edge_u]},
            geometry=self.edge_geometry, crs=self.crs,
        )


def _csr(u, v, w, n) -> sparse.csr_matrix:
    """Symmetric CSR matrix; duplicate (u, v) pairs keep the minimum weight."""
    weights = np.maximum(np.concatenate([w, w]).astype(float), _EPS_M)
    return _min_duplicates(np.concatenate([u, v]), np.concatenate([v, u]), weights, n)


def _min_duplicates(rows, cols, w, size) -> sparse.csr_matrix:
    """CSR matrix of shape (size, size); duplicate (row, col) pairs keep the minimum weight."""
    order = np.lexsort((w, cols, rows))
    rows, cols, w = rows[order], cols[order], w[order]
    keep = np.ones(len(rows), bool)
    keep[1:] = (rows[1:] != rows[:-1]) | (cols[1:] != cols[:-1])
    return sparse.csr_matrix((w[keep], (rows[keep], cols[keep])), shape=(size, size))


def build_network(roads: gpd.GeoDataFrame, *, snap_m: float | None = None) -> RoadNetwork:
    """Node traced street lines into a routable network (metres, EPSG:32650).

    Lines are split where they cross (``shapely.unary_union`` nodes them).  Gaps a tracer
    leaves are closed within ``snap_m``: a line end that stops short of another line gets a
    short connector to it, and nodes closer than ``snap_m`` are merged.

    Parameters
    ----------
    roads : GeoDataFrame
        LineString/MultiLineString streets in any declared CRS; an ``id`` column is kept
        as each edge's ``road_id``.
    snap_m : float
        Snapping tolerance, metres.

    Returns
    -------
    RoadNetwork
    """
    snap_m = settings.NETWORK_SNAP_M if snap_m is None else snap_m
    metric = to_metric(roads, what="roads")
    metric = metric[~metric.geometry.is_empty & metric.geometry.notna()]
    if metric.empty:
        raise NetworkError("no street lines to build a network from")
    ids = metric["id"].astype(str).to_numpy() if "id" in metric else np.full(len(metric), "")
    lines, line_idx = shapely.get_parts(metric.geometry.to_numpy(), return_index=True)
    line_ids = ids[line_idx]
    connectors = _gap_connectors(lines, snap_m=snap_m)
    all_lines = np.concatenate([lines, connectors]) if len(connectors) else lines
    noded = shapely.get_parts(shapely.unary_union(all_lines))  # split at every crossing and line end
    noded = noded[shapely.length(noded) > 0]
    # which road each noded piece came from: the original line that covers its midpoint
    mid = shapely.line_interpolate_point(noded, 0.5, normalized=True)
    tree = shapely.STRtree(lines)
    hit_piece, hit_line = tree.query_nearest(mid, max_distance=0.01, all_matches=False)
    road_id = np.full(len(noded), "", dtype=object)
    road_id[hit_piece] = line_ids[hit_line]
    return _network_from_lines(noded, road_id, merge_m=snap_m, source="traced")


def _gap_connectors(lines: np.ndarray, *, snap_m: float) -> np.ndarray:
    """Short lines from each dangling line end to the nearest other line within ``snap_m``."""
    starts = shapely.get_point(lines, 0)
    ends = shapely.get_point(lines, -1)
    pts = np.concatenate([starts, ends])
    owner = np.concatenate([np.arange(len(lines)), np.arange(len(lines))])
    tree = shapely.STRtree(lines)
    pairs = tree.query(pts, predicate="dwithin", distance=snap_m)
    pi, li = pairs
    other = li != owner[pi]
    pi, li = pi[other], li[other]
    if not len(pi):
        return np.array([], dtype=object)
    dist = shapely.distance(pts[pi], lines[li])
    gap = dist > 1e-6
    pi, li = pi[gap], li[gap]
    if not len(pi):
        return np.array([], dtype=object)
    near = shapely.line_interpolate_point(lines[li], shapely.line_locate_point(lines[li], pts[pi]))
    conn = shapely.shortest_line(pts[pi], near)
    return conn[shapely.length(conn) > 0]


def _network_from_lines(lines: np.ndarray, road_id: np.ndarray, *, merge_m: float, source: str) -> RoadNetwork:
    """Nodes at line ends (merged within ``merge_m``), one edge per line."""
    coords_start = shapely.get_coordinates(shapely.get_point(lines, 0))
    coords_end = shapely.get_coordinates(shapely.get_point(lines, -1))
    ends = np.concatenate([coords_start, coords_end])
    label = _cluster_points(ends, merge_m)
    n_nodes = label.max() + 1
    node_xy = np.zeros((n_nodes, 2))
    counts = np.bincount(label, minlength=n_nodes)
    node_xy[:, 0] = np.bincount(label, weights=ends[:, 0], minlength=n_nodes) / counts
    node_xy[:, 1] = np.bincount(label, weights=ends[:, 1], minlength=n_nodes) / counts
    u = label[: len(lines)]
    v = label[len(lines):]
    keep = u != v  # a line whose two ends merged is a tiny loop: drop it
    keep |= shapely.length(lines) > 2 * merge_m
    u, v, lines, road_id = u[keep], v[keep], lines[keep], road_id[keep]
    return RoadNetwork(
        node_xy=node_xy, edge_u=u, edge_v=v, edge_length_m=shapely.length(lines),
        edge_geometry=lines, edge_road_id=np.asarray(road_id, dtype=object), source=source,
    )


def _cluster_points(xy: np.ndarray, tol: float) -> np.ndarray:
    """Label points so that points within ``tol`` (transitively) share a label, 0..k-1."""
    tree = cKDTree(xy)
    pairs = tree.query_pairs(tol, output_type="ndarray")
    n = len(xy)
    graph = sparse.coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(n, n)) if len(pairs) \
        else sparse.coo_matrix((n, n))
    _, labels = csgraph.connected_components(graph, directed=False)
    return labels


def network_from_osmnx(graph) -> RoadNetwork:
    """Convert an osmnx ``MultiDiGraph`` (any CRS in ``graph.graph['crs']``) to a RoadNetwork.

    Directions are dropped (walking and cycling use streets both ways; driving one-ways are
    approximated as two-way).  Edge lengths are measured on the projected geometry, m.
    """
    crs = graph.graph.get("crs")
    if crs is None:
        raise CoordinateSystemError("osmnx graph has no 'crs' in graph.graph")
    node_ids = np.array(list(graph.nodes))
    index = {n: i for i, n in enumerate(node_ids)}
    xy = np.array([[d["x"], d["y"]] for _, d in graph.nodes(data=True)], dtype=float)
    nodes = gpd.GeoSeries(shapely.points(xy), crs=crs).to_crs(settings.METRIC_CRS)
    node_xy = shapely.get_coordinates(nodes.to_numpy())
    us, vs, geoms, names = [], [], [], []
    for u, v, data in graph.edges(data=True):
        us.append(index[u])
        vs.append(index[v])
        geoms.append(data.get("geometry"))
        name = data.get("name", "")
        names.append(";".join(name) if isinstance(name, list) else str(name or ""))
    us, vs = np.array(us, dtype=int), np.array(vs, dtype=int)
    geom = np.array(geoms, dtype=object)
    has = np.array([g is not None for g in geoms], dtype=bool)
    if has.any():
        geom[has] = gpd.GeoSeries(list(geom[has]), crs=crs).to_crs(settings.METRIC_CRS).to_numpy()
    straight = shapely.linestrings(np.stack([node_xy[us], node_xy[vs]], axis=1))
    geom[~has] = straight[~has]
    # orient stored geometries from u to v
    start = shapely.get_coordinates(shapely.get_point(geom, 0))
    flip = np.hypot(*(start - node_xy[us]).T) > np.hypot(*(start - node_xy[vs]).T)
    geom[flip] = shapely.reverse(geom[flip])
    # one undirected edge per (u, v) pair: a two-way street is two directed edges in osmnx
    key = np.stack([np.minimum(us, vs), np.maximum(us, vs)], axis=1)
    lengths = shapely.length(geom)
    order = np.lexsort((lengths, key[:, 1], key[:, 0]))
    first = np.ones(len(order), bool)
    first[1:] = np.any(key[order][1:] != key[order][:-1], axis=1)
    sel = order[first]
    sel = sel[us[sel] != vs[sel]]
    return RoadNetwork(
        node_xy=node_xy, edge_u=us[sel], edge_v=vs[sel], edge_length_m=lengths[sel],
        edge_geometry=geom[sel], edge_road_id=np.array(names, dtype=object)[sel], source="osm",
    )


# --- attaching objects to the network ------------------------------------------------------------


@dataclass
class AccessLinks:
    """How each query object reaches the network.

    ``obj``/``node``/``cost_m`` are parallel arrays: object ``obj[k]`` reaches network node
    ``node[k]`` at cost ``cost_m[k]`` metres (connector + distance along the street).
    ``edge``/``along_m``/``connector_m`` give, per object, the nearest street edge, the
    position of the access point along it and the straight connector length.
    """

    obj: np.ndarray
    node: np.ndarray
    cost_m: np.ndarray
    edge: np.ndarray
    along_m: np.ndarray
    connector_m: np.ndarray
    access_xy: np.ndarray


def attach(network: RoadNetwork, geometries, *, crs=None, largest_component: bool = True,
           inside_nodes: bool = True) -> AccessLinks:
    """Attach points, lines or polygons to their nearest street.

    Parameters
    ----------
    network : RoadNetwork
    geometries : GeoSeries/GeoDataFrame (any declared CRS) or array of metric geometries
        With a bare array, ``crs`` must be given (or the array is taken as metric).
    largest_component : bool
        Attach only to the largest connected component, so that every object can reach
        every other (a disconnected traced network otherwise strands some of them).
    inside_nodes : bool
        Polygons also reach every network node inside them at zero cost.

    Returns
    -------
    AccessLinks
    """
    if isinstance(geometries, gpd.GeoDataFrame | gpd.GeoSeries):
        if geometries.crs is None:
            raise CoordinateSystemError("geometries have no CRS; declare it (EPSG:4326 for WGS-84 lon/lat)")
        geoms = geometries.to_crs(network.crs).geometry.to_numpy()
    else:
        geoms = np.asarray(geometries, dtype=object)
        if crs is not None and str(crs) != network.crs:
            geoms = gpd.GeoSeries(geoms, crs=crs).to_crs(network.crs).to_numpy()
    edge_mask = np.ones(network.n_edges, bool)
    if largest_component:
        edge_mask = network.largest_component_nodes()[network.edge_u]
    edge_idx = np.flatnonzero(edge_mask)
    tree = shapely.STRtree(network.edge_geometry[edge_idx])
    obj_i, hit = tree.query_nearest(geoms, all_matches=False, return_distance=False)
    edge = np.full(len(geoms), -1)
    edge[obj_i] = edge_idx[hit]
    if (edge < 0).any():
        raise NetworkError("some geometries could not be attached to the network (empty geometry?)")
    edge_geom = network.edge_geometry[edge]
    near_on_obj, near_on_edge = _nearest_points(geoms, edge_geom)
    connector = shapely.distance(near_on_obj, near_on_edge)
    along = shapely.line_locate_point(edge_geom, near_on_edge)
    length = network.edge_length_m[edge]
    n = len(geoms)
    objs = [np.arange(n), np.arange(n)]
    nodes = [network.edge_u[edge], network.edge_v[edge]]
    costs = [connector + along, connector + (length - along)]
    if inside_nodes:
        polys = np.flatnonzero(np.isin(shapely.get_type_id(geoms), (3, 6)))
        if len(polys):
            node_ok = network.largest_component_nodes() if largest_component else np.ones(network.n_nodes, bool)
            node_pts = shapely.points(network.node_xy)
            ptree = shapely.STRtree(node_pts)
            pi, ni = ptree.query(geoms[polys], predicate="intersects")
            ok = node_ok[ni]
            objs.append(polys[pi[ok]])
            nodes.append(ni[ok])
            costs.append(np.zeros(ok.sum()))
    return AccessLinks(
        obj=np.concatenate(objs), node=np.concatenate(nodes), cost_m=np.concatenate(costs),
        edge=edge, along_m=along, connector_m=connector,
        access_xy=shapely.get_coordinates(near_on_edge),
    )


def _nearest_points(a, b):
    pairs = shapely.shortest_line(a, b)
    return shapely.get_point(pairs, 0), shapely.get_point(pairs, -1)


def distances_from(network: RoadNetwork, sources: AccessLinks, *, limit_m: float = np.inf,
                   min_only: bool = False) -> np.ndarray:
    """Network distance (m) from each source object to every network node, one Dijkstra pass.

    Each source object becomes a virtual node with out-links only to the nodes it reaches,
    so objects never act as short cuts.  ``csgraph.dijkstra`` runs once with
    ``indices`` = all the virtual nodes and ``limit`` = ``limit_m``.

    Returns
    -------
    ndarray, shape (n_sources, n_nodes) — or (n_nodes,) with ``min_only`` —, metres,
    ``inf`` where unreachable within the limit.
    """
    graph = graph_with_sources(network, sources)
    dist = csgraph.dijkstra(graph, directed=True, indices=np.arange(network.n_nodes, graph.shape[0]),
                            limit=limit_m, min_only=min_only)
    return dist[..., :network.n_nodes]


def graph_with_sources(network: RoadNetwork, sources: AccessLinks) -> sparse.csr_matrix:
    """The street adjacency (m) plus one virtual node per source object, ``n_nodes + obj``.

    A virtual node has out-links only, to the nodes its object reaches (an object linked
    twice to a node keeps the cheaper link), so objects never act as short cuts.
    """
    n = network.n_nodes
    n_src = int(sources.obj.max()) + 1 if len(sources.obj) else 0
    adj = network.adjacency().tocoo()
    rows = np.concatenate([adj.row, n + sources.obj])
    cols = np.concatenate([adj.col, sources.node])
    w = np.concatenate([adj.data, np.maximum(sources.cost_m, _EPS_M)])
    return _min_duplicates(rows, cols, w, n + n_src)


def object_distances(network: RoadNetwork, sources: AccessLinks, targets: AccessLinks,
                     *, node_dist: np.ndarray | None = None) -> np.ndarray:
    """Network distance (m) from every source object to every target object.

    A target is reached through its own access links (cheapest over them); a source and
    target on the same street edge may also go directly along it.

    Returns
    -------
    ndarray, shape (n_sources, n_targets), metres (``inf`` if unreachable).
    """
    if node_dist is None:
        node_dist = distances_from(network, sources)
    n_tgt = int(targets.obj.max()) + 1
    via = node_dist[:, targets.node] + targets.cost_m[None, :]
    out = np.full((node_dist.shape[0], n_tgt), np.inf)
    for k in range(node_dist.shape[0]):  # per source row: a vectorised group-min over links
        np.minimum.at(out[k], targets.obj, via[k])
    same = sources.edge[:, None] == targets.edge[None, :]
    if same.any():
        direct = (sources.connector_m[:, None] + np.abs(sources.along_m[:, None] - targets.along_m[None, :])
                  + targets.connector_m[None, :])
        out = np.where(same, np.minimum(out, direct), out)
    out[out < 1e-3] = 0.0  # zero-cost links carry a tiny epsilon weight
    return out


def metres_per_minute(mode: str) -> float:
    """The stated speed of ``mode`` (settings.SPEEDS_KMH) in metres per minute."""
    if mode not in settings.SPEEDS_KMH:
        raise ValueError(f"unknown mode {mode!r}; choose one of {', '.join(settings.SPEEDS_KMH)}")
    return settings.SPEEDS_KMH[mode] * 1000.0 / 60.0


def travel_minutes(distance_m, mode: str):
    """Minutes to cover ``distance_m`` metres at the stated speed of ``mode`` (settings.SPEEDS_KMH)."""
    return np.asarray(distance_m, dtype=float) / metres_per_minute(mode)


def cutoff_m(minutes: float, mode: str) -> float:
    """Distance (m) covered in ``minutes`` at the stated speed of ``mode`` (settings.SPEEDS_KMH)."""
    return float(minutes) * metres_per_minute(mode)


def failing_road_ends(network: RoadNetwork) -> pd.DataFrame:
    """Roads outside the largest component and how far they stop from it.

    Returns a DataFrame with road_id, component, gap_m (shortest distance to the largest
    component) — what a tracer needs to fix so that the roads meet.
    """
    largest = network.largest_component_nodes()[network.edge_u]
    if largest.all():
        return pd.DataFrame(columns=["road_id", "component", "gap_m"])
    main = shapely.union_all(network.edge_geometry[largest])
    edges = network.edges_gdf()[~largest]
    edges = edges.assign(gap_m=shapely.distance(edges.geometry.to_numpy(), main))
    out = edges.groupby(["road_id", "component"], as_index=False)["gap_m"].min()
    return out.sort_values("gap_m").reset_index(drop=True)
