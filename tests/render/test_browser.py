"""Every map in real headless Chromium with the network blocked: no JS errors, layers, legend, drawing,
the GCJ-02 display shift, escaping of hostile names, and the place search."""

from __future__ import annotations

import json

import numpy as np
import pytest

from geo.crs import convert_coords
from geo.render.styles import load_styles
from tests.data.render.make_fixtures import HOSTILE_EN, HOSTILE_ZH, HOSTILE_ZONE_ID

pytestmark = pytest.mark.browser

MAPS = ("overview", "zhigu", "silicon_lanes", "corridor", "proximity", "land_supply", "firms")

_CONTROL_LABELS = "Array.from(document.querySelectorAll('.leaflet-control-layers-overlays span[data-key]')).map(l => l.textContent.trim())"
_BASE_LABELS = "Array.from(document.querySelectorAll('.leaflet-control-layers-base label')).map(l => l.textContent.trim())"
_LEGEND = "Array.from(document.querySelectorAll('.corridor-legend-item')).map(l => [l.dataset.layer, l.textContent.trim()])"


def _expected(name: str, layer_names):
    styles = load_styles()
    spec = styles.maps[name]
    labels, legend = [], []
    keys = [e.style for e in spec.layers]
    entries = list(spec.layers)
    if spec.other_layers:
        listed = {e.name for e in spec.layers if e.kind == "layer"}
        keys += [n for n in layer_names if n not in listed]
    for i, key in enumerate(keys):
        style = styles.layers[key]
        entry = entries[i] if i < len(entries) else None
        labels.append(f"{entry.label_zh} {entry.label_en}" if entry is not None and entry.label_zh else style.label)
        if style.choropleth:
            legend.append(f"{style.choropleth['caption_zh']} {style.choropleth['caption_en']}")
        else:
            legend.append(style.label)
    return labels, legend


def _feature_count(page_path) -> int:
    text = page_path.read_text(encoding="utf-8")
    return text.count('"_popup":')


@pytest.mark.parametrize("name", MAPS)
def test_map_loads_offline_with_layers_legend_and_drawn_overlays(name, page, rendered, fixture_layers,
                                                                 tmp_path_factory):
    path = rendered.written[name]
    page.open(path)
    assert page.errors() == []
    labels, legend = _expected(name, list(fixture_layers))
    assert sorted(page.evaluate(_CONTROL_LABELS)) == sorted(labels)
    base = page.evaluate(_BASE_LABELS)
    assert base[0] == "OpenStreetMap" and any("Amap" in b for b in base) and not any("Tianditu" in b for b in base)
    shown = [item for item in page.evaluate(_LEGEND) if not item[0].endswith("-no-data") and item[0] != "uncertainty"]
    assert len(shown) == len(legend)
    for (_, text), expected in zip(shown, legend, strict=True):
        assert text.startswith(expected), (text, expected)
    # every feature of every visible overlay has its SVG path in the document
    visible, undrawn, hidden = page.evaluate("""(function () {
        var visible = 0, undrawn = 0, hidden = 0;
        corridor.state.overlays.forEach(function (g) {
            if (!(g instanceof L.GeoJSON)) { return; }  // labels and halos are not features
            g.getLayers().forEach(function (l) {
                if (!l._map) { hidden++; return; }
                visible++;
                var b = l.getBounds ? l.getBounds() : L.latLngBounds([l.getLatLng()]);
                if (!l._map.getBounds().intersects(b)) { return; }  // clipped away off screen
                if (!(l._path && l._path.isConnected && l._path.getAttribute('d').length > 4)) { undrawn++; }
            });
        });
        return [visible, undrawn, hidden];
    })()""")
    assert visible + hidden == _feature_count(path)
    spec = load_styles().maps[name]
    assert hidden == 0 or any(not e.show for e in spec.layers) or spec.other_layers
    assert visible > 0 and undrawn == 0
    controls = page.evaluate("""[
        !!document.querySelector('.leaflet-control-scale'), !!document.querySelector('.leaflet-control-measure'),
        !!document.querySelector('.leaflet-control-zoom-fullscreen'), !!document.querySelector('.leaflet-control-minimap'),
        !!document.querySelector('.corridor-search-input'), !!document.querySelector('.corridor-info')]""")
    assert all(controls), controls
    if name == "proximity":  # the distance surface starts hidden and draws when switched on
        images = "document.querySelectorAll('.leaflet-overlay-pane img.leaflet-image-layer').length"
        assert page.evaluate(images) == 0
        _toggle_overlay(page, "Distance to the nearest campus")
        assert page.evaluate(images) == 1
    shot = page.screenshot(tmp_path_factory.mktemp("shots") / f"{name}.png")
    assert shot.stat().st_size > 10_000


def _vertex(page, fid: str):
    return page.evaluate(f"""(function () {{
        var l = corridor.features[{json.dumps(fid)}];
        var ll = l.getLatLngs ? l.getLatLngs() : l.getLatLng();
        while (Array.isArray(ll)) {{ ll = ll[0]; }}
        return [ll.lng, ll.lat];
    }})()""")


def _click_layer_control(page, section: str, word: str) -> None:
    """Click the layer-control entry of ``section`` ("base" or "overlays") whose label holds ``word``."""
    page.evaluate(f"""(function () {{
        var labels = document.querySelectorAll('.leaflet-control-layers-{section} label');
        for (var i = 0; i < labels.length; i++) {{
            if (labels[i].textContent.indexOf({json.dumps(word)}) >= 0) {{ labels[i].querySelector('input').click(); return 1; }}
        }}
        throw new Error('no {section} entry ' + {json.dumps(word)});
    }})()""")


def _click_base(page, word: str) -> None:
    _click_layer_control(page, "base", word)


def _toggle_overlay(page, word: str) -> None:
    _click_layer_control(page, "overlays", word)


def test_amap_basemap_shifts_overlays_to_gcj02_and_back(page, rendered):
    page.open(rendered.written["overview"])
    polygon0 = _vertex(page, "campus-known")
    point0 = _vertex(page, "site-a")
    park0 = _vertex(page, "park-a")
    _toggle_overlay(page, "Innovation parks")  # a hidden layer must shift too when it comes back
    _click_base(page, "Amap")
    _toggle_overlay(page, "Innovation parks")
    assert page.evaluate("corridor.system") == "gcj02"
    for fid, (lon, lat) in (("campus-known", polygon0), ("site-a", point0), ("park-a", park0)):
        shifted = _vertex(page, fid)
        exp_lon, exp_lat = convert_coords(np.array([lon]), np.array([lat]), src="wgs84", dst="gcj02")
        assert shifted == pytest.approx([float(exp_lon[0]), float(exp_lat[0])], abs=1e-9), fid
        # about 590 m east-south-east in Wuhan: well beyond what a rounding slip would give
        assert 0.004 < shifted[0] - lon < 0.007 and -0.004 < shifted[1] - lat < 0.0
    # the names on the map move with their places
    label = page.evaluate("(function () { var m = corridor.state.labels.find(m => m._corridorLabel.text === '测试大学');"
                          " var ll = m.getLatLng(); return [ll.lng, ll.lat, m._corridorWgs.lng, m._corridorWgs.lat]; })()")
    exp_lon, exp_lat = convert_coords(np.array([label[2]]), np.array([label[3]]), src="wgs84", dst="gcj02")
    assert label[:2] == pytest.approx([float(exp_lon[0]), float(exp_lat[0])], abs=1e-9)
    _click_base(page, "OpenStreetMap")
    assert page.evaluate("corridor.system") == "wgs84"
    assert _vertex(page, "campus-known") == polygon0
    assert _vertex(page, "site-a") == point0
    assert page.errors() == []


def test_hostile_names_render_as_text_and_run_nothing(page, rendered):
    page.open(rendered.written["overview"])
    page.dialogs.clear()
    page.evaluate("corridor.features['campus-hostile'].openPopup(); 0")
    popup = page.evaluate("""(function () {
        var c = document.querySelector('.leaflet-popup-content');
        return [c.textContent, c.querySelectorAll('script, img').length];
    })()""")
    assert HOSTILE_ZH in popup[0] and HOSTILE_EN in popup[0]
    assert popup[1] == 0
    page.evaluate("corridor.features['campus-hostile'].openTooltip(); 0")
    tooltip = page.evaluate("""(function () {
        var t = document.querySelector('.leaflet-tooltip');
        return [t.textContent, t.querySelectorAll('script, img').length];
    })()""")
    assert HOSTILE_ZH in tooltip[0] and tooltip[1] == 0
    labels = page.evaluate("""(function () { var pane = corridor.state.map.getPane('corridorLabels');
        return [pane.textContent, pane.querySelectorAll('script, img').length]; })()""")
    assert "<script>window.__xss=1" in labels[0] and labels[1] == 0  # names on the map are text too
    results = page.evaluate("""(function () {
        var input = document.querySelector('.corridor-search-input');
        input.value = 'onerror'; input.dispatchEvent(new Event('input'));
        var list = document.querySelector('.corridor-search-results');
        return [list.textContent, list.querySelectorAll('img, script').length];
    })()""")
    assert HOSTILE_EN in results[0] and results[1] == 0
    assert page.evaluate("typeof window.__xss") == "undefined"
    assert page.dialogs == []
    assert page.errors() == []


def _type_and_choose(page, query: str, how: str) -> list[str]:
    """Type ``query`` into the search box with real key events, then press Enter or click the first result."""
    import time

    page.evaluate("(function () { var i = document.querySelector('.corridor-search-input'); i.value = ''; i.focus(); return 1; })()")
    page.send("Input.insertText", text=query)
    time.sleep(0.2)
    labels = page.evaluate("Array.from(document.querySelectorAll('.corridor-search-results li')).map(li => li.textContent)")
    if how == "enter":
        for kind in ("keyDown", "keyUp"):
            page.send("Input.dispatchKeyEvent", type=kind, key="Enter", code="Enter", windowsVirtualKeyCode=13,
                      nativeVirtualKeyCode=13, **({"text": "\r"} if kind == "keyDown" else {}))
    else:
        x, y = page.evaluate("""(function () { var r = document.querySelector('.corridor-search-results li').getBoundingClientRect();
            return [r.left + r.width / 2, r.top + r.height / 2]; })()""")
        page.send("Input.dispatchMouseEvent", type="mouseMoved", x=x, y=y)
        for kind in ("mousePressed", "mouseReleased"):
            page.send("Input.dispatchMouseEvent", type=kind, x=x, y=y, button="left", clickCount=1)
    return labels


@pytest.mark.parametrize(("query", "how"), [("测试大学", "click"), ("test univ", "enter"), ("ceshi daxue", "enter"),
                                            ("zhigu", "click")])
def test_search_finds_places_by_name_alias_or_pinyin_and_leaves_the_popup_open(page, rendered, query, how):
    import time

    page.open(rendered.written["overview"])
    labels = _type_and_choose(page, query, how)
    expected = "中科武大·智谷" if query == "zhigu" else "测试大学"
    assert labels and labels[0].startswith(expected)
    time.sleep(2.0)  # the popup must still be open two seconds after choosing
    popup = page.evaluate("(document.querySelector('.leaflet-popup-content') || {}).textContent || ''")
    assert expected in popup
    assert page.errors() == []


def test_measure_tool_measures_an_area_like_pyproj(page, rendered):
    import time

    from pyproj import Geod

    page.open(rendered.written["overview"])
    page.evaluate("""(function () {
        document.querySelector('.leaflet-control-measure').dispatchEvent(new MouseEvent('mouseover', {bubbles: true}));
        document.querySelector('.js-start').click(); return 1; })()""")
    pixels = [(500, 400), (700, 450), (650, 600)]
    for x, y in pixels:
        for kind in ("mouseMoved", "mousePressed", "mouseReleased"):
            page.send("Input.dispatchMouseEvent", type=kind, x=x, y=y, button="left", clickCount=1)
        time.sleep(0.1)
    map_var = page.evaluate("Object.keys(window).find(k => k.startsWith('map_') && window[k] instanceof L.Map)")
    lonlats = page.evaluate(f"[{', '.join(f'[{x}, {y}]' for x, y in pixels)}].map(p => {{"
                            f" var ll = {map_var}.containerPointToLatLng(L.point(p[0], p[1])); return [ll.lng, ll.lat]; }})")
    page.evaluate("document.querySelector('.js-finish').click(); 0")
    time.sleep(0.2)
    text = page.evaluate("document.querySelector('.leaflet-popup-content').textContent.replace(/\\s+/g, ' ')")
    import re

    measured_m2 = float(re.search(r"([\d,]+) Sq Meters", text).group(1).replace(",", ""))
    lons, lats = zip(*lonlats, strict=True)
    expected_m2 = abs(Geod(ellps="WGS84").polygon_area_perimeter(lons, lats)[0])
    assert measured_m2 == pytest.approx(expected_m2, rel=0.01)
    assert page.errors() == []


_LEGEND_SHOWN = ("Array.from(document.querySelectorAll('.corridor-legend-item'))"
                 ".filter(l => l.style.display !== 'none').map(l => l.dataset.layer)")


def test_legend_lists_only_the_layers_on_the_map(page, rendered):
    # The overview carries every catalogue layer, most switched off: the legend shows a row
    # only for layers that are on the map, and follows the layer control.
    page.open(rendered.written["overview"])
    groups = "Object.keys(corridor.state.groups)"
    on_map = page.evaluate(f"{groups}.filter(k => corridor.state.map.hasLayer(corridor.state.groups[k]))")
    off_map = page.evaluate(f"{groups}.filter(k => !corridor.state.map.hasLayer(corridor.state.groups[k]))")
    assert on_map and off_map
    hidden_key = off_map[0]
    label = load_styles().layers[hidden_key].label
    shown = page.evaluate(_LEGEND_SHOWN)
    assert sorted(k for k in shown if not k.endswith("-no-data") and k != "uncertainty") == sorted(on_map)
    assert hidden_key not in shown
    _toggle_overlay(page, label)
    assert hidden_key in page.evaluate(_LEGEND_SHOWN)
    _toggle_overlay(page, label)
    assert hidden_key not in page.evaluate(_LEGEND_SHOWN)
    assert page.errors() == []


def test_firms_map_has_its_ramp_layer_and_escapes_a_hostile_zone(page, rendered):
    page.open(rendered.written["firms"])
    assert page.errors() == []
    style = load_styles().layers["firm_density"]
    assert style.label in page.evaluate(_CONTROL_LABELS)
    ramp = page.evaluate("""(function () {
        var item = document.querySelector('.corridor-legend-item[data-layer="firm_density"]');
        var bar = item && item.querySelector('.corridor-ramp');
        return item ? [item.textContent, bar ? bar.style.background : '',
                       Array.from(item.querySelectorAll('.corridor-ramp-ticks span')).map(s => s.textContent)] : null;
    })()""")
    assert ramp is not None and ramp[0].startswith(style.choropleth["caption_zh"])
    assert "linear-gradient" in ramp[1] and len(ramp[2]) == 2 and ramp[2][0] != ramp[2][1]
    assert page.evaluate("corridor.state.map.hasLayer(corridor.state.groups['firm_density'])") is True
    page.dialogs.clear()
    fid = f"firm_density:parks:{HOSTILE_ZONE_ID}"
    page.evaluate(f"corridor.features[{json.dumps(fid)}].openPopup(); 0")
    popup = page.evaluate("""(function () {
        var c = document.querySelector('.leaflet-popup-content');
        return [c.textContent, c.querySelectorAll('script, img').length];
    })()""")
    assert HOSTILE_ZH in popup[0] and HOSTILE_EN in popup[0] and popup[1] == 0
    assert "企业数 / Firms counted" in popup[0] and "Gap (figure − counted)" in popup[0]
    results = page.evaluate("""(function () {
        var input = document.querySelector('.corridor-search-input');
        input.value = 'onerror'; input.dispatchEvent(new Event('input'));
        var list = document.querySelector('.corridor-search-results');
        return [list.textContent, list.querySelectorAll('img, script').length];
    })()""")
    assert HOSTILE_EN in results[0] and results[1] == 0
    assert page.evaluate("typeof window.__xss") == "undefined"
    assert page.dialogs == [] and page.errors() == []


def test_search_results_can_be_chosen_with_the_arrow_keys(page, rendered):
    import time

    page.open(rendered.written["overview"])
    page.evaluate("(function () { var i = document.querySelector('.corridor-search-input'); i.value = ''; i.focus(); return 1; })()")
    page.send("Input.insertText", text="测试")
    time.sleep(0.2)
    labels = page.evaluate("Array.from(document.querySelectorAll('.corridor-search-results li')).map(li => li.textContent)")
    assert len(labels) >= 3
    for key, code in (("ArrowDown", 40), ("ArrowDown", 40), ("ArrowUp", 38), ("Enter", 13)):
        for kind in ("keyDown", "keyUp"):
            page.send("Input.dispatchKeyEvent", type=kind, key=key, code=key, windowsVirtualKeyCode=code,
                      nativeVirtualKeyCode=code, **({"text": "\r"} if kind == "keyDown" and key == "Enter" else {}))
    time.sleep(1.5)
    popup = page.evaluate("(document.querySelector('.leaflet-popup-content h4') || {}).textContent || ''")
    assert popup and popup == labels[1].split(" / ")[0]
    assert page.errors() == []
