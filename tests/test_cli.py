"""The `corridor` command: help, exit codes, and the layers stage end to end."""

import subprocess
import sys

import geopandas as gpd

from geo import cli, settings


def test_help_lists_subcommands(capsys):
    parser = cli.build_parser()
    help_text = " ".join(parser.format_help().split())
    for name in ("all", "layers"):
        assert name in help_text
    assert "OpenStreetMap contributors" in help_text


def test_no_command_prints_help_and_exits_2(capsys):
    assert cli.main([]) == 2
    assert "usage: corridor" in capsys.readouterr().out


def test_layers_command_builds_into_given_folder(tmp_path, capsys):
    assert cli.main(["-q", "layers", "--out", str(tmp_path)]) == 0
    assert str(tmp_path / "corridor.gpkg") in capsys.readouterr().out
    assert len(gpd.read_file(tmp_path / "corridor.gpkg", layer="campuses")) >= 10


def test_bad_layer_input_exits_1_with_the_file_named(tmp_path, monkeypatch):
    layers = tmp_path / "layers"
    (layers / "traced").mkdir(parents=True)
    (layers / "admin").mkdir()
    (layers / "admin" / "cities.geojson").write_text('{"type": "FeatureCollection", "features": [', encoding="utf-8")
    for meta in (settings.catalogue_file(), settings.documents_file()):
        (layers / meta.name).write_bytes(meta.read_bytes())
    proc = subprocess.run(
        [sys.executable, "-m", "geo.cli", "-q", "layers", "--out", str(tmp_path / "out")],
        capture_output=True, text=True, env={**__import__("os").environ, "CORRIDOR_LAYERS_DIR": str(layers)},
    )
    assert proc.returncode == 1
    assert "cities.geojson" in proc.stderr and "not valid JSON" in proc.stderr
    assert not (tmp_path / "out").exists()


def test_library_chatter_stays_out_of_the_output(tmp_path):
    """pyogrio logs "Created N records" at INFO for each file it writes; a user sees only the toolkit."""
    proc = subprocess.run([sys.executable, "-m", "geo.cli", "layers", "--out", str(tmp_path / "out")],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert "Created" not in proc.stderr and "layers:" in proc.stdout
    verbose = subprocess.run([sys.executable, "-m", "geo.cli", "-v", "layers", "--out", str(tmp_path / "out2")],
                             capture_output=True, text=True)
    assert verbose.returncode == 0 and "Created" in verbose.stderr  # -v shows everything
