"""Conflation: OpenStreetMap geometry for the traced places where the match is sure.

A traced place and an OSM feature match when

1. they share a name — any of ``name``, ``name:zh``, ``name:en``, ``alt_name``, ``short_name``
   ... on the OSM side, and ``name_zh``, ``name_en``, the ``aliases`` attribute (``;``-separated)
   and the abbreviation table :data:`ALIASES` (华科 / 华中大 for 华中科技大学 ...) on the traced
   side, compared after normalisation (full/half width, case, spaces, punctuation; a trailing
   campus qualifier such as ``（主校区）`` is also tried without it); and
2. they agree in location — the outlines intersect or the centroids are within
   :data:`geo.settings.OSM_MATCH_MAX_CENTROID_M`.

Location alone never matches a named place (overlapping features are listed as candidates
only).  A match is *sure* when exactly one polygonal OSM feature passes both tests and no
other traced place claims the same OSM feature; then the layer takes the OSM geometry
(``source=osm``, the OSM type/id in ``source_detail``).  Otherwise the traced geometry stays
and the report lists the candidates.

The report (:func:`conflation_report`) gives per place the traced and OSM areas (m²), the
centroid shift (m, and its east/north parts) and the intersection-over-union.

OSM data is © OpenStreetMap contributors (ODbL).
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections import defaultdict
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from tqdm.auto import tqdm

from geo import settings
from geo.crs import convert_coords, to_metric, to_storage
from geo.errors import CoordinateSystemError, OSMUnavailableError
from geo.io import write_text
from geo.schema import _in_bounds

log = logging.getLogger("corridor.osm")

#: Common abbreviations and alternative names; each group names one place.
ALIASES: tuple[tuple[str, ...], ...] = (
    ("华中科技大学", "华科", "华中大", "华工", "HUST", "Huazhong University of Science and Technology"),
    ("武汉大学", "武大", "WHU", "Wuhan University"),
    ("中国地质大学（武汉）", "中国地质大学(武汉)", "地大", "中地大", "CUG",
     "China University of Geosciences (Wuhan)", "China University of Geosciences, Wuhan"),
    ("武汉理工大学", "武理工", "理工大", "WHUT", "Wuhan University of Technology"),
    ("华中农业大学", "华农", "HZAU", "Huazhong Agricultural University"),
    ("华中师范大学", "华师", "华中师大", "CCNU", "Central China Normal University"),
    ("中南财经政法大学", "中南财大", "ZUEL", "Zhongnan University of Economics and Law"),
    ("湖北工业大学", "湖工大", "HBUT", "Hubei University of Technology"),
    ("中南民族大学", "中南民大", "SCUEC", "South-Central Minzu University",
     "South-Central University for Nationalities"),
    ("中国科学院武汉分院", "中科院武汉分院", "Wuhan Branch of the Chinese Academy of Sciences"),
)
#: Words that mark a trailing qualifier as a campus/branch name, tried with and without it.
_QUALIFIER_WORDS = ("校区", "校园", "院区", "分部", "本部", "东院", "西院", "南院", "北院", "campus", "main")
_PUNCT = re.compile(r"[\s\u00b7\u30fb·.,，、'\"“”‘’\-–—_()（）\[\]【】]+")
_QUALIFIER = re.compile(r"^(?P<base>.+?)\s*(?:[（(](?P<paren>[^()（）]+)[)）]|,(?P<comma>[^,]+))\s*$")

REPORT_COLUMNS = (
    "layer", "id", "name_zh", "status", "osm_key", "osm_name", "matched_by", "traced_area_m2",
    "osm_area_m2", "centroid_shift_m", "shift_east_m", "shift_north_m", "iou", "candidates",
)


# --- names -----------------------------------------------------------------------------------------------


def normalize_name(text) -> str:
    """Comparable form of a name: NFKC, case-folded, without spaces and punctuation."""
    if text is None or (isinstance(text, float) and text != text):
        return ""
    return _PUNCT.sub("", unicodedata.normalize("NFKC", str(text)).casefold())


def _name_variants(text) -> set[str]:
    """A name, and the name without a trailing campus qualifier (``（主校区）``, ``, main campus``)."""
    if not text or (isinstance(text, float) and text != text):
        return set()
    text = unicodedata.normalize("NFKC", str(text)).strip()
    out = {text}
    m = _QUALIFIER.match(text)
    if m:
        qualifier = (m["paren"] or m["comma"] or "").casefold()
        if any(w in qualifier for w in _QUALIFIER_WORDS):
            out.add(m["base"])
    # "中国地质大学（武汉）南望山校区" is tagged "中国地质大学南望山校区" too: try it without brackets
    bare = re.sub(r"\s*[（(][^()（）]*[)）]\s*", "", text)
    if bare != text and len(bare) >= 4:
        out.add(bare)
    return out


_ALIAS_INDEX: dict[str, int] = {normalize_name(a): i for i, group in enumerate(ALIASES) for a in group}


def name_keys(*names, aliases=None) -> frozenset[str]:
    """Normalised name keys of one feature, expanded through :data:`ALIASES`.

    Parameters
    ----------
    *names : str
        The feature's names (any language); ``;``-separated lists are split.
    aliases : str, optional
        A ``;``-separated alias attribute.
    """
    raw: set[str] = set()
    for name in (*names, aliases):
        if name is None or (isinstance(name, float) and name != name):
            continue
        for part in str(name).split(";"):
            raw |= _name_variants(part)
    keys = {normalize_name(n) for n in raw}
    groups = {_ALIAS_INDEX[k] for k in keys if k in _ALIAS_INDEX}
    for g in groups:
        keys |= {normalize_name(a) for a in ALIASES[g]}
    return frozenset(k for k in keys if len(k) >= 2)


# --- geometry comparison ---------------------------------------------------------------------------------


def _metric(geoms, crs) -> np.ndarray:
    """Geometries given in ``crs`` as a UTM 50N (EPSG:32650) array."""
    return to_metric(gpd.GeoSeries(geoms, crs=crs)).to_numpy()


def compare_geometries(traced, osm, *, crs=settings.STORAGE_CRS) -> pd.DataFrame:
    """Pairwise comparison of two equal-length geometry arrays, in UTM 50N.

    Parameters
    ----------
    traced, osm : array_like of shapely geometries
        Both in ``crs`` (default WGS-84, EPSG:4326).

    Returns
    -------
    pandas.DataFrame
        ``traced_area_m2``, ``osm_area_m2``, ``centroid_shift_m`` (distance between centroids),
        ``shift_east_m``/``shift_north_m`` (OSM centroid minus traced centroid) and ``iou``
        (intersection area over union area; 0 for non-polygons).
    """
    return _compare_metric(_metric(np.asarray(traced, dtype=object), crs),
                           _metric(np.asarray(osm, dtype=object), crs))


def _compare_metric(a: np.ndarray, b: np.ndarray) -> pd.DataFrame:
    """:func:`compare_geometries` of geometries already in UTM 50N (metres)."""
    ca, cb = shapely.centroid(a), shapely.centroid(b)
    east = shapely.get_x(cb) - shapely.get_x(ca)
    north = shapely.get_y(cb) - shapely.get_y(ca)
    area_a, area_b = shapely.area(a), shapely.area(b)
    inter = shapely.area(shapely.intersection(a, b))
    union = area_a + area_b - inter
    iou = np.divide(inter, union, out=np.zeros_like(inter), where=union > 0)
    return pd.DataFrame({
        "traced_area_m2": area_a, "osm_area_m2": area_b, "centroid_shift_m": np.hypot(east, north),
        "shift_east_m": east, "shift_north_m": north, "iou": iou,
    })


# --- matching ---------------------------------------------------------------------------------------------


def _osm_keys(osm: gpd.GeoDataFrame) -> list[frozenset[str]]:
    cols = [c for c in ("name", "name_zh", "name_en", "alt_names") if c in osm.columns]
    return [name_keys(*row) for row in osm[cols].itertuples(index=False, name=None)]


def _traced_keys(traced: gpd.GeoDataFrame) -> list[frozenset[str]]:
    cols = [c for c in ("name_zh", "name_en") if c in traced.columns]
    aliases = traced["aliases"] if "aliases" in traced.columns else pd.Series([None] * len(traced), index=traced.index)
    return [name_keys(*row, aliases=al) for row, al in zip(traced[cols].itertuples(index=False, name=None), aliases,
                                                            strict=True)]


def _describe(osm_row, comparison=None) -> str:
    label = f"{osm_row['osm_key']} {osm_row.get('name_zh') or osm_row.get('name') or '(no name)'}"
    if comparison is not None:
        label += f" (IoU {comparison['iou']:.2f}, {comparison['centroid_shift_m']:.0f} m)"
    return label


def match_layer(
    traced: gpd.GeoDataFrame,
    osm: gpd.GeoDataFrame,
    *,
    layer: str,
    max_centroid_m: float | None = None,
) -> pd.DataFrame:
    """Match one traced layer's places to OSM features; one report row per place.

    Parameters
    ----------
    traced, osm : geopandas.GeoDataFrame
        Traced features (schema columns, optional ``aliases``) and normalised OSM features
        (:data:`geo.sources.osm.FEATURE_COLUMNS`), both with a CRS.
    layer : str
        Layer name, for the report.
    max_centroid_m : float, optional
        Location tolerance (default :data:`geo.settings.OSM_MATCH_MAX_CENTROID_M`).

    Returns
    -------
    pandas.DataFrame
        :data:`REPORT_COLUMNS`; ``status`` is ``matched`` (sure), ``ambiguous`` (several OSM
        features share the name here, or one OSM feature is claimed by several places),
        ``name_elsewhere`` (the name exists only away from the traced outline),
        ``point_only`` (only an OSM node matches), ``size_mismatch`` (the named OSM outline
        is smaller or larger than the traced one by more than
        :data:`geo.settings.OSM_MATCH_AREA_RATIO` allows), or ``no_match``.
    """
    if traced.crs is None or osm.crs is None:
        raise CoordinateSystemError(f"layer {layer!r}: traced and OSM features need a CRS")
    limit = settings.OSM_MATCH_MAX_CENTROID_M if max_centroid_m is None else max_centroid_m
    traced = traced.reset_index(drop=True)
    osm = osm.to_crs(traced.crs).reset_index(drop=True)
    t_metric = _metric(traced.geometry.to_numpy(), traced.crs)
    o_metric = _metric(osm.geometry.to_numpy(), traced.crs) if len(osm) else np.array([], dtype=object)
    o_polygonal = np.isin(shapely.get_type_id(o_metric), (3, 6)) if len(osm) else np.array([], dtype=bool)
    t_centroids, o_centroids = shapely.centroid(t_metric), shapely.centroid(o_metric)
    o_keys = _osm_keys(osm)
    index: dict[str, set[int]] = defaultdict(set)
    for j, keys in enumerate(o_keys):
        for key in keys:
            index[key].add(j)
    tree = shapely.STRtree(o_metric) if len(osm) else None
    rows = []
    for i, keys in enumerate(_traced_keys(traced)):
        geom = t_metric[i]
        named = sorted({j for k in keys for j in index.get(k, ())})
        near = [j for j in named
                if shapely.intersects(geom, o_metric[j])
                or shapely.distance(t_centroids[i], o_centroids[j]) <= limit]
        near_poly = [j for j in near if o_polygonal[j]]
        located_only = [] if tree is None else [
            int(j) for j in tree.query(geom, predicate="intersects") if int(j) not in named and o_polygonal[j]
        ]
        row = {"layer": layer, "id": traced.at[i, "id"], "name_zh": traced.at[i, "name_zh"],
               "osm_key": None, "osm_name": None, "matched_by": None}
        shown = near_poly or near or located_only
        comparisons = _compare_metric(t_metric[[i] * len(shown)], o_metric[shown]) if shown else None
        if len(near_poly) == 1:
            status = "matched"
        elif len(near_poly) > 1:
            status = "ambiguous"
        elif near:
            status = "point_only"
        elif named:
            status = "name_elsewhere"
        else:
            status = "no_match"
        if comparisons is not None:
            best = int(np.argmax(comparisons["iou"].to_numpy())) if status != "point_only" else 0
            j = shown[best]
            row.update(comparisons.iloc[best].to_dict())
            row.update(osm_key=osm.at[j, "osm_key"], osm_name=osm.at[j, "name_zh"] or osm.at[j, "name"])
            if j in named:
                shared = keys & o_keys[j]
                primary = normalize_name(row["osm_name"])
                ranked = sorted(shared, key=lambda k: (k != primary, k.isascii(), -len(k)))
                row["matched_by"] = ranked[0] if ranked else None
        listed = near or named[:5]
        candidates = [_describe(osm.iloc[j], comparisons.iloc[shown.index(j)] if j in shown else None)
                      for j in listed]
        candidates += [f"location only: {_describe(osm.iloc[j])}" for j in located_only[:5]]
        row["status"] = status
        row["candidates"] = "; ".join(candidates)
        rows.append(row)
    report = pd.DataFrame(rows, columns=list(REPORT_COLUMNS)) if rows else pd.DataFrame(columns=list(REPORT_COLUMNS))
    # an OSM feature claimed by two places is not a sure match for either
    claimed = report.loc[report["status"] == "matched", "osm_key"]
    twice = claimed[claimed.duplicated(keep=False)]
    if len(twice):
        mask = report["osm_key"].isin(twice) & (report["status"] == "matched")
        report.loc[mask, "status"] = "ambiguous"
        report.loc[mask, "candidates"] = report.loc[mask, "candidates"] + "; OSM feature claimed by several places"
    # the same name on an outline of a very different size (a faculty building, a gate, a
    # campus annex tagged with the university's name) is not the place itself
    ratio = report["osm_area_m2"].astype(float) / report["traced_area_m2"].astype(float)
    low, high = settings.OSM_MATCH_AREA_RATIO
    odd = (report["status"] == "matched") & ~ratio.between(low, high)
    if odd.any():
        report.loc[odd, "status"] = "size_mismatch"
        report.loc[odd, "candidates"] = (
            report.loc[odd, "candidates"] + "; OSM outline is "
            + ratio[odd].map(lambda r: f"{r:.2f}") + "x the traced area"
        )
    return report


def _polygonal(geom):
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    parts = [g for g in getattr(geom, "geoms", []) if g.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(parts) if parts else None


def apply_matches(traced: gpd.GeoDataFrame, osm: gpd.GeoDataFrame, report: pd.DataFrame) -> gpd.GeoDataFrame:
    """Copy of a traced layer with the sure matches' geometry replaced by OSM's.

    Replaced features get ``source="osm"``, the OSM type/id and the traced provenance in
    ``source_detail``, ``uncertainty_m`` = :data:`geo.settings.OSM_UNCERTAINTY_M` and an
    ``osm_key`` column.  A match whose OSM geometry is invalid or leaves the study region
    is downgraded to ``rejected`` in ``report`` (in place) and the traced geometry kept.
    """
    out = traced.copy()
    if "osm_key" not in out.columns:
        out["osm_key"] = None
    out["osm_key"] = out["osm_key"].astype(object)
    osm_by_key = osm.set_index("osm_key")
    for r in report.index[report["status"] == "matched"]:
        row = report.loc[r]
        i = out.index[out["id"] == row["id"]][0]
        geom = _polygonal(shapely.make_valid(osm_by_key.geometry.loc[row["osm_key"]]))
        if geom is None or geom.is_empty or not geom.is_valid or not _in_bounds(geom.bounds, settings.STUDY_REGION_BOUNDS):
            report.loc[r, "status"] = "rejected"
            continue
        out.loc[i, "geometry"] = geom
        out.loc[i, "source_detail"] = (
            f"OpenStreetMap {row['osm_key']} ({row['osm_name']}), {settings.OSM_ATTRIBUTION}; matched by name "
            f"'{row['matched_by']}' and location (IoU {row['iou']:.2f}, centroid shift {row['centroid_shift_m']:.0f} m "
            f"from the traced outline). Traced outline it replaces: {out.loc[i, 'source_detail']}"
        )
        out.loc[i, "source"] = "osm"
        out.loc[i, "uncertainty_m"] = settings.OSM_UNCERTAINTY_M
        out.loc[i, "osm_key"] = row["osm_key"]
    return out


def conflate_layers(
    layers: dict[str, gpd.GeoDataFrame],
    osm: gpd.GeoDataFrame,
    *,
    targets=None,
    progress: bool = False,
) -> tuple[dict[str, gpd.GeoDataFrame], pd.DataFrame]:
    """Conflate every target layer with the OSM features of its themes.

    Parameters
    ----------
    layers : dict of str to GeoDataFrame
        The validated layers (WGS-84).
    osm : GeoDataFrame
        Normalised OSM features (:func:`geo.sources.osm.load_osm_features`).
    targets : dict, optional
        Layer -> OSM themes (default :data:`geo.settings.OSM_CONFLATE_LAYERS`).

    Returns
    -------
    (dict, pandas.DataFrame)
        The layers with sure matches replaced, and the report (one row per place).
    """
    targets = settings.OSM_CONFLATE_LAYERS if targets is None else targets
    out = dict(layers)
    reports = []
    for name, themes in tqdm(list(targets.items()), desc="conflating", unit="layer", disable=not progress):
        if name not in layers or not len(layers[name]):
            continue
        candidates = osm[osm["theme"].isin(themes)] if len(osm) else osm
        report = match_layer(layers[name], candidates, layer=name)
        out[name] = apply_matches(layers[name], candidates, report)
        reports.append(report)
    report = pd.concat(reports, ignore_index=True) if reports else pd.DataFrame(columns=list(REPORT_COLUMNS))
    return out, report


# --- GCJ-02 shift check -------------------------------------------------------------------------------------


def check_gcj02_shift(features: gpd.GeoDataFrame, references: gpd.GeoDataFrame, *,
                      max_distance_m: float = 3000.0) -> dict:
    """Does ``features`` (claimed WGS-84) sit at the GCJ-02 offset from ``references``?

    Features and references are paired by name (unique matches within ``max_distance_m``);
    the displacement of each pair's centroids is compared with the GCJ-02 offset at that
    place (about 590 m east-south-east in Wuhan).

    Returns
    -------
    dict
        ``pairs``, ``median_east_m``, ``median_north_m``, ``expected_east_m``,
        ``expected_north_m``, ``consistent_share`` (pairs within tolerance of the offset) and
        ``looks_shifted`` (bool).  East/north are UTM 50N grid directions (within about 1.5° of true).
    """
    result = {"pairs": 0, "median_east_m": None, "median_north_m": None, "expected_east_m": None,
              "expected_north_m": None, "consistent_share": 0.0, "looks_shifted": False}
    if features is None or references is None or not len(features) or not len(references):
        return result
    refs = to_storage(references).reset_index(drop=True)
    feats = to_storage(features).reset_index(drop=True)
    if "osm_key" not in feats.columns:
        feats = feats.assign(osm_key=[f"f/{i}" for i in range(len(feats))])
    report = match_layer(refs, feats, layer="shift-check", max_centroid_m=max_distance_m)
    pairs = report[report["status"].isin(["matched", "point_only"]) & report["shift_east_m"].notna()]
    if not len(pairs):
        return result
    east = pairs["shift_east_m"].to_numpy(float)
    north = pairs["shift_north_m"].to_numpy(float)
    # the GCJ-02 offset at each reference centroid, measured in the same UTM frame as the shifts
    centroids = to_metric(refs.set_index("id").loc[pairs["id"]].geometry).centroid
    lonlat = to_storage(centroids)
    gcj_lon, gcj_lat = convert_coords(lonlat.x.to_numpy(), lonlat.y.to_numpy(), src="wgs84", dst="gcj02")
    gcj = to_metric(gpd.GeoSeries(gpd.points_from_xy(gcj_lon, gcj_lat), crs=settings.STORAGE_CRS))
    exp_e = gcj.x.to_numpy() - centroids.x.to_numpy()
    exp_n = gcj.y.to_numpy() - centroids.y.to_numpy()
    tol = settings.OSM_GCJ02_SHIFT_TOLERANCE_M
    within = np.hypot(east - exp_e, north - exp_n) <= tol
    med_e, med_n = float(np.median(east)), float(np.median(north))
    result.update(
        pairs=int(len(pairs)), median_east_m=med_e, median_north_m=med_n,
        expected_east_m=float(np.median(exp_e)), expected_north_m=float(np.median(exp_n)),
        consistent_share=float(within.mean()),
    )
    result["looks_shifted"] = bool(
        len(pairs) >= settings.OSM_GCJ02_SHIFT_MIN_MATCHES
        and np.hypot(med_e - np.median(exp_e), med_n - np.median(exp_n)) <= tol
        and within.mean() >= 0.6
    )
    return result


def _reference_layers(layers: dict[str, gpd.GeoDataFrame] | None = None) -> gpd.GeoDataFrame | None:
    """The conflated layers (:data:`geo.settings.OSM_CONFLATE_LAYERS`) stacked in one WGS-84 frame.

    Taken from ``layers`` when given, else loaded; None when they cannot be loaded.
    """
    if layers is None:
        from geo.layers import load_layers

        try:
            layers = load_layers(*settings.OSM_CONFLATE_LAYERS)
        except Exception as exc:  # references are optional: a missing traced layer skips the check
            log.debug("GCJ-02 shift check skipped: %s", exc)
            return None
    parts = [layers[n] for n in settings.OSM_CONFLATE_LAYERS if n in layers]
    return gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), crs=settings.STORAGE_CRS)


def warn_if_gcj02_shifted(features: gpd.GeoDataFrame, *, what: str, references=None) -> dict:
    """Run :func:`check_gcj02_shift` against the traced layers and warn in one line if shifted."""
    references = _reference_layers() if references is None else references
    result = check_gcj02_shift(features, references)
    if result["looks_shifted"]:
        log.warning(
            "%s looks shifted by the GCJ-02 offset: its named places sit a median %.0f m east, %.0f m north of the "
            "WGS-84 references (GCJ-02 offset here: %.0f m east, %.0f m north; %d pairs). If it came from Amap, "
            "Tencent or another Chinese map, import it with --crs gcj02 (Baidu: --crs bd09).",
            what, result["median_east_m"], result["median_north_m"], result["expected_east_m"],
            result["expected_north_m"], result["pairs"],
        )
    return result


# --- report and the build ---------------------------------------------------------------------------------


def format_report(report: pd.DataFrame) -> str:
    """The report as the text section of the build log."""
    lines = [f"== OSM conflation ({settings.OSM_ATTRIBUTION}) =="]
    counts = report["status"].value_counts().to_dict() if len(report) else {}
    lines.append("places: " + (", ".join(f"{k} {v}" for k, v in sorted(counts.items())) or "none"))
    for row in report.itertuples(index=False):
        figures = ""
        if row.iou == row.iou and row.iou is not None:
            figures = (f" traced {row.traced_area_m2 / 1e4:.1f} ha, OSM {row.osm_area_m2 / 1e4:.1f} ha, "
                       f"shift {row.centroid_shift_m:.0f} m, IoU {row.iou:.2f}")
        lines.append(f"  {row.layer}/{row.id} {row.name_zh}: {row.status}"
                     + (f" -> {row.osm_key}" if row.osm_key else "") + figures)
        if row.status != "matched" and row.candidates:
            lines.append(f"      candidates: {row.candidates}")
    return "\n".join(lines) + "\n"


def write_report(report: pd.DataFrame, out_dir: Path) -> Path:
    """Write ``conflation_report.csv`` and ``conflation_report.txt`` into ``out_dir``; return the CSV path."""
    out_dir = Path(out_dir)
    csv = write_text(report.to_csv(index=False, float_format="%.2f"), out_dir / "conflation_report.csv")
    write_text(format_report(report), out_dir / "conflation_report.txt")
    return csv


def conflate_from_cache(*, layers_dir=None, osm_dir=None, progress: bool = False):
    """Conflate the committed layers with everything in the OSM cache.

    Returns ``(layers, report, osm_features)``; the report is empty when nothing is cached.
    """
    from geo.layers import load_all_sources
    from geo.sources.osm import load_osm_features

    layers = load_all_sources(layers_dir=layers_dir, progress=progress)
    osm = load_osm_features(osm_dir=osm_dir)
    if not len(osm):
        return layers, pd.DataFrame(columns=list(REPORT_COLUMNS)), osm
    conflated, report = conflate_layers(layers, osm, progress=progress)
    check = check_gcj02_shift(osm, _reference_layers(layers))
    if check["looks_shifted"]:
        log.warning("OSM and the traced layers differ by the GCJ-02 offset (median %.0f m E, %.0f m N over %d "
                    "places): one of them carries it; check the traced sources' coordinate_system.",
                    check["median_east_m"], check["median_north_m"], check["pairs"])
    return conflated, report, osm


def build_layers_with_osm(
    out_dir: Path | None = None,
    progress: bool = True,
    *,
    layers_dir: Path | None = None,
    osm_dir: Path | None = None,
    area: str | None = None,
    fetch: bool = True,
    require_osm: bool = False,
) -> Path:
    """``corridor layers --osm``: build the layers, preferring OSM geometry where the match is sure.

    Uses the OSM cache (``layers/osm/``); when it is empty and ``fetch`` is true, fetches
    ``area`` live first.  Without OSM data it says so in one line and builds the embedded
    layers (or raises :class:`OSMUnavailableError` when ``require_osm``).  Writes the same
    outputs as :func:`geo.layers.build_layers` plus ``conflation_report.csv``/``.txt``.

    Returns
    -------
    pathlib.Path
        The GeoPackage path.
    """
    area = settings.OSM_DEFAULT_AREA if area is None else area
    from geo.layers import LAYER_SPECS, write_layers
    from geo.schema import validate_layer
    from geo.sources.osm import cached_areas, fetch_osm, read_manifest

    out = Path(out_dir) if out_dir else settings.BUILD_DIR
    fetch_failed = False
    if not cached_areas(osm_dir=osm_dir) and fetch:
        fetch_failed = fetch_osm(area, require_osm=require_osm, osm_dir=osm_dir, progress=progress) is None
    layers, report, osm = conflate_from_cache(layers_dir=layers_dir, osm_dir=osm_dir, progress=progress)
    if not len(osm) and not fetch_failed:  # a failed fetch has already said so in one line
        message = "no OpenStreetMap data in the cache (run `corridor osm fetch` or `corridor osm import FILE`)"
        if require_osm:
            raise OSMUnavailableError(message)
        log.warning("%s; building the embedded layers", message)
    changed = set(report["layer"])  # only conflated layers carry geometry that was not validated at load
    layers = {n: validate_layer(g, LAYER_SPECS[n]) if n in changed else g for n, g in layers.items()}
    manifests = {a: {k: m.get(k) for k in ("source", "fetched_at", "osmnx_version", "feature_counts")}
                 for a in cached_areas(osm_dir=osm_dir) for m in [read_manifest(a, osm_dir=osm_dir)]}
    conflation = report["status"].value_counts().to_dict() if len(report) else {}
    gpkg = write_layers(
        layers, out_dir=out, progress=progress,
        extra_manifest={"osm": {"areas": manifests, "conflation": conflation}},
    )
    write_report(report, out)
    if len(report):
        log.info("%s", format_report(report).rstrip())
    return gpkg
