"""WGS-84 <-> GCJ-02 <-> BD-09 conversions against published pairs and an independent library."""

import geopandas as gpd
import numpy as np
import pytest
import shapely
from prcoords import Coords, bd_gcj, gcj_bd, wgs_gcj
from pyproj import Geod

from geo import crs
from geo.errors import CoordinateSystemError

# Published reference pairs (the test vectors quoted in the READMEs of the widely used
# coordtransform libraries, for Tiananmen (116.404, 39.915)).
PUBLISHED = [
    ("wgs84", "gcj02", (116.404, 39.915), (116.41024449916938, 39.91640428150164)),
    ("gcj02", "bd09", (116.404, 39.915), (116.41036949371029, 39.92133699351021)),
    ("wgs84", "bd09", (116.404, 39.915), (116.41662724378733, 39.922699552216216)),
]
GEOD = Geod(ellps="WGS84")


def wuhan_grid(n=2000, seed=0):
    rng = np.random.default_rng(seed)
    lon = rng.uniform(113.70, 115.08, n)  # Wuhan's extent
    lat = rng.uniform(29.97, 31.37, n)
    return lon, lat


@pytest.mark.parametrize(("src", "dst", "given", "expected"), PUBLISHED)
def test_published_forward_pairs(src, dst, given, expected):
    lon, lat = crs.convert_coords(*given, src=src, dst=dst)
    assert lon == pytest.approx(expected[0], abs=1e-9)
    assert lat == pytest.approx(expected[1], abs=1e-9)


def test_forward_matches_prcoords_over_wuhan():
    lon, lat = wuhan_grid(300)
    glon, glat = crs.convert_coords(lon, lat, src="wgs84", dst="gcj02")
    blon, blat = crs.convert_coords(glon, glat, src="gcj02", dst="bd09")
    for i in range(len(lon)):
        g = wgs_gcj(Coords(lat[i], lon[i]))
        b = gcj_bd(g)
        assert (glon[i], glat[i]) == pytest.approx((g.lon, g.lat), abs=1e-9)
        assert (blon[i], blat[i]) == pytest.approx((b.lon, b.lat), abs=1e-9)


def test_bd09_to_gcj02_exact_inverse_close_to_closed_form():
    # The closed-form BD->GCJ step is approximate; ours iterates, and must agree with it
    # to well under a metre while being an exact inverse of the forward formula.
    lon, lat = wuhan_grid(200)
    glon, glat = crs.convert_coords(lon, lat, src="bd09", dst="gcj02")
    for i in range(len(lon)):
        approx = bd_gcj(Coords(lat[i], lon[i]))
        _, _, dist = GEOD.inv(glon[i], glat[i], approx.lon, approx.lat)
        assert dist < 1.0
    back = crs.convert_coords(glon, glat, src="gcj02", dst="bd09")
    assert np.max(np.abs(back[0] - lon)) < 1e-9 and np.max(np.abs(back[1] - lat)) < 1e-9


@pytest.mark.parametrize("other", ["gcj02", "bd09"])
def test_round_trip_within_half_a_metre_over_wuhan(other):
    lon, lat = wuhan_grid(5000)
    there = crs.convert_coords(lon, lat, src="wgs84", dst=other)
    back_lon, back_lat = crs.convert_coords(*there, src=other, dst="wgs84")
    _, _, dist = GEOD.inv(lon, lat, back_lon, back_lat)
    assert dist.max() < 0.5
    assert dist.max() < 0.01  # the iterated inverse is exact to 1 cm


def test_one_step_inverse_would_be_metres_off():
    # Guard that the test above can fail: the naive inverse (subtract the offset at the
    # GCJ point) is off by metres somewhere in Wuhan.
    lon, lat = wuhan_grid(5000)
    glon, glat = crs.convert_coords(lon, lat, src="wgs84", dst="gcj02")
    dlon, dlat = crs._gcj_offsets(glon, glat)
    _, _, dist = GEOD.inv(lon, lat, glon - dlon, glat - dlat)
    assert dist.max() > 0.5


def test_offset_in_wuhan_is_about_590_m_east_south_east():
    east, north = crs.gcj02_offset_m(114.365, 30.537)
    assert 450 < east < 650 and -350 < north < -150
    assert 540 < np.hypot(east, north) < 650
    glon, glat = crs.convert_coords(114.365, 30.537, src="wgs84", dst="gcj02")
    _, _, dist = GEOD.inv(114.365, 30.537, glon, glat)
    assert dist == pytest.approx(np.hypot(east, north), rel=0.01)
    blon, blat = crs.convert_coords(114.365, 30.537, src="wgs84", dst="bd09")
    _, _, dist_bd = GEOD.inv(114.365, 30.537, blon, blat)
    assert 1000 < dist_bd < 1400


def test_outside_china_is_identity():
    lon, lat = crs.convert_coords(2.35, 48.85, src="wgs84", dst="gcj02")
    assert (lon, lat) == (2.35, 48.85)


def test_geometry_and_geodataframe_conversion():
    poly = shapely.Polygon([(114.36, 30.53), (114.37, 30.53), (114.37, 30.54), (114.36, 30.54)])
    line = shapely.LineString([(114.3, 30.5), (114.4, 30.6)])
    gdf = gpd.GeoDataFrame({"id": ["a", "b"]}, geometry=[poly, line], crs="EPSG:4326")
    gcj = crs.convert_gdf(gdf, src="wgs84", dst="gcj02")
    xy = shapely.get_coordinates(gcj.geometry.values)
    ref = np.column_stack(crs.convert_coords(*shapely.get_coordinates(gdf.geometry.values).T, src="wgs84", dst="gcj02"))
    np.testing.assert_allclose(xy, ref)
    back = crs.convert_gdf(gcj, src="gcj02", dst="wgs84")
    np.testing.assert_allclose(
        shapely.get_coordinates(back.geometry.values), shapely.get_coordinates(gdf.geometry.values), atol=1e-9
    )
    assert gdf.geometry.iloc[0].equals(poly)  # input untouched


def test_geodataframe_without_crs_or_projected_is_refused():
    gdf = gpd.GeoDataFrame(geometry=[shapely.Point(114.3, 30.5)])
    with pytest.raises(CoordinateSystemError, match="no CRS"):
        crs.convert_gdf(gdf, src="gcj02", dst="wgs84")
    with pytest.raises(CoordinateSystemError, match="projected"):
        crs.convert_gdf(gdf.set_crs(4326).to_crs(32650), src="gcj02", dst="wgs84")


@pytest.mark.parametrize("name", [None, "", "EPSG:3857", "mercator"])
def test_unknown_or_missing_system_is_refused(name):
    with pytest.raises(CoordinateSystemError):
        crs.normalize_system(name)


@pytest.mark.parametrize(("alias", "canonical"), [("WGS-84", "wgs84"), ("GCJ-02", "gcj02"), ("Baidu", "bd09"), ("amap", "gcj02")])
def test_aliases(alias, canonical):
    assert crs.normalize_system(alias) == canonical
