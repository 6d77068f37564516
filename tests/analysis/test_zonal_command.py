"""`corridor zonal` on a raster the test writes: sums per zone agree with a hand computation."""

import numpy as np
import pandas as pd
import pytest
import rasterio
from rasterio.transform import from_origin

from geo import cli, units
from geo.layers import load_layers


def test_zonal_command_sums_a_constant_raster_by_area(tmp_path):
    # A 1-per-cell raster of 50 m cells in UTM 50N over the 智谷: each zone's sum is its
    # cell count, which must be its area / 2,500 m² within edge effects.
    zhigu = load_layers("zhigu")["zhigu"].to_crs(32650)
    minx, miny, maxx, maxy = zhigu.total_bounds
    cell = 50.0
    west, north = np.floor(minx / cell) * cell - cell, np.ceil(maxy / cell) * cell + cell
    width, height = int((maxx - west) / cell) + 2, int((north - miny) / cell) + 2
    path = tmp_path / "ones.tif"
    with rasterio.open(path, "w", driver="GTiff", width=width, height=height, count=1, dtype="float32",
                       crs="EPSG:32650", transform=from_origin(west, north, cell, cell), nodata=-1) as dst:
        dst.write(np.ones((1, height, width), dtype="float32"))
    out = tmp_path / "zonal.csv"
    assert cli.main(["-q", "zonal", str(path), "--zones", "zhigu", "--out", str(out)]) == 0
    table = pd.read_csv(out).set_index("id")
    area = units.area_m2(zhigu.set_index("id")).loc["zhigu"]
    assert table.loc["zhigu", "sum"] == table.loc["zhigu", "count"]
    assert abs(table.loc["zhigu", "sum"] * cell**2 - area) / area < 0.03
    assert table.loc["zhigu", "zone_layer"] == "zhigu" and table.loc["zhigu", "mean"] == 1.0


def test_zonal_command_names_a_missing_raster(tmp_path, capsys):
    # a path that does not exist is a usage error: argparse names it and exits 2
    with pytest.raises(SystemExit) as exc:
        cli.main(["zonal", str(tmp_path / "nope.tif")])
    assert exc.value.code == 2
    assert "nope.tif does not exist" in capsys.readouterr().err
