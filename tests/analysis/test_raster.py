import numpy as np
import pytest
import rasterio
import shapely
from rasterio.transform import from_origin

from geo.analysis import network as net
from geo.analysis import raster
from geo.errors import CoordinateSystemError
from tests.analysis.conftest import X0, Y0, at, box, frame


def _write(path, data, transform, crs, nodata=None):
    with rasterio.open(path, "w", driver="GTiff", width=data.shape[1], height=data.shape[0], count=1,
                       dtype=data.dtype, crs=crs, transform=transform, nodata=nodata) as dst:
        dst.write(data, 1)
    return path


def test_zonal_sums_metric_raster(tmp_path):
    # 10 x 10 cells of 100 m, value = 10 * row + col; one cell is nodata
    data = (np.arange(100, dtype=np.float32).reshape(10, 10))
    data[2, 3] = -1
    path = _write(tmp_path / "r.tif", data, from_origin(X0, Y0 + 1000, 100, 100), "EPSG:32650", nodata=-1)
    zones = frame({"id": ["z1", "z2", "out"]}, [
        box(0, 700, 500, 1000),    # rows 0-2, cols 0-4 (cell centres inside)
        box(-50, -50, 140, 140),   # partly outside the raster: holds one cell centre, (50, 50)
        box(5000, 5000, 5100, 5100),
    ])
    got = raster.zonal_stats(path, zones).set_index("id")
    block = np.arange(100, dtype=float).reshape(10, 10)[0:3, 0:5].ravel()
    block = block[block != 23]  # the nodata cell
    assert got.loc["z1", "count"] == len(block)
    np.testing.assert_allclose(got.loc["z1", ["sum", "mean", "min", "max"]].to_numpy(dtype=float),
                               [block.sum(), block.mean(), block.min(), block.max()])
    # z2 holds the centre (50, 50) of row 9, col 0 only
    assert got.loc["z2", "count"] == 1 and got.loc["z2", "sum"] == 90
    assert got.loc["out", "count"] == 0 and np.isnan(got.loc["out", "sum"])


def test_zonal_stats_raster_in_other_crs(tmp_path):
    # a WGS-84 raster of 0.001° cells, all ones; zones are given in UTM 50N
    lon0, lat0, cell = 114.30, 30.55, 0.001
    data = np.ones((50, 50), dtype=np.float32)
    path = _write(tmp_path / "ll.tif", data, from_origin(lon0, lat0, cell, cell), "EPSG:4326")
    # a box whose edges fall a quarter-cell inside the cell edges: columns 5-14, rows 10-29
    ll = shapely.box(lon0 + 5.25 * cell, lat0 - 29.75 * cell, lon0 + 14.75 * cell, lat0 - 10.25 * cell)
    zones = frame({"id": ["z"]}, [ll], crs="EPSG:4326").to_crs("EPSG:32650")
    got = raster.zonal_stats(path, zones)
    assert got["count"].iloc[0] == 10 * 20
    assert got["sum"].iloc[0] == 200


def test_zonal_stats_refuse_missing_crs(tmp_path):
    import geopandas as gpd

    path = _write(tmp_path / "r.tif", np.ones((4, 4), np.float32), from_origin(X0, Y0, 10, 10), "EPSG:32650")
    with pytest.raises(CoordinateSystemError):
        raster.zonal_stats(path, gpd.GeoDataFrame(geometry=[shapely.Point(0, 0)]))


def _small_grid(cell=10.0, size=60):
    return raster.Grid(west=X0 - 100, north=Y0 + size * cell - 100, cell_m=cell, width=size, height=size)


def test_distance_surface_and_geotiff(tmp_path):
    grid = _small_grid()
    campuses = frame({"id": ["c"]}, [box(0, 0, 40, 40)])  # cells with centres x,y in 5..35 -> campus
    dist = raster.distance_surface(campuses, grid)
    # cell whose centre is (195, 15): nearest campus cell centre ... all_touched mask covers x<=40
    col = int((X0 + 195 - grid.west) // grid.cell_m)
    row = int((grid.north - (Y0 + 15)) // grid.cell_m)
    mask = raster.campus_mask(campuses, grid)
    cols = np.flatnonzero(mask[row])
    expected = (col - cols.max()) * grid.cell_m
    np.testing.assert_allclose(dist[row, col], expected)
    assert dist[mask].max() == 0
    dist[0, 0] = np.nan
    out = raster.write_surface(dist, grid, tmp_path / "d.tif", units="m", block=16)
    with rasterio.open(out) as src:
        assert src.crs.to_epsg() == 32650
        assert src.nodata == raster.NODATA
        assert src.profile["tiled"] and src.block_shapes[0] == (16, 16)
        assert src.compression.name.lower() == "deflate"
        back = src.read(1)
        assert back[0, 0] == raster.NODATA
        np.testing.assert_allclose(back[row, col], expected)


def test_grid_for_bounds_snaps_to_cells():
    g = raster.grid_for_bounds((114.30, 30.50, 114.31, 30.51), cell_m=10)
    assert g.west % 10 == 0 and g.north % 10 == 0
    assert 95 <= g.width <= 100 and 110 <= g.height <= 115


def test_travel_time_surface(square_roads):
    network = net.build_network(square_roads)
    grid = raster.Grid(west=X0 - 50, north=Y0 + 50, cell_m=10, width=120, height=10)
    campuses = frame({"id": ["c"]}, [box(-20, -20, 20, 20)])
    tt = raster.travel_time_surface(campuses, network, grid, mode="walk", rows_per_chunk=3)
    # the cell centred at (505, 5) is 5.0 m (rounded) from the node (500, 0), 500 m along A
    row, col = 4, 55
    x = grid.west + (col + 0.5) * 10 - X0
    y = grid.north - (row + 0.5) * 10 - Y0
    assert (x, y) == (505.0, 5.0)
    np.testing.assert_allclose(tt[row, col], (500 + np.hypot(5, 5)) / 80.0, rtol=1e-5)
    assert tt[5, 5] == 0  # inside the campus
    assert np.isfinite(tt).all()
    assert at(0, 0) == (X0, Y0)
