"""Atomic writes: a failed write leaves the previous file as it was and no temporary file behind."""

import geopandas as gpd
import pytest
import shapely

from geo import io
from geo.errors import CoordinateSystemError


def layer(n=3):
    return gpd.GeoDataFrame(
        {"id": [f"f{i}" for i in range(n)]},
        geometry=[shapely.Point(114.3 + i / 100, 30.5) for i in range(n)],
        crs="EPSG:4326",
    )


def test_atomic_path_replaces_only_on_success(tmp_path):
    target = tmp_path / "out.txt"
    io.write_text("old", target)
    with pytest.raises(RuntimeError), io.atomic_path(target) as tmp:
        tmp.write_text("half written", encoding="utf-8")
        raise RuntimeError("writer crashed")
    assert target.read_text(encoding="utf-8") == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.txt"]
    io.write_text("new", target)
    assert target.read_text(encoding="utf-8") == "new"


def test_geopackage_with_several_tables_round_trips(tmp_path):
    gpkg = io.write_geopackage({"a": layer(2), "b": layer(3)}, tmp_path / "x.gpkg")
    assert len(io.read_layer(gpkg, layer="a")) == 2 and len(io.read_layer(gpkg, layer="b")) == 3
    # rewriting replaces the whole file: a table dropped from the mapping is gone
    io.write_geopackage({"b": layer(1)}, gpkg)
    import pyogrio

    assert [name for name, _ in pyogrio.list_layers(gpkg)] == ["b"]


def test_geojson_and_geoparquet_round_trip(tmp_path):
    src = layer(3)
    for path in (io.write_geojson(src, tmp_path / "x.geojson"), io.write_geoparquet(src, tmp_path / "x.parquet")):
        back = io.read_layer(path)
        assert list(back["id"]) == ["f0", "f1", "f2"] and back.crs.to_epsg() == 4326


def test_frame_without_crs_is_refused_before_writing(tmp_path):
    bad = gpd.GeoDataFrame({"id": ["x"]}, geometry=[shapely.Point(114.3, 30.5)])
    with pytest.raises(CoordinateSystemError):
        io.write_geojson(bad, tmp_path / "x.geojson")
    with pytest.raises(CoordinateSystemError):
        io.write_geopackage({"a": layer(), "bad": bad}, tmp_path / "y.gpkg")
    assert list(tmp_path.iterdir()) == []
