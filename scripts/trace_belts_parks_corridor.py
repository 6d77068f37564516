#!/usr/bin/env python3
"""Trace the Hongshan innovation belts, the eight parks, the project sites and the
Guanggu (Optics Valley) S&T innovation corridor, and write them as traced layers.

Writes (WGS-84 lon/lat, 6 decimals, 2-space indent, see layers/traced/FORMAT.md):
  layers/traced/innovation_belts.geojson   Polygons, kind innovation_belt
  layers/traced/parks.geojson              Polygons, kind innovation_park
  layers/traced/sites.geojson              Points, kind project / lab / building / innovation_park
  layers/traced/corridor.geojson           LineStrings, kind corridor_axis
  layers/traced/corridor_ecology.geojson   Polygons, kind ecological_element
  layers/traced/corridor_cities.json       plain JSON: city -> industrial focus and role
  layers/traced/district_figures.json      plain JSON list of Hongshan district-wide figures

Coordinate systems of the reference coordinates
-----------------------------------------------
Most published coordinates for Wuhan places come from Chinese map services and are *not*
WGS-84.  Every vertex table below is tagged with the system it was written in:
  * ``GCJ`` tables (Hongshan, metre-scale detail) were laid out on GCJ-02 anchors and are
    converted with ``geo.crs.convert_coords`` (exact iterative inverse of the GCJ-02 obfuscation).
    GCJ-02 anchors used: Wuhan bus line 703 stop coordinates along 珞喻路 (街道口 114.34608
    30.52886, 广埠屯 114.36232 30.52367, 光谷广场 114.40058 30.50562, 关山口/华科 south gate
    114.41163 30.50722); Amap 武汉大学 114.361774 30.540364; Amap 华中农业大学 114.355923
    30.472223; 武汉创意天地 plot outline (park-management app, Amap) and point 114.321771
    30.470407 (second independent Amap point 114.321887 30.470526); 融创智谷 (文化大道555号)
    project point 114.320896 30.455031; 烽火创新谷 WeChat POI (offset_type 1 = GCJ-02)
    114.402632 30.523748; 光谷联合科技城 points in 鄂州/黄冈/黄石 and 武汉未来科技城.
  * ``BD`` points (Baidu BD-09) are converted BD-09 -> GCJ-02 -> WGS-84: 武汉理工大学南湖校区
    114.339401 30.514676.
  * ``WGS`` tables (regional corridor, lakes, mountains) were written directly in WGS-84
    from general geographic knowledge; their km-scale uncertainty dwarfs the ~0.6 km
    GCJ shift, which is stated per feature.

Nothing here is surveyed.  Belts are planning concepts without gazetted boundaries.
Metrics (area, length) are computed in UTM zone 50N (EPSG:32650).
"""

from __future__ import annotations

import math

from shapely import affinity
from shapely.geometry import LineString, Point, Polygon, shape
from shapely.ops import unary_union
from shapely.validation import explain_validity
from tracing import (
    TRACED,
    check_unique_ids,
    feature,
    fig,
    from_utm,
    gcj,
    load_features,
    to_utm,
    to_wgs84,
    write_json,
    write_layer,
)

OUT = TRACED

SEC_BELTS = "因地制宜推进环大学创新发展带建设"
SEC_CHAIN = "全省政府层面率先实施「先投后股」改革 para 7-9"
SEC_UP = "推进「工业上楼」扩容环大学创新空间"


# --------------------------------------------------------------------------------------
# coordinate helpers
# --------------------------------------------------------------------------------------
def poly(pts, system: str) -> Polygon:
    """Polygon from a vertex table in ``system`` ("GCJ", "BD" or "WGS"), in WGS-84."""
    p = Polygon(to_wgs84(pts, system))
    if not p.is_valid:
        raise ValueError(f"invalid polygon: {explain_validity(p)}")
    return p


def rect_gcj(lon: float, lat: float, w_m: float, h_m: float, rot_deg: float = 0.0) -> Polygon:
    """Small plot of w_m x h_m metres centred on a GCJ-02 point (for building-scale parks)."""
    c = to_utm(Point(gcj(lon, lat)))
    r = Polygon([(c.x - w_m / 2, c.y - h_m / 2), (c.x + w_m / 2, c.y - h_m / 2),
                 (c.x + w_m / 2, c.y + h_m / 2), (c.x - w_m / 2, c.y + h_m / 2)])
    if rot_deg:
        r = affinity.rotate(r, rot_deg, origin=c)
    return from_utm(r)


def scale_to_area(p: Polygon, target_km2: float) -> Polygon:
    """Scale a schematic outline about its centroid so that its UTM area equals target_km2."""
    u = to_utm(p)
    f = math.sqrt(target_km2 * 1e6 / u.area)
    return from_utm(affinity.scale(u, xfact=f, yfact=f, origin=u.centroid))


def belt_band(parts, buffer_m: float) -> Polygon:
    """Planning band: convex hull of the universities and the carriers, widened by buffer_m."""
    u = unary_union([to_utm(g) for g in parts])
    hull = u.convex_hull.buffer(buffer_m, quad_segs=4)
    return from_utm(hull.simplify(5))


# --------------------------------------------------------------------------------------
# Hongshan: campuses (context only, not written as a layer; the campuses layer is traced
# elsewhere).  GCJ-02 vertex tables laid out against the 珞喻路 bus-stop anchors.
# --------------------------------------------------------------------------------------
# 武汉理工大学 马房山校区 (东院+西院): south of 珞喻路 between 街道口 and 广埠屯, 珞狮路 through it,
# south edge near 雄楚大道.
WHUT_MAFANGSHAN_GCJ = [
    (114.3472, 30.5272), (114.3530, 30.5262), (114.3585, 30.5243), (114.3605, 30.5200),
    (114.3598, 30.5140), (114.3575, 30.5092), (114.3510, 30.5082), (114.3462, 30.5098),
    (114.3443, 30.5160), (114.3450, 30.5230),
]
# 武汉理工大学 南湖校区: south of 雄楚大道 on the 南湖 north shore (gates 雄楚大道门 / 文治街门),
# agreeing with the campuses layer.  A Baidu BD-09 point labelled 南湖校区 (114.339401 30.514676
# -> WGS-84 ~114.327 30.511) lies ~1.9 km WNW of this; it was judged a loose label and not used.
WHUT_NANHU_BD_POINT_REJECTED = (114.339401, 30.514676)
WHUT_NANHU_GCJ = [
    (114.3445, 30.5035), (114.3505, 30.5045), (114.3560, 30.5030), (114.3565, 30.4985),
    (114.3520, 30.4955), (114.3460, 30.4960), (114.3440, 30.4995),
]
# 华中农业大学 狮子山校区: Amap point 114.355923 30.472223; campus between 南湖 (N) and 野芷湖 (SW).
HZAU_GCJ = [
    (114.3440, 30.4815), (114.3530, 30.4840), (114.3640, 30.4835), (114.3700, 30.4780),
    (114.3690, 30.4680), (114.3620, 30.4610), (114.3520, 30.4600), (114.3450, 30.4640),
    (114.3420, 30.4730),
]
# 华中科技大学 主校区: south gate 关山口 on 珞喻路 (bus stop 114.41163 30.50722).
HUST_GCJ = [
    (114.4045, 30.5098), (114.4120, 30.5085), (114.4200, 30.5075), (114.4280, 30.5070),
    (114.4330, 30.5095), (114.4325, 30.5180), (114.4260, 30.5245), (114.4170, 30.5250),
    (114.4090, 30.5225), (114.4045, 30.5165),
]
# 中国地质大学(武汉) 南望山校区: west of 鲁磨路, north of 珞喻路 (吴家湾/鲁巷 stops).
CUG_GCJ = [
    (114.3855, 30.5172), (114.3920, 30.5150), (114.3972, 30.5158), (114.3985, 30.5225),
    (114.3955, 30.5290), (114.3885, 30.5300), (114.3850, 30.5240),
]


CAMPUS_IDS = {
    "whut_m": ["whut-mafangshan-west", "whut-mafangshan-east"],
    "whut_n": ["whut-nanhu"],
    "hzau": ["hzau-shizishan"],
    "hust": ["hust-main"],
    "cug": ["cug-nanwangshan"],
}
CAMPUS_SOURCE = {"used": "own GCJ-02 tables"}


def campus_shapes() -> dict:
    """Campus outlines: the traced campuses layer when present (keeps the layers mutually
    consistent), else this script's own GCJ-02 tables."""
    own = {
        "whut_m": poly(WHUT_MAFANGSHAN_GCJ, "GCJ"),
        "whut_n": poly(WHUT_NANHU_GCJ, "GCJ"),
        "hzau": poly(HZAU_GCJ, "GCJ"),
        "hust": poly(HUST_GCJ, "GCJ"),
        "cug": poly(CUG_GCJ, "GCJ"),
    }
    path = OUT / "campuses.geojson"
    if not path.exists():
        return own
    feats = load_features(path)
    out = {}
    for key, ids in CAMPUS_IDS.items():
        got = [feats[i] for i in ids if i in feats]
        out[key] = unary_union(got) if len(got) == len(ids) else own[key]
    CAMPUS_SOURCE["used"] = "layers/traced/campuses.geojson (WGS-84) where present"
    return out


def build_hongshan():
    cs = campus_shapes()
    whut_m, whut_n, hzau, hust, cug = (cs[k] for k in ("whut_m", "whut_n", "hzau", "hust", "cug"))

    # ---------------- parks (plots) ----------------
    parks = {}
    # 武汉创意天地: plot outline published in GCJ-02 (park-management app), 4 vertices; a
    # few intermediate vertices are not known, so the outline is kept as published.
    parks["park-creative-world"] = poly(
        [(114.319271, 30.472316), (114.325194, 30.472446), (114.323885, 30.467952),
         (114.318971, 30.468969)], "GCJ")
    # 融创智谷 (文化大道555号): GCJ-02 project point; plot of plausible size (~10 ha).
    parks["park-rongchuang-zhigu"] = rect_gcj(114.320896, 30.455031, 380, 280, 0)
    # 烽火创新谷: GCJ-02 POI 114.402632 30.523748; plot ~8 ha.
    parks["park-fiberhome-valley"] = rect_gcj(114.402632, 30.523748, 320, 260, 0)
    # 北港工业园 (洪山经济开发区): no published coordinate found; placed by the document's
    # "环理工大附近" and 南湖硅巷 (seed 003) between the 南湖 and 马房山 campuses, south of 雄楚大道.
    parks["park-beigang"] = rect_gcj(114.3600, 30.5025, 560, 420, 0)
    # 理工大孵化器 (武汉理工大学科技孵化楼 phases 1-3): building-scale; placed at the south-east
    # edge of the 马房山 campus near 珞狮路 x 雄楚大道.  Plot of plausible size only.
    parks["park-whut-incubator"] = rect_gcj(114.3560, 30.5085, 200, 140, 0)
    # 地大宝谷创新创业中心: building-scale, placed at the CUG campus edge on 鲁磨路.
    parks["park-cug-baogu"] = rect_gcj(114.3978, 30.5195, 160, 120, 0)
    # 青菱都市工业园: schematic outline of the 青菱 industrial area (青菱街, north of 黄家湖,
    # east of 107国道); "the largest planned urban industrial park in central Wuhan".
    parks["park-qingling"] = poly(
        [(114.2880, 30.4560), (114.3050, 30.4585), (114.3160, 30.4530), (114.3175, 30.4430),
         (114.3090, 30.4330), (114.2950, 30.4310), (114.2860, 30.4380), (114.2840, 30.4480)],
        "GCJ")
    # 武钢云谷·606: former 武汉冶金设备制造厂 (606 亩 = ~404,000 m2).  No published coordinate
    # found; placed schematically in 洪山区 和平街道 next to the WISCO works, uncertain by km.
    parks["park-wisco-cloud-606"] = rect_gcj(114.4060, 30.6040, 700, 580, 0)

    # ---------------- sites (points, GCJ-02 unless noted) ----------------
    site_pts = {
        "site-guangbutun-jinli": gcj(114.3600, 30.5255),
        "site-hongshan-lab": gcj(114.3525, 30.4668),
        "site-alumni-economy-tower": gcj(114.3545, 30.5068),
        "site-huashang-incubator": gcj(114.3535, 30.4848),
        "site-cug-innovation-center": gcj(114.3968, 30.5198),
        "site-tianhui-park": gcj(114.3585, 30.5035),
        "site-yunhao-tower": gcj(114.3615, 30.5017),
        "site-three-gorges-b": gcj(114.3600, 30.5010),
        "site-qingling-base": gcj(114.3020, 30.4450),
    }

    belts = {
        "belt-whut": belt_band([whut_m, whut_n, parks["park-beigang"],
                                parks["park-whut-incubator"],
                                Point(site_pts["site-alumni-economy-tower"])], 350),
        "belt-hzau": belt_band([hzau, Point(site_pts["site-hongshan-lab"]),
                                Point(site_pts["site-huashang-incubator"]),
                                parks["park-rongchuang-zhigu"]], 350),
        "belt-hust-cug": belt_band([hust, cug, parks["park-fiberhome-valley"],
                                    parks["park-cug-baogu"],
                                    Point(site_pts["site-cug-innovation-center"])], 350),
    }
    return belts, parks, site_pts


# --------------------------------------------------------------------------------------
# attributes
# --------------------------------------------------------------------------------------
ANCHORS_HS = ("GCJ-02 anchors converted to WGS-84 with geo.crs.convert_coords: bus line 703 stops "
              "on 珞喻路 (街道口 114.34608,30.52886; 广埠屯 114.36232,30.52367; 光谷广场 "
              "114.40058,30.50562; 关山口 114.41163,30.50722), Amap 华中农业大学 114.355923,30.472223")


def belt_features(belts):
    H = "hongshan_belts_2024"
    global ANCHORS_HS
    ANCHORS_HS = ANCHORS_HS + "; campus outlines taken from " + CAMPUS_SOURCE["used"]
    out = []
    out.append(feature({
        "id": "belt-whut", "name_zh": "环理工大创新发展带", "name_en": "WHUT innovation belt",
        "kind": "innovation_belt", "source": "traced",
        "source_detail": (
            "Planning concept with no gazetted boundary; campuses included in the band. Drawn as the convex hull, widened by "
            "350 m, of the 武汉理工大学 马房山 campus (GCJ-02 outline laid out south of 珞喻路 between "
            "the 街道口 and 广埠屯 bus stops), the 南湖 campus (south of 雄楚大道; a Baidu BD-09 point 114.339401,30.514676 "
            "labelled 南湖校区 converts to ~1.9 km WNW and was not used) and the carriers the document names: 理工大孵化楼一二三期, "
            "北港工业园 (工业上楼) and 武汉校友经济大厦. " + ANCHORS_HS + "."),
        "uncertainty_m": 600, "ref": "hongshan_belts_2024;hongshan_transform_2024",
        "figures": [
            fig("innovation_carrier_floor_area", 400000, "m2", "建成创新载体40万平方米", H,
                SEC_BELTS + " para 4"),
            fig("tech_firms", 400, "count", "已入驻三峡智控、智动力机器人等科技企业400余家", H,
                SEC_CHAIN.replace("para 7-9", "para 8")),
        ],
        "universities": "武汉理工大学(马房山校区;南湖校区)",
        "carriers": "理工大孵化楼一二三期;北港工业园(工业上楼);武汉校友经济大厦",
        "industries": "新能源;智能制造;医疗器械",
        "is_planning_concept": True,
    }, belts["belt-whut"]))
    out.append(feature({
        "id": "belt-hzau", "name_zh": "环华农创新发展带", "name_en": "HZAU innovation belt",
        "kind": "innovation_belt", "source": "traced",
        "source_detail": (
            "Planning concept with no gazetted boundary. Convex hull, widened by 350 m, of the "
            "华中农业大学 狮子山 campus (GCJ-02 outline around Amap point 114.355923,30.472223, "
            "between 南湖 and 野芷湖), 湖北洪山实验室 (in the campus south of 学府路, east of "
            "梧桐南路, north of 野芷湖), 华商孵化器 (position not published; placed at the campus "
            "north side) and 融创智谷 (GCJ-02 point 114.320896,30.455031, 文化大道555号). "
            "The westward reach to 融创智谷 makes the band ~5 km wide; 武汉创意天地 falls inside. "
            + ANCHORS_HS + "."),
        "uncertainty_m": 800, "ref": "hongshan_belts_2024",
        "figures": [
            fig("agri_tech_firms", 200, "count", "聚集涉粮涉农科技企业200余家", H,
                "全省政府层面率先实施「先投后股」改革 para 9"),
            fig("life_health_high_tech_firms", 120, "count", "聚集生命大健康高企120余家", H,
                "全省政府层面率先实施「先投后股」改革 para 9"),
        ],
        "universities": "华中农业大学(狮子山校区)",
        "carriers": "湖北洪山实验室;华商孵化器;融创智谷",
        "industries": "动植物育种;农药兽药;生命大健康",
        "is_planning_concept": True,
    }, belts["belt-hzau"]))
    out.append(feature({
        "id": "belt-hust-cug", "name_zh": "环华科大地大创新发展带",
        "name_en": "HUST-CUG innovation belt",
        "kind": "innovation_belt", "source": "traced",
        "source_detail": (
            "Planning concept with no gazetted boundary. Convex hull, widened by 350 m, of the "
            "华中科技大学 main campus (GCJ-02 outline north of 珞喻路 from the 关山口 gate), the "
            "中国地质大学(武汉) 南望山 campus (west of 鲁磨路), 烽火创新谷 (WeChat POI, GCJ-02, "
            "114.402632,30.523748) and 地大双创中心 / 地大宝谷 (placed at the CUG edge on 鲁磨路, no "
            "published coordinate). " + ANCHORS_HS + "."),
        "uncertainty_m": 500, "ref": "hongshan_belts_2024",
        "figures": [],
        "universities": "华中科技大学;中国地质大学(武汉)",
        "carriers": "地大双创中心;烽火创新谷",
        "industries": "光通信设备及光电子器件制造;珠宝设计和销售",
        "is_planning_concept": True,
        "cluster_note": "光通信设备及光电子器件制造 cluster approved as a national featured SME cluster",
    }, belts["belt-hust-cug"]))
    return out


def park_features(parks):
    H, T = "hongshan_belts_2024", "hongshan_transform_2024"
    eight = "八大产业园区 (" + SEC_UP + " para 3)"
    rows = [
        ("park-beigang", "北港工业园", "Beigang Industrial Park", "belt-whut", 1000,
         H + ";" + T,
         "No published coordinate found. Placed from the document ('环理工大附近的北港工业园') and "
         "the 南湖硅巷 of wuhan_innovation_2026, east of the WHUT 南湖 campus south of 雄楚大道 "
         "near 珞狮南路 (GCJ-02 layout, converted). Plot of plausible size (~25 ha). Position may be off "
         "by ~1 km.",
         [fig("new_industrial_floor_area", 200000, "m2", "新增产业空间20万平方米", H, SEC_UP + " para 2"),
          fig("industrial_upstairs_projects_under_construction", 6, "count",
              "6个“工业上楼”项目正在加速建设", H, SEC_UP + " para 2"),
          fig("tianhui_park_annual_output", 450000000, "yuan_per_year", "年产值达4.5亿元", H,
              SEC_UP + " para 2")]),
        ("park-qingling", "青菱都市工业园", "Qingling Urban Industrial Park", None, 1500, H,
         "Schematic outline of the 青菱 industrial area in 青菱街 (north of 黄家湖, east of 107国道), "
         "GCJ-02 layout converted to WGS-84. Park boundary not published; not tied to any of the "
         "three belts by the document (nearest: 环华农).",
         [fig("largest_urban_industrial_park_central_wuhan", 1, "count",
              "武汉中心城区规划面积最大的都市工业园", H, SEC_UP + " para 5")]),
        ("park-fiberhome-valley", "烽火创新谷", "FiberHome Innovation Valley", "belt-hust-cug", 600,
         H, "WeChat store POI with offset_type 1 (GCJ-02) 114.402632,30.523748 converted with "
            "geo.crs.convert_coords; plot of plausible size (~8 ha) centred on it.", []),
        ("park-rongchuang-zhigu", "融创智谷", "Rongchuang Zhigu", "belt-hzau", 400, H,
         "Project point of 融创智谷二期 (文化大道555号), GCJ-02 114.320896,30.455031, converted; "
         "plot of plausible size (~10 ha) centred on it.", []),
        ("park-creative-world", "武汉创意天地", "Wuhan Creative World", "belt-hzau", 150, H + ";" + T,
         "4-vertex plot outline published in a park-management app (Amap GCJ-02) converted "
         "vertex by vertex; the park point 114.321771,30.470407 and an independent Amap point "
         "114.321887,30.470526 (野芷湖西路) agree within 20 m.", []),
        ("park-whut-incubator", "理工大孵化器 (武汉理工大学科技孵化楼)", "WHUT S&T incubator buildings",
         "belt-whut", 700, H + ";" + T,
         "Building-scale (phases 1-3). No published coordinate found; small plot (~3 ha) of "
         "plausible size at the south-east edge of the 马房山 campus near 珞狮路 x 雄楚大道 "
         "(GCJ-02 layout, converted).",
         [fig("cooperation_projects", 283, "count", "横向科技合作项目数283项", T, "283项 para 1"),
          fig("cooperation_contract_value", 200000000, "yuan", "合同总金额超过2亿元", T, "283项 para 1"),
          fig("firms_in_phase_2", 60, "count", "60余家企业机构入驻孵化楼二期", T, "283项 para 3")]),
        ("park-wisco-cloud-606", "武钢云谷·606", "WISCO Cloud Valley 606", None, 2500, H + ";" + T,
         "Former 武汉冶金设备制造厂 (a WISCO works, 606 亩). No published coordinate found; placed "
         "schematically in 洪山区 和平街道 beside the WISCO works (GCJ-02 layout, converted). "
         "Treat the position as km-uncertain; the plot size (~40 ha) follows the 606 亩.",
         [fig("first_zone_opened_year", 2023, "count", "武钢云谷·606首发区开园招商", T,
              "1300家 para 7")]),
        ("park-cug-baogu", "地大宝谷创新创业中心", "CUG Baogu Innovation & Entrepreneurship Centre",
         "belt-hust-cug", 800, H + ";" + T,
         "Building-scale; no published coordinate found. Small plot (~2 ha) at the CUG 南望山 "
         "campus edge on 鲁磨路 (GCJ-02 layout, converted).",
         [fig("firms", 40, "count", "吸引…40余家企业进驻", T, "283项 para 5")]),
    ]
    out = []
    for pid, zh, en, belt, unc, ref, detail, figs in rows:
        out.append(feature({
            "id": pid, "name_zh": zh, "name_en": en, "kind": "innovation_park",
            "source": "traced", "source_detail": detail + " Listed among the " + eight + ".",
            "uncertainty_m": unc, "ref": ref, "figures": figs, "belt": belt,
        }, parks[pid]))
    return out


def site_features(pts):
    H, T, C = "hongshan_belts_2024", "hongshan_transform_2024", "wuhan_innovation_2026"
    rows = [
        ("site-guangbutun-jinli", "广埠屯·锦鲤", "Guangbutun Jinli (former CSSC 722 Institute site)",
         "project", None, None, 500, C,
         "Former 中船722研究所 site at 广埠屯 on 珞喻路; placed on the north side of 珞喻路 just west of "
         "广八路, ~250 m north-west of the 广埠屯 bus stop (GCJ-02 114.36232,30.52367), converted. "
         "Site outline not published; the exact plot is not known.",
         [fig("projects_in_reserve", 50, "count", "储备科创项目50余个", C, "洪山区 para (租建还)")]),
        ("site-hongshan-lab", "湖北洪山实验室", "Hubei Hongshan Laboratory", "lab", "belt-hzau", None,
         700, H + ";" + T,
         "Inside the 华中农业大学 campus, south of 学府路, east of 梧桐南路, north of 野芷湖 (planning "
         "description of 狮山创谷, 12.78 ha); placed on that description relative to the Amap HZAU "
         "point (GCJ-02), converted.",
         [fig("district_investment", 130000000, "yuan", "累计投入1.3亿元", T, "283项 para 6"),
          fig("phase1_research_building_topped_out", 1, "count", "研究大楼一期工程封顶", T,
              "283项 para 6")]),
        ("site-alumni-economy-tower", "武汉校友经济大厦", "Wuhan Alumni Economy Tower", "building",
         "belt-whut", None, 900, T,
         "Core of the 环武汉理工大学创新街区; no published coordinate found. Placed on 雄楚大道 "
         "between the WHUT 马房山 and 南湖 campuses (GCJ-02 layout, converted).",
         [fig("gross_floor_area", 135000, "m2", "总建筑面积13.5万平方米", T, "283项 para 4"),
          fig("target_alumni_firms", 100, "count", "引进创新型校友企业100家", T, "283项 para 4"),
          fig("target_talents", 3000, "count", "集聚校友创新创业人才3000人", T, "283项 para 4"),
          fig("target_platforms", 10, "count", "建成产学研创新平台10个", T, "283项 para 4"),
          fig("target_specialised_or_ipo_firms", 20, "count", "培育专精特新、上市后备企业20家", T,
              "283项 para 4")]),
        ("site-huashang-incubator", "华商孵化器", "Huashang Incubator", "building", "belt-hzau", None,
         1200, H, "Carrier of the 环华农 belt; no published coordinate found. Placed at the north "
                  "side of the HZAU campus (GCJ-02 layout, converted).", []),
        ("site-cug-innovation-center", "地大双创中心", "CUG Innovation & Entrepreneurship Centre",
         "building", "belt-hust-cug", "park-cug-baogu", 800, H,
         "Carrier of the 环华科大地大 belt; possibly the same facility as 地大宝谷创新创业中心. No "
         "published coordinate; placed at the CUG campus edge on 鲁磨路 (GCJ-02 layout, converted).",
         []),
        ("site-tianhui-park", "天辉科技 / 天辉医药产业园", "Tianhui industrial-upstairs park",
         "project", "belt-whut", "park-beigang", 1000, H + ";" + T,
         "First 工业上楼 project in 北港工业园; placed inside the schematic 北港 plot.",
         [fig("annual_output", 450000000, "yuan_per_year", "年产值达4.5亿元", H, SEC_UP + " para 2")]),
        ("site-yunhao-tower", "云浩科技大厦", "Yunhao S&T Tower", "project", "belt-whut",
         "park-beigang", 1000, H, "工业上楼 project in 北港工业园; placed inside the schematic 北港 plot.",
         []),
        ("site-three-gorges-b", "三峡科创园(洪山)B地块", "Three Gorges S&T Park (Hongshan) plot B",
         "project", "belt-whut", "park-beigang", 1000, H + ";" + T,
         "工业上楼 project in 北港工业园 (started 2023); placed inside the schematic 北港 plot.", []),
        ("site-qingling-base", "青菱创新产业基地", "Qingling Innovation Industry Base",
         "innovation_park", None, "park-qingling", 1500, H,
         "Where 湖北珈硅能源科技有限公司 and a student tech-transfer base were unveiled on 11-18; "
         "placed inside the schematic 青菱都市工业园 outline (GCJ-02 layout, converted).", []),
    ]
    out = []
    for sid, zh, en, kind, belt, park, unc, ref, detail, figs in rows:
        out.append(feature({
            "id": sid, "name_zh": zh, "name_en": en, "kind": kind, "source": "traced",
            "source_detail": detail, "uncertainty_m": unc, "ref": ref, "figures": figs,
            "belt": belt, "park": park,
        }, Point(pts[sid])))
    return out


# --------------------------------------------------------------------------------------
# Guanggu corridor (regional; WGS-84 tables except the GCJ-02 科技城 points)
# --------------------------------------------------------------------------------------
def corridor_geoms():
    guanggu_sq = gcj(114.40058, 30.50562)             # 光谷广场 bus stop, GCJ-02
    future_city = gcj(114.539352, 30.491428)          # 武汉未来科技城, GCJ-02
    ezhou_kjc = gcj(114.652933, 30.500132)            # 鄂州光谷联合科技城 (葛店), GCJ-02
    huanggang_kjc = gcj(114.901929, 30.473532)        # 黄冈光谷联合科技城, GCJ-02
    huangshi_kjc = gcj(115.000012, 30.157540)         # 黄石光谷联合科技城, GCJ-02
    main = LineString([
        guanggu_sq,
        (114.4350, 30.4930),      # 光谷大道 / 高新大道 east
        (114.4850, 30.4880),      # 光谷中心城
        future_city,
        ezhou_kjc,                # 葛店
        (114.6800, 30.4450),      # 红莲湖
        (114.7700, 30.4100),      # 华容 / 燕矶
        (114.8900, 30.3900),      # 鄂州城区
        (114.9800, 30.2700),      # 花湖
        (115.0400, 30.2000),      # 黄石城区 (黄石港)
        huangshi_kjc,             # 黄石 下陆 / 大冶湖 north
        (114.9750, 30.0960),      # 大冶城区
    ])
    hg = LineString([(114.8900, 30.3900), (114.8780, 30.4150),   # 鄂黄长江大桥
                     (114.8800, 30.4450), huanggang_kjc])         # 黄州
    xn = LineString([guanggu_sq, (114.3900, 30.4500), (114.3600, 30.4000),   # 光谷南 / 庙山
                     (114.3200, 30.3500),                                   # 纸坊 (江夏)
                     (114.3400, 30.1800), (114.3500, 30.0300),              # 贺胜桥
                     (114.3220, 29.8410)])                                  # 咸宁城区
    return main, hg, xn


def ecology_geoms():
    # 梁子湖: schematic outline (WGS-84) of 东梁子湖 + 西梁子湖 + 牛山湖 with the southern arm,
    # inside the published extent ~30°04'-30°20'N, 114°21'-114°39'E; scaled to ~280 km2 water.
    liangzi = Polygon([
        (114.445, 30.330), (114.490, 30.338), (114.515, 30.315), (114.540, 30.300),
        (114.575, 30.305), (114.610, 30.290), (114.650, 30.272), (114.665, 30.245),
        (114.640, 30.225), (114.600, 30.220), (114.585, 30.190), (114.560, 30.150),
        (114.520, 30.120), (114.480, 30.085), (114.455, 30.095), (114.470, 30.140),
        (114.495, 30.180), (114.480, 30.205), (114.440, 30.195), (114.405, 30.210),
        (114.395, 30.240), (114.430, 30.260), (114.480, 30.255), (114.500, 30.275),
        (114.470, 30.300), (114.440, 30.305),
    ])
    liangzi = scale_to_area(liangzi, 280.0)
    # 大冶湖: elongated W-E lake from 大冶城区 east to 韦源口 on the Yangtze; ~60 km2.
    daye = Polygon([
        (114.990, 30.100), (115.020, 30.112), (115.060, 30.118), (115.100, 30.112),
        (115.140, 30.125), (115.185, 30.140), (115.205, 30.132), (115.180, 30.118),
        (115.140, 30.100), (115.100, 30.090), (115.060, 30.092), (115.020, 30.088),
    ])
    daye = scale_to_area(daye, 60.0)
    # 幕阜山: schematic core of the range on the Hubei-Hunan-Jiangxi border, SW-NE from
    # 平江/通城 (老崖尖) through 崇阳/通山 (九宫山) toward 修水/武宁.
    mufu = Polygon([
        (113.600, 28.950), (113.800, 28.930), (114.050, 29.000), (114.350, 29.120),
        (114.700, 29.260), (115.000, 29.350), (115.150, 29.430), (115.050, 29.520),
        (114.800, 29.470), (114.550, 29.430), (114.250, 29.330), (113.950, 29.200),
        (113.700, 29.100), (113.580, 29.030),
    ])
    # 光谷生态大走廊: schematic green belt through 东湖高新区 from 东湖/九峰山 south via 豹澥湖
    # to 牛山湖 (north tip of the 梁子湖 system).
    eco = Polygon([
        (114.455, 30.540), (114.500, 30.535), (114.520, 30.500), (114.545, 30.450),
        (114.545, 30.400), (114.515, 30.345), (114.470, 30.345), (114.480, 30.400),
        (114.480, 30.450), (114.455, 30.495),
    ])
    return liangzi, daye, mufu, eco


def corridor_features():
    G = "guanggu_corridor"
    main, hg, xn = corridor_geoms()
    common = ("Interpretation (the document draws no map): the corridor '以大走廊为产业发展轴，串联武鄂黄黄咸"
              "重点园区' is read as an axis from 光谷 (东湖高新区) east through the 光谷 joint S&T parks. ")
    out = [
        feature({"id": "corridor-axis", "name_zh": "光谷科技创新大走廊 主轴",
                 "name_en": "Guanggu S&T innovation corridor, main axis", "kind": "corridor_axis",
                 "source": "traced",
                 "source_detail": common + (
                     "Vertices: 光谷广场 (bus stop GCJ-02 114.40058,30.50562, converted), 光谷中心城, "
                     "武汉未来科技城 (GCJ-02 114.539352,30.491428), 鄂州光谷联合科技城 at 葛店 (GCJ-02 "
                     "114.652933,30.500132), 红莲湖, 鄂州城区, 花湖, 黄石城区, 黄石光谷联合科技城 "
                     "(GCJ-02 115.000012,30.157540), 大冶城区; the non-GCJ vertices are WGS-84 "
                     "town-centre positions from general geographic knowledge (±1-2 km). Schematic "
                     "straight segments between nodes, not a road."),
                 "uncertainty_m": 2000, "ref": G, "figures": [], "role": "main",
                 "cities": "武汉;鄂州;黄石"}, main),
        feature({"id": "corridor-branch-huanggang", "name_zh": "光谷科技创新大走廊 黄冈支线",
                 "name_en": "Guanggu corridor, Huanggang spur", "kind": "corridor_axis",
                 "source": "traced",
                 "source_detail": common + (
                     "Spur from 鄂州城区 across the Yangtze by the 鄂黄长江大桥 to 黄州 (黄冈城区) and the "
                     "黄冈光谷联合科技城 (GCJ-02 114.901929,30.473532, converted)."),
                 "uncertainty_m": 2000, "ref": G, "figures": [], "role": "branch",
                 "cities": "鄂州;黄冈"}, hg),
        feature({"id": "corridor-branch-xianning", "name_zh": "光谷科技创新大走廊 咸宁支线",
                 "name_en": "Guanggu corridor, Xianning branch", "kind": "corridor_axis",
                 "source": "traced",
                 "source_detail": common + (
                     "Branch south from 光谷 via 光谷南 (庙山), 纸坊 (江夏) and 贺胜桥 to 咸宁城区 "
                     "(~114.322,29.841 WGS-84), following the 武咸 corridor schematically."),
                 "uncertainty_m": 3000, "ref": G, "figures": [], "role": "branch",
                 "cities": "武汉;咸宁"}, xn),
    ]
    return out


def ecology_features():
    G = "guanggu_corridor"
    sec = "三、创新要素共建共享 item 四"
    liangzi, daye, mufu, eco = ecology_geoms()
    return [
        feature({"id": "eco-liangzi-lake", "name_zh": "梁子湖 (梁子湖湿地自然保护区)",
                 "name_en": "Liangzi Lake (wetland nature reserve)", "kind": "ecological_element",
                 "source": "traced",
                 "source_detail": ("Schematic WGS-84 outline of 东梁子湖, 西梁子湖 and 牛山湖 with the southern "
                                   "arm, kept inside the commonly published extent (~30.07-30.33 N, "
                                   "114.35-114.67 E, 梁子岛 near 114.53 E 30.26 N) and scaled about its "
                                   "centroid to ~280 km2 of water. The 316 bays are not traced; shore "
                                   "position is uncertain by km."),
                 "uncertainty_m": 3000, "ref": G,
                 "figures": [fig("water_area_approx", 280, "km2", "梁子湖湿地自然保护区建设 (area from "
                                 "general reference, not the document)", G, sec)],
                 "element": "lake;wetland_reserve"}, liangzi),
        feature({"id": "eco-daye-lake", "name_zh": "大冶湖", "name_en": "Daye Lake",
                 "kind": "ecological_element", "source": "traced",
                 "source_detail": ("Schematic WGS-84 outline of the elongated lake from 大冶城区 east to the "
                                   "Yangtze outlet near 韦源口, scaled to ~60 km2 (published 55-70 km2)."),
                 "uncertainty_m": 2000, "ref": G, "figures": [],
                 "element": "lake", "document_phrase": "环大冶湖区域景观绿化改造"}, daye),
        feature({"id": "eco-mufu-mountains", "name_zh": "幕阜山 (生态屏障)",
                 "name_en": "Mufu Mountains (ecological barrier)", "kind": "ecological_element",
                 "source": "traced",
                 "source_detail": ("Schematic WGS-84 outline of the core of the range on the Hubei-Hunan-"
                                   "Jiangxi border south of 咸宁/通山, SW-NE from 平江/通城 (老崖尖) through "
                                   "崇阳/通山 (九宫山) toward 修水/武宁. Not a ridge-line trace."),
                 "uncertainty_m": 10000, "ref": G, "figures": [],
                 "element": "mountain_range", "document_phrase": "幕阜山生态屏障建设"}, mufu),
        feature({"id": "eco-guanggu-green-corridor", "name_zh": "光谷生态大走廊",
                 "name_en": "Guanggu ecological green corridor", "kind": "ecological_element",
                 "source": "traced",
                 "source_detail": ("Schematic WGS-84 band through 东湖高新区 from the 东湖/九峰山 forest south "
                                   "via 豹澥湖 to 牛山湖 (north tip of the 梁子湖 system); the built phase "
                                   "boundaries (一期/二期) are not published here."),
                 "uncertainty_m": 2000, "ref": G, "figures": [],
                 "element": "green_corridor", "document_phrase": "光谷生态大走廊二期工程"}, eco),
    ]


CORRIDOR_CITIES = {
    "武汉": {"industrial_focus": ["新一代信息技术", "汽车制造和服务", "大健康和生物技术"],
             "role": "动力引擎", "role_original": "打造整个走廊的发展动力引擎"},
    "鄂州": {"industrial_focus": ["新一代信息技术", "智能制造", "生物医药"],
             "role": "次动力", "role_original": "构建引领走廊发展的次动力",
             "note": "积极承接武汉科技成果转化与产业化项目"},
    "黄冈": {"industrial_focus": ["中医药", "生物育种", "新能源"],
             "role": "重要推力", "role_original": "构建走廊发展重要推力",
             "note": "充分发挥武汉片区创新溢出效应"},
    "黄石": {"industrial_focus": ["新材料", "电子信息"],
             "role": "重要推力", "role_original": "与黄石新材料和电子信息产业、咸宁大健康等产业形成优势互补，构建走廊发展重要推力"},
    "咸宁": {"industrial_focus": ["大健康"],
             "role": "重要推力", "role_original": "与黄石新材料和电子信息产业、咸宁大健康等产业形成优势互补，构建走廊发展重要推力"},
}


def write_json_extras():
    cities = {}
    for name, d in CORRIDOR_CITIES.items():
        cities[name] = dict(d, ref="guanggu_corridor", section="一、产业融合协同推进 item 四 (支持发展特色产业功能组团)")
    write_json(cities, OUT / "corridor_cities.json")
    H = "hongshan_belts_2024"
    figs = [
        dict(fig("central_city_industrial_land", 5000025, "m2", "7500余亩位于中心城区的宝贵产业用地", H,
                 SEC_UP + " para 3"), place="洪山区"),
        dict(fig("universities", 35, "count", "拥有35所高校", H, "导语 para 1"), place="洪山区"),
        dict(fig("national_key_disciplines", 94, "count", "94个国家重点学科", H, "导语 para 1"), place="洪山区"),
        dict(fig("national_key_labs", 14, "count", "14个国家重点实验室", H, "导语 para 1"), place="洪山区"),
        dict(fig("pre_investment_fund_pool", 200000000, "yuan", "设立首期规模2亿元资金池", H,
                 "全省政府层面率先实施「先投后股」改革 para 2"), place="洪山区"),
    ]
    write_json(figs, OUT / "district_figures.json")


def report(layers):
    for layer, feats in layers.items():
        for f in feats:
            g = to_utm(shape(f["geometry"]))
            if g.geom_type == "Polygon":
                m = f"{g.area / 1e6:9.3f} km2"
            elif g.geom_type == "LineString":
                m = f"{g.length / 1e3:9.2f} km "
            else:
                m = "    point   "
            c = shape(f["geometry"]).centroid
            print(f"{layer:18s} {f['properties']['id']:28s} {m}  ±{f['properties']['uncertainty_m']:>5} m"
                  f"  centroid {c.x:.5f},{c.y:.5f}")


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    belts, parks, site_pts = build_hongshan()
    layers = {
        "innovation_belts": belt_features(belts),
        "parks": park_features(parks),
        "sites": site_features(site_pts),
        "corridor": corridor_features(),
        "corridor_ecology": ecology_features(),
    }
    check_unique_ids(f for fs in layers.values() for f in fs)
    for layer, feats in layers.items():
        write_layer(layer, feats)
    write_json_extras()
    report(layers)


if __name__ == "__main__":
    main()
