"""`corridor export`: options, layers in three formats, the manifest, failures reported.

The print layouts themselves (PNG/PDF in headless Chromium) are tested in test_print.py, the atlas
in test_atlas.py.
"""

from __future__ import annotations

import hashlib
import json

import geopandas as gpd
import pytest
import shapely

from geo import cli, settings
from geo.render.export import ExportError, parse_formats, run_export, write_manifest
from geo.render.printing import PageSetup, parse_bbox, resolve_extent
from tests.render.conftest import FIXTURE_ANALYSIS, read_fixture_layers


def test_parse_formats_and_page_sizes():
    assert parse_formats("png, GPKG,pdf") == ("png", "gpkg", "pdf")
    assert parse_formats(None) == ("png", "pdf", "gpkg", "geojson", "parquet")
    with pytest.raises(ExportError, match="shp"):
        parse_formats("png,shp")
    # page inches x dpi: A4 is 210 x 297 mm, A3 297 x 420 mm, 25.4 mm to the inch
    assert PageSetup("A4", "landscape", 150).pixels == (round(297 / 25.4 * 150), round(210 / 25.4 * 150))
    assert PageSetup("A4", "landscape", 150).pixels == (1754, 1240)
    assert PageSetup("A3", "portrait", 300).pixels == (round(297 / 25.4 * 300), round(420 / 25.4 * 300))
    for bad in ({"page": "A5"}, {"orientation": "sideways"}, {"dpi": 10}):
        with pytest.raises(ExportError):
            PageSetup(**bad)


def test_extent_is_a_box_or_a_feature_id_of_the_layers(fixture_layers):
    assert parse_bbox("114.3, 30.4,114.5,30.6") == (114.3, 30.4, 114.5, 30.6)
    assert parse_bbox("zhigu") is None
    with pytest.raises(ExportError, match="minlon"):
        parse_bbox("114.5,30.4,114.3,30.6")  # west east swapped
    extent = resolve_extent("zhigu", fixture_layers)
    zhigu = fixture_layers["zhigu"]
    expected = zhigu[zhigu["id"] == "zhigu"].to_crs(4326).geometry.iloc[0].bounds
    assert extent.bounds == pytest.approx(expected, abs=1e-9)
    park = fixture_layers["parks"].to_crs(4326).geometry.iloc[0].bounds
    assert resolve_extent("park-a", fixture_layers).bounds == pytest.approx(park, abs=1e-9)
    with pytest.raises(ExportError, match="did you mean park-a"):
        resolve_extent("park-b", fixture_layers)


def test_manifest_keeps_earlier_rows_whose_files_exist(tmp_path):
    (tmp_path / "png").mkdir()
    a, b = tmp_path / "png" / "a.png", tmp_path / "png" / "b.png"
    a.write_bytes(b"one")
    b.write_bytes(b"two")
    manifest = tmp_path / "exports.json"
    write_manifest([{"path": a, "map": "a", "sha256": "x"}, {"path": b, "map": "b", "sha256": "y"}], manifest)
    b.unlink()
    write_manifest([{"path": a, "map": "a", "sha256": "z"}], manifest)
    rows = json.loads(manifest.read_text(encoding="utf-8"))["files"]
    assert rows == [{"file": "png/a.png", "map": "a", "sha256": "z"}]


def test_layers_export_in_every_format_and_read_back(tmp_path, fixture_layers):
    layers = {k: fixture_layers[k] for k in ("campuses", "sites", "silicon_lanes")}
    report = run_export(formats=("gpkg", "geojson", "parquet"), out_dir=tmp_path, layers=layers, progress=False)
    assert report.ok
    assert len(report.written) == 9
    assert report.manifest == tmp_path / "exports.json"
    rows = {r["file"]: r for r in json.loads(report.manifest.read_text(encoding="utf-8"))["files"]}
    assert set(rows) == {p.name for p in report.written.values()}
    for path in report.written.values():
        assert rows[path.name]["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
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


def test_missing_chromium_is_one_line_saying_how_to_install_it(tmp_path, fixture_layers):
    report = run_export(formats=("png", "pdf", "geojson"), only=["zhigu", "sites"], maps_dir=tmp_path,
                        png_dir=tmp_path / "png", pdf_dir=tmp_path / "pdf", out_dir=tmp_path / "export",
                        layers=fixture_layers, map_names=["zhigu"], chromium=str(tmp_path / "no-chromium"),
                        progress=False)
    assert list(report.failed) == ["chromium"]
    message = report.failed["chromium"]
    assert "\n" not in message and "make browser" in message and "apt-get install chromium" in message
    assert sorted(report.written) == ["sites.geojson", "zhigu.geojson"]  # the layers still export
    assert not (tmp_path / "png").exists() and not (tmp_path / "pdf").exists()


def test_cli_validates_print_options(capsys):
    for argv, what in ((["export", "--dpi", "abc"], "dots per inch"), (["export", "--dpi", "5"], "50..600"),
                       (["export", "--page", "A5"], "A4 or A3"), (["export", "--extent", "114.5,30,114.3"], "feature id"),
                       (["export", "--format", "png,tif"], "tif"), (["export", "--orientation", "up"], "invalid choice")):
        with pytest.raises(SystemExit) as exc:
            cli.main(argv)
        assert exc.value.code == 2
        assert what in capsys.readouterr().err, argv


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
    out = capsys.readouterr().out
    assert code == 1
    assert "FAILED overview.png" in out or "FAILED chromium" in out  # no map page, or no browser at all


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

    asked = []
    monkeypatch.setattr("geo.render.export._export_prints", lambda report, *, maps, **kw: asked.extend(maps))
    report = run_export(formats=("png",), maps_dir=out_dir, png_dir=tmp_path / "png", progress=False)
    assert report.ok and "firms" not in asked and "overview" in asked
