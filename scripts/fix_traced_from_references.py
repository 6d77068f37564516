#!/usr/bin/env python3
"""One-off corrections of traced polygons and points found wrong against independent references.

Each correction is a small, reviewable geometric operation on the committed GeoJSON
(``layers/traced``), with the reference that motivates it written into ``source_detail``:

* 湖北工业大学 (hbut-nanhu) moved 1.2 km west onto 南李路 / 湖工大 station;
* 华中科技大学 (hust-main) extended west to 114.3985 E (its 西一楼 … 西十二楼 teaching buildings,
  OSM buildings of the Tilezen extract, lie 114.3994–114.4043 E), 中国地质大学 (cug-nanwangshan)
  cut back to the same line, so the two campuses meet and do not overlap;
* 武汉理工大学's four polygons scaled to the published 4,000 亩 in total and centred on the
  OSM campus points (ways 240494784 南湖, 265391257 西院 / 240495121 鉴湖, 267930737 东院,
  173123702 余家头);
* 青菱都市工业园 (park-qingling) clipped to 洪山区 (it lies in 青菱街道);
* 烽火创新谷 moved to 邮科院路 and the 珞喻 / 狮子山 silicon-lane corridors widened to take in
  烽火创新谷 and 洪山实验室四期, which the 2026 document places in them.

OSM data © OpenStreetMap contributors, ODbL.  It applies to the hand-traced geometry (run it
once, on the layers as the tracing scripts left them):
``.venv/bin/python scripts/fix_traced_from_references.py``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import shapely  # noqa: E402
import shapely.ops  # noqa: E402
import tracing  # noqa: E402
from shapely import affinity  # noqa: E402
from shapely.geometry import Point, mapping, shape  # noqa: E402

from geo.io import write_json  # noqa: E402

TR = tracing.TRACED
ADMIN = tracing.ROOT / "layers" / "admin" / "districts.geojson"
HA = 1e4
MU = 10000 / 15  # m² per 亩


def load(layer):
    return json.loads((TR / f"{layer}.geojson").read_text(encoding="utf-8"))


def feat(fc, fid):
    return next(f for f in fc["features"] if f["properties"]["id"] == fid)


def utm(f):
    return tracing.to_utm(shape(f["geometry"]))


def put(f, geom_utm):
    g = tracing.orient_ccw(tracing.from_utm(geom_utm)) if geom_utm.geom_type.endswith("Polygon") \
        else tracing.from_utm(geom_utm)
    f["geometry"] = tracing.round_coords(mapping(g))


def pt(lon, lat):
    return tracing.to_utm(Point(lon, lat))


def rescale(g, area_m2, centre):
    """Scale ``g`` about its centroid to ``area_m2`` and move the centroid to ``centre``."""
    f = (area_m2 / g.area) ** 0.5
    g = affinity.scale(g, f, f, origin=g.centroid)
    return affinity.translate(g, centre.x - g.centroid.x, centre.y - g.centroid.y)


def note(f, text, unc=None):
    p = f["properties"]
    p["source_detail"] = p["source_detail"].rstrip() + " " + text
    if unc is not None:
        p["uncertainty_m"] = unc


def campuses():
    fc = load("campuses")
    # --- 湖北工业大学: 1.2 km west --------------------------------------------------
    f = feat(fc, "hbut-nanhu")
    put(f, affinity.translate(utm(f), -1200, 0))
    note(f, "Corrected 2026-12: the outline lay ~1.2 km east of the campus; moved 1,200 m west so that "
            "it lies on 南李路 beside 湖工大 station (OSM nodes 5941525936/11329232228, 114.3079 E 30.4869 N, "
            "WGS-84; © OpenStreetMap contributors, ODbL). Outline shape not re-surveyed.", 400)
    # --- 华中科技大学 / 中国地质大学: meet on the meridian 114.3985 E ---------------------
    # 西十楼 (114.39937 E), the westernmost named HUST building of the Tilezen OSM extract, lies
    # ~100 m east of it; the old HUST edge ran 114.4015-114.4040 E, the old CUG edge 114.3995 E.
    hust, cug = feat(fc, "hust-main"), feat(fc, "cug-nanwangshan")
    west_edge = 114.3985
    band = tracing.to_utm(shapely.box(west_edge, 30.5102, 114.4060, 30.5245))
    east = tracing.to_utm(shapely.box(west_edge, 30.49, 114.50, 30.56))
    h = utm(hust).union(band)
    c = utm(cug).difference(east)
    h = max(shapely.get_parts(h), key=lambda g: g.area) if h.geom_type == "MultiPolygon" else h
    c = max(shapely.get_parts(c), key=lambda g: g.area) if c.geom_type == "MultiPolygon" else c
    put(hust, h.buffer(0))
    put(cug, c.buffer(0))
    note(hust, "Corrected 2026-12: the west edge lay 200-250 m too far east (114.4015-114.4040 E); moved to "
               "114.3985 E between 珞喻路 and 30.5245 N so that the 西一楼-西十二楼 teaching buildings (OSM ways "
               "103495754, 98869688, 105249142 … in the Tilezen extract tilezen_guanggu_buildings_roads.geojson, "
               "WGS-84, westernmost 114.3994 E; © OpenStreetMap contributors, ODbL) lie inside; it meets "
               "中国地质大学 along that line.", 300)
    note(cug, "Corrected 2026-12: cut back to 114.3985 E, where it meets 华中科技大学's west campus (OSM buildings "
              "西一楼-西十二楼 of the Tilezen extract lay inside the old outline).", 300)
    # --- 武汉理工大学: 4,000 亩 in total, centred on the OSM campus points -------------------
    total = 4000 * MU
    plan = {  # id: (share of the published total, OSM centre, what the centre is)
        "whut-mafangshan-west": (0.32, pt((114.34364 + 114.33738) / 2, (30.52353 + 30.51628) / 2),
                                 "mid-point of OSM ways 265391257 (西院) and 240495121 (鉴湖)"),
        "whut-mafangshan-east": (0.20, pt(114.34841, 30.52127), "OSM way 267930737 (马房山校区东院)"),
        "whut-nanhu": (0.24, pt(114.32792, 30.51112), "OSM way 240494784 (武汉理工大学南湖校区)"),
        "whut-yujiatou": (0.24, pt(114.35143, 30.60882), "OSM way 173123702 (武汉理工大学余家头校区)"),
    }
    geoms = {}
    for fid, (share, centre, what) in plan.items():
        f = feat(fc, fid)
        geoms[fid] = rescale(utm(f), share * total, centre)
        note(f, f"Corrected 2026-12: the four 武汉理工大学 polygons summed to 441 ha against the published "
                f"4,000余亩 (≈267 ha, 3 campuses); scaled to {share:.0%} of that and centred on {what} "
                "(geoclaw_wuhan_universities_osm.geojson, WGS-84; © OpenStreetMap contributors, ODbL). "
                "Shares between the campuses are an estimate.", 350)
    geoms["whut-mafangshan-east"] = geoms["whut-mafangshan-east"].difference(geoms["whut-mafangshan-west"])
    others = [utm(f) for f in fc["features"] if f["properties"]["id"] not in plan]
    for fid, g in geoms.items():
        for o in others:
            g = g.difference(o)
        g = max(shapely.get_parts(g), key=lambda x: x.area) if g.geom_type == "MultiPolygon" else g
        put(feat(fc, fid), g)
    write_json(fc, TR / "campuses.geojson")


def parks_and_lanes():
    fc = load("parks")
    districts = json.loads(ADMIN.read_text(encoding="utf-8"))
    hongshan = tracing.to_utm(shape(next(f for f in districts["features"]
                                         if f["properties"]["id"] == "district-hongshan")["geometry"]))
    f = feat(fc, "park-qingling")
    g = utm(f).intersection(hongshan.buffer(-50))
    g = max(shapely.get_parts(g), key=lambda x: x.area) if g.geom_type == "MultiPolygon" else g
    put(f, g)
    note(f, "Corrected 2026-12: 45 % of the outline lay in 江夏区; clipped to 洪山区 (layers/admin/districts.geojson, "
            "50 m inside the boundary): the park is in 青菱街道, 洪山区.")
    # 烽火创新谷: 邮科院路 88号 (the 武汉邮电科学研究院 / 烽火 campus on 邮科院路)
    fv = feat(fc, "park-fiberhome-valley")
    old = utm(fv)
    centre = pt(114.3862, 30.5170)
    put(fv, affinity.translate(old, centre.x - old.centroid.x, centre.y - old.centroid.y))
    note(fv, "Corrected 2026-12: the POI converted as GCJ-02 (114.397 E 30.526 N) put the park north of 南望山, outside "
             "the 珞喻硅巷 the 2026 document places it in; read as BD-09 (Baidu) the same POI converts to 114.3905 E "
             "30.5202 N, on the 邮科院 grounds west of 中国地质大学. Moved to 邮科院路 (address 邮科院路88号, from "
             "memory, not confirmed by a reference found here), whose course is the OSM road label at 114.3844 E "
             "30.5148 N in tilezen_guanggu_buildings_roads.geojson, beside the OSM campus point of "
             "武汉工程大学邮电与信息工程学院 (way 778753971, 114.3867 E 30.5196 N; both WGS-84, © OpenStreetMap "
             "contributors, ODbL) on the same grounds; uncertainty_m covers both readings.", 500)
    write_json(fc, TR / "parks.geojson")
    # corridors take in the places the document puts in them
    lanes = load("silicon_lane_corridors")
    sites = load("sites_lanes")
    for cid, place in (("lane-luoyu-corridor", utm(fv)),
                       ("lane-shizishan-corridor", utm(feat(sites, "project-hongshan-lab-phase4")))):
        cf = feat(lanes, cid)
        cg = utm(cf)
        near = shapely.ops.nearest_points(cg, place.centroid)[0]
        spur = shapely.convex_hull(shapely.union_all([place.buffer(250), near.buffer(400)]))
        put(cf, cg.union(spur).buffer(0))
        what = "烽火创新谷 (park-fiberhome-valley)" if "luoyu" in cid else "洪山实验室四期 (project-hongshan-lab-phase4)"
        note(cf, f"Widened 2026-12 by a spur that takes in {what}, which 武汉全力激发产业创新活力 (seed 003) places in "
                 "this lane; the corridor remains an interpretation.")
    write_json(lanes, TR / "silicon_lane_corridors.geojson")


def main() -> int:
    campuses()
    parks_and_lanes()
    return 0


if __name__ == "__main__":
    sys.exit(main())
