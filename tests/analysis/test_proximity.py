import numpy as np
import pandas as pd
import pytest
import shapely

from geo import settings
from geo.analysis import network as net
from geo.analysis import proximity as prox
from geo.errors import CoordinateSystemError
from tests.analysis.conftest import X0, Y0, at, box, frame


@pytest.fixture
def campus_at_origin():
    return frame({"id": ["c0"], "name_zh": ["校区"], "name_en": ["Campus"]}, [box(-20, -20, 20, 20)])


def test_isochrone_node_membership(square_roads, campus_at_origin):
    network = net.build_network(square_roads)
    # walking 4.8 km/h = 80 m/min: 5 min = 400 m, 10 min = 800 m from the corner (0, 0)
    d_nodes = {  # hand-computed network distances of the nodes from (0, 0)
        (0, 0): 0, (500, 0): 500, (0, 500): 500, (1000, 0): 1000, (0, 1000): 1000,
        (-300, 500): 800,  # 500 up C, 2.5 to the merged node at (-2.5, 500), 297.5 along F
        (500, -200): 700, (500, 1000): 1500, (1000, 1000): 2000, (500, 1200): 1700,
    }
    for minutes, budget in ((5, 400), (9.9, 792), (10.1, 808)):
        reached = prox.isochrone_nodes(campus_at_origin, network, mode="walk", minutes=minutes)["c0"]
        expected = set()
        for (x, y), d in d_nodes.items():
            node = int(np.argmin(np.hypot(*(network.node_xy - np.array(at(x, y))).T)))
            if d <= budget:
                expected.add(node)
        assert set(reached.tolist()) == expected


def test_isochrone_polygons_include_partial_edges(square_roads, campus_at_origin):
    network = net.build_network(square_roads)
    iso = prox.isochrones(campus_at_origin, network, modes=("walk",), minutes=(5, 10), buffer_m=50, cell_m=5)
    assert list(iso["minutes"]) == [5, 10]
    five = iso.to_crs("EPSG:32650").geometry.iloc[0]
    # 400 m along A and C are reached (partial edges); the buffer adds 50 m
    assert five.contains(shapely.Point(at(380, 0)))
    assert five.contains(shapely.Point(at(0, 380)))
    assert not five.contains(shapely.Point(at(480, 0)))
    assert not five.contains(shapely.Point(at(500, -150)))
    ten = iso.to_crs("EPSG:32650").geometry.iloc[1]
    assert ten.contains(shapely.Point(at(500, -150)))  # (500,-200) is 700 m away
    assert ten.contains(shapely.Point(at(790, 0)))
    assert not ten.contains(shapely.Point(at(900, 0)))
    np.testing.assert_allclose(iso["area_m2"].iloc[0], five.area)


def test_coverage_share(campus_at_origin, square_roads):
    network = net.build_network(square_roads)
    iso = prox.isochrones(campus_at_origin, network, modes=("walk",), minutes=(5,), buffer_m=50)
    zone = frame({"id": ["z"], "name_zh": ["z"]}, [box(100, -25, 300, 25)])  # well inside the 5-min buffer of A
    outside = frame({"id": ["o"], "name_zh": ["o"]}, [box(600, 400, 700, 500)])
    cov = prox.isochrone_coverage(pd.concat([zone, outside]), iso, zone_layer="test")
    z = cov[(cov.zone_id == "z") & (cov.campus_id == "c0")]
    np.testing.assert_allclose(z["share"].iloc[0], 1.0, atol=1e-6)
    o_any = cov[(cov.zone_id == "o") & (cov.campus_id == "any")]
    np.testing.assert_allclose(o_any["share"].iloc[0], 0.0)


def test_distance_matrix_straight_and_network(square_roads):
    network = net.build_network(square_roads)
    campuses = frame({"id": ["c"], "name_zh": ["c"]}, [box(-20, -20, 20, 20)])
    # p1's nearest point to the streets is its vertex (1010, 650), 10 m east of B
    p1_geom = shapely.Polygon([at(1010, 650), at(1050, 600), at(1050, 700)])
    parks = frame({"id": ["p1", "p2"], "name_zh": ["p1", "p2"]}, [p1_geom, box(120, 30, 140, 60)])
    df = prox.distance_matrix(campuses, parks, network=network, target_layer="parks")
    p1 = df[df.target_id == "p1"].iloc[0]
    np.testing.assert_allclose(p1.straight_m, np.hypot(1010 - 20, 650 - 20))
    # from the corner node (inside the campus) 1000 along A, then up B and across to p1's outline:
    # y + (x - 1000) along its side (1010, 650)-(1050, 600) is 660 - 10 s, least at the vertex
    # (1050, 600): 600 up B + a 50 m connector
    np.testing.assert_allclose(p1.network_m, 1000 + 600 + 50, atol=1e-3)
    # walking, everything at 80 m/min; riding and driving (250 and 500 m/min on streets with no
    # class) walk the connector at 80 m/min, so the 10 m connector at y = 650 wins
    np.testing.assert_allclose(p1.walk_min, (1000 + 600 + 50) / 80.0, atol=1e-6)
    np.testing.assert_allclose(p1.bike_min, (1000 + 650) / 250.0 + 10 / 80.0, atol=1e-6)
    np.testing.assert_allclose(p1.drive_min, (1000 + 650) / 500.0 + 10 / 80.0, atol=1e-6)


def test_nearest_campus_lines(square_roads):
    network = net.build_network(square_roads)
    campuses = frame({"id": ["west", "east"], "name_zh": ["w", "e"]}, [box(-20, -20, 20, 20), box(980, 980, 1020, 1020)])
    parks = frame({"id": ["p"], "name_zh": ["p"], "layer": ["parks"]}, [box(900, 60, 960, 100)])
    lines = prox.nearest_campus(parks, campuses, network=network)
    assert lines.crs.to_epsg() == 4326
    row = lines.iloc[0]
    straight = [shapely.distance(parks.geometry[0], g) for g in campuses.geometry]
    # by network p reaches B (40 m east of it, 60-100 m up): east is ~920 m away along B, west 1060+
    assert row.campus_id == "east"
    np.testing.assert_allclose(row.straight_m, straight[1])
    by_straight = prox.nearest_campus(parks, campuses, network=network, by="straight").iloc[0]
    assert by_straight.campus_id == ["west", "east"][int(np.argmin(straight))]


def test_nearest_campus_points_matches_brute_force():
    rng = np.random.default_rng(7)
    campuses = frame({"id": ["a", "b", "c"]}, [
        box(0, 0, 800, 500),
        shapely.Polygon([at(1500, 200), at(2300, 300), at(2000, 1200), at(1600, 900)]),
        box(810, 0, 1200, 300),  # adjacent to a: points inside c near a's edge
    ])
    x = X0 + rng.uniform(-1000, 3500, 20_000)
    y = Y0 + rng.uniform(-1000, 2500, 20_000)
    pts = frame({}, shapely.points(x, y))
    got = prox.nearest_campus_points(pts, campuses, chunk_size=3_000)
    brute = shapely.distance(pts.geometry.to_numpy()[:, None], campuses.geometry.to_numpy()[None, :])
    want_d = brute.min(axis=1)
    spacing = settings.NEAREST_VERTEX_SPACING_M
    err = np.abs(got["distance_m"].to_numpy() - want_d)
    assert np.all(err <= spacing / 2 + 1e-6)  # the guaranteed bound
    assert np.mean(err < 1e-6) > 0.999  # the segment refinement makes it exact in practice
    assert np.all(got["distance_m"].to_numpy()[want_d == 0] == 0)
    picked = brute[np.arange(len(x)), pd.Index(["a", "b", "c"]).get_indexer(got["campus_id"])]
    assert np.all(picked - want_d <= spacing / 2 + 1e-6)  # never a campus farther than the true one


def test_nearest_campus_points_network(square_roads):
    network = net.build_network(square_roads)
    campuses = frame({"id": ["c"]}, [box(-20, -20, 20, 20)])
    pts = frame({}, [shapely.Point(at(1000, 1000)), shapely.Point(at(510, 200))])
    got = prox.nearest_campus_points(pts, campuses, network=network)
    np.testing.assert_allclose(got["network_m"].to_numpy(), [2000, 10 + 500 + 0], atol=200 + 1e-3)
    # the campus's outline corner (-20, 20) also reaches C, which the 5 m gap merge extends to
    # (-2.5, 500): up C (480 + 2.5), C's upper piece (2.5 + 500) and D (1000) is longer than
    # 1000 + 1000 through the corner node
    c_low = shapely.LineString([(0, 0), (0, 500), (-2.5, 500)])
    corner = shapely.Point(-20, 20)
    via_c = corner.distance(c_low) + (c_low.length - c_low.project(corner)) + 502.5 + 1000
    np.testing.assert_allclose(got["network_m"].iloc[0], min(2000, via_c), atol=1e-3)


def test_belts_from_access(square_roads):
    network = net.build_network(square_roads)
    campuses = frame({"id": ["c"], "name_zh": ["c"], "university": ["甲大学"]}, [box(-20, -20, 20, 20)])
    iso = prox.isochrones(campuses, network, modes=("walk",), minutes=(10,), buffer_m=50)
    belt = frame({"id": ["belt"], "name_zh": ["带"], "universities": ["甲大学（本部）"]}, [box(-100, -100, 600, 600)])
    out = prox.belts_from_access(belt, campuses, iso, mode="walk", minutes=10)
    r = out.iloc[0]
    assert r.campus_ids == "c"
    derived = iso.to_crs("EPSG:32650").geometry.iloc[0]
    traced = belt.geometry.iloc[0]
    inter = derived.intersection(traced).area
    np.testing.assert_allclose(r.iou, inter / derived.union(traced).area)
    np.testing.assert_allclose(r.traced_only_m2, traced.area - inter)


def test_missing_crs_refused():
    import geopandas as gpd

    with pytest.raises(CoordinateSystemError):
        prox.straight_distance_m(gpd.GeoDataFrame(geometry=[shapely.Point(0, 0)]),
                                 frame({}, [shapely.Point(at(0, 0))]))


# --- real streets and one-way polygons ------------------------------------------------------------


def test_drive_isochrone_respects_one_way_street(tmp_path):
    import geopandas as gpd

    from geo.analysis import streets

    block = gpd.read_file(settings.REPO_ROOT / "tests" / "data" / "network" / "oneway_block.geojson")
    path = tmp_path / "block.parquet"
    block.to_parquet(path)
    network = net.network_from_graph(streets.read_graph(path))
    campus = frame({"id": ["c"], "name_zh": ["c"]}, [box(395, -5, 405, 5)])  # at node 2, east end of 1->2
    iso = prox.isochrones(campus, network, modes=("walk", "drive"), minutes=(1, 5), buffer_m=30, cell_m=5).to_crs(
        "EPSG:32650")

    def poly(mode, minutes):
        return iso[(iso["mode"] == mode) & (iso["minutes"] == minutes)].geometry.iloc[0]

    # 1 min by car (30 km/h on tertiary streets: 500 m) goes up 2->3 (300 m) and 200 m along 3->4;
    # 1->2 runs towards the campus, so its western part is not reached
    drive1 = poly("drive", 1)
    assert drive1.contains(shapely.Point(at(400, 150))) and drive1.contains(shapely.Point(at(250, 300)))
    assert not drive1.contains(shapely.Point(at(200, 0)))
    assert not drive1.contains(shapely.Point(at(100, 300)))
    # walking 5 min (400 m) goes both ways along 1->2: (200, 0) is 195 m away
    assert poly("walk", 5).contains(shapely.Point(at(200, 0)))
    # 5 min by car reaches everything, 1->2 included from node 1 (after 1000 m round the block)
    assert poly("drive", 5).contains(shapely.Point(at(200, 0)))


def test_real_walk_isochrones_grow_with_the_cutoff():
    from tests.analysis import shared_network as shared

    shared.need_shared()
    network, _ = shared.wuhan_network()
    campuses = shared.layers()["campuses"]
    iso = prox.isochrones(campuses, network, modes=("walk",))
    area = iso.pivot(index="campus_id", columns="minutes", values="area_m2")
    access = iso.groupby("campus_id")["access_m"].first()
    covered = access <= settings.NETWORK_ACCESS_MAX_M
    # the street file ends at 114.55 E: a campus east of it has no street within reach
    for cid in access.index[~covered]:
        lon = campuses.loc[campuses["id"] == cid, "geometry"].iloc[0].centroid.x
        assert lon > 114.55, f"{cid} is inside the file's extent but not near a street"
    assert covered.sum() >= len(campuses) - 1
    grows = area[covered]
    assert (grows[5] < grows[10]).all() and (grows[10] < grows[15]).all(), grows
    # more than thin strips: 15 minutes on foot (1.2 km) covers at least 1.5 km² around every campus
    assert (grows[15] > 1.5e6).all(), grows[15]
    # and each polygon holds its campus
    iso_m = iso.to_crs("EPSG:32650")
    camp_m = campuses.to_crs("EPSG:32650").set_index("id").geometry
    for row in iso_m[iso_m["minutes"] == 5].itertuples():
        assert row.geometry.buffer(1.0).contains(camp_m[row.campus_id].buffer(-25.0))


def test_a_campus_off_the_network_still_grows_at_walking_speed():
    """A campus far from every street reaches, across country at walking speed, the land within each
    cut-off's walk of its outline: its isochrones grow, by the walked distance, not a street strip."""
    import geopandas as gpd

    _shapely, _net, _prox = shapely, net, prox

    x0, y0 = 500_000.0, 3_375_000.0  # UTM 50N, near Wuhan
    roads = gpd.GeoDataFrame({"id": ["r"], "name_zh": ["路"]},
                             geometry=[_shapely.LineString([(x0, y0), (x0 + 2000, y0)])], crs=settings.METRIC_CRS)
    network = _net.build_network(roads.to_crs(settings.STORAGE_CRS))
    far_campus = gpd.GeoDataFrame({"id": ["far"], "name_zh": ["远"], "name_en": ["far"]},
                                  geometry=[_shapely.box(x0 + 900, y0 + 1000, x0 + 1100, y0 + 1200)], crs=settings.METRIC_CRS)
    iso = _prox.isochrones(far_campus.to_crs(settings.STORAGE_CRS), network, modes=("walk",), minutes=(5, 10))
    areas = iso.sort_values("minutes").to_crs(settings.METRIC_CRS).area.to_numpy()
    walk_m = [t * 60 * settings.SPEEDS_KMH["walk"] / 3.6 for t in (5, 10)]
    expected = [_shapely.buffer(far_campus.geometry.iloc[0], w, quad_segs=8).area for w in walk_m]
    np.testing.assert_allclose(areas, expected, rtol=0.01)
    assert areas[1] > areas[0]
