"""The place registry: agreement with the documents, coverage figures, ids in the built
layers, and plausibility of the citywide traced layers (issue 5)."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import yaml
from shapely.geometry import Point

from geo import settings
from geo.commands.coverage import render_html
from geo.errors import RegistryError
from geo.figures import load_figures
from geo.layers import LAYER_SPECS, build_layers
from geo.registry import (
    check_against_texts,
    coverage,
    document_paragraphs,
    load_documents,
    load_registry,
    load_seed_texts,
    validate_registry,
)

DATA = Path(__file__).parent / "data" / "registry"
NEW_LAYERS = (
    "science_city", "citywide_corridors", "citywide_belts", "citywide_areas", "citywide_sites",
    "citywide_waterways", "zhigu_subdistricts", "zhigu_expansion",
)


# ---------------------------------------------------------------------------------------
# synthetic registry
# ---------------------------------------------------------------------------------------
@pytest.fixture()
def synthetic():
    documents = yaml.safe_load((DATA / "documents.yml").read_text(encoding="utf-8"))
    registry = load_registry(DATA / "registry.yml")
    texts = load_seed_texts(documents, seeds_dir=DATA)
    layers = {
        "parks": pd.DataFrame({"id": ["park-a"], "ref": ["doc_a"]}),
        "sites": pd.DataFrame({"id": ["site-b"], "ref": ["doc_a;doc_b"]}),
    }
    return documents, registry, texts, layers


def test_paragraph_numbering_follows_headings():
    text = (DATA / "a.txt").read_text(encoding="utf-8")
    paras = document_paragraphs(text, title="甲文件")
    assert ("第一节", 2, "乙大厦和丙实验室相邻。") in paras
    assert ("第二节", 0, "## 第二节") in paras
    assert [p for s, p, _ in paras if s == "第二节"] == [0, 1, 2]


def test_coverage_on_synthetic_registry(synthetic):
    documents, registry, _, layers = synthetic
    table = coverage(registry, documents=documents, layers=layers).set_index("document")
    a = table.loc["doc_a"]
    # 甲园区, 乙大厦 mapped; 丙实验室 only within a containing feature (never counted as mapped);
    # 一主三轴 not locatable; 北京 out of scope; 戊湖 missing
    assert (a["named"], a["mapped"], a["within"]) == (6, 2, 1)
    assert (a["not_locatable"], a["out_of_scope"], a["missing"], a["locatable"]) == (1, 1, 1, 4)
    assert a["share_mapped"] == pytest.approx(2 / 4)
    b = table.loc["doc_b"]  # mapped to an id that is not in the layers -> missing
    assert (b["named"], b["mapped"], b["missing"], b["share_mapped"]) == (1, 0, 1, 0)
    total = table.loc["total"]
    assert (total["named"], total["mapped"], total["within"], total["missing"]) == (7, 2, 1, 2)
    assert total["share_mapped"] == pytest.approx(2 / 5)
    # without layers the registry's own claim counts
    no_layers = coverage(registry, documents=documents).set_index("document")
    assert no_layers.loc["doc_b", "mapped"] == 1 and no_layers.loc["doc_b", "share_mapped"] == 1


def test_validate_flags_unknown_ids_and_documents(synthetic):
    documents, registry, _, layers = synthetic
    problems = validate_registry(registry, layers, documents=documents)
    assert any("'gone'" in p for p in problems)
    assert len(problems) == 1
    layers = dict(layers, parks=pd.DataFrame({"id": ["park-a"], "ref": ["doc_z"]}))
    problems = validate_registry(registry, layers, documents=documents)
    assert any("'doc_z'" in p and "park-a" in p for p in problems)


def test_names_and_locators_checked_against_texts(synthetic):
    documents, registry, texts, _ = synthetic
    assert check_against_texts(registry, texts, documents=documents) == []
    wrong = registry.places[0] | {"name_zh": "甲公园"}
    moved = registry.places[1] | {"locator": {"section": "第二节", "para": 1}}
    matched = registry.places[0] | {"name_zh": "甲园区（东湖）", "match": "甲园区"}
    bad = type(registry)(places=[wrong, moved, matched])
    problems = check_against_texts(bad, texts, documents=documents)
    assert len(problems) == 2
    assert "'甲公园' does not occur" in problems[0]
    assert "第一节" in problems[1]  # the message suggests where the name really is


def test_entry_without_locator_is_refused(tmp_path):
    path = tmp_path / "registry.yml"
    path.write_text(
        "places:\n  - {name_zh: 甲园区, name_en: A, kind: park, document: doc_a, mapped: {layer: parks, id: park-a}}\n",
        encoding="utf-8",
    )
    with pytest.raises(RegistryError, match="lacks a locator"):
        load_registry(path)
    path.write_text(
        "places:\n  - {name_zh: 甲园区, name_en: A, kind: park, document: doc_a, locator: {section: x, para: 1},"
        " mapped: {layer: parks, id: park-a}, not_locatable: why}\n",
        encoding="utf-8",
    )
    with pytest.raises(RegistryError, match="both"):
        load_registry(path)


def test_coverage_html_escapes_names(synthetic):
    documents, registry, _, layers = synthetic
    places = registry.places_frame()
    places.loc[0, "name_zh"] = "<script>alert(1)</script>"
    page = render_html(coverage(registry, documents=documents, layers=layers), places, documents=documents)
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page


# ---------------------------------------------------------------------------------------
# the real registry
# ---------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def real_registry():
    return load_registry()


@pytest.fixture(scope="module")
def documents():
    return load_documents()


@pytest.fixture(scope="module")
def built_layers(tmp_path_factory):
    out = tmp_path_factory.mktemp("build")
    gpkg = build_layers(out_dir=out, progress=False)
    return {name: gpd.read_file(gpkg, layer=name) for name in LAYER_SPECS}


def test_real_registry_agrees_with_documents(real_registry, documents):
    texts = load_seed_texts(documents)
    if len(texts) < len(documents):
        pytest.skip(f"policy document texts not found in {settings.SEEDS_DIR} (set CORRIDOR_SEEDS_DIR)")
    problems = check_against_texts(real_registry, texts, documents=documents)
    assert problems == [], "\n".join(problems)


def test_real_registry_every_entry_cites_a_known_document(real_registry, documents):
    for entry in real_registry.places:
        assert entry["document"] in documents, entry


def test_real_registry_ids_exist_in_built_layers(real_registry, documents, built_layers):
    problems = validate_registry(real_registry, built_layers, documents=documents)
    assert problems == [], "\n".join(problems)


def test_issue_places_are_mapped(real_registry):
    frame = real_registry.places_frame()
    for name in ("东湖高新区", "车谷产业创新大走廊", "滨江数创走廊", "环华科大创新发展带", "环三角湖", "环大军山",
                 "阿里巴巴华中总部", "青菱科技生态新城", "野芷湖", "东杨港", "南湖幸福湾公园", "九峰山实验室",
                 "中南路街道", "水果湖街道", "珞珈山街道", "武珞路", "环理工大创新街区", "武汉经开区", "科技小路"):
        rows = frame[frame["name_zh"] == name]
        assert not rows.empty and (rows["status"] == "mapped").all(), name


def test_new_layers_built_with_figures(built_layers):
    for name in NEW_LAYERS:
        gdf = built_layers[name]
        assert len(gdf) and gdf.crs.to_epsg() == 4326
        assert (gdf["uncertainty_m"] > 0).all() and gdf["source_detail"].str.len().gt(40).all()
    chegu = built_layers["citywide_corridors"].set_index("id").loc["corridor-chegu"]
    assert "洪湖" in chegu["linked_outside_wuhan"] and "蔡甸" in chegu["linked_districts"]


def test_built_features_carry_exactly_their_rows_of_the_figure_table(built_layers):
    """Every figure-table row about a feature arrives on that feature, with its value, unit and locator."""
    table = load_figures()
    about_features = table[table["subject_id"] != ""]
    assert len(about_features)
    for row in about_features.to_dict("records"):
        feature = built_layers[row["subject_layer"]].set_index("id").loc[row["subject_id"]]
        carried = {f["id"]: f for f in json.loads(feature["figures_json"])}
        fig = carried[row["id"]]
        assert (fig["value"], fig["unit"], fig.get("original", "")) == (row["value"], row["unit"], row["original"])
        assert fig.get("section", "") == row["section"] and fig.get("ref", "") == row["document"]
    for name, gdf in built_layers.items():
        for fid, text in zip(gdf["id"], gdf["figures_json"], strict=True):
            for fig in json.loads(text or "[]"):
                assert fig["id"] in set(about_features["id"]), (name, fid, fig["id"])


def test_science_city_area_is_the_planned_100_km2(built_layers):
    sci = built_layers["science_city"].set_index("id").to_crs(settings.METRIC_CRS)
    assert sci.loc["donghu-science-city"].geometry.area / 1e6 == pytest.approx(100, rel=0.05)
    # the science city lies inside the high-tech zone
    assert sci.loc["donghu-science-city"].geometry.within(sci.loc["donghu-high-tech-zone"].geometry.buffer(1))


def test_traced_positions_inside_their_district(built_layers):
    districts = built_layers["districts"].set_index("name_zh").to_crs(settings.METRIC_CRS)
    checked = 0
    for name in NEW_LAYERS:
        gdf = built_layers[name]
        if "district" not in gdf.columns:
            continue
        for row in gdf.dropna(subset=["district"]).to_crs(settings.METRIC_CRS).itertuples():
            if row.district not in districts.index:
                continue  # e.g. a functional zone spanning several districts
            boundary = districts.loc[row.district].geometry
            geom = row.geometry
            if geom.geom_type in ("Polygon", "MultiPolygon"):
                assert geom.intersection(boundary).area / geom.area > 0.9, row.id
            else:  # a point or line must lie inside, or within its own stated uncertainty of it
                assert boundary.distance(geom) <= row.uncertainty_m, (row.id, boundary.distance(geom))
            checked += 1
    assert checked >= 12


def test_no_gcj02_shift_on_alibaba_hq(built_layers):
    # 阿里巴巴华中总部 is published at 徐东大街 x 友谊大道; the WGS-84 traced 友谊大道 passes within
    # a few hundred metres, whereas a GCJ-02 coordinate would sit ~590 m east-south-east of it.
    roads = built_layers["roads"].set_index("id").to_crs(settings.METRIC_CRS)
    sites = built_layers["citywide_sites"].set_index("id").to_crs(settings.METRIC_CRS)
    hq = sites.loc["site-alibaba-central-china-hq"].geometry
    assert roads.loc["road-youyi-dadao"].geometry.distance(hq) < 150
    assert isinstance(hq, Point)


def test_within_is_only_for_places_located_by_containment_and_says_why(real_registry):
    """A place mapped only 'within' a containing feature is never counted as mapped, and its entry says
    why no feature of its own exists."""
    within = [e for e in real_registry.places if (e.get("mapped") or {}).get("within")]
    assert within, "the registry has places the text locates by containment alone"
    for e in within:
        assert e.get("note"), e["name_zh"]
    frame = real_registry.places_frame()
    assert set(frame.loc[frame["within"], "status"]) == {"within"}
