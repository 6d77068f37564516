"""The maps as a planner uses them, on the real layers and analysis, in real Chromium.

Names at the opening view without overlaps, popups that fit the screen with no ``nan``,
search by full and short name leaving the popup open, a free map centre on a laptop, a
phone layout, travel times read from the isochrones, the land-supply explorer against the
Python formula, the attribute table and its downloads, the URL hash and the print layout.
"""

from __future__ import annotations

import base64
import json
import re
import time

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from geo.render.maps import render_maps
from tests.render.test_browser import _type_and_choose

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def real_maps(real_build, tmp_path_factory):
    from geo.analysis.pipeline import run_analysis
    from geo.layers import load_layers

    layers = load_layers(build_dir=real_build)
    analysis = tmp_path_factory.mktemp("analysis")
    run_analysis(out_dir=analysis, layers=layers, progress=False)
    out = tmp_path_factory.mktemp("real_maps")
    report = render_maps(out_dir=out, layers=layers, analysis_dir=analysis, points_dir=out / "no-points",
                         progress=False, env={"SOURCE_DATE_EPOCH": "1767225600"})
    assert report.ok, report.failed
    return {"report": report, "layers": layers, "analysis": analysis}


def _size(page, width: int, height: int) -> None:
    page.send("Emulation.setDeviceMetricsOverride", width=width, height=height, deviceScaleFactor=1,
              mobile=width < 600)


def _overlaps(boxes) -> list:
    return [(a["text"], b["text"]) for i, a in enumerate(boxes) for b in boxes[i + 1:]
            if not (a["right"] <= b["left"] or b["right"] <= a["left"] or a["bottom"] <= b["top"] or b["bottom"] <= a["top"])]


def test_no_nan_none_or_internal_key_in_any_page(real_maps):
    from geo.render.styles import load_styles

    layer_keys = set(load_styles().layers) | set(real_maps["layers"])
    for name, path in real_maps["report"].written.items():
        text = path.read_text(encoding="utf-8")
        for popup in re.findall(r'"_popup": "((?:[^"\\]|\\.)*)"', text):
            shown = json.loads(f'"{popup}"')
            assert not re.search(r"\bnan\b|\bNone\b", shown), (name, shown[:200])
            assert "zhigu_report_2021" not in shown and "hongshan_belts_2024" not in shown, (name, shown[:200])
            cells = set(re.findall(r"<td>(.*?)</td>", shown))
            assert not cells & layer_keys, (name, cells & layer_keys)  # layers by their titles, never their keys
            for label, value in re.findall(r"<tr><th>(.*?)</th><td>(.*?)</td></tr>", shown):
                if re.search(r"用地|\bland\b", label, re.I) and "floor" not in label.lower():
                    assert "万方" not in value, (name, label, value)  # never a floor-space unit for land
        if name == "overview":
            assert json.dumps("7,500 亩 (500 ha)")[1:-1] in text  # 洪山区's central-city industrial land, as the document words it
        assert "TIANDITU_KEY" not in text  # keyed basemaps are simply not offered
        assert "2026-01-01" in text  # SOURCE_DATE_EPOCH gives the build date


def test_names_show_at_the_opening_view_without_overlaps_and_more_on_zoom(real_maps, page):
    _size(page, 1600, 1000)
    page.open(real_maps["report"].written["overview"], settle_s=0.6)
    boxes = page.evaluate("corridor.visibleLabels()")
    on_screen = {b["text"] for b in boxes if b["left"] >= 0 and b["right"] <= 1600 and b["top"] >= 0 and b["bottom"] <= 1000}
    assert {"华科", "武大", "智谷", "华师", "华农", "地大", "民大", "湖工大", "理工大"} <= on_screen, on_screen
    lanes = {"南湖硅巷", "珞喻硅巷", "狮子山硅巷", "青菱硅巷"}
    # the lanes: names never overlap, so where the campuses crowd one may wait for the next zoom step
    assert len(lanes & on_screen) >= 2, sorted(on_screen)
    assert _overlaps(boxes) == []
    page.evaluate("corridor.state.map.setZoom(corridor.state.map.getZoom() + 2, {animate: false}); 0")
    time.sleep(0.4)
    zoomed = page.evaluate("corridor.visibleLabels()")
    assert _overlaps(zoomed) == []
    assert len(zoomed) > len(boxes)  # more names as the reader zooms in (projects from zoom 14)
    assert {b["text"] for b in zoomed} - {b["text"] for b in boxes}
    assert lanes <= {b["text"] for b in zoomed} | on_screen
    corridor = real_maps["report"].written["corridor"]
    page.open(corridor, settle_s=0.6)
    assert {"武汉市", "鄂州市", "黄石市"} & {b["text"] for b in page.evaluate("corridor.visibleLabels()")}
    _size(page, 1280, 900)


@pytest.mark.parametrize(("query", "name"), [("华中科技大学", "华中科技大学"), ("华科", "华中科技大学"),
                                             ("武大", "武汉大学"), ("HUST", "华中科技大学"), ("zhigu", "智谷")])
def test_search_by_full_or_short_name_leaves_the_popup_open(real_maps, page, query, name):
    _size(page, 1600, 900)
    page.open(real_maps["report"].written["overview"], settle_s=0.4)
    labels = _type_and_choose(page, query, "enter")
    assert labels and name in labels[0]
    time.sleep(2.0)
    popup = page.evaluate("""(function () { var p = document.querySelector('.leaflet-popup');
        if (!p) { return null; } var r = p.getBoundingClientRect();
        return [p.textContent, r.top, r.bottom, window.innerHeight]; })()""")
    assert popup is not None and name in popup[0]
    _size(page, 1280, 900)


def test_zhigu_popup_fits_a_1600x900_screen_and_reads_in_the_documents_units(real_maps, page):
    _size(page, 1600, 900)
    page.open(real_maps["report"].written["zhigu"], settle_s=0.4)
    page.evaluate("corridor.features['zhigu'].openPopup(); 0")
    time.sleep(0.5)
    box = page.evaluate("""(function () { var p = document.querySelector('.leaflet-popup-content-wrapper').getBoundingClientRect();
        return [p.height, p.top, p.bottom, document.querySelector('.leaflet-popup-content').textContent]; })()""")
    height, top, bottom, text = box
    assert height < 600 and top >= 0 and bottom <= 900
    # 智谷's own targets are the 5-10-year ones; the 3-5-year 22万方 is its core area 小洪山科学城's
    assert "50 万方" in text and "5–10年" in text and "22 万方" not in text
    assert "中科武大·智谷" in text and "CAS-WHU" in text and "±" in text
    assert "《区人民政府关于" in text
    page.evaluate("corridor.features['xiaohongshan-science-city'].openPopup(); 0")
    time.sleep(0.5)
    core = page.evaluate("document.querySelector('.leaflet-popup-content').textContent")
    assert "22 万方" in core and "3–5年" in core
    _size(page, 1280, 900)


def test_laptop_centre_is_free_and_the_phone_layout_is_usable(real_maps, page):
    for name in ("overview", "land_supply", "proximity"):
        _size(page, 1366, 768)
        page.open(real_maps["report"].written[name], settle_s=0.5)
        rects = page.evaluate("""Array.from(document.querySelectorAll('.leaflet-control, .corridor-dashboard'))
            .filter(e => e.offsetParent !== null).map(e => { var r = e.getBoundingClientRect();
            return [e.className, r.left, r.top, r.right, r.bottom]; })""")
        map_box = page.evaluate("(function(){var r=document.querySelector('.folium-map').getBoundingClientRect();"
                                "return [r.left, r.top, r.right, r.bottom];})()")
        cx0 = map_box[0] + 0.3 * (map_box[2] - map_box[0])
        cx1 = map_box[0] + 0.7 * (map_box[2] - map_box[0])
        cy0, cy1 = 0.3 * 768, 0.7 * 768
        covering = [r[0] for r in rects if r[1] < cx1 and r[3] > cx0 and r[2] < cy1 and r[4] > cy0]
        assert covering == [], (name, covering)
    _size(page, 390, 844)
    page.open(real_maps["report"].written["overview"], settle_s=0.5)
    layers = page.evaluate("document.querySelector('.leaflet-control-layers').className")
    assert "expanded" not in layers  # the layer tree is a button on a phone
    assert page.evaluate("document.querySelector('.corridor-info details').open") is False
    widest = page.evaluate("Math.max(...Array.from(document.querySelectorAll('.leaflet-control:not(.leaflet-control-attribution)')).filter(e => e.offsetParent)"
                           ".map(e => e.getBoundingClientRect().width))")
    assert widest <= 260
    _size(page, 1280, 900)


def test_proximity_click_reads_the_smallest_isochrone_per_mode(real_maps, page):
    page.open(real_maps["report"].written["proximity"], settle_s=0.4)
    iso = gpd.read_file(real_maps["analysis"] / "analysis.gpkg", layer="isochrones")
    walk10 = iso[(iso["mode"] == "walk") & (iso["minutes"] == 10)].geometry.union_all()
    walk5 = iso[(iso["mode"] == "walk") & (iso["minutes"] == 5)].geometry.union_all()
    ring = walk10.difference(walk5)
    point = ring.representative_point()
    times = page.evaluate(f"corridor.travelTimes({point.y}, {point.x})")
    assert times["walk"] == 10
    for mode in ("bike", "drive"):
        inside = sorted(int(m) for m, g in iso[iso["mode"] == mode].groupby("minutes").geometry
                        if shapely.union_all(g.to_numpy()).contains(point))
        assert times[mode] == (inside[0] if inside else None)
    far = page.evaluate("corridor.travelTimes(30.30, 114.70)")
    assert far == {"walk": None, "bike": None, "drive": None}
    # the mode switch is a radio group in the layer tree
    assert page.evaluate("document.querySelectorAll('.leaflet-control-layers-overlays input[type=radio]').length") == 3
    assert page.errors() == []


@pytest.mark.parametrize("settings", [
    {"far": {}, "share": {}},
    {"far": {"park": 4.0, "belt": 3.0, "residual": 3.5}, "share": {"belt": 0.3}},
    {"far": {"park": 1.0, "residual": 1.2}, "share": {"park": 0.5, "residual": 0.25, "campus": 0.1}},
])
def test_land_supply_explorer_matches_the_python_formula(real_maps, page, settings):
    from geo.analysis import land
    from geo.figures import load_assumptions

    page.open(real_maps["report"].written["land_supply"], settle_s=0.4)
    results = page.evaluate(f"corridor.setDashboard({json.dumps(settings)})")
    table = gpd.read_file(real_maps["analysis"] / "analysis.gpkg", layer="land_supply")
    default = land.load_config()["default_scenario"]
    # the same assumptions table with the sliders' values as the central case
    assumptions = load_assumptions().copy()
    for param, key, scenario in (("far", "far", default), ("developable_share", "share", "")):
        for cls, value in settings[key].items():
            rows = (assumptions["parameter"] == param) & (assumptions["scenario"] == scenario) & (assumptions["applies_to"] == cls)
            assumptions.loc[rows, "central"] = value
    land_cols = [c for c in table.columns if c.startswith("land_") and c.endswith("_m2")]
    by_class = table[land_cols].rename(columns=lambda c: c[len("land_"):-len("_m2")])
    expected = land.capacity(by_class, assumptions, scenarios=[default], default_scenario=default)["capacity_m2"]
    page_caps = {r["zone_id"]: r["capacity_m2"] for r in results}
    for zone_id, cap in zip(table["id"], expected, strict=True):
        assert page_caps[zone_id] == pytest.approx(cap, rel=1e-9, abs=1e-6)
    # floor targets against stock + new capacity, on the subjects their sentences name
    targets = pd.read_csv(real_maps["analysis"] / "csv" / "land_targets.csv")
    floor = targets[(targets["scenario"] == default) & (targets["quantity"] == "floor_area")
                    & (targets["status"] == "target")].drop_duplicates("figure_id")
    assert {"zhigu", "xiaohongshan-science-city"} <= set(floor["zone_id"])  # both horizons, each on its subject
    for t in floor.itertuples():
        stock = t.stock_m2 if t.stock_m2 == t.stock_m2 else 0.0
        gap = t.figure_m2 - (stock + page_caps[t.zone_id])  # target - (stock + new capacity)
        shown = next(x for x in next(r for r in results if r["zone_id"] == t.zone_id)["targets"]
                     if x["figure"] == t.figure_id)
        assert shown["gap_m2"] == pytest.approx(gap)
        assert shown["gap_pct"] == pytest.approx(gap / t.figure_m2 * 100)
    assert page.evaluate("document.querySelectorAll('.dash-chart svg .dash-bar').length") >= 2
    # the map follows the chosen horizon: 智谷 coloured by its gap to its 5-10-year target
    from geo.render.overlays import ColourScale
    from geo.render.styles import load_styles

    zhigu = next(r for r in results if r["zone_id"] == "zhigu")
    horizon = next(x["horizon"] for x in zhigu["targets"] if x["horizon"].startswith("5–10"))
    results = page.evaluate(f"corridor.setDashboard({json.dumps(settings)}, {json.dumps(horizon)})")
    gap_pct = next(x for x in next(r for r in results if r["zone_id"] == "zhigu")["targets"]
                   if x["horizon"] == horizon)["gap_pct"]
    fill = page.evaluate("corridor.features['land_supply:zhigu'].options.fillColor")
    expected = ColourScale(load_styles().layers["land_supply"].choropleth, [])(max(-100, min(100, gap_pct)))
    assert all(abs(int(fill[i:i + 2], 16) - int(expected[i:i + 2], 16)) <= 2 for i in (1, 3, 5)), (fill, expected)
    # 洪山区's land figure reads in 亩 against land, never as floor space
    hongshan = page.evaluate("document.querySelector('.dash-table tr[data-zone=district-hongshan]').textContent")
    assert "7,500 亩" in hongshan and "万方" not in hongshan
    assert page.errors() == []


def test_attribute_table_filters_and_downloads_what_is_shown(real_maps, page):
    page.open(real_maps["report"].written["overview"], settle_s=0.4)
    page.evaluate("document.querySelector('.corridor-table-button').click(); 0")
    total = page.evaluate("document.querySelectorAll('.corridor-table tbody tr').length")
    shown = sum(len(g) for n, g in real_maps["layers"].items()
                if n in ("innovation_belts", "silicon_lane_corridors", "zhigu", "campuses", "parks", "silicon_lanes", "sites"))
    shown += 2  # 洪山区, 武昌区
    assert total == shown
    page.evaluate("""(function () { var s = document.querySelector('.corridor-table select[data-filter=source]');
        s.value = s.options[1].value; s.dispatchEvent(new Event('change')); return 1; })()""")
    csv = page.evaluate("corridor.csvText(corridor.filteredRows())")
    geojson = json.loads(page.evaluate("corridor.geojsonText(corridor.filteredRows())"))
    rows = csv.lstrip("\ufeff").strip().split("\r\n")
    assert len(rows) - 1 == len(geojson["features"]) == page.evaluate("document.querySelectorAll('.corridor-table tbody tr').length")
    assert 0 < len(geojson["features"]) <= total
    assert rows[0].startswith("id,name_zh,name_en,layer")
    url = page.evaluate("(function () { var u; var orig = URL.createObjectURL; URL.createObjectURL = function (b) { u = orig(b); return u; };"
                        "document.querySelector('.corridor-download-csv').click(); URL.createObjectURL = orig; return u; })()")
    assert url.startswith("blob:")
    assert page.errors() == []


def test_url_hash_keeps_the_view_and_the_visible_layers(real_maps, page):
    path = real_maps["report"].written["overview"]
    page.open(path, settle_s=0.4)
    page.evaluate("corridor.state.map.setView([30.52, 114.36], 15, {animate: false}); "
                  "corridor.state.map.removeLayer(corridor.state.groups['campuses']); 0")
    time.sleep(0.3)
    hash_ = page.evaluate("window.location.hash")
    assert hash_.startswith("#map=15/30.52") and "campuses" not in hash_.split("layers=")[1]
    page.send("Page.navigate", url=path.resolve().as_uri() + hash_)
    page.wait_for("Page.loadEventFired")
    time.sleep(0.5)
    view = page.evaluate("[corridor.state.map.getZoom(), corridor.state.map.getCenter().lat, "
                         "corridor.state.map.hasLayer(corridor.state.groups['campuses']), "
                         "corridor.state.map.hasLayer(corridor.state.groups['zhigu'])]")
    assert view[0] == 15 and abs(view[1] - 30.52) < 1e-4 and view[2] is False and view[3] is True


def test_print_layout_is_a_landscape_page_with_title_legend_scale_north_and_sources(real_maps, page, tmp_path):
    page.open(real_maps["report"].written["zhigu"], settle_s=0.4)
    page.evaluate("corridor.setPaper('A4'); 0")
    page.send("Emulation.setEmulatedMedia", media="print")
    shown = page.evaluate("""['.corridor-print-header', '.corridor-print-footer', '.corridor-north', '.corridor-legend',
        '.leaflet-control-scale', '.corridor-search', '.leaflet-control-layers'].map(s => {
        var e = document.querySelector(s); return e ? getComputedStyle(e).display !== 'none' : null; })""")
    assert shown == [True, True, True, True, True, False, False]
    footer = page.evaluate("document.querySelector('.corridor-print-footer').textContent")
    assert "OpenStreetMap" in footer and "2026-01-01" in footer and "Data version" in footer
    page.send("Emulation.setEmulatedMedia", media="")
    pdf = base64.b64decode(page.send("Page.printToPDF", preferCSSPageSize=True, printBackground=True)["data"])
    (tmp_path / "zhigu.pdf").write_bytes(pdf)
    boxes = re.findall(rb"/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]", pdf)
    width, height = (float(v) for v in boxes[0])
    assert width == pytest.approx(842, abs=2) and height == pytest.approx(595, abs=2)  # A4 landscape in points
    page.evaluate("corridor.setPaper('A3'); 0")
    pdf = base64.b64decode(page.send("Page.printToPDF", preferCSSPageSize=True, printBackground=True)["data"])
    width, height = (float(v) for v in re.findall(rb"/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]", pdf)[0])
    assert width == pytest.approx(1191, abs=2) and height == pytest.approx(842, abs=2)  # A3 landscape
