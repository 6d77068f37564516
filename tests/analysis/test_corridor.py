import numpy as np
import shapely

from geo import settings
from geo.analysis import corridor
from tests.analysis.conftest import at, box, frame


def _cities():
    return frame({"id": ["a", "b"], "name_zh": ["甲市", "乙市"], "name_en": ["A", "B"],
                  "industrial_focus": ["光电子;生物", "新材料"]},
                 [box(0, 0, 10_000, 10_000), box(30_000, 0, 40_000, 20_000)])


def test_city_areas_and_distances():
    cities = _cities()
    core_ll = frame({}, [shapely.Point(at(5_000, 5_000))]).to_crs(settings.STORAGE_CRS).geometry.iloc[0]
    out = corridor.corridor_cities(cities, core_lonlat=(core_ll.x, core_ll.y)).set_index("id")
    np.testing.assert_allclose(out.loc["a", "area_km2"], 100, rtol=1e-9)
    np.testing.assert_allclose(out.loc["b", "area_km2"], 200, rtol=1e-9)
    np.testing.assert_allclose(out.loc["b", "area_mu"], 200e6 / (10_000 / 15), rtol=1e-9)
    np.testing.assert_allclose(out.loc["a", "distance_to_core_km"], 0, atol=1e-6)
    np.testing.assert_allclose(out.loc["b", "distance_to_core_km"], np.hypot(30, 5), rtol=1e-6)
    np.testing.assert_allclose(out.loc["b", "boundary_to_core_km"], 25, rtol=1e-6)
    assert out.loc["a", "industrial_focus"] == "光电子;生物"
    m = corridor.centroid_distance_km(cities)
    np.testing.assert_allclose(m.loc["甲市", "乙市"], np.hypot(30, 5))
    np.testing.assert_allclose(np.diag(m.to_numpy()), 0)


def test_band_membership():
    axis = frame({"id": ["axis"]}, [shapely.LineString([at(0, 0), at(50_000, 0)])])
    parks = frame({"id": ["near", "far"], "name_zh": ["近", "远"]},
                  [box(1_000, 4_000, 2_000, 5_000), box(10_000, 12_000, 11_000, 13_000)])
    out = corridor.within_band(parks, axis, band_m=10_000, layer="parks").set_index("id")
    np.testing.assert_allclose(out.loc["near", "distance_to_axis_m"], 4_000)
    assert out.loc["near", "in_band"] and not out.loc["far", "in_band"]
    assert not corridor.within_band(parks, axis, band_m=3_000).in_band.any()
    band = corridor.corridor_band(axis, band_m=1_000)
    assert band.crs.to_epsg() == 4326
    np.testing.assert_allclose(band["area_km2"].iloc[0], 50 * 2 + np.pi * 1, rtol=2e-3)


def test_core_setting():
    lon, lat = settings.OPTICS_VALLEY_CORE_LONLAT
    assert abs(lon - 114.398) < 0.01 and abs(lat - 30.505) < 0.01
