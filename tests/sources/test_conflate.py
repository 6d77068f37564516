"""Conflation: names, location, the report's shift and IoU, ambiguity, and the GCJ-02 check."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import box

from geo import settings
from geo.crs import convert_gdf
from geo.sources import conflate
from geo.sources.osm import FEATURE_COLUMNS

# A 600 m x 400 m campus in UTM 50N near 华中科技大学; the traced copy is moved by (DX, DY).
X0, Y0, W, H = 238_000.0, 3_379_000.0, 600.0, 400.0
DX, DY = 120.0, -50.0


def _wgs84(geoms):
    return gpd.GeoSeries(geoms, crs=settings.METRIC_CRS).to_crs(settings.STORAGE_CRS).to_list()


def _traced(rows):
    return gpd.GeoDataFrame(
        [{"id": fid, "name_zh": zh, "name_en": en, "kind": "campus", "source": "traced",
          "source_detail": "traced along test roads", "uncertainty_m": 100.0, "ref": "", "aliases": aliases}
         for fid, zh, en, aliases, _ in rows],
        geometry=_wgs84([g for *_, g in rows]), crs=settings.STORAGE_CRS,
    )


def _osm(rows):
    records = []
    for i, (name, extra, _) in enumerate(rows):
        rec = dict.fromkeys(FEATURE_COLUMNS)
        rec.update(osm_key=f"way/{1000 + i}", osm_type="way", osm_id=1000 + i, theme="campuses",
                   category="university", name=name, name_zh=name, alt_names="", tags_json="{}")
        rec.update(extra)
        records.append(rec)
    return gpd.GeoDataFrame(pd.DataFrame(records), geometry=_wgs84([g for *_, g in rows]), crs=settings.STORAGE_CRS)


OSM_RECT = box(X0, Y0, X0 + W, Y0 + H)
TRACED_RECT = box(X0 + DX, Y0 + DY, X0 + DX + W, Y0 + DY + H)


def test_shift_and_iou_of_a_moved_rectangle():
    traced = _traced([("hust-main", "华中科技大学（主校区）", "HUST, main campus", "华科;华中大", TRACED_RECT)])
    osm = _osm([("华中科技大学", {}, OSM_RECT)])
    report = conflate.match_layer(traced, osm, layer="campuses")
    row = report.iloc[0]
    assert row["status"] == "matched" and row["osm_key"] == "way/1000"
    overlap = (W - abs(DX)) * (H - abs(DY))
    expected_iou = overlap / (2 * W * H - overlap)
    assert row["iou"] == pytest.approx(expected_iou, rel=1e-6)
    assert row["centroid_shift_m"] == pytest.approx((DX**2 + DY**2) ** 0.5, abs=1e-3)
    # OSM centroid minus traced centroid
    assert (row["shift_east_m"], row["shift_north_m"]) == pytest.approx((-DX, -DY), abs=1e-3)
    assert row["traced_area_m2"] == pytest.approx(W * H, rel=1e-6)
    assert row["osm_area_m2"] == pytest.approx(W * H, rel=1e-6)


def test_sure_match_takes_osm_geometry():
    traced = _traced([("hust-main", "华中科技大学（主校区）", "HUST", "", TRACED_RECT)])
    osm = _osm([("华中科技大学", {}, OSM_RECT)])
    layers, report = conflate.conflate_layers({"campuses": traced}, osm, targets={"campuses": ("campuses",)})
    out = layers["campuses"].iloc[0]
    assert out["source"] == "osm" and out["osm_key"] == "way/1000"
    assert "way/1000" in out["source_detail"] and "traced along test roads" in out["source_detail"]
    assert out["uncertainty_m"] == settings.OSM_UNCERTAINTY_M
    assert out.geometry.equals_exact(osm.geometry.iloc[0], 1e-12)
    assert report.iloc[0]["matched_by"] == conflate.normalize_name("华中科技大学")


def test_abbreviation_matches_through_alias_table():
    traced = _traced([("hust-main", "华中科技大学", "", "", TRACED_RECT)])
    osm = _osm([("华中大", {"name_zh": "华中大"}, OSM_RECT)])
    assert conflate.match_layer(traced, osm, layer="campuses").iloc[0]["status"] == "matched"


def test_english_name_tag_matches():
    traced = _traced([("whut", "武汉理工大学（马房山校区）", "Wuhan University of Technology", "", TRACED_RECT)])
    osm = _osm([(None, {"name_en": "WUHAN UNIVERSITY OF TECHNOLOGY", "name_zh": None}, OSM_RECT)])
    assert conflate.match_layer(traced, osm, layer="campuses").iloc[0]["status"] == "matched"


def test_two_osm_features_with_the_same_name_are_ambiguous():
    half_w = box(X0, Y0, X0 + W / 2, Y0 + H)
    half_e = box(X0 + W / 2, Y0, X0 + W, Y0 + H)
    traced = _traced([("whut", "武汉理工大学", "", "", TRACED_RECT)])
    osm = _osm([("武汉理工大学", {}, half_w), ("武汉理工大学", {}, half_e)])
    layers, report = conflate.conflate_layers({"campuses": traced}, osm, targets={"campuses": ("campuses",)})
    assert report.iloc[0]["status"] == "ambiguous"
    assert "way/1000" in report.iloc[0]["candidates"] and "way/1001" in report.iloc[0]["candidates"]
    assert layers["campuses"].iloc[0]["source"] == "traced"
    assert layers["campuses"].geometry.iloc[0].equals(traced.geometry.iloc[0])


def test_one_osm_feature_claimed_by_two_places_is_ambiguous():
    traced = _traced([("a", "武汉大学（主校区）", "", "", TRACED_RECT), ("b", "武汉大学（医学部校区）", "", "", OSM_RECT)])
    osm = _osm([("武汉大学", {}, OSM_RECT)])
    report = conflate.match_layer(traced, osm, layer="campuses")
    assert list(report["status"]) == ["ambiguous", "ambiguous"]


def test_location_alone_never_matches():
    traced = _traced([("hust-main", "华中科技大学", "", "", TRACED_RECT)])
    osm = _osm([("喻家山小区", {"category": "residential"}, OSM_RECT)])
    row = conflate.match_layer(traced, osm, layer="campuses").iloc[0]
    assert row["status"] == "no_match"
    assert "location only" in row["candidates"]


def test_same_name_far_away_is_not_matched():
    far = box(X0 + 5000, Y0 + 5000, X0 + 5000 + W, Y0 + 5000 + H)
    traced = _traced([("hust-main", "华中科技大学", "", "", TRACED_RECT)])
    row = conflate.match_layer(traced, _osm([("华中科技大学", {}, far)]), layer="campuses").iloc[0]
    assert row["status"] == "name_elsewhere"


def test_name_keys_normalise_width_case_and_qualifiers():
    assert conflate.normalize_name("中国地质大学（武汉）") == conflate.normalize_name("中国地质大学(武汉)")
    keys = conflate.name_keys("武汉大学（主校区）")
    assert conflate.normalize_name("武汉大学") in keys and conflate.normalize_name("武大") in keys
    # the city in brackets may be left out in OSM's name of a campus
    assert conflate.normalize_name("中国地质大学南望山校区") in conflate.name_keys("中国地质大学（武汉）南望山校区")
    assert conflate.normalize_name("华中科技大学") not in conflate.name_keys("武汉大学（主校区）")


def _named_places():
    rows = [(f"p{i}", name, "", "", box(X0 + 1500 * i, Y0, X0 + 1500 * i + W, Y0 + H))
            for i, name in enumerate(["华中科技大学", "武汉理工大学", "华中农业大学"])]
    return _traced(rows)


def test_gcj02_shift_check_flags_shifted_data():
    refs = _named_places()
    shifted = convert_gdf(refs, src="wgs84", dst="gcj02").assign(name=refs["name_zh"], alt_names="",
                                                                 name_en=None)
    result = conflate.check_gcj02_shift(shifted, refs)
    assert result["looks_shifted"] and result["pairs"] == 3
    assert result["median_east_m"] == pytest.approx(result["expected_east_m"], abs=5)
    assert 450 < result["expected_east_m"] < 650 and -400 < result["expected_north_m"] < -150


def test_gcj02_shift_check_passes_clean_and_other_shifts():
    refs = _named_places()
    clean = refs.assign(name=refs["name_zh"], alt_names="", name_en=None)
    assert not conflate.check_gcj02_shift(clean, refs)["looks_shifted"]
    west = clean.copy()
    west.geometry = clean.geometry.to_crs(settings.METRIC_CRS).translate(-550, 250).to_crs(settings.STORAGE_CRS)
    assert not conflate.check_gcj02_shift(west, refs)["looks_shifted"]


def test_report_written_as_csv_and_log_section(tmp_path):
    traced = _traced([("hust-main", "华中科技大学", "", "", TRACED_RECT)])
    report = conflate.match_layer(traced, _osm([("华中科技大学", {}, OSM_RECT)]), layer="campuses")
    csv = conflate.write_report(report, tmp_path)
    back = pd.read_csv(csv)
    assert list(back.columns) == list(conflate.REPORT_COLUMNS)
    assert back.loc[0, "iou"] == pytest.approx(report.loc[0, "iou"], abs=0.01)
    text = (tmp_path / "conflation_report.txt").read_text(encoding="utf-8")
    assert "OSM conflation" in text and "hust-main" in text and "IoU" in text


def test_missing_crs_is_refused():
    from geo.errors import CoordinateSystemError

    traced = _traced([("hust-main", "华中科技大学", "", "", TRACED_RECT)])
    osm = _osm([("华中科技大学", {}, OSM_RECT)])
    with pytest.raises(CoordinateSystemError):
        conflate.match_layer(traced, osm.set_crs(None, allow_override=True), layer="campuses")


def test_cli_import_and_conflate(layer_set, osm_dir, tmp_path, capsys):
    from geo.cli import main
    from tests.sources.conftest import XML_FIXTURE

    assert main(["-q", "osm", "import", str(XML_FIXTURE), "--area", "hongshan"]) == 0
    assert main(["osm", "conflate", "--out", str(tmp_path / "rep")]) == 0
    out = capsys.readouterr().out
    assert "hust-main" in out and "beigang-park" in out
    report = pd.read_csv(tmp_path / "rep" / "conflation_report.csv").set_index("id")
    assert report.loc["hust-main", "status"] == "matched"
    assert report.loc["beigang-park", "osm_key"] == "relation/500"
    # traced campus = OSM campus moved 0.0008 degrees east: shift ~77 m, IoU (0.0062/0.0078)
    assert report.loc["hust-main", "centroid_shift_m"] == pytest.approx(76.7, abs=1.0)
    assert report.loc["hust-main", "iou"] == pytest.approx(0.0062 / 0.0078, abs=0.01)


@pytest.mark.parametrize("scale", [0.6, 1.8, 0.3, 2.2])
def test_same_name_on_an_outline_of_very_different_size_is_not_sure(scale):
    # A named OSM outline sharing the traced campus's centre with sides scaled by `scale`:
    # its area ratio is scale**2 (0.36 and 3.24 are within the limits, 0.09 and 4.84 not).
    ratio = scale**2
    low, high = settings.OSM_MATCH_AREA_RATIO
    expected = "matched" if low <= ratio <= high else "size_mismatch"
    cx, cy = X0 + W / 2, Y0 + H / 2
    small = box(cx - W * scale / 2, cy - H * scale / 2, cx + W * scale / 2, cy + H * scale / 2)
    traced = _traced([("hust-main", "华中科技大学（主校区）", "HUST", "", OSM_RECT)])
    report = conflate.match_layer(traced, _osm([("华中科技大学", {}, small)]), layer="campuses")
    assert report.iloc[0]["status"] == expected
    assert report.iloc[0]["osm_area_m2"] / report.iloc[0]["traced_area_m2"] == pytest.approx(ratio, rel=1e-6)
    layers, _ = conflate.conflate_layers({"campuses": traced}, _osm([("华中科技大学", {}, small)]),
                                         targets={"campuses": ("campuses",)})
    assert (layers["campuses"].iloc[0]["source"] == "osm") == (expected == "matched")
