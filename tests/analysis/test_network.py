import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from geo import settings
from geo.analysis import network as net
from geo.errors import CoordinateSystemError, CorridorError
from tests.analysis.conftest import at, frame


def _node(network, x, y, tol=5.0):
    d = np.hypot(*(network.node_xy - np.array(at(x, y))).T)
    assert d.min() <= tol, f"no node near ({x}, {y})"
    return int(np.argmin(d))


def test_noding_snapping_and_components(square_roads):
    network = net.build_network(square_roads, snap_m=12)
    # crossings of E with A and D are nodes; F's end is snapped onto C at y=500
    for xy in [(0, 0), (500, 0), (1000, 0), (500, 1000), (-2.5, 500), (-300, 500), (500, -200)]:
        _node(network, *xy)
    comps = network.components_summary()
    assert len(comps) == 2
    assert comps.loc[0, "largest"] and "road-g" not in comps.loc[0, "roads"]
    assert comps["largest"].sum() == 1
    assert comps.loc[1, "roads"] == "road-g"
    np.testing.assert_allclose(comps.loc[1, "length_km"], 0.5)
    # the 5 m gap is closed by a connector from F's end (-5, 500) to C, splitting C at (0, 500); osmnx's
    # consolidate_intersections merges the two joined nodes at their centroid (-2.5, 500) and extends
    # the edges to it.  Streets: A, B, D 1000 each, C two pieces of 500 + 2.5, E 1400, F 297.5, G 500
    np.testing.assert_allclose(network.edge_length_m[network.street_mask].sum(),
                               3000 + 2 * 502.5 + 1400 + 297.5 + 500, atol=1e-6)
    _node(network, -2.5, 500, tol=1e-6)
    # every street is two-way: each piece is two directed edges, the second its reverse
    assert network.n_edges == 2 * network.street_mask.sum()
    assert (network.edge_reverse >= 0).all()
    assert (network.edge_reverse[network.edge_reverse] == np.arange(network.n_edges)).all()
    failing = net.failing_road_ends(network)
    assert list(failing["road_id"]) == ["road-g"]
    # G starts at (3000, 3000); nearest main-network point is the square's corner (1000, 1000)... or E's end
    expected = min(np.hypot(2000, 2000), np.hypot(2500, 1800))
    np.testing.assert_allclose(failing["gap_m"].iloc[0], expected, rtol=1e-9)


def test_no_snapping_leaves_gap_disconnected(square_roads):
    network = net.build_network(square_roads, snap_m=1.0)
    assert len(network.components_summary()) == 3


def test_network_distance_by_hand(square_roads):
    network = net.build_network(square_roads)
    p = frame({"id": ["p"]}, [shapely.Point(at(250, -30))])   # 30 m south of A, 250 m from (0,0)
    q = frame({"id": ["q"]}, [shapely.Point(at(1020, 700))])  # 20 m east of B, 700 m up
    d = net.object_distances(network, net.attach(network, p), net.attach(network, q))
    # 30 + (1000-250) along A + 700 up B + 20; the route via E is 30+250+1000+500+300+20 = 2100
    np.testing.assert_allclose(d[0, 0], 30 + 750 + 700 + 20)
    # the far component is never used for attachment
    g = frame({"id": ["g"]}, [shapely.Point(at(3200, 3010))])
    links = net.attach(network, g)
    assert network.largest_component_nodes()[links.node].all()


def test_same_edge_direct_distance(square_roads):
    network = net.build_network(square_roads)
    a = frame({"id": ["a"]}, [shapely.Point(at(600, 10))])
    b = frame({"id": ["b"]}, [shapely.Point(at(900, -10))])
    d = net.object_distances(network, net.attach(network, a), net.attach(network, b))
    np.testing.assert_allclose(d[0, 0], 10 + 300 + 10)


def test_polygon_reaches_inside_nodes(square_roads):
    network = net.build_network(square_roads)
    campus = frame({"id": ["c"]}, [shapely.box(*at(-20, -20), *at(20, 20))])
    dist = net.distances_from(network, net.attach(network, campus, outline=False))
    assert dist[0, _node(network, 0, 0)] < 1e-3
    np.testing.assert_allclose(dist[0, _node(network, 1000, 1000)], 2000, atol=1e-3)


def test_polygon_reaches_streets_along_its_outline(square_roads):
    network = net.build_network(square_roads)
    # a campus north of A, between x=100 and x=900, 60 m from A and with no node inside
    campus = frame({"id": ["c"]}, [shapely.box(*at(100, 60), *at(900, 200))])
    only_nearest = net.distances_from(network, net.attach(network, campus, outline=False))[0]
    links = net.attach(network, campus)
    with_outline = net.distances_from(network, links)[0]
    # the nearest street point alone is (100, 0) on A (a tie along the edge; shapely takes the
    # first vertex); with outline access, the gate at (900, 60) is 60 m from A: node (1000, 0) is
    # 60 + 100 away, and (500, 0) 60 away through the outline point above it
    np.testing.assert_allclose(with_outline[_node(network, 1000, 0)], 160, atol=1e-6)
    np.testing.assert_allclose(with_outline[_node(network, 500, 0)], 60, atol=1e-6)
    assert only_nearest[_node(network, 1000, 0)] > 160 + 100
    spacing = settings.NETWORK_ACCESS_SPACING_M
    assert len(links.obj) >= 2 * (800 // spacing)  # a link per outline point along the south side


def test_travel_minutes_and_cutoff():
    np.testing.assert_allclose(net.travel_minutes(4800, "walk"), 60.0)
    np.testing.assert_allclose(net.travel_minutes(15000, "bike"), 60.0)
    np.testing.assert_allclose(net.cutoff_m(10, "drive"), 5000.0)
    with pytest.raises(ValueError):
        net.travel_minutes(1, "fly")
    with pytest.raises(ValueError):
        net.cutoff_m(10, "fly")


def test_missing_crs_is_refused(square_roads):
    with pytest.raises(CoordinateSystemError):
        net.build_network(gpd.GeoDataFrame(square_roads.drop(columns="geometry"),
                                           geometry=square_roads.geometry.to_numpy()))


def test_osmnx_graph_conversion():
    import networkx as nx

    g = nx.MultiDiGraph(crs="EPSG:32650")
    g.add_node(1, x=at(0, 0)[0], y=at(0, 0)[1])
    g.add_node(2, x=at(300, 0)[0], y=at(300, 0)[1])
    g.add_node(3, x=at(300, 400)[0], y=at(300, 400)[1])
    g.add_edge(1, 2, length=300.0)
    g.add_edge(2, 1, length=300.0)
    g.add_edge(2, 3, length=400.0, geometry=shapely.LineString([at(300, 0), at(300, 400)]))
    network = net.network_from_osmnx(g)
    # 1-2 is two-way (both edges given); 2-3 has no oneway flag, so it is two-way too
    assert network.n_edges == 4 and network.street_mask.sum() == 2 and network.source == "osm"
    p = frame({"id": ["p"]}, [shapely.Point(at(0, 0))])
    q = frame({"id": ["q"]}, [shapely.Point(at(300, 400))])
    d = net.object_distances(network, net.attach(network, p), net.attach(network, q))
    np.testing.assert_allclose(d[0, 0], 700.0)


def test_osm_graphml_through_the_pipeline_loader(tmp_path):
    import networkx as nx
    import osmnx as ox

    from geo.analysis.pipeline import load_network

    g = nx.MultiDiGraph(crs="EPSG:4326")
    pts = frame({}, [shapely.Point(at(0, 0)), shapely.Point(at(400, 0)), shapely.Point(at(400, 300))]).to_crs(4326)
    for node, p in zip((10, 20, 30), pts.geometry, strict=True):
        g.add_node(node, x=p.x, y=p.y, street_count=1)
    g.add_edge(10, 20, 0, length=400.0, osmid=1, oneway=False, reversed=False)
    g.add_edge(20, 30, 0, length=300.0, osmid=2, oneway=False, reversed=False)
    path = tmp_path / "network_walk.graphml"
    ox.io.save_graphml(g, path)
    network, info = load_network("osm", osm_graph=path)
    assert info["kind"] == "osm" and "OpenStreetMap" in info["attribution"]
    np.testing.assert_allclose(np.sort(network.edge_length_m[network.street_mask]), [300, 400], atol=0.5)


# --- the one graph model: edge lists, GraphML, live fetch, real OSM data ------------------------

BLOCK = settings.REPO_ROOT / "tests" / "data" / "network" / "oneway_block.geojson"


def _block_edges():
    import geopandas as gpd

    return gpd.read_file(BLOCK)


@pytest.mark.parametrize("suffix", [".parquet", ".gpkg"])
def test_edge_list_files_read_as_directed_graph(tmp_path, suffix):
    from geo.analysis import streets

    edges = _block_edges()
    path = tmp_path / f"block{suffix}"
    edges.to_parquet(path) if suffix == ".parquet" else edges.to_file(path, layer="edges")
    graph = streets.read_graph(path)
    assert graph.graph["crs"] == "EPSG:32650"
    # one one-way row (1->2) and three two-way rows, each two directed edges
    assert graph.number_of_nodes() == 4 and graph.number_of_edges() == 1 + 2 * 3
    assert graph.has_edge(1, 2) and not graph.has_edge(2, 1)
    assert graph.has_edge(3, 2) and graph.has_edge(2, 3)
    np.testing.assert_allclose([graph.nodes[3]["x"], graph.nodes[3]["y"]], at(400, 300))
    d = graph.get_edge_data(3, 2)[0]
    np.testing.assert_allclose(d["length"], 300.0)
    # every geometry runs from u to v, also on the added reverse edges
    start = d["geometry"].coords[0]
    np.testing.assert_allclose(start, at(400, 300))


def test_undirected_edge_list_without_oneway_is_two_way(tmp_path):
    from geo.analysis import streets

    # the rows of the block without the oneway column, some geometries drawn v->u as in an
    # undirected osmnx edge list: no row has its reverse, so every row is a two-way street
    edges = _block_edges().drop(columns="oneway")
    edges.loc[1, "geometry"] = shapely.reverse(edges.geometry.iloc[1])
    path = tmp_path / "undirected.parquet"
    edges.to_parquet(path)
    graph = streets.read_graph(path)
    assert graph.number_of_edges() == 8 and graph.has_edge(2, 1)
    assert "undirected" in graph.graph["edge_list"]
    np.testing.assert_allclose([graph.nodes[2]["x"], graph.nodes[2]["y"]], at(400, 0))
    np.testing.assert_allclose(graph.get_edge_data(2, 3)[0]["geometry"].coords[0], at(400, 0))
    # rows listed in both directions: a street without its reverse row is one-way
    both = pd.concat([edges, edges.iloc[1:].assign(u=edges["v"].iloc[1:], v=edges["u"].iloc[1:])],
                     ignore_index=True)
    both.to_parquet(path)
    graph = streets.read_graph(path)
    assert graph.number_of_edges() == 7 and not graph.has_edge(2, 1)
    assert "directed" in graph.graph["edge_list"] and "undirected" not in graph.graph["edge_list"]


def test_drive_respects_one_way_walk_does_not(tmp_path):
    from geo.analysis import streets

    path = tmp_path / "block.parquet"
    _block_edges().to_parquet(path)
    network = net.network_from_graph(streets.read_graph(path))
    campus = frame({"id": ["c"]}, [shapely.box(*at(395, -5), *at(405, 5))])  # around node 2
    n1 = _node(network, 0, 0)
    walk = network.for_mode("walk")
    drive = network.for_mode("drive")
    t_walk = net.distances_from(walk, net.attach(walk, campus))[0, n1]
    t_drive = net.distances_from(drive, net.attach(drive, campus))[0, n1]
    # the campus's outline crosses the streets 5 m from node 2: walking leaves it at (395, 0)
    np.testing.assert_allclose(t_walk, 395 / (settings.SPEEDS_KMH["walk"] / 3.6), rtol=1e-6)
    # driving may not take 1->2 backwards: it goes round the block from node 2 (inside the campus;
    # the outline's corner (405, 5) is a 5 m walk from 2->3, dearer than driving those 5 m)
    tertiary = settings.NETWORK_SPEEDS_KMH["drive"]["tertiary"] / 3.6
    np.testing.assert_allclose(t_drive, (300 + 400 + 300) / tertiary, rtol=1e-6)
    # the other way round, the one-way street is the short cut
    campus1 = frame({"id": ["c1"]}, [shapely.box(*at(-5, -5), *at(5, 5))])
    t_back = net.distances_from(drive, net.attach(drive, campus1))[0, _node(network, 400, 0)]
    np.testing.assert_allclose(t_back, 400 / tertiary, rtol=1e-6)  # from node 1, inside it


def test_graphml_round_trip(tmp_path):
    from geo.analysis import streets

    src = tmp_path / "block.parquet"
    _block_edges().to_parquet(src)
    graph = streets.read_graph(src)
    out = streets.save_graph(graph, tmp_path / "block.graphml")
    back = streets.read_graph(out)
    assert set(back.edges(keys=True)) == set(graph.edges(keys=True))
    for u, v, k, d in graph.edges(keys=True, data=True):
        e = back.edges[u, v, k]
        np.testing.assert_allclose(e["length"], d["length"])
        assert e["oneway"] == d["oneway"] and e["highway"] == d["highway"]
        assert e["geometry"].equals_exact(d["geometry"], 1e-6)
    a, b = net.network_from_graph(graph).for_mode("drive"), net.network_from_graph(back).for_mode("drive")
    campus = frame({"id": ["c"]}, [shapely.box(*at(395, -5), *at(405, 5))])
    np.testing.assert_allclose(np.sort(net.distances_from(a, net.attach(a, campus))[0]),
                               np.sort(net.distances_from(b, net.attach(b, campus))[0]))


@pytest.mark.parametrize("name,content", [("broken.parquet", b"not parquet"), ("broken.graphml", b"<graphml"),
                                          ("broken.gpkg", b"nonsense"), ("streets.csv", b"u,v\n1,2\n")])
def test_bad_network_file_is_one_line_naming_it(tmp_path, name, content):
    from geo.analysis import streets

    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(streets.NetworkFileError) as err:
        streets.read_graph(path)
    msg = str(err.value)
    assert str(path) in msg and "\n" not in msg


def test_edge_list_without_u_v_is_refused(tmp_path):
    from geo.analysis import streets

    path = tmp_path / "nouv.parquet"
    _block_edges().drop(columns=["u"]).to_parquet(path)
    with pytest.raises(streets.NetworkFileError, match="no column u") as err:
        streets.read_graph(path)
    assert str(path) in str(err.value)


def test_cli_bad_network_file(tmp_path, capsys):
    from geo.cli import main

    path = tmp_path / "broken.parquet"
    path.write_bytes(b"garbage")
    code = main(["analyse", "--network", "osm", "--osm-graph", str(path), "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err.strip()
    assert code != 0 and str(path) in err and len(err.splitlines()) == 1


TINY_OSM = """<?xml version="1.0" encoding="UTF-8"?>
<osm version="0.6" generator="hand-written test fixture">
 <node id="1" lat="30.5000" lon="114.4000"/>
 <node id="2" lat="30.5000" lon="114.4040"/>
 <node id="3" lat="30.5030" lon="114.4040"/>
 <node id="4" lat="30.5030" lon="114.4000"/>
 <way id="10"><nd ref="1"/><nd ref="2"/><tag k="highway" v="tertiary"/><tag k="oneway" v="yes"/></way>
 <way id="11"><nd ref="2"/><nd ref="3"/><nd ref="4"/><nd ref="1"/><tag k="highway" v="residential"/></way>
</osm>
"""


def test_live_fetch_builds_the_same_model(monkeypatch, tmp_path):
    """fetch_graph goes through osmnx.graph.graph_from_polygon; offline it answers from a local .osm file."""
    import osmnx as ox

    from geo.analysis import streets

    fixture = tmp_path / "tiny.osm"
    fixture.write_text(TINY_OSM, encoding="utf-8")
    calls = []

    def fake_graph_from_polygon(polygon, **kwargs):
        calls.append(kwargs)
        return ox.graph.graph_from_xml(fixture, simplify=False)

    monkeypatch.setattr(ox.graph, "graph_from_polygon", fake_graph_from_polygon)
    graph = streets.fetch_graph(shapely.box(114.3, 30.4, 114.5, 30.6))
    assert calls and calls[0]["network_type"] == settings.NETWORK_FETCH_TYPE
    assert graph.graph["crs"] == settings.METRIC_CRS
    # way 10 is one-way: osmnx gives 1->2 only; way 11 is two-way
    assert graph.has_edge(1, 2) and not graph.has_edge(2, 1) and graph.has_edge(3, 2)
    network = net.network_from_graph(graph)
    drive, walk = network.for_mode("drive"), network.for_mode("walk")
    assert drive.n_edges == 1 + 2 * 3 and walk.n_edges == 2 * 4
    i = {n: k for k, n in enumerate(network._table.node_ids)}
    assert not ((drive.edge_u == i[2]) & (drive.edge_v == i[1])).any()
    assert ((walk.edge_u == i[2]) & (walk.edge_v == i[1])).any()


def test_real_network_beigang_to_whut_nanhu():
    """北港 (park-beigang) to 理工大南湖 (whut-nanhu) on the real OSM streets, checked with networkx."""
    from tests.analysis import shared_network as shared

    shared.need_shared()
    network, graph = shared.wuhan_network()
    layers = shared.layers()
    park = layers["parks"][layers["parks"]["id"] == "park-beigang"]
    campus = layers["campuses"][layers["campuses"]["id"] == "whut-nanhu"]
    assert len(park) == 1 and len(campus) == 1
    from geo.analysis import proximity as prox

    straight = prox.straight_distance_m(park, campus)[0, 0]
    ours = prox.network_distance_m(park, campus, network)[0, 0]
    # independently: networkx Dijkstra between the street points each object attaches to
    links_p = net.attach(network, park.to_crs(settings.METRIC_CRS))
    links_c = net.attach(network, campus.to_crs(settings.METRIC_CRS))
    import networkx as nx

    g = nx.Graph()
    for u, v, d in graph.edges(data=True):
        if not g.has_edge(u, v) or g[u][v]["length"] > d["length"]:
            g.add_edge(u, v, length=d["length"])
    ids = network._table.node_ids
    best = np.inf
    for a, ca in zip(links_p.node, links_p.cost, strict=True):
        dist = nx.single_source_dijkstra_path_length(g, ids[a], cutoff=3000, weight="length")
        for b, cb in zip(links_c.in_node, links_c.in_cost, strict=True):
            if ids[b] in dist:
                best = min(best, ca + dist[ids[b]] + cb)
    np.testing.assert_allclose(ours, best, atol=0.01)
    # plausible: no shorter than the straight line, and no long detour (streets run, not wander)
    assert straight <= ours < 1.6 * straight + 300.0


def test_pipeline_loads_an_edge_list_and_says_how_it_read_it(tmp_path, monkeypatch):
    from geo.analysis.pipeline import load_network

    path = tmp_path / "block.gpkg"
    _block_edges().to_file(path, layer="edges")
    network, info = load_network("osm", osm_graph=path)
    assert info["kind"] == "osm" and info["file"] == str(path) and info["edge_list"] == "oneway column"
    assert network.source == "osm" and network.mode is None
    np.testing.assert_allclose(network.length_km, (400 + 300 + 400 + 300) / 1000)
    # no file given and none cached: a one-line hint, not a traceback
    monkeypatch.setattr(settings, "OSM_DIR", tmp_path / "no-osm")
    with pytest.raises(CorridorError, match="--osm-graph FILE"):
        load_network("osm", osm_graph=None)


def test_cli_osm_fetch_needs_network_osm(tmp_path, capsys):
    from geo.cli import main

    assert main(["analyse", "--osm-fetch", "--out", str(tmp_path / "out")]) == 2
    assert "--osm-fetch needs --network osm" in capsys.readouterr().err


def test_supply_chain_circle_against_the_document_figure(tmp_path):

    from geo.analysis import streets
    from geo.analysis.pipeline import supply_chain_circle

    path = tmp_path / "block.parquet"
    _block_edges().to_parquet(path)
    network = net.network_from_graph(streets.read_graph(path))
    figure = {"name": "land_area", "value": 100_000.0, "unit": "m2", "ref": "doc", "original": "十万"}
    source = frame({"id": ["src"], "name_zh": ["源"]}, [shapely.box(*at(-5, -5), *at(5, 5))])  # at node 1
    circle = supply_chain_circle(source, network, document_figure=figure, minutes=1, cell_m=5)
    row = circle.iloc[0]
    poly = circle.to_crs("EPSG:32650").geometry.iloc[0]
    np.testing.assert_allclose(row.area_km2, poly.area / 1e6)
    np.testing.assert_allclose(row.doc_area_km2, 0.1)
    np.testing.assert_allclose(row.area_ratio, poly.area / 100_000.0)
    assert row.ref == "doc" and row.original == "十万" and row.network_covers == 1.0
    # 1 min by car at 30 km/h is 500 m: along 1->2 (one-way, away from node 1) and up 4->1 backwards
    # (two-way): 500 m of street each way, every street of the block but the far ones
    np.testing.assert_allclose(row.reached_street_km, 1.0, atol=1e-6)
    # without the document's figure the comparison is NaN, not an error
    bare = supply_chain_circle(source, network, minutes=1, cell_m=5).iloc[0]
    assert np.isnan(bare.doc_area_km2) and np.isnan(bare.area_ratio)


def test_supply_circle_figure_is_the_documents_800_km2_row():
    from geo.analysis.pipeline import supply_circle_figure
    from geo.figures import load_figures

    fig = supply_circle_figure()
    row = load_figures().set_index("id").loc[settings.SUPPLY_CIRCLE_FIGURE_ID]
    assert fig["value"] == row["value"] and fig["unit"] == "m2" and "一小时供应链圈" in fig["original"]
