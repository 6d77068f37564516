"""Per-zone figures on a hand-made point set, checked against figures computed by hand."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import pytest
import shapely

from geo import settings
from geo.errors import CoordinateSystemError
from geo.figures import FIGURE_COLUMNS, empty_figure_table
from geo.points import firm_targets, zone_figures
from geo.points.core import ALL_ZONE_ID, distance_bin_edges, histogram_quantile

TO_LONLAT = pyproj.Transformer.from_crs(settings.METRIC_CRS, settings.STORAGE_CRS, always_xy=True)
# a spot in Hongshan, UTM 50N metres; everything below is laid out around it by hand
X0, Y0 = 230_000.0, 3_378_000.0


def _lonlat_poly(x0, y0, x1, y1):
    """A rectangle given in UTM metres, as a WGS-84 polygon (densified so its edges stay put)."""
    ring = shapely.segmentize(shapely.box(x0, y0, x1, y1), 50.0)
    return shapely.transform(ring, lambda xy: np.column_stack(TO_LONLAT.transform(xy[:, 0], xy[:, 1])))


def _points(xy_m):
    lon, lat = TO_LONLAT.transform(*np.asarray(xy_m, dtype=float).T)
    return shapely.points(lon, lat)


@pytest.fixture(scope="module")
def hand_made():
    """Two zones (A: 1 km x 1 km, B: 2 km x 0.5 km), one campus, one isochrone, eight points.

    Campus: the square X0-200..X0, Y0..Y0+1000 (west of zone A).  Points (metres east of the
    campus edge, all at heights inside the campus's span so the nearest campus point is
    straight west):
      zone A (X0..X0+1000, Y0..Y0+1000): 100.5, 300.5, 500.5, 700.5 m  (categories a, a, b, none)
      zone B (X0+2000..X0+4000, Y0..Y0+500): 2100.5, 2600.5, 3100.5 m  (b, b, b)
      outside every zone: 5000.5 m  (a)
    Isochrone "walk 5 min": X0-500..X0+400 over the same heights, so it holds A's first two points.
    """
    zones = gpd.GeoDataFrame({
        "id": ["zone-a", "zone-b"], "name_zh": ["甲", "乙"], "name_en": ["A", "B"],
    }, geometry=[_lonlat_poly(X0, Y0, X0 + 1000, Y0 + 1000), _lonlat_poly(X0 + 2000, Y0, X0 + 4000, Y0 + 500)],
        crs=settings.STORAGE_CRS)
    campuses = gpd.GeoDataFrame({"id": ["campus-1"], "name_zh": ["校"]},
                                geometry=[_lonlat_poly(X0 - 200, Y0, X0, Y0 + 1000)], crs=settings.STORAGE_CRS)
    iso = gpd.GeoDataFrame({"campus_id": ["campus-1"], "mode": ["walk"], "minutes": [5]},
                           geometry=[_lonlat_poly(X0 - 500, Y0, X0 + 400, Y0 + 1000)], crs=settings.STORAGE_CRS)
    dist = np.array([100.5, 300.5, 500.5, 700.5, 2100.5, 2600.5, 3100.5, 5000.5])
    heights = np.array([150, 350, 550, 750, 100, 250, 400, 600.0])
    points = gpd.GeoDataFrame({"sector": ["a", "a", "b", None, "b", "b", "b", "a"]},
                              geometry=_points(np.column_stack([X0 + dist, Y0 + heights])),
                              crs=settings.STORAGE_CRS)
    # one firm target about zone A, in the figure table's form
    figures = empty_figure_table()
    figures.loc[0] = {c: "" for c in FIGURE_COLUMNS} | {
        "id": "doc:zone-a:firms_target_3_5y", "document": "doc", "subject_layer": "test_zones", "subject_id": "zone-a",
        "name": "firms_target_3_5y", "quantity": "count", "status": "target", "value": 10.0, "unit": "count",
        "original": "约10家", "kind": "document", "scope": "zone"}
    targets = firm_targets({"test_zones": zones}, figures=figures)
    return {"zones": {"test_zones": zones}, "campuses": campuses, "iso": iso, "points": points, "dist": dist,
            "targets": targets}


def _figures(hand_made, points=None, **kw):
    kw.setdefault("targets", hand_made["targets"])
    return zone_figures(points if points is not None else hand_made["points"], zones=hand_made["zones"],
                        campuses=hand_made["campuses"], isochrones=hand_made["iso"], category="sector", **kw)


def test_counts_density_and_distances_match_hand_computed_figures(hand_made):
    f = _figures(hand_made)
    z = f.zones.set_index("zone_id")
    assert z.loc["zone-a", "points"] == 4 and z.loc["zone-b", "points"] == 3
    assert z.loc[ALL_ZONE_ID, "points"] == 8
    # 1 km² and 1 km² (2 km x 0.5 km), measured in UTM: the figures the layout was drawn with
    assert z.loc["zone-a", "area_km2"] == pytest.approx(1.0, rel=1e-6)
    assert z.loc["zone-b", "points_per_km2"] == pytest.approx(3.0, rel=1e-6)
    # distances: the hand-set offsets, binned to whole metres (rounded down)
    d = hand_made["dist"]
    assert z.loc["zone-a", "nearest_campus_median_m"] == 300.0  # inverted CDF of 100.5, 300.5, 500.5, 700.5
    assert z.loc["zone-a", "nearest_campus_p90_m"] == 700.0
    assert z.loc["zone-b", "nearest_campus_median_m"] == 2600.0
    assert z.loc[ALL_ZONE_ID, "nearest_campus_median_m"] == np.floor(np.quantile(d, 0.5, method="inverted_cdf"))
    assert z.loc[ALL_ZONE_ID, "nearest_campus_p90_m"] == 5000.0
    # isochrone: A's first two points of four; none of B's
    assert z.loc["zone-a", "within_walk_5min_share"] == pytest.approx(0.5)
    assert z.loc["zone-b", "within_walk_5min_share"] == 0.0
    assert z.loc[ALL_ZONE_ID, "within_walk_5min_share"] == pytest.approx(2 / 8)


def test_categories_and_targets(hand_made):
    f = _figures(hand_made)
    cats = f.categories.set_index(["zone_id", "category"])["points"]
    assert cats[("zone-a", "a")] == 2 and cats[("zone-a", "b")] == 1 and cats[("zone-a", "(none)")] == 1
    assert cats[("zone-b", "b")] == 3 and ("zone-b", "a") not in cats.index
    assert cats.xs(ALL_ZONE_ID).sum() == 8
    t = f.targets
    assert len(t) == 1
    row = t.iloc[0]
    assert (row["zone_id"], row["figure"], row["figure_kind"]) == ("zone-a", "firms_target_3_5y", "target")
    assert row["figure_count"] == 10 and row["points"] == 4 and row["gap_count"] == 6
    assert row["attained_share"] == pytest.approx(0.4)


def test_chunking_does_not_change_anything(hand_made):
    whole = _figures(hand_made)
    chunked = _figures(hand_made, chunk_rows=3)
    pd.testing.assert_frame_equal(pd.DataFrame(whole.zones.drop(columns="geometry")),
                                  pd.DataFrame(chunked.zones.drop(columns="geometry")))
    pd.testing.assert_frame_equal(whole.categories, chunked.categories)


def test_points_in_another_crs_are_reprojected_and_a_missing_crs_refused(hand_made):
    metric = hand_made["points"].to_crs(settings.METRIC_CRS)
    f = _figures(hand_made, points=metric)
    assert f.zones.set_index("zone_id").loc["zone-a", "points"] == 4
    with pytest.raises(CoordinateSystemError):
        _figures(hand_made, points=hand_made["points"].set_crs(None, allow_override=True))


def test_write_gives_csvs_and_a_geopackage_to_map(hand_made, tmp_path):
    paths = _figures(hand_made).write(tmp_path)
    assert set(paths) >= {"zone_points", "zone_categories", "zone_isochrones", "zone_targets", "gpkg"}
    shaded = gpd.read_file(paths["gpkg"], layer="zone_points")
    assert shaded.crs.to_epsg() == 4326 and list(shaded["points"]) == [4, 3]
    assert pd.read_csv(paths["zone_targets"])["gap_count"].tolist() == [6]


def test_histogram_quantile_matches_numpy_on_random_distances():
    rng = np.random.default_rng(5)
    edges = distance_bin_edges()
    d = rng.uniform(0, 4999, 1001)
    hist = np.bincount(np.searchsorted(edges, d, side="right") - 1, minlength=len(edges))
    for q in (0.5, 0.9):
        assert histogram_quantile(hist, q, edges) == np.floor(np.quantile(d, q, method="inverted_cdf"))


def test_firm_targets_are_the_tables_firm_counts_on_their_own_subjects():
    """Every firm count of the figure table about a zone arrives on that zone (a lane's on its
    corridor), with the table's value, kind and quote; nothing else arrives."""
    from geo.figures import load_figures

    table = load_figures()
    firms = table[(table["quantity"] == "count") & table["name"].str.contains("firm") & (table["subject_id"] != "")]
    t = firm_targets()
    got = t.set_index("figure_id")
    zone_layers = set(settings.POINT_ZONE_LAYERS) | {"silicon_lanes"}
    expected = firms[firms["subject_layer"].isin(zone_layers)]
    assert len(expected) and set(got.index) == set(expected["id"])
    for row in expected.to_dict("records"):
        hit = got.loc[row["id"]]
        zone_id = row["subject_id"] + ("-corridor" if row["subject_layer"] == "silicon_lanes" else "")
        assert hit["zone_id"] == zone_id and hit["figure_count"] == row["value"]
        assert hit["figure_kind"] == ("target" if row["status"] == "target" else "reported")
        assert hit["figure_text"] == row["original"] and hit["ref"] == row["document"]
    # a district's figure stays on the district: no zone inside it carries it
    district_rows = set(firms.loc[firms["subject_layer"] == "districts", "id"])
    assert set(t.loc[t["zone_layer"] != "districts", "figure_id"]).isdisjoint(district_rows)


def test_a_geoparquet_not_in_wgs84_is_refused(hand_made, tmp_path):
    path = tmp_path / "utm.parquet"
    hand_made["points"].to_crs(settings.METRIC_CRS).to_parquet(path)
    with pytest.raises(CoordinateSystemError, match="not in WGS-84"):
        _figures(hand_made, points=path)
