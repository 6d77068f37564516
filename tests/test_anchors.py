"""Positional accuracy of the layers against independent anchors (layers/anchors.csv, geo.audit).

Every row is one relation (within_m, inside, outside, in_district, on_boundary).  A relation
holds when the measured distance (UTM 50N) is within the relation's own tolerance plus the
feature's stated ``uncertainty_m``: a stated uncertainty must cover the true error.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from geo import cli, settings
from geo.audit import audit, load_anchors, parse_relation
from geo.crs import convert_coords
from geo.errors import AnchorError

ANCHORS = load_anchors()


def test_anchor_table_is_well_formed():
    assert len(ANCHORS) >= 30
    assert ANCHORS["source"].str.strip().ne("").all()
    inside = ANCHORS["lon_wgs84"].between(113.5, 115.2) & ANCHORS["lat_wgs84"].between(29.9, 31.4)
    assert inside.all(), ANCHORS.loc[~inside, "name_zh"].tolist()
    for rel in ANCHORS["relation"]:
        parse_relation(rel)


@pytest.fixture(scope="module")
def result(real_layers):
    return audit(ANCHORS, real_layers)


@pytest.mark.parametrize("i", range(len(ANCHORS)), ids=[f"{a}:{r}" for a, r in zip(ANCHORS["name_zh"], ANCHORS["relation"], strict=True)])
def test_anchor_relation_holds(i, result):
    r = result.iloc[i]
    assert r["passed"], (f"{r['anchor']} {r['relation']}: measured {r['measured_m']:.0f} m > allowed "
                         f"{r['allowed_m']:.0f} m (tolerance {r['tolerance_m']:.0f} m + uncertainty_m)")


def test_a_gcj02_anchor_is_converted_when_read(tmp_path):
    """An anchor given in GCJ-02 lands on the same WGS-84 position as its WGS-84 twin."""
    row = ANCHORS.iloc[0]
    glon, glat = convert_coords(np.array([row["lon_wgs84"]]), np.array([row["lat_wgs84"]]), src="wgs84", dst="gcj02")
    twin = pd.read_csv(settings.anchors_file(), dtype=str, keep_default_na=False).iloc[[0]].assign(
        lon=f"{glon[0]:.9f}", lat=f"{glat[0]:.9f}", coordinate_system="GCJ-02")
    path = tmp_path / "anchors.csv"
    twin.to_csv(path, index=False)
    back = load_anchors(path).iloc[0]
    assert back["lon_wgs84"] == pytest.approx(row["lon_wgs84"], abs=1e-7)
    assert back["lat_wgs84"] == pytest.approx(row["lat_wgs84"], abs=1e-7)


def test_audit_fails_a_feature_that_claims_more_accuracy_than_it_has(real_layers):
    """Shrink a feature's stated uncertainty below its measured offset: the audit must fail it."""
    r = audit(ANCHORS, real_layers)
    r = r.assign(beyond_tolerance=r["measured_m"] - r["tolerance_m"])
    worst = r[r["relation"].str.startswith("within_m")].sort_values("beyond_tolerance").iloc[-1]
    fid = worst["feature_ids"].split("|")[0]
    layers = {n: g.assign(uncertainty_m=np.where(g["id"] == fid, 1.0, g["uncertainty_m"])) for n, g in real_layers.items()}
    r2 = audit(ANCHORS, layers).set_index(["anchor", "relation"])
    assert not r2.loc[(worst["anchor"], worst["relation"]), "passed"]
    assert worst["measured_m"] > worst["tolerance_m"] + 1.0


def test_admin_conversion_fits_anchors_better_than_raw_amap(real_layers):
    """The committed districts (Amap GCJ-02 converted to WGS-84) fit the district anchors at least
    as well as the unconverted boundaries, and fit the boundary anchors better."""
    from geo.audit import admin_fit

    adm = admin_fit(ANCHORS, real_layers)
    assert len(adm)
    assert adm["converted_passed"].all()
    assert adm["converted_passed"].sum() >= adm["unconverted_passed"].sum()
    bd = adm[adm["kind"] == "on_boundary"]
    assert bd["converted_m"].sum() < bd["unconverted_m"].sum()


def test_unknown_feature_or_bad_relation_is_a_clear_error(tmp_path, real_layers):
    bad = pd.read_csv(settings.anchors_file(), dtype=str, keep_default_na=False).iloc[[0]]
    path = tmp_path / "anchors.csv"
    bad.assign(relation="within_m:60:no-such-feature").to_csv(path, index=False)
    with pytest.raises(AnchorError, match="no-such-feature"):
        audit(load_anchors(path), real_layers)
    bad.assign(relation="near:no-such").to_csv(path, index=False)
    with pytest.raises(AnchorError, match=r"line 2 .*relation 'near:no-such'"):
        load_anchors(path)


def test_cli_audit_exits_1_when_an_anchor_lies_beyond_the_stated_uncertainty(tmp_path, capsys):
    path = tmp_path / "anchors.csv"
    table = pd.read_csv(settings.anchors_file(), dtype=str, keep_default_na=False)
    assert cli.main(["-q", "audit", "--anchors", str(settings.anchors_file())]) == 0
    # move one point anchor 5 km east: it now lies far beyond any stated uncertainty
    moved = table.iloc[[0]].assign(lon=str(float(table.iloc[0]["lon"]) + 0.05))
    moved.to_csv(path, index=False)
    assert cli.main(["audit", "--anchors", str(path), "--csv", str(tmp_path / "audit.csv")]) == 1
    out = capsys.readouterr().out
    assert "FAIL" in out and "0 of 1 anchor relations hold" in out
    assert (tmp_path / "audit.csv").exists()
