import geopandas as gpd
import numpy as np
import pytest
import shapely

from geo import settings
from geo.analysis import network as net
from geo.errors import CoordinateSystemError
from tests.analysis.conftest import at, frame


def _node(network, x, y, tol=5.0):
    d = np.hypot(*(network.node_xy - np.array(at(x, y))).T)
    assert d.min() <= tol, f"no node near ({x}, {y})"
    return int(np.argmin(d))


def test_noding_snapping_and_components(square_roads):
    network = net.build_network(square_roads, snap_m=12)
    # crossings of E with A and D are nodes; F's end is snapped onto C at y=500
    for xy in [(0, 0), (500, 0), (1000, 0), (500, 1000), (0, 500), (-300, 500), (500, -200)]:
        _node(network, *xy)
    comps = network.components_summary()
    assert len(comps) == 2
    assert comps.loc[0, "largest"] and "road-g" not in comps.loc[0, "roads"]
    assert comps["largest"].sum() == 1
    assert comps.loc[1, "roads"] == "road-g"
    np.testing.assert_allclose(comps.loc[1, "length_km"], 0.5)
    # the 5 m gap is merged away: F's end (-5, 500), twice (F and its connector), and C's node (0, 500),
    # three times (two pieces of C and the connector), merge at their mean (-2, 500), where the
    # edges now end.  Streets: A, B, D 1000 each, C two pieces of hypot(2, 500), E 1400, F 298, G 500
    c_piece = np.hypot(2.0, 500.0)
    np.testing.assert_allclose(network.edge_length_m[network.street_mask].sum(),
                               3000 + 2 * c_piece + 1400 + 298 + 500, atol=1e-6)
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
