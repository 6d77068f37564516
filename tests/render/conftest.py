"""Fixtures for the render tests: fixture layers, rendered maps, one shared headless browser."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pytest

from tests.render.cdp import Browser, find_chromium

DATA = Path(__file__).resolve().parent.parent / "data" / "render"
FIXTURE_LAYERS = DATA / "layers"
FIXTURE_ANALYSIS = DATA / "analysis"
FIXTURE_POINTS = DATA / "points"  # zone_points.gpkg as `corridor points zones` writes it


def read_fixture_layers() -> dict[str, gpd.GeoDataFrame]:
    return {p.stem: gpd.read_file(p, engine="pyogrio") for p in sorted(FIXTURE_LAYERS.glob("*.geojson"))}


@pytest.fixture(scope="session")
def fixture_layers() -> dict[str, gpd.GeoDataFrame]:
    return read_fixture_layers()


@pytest.fixture(scope="session")
def rendered(tmp_path_factory, fixture_layers):
    """Every map rendered from the fixtures (inline assets, no Tianditu key), the firms map included."""
    from geo.render.maps import render_maps

    out = tmp_path_factory.mktemp("maps")
    report = render_maps(out_dir=out, layers=fixture_layers, analysis_dir=FIXTURE_ANALYSIS, points_dir=FIXTURE_POINTS,
                         progress=False, env={})
    assert report.ok, report.failed
    return report


@pytest.fixture(scope="session")
def browser():
    chromium = find_chromium()
    if chromium is None:
        pytest.skip("headless Chromium is not installed (run scripts/ensure_chromium.sh or apt-get install chromium)")
    b = Browser(chromium)
    yield b
    b.close()


@pytest.fixture(scope="session")
def page(browser):
    p = browser.new_page()
    yield p
    browser.close_page(p)


@pytest.fixture(scope="session")
def real_build(tmp_path_factory):
    """The real layers built with geo.layers.build_layers into a temporary folder."""
    from geo import settings
    from geo.layers import LAYER_SPECS, build_layers

    missing = [rel for spec in LAYER_SPECS.values() for rel in spec.sources if not (settings.LAYERS_DIR / rel).exists()]
    if missing:
        pytest.skip(f"source layers not present yet: {', '.join(missing)}")
    out = tmp_path_factory.mktemp("build")
    from geo.errors import LayerValidationError

    try:
        build_layers(out_dir=out, progress=False)
    except LayerValidationError as exc:
        pytest.skip(f"the committed source layers do not validate yet: {exc}")
    return out
