"""Positional accuracy of the traced and admin layers against independent WGS-84 anchors.

Every row of layers/anchors.csv is one relation (within_m, inside,
outside, in_district, on_boundary; see scripts/audit_traced_positions.py).  A relation
holds when the measured distance (UTM 50N) is within the relation's own tolerance N plus
the feature's stated ``uncertainty_m``.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("audit_traced_positions",
                                               ROOT / "scripts" / "audit_traced_positions.py")
audit = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = audit
_spec.loader.exec_module(audit)

ROWS = audit.load_anchors()


@pytest.fixture(scope="module")
def features(built_layers_dir):
    return audit.load_features(built_layers_dir)


def test_anchor_table_is_well_formed():
    from geo.crs import convert_coords

    cols = {"name_zh", "lon", "lat", "coordinate_system", "lon_wgs84", "lat_wgs84", "source",
            "feature_id", "what_it_anchors", "relation"}
    assert cols <= set(ROWS[0])
    systems = {"WGS-84": "wgs84", "GCJ-02": "gcj02", "BD-09": "bd09"}
    for r in ROWS:
        assert r["coordinate_system"] in systems, r["name_zh"]
        assert 113.5 < r["lon"] < 115.2 and 29.9 < r["lat"] < 31.4, r["name_zh"]
        assert r["source"].strip(), r["name_zh"]
        _, _, targets = audit.parse_relation(r["relation"])
        assert r["feature_id"] == "|".join(targets), r["name_zh"]
        # the stored WGS-84 position is the converted original
        lon, lat = convert_coords(r["lon_orig"], r["lat_orig"],
                                  src=systems[r["coordinate_system"]], dst="wgs84")
        assert abs(lon - r["lon"]) < 2e-6 and abs(lat - r["lat"]) < 2e-6, r["name_zh"]


@pytest.mark.parametrize("row", ROWS, ids=[f"{r['name_zh']}:{r['relation']}" for r in ROWS])
def test_anchor_relation_holds(row, features):
    res = audit.evaluate(row, features)
    assert res.passed, (
        f"{row['name_zh']} {row['relation']}: measured {res.measured_m:.0f} m > allowed "
        f"{res.allowed_m:.0f} m (tolerance {res.offset_m:.0f} m + uncertainty_m)")


def test_admin_conversion_fits_anchors_better_than_raw_amap(features):
    """The committed districts (Amap GCJ-02 converted to WGS-84) must fit the district anchors
    at least as well as the unconverted boundaries, and fit the boundary anchors better."""
    adm = audit.admin_hypotheses(ROWS, features)
    assert adm
    conv_ok = sum(c.passed for _, c, _ in adm)
    raw_ok = sum(u.passed for _, _, u in adm)
    assert conv_ok == len(adm)
    assert conv_ok >= raw_ok
    bd = [(c, u) for _, c, u in adm if c.kind == "on_boundary"]
    assert sum(c.measured_m for c, _ in bd) < sum(u.measured_m for _, u in bd)
