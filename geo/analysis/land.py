"""Land supply: zone areas, land by class, floor-area capacity under scenarios, and targets.

A pandas/geopandas API for notebooks and the ``corridor analyse`` command:

>>> from geo.analysis import land
>>> table = land.land_supply()                                  # every zone, default config
>>> table = land.land_supply(far={"industrial_highrise": {"park": 5.0}})   # try a ratio

Zones are 智谷 (and 小洪山科学城), each innovation belt, each silicon lane's corridor, each park
and the districts named in the config.  Areas are measured in UTM 50N (EPSG:32650) and
given side by side in m², ha, km² and 亩; floor areas in m² and 万方.  Land is broken down by
class from OpenStreetMap land use when a land-use GeoDataFrame is passed (© OpenStreetMap
contributors, ODbL), from the traced layers otherwise (campus, park, belt, residual).
Which classes are developable, the floor-area ratios of each scenario (one of them
"工业上楼", high-rise industry) and a fallback table of cited targets live in
``geo/data/land_scenarios.yml``.

Targets come from the layers' figure columns (``floor_area_target_3_5y_m2`` ...), with the
document key from the feature's ``figures_json``; the YAML table is used only where no layer
carries the figure.  ``gap_m2 = target - supply``: positive is a shortfall, negative a surplus.
"""

from __future__ import annotations

import copy
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
import yaml

from geo import settings, units
from geo.crs import to_metric, to_storage
from geo.errors import CorridorError
from geo.schema import POLYGONAL, figures_of

#: Layers that hold zones, and the label each gets in ``zone_layer``.
ZONE_LAYERS = ("zhigu", "innovation_belts", "silicon_lane_corridors", "parks", "districts")


def load_config(path: str | Path | None = None) -> dict:
    """Read the land-scenario configuration (default ``settings.LAND_SCENARIOS_FILE``)."""
    path = Path(path) if path else settings.LAND_SCENARIOS_FILE
    with open(path, encoding="utf-8") as fh:
        cfg = yaml.safe_load(fh)
    for key in ("scenarios", "default_scenario", "developable_share", "traced_classes"):
        if key not in cfg:
            raise CorridorError(f"{path}: land-scenario config lacks {key!r}")
    return cfg


def _with_overrides(cfg: dict, *, far: dict | None = None, developable_share: dict | None = None) -> dict:
    cfg = copy.deepcopy(cfg)
    for scenario, ratios in (far or {}).items():
        cfg["scenarios"].setdefault(scenario, {"far": {}})["far"].update(ratios)
    if developable_share:
        cfg["developable_share"].update(developable_share)
    return cfg


def zones_from_layers(layers: dict[str, gpd.GeoDataFrame], *, config: dict | None = None) -> gpd.GeoDataFrame:
    """Collect the zone polygons from the layers (WGS-84), with a ``zone_layer`` column.

    Districts are limited to the config's ``zone_districts``.  Figure columns are kept.
    """
    cfg = config or load_config()
    parts = []
    for name in ZONE_LAYERS:
        gdf = layers.get(name)
        if gdf is None or gdf.empty:
            continue
        gdf = to_storage(gdf, what=f"layer {name!r}")
        gdf = gdf[gdf.geom_type.isin(POLYGONAL)]
        if name == "districts":
            gdf = gdf[gdf["name_zh"].isin(cfg.get("zone_districts", []))]
        parts.append(gdf.assign(zone_layer=name))
    if not parts:
        raise CorridorError("no zone layers given (zhigu, innovation_belts, silicon_lane_corridors, parks, districts)")
    return gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), geometry="geometry", crs=settings.STORAGE_CRS)


def zone_areas(zones: gpd.GeoDataFrame) -> pd.DataFrame:
    """Area of each zone (any declared CRS) in m², ha, km² and 亩, measured in UTM 50N.

    Returns a DataFrame indexed like ``zones`` with area_m2, area_ha, area_km2 and area_mu.
    """
    return pd.DataFrame(units.with_area_columns(zones)[["area_m2", "area_ha", "area_km2", "area_mu"]])


# --- land by class ----------------------------------------------------------------------------------


def traced_class_geometries(layers: dict[str, gpd.GeoDataFrame], *, config: dict | None = None) -> dict:
    """Disjoint metric geometries of the traced land classes (campus, park, belt), by priority."""
    cfg = config or load_config()
    source = {"campus": "campuses", "park": "parks", "belt": "innovation_belts"}
    classes = {}
    for cls in cfg["traced_classes"]:
        layer = layers.get(source.get(cls, ""))
        if layer is None or layer.empty:
            continue
        geoms = to_metric(layer, what=source[cls]).geometry
        classes[cls] = shapely.union_all(geoms[geoms.geom_type.isin(POLYGONAL)].to_numpy())
    return _disjoint(classes, order=cfg["traced_classes"])


def osm_class_geometries(landuse: gpd.GeoDataFrame, *, config: dict | None = None) -> dict:
    """Disjoint metric geometries of OSM land-use classes (mapping and priority from the config).

    ``landuse`` holds OSM polygons with any of the columns landuse, amenity, leisure,
    natural (as osmnx returns them); tags not in the config's ``osm_classes`` are ignored.
    """
    cfg = config or load_config()
    mapping = cfg.get("osm_classes", {})
    lu = to_metric(landuse, what="landuse")
    lu = lu[lu.geom_type.isin(POLYGONAL)]
    cls = pd.Series(np.nan, index=lu.index, dtype=object)
    for col in ("landuse", "amenity", "leisure", "natural", "class"):
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


# --- capacity and targets --------------------------------------------------------------------------


def capacity(land: pd.DataFrame, *, config: dict | None = None) -> pd.DataFrame:
    """Developable land and floor-area capacity per scenario from land by class.

    developable_m2 = Σ land[class] × developable_share[class];
    capacity_<scenario>_m2 = Σ land[class] × developable_share[class] × FAR[scenario][class].
    A class missing from the share table counts with the ``other`` share.
    """
    cfg = config or load_config()
    share = cfg["developable_share"]
    other = share.get("other", 0.0)
    dev = pd.DataFrame({c: land[c] * share.get(c, other) for c in land.columns}, index=land.index)
    out = pd.DataFrame({"developable_m2": dev.sum(axis=1)}, index=land.index)
    out["developable_mu"] = units.m2_to_mu(out["developable_m2"].to_numpy())
    for name, scen in cfg["scenarios"].items():
        far = scen.get("far", {})
        cap = sum(dev[c] * far.get(c, far.get("other", 0.0)) for c in dev.columns)
        out[f"capacity_{name}_m2"] = cap
    default = cfg["default_scenario"]
    out["capacity_m2"] = out[f"capacity_{default}_m2"]
    out["capacity_wanfang"] = units.m2_to_wanfang(out["capacity_m2"].to_numpy())
    return out


def _figure_refs(row) -> dict[str, tuple[str, str]]:
    """{figure name: (ref, original text)} from a feature's figures_json columns."""
    return {fig.get("name"): (fig.get("ref") or row.get("ref") or "", fig.get("original", ""))
            for fig in figures_of(row)}


def zone_targets(zones: gpd.GeoDataFrame, *, config: dict | None = None) -> pd.DataFrame:
    """Every target the documents give for the zones, one row per (zone, figure).

    Read from the zone's figure columns (``<figure>_m2``) named in the config's
    ``target_figures``; a figure no zone carries is taken from ``fallback_targets`` (matched
    by ``zone_name_zh``).  Columns: zone_index, zone_id, zone_name_zh, figure, kind, horizon,
    target_m2, target_text, target_ref, target_source (``layer`` or ``config``), rank.
    """
    cfg = config or load_config()
    specs = cfg.get("target_figures", [])
    rows = []
    for idx, row in zones.iterrows():
        refs = _figure_refs(row)
        for rank, spec in enumerate(specs):
            col = f"{spec['figure']}_m2"
            value = row.get(col)
            if value is None or (isinstance(value, float) and np.isnan(value)):
                continue
            ref, text = refs.get(spec["figure"], (row.get("ref", ""), row.get(f"{spec['figure']}_text", "")))
            rows.append({"zone_index": idx, "zone_id": row["id"], "zone_name_zh": row["name_zh"],
                         "figure": spec["figure"], "kind": spec["kind"], "horizon": spec.get("horizon", ""),
                         "target_m2": float(value), "target_text": text, "target_ref": ref,
                         "target_source": "layer", "rank": rank})
    have = {(r["zone_name_zh"], r["figure"]) for r in rows}
    ranks = {s["figure"]: (i, s) for i, s in enumerate(specs)}
    for fb in cfg.get("fallback_targets", []):
        hits = zones.index[zones["name_zh"] == fb["zone_name_zh"]]
        if not len(hits) or (fb["zone_name_zh"], fb["figure"]) in have:
            continue
        rank, spec = ranks.get(fb["figure"], (len(specs), {"kind": "floor_area", "horizon": ""}))
        idx = hits[0]
        rows.append({"zone_index": idx, "zone_id": zones.at[idx, "id"], "zone_name_zh": fb["zone_name_zh"],
                     "figure": fb["figure"], "kind": spec["kind"], "horizon": spec.get("horizon", ""),
                     "target_m2": float(fb["value_m2"]), "target_text": fb.get("original", ""),
                     "target_ref": fb["ref"], "target_source": "config", "rank": rank})
    cols = ["zone_index", "zone_id", "zone_name_zh", "figure", "kind", "horizon", "target_m2", "target_text",
            "target_ref", "target_source", "rank"]
    return pd.DataFrame(rows, columns=cols)


def gap_columns(target_m2, supply_m2) -> dict[str, np.ndarray]:
    """Gap = target − supply in m², 万方, 亩 and percent of the target (positive = shortfall)."""
    target_m2 = np.asarray(target_m2, dtype=float)
    gap = target_m2 - np.asarray(supply_m2, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        pct = np.where(target_m2 > 0, gap / target_m2 * 100.0, np.nan)
    return {"gap_m2": gap, "gap_wanfang": units.m2_to_wanfang(gap), "gap_mu": units.m2_to_mu(gap), "gap_pct": pct}


def targets_table(supply: pd.DataFrame, targets: pd.DataFrame, *, config: dict | None = None) -> pd.DataFrame:
    """Each target against the zone's supply under every scenario (long form).

    Floor-area targets are compared with ``capacity_<scenario>_m2``; land targets with the
    zone's land in the config's ``land_target_classes`` (industrial land: one row, scenario
    ``land``).  Adds target_wanfang, target_mu and
    the gap columns of :func:`gap_columns`.
    """
    cfg = config or load_config()
    land_classes = cfg.get("land_target_classes", ["park", "industrial"])
    rows = []
    for t in targets.itertuples(index=False):
        z = supply.loc[t.zone_index]
        pairs = [("land", sum(z.get(f"land_{c}_m2", 0.0) for c in land_classes))] if t.kind == "land" else \
            [(s, z[f"capacity_{s}_m2"]) for s in cfg["scenarios"]]
        for scenario, value in pairs:
            rows.append({**t._asdict(), "scenario": scenario, "supply_m2": float(value)})
    df = pd.DataFrame(rows)
    if df.empty:
        return df
    df["target_wanfang"] = units.m2_to_wanfang(df["target_m2"].to_numpy())
    df["target_mu"] = units.m2_to_mu(df["target_m2"].to_numpy())
    return df.assign(**gap_columns(df["target_m2"], df["supply_m2"])).drop(columns=["zone_index", "rank"])


def land_supply(layers: dict[str, gpd.GeoDataFrame] | None = None, *, landuse: gpd.GeoDataFrame | None = None,
                config: dict | str | Path | None = None, far: dict | None = None,
                developable_share: dict | None = None, with_targets: bool = False):
    """The land-supply table: one row per zone, ready for a GeoPackage or a notebook.

    Parameters
    ----------
    layers : dict of layer name -> GeoDataFrame, optional
        Defaults to :func:`geo.layers.load_layers` (built GeoPackage or sources).
    landuse : GeoDataFrame, optional
        OSM land-use polygons; when given, land classes come from it instead of the traced layers.
    config : dict or path, optional
        Land-scenario configuration (default ``geo/data/land_scenarios.yml``).
    far : dict, optional
        Overrides ``{scenario: {class: ratio}}`` of the floor-area ratios.
    developable_share : dict, optional
        Overrides ``{class: share}``.
    with_targets : bool
        Also return the long targets table (see :func:`targets_table`).

    Returns
    -------
    GeoDataFrame (WGS-84): id, name_zh, name_en, zone_layer, area_m2/ha/km2/mu, land_<class>_m2,
    land_source, developable_m2, developable_mu, capacity_m2 (default scenario),
    capacity_wanfang, capacity_<scenario>_m2 per scenario, target_m2, target_wanfang,
    target_figure, target_ref, target_source, gap_m2, gap_wanfang, gap_mu, gap_pct — and
    with ``with_targets`` a tuple (table, targets DataFrame).
    """
    cfg = config if isinstance(config, dict) else load_config(config)
    cfg = _with_overrides(cfg, far=far, developable_share=developable_share)
    if layers is None:
        from geo.layers import load_layers

        layers = load_layers(*ZONE_LAYERS, "campuses")
    zones = zones_from_layers(layers, config=cfg)
    if landuse is not None:
        classes, land_source = osm_class_geometries(landuse, config=cfg), "osm"
    else:
        classes, land_source = traced_class_geometries(layers, config=cfg), "traced"
    land = land_by_class(zones, classes)
    supply = pd.concat([zone_areas(zones), land.add_prefix("land_").add_suffix("_m2"), capacity(land, config=cfg)],
                       axis=1)
    targets = zone_targets(zones, config=cfg)
    floor = targets[targets["kind"] == "floor_area"].sort_values("rank").drop_duplicates("zone_index")
    floor = floor.set_index("zone_index")
    supply["target_m2"] = floor["target_m2"].reindex(supply.index)
    supply["target_wanfang"] = units.m2_to_wanfang(supply["target_m2"].to_numpy())
    supply["target_figure"] = floor["figure"].reindex(supply.index)
    supply["target_ref"] = floor["target_ref"].reindex(supply.index)
    supply["target_source"] = floor["target_source"].reindex(supply.index)
    supply = supply.assign(**gap_columns(supply["target_m2"], supply["capacity_m2"]))
    keep = ["id", "name_zh", "name_en", "zone_layer"]
    table = gpd.GeoDataFrame(
        pd.concat([zones[keep], supply.assign(land_source=land_source)], axis=1),
        geometry=zones.geometry.to_numpy(), crs=settings.STORAGE_CRS,
    )
    if with_targets:
        return table, targets_table(supply, targets, config=cfg)
    return table
