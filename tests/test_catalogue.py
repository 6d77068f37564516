"""The layer catalogue is the one list of layers: specs, README table and map legends come from it."""

from __future__ import annotations

import re

import pytest
import yaml

from geo import catalogue, settings
from geo.errors import CatalogueError
from geo.layers import layer_names, layer_specs


def test_readme_table_is_the_catalogue():
    readme = (settings.LAYERS_DIR / "README.md").read_text(encoding="utf-8")
    block = re.search(r"<!-- catalogue:start -->\n(.*?)\n<!-- catalogue:end -->", readme, re.S)
    assert block, "layers/README.md lost its catalogue markers"
    assert block.group(1) == catalogue.markdown_table(), "run `python -m geo.catalogue --markdown` and paste"


def test_specs_follow_the_catalogue_and_every_source_exists():
    entries = catalogue.load_catalogue()
    assert layer_names() == [e["name"] for e in entries]
    for e in entries:
        spec = layer_specs()[e["name"]]
        assert (spec.title_zh, spec.title_en, spec.sources) == (e["title_zh"], e["title_en"], tuple(e["sources"]))
        for rel in spec.sources:
            assert (settings.LAYERS_DIR / rel).is_file(), rel


def test_a_changed_catalogue_takes_effect_without_reimport(tmp_path, monkeypatch):
    doc = yaml.safe_load(settings.catalogue_file().read_text(encoding="utf-8"))
    doc["layers"][0]["title_en"] = "Renamed cities"
    (tmp_path / "catalogue.yml").write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    monkeypatch.setattr(settings, "LAYERS_DIR", tmp_path)
    assert layer_specs()[doc["layers"][0]["name"]].title_en == "Renamed cities"


@pytest.mark.parametrize("mutate, message", [
    (lambda d: d["layers"][0].pop("title_zh"), "lacks title_zh"),
    (lambda d: d["layers"][1].update(name=d["layers"][0]["name"]), "used twice"),
    (lambda d: d["layers"][0].update(geometry="blob"), "geometry must be"),
])
def test_a_malformed_catalogue_is_refused_naming_the_entry(tmp_path, mutate, message):
    doc = yaml.safe_load(settings.catalogue_file().read_text(encoding="utf-8"))
    mutate(doc)
    path = tmp_path / "catalogue.yml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    with pytest.raises(CatalogueError, match=message):
        catalogue.load_catalogue(path)


def test_map_legends_name_layers_by_their_catalogue_titles():
    """maps/styles.yml does not name catalogued layers again: their legends read the catalogue."""
    from geo.render.styles import load_styles

    raw = yaml.safe_load(settings.map_style_file().read_text(encoding="utf-8"))
    styles = load_styles()
    for name, (zh, en) in catalogue.layer_titles().items():
        assert "label_zh" not in (raw["layers"].get(name) or {}), name
        if name in styles.layers:
            assert (styles.layers[name].label_zh, styles.layers[name].label_en) == (zh, en)
