"""The land-supply dashboard: per-zone inputs of the capacity formula, targets by horizon, scenarios.

The page recomputes each zone's capacity and gap when the reader moves a slider, with the
arithmetic of :func:`geo.analysis.land.capacity` (the one Python formula)::

    capacity = Σ_class land[class] × share[class] × FAR[class]
    (a class missing from a table takes that table's ``other`` value)
    gap = target − (existing stock + capacity)   (a planned addition: target − capacity)
    gap % = gap / target × 100

so the inputs exported here are the land of each class in each zone (``land_<class>_m2`` of
the ``corridor analyse`` land-supply table), the central developable shares and floor-area
ratios of every scenario (``layers/assumptions.csv``), and every floor-space and land figure
the documents give for the zone, with its horizon and the stock it is compared with
(``csv/land_targets.csv``).  Land figures are compared with land as ``corridor analyse`` did.  Columns are read defensively: a table without ``land_<class>_m2`` columns
gives no explorer and a one-line note instead.
"""

from __future__ import annotations

import re

import pandas as pd

from geo.render.formatting import horizon_text, is_missing, is_number
from geo.render.popups import document_title

_LAND = re.compile(r"^land_(.+)_m2$")


def land_columns(table: pd.DataFrame) -> dict[str, str]:
    """``{class: column}`` of the land-by-class columns of a land-supply table."""
    return {m.group(1): c for c in table.columns if (m := _LAND.match(c))}


def _targets(table: pd.DataFrame, targets_csv: pd.DataFrame | None, documents: dict, *,
             scenario: str) -> dict[str, list[dict]]:
    """Each zone's documented floor-space and land figures from ``csv/land_targets.csv`` (one row per
    figure, the default scenario), with what the page needs to redo the comparison.

    Floor space: target (or planned addition) in m², the existing stock the comparison adds to the new
    capacity (0 where unknown; a planned addition is compared with new capacity alone). Land: the land
    it is compared with, as computed (OSM industrial land), or None where unknown; sliders do not
    change land.
    """
    out: dict[str, list[dict]] = {}
    if targets_csv is None or not {"zone_id", "figure_m2", "quantity"} <= set(targets_csv.columns):
        return out
    rows = targets_csv[targets_csv["scenario"].isin([scenario, "land"])] if "scenario" in targets_csv else targets_csv
    for r in rows.drop_duplicates("figure_id").to_dict("records"):
        if not is_number(r.get("figure_m2")) or r.get("quantity") not in ("floor_area", "land_area"):
            continue
        fig = {"horizon": None if is_missing(r.get("horizon")) else r.get("horizon"),
               "year_from": r.get("year_from"), "year_to": r.get("year_to")}
        floor = r["quantity"] == "floor_area"
        stock = r.get("stock_m2") if floor and r.get("status") == "target" else None
        supply = r.get("supply_central_m2")
        out.setdefault(str(r["zone_id"]), []).append({
            "figure": str(r["figure_id"]), "kind": "floor_area" if floor else "land",
            "status": "" if is_missing(r.get("status")) else str(r["status"]),
            "horizon": horizon_text(fig), "target_m2": float(r["figure_m2"]),
            "stock_m2": float(stock) if is_number(stock) else 0.0,
            "supply_m2": None if floor or not is_number(supply) else float(supply),
            "supply_note": "" if is_missing(r.get("supply_basis")) else str(r["supply_basis"]),
            "text": "" if is_missing(r.get("figure_original")) else str(r["figure_original"]),
            "document": document_title(str(r.get("document") or ""), documents) or "",
        })
    return out


def dashboard_data(table: pd.DataFrame, *, feature_ids: list[str], config: dict, assumptions: pd.DataFrame,
                   documents: dict, targets_csv: pd.DataFrame | None = None, titles: dict | None = None) -> dict:
    """Everything the land-supply page needs to redo the capacity arithmetic and draw its chart.

    Parameters
    ----------
    table : DataFrame
        The land-supply table of ``corridor analyse`` (one row per zone).
    feature_ids : list of str
        The page ids of the table's rows (same order), so the page can recolour them.
    config : dict
        The land-scenario configuration (:func:`geo.analysis.land.load_config`): scenario titles.
    assumptions : DataFrame
        The assumptions table (:func:`geo.figures.load_assumptions`): the sliders start at its
        central floor-area ratios and developable shares.
    targets_csv : DataFrame, optional
        ``csv/land_targets.csv`` (one row per zone, figure and scenario).
    """
    titles = titles or {}
    classes = land_columns(table)
    from geo.figures import assumption_values

    scenarios = {name: {"title": f"{s.get('title_zh', name)} {s.get('title_en', '')}".strip(),
                        "far": assumption_values(assumptions, parameter="far", scenario=name)}
                 for name, s in config.get("scenarios", {}).items()}
    targets = _targets(table, targets_csv, documents, scenario=config.get("default_scenario", ""))
    zones = []
    for fid, r in zip(feature_ids, table.to_dict("records"), strict=True):
        zone_id = str(r.get("id"))
        zones.append({
            "id": fid, "zone_id": zone_id,
            "name_zh": "" if is_missing(r.get("name_zh")) else str(r["name_zh"]),
            "name_en": "" if is_missing(r.get("name_en")) else str(r["name_en"]),
            "zone_layer": titles.get(str(r.get("zone_layer")), ""),
            "land": {c: float(r[col]) if is_number(r.get(col)) else 0.0 for c, col in classes.items()},
            "capacity_m2": float(r["capacity_m2"]) if is_number(r.get("capacity_m2")) else None,
            "targets": targets.get(zone_id, []),
        })
    return {
        "classes": list(classes),
        "share": assumption_values(assumptions, parameter="developable_share"),
        "default_scenario": config.get("default_scenario"),
        "scenarios": scenarios,
        "land_target_classes": list(config.get("land_target_classes", [])),
        "zones": zones,
        "explorer": bool(classes),
        "note": "" if classes else "此表没有按用地类别的面积列，无法重算。 The land-supply table has no land_<class>_m2 "
                                   "columns; the explorer needs them (rerun `corridor analyse`).",
    }
