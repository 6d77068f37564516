"""The embedded layers: every place the documents name, their figures, and sanity of the geometry."""

from __future__ import annotations

import json

import numpy as np
import pytest
import shapely
from pyproj import Geod

from geo import units
from geo.layers import LAYER_SPECS

GEOD = Geod(ellps="WGS84")


def geodesic_area_km2(geom) -> float:
    return abs(GEOD.geometry_area_perimeter(geom)[0]) / 1e6


def by_id(gdf):
    return gdf.set_index("id")


def test_every_layer_builds_with_the_schema(real_layers, built_layers_dir):
    assert (built_layers_dir / "corridor.gpkg").exists()
    for name, gdf in real_layers.items():
        assert len(gdf) > 0, name
        assert gdf.crs.to_epsg() == 4326
        assert set(gdf.geometry.geom_type) <= set(LAYER_SPECS[name].geometry_types), name
        for col in ("id", "name_zh", "name_en", "kind", "layer", "source", "source_detail", "uncertainty_m", "ref"):
            assert col in gdf.columns, (name, col)
        assert (gdf["layer"] == name).all()
        assert (built_layers_dir / "geojson" / f"{name}.geojson").exists()
    ids = np.concatenate([g["id"].to_numpy() for g in real_layers.values()])
    assert len(ids) == len(set(ids))


def test_zhigu_area_within_ten_percent_of_documented_3_9_km2(real_layers):
    zhigu = by_id(real_layers["zhigu"]).loc["zhigu"]
    area_utm = units.area_m2(real_layers["zhigu"].set_index("id").geometry).loc["zhigu"] / 1e6
    area_geodesic = geodesic_area_km2(zhigu.geometry)
    assert area_utm == pytest.approx(3.9, rel=0.10)
    assert area_geodesic == pytest.approx(3.9, rel=0.10)
    assert zhigu["land_area_m2"] == 3.9e6  # the document's figure is carried, in SI units
    assert "3.9" in zhigu["land_area_text"]


def test_zhigu_targets_from_the_2021_report(real_layers):
    zhigu = by_id(real_layers["zhigu"]).loc["zhigu"]
    figures = {f["name"]: f for f in json.loads(zhigu["figures_json"])}
    values = sorted(f["value"] for f in figures.values() if f["unit"] == "m2")
    assert 220_000 in values and 500_000 in values
    assert all(f["ref"] == "zhigu_report_2021" for f in figures.values())
    site = by_id(real_layers["zhigu"]).loc["xiaohongshan-science-city"]
    assert 110_000 in [f["value"] for f in json.loads(site["figures_json"])]


def test_admin_areas_match_their_source_polygons(real_layers):
    for layer in ("cities", "districts"):
        gdf = real_layers[layer]
        measured = units.area_m2(gdf).to_numpy() / 1e6
        source = gdf["area_source_wgs84_km2"].to_numpy(dtype=float)
        np.testing.assert_allclose(measured, source, rtol=1e-3)
    wuhan = by_id(real_layers["cities"]).loc["city-wuhan"]
    assert geodesic_area_km2(wuhan.geometry) == pytest.approx(8569.15, rel=0.003)  # official 8,569.15 km²
    districts = real_layers["districts"]
    assert units.area_m2(districts).sum() / 1e6 == pytest.approx(units.area_m2(real_layers["cities"]).iloc[0] / 1e6, rel=1e-3)


def test_five_corridor_cities_with_industrial_focus(real_layers):
    cities = real_layers["cities"]
    assert sorted(cities["name_zh"]) == sorted(["武汉市", "鄂州市", "黄石市", "黄冈市", "咸宁市"])
    focus = dict(zip(cities["name_zh"], cities["industrial_focus"], strict=True))
    assert "新材料" in focus["黄石市"] and "电子信息" in focus["黄石市"]
    assert "大健康" in focus["咸宁市"]


@pytest.mark.parametrize(
    ("layer", "names"),
    [
        ("campuses", ["武汉大学", "华中科技大学", "中国地质大学", "武汉理工大学", "华中农业大学", "华中师范大学",
                      "中南财经政法大学", "湖北工业大学", "中南民族大学", "中国科学院武汉分院"]),
        ("zhigu", ["中科武大·智谷", "小洪山科学城"]),
        ("silicon_lanes", ["南湖硅巷", "珞喻硅巷", "狮子山硅巷", "青菱硅巷"]),
        ("silicon_lane_corridors", ["南湖硅巷", "珞喻硅巷", "狮子山硅巷", "青菱硅巷"]),
        ("innovation_belts", ["环理工大", "环华农", "环华科大地大"]),
        ("parks", ["北港工业园", "青菱都市工业园", "烽火创新谷", "融创智谷", "创意天地", "理工大孵化器",
                   "武钢云谷·606", "地大宝谷创新创业中心"]),
        ("sites", ["嘉嘉悦大厦", "广埠屯·锦鲤", "湖北洪山实验室", "武汉校友经济大厦", "云浩科技大厦",
                   "三峡科创园(洪山)B地块", "天辉"]),
        ("corridor_ecology", ["梁子湖", "大冶湖", "幕阜山"]),
        ("districts", ["洪山区", "武昌区"]),
    ],
)
def test_every_place_the_issue_lists_is_present_by_name(real_layers, layer, names):
    present = " | ".join(real_layers[layer]["name_zh"])
    missing = [n for n in names if n not in present]
    assert not missing, f"{layer} lacks {missing}"


def test_whut_campuses_are_separate_features(real_layers):
    whut = real_layers["campuses"][real_layers["campuses"]["name_zh"].str.contains("武汉理工大学")]
    assert len(whut) >= 3
    assert set(whut["district"]) >= {"洪山区", "武昌区"}


def test_campus_polygons_are_traced_not_boxes(real_layers):
    campuses = real_layers["campuses"]
    areas_ha = units.area_m2(campuses).to_numpy() / 1e4
    hust = areas_ha[(campuses["id"] == "hust-main").to_numpy()][0]
    assert 400 < hust < 560  # about 470 ha
    hust_vertices = len(shapely.get_coordinates(campuses.loc[campuses["id"] == "hust-main"].geometry.iloc[0]))
    assert hust_vertices >= 12  # follows its boundary roads and hills, not a square around a pin
    for _, c in campuses.iterrows():
        if len(shapely.get_coordinates(c.geometry)) < 8:  # schematic outlines must say so
            assert c["uncertainty_m"] >= 300 and "schematic" in c["source_detail"].lower(), c["id"]


def test_no_campus_overlaps_another(real_layers):
    campuses = real_layers["campuses"].to_crs(32650)
    total = campuses.area.sum()
    union = shapely.union_all(campuses.geometry.values).area
    assert union == pytest.approx(total, rel=1e-6)


def test_campuses_lie_in_their_district_within_their_uncertainty(real_layers):
    districts = real_layers["districts"].to_crs(32650).set_index("name_zh").geometry
    for _, c in real_layers["campuses"].to_crs(32650).iterrows():
        if c["district"] not in districts.index:
            continue  # e.g. 东湖新技术开发区, a functional zone, not an administrative district
        point = c.geometry.representative_point()
        assert districts[c["district"]].distance(point) <= c["uncertainty_m"], c["id"]


def test_traced_features_state_their_provenance(real_layers, documents):
    for name, gdf in real_layers.items():
        for _, f in gdf.iterrows():
            assert len(f["source_detail"]) > 20, (name, f["id"])
            if f["source"] == "traced":
                assert f["uncertainty_m"] >= 25, (name, f["id"])  # never passed off as surveyed
            for key in filter(None, (f["ref"] or "").split(";")):
                assert key.strip() in documents, (name, f["id"], key)
            for fig in json.loads(f.get("figures_json") or "[]"):
                assert fig.get("ref") in documents, (name, f["id"], fig)


# Positions against independent WGS-84 anchors (metro stations, lake soundings) are checked
# in tests/test_anchors.py from layers/anchors.csv.
