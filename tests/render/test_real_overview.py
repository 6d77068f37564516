"""The real overview, from the layers built from the committed sources, in the browser."""

from __future__ import annotations

import pytest

from geo.layers import load_layers
from geo.render.maps import render_maps

pytestmark = [pytest.mark.browser, pytest.mark.slow]

OVERVIEW_LAYERS = ("districts", "innovation_belts", "silicon_lane_corridors", "zhigu", "campuses", "parks",
                   "silicon_lanes", "sites")


def test_real_overview_renders_under_2mb_and_draws_every_feature(real_build, page, tmp_path):
    layers = load_layers(build_dir=real_build)
    assert set(OVERVIEW_LAYERS) <= set(layers)
    report = render_maps(only=["overview"], out_dir=tmp_path, layers=layers, progress=False, env={})
    assert report.ok, report.failed
    path = report.written["overview"]
    assert path.stat().st_size < 2_000_000
    # every layer is on the overview (the others switched off), districts only 洪山区 and 武昌区
    expected = sum(len(g) for n, g in layers.items() if n != "districts")
    expected += int(layers["districts"]["name_zh"].isin(["洪山区", "武昌区"]).sum())
    assert expected > 60
    page.open(path)
    assert page.errors() == []
    assert page.evaluate("Object.keys(corridor.features).length") == expected
    visible = sum(len(layers[n]) for n in OVERVIEW_LAYERS if n != "districts")
    drawn = page.evaluate("document.querySelectorAll('.leaflet-overlay-pane path.leaflet-interactive').length")
    assert drawn >= visible
    names = page.evaluate("corridor.search('华中科技大学').map(e => e.label)")
    assert names, "华中科技大学 should be findable by name"
    page.screenshot(tmp_path / "overview.png")
