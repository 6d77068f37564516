"""Offline OSM: real osmnx parsing of the XML fixture, the PBF clip, and GCJ-02/BD-09 input."""

from __future__ import annotations

import json
import logging
import math

import networkx as nx
import osmium
import pytest
from shapely.geometry import box

from geo.crs import convert_coords
from geo.sources import osm_file
from geo.sources.osm import load_osm_features, load_osm_graph
from tests.sources.conftest import FIXTURE_BOX, XML_FIXTURE


def _haversine_m(lon1, lat1, lon2, lat2, radius=6_371_009.0):
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * radius * math.asin(math.sqrt(h))


def _highways(graph):
    """Highway values on a simplified graph's edges (merged edges carry lists)."""
    out = set()
    for *_, d in graph.edges(data=True):
        value = d["highway"]
        out |= set(value) if isinstance(value, list) else {value}
    return out


def _node_coords():
    return {n.id: (n.location.lon, n.location.lat) for n in osmium.FileProcessor(str(XML_FIXTURE), osmium.osm.NODE)}


def test_features_from_xml_parse_names_categories_and_relation():
    features = osm_file.features_from_osm_xml(XML_FIXTURE, themes=("campuses", "landuse"), polygon=FIXTURE_BOX)
    campuses = features["campuses"].set_index("osm_key")
    assert set(campuses.index) == {"way/101", "node/17"}
    hust = campuses.loc["way/101"]
    assert (hust["name_zh"], hust["name_en"], hust["alt_names"]) == (
        "华中科技大学", "Huazhong University of Science and Technology", "华科")
    assert hust.geometry.geom_type == "Polygon"
    assert campuses.loc["node/17", "category"] == "research_institute"
    landuse = features["landuse"].set_index("osm_key")
    assert landuse.loc["way/102", "category"] == "park"
    # the industrial area is a multipolygon relation whose outer way carries no tags
    assert landuse.loc["relation/500", "category"] == "industrial"
    assert landuse.loc["relation/500"].geometry.area == pytest.approx(0.003 * 0.002)
    assert "buildings" not in features


def test_buildings_only_when_asked():
    features = osm_file.features_from_osm_xml(XML_FIXTURE, themes=("buildings",), polygon=FIXTURE_BOX)
    assert list(features["buildings"]["osm_key"]) == ["way/104"]


def test_clean_network_xml_drops_malformed_ways(tmp_path, caplog):
    with caplog.at_level(logging.WARNING, logger="corridor.osm"):
        stats = osm_file.clean_network_xml(XML_FIXTURE, tmp_path / "walk.osm", network_type="walk")
    # way 120 references a missing node, way 121 has one node
    assert stats["ways_malformed"] == 2
    assert stats["ways_kept"] == 6  # the grid, footway included
    assert "malformed" in caplog.text


def test_drive_network_is_connected_and_lengths_match_great_circle():
    graph = osm_file.graph_from_osm_xml(XML_FIXTURE, network_type="drive", polygon=FIXTURE_BOX)
    assert nx.is_weakly_connected(graph)
    highways = _highways(graph)
    assert "footway" not in highways
    # independent figure: great-circle length of the drivable ways, both directions
    coords = _node_coords()
    drive_ways = [(20, 21, 22), (23, 24, 25), (26, 27, 28), (20, 23, 26), (21, 24, 27)]
    expected = 2 * sum(_haversine_m(*coords[a], *coords[b]) for way in drive_ways for a, b in zip(way[:-1], way[1:], strict=True))
    total = sum(d["length"] for *_, d in graph.edges(data=True))
    assert total == pytest.approx(expected, rel=1e-6)


def test_walk_network_includes_footway_and_is_bidirectional():
    graph = osm_file.graph_from_osm_xml(XML_FIXTURE, network_type="walk", polygon=FIXTURE_BOX)
    assert "footway" in _highways(graph)
    assert all(graph.has_edge(v, u) for u, v in graph.edges())


def test_network_truncated_to_polygon():
    west = box(114.3990, 30.4990, 114.4050, 30.5135)  # only the west column of the grid
    graph = osm_file.graph_from_osm_xml(XML_FIXTURE, network_type="drive", polygon=west)
    xs = [d["x"] for _, d in graph.nodes(data=True)]
    assert max(xs) <= 114.41 + 1e-9  # truncate_by_edge keeps edges reaching one step out


@pytest.mark.parametrize(
    ("terms", "tags", "expected"),
    [
        ('["highway"]["foot"!~"no"]', {"highway": "path"}, True),
        ('["highway"]["foot"!~"no"]', {"highway": "path", "foot": "no"}, False),
        ('["highway"]', {"building": "yes"}, False),
        ('["highway"!~"footway|steps"]', {"highway": "footway"}, False),
        ('["area"!~"yes"]', {}, True),
        ('["service"="alley"]', {"service": "alley"}, True),
    ],
)
def test_overpass_filter_semantics(terms, tags, expected):
    assert osm_file.tags_pass_filter(tags, osm_file.parse_overpass_filter(terms)) is expected


def test_pbf_clip_keeps_area_and_relation_members(pbf_fixture, tmp_path):
    out = tmp_path / "clip.osm"
    stats = osm_file.clip_pbf(pbf_fixture, FIXTURE_BOX, out, keys=["highway", "amenity", "landuse", "leisure"],
                              progress=False)
    assert stats["nodes_read"] == 29  # 26 fixture nodes + 3 far away
    assert stats["nodes_in_area"] == 26
    assert stats["relations_kept"] == 1
    kept = {(o.type_str(), o.id) for o in osmium.FileProcessor(str(out))}
    assert ("w", 800) not in kept and ("n", 900) not in kept  # the far-away road is clipped off
    assert ("w", 103) in kept  # untagged outer way of the industrial relation, completed
    assert {("n", i) for i in (9, 10, 11, 12)} <= kept


def test_pbf_import_matches_xml_import(pbf_fixture, osm_dir):
    osm_file.import_osm_file(XML_FIXTURE, area="xml", polygon=FIXTURE_BOX, progress=False, check_shift=False)
    folder = osm_file.import_osm_file(pbf_fixture, area="pbf", polygon=FIXTURE_BOX, progress=False,
                                      check_shift=False)
    xml = load_osm_features(areas=["xml"]).sort_values("osm_key").reset_index(drop=True)
    pbf = load_osm_features(areas=["pbf"]).sort_values("osm_key").reset_index(drop=True)
    assert list(pbf["osm_key"]) == list(xml["osm_key"])
    assert pbf.geometry.geom_equals_exact(xml.geometry, tolerance=1e-9).all()
    for mode in ("walk", "bike", "drive"):
        assert load_osm_graph("pbf", mode).number_of_edges() == load_osm_graph("xml", mode).number_of_edges()
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["input"]["kind"] == "pbf" and manifest["pbf_clip"]["relations_kept"] == 1


def _shifted_xml(tmp_path, system):
    """The XML fixture with every node moved from WGS-84 into ``system`` (as an Amap export would be)."""
    out = tmp_path / f"campus-{system}.osm"
    with osmium.SimpleWriter(str(out), overwrite=True) as writer:
        for obj in osmium.FileProcessor(str(XML_FIXTURE)):
            if obj.is_node():
                lon, lat = convert_coords(obj.location.lon, obj.location.lat, src="wgs84", dst=system)
                obj = obj.replace(location=osmium.osm.Location(float(lon), float(lat)))
            writer.add(obj)
    return out


@pytest.mark.parametrize("system", ["gcj02", "bd09"])
def test_import_with_crs_lands_on_wgs84(tmp_path, osm_dir, system):
    shifted = _shifted_xml(tmp_path, system)
    osm_file.import_osm_file(shifted, area="conv", polygon=FIXTURE_BOX, crs=system, progress=False,
                             network_types=("drive",))
    hust = load_osm_features(areas=["conv"]).set_index("osm_key").loc["way/101"]
    # back on the original WGS-84 corners to within ~1 cm (1e-7 degree)
    assert hust.geometry.bounds == pytest.approx((114.405, 30.505, 114.412, 30.511), abs=1e-7)
    graph = load_osm_graph("conv", "drive")
    xs = sorted(d["x"] for _, d in graph.nodes(data=True))
    assert xs[0] == pytest.approx(114.40, abs=1e-7)


def test_wgs84_import_of_gcj02_data_warns(tmp_path, osm_dir, layer_set, caplog):
    shifted = _shifted_xml(tmp_path, "gcj02")
    with caplog.at_level(logging.WARNING, logger="corridor.osm"):
        osm_file.import_osm_file(shifted, area="oops", polygon=FIXTURE_BOX.buffer(0.02), progress=False,
                                 network_types=())
    assert "looks shifted by the GCJ-02 offset" in caplog.text and "--crs gcj02" in caplog.text


def test_csv_export_in_gcj02(tmp_path, osm_dir):
    lon, lat = convert_coords([114.4085], [30.5080], src="wgs84", dst="gcj02")
    csv = tmp_path / "amap.csv"
    csv.write_text(f"name,amenity,lon,lat\n湖北洪山实验室,research_institute,{lon[0]:.8f},{lat[0]:.8f}\n",
                   encoding="utf-8")
    osm_file.import_osm_file(csv, area="csv", polygon=FIXTURE_BOX, crs="gcj02", progress=False)
    row = load_osm_features(areas=["csv"]).iloc[0]
    assert (row.geometry.x, row.geometry.y) == pytest.approx((114.4085, 30.5080), abs=1e-7)
    assert row["category"] == "research_institute"


def test_unsupported_file_type(tmp_path):
    from geo.errors import LayerValidationError

    with pytest.raises(LayerValidationError, match="unsupported file type"):
        osm_file.file_kind(tmp_path / "data.shp")
