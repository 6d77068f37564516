import json

import numpy as np
import pandas as pd
import pytest

from geo import settings, units
from geo.analysis import land
from geo.errors import CoordinateSystemError
from tests.analysis.conftest import box, frame

CONFIG = {
    "zone_districts": ["洪山区"],
    "traced_classes": ["campus", "park", "belt", "residual"],
    "developable_share": {"campus": 0.0, "park": 1.0, "belt": 0.5, "residual": 0.1, "other": 0.0},
    "default_scenario": "base",
    "scenarios": {"base": {"far": {"park": 2.0, "belt": 3.0, "residual": 1.0}},
                  "highrise": {"far": {"park": 4.0, "belt": 3.0, "residual": 1.0}}},
    "target_figures": [{"figure": "floor_area_target_3_5y", "kind": "floor_area"},
                       {"figure": "new_industrial_floor_area", "kind": "floor_area"},
                       {"figure": "central_city_industrial_land", "kind": "land"}],
    "land_target_classes": ["park"],
    "fallback_targets": [
        {"zone_name_zh": "园区", "figure": "new_industrial_floor_area", "value_m2": 200000, "ref": "doc_b"},
        {"zone_name_zh": "智谷", "figure": "floor_area_target_3_5y", "value_m2": 999, "ref": "never_used"},
    ],
}


@pytest.fixture
def layers():
    """智谷 1000 x 500 m with a campus 200 x 500 and a park 100 x 100 inside it; a belt
    overlapping the zone's east half; a district 2000 x 2000."""
    figs = json.dumps([{"name": "floor_area_target_3_5y", "value": 220000, "unit": "m2",
                        "original": "约22万方", "ref": "zhigu_report_2021"}])
    zhigu = frame({"id": ["zg"], "name_zh": ["智谷"], "name_en": ["Zhigu"],
                   "floor_area_target_3_5y_m2": [220000.0], "figures_json": [figs]}, [box(0, 0, 1000, 500)])
    campuses = frame({"id": ["c"], "name_zh": ["校"], "name_en": ["C"]}, [box(0, 0, 200, 500)])
    parks = frame({"id": ["p"], "name_zh": ["园区"], "name_en": ["Park"]}, [box(300, 100, 400, 200)])
    belts = frame({"id": ["b"], "name_zh": ["带"], "name_en": ["Belt"]}, [box(500, 0, 1500, 500)])
    districts = frame({"id": ["d", "other"], "name_zh": ["洪山区", "别区"], "name_en": ["H", "O"],
                       "central_city_industrial_land_m2": [5_000_025.0, np.nan]},
                      [box(-500, -500, 1500, 1500), box(5000, 5000, 6000, 6000)])
    return {"zhigu": zhigu, "campuses": campuses, "parks": parks, "innovation_belts": belts,
            "districts": districts}


def test_areas_of_known_rectangles(layers):
    zones = land.zones_from_layers(layers, config=CONFIG)
    assert list(zones["id"]) == ["zg", "b", "p", "d"]  # the district not listed is left out
    a = land.zone_areas(zones).set_index(zones["id"])
    np.testing.assert_allclose(a.loc["zg", "area_m2"], 500_000, rtol=1e-9)
    np.testing.assert_allclose(a.loc["zg", "area_ha"], 50, rtol=1e-9)
    np.testing.assert_allclose(a.loc["zg", "area_km2"], 0.5, rtol=1e-9)
    np.testing.assert_allclose(a.loc["zg", "area_mu"], 750, rtol=1e-9)
    np.testing.assert_allclose(a.loc["d", "area_km2"], 4.0, rtol=1e-9)


def test_unit_conversions():
    np.testing.assert_allclose(units.mu_to_m2(1), 666.67, atol=0.005)
    np.testing.assert_allclose(units.m2_to_mu(7500 * 666.6667), 7500, rtol=1e-6)
    np.testing.assert_allclose(units.m2_to_wanfang(10_000), 1.0)
    g = land.gap_columns([220_000], [150_000])
    np.testing.assert_allclose(g["gap_m2"], [70_000])
    np.testing.assert_allclose(g["gap_wanfang"], [7.0])
    np.testing.assert_allclose(g["gap_mu"], [70_000 / (10_000 / 15)])
    np.testing.assert_allclose(g["gap_pct"], [70_000 / 220_000 * 100])


def test_land_by_class_and_capacity_by_hand(layers):
    table, targets = land.land_supply(layers, config=CONFIG, with_targets=True)
    t = table.set_index("id")
    # 智谷: campus 100,000; park 10,000; belt = east half 250,000; residual = 500,000 - 360,000
    zg = t.loc["zg"]
    np.testing.assert_allclose([zg.land_campus_m2, zg.land_park_m2, zg.land_belt_m2, zg.land_residual_m2],
                               [100_000, 10_000, 250_000, 140_000], rtol=1e-9)
    dev = 10_000 * 1.0 + 250_000 * 0.5 + 140_000 * 0.1
    np.testing.assert_allclose(zg.developable_m2, dev, rtol=1e-9)
    base = 10_000 * 2.0 + 125_000 * 3.0 + 14_000 * 1.0
    high = 10_000 * 4.0 + 125_000 * 3.0 + 14_000 * 1.0
    np.testing.assert_allclose([zg.capacity_m2, zg.capacity_base_m2, zg.capacity_highrise_m2], [base, base, high])
    np.testing.assert_allclose(zg.capacity_wanfang, base / 10_000)
    # the layer's figure wins over the config fallback; its citation comes from figures_json
    assert zg.target_m2 == 220_000 and zg.target_ref == "zhigu_report_2021" and zg.target_source == "layer"
    np.testing.assert_allclose(zg.gap_m2, 220_000 - base)
    np.testing.assert_allclose(zg.gap_pct, (220_000 - base) / 220_000 * 100)
    # the park's target comes from the cited fallback table
    p = t.loc["p"]
    assert p.target_source == "config" and p.target_ref == "doc_b"
    np.testing.assert_allclose(p.capacity_highrise_m2, 10_000 * 4.0)
    tp = targets[(targets.zone_id == "p") & (targets.scenario == "highrise")].iloc[0]
    np.testing.assert_allclose(tp.gap_m2, 200_000 - 40_000)
    np.testing.assert_allclose(tp.gap_wanfang, 16.0)
    # land target: the district's 7,500 亩 against its park land (10,000 m²)
    td = targets[targets.zone_id == "d"].iloc[0]
    assert td.scenario == "land" and td.kind == "land"
    np.testing.assert_allclose(td.target_mu, 7500.0375, rtol=1e-6)
    np.testing.assert_allclose(td.supply_m2, 10_000)
    np.testing.assert_allclose(td.gap_m2, 5_000_025 - 10_000)
    assert table.crs.to_epsg() == 4326


def test_far_override_moves_the_gap(layers):
    a = land.land_supply(layers, config=CONFIG).set_index("id")
    b = land.land_supply(layers, config=CONFIG, far={"base": {"park": 12.0}}).set_index("id")
    np.testing.assert_allclose(b.loc["zg", "capacity_m2"] - a.loc["zg", "capacity_m2"], 10_000 * 10.0)
    np.testing.assert_allclose(a.loc["zg", "gap_m2"] - b.loc["zg", "gap_m2"], 100_000)


def test_osm_landuse_classes(layers):
    lu = frame({"landuse": ["industrial", "residential", "industrial", "farmland"]},
               [box(0, 0, 100, 100), box(50, 0, 150, 100), box(600, 0, 700, 100), box(800, 0, 900, 100)])
    cfg = {**CONFIG, "osm_classes": {"industrial": "industrial", "residential": "residential"},
           "developable_share": {"industrial": 1.0, "residential": 0.5, "other": 0.0},
           "scenarios": {"base": {"far": {"industrial": 2.0, "residential": 3.0}}}}
    table = land.land_supply(layers, landuse=lu, config=cfg).set_index("id")
    zg = table.loc["zg"]
    # industrial first in priority: 2 x 10,000; residential keeps only its non-industrial half 5,000
    np.testing.assert_allclose([zg.land_industrial_m2, zg.land_residential_m2], [20_000, 5_000])
    np.testing.assert_allclose(zg.land_residual_m2, 500_000 - 25_000)
    np.testing.assert_allclose(zg.capacity_m2, 20_000 * 2.0 + 5_000 * 0.5 * 3.0)
    assert zg.land_source == "osm"


def test_packaged_config_is_complete():
    cfg = land.load_config()
    assert settings.LAND_SCENARIOS_FILE.exists()
    assert "industrial_highrise" in cfg["scenarios"] and cfg["scenarios"]["industrial_highrise"]["title_zh"] == "工业上楼"
    fb = pd.DataFrame(cfg["fallback_targets"])
    assert set(fb["ref"]) <= {"zhigu_report_2021", "hongshan_belts_2024"}
    np.testing.assert_allclose(fb.loc[fb.figure == "floor_area_target_5_10y", "value_m2"], [500_000])


def test_missing_crs_refused(layers):
    import geopandas as gpd

    bad = dict(layers)
    bad["zhigu"] = gpd.GeoDataFrame(layers["zhigu"].drop(columns="geometry"), geometry=layers["zhigu"].geometry.to_numpy())
    with pytest.raises(CoordinateSystemError):
        land.land_supply(bad, config=CONFIG)
