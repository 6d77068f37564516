"""Importing point files: bad rows by reason, BD-09/GCJ-02 conversion, formats, chunking."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import shapely
from pyproj import Geod

from geo.crs import convert_coords
from geo.errors import CoordinateSystemError
from geo.points import REJECT_REASONS, import_points
from geo.points.importer import PointImportError, read_points_metadata

DATA = Path(__file__).resolve().parent.parent / "data" / "points"
BAD_ROWS = DATA / "firms_bad_rows.csv"
GEOD = Geod(ellps="WGS84")


def _expected_reasons() -> pd.Series:
    """The reason each fixture row should get, read from its note column (written by hand)."""
    notes = pd.read_csv(BAD_ROWS, dtype=str, keep_default_na=False)["note"]
    return notes.str.extract(r"^(good|missing|unparsable|swapped|out_of_region)")[0]


def test_each_bad_row_reason_is_caught_and_counted(tmp_path):
    out = tmp_path / "firms.parquet"
    summary = import_points(BAD_ROWS, lon="lng", lat="lat", crs="gcj02", category="industry", out=out)
    expected = _expected_reasons()
    assert summary.rows_read == len(expected) == 13
    assert summary.accepted == (expected == "good").sum() == 3
    for reason in REJECT_REASONS:
        assert summary.rejected[reason] == (expected == reason).sum(), reason
    assert summary.accepted + summary.rejected_total == summary.rows_read
    # every rejected row is in the rejects file, with its reason and source row
    rejects = pd.read_csv(summary.rejects, dtype={"lng": str, "lat": str})
    assert len(rejects) == summary.rejected_total
    want = expected[expected != "good"]
    assert list(rejects["src_row"]) == list(want.index)
    assert list(rejects["reject_reason"]) == list(want)
    assert list(rejects["firm"]) == list(pd.read_csv(BAD_ROWS)["firm"][want.index])
    # and the summary the CLI prints says it
    text = summary.format()
    assert "swapped" in text and " 2" in text


def test_accepted_rows_are_converted_from_gcj02_and_keep_their_columns(tmp_path):
    summary = import_points(BAD_ROWS, lon="lng", lat="lat", crs="gcj02", category="industry",
                            out=tmp_path / "f.parquet")
    gdf = gpd.read_parquet(summary.out)
    assert gdf.crs.to_epsg() == 4326
    src = pd.read_csv(BAD_ROWS).iloc[:3]
    lon, lat = convert_coords(src["lng"], src["lat"], src="gcj02", dst="wgs84")
    np.testing.assert_allclose(gdf.geometry.x, lon, atol=1e-9)
    np.testing.assert_allclose(gdf.geometry.y, lat, atol=1e-9)
    # GCJ-02 in Wuhan sits about 590 m from WGS-84, so conversion did happen
    _, _, shift = GEOD.inv(src["lng"], src["lat"], gdf.geometry.x, gdf.geometry.y)
    assert np.all((shift > 400) & (shift < 800))
    assert list(gdf["firm"]) == list(src["firm"]) and list(gdf["src_row"]) == [0, 1, 2]
    assert "lng" not in gdf.columns and "lat" not in gdf.columns
    meta = read_points_metadata(summary.out)
    assert meta["category"] == "industry" and meta["source_coordinate_system"] == "gcj02"


def test_bd09_input_lands_on_its_wgs84_original_within_1_m(tmp_path):
    rng = np.random.default_rng(8)
    lon = rng.uniform(114.2, 114.6, 500)
    lat = rng.uniform(30.4, 30.65, 500)
    bd_lon, bd_lat = convert_coords(lon, lat, src="wgs84", dst="bd09")
    csv = tmp_path / "baidu.csv"
    pd.DataFrame({"id": np.arange(500), "x": bd_lon, "y": bd_lat}).to_csv(csv, index=False, float_format="%.9f")
    summary = import_points(csv, lon="x", lat="y", crs="bd09", out=tmp_path / "baidu.parquet")
    assert summary.accepted == 500
    gdf = gpd.read_parquet(summary.out).sort_values("src_row")
    _, _, err = GEOD.inv(lon, lat, gdf.geometry.x.to_numpy(), gdf.geometry.y.to_numpy())
    assert err.max() < 1.0
    # the BD-09 input itself is more than a kilometre away: the check is not vacuous
    _, _, raw = GEOD.inv(lon, lat, bd_lon, bd_lat)
    assert raw.min() > 800


def test_crs_is_required_unless_declared_and_must_agree(tmp_path):
    with pytest.raises(CoordinateSystemError, match="does not declare"):
        import_points(BAD_ROWS, lon="lng", lat="lat", out=tmp_path / "x.parquet")
    assert not (tmp_path / "x.parquet").exists()
    first = import_points(BAD_ROWS, lon="lng", lat="lat", crs="gcj02", out=tmp_path / "a.parquet")
    # the toolkit's own output declares WGS-84: re-importing needs no crs, and refuses a contradiction
    again = import_points(first.out, out=tmp_path / "b.parquet")
    assert again.source_crs == "wgs84" and again.accepted == first.accepted
    with pytest.raises(CoordinateSystemError, match="declares WGS84"):
        import_points(first.out, crs="gcj02", out=tmp_path / "c.parquet")


def test_geojson_and_geopackage_use_point_geometry_and_reject_non_points(tmp_path):
    geoms = [shapely.Point(114.36, 30.52), None, shapely.LineString([(114.3, 30.5), (114.4, 30.5)]),
             shapely.Point(30.52, 114.36), shapely.Point(114.40, 30.50)]
    gdf = gpd.GeoDataFrame({"name": list("abcde"), "kind": ["x", "y", "x", "y", "x"]}, geometry=geoms, crs=4326)
    expected = {"missing": 1, "not_a_point": 1, "swapped": 1}
    gpkg = tmp_path / "pts.gpkg"
    gdf.to_file(gpkg, layer="firms")
    s = import_points(gpkg, crs="wgs84", out=tmp_path / "g.parquet")
    assert s.accepted == 2 and {k: v for k, v in s.rejected.items() if v} == expected
    out = gpd.read_parquet(s.out)
    assert list(out["name"]) == ["a", "e"]
    geojson = tmp_path / "pts.geojson"
    doc = json.loads(gdf.to_json())
    doc["coordinate_system"] = "GCJ-02"  # a declared system needs no crs argument
    geojson.write_text(json.dumps(doc), encoding="utf-8")
    s2 = import_points(geojson, out=tmp_path / "j.parquet")
    assert s2.source_crs == "gcj02" and s2.accepted == 2
    rej = pd.read_csv(s2.rejects)
    assert sorted(rej["reject_reason"]) == ["missing", "not_a_point", "swapped"]


def test_small_chunks_give_the_same_output_as_one_chunk(tmp_path):
    rng = np.random.default_rng(3)
    n = 1000
    lon = rng.uniform(114.2, 114.6, n).astype(object)
    lat = rng.uniform(30.4, 30.6, n).astype(object)
    lon[::97] = None
    lat[5::111] = "??"
    src = tmp_path / "src.parquet"
    pq.write_table(pa.table({"i": np.arange(n), "lon": pa.array([None if v is None else str(v) for v in lon]),
                             "lat": pa.array([None if v is None else str(v) for v in lat])}), src)
    one = import_points(src, lon="lon", lat="lat", crs="wgs84", out=tmp_path / "one.parquet")
    many = import_points(src, lon="lon", lat="lat", crs="wgs84", out=tmp_path / "many.parquet", chunk_rows=64)
    assert one.rejected == many.rejected and one.accepted == many.accepted
    assert pq.ParquetFile(src).metadata.num_rows == one.rows_read == many.rows_read
    a, b = gpd.read_parquet(one.out), gpd.read_parquet(many.out)
    assert a["src_row"].tolist() == b["src_row"].tolist() == a["i"].tolist()
    assert a.geometry.geom_equals_exact(b.geometry, 0).all()
    assert pd.read_csv(one.rejects).equals(pd.read_csv(many.rejects))


def test_unusable_inputs_are_refused(tmp_path):
    with pytest.raises(PointImportError, match="--lon"):
        import_points(BAD_ROWS, crs="gcj02", out=tmp_path / "x.parquet")
    with pytest.raises(PointImportError, match="no column 'longitude'"):
        import_points(BAD_ROWS, lon="longitude", lat="lat", crs="gcj02", out=tmp_path / "x.parquet")
    with pytest.raises(PointImportError, match="category"):
        import_points(BAD_ROWS, lon="lng", lat="lat", crs="gcj02", category="sector", out=tmp_path / "x.parquet")
    assert not (tmp_path / "x.parquet").exists() and not (tmp_path / "x.rejects.csv").exists()
