"""`corridor analyse` end to end: the output contract the maps rely on."""

import json

import geopandas as gpd
import numpy as np
import pytest
import rasterio
import shapely

from geo import cli, settings
from geo.analysis.pipeline import run_analysis
from tests.analysis.conftest import at, box, frame, line

CONTRACT = {
    "land_supply": ["id", "name_zh", "name_en", "zone_layer", "area_m2", "area_ha", "area_km2", "area_mu",
                    "developable_m2", "capacity_m2", "target_m2", "target_ref", "gap_m2", "gap_wanfang", "gap_pct"],
    "isochrones": ["campus_id", "campus_name_zh", "campus_name_en", "mode", "minutes", "area_m2"],
    "nearest_campus_lines": ["from_id", "from_layer", "from_name_zh", "campus_id", "campus_name_zh", "straight_m",
                             "network_m", "walk_min", "bike_min", "drive_min"],
    "corridor_cities": ["area_km2", "distance_to_core_km", "industrial_focus"],
}


def _named(ids, geoms, **extra):
    return frame({"id": ids, "name_zh": [f"{i}中" for i in ids], "name_en": ids, **extra}, geoms)


@pytest.fixture
def fixture_layers(square_roads):
    return {
        "roads": square_roads,
        "campuses": _named(["c1", "c2"], [box(-20, -20, 20, 20), box(980, 980, 1100, 1100)],
                           university=["甲大学", "乙大学"]),
        "parks": _named(["p1"], [box(600, 100, 700, 200)]),
        "sites": _named(["s1"], [shapely.Point(at(300, 900))]),
        "silicon_lanes": _named(["l1"], [line((0, 500), (400, 500))]),
        "silicon_lane_corridors": _named(["lc1"], [box(0, 450, 400, 550)]),
        "innovation_belts": _named(["b1"], [box(-100, -100, 500, 500)], universities=["甲大学"]),
        "zhigu": _named(["zg"], [box(0, 0, 1000, 1000)]),
        "districts": frame({"id": ["d"], "name_zh": ["洪山区"], "name_en": ["Hongshan"]}, [box(-2000, -2000, 3000, 3000)]),
        "cities": _named(["city"], [box(-5000, -5000, 5000, 5000)], industrial_focus=["光电子"]),
        "corridor_axis": _named(["axis"], [line((-3000, 0), (4000, 0))]),
    }


def test_run_analysis_writes_the_contract(tmp_path, fixture_layers):
    out = tmp_path / "analysis"
    result = run_analysis(out_dir=out, layers=fixture_layers, grid_m=250, progress=False)
    assert result["components"].shape[0] == 2
    assert list(result["unconnected_roads"]["road_id"]) == ["road-g"]
    for table, cols in CONTRACT.items():
        gdf = gpd.read_file(out / "analysis.gpkg", layer=table)
        assert gdf.crs.to_epsg() == 4326
        missing = set(cols) - set(gdf.columns)
        assert not missing, f"{table} lacks {missing}"
        assert (out / "csv" / f"{table}.csv").exists()
    iso = gpd.read_file(out / "analysis.gpkg", layer="isochrones")
    assert len(iso) == 2 * 3 * 3 and set(iso["mode"]) == {"walk", "bike", "drive"}
    lines = gpd.read_file(out / "analysis.gpkg", layer="nearest_campus_lines")
    assert set(lines["from_layer"]) == {"parks", "sites", "silicon_lanes"}
    for name, unit in (("distance_to_campus.tif", "m"), ("travel_time_walk.tif", "min")):
        with rasterio.open(out / name) as src:
            assert src.crs.to_epsg() == 32650 and src.nodata is not None
            assert src.compression is not None and src.tags(1)["units"] == unit
            assert np.isclose(src.res[0], 250)
    prov = json.loads((out / "provenance.json").read_text())
    assert prov["inputs"]["campuses"]["features"] == 2
    assert prov["settings"]["speeds_kmh"] == settings.SPEEDS_KMH
    assert prov["network"]["components"] == 2 and prov["network"]["unconnected_roads"][0]["road_id"] == "road-g"


@pytest.mark.skipif(not (settings.traced_dir() / "roads.geojson").exists()
                    or not (settings.traced_dir() / "campuses.geojson").exists(),
                    reason="the traced layers are not present")
def test_cli_on_embedded_layers(tmp_path, capsys):
    buildings = settings.REPO_ROOT.parent / "shared" / "osm_wuhan" / "tilezen_guanggu_buildings_roads.geojson"
    extra = ["--buildings", str(buildings)] if buildings.exists() else []
    code = cli.main(["-q", "analyse", "--out", str(tmp_path), "--grid-m", "200", *extra])
    assert code == 0
    assert (tmp_path / "analysis.gpkg").exists() and (tmp_path / "provenance.json").exists()
    supply = gpd.read_file(tmp_path / "analysis.gpkg", layer="land_supply")
    zhigu = supply[supply["id"] == "zhigu"]
    if len(zhigu):  # the zone's earliest floor-space target, as the figure table gives it
        from geo.figures import load_figures, targets

        table = targets(load_figures(), quantity="floor_area")
        table = table[(table["subject_layer"] == "zhigu") & (table["subject_id"] == "zhigu")]
        first = table.sort_values(["year_to", "id"], na_position="last").iloc[0]
        assert zhigu["target_m2"].iloc[0] == first["value_si"]
        assert zhigu["target_ref"].iloc[0] == first["document"]
    targets_ = gpd.read_file(tmp_path / "analysis.gpkg", layer="land_targets")
    assert {"figure_id", "quantity", "gap_low_m2", "gap_central_m2", "gap_high_m2", "assumptions",
            "contradicts_document"} <= set(targets_.columns)
    assert (tmp_path / "csv" / "land_target_horizons.csv").exists()
    if extra:
        prov = json.loads((tmp_path / "provenance.json").read_text())
        assert prov["buildings_source"] == buildings.name
        assert {"stock_m2", "stock_status"} <= set(supply.columns)


def test_cli_rejects_unknown_network(tmp_path):
    with pytest.raises(SystemExit):
        cli.main(["analyse", "--network", "bus"])
