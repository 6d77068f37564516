"""Proximity at scale: nearest campus for 10^4..10^6 points, isochrones on real streets, the distance raster.

Targets (issue 13, part "real networks"), each measured side by side in one run:

- nearest campus for 10^6 points under 1 s (and faster than geopandas ``sjoin_nearest``);
- every isochrone — every campus x walk/bike/drive x 5/10/15 min, polygons included — at
  least 50x faster than the osmnx-tutorial recipe (per campus, mode and cut-off:
  ``nx.ego_graph`` with radius = time, the reached edges buffered and unioned), on the real
  OpenStreetMap network of Hongshan + Wuchang (the shared neatnet edge list, © OpenStreetMap
  contributors, ODbL), and on the traced roads;
- peak memory (tracemalloc for the isochrones and the chunked look-up; peak RSS);
- the 60-minute drive from the 车谷 corridor on the whole file (the one-hour supply-chain circle);
- the 10 m distance raster over Hongshan + Wuchang (build time).

Campuses are the traced layer when present (else synthetic); points are uniform over
settings.CORE_BOUNDS.
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


SHARED_EDGES = settings.REPO_ROOT.parent / "shared" / "osm_wuhan" / "neatnet_wuhan_8989_osm_street_edges.parquet"


def _real_network():
    """The shared OSM street network (© OpenStreetMap contributors, ODbL), clipped as `corridor analyse` does."""
    from geo.analysis import streets
    from geo.analysis.pipeline import analysis_area
    from geo.layers import load_layers

    layers = load_layers("campuses", "districts", "citywide_corridors")
    t0 = time.perf_counter()
    area = analysis_area(layers)
    graph = streets.read_graph(SHARED_EDGES, clip=area)
    network = net.network_from_graph(graph)
    for mode in ("walk", "bike", "drive"):
        network.for_mode(mode).adjacency()
    return network, layers, area, time.perf_counter() - t0


def _ego_graph_isochrones(network: net.RoadNetwork, campuses: gpd.GeoDataFrame, *, polygons: bool):
    """The osmnx-tutorial recipe, per campus x mode x cut-off: ``nx.ego_graph`` from the node nearest
    the campus centroid with radius = the cut-off in seconds (edge attribute ``time``), then the
    reached edges buffered (by the same per-mode cap as ours) and unioned with the campus."""
    from scipy.spatial import cKDTree

    c_m = campuses.to_crs(settings.METRIC_CRS)
    centre = shapely.get_coordinates(c_m.geometry.centroid.to_numpy())
    out = []
    for mode in ("walk", "bike", "drive"):
        view = network.for_mode(mode)
        g = nx.DiGraph()
        for k, (u, v, t) in enumerate(zip(view.edge_u.tolist(), view.edge_v.tolist(), view.edge_cost.tolist(),
                                          strict=True)):
            if not g.has_edge(u, v) or g[u][v]["time"] > t:
                g.add_edge(u, v, time=t, k=k)
        nodes = np.array(list(g.nodes))
        _, nearest = cKDTree(view.node_xy[nodes]).query(centre)
        cap = settings.ISOCHRONE_ACCESS_CAP_M[mode]
        for i in range(len(c_m)):
            for minutes in settings.ISOCHRONE_MINUTES:
                sub = nx.ego_graph(g, int(nodes[nearest[i]]), radius=minutes * 60.0, distance="time")
                if polygons:
                    ks = [d["k"] for _, _, d in sub.edges(data=True)]
                    out.append(shapely.union_all([c_m.geometry.iloc[i],
                                                  *shapely.buffer(view.edge_geometry[ks], cap, quad_segs=4)]))
                else:
                    out.append(len(sub))
    return out


def _ours_shortest_paths(network, campuses):
    out = []
    for mode in ("walk", "bike", "drive"):
        view = network.for_mode(mode)
        t = net.distances_from(view, net.attach(view, campuses), limit=max(settings.ISOCHRONE_MINUTES) * 60.0)
        out += [(t[i] <= m * 60.0).sum() for i in range(len(campuses)) for m in settings.ISOCHRONE_MINUTES]
    return out


def bench_isochrones(name, network, campuses, *, bounds=None) -> dict:
    def timed(fn):
        t0 = time.perf_counter()
        result = fn()
        return time.perf_counter() - t0, result

    t_ours, iso = min((timed(lambda: prox.isochrones(campuses, network, bounds=bounds)) for _ in range(2)),
                      key=lambda r: r[0])
    tracemalloc.start()
    prox.isochrones(campuses, network, bounds=bounds)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    t_ours_sp, _ = min(timed(lambda: _ours_shortest_paths(network, campuses)) for _ in range(3))
    t_ego_sp, _ = timed(lambda: _ego_graph_isochrones(network, campuses, polygons=False))
    t_ego, ego = timed(lambda: _ego_graph_isochrones(network, campuses, polygons=True))
    walk = iso[iso["mode"] == "walk"].pivot(index="campus_id", columns="minutes", values="area_m2") / 1e6
    ego_area = np.array([shapely.area(g) for g in ego]) / 1e6
    return {"network": name, "nodes": network.n_nodes, "edges": network.n_edges, "campuses": len(campuses),
            "polygons": len(iso), "ours_polygons_s": t_ours, "ego_graph_polygons_s": t_ego,
            "speedup_polygons": t_ego / t_ours, "ours_peak_traced_mb": peak / 2**20,
            "ours_shortest_paths_s": t_ours_sp, "ego_graph_shortest_paths_s": t_ego_sp,
            "speedup_shortest_paths": t_ego_sp / t_ours_sp,
            "ours_total_area_km2": float(iso["area_m2"].sum() / 1e6), "ego_total_area_km2": float(ego_area.sum()),
            "walk_area_km2": {cid: [round(float(a), 2) for a in r] for cid, r in walk.iterrows()}}


def bench_supply_circle(network, layers) -> dict:
    from geo.analysis import streets
    from geo.analysis.pipeline import supply_chain_circle, supply_circle_source

    source = supply_circle_source(layers)
    t0 = time.perf_counter()
    full = net.network_from_graph(streets.read_graph(SHARED_EDGES))
    t_load = time.perf_counter() - t0
    t0 = time.perf_counter()
    circle = supply_chain_circle(source, full)
    t_circle = time.perf_counter() - t0
    row = circle.drop(columns="geometry").iloc[0]
    return {"load_full_network_s": t_load, "circle_s": t_circle, "area_km2": float(row.area_km2),
            "area_outside_source_km2": float(row.area_outside_source_km2), "doc_area_km2": float(row.doc_area_km2),
            "network_covers_source": float(row.network_covers),
            "reached_share_of_network": float(row.reached_share_of_network)}


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
    circle, load_s = None, None
    if SHARED_EDGES.exists():
        real, layers, area, load_s = _real_network()
        iso.append(bench_isochrones("OSM Hongshan+Wuchang", real, campuses, bounds=area.bounds))
        circle = bench_supply_circle(real, layers)
    else:
        print(f"(real OSM network skipped: {SHARED_EDGES} not found)")
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
    print("\nisochrones, every campus x 3 modes x 3 cut-offs (polygons included): one Dijkstra pass per mode "
          "vs per-campus ego_graph + buffer + union")
    print(f"{'network':>22} {'nodes':>6} {'polys':>6} {'ours s':>8} {'ego s':>8} {'x':>6} {'sp ours':>8} "
          f"{'sp ego':>8} {'x':>7} {'peak MB':>8}")
    for r in iso:
        print(f"{r['network']:>22} {r['nodes']:>6} {r['polygons']:>6} {r['ours_polygons_s']:>8.3f} "
              f"{r['ego_graph_polygons_s']:>8.3f} {r['speedup_polygons']:>5.1f}x {r['ours_shortest_paths_s']:>8.4f} "
              f"{r['ego_graph_shortest_paths_s']:>8.3f} {r['speedup_shortest_paths']:>6.1f}x "
              f"{r['ours_peak_traced_mb']:>8.0f}")
    if load_s is not None:
        print(f"reading + compiling the OSM network (clipped): {load_s:.1f} s")
        print("walk isochrone areas on OSM streets, km² at 5 / 10 / 15 min:")
        for cid, areas in iso[-1]["walk_area_km2"].items():
            print(f"  {cid:>24}: {' / '.join(f'{a:.2f}' for a in areas)}")
    if circle is not None:
        print(f"one-hour supply-chain circle from corridor-chegu: {circle['area_km2']:.0f} km² "
              f"({circle['area_outside_source_km2']:.0f} km² outside the corridor) vs the document's "
              f"{circle['doc_area_km2']:.0f} km²; network covers {100 * circle['network_covers_source']:.0f}% of "
              f"the corridor, {100 * circle['reached_share_of_network']:.0f}% of its streets reached; "
              f"{circle['circle_s']:.1f} s (+{circle['load_full_network_s']:.1f} s to read the whole file)")
    print(f"\ndistance raster {ras['width']}x{ras['height']} at 10 m: compute {ras['distance_compute_s']:.2f} s, "
          f"write {ras['distance_write_s']:.2f} s ({ras['distance_tif_mb']:.1f} MB); "
          f"walk-time surface {ras['walk_time_surface_s'] or float('nan'):.2f} s")
    print(f"peak RSS {peak_rss_mb():.0f} MB")
    results = {"campuses": campus_source, "nearest_campus": nearest, "memory": memory, "isochrones": iso,
               "osm_network_load_s": load_s, "supply_chain_circle": circle, "raster": ras,
               "peak_rss_mb": peak_rss_mb()}
    path = save("proximity", results)
    print(f"written {path}")
    return results


if __name__ == "__main__":
    main()
