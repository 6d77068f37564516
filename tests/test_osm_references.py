"""The traced layers against independent OpenStreetMap reference data (shared/osm_wuhan).

The reference files are © OpenStreetMap contributors, ODbL; they live beside the checkout
(``settings.REPO_ROOT.parent / "shared" / "osm_wuhan"``, see its PROVENANCE.md) and are never
copied into the repository.  Every distance and area is computed here, in UTM 50N, from the
references and the built layers; published campus areas come from
tests/data/published_campus_areas.csv (with their sources).
"""

from __future__ import annotations

import csv
import itertools
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
from shapely.geometry import Point

from geo import settings

REF = Path(settings.REPO_ROOT).parent / "shared" / "osm_wuhan"
WAYS = REF / "chuanwit_wuhan_roads_osm_sample.geojson"
EDGES = REF / "neatnet_wuhan_8989_osm_street_edges.parquet"
UNIS = REF / "geoclaw_wuhan_universities_osm.geojson"
AREAS = Path(__file__).parent / "data" / "published_campus_areas.csv"
MU_M2 = 10000 / 15

pytestmark = pytest.mark.skipif(not WAYS.exists() or not EDGES.exists(),
                                reason=f"OSM reference data not found in {REF} (shared/osm_wuhan)")


@pytest.fixture(scope="module")
def utm_layers(real_layers):
    return {name: gdf.to_crs(32650).set_index("id") for name, gdf in real_layers.items()}


@pytest.fixture(scope="module")
def osm_ways():
    return gpd.read_file(WAYS).to_crs(32650)


@pytest.fixture(scope="module")
def major_edges():
    e = gpd.read_parquet(EDGES).to_crs(32650)
    return e[e["highway"].astype(str).str.contains("trunk|primary|secondary|tertiary|motorway")]


def _p95(points, geom) -> float:
    return float(np.percentile(shapely.distance(points, geom), 95))


def _road_errors(line, names, ways, edges):
    """(p95 distance of the same-named OSM way vertices alongside the line to it, or nan;
    p95 distance of the line's 10 m vertices to the major OSM street edges or those named ways)."""
    named = ways[ways["name"].isin(names) & (ways.distance(line) < 1500)]
    along = np.nan
    if len(named):
        c = shapely.get_coordinates(shapely.segmentize(shapely.union_all(list(named.geometry)), 10))
        s = shapely.line_locate_point(line, shapely.points(c))
        inner = c[(s > 1.0) & (s < line.length - 1.0)]
        if len(inner):
            along = _p95(shapely.points(inner), line)
    near = edges[edges.distance(line) < 2000]
    pts = shapely.points(shapely.get_coordinates(shapely.segmentize(line, 10)))
    # the street edges lack a few stretches the named ways have, so either counts as OSM street
    return along, _p95(pts, shapely.union_all(list(near.geometry) + list(named.geometry)))


def test_every_road_lies_within_its_uncertainty_of_osm(utm_layers, osm_ways, major_edges):
    roads = utm_layers["roads"]
    assert len(roads) >= 25
    bad = []
    for fid, row in roads.iterrows():
        # OSM names the 光谷广场 - 华中科技大学 stretch of 珞喻东路 珞喻路
        names = {row["name_zh"], "珞喻路"} if fid == "road-luoyu-donglu" else {row["name_zh"]}
        along, to_edges = _road_errors(row.geometry, names, osm_ways, major_edges)
        worst = max(0.0 if np.isnan(along) else along, to_edges)
        if worst > row["uncertainty_m"]:
            bad.append(f"{fid}: p95 offset {worst:.0f} m > uncertainty_m {row['uncertainty_m']}")
    assert not bad, "; ".join(bad)


def test_roads_taken_from_osm_follow_the_named_ways_closely(utm_layers, osm_ways, major_edges):
    roads = utm_layers["roads"]
    osm = roads[roads["source"] == "osm"]
    assert {"road-zhongnan-lu", "road-donghu-lu", "road-minzu-dadao", "road-xiongchu-dadao",
            "road-huquan-jie"} <= set(osm.index)
    for fid, row in osm.iterrows():
        assert "OpenStreetMap" in row["source_detail"] and "ODbL" in row["source_detail"], fid
        names = {row["name_zh"], "珞喻路"} if fid == "road-luoyu-donglu" else {row["name_zh"]}
        along, to_edges = _road_errors(row.geometry, names, osm_ways, major_edges)
        assert to_edges < 100, (fid, to_edges)
        if not np.isnan(along):
            assert along < 60, (fid, along)


def test_roads_do_not_double_back(utm_layers):
    """A course assembled from OSM pieces must not jump back and forth (no self-crossing, and
    no stretch retraced): its length stays close to the length of its own 20 m buffer's spine."""
    for fid, row in utm_layers["roads"].iterrows():
        line = row.geometry
        assert line.is_simple, fid
        # a retraced stretch adds length without adding area to a thin buffer
        assert line.buffer(10).area >= 0.9 * 20 * line.length, fid


def test_stations_on_the_corrected_roads(utm_layers):
    st = gpd.read_file(REF / "geoclaw_wuhan_metro_stations_osm.geojson")
    st = st[st.geometry.geom_type == "Point"].to_crs(32650)

    def station(name):
        g = st[st["name"] == name].geometry
        assert len(g), name
        return Point(g.x.mean(), g.y.mean())

    roads = utm_layers["roads"]
    assert roads.loc["road-zhongnan-lu"].geometry.distance(station("中南路站")) < 60
    assert roads.loc["road-zhongnan-lu"].geometry.distance(station("洪山广场")) < 150
    start = Point(roads.loc["road-donghu-lu"].geometry.coords[0])
    end = Point(roads.loc["road-donghu-lu"].geometry.coords[-1])
    assert min(start.distance(station("水果湖")), end.distance(station("水果湖"))) < 80


def _osm_university(name):
    u = gpd.read_file(UNIS).to_crs(32650)
    return u[u["name"] == name]


@pytest.mark.parametrize("osm_name,fid", [
    ("武汉理工大学南湖校区", "whut-nanhu"), ("武汉理工大学西院校区", "whut-mafangshan-west"),
    ("武汉理工大学鉴湖校区", "whut-mafangshan-west"), ("武汉理工大学马房山校区东院", "whut-mafangshan-east"),
    ("武汉理工大学余家头校区", "whut-yujiatou"), ("华中师范大学", "ccnu-guizishan"),
    ("中南民族大学", "scuec-main"), ("中南财经政法大学首义校区", "zuel-shouyi"),
    ("中国地质大学未来城校区", "cug-weilaicheng")])
def test_campus_within_its_uncertainty_of_the_osm_point(osm_name, fid, utm_layers):
    pts = _osm_university(osm_name)
    assert len(pts), osm_name
    campus = utm_layers["campuses"].loc[fid]
    assert campus["name_zh"][:4] == osm_name[:4]   # same university
    d = min(campus.geometry.distance(p) for p in pts.geometry)
    assert d <= campus["uncertainty_m"], f"{fid}: {d:.0f} m from OSM {osm_name}"


def _published():
    with open(AREAS, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.mark.parametrize("row", _published(), ids=lambda r: r["university"])
def test_campus_area_agrees_with_the_published_figure(row, utm_layers):
    assert row["source"].strip() and row["original"].strip()
    campuses = utm_layers["campuses"]
    area = sum(campuses.loc[f].geometry.area for f in row["feature_ids"].split(";"))
    low, high = float(row["area_mu_low"]) * MU_M2, float(row["area_mu_high"]) * MU_M2
    assert 0.75 * low <= area <= 1.25 * high, (
        f"{row['university']}: traced {area / 1e4:.0f} ha vs published {low / 1e4:.0f}-{high / 1e4:.0f} ha")


def test_campuses_of_different_universities_do_not_overlap(utm_layers):
    c = utm_layers["campuses"]
    univ = {fid: fid.split("-")[0] for fid in c.index}
    for a, b in itertools.combinations(c.index, 2):
        if univ[a] == univ[b]:
            continue
        assert c.loc[a].geometry.intersection(c.loc[b].geometry).area < 1.0, (a, b)


def test_hust_west_buildings_inside_hust_not_cug(utm_layers):
    t = gpd.read_file(REF / "tilezen_guanggu_buildings_roads.geojson")
    west = t[(t["kind"] == "building") & t["name"].fillna("").str.match(r"^西[一二三四五六七八九十]+楼$")]
    west = west.drop_duplicates("name").to_crs(32650)
    assert len(west) >= 8
    c = utm_layers["campuses"]
    pts = west.geometry.centroid
    assert pts.within(c.loc["hust-main"].geometry).all()
    assert not pts.within(c.loc["cug-nanwangshan"].geometry).any()


def test_places_inside_the_silicon_lane_corridors_the_document_names(utm_layers):
    lanes = utm_layers["silicon_lane_corridors"]
    assert lanes.loc["lane-luoyu-corridor"].geometry.contains(utm_layers["parks"].loc["park-fiberhome-valley"].geometry)
    assert lanes.loc["lane-shizishan-corridor"].geometry.contains(
        utm_layers["sites"].loc["project-hongshan-lab-phase4"].geometry)


def test_qingling_park_lies_in_hongshan(utm_layers):
    park = utm_layers["parks"].loc["park-qingling"].geometry
    hongshan = utm_layers["districts"].loc["district-hongshan"].geometry
    assert park.intersection(hongshan).area / park.area >= 0.9
