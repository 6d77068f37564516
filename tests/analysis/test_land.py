"""Land supply: floor space against floor space, land against land, assumptions as ranges.

The synthetic tests use tables built here (figures and assumptions of made-up values, checked
by hand); the real-data tests read the repository's figure, assumption and finding tables and
the OSM data under ``/work/shared/osm_wuhan`` and recompute what they check independently.
"""

import re
import xml.etree.ElementTree as ET

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from geo import registry, settings, units
from geo.analysis import land, pipeline
from geo.errors import CoordinateSystemError, CorridorError
from geo.figures import ASSUMPTION_COLUMNS, FIGURE_COLUMNS, assumption_values
from geo.sources import buildings as bld
from tests.analysis.conftest import box, frame

OSM_DATA = settings.REPO_ROOT.parent / "shared" / "osm_wuhan"
TILEZEN = OSM_DATA / "tilezen_guanggu_buildings_roads.geojson"
TOY_OSM = OSM_DATA / "gzli_wuhan_toy_guanggu_east.osm"
needs_osm_data = pytest.mark.skipif(not (TILEZEN.exists() and TOY_OSM.exists()),
                                    reason="the shared OSM test data is not present")

CONFIG = {
    "zone_districts": ["洪山区"],
    "traced_classes": ["campus", "park", "belt", "residual"],
    "osm_classes": {"industrial": "industrial", "residential": "residential"},
    "default_scenario": "base",
    "scenarios": {"base": {"title_en": "Base"}, "highrise": {"title_en": "High-rise"}},
    "land_comparisons": [{"name_contains": "industrial", "classes": ["industrial"], "compared_with": "industrial"},
                         {"name_contains": "land_area", "zone": True, "compared_with": "zone"}],
    "surplus_contradicts": ["space_short"],
}

# made-up assumptions: (low, central, high)
SHARES = {"campus": (0.0, 0.0, 0.0), "park": (0.5, 1.0, 1.0), "belt": (0.25, 0.5, 0.75),
          "residual": (0.05, 0.1, 0.2), "industrial": (0.5, 1.0, 1.0), "residential": (0.1, 0.2, 0.3),
          "other": (0.0, 0.0, 0.0)}
FARS = {"base": {"campus": (1.0, 1.0, 1.0), "park": (1.0, 2.0, 3.0), "belt": (2.0, 3.0, 4.0), "residual": (1.0, 1.0, 1.0),
                 "industrial": (1.0, 2.0, 3.0), "residential": (2.0, 3.0, 4.0), "other": (0.0, 0.0, 0.0)},
        "highrise": {"campus": (1.0, 1.0, 1.0), "park": (3.0, 4.0, 5.0), "belt": (2.0, 3.0, 4.0), "residual": (1.0, 1.0, 1.0),
                     "industrial": (3.0, 4.0, 5.0), "residential": (2.0, 3.0, 4.0), "other": (0.0, 0.0, 0.0)}}


def assumptions_table():
    rows = [{"id": f"developable_share:{c}", "parameter": "developable_share", "applies_to": c, "scenario": "",
             "low": v[0], "central": v[1], "high": v[2]} for c, v in SHARES.items()]
    rows += [{"id": f"far:{s}:{c}", "parameter": "far", "applies_to": c, "scenario": s,
              "low": v[0], "central": v[1], "high": v[2]} for s, fars in FARS.items() for c, v in fars.items()]
    df = pd.DataFrame(rows)
    for col in ASSUMPTION_COLUMNS:
        if col not in df:
            df[col] = "test"
    return df


def figure(fid, subject_layer, subject_id, name, quantity, status, value, unit="m2", year_from=None, year_to=None):
    row = {c: "" for c in FIGURE_COLUMNS}
    row.update(id=fid, document="doc_a", section="一", para=1, subject_layer=subject_layer, subject_id=subject_id,
               name=name, quantity=quantity, status=status, value=float(value), unit=unit, original=f"原文 {fid}",
               horizon=f"{year_from}-{year_to}", year_from=year_from, year_to=year_to, kind="document", scope="zone")
    return row


def figures_table():
    return pd.DataFrame([
        figure("doc_a:zg:near", "zhigu", "zg", "floor_area_target", "floor_area", "target", 300_000, year_from=2024,
               year_to=2026),
        figure("doc_a:zg:far", "zhigu", "zg", "floor_area_target", "floor_area", "target", 900_000, year_from=2026,
               year_to=2031),
        figure("doc_a:p:new", "parks", "p", "floor_area_new", "floor_area", "planned", 60_000, year_from=2024),
        figure("doc_a:p:stock", "parks", "p", "floor_area", "floor_area", "actual", 12_345),
        figure("doc_a:d:industrial", "districts", "d", "land_area_industrial", "land_area", "actual", 30, unit="mu",
               year_from=2024, year_to=2024),
        figure("doc_a:nowhere:t", "zhigu", "elsewhere", "floor_area_target", "floor_area", "target", 1.0),
    ])


def findings_table(subject_id="zg"):
    return pd.DataFrame([{"id": "doc_a:zg:short", "document": "doc_a", "section": "三", "para": 1,
                          "subject_layer": "zhigu", "subject_id": subject_id, "subject_name_zh": "智谷",
                          "finding": "space_short", "original": "空间供不应求", "note": ""}])


@pytest.fixture
def layers():
    """智谷 1000 x 500 m with a campus 200 x 500 and a park 100 x 100 inside it; a belt
    overlapping the zone's east half; a district 2000 x 2000; a core 100 x 100 inside 智谷."""
    zhigu = frame({"id": ["zg", "core"], "name_zh": ["智谷", "核心区"], "name_en": ["Zhigu", "Core"]},
                  [box(0, 0, 1000, 500), box(700, 300, 800, 400)])
    campuses = frame({"id": ["c"], "name_zh": ["校"], "name_en": ["C"]}, [box(0, 0, 200, 500)])
    parks = frame({"id": ["p"], "name_zh": ["园区"], "name_en": ["Park"]}, [box(300, 100, 400, 200)])
    belts = frame({"id": ["b"], "name_zh": ["带"], "name_en": ["Belt"]}, [box(500, 0, 1500, 500)])
    districts = frame({"id": ["d", "other"], "name_zh": ["洪山区", "别区"], "name_en": ["H", "O"]},
                      [box(-500, -500, 1500, 1500), box(5000, 5000, 6000, 6000)])
    return {"zhigu": zhigu, "campuses": campuses, "parks": parks, "innovation_belts": belts, "districts": districts}


def run(layers, **kw):
    args = {"figures": figures_table(), "assumptions": assumptions_table(), "config": CONFIG,
            "findings": findings_table()} | kw
    return land.land_supply(layers, **args)


def by_case(values_by_class: dict, scenario: str, case: int) -> float:
    """Σ land × share × FAR for one case (0 low, 1 central, 2 high)."""
    return sum(m2 * SHARES[c][case] * FARS[scenario][c][case] for c, m2 in values_by_class.items())


# 智谷 (1000 x 500 m): campus 200 x 500; park 100 x 100; belt = east half 500 x 500; residual = the rest
ZG_LAND = {"campus": 200 * 500, "park": 100 * 100, "belt": 500 * 500, "residual": 1000 * 500 - (200 + 500) * 500 - 100 * 100}


# --- synthetic: areas, capacity ranges, like with like -----------------------------------------------


def test_areas_of_known_rectangles(layers):
    zones = land.zones_from_layers(layers, config=CONFIG)
    assert list(zones["id"]) == ["zg", "core", "b", "p", "d"]  # the district not listed is left out
    a = land.zone_areas(zones).set_index(zones["id"])
    np.testing.assert_allclose(a.loc["zg", ["area_m2", "area_ha", "area_km2", "area_mu"]],
                               [1000 * 500, 50, 0.5, 750], rtol=1e-9)
    np.testing.assert_allclose(a.loc["d", "area_km2"], 4.0, rtol=1e-9)


def test_unit_conversions():
    np.testing.assert_allclose(units.mu_to_m2(1), 666.67, atol=0.005)
    np.testing.assert_allclose(units.m2_to_mu(7 * 666.6667), 7, rtol=1e-6)
    np.testing.assert_allclose(units.m2_to_wanfang(10_000), 1.0)


def test_capacity_as_ranges_by_hand(layers):
    table, _ = run(layers)
    zg = table.set_index("id").loc["zg"]
    np.testing.assert_allclose([zg.land_campus_m2, zg.land_park_m2, zg.land_belt_m2, zg.land_residual_m2],
                               list(ZG_LAND.values()), rtol=1e-9)
    for case, name in enumerate(land.CASES):
        dev = sum(m2 * SHARES[c][case] for c, m2 in ZG_LAND.items())
        np.testing.assert_allclose(zg[f"developable_{name}_m2"], dev, rtol=1e-9)
        for scenario in FARS:
            np.testing.assert_allclose(zg[f"capacity_{scenario}_{name}_m2"], by_case(ZG_LAND, scenario, case),
                                       rtol=1e-9)
    np.testing.assert_allclose(zg.capacity_m2, by_case(ZG_LAND, "base", 1), rtol=1e-9)
    np.testing.assert_allclose(zg.developable_mu, units.m2_to_mu(zg.developable_central_m2))
    # the belt contributes most at the central case, then the park and the residual land
    assert zg.assumptions.split("; ")[:2] == ["far:base:belt", "developable_share:belt"]
    assert "far:base:park" in zg.assumptions and "far:base:campus" not in zg.assumptions


def test_floor_targets_against_stock_plus_capacity_as_ranges(layers):
    _, comp = run(layers)
    floor = comp[comp["quantity"] == "floor_area"]
    near = floor[(floor.figure_id == "doc_a:zg:near") & (floor.scenario == "highrise")].iloc[0]
    target = figures_table().set_index("id").loc["doc_a:zg:near", "value"]
    # no buildings: stock unknown, supply = capacity alone (a lower bound)
    assert near.stock_status == land.STOCK_UNKNOWN and np.isnan(near.stock_m2)
    assert "lower bound" in near.supply_basis
    np.testing.assert_allclose([near.gap_low_m2, near.gap_central_m2, near.gap_high_m2],
                               [target - by_case(ZG_LAND, "highrise", c) for c in (2, 1, 0)], rtol=1e-9)
    np.testing.assert_allclose(near.gap_central_wanfang, units.m2_to_wanfang(near.gap_central_m2))
    assert (near.year_from, near.year_to) == (2024, 2026)
    # every floor-space row: low <= central <= high, and no land units at all
    assert (floor.gap_low_m2 <= floor.gap_central_m2).all() and (floor.gap_central_m2 <= floor.gap_high_m2).all()
    land_unit_cols = [c for c in comp.columns if c.endswith(("_mu", "_ha"))]
    assert land_unit_cols and floor[land_unit_cols].isna().all().all()
    assert not {"target_mu", "gap_mu"} & set(comp.columns)
    # each target on its subject, at every scenario; the actual figure and the unknown subject are not compared
    assert set(floor.figure_id) == {"doc_a:zg:near", "doc_a:zg:far", "doc_a:p:new"}
    assert floor.groupby("figure_id").scenario.nunique().eq(len(FARS)).all()


def test_planned_addition_against_new_capacity_only(layers):
    table, comp = run(layers, buildings=_buildings_everywhere())
    new = comp[(comp.figure_id == "doc_a:p:new") & (comp.scenario == "base")].iloc[0]
    assert new.compared_with == land.FLOOR_COMPARED_WITH["planned"] and np.isnan(new.stock_m2)
    park = {"park": 10_000}
    np.testing.assert_allclose(new.supply_central_m2, by_case(park, "base", 1))
    # while a target counts the stock too
    near = comp[(comp.figure_id == "doc_a:zg:near") & (comp.scenario == "base")].iloc[0]
    stock = table.set_index("id").loc["zg", "stock_m2"]
    assert stock > 0
    np.testing.assert_allclose(near.supply_central_m2, stock + by_case(ZG_LAND, "base", 1))


def test_land_figure_compared_with_land_use_only(layers):
    _, comp = run(layers)
    row = comp[comp.figure_id == "doc_a:d:industrial"].iloc[0]
    assert row.quantity == "land_area" and row.comparison == land.LAND_UNKNOWN and np.isnan(row.supply_central_m2)
    lu = frame({"landuse": ["industrial", "residential"]}, [box(0, 0, 100, 100), box(2000, 2000, 2100, 2100)])
    # by default the land-use data covers its bounding box: 1500 x 1500 m of the district's 2000 x 2000
    _, comp = run(layers, landuse=lu)
    row = comp[comp.figure_id == "doc_a:d:industrial"].iloc[0]
    assert row.comparison == f"lower bound: land-use data covers {1500 ** 2 / 2000 ** 2:.0%} of the zone"
    # data that does not reach the district: unknown, not zero
    away = gpd.GeoSeries([box(9000, 9000, 9100, 9100)], crs="EPSG:32650").to_crs(4326).iloc[0]
    _, comp = run(layers, landuse=lu, landuse_coverage=away)
    assert comp[comp.figure_id == "doc_a:d:industrial"].iloc[0].comparison == land.LAND_UNKNOWN
    everywhere = gpd.GeoSeries([box(-9000, -9000, 9000, 9000)], crs="EPSG:32650").to_crs(4326).iloc[0]
    _, comp = run(layers, landuse=lu, landuse_coverage=everywhere)
    row = comp[comp.figure_id == "doc_a:d:industrial"].iloc[0]
    assert row.comparison == "computed"
    fig_m2 = units.mu_to_m2(figures_table().set_index("id").loc["doc_a:d:industrial", "value"])
    np.testing.assert_allclose([row.figure_m2, row.supply_central_m2], [fig_m2, 10_000], rtol=1e-9)
    np.testing.assert_allclose([row.gap_central_mu, row.gap_central_ha],
                               [units.m2_to_mu(fig_m2 - 10_000), units.m2_to_ha(fig_m2 - 10_000)], rtol=1e-9)
    assert np.isnan(row.gap_central_wanfang) and np.isnan(row.figure_wanfang)


def test_surplus_against_a_document_that_says_short_is_flagged(layers):
    table, comp = run(layers)
    zg = comp[(comp.zone_id == "zg") & (comp.quantity == "floor_area")]
    surplus = zg.gap_central_m2 < 0
    assert surplus.any() and (~surplus).any()  # the near target shows a surplus, the far one a shortfall
    assert (zg.contradicts_document == surplus).all()
    flagged = zg[zg.contradicts_document].iloc[0]
    assert "空间供不应求" in flagged.contradiction
    # the driver: the class contributing most to the central capacity, computed here
    contrib = {c: m2 * SHARES[c][1] * FARS[flagged.scenario][c][1] for c, m2 in ZG_LAND.items()}
    top = max(contrib, key=contrib.get)
    assert flagged.contradiction_driver == f"far:{flagged.scenario}:{top}; developable_share:{top}"
    assert flagged.contradiction_driver in flagged.contradiction
    assert set(flagged.contradiction_driver.split("; ")) <= set(flagged.assumptions.split("; "))
    assert table.set_index("id").loc["zg", "contradicts_document"]
    # a finding about another zone leaves 智谷 alone
    _, other = run(layers, findings=findings_table(subject_id="core"))
    assert not other.loc[other.zone_id == "zg", "contradicts_document"].any()


def test_finding_applies_to_zones_inside_its_subject(layers):
    zones = land.zones_from_layers(layers, config=CONFIG)
    applies = land.findings_for_zones(zones, findings_table())
    ids = {zones.at[i, "id"] for i in applies}
    # the core and the park lie inside 智谷; the belt only in part, the district around it
    assert ids == {"zg", "core", "p"}


def test_zone_table_keeps_the_map_columns(layers):
    table, comp = run(layers)
    zg = table.set_index("id").loc["zg"]
    first = comp[(comp.figure_id == "doc_a:zg:near") & (comp.scenario == "base")].iloc[0]
    assert zg.target_id == "doc_a:zg:near" and zg.targets == 2 and zg.target_ref == "doc_a"
    assert zg.target_quantity == "floor_area" and table.set_index("id").loc["b", "target_quantity"] == ""
    np.testing.assert_allclose([zg.target_m2, zg.gap_m2, zg.gap_low_m2, zg.gap_high_m2, zg.gap_pct],
                               [first.figure_m2, first.gap_central_m2, first.gap_low_m2, first.gap_high_m2,
                                first.gap_pct])
    assert (zg.target_year_from, zg.target_year_to) == (2024, 2026)
    assert table.crs.to_epsg() == 4326 and "gap_mu" not in table.columns and "target_mu" not in table.columns


def test_overrides_move_the_capacity(layers):
    a, _ = run(layers)
    b, _ = run(layers, far={"base": {"park": 12.0}})
    a, b = a.set_index("id"), b.set_index("id")
    np.testing.assert_allclose(b.loc["zg", "capacity_m2"] - a.loc["zg", "capacity_m2"],
                               10_000 * SHARES["park"][1] * (12.0 - FARS["base"]["park"][1]))
    np.testing.assert_allclose(b.loc["zg", "capacity_base_low_m2"], b.loc["zg", "capacity_base_high_m2"]
                               - 10_000 * (SHARES["park"][2] - SHARES["park"][0]) * 12.0
                               - by_case({k: v for k, v in ZG_LAND.items() if k != "park"}, "base", 2)
                               + by_case({k: v for k, v in ZG_LAND.items() if k != "park"}, "base", 0))
    with pytest.raises(CorridorError, match="low <= central <= high"):
        run(layers, developable_share={"park": (0.9, 0.5, 1.0)})


def test_osm_landuse_classes(layers):
    lu = frame({"landuse": ["industrial", "residential", "industrial", "farmland"]},
               [box(0, 0, 100, 100), box(50, 0, 150, 100), box(600, 0, 700, 100), box(800, 0, 900, 100)])
    table, _ = run(layers, landuse=lu)
    zg = table.set_index("id").loc["zg"]
    # industrial first in priority: 2 x 10,000; residential keeps only its non-industrial half 5,000
    np.testing.assert_allclose([zg.land_industrial_m2, zg.land_residential_m2], [20_000, 5_000])
    np.testing.assert_allclose(zg.land_residual_m2, 1000 * 500 - 25_000)
    np.testing.assert_allclose(zg.capacity_m2, by_case({"industrial": 20_000, "residential": 5_000,
                                                        "residual": 475_000}, "base", 1))
    assert zg.land_source == "osm"


def test_missing_crs_refused(layers):
    bad = dict(layers)
    bad["zhigu"] = gpd.GeoDataFrame(layers["zhigu"].drop(columns="geometry"), geometry=layers["zhigu"].geometry.to_numpy())
    with pytest.raises(CoordinateSystemError):
        run(bad)


def test_missing_assumption_refused(layers):
    table = assumptions_table()
    table = table[~table["id"].isin(["far:base:other", "far:base:belt"])]
    with pytest.raises(CorridorError, match="far for scenario 'base' for land class 'belt'"):
        run(layers, assumptions=table)


# --- floor stock ----------------------------------------------------------------------------------------


def _buildings_everywhere():
    """Two buildings in 智谷 (5 levels; 10 m high) and one without either in its core, data covering all."""
    geoms = [box(300, 300, 320, 320), box(600, 100, 650, 110), box(720, 320, 730, 330)]
    frame_ = gpd.GeoDataFrame({"building_id": ["a", "b", "c"]}, geometry=geoms, crs="EPSG:32650")
    b = bld.floor_area(frame_, levels=["5", None, None], height=[None, "10 m", None])
    cover = gpd.GeoSeries([box(-1000, -1000, 7000, 7000)], crs="EPSG:32650").to_crs(4326).iloc[0]
    return bld.BuildingData(b, cover, "test")


def test_floor_stock_by_hand(layers):
    zones = land.zones_from_layers(layers, config=CONFIG)
    stock = land.floor_stock(zones, _buildings_everywhere()).set_index(zones["id"])
    np.testing.assert_allclose(stock.loc["zg", "stock_m2"], 400 * 5 + 500 * round(10 / settings.STOREY_HEIGHT_M))
    assert stock.loc["zg", "stock_buildings"] == 3 and stock.loc["zg", "stock_buildings_unknown"] == 1
    assert stock.loc["zg", "stock_status"].startswith("lower bound") and "1 of 3" in stock.loc["zg", "stock_status"]
    np.testing.assert_allclose(stock.loc["zg", "stock_footprint_unknown_m2"], 100)
    # a zone whose buildings all lack levels and height: unknown, with their footprint
    assert np.isnan(stock.loc["core", "stock_m2"]) and stock.loc["core", "stock_buildings"] == 1
    assert stock.loc["core", "stock_status"] == "unknown: none of the 1 buildings has levels or height"
    assert stock.loc["p", "stock_m2"] == 0 and stock.loc["p", "stock_status"] == "known"
    # data covering only part of a zone: a lower bound that says so; outside it: unknown
    part = _buildings_everywhere()
    cover = gpd.GeoSeries([box(-1000, -1000, 500, 7000)], crs="EPSG:32650").to_crs(4326).iloc[0]
    stock = land.floor_stock(zones, bld.BuildingData(part.buildings, cover, "test")).set_index(zones["id"])
    assert "covers 50% of the zone" in stock.loc["zg", "stock_status"]
    assert np.isnan(stock.loc["core", "stock_m2"]) and stock.loc["core", "stock_status"] == land.STOCK_UNKNOWN


def test_stock_unknown_without_buildings(layers):
    zones = land.zones_from_layers(layers, config=CONFIG)
    stock = land.floor_stock(zones, None)
    assert stock["stock_m2"].isna().all() and (stock["stock_status"] == "unknown: no building data").all()


def test_levels_and_height_parsing():
    np.testing.assert_allclose(bld.parse_levels(["5", "5;6", "x", None, "0", 3]), [5, 5, np.nan, np.nan, np.nan, 3])
    np.testing.assert_allclose(bld.parse_height(["23", "23 m", "23.5m", "75'", None, 12.0]),
                               [23, 23, 23.5, np.nan, np.nan, 12])


@needs_osm_data
def test_tilezen_floor_stock_computed_independently():
    raw = gpd.read_file(TILEZEN)
    b = raw[(raw["tilezen_layer"] == "buildings") & (raw["kind"] == "building") & raw.geom_type.isin(["Polygon"])]
    b = b.to_crs(32650)
    expected, with_height, ids = 0.0, 0, set()
    for bid, grp in b.groupby("id"):
        ids.add(bid)
        h = grp["height"].dropna()
        if len(h) and h.iloc[0] > 0:
            with_height += 1
            expected += shapely.union_all(grp.geometry.to_numpy()).area * max(1, round(h.iloc[0] / 3.0))
    data = bld.read_buildings(TILEZEN)
    assert len(data.buildings) == len(ids) and (data.buildings["storeys_from"] == "height").sum() == with_height
    zone = gpd.GeoDataFrame({"id": ["guanggu"]}, geometry=[data.coverage], crs=4326)
    stock = land.floor_stock(zone, data).iloc[0]
    np.testing.assert_allclose(stock["stock_m2"], expected, rtol=1e-9)
    assert stock["stock_buildings"] == len(ids)
    assert f"{len(ids) - with_height} of {len(ids)} buildings lack levels and height" in stock["stock_status"]


@needs_osm_data
def test_osm_xml_buildings_levels_computed_independently():
    root = ET.parse(TOY_OSM).getroot()
    nodes = {n.get("id"): (float(n.get("lon")), float(n.get("lat"))) for n in root.iter("node")}
    expected, n_levels, n_height, n_ways = 0.0, 0, 0, 0
    for way in root.iter("way"):
        tags = {t.get("k"): t.get("v") for t in way.iter("tag")}
        if "building" not in tags:
            continue
        n_ways += 1
        n_height += "height" in tags
        if "building:levels" in tags:
            n_levels += 1
            ring = shapely.Polygon([nodes[nd.get("ref")] for nd in way.iter("nd")])
            area = gpd.GeoSeries([ring], crs=4326).to_crs(32650).area.iloc[0]
            expected += area * float(tags["building:levels"])
    data = bld.read_buildings(TOY_OSM)
    b = data.buildings
    ways = b[b["building_id"].str.startswith("way/")]
    assert len(ways) == n_ways
    assert (b["storeys_from"] == "levels").sum() == n_levels and (b["storeys_from"] == "height").sum() == n_height
    np.testing.assert_allclose(b["floor_area_m2"].sum(), expected, rtol=1e-6)
    bounds = root.find("bounds").attrib
    expected_cover = shapely.box(*(float(bounds[k]) for k in ("minlon", "minlat", "maxlon", "maxlat")))
    assert re.match(r"OSM XML", data.source) and data.coverage.equals_exact(expected_cover, 1e-9)


@needs_osm_data
def test_buildings_and_landuse_through_the_osm_cache(tmp_path, monkeypatch):
    from geo.sources.osm_file import import_osm_file

    data = bld.read_buildings(TOY_OSM)
    import_osm_file(TOY_OSM, area="toy", polygon=data.coverage, buildings=True, network_types=(), osm_dir=tmp_path,
                    progress=False, check_shift=False)
    cached = bld.load_cached_buildings(osm_dir=tmp_path)
    assert len(cached.buildings) == len(data.buildings)
    np.testing.assert_allclose(cached.buildings["floor_area_m2"].sum(), data.buildings["floor_area_m2"].sum())
    assert cached.coverage.equals_exact(data.coverage, 1e-6) and "toy" in cached.source
    # `corridor analyse --landuse osm` reads the same cache, with the imported area as coverage
    monkeypatch.setattr(settings, "OSM_DIR", tmp_path)
    landuse, coverage = pipeline.load_landuse("osm")
    assert len(landuse) and (landuse["theme"] == "landuse").all() and coverage.equals_exact(data.coverage, 1e-6)
    empty = tmp_path / "none"
    empty.mkdir()
    assert bld.load_cached_buildings(osm_dir=empty) is None


def test_no_cached_buildings_is_a_one_line_error(tmp_path, monkeypatch):
    monkeypatch.setattr(settings, "OSM_DIR", tmp_path)
    with pytest.raises(CorridorError, match="--buildings"):
        pipeline.load_buildings("osm")
    with pytest.raises(FileNotFoundError):
        pipeline.load_buildings(tmp_path / "missing.geojson")
    with pytest.raises(CorridorError, match="land use"):
        pipeline.load_landuse("osm")
    assert pipeline.load_landuse(None) == (None, None)


# --- the repository's tables ------------------------------------------------------------------------


def test_packaged_config_holds_structure_only():
    cfg = land.load_config()
    assert cfg["scenarios"]["industrial_highrise"]["title_zh"] == "工业上楼"
    text = settings.LAND_SCENARIOS_FILE.read_text(encoding="utf-8")
    body = "\n".join(line.split("#")[0] for line in text.splitlines())  # the YAML without its comments
    assert body.strip() and not re.search(r"\d|万|亩|value_m2|far:", body)
    for key in ("developable_share", "fallback_targets", "target_figures"):
        assert key not in cfg
    # every scenario and class has its ratios and shares in the assumptions table
    inputs = pipeline.land_inputs(layers={})
    classes = set(cfg["traced_classes"]) | set(cfg["osm_classes"].values())
    shares = assumption_values(inputs["assumptions"], parameter="developable_share")
    assert classes <= set(shares) | {"residual"} or "other" in shares
    for scenario in cfg["scenarios"]:
        fars = assumption_values(inputs["assumptions"], parameter="far", scenario=scenario)
        assert fars and (classes <= set(fars) or "other" in fars)


def test_stale_config_refused(tmp_path):
    path = tmp_path / "old.yml"
    path.write_text("scenarios: {base: {far: {park: 1.5}}}\ndefault_scenario: base\ntraced_classes: [park]\n"
                    "developable_share: {park: 1.0}\n", encoding="utf-8")
    with pytest.raises(CorridorError, match="assumptions.csv"):
        land.load_config(path)


def test_findings_are_verbatim_at_their_locators():
    findings = land.load_findings()
    documents = registry.load_documents()
    texts = registry.load_seed_texts(documents)
    assert len(findings)
    for f in findings.to_dict("records"):
        if f["document"] not in texts:
            pytest.skip(f"seed text of {f['document']} not present")
        para = registry.paragraph_at(texts[f["document"]], section=f["section"], para=f["para"],
                                     title=documents[f["document"]].get("title_zh"))
        assert para is not None and f["original"] in para, f["id"]


@pytest.fixture(scope="module")
def real():
    inputs = pipeline.land_inputs()
    table, comp = land.land_supply(**inputs)
    return inputs, table, comp


def test_every_target_compared_on_its_subject_at_its_horizon(real):
    inputs, _, comp = real
    figures = inputs["figures"]
    zone_keys = set(zip(real[1]["zone_layer"], real[1]["id"], strict=True))
    targets = figures[(figures.status == "target") & (figures.quantity == "floor_area")]
    assert len(targets)
    for t in targets.to_dict("records"):
        if (t["subject_layer"], t["subject_id"]) not in zone_keys:
            continue
        rows = comp[comp.figure_id == t["id"]]
        assert set(rows.scenario) == set(inputs["config"]["scenarios"]), t["id"]
        assert (rows.zone_layer == t["subject_layer"]).all() and (rows.zone_id == t["subject_id"]).all()
        np.testing.assert_allclose(rows.figure_m2, float(t["value"]))
        for col in ("year_from", "year_to"):
            expected = np.nan if pd.isna(t[col]) else float(t[col])
            np.testing.assert_allclose(rows[col].astype(float), expected)
        assert rows.compared_with.eq(land.FLOOR_COMPARED_WITH["target"]).all()


def test_zhigu_targets_at_both_horizons(real):
    inputs, _, _ = real
    figures = inputs["figures"]
    zhigu_layer = inputs["layers"]["zhigu"]
    subjects = set(zhigu_layer["id"])
    table = figures[(figures.status == "target") & (figures.quantity == "floor_area")
                    & (figures.subject_layer == "zhigu") & figures.subject_id.isin(subjects)]
    horizons = land.target_horizons(figures)
    got = horizons[horizons.figure_id.isin(table.id)]
    assert len(got) == len(table) >= 2  # the near and the far target of the 智谷 report
    merged = got.merge(table, left_on="figure_id", right_on="id", suffixes=("", "_t"))
    assert (merged.subject_id == merged.subject_id_t).all() and (merged.horizon == merged.horizon_t).all()
    assert merged.year_to.astype(float).equals(merged.year_to_t.astype(float))
    assert got.value_mu.isna().all() and got.value_ha.isna().all()


def test_zhigu_surplus_contradicts_the_report_and_names_the_assumption(real):
    inputs, table, comp = real
    zhigu_zones = set(inputs["layers"]["zhigu"]["id"])
    flagged = comp[comp.zone_id.isin(zhigu_zones) & comp.contradicts_document]
    assert len(flagged), "the default run must flag a surplus against the report's 供不应求"
    findings = inputs["findings"]
    assumptions = inputs["assumptions"]
    for row in flagged.to_dict("records"):
        assert row["gap_central_m2"] < 0
        assert any(q in row["contradiction"] for q in findings["original"])
        # the largest contributor to the zone's central capacity, recomputed from its land and the table
        z = table[(table.zone_layer == row["zone_layer"]) & (table.id == row["zone_id"])].iloc[0]
        shares = assumption_values(assumptions, parameter="developable_share")
        fars = assumption_values(assumptions, parameter="far", scenario=row["scenario"])
        contrib = {c[5:-3]: z[c] * shares.get(c[5:-3], shares["other"]) * fars.get(c[5:-3], fars["other"])
                   for c in table.columns if c.startswith("land_") and c.endswith("_m2")}
        top = max(contrib, key=contrib.get)
        assert row["contradiction_driver"] == f"far:{row['scenario']}:{top}; developable_share:{top}"
        assert row["contradiction_driver"] in row["assumptions"] or row["contradiction_driver"].split("; ")[0] in \
            row["assumptions"]


def test_real_outputs_never_turn_floor_space_into_land(real):
    _, table, comp = real
    floor = comp[comp.quantity == "floor_area"]
    assert floor[[c for c in comp.columns if c.endswith(("_mu", "_ha"))]].isna().all().all()
    assert (floor.gap_low_m2 <= floor.gap_central_m2 + 1e-6).all()
    assert (floor.gap_central_m2 <= floor.gap_high_m2 + 1e-6).all()
    assert not {"target_mu", "gap_mu"} & (set(comp.columns) | set(table.columns))
    assert (table.stock_status == land.STOCK_UNKNOWN).all()


def test_stock_unknown_outside_the_building_data():
    """A zone the tilezen buildings do not reach: its stock is unknown, not zero."""
    if not TILEZEN.exists():
        pytest.skip("the shared OSM test data is not present")
    data = bld.read_buildings(TILEZEN)
    west, south, east, north = data.coverage.bounds
    far_zone = gpd.GeoDataFrame({"id": ["far"]}, geometry=[shapely.box(west - 0.1, south, west - 0.09, north)],
                                crs=4326)  # a zone west of the data: unknown, not zero
    assert land.floor_stock(far_zone, data)["stock_status"].iloc[0] == land.STOCK_UNKNOWN
