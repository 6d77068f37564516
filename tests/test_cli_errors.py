"""Every bad input gets one clear line, the right exit code, and nothing is lost (issue 15).

Each test runs the real CLI (``geo.cli.main`` in-process, or a subprocess where a mount
namespace or a signal is needed) in a temporary folder and checks the message, the exit
code and the checksums of the inputs and of the previous outputs before and after.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from geo import cli, settings
from geo.crs import convert_coords
from tests.data.bad.make_bad import write_all

REPO = Path(__file__).resolve().parents[1]


def digest(*paths: Path) -> dict[str, str]:
    """sha256 of every file under the given files/folders."""
    out = {}
    for root in paths:
        root = Path(root)
        files = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
        for f in files:
            out[str(f)] = hashlib.sha256(f.read_bytes()).hexdigest()
    return out


def run(capsys, *argv) -> tuple[int, str, str]:
    try:
        code = cli.main(["-q", *map(str, argv)])
    except SystemExit as exc:  # argparse's usage errors exit 2 from inside parse_args
        code = exc.code
    cap = capsys.readouterr()
    return code, cap.out, cap.err


def one_error_line(err: str) -> str:
    lines = [line for line in err.splitlines() if "error:" in line]
    assert len(lines) == 1, err
    assert "Traceback" not in err, err
    return lines[0]


@pytest.fixture()
def bad(tmp_path):
    return write_all(tmp_path / "bad")


@pytest.fixture()
def builds(tmp_path, monkeypatch):
    """Output folders of this test only."""
    build = tmp_path / "build"
    monkeypatch.setattr(settings, "BUILD_DIR", build)
    monkeypatch.setattr(settings, "MAPS_DIR", tmp_path / "maps")
    monkeypatch.setattr(settings, "OSM_DIR", tmp_path / "osm")
    return tmp_path


def firms_csv(path: Path, rows) -> Path:
    pd.DataFrame(rows, columns=["name", "lon", "lat"]).to_csv(path, index=False)
    return path


# --- inputs are never destroyed -----------------------------------------------------------------


def test_points_out_equal_to_the_input_is_refused_and_the_input_kept(tmp_path, capsys, builds):
    src = firms_csv(tmp_path / "firms.parquet.csv", [("a", 114.35, 30.52)])
    parquet = tmp_path / "firms.parquet"
    shutil.copy(src, parquet)  # a user's file that happens to carry the output's name
    before = digest(src, parquet)
    code, _, err = run(capsys, "points", "import", parquet, "--lon", "lon", "--lat", "lat", "--crs", "wgs84",
                       "--out", parquet)
    assert code == 2
    assert "is the input FILE; it would be overwritten" in one_error_line(err)
    code, _, err = run(capsys, "points", "import", src, "--lon", "lon", "--lat", "lat", "--crs", "wgs84",
                       "--out", tmp_path / "ok.parquet", "--rejects", src)
    assert code == 2 and "--rejects" in one_error_line(err) and "is the input" in err
    assert digest(src, parquet) == before
    assert not (tmp_path / "ok.parquet").exists()


def test_points_out_and_rejects_on_one_path_are_refused(tmp_path, capsys, builds):
    from geo.points import import_points
    from geo.points.importer import PointImportError

    src = firms_csv(tmp_path / "f.csv", [("a", 114.35, 30.52)])
    same = tmp_path / "x.csv"
    with pytest.raises(PointImportError, match="same file"):
        import_points(src, lon="lon", lat="lat", crs="wgs84", out=same, rejects=same)
    code, _, err = run(capsys, "points", "import", src, "--lon", "lon", "--lat", "lat", "--crs", "wgs84",
                       "--out", tmp_path / "x.parquet", "--rejects", tmp_path / "x.parquet")
    assert code == 2 and "must end with .csv" in one_error_line(err)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f.csv"]


def test_points_existing_folder_as_out_writes_nothing(tmp_path, capsys, builds):
    src = firms_csv(tmp_path / "f.csv", [("a", 114.35, 30.52)])
    folder = tmp_path / "out.parquet"
    folder.mkdir()
    code, _, err = run(capsys, "points", "import", src, "--lon", "lon", "--lat", "lat", "--crs", "wgs84",
                       "--out", folder)
    assert code == 2 and "is a folder; give a file name" in one_error_line(err)
    assert list(folder.iterdir()) == [] and sorted(p.name for p in tmp_path.iterdir()) == ["f.csv", "out.parquet"]


def test_empty_osm_file_keeps_the_cache(tmp_path, capsys, builds, bad):
    assert run(capsys, "osm", "import", REPO / "tests/data/osm/campus.osm", "--networks", "walk")[0] == 0
    cache = tmp_path / "osm"
    before = digest(cache)
    assert any(p.endswith("features.gpkg") for p in before)
    for name, expected in (("empty.osm", "holds no OSM elements"),
                           ("truncated.osm", "not a complete OSM XML file"),
                           ("corrupt.osm.pbf", "not a complete OSM PBF file")):
        code, _, err = run(capsys, "osm", "import", bad[name])
        line = one_error_line(err)
        assert code == 1, err
        assert name in line and expected in line and "cache was kept" in line
    assert digest(cache) == before


def test_truncated_overpass_answer_is_not_cached(tmp_path, monkeypatch, builds, caplog):
    """osmnx reports a 200 answer with cut-off JSON as "no data"; it must not become an empty cache."""
    import json as _json

    import osmnx as ox
    from osmnx._errors import InsufficientResponseError

    from geo.sources import osm

    assert osm.write_extract  # the cache writer exists
    (tmp_path / "osm" / "hongshan-wuchang").mkdir(parents=True)
    manifest = tmp_path / "osm" / "hongshan-wuchang" / "manifest.json"
    manifest.write_text('{"area": "hongshan-wuchang", "feature_counts": {"campuses": 12}}', encoding="utf-8")
    before = digest(tmp_path / "osm")

    def truncated(*args, **kwargs):
        try:
            _json.loads('{"elements": [{"type": "node", "id": 1, "lat": 30.5')
        except _json.JSONDecodeError as exc:
            raise InsufficientResponseError("'overpass-api.de' responded: 200 OK {...") from exc

    monkeypatch.setattr(osm, "overpass_reachable", lambda **kw: (True, ""))
    monkeypatch.setattr(ox.features, "features_from_polygon", truncated)
    monkeypatch.setattr(osm, "_sleep", lambda s: None)
    monkeypatch.setattr(settings, "OSM_MAX_RETRIES", 1)
    assert osm.fetch_osm("hongshan-wuchang", polygon=shapely.box(114.3, 30.5, 114.4, 30.6), network_types=(),
                         progress=False) is None
    assert "not complete JSON" in caplog.text and "cache was not changed" in caplog.text
    assert digest(tmp_path / "osm") == before
    from geo.errors import OSMUnavailableError

    with pytest.raises(OSMUnavailableError, match="not complete JSON"):
        osm.fetch_osm("hongshan-wuchang", polygon=shapely.box(114.3, 30.5, 114.4, 30.6), network_types=(),
                      require_osm=True, progress=False)


# --- encodings and malformed files ---------------------------------------------------------------


def test_gbk_point_csv_is_named_and_reads_with_encoding(tmp_path, capsys, builds, bad):
    code, _, err = run(capsys, "points", "import", bad["firms_gbk.csv"], "--lon", "lon", "--lat", "lat",
                       "--crs", "wgs84", "--out", tmp_path / "p.parquet")
    line = one_error_line(err)
    assert code == 1 and "firms_gbk.csv: line 2 is not UTF-8" in line and "--encoding gb18030" in line
    assert not (tmp_path / "p.parquet").exists()
    code, out, err = run(capsys, "points", "import", bad["firms_gbk.csv"], "--lon", "lon", "--lat", "lat",
                         "--crs", "wgs84", "--out", tmp_path / "p.parquet", "--encoding", "gb18030")
    assert code == 0, err
    names = gpd.read_parquet(tmp_path / "p.parquet")["name"].tolist()
    assert names == ["华中科技大学", "武汉大学"]


def test_gbk_traced_geojson_is_named_before_the_build(tmp_path, capsys, builds, monkeypatch):
    layers = tmp_path / "layers"
    shutil.copytree(settings.LAYERS_DIR, layers)
    path = layers / "traced" / "zhigu.geojson"
    path.write_bytes(path.read_text(encoding="utf-8").encode("gb18030"))
    monkeypatch.setattr(settings, "LAYERS_DIR", layers)
    code, _, err = run(capsys, "layers", "--out", tmp_path / "out")
    line = one_error_line(err)
    assert code == 1 and "zhigu.geojson" in line and "not UTF-8" in line and "GB18030" in line
    assert "iconv -f GB18030 -t UTF-8" in line
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("name, expected", [
    ("firms_ragged.csv", "line 3 has 4 fields but the header has 3"),
    ("firms_dup_header.csv", "the header names column 'lon' twice (columns 2 and 4)"),
    ("firms_excel.csv", "is an Excel workbook (.xlsx) or another zip file, not CSV text"),
])
def test_malformed_point_csvs(tmp_path, capsys, builds, bad, name, expected):
    before = digest(bad[name])
    code, _, err = run(capsys, "points", "import", bad[name], "--lon", "lon", "--lat", "lat", "--crs", "wgs84",
                       "--out", tmp_path / "p.parquet")
    line = one_error_line(err)
    assert code == 1 and name in line and expected in line
    assert not (tmp_path / "p.parquet").exists() and not (tmp_path / "p.rejects.csv").exists()
    assert digest(bad[name]) == before


def test_points_zones_given_a_csv(tmp_path, capsys, builds):
    src = firms_csv(tmp_path / "f.csv", [("a", 114.35, 30.52)])
    code, _, err = run(capsys, "points", "zones", src)
    assert code == 2 and "is not a GeoParquet file" in one_error_line(err)
    renamed = tmp_path / "f.parquet"
    shutil.copy(src, renamed)
    code, _, err = run(capsys, "points", "zones", renamed)
    assert code == 2 and "not the CSV" in one_error_line(err)


def test_point_files_that_keep_working(tmp_path, capsys, builds):
    """Decimal commas (semicolon-separated), a BOM, quoted newlines, duplicates, and .xlsx."""
    text = ("\ufeffname;lon;lat\n"
            "a;114,35;30,52\n"
            '"two\nlines";"114,36";30,53\n'
            "a;114,35;30,52\n")
    src = tmp_path / "excel_de.csv"
    src.write_text(text, encoding="utf-8")
    code, out, err = run(capsys, "points", "import", src, "--lon", "lon", "--lat", "lat", "--crs", "wgs84",
                         "--out", tmp_path / "p.parquet")
    assert code == 0, err
    got = gpd.read_parquet(tmp_path / "p.parquet")
    assert got["name"].tolist() == ["a", "two\nlines", "a"]
    assert np.allclose(got.geometry.x, [114.35, 114.36, 114.35]) and np.allclose(got.geometry.y, [30.52, 30.53, 30.52])
    assert "duplicates           1 rows repeat an earlier row" in out
    code, out, err = run(capsys, "points", "import", src, "--lon", "lon", "--lat", "lat", "--crs", "wgs84",
                         "--out", tmp_path / "p.parquet", "--drop-duplicates")
    assert code == 0 and len(gpd.read_parquet(tmp_path / "p.parquet")) == 2
    rejects = pd.read_csv(tmp_path / "p.rejects.csv", dtype=str)
    assert rejects[["src_row", "reject_reason"]].values.tolist() == [["2", "duplicate"]]
    xlsx = tmp_path / "firms.xlsx"
    pd.DataFrame({"name": ["x", "y"], "lon": [114.30, 114.31], "lat": [30.50, 30.51]}).to_excel(xlsx, index=False)
    code, out, err = run(capsys, "points", "import", xlsx, "--lon", "lon", "--lat", "lat", "--crs", "wgs84",
                         "--out", tmp_path / "x.parquet")
    assert code == 0, err
    assert np.allclose(gpd.read_parquet(tmp_path / "x.parquet").geometry.x, [114.30, 114.31])


# --- rasters and options ----------------------------------------------------------------------------


@pytest.mark.parametrize("argv, code, expected", [
    (["--band", "9"], 2, "--band 9: {raster} has 1 band(s); choose 1 to 1"),
    (["--band", "0"], 2, "argument --band: 0 must be 1 or more"),
    (["--stats", "median"], 2, "--stats: unknown statistic(s) median; choose from count, sum, mean, min, max"),
    (["--zones", "nowhere"], 2, "--zones: unknown layer(s) nowhere"),
])
def test_zonal_bad_options(tmp_path, capsys, builds, argv, code, expected):
    raster = tmp_path / "d.tif"
    shutil.copy(REPO / "tests/data/render/analysis/distance_to_campus.tif", raster)
    got, _, err = run(capsys, "zonal", raster, *argv, "--out", tmp_path / "z.csv")
    assert got == code
    assert expected.format(raster=raster) in one_error_line(err)
    assert not (tmp_path / "z.csv").exists()


def test_truncated_geotiff(tmp_path, capsys, builds, bad):
    code, _, err = run(capsys, "zonal", bad["truncated.tif"], "--out", tmp_path / "z.csv")
    line = one_error_line(err)
    assert code == 1 and "truncated.tif" in line and "truncated or corrupt" in line
    assert not (tmp_path / "z.csv").exists()


def test_raster_without_overlap_warns_instead_of_zeros(tmp_path, capsys, builds, caplog):
    import rasterio
    from rasterio.transform import from_origin

    far = tmp_path / "far.tif"
    with rasterio.open(far, "w", driver="GTiff", width=10, height=10, count=1, dtype="float32", crs="EPSG:4326",
                       transform=from_origin(100, 10, 0.1, 0.1)) as dst:
        dst.write(np.ones((1, 10, 10), "float32"))
    code = cli.main(["zonal", str(far), "--zones", "zhigu", "--out", str(tmp_path / "z.csv")])
    assert code == 0
    assert "does not overlap any of the" in caplog.text and "empty, not zero" in caplog.text
    table = pd.read_csv(tmp_path / "z.csv")
    assert (table["count"] == 0).all() and table["mean"].isna().all()


# --- output locations ---------------------------------------------------------------------------------


def test_maps_out_root_and_system_folders_are_refused(tmp_path, capsys, builds):
    before = sorted(os.listdir("/"))
    for target in ("/", "/etc", "/usr/share"):
        code, _, err = run(capsys, "maps", "--out", target)
        assert code == 2 and "refusing to write into" in one_error_line(err)
    assert sorted(os.listdir("/")) == before
    afile = tmp_path / "notes.txt"
    afile.write_text("mine", encoding="utf-8")
    code, _, err = run(capsys, "maps", "--out", afile)
    assert code == 2 and "is an existing file; give a folder" in one_error_line(err)
    assert afile.read_text(encoding="utf-8") == "mine"


def _unshare_works() -> bool:
    if shutil.which("unshare") is None:
        return False
    return subprocess.run(["unshare", "-m", "--map-root-user", "true"], capture_output=True).returncode == 0 or \
        subprocess.run(["unshare", "-m", "true"], capture_output=True).returncode == 0


def _in_mount(tmp_path: Path, options: str, argv: list[str]) -> subprocess.CompletedProcess:
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    script = (f"mount -t tmpfs -o {options} tmpfs {mnt} && exec {sys.executable} -m geo.cli -q "
              + " ".join(a.replace("{mnt}", str(mnt)) for a in argv))
    return subprocess.run(["unshare", "-m", "sh", "-c", script], capture_output=True, text=True, cwd=REPO,
                          env={**os.environ, "CORRIDOR_BUILD_DIR": str(tmp_path / "build")})


@pytest.mark.skipif(not _unshare_works(), reason="needs a private mount namespace (unshare -m)")
@pytest.mark.parametrize("options, expected", [
    ("ro,size=4m", "the file system is read-only"),
    ("size=64k", "only 64 KiB free"),
])
def test_read_only_and_full_output_folders(tmp_path, options, expected):
    proc = _in_mount(tmp_path, options, ["layers", "--out", "{mnt}/build"])
    assert proc.returncode == 2, proc.stderr
    line = one_error_line(proc.stderr)
    assert expected in line and "--out" in line


@pytest.mark.skipif(not _unshare_works(), reason="needs a private mount namespace (unshare -m)")
def test_disk_full_during_a_write_is_one_line_and_leaves_nothing(tmp_path):
    # 1.2 MiB passes the free-space check; the layers (several MiB) do not fit
    proc = _in_mount(tmp_path, "size=1200k", ["layers", "--out", "{mnt}/b"])
    assert proc.returncode == 1, proc.stderr
    line = one_error_line(proc.stderr)
    assert "no space left on the device" in line and "nothing was replaced" in line


# --- coordinate systems ---------------------------------------------------------------------------------


def _shift_file(path: Path, system: str) -> None:
    doc = json.loads(path.read_text(encoding="utf-8"))
    for feat in doc["features"]:
        geom = shapely.geometry.shape(feat["geometry"])
        geom = shapely.transform(geom, lambda c: np.column_stack(convert_coords(c[:, 0], c[:, 1], src="wgs84",
                                                                                dst=system)))
        feat["geometry"] = shapely.geometry.mapping(geom)
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")


@pytest.mark.parametrize("system, label", [("gcj02", "GCJ-02"), ("bd09", "BD-09")])
def test_shifted_wgs84_source_warns_and_strict_fails(tmp_path, capsys, builds, monkeypatch, caplog, system, label):
    layers = tmp_path / "layers"
    shutil.copytree(settings.LAYERS_DIR, layers)
    _shift_file(layers / "traced" / "roads.geojson", system)
    monkeypatch.setattr(settings, "LAYERS_DIR", layers)
    out = tmp_path / "out"
    assert run(capsys, "layers", "--out", out)[0] == 0
    assert f"traced/roads.geojson is declared WGS-84 but sits at the {label} offset" in caplog.text
    before = digest(out)
    code, _, err = run(capsys, "layers", "--strict", "--out", out)
    line = one_error_line(err)
    assert code == 1 and "roads.geojson" in line and f"{label} offset" in line
    # the measured shift is that of the conversion at Wuhan (GCJ-02 about 590 m, BD-09 about 1.2 km)
    metres = float(line.split("moved back by ")[1].split(" m")[0])
    lon, lat = convert_coords(np.array([114.35]), np.array([30.52]), src="wgs84", dst=system)
    expected = np.hypot((lon[0] - 114.35) * 111_320 * np.cos(np.radians(30.52)), (lat[0] - 30.52) * 110_574)
    assert abs(metres - expected) < 60
    assert digest(out) == before


def test_committed_sources_are_not_flagged(real_layers, caplog):
    from geo.layers import load_all_sources
    from geo.sources.shift_check import check_layers

    check_layers(load_all_sources(progress=False), strict=True)  # raises if any source were flagged


def test_points_at_the_gcj02_offset_get_the_crs_hint(tmp_path, capsys, builds, real_layers):
    roads = real_layers["roads"]
    xy = shapely.get_coordinates(roads.geometry.to_numpy())[::3][:300]
    lon, lat = convert_coords(xy[:, 0], xy[:, 1], src="wgs84", dst="gcj02")
    src = firms_csv(tmp_path / "amap_pois.csv", [(f"p{i}", x, y) for i, (x, y) in enumerate(zip(lon, lat, strict=True))])
    code, out, err = run(capsys, "points", "import", src, "--lon", "lon", "--lat", "lat", "--crs", "wgs84",
                         "--out", tmp_path / "p.parquet")
    assert code == 0, err
    assert "the points look GCJ-02 shifted" in out and "Re-import with --crs gcj02" in out
    code, out, err = run(capsys, "points", "import", src, "--lon", "lon", "--lat", "lat", "--crs", "gcj02",
                         "--out", tmp_path / "p.parquet")
    assert code == 0 and "look GCJ-02 shifted" not in out


def test_a_single_3d_vertex_is_dropped_with_a_note(tmp_path, capsys, builds, monkeypatch, caplog):
    layers = tmp_path / "layers"
    shutil.copytree(settings.LAYERS_DIR, layers)
    path = layers / "traced" / "zhigu.geojson"
    doc = json.loads(path.read_text(encoding="utf-8"))
    ring = doc["features"][0]["geometry"]["coordinates"][0]
    ring[1] = [*ring[1][:2], 25.0]
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    monkeypatch.setattr(settings, "LAYERS_DIR", layers)
    out = tmp_path / "out"
    code, _, err = run(capsys, "layers", "--out", out)
    assert code == 0, err
    fid = doc["features"][0]["properties"]["id"]
    assert "dropped the Z (height) values of 1 feature(s)" in caplog.text and fid in caplog.text
    built = gpd.read_file(out / "corridor.gpkg", layer="zhigu")
    assert not shapely.has_z(built.geometry.to_numpy()).any()
    assert not gpd.read_file(out / "geojson" / "zhigu.geojson").has_z.any()
    # the analyses (where `corridor all` used to crash) run on the 2-D build
    monkeypatch.setattr(settings, "BUILD_DIR", out)
    code, _, err = run(capsys, "analyse", "--out", tmp_path / "analysis", "--grid-m", "200")
    assert code == 0, err


# --- atomic builds, determinism, tracebacks -----------------------------------------------------------------


def test_build_is_staged_named_and_deterministic(tmp_path, capsys, builds, monkeypatch):
    out = tmp_path / "out"
    out.mkdir()
    stale = out / ".corridor-tmp-999999999-stage.abc"  # left by a killed run (no such pid)
    stale.mkdir()
    (stale / "corridor.gpkg").write_bytes(b"half")
    monkeypatch.setattr(settings, "BUILD_DIR", out)
    assert run(capsys, "layers", "--out", out)[0] == 0
    assert not stale.exists()
    first = digest(out)
    assert not [p for p in first if ".corridor-tmp-" in p]
    time.sleep(1.1)  # GDAL's timestamps have whole seconds: the second build runs in another second
    assert json.loads((out / "geojson" / "campuses.geojson").read_text(encoding="utf-8"))["name"] == "campuses"
    assert run(capsys, "layers", "--out", out)[0] == 0
    assert digest(out) == first  # byte-identical GeoPackage, GeoJSON and layers.json


def test_outputs_carry_no_wall_clock_time(tmp_path, monkeypatch):
    import sqlite3

    import rasterio

    from geo import io
    from geo.analysis.raster import Grid, write_surface

    frame = gpd.GeoDataFrame({"id": ["a"]}, geometry=[shapely.Point(114.3, 30.5)], crs="EPSG:4326")
    grid = Grid(west=250000.0, north=3380000.0, cell_m=10.0, width=40, height=30)
    surface = np.arange(1200, dtype=np.float32).reshape(30, 40)
    a = io.write_geopackage({"t": frame}, tmp_path / "a.gpkg")
    ta = write_surface(surface, grid, tmp_path / "a.tif")
    time.sleep(1.1)
    b = io.write_geopackage({"t": frame}, tmp_path / "b.gpkg")
    tb = write_surface(surface, grid, tmp_path / "b.tif")
    assert a.read_bytes() == b.read_bytes() and ta.read_bytes() == tb.read_bytes()
    with rasterio.open(ta) as src:
        assert "TIFFTAG_DATETIME" not in src.tags()
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")  # 2023-11-14T22:13:20Z
    c = io.write_geopackage({"t": frame}, tmp_path / "c.gpkg")
    with sqlite3.connect(c) as db:
        (stamp,) = db.execute("select last_change from gpkg_contents where table_name = 't'").fetchone()
    assert stamp.startswith("2023-11-14T22:13:20")
    monkeypatch.delenv("SOURCE_DATE_EPOCH")
    with sqlite3.connect(a) as db:
        (stamp,) = db.execute("select last_change from gpkg_contents where table_name = 't'").fetchone()
    assert stamp.startswith(settings.FIXED_OUTPUT_TIME[:19])


def test_failed_build_keeps_the_previous_outputs(tmp_path, capsys, builds, monkeypatch):
    out = tmp_path / "out"
    assert run(capsys, "layers", "--out", out)[0] == 0
    before = digest(out)
    layers = tmp_path / "layers"
    shutil.copytree(settings.LAYERS_DIR, layers)
    (layers / "traced" / "parks.geojson").write_text('{"type": "FeatureCollection", "features": [', encoding="utf-8")
    monkeypatch.setattr(settings, "LAYERS_DIR", layers)
    code, _, err = run(capsys, "layers", "--out", out)
    assert code == 1 and "parks.geojson" in one_error_line(err)
    assert digest(out) == before


def test_sigterm_mid_build_leaves_no_temporary_files(tmp_path):
    out = tmp_path / "out"
    proc = subprocess.Popen([sys.executable, "-c", (
        "import time, geo.io as io, geo.cli as cli\n"
        "orig = io._move_tree\n"
        "def slow(src, dst):\n"
        "    print('staged', flush=True); time.sleep(30); orig(src, dst)\n"
        "io._move_tree = slow\n"
        f"raise SystemExit(cli.main(['-q', 'layers', '--out', {str(out)!r}]))\n")],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO)
    assert proc.stdout.readline().strip() == "staged"
    proc.terminate()
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130 and "interrupted" in err and "Traceback" not in err
    assert not out.exists() or not [p for p in out.rglob("*")]


def test_html_ids_are_seeded():
    import folium

    from geo.render.ids import seed_element_ids

    def page():
        seed_element_ids("overview")
        fmap = folium.Map(location=[30.5, 114.3], tiles=None)
        folium.GeoJson({"type": "FeatureCollection", "features": []}).add_to(fmap)
        folium.LayerControl().add_to(fmap)
        return fmap.get_root().render()

    assert page() == page()
    seed_element_ids("other")
    assert folium.Map(tiles=None).get_name() != page().split("map_")[1][:32]


def test_verbose_adds_the_traceback(tmp_path, capsys, builds):
    src = firms_csv(tmp_path / "f.csv", [("a", 114.35, 30.52)])
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"name,lon,lat\n\xb9\xe2,1,2\n")
    code = cli.main(["-v", "points", "import", str(bad), "--lon", "lon", "--lat", "lat", "--crs", "wgs84",
                     "--out", str(tmp_path / "p.parquet")])
    err = capsys.readouterr().err
    assert code == 1 and "Traceback" in err and "not UTF-8" in err
    assert src.exists()


def test_unexpected_errors_are_one_line_too(tmp_path, capsys, builds, monkeypatch):
    from geo.commands import layers as layers_command

    def boom(args):
        raise KeyError("figures_json")

    monkeypatch.setattr(layers_command, "run", boom)
    monkeypatch.setattr(cli, "build_parser", _parser_with(layers_command))
    code, _, err = run(capsys, "layers")
    line = one_error_line(err)
    assert code == 1 and "unexpected KeyError" in line and "-v" in line


def _parser_with(module):
    original = cli.build_parser

    def build():
        parser = original()
        for action in parser._subparsers._group_actions:
            action.choices["layers"].set_defaults(func=module.run)
        return parser

    return build


OSM_WUHAN = settings.REPO_ROOT.parent / "shared" / "osm_wuhan"


@pytest.mark.skipif(not OSM_WUHAN.exists(), reason="needs the shared OSM data of Wuhan")
def test_point_hint_on_real_osm_data(tmp_path, capsys, builds, real_layers):
    """Real WGS-84 OSM points of Wuhan raise no false alarm; Guanggu's buildings and roads moved to BD-09 do."""
    for name in ("geoclaw_wuhan_metro_stations_osm.geojson", "geoclaw_wuhan_universities_osm.geojson",
                 "geoclaw_wuhan_hospitals_osm.geojson", "tilezen_guanggu_buildings_roads.geojson"):
        pts = gpd.read_file(OSM_WUHAN / name).to_crs("EPSG:4326").geometry.representative_point()
        src = firms_csv(tmp_path / f"{name}.csv", [(f"p{i}", p.x, p.y) for i, p in enumerate(pts)])
        code, out, err = run(capsys, "points", "import", src, "--lon", "lon", "--lat", "lat", "--crs", "wgs84",
                             "--out", tmp_path / "p.parquet")
        assert code == 0, err
        assert "look" not in out and "shifted" not in out, (name, out)
    lon, lat = convert_coords(pts.x.to_numpy(), pts.y.to_numpy(), src="wgs84", dst="bd09")
    src = firms_csv(tmp_path / "baidu.csv", [(f"p{i}", x, y) for i, (x, y) in enumerate(zip(lon, lat, strict=True))])
    code, out, err = run(capsys, "points", "import", src, "--lon", "lon", "--lat", "lat", "--crs", "wgs84",
                         "--out", tmp_path / "p.parquet")
    assert code == 0 and "the points look BD-09 shifted" in out and "--crs bd09" in out
