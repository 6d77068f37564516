#!/usr/bin/env python3
"""Re-derive the courses of the traced roads from OpenStreetMap reference data.

Reads the named OSM ways of ``chuanwit_wuhan_roads_osm_sample.geojson`` and the OSM street
edges of ``neatnet_wuhan_8989_osm_street_edges.parquet`` in the shared reference folder
(``<checkout>/../shared/osm_wuhan``, see its PROVENANCE.md; never copied into the
repository) and rewrites the geometry, ``source``, ``source_detail`` and ``uncertainty_m`` of
the roads listed in :data:`PLAN` in ``layers/traced/roads.geojson``.

For each road:

1. the named ways of the same name within 1.5 km of the old traced line are taken, one
   carriageway of each dual carriageway (a way is dropped when half its vertices lie within
   60 m of a longer way already taken), and cut to the stretch between the road's end
   points (the old line's ends unless :data:`PLAN` names new ones);
2. the pieces are put in order along the road and the gaps between them, and between them
   and the end points, are filled by the shortest path on the OSM street edges (major
   classes preferred), so the whole course follows OSM streets;
3. the line is simplified to 10 m in UTM 50N and stored in WGS-84 with 6 decimals.

``uncertainty_m`` is set to the 95th percentile distance of the new line's vertices to the
named ways (where it runs along them) plus a 25 m margin for carriageway offset and
simplification, but at least 30 m; roads or stretches routed only on unnamed edges get at
least :data:`ROUTED_ONLY_M`.

Data © OpenStreetMap contributors, ODbL 1.0.

Run:  .venv/bin/python scripts/derive_osm_roads.py [--dry-run]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import geopandas as gpd  # noqa: E402
import networkx as nx  # noqa: E402
import shapely  # noqa: E402
import tracing  # noqa: E402  (puts the repository root on sys.path)
from shapely.geometry import LineString, Point, shape  # noqa: E402

from geo import settings  # noqa: E402
from geo.io import write_json  # noqa: E402

REF = Path(settings.REPO_ROOT).parent / "shared" / "osm_wuhan"
CHUANWIT = "chuanwit_wuhan_roads_osm_sample.geojson"
NEATNET = "neatnet_wuhan_8989_osm_street_edges.parquet"
ROUTED_ONLY_M = 60
MAJOR = ("trunk", "primary", "secondary", "tertiary")

#: road id -> options. ``start``/``end``: WGS-84 end points replacing the old line's ends
#: (with what they are); ``name``: OSM name to match when it differs from name_zh;
#: ``via``: WGS-84 points the course must pass (no named ways there).
PLAN: dict[str, dict] = {
    # 中南路 runs from 洪山广场 SSW past 中南路站 to 武珞路 (中商广场); no named ways in the sample.
    "road-zhongnan-lu": {
        "start": (114.33097, 30.54777, "洪山广场 station, OSM nodes 2398956724/5227950236"),
        "via": [(114.32736, 30.53987, "中南路站, OSM node 1406768660")],
        "end": (114.3246, 30.5366, "中南路 x 武珞路 (中商广场), read off the OSM street edges")},
    # 东湖路 begins at 水果湖 (白鹭街 x 东湖路) where its named OSM ways begin.
    "road-donghu-lu": {"start": (114.34084, 30.55402, "水果湖 station, OSM nodes 8301451238/10303862447 (白鹭街 x 东湖路)")},
    # ends on the streets just outside the 光谷广场 roundabout (its centre snaps to the 光谷珞瑜路通道 tunnel)
    "road-minzu-dadao": {"start": (114.3933, 30.5073, "民族大道 at the south edge of the 光谷广场 roundabout, "
                                                      "read off the OSM street edges")},
    "road-xiongchu-dadao": {},
    "road-huquan-jie": {},
    # further roads whose named OSM ways the sample holds: taken when the OSM course (possibly
    # shorter: only the stretch the sample names) is better than the hand-traced line
    "road-bayi-lu": {}, "road-donghu-nanlu": {},
    "road-luoyu-lu": {"start": (114.34764, 30.5287, "街道口 station, OSM node 2398956607"),
                      "end": (114.3928, 30.5088, "west edge of the 光谷广场 roundabout, read off the OSM street edges")},
    # OSM names the 光谷广场 - 华中科技大学 stretch 珞喻路 and the stretch further east 珞喻东路
    "road-luoyu-donglu": {"names": ("珞喻东路", "珞喻路"),
                          "start": (114.3945, 30.5089, "east edge of the 光谷广场 roundabout (west end of OSM way 149568904)"),
                          "end": (114.4360, 30.5092, "east end of OSM way 231528668 (the sample names no further stretch)")},
    "road-zhuodaoquan-nanlu": {}, "road-luoshi-nanlu": {},
    "road-lumo-lu": {"start": (114.3937, 30.5098, "鲁磨路 at the north edge of the 光谷广场 roundabout, read off the OSM street edges"),
                     "end": (114.40033, 30.55176, "north end of OSM way 122891504")},
    "road-dingziqiao-lu": {},
    # the hand tracing put 南李路 on an east-west street 2 km east of it; OSM has it north-south
    # past 湖工大 station
    "road-nanli-lu": {"search_m": 4000,
                      "start": (114.30907, 30.49612, "north end of OSM way 231805323"),
                      "end": (114.30284, 30.45864, "south end of OSM way 231808168")},
    "road-guanshan-dadao": {"start": (114.4076, 30.5097, "珞喻路 x 关山大道 (关山口) beside 华中科技大学站, OSM node 6313606698"),
                            "min_unc": (60, "its south end at 珞喻路 lies 161 m from 华中科技大学站, ~40 m more than the "
                                            "120 m the 关山口 junction lies from the station (layers/anchors.csv)")},
    "road-guanggu-dadao": {},
    "road-baishazhou-dadao": {}, "road-heping-dadao": {}, "road-youyi-dadao": {},
}
#: roads always taken from OSM (the errors the 2026-12 audit found)
REQUIRED = {"road-zhongnan-lu", "road-donghu-lu", "road-minzu-dadao", "road-xiongchu-dadao", "road-huquan-jie",
            "road-nanli-lu"}


def _to_utm(g):
    return tracing.to_utm(g)


def _to_wgs(g):
    return tracing.from_utm(g)


def load_reference(ref_dir: Path):
    """Named ways (UTM) and the street-edge graph of the reference folder."""
    ways = gpd.read_file(ref_dir / CHUANWIT).to_crs(32650)
    edges = gpd.read_parquet(ref_dir / NEATNET)
    if edges.crs is None or edges.crs.to_epsg() not in (32650, None):
        edges = edges.to_crs(32650)
    hw = edges["highway"].astype(str)
    # keep edges with at least one road class (merged edges carry lists such as ['trunk', 'service'])
    edges = edges[hw.str.contains("motorway|trunk|primary|secondary|tertiary|unclassified|residential|living_street")].copy()
    edges["major"] = edges["highway"].astype(str).str.contains("|".join(MAJOR + ("motorway",)))
    return ways, edges


def pick_ways(named: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """One carriageway per dual carriageway: longest first, drop ways mostly beside a taken one."""
    named = named.assign(_len=named.length).sort_values("_len", ascending=False)
    taken = []
    for idx, g in zip(named.index, named.geometry, strict=True):
        pts = shapely.points(shapely.get_coordinates(shapely.segmentize(g, 20)))
        if taken:
            near = shapely.distance(pts, shapely.union_all([named.geometry[i] for i in taken])) < 60
            if near.mean() >= 0.5:
                continue
        taken.append(idx)
    return named.loc[taken]


def graph(edges, guide, k=60.0):
    G = nx.Graph()
    mids = shapely.line_interpolate_point(edges.geometry.values, 0.5, normalized=True)
    d = shapely.distance(mids, guide)
    for u, v, geom, length, dd, mj in zip(edges.u, edges.v, edges.geometry.values,
                                          edges.geometry.length.values, d, edges.major.values,
                                          strict=True):
        w = length * (1 + dd / k) * (1 if mj else 3)
        if not G.has_edge(u, v) or G[u][v]["w"] > w:
            G.add_edge(u, v, w=w, geom=geom)
    return G


def node_xy(edges):
    """Node ids, their coordinates and a mask of nodes on major streets (snap targets).

    The edge geometries are not always stored in u -> v order, so a node's position is the
    end-point coordinate its edges share most often."""
    from collections import Counter, defaultdict

    seen, major = defaultdict(Counter), set()
    for u, v, g, mj in zip(edges.u, edges.v, edges.geometry.values, edges.major.values, strict=True):
        c = shapely.get_coordinates(g)
        ends = (tuple(np.round(c[0], 2)), tuple(np.round(c[-1], 2)))
        for n in (u, v):
            seen[n].update(ends)
        if mj:
            major.update((u, v))
    xy = {n: np.array(cnt.most_common(1)[0][0]) for n, cnt in seen.items()}
    ids = np.array([i for i in xy if i in major])
    return ids, np.array([xy[i] for i in ids]), xy


def _candidates(nodes, edges_major, xy_pt):
    """Snap candidates of a point: the nearest major node and both ends of the nearest major edge."""
    ids, arr, _ = nodes
    out = {ids[np.argmin(((arr - xy_pt) ** 2).sum(1))]}
    i = edges_major.sindex.nearest(Point(xy_pt), return_all=False)[1][0]
    out.update((edges_major.u.iloc[i], edges_major.v.iloc[i]))
    return out


def route(G, nodes, a, b, edges_major=None):
    ids, arr, xy = nodes
    if edges_major is None:
        na = ids[np.argmin(((arr - a) ** 2).sum(1))]
        nb = ids[np.argmin(((arr - b) ** 2).sum(1))]
        path = nx.shortest_path(G, na, nb, weight="w")
    else:
        best = None
        for na in _candidates(nodes, edges_major, a):
            if na not in G:
                continue
            dist, paths = nx.single_source_dijkstra(G, na, weight="w")
            for nb in _candidates(nodes, edges_major, b):
                if nb in dist:
                    cost = dist[nb] + 3 * (np.hypot(*(xy[na] - a)) + np.hypot(*(xy[nb] - b)))
                    if best is None or cost < best[0]:
                        best = (cost, paths[nb])
        if best is None:
            raise nx.NetworkXNoPath("no candidate pair connects")
        path = best[1]
    parts = []
    cursor = xy[path[0]]
    for u, v in zip(path[:-1], path[1:], strict=True):
        c = shapely.get_coordinates(G[u][v]["geom"])
        # orient each edge from the end of the line assembled so far
        if np.hypot(*(c[-1] - cursor)) < np.hypot(*(c[0] - cursor)):
            c = c[::-1]
        parts.append(c)
        cursor = c[-1]
    if not parts:
        return np.asarray([xy[path[0]], xy[path[-1]]])
    out = np.vstack(parts)
    direct = float(np.hypot(*(np.asarray(b) - np.asarray(a))))
    if LineString(out).length > 1.4 * direct + 200:   # an arterial runs nearly straight
        raise RuntimeError(f"route detours ({LineString(out).length:.0f} m for {direct:.0f} m)")
    return out


def derive(feature: dict, opts: dict, ways, edges, nodes_cache) -> tuple[LineString, dict]:
    p = feature["properties"]
    old = _to_utm(shape(feature["geometry"]))
    names = opts.get("names", (p["name_zh"],))
    named = ways[(ways["name"].isin(names)) & (ways.distance(old) < opts.get("search_m", 1500))]
    start = np.array(_to_utm(Point(opts["start"][:2])).coords[0]) if "start" in opts else np.array(old.coords[0])
    end = np.array(_to_utm(Point(opts["end"][:2])).coords[0]) if "end" in opts else np.array(old.coords[-1])
    via = [np.array(_to_utm(Point(v[:2])).coords[0]) for v in opts.get("via", [])]
    axis = LineString([start, *via, end])
    pieces = []
    if len(named):
        chosen = pick_ways(named)
        for oid, g in zip(chosen["osm_id"], chosen.geometry, strict=True):
            # keep the stretch between the end points (projected on the axis)
            c = shapely.get_coordinates(g)
            s = np.array([axis.project(Point(x)) for x in c])
            keep = (s > 1.0) & (s < axis.length - 1.0) & (shapely.distance(shapely.points(c), axis) < 1500)
            if keep.sum() < 2:
                continue
            seg = c[keep]
            ss = s[keep]
            if ss[-1] < ss[0]:
                seg, ss = seg[::-1], ss[::-1]
            pieces.append((ss[0], ss[-1], seg, int(oid)))
    pieces.sort(key=lambda t: t[0])
    # drop pieces contained in an earlier one (overlapping stretches)
    kept, reach = [], -1.0
    for pc in pieces:
        if pc[1] <= reach + 20:
            continue
        kept.append(pc)
        reach = max(reach, pc[1])
    coords, routed_len, bridged = [], 0.0, 0.0
    if not kept:
        # no named way: shortest path (major streets preferred) from the start through the via
        # points to the end on the street edges
        G = graph(edges, axis, k=1e9)
        nodes = nodes_cache.setdefault("nodes", node_xy(edges))
        major = nodes_cache.setdefault("major", edges[edges.major].reset_index(drop=True))
        stops = [start, *via, end]
        for p0, p1 in zip(stops[:-1], stops[1:], strict=True):
            r = route(G, nodes, p0, p1, edges_major=major)
            routed_len += LineString(r).length
            coords.append(r)
    else:
        nodes = nodes_cache.setdefault("nodes", node_xy(edges))

        def join(p0, p1):
            """Fill a gap: the street-edge route when it does not detour, else a straight join."""
            nonlocal routed_len, bridged
            gap = float(np.hypot(*(p1 - p0)))
            if gap <= 60:
                bridged += gap
                return
            try:
                # shortest path by length (major streets preferred), checked for detours below
                r = route(graph(edges, LineString([p0, p1]), k=1e9), nodes, p0, p1,
                          edges_major=nodes_cache.setdefault("major", edges[edges.major].reset_index(drop=True)))
            except (RuntimeError, nx.NetworkXNoPath) as exc:
                print(f"  {p['id']}: gap of {gap:.0f} m joined straight ({exc})")
                bridged += gap
                return
            routed_len += LineString(r).length
            coords.append(r)

        seq = [pc[2] for pc in kept]
        if "start" in opts:
            coords.append(start[None, :])
        for seg in seq:
            if coords:
                join(coords[-1][-1], seg[0])
            coords.append(seg)
        if "end" in opts:
            join(coords[-1][-1], end)
            coords.append(end[None, :])
    c = np.vstack(coords)
    keep = np.r_[True, np.hypot(*np.diff(c, axis=0).T) > 0.5]
    line = LineString(c[keep]).simplify(10)
    # uncertainty: 95th percentile distance to the named ways where the line runs along them
    way_ids = [pc[3] for pc in kept]
    pts = shapely.points(shapely.get_coordinates(shapely.segmentize(line, 10)))
    if way_ids:
        d = shapely.distance(pts, shapely.union_all(list(named.geometry)))
        along = d[d < 150]
        unc = max(30, int(np.ceil((np.percentile(along, 95) if len(along) else 0) + 25) / 5) * 5)
    else:
        unc = 30
    if routed_len > 0.5 * line.length:
        unc = max(unc, ROUTED_ONLY_M)
    info = {"way_ids": way_ids, "routed_m": routed_len, "bridged_m": bridged, "length_m": line.length,
            "start": opts.get("start"), "end": opts.get("end"), "via": opts.get("via", [])}
    return line, {"uncertainty_m": unc, **info}


def measure(line, name, ways, edges) -> tuple[float, float]:
    """(p95 of the named-way vertices alongside the line to the line, p95 of the line's vertices
    to the major OSM street edges or the named ways), metres; the first is nan when no named way
    runs alongside."""
    names = (name,) if isinstance(name, str) else tuple(name)
    named = ways[(ways["name"].isin(names)) & (ways.distance(line) < 1500)]
    along = np.nan
    if len(named):
        c = shapely.get_coordinates(shapely.segmentize(shapely.union_all(list(named.geometry)), 10))
        s = np.array([line.project(Point(x)) for x in c])
        inner = c[(s > 1.0) & (s < line.length - 1.0)]
        if len(inner):
            along = float(np.percentile(shapely.distance(shapely.points(inner), line), 95))
    major = edges[edges.major]
    near = major[major.distance(line) < 2000]
    # the street edges miss a few stretches the named ways have (珞喻东路 east of 114.424 E)
    ref = shapely.union_all(list(near.geometry) + list(named.geometry))
    pts = shapely.points(shapely.get_coordinates(shapely.segmentize(line, 10)))
    to_edges = float(np.percentile(shapely.distance(pts, ref), 95))
    return along, to_edges


def honest_uncertainty(along: float, to_edges: float, floor: float) -> int:
    """The larger measured error plus 20 m, rounded up to 10 m, and at least ``floor``."""
    worst = max(x for x in (along, to_edges) if not np.isnan(x))
    return int(max(floor, np.ceil((worst + 20) / 10) * 10))


def source_detail(info: dict) -> str:
    ways = ", ".join(str(w) for w in info["way_ids"]) or "none (no way of this name in the sample)"
    ends = []
    for key in ("start", "via", "end"):
        v = info.get(key)
        for item in ([v] if key != "via" else v) if v else []:
            ends.append(f"{key} {item[0]:.5f},{item[1]:.5f} WGS-84 ({item[2]})")
    return ("Course taken from OpenStreetMap (© OpenStreetMap contributors, ODbL): named ways of "
            f"{CHUANWIT} (osm_id {ways}), one carriageway each, cut to the road's ends and joined in order "
            f"(straight joins over gaps: {info['bridged_m']:.0f} m of {info['length_m']:.0f} m)"
            + (f"; course routed along the OSM street edges of {NEATNET} ({info['routed_m']:.0f} m)"
               if info["routed_m"] else "")
            + "; simplified to 10 m in UTM 50N; stored WGS-84. "
            + ("; ".join(ends) + ". " if ends else "")
            + "Derived by scripts/derive_osm_roads.py from the shared reference data "
              "(shared/osm_wuhan, PROVENANCE.md). uncertainty_m = 95th percentile distance to the named ways "
              "+ 25 m (carriageway offset, simplification).")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ref-dir", type=Path, default=REF)
    ap.add_argument("--dry-run", action="store_true")
    ap.add_argument("--only", nargs="*")
    args = ap.parse_args(argv)
    if not (args.ref_dir / CHUANWIT).exists():
        print(f"error: reference data not found in {args.ref_dir} (need {CHUANWIT}, {NEATNET})", file=sys.stderr)
        return 2
    ways, edges = load_reference(args.ref_dir)
    path = tracing.TRACED / "roads.geojson"
    fc = json.loads(path.read_text(encoding="utf-8"))
    cache: dict = {}
    for f in fc["features"]:
        fid = f["properties"]["id"]
        if args.only and fid not in args.only:
            continue
        p = f["properties"]
        old = _to_utm(shape(f["geometry"]))
        along, to_edges = measure(old, p["name_zh"], ways, edges)
        unc_old = honest_uncertainty(along, to_edges, p["uncertainty_m"])
        cand = None
        if fid in PLAN:
            try:
                line, info = derive(f, PLAN[fid], ways, edges, cache)
                a2, e2 = measure(line, PLAN[fid].get("names", p["name_zh"]), ways, edges)
                cand = (line, info, honest_uncertainty(a2, e2, 30), a2, e2)
            except (RuntimeError, nx.NetworkXNoPath) as exc:
                print(f"{fid}: OSM derivation failed ({exc}); kept the traced line")
        if cand is None or (fid not in REQUIRED and cand[2] >= unc_old):
            # a hand-traced road kept as it is: make its uncertainty cover its measured error
            unc = unc_old
            print(f"{fid:26s} traced, kept: p95 named-alongside {along:5.0f} m, to OSM edges {to_edges:4.0f} m; "
                  f"uncertainty {p['uncertainty_m']} -> {unc}")
            if unc != p["uncertainty_m"]:
                p["source_detail"] = (p["source_detail"].rstrip() + f" Checked against OpenStreetMap "
                                      f"(© OpenStreetMap contributors, ODbL; shared/osm_wuhan {CHUANWIT} named ways "
                                      f"and {NEATNET} edges): 95th-percentile offset {max(0 if np.isnan(along) else along, to_edges):.0f} m, "
                                      f"so uncertainty_m raised from {p['uncertainty_m']} to {unc}.")
                p["uncertainty_m"] = unc
            continue
        line, info, unc, along, to_edges = cand
        wgs = _to_wgs(line)
        f["geometry"] = {"type": "LineString",
                         "coordinates": [[round(x, 6), round(y, 6)] for x, y in wgs.coords]}
        pts = shapely.points(shapely.get_coordinates(shapely.segmentize(old, 10)))
        off = shapely.distance(pts, line)
        print(f"{fid:26s} ways {len(info['way_ids']):2d} routed {info['routed_m']:5.0f} bridged {info['bridged_m']:5.0f}/{info['length_m']:5.0f} m "
              f"old->new p50 {np.median(off):4.0f} p95 {np.percentile(off, 95):5.0f} m; "
              f"length {old.length:.0f} -> {line.length:.0f} m; traced would need {unc_old}")
        print(f"{'':26s} new: p95 named-alongside {along:5.0f} m, to OSM edges {to_edges:4.0f} m -> uncertainty {unc}")
        p["source"] = "osm"
        p["source_detail"] = source_detail(info)
        if "min_unc" in PLAN[fid] and PLAN[fid]["min_unc"][0] > unc:
            unc = PLAN[fid]["min_unc"][0]
            p["source_detail"] += f" uncertainty_m raised to {unc}: {PLAN[fid]['min_unc'][1]}."
        p["uncertainty_m"] = unc
    if not args.dry_run:
        write_json(fc, path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
