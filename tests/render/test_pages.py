"""Figures in the documents' units, basemap keys, build date and data version, the gallery, the coverage page."""

from __future__ import annotations

import re

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point

from geo import settings, units
from geo.render import pages
from geo.render.assemble import render_index
from geo.render.basemaps import basemap_layers, missing_keys
from geo.render.formatting import column_value, figure_label, figure_value, horizon_text, is_missing
from geo.render.maps import render_maps
from geo.render.overlays import ColourScale, uncertainty_style
from geo.render.search import normalise, pinyin_forms, search_keys
from geo.render.styles import load_styles


@pytest.mark.parametrize(("fig", "expected"), [
    ({"name": "floor_area_target_3_5y", "value": 220000, "unit": "m2", "original": "约22万方楼宇资源"}, "22 万方"),
    ({"name": "central_city_industrial_land", "value": units.mu_to_m2(7500), "unit": "m2", "original": "7500余亩"},
     "7,500 亩 (500 ha)"),
    ({"name": "land_area", "value": 3.9, "unit": "km2", "original": "约为3.9平方公里"}, "3.9 km² (5,850 亩)"),
    ({"name": "annual_output_target_5_10y", "value": 5e10, "unit": "yuan_per_year"}, "500 亿元/年"),
    ({"name": "firms_target_3_5y", "value": 400, "unit": "count"}, "400 家"),
    ({"name": "x", "value": 1.0, "unit": "m2", "doc_value": 7500, "doc_unit": "亩"}, "7,500 亩"),
    ({"name": "x", "value": float("nan"), "unit": "m2"}, ""),
])
def test_figures_read_in_the_documents_units(fig, expected):
    assert figure_value(fig) == expected


def test_land_never_reads_in_floor_space_units():
    m2 = units.mu_to_m2(7500)
    for quantity in ("land_area", "area"):
        text = figure_value({"name": "some_land", "value": m2, "unit": "m2", "quantity": quantity})
        assert "万方" not in text and "亩" in text or "km²" in text
    assert "万方" in figure_value({"name": "gross_floor_area", "value": m2, "unit": "m2"})


def test_labels_and_horizons_are_readable():
    fig = {"name": "floor_area_target_5_10y", "value": 5e5, "unit": "m2"}
    assert figure_label(fig) == "建筑面积目标 Floor area target"
    assert horizon_text(fig).startswith("5–10年")
    assert horizon_text({"name": "x", "horizon": "3-5 years"}).startswith("3–5年")
    assert horizon_text({"name": "firms_100bn_target_2028"}).startswith("2028")
    assert "_" not in figure_label({"name": "industrial_upstairs_projects_under_construction"})
    for missing in (None, float("nan"), "nan", "None", " ", pd.NA, np.float64("nan")):
        assert is_missing(missing)
    assert column_value("gap_pct", -90.53) == "-91%" and column_value("capacity_m2", 419167.26) == "41.9 万方"
    assert column_value("area_mu", 5888.46) == "5,888 亩" and column_value("points_per_km2", 20.51) == "20.51 /km²"


def test_search_keys_carry_aliases_and_pinyin():
    row = {"id": "hust-main", "name_zh": "华中科技大学（主校区）", "name_en": "Huazhong University of Science and Technology",
           "aliases": "华科;HUST"}
    keys = search_keys(row, aliases={"hust-main": ["喻园"]}).split("|")
    assert {"华科", "hust", "喻园", "huake", "hk", "huazhongkejidaxuezhuxiaoqu"} <= set(keys)
    assert normalise("Zhong-Ke · Wu Da（智谷）") == "zhongkewuda智谷"
    assert pinyin_forms("智谷") == ["zhigu", "zg"] and pinyin_forms("HUST") == []


def test_uncertainty_classes_and_colour_scales():
    fine, medium = settings.MAP_UNCERTAINTY_CLASSES_M
    base = {"opacity": 1.0, "fillOpacity": 0.4}
    assert uncertainty_style(fine, base=base, shape="fill") == {}
    assert uncertainty_style(medium, base=base, shape="fill")["dashArray"]
    coarse = uncertainty_style(medium + 1, base=base, shape="fill")
    assert coarse["opacity"] < 1.0 and coarse["fillOpacity"] < 0.4
    values = [1.0, 2.0, 3.0, 4.0, 1000.0]  # one district-sized outlier
    linear, quantile = ColourScale({"colors": ["#000000", "#ffffff"]}, values), \
        ColourScale({"colors": ["#000000", "#ffffff"], "scale": "quantile"}, values)
    assert linear.position(4.0) < 0.01  # the outlier washes the rest into the bottom colour
    assert quantile.position(2.0) == pytest.approx(0.25) and quantile.position(4.0) == pytest.approx(0.75)


def test_keyed_basemaps_are_left_out_with_one_log_line(tmp_path, fixture_layers, caplog):
    layers, notes = basemap_layers(["osm", "tianditu", "amap", "cartodb_positron"], env={})
    assert [t.tile_name for t in layers] == ["OpenStreetMap", "高德 Amap (GCJ-02)"]
    assert len(missing_keys(["tianditu", "cartodb_positron", "cartodb_dark"], env={})) == 2
    caplog.set_level("INFO", logger="corridor")
    report = render_maps(only=["overview"], out_dir=tmp_path, layers=fixture_layers, progress=False, env={})
    lines = [r.getMessage() for r in caplog.records if "not offered" in r.getMessage()]
    assert any(settings.TIANDITU_KEY_ENV in line for line in lines) and len(lines) == 2
    page = report.written["overview"].read_text(encoding="utf-8")
    assert settings.TIANDITU_KEY_ENV not in page and "tianditu.gov.cn" not in page
    layers, _ = basemap_layers(["tianditu"], env={settings.TIANDITU_KEY_ENV: "abc123"})
    assert "tk=abc123" in layers[0].tiles and "vec_w" in layers[0].tiles


def test_build_date_and_data_version(fixture_layers):
    assert pages.build_date(env={"SOURCE_DATE_EPOCH": "1767225600"}) == "2026-01-01"
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", pages.build_date(env={}))
    v1 = pages.data_version(fixture_layers)
    changed = dict(fixture_layers)
    first = next(iter(changed))
    gdf = changed[first].copy()
    gdf.loc[gdf.index[0], "name_zh"] = "改名"
    changed[first] = gdf
    assert re.fullmatch(r"[0-9a-f]{8}", v1) and pages.data_version(changed) != v1
    assert pages.data_version(dict(fixture_layers)) == v1


def test_gallery_groups_maps_by_question_with_thumbnails_or_a_clear_fallback(tmp_path):
    specs = load_styles().maps
    written = {n: tmp_path / f"{n}.html" for n in ("overview", "proximity")}
    (tmp_path / "thumbs").mkdir()
    (tmp_path / "thumbs" / "overview.png").write_bytes(b"\x89PNG")
    index = render_index(specs, written=written, failed={"land_supply": "run `corridor analyse` first"},
                         out_dir=tmp_path, build={"date": "2026-01-01", "version": "abcd1234"}).read_text(encoding="utf-8")
    assert 'src="thumbs/overview.png"' in index and 'src="thumbs/proximity.png"' not in index
    assert "No preview" in index  # proximity has no thumbnail
    for spec in (specs["overview"], specs["proximity"], specs["land_supply"]):
        assert spec.question_en in index and spec.caveat_en in index
    assert index.index(specs["overview"].question_en) < index.index(specs["proximity"].question_en)
    assert "run `corridor analyse` first" in index and "firms.html" not in index
    assert "2026-01-01" in index and "abcd1234" in index


def test_coverage_page_has_no_nan_and_names_layers_by_title():
    from geo.commands.coverage import render_html

    table = pd.DataFrame([{"document": "doc_a", "title_zh": "甲", "named": 2, "mapped": 1, "within": 0,
                           "not_locatable": 1, "out_of_scope": 0, "missing": 0, "share_mapped": float("nan")}])
    places = pd.DataFrame([
        {"document": "doc_a", "name_zh": "甲园区", "name_en": "A", "kind": "innovation_park", "section": None,
         "para": 1, "status": "mapped", "layer": "parks", "id": "park-a", "within": False, "reason": None},
        {"document": "doc_a", "name_zh": "乙地", "name_en": float("nan"), "kind": "place", "section": "一",
         "para": 2, "status": "not_locatable", "layer": float("nan"), "id": float("nan"), "within": float("nan"),
         "reason": "no position in the text"},
    ])
    page = render_html(table, places, documents={"doc_a": {"title_zh": "甲文件", "title_en": "Doc A", "date": "2024-01"}})
    assert not re.search(r"\bnan\b", page) and "None" not in page
    assert load_styles().layers["parks"].label in page and "/ park-a" in page
    assert "doc_a" not in page and "甲文件" in page


def test_labels_sit_inside_their_polygons():
    from geo.render.labels import anchor_points

    ring = Point(114.35, 30.52).buffer(0.01)
    crescent = ring.difference(Point(114.352, 30.52).buffer(0.0095))
    gdf = gpd.GeoDataFrame(geometry=[crescent], crs="EPSG:4326")
    (lat, lon), = anchor_points(gdf)
    assert crescent.contains(Point(lon, lat))  # a centroid would fall outside the crescent
    assert not crescent.contains(crescent.centroid)


def test_thumbnails_come_from_chromium_or_are_skipped_with_one_line(tmp_path, rendered, caplog):
    from geo.render.assemble import THUMBS_DIR, render_thumbnails
    from tests.render.cdp import find_chromium

    caplog.set_level("INFO", logger="corridor")
    assert render_thumbnails({"overview": rendered.written["overview"]}, out_dir=tmp_path,
                             chromium=str(tmp_path / "no-chromium")) == {}
    assert sum("thumbnails skipped" in r.getMessage() for r in caplog.records) == 1
    chromium = find_chromium()
    if chromium is None:
        pytest.skip("headless Chromium is not installed")
    made = render_thumbnails({"overview": rendered.written["overview"]}, out_dir=tmp_path, chromium=chromium)
    png = made["overview"]
    assert png == tmp_path / THUMBS_DIR / "overview.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 20_000
