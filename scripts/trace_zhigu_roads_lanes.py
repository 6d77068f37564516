#!/usr/bin/env python3
"""Trace the 中科武大·智谷 zone, 小洪山科学城, 嘉嘉悦大厦, an arterial road network for
Wuchang/Hongshan and the four Hongshan silicon lanes (硅巷).

All vertex tables below are written in GCJ-02 (the system of the reference coordinates
that anchored them: Wuhan bus-stop records, Ctrip/Tencent POIs) and converted to WGS-84
with geo.crs.convert_coords before writing.  The system of the tables was established by
comparing the 光谷广场 bus stop (GCJ) with an independent WGS-84 site record for the
光谷广场 roundabout (30°30'28.7"N 114°23'37.6"E): the offset (+0.0068 lon, -0.0024 lat)
matches the GCJ-02 shift in Wuhan (+0.0055, -0.0023) to ~130 m.

Writes layers/traced/{zhigu,sites_zhigu,roads,silicon_lanes,silicon_lane_corridors,
sites_lanes}.geojson.  Run:  .venv/bin/python scripts/trace_zhigu_roads_lanes.py
"""
from shapely.geometry import LineString, Point, Polygon
from tracing import (
    area_km2,
    feature,
    fig,
    from_utm,
    gcj,
    length_km,
    round_point,
    to_utm,
    to_wgs84,
    write_layer,
)

# --------------------------------------------------------------------------------------
# Junction nodes, GCJ-02 (lon, lat).  Shared by every road that meets there, so roads
# share a vertex at their intersections.
# --------------------------------------------------------------------------------------
N = {
    # 武珞路 / 珞喻路 axis (bus-stop records of route 703, GCJ-02, used as on-road points)
    "QIAOTOU": (114.2990, 30.5455),   # 长江大桥武昌桥头 (west end of 武珞路)
    "YMC": (114.3058, 30.5410),       # 阅马场
    "DDM": (114.3160, 30.5390),       # 大东门
    "FJP": (114.3273, 30.5360),       # 傅家坡
    "ZNK": (114.3345, 30.5333),       # 中南路 x 武珞路 x 丁字桥路
    "BTS": (114.3409, 30.5302),       # 宝通寺
    "JDK": (114.3520, 30.5270),       # 街道口 (武珞路/珞喻路/珞狮路)
    "GBT": (114.3640, 30.5232),       # 广埠屯 (珞喻路/广八路/虎泉街)
    "ZDQ": (114.3730, 30.5187),       # 卓刀泉 (珞喻路/卓刀泉北路/南路)
    "MJZ": (114.3783, 30.5173),       # 马家庄
    "HZ": (114.3839, 30.5159),        # 科技会展中心
    "WJW": (114.3904, 30.5120),       # 吴家湾
    "LX": (114.3959, 30.5073),        # 鲁巷
    "GGGC": (114.3993, 30.5057),      # 光谷广场 roundabout centre
    "GSK": (114.4116, 30.5072),       # 关山口 (珞喻东路 x 关山大道)
    "GGDD": (114.4276, 30.5057),      # 珞喻东路 x 光谷大道
    # 洪山广场 / 八一路 / 东湖 shore
    "HSGC_S": (114.3398, 30.5433),    # 洪山广场, south side (中南路 end)
    "HSGC_N": (114.3412, 30.5468),    # 洪山广场, north side (中北路 start)
    "HSGC_E": (114.3432, 30.5458),    # 洪山广场, east side (洪山路 / 八一路 start)
    "HSL_D1": (114.3446, 30.5495),    # 洪山路 x 东一路 (8号线 洪山路站)
    "SGH": (114.3455, 30.5537),       # 洪山路 / 东湖路 / 东湖南路 at 水果湖
    "BY_D1": (114.3440, 30.5436),     # 八一路 x 东一路
    "BY_D3": (114.3462, 30.5410),     # 八一路 x 东三路
    # BY_LS converts to WGS-84 (114.3468, 30.5383), i.e. onto the zh-wiki 小洪山站 (WGS-84
    # 114.34683, 30.53810), which zh-wiki (citing 中铁十二局, 2019) places at 八一路 x 科技小路,
    # not at 珞狮北路.  So this node is really the 科技小路 crossing; where 珞狮北路 meets 八一路
    # (east of it) is not anchored.  Node names kept for stability; see the audit
    # (scripts/audit_traced_positions.py, tests/data/anchors/wuhan_anchors.csv).
    "BY_LS": (114.3523, 30.5359),     # 八一路 at 8号线 小洪山站 (= 科技小路 crossing per zh-wiki)
    "BY_KJ": (114.3578, 30.5356),     # 八一路, ~520 m east of 小洪山站 (formerly taken as 科技小路; unanchored)
    "BY_GB": (114.3625, 30.5355),     # 八一路 x 广八路
    "BY_ZDQ": (114.3815, 30.5368),    # 八一路 x 卓刀泉北路 (Ctrip POI 八一路483号, GCJ)
    "D3N": (114.3472, 30.5522),       # 东三路 north end on 东湖南路
    "ZDQN": (114.3842, 30.5412),      # 卓刀泉北路 north end on 东湖南路
    "LIYUAN": (114.3712, 30.5762),    # 梨园 (东湖路 north end)
    # south Wuchang / Hongshan (rough)
    "XC_DZQ": (114.3318, 30.5080),    # 雄楚大道 x 丁字桥路
    "XC_LS": (114.3500, 30.5068),     # 雄楚大道 x 珞狮南路
    "XC_SC": (114.3565, 30.5068),     # 雄楚大道 x 书城路
    "XC_ZDQ": (114.3748, 30.5035),    # 雄楚大道 x 卓刀泉南路
    "XC_MZ": (114.3955, 30.5002),     # 雄楚大道 x 民族大道
    "XC_GS": (114.4128, 30.4968),     # 雄楚大道 x 关山大道
    "XC_GG": (114.4281, 30.4935),     # 雄楚大道 x 光谷大道
    "XC_W": (114.3060, 30.5195),      # 雄楚大道 west end (中山路南 / 白沙洲大道)
    "MFS": (114.3510, 30.5172),       # 马房山 (珞狮南路)
    "NL_LS": (114.3490, 30.5000),     # 珞狮南路 x 南李路
    "NL_W": (114.3335, 30.5000),      # 南李路 west end (丁字桥南路)
        "SZS_W": (114.3500, 30.4848),     # 珞狮南路 south end x 狮子山街
    "SZS_HN": (114.3600, 30.4846),    # 狮子山街 at 华中农业大学
    "SZS_E": (114.3730, 30.4835),    # 狮子山街 east end / 南湖大道 west end (HZAU east side)
    "SC_S": (114.3575, 30.4965),      # 书城路 south end (南湖 north shore)
    "R3_BSZ": (114.2720, 30.4700),    # 三环线 at 白沙洲大桥 (武昌岸)
    "R3_BSZD": (114.3025, 30.4652),   # 三环线 x 白沙洲大道 (白沙洲立交)
    "R3_QL": (114.3300, 30.4640),     # 三环线 青菱
    "R3_YZ": (114.3560, 30.4650),     # 三环线 野芷湖
    "NHDD_MZ": (114.3972, 30.4790),  # 南湖大道 x 民族大道
    "R3_MZ": (114.3975, 30.4700),     # 三环线 x 民族大道
    "R3_GS": (114.4165, 30.4702),     # 三环线 x 关山大道
    "R3_GG": (114.4322, 30.4683),     # 三环线 x 光谷大道
    "BSZ_N": (114.3000, 30.5220),     # 白沙洲大道 north end (复兴路)
    # riverside
    "HP_YY": (114.3140, 30.5705),     # 和平大道 x 友谊大道 (south end of 友谊大道)
    "YY_ZB": (114.3528, 30.5865),     # 友谊大道 x 中北路 north end
}

P = lambda k: N[k]  # noqa: E731

ROADS = [
    # id, name_zh, name_en, highway, vertex list (node keys or GCJ tuples), uncertainty_m
    ("road-wuluo-lu", "武珞路", "Wuluo Road", "primary",
     ["QIAOTOU", "YMC", "DDM", "FJP", "ZNK", "BTS", "JDK"], 150),
    ("road-luoyu-lu", "珞喻路", "Luoyu Road", "primary",
     ["JDK", (114.3580, 30.5252), "GBT", "ZDQ", "MJZ", "HZ", "WJW", "LX", "GGGC"], 120),
    ("road-luoyu-donglu", "珞喻东路", "East Luoyu Road", "primary",
     ["GGGC", (114.4075, 30.5070), "GSK", (114.4190, 30.5066), "GGDD", (114.4323, 30.5055),
      (114.4390, 30.5056), (114.4448, 30.5084), (114.4629, 30.5090)], 150),
    # zh-wiki 中南路站 (WGS-84 114.32694, 30.53917, under 中南路) lies ~340 m west of this
    # centreline; a single anchor, so the line is kept and its uncertainty raised to 350 m.
    ("road-zhongnan-lu", "中南路", "Zhongnan Road", "primary",
     ["ZNK", (114.3372, 30.5385), "HSGC_S"], 350),
    ("road-zhongbei-lu", "中北路", "Zhongbei Road", "primary",
     ["HSGC_N", (114.3440, 30.5560), (114.3470, 30.5660), (114.3500, 30.5760), "YY_ZB"], 250),
    ("road-hongshan-lu", "洪山路", "Hongshan Road", "secondary",
     ["HSGC_E", "HSL_D1", "SGH"], 200),
    ("road-bayi-lu", "八一路", "Bayi Road", "secondary",
     ["HSGC_E", "BY_D1", "BY_D3", (114.3490, 30.5381), "BY_LS", "BY_KJ", "BY_GB", (114.3680, 30.5357),
      (114.3750, 30.5361), "BY_ZDQ"], 150),
    ("road-donghu-nanlu", "东湖南路", "South Donghu Road", "secondary",
     ["SGH", "D3N", (114.3520, 30.5502), (114.3580, 30.5480), (114.3640, 30.5460),
      (114.3700, 30.5450), (114.3770, 30.5433), "ZDQN"], 200),
    ("road-donghu-lu", "东湖路", "Donghu Road", "secondary",
     ["SGH", (114.3520, 30.5600), (114.3610, 30.5660), (114.3670, 30.5715), "LIYUAN"], 250),
    ("road-dongsan-lu", "东三路", "Dongsan Road", "tertiary",
     ["BY_D3", (114.3467, 30.5466), "D3N"], 200),
    ("road-zhuodaoquan-beilu", "卓刀泉北路", "North Zhuodaoquan Road", "secondary",
     ["ZDQ", (114.3731, 30.5235), (114.3752, 30.5290), (114.3790, 30.5335), "BY_ZDQ", "ZDQN"], 150),
    ("road-zhuodaoquan-nanlu", "卓刀泉南路", "South Zhuodaoquan Road", "secondary",
     ["ZDQ", (114.3740, 30.5110), "XC_ZDQ"], 250),
    # north end drawn at the 小洪山站 node, which zh-wiki puts at 科技小路 rather than 珞狮北路:
    # the real 珞狮北路 may meet 八一路 several hundred metres further east -> 400 m.
    ("road-luoshi-beilu", "珞狮北路", "North Luoshi Road", "secondary",
     ["BY_LS", (114.3522, 30.5315), "JDK"], 400),
    ("road-luoshi-nanlu", "珞狮南路", "South Luoshi Road", "primary",
     ["JDK", "MFS", "XC_LS", "NL_LS", (114.3495, 30.4930), "SZS_W"], 250),
    ("road-guangba-lu", "广八路", "Guangba Road", "tertiary",
     ["GBT", (114.3630, 30.5300), "BY_GB"], 150),
    ("road-huquan-jie", "虎泉街", "Huquan Street", "secondary",
     ["GBT", (114.3665, 30.5150), (114.3690, 30.5095), (114.3800, 30.5075), (114.3900, 30.5068),
      "GGGC"], 300),
    ("road-lumo-lu", "鲁磨路", "Lumo Road", "secondary",
     ["GGGC", (114.3990, 30.5150), (114.3985, 30.5250), (114.3995, 30.5340), (114.4010, 30.5420)], 250),
    ("road-minzu-dadao", "民族大道", "Minzu Avenue", "primary",
     ["GGGC", (114.3968, 30.5030), "XC_MZ", (114.3972, 30.4900), "NHDD_MZ", "R3_MZ"], 350),
    ("road-xiongchu-dadao", "雄楚大道", "Xiongchu Avenue", "primary",
     ["XC_W", (114.3200, 30.5120), "XC_DZQ", "XC_LS", "XC_SC", "XC_ZDQ", "XC_MZ", "XC_GS", "XC_GG"], 350),
    ("road-dingziqiao-lu", "丁字桥路", "Dingziqiao Road", "secondary",
     ["ZNK", (114.3335, 30.5250), (114.3322, 30.5150), "XC_DZQ", "NL_W"], 300),
    ("road-nanli-lu", "南李路", "Nanli Road", "tertiary",
     ["NL_W", (114.3420, 30.5005), "NL_LS"], 400),
    ("road-shucheng-lu", "书城路", "Shucheng Road", "tertiary",
     ["XC_SC", (114.3570, 30.5015), "SC_S"], 400),
    ("road-nanhu-dadao", "南湖大道", "Nanhu Avenue", "secondary",
     ["SZS_E", (114.3800, 30.4800), (114.3880, 30.4790), "NHDD_MZ"], 450),
    ("road-shizishan-jie", "狮子山街", "Shizishan Street", "secondary",
     ["SZS_W", "SZS_HN", (114.3670, 30.4842), "SZS_E"], 350),
    ("road-guanshan-dadao", "关山大道", "Guanshan Avenue", "primary",
     ["GSK", (114.4122, 30.5020), "XC_GS", (114.4150, 30.4830), "R3_GS"], 300),
    ("road-guanggu-dadao", "光谷大道", "Guanggu Avenue", "primary",
     ["GGDD", "XC_GG", (114.4300, 30.4800), "R3_GG"], 300),
    ("road-baishazhou-dadao", "白沙洲大道", "Baishazhou Avenue", "trunk",
     ["BSZ_N", "XC_W", (114.3005, 30.5000), (114.3015, 30.4820), "R3_BSZD", (114.3035, 30.4450)], 400),
    ("road-sanhuan-south", "三环线（南段）", "Third Ring Road, south section", "motorway",
     ["R3_BSZ", "R3_BSZD", "R3_QL", "R3_YZ", (114.3780, 30.4680), "R3_MZ", "R3_GS", "R3_GG"], 500),
    ("road-heping-dadao", "和平大道", "Heping Avenue", "primary",
     ["QIAOTOU", (114.3050, 30.5580), "HP_YY", (114.3290, 30.5920), (114.3480, 30.6080),
      (114.3700, 30.6230)], 400),
    ("road-youyi-dadao", "友谊大道", "Youyi Avenue", "primary",
     ["HP_YY", (114.3300, 30.5760), (114.3420, 30.5830), "YY_ZB", (114.3650, 30.5960),
      (114.3850, 30.6130)], 400),
]

ZHIGU_REF = "zhigu_report_2021"
LANE_REF = "wuhan_innovation_2026"
LANE_SEC = "便利化、全要素创新空间环大学生“硅巷经济”激发高校院所创新创业活力 para 4"


def seq(items):
    return [P(x) if isinstance(x, str) else x for x in items]


def reversed_seq(items):
    return list(reversed(seq(items)))


def road_part(road_id, start, end):
    """Vertices (GCJ) of a road between two of its node keys, inclusive."""
    items = next(r for r in ROADS if r[0] == road_id)[4]
    i, j = items.index(start), items.index(end)
    part = items[i:j + 1] if i <= j else list(reversed(items[j:i + 1]))
    return seq(part)


def build_zhigu():
    ring = []
    ring += road_part("road-bayi-lu", "BY_D3", "BY_ZDQ")                 # S edge, W->E
    ring += road_part("road-zhuodaoquan-beilu", "BY_ZDQ", "ZDQN")[1:]    # E edge
    ring += road_part("road-donghu-nanlu", "ZDQN", "D3N")[1:]            # N edge, E->W
    ring += road_part("road-dongsan-lu", "D3N", "BY_D3")[1:-1]           # W edge
    poly = Polygon(to_wgs84(ring, "gcj02", ndigits=6))
    assert poly.is_valid
    a = area_km2(poly)
    sec1 = "一、基本情况 para 1"
    sec2 = "一、基本情况 para 2"
    figs = [
        fig("land_area", 3.9, "km2", "总用地面积约为3.9平方公里", ZHIGU_REF, sec1),
        fig("floor_area_target_3_5y", 220000, "m2", "约22万方楼宇资源", ZHIGU_REF, sec2),
        fig("firms_target_3_5y", 400, "count", "约400家科技型企业", ZHIGU_REF, sec2),
        fig("annual_output_target_3_5y", 2e10, "yuan_per_year", "年产值约200亿元", ZHIGU_REF, sec2),
        fig("floor_area_target_5_10y", 500000, "m2", "50万方", ZHIGU_REF, sec2),
        fig("firms_target_5_10y", 1000, "count", "约1000家", ZHIGU_REF, sec2),
        fig("annual_output_target_5_10y", 5e10, "yuan_per_year", "年产值约500亿元", ZHIGU_REF, sec2),
        fig("incubators", 8, "count", "8家创孵载体", ZHIGU_REF, "二、主要工作及成效 (六) para 1"),
        fig("high_tech_firms_district", 340, "count", "高新技术企业规模达340家", ZHIGU_REF,
            "二、主要工作及成效 (五) para 1"),
    ]
    zg = feature({
        "id": "zhigu", "name_zh": "中科武大·智谷",
        "name_en": "CAS-WHU Zhigu (Wisdom Valley) innovation zone",
        "kind": "innovation_zone", "source": "traced",
        "source_detail": (
            "Ring traced along the bounding roads named by the report: 八一路 (S) from its junction "
            "with 东三路 east past 小洪山 (8号线 小洪山站, 八一路 x 珞狮北路), 科技小路 and 广八路 to 卓刀泉北路; "
            "卓刀泉北路 (E) north to the 东湖 shore; 东湖南路 (N) west along the lakeshore past "
            "中科院水生所/武汉大学工学部 to 东三路; 东三路 (W) back south to 八一路. Vertices are the same "
            "ones used by the roads layer. Anchors (GCJ-02, converted to WGS-84 with geo.crs.convert_coords): Wuhan "
            "bus-stop records on 珞喻路 (广埠屯, 卓刀泉中学) and 武珞路 (街道口), a POI at 卓刀泉北路6号 and a "
            "hotel at 八一路483号 '八一路与卓刀泉北路交叉处'; 8号线 station order 洪山路-小洪山-街道口 fixes the "
            f"八一路/珞狮北路 junction, cross-checked against the WGS-84 小洪山站 coordinate (zh-wiki, 30.5381 N 114.3468 E, as cited by the campuses layer). The 东湖南路 lakeshore edge is the least certain side. Measured area {a:.2f} km2 (UTM 50N) against the report's 约3.9 km2. "
            "Note: read this way WHU's 文理学部 (south of 八一路) lies outside; 工学部 and 中科院武汉分院 inside."),
        "uncertainty_m": 200, "ref": ZHIGU_REF, "figures": figs,
        "bounding_roads": "东三路 (W); 东湖南路, 卓刀泉路 (N, E); 八一路 (S)",
        "subdistricts": "中南路街道;水果湖街道;珞珈山街道",
        "area_km2_measured": round(a, 3),
    }, poly)
    # 小洪山科学城: plot N of 八一路 at 科技小路, W of WHU, S of 中科院武汉分院.
    # Moved (audit) from the unanchored BY_KJ node ~520 m east onto the 八一路 x 科技小路
    # crossing as located by the WGS-84 zh-wiki 小洪山站 (114.3468306, 30.5381000; station body
    # '布置在八一路与科技小路交叉路口处'), which the 2021 report names as the site's corner.
    # Same ~200 m x ~230 m block shape, now written in WGS-84 directly (no conversion).
    xhs_st = (114.3468306, 30.5381000)   # 小洪山站, WGS-84 (zh-wiki)
    # south edge follows 八一路, which runs WNW from the station (rising ~0.0013 deg in 160 m)
    plot_wgs = [(xhs_st[0] - 0.0016, xhs_st[1] + 0.0015), (xhs_st[0] + 0.0006, xhs_st[1] + 0.0002),
                (xhs_st[0] + 0.0009, xhs_st[1] + 0.0021), (xhs_st[0] - 0.0013, xhs_st[1] + 0.0034)]
    plot = Polygon([(round(x, 6), round(y, 6)) for x, y in plot_wgs])
    assert plot.is_valid
    xhs = feature({
        "id": "xiaohongshan-science-city", "name_zh": "小洪山科学城",
        "name_en": "Xiaohongshan Science City", "kind": "project_site", "source": "traced",
        "source_detail": (
            "Schematic plot on the north side of 八一路 at its junction with 科技小路 (report: '位于八一路和科技"
            f"小路交叉口, 北靠中科院武汉分院, 东临武汉大学'); ~{200:.0f} m x ~{230:.0f} m block drawn north of 八一路 "
            "at the crossing, south of the 中科院武汉分院 compound. Crossing located by the WGS-84 zh-Wikipedia "
            "小洪山站 coordinate (30.5381000 N 114.3468306 E), whose article places the station body at "
            "'八一路与科技小路交叉路口' (citing 中铁十二局, 2019); the report independently names the same crossing. "
            "Moved ~520 m west in the position audit (tests/data/anchors/wuhan_anchors.csv): the earlier plot sat "
            "on an unanchored 八一路 node east of the station. Plot outline and extent are not surveyed."),
        "uncertainty_m": 150, "ref": ZHIGU_REF,
        "figures": [fig("floor_area", 110000, "m2", "约11万方高质量产业空间", ZHIGU_REF,
                        "二、主要工作及成效 (三) para 1")],
        "area_m2_measured": round(area_km2(plot) * 1e6),
    }, plot)
    return [zg, xhs], a


def build_sites_zhigu():
    p = round_point(gcj(114.3448, 30.5428))
    return [feature({
        "id": "jiajiayue-tower", "name_zh": "嘉嘉悦大厦", "name_en": "Jiajiayue Tower",
        "kind": "building", "source": "traced",
        "source_detail": (
            "Transitional office building of the 小洪山科学城 project, with the 武昌科技创新展示中心 on its "
            "ground floor (report, 二(三)). No published coordinate was found in the stored material; placed "
            "schematically on 八一路 west of 东一路 (between 洪山广场 and 小洪山), inside the 水果湖/中南路 "
            "sub-districts the report names. Treat as a locality, not the building footprint."),
        "uncertainty_m": 800, "ref": ZHIGU_REF, "figures": [],
        "located": "approximate",
    }, Point(p))]


# Per-road findings of the position audit (scripts/audit_traced_positions.py), appended to
# source_detail.
ROAD_NOTES = {
    "road-zhongnan-lu": (
        " Audit: the WGS-84 zh-Wikipedia 中南路站 (30°32'21\"N 114°19'37\"E, station under 中南路 in front of "
        "中商广场) lies ~340 m west of this centreline. Only one anchor, so the line was not moved; "
        "uncertainty raised from 150 to 350 m."),
    "road-luoshi-beilu": (
        " Audit: the north end is the node that coincides with the WGS-84 zh-Wikipedia 小洪山站, which the "
        "article places at 八一路 x 科技小路, not at 珞狮北路; the real 珞狮北路 / 八一路 junction is not "
        "anchored and may lie several hundred metres east. Uncertainty raised from 150 to 400 m."),
}


def build_roads():
    feats = []
    for rid, zh, en, hw, items, unc in ROADS:
        line = LineString(to_wgs84(seq(items), "gcj02", ndigits=6))
        assert line.is_valid and line.is_simple, rid
        feats.append(feature({
            "id": rid, "name_zh": zh, "name_en": en, "kind": "road", "highway": hw,
            "source": "traced",
            "source_detail": (
                "Centreline (dual carriageways as one line) traced through junction nodes shared with "
                "the crossing roads; vertex table in GCJ-02 anchored on Wuhan bus-stop records (route 703 "
                "along 武珞路/珞喻路/珞喻东路), 8号线/2号线 station order, the WGS-84 小洪山站 (zh-wiki), and POIs with stated addresses, "
                "converted to WGS-84 with geo.crs.convert_coords. Intermediate vertices away from anchors are "
                "interpolated from the known road layout." + ROAD_NOTES.get(rid, "")),
            "uncertainty_m": unc, "ref": None, "figures": [],
            "length_km": round(length_km(line), 3),
        }, line))
    return feats


LANES = [
    ("lane-nanhu", "南湖硅巷", "Nanhu Silicon Lane",
     ["MFS", "XC_LS", "XC_SC", (114.3570, 30.5015), "SC_S"],
     "珞狮南路 (马房山 to 雄楚大道); 雄楚大道 (珞狮南路 to 书城路); 书城路 (to 南湖 north shore)",
     "环理工大创新街区;5个“工业上楼”项目",
     "Interpretation: the document names projects, not streets. 环理工大创新街区 surrounds 武汉理工大学 "
     "马房山/南湖 campuses, reached along 珞狮南路 and 雄楚大道; the lane is drawn from 马房山 south-east "
     "to the north shore of 南湖 (北港工业园 side) along 书城路.",
     [fig("industry_upstairs_projects", 5, "count", "建成5个“工业上楼”项目", LANE_REF, LANE_SEC),
      fig("science_firms", 400, "count", "400余家", LANE_REF, LANE_SEC)], 500),
    ("lane-luoyu", "珞喻硅巷", "Luoyu Silicon Lane",
     ["BY_GB", (114.3630, 30.5300), "GBT", "ZDQ", "MJZ", "HZ", "WJW", "LX", "GGGC"],
     "广八路 (八一路 to 广埠屯); 珞喻路 (广埠屯 to 光谷广场)",
     "华师大学生创业中心;烽火创新谷;广八路;105所",
     "Interpretation: named after 珞喻路; the lane follows 珞喻路 from 广埠屯 to 光谷广场 (华中师范大学 at "
     "卓刀泉/珞喻路, 烽火 toward 光谷) and takes in 广八路, whose old blocks the document names.",
     [], 300),
    ("lane-shizishan", "狮子山硅巷", "Shizishan Silicon Lane",
     ["NL_LS", (114.3495, 30.4930), "SZS_W", "SZS_HN", (114.3670, 30.4842), "SZS_E"],
     "珞狮南路 (南李路 to 狮子山街); 狮子山街 (along the north side of 华中农业大学)",
     "洪山实验室四期;音乐城;碧水创意OPC生态街区",
     "Interpretation: named after 狮子山 (华中农业大学, 狮子山街); 湖北洪山实验室 is hosted at 华中农业大学, so "
     "the lane follows 狮子山街 past the campus; positions of 音乐城 and 碧水创意 along it are not known.",
     [], 600),
    ("lane-qingling", "青菱硅巷", "Qingling Silicon Lane",
     [(114.3015, 30.4820), "R3_BSZD", "R3_QL", (114.3420, 30.4645)],
     "白沙洲大道 (south end); 三环线 through 青菱",
     "低空经济飞行器产业园",
     "Interpretation: schematic; the document only places it in 青菱. Drawn along 白沙洲大道 and the "
     "三环线 through the 青菱 industrial area (青菱都市工业园).",
     [], 1000),
]


def build_lanes():
    lines, corridors = [], []
    for lid, zh, en, items, streets, projects, why, figs, unc in LANES:
        line = LineString(to_wgs84(seq(items), "gcj02", ndigits=6))
        assert line.is_valid
        utm = to_utm(line)
        buf = from_utm(utm.buffer(400, cap_style="round", join_style="round").simplify(10))
        assert buf.is_valid
        detail = why + " Centre line reuses the roads-layer vertices (GCJ-02 anchors converted to WGS-84)."
        common = {"name_zh": zh, "name_en": en, "source": "traced", "ref": LANE_REF,
                  "projects": projects, "streets": streets, "figures": figs,
                  "interpretation": True}
        lines.append(feature({"id": lid, **common, "kind": "silicon_lane",
                              "source_detail": detail, "uncertainty_m": unc,
                              "length_km": round(length_km(line), 3)}, line))
        corridors.append(feature({"id": lid + "-corridor", **{**common, "figures": []},
                                  "name_zh": zh + "走廊", "name_en": en + " corridor",
                                  "kind": "silicon_lane_corridor",
                                  "source_detail": detail + " Corridor = 400 m buffer either side (UTM 50N).",
                                  "uncertainty_m": unc + 400, "buffer_m": 400,
                                  "area_km2": round(area_km2(buf), 3)}, buf))
    return lines, corridors


SITES = [
    ("project-ccnu-student-startup-centre", "华师大学生创业中心", "CCNU student entrepreneurship centre",
     "lane-luoyu", (114.3790, 30.5150), 500,
     "华中师范大学 (珞喻路152号) south of 珞喻路 east of 卓刀泉; centre's exact building unknown."),
    ("project-guangba-lu", "广八路", "Guangba Road old blocks", "lane-luoyu",
     (114.3630, 30.5300), 200, "Mid-point of 广八路 (广埠屯 to 八一路) from the roads layer."),
    ("project-105-institute", "105所", "No. 105 Institute residential blocks", "lane-luoyu",
     (114.3700, 30.5215), 800, "Old residential compound near 珞喻路 between 广埠屯 and 卓刀泉; location "
     "not verified (schematic)."),
    ("project-hongshan-lab-phase4", "洪山实验室四期", "Hongshan Laboratory phase 4", "lane-shizishan",
     (114.3495, 30.4700), 600, "湖北洪山实验室 is hosted by 华中农业大学 on 狮子山街; phase-4 plot unknown."),
    ("project-music-city", "音乐城", "Music City project", "lane-shizishan",
     (114.3670, 30.4842), 1000, "Only placed on the 狮子山 lane by the document; schematic point on 狮子山街."),
    ("project-bishui-opc-block", "碧水创意OPC生态街区", "Bishui Creative OPC eco-block", "lane-shizishan",
     (114.3520, 30.4860), 1000, "Only placed on the 狮子山 lane by the document; schematic point near "
     "珞狮南路/狮子山街."),
    ("project-low-altitude-aircraft-park", "低空经济飞行器产业园", "Low-altitude aircraft industrial park",
     "lane-qingling", (114.3300, 30.4640), 1500, "青菱 area on the 三环线; schematic."),
]


def build_sites_lanes():
    feats = []
    for sid, zh, en, lane, p, unc, why in SITES:
        feats.append(feature({
            "id": sid, "name_zh": zh, "name_en": en, "kind": "project", "source": "traced",
            "source_detail": why + " Coordinates written in GCJ-02 and converted to WGS-84.",
            "uncertainty_m": unc, "ref": LANE_REF, "figures": [], "lane": lane}, Point(to_wgs84([p], "gcj02", ndigits=6)[0])))
    return feats


def main():
    zg, a = build_zhigu()
    write_layer("zhigu", zg)
    write_layer("sites_zhigu", build_sites_zhigu())
    roads = build_roads()
    write_layer("roads", roads)
    lines, corr = build_lanes()
    write_layer("silicon_lanes", lines)
    write_layer("silicon_lane_corridors", corr)
    write_layer("sites_lanes", build_sites_lanes())
    print(f"zhigu area km2: {a:.3f}")
    for f in zg[1:]:
        print(f["properties"]["id"], f["properties"].get("area_m2_measured"))
    for f in roads:
        print(f["properties"]["id"], f["properties"]["length_km"])
    for f in lines:
        print(f["properties"]["id"], f["properties"]["length_km"])
    for f in corr:
        print(f["properties"]["id"], f["properties"]["area_km2"])


if __name__ == "__main__":
    main()
