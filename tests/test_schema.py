"""Validation at the door: each kind of bad input gets an error naming file, feature and problem,
and leaves the previous outputs untouched."""

import copy
import json
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely

from geo import crs, settings
from geo.errors import LayerValidationError
from geo.figures import FIGURE_COLUMNS
from geo.layers import LAYER_SPECS, build_layers
from geo.schema import validate_layer


def campus(fid, lon, lat, size=0.004, **extra):
    props = {
        "id": fid, "name_zh": f"测试校区{fid}", "name_en": f"Test campus {fid}", "kind": "campus",
        "source": "traced", "source_detail": "test fixture square", "uncertainty_m": 50,
        "ref": "zhigu_report_2021",
    }
    props.update(extra)
    ring = [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]
    return {"type": "Feature", "properties": props, "geometry": {"type": "Polygon", "coordinates": [ring]}}


def site(fid, lon, lat):
    props = {
        "id": fid, "name_zh": f"测试点{fid}", "name_en": f"Test site {fid}", "kind": "building",
        "source": "traced", "source_detail": "test fixture point", "uncertainty_m": 100, "ref": None,
    }
    return {"type": "Feature", "properties": props, "geometry": {"type": "Point", "coordinates": [lon, lat]}}


def collection(features, system="WGS-84"):
    doc = {"type": "FeatureCollection", "features": features}
    if system is not None:
        doc["coordinate_system"] = system
    return doc


def write(path: Path, doc) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(doc if isinstance(doc, str) else json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return path


@pytest.fixture
def layers_dir(tmp_path):
    base = tmp_path / "layers"
    write(base / "traced" / "campuses.geojson", collection([campus("c-a", 114.36, 30.53), campus("c-b", 114.40, 30.51)]))
    write(base / "traced" / "sites.geojson", collection([site("s-a", 114.37, 30.54)]))
    write(base / "traced" / "sites_zhigu.geojson", collection([site("s-b", 114.35, 30.53)]))
    write(base / "traced" / "sites_lanes.geojson", collection([site("s-c", 114.33, 30.52)]))
    write(base / "figures.csv", FIGURES_CSV)
    (base / "documents.yml").write_bytes(settings.documents_file().read_bytes())
    (base / "catalogue.yml").write_bytes(settings.catalogue_file().read_bytes())
    return base


#: One figure about campus c-a, in the figure table's form.
FIGURES_CSV = (
    ",".join(FIGURE_COLUMNS) + "\n"
    "zhigu_report_2021:c-a:floor_area_target,zhigu_report_2021,一、基本情况,2,campuses,c-a,测试校区c-a,place,"
    "floor_area_target,floor_area,target,220000,m2,约22万方,22,万方,3-5 years from 2021-06,2024,2026,document,\n"
)


NAMES = ("campuses", "sites")


@pytest.fixture
def built(layers_dir, tmp_path):
    out = tmp_path / "build"
    gpkg = build_layers(names=NAMES, layers_dir=layers_dir, out_dir=out, progress=False)
    return out, gpkg


def snapshot(out: Path) -> dict:
    return {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in sorted(out.rglob("*")) if p.is_file()}


def test_build_writes_gpkg_and_geojson(built):
    out, gpkg = built
    assert gpkg.exists() and (out / "geojson" / "campuses.geojson").exists()
    c = gpd.read_file(gpkg, layer="campuses")
    assert list(c["id"]) == ["c-a", "c-b"] and c.crs.to_epsg() == 4326
    assert set(c["layer"]) == {"campuses"}
    assert c.loc[0, "floor_area_target_m2"] == 220000 and c.loc[0, "floor_area_target_text"] == "约22万方"
    assert json.loads(c.loc[0, "figures_json"])[0]["ref"] == "zhigu_report_2021"
    s = gpd.read_file(gpkg, layer="sites")
    assert len(s) == 3 and set(s["source_file"]) == {
        "traced/sites.geojson", "traced/sites_zhigu.geojson", "traced/sites_lanes.geojson"}


def _bad_cases():
    bowtie = campus("c-bad", 114.36, 30.53)
    bowtie["geometry"]["coordinates"] = [[[114.36, 30.53], [114.37, 30.54], [114.37, 30.53], [114.36, 30.54], [114.36, 30.53]]]
    swapped = campus("c-bad", 114.36, 30.53)
    swapped["geometry"]["coordinates"] = [[[y, x] for x, y in swapped["geometry"]["coordinates"][0]]]
    far = campus("c-bad", 121.47, 31.23)  # Shanghai
    missing = campus("c-bad", 114.36, 30.53)
    del missing["properties"]["name_en"]
    text = json.dumps(collection([campus("c-a", 114.36, 30.53), campus("c-bad", 114.40, 30.51)]))
    return {
        "undeclared coordinate system": (collection([campus("c-a", 114.36, 30.53)], system=None), "no coordinate system declared", None),
        "lat/lon swapped": (collection([campus("c-a", 114.36, 30.53), swapped]), "swapped", "c-bad"),
        "self-intersecting": (collection([campus("c-a", 114.36, 30.53), bowtie]), "Self-intersection", "c-bad"),
        "duplicate id": (collection([campus("c-a", 114.36, 30.53), campus("c-a", 114.40, 30.51)]), "duplicate id", "c-a"),
        "missing field": (collection([campus("c-a", 114.36, 30.53), missing]), "missing required field(s): name_en", "c-bad"),
        "empty file": ("", "file is empty", None),
        "truncated": (text[: len(text) // 2], "not valid JSON", None),
        "far outside": (collection([campus("c-a", 114.36, 30.53), far]), "outside the study region", "c-bad"),
        "bad uncertainty": (collection([campus("c-bad", 114.36, 30.53, uncertainty_m=-5)]), "uncertainty_m", "c-bad"),
        "wrong geometry type": (collection([site("c-bad", 114.36, 30.53)]), "expects Polygon", "c-bad"),
    }


@pytest.mark.parametrize("case", list(_bad_cases()))
def test_bad_input_is_refused_clearly_and_outputs_untouched(case, built, layers_dir):
    doc, message, feature = _bad_cases()[case]
    out, _ = built
    before = snapshot(out)
    time.sleep(0.01)
    bad = write(layers_dir / "traced" / "campuses.geojson", doc)
    with pytest.raises(LayerValidationError) as info:
        build_layers(names=NAMES, layers_dir=layers_dir, out_dir=out, progress=False)
    text = str(info.value)
    assert message in text
    assert str(bad) in text  # names the file
    if feature:
        assert f"feature {feature!r}" in text  # names the feature
    assert snapshot(out) == before  # nothing rewritten
    assert not [p for p in out.rglob(".*") if p.is_file()]  # no temporary files left


def test_duplicate_id_across_layers(layers_dir, tmp_path):
    write(layers_dir / "traced" / "sites_lanes.geojson", collection([site("c-a", 114.33, 30.52)]))
    with pytest.raises(LayerValidationError, match="also used in layer 'campuses'"):
        build_layers(names=NAMES, layers_dir=layers_dir, out_dir=tmp_path / "o", progress=False)
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize("system", ["GCJ-02", "BD-09"])
def test_declared_chinese_system_is_converted_to_wgs84(system, layers_dir, tmp_path):
    feat = campus("c-a", 114.36, 30.53)
    doc = collection([copy.deepcopy(feat)], system=system)
    write(layers_dir / "traced" / "campuses.geojson", doc)
    gpkg = build_layers(names=NAMES, layers_dir=layers_dir, out_dir=tmp_path / "o", progress=False)
    got = gpd.read_file(gpkg, layer="campuses")
    xy = shapely.get_coordinates(got.geometry.values)
    src = np.array(feat["geometry"]["coordinates"][0])
    expected = np.column_stack(crs.convert_coords(src[:, 0], src[:, 1], src=system, dst="wgs84"))
    np.testing.assert_allclose(np.unique(xy, axis=0), np.unique(expected, axis=0), atol=1e-9)
    assert f"converted from {system.replace('-', '')}" in got.loc[0, "source_detail"]


def test_in_memory_layer_without_crs_is_refused():
    gdf = gpd.GeoDataFrame(
        [dict(campus("c-a", 114.36, 30.53)["properties"])],
        geometry=[shapely.box(114.36, 30.53, 114.37, 30.54)],
    )
    with pytest.raises(LayerValidationError, match="no CRS"):
        validate_layer(gdf, LAYER_SPECS["campuses"], path="osm-extract.osm")
    ok = validate_layer(gdf.set_crs(4326), LAYER_SPECS["campuses"])
    assert ok.crs.to_epsg() == 4326 and ok.loc[0, "layer"] == "campuses"
    assert settings.STORAGE_CRS == "EPSG:4326"


def test_figures_in_a_source_geojson_are_refused_with_where_they_belong(layers_dir, tmp_path):
    """A figure typed into a traced feature is refused: the figure table is its one place."""
    doc = collection([campus("c-a", 114.36, 30.53, figures=[{"name": "x", "value": 1, "unit": "count"}])])
    write(layers_dir / "traced" / "campuses.geojson", doc)
    with pytest.raises(LayerValidationError, match=r"campuses\.geojson.*'c-a'.*layers/figures\.csv"):
        build_layers(names=NAMES, layers_dir=layers_dir, out_dir=tmp_path / "out", progress=False)
    assert not (tmp_path / "out").exists()


def test_a_layer_saved_by_qgis_gdal_builds_unchanged(layers_dir, tmp_path):
    """QGIS (GDAL) rewrites a GeoJSON on save: it drops our coordinate_system member but declares
    CRS84. Such a file must build, with the same features and geometry as before the save."""
    src = layers_dir / "traced" / "campuses.geojson"
    before = gpd.read_file(src)
    before.to_file(tmp_path / "saved.geojson", driver="GeoJSON", engine="pyogrio")
    saved = json.loads((tmp_path / "saved.geojson").read_text(encoding="utf-8"))
    assert "coordinate_system" not in saved and "CRS84" in saved["crs"]["properties"]["name"]
    src.write_text(json.dumps(saved, ensure_ascii=False), encoding="utf-8")
    gpkg = build_layers(names=NAMES, layers_dir=layers_dir, out_dir=tmp_path / "out", progress=False)
    after = gpd.read_file(gpkg, layer="campuses")
    assert list(after["id"]) == list(before["id"])
    assert after.geometry.geom_equals_exact(before.geometry, tolerance=1e-9).all()
