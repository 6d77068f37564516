"""Dask and in-memory engines agree on a few thousand points (and on a two-worker LocalCluster),
through the one entry point ``zone_figures(..., engine=...)``."""

from __future__ import annotations

import json
import subprocess
import sys

import dask_geopandas
import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from geo import settings
from geo.cli import main as cli_main
from geo.layers import load_layers
from geo.points import import_points, zone_context, zone_figures
from geo.points.dask_engine import _xy_frame, dask_client, spatial_key

N = 4000


@pytest.fixture(scope="module")
def context():
    """The real zone layers and campuses, with a hand-made isochrone ring around 光谷广场."""
    layers = load_layers(*settings.POINT_ZONE_LAYERS)
    lon, lat = settings.OPTICS_VALLEY_CORE_LONLAT
    iso = gpd.GeoDataFrame({"campus_id": ["x", "x"], "mode": ["walk", "bike"], "minutes": [10, 10]},
                           geometry=[shapely.Point(lon, lat).buffer(0.01), shapely.Point(lon, lat).buffer(0.03)],
                           crs=settings.STORAGE_CRS)
    return zone_context(layers, isochrones=iso), layers


@pytest.fixture(scope="module")
def points():
    rng = np.random.default_rng(21)
    x0, y0, x1, y1 = settings.CORE_BOUNDS
    lon = np.r_[rng.uniform(x0, x1, N - 500), rng.uniform(113.8, 115.5, 500)]
    lat = np.r_[rng.uniform(y0, y1, N - 500), rng.uniform(29.7, 31.2, 500)]
    return gpd.GeoDataFrame({"industry": rng.choice(["软件", "光电", "生物", None], N)},
                            geometry=shapely.points(lon, lat), crs=settings.STORAGE_CRS)


def _same(a, b):
    pd.testing.assert_frame_equal(pd.DataFrame(a.zones.drop(columns="geometry")),
                                  pd.DataFrame(b.zones.drop(columns="geometry")))
    pd.testing.assert_frame_equal(a.categories, b.categories)
    pd.testing.assert_frame_equal(a.isochrones, b.isochrones)
    pd.testing.assert_frame_equal(pd.DataFrame(a.targets.drop(columns="geometry")),
                                  pd.DataFrame(b.targets.drop(columns="geometry")))


def test_both_engines_through_one_entry_point_give_identical_figures(context, points, tmp_path):
    ctx, layers = context
    memory = zone_figures(points, context=ctx, zones=layers, category="industry", engine="memory", chunk_rows=700)
    assert memory.summary["engine"] == "memory"
    assert memory.zones.set_index("zone_id").loc["all-points", "points"] == N
    assert memory.zones["points"].iloc[:-1].sum() > N  # points fall in several layers at once
    ddf = dask_geopandas.from_geopandas(points, npartitions=5)
    path = tmp_path / "pts.parquet"
    points.to_parquet(path, row_group_size=900)
    with dask_client(n_workers=2, processes=False) as client:
        assert len(client.scheduler_info()["workers"]) == 2
        on_dask = zone_figures(ddf, context=ctx, zones=layers, category="industry", engine="dask", client=client)
        # a GeoParquet path (one partition per row group), with and without the spatial shuffle
        from_path = zone_figures(path, context=ctx, zones=layers, category="industry", engine="dask",
                                 client=client, spatial_order=False)
        shuffled = zone_figures(path, context=ctx, zones=layers, category="industry", engine="dask",
                                client=client, spatial_order=True, npartitions=3)
        # an in-memory frame handed to Dask
        from_frame = zone_figures(points, context=ctx, zones=layers, category="industry", engine="dask",
                                  client=client, npartitions=2)
    assert on_dask.summary["engine"] == "dask" and on_dask.summary["partitions"] == 5
    assert not from_path.summary["spatially_ordered"] and from_path.summary["partitions"] == 5  # 4000 / 900
    assert shuffled.summary["spatially_ordered"] and shuffled.summary["partitions"] == 3
    for other in (on_dask, from_path, shuffled, from_frame):
        _same(memory, other)


def test_a_dask_collection_goes_to_dask_by_default_and_bad_options_are_refused(context, points):
    ctx, layers = context
    ddf = dask_geopandas.from_geopandas(points, npartitions=2)
    with pytest.raises(ValueError, match="memory engine takes no option client"):
        zone_figures(points, context=ctx, zones=layers, client=object())
    with pytest.raises(ValueError, match="unknown points engine 'spark'"):
        zone_figures(points, context=ctx, zones=layers, engine="spark")
    with pytest.raises(TypeError, match="use engine='dask'"):
        zone_figures(ddf, context=ctx, zones=layers, engine="memory")
    with dask_client(n_workers=1, processes=False) as client:
        auto = zone_figures(ddf, context=ctx, zones=layers, client=client)
    assert auto.summary["engine"] == "dask"
    assert auto.zones["points"].tolist() == zone_figures(points, context=ctx, zones=layers).zones["points"].tolist()


def test_importing_the_package_does_not_import_dask():
    code = ("import sys, geo.points, geo.points.zones, geo.points.memory_engine; "
            "print(sorted({m.split('.')[0] for m in sys.modules} & {'dask', 'distributed', 'dask_geopandas'}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_imported_file_through_both_engines_and_the_cli(context, points, tmp_path):
    ctx, layers = context
    csv = tmp_path / "firms.csv"
    pd.DataFrame({"industry": points["industry"], "lng": points.geometry.x, "lat": points.geometry.y}).to_csv(
        csv, index=False, float_format="%.8f")
    summary = import_points(csv, lon="lng", lat="lat", crs="wgs84", category="industry",
                            out=tmp_path / "firms.parquet")
    memory = zone_figures(summary.out, context=ctx, zones=layers)  # category read from the file
    assert memory.summary["category"] == "industry"
    direct = zone_figures(points, context=ctx, zones=layers, category="industry")
    # same counts as the frame the CSV came from (CSV text loses nothing at 8 decimals)
    assert memory.zones["points"].tolist() == direct.zones["points"].tolist()
    dask_result = zone_figures(dask_geopandas.read_parquet(summary.out, split_row_groups=True), context=ctx,
                               zones=layers, category="industry", engine="dask", processes=False)
    _same(memory, dask_result)
    out = tmp_path / "zones"
    # `--engine dask --scheduler ADDRESS`: any running scheduler (here an in-process one)
    with dask_client(n_workers=2, processes=False) as client:
        code = cli_main(["-q", "points", "zones", str(summary.out), "--engine", "dask",
                         "--scheduler", client.scheduler.address, "--out", str(out)])
    assert code == 0
    assert json.loads((out / "zone_points.json").read_text())["engine"] == "dask"
    table = pd.read_csv(out / "zone_points.csv")
    # the CLI builds its own context (analysis isochrones or none), but the counts are the same
    assert table["points"].tolist() == memory.zones["points"].tolist()


def test_cli_import_prints_where_rows_went(tmp_path, capsys):
    from pathlib import Path

    bad = Path(__file__).resolve().parent.parent / "data" / "points" / "firms_bad_rows.csv"
    code = cli_main(["-q", "points", "import", str(bad), "--lon", "lng", "--lat", "lat", "--crs", "gcj02",
                     "--out", str(tmp_path / "f.parquet")])
    assert code == 0
    text = capsys.readouterr().out
    assert "accepted" in text and "swapped" in text and str(tmp_path / "f.rejects.csv") in text
    assert cli_main(["-q", "points", "import", str(bad), "--lon", "lng", "--lat", "lat"]) == 1


def test_spatial_key_skips_unlocated_points_and_clamps_outside_ones():
    x0, y0, x1, y1 = settings.STUDY_REGION_BOUNDS
    key = spatial_key(np.array([np.nan, x0, x1, x1 + 5, 114.3]), np.array([30.5, y0, y0, y0 - 5, np.nan]))
    assert key[0] == 0 and key[4] == 0  # unlocated
    assert key[1] == 0  # the curve starts at the region's south-west corner
    assert key[2] == key[3] > 0  # a point beyond the south-east corner is clamped onto it
    assert key[2] == (1 << 32) - 1  # which ends the level-16 curve


def test_hilbert_sorted_partitions_are_spatially_compact(points):
    xy = _xy_frame(points, "industry", True).sort_values("hilbert")
    core = xy[(xy["lon"] > 114.25) & (xy["lon"] < 114.55) & (xy["lat"] > 30.38) & (xy["lat"] < 30.62)]

    def box_area(df):
        return (df["lon"].max() - df["lon"].min()) * (df["lat"].max() - df["lat"].min())

    # eight consecutive Hilbert runs of the core's points cover far less than eight copies of the
    # core's box (random runs would each span nearly all of it)
    def split(df):
        bounds = np.linspace(0, len(df), 9).astype(int)
        return [df.iloc[a:b] for a, b in zip(bounds[:-1], bounds[1:], strict=True)]

    runs = split(core)
    assert sum(box_area(r) for r in runs) < 0.5 * 8 * box_area(core)
    shuffled = split(core.sample(frac=1, random_state=0))
    assert sum(box_area(r) for r in shuffled) > 0.9 * 8 * box_area(core)
