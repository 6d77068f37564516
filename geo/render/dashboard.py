"""The land-supply dashboard: per-zone inputs of the capacity formula, targets by horizon, scenarios.

The page recomputes each zone's capacity and gap when the reader moves a slider, with the
arithmetic of :func:`geo.analysis.land.capacity` (the one Python formula)::

    capacity = Σ_class land[class] × share[class] × FAR[class]
    (a class missing from a table takes that table's ``other`` value)
    gap = target − capacity;  gap % = gap / target × 100

so the inputs exported here are the land of each class in each zone (``land_<class>_m2`` of
the ``corridor analyse`` land-supply table), the developable shares and floor-area ratios of
every scenario (``geo/data/land_scenarios.yml``), and every target the documents give, per
horizon (``csv/land_targets.csv``; the single ``target_m2`` of the land-supply table where that
file is absent).  Columns are read defensively: a table without ``land_<class>_m2`` columns
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


def _targets(table: pd.DataFrame, targets_csv: pd.DataFrame | None, documents: dict) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    if targets_csv is not None and {"zone_id", "target_m2"} <= set(targets_csv.columns):
        rows = targets_csv.drop_duplicates([c for c in ("zone_id", "figure") if c in targets_csv.columns])
        for r in rows.to_dict("records"):
            if not is_number(r.get("target_m2")):
                continue
            fig = {"name": r.get("figure"), "horizon": None if is_missing(r.get("horizon")) else r.get("horizon")}
            out.setdefault(str(r["zone_id"]), []).append({
                "figure": "" if is_missing(r.get("figure")) else str(r["figure"]),
                "kind": "floor_area" if is_missing(r.get("kind")) else str(r["kind"]),
                "horizon": horizon_text(fig) or ("" if is_missing(r.get("horizon")) else str(r["horizon"])),
                "target_m2": float(r["target_m2"]),
                "text": "" if is_missing(r.get("target_text")) else str(r["target_text"]),
                "document": document_title(str(r.get("target_ref") or ""), documents) or "",
            })
    elif "target_m2" in table.columns:
        for r in table.to_dict("records"):
            if is_number(r.get("target_m2")):
                fig = {"name": r.get("target_figure")}
                out.setdefault(str(r["id"]), []).append({
                    "figure": "" if is_missing(r.get("target_figure")) else str(r["target_figure"]),
                    "kind": "floor_area", "horizon": horizon_text(fig), "target_m2": float(r["target_m2"]),
                    "text": "", "document": document_title(str(r.get("target_ref") or ""), documents) or ""})
    return out


def dashboard_data(table: pd.DataFrame, *, feature_ids: list[str], config: dict, documents: dict,
                   targets_csv: pd.DataFrame | None = None, titles: dict | None = None) -> dict:
    """Everything the land-supply page needs to redo the capacity arithmetic and draw its chart.

    Parameters
    ----------
    table : DataFrame
        The land-supply table of ``corridor analyse`` (one row per zone).
    feature_ids : list of str
        The page ids of the table's rows (same order), so the page can recolour them.
    config : dict
        The land-scenario configuration (:func:`geo.analysis.land.load_config`).
    targets_csv : DataFrame, optional
        ``csv/land_targets.csv`` (one row per zone, figure and scenario).
    """
    titles = titles or {}
    classes = land_columns(table)
    scenarios = {name: {"title": f"{s.get('title_zh', name)} {s.get('title_en', '')}".strip(),
                        "far": {k: float(v) for k, v in (s.get("far") or {}).items()}}
                 for name, s in config.get("scenarios", {}).items()}
    targets = _targets(table, targets_csv, documents)
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
        "share": {k: float(v) for k, v in config.get("developable_share", {}).items()},
        "default_scenario": config.get("default_scenario"),
        "scenarios": scenarios,
        "land_target_classes": list(config.get("land_target_classes", [])),
        "zones": zones,
        "explorer": bool(classes),
        "note": "" if classes else "此表没有按用地类别的面积列，无法重算。 The land-supply table has no land_<class>_m2 "
                                   "columns; the explorer needs them (rerun `corridor analyse`).",
    }
