"""`corridor export`: PNGs in headless Chromium, layers in three formats, failures reported."""

from __future__ import annotations

import struct

import geopandas as gpd
import pytest
import shapely

from geo import cli, settings
from geo.render.export import ExportError, parse_formats, parse_size, run_export
from tests.render.cdp import BLOCKED_NETWORK_FLAGS, find_chromium
from tests.render.conftest import FIXTURE_ANALYSIS, read_fixture_layers


def _png_size(path) -> tuple[int, int]:
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", head[16:24])


def test_parse_size_and_formats():
    assert parse_size("1600x1000") == (1600, 1000)
    assert parse_formats("png, GPKG") == ("png", "gpkg")
    assert parse_formats(None) == ("png", "gpkg", "geojson", "parquet")
    for bad in ("1600", "axb", "10x10"):
        with pytest.raises(ExportError):
            parse_size(bad)
    with pytest.raises(ExportError, match="shp"):
        parse_formats("png,shp")


def test_layers_export_in_every_format_and_read_back(tmp_path, fixture_layers):
    layers = {k: fixture_layers[k] for k in ("campuses", "sites", "silicon_lanes")}
    report = run_export(formats=("gpkg", "geojson", "parquet"), out_dir=tmp_path, layers=layers, progress=False)
    assert report.ok
    assert len(report.written) == 9
    for name, gdf in layers.items():
        for fmt in ("gpkg", "geojson", "parquet"):
            path = tmp_path / f"{name}.{fmt}"
            back = gpd.read_parquet(path) if fmt == "parquet" else gpd.read_file(path, engine="pyogrio")
            assert back.crs.to_epsg() == 4326
            assert sorted(back["id"]) == sorted(gdf["id"])
            back = back.set_index("id").loc[list(gdf["id"])]
            assert shapely.equals_exact(back.geometry.values, gdf.geometry.values, tolerance=1e-9).all()


def test_only_selects_and_unknown_names_are_an_error(tmp_path, fixture_layers):
    report = run_export(only=["sites"], formats=("geojson",), out_dir=tmp_path, layers=fixture_layers, progress=False)
    assert list(report.written) == ["sites.geojson"]
    with pytest.raises(ExportError, match="nothing named"):
        run_export(only=["nope"], formats=("geojson",), out_dir=tmp_path, layers=fixture_layers, progress=False)


@pytest.mark.browser
def test_png_per_map_and_a_failed_map_does_not_stop_the_others(tmp_path, rendered):
    chromium = find_chromium()
    if chromium is None:
        pytest.skip("headless Chromium is not installed (run scripts/ensure_chromium.sh)")
    maps_dir = rendered.written["overview"].parent
    report = run_export(formats=("png",), size=(800, 600), maps_dir=maps_dir, png_dir=tmp_path,
                        map_names=["missing_map", "zhigu"], chromium=chromium, progress=False,
                        extra_chromium_args=BLOCKED_NETWORK_FLAGS)
    assert list(report.failed) == ["missing_map.png"]
    assert "corridor maps" in report.failed["missing_map.png"]
    assert _png_size(report.written["zhigu.png"]) == (800, 600)


def test_cli_maps_and_export(tmp_path, monkeypatch, capsys):
    import geo.layers

    layers = read_fixture_layers()
    monkeypatch.setattr(geo.layers, "load_layers", lambda *names, build_dir=None: {n: layers[n] for n in (names or layers)})
    monkeypatch.setattr(geo.layers, "layer_names", lambda: list(layers))
    monkeypatch.setattr(settings, "ANALYSIS_DIR", tmp_path / "absent")
    code = cli.main(["-q", "maps", "--only", "overview,zhigu", "--out", str(tmp_path / "maps")])
    out = capsys.readouterr().out
    assert code == 0
    assert (tmp_path / "maps" / "overview.html").exists() and (tmp_path / "maps" / "index.html").exists()
    assert str(tmp_path / "maps" / "overview.html") in out
    code = cli.main(["-q", "maps", "--only", "proximity", "--out", str(tmp_path / "maps")])
    out = capsys.readouterr().out
    assert code == 1 and "corridor analyse" in out
    monkeypatch.setattr(settings, "ANALYSIS_DIR", FIXTURE_ANALYSIS)
    code = cli.main(["-q", "export", "--format", "geojson", "--only", "sites", "--out", str(tmp_path / "export")])
    assert code == 0 and (tmp_path / "export" / "sites.geojson").exists()
    code = cli.main(["-q", "export", "--format", "png", "--only", "overview", "--maps", str(tmp_path / "nomaps"),
                     "--png-out", str(tmp_path / "png")])
    assert code == 1 and "FAILED overview.png" in capsys.readouterr().out


def test_cli_maps_without_points_output_skips_firms_and_exits_0(tmp_path, monkeypatch, capsys, caplog):
    import geo.layers

    layers = read_fixture_layers()
    monkeypatch.setattr(geo.layers, "load_layers", lambda *names, build_dir=None: {n: layers[n] for n in (names or layers)})
    monkeypatch.setattr(geo.layers, "layer_names", lambda: list(layers))
    monkeypatch.setattr(settings, "ANALYSIS_DIR", FIXTURE_ANALYSIS)
    monkeypatch.setattr(settings, "POINTS_DIR", tmp_path / "no-points")
    caplog.set_level("INFO", logger="corridor")
    out_dir = tmp_path / "maps"
    code = cli.main(["maps", "--out", str(out_dir)])
    out = capsys.readouterr().out
    assert code == 0, out
    for name in ("overview", "zhigu", "silicon_lanes", "corridor", "proximity", "land_supply"):
        assert (out_dir / f"{name}.html").exists(), name
    assert not (out_dir / "firms.html").exists() and "FAILED" not in out
    index = (out_dir / "index.html").read_text(encoding="utf-8")
    assert "firms.html" not in index
    lines = [r.getMessage() for r in caplog.records if "firms" in r.getMessage()]
    assert len(lines) == 1 and "skipped" in lines[0] and "corridor points zones" in lines[0]
    # and `corridor export` does not ask for the firms PNG that was never rendered
    from geo.render.export import run_export

    monkeypatch.setattr("geo.render.export.screenshot_map", lambda html, png, **kw: png)
    report = run_export(formats=("png",), maps_dir=out_dir, png_dir=tmp_path / "png", progress=False)
    assert report.ok and "firms.png" not in report.written and "overview.png" in report.written
