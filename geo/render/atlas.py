"""The atlas: one PDF with a cover, a page per map and a page per named zone (QGIS-atlas style).

Zone pages (:data:`geo.settings.ATLAS_ZONES`: 智谷, each silicon lane, each park, each
innovation belt around the campuses) are drawn on the map their layer belongs to
(:data:`geo.settings.ATLAS_ZONE_MAPS`), zoomed to the zone with its outline emphasised, and
list the zone's figures from the figure table (:func:`geo.figures.load_figures`: rows whose
``subject_layer``/``subject_id`` is the zone) with the document's own value and unit, the
horizon, the quoted words and the document's title.  Pages are printed in one browser tab
(pages on the same map reuse the loaded page) and merged with pypdf; the cover, printed
last and put first, lists the pages that were printed and any that failed.
"""

from __future__ import annotations

import io
import logging
import tempfile
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pandas as pd
from tqdm.auto import tqdm

from geo import settings, units
from geo.errors import CorridorError, ExportError
from geo.render.printing import Extent, Sheet, document_title, escape

log = logging.getLogger("corridor")

ATLAS_TITLE_ZH = "武汉创新走廊地图集"
ATLAS_TITLE_EN = "Wuhan innovation corridor atlas"


@dataclass(frozen=True)
class Zone:
    """One zone page: the feature, the layer it is in and the map it is drawn on."""

    layer: str
    id: str
    name_zh: str
    name_en: str
    map: str


def atlas_zones(layers: Mapping[str, gpd.GeoDataFrame], *, zones: Mapping | None = None,
                zone_maps: Mapping | None = None) -> list[Zone]:
    """The named zones that get a page, in order (layers absent from ``layers`` are skipped)."""
    zones = settings.ATLAS_ZONES if zones is None else zones
    zone_maps = settings.ATLAS_ZONE_MAPS if zone_maps is None else zone_maps
    out = []
    for layer, ids in zones.items():
        gdf = layers.get(layer)
        if gdf is None or "id" not in gdf.columns:
            continue
        rows = gdf if ids is None else gdf[gdf["id"].astype(str).isin([str(i) for i in ids])]
        for row in rows.to_dict("records"):
            out.append(Zone(layer=layer, id=str(row["id"]), name_zh=str(row.get("name_zh") or row["id"]),
                            name_en=str(row.get("name_en") or ""), map=zone_maps.get(layer, "overview")))
    return out


def zone_extent(gdf: gpd.GeoDataFrame, zone_id: str, *, margin: float = 0.2, min_margin_m: float = 250.0) -> Extent:
    """The zone's bounds with a margin (a share of its size, at least ``min_margin_m``), WGS-84."""
    row = gdf[gdf["id"].astype(str) == zone_id]
    metric = row.to_crs(settings.METRIC_CRS)
    west, south, east, north = metric.total_bounds
    pad = max(min_margin_m, margin * max(east - west, north - south))
    box = gpd.GeoSeries.from_xy([west - pad, east + pad], [south - pad, north + pad], crs=settings.METRIC_CRS)
    bounds = box.to_crs(settings.STORAGE_CRS).total_bounds
    return Extent(label=zone_id, bounds=tuple(round(float(v), 6) for v in bounds))


def zone_highlight(gdf: gpd.GeoDataFrame, zone_id: str) -> dict:
    """The zone's geometry as GeoJSON (outline drawn over the map)."""
    import json

    row = gdf[gdf["id"].astype(str) == zone_id][[gdf.geometry.name]].to_crs(settings.STORAGE_CRS)
    return json.loads(row.to_json(drop_id=True))


def zone_size(gdf: gpd.GeoDataFrame, zone_id: str) -> str:
    """Measured area (km², 亩) or length of the zone, UTM 50N."""
    row = gdf[gdf["id"].astype(str) == zone_id]
    types = set(row.geom_type)
    if types <= {"Polygon", "MultiPolygon"}:
        m2 = float(units.area_m2(row).iloc[0])
        return f"面积 Area {units.m2_to_km2(m2):,.2f} km² ({units.m2_to_mu(m2):,.0f} 亩), measured in UTM 50N"
    if types <= {"LineString", "MultiLineString"}:
        return f"长度 Length {float(units.length_m(row).iloc[0]) / 1000:,.2f} km, measured in UTM 50N"
    return ""


def _text(value) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    return str(value).strip()


def zone_figures(figures: pd.DataFrame, zone: Zone, documents: Mapping[str, dict]) -> list[dict]:
    """The figure-table rows on this zone, as the page lists them."""
    if figures is None or not len(figures):
        return []
    rows = figures[(figures["subject_layer"].astype(str) == zone.layer) & (figures["subject_id"].astype(str) == zone.id)]
    out = []
    for row in rows.to_dict("records"):
        doc_value, doc_unit = _text(row.get("doc_value")), _text(row.get("doc_unit"))
        value = f"{doc_value}{doc_unit}" if doc_value else f"{_text(row.get('value'))} {_text(row.get('unit'))}".strip()
        status = _text(row.get("status"))
        what = _text(row.get("name")).replace("_", " ") + (f" ({status})" if status else "")
        key = _text(row.get("document"))
        doc = (f"《{documents[key].get('title_zh', key)}》" if key in documents else key) if key else "derived"
        locator = " ".join(p for p in (_text(row.get("section")), f"¶{_text(row.get('para'))}" if _text(row.get("para")) else "") if p)
        out.append({"id": _text(row.get("id")), "value": value, "what": what, "horizon": _text(row.get("horizon")),
                    "quote": _text(row.get("original")), "document": doc + (f" — {locator}" if locator else ""),
                    "document_key": _text(row.get("document"))})
    return out


def zone_sheet(zone: Zone, *, ctx, figures: pd.DataFrame | None) -> Sheet:
    """The print sheet of one zone page."""
    from geo.render.printing import (
        MAX_FIGURES,
        cited_documents,
        shown_frames,
        source_lines,
        uncertainty_note,
    )

    gdf = ctx.layers[zone.layer]
    spec = ctx.styles.maps[zone.map]
    style = ctx.styles.layers.get(zone.layer)
    rows = zone_figures(figures, zone, ctx.documents)
    limit = MAX_FIGURES.get(ctx.page.orientation, 8) * (2 if ctx.page.page == "A3" else 1)
    feature = gdf[gdf["id"].astype(str) == zone.id]
    frames = shown_frames(spec, ctx.layers)
    refs = {r["document_key"] for r in rows if r["document_key"]}
    documents = cited_documents([feature], ctx.documents, refs=refs)
    label = style.label if style else zone.layer
    subtitle = " · ".join(p for p in (label, zone_size(gdf, zone.id), f"底图 Drawn on map: {spec.title_zh} {spec.title_en}") if p)
    from geo.render.printing import legend_items

    return Sheet(
        key=f"{zone.layer}:{zone.id}", title_zh=zone.name_zh, title_en=zone.name_en, subtitle=subtitle,
        legend=legend_items(spec, ctx.styles, ctx.layers, basemap=ctx.basemap),
        sources=source_lines(frames + [feature], basemap=ctx.basemap), documents=documents,
        notes=[uncertainty_note([feature]), ("文献数据 Figures: layers/figures.csv (the documents' own values and units)"
                                            if rows else "文献数据 Figures: the documents give no figure for this zone")],
        stamp=ctx.stamp, extent=zone_extent(gdf, zone.id), highlight=zone_highlight(gdf, zone.id),
        figures=[{k: v for k, v in r.items() if k != "document_key"} for r in rows[:limit]],
        figures_more=max(0, len(rows) - limit),
    )


def cover_html(*, contents: list[dict], failed: dict[str, str], ctx) -> str:
    """The cover page: title, contents with page numbers, sources, documents, build stamp."""
    from geo.render.printing import FONT_STACK

    w, h = ctx.page.size_in
    rows = "".join(
        f"<tr><td class='n'>{c['page']}</td><td>{escape(c['title_zh'])}</td><td class='en'>{escape(c['title_en'])}</td>"
        f"<td class='k'>{escape(c['kind_label'])}</td></tr>" for c in contents)
    missing = "".join(f"<li>{escape(k)}: {escape(v)}</li>" for k, v in failed.items())
    docs = "".join(f"<li>{escape(document_title(k, ctx.documents))}</li>" for k in ctx.documents)
    columns = 2 if len(contents) > 22 else 1
    return f"""<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>{ATLAS_TITLE_ZH}</title><style>
@page {{ size: {w:.4f}in {h:.4f}in; margin: 0; }}
html, body {{ margin: 0; padding: 0; width: {w:.4f}in; height: {h:.4f}in; overflow: hidden; background: #fff; }}
body {{ font-family: {FONT_STACK}; color: #1a1a1a; font-synthesis: none; }}
.page {{ box-sizing: border-box; width: {w:.4f}in; height: {h:.4f}in; padding: 0.45in 0.5in; display: flex; flex-direction: column; }}
h1 {{ font-size: 30px; margin: 0; }} h2 {{ font-size: 17px; font-weight: 400; margin: 2px 0 10px; color: #333; }}
.contents {{ flex: 1 1 auto; min-height: 0; overflow: hidden; column-count: {columns}; column-gap: 24px; }}
table {{ border-collapse: collapse; font-size: 11px; width: 100%; }}
td {{ padding: 1.5px 6px 1.5px 0; border-bottom: 1px solid #ddd; vertical-align: top; }}
td.n {{ width: 22px; text-align: right; font-weight: 700; }} td.en {{ color: #444; }} td.k {{ color: #777; white-space: nowrap; }}
.small {{ font-size: 9px; line-height: 1.35; color: #333; }} .small ul {{ margin: 2px 0 4px 16px; padding: 0; }}
.failed {{ color: #a00; }}
</style></head><body><div class="page">
<h1>{ATLAS_TITLE_ZH}</h1><h2>{ATLAS_TITLE_EN} — 地图与分区 maps and named zones</h2>
<div class="contents"><table><tr><td class="n">页</td><td>图名</td><td class="en">Title</td><td class="k">Kind</td></tr>{rows}</table></div>
{f'<div class="small failed">未能生成 Pages not printed:<ul>{missing}</ul></div>' if missing else ''}
<div class="small">来源 Sources: 地图数据 Map data {escape(settings.OSM_ATTRIBUTION)} · 边界 Boundaries {escape(settings.AMAP_ATTRIBUTION)} ·
描绘要素按文献勾绘，位置为近似 Traced features are drawn from the documents and approximate (see each page's uncertainty note).
<br>文献 Documents:<ul>{docs}</ul>{escape(ctx.stamp)}</div>
</div></body></html>"""


def split_jobs(jobs: list[tuple], workers: int) -> list[list[int]]:
    """Job indexes per worker: runs of pages on the same map stay together (one page load each),
    the runs dealt longest first to the least loaded worker."""
    runs: list[list[int]] = []
    for i, (_, map_name, _) in enumerate(jobs):
        if runs and jobs[runs[-1][0]][1] == map_name:
            runs[-1].append(i)
        else:
            runs.append([i])
    shares: list[list[int]] = [[] for _ in range(max(1, workers))]
    for run in sorted(runs, key=len, reverse=True):
        min(shares, key=len).extend(run)
    return [sorted(s) for s in shares if s]


def _print_page(printer, *, kind: str, map_name: str, zone: Zone | None, ctx, maps_dir: Path,
                figures) -> tuple[dict, bytes]:
    """Lay out and print one atlas page: its manifest row and its one-page PDF."""
    from geo.render.export import _extent_json

    if map_name not in ctx.styles.maps:
        raise ExportError(f"no map {map_name!r} in {ctx.styles.path}")
    sheet = ctx.map_sheet(map_name) if kind == "map" else zone_sheet(zone, ctx=ctx, figures=figures)
    html_path = Path(maps_dir) / f"{map_name}.html"
    if printer.current != html_path:
        printer.open(html_path)
    view = printer.layout(sheet)
    meta = {"kind": kind, "map": map_name, "title_zh": sheet.title_zh, "title_en": sheet.title_en,
            "extent": _extent_json(sheet.extent), "zoom": view["zoom"]}
    if zone is not None:
        meta.update(layer=zone.layer, id=zone.id, figures=len(sheet.figures) + sheet.figures_more)
    return meta, printer.pdf()


def export_atlas(*, ctx, browser, maps_dir: Path, out: Path, report, progress: bool = True,
                 map_names: list[str] | None = None, figures: pd.DataFrame | None = None) -> Path | None:
    """Print the atlas into ``out`` (atomically) and record it in ``report``.

    Parameters
    ----------
    ctx : geo.render.export.PrintContext
    browser : geo.render.export.Browser
    maps_dir : path
        The rendered HTML maps.
    map_names : list of str, optional
        Maps to include (default: every map in the style file whose HTML exists).
    figures : DataFrame, optional
        The figure table (default :func:`geo.figures.load_figures`).

    Returns
    -------
    Path or None
        None when not a single page could be printed.
    """
    from pypdf import PdfReader, PdfWriter

    from geo.io import write_bytes
    from geo.render.export import _entry
    from geo.render.printing import PagePrinter, set_metadata

    maps_dir = Path(maps_dir)
    if map_names is None:
        map_names = [n for n in ctx.styles.maps if (maps_dir / f"{n}.html").exists()]
    if figures is None:
        from geo.figures import load_figures

        try:
            figures = load_figures()
        except CorridorError as exc:
            log.error("atlas: figure table unreadable, zone pages list no figures: %s", exc)
            figures = None
    jobs: list[tuple[str, str, object]] = [("map", n, None) for n in map_names]
    jobs += [("zone", z.map, z) for z in atlas_zones(ctx.layers)]
    results: dict[int, tuple[dict, bytes]] = {}
    failed: dict[str, str] = {}
    workers = max(1, min(int(settings.EXPORT_TABS), len(jobs)))
    shares = split_jobs(jobs, workers)
    bar = tqdm(total=len(jobs), desc="printing atlas", unit="page", disable=not progress)
    tabs = [browser.new_tab() for _ in shares]
    try:
        def work(tab, share):
            printer = PagePrinter(tab, page=ctx.page, basemap=ctx.basemap, basemap_data=ctx.basemap_data)
            for index in share:
                kind, map_name, zone = jobs[index]
                key = f"atlas:{map_name}" if kind == "map" else f"atlas:{zone.layer}:{zone.id}"
                try:
                    results[index] = _print_page(printer, kind=kind, map_name=map_name, zone=zone, ctx=ctx,
                                                 maps_dir=maps_dir, figures=figures)
                except (CorridorError, OSError, ValueError) as exc:
                    log.error("atlas page %s failed: %s", key, exc)
                    failed[key] = str(exc)
                    printer.current = None
                bar.update(1)

        if workers == 1:
            work(tabs[0], shares[0])
        else:  # one tab (renderer process) per worker: pages print side by side on the cores
            with ThreadPoolExecutor(max_workers=workers) as pool:
                for future in [pool.submit(work, tab, share) for tab, share in zip(tabs, shares, strict=True)]:
                    future.result()
        bar.close()
        failed = {k: failed[k] for k in sorted(failed)}
        pages = [results[i] for i in sorted(results)]
        if not pages:
            report.failed["atlas.pdf"] = "no page could be printed: " + "; ".join(failed.values())[:500]
            return None
        contents = [{"page": i + 2, **m, "kind_label": "地图 Map" if m["kind"] == "map" else f"分区 Zone · {m['layer']}"}
                    for i, (m, _) in enumerate(pages)]
        with tempfile.TemporaryDirectory(prefix="corridor-atlas-") as tmp:
            cover = Path(tmp) / "cover.html"
            cover.write_text(cover_html(contents=contents, failed=failed, ctx=ctx), encoding="utf-8")
            tabs[0].navigate(cover)
            tabs[0].evaluate("document.fonts.ready.then(function () { return true; })")
            w, h = ctx.page.size_in
            cover_pdf = tabs[0].print_pdf(width_in=w, height_in=h)
    finally:
        if browser.alive():
            for tab in tabs:
                browser.close_tab(tab)

    writer = PdfWriter()
    writer.append(PdfReader(io.BytesIO(cover_pdf)), outline_item="封面 Cover")
    for meta, data in pages:
        writer.append(PdfReader(io.BytesIO(data)), outline_item=f"{meta['title_zh']} {meta['title_en']}".strip())
    set_metadata(writer, title=f"{ATLAS_TITLE_ZH} · {ATLAS_TITLE_EN}")
    buf = io.BytesIO()
    writer.write(buf)
    path = write_bytes(buf.getvalue(), out)
    report.written["atlas.pdf"] = path
    for key, problem in failed.items():
        report.failed[key] = problem
    report.entries.append(_entry(path, kind="atlas", format="pdf", pages=len(pages) + 1, **ctx.page.describe(),
                                 basemap=ctx.basemap,
                                 contents=[{"page": 1, "kind": "cover"}] + [
                                     {"page": c["page"], **{k: v for k, v in c.items() if k not in ("page", "kind_label")}}
                                     for c in contents]))
    return path
