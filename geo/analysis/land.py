"""Land supply that a planner can defend: floor space against floor space, land against land.

A pandas/geopandas API for notebooks and the ``corridor analyse`` command.  Every function
here is pure (data in, results out); the tables are loaded in one place,
:func:`geo.analysis.pipeline.land_inputs`:

>>> from geo.analysis import land, pipeline
>>> inputs = pipeline.land_inputs()                    # layers, figures, assumptions, findings, config
>>> table, comparison = land.land_supply(**inputs)
>>> table, comparison = land.land_supply(**inputs, far={"baseline": {"park": 2.0}})  # try a ratio

Zones are 智谷 and 小洪山科学城, each innovation belt, silicon lane corridor and park, and the
districts named in ``geo/data/land_scenarios.yml``.  Areas are measured in UTM 50N
(EPSG:32650).  Column suffixes say the unit: ``_m2``, ``_ha``, ``_mu`` (亩) for land and
``_m2``, ``_wanfang`` (万方) for floor space; ``quantity`` says which (``floor_area`` or
``land_area``).  A floor-space figure is never turned into land, nor land into floor space.

- **Floor space** (figures of quantity ``floor_area`` in ``layers/figures.csv``): a target is
  compared with the zone's existing floor stock (OSM buildings × storeys,
  :mod:`geo.sources.buildings`) plus the new floor space its developable land could hold under
  each scenario; a planned addition (status ``planned``) with the new capacity alone.
- **Land** (quantity ``land_area``): compared with land: the zone's industrial land from OSM
  land use, or the zone polygon's own area (rules in the config's ``land_comparisons``).
- **Assumptions as ranges**: the floor-area ratios and developable shares come from
  ``layers/assumptions.csv`` with low / central / high values; capacities and gaps come out as
  ranges (``gap_low`` uses the capacity at the high assumptions, ``gap_high`` at the low ones),
  and each row names the assumption ids that drive it (column ``assumptions``).
- **Documents' own findings** (``layers/findings.csv``, e.g. the 智谷 report's 供不应求): where
  the computed supply exceeds a target that such a finding says is short, the row is flagged
  ``contradicts_document``, with the quote and the assumption that produces the surplus.

Land is broken down by class from OpenStreetMap land use when given (© OpenStreetMap
contributors, ODbL), from the traced layers otherwise (campus, park, belt, residual).
``gap = figure − supply``: positive is a shortfall, negative a surplus.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
import yaml

from geo import settings, units
from geo.crs import to_metric, to_storage
from geo.errors import CorridorError
from geo.figures import value_m2
from geo.schema import POLYGONAL

#: Layers that hold zones, and the label each gets in ``zone_layer``.
ZONE_LAYERS = ("zhigu", "innovation_belts", "silicon_lane_corridors", "parks", "districts")
#: The three cases of every assumed parameter.
CASES = ("low", "central", "high")
#: Columns of the findings table (``layers/findings.csv``).
FINDING_COLUMNS = ("id", "document", "section", "para", "subject_layer", "subject_id", "subject_name_zh",
                   "finding", "original", "note")
#: Statuses of floor-space figures that are compared, and what they are compared with.
FLOOR_COMPARED_WITH = {"target": "floor stock + new capacity", "planned": "new capacity (planned addition)"}
#: Keys that held numbers in the configuration before they moved to the tables.
_NUMERIC_KEYS = ("developable_share", "target_figures", "fallback_targets", "land_target_classes")
STOCK_UNKNOWN = "unknown: no building data"
LAND_UNKNOWN = "unknown: no land-use data"


# --- loading (called by the pipeline) --------------------------------------------------------------


def load_config(path: str | Path | None = None) -> dict:
    """Read the land-supply structure (default ``settings.LAND_SCENARIOS_FILE``).

    The file holds zone districts, class lists, the OSM class mapping, scenario titles and the
    land-comparison rules; numbers live in the assumptions and figure tables.
    """
    path = Path(path) if path else settings.LAND_SCENARIOS_FILE
    with open(path, encoding="utf-8") as fh:
        cfg = yaml.safe_load(fh) or {}
    for key in ("scenarios", "default_scenario", "traced_classes"):
        if key not in cfg:
            raise CorridorError(f"{path}: land-scenario config lacks {key!r}")
    stale = [k for k in _NUMERIC_KEYS if k in cfg] + [f"scenarios.{s}.far" for s, v in cfg["scenarios"].items()
                                                      if isinstance(v, dict) and "far" in v]
    if stale:
        raise CorridorError(f"{path}: {', '.join(stale)} no longer belong here: floor-area ratios and developable "
                            "shares live in layers/assumptions.csv, targets in layers/figures.csv")
    if cfg["default_scenario"] not in cfg["scenarios"]:
        raise CorridorError(f"{path}: default_scenario {cfg['default_scenario']!r} is not one of the scenarios")
    return cfg


def load_findings(path: str | Path | None = None) -> pd.DataFrame:
    """Read the documents' qualitative findings (default :func:`geo.settings.findings_file`).

    One row per finding without a number (e.g. ``space_short`` for 供不应求), with its
    document locator (section, para), subject feature and the verbatim ``original``.
    """
    from geo.io import read_table_csv

    path = Path(path) if path is not None else settings.findings_file()
    table = read_table_csv(path, columns=FINDING_COLUMNS, error=CorridorError)
    for i, row in enumerate(table.to_dict("records")):
        for col in ("id", "document", "section", "para", "subject_layer", "subject_id", "finding", "original"):
            if not row[col].strip():
                raise CorridorError(f"{path}: line {i + 2} (id {row['id']!r}): empty {col}")
        if not row["para"].isdigit():
            raise CorridorError(f"{path}: line {i + 2} (id {row['id']!r}): para {row['para']!r} is not a whole number")
    table["para"] = table["para"].astype(int)
    return table


# --- zones ----------------------------------------------------------------------------------------------


def zones_from_layers(layers: dict[str, gpd.GeoDataFrame], *, config: dict) -> gpd.GeoDataFrame:
    """Collect the zone polygons from the layers (WGS-84), with a ``zone_layer`` column.

    Districts are limited to the config's ``zone_districts``.
    """
    parts = []
    for name in ZONE_LAYERS:
        gdf = layers.get(name)
        if gdf is None or gdf.empty:
            continue
        gdf = to_storage(gdf, what=f"layer {name!r}")
        gdf = gdf[gdf.geom_type.isin(POLYGONAL)]
        if name == "districts":
            gdf = gdf[gdf["name_zh"].isin(config.get("zone_districts", []))]
        parts.append(gdf.assign(zone_layer=name))
    if not parts:
        raise CorridorError("no zone layers given (zhigu, innovation_belts, silicon_lane_corridors, parks, districts)")
    return gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), geometry="geometry", crs=settings.STORAGE_CRS)


def zone_areas(zones: gpd.GeoDataFrame) -> pd.DataFrame:
    """Area of each zone (any declared CRS) in m², ha, km² and 亩, measured in UTM 50N.

    Returns a DataFrame indexed like ``zones`` with area_m2, area_ha, area_km2 and area_mu.
    """
    measured = units.with_area_columns(zones[[zones.geometry.name]])
    return pd.DataFrame(measured[["area_m2", "area_ha", "area_km2", "area_mu"]])


# --- land by class ----------------------------------------------------------------------------------


def traced_class_geometries(layers: dict[str, gpd.GeoDataFrame], *, config: dict) -> dict:
    """Disjoint metric geometries of the traced land classes (campus, park, belt), by priority."""
    cfg = config
    source = {"campus": "campuses", "park": "parks", "belt": "innovation_belts"}
    classes = {}
    for cls in cfg["traced_classes"]:
        layer = layers.get(source.get(cls, ""))
        if layer is None or layer.empty:
            continue
        geoms = to_metric(layer, what=source[cls]).geometry
        classes[cls] = shapely.union_all(geoms[geoms.geom_type.isin(POLYGONAL)].to_numpy())
    return _disjoint(classes, order=cfg["traced_classes"])


def osm_class_geometries(landuse: gpd.GeoDataFrame, *, config: dict) -> dict:
    """Disjoint metric geometries of OSM land-use classes (mapping and priority from the config).

    ``landuse`` holds OSM polygons with any of the columns landuse, amenity, leisure,
    natural (as osmnx returns them); tags not in the config's ``osm_classes`` are ignored.
    """
    cfg = config
    mapping = cfg.get("osm_classes", {})
    lu = to_metric(landuse, what="landuse")
    lu = lu[lu.geom_type.isin(POLYGONAL)]
    cls = pd.Series(np.nan, index=lu.index, dtype=object)
    for col in ("landuse", "amenity", "leisure", "natural", "class", "category"):
        if col in lu.columns:
            cls = cls.fillna(lu[col].map(mapping))
    lu = lu.assign(_class=cls).dropna(subset=["_class"])
    order = list(dict.fromkeys(mapping.values()))
    classes = {c: shapely.union_all(g.to_numpy()) for c, g in lu.groupby("_class").geometry}
    return _disjoint(classes, order=order)


def _disjoint(classes: dict, *, order) -> dict:
    """Subtract higher-priority classes from lower ones so that no land counts twice."""
    out, taken = {}, shapely.Polygon()
    for cls in order:
        if cls not in classes:
            continue
        geom = shapely.difference(classes[cls], taken)
        out[cls] = geom
        taken = shapely.union(taken, geom)
    return out


def land_by_class(zones: gpd.GeoDataFrame, class_geometries: dict) -> pd.DataFrame:
    """Land of each class inside each zone, m², with the rest as ``residual``.

    Parameters
    ----------
    zones : GeoDataFrame (any declared CRS)
    class_geometries : dict of class -> disjoint metric geometry (EPSG:32650)

    Returns
    -------
    DataFrame indexed like ``zones`` with one ``<class>`` column per class plus ``residual``, m².
    """
    zg = to_metric(zones, what="zones").geometry.to_numpy()
    total = shapely.area(zg)
    out = pd.DataFrame(index=zones.index)
    used = np.zeros(len(zg))
    for cls, geom in class_geometries.items():
        if cls == "residual":
            continue
        a = shapely.area(shapely.intersection(zg, geom)) if geom is not None and not geom.is_empty else np.zeros(len(zg))
        out[cls] = a
        used += a
    out["residual"] = np.clip(total - used, 0, None)
    return out


# --- assumptions and capacity ----------------------------------------------------------------------


def override_assumptions(assumptions: pd.DataFrame, *, far: dict | None = None,
                         developable_share: dict | None = None) -> pd.DataFrame:
    """A copy of the assumptions table with some values replaced (for what-if runs).

    ``far = {scenario: {class: value}}`` and ``developable_share = {class: value}``; a value is
    one number (low = central = high) or a ``(low, central, high)`` triple.  A class the table
    lacks is added (its id built like the table's, basis "override").
    """
    table = assumptions.copy()
    changes = [("far", s, c, v) for s, ratios in (far or {}).items() for c, v in ratios.items()]
    changes += [("developable_share", "", c, v) for c, v in (developable_share or {}).items()]
    for parameter, scenario, cls, value in changes:
        lo, mid, hi = (value, value, value) if np.ndim(value) == 0 else tuple(value)
        if not lo <= mid <= hi:
            raise CorridorError(f"override {parameter} {scenario} {cls}: need low <= central <= high, got {value}")
        hit = (table["parameter"] == parameter) & (table["scenario"] == scenario) & (table["applies_to"] == cls)
        if hit.any():
            table.loc[hit, ["low", "central", "high"]] = [float(lo), float(mid), float(hi)]
        else:
            aid = f"far:{scenario}:{cls}" if parameter == "far" else f"developable_share:{cls}"
            row = {c: "" for c in table.columns} | {"id": aid, "parameter": parameter, "applies_to": cls,
                                                      "scenario": scenario, "low": float(lo), "central": float(mid),
                                                      "high": float(hi), "kind": "assumption", "basis": "override"}
            table = pd.concat([table, pd.DataFrame([row])], ignore_index=True)
    return table


def _assumption(assumptions: pd.DataFrame, *, parameter: str, scenario: str, cls: str) -> pd.Series:
    """The assumption row for a class (the ``other`` row when the class has none)."""
    sel = assumptions[(assumptions["parameter"] == parameter) & (assumptions["scenario"] == scenario)]
    for name in (cls, "other"):
        hit = sel[sel["applies_to"] == name]
        if len(hit):
            return hit.iloc[0]
    what = f"{parameter} for scenario {scenario!r}" if scenario else parameter
    raise CorridorError(f"assumptions table has no {what} for land class {cls!r} nor 'other'; add a row to "
                        f"{settings.assumptions_file().name}")


def contributions(land: pd.DataFrame, assumptions: pd.DataFrame, *, scenario: str,
                  case: str = "central") -> pd.DataFrame:
    """New floor space each land class could hold, per zone: land × developable share × FAR (m²)."""
    out = pd.DataFrame(index=land.index)
    for cls in land.columns:
        share = _assumption(assumptions, parameter="developable_share", scenario="", cls=cls)[case]
        far = _assumption(assumptions, parameter="far", scenario=scenario, cls=cls)[case]
        out[cls] = land[cls].to_numpy() * float(share) * float(far)
    return out


def capacity(land: pd.DataFrame, assumptions: pd.DataFrame, *, scenarios, default_scenario: str) -> pd.DataFrame:
    """Developable land and new floor-space capacity per scenario, as low / central / high.

    developable_<case>_m2 = Σ land[class] × developable_share[class][case];
    capacity_<scenario>_<case>_m2 = Σ land[class] × developable_share[class][case] × FAR[scenario][class][case].
    A class without its own assumption takes the ``other`` row.  Also gives developable_m2 /
    developable_mu / developable_ha (land, central), capacity_<scenario>_m2 (central) and
    capacity_m2 / capacity_wanfang (floor space, default scenario, central).
    """
    out = pd.DataFrame(index=land.index)
    for case in CASES:
        out[f"developable_{case}_m2"] = sum(
            land[c] * float(_assumption(assumptions, parameter="developable_share", scenario="", cls=c)[case])
            for c in land.columns)
    out["developable_m2"] = out["developable_central_m2"]
    out["developable_mu"] = units.m2_to_mu(out["developable_m2"].to_numpy())
    out["developable_ha"] = units.m2_to_ha(out["developable_m2"].to_numpy())
    for scenario in scenarios:
        for case in CASES:
            out[f"capacity_{scenario}_{case}_m2"] = contributions(land, assumptions, scenario=scenario,
                                                                  case=case).sum(axis=1)
        out[f"capacity_{scenario}_m2"] = out[f"capacity_{scenario}_central_m2"]
    out["capacity_m2"] = out[f"capacity_{default_scenario}_m2"]
    out["capacity_wanfang"] = units.m2_to_wanfang(out["capacity_m2"].to_numpy())
    return out


def assumption_ids(land: pd.DataFrame, assumptions: pd.DataFrame, *, scenario: str) -> pd.DataFrame:
    """The assumptions that drive each zone's capacity under a scenario.

    Returns a DataFrame indexed like ``land`` with ``assumptions`` (the ids of the FAR and
    developable-share rows of every class that adds floor space at the high case, largest
    central contribution first, ``"; "``-joined), ``driver`` (the ids of the largest
    contributor), ``driver_class`` and ``driver_share`` (its share of the central capacity).
    """
    central = contributions(land, assumptions, scenario=scenario, case="central")
    high = contributions(land, assumptions, scenario=scenario, case="high")
    ids = {c: (_assumption(assumptions, parameter="far", scenario=scenario, cls=c)["id"],
               _assumption(assumptions, parameter="developable_share", scenario="", cls=c)["id"]) for c in land.columns}
    rows = []
    for idx in land.index:
        order = sorted((c for c in land.columns if high.at[idx, c] > 0),
                       key=lambda c: (-central.at[idx, c], -high.at[idx, c], c))
        names = list(dict.fromkeys(i for c in order for i in ids[c]))
        total = central.loc[idx].sum()
        top = order[0] if order else None
        rows.append({"assumptions": "; ".join(names), "driver": "; ".join(ids[top]) if top else "",
                     "driver_class": top or "",
                     "driver_share": float(central.at[idx, top] / total) if top and total > 0 else np.nan})
    return pd.DataFrame(rows, index=land.index)


# --- existing floor stock ------------------------------------------------------------------------------


def coverage_share(zones: gpd.GeoDataFrame, coverage) -> np.ndarray:
    """Share (0..1) of each zone's area inside ``coverage`` (a WGS-84 geometry; None covers nothing)."""
    if coverage is None:
        return np.zeros(len(zones))
    zm = to_metric(zones, what="zones").geometry.to_numpy()
    cover = gpd.GeoSeries([coverage], crs=settings.STORAGE_CRS).to_crs(settings.METRIC_CRS).iloc[0]
    return shapely.area(shapely.intersection(zm, cover)) / shapely.area(zm)


def floor_stock(zones: gpd.GeoDataFrame, buildings=None) -> pd.DataFrame:
    """Existing floor space of each zone from building footprints × storeys.

    Parameters
    ----------
    zones : GeoDataFrame (any declared CRS)
    buildings : geo.sources.buildings.BuildingData, optional
        Buildings with ``floor_area_m2`` and the area the data covers.

    Returns
    -------
    DataFrame indexed like ``zones``: stock_m2, stock_wanfang, stock_buildings,
    stock_buildings_unknown (no levels nor height) and their stock_footprint_unknown_m2,
    stock_coverage_pct (share of the zone the building data covers), stock_status and
    stock_source.  A building counts in a zone when its representative point lies inside.
    Where no building data covers a zone, stock is NaN and stock_status ``"unknown: no
    building data"`` (likewise when none of its buildings has levels or height); where the
    data covers the zone only in part or some buildings lack levels and height, the stock is
    a lower bound and the status says why.  OSM maps only some buildings: every known stock is at most a lower bound of
    the real one.
    """
    out = pd.DataFrame(index=zones.index)
    out["stock_m2"] = np.nan
    out["stock_buildings"] = 0
    out["stock_buildings_unknown"] = 0
    out["stock_footprint_unknown_m2"] = np.nan
    out["stock_coverage_pct"] = 0.0
    out["stock_status"] = STOCK_UNKNOWN
    out["stock_source"] = ""
    if buildings is not None:
        zm = to_metric(zones, what="zones")
        share = coverage_share(zones, buildings.coverage)
        b = to_metric(buildings.buildings, what="buildings")
        points = gpd.GeoDataFrame({"floor_area_m2": b["floor_area_m2"].to_numpy(),
                                   "unknown_footprint_m2": b["footprint_m2"].where(b["floor_area_m2"].isna(), 0.0)},
                                  geometry=b.geometry.representative_point().to_numpy(), crs=settings.METRIC_CRS)
        hits = gpd.sjoin(points, gpd.GeoDataFrame(geometry=zm.geometry.to_numpy(), index=zones.index,
                                                  crs=settings.METRIC_CRS), predicate="within")
        grouped = hits.groupby("index_right")
        total = grouped["floor_area_m2"].sum(min_count=0)
        count = grouped.size()
        unknown = grouped["floor_area_m2"].apply(lambda s: int(s.isna().sum()))
        footprint_unknown = grouped["unknown_footprint_m2"].sum()
        for pos, idx in enumerate(zones.index):
            if share[pos] <= 0:
                continue
            n, u = int(count.get(idx, 0)), int(unknown.get(idx, 0))
            out.loc[idx, ["stock_buildings", "stock_buildings_unknown", "stock_footprint_unknown_m2",
                          "stock_coverage_pct"]] = [n, u, float(footprint_unknown.get(idx, 0.0)), float(share[pos] * 100)]
            out.loc[idx, "stock_source"] = buildings.source
            if n and u == n:
                out.loc[idx, "stock_status"] = f"unknown: none of the {n} buildings has levels or height"
                continue
            why = []
            if share[pos] < 0.999:
                why.append(f"building data covers {share[pos]:.0%} of the zone")
            if u:
                why.append(f"{u} of {n} buildings lack levels and height")
            out.loc[idx, "stock_m2"] = float(total.get(idx, 0.0))
            out.loc[idx, "stock_status"] = ("lower bound: " + "; ".join(why)) if why else "known"
    out["stock_wanfang"] = units.m2_to_wanfang(out["stock_m2"].to_numpy())
    return out


# --- figures: targets and horizons ------------------------------------------------------------------


def _blank(value) -> bool:
    return value is None or value == "" or (not isinstance(value, str) and pd.isna(value))


def _year(value):
    return np.nan if _blank(value) else int(value)


def target_horizons(figures: pd.DataFrame) -> pd.DataFrame:
    """Every floor-space and land target the documents give, with its horizon as calendar years.

    One row per figure of status ``target`` and quantity ``floor_area`` or ``land_area``:
    figure_id, document, section, para, subject_layer, subject_id, subject_name_zh, quantity,
    name, value_m2, value_wanfang (floor space only), value_mu and value_ha (land only),
    doc_value, doc_unit, horizon, year_from, year_to, original; sorted by subject and year.
    """
    sel = figures[(figures["status"] == "target") & figures["quantity"].isin(["floor_area", "land_area"])]
    rows = []
    for r in sel.to_dict("records"):
        m2 = value_m2(r)
        floor = r["quantity"] == "floor_area"
        rows.append({"figure_id": r["id"], "document": r["document"], "section": r["section"],
                     "para": r["para"], "subject_layer": r["subject_layer"], "subject_id": r["subject_id"],
                     "subject_name_zh": r.get("subject_name_zh", ""), "quantity": r["quantity"], "name": r["name"],
                     "value_m2": m2, "value_wanfang": units.m2_to_wanfang(m2) if floor else np.nan,
                     "value_mu": np.nan if floor else units.m2_to_mu(m2),
                     "value_ha": np.nan if floor else units.m2_to_ha(m2),
                     "doc_value": r.get("doc_value", ""), "doc_unit": r.get("doc_unit", ""),
                     "horizon": r.get("horizon", ""), "year_from": _year(r.get("year_from")),
                     "year_to": _year(r.get("year_to")), "original": r["original"]})
    cols = ["figure_id", "document", "section", "para", "subject_layer", "subject_id", "subject_name_zh", "quantity",
            "name", "value_m2", "value_wanfang", "value_mu", "value_ha", "doc_value", "doc_unit", "horizon",
            "year_from", "year_to", "original"]
    out = pd.DataFrame(rows, columns=cols)
    return out.sort_values(["subject_layer", "subject_id", "year_to", "figure_id"], na_position="last",
                           ignore_index=True)


def zone_figures(zones: gpd.GeoDataFrame, figures: pd.DataFrame) -> pd.DataFrame:
    """The figures compared with a zone: each on the zone its sentence is about.

    Floor-space figures of status ``target`` or ``planned`` and land figures of any status,
    whose (subject_layer, subject_id) is a zone's (zone_layer, id).  Adds ``zone_index``.
    """
    keys = {(layer, fid): idx for idx, layer, fid in zip(zones.index, zones["zone_layer"], zones["id"], strict=True)}
    floor = (figures["quantity"] == "floor_area") & figures["status"].isin(list(FLOOR_COMPARED_WITH))
    land = figures["quantity"] == "land_area"
    sel = figures[floor | land].copy()
    sel["zone_index"] = [keys.get((a, b)) for a, b in zip(sel["subject_layer"], sel["subject_id"], strict=True)]
    return sel[sel["zone_index"].notna()].reset_index(drop=True)


# --- comparisons ------------------------------------------------------------------------------------------


def _figure_fields(r: dict, zones: gpd.GeoDataFrame) -> dict:
    idx = r["zone_index"]
    return {"figure_id": r["id"], "document": r["document"], "section": r["section"], "para": r["para"],
            "zone_layer": zones.at[idx, "zone_layer"], "zone_id": zones.at[idx, "id"],
            "zone_name_zh": zones.at[idx, "name_zh"], "figure_name": r["name"], "quantity": r["quantity"],
            "status": r["status"], "horizon": r.get("horizon", ""), "year_from": _year(r.get("year_from")),
            "year_to": _year(r.get("year_to")), "figure_original": r["original"],
            "figure_doc_value": r.get("doc_value", ""), "figure_doc_unit": r.get("doc_unit", ""),
            "figure_note": r.get("note", ""), "figure_m2": value_m2(r)}


def compare_floor(figs: pd.DataFrame, zones: gpd.GeoDataFrame, supply: pd.DataFrame, drivers: dict,
                  *, scenarios) -> list[dict]:
    """Floor-space figures against floor space, one row per (figure, scenario).

    A target is compared with stock + capacity, a planned addition with capacity alone; where
    the stock is unknown it counts as 0 and ``supply_basis`` says that the supply is then a
    lower bound (and the gap an upper bound).
    """
    rows = []
    for r in figs[figs["quantity"] == "floor_area"].to_dict("records"):
        z = supply.loc[r["zone_index"]]
        with_stock = r["status"] == "target"
        stock = float(z["stock_m2"]) if with_stock and pd.notna(z["stock_m2"]) else 0.0
        if not with_stock:
            basis = "new capacity only (a planned addition)"
        elif pd.isna(z["stock_m2"]):
            basis = f"capacity only: stock {STOCK_UNKNOWN} (supply is a lower bound, gap an upper bound)"
        else:
            basis = f"stock ({z['stock_status']}) + capacity"
        for scenario in scenarios:
            d = drivers[scenario].loc[r["zone_index"]]
            cap = {case: float(z[f"capacity_{scenario}_{case}_m2"]) for case in CASES}
            rows.append({**_figure_fields(r, zones), "compared_with": FLOOR_COMPARED_WITH[r["status"]],
                         "scenario": scenario, "stock_m2": float(z["stock_m2"]) if with_stock else np.nan,
                         "stock_status": z["stock_status"] if with_stock else "not used",
                         **{f"capacity_{case}_m2": cap[case] for case in CASES},
                         # gap_low uses the high capacity, gap_high the low one
                         "supply_low_m2": stock + cap["low"], "supply_central_m2": stock + cap["central"],
                         "supply_high_m2": stock + cap["high"], "supply_basis": basis,
                         "assumptions": d["assumptions"], "driver": d["driver"], "driver_class": d["driver_class"],
                         "driver_share": d["driver_share"], "comparison": "computed"})
    return rows


def compare_land(figs: pd.DataFrame, zones: gpd.GeoDataFrame, supply: pd.DataFrame, *, config: dict,
                 land_source: str) -> list[dict]:
    """Land figures against land (m², 亩, ha), one row per figure (scenario ``land``).

    Each figure follows the first rule of the config's ``land_comparisons`` whose
    ``name_contains`` is in its name: the zone's land of the rule's ``classes`` (from OSM land
    use only; where the land-use data does not reach the zone the row says ``"unknown: no
    land-use data"``, where it covers the zone in part the land is a lower bound), or the zone's area.
    """
    rows = []
    for r in figs[figs["quantity"] == "land_area"].to_dict("records"):
        rule = next((c for c in config.get("land_comparisons", []) if c["name_contains"] in r["name"]), None)
        z = supply.loc[r["zone_index"]]
        if rule is None:
            rule = {"compared_with": ""}
            value, status = np.nan, "unknown: no land-comparison rule for this figure (config land_comparisons)"
        elif rule.get("zone"):
            value, status = float(z["area_m2"]), "computed"
        elif land_source != "osm" or not z["land_coverage_pct"] > 0:
            value, status = np.nan, LAND_UNKNOWN
        else:
            value = float(sum(z.get(f"land_{c}_m2", 0.0) for c in rule["classes"]))
            status = "computed" if z["land_coverage_pct"] >= 99.9 else \
                f"lower bound: land-use data covers {z['land_coverage_pct']:.0f}% of the zone"
        rows.append({**_figure_fields(r, zones), "compared_with": rule["compared_with"], "scenario": "land",
                     "stock_m2": np.nan, "stock_status": "not used",
                     **{f"capacity_{case}_m2": np.nan for case in CASES},
                     "supply_low_m2": value, "supply_central_m2": value, "supply_high_m2": value,
                     "supply_basis": f"land: {rule['compared_with']} ({land_source})" if value == value else status,
                     "assumptions": "", "driver": "", "driver_class": "", "driver_share": np.nan,
                     "comparison": status})
    return rows


def with_units(comparison: pd.DataFrame) -> pd.DataFrame:
    """Add gaps (figure − supply) and the unit columns of each quantity.

    Floor-space rows get ``_wanfang`` columns, land rows ``_mu`` and ``_ha`` columns; the other
    kind's columns stay NaN, so no floor space is ever shown as land or land as floor space.
    """
    df = comparison.copy()
    # gap_low from the high supply, gap_high from the low one: gap_low <= gap_central <= gap_high
    df["gap_low_m2"] = df["figure_m2"] - df["supply_high_m2"]
    df["gap_central_m2"] = df["figure_m2"] - df["supply_central_m2"]
    df["gap_high_m2"] = df["figure_m2"] - df["supply_low_m2"]
    with np.errstate(divide="ignore", invalid="ignore"):
        df["gap_pct"] = np.where(df["figure_m2"] > 0, df["gap_central_m2"] / df["figure_m2"] * 100.0, np.nan)
    floor = (df["quantity"] == "floor_area").to_numpy()
    m2_cols = ["figure_m2", "stock_m2", "capacity_low_m2", "capacity_central_m2", "capacity_high_m2",
               "supply_low_m2", "supply_central_m2", "supply_high_m2", "gap_low_m2", "gap_central_m2", "gap_high_m2"]
    extra = {}
    for col in m2_cols:
        base = col[:-3]
        values = df[col].to_numpy(dtype=float)
        extra[f"{base}_wanfang"] = np.where(floor, units.m2_to_wanfang(values), np.nan)
        if not col.startswith(("stock", "capacity")):
            extra[f"{base}_mu"] = np.where(floor, np.nan, units.m2_to_mu(values))
            extra[f"{base}_ha"] = np.where(floor, np.nan, units.m2_to_ha(values))
    df = pd.concat([df, pd.DataFrame(extra, index=df.index)], axis=1)
    return df


# --- the documents' own findings -------------------------------------------------------------------


def findings_for_zones(zones: gpd.GeoDataFrame, findings: pd.DataFrame, *, within_share: float | None = None
                       ) -> dict[int, list[dict]]:
    """``{zone index: [finding rows]}``: a finding applies to its subject zone and to every zone
    lying (by at least ``within_share`` of its area, default ``settings.FINDING_WITHIN_SHARE``) inside it."""
    within_share = settings.FINDING_WITHIN_SHARE if within_share is None else within_share
    zm = to_metric(zones, what="zones")
    area = zm.geometry.area
    out: dict = {}
    for f in findings.to_dict("records"):
        subject = zm[(zm["zone_layer"] == f["subject_layer"]) & (zm["id"] == f["subject_id"])]
        if subject.empty:
            continue
        geom = shapely.union_all(subject.geometry.to_numpy())
        inside = shapely.area(shapely.intersection(zm.geometry.to_numpy(), geom)) / area.to_numpy()
        for idx, share in zip(zones.index, inside, strict=True):
            if share >= within_share or idx in subject.index:
                out.setdefault(idx, []).append(f)
    return out


def flag_contradictions(comparison: pd.DataFrame, zones: gpd.GeoDataFrame, findings: pd.DataFrame | None, *,
                        config: dict) -> pd.DataFrame:
    """Flag floor-space targets whose computed supply exceeds them where a document says space is short.

    A row (quantity ``floor_area``, status ``target``) is flagged ``contradicts_document`` when
    a finding of a kind in the config's ``surplus_contradicts`` applies to its zone and the
    central supply exceeds the target (``gap_central_m2 < 0``; with unknown stock the supply is
    capacity alone, so the surplus is certain).  ``contradiction`` gives the document, the
    quotes and what produces the surplus: the largest contributor to the central supply (an
    assumption pair ``far:…; developable_share:…``, or the existing floor stock).  Rows
    with a surplus only at the high assumptions get the text but no flag.
    """
    df = comparison.copy()
    df["contradicts_document"] = False
    df["contradiction"] = ""
    df["contradiction_driver"] = ""
    if findings is None or findings.empty or df.empty:
        return df
    kinds = set(config.get("surplus_contradicts", []))
    applies = findings_for_zones(zones, findings[findings["finding"].isin(kinds)])
    index_of = {(layer, fid): idx for idx, layer, fid in zip(zones.index, zones["zone_layer"], zones["id"], strict=True)}
    for i, row in df.iterrows():
        if row["quantity"] != "floor_area" or row["status"] != "target":
            continue
        found = applies.get(index_of.get((row["zone_layer"], row["zone_id"])), [])
        if not found or not row["gap_low_m2"] < 0:
            continue
        stock = row["stock_m2"] if pd.notna(row["stock_m2"]) else 0.0
        cap_share = row["driver_share"] * row["capacity_central_m2"] if pd.notna(row["driver_share"]) else 0.0
        if stock > cap_share:
            driver = "existing floor stock counted in full as space for industry (OSM buildings, all uses)"
            share = stock / row["supply_central_m2"]
        else:
            driver = row["driver"]
            share = cap_share / row["supply_central_m2"] if row["supply_central_m2"] > 0 else np.nan
        quotes = "”, “".join(f["original"] for f in found)
        where = "; ".join(dict.fromkeys(f"{f['document']} {f['section']} ¶{f['para']}" for f in found))
        central = row["gap_central_m2"] < 0
        surplus = -(row["gap_central_m2"] if central else row["gap_low_m2"])
        when = f"{row['scenario']}, central assumptions" if central else f"{row['scenario']}, high assumptions only"
        df.at[i, "contradicts_document"] = bool(central)
        df.at[i, "contradiction_driver"] = driver
        df.at[i, "contradiction"] = (
            f"{where}: “{quotes}” — but the computed supply exceeds the target by "
            f"{units.m2_to_wanfang(surplus):.1f} 万方 ({when}); driven by {driver} ({share:.0%} of the supply)")
    return df


# --- the tables -------------------------------------------------------------------------------------------


def land_supply(layers: dict[str, gpd.GeoDataFrame], *, figures: pd.DataFrame, assumptions: pd.DataFrame,
                config: dict, findings: pd.DataFrame | None = None, landuse: gpd.GeoDataFrame | None = None,
                landuse_coverage=None, buildings=None, far: dict | None = None, developable_share: dict | None = None):
    """The land-supply tables: one row per zone, and every figure against its zone's supply.

    Parameters
    ----------
    layers : dict of layer name -> GeoDataFrame
        The zone layers (see :data:`ZONE_LAYERS`) and ``campuses``/``parks``/``innovation_belts``
        for the traced land classes.
    figures : DataFrame
        The figure table (:func:`geo.figures.load_figures`).
    assumptions : DataFrame
        The assumptions table (:func:`geo.figures.load_assumptions`).
    config : dict
        The land-supply structure (:func:`load_config`).
    findings : DataFrame, optional
        The documents' qualitative findings (:func:`load_findings`).
    landuse : GeoDataFrame, optional
        OSM land-use polygons; when given, land classes come from it instead of the traced layers.
    landuse_coverage : shapely geometry, optional
        WGS-84 area the land-use data covers (default: the bounding box of ``landuse``); a land
        figure of a zone outside it is unknown, not zero (column ``land_coverage_pct``).
    buildings : geo.sources.buildings.BuildingData, optional
        Buildings for the existing floor stock; without them stock is unknown.
    far, developable_share : dict, optional
        What-if overrides (see :func:`override_assumptions`).

    Returns
    -------
    table : GeoDataFrame (WGS-84)
        One row per zone: id, name_zh, name_en, zone_layer, area_m2/ha/km2/mu, land_<class>_m2,
        land_source, developable_* (land), capacity_<scenario>_<case>_m2 and capacity_m2 /
        capacity_wanfang (floor space), stock_* (existing floor space), and the zone's first
        floor-space target (earliest horizon) against stock + capacity under the default
        scenario: target_id, target_quantity, target_m2, target_wanfang, target_ref, target_horizon,
        target_year_from, target_year_to, gap_m2 (= gap_central_m2), gap_low_m2, gap_high_m2,
        gap_wanfang, gap_pct, targets (how many floor-space targets the zone has),
        assumptions, contradicts_document, contradiction.
    comparison : DataFrame
        One row per (figure, scenario): see :func:`compare_floor`, :func:`compare_land`,
        :func:`with_units` and :func:`flag_contradictions`.
    """
    scenarios = list(config["scenarios"])
    assumptions = override_assumptions(assumptions, far=far, developable_share=developable_share)
    zones = zones_from_layers(layers, config=config)
    if landuse is not None:
        classes, land_source = osm_class_geometries(landuse, config=config), "osm"
    else:
        classes, land_source = traced_class_geometries(layers, config=config), "traced"
    land = land_by_class(zones, classes)
    if landuse is not None and landuse_coverage is None:
        landuse_coverage = shapely.box(*to_storage(landuse, what="landuse").total_bounds) if len(landuse) else None
    cover = coverage_share(zones, landuse_coverage) * 100.0 if landuse is not None else np.full(len(zones), np.nan)
    supply = pd.concat([zone_areas(zones), pd.DataFrame({"land_coverage_pct": cover}, index=zones.index), land.add_prefix("land_").add_suffix("_m2"),
                        capacity(land, assumptions, scenarios=scenarios, default_scenario=config["default_scenario"]),
                        floor_stock(zones, buildings)], axis=1)
    drivers = {s: assumption_ids(land, assumptions, scenario=s) for s in scenarios}
    figs = zone_figures(zones, figures)
    rows = compare_floor(figs, zones, supply, drivers, scenarios=scenarios)
    rows += compare_land(figs, zones, supply, config=config, land_source=land_source)
    comparison = pd.DataFrame(rows, columns=_COMPARISON_BASE)
    comparison = flag_contradictions(with_units(comparison), zones, findings, config=config)
    table = _zone_table(zones, supply.assign(land_source=land_source), comparison, drivers[config["default_scenario"]],
                        default_scenario=config["default_scenario"])
    return table, comparison


_COMPARISON_BASE = [
    "figure_id", "document", "section", "para", "zone_layer", "zone_id", "zone_name_zh", "figure_name", "quantity",
    "status", "horizon", "year_from", "year_to", "figure_original", "figure_doc_value", "figure_doc_unit",
    "figure_note", "figure_m2", "compared_with", "scenario", "stock_m2", "stock_status", "capacity_low_m2",
    "capacity_central_m2", "capacity_high_m2", "supply_low_m2", "supply_central_m2", "supply_high_m2",
    "supply_basis", "assumptions", "driver", "driver_class", "driver_share", "comparison",
]


def _zone_table(zones, supply, comparison, drivers, *, default_scenario) -> gpd.GeoDataFrame:
    """One row per zone with its first floor-space target (earliest horizon) under the default scenario."""
    t = supply.copy()
    t["assumptions"] = drivers["assumptions"]
    first = comparison[(comparison["quantity"] == "floor_area") & (comparison["status"] == "target")
                       & (comparison["scenario"] == default_scenario)]
    keyed = {(a, b): idx for idx, a, b in zip(zones.index, zones["zone_layer"], zones["id"], strict=True)}
    first = first.assign(zone_index=[keyed[(a, b)] for a, b in zip(first["zone_layer"], first["zone_id"], strict=True)])
    counts = first.groupby("zone_index").size()
    first = first.sort_values(["year_to", "figure_id"], na_position="last").drop_duplicates("zone_index")
    first = first.set_index("zone_index")
    mapping = {"target_id": "figure_id", "target_m2": "figure_m2", "target_wanfang": "figure_wanfang",
               "target_ref": "document", "target_horizon": "horizon", "target_year_from": "year_from",
               "target_year_to": "year_to", "supply_m2": "supply_central_m2", "gap_low_m2": "gap_low_m2",
               "gap_m2": "gap_central_m2", "gap_high_m2": "gap_high_m2", "gap_wanfang": "gap_central_wanfang",
               "gap_pct": "gap_pct", "contradicts_document": "contradicts_document", "contradiction": "contradiction"}
    for new, old in mapping.items():
        t[new] = first[old].reindex(t.index)
    t["target_quantity"] = np.where(t["target_id"].notna(), "floor_area", "")
    t["targets"] = counts.reindex(t.index).fillna(0).astype(int)
    t["contradicts_document"] = t["contradicts_document"].fillna(False).astype(bool)
    t["contradiction"] = t["contradiction"].fillna("")
    t["target_ref"] = t["target_ref"].fillna("")
    keep = ["id", "name_zh", "name_en", "zone_layer"]
    return gpd.GeoDataFrame(pd.concat([zones[keep], t], axis=1), geometry=zones.geometry.to_numpy(),
                            crs=settings.STORAGE_CRS)


def with_zone_geometry(comparison: pd.DataFrame, table: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The comparison rows with their zone's polygon (WGS-84), for a GeoPackage table or a map."""
    geoms = {(a, b): g for a, b, g in zip(table["zone_layer"], table["id"], table.geometry, strict=True)}
    return gpd.GeoDataFrame(comparison.copy(), crs=settings.STORAGE_CRS,
                            geometry=[geoms.get((a, b)) for a, b in zip(comparison["zone_layer"], comparison["zone_id"],
                                                                        strict=True)])


__all__ = ["with_zone_geometry", "CASES", "ZONE_LAYERS", "assumption_ids", "capacity", "compare_floor", "compare_land", "contributions",
           "coverage_share", "findings_for_zones", "flag_contradictions", "floor_stock", "land_by_class", "land_supply", "load_config",
           "load_findings", "osm_class_geometries", "override_assumptions", "target_horizons",
           "traced_class_geometries", "with_units", "zone_areas", "zone_figures", "zones_from_layers"]
