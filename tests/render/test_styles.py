"""maps/styles.yml is read, checked, and errors name the file and the key."""

from __future__ import annotations

import pytest
import yaml

from geo import settings
from geo.render.styles import StyleError, load_styles

EXPECTED_MAPS = {"overview", "zhigu", "silicon_lanes", "corridor", "proximity", "land_supply", "firms"}


def test_project_style_file_defines_every_map_with_styled_layers():
    styles = load_styles()
    assert EXPECTED_MAPS <= set(styles.maps)
    raw = yaml.safe_load(settings.map_style_file().read_text(encoding="utf-8"))
    for name, spec in styles.maps.items():
        assert len(spec.layers) == len(raw["maps"][name]["layers"])
        for entry in spec.layers:
            style = styles.layers[entry.style]
            assert style.label_zh and style.label_en
    assert styles.maps["proximity"].needs_analysis and styles.maps["land_supply"].needs_analysis
    assert not styles.maps["overview"].needs_analysis
    assert styles.maps["firms"].needs_points and styles.maps["firms"].optional
    assert not any(spec.optional for name, spec in styles.maps.items() if name != "firms")
    assert styles.layers["firm_density"].choropleth["column"] == "points_per_km2"
    assert styles.basemaps[0] == "osm" and "amap" in styles.basemaps and "tianditu" in styles.basemaps


def test_style_options_become_leaflet_options(tmp_path):
    path = tmp_path / "styles.yml"
    path.write_text(yaml.safe_dump({
        "layers": {"parks": {"color": "#123456", "fill_opacity": 0.5, "dash_array": "4 2"}},
        "maps": {"m": {"layers": ["parks", {"layer": "parks", "show": False, "filter": {"kind": ["x"]}}]}},
    }, allow_unicode=True), encoding="utf-8")
    styles = load_styles(path)
    assert styles.layers["parks"].path_options == {"color": "#123456", "fillOpacity": 0.5, "dashArray": "4 2"}
    assert styles.layers["parks"].label == "产业园区 Innovation parks"  # the catalogue's title
    second = styles.maps["m"].layers[1]
    assert second.show is False and second.filter == {"kind": ["x"]}


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ({"layers": {"a": {"colour": "red"}}, "maps": {}}, "unknown key"),
        ({"layers": {"parks": {"label_zh": "园区"}}, "maps": {}}, "comes from layers/catalogue.yml"),
        ({"layers": {}, "maps": {"m": {"layers": ["nope"]}}}, "not defined"),
        ({"layers": {"a": {}}, "maps": {"m": {"layers": [{"layer": "a", "raster": "b"}]}}}, "exactly one"),
        ({"layers": {"a": {"choropleth": {"colors": ["#fff"]}}}, "maps": {}}, "at least two"),
        ({"layers": {}, "maps": {}, "basemaps": ["google"]}, "unknown google"),
        ({"layers": {"a": {}}, "maps": {"m": {"optional": "yes", "layers": ["a"]}}}, "optional must be"),
    ],
)
def test_bad_style_files_are_reported_with_the_file(tmp_path, doc, message):
    path = tmp_path / "styles.yml"
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    with pytest.raises(StyleError, match=message) as info:
        load_styles(path)
    assert str(path) in str(info.value)


def test_missing_and_invalid_yaml(tmp_path):
    with pytest.raises(StyleError, match="does not exist"):
        load_styles(tmp_path / "absent.yml")
    bad = tmp_path / "bad.yml"
    bad.write_text("layers: [unclosed", encoding="utf-8")
    with pytest.raises(StyleError, match="not valid YAML"):
        load_styles(bad)
