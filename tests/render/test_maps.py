"""Map building without a browser: escaping, sizes, inputs, basemaps, failures."""

from __future__ import annotations

import base64
import io
import json
import re

import geopandas as gpd
import numpy as np
import pytest
import rasterio
import shapely
from matplotlib import image as mpl_image
from pyproj import Transformer
from shapely.geometry import box

from geo import settings
from geo.errors import CoordinateSystemError
from geo.render.assets import remote_references
from geo.render.maps import (
    basemap_layers,
    cite,
    format_figure,
    load_documents,
    popup_html,
    prepare_geometry,
    raster_image,
    render_maps,
    tooltip_html,
)
from geo.render.styles import load_styles
from tests.data.render.make_fixtures import HOSTILE_EN, HOSTILE_ZH
from tests.render.conftest import FIXTURE_ANALYSIS, FIXTURE_POINTS


def test_every_map_and_the_gallery_are_written_self_contained(rendered):
    names = set(load_styles().maps)
    assert set(rendered.written) == names | {"index"}
    for name in names:
        page = rendered.written[name].read_text(encoding="utf-8")
        assert remote_references(page) == [], name
        assert "corridor.init(" in page
    index = rendered.written["index"].read_text(encoding="utf-8")
    for name in names:
        assert f'href="{name}.html"' in index


def test_cdn_mode_links_the_assets_and_is_smaller(tmp_path, fixture_layers, rendered):
    report = render_maps(only=["overview"], out_dir=tmp_path, layers=fixture_layers, cdn=True, progress=False, env={})
    page = report.written["overview"].read_text(encoding="utf-8")
    refs = remote_references(page)
    assert any(u.endswith("/leaflet.js") for u in refs) and any("leaflet-measure" in u for u in refs)
    assert report.written["overview"].stat().st_size < rendered.written["overview"].stat().st_size - 150_000


def test_hostile_names_never_reach_the_page_unescaped(rendered):
    for name in ("overview", "proximity", "land_supply", "firms"):
        page = rendered.written[name].read_text(encoding="utf-8")
        assert HOSTILE_ZH not in page and "<img src=x" not in page
        # the data travels as JSON with < > escaped, and the HTML inside it is escaped once more
        assert "\\u003cscript\\u003ewindow.__xss" in page or "&lt;script&gt;" in page


def test_popup_escapes_every_value_and_cites_the_document():
    documents = load_documents()
    row = {"id": "x", "name_zh": HOSTILE_ZH, "name_en": HOSTILE_EN, "kind": "<b>k</b>", "source": "traced",
           "source_detail": "<i>roads</i>", "uncertainty_m": 150.0, "ref": "zhigu_report_2021",
           "figures_json": json.dumps([{"name": "floor_area", "value": 220000, "unit": "m2", "original": "约22万方<br>",
                                        "ref": "zhigu_report_2021", "section": "一 para 2"}], ensure_ascii=False)}
    style = load_styles().layers["campuses"]
    popup = popup_html(row, style=style, documents=documents)
    tags = set(re.findall(r"</?([a-zA-Z0-9]+)", popup))
    assert tags <= {"div", "h4", "table", "tr", "th", "td", "details", "summary", "ul", "li", "b"}, tags
    assert "&lt;script&gt;" in popup and "&lt;img src=x onerror=&quot;" in popup and "&lt;br&gt;" in popup
    doc = documents["zhigu_report_2021"]
    assert doc["title_zh"].replace("“", "").split("关于")[0] in popup
    assert doc["date"] in popup
    # the figure in the document's unit (万方), not m²; its wording and the document's title behind details
    assert "<td>22 万方</td>" in popup and "±150 m" in popup and "m²" not in popup
    assert popup.index("<details>") < popup.index("约22万方")
    tooltip = tooltip_html(row)
    assert set(re.findall(r"</?([a-zA-Z0-9]+)", tooltip)) <= {"br", "span"}


def test_figures_and_citations_format():
    assert format_figure(500000, "m2") == "500,000 m² (50.0 万方)"
    assert format_figure(2e10, "yuan_per_year") == "20,000,000,000 元/年 (200.0 亿元)"
    assert format_figure(400, "count") == "400"
    docs = {"d": {"title_zh": "标题", "title_en": "Title", "date": "2021-06-25"}, "u": {"title_zh": "无日期", "date": None}}
    assert cite("d; u; missing", docs) == ["《标题》 Title (2021-06-25)", "《无日期》 (undated)", "missing"]


def test_prepare_geometry_simplifies_in_metres_and_rounds():
    ring = [(114.30 + 0.01 * np.cos(a), 30.50 + 0.01 * np.sin(a)) for a in np.linspace(0, 2 * np.pi, 2001)]
    gdf = gpd.GeoDataFrame(geometry=[shapely.Polygon(ring)], crs="EPSG:4326")
    out = prepare_geometry(gdf, simplify_m=5)
    coords = shapely.get_coordinates(out.geometry.values)
    assert len(coords) < 400
    assert np.allclose(coords, np.round(coords, 6), atol=0)
    # simplification at 5 m keeps the area within a fraction of a percent
    a0 = gdf.to_crs(settings.METRIC_CRS).area.iloc[0]
    a1 = out.to_crs(settings.METRIC_CRS).area.iloc[0]
    assert abs(a1 - a0) / a0 < 0.005
    with pytest.raises(CoordinateSystemError):
        prepare_geometry(gpd.GeoDataFrame(geometry=[box(0, 0, 1, 1)]), simplify_m=1)


def test_tianditu_needs_a_key_and_amap_is_flagged_gcj02():
    layers, notes = basemap_layers(["osm", "tianditu", "amap"], env={})
    assert [t.tile_name for t in layers] == ["OpenStreetMap", "高德 Amap (GCJ-02)"]
    assert notes and settings.TIANDITU_KEY_ENV in notes[0]
    assert layers[1].options.get("gcj02") is True and layers[0].show and not layers[1].show
    layers, notes = basemap_layers(["tianditu"], env={settings.TIANDITU_KEY_ENV: "abc123"})
    assert not notes and "tk=abc123" in layers[0].tiles and "vec_w" in layers[0].tiles


def test_raster_becomes_a_georeferenced_png_with_transparent_nodata():
    style = load_styles().layers["distance_to_campus"]
    tif = FIXTURE_ANALYSIS / "distance_to_campus.tif"
    url, bounds, legend = raster_image(tif, style=style)
    (south, west), (north, east) = bounds
    with rasterio.open(tif) as src:
        left, bottom, right, top = src.bounds
        to_wgs = Transformer.from_crs(src.crs, "EPSG:4326", always_xy=True)
    lons, lats = to_wgs.transform([left, left, right, right], [bottom, top, bottom, top])
    # the image must cover the raster's corners, and not much more (one 50 m cell ~ 0.0006 deg)
    assert west <= min(lons) + 1e-9 and east >= max(lons) - 1e-9
    assert south <= min(lats) + 1e-9 and north >= max(lats) - 1e-9
    assert max(min(lons) - west, east - max(lons), min(lats) - south, north - max(lats)) < 0.0006
    rgba = mpl_image.imread(io.BytesIO(base64.b64decode(url.split(",", 1)[1])), format="png")
    assert rgba[0, 0, 3] == 0  # the nodata corner is transparent
    assert rgba[rgba.shape[0] // 2, rgba.shape[1] // 2, 3] == 1
    assert legend["ramp"]["max_label"] == "3,000"


def test_maps_that_need_the_analysis_fail_clearly_and_the_others_render(tmp_path, fixture_layers):
    report = render_maps(out_dir=tmp_path, layers=fixture_layers, analysis_dir=tmp_path / "no-analysis",
                         points_dir=FIXTURE_POINTS, progress=False, env={})
    assert set(report.failed) == {"proximity", "land_supply"}
    assert "firms" in report.written and not report.skipped
    for problem in report.failed.values():
        assert "run `corridor analyse` first" in problem
    assert {"overview", "zhigu", "silicon_lanes", "corridor", "index"} <= set(report.written)
    index = report.written["index"].read_text(encoding="utf-8")
    assert "corridor analyse" in index


def test_overview_shows_every_layer_and_filters_districts(rendered, fixture_layers):
    page = rendered.written["overview"].read_text(encoding="utf-8")
    ids = re.findall(r'"id": "([a-z0-9:-]+)"', page)
    expected = [fid for gdf in fixture_layers.values() for fid in gdf["id"]]
    assert sorted(ids) == sorted(expected)  # each feature exactly once; districts filtered to 洪山区/武昌区
    zhigu = rendered.written["zhigu"].read_text(encoding="utf-8")
    zhigu_ids = set(re.findall(r'"id": "([a-z0-9:-]+)"', zhigu))
    assert {"zhigu", "zhigu-expansion-east", "road-a", "site-b"} <= zhigu_ids
    assert "park-a" not in zhigu_ids and "site-a" not in zhigu_ids  # clipped: > 1.5 km from 智谷


def test_unknown_map_name_is_an_error(tmp_path, fixture_layers):
    from geo.errors import CorridorError

    with pytest.raises(CorridorError, match="unknown map"):
        render_maps(only=["nope"], out_dir=tmp_path, layers=fixture_layers, progress=False)


def _firms_features(page: str) -> list[dict]:
    decoder, features = json.JSONDecoder(), []
    for match in re.finditer(r"corridor\.addGeoJson\([A-Za-z0-9_]+, ", page):
        data, _ = decoder.raw_decode(page, match.end())
        features += data["features"]
    return features


def test_firms_map_shades_zones_by_density_with_figures_and_gaps(rendered):
    page = rendered.written["firms"].read_text(encoding="utf-8")
    features = {f["properties"]["id"]: f["properties"] for f in _firms_features(page)}
    zhigu = features["firm_density:zhigu:zhigu"]
    # 智谷 has the second-highest density of the shaded zones, the hostile park the highest
    hostile_fill = features["firm_density:parks:park-hostile"]["_style"]["fillColor"].lower()
    assert hostile_fill.startswith("#7f2704")
    assert zhigu["_style"]["fillColor"].lower() not in (hostile_fill, "#fff5eb", "#bbbbbb")
    # the popup carries the count, the density, the documented figure, the gap and its citation
    popup = zhigu["_popup"]
    assert "企业数 / Firms counted" in popup and "131" in popup
    assert "Firms per km²" in popup and "20.51" in popup
    assert "400 (目标 target)" in popup and "3-5年内集聚高新技术企业400家" in popup
    assert "Gap (figure − counted)" in popup and "269" in popup
    assert "文献 Document" in popup
    # zones without a documented figure show no figure or gap row
    assert "Documented firm figure" not in features["firm_density:innovation_belts:belt-a"]["_popup"]
    # districts and cities are a separate, hidden layer with their own ramp
    assert "firm_density_areas:districts:hongshan" in features
    assert "firm_density_areas:zhigu:zhigu" not in features
    assert "corridor points zones" in page  # attribution
    hostile = features["firm_density:parks:park-hostile"]["_popup"]
    assert "&lt;script&gt;" in hostile and "&lt;img src=x" in hostile and "<script>" not in hostile
    index = rendered.written["index"].read_text(encoding="utf-8")
    assert 'href="firms.html"' in index


def test_firms_map_is_skipped_without_points_output(tmp_path, fixture_layers, caplog):
    caplog.set_level("INFO", logger="corridor")
    report = render_maps(out_dir=tmp_path, layers=fixture_layers, analysis_dir=FIXTURE_ANALYSIS,
                         points_dir=tmp_path / "no-points", progress=False, env={})
    assert report.ok and list(report.skipped) == ["firms"]
    assert "corridor points zones" in report.skipped["firms"]
    assert not (tmp_path / "firms.html").exists()
    assert set(report.written) == set(load_styles().maps) - {"firms"} | {"index"}
    index = report.written["index"].read_text(encoding="utf-8")
    assert "firms.html" not in index and 'data-map="firms"' not in index
    skipped = [r.getMessage() for r in caplog.records if "firms" in r.getMessage()]
    assert len(skipped) == 1 and "skipped" in skipped[0] and "`corridor points zones`" in skipped[0]
    assert "\n" not in skipped[0]
