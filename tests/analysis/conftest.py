"""Fixtures for the analysis tests, built in code in UTM 50N (EPSG:32650) near Wuhan.

All geometry is given in metres relative to an origin inside Hongshan, so that expected
lengths, areas and shortest paths can be computed by hand.
"""

from __future__ import annotations

import geopandas as gpd
import pytest
import shapely

X0, Y0 = 240_000.0, 3_376_000.0  # a point in Hongshan, EPSG:32650


def at(x, y):
    return (X0 + x, Y0 + y)


def line(*pts):
    return shapely.LineString([at(*p) for p in pts])


def box(x0, y0, x1, y1):
    return shapely.box(*at(x0, y0), *at(x1, y1))


def frame(rows, geoms, crs="EPSG:32650"):
    return gpd.GeoDataFrame(rows, geometry=geoms, crs=crs)


@pytest.fixture
def square_roads():
    """A 1 km square (A south, B east, C west, D north), E crossing it north-south at x=500,
    F stopping 5 m short of C at y=500, and G far away (a separate component)."""
    geoms = [
        line((0, 0), (1000, 0)),          # A
        line((1000, 0), (1000, 1000)),    # B
        line((0, 0), (0, 1000)),          # C
        line((0, 1000), (1000, 1000)),    # D
        line((500, -200), (500, 1200)),   # E, crosses A and D (noding)
        line((-300, 500), (-5, 500)),     # F, a 5 m gap to C (snapping)
        line((3000, 3000), (3500, 3000)),  # G, disconnected
    ]
    ids = ["road-a", "road-b", "road-c", "road-d", "road-e", "road-f", "road-g"]
    return frame({"id": ids, "name_zh": ids}, geoms)
