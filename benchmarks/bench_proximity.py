"""Proximity at scale: nearest campus for 10^4..10^6 points, isochrones, the distance raster.

Targets (issue 6), each measured side by side in one run:

- nearest campus for 10^6 points under 1 s and at least 3x faster than geopandas
  ``sjoin_nearest`` on the same points and campuses;
- isochrones for every campus x 3 modes x 3 cut-offs at least 5x faster than a per-campus
  networkx ``ego_graph`` loop (the osmnx isochrone recipe) on the same network;
- the 10 m distance raster over Hongshan + Wuchang (build time);
- memory stays flat as the point count grows (chunked): peak traced allocations of the
  look-up beyond its own output.

Campuses are the traced layer when present (else synthetic); points are uniform over
settings.CORE_BOUNDS.  The isochrone comparison runs on the traced road network and on a
synthetic 60 x 60 street grid (7,000+ edges), since the traced arterial network is small.
"""

from __future__ import annotations

import time
import tracemalloc

import geopandas as gpd
import networkx as nx
import numpy as np
import shapely

from benchmarks._common import peak_rss_mb, save
from geo import settings
from geo.analysis import network as net
from geo.analysis import proximity as prox
from geo.analysis import raster

POINT_COUNTS = (10_000, 100_000, 1_000_000)
MEMORY_COUNTS = (100_000, 1_000_000, 3_000_000)


def _campuses() -> tuple[gpd.GeoDataFrame, str]:
    try:
        from geo.layers import load_layers

        return load_layers("campuses")["campuses"], "traced layer"
    except Exception:  # noqa: BLE001 - fall back to synthetic campuses when layers are absent
        rng = np.random.default_rng(1)
        grid = raster.grid_for_bounds(cell_m=10)
        cx = grid.west + rng.uniform(3000, grid.width * 10 - 3000, 15)
        cy = grid.north - rng.uniform(3000, grid.height * 10 - 3000, 15)
        geoms = [shapely.buffer(shapely.Point(x, y), r) for x, y, r in zip(cx, cy, rng.uniform(300, 900, 15), strict=True)]
        return gpd.GeoDataFrame({"id": [f"c{i}" for i in range(15)], "name_zh": "", "name_en": ""},
                                geometry=geoms, crs=settings.METRIC_CRS), "synthetic"


def _points(n: int, rng) -> tuple[np.ndarray, np.ndarray]:
    grid = raster.grid_for_bounds(cell_m=10)
    x = grid.west + rng.uniform(0, grid.width * 10, n)
    y = grid.north - rng.uniform(0, grid.height * 10, n)
    return x, y


def bench_nearest(campuses) -> list[dict]:
    rng = np.random.default_rng(42)
    camp_m = campuses.to_crs(settings.METRIC_CRS)
    rows = []
    for n in POINT_COUNTS:
        x, y = _points(n, rng)
        pts = gpd.GeoDataFrame(geometry=shapely.points(x, y), crs=settings.METRIC_CRS)
        t0 = time.perf_counter()
        ours = prox.nearest_campus_points(pts, camp_m)
        t_ours = time.perf_counter() - t0
        index = prox.CampusIndex(camp_m)
        t0 = time.perf_counter()
        index.query(x, y)
        t_query = time.perf_counter() - t0
        t0 = time.perf_counter()
        ref = gpd.sjoin_nearest(pts, camp_m[["id", "geometry"]], distance_col="distance_m")
        t_sjoin = time.perf_counter() - t0
        ref = ref[~ref.index.duplicated()]  # equidistant ties give several rows
        err = np.abs(ours["distance_m"].to_numpy() - ref["distance_m"].to_numpy())
        rows.append({"points": n, "ours_s": t_ours, "ours_query_only_s": t_query, "sjoin_nearest_s": t_sjoin,
                     "speedup": t_sjoin / t_ours, "share_within_1cm": float(np.mean(err <= 0.01)),
                     "max_abs_error_m": float(err.max())})
    return rows


def bench_memory(campuses) -> list[dict]:
    rng = np.random.default_rng(7)
    index = prox.CampusIndex(campuses)
    rows = []
    for n in MEMORY_COUNTS:
        x, y = _points(n, rng)
        tracemalloc.start()
        out = index.query(x, y)
        current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        output_bytes = int(out.memory_usage(deep=False).sum())
        rows.append({"points": n, "peak_traced_mb": peak / 2**20, "output_mb": output_bytes / 2**20,
                     "working_mb": (peak - output_bytes) / 2**20})
        del out
    return rows


def _grid_network(n: int = 60, spacing: float = 150.0) -> tuple[net.RoadNetwork, gpd.GeoDataFrame]:
    """An n x n street grid (spacing m) in Hongshan, and 15 campuses scattered over it."""
    x0, y0 = 236_000.0, 3_370_000.0
    lines = [shapely.LineString([(x0, y0 + i * spacing), (x0 + (n - 1) * spacing, y0 + i * spacing)]) for i in range(n)]
    lines += [shapely.LineString([(x0 + i * spacing, y0), (x0 + i * spacing, y0 + (n - 1) * spacing)]) for i in range(n)]
    roads = gpd.GeoDataFrame({"id": [f"r{i}" for i in range(len(lines))]}, geometry=lines, crs=settings.METRIC_CRS)
    network = net.build_network(roads)
    rng = np.random.default_rng(3)
    cx = x0 + rng.uniform(500, (n - 1) * spacing - 500, 15)
    cy = y0 + rng.uniform(500, (n - 1) * spacing - 500, 15)
    campuses = gpd.GeoDataFrame({"id": [f"c{i}" for i in range(15)], "name_zh": "", "name_en": ""},
                                geometry=[shapely.box(x - 200, y - 150, x + 200, y + 150) for x, y in zip(cx, cy, strict=True)],
                                crs=settings.METRIC_CRS)
    return network, campuses


def _ego_graph_isochrones(network: net.RoadNetwork, campuses: gpd.GeoDataFrame, *, polygons: bool):
    """The per-campus recipe: networkx ego_graph per campus x mode x cut-off (+ buffered edges)."""
    g = nx.Graph()
    for k, (u, v, length) in enumerate(zip(network.edge_u, network.edge_v, network.edge_length_m, strict=True)):
        if not g.has_edge(u, v) or g[u][v]["length"] > length:
            g.add_edge(int(u), int(v), length=float(length), k=k)
    links = net.attach(network, campuses)
    start = {}
    for obj, node, cost in zip(links.obj, links.node, links.cost_m, strict=True):
        if obj not in start or cost < start[obj][1]:
            start[obj] = (int(node), cost)
    out = []
    for i in range(len(campuses)):
        node, _ = start[i]
        for mode in ("walk", "bike", "drive"):
            for minutes in settings.ISOCHRONE_MINUTES:
                sub = nx.ego_graph(g, node, radius=net.cutoff_m(minutes, mode), distance="length")
                if polygons:
                    ks = [d["k"] for _, _, d in sub.edges(data=True)]
                    geoms = network.edge_geometry[ks]
                    out.append(shapely.union_all(
                        [campuses.geometry.iloc[i], *shapely.buffer(geoms, settings.ISOCHRONE_BUFFER_M, quad_segs=4)]))
                else:
                    out.append(len(sub))
    return out


def _ours_dijkstra_only(network, campuses):
    links = net.attach(network, campuses)
    budget = max(net.cutoff_m(t, m) for m in ("walk", "bike", "drive") for t in settings.ISOCHRONE_MINUTES)
    dist = net.distances_from(network, links, limit_m=budget)
    return [(dist[i] <= net.cutoff_m(t, m)).sum() for i in range(len(campuses))
            for m in ("walk", "bike", "drive") for t in settings.ISOCHRONE_MINUTES]


def bench_isochrones(name, network, campuses) -> dict:
    def timed(fn):
        t0 = time.perf_counter()
        fn()
        return time.perf_counter() - t0

    t_ours = min(timed(lambda: prox.isochrones(campuses, network)) for _ in range(2))
    t_ego = timed(lambda: _ego_graph_isochrones(network, campuses, polygons=True))
    t_ours_sp = min(timed(lambda: _ours_dijkstra_only(network, campuses)) for _ in range(3))
    t_ego_sp = timed(lambda: _ego_graph_isochrones(network, campuses, polygons=False))
    return {"network": name, "nodes": network.n_nodes, "edges": network.n_edges, "campuses": len(campuses),
            "polygons": len(campuses) * 9,
            "ours_polygons_s": t_ours, "ego_graph_polygons_s": t_ego, "speedup_polygons": t_ego / t_ours,
            "ours_shortest_paths_s": t_ours_sp, "ego_graph_shortest_paths_s": t_ego_sp,
            "speedup_shortest_paths": t_ego_sp / t_ours_sp}


def bench_raster(campuses, network) -> dict:
    grid = raster.grid_for_bounds(settings.CORE_BOUNDS, cell_m=10)
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        dist = raster.distance_surface(campuses, grid)
        t_dist = time.perf_counter() - t0
        t0 = time.perf_counter()
        raster.write_surface(dist, grid, Path(tmp) / "d.tif")
        t_write = time.perf_counter() - t0
        size_mb = (Path(tmp) / "d.tif").stat().st_size / 2**20
        t0 = time.perf_counter()
        raster.travel_time_surface(campuses, network, grid) if network is not None else None
        t_walk = time.perf_counter() - t0
    return {"cells": grid.width * grid.height, "width": grid.width, "height": grid.height, "cell_m": 10,
            "distance_compute_s": t_dist, "distance_write_s": t_write, "distance_tif_mb": size_mb,
            "walk_time_surface_s": t_walk if network is not None else None}


def main() -> dict:
    campuses, campus_source = _campuses()
    nearest = bench_nearest(campuses)
    memory = bench_memory(campuses)
    iso = []
    traced = None
    try:
        from geo.layers import load_layers

        traced = net.build_network(load_layers("roads")["roads"])
        iso.append(bench_isochrones("traced roads", traced, campuses))
    except Exception as exc:  # noqa: BLE001 - the traced roads may not exist yet
        print(f"(traced network skipped: {exc})")
    grid_net, grid_campuses = _grid_network()
    iso.append(bench_isochrones("synthetic 60x60 grid", grid_net, grid_campuses))
    ras = bench_raster(campuses, traced)

    print(f"nearest campus ({campus_source}, {len(campuses)} campuses) vs geopandas sjoin_nearest")
    print(f"{'points':>10} {'ours s':>9} {'query s':>9} {'sjoin s':>9} {'speed-up':>9} {'<=1 cm':>7} {'max err m':>9}")
    for r in nearest:
        print(f"{r['points']:>10,} {r['ours_s']:>9.3f} {r['ours_query_only_s']:>9.3f} {r['sjoin_nearest_s']:>9.3f} "
              f"{r['speedup']:>8.1f}x {r['share_within_1cm']:>7.4f} {r['max_abs_error_m']:>9.3f}")
    print("\nmemory of the chunked look-up (tracemalloc, MB)")
    print(f"{'points':>10} {'peak':>9} {'output':>9} {'working':>9}")
    for r in memory:
        print(f"{r['points']:>10,} {r['peak_traced_mb']:>9.1f} {r['output_mb']:>9.1f} {r['working_mb']:>9.1f}")
    print("\nisochrones, every campus x 3 modes x 3 cut-offs: one Dijkstra pass vs per-campus ego_graph")
    print(f"{'network':>22} {'nodes':>6} {'polys':>6} {'ours s':>8} {'ego s':>8} {'x':>6} {'sp ours':>8} {'sp ego':>8} {'x':>7}")
    for r in iso:
        print(f"{r['network']:>22} {r['nodes']:>6} {r['polygons']:>6} {r['ours_polygons_s']:>8.3f} "
              f"{r['ego_graph_polygons_s']:>8.3f} {r['speedup_polygons']:>5.1f}x {r['ours_shortest_paths_s']:>8.4f} "
              f"{r['ego_graph_shortest_paths_s']:>8.3f} {r['speedup_shortest_paths']:>6.1f}x")
    print(f"\ndistance raster {ras['width']}x{ras['height']} at 10 m: compute {ras['distance_compute_s']:.2f} s, "
          f"write {ras['distance_write_s']:.2f} s ({ras['distance_tif_mb']:.1f} MB); "
          f"walk-time surface {ras['walk_time_surface_s'] or float('nan'):.2f} s")
    print(f"peak RSS {peak_rss_mb():.0f} MB")
    results = {"campuses": campus_source, "nearest_campus": nearest, "memory": memory, "isochrones": iso,
               "raster": ras, "peak_rss_mb": peak_rss_mb()}
    path = save("proximity", results)
    print(f"written {path}")
    return results


if __name__ == "__main__":
    main()
