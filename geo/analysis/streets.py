"""Reading street networks into one model: an osmnx-compatible ``networkx.MultiDiGraph``.

Every network the toolkit routes on is such a graph, in UTM 50N (EPSG:32650): graph
attribute ``crs``, node attributes ``x``/``y`` (m), edge attributes ``length`` (m),
``highway``, ``oneway`` and ``geometry`` (a LineString running from ``u`` to ``v``) where
present.  A two-way street is two directed edges (u→v and v→u), a one-way street one, as
osmnx builds them, so one-way streets hold for driving.  Three inputs give one:

- an osmnx GraphML file (:func:`osmnx.io.load_graphml`);
- an osmnx edge list as GeoParquet or GeoPackage (columns ``u``, ``v``, ``key``,
  ``highway``, geometry; optional ``oneway``, ``length``, ``name``; a GeoPackage written by
  :func:`osmnx.io.save_graph_geopackage` also brings its ``nodes`` layer).  Nodes are built
  from the edge end points and the graph by :func:`osmnx.convert.graph_from_gdfs`;
- a live download (:func:`fetch_graph`, :func:`osmnx.graph.graph_from_polygon` through
  :func:`geo.sources.osm.fetch_network`).

The traced roads layer becomes the same kind of graph in
:func:`geo.analysis.network.graph_from_roads`.  OpenStreetMap data is © OpenStreetMap
contributors (ODbL).
"""

from __future__ import annotations

import logging
from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import shapely

from geo import settings
from geo.errors import CorridorError

log = logging.getLogger("corridor")

#: File suffixes read as osmnx edge lists.
EDGE_LIST_SUFFIXES = (".parquet", ".geoparquet", ".gpkg")


class NetworkFileError(CorridorError, ValueError):
    """A street-network file cannot be read (missing, unreadable, wrong columns)."""

    def __init__(self, path, problem: str):
        self.path = str(path)
        super().__init__(f"street network file {path}: {problem}")


def read_graph(path, *, clip=None, directed: bool | None = None) -> nx.MultiDiGraph:
    """Read a street network file into a projected osmnx ``MultiDiGraph`` (EPSG:32650).

    Parameters
    ----------
    path : str or Path
        ``*.graphml`` (osmnx GraphML) or ``*.parquet``/``*.geoparquet``/``*.gpkg`` (an
        osmnx edge list, see :func:`graph_from_edges`).
    clip : shapely geometry, optional
        Keep only the edges that intersect it (metric CRS, EPSG:32650) — the analysis area
        with a margin — so that large files load quickly.
    directed : bool, optional
        For edge lists without a ``oneway`` column; see :func:`graph_from_edges`.

    Returns
    -------
    networkx.MultiDiGraph

    Raises
    ------
    NetworkFileError
        One line naming the file and what is wrong with it.
    """
    path = Path(path)
    if not path.exists():
        raise NetworkFileError(path, "does not exist")
    suffix = path.suffix.lower()
    if suffix == ".graphml":
        return _read_graphml(path, clip=clip)
    if suffix in EDGE_LIST_SUFFIXES:
        edges, nodes = _read_edge_list(path)
        try:
            return graph_from_edges(edges, nodes=nodes, clip=clip, directed=directed)
        except (CorridorError, ValueError, KeyError) as exc:
            raise NetworkFileError(path, str(exc)) from exc
    raise NetworkFileError(path, f"unknown format {suffix or '(no suffix)'}; give an osmnx .graphml, "
                                 "or an edge list as .parquet or .gpkg")


def _read_graphml(path: Path, *, clip=None) -> nx.MultiDiGraph:
    import osmnx as ox

    try:
        graph = ox.io.load_graphml(path)
    except Exception as exc:  # noqa: BLE001 - any parse failure becomes one line naming the file
        raise NetworkFileError(path, f"not a readable osmnx GraphML file ({type(exc).__name__}: {exc})") from exc
    if graph.graph.get("crs") is None:
        raise NetworkFileError(path, "the graph has no 'crs' attribute")
    if graph.number_of_edges() == 0:
        raise NetworkFileError(path, "the graph has no edges")
    graph = to_metric_graph(graph)
    if clip is not None:
        try:
            graph = ox.truncate.truncate_graph_polygon(graph, clip, truncate_by_edge=True)
        except ValueError as exc:  # osmnx: nothing inside the polygon
            raise NetworkFileError(path, f"no streets inside the analysis area ({exc})") from exc
    return graph


def to_metric_graph(graph: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """The graph projected to settings.METRIC_CRS (:func:`osmnx.projection.project_graph`)."""
    import osmnx as ox
    from pyproj import CRS

    if CRS.from_user_input(graph.graph["crs"]) == CRS.from_user_input(settings.METRIC_CRS):
        graph.graph["crs"] = settings.METRIC_CRS
        return graph
    return ox.projection.project_graph(graph, to_crs=settings.METRIC_CRS)


def _read_edge_list(path: Path) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame | None]:
    try:
        if path.suffix.lower() == ".gpkg":
            import pyogrio

            names = [n for n, _ in pyogrio.list_layers(path)]
            layer = "edges" if "edges" in names else names[0]
            edges = gpd.read_file(path, layer=layer)
            nodes = gpd.read_file(path, layer="nodes") if "nodes" in names and layer == "edges" else None
        else:
            edges, nodes = gpd.read_parquet(path), None
    except Exception as exc:  # noqa: BLE001 - any read failure becomes one line naming the file
        raise NetworkFileError(path, f"not a readable edge list ({type(exc).__name__}: {exc})") from exc
    return edges, nodes


def _truthy(values) -> np.ndarray:
    """Boolean oneway flags from bools, 0/1 or OSM strings (yes/true/1/-1)."""
    s = pd.Series(values)
    if s.dtype == bool:
        return s.to_numpy()
    return s.astype(str).str.strip().str.lower().isin(("true", "yes", "1", "-1")).to_numpy()


def graph_from_edges(edges: gpd.GeoDataFrame, *, nodes: gpd.GeoDataFrame | None = None, clip=None,
                     directed: bool | None = None) -> nx.MultiDiGraph:
    """Build an osmnx ``MultiDiGraph`` (EPSG:32650) from an osmnx edge list.

    Parameters
    ----------
    edges : GeoDataFrame
        One row per edge with ``u``, ``v`` (node ids), optional ``key`` (0 when absent),
        ``highway``, LineString geometry in any declared CRS; optional ``oneway``,
        ``length`` (m; measured on the geometry when absent) and any other attribute.
    nodes : GeoDataFrame, optional
        Nodes indexed (or with a column) ``osmid``; when absent, the nodes are built from
        the edge end points: each node lies where all its edges' geometries end.
    clip : shapely geometry, optional
        Metric (EPSG:32650) area; only edges intersecting it are kept.
    directed : bool, optional
        How to read an edge list that has no ``oneway`` column.  ``True``: every row is
        one direction of travel (a two-way street appears as u→v and v→u, a one-way street
        once); ``False``: every row is a two-way street (an osmnx *undirected* edge list,
        one row per street segment).  ``None`` (default) decides from the data: directed
        when at least ``settings.NETWORK_DIRECTED_MIN_SHARE`` of the rows have their
        reverse in the list.  A ``oneway`` column wins over both.

    Returns
    -------
    networkx.MultiDiGraph
        Built by :func:`osmnx.convert.graph_from_gdfs`; rows read as two-way get their
        reverse edge (reversed geometry, ``reversed=True``), so the graph is a directed
        street graph as osmnx builds one.  ``graph.graph["edge_list"]`` records how the
        rows were read.
    """
    import osmnx as ox

    from geo.crs import to_metric

    missing = [c for c in ("u", "v") if c not in edges.columns]
    if missing:
        raise CorridorError(f"no column {', '.join(missing)}; an osmnx edge list has u, v, key, highway and a "
                            "LineString geometry")
    if edges.crs is None:
        raise CorridorError("the edge list has no CRS; declare it (osmnx writes one)")
    edges = to_metric(edges.reset_index(drop=edges.index.names == [None]), what="edges")
    edges = edges[edges.geometry.notna() & ~edges.geometry.is_empty]
    types = set(edges.geometry.geom_type)
    if not types <= {"LineString"}:
        raise CorridorError(f"edge geometries must be LineStrings, found {', '.join(sorted(types))}")
    if clip is not None:
        edges = edges.iloc[edges.sindex.query(clip, predicate="intersects")].sort_index()
    if edges.empty:
        raise CorridorError("no edges (inside the analysis area)")
    edges = edges.copy()
    if "key" not in edges.columns:
        edges["key"] = edges.groupby(["u", "v"]).cumcount()
    u, v = edges["u"].to_numpy(), edges["v"].to_numpy()
    geom = edges.geometry.to_numpy()
    if nodes is not None:
        nodes = _node_table(nodes)
    else:
        nodes = _nodes_from_ends(u, v, geom)
    # orient every geometry from u to v
    start = shapely.get_coordinates(shapely.get_point(geom, 0))
    end = shapely.get_coordinates(shapely.get_point(geom, -1))
    pu = nodes.loc[u, ["x", "y"]].to_numpy()
    pv = nodes.loc[v, ["x", "y"]].to_numpy()
    flip = (np.hypot(*(start - pu).T) + np.hypot(*(end - pv).T)) > (np.hypot(*(start - pv).T) + np.hypot(*(end - pu).T))
    geom = geom.copy()
    geom[flip] = shapely.reverse(geom[flip])
    edges = edges.set_geometry(gpd.GeoSeries(geom, index=edges.index, crs=edges.crs))
    if "length" not in edges.columns:
        edges["length"] = shapely.length(geom)
    # which rows are one direction only
    pair = pd.MultiIndex.from_arrays([u, v])
    has_reverse = pd.MultiIndex.from_arrays([v, u]).isin(pair)
    if "oneway" in edges.columns:
        oneway = _truthy(edges["oneway"].fillna(False))
        how = "oneway column"
    else:
        if directed is None:
            directed = has_reverse.mean() >= settings.NETWORK_DIRECTED_MIN_SHARE
        oneway = ~has_reverse if directed else np.zeros(len(edges), bool)
        how = ("directed rows (a street without its reverse row is one-way)" if directed
               else "undirected rows (no row has its reverse: every row is a two-way street)")
    edges["oneway"] = oneway
    edges["reversed"] = False
    twin = ~oneway & ~has_reverse
    if twin.any():
        rev = edges[twin].copy()
        rev["u"], rev["v"] = edges.loc[twin, "v"].to_numpy(), edges.loc[twin, "u"].to_numpy()
        rev["reversed"] = True
        rev = rev.set_geometry(gpd.GeoSeries(shapely.reverse(rev.geometry.to_numpy()), index=rev.index,
                                             crs=edges.crs))
        edges = pd.concat([edges, rev], ignore_index=True)
        # keys stay unique per (u, v): a twin takes the next free key
        edges["key"] = edges.groupby(["u", "v"]).cumcount()
    edges = edges.set_index(["u", "v", "key"])
    if not edges.index.is_unique:
        raise CorridorError("duplicate (u, v, key) rows")
    used = pd.unique(np.r_[u, v])
    nodes = nodes.loc[nodes.index.isin(used)]
    gdf_nodes = gpd.GeoDataFrame(nodes, geometry=shapely.points(nodes[["x", "y"]].to_numpy()),
                                 crs=settings.METRIC_CRS)
    gdf_nodes.index.name = "osmid"
    graph = ox.convert.graph_from_gdfs(gdf_nodes, edges, graph_attrs={"crs": settings.METRIC_CRS})
    graph.graph["edge_list"] = how
    log.info("street network from an edge list: %d nodes, %d directed edges (%s)",
             graph.number_of_nodes(), graph.number_of_edges(), how)
    return graph


def _node_table(nodes: gpd.GeoDataFrame) -> pd.DataFrame:
    from geo.crs import to_metric

    nodes = to_metric(nodes, what="nodes")
    if "osmid" in nodes.columns:
        nodes = nodes.set_index("osmid")
    xy = shapely.get_coordinates(nodes.geometry.to_numpy())
    return pd.DataFrame({"x": xy[:, 0], "y": xy[:, 1]}, index=nodes.index)


def _nodes_from_ends(u, v, geom) -> pd.DataFrame:
    """Node coordinates from edge end points.

    The edge geometries of an osmnx edge list need not run from ``u`` to ``v`` (an
    undirected graph keeps each street's drawing direction).  A node's position is the end
    point all its edges share: the one most of its edges' ends agree on.  A dead end (one
    edge) takes the end its edge's other node does not.
    """
    start = shapely.get_coordinates(shapely.get_point(geom, 0)).round(3)
    end = shapely.get_coordinates(shapely.get_point(geom, -1)).round(3)
    n = len(u)
    cand = pd.DataFrame({"node": np.r_[u, u, v, v], "x": np.r_[start[:, 0], end[:, 0], start[:, 0], end[:, 0]],
                         "y": np.r_[start[:, 1], end[:, 1], start[:, 1], end[:, 1]]})
    counts = cand.groupby(["node", "x", "y"]).size().rename("n").reset_index()
    counts = counts.sort_values(["node", "n"], ascending=[True, False], kind="stable")
    best = counts.groupby("node").head(2)
    top = best.groupby("node").nth(0).set_index("node")
    second = best.groupby("node").nth(1).set_index("node")["n"].reindex(top.index).fillna(0)
    sure = top["n"] > second
    xy = top[["x", "y"]].copy()
    # dead ends: the end of their edge farther from the edge's other (sure) node
    unsure = xy.index[~sure.to_numpy()]
    if len(unsure):
        ends = pd.DataFrame({"node": np.r_[u, v], "other": np.r_[v, u],
                             "sx": np.r_[start[:, 0], start[:, 0]], "sy": np.r_[start[:, 1], start[:, 1]],
                             "ex": np.r_[end[:, 0], end[:, 0]], "ey": np.r_[end[:, 1], end[:, 1]]})
        ends = ends[ends["node"].isin(unsure)].drop_duplicates("node")
        other_sure = sure.reindex(ends["other"]).fillna(False).to_numpy()
        ox_ = xy.reindex(ends["other"])[["x", "y"]].to_numpy()
        d_start = np.hypot(ends["sx"].to_numpy() - ox_[:, 0], ends["sy"].to_numpy() - ox_[:, 1])
        d_end = np.hypot(ends["ex"].to_numpy() - ox_[:, 0], ends["ey"].to_numpy() - ox_[:, 1])
        take_start = other_sure & (d_start > d_end)
        # both ends unsure (an isolated edge): u at the start, v at the end
        is_u = np.r_[np.ones(n, bool), np.zeros(n, bool)]
        first = ends.index.to_numpy()
        take_start |= ~other_sure & is_u[first]
        xy.loc[ends["node"].to_numpy(), "x"] = np.where(take_start, ends["sx"], ends["ex"])
        xy.loc[ends["node"].to_numpy(), "y"] = np.where(take_start, ends["sy"], ends["ey"])
    return xy


def fetch_graph(polygon, *, network_type: str | None = None) -> nx.MultiDiGraph:
    """Download the street network inside a WGS-84 polygon (needs the internet).

    Uses :func:`geo.sources.osm.fetch_network` (:func:`osmnx.graph.graph_from_polygon`
    with the toolkit's osmnx settings and retries); ``network_type`` defaults to
    settings.NETWORK_FETCH_TYPE (``all``: every mode is filtered from one graph).  The result
    is projected to EPSG:32650.  © OpenStreetMap contributors (ODbL).
    """
    from geo.sources.osm import fetch_network

    network_type = settings.NETWORK_FETCH_TYPE if network_type is None else network_type
    graph = fetch_network(polygon, network_type=network_type)
    if graph is None or graph.number_of_edges() == 0:
        raise CorridorError("OpenStreetMap returned no streets inside the area")
    return to_metric_graph(graph)


def save_graph(graph: nx.MultiDiGraph, path) -> Path:
    """Write the graph as osmnx GraphML, staged then swapped (an existing file is kept on failure)."""
    import osmnx as ox

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    ox.io.save_graphml(graph, tmp)
    tmp.replace(path)
    return path


__all__ = ["NetworkFileError", "read_graph", "graph_from_edges", "fetch_graph", "save_graph", "to_metric_graph"]
