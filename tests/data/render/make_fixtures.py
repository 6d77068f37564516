"""Write the small render-test fixtures: schema-shaped layers and analysis outputs.

Run from the repository root: ``.venv/bin/python tests/data/render/make_fixtures.py``.
The layers are a handful of boxes and lines in Hongshan (WGS-84); one campus carries a
hostile name.  The analysis outputs follow the contract of ``corridor analyse``
(``analysis.gpkg`` tables and ``distance_to_campus.tif``), so the proximity and
land-supply maps can be tested without running the analysis.  ``points/zone_points.gpkg`` is
what ``corridor points zones`` writes, made by :func:`geo.points.zones.zone_figures` from a
few hundred seeded points over the fixture zones (one park carries a hostile name), for the
firms map.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import rasterio
from rasterio.transform import from_origin
from shapely.geometry import LineString, Point, box

HERE = Path(__file__).resolve().parent
HOSTILE_ZH = "<script>window.__xss=1;alert(1)</script>"
HOSTILE_EN = "<img src=x onerror=\"window.__xss=2\">"
#: The known point whose GCJ-02 display shift the tests check (a campus centre, WGS-84).
KNOWN_POINT = (114.4130, 30.5130)


def feature(fid, name_zh, name_en, kind, geom, *, figures=None, ref="zhigu_report_2021", **extra):
    return {
        "id": fid, "name_zh": name_zh, "name_en": name_en, "kind": kind, "source": "traced",
        "source_detail": f"fixture: {name_en}", "uncertainty_m": 100.0, "ref": ref,
        "figures_json": json.dumps(figures or [], ensure_ascii=False), "geometry": geom, **extra,
    }


def layers() -> dict[str, list[dict]]:
    lon, lat = KNOWN_POINT
    return {
        "districts": [feature("hongshan", "洪山区", "Hongshan District", "district", box(114.30, 30.45, 114.50, 30.58),
                              ref=None)],
        "campuses": [
            feature("campus-known", "测试大学", "Test University", "campus", box(lon - 0.006, lat - 0.005, lon + 0.006, lat + 0.005)),
            feature("campus-hostile", HOSTILE_ZH, HOSTILE_EN, "campus", box(114.360, 30.520, 114.372, 30.530)),
        ],
        "zhigu": [feature("zhigu", "中科武大·智谷", "CAS-WHU Zhigu", "innovation_zone", box(114.345, 30.535, 114.375, 30.555),
                          figures=[{"name": "floor_area_target_3_5y", "value": 220000, "unit": "m2",
                                    "original": "约22万方", "ref": "zhigu_report_2021", "section": "一 para 2"}])],
        "innovation_belts": [feature("belt-a", "测试创新带", "Test belt", "innovation_belt", box(114.39, 30.49, 114.43, 30.53))],
        "silicon_lane_corridors": [feature("lane-a-corridor", "测试硅巷走廊", "Test lane corridor", "silicon_lane_corridor",
                                           LineString([(114.35, 30.50), (114.40, 30.51)]).buffer(0.002))],
        "silicon_lanes": [feature("lane-a", "测试硅巷", "Test lane", "silicon_lane", LineString([(114.35, 30.50), (114.40, 30.51)]))],
        "parks": [feature("park-a", "测试园区", "Test park", "innovation_park", box(114.380, 30.480, 114.388, 30.486))],
        "sites": [feature("site-a", "测试实验室", "Test lab", "lab", Point(114.37, 30.505)),
                  feature("site-b", "测试大厦", "Test tower", "building", Point(114.36, 30.54))],
        "zhigu_expansion": [feature("zhigu-expansion-east", "智谷东拓", "Zhigu expansion east", "expansion_direction",
                                    LineString([(114.375, 30.545), (114.39, 30.548)]))],
        "zhigu_subdistricts": [feature("sub-a", "珞珈山街道", "Luojiashan Subdistrict", "subdistrict",
                                       box(114.35, 30.53, 114.37, 30.55))],
        "roads": [feature("road-a", "八一路", "Bayi Road", "road", LineString([(114.34, 30.535), (114.38, 30.535)]), ref=None)],
        "cities": [feature("city-wuhan", "武汉市", "Wuhan", "city", box(114.0, 30.2, 114.8, 30.9), ref=None,
                           role="动力引擎", industrial_focus="新一代信息技术;汽车制造和服务")],
        "corridor_axis": [feature("axis", "光谷科技创新大走廊 主轴", "Corridor axis", "corridor_axis",
                                  LineString([(114.4, 30.5), (114.8, 30.4)]), ref="guanggu_corridor")],
        "corridor_ecology": [feature("liangzi", "梁子湖", "Liangzi Lake", "ecological_element",
                                     box(114.5, 30.1, 114.7, 30.3), ref="guanggu_corridor")],
    }


def analysis() -> dict[str, gpd.GeoDataFrame]:
    lon, lat = KNOWN_POINT
    land = gpd.GeoDataFrame({
        "id": ["zhigu", "belt-a"], "name_zh": ["中科武大·智谷", "测试创新带"], "name_en": ["CAS-WHU Zhigu", "Test belt"],
        "zone_layer": ["zhigu", "innovation_belts"], "area_m2": [3.9e6, 1.5e7], "area_ha": [390.0, 1500.0],
        "area_km2": [3.9, 15.0], "area_mu": [5850.0, 22500.0], "developable_m2": [4e5, 2e6],
        "capacity_m2": [1.8e5, 3e6], "capacity_gongye_shanglou_m2": [3e5, 5e6], "target_m2": [2.2e5, 1e6],
        "target_ref": ["zhigu_report_2021", "hongshan_belts_2024"], "gap_m2": [4e4, -2e6],
        "gap_wanfang": [4.0, -200.0], "gap_pct": [18.2, -200.0],
    }, geometry=[box(114.345, 30.535, 114.375, 30.555), box(114.39, 30.49, 114.43, 30.53)], crs="EPSG:4326")
    iso_rows = []
    for minutes, radius in ((5, 0.004), (10, 0.008), (15, 0.012)):
        iso_rows.append({"campus_id": "campus-known", "campus_name_zh": "测试大学", "campus_name_en": "Test University",
                         "mode": "walk", "minutes": minutes, "area_m2": 0.0, "geometry": Point(lon, lat).buffer(radius)})
    iso = gpd.GeoDataFrame(iso_rows, crs="EPSG:4326")
    iso["area_m2"] = iso.to_crs("EPSG:32650").area
    lines = gpd.GeoDataFrame({
        "from_id": ["park-a"], "from_layer": ["parks"], "from_name_zh": ["测试园区"], "campus_id": ["campus-known"],
        "campus_name_zh": ["测试大学"], "straight_m": [3100.0], "network_m": [3900.0], "walk_min": [48.75],
        "bike_min": [15.6], "drive_min": [7.8],
    }, geometry=[LineString([(114.384, 30.483), (lon, lat)])], crs="EPSG:4326")
    cities = gpd.GeoDataFrame({"name_zh": ["武汉市"], "name_en": ["Wuhan"], "area_km2": [8569.0],
                               "distance_to_core_km": [0.0], "industrial_focus": ["新一代信息技术"]},
                              geometry=[box(114.0, 30.2, 114.8, 30.9)], crs="EPSG:4326")
    return {"land_supply": land, "isochrones": iso, "nearest_campus_lines": lines, "corridor_cities": cities}


def write_raster(path: Path) -> None:
    """A 60 x 60 distance surface (metres from the known point) in UTM 50N, 50 m cells."""
    centre = gpd.GeoSeries([Point(KNOWN_POINT)], crs="EPSG:4326").to_crs("EPSG:32650").iloc[0]
    cell = 50.0
    west, north = centre.x - 1500.0, centre.y + 1500.0
    xs = west + cell * (np.arange(60) + 0.5)
    ys = north - cell * (np.arange(60) + 0.5)
    gx, gy = np.meshgrid(xs, ys)
    dist = np.hypot(gx - centre.x, gy - centre.y).astype("float32")
    dist[:3, :3] = -9999.0  # a nodata corner
    with rasterio.open(path, "w", driver="GTiff", width=60, height=60, count=1, dtype="float32",
                       crs="EPSG:32650", transform=from_origin(west, north, cell, cell), nodata=-9999.0,
                       tiled=True, blockxsize=16, blockysize=16, compress="deflate") as dst:
        dst.write(dist, 1)


#: The zone of the firms-map fixture whose name is hostile (a park, only in zone_points.gpkg).
HOSTILE_ZONE_ID = "park-hostile"


def zone_points(out_dir: Path) -> Path:
    """``zone_points.gpkg`` in the shape of ``corridor points zones`` (run on the fixture zones)."""
    from geo.points.zones import zone_figures

    rows = layers()
    frames = {name: gpd.GeoDataFrame(rows[name], geometry="geometry", crs="EPSG:4326")
              for name in ("zhigu", "innovation_belts", "silicon_lane_corridors", "parks", "districts", "cities")}
    hostile = feature(HOSTILE_ZONE_ID, HOSTILE_ZH, HOSTILE_EN, "innovation_park", box(114.395, 30.470, 114.405, 30.478))
    frames["parks"] = gpd.GeoDataFrame(rows["parks"] + [hostile], geometry="geometry", crs="EPSG:4326")
    campuses = gpd.GeoDataFrame(rows["campuses"], geometry="geometry", crs="EPSG:4326")
    rng = np.random.default_rng(20240601)
    lon = np.concatenate([rng.uniform(114.30, 114.50, 300), rng.uniform(114.345, 114.375, 120),
                          rng.uniform(114.395, 114.405, 40)])
    lat = np.concatenate([rng.uniform(30.45, 30.58, 300), rng.uniform(30.535, 30.555, 120),
                          rng.uniform(30.470, 30.478, 40)])
    points = gpd.GeoDataFrame({"industry": rng.choice(["光电子", "软件", "生物"], len(lon))},
                              geometry=gpd.points_from_xy(lon, lat), crs="EPSG:4326")
    targets = pd.DataFrame([
        {"zone_layer": "zhigu", "zone_id": "zhigu", "figure": "high_tech_firms_target_3_5y", "figure_kind": "target",
         "figure_count": 400.0, "figure_text": "3-5年内集聚高新技术企业400家", "ref": "zhigu_report_2021", "source": "layer"},
        {"zone_layer": "parks", "zone_id": HOSTILE_ZONE_ID, "figure": "firms_reported", "figure_kind": "reported",
         "figure_count": 10.0, "figure_text": HOSTILE_EN, "ref": "", "source": "layer"},
    ])
    figures = zone_figures(points, zones=frames, campuses=campuses, isochrones=False, category="industry",
                           targets=targets)
    with tempfile.TemporaryDirectory() as tmp:
        written = figures.write(tmp)
        out_dir.mkdir(exist_ok=True)
        return Path(shutil.copy(written["gpkg"], out_dir / "zone_points.gpkg"))


def main() -> None:
    layer_dir = HERE / "layers"
    layer_dir.mkdir(exist_ok=True)
    for name, rows in layers().items():
        gdf = gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326")
        gdf["layer"] = name
        gdf.to_file(layer_dir / f"{name}.geojson", driver="GeoJSON", engine="pyogrio")
    analysis_dir = HERE / "analysis"
    analysis_dir.mkdir(exist_ok=True)
    gpkg = analysis_dir / "analysis.gpkg"
    gpkg.unlink(missing_ok=True)
    for name, gdf in analysis().items():
        gdf.to_file(gpkg, layer=name, driver="GPKG", engine="pyogrio")
    write_raster(analysis_dir / "distance_to_campus.tif")
    zone_points(HERE / "points")


if __name__ == "__main__":
    main()
