"""Routing on the street network: one graph model, one array adapter per travel mode.

The network model is an osmnx-compatible directed ``networkx.MultiDiGraph`` in UTM 50N
(see :mod:`geo.analysis.streets`): an OpenStreetMap graph, an osmnx edge list, or the
traced roads layer (:func:`graph_from_roads`).  Shortest paths do not run in networkx:
:class:`RoadNetwork` is the adapter that compiles the graph once into flat arrays (node
coordinates, directed edges with lengths, geometries and highway classes) and, per travel
mode, a :class:`scipy.sparse.csr_matrix` of edge costs for
:func:`scipy.sparse.csgraph.dijkstra`, so that shortest paths from many sources run in one
pass.

Travel modes (settings.NETWORK_* ):

- ``walk`` uses every street both ways except motorways (and ways tagged ``foot=no``);
- ``bike`` follows one-way streets and avoids motorways, stairs and footways;
- ``drive`` follows one-way streets and avoids pedestrian streets, footways, paths, stairs;
- ``None`` (the *metric* view) uses every street both ways with costs in metres.

Mode views cost seconds: edge length / speed (settings.NETWORK_SPEEDS_KMH per highway
class, else the mode's speed in settings.SPEEDS_KMH).

Query objects (campuses, parks, sites, points) are attached by *access links*: an object
reaches the network at the street point nearest to it (the straight connector is walked,
at settings.SPEEDS_KMH["walk"] in the mode views) and from there along the street to the
edge's end nodes (only in the directions the mode may travel).  Polygons also reach every
node inside them at no cost and the street nearest to each point every
settings.NETWORK_ACCESS_SPACING_M along their outline, so a campus connects at its gates,
not at one centroid node.

All coordinates and lengths here are metres in :data:`geo.settings.METRIC_CRS`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import shapely
from scipy import sparse
from scipy.sparse import csgraph

from geo import settings
from geo.crs import to_metric
from geo.errors import CoordinateSystemError, CorridorError

log = logging.getLogger("corridor")

#: Weight of a zero-cost access link (csgraph ignores exact zeros in sparse input).
_EPS = 1e-6

#: Travel modes with a network view.
MODES = ("walk", "bike", "drive")


class NetworkError(CorridorError, ValueError):
    """The street network cannot be built or queried (no lines, nothing reachable)."""


# --- the model: traced roads as an osmnx-compatible graph --------------------------------------


def graph_from_roads(roads: gpd.GeoDataFrame, *, snap_m: float | None = None) -> nx.MultiDiGraph:
    """Node traced street lines into an osmnx-compatible ``MultiDiGraph`` (EPSG:32650).

    Lines are split where they cross (``shapely.unary_union`` nodes them).  Gaps a tracer
    leaves are closed within ``snap_m``: a line end that stops short of another line gets a
    short connector to it, and joined nodes closer than ``snap_m`` are merged by
    :func:`osmnx.simplification.consolidate_intersections`.  Every piece is a
    two-way street: edges u→v and v→u with ``length`` (m), ``highway`` (the road's class
    when the layer has one), ``name``, ``road_id``, ``oneway=False`` and ``geometry``.

    Parameters
    ----------
    roads : GeoDataFrame
        LineString/MultiLineString streets in any declared CRS; ``id``, ``highway`` and
        ``name_zh`` columns are kept on the edges.
    snap_m : float
        Snapping tolerance, metres (settings.NETWORK_SNAP_M).
    """
    snap_m = settings.NETWORK_SNAP_M if snap_m is None else snap_m
    metric = to_metric(roads, what="roads")
    metric = metric[~metric.geometry.is_empty & metric.geometry.notna()]
    if metric.empty:
        raise NetworkError("no street lines to build a network from")

    def column(name):
        return metric[name].fillna("").astype(str).to_numpy() if name in metric else np.full(len(metric), "")

    lines, line_idx = shapely.get_parts(metric.geometry.to_numpy(), return_index=True)
    connectors = _gap_connectors(lines, snap_m=snap_m)
    all_lines = np.concatenate([lines, connectors]) if len(connectors) else lines
    noded = shapely.get_parts(shapely.unary_union(all_lines))  # split at every crossing and line end
    noded = noded[shapely.length(noded) > 0]
    # which road each noded piece came from: the original line that covers its midpoint
    mid = shapely.line_interpolate_point(noded, 0.5, normalized=True)
    hit_piece, hit_line = shapely.STRtree(lines).query_nearest(mid, max_distance=0.01, all_matches=False)
    attrs = {}
    for col, name in (("id", "road_id"), ("highway", "highway"), ("name_zh", "name")):
        values = np.full(len(noded), "", dtype=object)
        values[hit_piece] = column(col)[line_idx][hit_line]
        attrs[name] = values
    return _graph_from_lines(noded, attrs, merge_m=snap_m)


def _gap_connectors(lines: np.ndarray, *, snap_m: float) -> np.ndarray:
    """Short lines from each dangling line end to the nearest other line within ``snap_m``."""
    starts = shapely.get_point(lines, 0)
    ends = shapely.get_point(lines, -1)
    pts = np.concatenate([starts, ends])
    owner = np.concatenate([np.arange(len(lines)), np.arange(len(lines))])
    pi, li = shapely.STRtree(lines).query(pts, predicate="dwithin", distance=snap_m)
    other = li != owner[pi]
    pi, li = pi[other], li[other]
    if not len(pi):
        return np.array([], dtype=object)
    gap = shapely.distance(pts[pi], lines[li]) > 1e-6
    pi, li = pi[gap], li[gap]
    if not len(pi):
        return np.array([], dtype=object)
    near = shapely.line_interpolate_point(lines[li], shapely.line_locate_point(lines[li], pts[pi]))
    conn = shapely.shortest_line(pts[pi], near)
    return conn[shapely.length(conn) > 0]


def _graph_from_lines(lines: np.ndarray, attrs: dict, *, merge_m: float) -> nx.MultiDiGraph:
    """Two directed edges per line between nodes at its ends; nodes within ``merge_m`` consolidated.

    Lines that end at the same point share a node; nearby nodes that a line or gap connector
    joins are then merged by :func:`osmnx.simplification.consolidate_intersections`
    (tolerance ``merge_m / 2``: a buffer radius), which moves them to their centroid and
    extends the edges' geometries to it.
    """
    import osmnx as ox

    ends = np.concatenate([shapely.get_coordinates(shapely.get_point(lines, 0)),
                           shapely.get_coordinates(shapely.get_point(lines, -1))])
    uniq, label = np.unique(ends.round(6), axis=0, return_inverse=True)
    label = label.ravel()
    u, v = label[: len(lines)], label[len(lines):]
    keep = u != v
    u, v, lines = u[keep], v[keep], lines[keep]
    attrs = {k: np.asarray(a, dtype=object)[keep] for k, a in attrs.items()}
    both_u, both_v = np.r_[u, v], np.r_[v, u]
    geoms = np.r_[lines, shapely.reverse(lines)]
    edges = gpd.GeoDataFrame(
        {"u": both_u, "v": both_v, **{k: np.r_[a, a] for k, a in attrs.items()},
         "oneway": False, "reversed": np.r_[np.zeros(len(u), bool), np.ones(len(u), bool)],
         "length": shapely.length(geoms)},
        geometry=geoms, crs=settings.METRIC_CRS)
    edges["key"] = edges.groupby(["u", "v"]).cumcount()
    edges = edges.set_index(["u", "v", "key"])
    used = np.unique(both_u)
    nodes = gpd.GeoDataFrame({"x": uniq[used, 0], "y": uniq[used, 1]}, index=pd.Index(used, name="osmid"),
                             geometry=shapely.points(uniq[used]), crs=settings.METRIC_CRS)
    graph = ox.convert.graph_from_gdfs(nodes, edges, graph_attrs={"crs": settings.METRIC_CRS})
    if merge_m > 0:
        graph = ox.simplification.consolidate_intersections(graph, tolerance=merge_m / 2.0, rebuild_graph=True,
                                                            dead_ends=True, reconnect_edges=True)
        graph.graph["crs"] = settings.METRIC_CRS
    graph.graph["source"] = "traced"
    return graph


# --- the adapter: graph -> arrays -> CSR per mode -------------------------------------------------


@dataclass
class _EdgeTable:
    """The graph's directed edges as arrays (built once per graph)."""

    node_ids: np.ndarray
    node_xy: np.ndarray
    u: np.ndarray
    v: np.ndarray
    length_m: np.ndarray
    geometry: np.ndarray
    highway: np.ndarray
    name: np.ndarray
    oneway: np.ndarray
    tag_no: dict
    crs: str


def _first(value):
    return value[0] if isinstance(value, list) and value else value


def _edge_table(graph: nx.MultiDiGraph) -> _EdgeTable:
    crs = graph.graph.get("crs")
    if crs is None:
        raise CoordinateSystemError("the street graph has no 'crs' in graph.graph")
    node_ids = np.array(list(graph.nodes), dtype=object)
    index = {n: i for i, n in enumerate(node_ids)}
    xy = np.array([[d["x"], d["y"]] for _, d in graph.nodes(data=True)], dtype=float).reshape(-1, 2)
    n_e = graph.number_of_edges()
    if n_e == 0:
        raise NetworkError("the street graph has no edges")
    u = np.empty(n_e, dtype=np.int64)
    v = np.empty(n_e, dtype=np.int64)
    geoms = np.empty(n_e, dtype=object)
    highway = np.empty(n_e, dtype=object)
    name = np.empty(n_e, dtype=object)
    oneway = np.zeros(n_e, dtype=bool)
    tag_keys = sorted({k for keys in settings.NETWORK_EXCLUDE_TAGS.values() for k in keys} | {"sidewalk"})
    tags = {k: np.full(n_e, "", dtype=object) for k in tag_keys}
    for k, (a, b, d) in enumerate(graph.edges(data=True)):
        u[k], v[k] = index[a], index[b]
        geoms[k] = d.get("geometry")
        highway[k] = str(_first(d.get("highway")) or "")
        nm = d.get("road_id") or d.get("name") or ""
        name[k] = ";".join(map(str, nm)) if isinstance(nm, list) else str(nm)
        ow = d.get("oneway", False)
        oneway[k] = ow if isinstance(ow, bool) else str(_first(ow)).lower() in ("true", "yes", "1", "-1")
        for t in tag_keys:
            if t in d:
                tags[t][k] = str(_first(d[t])).lower()
    if str(crs) != settings.METRIC_CRS:
        from pyproj import CRS

        if CRS.from_user_input(crs) != CRS.from_user_input(settings.METRIC_CRS):
            xy = shapely.get_coordinates(gpd.GeoSeries(shapely.points(xy), crs=crs).to_crs(settings.METRIC_CRS)
                                         .to_numpy())
            has = np.array([g is not None for g in geoms], dtype=bool)
            if has.any():
                geoms[has] = gpd.GeoSeries(list(geoms[has]), crs=crs).to_crs(settings.METRIC_CRS).to_numpy()
    has = np.array([g is not None for g in geoms], dtype=bool)
    straight = shapely.linestrings(np.stack([xy[u], xy[v]], axis=1))
    geoms[~has] = straight[~has]
    # orient stored geometries from u to v
    start = shapely.get_coordinates(shapely.get_point(geoms, 0))
    flip = np.hypot(*(start - xy[u]).T) > np.hypot(*(start - xy[v]).T)
    geoms[flip] = shapely.reverse(geoms[flip])
    tag_no = {}
    for mode, keys in settings.NETWORK_EXCLUDE_TAGS.items():
        no = np.zeros(n_e, dtype=bool)
        for t in keys:
            no |= np.isin(tags[t], ("no", "private"))
        if mode == "walk":  # trunk roads without sidewalks, as osmnx's walk filter reads foot access
            no |= np.char.startswith(highway.astype(str), "trunk") & np.isin(tags["sidewalk"], ("no", "none"))
        tag_no[mode] = no
    return _EdgeTable(node_ids=node_ids, node_xy=xy, u=u, v=v, length_m=shapely.length(geoms), geometry=geoms,
                      highway=highway, name=name, oneway=oneway, tag_no=tag_no, crs=settings.METRIC_CRS)


def speed_kmh(mode: str, highway) -> np.ndarray:
    """Speed (km/h) of ``mode`` on streets of the given highway classes (settings)."""
    if mode not in settings.SPEEDS_KMH:
        raise ValueError(f"unknown mode {mode!r}; choose one of {', '.join(settings.SPEEDS_KMH)}")
    table = settings.NETWORK_SPEEDS_KMH.get(mode, {})
    default = settings.SPEEDS_KMH[mode]
    hw = np.asarray(highway, dtype=object)
    return np.array([table.get(h, default) for h in hw], dtype=float) if len(hw) else np.zeros(0)


def _pair_index(u, v, n) -> np.ndarray:
    return u.astype(np.int64) * n + v.astype(np.int64)


@dataclass
class RoadNetwork:
    """The array adapter of a street graph, for one travel mode (or the metric view).

    Attributes
    ----------
    node_xy : ndarray (n_nodes, 2)
        Node coordinates, m (the same nodes, in the same order, in every mode view).
    edge_u, edge_v : ndarray of int
        Directed edges: travel goes from ``edge_u`` to ``edge_v``.
    edge_length_m : ndarray of float
        Length of each edge along its geometry, m.
    edge_cost : ndarray of float
        Cost of each edge: metres (``unit="m"``) or seconds (``unit="s"``).
    edge_geometry : ndarray of shapely LineString
        Edge geometries, metric CRS, running from ``edge_u`` to ``edge_v``.
    edge_reverse : ndarray of int
        Index of the edge running the other way along the same street, -1 for a one-way.
    edge_road_id, edge_highway : ndarray of str
        Street name or road id, and OSM highway class (``""`` when unknown).
    mode : str or None
        ``walk``/``bike``/``drive``, or ``None`` for the metric view (all streets, both ways).
    source : str
        ``"traced"`` or ``"osm"``.
    graph : networkx.MultiDiGraph
        The model this adapter was compiled from.
    """

    node_xy: np.ndarray
    edge_u: np.ndarray
    edge_v: np.ndarray
    edge_length_m: np.ndarray
    edge_cost: np.ndarray
    edge_geometry: np.ndarray
    edge_reverse: np.ndarray
    edge_road_id: np.ndarray
    edge_highway: np.ndarray
    mode: str | None = None
    source: str = "traced"
    crs: str = settings.METRIC_CRS
    graph: nx.MultiDiGraph | None = field(default=None, repr=False)
    _table: _EdgeTable | None = field(default=None, repr=False)
    _views: dict = field(default_factory=dict, repr=False)
    _component: np.ndarray | None = field(default=None, repr=False)
    _largest: int | None = field(default=None, repr=False)
    _adjacency: sparse.csr_matrix | None = field(default=None, repr=False)
    _segment_tree: tuple | None = field(default=None, repr=False)
    _node_tree: shapely.STRtree | None = field(default=None, repr=False)
    _rate: np.ndarray | None = field(default=None, repr=False)

    @property
    def n_nodes(self) -> int:
        return len(self.node_xy)

    @property
    def n_edges(self) -> int:
        return len(self.edge_u)

    @property
    def unit(self) -> str:
        """``"m"`` for the metric view, ``"s"`` for a mode view."""
        return "m" if self.mode is None else "s"

    @property
    def street_mask(self) -> np.ndarray:
        """One edge per street piece: a one-way edge, or the first of a two-way pair."""
        return (self.edge_reverse < 0) | (np.arange(self.n_edges) < self.edge_reverse)

    @property
    def length_km(self) -> float:
        """Street length (each two-way street once), km."""
        return float(self.edge_length_m[self.street_mask].sum() / 1000.0)

    def for_mode(self, mode: str | None) -> RoadNetwork:
        """The view of the same graph for ``mode`` (cached); ``None`` is the metric view."""
        if mode == self.mode:
            return self
        if mode not in self._views:
            if self._table is None:
                raise NetworkError("this network was not compiled from a graph; build it with network_from_graph")
            self._views[mode] = _compile(self._table, mode=mode, source=self.source, graph=self.graph)
            self._views[mode]._views = self._views
            self._views[self.mode] = self
        return self._views[mode]

    def connector_cost(self, metres):
        """Cost of walking ``metres`` off the network, in this view's unit."""
        metres = np.asarray(metres, dtype=float)
        return metres if self.mode is None else metres / (settings.SPEEDS_KMH["walk"] / 3.6)

    def edge_rate(self) -> np.ndarray:
        """Cost per metre of every edge (1 in the metric view, s/m in a mode view); computed once."""
        if self._rate is None:
            self._rate = np.where(self.edge_length_m > 0, self.edge_cost / np.maximum(self.edge_length_m, 1e-9), 0.0)
        return self._rate

    def adjacency(self) -> sparse.csr_matrix:
        """Directed CSR matrix of edge costs; parallel edges keep the cheapest."""
        if self._adjacency is None:
            self._adjacency = _min_duplicates(self.edge_u, self.edge_v, np.maximum(self.edge_cost, _EPS), self.n_nodes)
        return self._adjacency

    @property
    def component(self) -> np.ndarray:
        """(Weakly) connected-component label of every node."""
        if self._component is None:
            _, labels = csgraph.connected_components(self.adjacency(), directed=True, connection="weak")
            self._component = labels
        return self._component

    @property
    def largest_component(self) -> int:
        """Label of the connected component with the most street length (m)."""
        if self._largest is None:
            m = self.street_mask
            length_m = np.bincount(self.component[self.edge_u[m]], weights=self.edge_length_m[m],
                                   minlength=self.component.max() + 1)
            self._largest = int(np.argmax(length_m))
        return self._largest

    def components_summary(self) -> pd.DataFrame:
        """One row per connected component: nodes, edges (streets), length_km and the roads in it.

        Sorted by street length; the largest component is first and flagged ``largest``.
        Nodes no edge of this view touches are not counted.
        """
        m = self.street_mask
        df = pd.DataFrame({"component": self.component[self.edge_u[m]], "length_m": self.edge_length_m[m],
                           "road_id": self.edge_road_id[m]})
        summary = df.groupby("component").agg(
            edges=("length_m", "size"), length_km=("length_m", lambda s: s.sum() / 1000.0),
            roads=("road_id", lambda s: ";".join(sorted({r for r in s if r}))),
        )
        touched = np.zeros(self.n_nodes, bool)
        touched[self.edge_u] = True
        touched[self.edge_v] = True
        nodes = pd.Series(self.component[touched]).value_counts().rename("nodes")
        summary = summary.join(nodes).sort_values("length_km", ascending=False, kind="stable")
        summary["largest"] = summary.index == self.largest_component
        return summary.reset_index()

    def largest_component_nodes(self) -> np.ndarray:
        """Boolean mask of the nodes in the largest component (by street length)."""
        return self.component == self.largest_component

    def edges_gdf(self) -> gpd.GeoDataFrame:
        """The streets (one row per street piece) as a GeoDataFrame (metric CRS)."""
        m = self.street_mask
        return gpd.GeoDataFrame(
            {"u": self.edge_u[m], "v": self.edge_v[m], "length_m": self.edge_length_m[m],
             "highway": self.edge_highway[m], "road_id": self.edge_road_id[m],
             "oneway": self.edge_reverse[m] < 0, "component": self.component[self.edge_u[m]]},
            geometry=self.edge_geometry[m], crs=self.crs,
        )

    def segment_tree(self, *, largest_component: bool = True):
        """STRtree of the street pieces (``street_mask``) and their edge indices."""
        if self._segment_tree is None or self._segment_tree[0] != largest_component:
            mask = self.street_mask
            if largest_component:
                mask &= self.largest_component_nodes()[self.edge_u]
            idx = np.flatnonzero(mask)
            self._segment_tree = (largest_component, shapely.STRtree(self.edge_geometry[idx]), idx)
        return self._segment_tree[1], self._segment_tree[2]


    def node_tree(self) -> shapely.STRtree:
        """STRtree of the node points (built once per view)."""
        if self._node_tree is None:
            shared = self._table.__dict__ if self._table is not None else {}
            if "node_tree" not in shared:  # the views share their nodes: one tree for all
                shared["node_tree"] = shapely.STRtree(shapely.points(self.node_xy))
            self._node_tree = shared["node_tree"]
        return self._node_tree


def _min_duplicates(rows, cols, w, size) -> sparse.csr_matrix:
    """CSR matrix of shape (size, size); duplicate (row, col) pairs keep the minimum weight."""
    order = np.lexsort((w, cols, rows))
    rows, cols, w = rows[order], cols[order], w[order]
    keep = np.ones(len(rows), bool)
    keep[1:] = (rows[1:] != rows[:-1]) | (cols[1:] != cols[:-1])
    return sparse.csr_matrix((w[keep], (rows[keep], cols[keep])), shape=(size, size))


def _compile(table: _EdgeTable, *, mode: str | None, source: str, graph) -> RoadNetwork:
    """The directed edges ``mode`` may use, with reverse twins where it may go both ways."""
    n = len(table.node_xy)
    if mode is None:
        allowed = np.ones(len(table.u), bool)
        respect_oneway = False
    else:
        if mode not in settings.SPEEDS_KMH:
            raise ValueError(f"unknown mode {mode!r}; choose one of {', '.join(settings.SPEEDS_KMH)}")
        allowed = ~np.isin(table.highway, settings.NETWORK_EXCLUDE_HIGHWAY.get(mode, ()))
        allowed &= ~table.tag_no.get(mode, np.zeros(len(table.u), bool))
        respect_oneway = mode in settings.NETWORK_ONEWAY_MODES
    idx = np.flatnonzero(allowed & (table.u != table.v))
    u, v = table.u[idx], table.v[idx]
    pairs = _pair_index(u, v, n)
    has_reverse = np.isin(_pair_index(v, u, n), pairs)
    twin = ~has_reverse & (~table.oneway[idx] if respect_oneway else np.ones(len(idx), bool))
    src = np.r_[idx, idx[twin]]
    eu, ev = np.r_[u, v[twin]], np.r_[v, u[twin]]
    geom = np.r_[table.geometry[idx], shapely.reverse(table.geometry[idx[twin]])]
    length = table.length_m[src]
    highway = table.highway[src]
    cost = length if mode is None else length / (speed_kmh(mode, highway) / 3.6)
    # the reverse of each edge: an edge (v, u); parallel streets pair up in order
    key = _pair_index(eu, ev, n)
    rkey = _pair_index(ev, eu, n)
    order = np.argsort(key, kind="stable")
    pos = np.searchsorted(key[order], rkey)
    pos = np.minimum(pos, len(order) - 1)
    found = key[order][pos] == rkey
    reverse = np.where(found, order[pos], -1)
    return RoadNetwork(node_xy=table.node_xy, edge_u=eu, edge_v=ev, edge_length_m=length, edge_cost=cost,
                       edge_geometry=geom, edge_reverse=reverse, edge_road_id=table.name[src],
                       edge_highway=highway, mode=mode, source=source, graph=graph, _table=table)


def network_from_graph(graph: nx.MultiDiGraph, *, mode: str | None = None, source: str | None = None) -> RoadNetwork:
    """Compile a street graph (any CRS in ``graph.graph['crs']``) into its array adapter.

    Parameters
    ----------
    graph : networkx.MultiDiGraph
        osmnx-compatible street graph.
    mode : {None, "walk", "bike", "drive"}
        The view returned; the others follow with :meth:`RoadNetwork.for_mode`.
    source : str, optional
        ``"traced"`` or ``"osm"`` (default from ``graph.graph['source']``, else ``"osm"``).
    """
    source = source or graph.graph.get("source", "osm")
    return _compile(_edge_table(graph), mode=mode, source=source, graph=graph)


def build_network(roads: gpd.GeoDataFrame, *, snap_m: float | None = None) -> RoadNetwork:
    """The metric view of the traced roads' graph (:func:`graph_from_roads`)."""
    return network_from_graph(graph_from_roads(roads, snap_m=snap_m), source="traced")


def network_from_osmnx(graph: nx.MultiDiGraph) -> RoadNetwork:
    """The metric view of an osmnx graph (any CRS); :meth:`RoadNetwork.for_mode` gives the modes."""
    return network_from_graph(graph, source="osm")


# --- attaching objects to the network ------------------------------------------------------------


@dataclass
class AccessLinks:
    """How each query object reaches the network, and is reached from it.

    ``obj``/``node``/``cost`` are parallel arrays: object ``obj[k]`` reaches node
    ``node[k]`` at ``cost[k]`` (connector + along the street, in the network's unit).
    ``in_obj``/``in_node``/``in_cost`` are the links from the network to the objects.
    ``edge``/``along_m``/``connector_m``/``access_xy`` give, per object, its nearest street
    piece, the position of the access point along it, the straight connector and the
    access point.
    """

    obj: np.ndarray
    node: np.ndarray
    cost: np.ndarray
    in_obj: np.ndarray
    in_node: np.ndarray
    in_cost: np.ndarray
    edge: np.ndarray
    along_m: np.ndarray
    connector_m: np.ndarray
    access_xy: np.ndarray

    @property
    def cost_m(self) -> np.ndarray:  # the name these links had when costs were always metres
        return self.cost


def _edge_links(network: RoadNetwork, obj, edge, along, connector_m):
    """Out- and in-links of objects that reach street piece ``edge`` at ``along`` m."""
    rate = network.edge_rate()
    conn = network.connector_cost(connector_m)
    length = network.edge_length_m[edge]
    rev = network.edge_reverse[edge]
    has_rev = rev >= 0
    rev_rate = np.where(has_rev, rate[np.maximum(rev, 0)], 0.0)  # only used where has_rev
    u, v = network.edge_u[edge], network.edge_v[edge]
    fwd = rate[edge]
    # out: object -> v along the edge; -> u against it (if two-way)
    out = ([obj, obj[has_rev]], [v, u[has_rev]],
           [conn + (length - along) * fwd, (conn + along * rev_rate)[has_rev]])
    # in: u -> object along the edge; v -> object against it (if two-way)
    inn = ([obj, obj[has_rev]], [u, v[has_rev]],
           [conn + along * fwd, (conn + (length - along) * rev_rate)[has_rev]])
    return out, inn


def _as_metric_array(network: RoadNetwork, geometries, crs) -> np.ndarray:
    if isinstance(geometries, gpd.GeoDataFrame | gpd.GeoSeries):
        if geometries.crs is None:
            raise CoordinateSystemError("geometries have no CRS; declare it (EPSG:4326 for WGS-84 lon/lat)")
        return geometries.to_crs(network.crs).geometry.to_numpy()
    geoms = np.asarray(geometries, dtype=object)
    if crs is not None and str(crs) != network.crs:
        geoms = gpd.GeoSeries(geoms, crs=crs).to_crs(network.crs).to_numpy()
    return geoms


def attach(network: RoadNetwork, geometries, *, crs=None, largest_component: bool = True,
           inside_nodes: bool = True, outline: bool = True) -> AccessLinks:
    """Attach points, lines or polygons to their nearest streets.

    Parameters
    ----------
    network : RoadNetwork
        Any view; costs come in its unit (the connector is walked in a mode view).
    geometries : GeoSeries/GeoDataFrame (any declared CRS) or array of metric geometries
        With a bare array, ``crs`` must be given (or the array is taken as metric).
    largest_component : bool
        Attach only to the largest connected component, so that every object can reach
        every other (a disconnected traced network otherwise strands some of them).
    inside_nodes : bool
        Polygons also reach every network node inside them at zero cost.
    outline : bool
        Polygons also reach the street nearest to a point every
        settings.NETWORK_ACCESS_SPACING_M along their outline (within
        settings.NETWORK_ACCESS_MAX_M): a campus is entered at its edge, from every side.

    Returns
    -------
    AccessLinks
    """
    geoms = _as_metric_array(network, geometries, crs)
    tree, seg = network.segment_tree(largest_component=largest_component)
    obj_i, hit = tree.query_nearest(geoms, all_matches=False, return_distance=False)
    edge = np.full(len(geoms), -1)
    edge[obj_i] = seg[hit]
    if (edge < 0).any():
        raise NetworkError("some geometries could not be attached to the network (empty geometry?)")
    edge_geom = network.edge_geometry[edge]
    pairs = shapely.shortest_line(geoms, edge_geom)
    near_on_edge = shapely.get_point(pairs, -1)
    connector = shapely.length(pairs)
    along = shapely.line_locate_point(edge_geom, near_on_edge)
    out, inn = _edge_links(network, np.arange(len(geoms)), edge, along, connector)
    polys = np.flatnonzero(np.isin(shapely.get_type_id(geoms), (3, 6)))
    if len(polys) and outline:
        rings, ring_owner = shapely.get_parts(shapely.boundary(geoms[polys]), return_index=True)
        xy, ring = shapely.get_coordinates(shapely.segmentize(rings, settings.NETWORK_ACCESS_SPACING_M),
                                           return_index=True)
        pts = shapely.points(xy)
        pi, hi = tree.query_nearest(pts, max_distance=settings.NETWORK_ACCESS_MAX_M, all_matches=False)
        if len(pi):
            e = seg[hi]
            g = network.edge_geometry[e]
            a = shapely.line_locate_point(g, pts[pi])
            c = shapely.distance(pts[pi], g)
            o2, i2 = _edge_links(network, polys[ring_owner[ring[pi]]], e, a, c)
            out = tuple(x + y for x, y in zip(out, o2, strict=True))
            inn = tuple(x + y for x, y in zip(inn, i2, strict=True))
    if len(polys) and inside_nodes:
        node_ok = network.largest_component_nodes() if largest_component else np.ones(network.n_nodes, bool)
        pi, ni = network.node_tree().query(geoms[polys], predicate="intersects")
        ok = node_ok[ni]
        for links in (out, inn):
            links[0].append(polys[pi[ok]])
            links[1].append(ni[ok])
            links[2].append(np.zeros(ok.sum()))
    return AccessLinks(
        obj=np.concatenate(out[0]), node=np.concatenate(out[1]), cost=np.concatenate(out[2]),
        in_obj=np.concatenate(inn[0]), in_node=np.concatenate(inn[1]), in_cost=np.concatenate(inn[2]),
        edge=edge, along_m=along, connector_m=connector, access_xy=shapely.get_coordinates(near_on_edge),
    )


def distances_from(network: RoadNetwork, sources: AccessLinks, *, limit=np.inf, limit_m=None,
                   min_only: bool = False) -> np.ndarray:
    """Network cost (m, or s in a mode view) from each source object to every node, one pass.

    Each source object becomes a virtual node with out-links only to the nodes it reaches,
    so objects never act as short cuts.  ``csgraph.dijkstra`` runs once with ``indices`` =
    all the virtual nodes and ``limit`` (``limit_m`` is the older name of the same).

    Returns
    -------
    ndarray, shape (n_sources, n_nodes) — or (n_nodes,) with ``min_only`` —, ``inf`` where
    unreachable within the limit.
    """
    limit = limit if limit_m is None else limit_m
    graph = graph_with_sources(network, sources)
    dist = csgraph.dijkstra(graph, directed=True, indices=np.arange(network.n_nodes, graph.shape[0]),
                            limit=limit, min_only=min_only)
    return dist[..., :network.n_nodes]


def graph_with_sources(network: RoadNetwork, sources: AccessLinks) -> sparse.csr_matrix:
    """The street adjacency plus one virtual node per source object, ``n_nodes + obj``.

    A virtual node has out-links only, to the nodes its object reaches (an object linked
    twice to a node keeps the cheaper link), so objects never act as short cuts.
    """
    n = network.n_nodes
    n_src = int(sources.obj.max()) + 1 if len(sources.obj) else 0
    # the street matrix is built once per view; only the few source rows are new
    links = _min_duplicates(sources.obj, sources.node, np.maximum(sources.cost, _EPS), max(n_src, n))[:n_src]
    top = sparse.hstack([network.adjacency(), sparse.csr_matrix((n, n_src))], format="csr")
    bottom = sparse.hstack([links, sparse.csr_matrix((n_src, n_src))], format="csr")
    return sparse.vstack([top, bottom], format="csr")


def object_distances(network: RoadNetwork, sources: AccessLinks, targets: AccessLinks,
                     *, node_dist: np.ndarray | None = None) -> np.ndarray:
    """Network cost (m, or s in a mode view) from every source object to every target object.

    A target is reached through its own in-links (cheapest over them); a source and target
    on the same street piece may also go directly along it, in a direction the view allows.

    Returns
    -------
    ndarray, shape (n_sources, n_targets) (``inf`` if unreachable).
    """
    if node_dist is None:
        node_dist = distances_from(network, sources)
    n_tgt = int(targets.in_obj.max()) + 1
    via = node_dist[:, targets.in_node] + targets.in_cost[None, :]
    out = np.full((node_dist.shape[0], n_tgt), np.inf)
    for k in range(node_dist.shape[0]):  # per source row: a vectorised group-min over links
        np.minimum.at(out[k], targets.in_obj, via[k])
    same = sources.edge[:, None] == targets.edge[None, :]
    if same.any():
        rate = network.edge_rate()
        e = sources.edge
        rev = network.edge_reverse[e]
        fwd_rate = rate[e][:, None]
        rev_rate = np.where(rev >= 0, rate[np.maximum(rev, 0)], np.inf)[:, None]
        step = targets.along_m[None, :] - sources.along_m[:, None]
        along_cost = np.where(step >= 0, step * fwd_rate, np.where(np.isfinite(rev_rate), -step * rev_rate, np.inf))
        direct = (network.connector_cost(sources.connector_m)[:, None] + along_cost
                  + network.connector_cost(targets.connector_m)[None, :])
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
    edges = network.edges_gdf()
    largest = (edges["component"] == network.largest_component).to_numpy()
    if largest.all():
        return pd.DataFrame(columns=["road_id", "component", "gap_m"])
    main = shapely.union_all(edges.geometry.to_numpy()[largest])
    edges = edges[~largest]
    edges = edges.assign(gap_m=shapely.distance(edges.geometry.to_numpy(), main))
    out = edges.groupby(["road_id", "component"], as_index=False)["gap_m"].min()
    return out.sort_values("gap_m").reset_index(drop=True)
