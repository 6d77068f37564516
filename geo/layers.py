"""The layer catalogue and the build: every layer, from its committed sources, validated.

``build_layers`` reads every source file listed in :data:`LAYER_SPECS`, validates all
of it (schema, CRS, geometry, region, ids unique across layers) and only then writes
``layers/build/corridor.gpkg`` (one table per layer) and one GeoJSON per layer.  If any
feature fails, nothing is written and the previous outputs stay as they were.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import geopandas as gpd
import pandas as pd
from tqdm.auto import tqdm

from geo import catalogue, settings
from geo.errors import LayerValidationError
from geo.figures import empty_figure_table, join_figures, load_figures
from geo.io import read_layer, write_geojson, write_geopackage, write_json
from geo.schema import LayerSpec, load_source_layer, order_columns

log = logging.getLogger("corridor")

def layer_specs() -> dict[str, LayerSpec]:
    """Every layer's spec, from the catalogue (``layers/catalogue.yml``), in catalogue order."""
    return catalogue.layer_specs()


def __getattr__(name: str):
    # ``LAYER_SPECS`` stays importable (notebooks use it) but is read from the catalogue when used.
    if name == "LAYER_SPECS":
        return layer_specs()
    raise AttributeError(f"module 'geo.layers' has no attribute {name!r}")


def layer_names() -> list[str]:
    """Names of all layers, in catalogue order."""
    return list(layer_specs())


def load_layer_sources(name: str, *, layers_dir: Path | None = None,
                       figures: pd.DataFrame | None = None) -> gpd.GeoDataFrame:
    """Load and validate one layer from its committed source files (WGS-84), with its figures.

    ``figures`` is the figure table to join (default: ``figures.csv`` beside the sources).
    """
    gdf = _read_sources(name, layers_dir=layers_dir)
    figures = figure_table(layers_dir) if figures is None else figures
    return order_columns(join_figures({name: gdf}, figures, check_subjects=False)[name])


def _read_sources(name: str, *, layers_dir: Path | None = None) -> gpd.GeoDataFrame:
    """One layer from its source files, validated, with its attribute table and measurements (no figures)."""
    spec = layer_specs()[name]
    base = Path(layers_dir) if layers_dir else Path(settings.LAYERS_DIR)
    parts = [load_source_layer(spec, base / rel) for rel in spec.sources]
    gdf = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
    gdf = gpd.GeoDataFrame(gdf, geometry="geometry", crs=settings.STORAGE_CRS)
    return _measured(_join_attributes(name, gdf, base))


#: Measured attributes are computed at build (UTM 50N), never stored in a source: they would go
#: stale the moment someone edits the outline.
MEASURED_COLUMNS = ("area_m2", "length_m")


def _measured(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Add ``area_m2`` (polygons) and ``length_m`` (lines), measured in UTM 50N."""
    for col in MEASURED_COLUMNS:
        if col in gdf.columns:
            raise LayerValidationError(
                f"source carries {col!r}; measured values are computed at build, remove it",
                layer=str(gdf["layer"].iloc[0]) if len(gdf) else None,
            )
    metric = gdf.geometry.to_crs(settings.METRIC_CRS)
    kinds = gdf.geometry.geom_type
    out = gdf.copy()
    out["area_m2"] = metric.area.where(kinds.isin(("Polygon", "MultiPolygon"))).round(1)
    out["length_m"] = metric.length.where(kinds.isin(("LineString", "MultiLineString"))).round(1)
    return out


def figure_table(layers_dir: Path | None = None) -> pd.DataFrame:
    """The figure table beside the sources in ``layers_dir`` (an empty table when a custom
    source folder (not the repository's ``layers/``) has none; the committed ``layers/figures.csv``
    must exist)."""
    base = Path(layers_dir) if layers_dir else Path(settings.LAYERS_DIR)
    path = base / settings.figures_file().name
    if not path.exists() and base.resolve() != (Path(settings.REPO_ROOT) / "layers").resolve():
        log.info("no %s in %s: the layers carry no document figures", path.name, base)
        return empty_figure_table()
    from geo.registry import load_documents

    return load_figures(path, documents=load_documents(base / settings.documents_file().name))


def _join_attributes(name: str, gdf: gpd.GeoDataFrame, base: Path) -> gpd.GeoDataFrame:
    """Merge the plain-JSON attribute table of a layer (industrial focus, district figures) onto it."""
    rel = catalogue.attribute_sources().get(name)
    if rel is None or not (base / rel).exists():
        return gdf
    path = base / rel
    for place, columns in _attribute_records(json.loads(path.read_text(encoding="utf-8"))).items():
        mask = gdf["name_zh"].str.startswith(place) | (gdf["id"] == place)
        if not mask.any():
            raise LayerValidationError(
                f"attribute table names {place!r}, which is not a feature of layer {name!r}",
                path=path, layer=name,
            )
        for key, value in columns.items():
            gdf[key] = gdf[key].astype(object) if key in gdf.columns else None
            gdf.loc[mask, key] = value
    return gdf


def _attribute_records(table) -> dict[str, dict]:
    """Normalise an attribute table (a mapping of place name -> attributes) to {place: {column: value}}.

    Lists become ``;``-joined text and mappings JSON text.  Figures never live here: they are
    rows of ``layers/figures.csv``.
    """
    if not isinstance(table, dict):
        raise LayerValidationError("an attribute table must map place names to attributes")
    places = {k: v for k, v in table.items() if not k.startswith("_") and isinstance(v, dict)}
    for place, attrs in places.items():
        if "figures" in attrs:
            raise LayerValidationError(
                f"attribute table entry {place!r} holds figures; figures live in layers/figures.csv"
            )
    return {place: {key: _cell(value) for key, value in attrs.items()} for place, attrs in places.items()}


def _cell(value):
    """A table value as a GeoPackage cell: lists as ``;``-joined text, mappings as JSON text."""
    if isinstance(value, list):
        return ";".join(map(str, value))
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    return value


def load_all_sources(
    *, names=None, layers_dir: Path | None = None, progress: bool = True
) -> dict[str, gpd.GeoDataFrame]:
    """Load and validate every layer (or those in ``names``); ids must be unique across them."""
    layers: dict[str, gpd.GeoDataFrame] = {}
    seen: dict[str, str] = {}
    for name in tqdm(list(names or layer_names()), desc="validating layers", unit="layer", disable=not progress):
        gdf = _read_sources(name, layers_dir=layers_dir)
        for fid in gdf["id"]:
            if fid in seen:
                raise LayerValidationError(
                    f"duplicate id: also used in layer {seen[fid]!r}", feature_id=fid, layer=name
                )
            seen[fid] = name
        layers[name] = gdf
    # the figure table once, after every source validated (so a broken source is reported first)
    joined = join_figures(layers, figure_table(layers_dir))
    return {name: order_columns(gdf) for name, gdf in joined.items()}


def build_layers(
    *, names=None, out_dir: Path | None = None, layers_dir: Path | None = None, progress: bool = True
) -> Path:
    """Validate every layer (or those in ``names``), then write the GeoPackage and GeoJSON.

    Returns
    -------
    pathlib.Path
        The GeoPackage path (``<out_dir>/corridor.gpkg``).
    """
    out = Path(out_dir) if out_dir else settings.BUILD_DIR
    layers = load_all_sources(names=names, layers_dir=layers_dir, progress=progress)  # raises before any write
    layers = __import__("geo.sources.shift_check", fromlist=["_"]).check_layers(layers, layers_dir=layers_dir)
    return write_layers(layers, out_dir=out, progress=progress)


def write_layers(
    layers: dict[str, gpd.GeoDataFrame], *, out_dir: Path, extra_manifest: dict | None = None,
    progress: bool = True,
) -> Path:
    """Write validated layers: the GeoPackage, one GeoJSON per layer and ``layers.json``.

    Every file is written atomically.  ``extra_manifest`` entries are merged into
    ``layers.json`` (the OSM build adds its areas and conflation counts there).
    """
    out = Path(out_dir)
    gpkg = write_geopackage(layers, out / settings.GEOPACKAGE_NAME)
    for name, gdf in tqdm(layers.items(), desc="writing GeoJSON", unit="layer", disable=not progress):
        write_geojson(gdf, out / "geojson" / f"{name}.geojson")
    manifest = {
        "layers": {
            n: {"features": len(g), "title_en": layer_specs()[n].title_en, "from_osm": int((g["source"] == "osm").sum())}
            for n, g in layers.items()
        },
        "attribution": [settings.OSM_ATTRIBUTION, settings.AMAP_ATTRIBUTION],
    }
    manifest.update(extra_manifest or {})
    write_json(manifest, out / "layers.json")
    return gpkg


def _built_geopackage(build_dir: Path | None) -> Path:
    return settings.geopackage_path(build_dir)


def read_built_layer(name: str, *, build_dir: Path | None = None) -> gpd.GeoDataFrame:
    """Read one layer from the built GeoPackage (run ``corridor layers`` first)."""
    gpkg = _built_geopackage(build_dir)
    if not gpkg.exists():
        raise FileNotFoundError(f"{gpkg} does not exist; run `corridor layers` (or `make maps`) first")
    return read_layer(gpkg, layer=name)


def load_layers(*names: str, build_dir: Path | None = None) -> dict[str, gpd.GeoDataFrame]:
    """Load layers for analysis: from the built GeoPackage when present, else from sources.

    Returns a mapping of layer name to GeoDataFrame in WGS-84.
    """
    names = names or tuple(layer_names())
    gpkg = _built_geopackage(build_dir)
    if gpkg.exists():
        return {n: read_layer(gpkg, layer=n) for n in names}
    return load_all_sources(names=names, progress=False)
