"""What the maps read: built layers, ``corridor analyse`` tables and ``corridor points zones`` tables.

Maps read files only; nothing here calls the analysis or points code.  Tables are read
defensively: a column another stage adds later is used when present and ignored when not.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd

from geo import settings
from geo.errors import (
    AnalysisMissingError,
    CoordinateSystemError,
    CorridorError,
    PointsMissingError,
)
from geo.io import read_layer
from geo.render.formatting import format_number, is_missing
from geo.render.styles import LayerEntry

ANALYSIS_GPKG = "analysis.gpkg"
#: What ``corridor points zones`` writes under :func:`geo.settings.points_dir` (tables zone_points, zone_targets).
ZONE_POINTS_GPKG = "zone_points.gpkg"


def check_crs(gdf: gpd.GeoDataFrame, what: str) -> None:
    if gdf.crs is None:
        raise CoordinateSystemError(f"{what}: GeoDataFrame has no CRS; declare it (EPSG:4326 for WGS-84)")


def _read_analysis_table(name: str, analysis_dir: Path) -> gpd.GeoDataFrame:
    gpkg = Path(analysis_dir) / ANALYSIS_GPKG
    if not gpkg.exists():
        raise AnalysisMissingError(f"{gpkg} does not exist; run `corridor analyse` first")
    import pyogrio

    tables = [t[0] for t in pyogrio.list_layers(gpkg)]
    if name not in tables:
        raise AnalysisMissingError(f"{gpkg} has no table {name!r}; run `corridor analyse` first")
    return read_layer(gpkg, layer=name)


def _read_points_table(name: str, points_dir: Path) -> gpd.GeoDataFrame:
    """A table of ``zone_points.gpkg``; ``zone_points`` gains the documents' firm figures.

    The rows of ``zone_targets`` (one per firm figure) are folded onto their zone as text
    columns ``firm_figures`` and ``firm_gaps`` (figure − points) and ``target_ref`` (document
    keys, cited in the popup), so a popup shows them where a zone has any.
    """
    gpkg = Path(points_dir) / ZONE_POINTS_GPKG
    hint = "run `corridor points zones POINTS.parquet` to count firm/POI points per zone"
    if not gpkg.exists():
        raise PointsMissingError(f"{gpkg} does not exist; {hint}")
    import pyogrio

    tables = [t[0] for t in pyogrio.list_layers(gpkg)]
    if name not in tables:
        raise PointsMissingError(f"{gpkg} has no table {name!r}; {hint}")
    gdf = read_layer(gpkg, layer=name)
    if name == "zone_points" and {"zone_layer", "zone_id"} <= set(gdf.columns):
        if "id" not in gdf.columns:
            gdf.insert(0, "id", gdf["zone_layer"].astype(str) + ":" + gdf["zone_id"].astype(str))
        if "zone_targets" in tables:
            targets = read_layer(gpkg, layer="zone_targets")
            if len(targets):
                gdf = _with_firm_figures(gdf, pd.DataFrame(targets.drop(columns=targets.geometry.name)))
    return gdf


def _with_firm_figures(zones: gpd.GeoDataFrame, targets: pd.DataFrame) -> gpd.GeoDataFrame:
    figures, gaps, refs = {}, {}, {}
    for row in targets.to_dict("records"):
        key = (str(row.get("zone_layer")), str(row.get("zone_id")))
        kind = "目标 target" if row.get("figure_kind") == "target" else "报道 reported"
        text = f"{format_number(row.get('figure_count'))} ({kind})"
        if not is_missing(row.get("figure_text")):
            text += f" 「{row['figure_text']}」"
        figures.setdefault(key, []).append(text)
        if not is_missing(row.get("gap_count")):
            gaps.setdefault(key, []).append(format_number(row["gap_count"]))
        if not is_missing(row.get("ref")):
            refs.setdefault(key, []).append(str(row["ref"]))
    keys = list(zip(zones["zone_layer"].astype(str), zones["zone_id"].astype(str), strict=True))
    out = zones.copy()
    out["firm_figures"] = ["; ".join(figures[k]) if k in figures else None for k in keys]
    out["firm_gaps"] = ["; ".join(gaps[k]) if k in gaps else None for k in keys]
    if "target_ref" not in out.columns:
        out["target_ref"] = [";".join(dict.fromkeys(refs[k])) if k in refs else None for k in keys]
    return out


class Inputs:
    """Lazily loaded layers, analysis and points tables for a rendering run."""

    def __init__(self, layers: dict | None, analysis_dir: Path | None, build_dir: Path | None,
                 points_dir: Path | None = None):
        self.layers = dict(layers or {})
        if analysis_dir:
            self.analysis_dir = Path(analysis_dir)
        else:
            self.analysis_dir = Path(build_dir) / "analysis" if build_dir else settings.analysis_dir()
        if points_dir:
            self.points_dir = Path(points_dir)
        else:
            self.points_dir = Path(build_dir) / "points" if build_dir else settings.points_dir()
        self.build_dir = build_dir
        self._given = layers is not None
        self._tables: dict[str, gpd.GeoDataFrame] = {}  # analysis tables, read once per run

    def layer(self, name: str) -> gpd.GeoDataFrame:
        if name not in self.layers:
            if self._given:
                raise CorridorError(f"layer {name!r} was not given to the renderer")
            from geo.layers import layer_names, load_layers

            if name not in layer_names():
                raise CorridorError(f"maps/styles.yml names layer {name!r}, which is not in the layer catalogue")
            self.layers.update(load_layers(name, build_dir=self.build_dir))
        gdf = self.layers[name]
        check_crs(gdf, f"layer {name}")
        return gdf

    def available_layers(self) -> list[str]:
        """Layer names this run can draw: the given ones, or every layer in the catalogue."""
        if self._given:
            return list(self.layers)
        from geo.layers import layer_names

        return layer_names()

    def analysis_csv(self, name: str) -> pd.DataFrame | None:
        """A CSV table ``corridor analyse`` wrote (``csv/<name>.csv``), or None when absent."""
        path = self.analysis_dir / "csv" / f"{name}.csv"
        return pd.read_csv(path) if path.exists() else None

    def frame(self, entry: LayerEntry) -> gpd.GeoDataFrame:
        if entry.kind == "layer":
            return self.layer(entry.name)
        key = f"{entry.kind}:{entry.name}"
        if key not in self._tables:
            if entry.kind == "points":
                gdf = _read_points_table(entry.name, self.points_dir)
            else:
                gdf = _read_analysis_table(entry.name, self.analysis_dir)
            check_crs(gdf, f"{entry.kind} table {entry.name}")
            self._tables[key] = gdf
        return self._tables[key]
