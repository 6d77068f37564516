"""Position audit: every feature against the independent reference anchors that pin it.

``layers/anchors.csv`` holds one row per anchor *relation*: a reference position (a metro
station, a university's OSM point, a published coordinate) with its coordinate system and
source, and what it says about a feature.  :func:`audit` measures each relation in UTM 50N
and compares the distance with the feature's stated ``uncertainty_m``: an anchor lying
farther off than the feature claims to be accurate is a failure, and ``corridor audit``
exits non-zero.

Relations (``relation`` column)
===============================
``within_m:N:<id>``        the anchor lies within N m of the feature (a polygon's boundary; a
                           line or point itself).  N is the anchor's own offset from what it
                           anchors (e.g. half a station body's length).
``inside:<id>``            the anchor lies inside the polygon.
``outside:<id>``           the anchor lies outside the polygon.
``in_district:<id>``       the anchor lies inside the admin district.
``on_boundary:N:<a>|<b>``  the anchor lies within N m of the boundary shared by a and b.

Allowed distance = N (0 when the relation has none) + the feature's ``uncertainty_m``.  For
``inside``/``in_district`` the measured distance is how far the anchor lies outside the
polygon; for ``outside`` how deep it lies inside.

Anchors are given as published, in WGS-84, GCJ-02 or BD-09 (``coordinate_system`` column); they are converted to
WGS-84 when read, explicitly.  For a failing relation the audit also measures the feature moved
by the GCJ-02 offset both ways, so that a misidentified reference system shows as a consistent
improvement in one direction.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from geo import settings
from geo.crs import convert_coords, convert_geometry, normalize_system, to_metric
from geo.errors import AnchorError, CoordinateSystemError
from geo.io import read_table_csv

ANCHOR_COLUMNS = ("name_zh", "lon", "lat", "coordinate_system", "source", "relation", "what_it_anchors")
RELATION_KINDS = ("within_m", "inside", "outside", "in_district", "on_boundary")


@dataclass(frozen=True)
class Relation:
    """A parsed ``relation``: kind, the anchor's own tolerance (m) and the feature ids."""

    kind: str
    tolerance_m: float
    feature_ids: tuple[str, ...]


def parse_relation(text: str) -> Relation:
    """Parse ``within_m:60:road-bayi-lu``-style relation text.

    Raises
    ------
    ValueError
        For an unknown kind or a malformed relation.
    """
    parts = str(text).split(":")
    kind = parts[0]
    try:
        if kind in ("within_m", "on_boundary"):
            return Relation(kind, float(parts[1]), tuple(parts[2].split("|")))
        if kind in ("inside", "outside", "in_district"):
            return Relation(kind, 0.0, (parts[1],))
    except (IndexError, ValueError):
        pass
    raise ValueError(f"relation {text!r} is not one of {', '.join(RELATION_KINDS)} in the documented form")


def load_anchors(path: str | Path | None = None) -> pd.DataFrame:
    """Read the anchor table (default :func:`geo.settings.anchors_file`), converted to WGS-84.

    Returns
    -------
    DataFrame
        The table's columns plus ``lon_wgs84``/``lat_wgs84`` (the anchor in WGS-84) and the
        parsed ``relation_kind``, ``tolerance_m`` and ``feature_ids``.

    Raises
    ------
    AnchorError
        Naming the file, the line and what to fix.
    """
    path = Path(path) if path is not None else settings.anchors_file()
    table = read_table_csv(path, columns=ANCHOR_COLUMNS, error=AnchorError, what="the anchor table")
    lon_w, lat_w, kinds, tols, ids = [], [], [], [], []
    for i, row in enumerate(table.to_dict("records")):
        where = f"{path}: line {i + 2} ({row['name_zh']!r})"
        try:
            lon, lat = float(row["lon"]), float(row["lat"])
            system = normalize_system(row["coordinate_system"])
            rel = parse_relation(row["relation"])
        except (ValueError, CoordinateSystemError) as exc:
            raise AnchorError(f"{where}: {exc}") from None
        if not row["source"].strip():
            raise AnchorError(f"{where}: says nothing in source; cite where the position comes from")
        x, y = convert_coords(np.array([lon]), np.array([lat]), src=system, dst="wgs84")
        lon_w.append(float(x[0]))
        lat_w.append(float(y[0]))
        kinds.append(rel.kind)
        tols.append(rel.tolerance_m)
        ids.append(rel.feature_ids)
    return table.assign(lon_wgs84=lon_w, lat_wgs84=lat_w, relation_kind=kinds, tolerance_m=tols,
                        feature_ids=ids)


def _measure(kind: str, point, geoms: list) -> float:
    g = geoms[0]
    if kind == "within_m":
        return g.boundary.distance(point) if g.geom_type in ("Polygon", "MultiPolygon") else g.distance(point)
    if kind in ("inside", "in_district"):
        return 0.0 if g.contains(point) else g.distance(point)
    if kind == "outside":
        return g.boundary.distance(point) if g.contains(point) else 0.0
    return max(x.boundary.distance(point) for x in geoms)  # on_boundary


def feature_index(layers: Mapping[str, pd.DataFrame]) -> dict[str, tuple[str, object, float]]:
    """``{feature id: (layer, metric geometry, uncertainty_m)}`` over all layers (UTM 50N)."""
    out = {}
    for name, gdf in layers.items():
        metric = to_metric(gdf, what=f"layer {name!r}")
        for fid, geom, unc in zip(metric["id"], metric.geometry, metric["uncertainty_m"], strict=True):
            out[fid] = (name, geom, float(unc))
    return out


def audit(anchors: pd.DataFrame, layers: Mapping[str, pd.DataFrame], *, gcj_test: bool = True) -> pd.DataFrame:
    """Measure every anchor relation against the features it names.

    Parameters
    ----------
    anchors : DataFrame
        From :func:`load_anchors`.
    layers : mapping of layer name to GeoDataFrame (any declared CRS)
    gcj_test : bool
        For failing relations, also measure the features moved by the GCJ-02 offset both ways.

    Returns
    -------
    DataFrame
        One row per relation: anchor, relation, feature_ids, layers, measured_m, tolerance_m,
        uncertainty_m, allowed_m (= tolerance + uncertainty), excess_m, passed and, for
        failures, gcj_unshifted_m / gcj_shifted_m.

    Raises
    ------
    AnchorError
        If a relation names a feature that no layer has.
    """
    import geopandas as gpd

    feats = feature_index(layers)
    points = gpd.GeoSeries(gpd.points_from_xy(anchors["lon_wgs84"], anchors["lat_wgs84"]),
                           crs=settings.STORAGE_CRS).to_crs(settings.METRIC_CRS)
    rows = []
    for (_, a), point in zip(anchors.iterrows(), points, strict=True):
        unknown = [f for f in a["feature_ids"] if f not in feats]
        if unknown:
            raise AnchorError(f"anchor {a['name_zh']!r} ({a['relation']}): no layer has feature(s) {', '.join(unknown)}")
        geoms = [feats[f][1] for f in a["feature_ids"]]
        unc = max(feats[f][2] for f in a["feature_ids"])
        measured = _measure(a["relation_kind"], point, geoms)
        allowed = a["tolerance_m"] + unc
        row = {"anchor": a["name_zh"], "relation": a["relation"], "feature_ids": "|".join(a["feature_ids"]),
               "layers": "|".join(sorted({feats[f][0] for f in a["feature_ids"]})),
               "measured_m": round(measured, 1), "tolerance_m": a["tolerance_m"], "uncertainty_m": unc,
               "allowed_m": allowed, "excess_m": round(measured - allowed, 1), "passed": measured <= allowed,
               "gcj_unshifted_m": np.nan, "gcj_shifted_m": np.nan, "source": a["source"]}
        if gcj_test and measured > allowed and a["relation_kind"] not in ("in_district", "on_boundary"):
            for direction, (src, dst) in (("gcj_unshifted_m", ("gcj02", "wgs84")), ("gcj_shifted_m", ("wgs84", "gcj02"))):
                moved = [_moved(layers, f, src=src, dst=dst) for f in a["feature_ids"]]
                row[direction] = round(_measure(a["relation_kind"], point, moved), 1)
        rows.append(row)
    return pd.DataFrame(rows)


def _moved(layers: Mapping[str, pd.DataFrame], fid: str, *, src: str, dst: str):
    """Feature ``fid`` converted between systems (as if mis-read), in UTM 50N."""
    import geopandas as gpd

    for gdf in layers.values():
        hit = gdf[gdf["id"] == fid]
        if len(hit):
            wgs = hit.to_crs(settings.STORAGE_CRS).geometry.iloc[0]
            moved = convert_geometry(wgs, src=src, dst=dst)
            return gpd.GeoSeries([moved], crs=settings.STORAGE_CRS).to_crs(settings.METRIC_CRS).iloc[0]
    raise AnchorError(f"no layer has feature {fid!r}")


def admin_fit(anchors: pd.DataFrame, layers: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """The admin relations measured twice: on the committed districts (converted GCJ-02 ->
    WGS-84) and on the raw Amap coordinates (unconverted), to test the conversion.

    Returns one row per admin relation with converted_m, unconverted_m and their ``*_passed``.
    """
    admin = anchors[anchors["relation_kind"].isin(["in_district", "on_boundary"])]
    if admin.empty:
        return pd.DataFrame(columns=["anchor", "relation", "kind", "converted_m", "unconverted_m",
                                     "converted_passed", "unconverted_passed"])
    converted = audit(admin, layers, gcj_test=False)
    raw_layers = {n: g.assign(geometry=[convert_geometry(x, src="wgs84", dst="gcj02") for x in g.to_crs(settings.STORAGE_CRS).geometry])
                  .set_crs(settings.STORAGE_CRS, allow_override=True)
                  for n, g in layers.items() if n in ("districts", "cities")}
    unconverted = audit(admin, {**layers, **raw_layers}, gcj_test=False)
    return pd.DataFrame({
        "anchor": converted["anchor"], "relation": converted["relation"],
        "kind": admin["relation_kind"].to_numpy(),
        "converted_m": converted["measured_m"], "unconverted_m": unconverted["measured_m"],
        "converted_passed": converted["passed"], "unconverted_passed": unconverted["passed"],
    })


def format_report(result: pd.DataFrame) -> str:
    """A plain-text table: anchor, relation, measured vs allowed (tolerance + stated uncertainty)."""
    lines = [f"{'anchor':18s} {'relation':50s} {'measured':>9s} {'allowed':>8s} {'±stated':>8s}  result"]
    for r in result.to_dict("records"):
        line = (f"{r['anchor'][:18]:18s} {r['relation'][:50]:50s} {r['measured_m']:8.0f}m {r['allowed_m']:7.0f}m "
                f"{r['uncertainty_m']:7.0f}m  {'ok' if r['passed'] else 'FAIL'}")
        if not r["passed"] and not np.isnan(r["gcj_unshifted_m"]):
            line += f"  (GCJ-02 test: unshifted {r['gcj_unshifted_m']:.0f} m / shifted {r['gcj_shifted_m']:.0f} m)"
        lines.append(line)
    n_fail = int((~result["passed"]).sum())
    lines.append(f"{len(result) - n_fail} of {len(result)} anchor relations hold; {n_fail} lie farther off than "
                 "the feature's stated uncertainty")
    return "\n".join(lines)


__all__ = ["ANCHOR_COLUMNS", "Relation", "admin_fit", "audit", "format_report", "load_anchors", "parse_relation"]
