"""Assets are inlined from installed packages, never fetched."""

from __future__ import annotations

from pathlib import Path

import folium
import pytest
from folium import plugins
from xstatic.pkg import leaflet

from geo.render.assets import AssetError, asset_text, inline_assets, remote_references


def _folium_page() -> str:
    fmap = folium.Map(location=[30.5, 114.4], zoom_start=12)
    plugins.MeasureControl().add_to(fmap)
    plugins.Fullscreen().add_to(fmap)
    plugins.MiniMap().add_to(fmap)
    return fmap.get_root().render()


def test_every_cdn_reference_of_a_folium_map_is_inlined():
    page = _folium_page()
    before = remote_references(page)
    assert any("leaflet.js" in u for u in before) and any("leaflet-measure" in u for u in before)
    inlined = inline_assets(page)
    assert remote_references(inlined) == []
    assert len(inlined) > len(page) + 100_000


def test_leaflet_comes_from_xstatic_with_its_images_as_data_uris():
    js = asset_text("https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js")
    assert js == (Path(leaflet.BASE_DIR) / "leaflet.js").read_text(encoding="utf-8")
    css = asset_text("https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.css")
    assert "images/layers.png" not in css
    assert 'url("data:image/png;base64,' in css


def test_plugin_css_relative_images_do_not_reach_for_files():
    css = asset_text("https://cdnjs.cloudflare.com/ajax/libs/leaflet-minimap/3.6.1/Control.MiniMap.css")
    assert "images/toggle" not in css


def test_unknown_asset_is_an_error_not_a_cdn_link():
    with pytest.raises(AssetError, match="--cdn"):
        asset_text("https://example.invalid/some-plugin.js")
    with pytest.raises(AssetError):
        inline_assets('<script src="https://example.invalid/x.js"></script>')
