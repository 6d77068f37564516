"""Trace university campus polygons of Wuhan's innovation corridors.

Writes layers/traced/campuses.geojson (format: layers/traced/FORMAT.md).

The vertex tables below ARE the traced data.  Every coordinate stored is
WGS-84 (lon, lat).  Where an anchor came from a GCJ-02 or BD-09 source it is
kept here in its raw form and converted with ``geo.crs.convert_coords`` at build time, so
the conversion is reviewable.

Anchor references used (system identified for each):
  WGS-84  zh-Wikipedia station infoboxes: 小洪山站 (八一路 x 科技小路)
          30.5381 N 114.3468 E; 华中科技大学站 (珞喻东路 x 关山大道)
          30.50966 N 114.40938 E; 水果湖站 30.5541 N 114.3407 E.
  WGS-84  An OSM/Overpass-based WHU campus-navigation project: faculty anchors
          文理学部 (114.3610, 30.5375), 工学部 (114.3715, 30.5410),
          信息学部 (114.3755, 30.5240); WHU bbox W114.346 E114.388-114.390
          S30.515-30.517 N30.551.
  WGS-84  A CUG OpenLayers/OSM (EPSG:4326) web map: 南望山 view centre
          (114.395896, 30.521557); 未来城 view centre (114.612, 30.4604) and a
          campus road (114.6176-114.6252, 30.4661-30.4664).
  GCJ-02  Wuhan bus real-time data (line 703 stops along 武珞路/珞喻路); its
          system was identified by comparison with the WGS-84 华中科技大学站:
          converted 关山口 stop lands on the station's latitude (30.5097).
  GCJ-02  A 中南民族大学 WeChat campus-map mini-program (Tencent map): gates.
  BD-09   A Baidu-POI badminton-court list: 中南民族大学体育馆 (lands inside the
          民族大学 gate hull after BD->GCJ->WGS, which confirms the system) and
          财大艺体中心 (南湖大道182号, 中南财经政法大学南湖校区).
Edges between anchors follow the boundary roads / shores as remembered from
OpenStreetMap; they are NOT surveyed.  uncertainty_m says how far an edge may
be off.
"""

from __future__ import annotations

from shapely.geometry import Polygon
from tracing import (
    area_m2,
    bd,
    check_unique_ids,
    feature,
    feature_collection,
    gcj,
    orient_ccw,
    write_layer,
)
from tracing import round_point as r

LAYER = "campuses"


# ---------------------------------------------------------------------------
# Reference points (converted to WGS-84 here; used in the vertex lists below)
# ---------------------------------------------------------------------------
# Line-703 bus stops (GCJ-02) along 珞喻路
LUOYU_GUANGBUTUN = gcj(114.36232, 30.52367)      # 珞喻路广埠屯
LUOYU_ZHUODAOQUAN = gcj(114.37271, 30.51872)     # 珞喻路卓刀泉中学
LUOYU_MAJIAZHUANG = gcj(114.37827, 30.51727)     # 珞喻路马家庄
LUOYU_HUIZHAN = gcj(114.38389, 30.51592)         # 珞喻路科技会展中心
LUOYU_WUJIAWAN = gcj(114.39038, 30.51198)        # 珞喻路吴家湾
LUOYU_LUXIANG = gcj(114.39594, 30.50733)         # 珞喻路鲁巷
LUOYU_GUANGGU = gcj(114.40058, 30.50562)         # 珞喻路光谷广场
LUOYU_ZHONGYIYUAN = gcj(114.40753, 30.50701)     # 珞喻路湖北省中医院
LUOYU_GUANSHANKOU = gcj(114.41163, 30.50722)     # 珞喻路关山口
LUOYU_YEMADIAN = gcj(114.41902, 30.50655)        # 珞喻东路叶麻店
LUOYU_DAHUANGCUN = gcj(114.42757, 30.50567)      # 珞喻东路大黄村
HUST_STATION = (114.4093806, 30.5096611)         # 华中科技大学站, WGS-84 (zh-wiki)
XIAOHONGSHAN_STATION = (114.3468306, 30.5381000)  # 小洪山站, WGS-84 (zh-wiki)

# 中南民族大学 gates (GCJ-02, campus-map mini-program)
SCMZU_E2 = gcj(114.395489, 30.487241)   # 东2门 = 正门, on 民族大道
SCMZU_W = gcj(114.389521, 30.490479)    # 西门
SCMZU_N2 = gcj(114.396230, 30.491524)   # 北2门
SCMZU_N1 = gcj(114.395653, 30.489221)   # 北1门
SCMZU_S1 = gcj(114.395396, 30.484233)   # 南1门
SCMZU_S2 = gcj(114.391704, 30.479296)   # 南2门
SCMZU_GYM = bd(114.400627, 30.489869)   # 中南民族大学体育馆 (BD-09)
ZUEL_GYM = bd(114.393976, 30.478098)    # 财大艺体中心, 南湖大道182号 (BD-09)


# ---------------------------------------------------------------------------
# Campus tables.  Each "ring" is a list of WGS-84 (lon, lat) vertices; the
# comment after a vertex names the road / shore the edge from it follows.
# ---------------------------------------------------------------------------
CAMPUSES = []

# --- 武汉大学 main campus (文理学部 + 工学部 + 信息学部), 珞珈山 ------------
CAMPUSES.append(dict(
    id="whu-main",
    name_zh="武汉大学（珞珈山主校区：文理学部、工学部、信息学部）",
    name_en="Wuhan University, Luojia Hill main campus (Arts & Sciences, Engineering, Information faculties)",
    kind="campus", university="武汉大学", district="武昌区", double_first_class=True,
    aliases="武大;WHU;珞珈", ref='hongshan_belts_2024;zhigu_report_2021;guanggu_corridor', uncertainty_m=300,
    source_detail=(
        "Outline remembered from OSM: west edge just east of 科技小路/中科院 (WGS-84 小洪山站 "
        "114.3468,30.5381 from zh-wiki, which the 2021 Zhigu report puts 'east-adjoining WHU'); "
        "north edge the 东湖 south shore (东湖南路, 凌波门); east edge 卓刀泉北路 side of 工学部/信息学部; "
        "south edge 珞喻路 along 信息学部 (GCJ-02 bus stops 广埠屯/卓刀泉中学/马家庄/科技会展中心 "
        "converted with geo.crs.convert_coords), with the 街道口 牌坊 wedge; residential blocks between 八一路 "
        "and 珞喻路 (广八路) excluded. Cross-checked with WGS-84 faculty anchors of an "
        "OSM-based WHU navigation project (文理 114.3610,30.5375; 工学部 114.3715,30.5410; "
        "信息学部 114.3755,30.5240), all inside. 医学部 (东湖路) not included."),
    rings=[[
        (114.3528, 30.5325),  # SW: 珞珈山路 entrance north of 街道口 (牌坊 path excluded)
        (114.3580, 30.5330),  # S: back of 八一路 / 广八路 blocks
        (114.3642, 30.5318),  # S: 八一路 towards 信息学部
        (114.3685, 30.5285),  # W edge of 信息学部
        (114.3700, 30.5215),  # 珞喻路 at 卓刀泉 (信息学部 south side)
        r(LUOYU_MAJIAZHUANG),  # 珞喻路 马家庄
        (114.3785, 30.5188),  # 珞喻路, SE corner of 信息学部
        (114.3795, 30.5235),  # E edge 信息学部 (卓刀泉北路 side)
        (114.3780, 30.5295),  # E: 八一路 east end
        (114.3770, 30.5360),  # E edge 工学部
        (114.3750, 30.5418),  # NE: 东湖南路 / lake shore
        (114.3705, 30.5443),  # N: 东湖 shore (工学部)
        (114.3655, 30.5458),  # N: 凌波门
        (114.3598, 30.5455),  # N: 东湖 shore (珞珈山 north foot)
        (114.3555, 30.5440),  # NW: 东湖南路
        (114.3530, 30.5415),  # W: 中科院 boundary
        (114.3520, 30.5370),  # W: east of 小洪山科学城 site
    ]],
))

# --- 中国科学院武汉分院 小洪山 institutes campus ----------------------------
CAMPUSES.append(dict(
    id="cas-wuhan-xiaohongshan",
    name_zh="中国科学院武汉分院（小洪山园区）",
    name_en="Wuhan Branch of the Chinese Academy of Sciences, Xiaohongshan campus",
    kind="research_institute", university="中国科学院武汉分院", district="武昌区",
    double_first_class=False, aliases="中科院武汉分院;小洪山;CAS Wuhan", ref="zhigu_report_2021",
    uncertainty_m=250,
    source_detail=(
        "North of 八一路 at 小洪山, west of WHU: south edge 八一路 anchored on the WGS-84 小洪山站 "
        "(zh-wiki, 八一路 x 科技小路 30.5381,114.3468; the 2021 Zhigu report places 小洪山科学城 at "
        "that crossing 'backing north onto CAS Wuhan'); north edge the 东湖 shore (水生所 on 东湖南路); "
        "west edge 东三路 side, east edge the WHU fence. Institutes (分院, 水生所, 精密测量院, 岩土所) "
        "treated as one fenced campus; smaller outlying plots excluded. The 小洪山科学城 plot at "
        "八一路 x 科技小路 (layer zhigu, which the report says backs north onto CAS) is left out "
        "as a notch in the south edge."),
    rings=[[
        (114.3418, 30.5392),  # SW: 八一路 (west of 科技小路)
        (114.3452, 30.5396),  # S: 八一路, west corner of the 小洪山科学城 plot
        (114.3455, 30.5415),  # notch: the 科学城 plot's north-west corner (CAS lies north of it)
        (114.3477, 30.5402),  # notch: the plot's north-east corner
        (114.3505, 30.5392),  # SE: 八一路 east of the plot / WHU fence
        (114.3522, 30.5420),  # E: WHU fence
        (114.3535, 30.5448),  # NE: 东湖南路
        (114.3470, 30.5478),  # N: 东湖 shore (水生所)
        (114.3430, 30.5470),  # N
        (114.3410, 30.5440),  # W: 东三路 side
        (114.3408, 30.5410),  # W
    ]],
))

# --- 华中科技大学 main campus, 喻家山 ---------------------------------------
CAMPUSES.append(dict(
    id="hust-main",
    name_zh="华中科技大学（主校区，喻家山，含东校区、西校区）",
    name_en="Huazhong University of Science and Technology, main campus (Yujia Hill, incl. east and west parts)",
    kind="campus", university="华中科技大学", district="洪山区", double_first_class=True,
    aliases="华科;华中大;HUST;喻园", ref='hongshan_belts_2024;wuhan_innovation_2026;guanggu_corridor', uncertainty_m=300,
    source_detail=(
        "South edge 珞喻路/珞喻东路 from east of 湖北省中医院 to 韵苑 (GCJ-02 bus stops 中医院/关山口/"
        "叶麻店/大黄村 converted with geo.crs.convert_coords; cross-checked against the WGS-84 华中科技大学站 "
        "30.50966,114.40938 from zh-wiki at the 关山大道 T-junction opposite 南大门); west edge the "
        "CUG/光谷广场 side; north edge the 喻家山 ridge and 东湖 (紫菘); east edge 喻家湖 and the "
        "东校区 (former 城建学院). Sized to the published ~470 ha of the main campus. 同济医学院 "
        "(Hankou) not included."),
    rings=[[
        (114.4040, 30.5102),  # SW: 珞喻路 east of 湖北省中医院
        r(LUOYU_GUANSHANKOU),  # 珞喻路 关山口
        (114.4094, 30.5100),  # 南大门 opposite 关山大道 (华中科技大学站)
        r(LUOYU_YEMADIAN),    # 珞喻东路 叶麻店
        (114.4190, 30.5086),  # 珞喻东路
        r(LUOYU_DAHUANGCUN),  # 珞喻东路 大黄村 (韵苑 SE)
        (114.4262, 30.5098),  # E: 韵苑 east fence
        (114.4285, 30.5145),  # E: 东校区 south
        (114.4330, 30.5178),  # E: 东校区 (喻家湖路)
        (114.4330, 30.5222),  # NE: 喻家湖 shore
        (114.4285, 30.5250),  # N: 喻家湖 north
        (114.4225, 30.5255),  # N: 喻家山 east end
        (114.4160, 30.5250),  # N: 喻家山 ridge
        (114.4095, 30.5262),  # N: 紫菘 / 东湖 side
        (114.4045, 30.5250),  # NW
        (114.4020, 30.5205),  # W: CUG side
        (114.4015, 30.5150),  # W: west campus (西区)
        (114.4025, 30.5118),  # W
    ]],
))

# --- 中国地质大学(武汉) 南望山 ---------------------------------------------
CAMPUSES.append(dict(
    id="cug-nanwangshan",
    name_zh="中国地质大学（武汉）南望山校区",
    name_en="China University of Geosciences (Wuhan), Nanwangshan campus",
    kind="campus", university="中国地质大学（武汉）", district="洪山区", double_first_class=True,
    aliases="地大;CUG;中地大", ref='hongshan_belts_2024;hongshan_transform_2024', uncertainty_m=300,
    source_detail=(
        "Straddles 鲁磨路 (main gate, 鲁磨路388号) north of the 鲁巷-光谷广场 stretch of 珞喻路 "
        "(GCJ-02 bus stops 鲁巷/光谷广场 converted with geo.crs.convert_coords) up to the 南望山 slope; east edge "
        "towards HUST west campus. Centre cross-checked with the WGS-84 view centre "
        "(114.3959,30.5216) of a CUG OSM-based (EPSG:4326) web map. Sized to ~1.3 km2."),
    rings=[[
        (114.3902, 30.5128),  # SW: 鲁磨路 north of 鲁巷 (commercial strip excluded)
        (114.3950, 30.5110),  # S: back of 珞喻路 shops, west of 光谷广场
        (114.3992, 30.5118),  # SE: 光谷广场 north
        (114.4000, 30.5160),  # E: towards HUST 西区
        (114.3995, 30.5210),  # E
        (114.3985, 30.5250),  # NE: 南望山 slope
        (114.3940, 30.5255),  # N: 南望山
        (114.3900, 30.5240),  # NW: 北区
        (114.3885, 30.5200),  # W: 西区 (west of 鲁磨路)
        (114.3888, 30.5160),  # W
    ]],
))

# --- 中国地质大学(武汉) 未来城 ---------------------------------------------
CAMPUSES.append(dict(
    id="cug-weilaicheng",
    name_zh="中国地质大学（武汉）未来城校区",
    name_en="China University of Geosciences (Wuhan), Future City campus",
    kind="campus", university="中国地质大学（武汉）", district="东湖新技术开发区", double_first_class=True,
    aliases="地大;CUG;地大未来城", ref='hongshan_belts_2024;hongshan_transform_2024', uncertainty_m=500,
    source_detail=(
        "Rough outline around the WGS-84 view centre (114.612,30.4604) and a campus road "
        "(114.6176-114.6252, 30.4661-30.4664) of a CUG OSM-based (EPSG:4326) web map, in the "
        "光谷未来科技城 (东湖高新区, formerly 江夏区 land). Boundary roads not independently checked; "
        "treat as schematic."),
    rings=[[
        (114.6065, 30.4565),  # SW
        (114.6140, 30.4555),  # S
        (114.6210, 30.4575),  # SE
        (114.6240, 30.4625),  # E
        (114.6235, 30.4668),  # NE: north campus road
        (114.6150, 30.4675),  # N
        (114.6075, 30.4662),  # NW
        (114.6050, 30.4612),  # W
    ]],
))

# --- 武汉理工大学 马房山 西院 / 东院 ----------------------------------------
CAMPUSES.append(dict(
    id="whut-mafangshan-west",
    name_zh="武汉理工大学马房山校区（西院，含鉴湖）",
    name_en="Wuhan University of Technology, Mafangshan campus, West Yard (incl. Jianhu)",
    kind="campus", university="武汉理工大学", district="洪山区", double_first_class=True,
    aliases="理工大;武理工;WHUT;WUT", ref='hongshan_belts_2024;hongshan_transform_2024;wuhan_innovation_2026', uncertainty_m=350,
    source_detail=(
        "West of 珞狮路 south of 武珞路/街道口 (街道口 placed from GCJ-02 line-703 stops 宝通寺/街道口/"
        "广埠屯 converted with geo.crs.convert_coords); west edge 工大路; south to 雄楚大道 at 鉴湖 (gates 珞狮路门, "
        "工大路门, 雄楚大道门 per a WHUT campus app). Edges from memory of OSM; not surveyed."),
    rings=[[
        (114.3390, 30.5265),  # NW: back of 武珞路 shops
        (114.3448, 30.5268),  # NE: 珞狮路 just south of 街道口
        (114.3455, 30.5210),  # E: 珞狮路
        (114.3458, 30.5150),  # E: 珞狮路 (马房山)
        (114.3450, 30.5095),  # SE: 雄楚大道
        (114.3395, 30.5095),  # S: 雄楚大道 (鉴湖)
        (114.3378, 30.5150),  # W: 工大路
        (114.3380, 30.5215),  # W: 工大路
    ]],
))
CAMPUSES.append(dict(
    id="whut-mafangshan-east",
    name_zh="武汉理工大学马房山校区（东院）",
    name_en="Wuhan University of Technology, Mafangshan campus, East Yard",
    kind="campus", university="武汉理工大学", district="洪山区", double_first_class=True,
    aliases="理工大;武理工;WHUT;WUT", ref='hongshan_belts_2024;hongshan_transform_2024;wuhan_innovation_2026', uncertainty_m=350,
    source_detail=(
        "East of 珞狮路, west of 桂珞路 (华中师范大学 fence), south of the 珞喻路 frontage "
        "(GCJ-02 bus stops converted with geo.crs.convert_coords); gates 珞狮路门 and 桂珞路门 per a WHUT campus "
        "app. 科技孵化楼 (hongshan_transform_2024) sits on the campus edge. Edges from memory of OSM."),
    rings=[[
        (114.3470, 30.5270),  # NW: 珞狮路 south of 街道口
        (114.3520, 30.5262),  # N: back of 珞喻路 frontage
        (114.3545, 30.5245),  # NE: 桂珞路
        (114.3548, 30.5190),  # E: 桂珞路
        (114.3540, 30.5140),  # SE
        (114.3475, 30.5140),  # S: 马房山
        (114.3468, 30.5210),  # W: 珞狮路
    ]],
))

# --- 武汉理工大学 南湖校区 --------------------------------------------------
CAMPUSES.append(dict(
    id="whut-nanhu",
    name_zh="武汉理工大学南湖校区",
    name_en="Wuhan University of Technology, Nanhu campus",
    kind="campus", university="武汉理工大学", district="洪山区", double_first_class=True,
    aliases="理工大;武理工;WHUT;理工大南湖", ref="hongshan_belts_2024", uncertainty_m=450,
    source_detail=(
        "South of 雄楚大道 on the north shore of 南湖, around 文治街 (gates 东门, 文治街门, 雄楚大道门 "
        "per a WHUT campus app); west edge 珞狮南路 side, south edge the 南湖 shore. Placed from "
        "memory relative to the 马房山 campus (GCJ-02-derived 街道口); schematic."),
    rings=[[
        (114.3395, 30.5070),  # NW: 雄楚大道
        (114.3500, 30.5068),  # NE: 雄楚大道 / 文治街
        (114.3512, 30.5020),  # E: 文治街
        (114.3490, 30.4975),  # SE: 南湖 shore
        (114.3420, 30.4972),  # S: 南湖 shore
        (114.3385, 30.5010),  # W: 珞狮南路 side
    ]],
))

# --- 武汉理工大学 余家头校区 ------------------------------------------------
CAMPUSES.append(dict(
    id="whut-yujiatou",
    name_zh="武汉理工大学余家头校区",
    name_en="Wuhan University of Technology, Yujiatou campus",
    kind="campus", university="武汉理工大学", district="武昌区", double_first_class=True,
    aliases="理工大;武理工;WHUT;余区", ref="hongshan_belts_2024", uncertainty_m=500,
    source_detail=(
        "Between 和平大道 (和平大道1040号, west/river side) and 友谊大道 (east), gates 和平大道门 and "
        "友谊大道门 per a WHUT campus app; north-east of 徐家棚/徐东 (WGS-84 zh-wiki 徐东站 "
        "30.5904,114.3402). Position from memory; schematic."),
    rings=[[
        (114.3440, 30.6040),  # SW: 和平大道
        (114.3510, 30.6020),  # S
        (114.3560, 30.6055),  # SE: 友谊大道
        (114.3545, 30.6110),  # NE: 友谊大道
        (114.3480, 30.6125),  # N
        (114.3428, 30.6090),  # NW: 和平大道
    ]],
))

# --- 华中师范大学 桂子山 ----------------------------------------------------
CAMPUSES.append(dict(
    id="ccnu-guizishan",
    name_zh="华中师范大学（桂子山校区）",
    name_en="Central China Normal University, Guizishan campus",
    kind="campus", university="华中师范大学", district="洪山区", double_first_class=True,
    aliases="华师;华中师大;CCNU", ref='hongshan_belts_2024;wuhan_innovation_2026', uncertainty_m=300,
    source_detail=(
        "South of 珞喻路 between 广埠屯 and 卓刀泉 (正门 珞喻路152号 opposite WHU 信息学部; GCJ-02 bus "
        "stops 广埠屯/卓刀泉中学 converted with geo.crs.convert_coords); west edge 桂珞路 (WHUT 东院), south to "
        "the 桂子山 south slope. Sized to ~1.2-1.6 km2 (published >1.6 Mm2 incl. other plots)."),
    rings=[[
        (114.3560, 30.5250),  # NW: 珞喻路 east of 广埠屯 / 桂珞路
        r(LUOYU_GUANGBUTUN),  # 珞喻路 广埠屯
        (114.3630, 30.5235),  # 珞喻路 (正门)
        (114.3665, 30.5212),  # NE: 珞喻路 卓刀泉
        (114.3680, 30.5165),  # E: 卓刀泉南路
        (114.3665, 30.5120),  # SE
        (114.3600, 30.5110),  # S: 桂子山 south slope
        (114.3560, 30.5135),  # SW
        (114.3555, 30.5195),  # W: 桂珞路
    ]],
))

# --- 华中农业大学 狮子山 ----------------------------------------------------
CAMPUSES.append(dict(
    id="hzau-shizishan",
    name_zh="华中农业大学（狮子山校区）",
    name_en="Huazhong Agricultural University, Shizishan campus",
    kind="campus", university="华中农业大学", district="洪山区", double_first_class=True,
    aliases="华农;HZAU", ref="hongshan_belts_2024", uncertainty_m=450,
    source_detail=(
        "狮子山街1号, on the 南湖 shore (lakes on three sides per the university); teaching core "
        "around 狮子山 plus the experimental fields. Outline from memory of OSM, placed west of "
        "中南财经政法大学南湖校区 (BD-09 财大艺体中心 converted with geo.crs.convert_coords) and sized to the "
        "published 495 ha; schematic, the experimental-field extent is the least certain part."),
    rings=[[
        (114.3440, 30.4850),  # NW: 南湖 shore
        (114.3520, 30.4868),  # N: 南湖 shore
        (114.3600, 30.4855),  # N: 南湖 shore (狮子山 north)
        (114.3665, 30.4820),  # NE: 南湖 shore
        (114.3700, 30.4770),  # E: 狮子山路 / 东门
        (114.3705, 30.4700),  # E
        (114.3665, 30.4668),  # SE: fields
        (114.3590, 30.4652),  # S: fields
        (114.3505, 30.4660),  # S: fields
        (114.3445, 30.4685),  # SW: 野芷湖 side
        (114.3428, 30.4745),  # W
        (114.3430, 30.4805),  # W: 南湖 shore
    ]],
))

# --- 中南财经政法大学 南湖 / 首义 --------------------------------------------
CAMPUSES.append(dict(
    id="zuel-nanhu",
    name_zh="中南财经政法大学（南湖校区）",
    name_en="Zhongnan University of Economics and Law, Nanhu campus",
    kind="campus", university="中南财经政法大学", district="洪山区", double_first_class=True,
    aliases="中南财大;中南大;ZUEL", ref="hongshan_belts_2024", uncertainty_m=700,
    source_detail=(
        "南湖大道182号: around the BD-09 财大艺体中心 (-> WGS-84 114.3820,30.4744 via geo.crs.convert_coords), "
        "south-west of 中南民族大学 (GCJ-02 gates converted with geo.crs.convert_coords); north edge 南湖大道. "
        "Outline schematic. Uncertainty raised from 400 to 700 m: the outline's interior point "
        "falls about 680 m inside 江夏区 on the Amap district layer, while the address is in "
        "洪山区, so one of the two is off by that much."),
    rings=[[
        (114.3720, 30.4800),  # NW: 南湖大道
        (114.3800, 30.4808),  # N: 南湖大道
        (114.3860, 30.4795),  # NE: 民族大学 south fence
        (114.3885, 30.4745),  # E
        (114.3868, 30.4700),  # SE
        (114.3800, 30.4690),  # S
        (114.3740, 30.4705),  # SW
        (114.3725, 30.4755),  # W
    ]],
))
CAMPUSES.append(dict(
    id="zuel-shouyi",
    name_zh="中南财经政法大学（首义校区）",
    name_en="Zhongnan University of Economics and Law, Shouyi campus",
    kind="campus", university="中南财经政法大学", district="武昌区", double_first_class=True,
    aliases="中南财大;中南大;ZUEL;首义", ref="hongshan_belts_2024", uncertainty_m=450,
    source_detail=(
        "武珞路114号, south side of 武珞路 east of 阅马场 (GCJ-02 bus stops 阅马场/傅家坡 converted "
        "with geo.crs.convert_coords). Small campus; position and outline schematic."),
    rings=[[
        (114.3030, 30.5405),  # NW: 武珞路
        (114.3085, 30.5395),  # NE: 武珞路
        (114.3095, 30.5360),  # SE
        (114.3040, 30.5352),  # SW
    ]],
))

# --- 湖北工业大学 -----------------------------------------------------------
CAMPUSES.append(dict(
    id="hbut-nanhu",
    name_zh="湖北工业大学（南湖校区）",
    name_en="Hubei University of Technology, Nanhu campus",
    kind="campus", university="湖北工业大学", district="洪山区", double_first_class=False,
    aliases="湖工大;湖工;HBUT", ref='hongshan_belts_2024', uncertainty_m=600,
    source_detail=(
        "南李路28号, west of 南湖 (李家墩). Placed from memory only, no coordinate anchor found; "
        "schematic outline, large uncertainty."),
    rings=[[
        (114.3150, 30.4870),  # NW
        (114.3240, 30.4875),  # NE: 南湖 side
        (114.3255, 30.4810),  # E
        (114.3210, 30.4770),  # SE: 南李路
        (114.3140, 30.4780),  # SW
        (114.3125, 30.4830),  # W
    ]],
))

# --- 中南民族大学 -----------------------------------------------------------
CAMPUSES.append(dict(
    id="scuec-main",
    name_zh="中南民族大学",
    name_en="South-Central Minzu University",
    kind="campus", university="中南民族大学", district="洪山区", double_first_class=False,
    aliases="民大;中南民大;SCMZU;SCUEC", ref=None, uncertainty_m=200,
    source_detail=(
        "民族大道182号. Outline through the six gates of a campus-map mini-program (GCJ-02, "
        "converted with geo.crs.convert_coords): 东2门/正门, 北1门, 南1门 on 民族大道 (east edge), 北2门, 西门, 南2门; "
        "BD-09 体育馆 falls inside after conversion (system check)."),
    rings=[[
        r(SCMZU_S2),           # 南2门 (south)
        (114.3895, 30.4818),   # SE corner, 民族大道
        r(SCMZU_S1),           # 南1门, 民族大道
        r(SCMZU_E2),           # 东2门 (正门), 民族大道
        r(SCMZU_N1),           # 北1门
        (114.3912, 30.4945),   # NE corner
        r(SCMZU_N2),           # 北2门
        (114.3850, 30.4948),   # NW corner
        r(SCMZU_W),            # 西门
        (114.3825, 30.4880),   # W
        (114.3840, 30.4815),   # SW
    ]],
))


# ---------------------------------------------------------------------------
def build() -> dict:
    feats = []
    for c in CAMPUSES:
        poly = Polygon(c["rings"][0], [ring for ring in c["rings"][1:]])
        poly = orient_ccw(poly)  # CCW exterior
        if not poly.is_valid:
            raise ValueError(f"{c['id']}: invalid polygon")
        area_ha = area_m2(poly) / 1e4
        cen = poly.centroid
        props = {
            "id": c["id"], "name_zh": c["name_zh"], "name_en": c["name_en"], "kind": c["kind"],
            "source": "traced", "source_detail": c["source_detail"],
            "uncertainty_m": c["uncertainty_m"], "ref": c["ref"], "figures": [],
            "university": c["university"], "district": c["district"],
            "double_first_class": c["double_first_class"], "aliases": c["aliases"],
            "area_ha_utm50n": round(area_ha, 1),
            "centroid_lon": round(cen.x, 6), "centroid_lat": round(cen.y, 6),
        }
        feats.append(feature(props, poly))
    check_unique_ids(feats)
    return feature_collection(LAYER, feats)


def main() -> None:
    fc = build()
    write_layer(LAYER, fc["features"])
    for f in fc["features"]:
        p = f["properties"]
        print(f"{p['id']:26s} {p['area_ha_utm50n']:7.1f} ha  "
              f"({p['centroid_lon']:.5f}, {p['centroid_lat']:.5f})  ±{p['uncertainty_m']} m")


if __name__ == "__main__":
    main()
