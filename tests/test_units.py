"""Unit conversions the documents need, and metric measures in UTM 50N."""

import geopandas as gpd
import pytest
import shapely

from geo import units


def test_mu_and_wanfang():
    assert units.mu_to_m2(1) == pytest.approx(666.6667, abs=1e-3)
    assert units.m2_to_mu(10_000) == pytest.approx(15.0)
    assert units.mu_to_m2(7500) == pytest.approx(5_000_000.0)  # Hongshan's 7,500 mu = 5 km²
    assert units.wanfang_to_m2(22) == 220_000
    assert units.m2_to_wanfang(500_000) == 50


def test_area_units_table():
    t = units.area_units(3.9e6)
    assert t["km2"] == pytest.approx(3.9) and t["ha"] == pytest.approx(390) and t["mu"] == pytest.approx(5850)


def test_area_and_length_measured_in_utm():
    # A 1 km x 2 km rectangle built in UTM 50N, stored in WGS-84, measured back.
    rect = gpd.GeoSeries([shapely.box(800_000, 3_380_000, 801_000, 3_382_000)], crs="EPSG:32650").to_crs(4326)
    assert units.area_m2(rect).iloc[0] == pytest.approx(2_000_000, rel=1e-6)
    assert units.length_m(rect.boundary).iloc[0] == pytest.approx(6_000, rel=1e-6)
    gdf = units.with_area_columns(gpd.GeoDataFrame(geometry=rect))
    assert gdf.loc[0, "area_km2"] == pytest.approx(2.0, rel=1e-6)
    assert gdf.loc[0, "area_mu"] == pytest.approx(3000, rel=1e-6)
