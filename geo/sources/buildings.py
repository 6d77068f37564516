"""Building footprints and their floor area: the existing floor stock of a zone.

Buildings come from OpenStreetMap (© OpenStreetMap contributors, ODbL):

- the OSM cache written by ``corridor osm fetch --buildings`` or ``corridor osm import FILE
  --buildings`` (table ``buildings`` of ``layers/osm/<area>/features.gpkg``): :func:`load_cached_buildings`;
- an OSM XML file (``.osm``), a GeoJSON/GeoPackage of OSM-tagged buildings (columns
  ``building``, ``building:levels``, ``height`` or the cache's ``tags_json``), or Tilezen
  vector-tile buildings (``kind``, ``height``, one piece per tile): :func:`read_buildings`.

The floor area of one building is its footprint (measured in UTM 50N) times its storeys:
``building:levels`` where tagged, else ``height`` / :data:`geo.settings.STOREY_HEIGHT_M`
rounded (at least one storey), else unknown (``NaN``).  Underground levels and roof levels
are not counted.  Every reader returns a :class:`BuildingData`: the buildings and the area
the data covers (where a zone lies outside it, its stock is unknown, not zero).
"""

from __future__ import annotations

import json
import re
import warnings
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo import settings
from geo.crs import to_metric, to_storage
from geo.errors import LayerValidationError

#: Columns of a building frame (plus ``geometry``, WGS-84).
BUILDING_COLUMNS = ("building_id", "levels", "height_m", "storeys", "storeys_from", "footprint_m2",
                    "floor_area_m2")
_POLYGONAL = ("Polygon", "MultiPolygon")
_HEIGHT = re.compile(r"^\s*([0-9]+(?:\.[0-9]+)?)\s*(?:m|metres|meters)?\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class BuildingData:
    """Buildings with their floor area and the area the data covers.

    Attributes
    ----------
    buildings : GeoDataFrame
        :data:`BUILDING_COLUMNS` + geometry (WGS-84), one row per building.
    coverage : shapely geometry
        WGS-84 area the data was queried or cut for (buildings outside it are not known).
    source : str
        Where the buildings came from (for provenance and the ``stock_source`` column).
    """

    buildings: gpd.GeoDataFrame
    coverage: object
    source: str


def parse_levels(values) -> np.ndarray:
    """``building:levels`` tag values as floats (``"5"``, ``"5;6"`` -> 5); anything else NaN."""
    first = pd.Series(values, dtype=object).map(lambda v: str(v).split(";")[0].strip() if v is not None else None)
    out = pd.to_numeric(first, errors="coerce").to_numpy(dtype=float, copy=True)
    out[~(out > 0)] = np.nan
    return out


def parse_height(values) -> np.ndarray:
    """``height`` tag values in metres (``"23"``, ``"23 m"``, ``23.5``); feet or text NaN."""
    out = []
    for v in values:
        if v is None or (isinstance(v, float) and np.isnan(v)):
            out.append(np.nan)
            continue
        m = _HEIGHT.match(str(v))
        out.append(float(m.group(1)) if m else np.nan)
    arr = np.asarray(out, dtype=float)
    arr[~(arr > 0)] = np.nan
    return arr


def floor_area(buildings: gpd.GeoDataFrame, *, levels=None, height=None,
               storey_height_m: float | None = None) -> gpd.GeoDataFrame:
    """Footprint, storeys and floor area of each building.

    Parameters
    ----------
    buildings : GeoDataFrame
        Polygons in a declared CRS with a ``building_id`` column; other rows are dropped.
    levels, height : array-like, optional
        Raw ``building:levels`` and ``height`` values, one per row (see :func:`parse_levels`,
        :func:`parse_height`); missing means not tagged.
    storey_height_m : float, optional
        Metres per storey when only a height is known (default ``settings.STOREY_HEIGHT_M``).

    Returns
    -------
    GeoDataFrame
        :data:`BUILDING_COLUMNS` + geometry in WGS-84.  ``storeys_from`` is ``levels``,
        ``height`` or ``unknown``; ``floor_area_m2`` is NaN where the storeys are unknown.
    """
    storey_height_m = settings.STOREY_HEIGHT_M if storey_height_m is None else storey_height_m
    n = len(buildings)
    lv = parse_levels([None] * n if levels is None else list(levels))
    ht = parse_height([None] * n if height is None else list(height))
    by_height = np.maximum(1.0, np.round(ht / storey_height_m))
    storeys = np.where(np.isfinite(lv), lv, by_height)
    source = np.where(np.isfinite(lv), "levels", np.where(np.isfinite(ht), "height", "unknown"))
    footprint = to_metric(buildings, what="buildings").geometry.area.to_numpy()
    out = gpd.GeoDataFrame({
        "building_id": buildings["building_id"].astype(str).to_numpy(),
        "levels": lv, "height_m": ht, "storeys": storeys, "storeys_from": source,
        "footprint_m2": footprint, "floor_area_m2": footprint * storeys,
    }, geometry=to_storage(buildings, what="buildings").geometry.to_numpy(), crs=settings.STORAGE_CRS)
    return out[out.geom_type.isin(_POLYGONAL)].reset_index(drop=True)


def _bounds_box(gdf: gpd.GeoDataFrame):
    if gdf.empty:
        return shapely.Polygon()
    return shapely.box(*to_storage(gdf, what="buildings").total_bounds)


def from_osm_features(features: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Buildings from a normalised OSM feature table (:func:`geo.sources.osm.normalize_features`).

    Levels and height are read from each row's ``tags_json``.
    """
    if features.empty:
        return floor_area(gpd.GeoDataFrame({"building_id": []}, geometry=[], crs=settings.STORAGE_CRS))
    tags = [json.loads(t) if isinstance(t, str) and t else {} for t in features["tags_json"]]
    frame = gpd.GeoDataFrame({"building_id": features["osm_key"].astype(str).to_numpy()},
                             geometry=features.geometry.to_numpy(), crs=features.crs)
    return floor_area(frame, levels=[t.get("building:levels") for t in tags], height=[t.get("height") for t in tags])


def from_tagged(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Buildings from a frame with OSM tag columns (``building``, ``building:levels``, ``height``)."""
    gdf = gdf[gdf["building"].notna()] if "building" in gdf.columns else gdf
    ids = gdf["osm_id"] if "osm_id" in gdf.columns else (gdf["id"] if "id" in gdf.columns else pd.Series(
        np.arange(len(gdf)), index=gdf.index))
    frame = gpd.GeoDataFrame({"building_id": ids.astype(str).to_numpy()}, geometry=gdf.geometry.to_numpy(),
                             crs=gdf.crs)
    col = gdf.get("building:levels")
    return floor_area(frame, levels=None if col is None else col.to_numpy(),
                      height=None if "height" not in gdf.columns else gdf["height"].to_numpy())


def from_tilezen(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Buildings from Tilezen vector-tile features (``kind == "building"``, polygons).

    A building cut by tile borders comes once per tile; its pieces are joined by ``id``
    (the OSM way or relation id), so that every building counts once.  ``building_part``
    rows (parts of a building already counted) are left out.
    """
    sel = gdf[(gdf["kind"] == "building") & gdf.geom_type.isin(_POLYGONAL)]
    if "tilezen_layer" in sel.columns:
        sel = sel[sel["tilezen_layer"] == "buildings"]
    metric = to_metric(sel, what="tilezen buildings")
    rows = []
    for bid, grp in metric.groupby("id", sort=True):
        heights = grp["height"].dropna() if "height" in grp.columns else pd.Series(dtype=float)
        rows.append({"building_id": str(int(bid)) if float(bid).is_integer() else str(bid),
                     "height": heights.iloc[0] if len(heights) else None,
                     "geometry": shapely.union_all(grp.geometry.to_numpy())})
    frame = gpd.GeoDataFrame(rows, columns=["building_id", "height", "geometry"], geometry="geometry",
                             crs=settings.METRIC_CRS)
    return floor_area(frame, height=frame["height"].to_numpy())


def _osm_xml_bounds(path: Path):
    """The ``<bounds>`` box of an OSM XML file (WGS-84), or None."""
    with open(path, encoding="utf-8", errors="replace") as fh:
        head = fh.read(4096)
    m = re.search(r"<bounds\s+([^>]*)/?>", head)
    if not m:
        return None
    attrs = dict(re.findall(r'(\w+)="([^"]*)"', m.group(1)))
    try:
        return shapely.box(float(attrs["minlon"]), float(attrs["minlat"]), float(attrs["maxlon"]), float(attrs["maxlat"]))
    except (KeyError, ValueError):
        return None


def read_buildings(path: str | Path, *, storey_height_m: float | None = None) -> BuildingData:
    """Buildings from a file: OSM XML (``.osm``), or a GeoJSON/GeoPackage/GeoParquet.

    A vector file may be the OSM cache's ``features.gpkg`` (table ``buildings``), a file of
    OSM-tagged buildings, or Tilezen vector-tile features.  The coverage is the ``<bounds>``
    of an OSM XML file, else the bounding box of the buildings.
    """
    from geo.io import read_layer

    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path} does not exist")
    name = path.name.lower()
    if name.endswith(".pbf"):
        raise LayerValidationError("a PBF extract is read through the OSM cache: run "
                                   "`corridor osm import FILE --buildings`, then use --buildings osm", path=path)
    if name.endswith((".osm", ".osm.xml", ".xml")):
        from geo.sources.osm_file import features_from_osm_xml

        found = from_osm_features(features_from_osm_xml(path, themes=("buildings",))["buildings"])
        coverage = _osm_xml_bounds(path)
        data = BuildingData(found, coverage if coverage is not None else _bounds_box(found), f"OSM XML {path.name}")
    else:
        if path.suffix.lower() == ".gpkg":
            import pyogrio

            layers = [n for n, _ in pyogrio.list_layers(path)]
            gdf = read_layer(path, layer="buildings" if "buildings" in layers else None)
        else:
            with warnings.catch_warnings():  # vector tiles repeat a building's id once per tile
                warnings.filterwarnings("ignore", message="Several features with id")
                gdf = read_layer(path)
        if gdf.crs is None:
            raise LayerValidationError("building file has no coordinate system; save it with one (WGS-84)", path=path)
        if "tags_json" in gdf.columns:
            found = from_osm_features(gdf)
        elif "kind" in gdf.columns and "id" in gdf.columns:
            found = from_tilezen(gdf)
        else:
            found = from_tagged(gdf)
        data = BuildingData(found, _bounds_box(found), f"{path.name}")
    if storey_height_m is not None:
        data = BuildingData(_restorey(data.buildings, storey_height_m), data.coverage, data.source)
    return data


def _restorey(b: gpd.GeoDataFrame, storey_height_m: float) -> gpd.GeoDataFrame:
    b = b.copy()
    by_height = np.maximum(1.0, np.round(b["height_m"] / storey_height_m))
    b["storeys"] = np.where(b["storeys_from"] == "levels", b["storeys"], by_height)
    b["floor_area_m2"] = b["footprint_m2"] * b["storeys"]
    return b


def load_cached_buildings(*, areas=None, osm_dir: Path | None = None) -> BuildingData | None:
    """Buildings of the OSM cache's areas fetched or imported with ``--buildings``.

    The coverage is the union of those areas' query polygons (from their manifests).
    Returns None when no cached area holds buildings.
    """
    from geo.sources import osm

    areas = osm.cached_areas(osm_dir=osm_dir) if areas is None else list(areas)
    with_buildings, polygons = [], []
    for area in areas:
        try:
            manifest = osm.read_manifest(area, osm_dir=osm_dir)
        except FileNotFoundError:
            continue
        if "buildings" not in manifest.get("feature_counts", {}):
            continue
        wkt = manifest.get("query", {}).get("polygon_wkt")
        if not wkt:
            raise LayerValidationError(f"OSM cache {area!r}: manifest has no query polygon; fetch or import it again",
                                       path=osm.area_dir(area, osm_dir=osm_dir) / osm.MANIFEST_NAME)
        with_buildings.append(area)
        polygons.append(shapely.from_wkt(wkt))
    if not with_buildings:
        return None
    features = osm.load_osm_features(areas=with_buildings, themes=("buildings",), osm_dir=osm_dir)
    return BuildingData(from_osm_features(features), shapely.union_all(polygons),
                        f"OSM cache ({', '.join(with_buildings)})")


__all__ = ["BUILDING_COLUMNS", "BuildingData", "floor_area", "from_osm_features", "from_tagged", "from_tilezen",
           "load_cached_buildings", "parse_height", "parse_levels", "read_buildings"]
