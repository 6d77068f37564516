"""OpenStreetMap, offline: the same layers from ``.osm``/``.osm.xml`` files and ``.osm.pbf`` extracts.

* OSM XML goes through osmnx's own readers (``features_from_xml``, ``graph_from_xml``), after
  a pyosmium pass that keeps the ways of one network type (judged by osmnx's own Overpass
  filter, so offline and live networks agree) and drops malformed ways (a missing node, a
  single node) that would make osmnx's graph builder fail.
* A PBF extract (for example all of Hubei) is first clipped to the study area by
  :func:`clip_pbf` in several streaming passes with pyosmium, keeping only what touches the
  area and carries a tag of interest; memory grows with what is inside the study area, not
  with the file.  The clip is written as a small OSM XML file and read as above.
* GeoJSON, GeoPackage and CSV files exported from Amap or Baidu (GCJ-02, BD-09) are accepted
  with ``crs=`` and converted to WGS-84.

Everything imported lands in the same ``layers/osm/<area>/`` cache as a live fetch.
OSM data is © OpenStreetMap contributors (ODbL).
"""

from __future__ import annotations

import logging
import math
import re
import tempfile
from collections.abc import Mapping
from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import shapely
from tqdm.auto import tqdm

from geo import settings
from geo.crs import convert_coords, convert_gdf, convert_geometry, normalize_system
from geo.errors import CoordinateSystemError, InputFileError, LayerValidationError
from geo.io import sha256_file
from geo.sources.osm import (
    THEMES,
    configure_osmnx,
    merged_tags,
    split_themes,
    study_area,
    write_extract,
)

log = logging.getLogger("corridor.osm")

PBF_SUFFIXES = (".pbf",)
XML_SUFFIXES = (".osm", ".xml")
VECTOR_SUFFIXES = (".geojson", ".json", ".gpkg", ".csv")

_FILTER_TERM = re.compile(r'\["(?P<key>[^"]+)"(?:(?P<op>!?[~=])"(?P<value>[^"]*)")?\]')


def file_kind(path: str | Path) -> str:
    """``"pbf"``, ``"xml"`` or ``"vector"`` from a file name; raises on anything else."""
    name = Path(path).name.lower()
    if name.endswith(PBF_SUFFIXES):
        return "pbf"
    if name.endswith(XML_SUFFIXES):
        return "xml"
    if name.endswith(VECTOR_SUFFIXES):
        return "vector"
    raise LayerValidationError(
        "unsupported file type; expected .osm, .osm.xml, .osm.pbf, .geojson, .gpkg or .csv", path=path
    )


# --- osmnx's network filters, evaluated on tags -----------------------------------------------------


def parse_overpass_filter(text: str) -> list[tuple[str, str | None, str | None]]:
    """Split an Overpass tag filter (``["highway"]["foot"!~"no"]...``) into (key, op, value) terms."""
    return [(m["key"], m["op"], m["value"]) for m in _FILTER_TERM.finditer(text)]


def tags_pass_filter(tags: Mapping[str, str], terms) -> bool:
    """Whether an object's tags pass every term of an Overpass filter.

    Semantics follow Overpass: ``["k"]`` needs the key; ``~``/``=`` need the key and a
    matching value (regex search / equality); ``!~``/``!=`` pass when the key is absent.
    """
    for key, op, value in terms:
        present = key in tags
        if op is None:
            ok = present
        elif op == "~":
            ok = present and re.search(value, tags[key]) is not None
        elif op == "!~":
            ok = not present or re.search(value, tags[key]) is None
        elif op == "=":
            ok = present and tags[key] == value
        else:  # "!="
            ok = not present or tags[key] != value
        if not ok:
            return False
    return True


def network_filter_terms(network_type: str):
    """The terms of osmnx's Overpass filter for a network type (``walk``, ``bike``, ``drive`` ...)."""
    from osmnx import _overpass

    configure_osmnx()
    return parse_overpass_filter(_overpass._get_network_filter(network_type))


# --- OSM XML ------------------------------------------------------------------------------------------


def clean_network_xml(src: str | Path, dst: str | Path, *, network_type: str) -> dict:
    """Write the ways of one network type, with their nodes, from ``src`` to ``dst`` (OSM XML).

    Ways that reference a node missing from the file, or have fewer than two nodes, are
    dropped and counted (osmnx's graph builder fails on them).

    Returns
    -------
    dict
        ``{"ways_kept": int, "ways_malformed": int}``.
    """
    import osmium

    terms = network_filter_terms(network_type)
    present = osmium.IdTracker()
    for node in osmium.FileProcessor(str(src), osmium.osm.NODE):
        present.add_node(node.id)
    node_ids = present.node_ids()
    keep = osmium.IdTracker()
    kept = malformed = 0
    ways = osmium.FileProcessor(str(src), osmium.osm.WAY).with_filter(osmium.filter.KeyFilter("highway"))
    for way in ways:
        refs = [n.ref for n in way.nodes]
        if len(refs) < 2 or not all(ref in node_ids for ref in refs):
            malformed += 1
            continue
        if tags_pass_filter({t.k: t.v for t in way.tags}, terms):
            keep.add_way(way.id)
            keep.add_references(way)
            kept += 1
    with osmium.SimpleWriter(str(dst), overwrite=True) as writer:
        for obj in osmium.FileProcessor(str(src), osmium.osm.NODE | osmium.osm.WAY).with_filter(keep.id_filter()):
            writer.add(obj)
    if malformed:
        log.warning("%s: skipped %d malformed way(s) (missing nodes or fewer than 2 nodes)", Path(src).name, malformed)
    return {"ways_kept": kept, "ways_malformed": malformed}


def graph_from_osm_xml(path: str | Path, *, network_type: str, polygon=None) -> nx.MultiDiGraph | None:
    """Street network of one type from an OSM XML file, via ``osmnx.graph_from_xml``.

    Parameters
    ----------
    path : path-like
        OSM XML file (coordinates in WGS-84 as OSM always is, unless the caller converts).
    network_type : str
        osmnx network type; ways are selected by osmnx's own filter for it.
    polygon : shapely geometry, optional
        Truncate the graph to this polygon (same coordinate system as the file).

    Returns
    -------
    networkx.MultiDiGraph or None
        Simplified, largest weakly connected component; edge ``length`` in metres.
        None when the file holds no way of this network type.
    """
    import osmnx as ox
    from osmnx._errors import InsufficientResponseError

    configure_osmnx()
    with tempfile.TemporaryDirectory() as tmp:
        clean = Path(tmp) / f"{network_type}.osm"
        stats = clean_network_xml(path, clean, network_type=network_type)
        if stats["ways_kept"] == 0:
            return None
        bidirectional = network_type in ox.settings.bidirectional_network_types
        try:
            graph = ox.graph_from_xml(clean, bidirectional=bidirectional, simplify=False, retain_all=True)
        except InsufficientResponseError:
            return None
    if polygon is not None:
        try:
            graph = ox.truncate.truncate_graph_polygon(graph, polygon, truncate_by_edge=True)
        except (InsufficientResponseError, ValueError):
            return None
    graph = ox.truncate.largest_component(graph, strongly=False)
    if graph.number_of_edges() == 0:
        return None
    return ox.simplification.simplify_graph(graph)


def features_from_osm_xml(path: str | Path, *, themes=THEMES, polygon=None) -> dict[str, gpd.GeoDataFrame]:
    """The themes' features from an OSM XML file (osmnx ``features_from_xml``), one table each.

    ``polygon`` (optional clip) is in the file's coordinate system, WGS-84 for OSM; the tables
    are :func:`geo.sources.osm.normalize_features` frames in that same system (EPSG:4326 label).
    """
    import osmnx as ox
    from osmnx._errors import InsufficientResponseError

    configure_osmnx()
    try:
        raw = ox.features_from_xml(path, polygon=polygon, tags=merged_tags(themes))
    except InsufficientResponseError:
        raw = None
    return split_themes(raw, themes)


# --- PBF -------------------------------------------------------------------------------------------------


def _margin_bounds(polygon, margin_m: float) -> tuple[float, float, float, float]:
    """Bounds (lon/lat degrees) of ``polygon`` widened by ``margin_m`` metres on every side."""
    minx, miny, maxx, maxy = polygon.bounds
    dlat = margin_m / 111_320.0
    dlon = margin_m / (111_320.0 * math.cos(math.radians((miny + maxy) / 2)))
    return minx - dlon, miny - dlat, maxx + dlon, maxy + dlat


def clip_pbf(
    pbf_path: str | Path,
    polygon,
    out_path: str | Path,
    *,
    keys,
    margin_m: float | None = None,
    progress: bool = True,
) -> dict:
    """Stream a PBF extract and write the part of interest around ``polygon`` as OSM XML.

    Four streaming passes, none of which holds the file's objects in memory:

    1. nodes: remember (in a pyosmium ``IdTracker`` bitset) the ids of nodes inside the
       polygon's bounds plus ``margin_m``, and the tagged nodes of interest among them;
    2. ways touching those nodes (selected in C++ by the tracker): remember them, and keep
       those with a key of interest together with all their node references;
    3. multipolygon relations with a key of interest whose member ways touch the area;
    4. the tracker completes relation members' nodes, then one pass writes every kept
       node, way and relation to ``out_path``.

    Parameters
    ----------
    pbf_path : path-like
        The extract (sorted, as Geofabrik and planet extracts are).
    polygon : shapely geometry
        Study area, in the file's coordinate system (WGS-84 for OSM).
    out_path : path-like
        OSM XML file to write (``.osm``).
    keys : iterable of str
        Tag keys of interest (``highway``, ``amenity``, ``landuse`` ...).
    margin_m : float, optional
        Margin around the polygon's bounds, metres (default
        :data:`geo.settings.OSM_CLIP_MARGIN_M`), so that ways crossing the edge keep their nodes.

    Returns
    -------
    dict
        Counts: ``nodes_read``, ``nodes_in_area``, ``ways_kept``, ``relations_kept``.
    """
    import osmium

    keys = tuple(dict.fromkeys(keys))
    minx, miny, maxx, maxy = _margin_bounds(polygon, settings.OSM_CLIP_MARGIN_M if margin_m is None else margin_m)
    area_nodes, area_ways, keep = osmium.IdTracker(), osmium.IdTracker(), osmium.IdTracker()
    key_set = set(keys)
    nodes_read = nodes_in = 0
    bar = tqdm(desc=f"clipping {Path(pbf_path).name}", unit=" nodes", disable=not progress, unit_scale=True)
    for node in osmium.FileProcessor(str(pbf_path), osmium.osm.NODE):
        nodes_read += 1
        if nodes_read % 100_000 == 0:
            bar.update(100_000)
        loc = node.location
        if minx <= loc.lon <= maxx and miny <= loc.lat <= maxy:
            area_nodes.add_node(node.id)
            nodes_in += 1
            if len(node.tags) and any(t.k in key_set for t in node.tags):
                keep.add_node(node.id)
    bar.update(nodes_read % 100_000)
    bar.close()
    ways_kept = 0
    for way in osmium.FileProcessor(str(pbf_path), osmium.osm.WAY).with_filter(area_nodes.contains_filter()):
        area_ways.add_way(way.id)
        if any(t.k in key_set for t in way.tags):
            keep.add_way(way.id)
            keep.add_references(way)
            ways_kept += 1
    relations_kept = 0
    relations = (
        osmium.FileProcessor(str(pbf_path), osmium.osm.RELATION)
        .with_filter(osmium.filter.KeyFilter(*keys))
        .with_filter(area_ways.contains_filter())
    )
    for rel in relations:
        if rel.tags.get("type") in ("multipolygon", "boundary"):
            keep.add_relation(rel.id)
            keep.add_references(rel)
            relations_kept += 1
    keep.complete_backward_references(str(pbf_path), relation_depth=0)
    with osmium.SimpleWriter(str(out_path), overwrite=True) as writer:
        for obj in osmium.FileProcessor(str(pbf_path)).with_filter(keep.id_filter()):
            writer.add(obj)
    return {"nodes_read": nodes_read, "nodes_in_area": nodes_in, "ways_kept": ways_kept,
            "relations_kept": relations_kept}


# --- other vector files (Amap / Baidu exports) ---------------------------------------------------------


_LON_NAMES = ("lon", "lng", "longitude", "x")
_LAT_NAMES = ("lat", "latitude", "y")


def read_vector_file(path: str | Path, *, crs: str, themes=THEMES) -> dict[str, gpd.GeoDataFrame]:
    """Read a GeoJSON/GeoPackage/CSV of OSM-style tagged features in a named coordinate system.

    The file needs OSM tag columns (``amenity``, ``landuse``, ``leisure`` ..., ``name``,
    ``name:en`` ...).  A CSV gives geometry as WKT (``wkt`` or ``geometry`` column) or as
    ``lon``/``lat`` columns.  Coordinates are converted from ``crs`` to WGS-84.
    """
    path = Path(path)
    system = normalize_system(crs)
    if path.suffix.lower() == ".csv":
        df = pd.read_csv(path, dtype=str, keep_default_na=False).replace({"": None})
        cols = {c.lower(): c for c in df.columns}
        if "wkt" in cols or "geometry" in cols:
            wkt = df.pop(cols.get("wkt") or cols["geometry"])
            geometry = shapely.from_wkt(wkt.to_numpy(), on_invalid="ignore")
        else:
            lon = next((cols[c] for c in _LON_NAMES if c in cols), None)
            lat = next((cols[c] for c in _LAT_NAMES if c in cols), None)
            if lon is None or lat is None:
                raise LayerValidationError("CSV has neither a WKT column nor lon/lat columns", path=path)
            geometry = shapely.points(pd.to_numeric(df.pop(lon)), pd.to_numeric(df.pop(lat)))
        gdf = gpd.GeoDataFrame(df, geometry=geometry, crs=settings.STORAGE_CRS)
    else:
        gdf = gpd.read_file(path, engine="pyogrio")
        if gdf.crs is None:
            gdf = gdf.set_crs(settings.STORAGE_CRS)
    if not gdf.crs.is_geographic:
        raise CoordinateSystemError(f"{path}: expected longitude/latitude, got {gdf.crs.to_string()}")
    gdf = gdf[gdf.geometry.notna() & ~gdf.geometry.is_empty]
    gdf = convert_gdf(gdf, src=system, dst="wgs84")
    gdf.index = pd.MultiIndex.from_arrays(
        [np.full(len(gdf), "file"), np.arange(1, len(gdf) + 1)], names=["element", "id"]
    )
    return split_themes(gdf, themes)


# --- coordinate conversion of graphs ------------------------------------------------------------------


def convert_graph(graph: nx.MultiDiGraph, *, src: str, dst: str) -> nx.MultiDiGraph:
    """Copy of an osmnx graph with node x/y and edge geometries converted between systems.

    Edge lengths are kept: the GCJ-02/BD-09 shifts change them by less than 0.01 %.
    """
    if normalize_system(src) == normalize_system(dst):
        return graph
    graph = graph.copy()
    nodes = list(graph.nodes)
    xs = np.array([graph.nodes[n]["x"] for n in nodes], dtype=float)
    ys = np.array([graph.nodes[n]["y"] for n in nodes], dtype=float)
    lon, lat = convert_coords(xs, ys, src=src, dst=dst)
    nx.set_node_attributes(graph, dict(zip(nodes, lon.tolist(), strict=True)), "x")
    nx.set_node_attributes(graph, dict(zip(nodes, lat.tolist(), strict=True)), "y")
    with_geom = [(u, v, k, d["geometry"]) for u, v, k, d in graph.edges(keys=True, data=True) if "geometry" in d]
    if with_geom:
        converted = convert_geometry(np.array([g for *_, g in with_geom], dtype=object), src=src, dst=dst)
        for (u, v, k, _), geom in zip(with_geom, converted, strict=True):
            graph.edges[u, v, k]["geometry"] = geom
    return graph


# --- the import command -----------------------------------------------------------------------------------


def check_osm_file(path: Path, kind: str) -> None:
    """Read an OSM XML or PBF file once, completely: refuse a truncated, corrupt or empty one.

    Raises
    ------
    InputFileError
        Naming the file and what is wrong; the OSM cache is not touched.
    """
    import osmium

    counter = {"nodes": 0, "ways": 0, "relations": 0}
    with _readable(path, kind):
        for obj in osmium.FileProcessor(str(path)):
            counter["nodes" if obj.is_node() else "ways" if obj.is_way() else "relations"] += 1
    if not sum(counter.values()):
        raise InputFileError(f"holds no OSM elements (no node, way or relation); the OSM cache was kept. "
                             f"Check that the {'extract' if kind == 'pbf' else 'export'} covers the area",
                             path=path)


class _readable:
    """Context manager turning the readers' parse errors into one :class:`InputFileError`."""

    def __init__(self, path: Path, kind: str):
        self.path, self.kind = path, kind

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc is None or not isinstance(exc, RuntimeError | ValueError | SyntaxError | OSError) \
                or isinstance(exc, InputFileError | LayerValidationError | FileNotFoundError | PermissionError):
            return False
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        what = "OSM PBF" if self.kind == "pbf" else "OSM XML"
        raise InputFileError(f"not a complete {what} file ({first}); it may be truncated or corrupt. "
                             "Download or export it again; the OSM cache was kept", path=self.path) from exc



def import_osm_file(
    path: str | Path,
    *,
    area: str | None = None,
    polygon=None,
    crs: str = "wgs84",
    buildings: bool = False,
    network_types=None,
    osm_dir: Path | None = None,
    progress: bool = True,
    check_shift: bool = True,
) -> Path:
    """Import an OSM XML/PBF extract or a tagged vector file into the OSM cache of ``area``.

    Parameters
    ----------
    path : path-like
        ``.osm``/``.osm.xml``, ``.osm.pbf``, or ``.geojson``/``.gpkg``/``.csv``.
    area : str
        Study area (clip polygon and cache folder name).
    polygon : shapely geometry, optional
        WGS-84 clip polygon instead of the area's.
    crs : str
        Coordinate system of the file: ``wgs84`` (OSM's own), ``gcj02`` or ``bd09``.
    buildings : bool
        Also import ``building=*``.
    check_shift : bool
        For WGS-84 input, warn when the features look shifted by the GCJ-02 offset relative
        to the traced layers (see :func:`geo.sources.conflate.check_gcj02_shift`).

    Returns
    -------
    pathlib.Path
        The area's cache folder (features.gpkg, network_*.graphml, manifest.json).
    """
    area = settings.OSM_DEFAULT_AREA if area is None else area
    network_types = settings.OSM_NETWORK_TYPES if network_types is None else network_types
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path} does not exist")
    system = normalize_system(crs)
    kind = file_kind(path)
    polygon = polygon if polygon is not None else study_area(area)
    clip = convert_geometry(polygon, src="wgs84", dst=system)
    themes = [t for t in THEMES if buildings or t != "buildings"]
    graphs: dict[str, nx.MultiDiGraph] = {}
    clip_stats = None
    if kind == "vector":
        features = read_vector_file(path, crs=system, themes=themes)
        features = {t: g[g.intersects(polygon)].reset_index(drop=True) for t, g in features.items()}
    else:
        check_osm_file(path, kind)
        with _readable(path, kind), tempfile.TemporaryDirectory() as tmp:
            xml = path
            if kind == "pbf":
                keys = {k for t in themes for k in settings.OSM_TAGS[t]} | ({"highway"} if network_types else set())
                xml = Path(tmp) / "clip.osm"
                clip_stats = clip_pbf(path, clip, xml, keys=sorted(keys), progress=progress)
            features = features_from_osm_xml(xml, themes=themes, polygon=clip)
            for mode in tqdm(network_types, desc="networks", unit="network", disable=not progress):
                graph = graph_from_osm_xml(xml, network_type=mode, polygon=clip)
                if graph is not None:
                    graphs[mode] = graph
        if system != "wgs84":
            features = {t: convert_gdf(g, src=system, dst="wgs84") if len(g) else g for t, g in features.items()}
            graphs = {m: convert_graph(g, src=system, dst="wgs84") for m, g in graphs.items()}
    if check_shift and system == "wgs84":
        from geo.sources.conflate import warn_if_gcj02_shifted

        warn_if_gcj02_shifted(pd.concat([g for g in features.values() if len(g)] or [features[themes[0]]]),
                              what=path.name)
    provenance = {
        "source": "file",
        "input": {"path": str(path.resolve()), "kind": kind, "bytes": path.stat().st_size,
                  "sha256": sha256_file(path), "crs": system},
        "query": {"tags": merged_tags(themes), "network_types": list(network_types) if kind != "vector" else [],
                  "polygon_bounds": [round(b, 6) for b in polygon.bounds],
                  "polygon_wkt": shapely.to_wkt(polygon, rounding_precision=6)},
    }
    if clip_stats:
        provenance["pbf_clip"] = clip_stats
    return write_extract(area, features=features, graphs=graphs, provenance=provenance, osm_dir=osm_dir)
