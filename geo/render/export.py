"""Batch exports: every map through its print layout (PNG, PDF), the atlas, and every layer as files.

Maps are printed by one headless Chromium driven over CDP (:mod:`geo.render.chromium`),
each page laid out by :mod:`geo.render.printing` (title, legend, scale bar, north arrow,
sources, build date, data version, uncertainty note; no interactive controls) on the
offline base map (:mod:`geo.render.offline_basemap`) or, with ``basemap="tiles"``, on
the map's tiles.  ``atlas=True`` adds the multi-page atlas (:mod:`geo.render.atlas`).
Layers are written as GeoPackage, GeoJSON and GeoParquet in WGS-84.

Every file is written to a temporary name and renamed when complete.  A map that fails is
recorded and the others go on; the caller reports the failures and exits non-zero.  A
manifest, ``exports.json`` (:func:`write_manifest`), lists every file with its map,
extent, page, dpi and sha256.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
from tqdm.auto import tqdm

from geo import settings
from geo.crs import to_storage
from geo.errors import CorridorError, ExportError, StageReport
from geo.io import (
    read_layer,
    sha256_file,
    write_bytes,
    write_geojson,
    write_geopackage,
    write_geoparquet,
    write_json,
)

log = logging.getLogger("corridor")

MAP_FORMATS = ("png", "pdf")
LAYER_FORMATS = ("gpkg", "geojson", "parquet")
FORMATS = MAP_FORMATS + LAYER_FORMATS
MANIFEST_NAME = "exports.json"


@dataclass
class ExportReport(StageReport):
    """Files written and failures, each keyed by ``"<name>.<format>"``; the manifest's rows and path."""

    entries: list[dict] = field(default_factory=list)
    manifest: Path | None = None


def parse_formats(text: str | None) -> tuple[str, ...]:
    """``"png,gpkg"`` -> ``("png", "gpkg")``; default every format."""
    if not text:
        return FORMATS
    formats = tuple(dict.fromkeys(f.strip().lower() for f in str(text).split(",") if f.strip()))
    unknown = [f for f in formats if f not in FORMATS]
    if unknown:
        raise ExportError(f"unknown format(s) {', '.join(unknown)}; choose from {', '.join(FORMATS)}")
    return formats


def export_layer(gdf: gpd.GeoDataFrame, name: str, *, out_dir: Path, formats=LAYER_FORMATS) -> dict[str, Path]:
    """Write one layer (any declared CRS) as ``<out_dir>/<name>.gpkg|.geojson|.parquet`` in WGS-84, atomically."""
    gdf = to_storage(gdf, what=f"layer {name!r}")  # every format in the storage CRS, refused before a write
    written = {}
    for fmt in formats:
        target = Path(out_dir) / f"{name}.{fmt}"
        if fmt == "gpkg":
            written[fmt] = write_geopackage({name: gdf}, target)
        elif fmt == "geojson":
            written[fmt] = write_geojson(gdf, target)
        elif fmt == "parquet":
            written[fmt] = write_geoparquet(gdf, target)
    return written


def _analysis_tables(analysis_dir: Path) -> dict[str, gpd.GeoDataFrame]:
    """Every table of ``corridor analyse``'s GeoPackage, as ``analysis_<table>``; ``{}`` when absent."""
    from geo.render.maps import ANALYSIS_GPKG

    gpkg = Path(analysis_dir) / ANALYSIS_GPKG
    if not gpkg.exists():
        return {}
    import pyogrio

    return {f"analysis_{name}": read_layer(gpkg, layer=name) for name, _ in pyogrio.list_layers(gpkg)}


# --------------------------------------------------------------------------------- maps
@dataclass
class PrintContext:
    """What every printed page of a run shares: styles, layers, documents, page, base map, stamp."""

    styles: object
    layers: Mapping[str, gpd.GeoDataFrame]
    documents: Mapping[str, dict]
    page: object
    basemap: str
    stamp: str
    basemap_data: dict | None = None

    @classmethod
    def create(cls, *, layers: Mapping[str, gpd.GeoDataFrame], page, basemap: str, style_file=None) -> PrintContext:
        from geo.render import pages
        from geo.render.maps import load_documents
        from geo.render.printing import prepare_basemap, stamp_line
        from geo.render.styles import load_styles

        # the same build date and data version the interactive maps show (geo.render.pages)
        stamp = stamp_line(date=pages.build_date(), version=pages.data_version(dict(layers)), page=page)
        return cls(styles=load_styles(style_file), layers=layers, documents=load_documents(), page=page,
                   basemap=basemap, stamp=stamp, basemap_data=prepare_basemap(layers))

    def map_sheet(self, name: str, *, extent=None):
        """The print sheet of map ``name`` (its own extent unless ``extent`` is given)."""
        from geo.render.printing import (
            Sheet,
            cited_documents,
            legend_items,
            map_extent,
            shown_frames,
            source_lines,
            uncertainty_note,
        )

        spec = self.styles.maps[name]
        frames = shown_frames(spec, self.layers)
        return Sheet(
            key=name, title_zh=spec.title_zh, title_en=spec.title_en, subtitle=spec.description_en,
            legend=legend_items(spec, self.styles, self.layers, basemap=self.basemap),
            sources=source_lines(frames, basemap=self.basemap),
            documents=cited_documents(frames, self.documents), notes=[uncertainty_note(frames)],
            stamp=self.stamp, extent=extent or map_extent(spec, self.layers),
        )


def _entry(path: Path, **fields) -> dict:
    return {"path": Path(path), **fields, "bytes": Path(path).stat().st_size, "sha256": sha256_file(path)}


def export_map_pages(names: list[str], *, formats: tuple[str, ...], ctx: PrintContext, maps_dir: Path,
                     png_dir: Path, pdf_dir: Path, browser, extent=None, report: ExportReport,
                     progress: bool = True) -> None:
    """Print each map to PNG and/or PDF through its layout, in one browser tab; failures are recorded."""
    from geo.render.printing import PagePrinter, normalise_pdf

    tab = browser.new_tab()
    try:
        printer = PagePrinter(tab, page=ctx.page, basemap=ctx.basemap, basemap_data=ctx.basemap_data)
        for name in tqdm(names, desc="printing maps", unit="map", disable=not progress):
            keys = [f"{name}.{fmt}" for fmt in formats]
            try:
                if name not in ctx.styles.maps:
                    raise ExportError(f"no map {name!r} in {ctx.styles.path}")
                sheet = ctx.map_sheet(name, extent=extent)
                printer.open(Path(maps_dir) / f"{name}.html")
                view = printer.layout(sheet)
                common = {"kind": "map", "map": name, "extent": _extent_json(sheet.extent),
                          **ctx.page.describe(), "basemap": ctx.basemap, "zoom": view["zoom"]}
                for fmt in formats:
                    if fmt == "png":
                        path = write_bytes(printer.png(), Path(png_dir) / f"{name}.png")
                        entry = _entry(path, format="png", pixels=list(ctx.page.pixels), **common)
                    else:
                        data = normalise_pdf(printer.pdf(), title=f"{sheet.title_zh} · {sheet.title_en}")
                        path = write_bytes(data, Path(pdf_dir) / f"{name}.pdf")
                        entry = _entry(path, format="pdf", pages=1, **common)
                    report.written[f"{name}.{fmt}"] = path
                    report.entries.append(entry)
            except (CorridorError, OSError, ValueError) as exc:
                log.error("export %s failed: %s", name, exc)
                for key in keys:
                    if key not in report.written:
                        report.failed[key] = str(exc)
                if not browser.alive():
                    browser.restart()
                    tab = browser.new_tab()
                    printer = PagePrinter(tab, page=ctx.page, basemap=ctx.basemap, basemap_data=ctx.basemap_data)
    finally:
        if browser.alive():
            browser.close_tab(tab)


def _extent_json(extent) -> dict | None:
    if extent is None:
        return None
    return {"label": extent.label, "bounds": [round(float(v), 6) for v in extent.bounds]}


# --------------------------------------------------------------------------------- manifest
def write_manifest(entries: list[dict], path: Path) -> Path:
    """Write (or update) ``exports.json``: one row per file, paths relative to the manifest's folder.

    Rows of earlier runs are kept while their files still exist and were not rewritten now,
    so exporting one map does not drop the others from the list.
    """
    path = Path(path)
    base = path.parent.resolve()
    rows: dict[str, dict] = {}
    if path.exists():
        try:
            old = json.loads(path.read_text(encoding="utf-8")).get("files", [])
        except (ValueError, AttributeError):
            old = []
        for row in old:
            if isinstance(row, dict) and row.get("file") and (base / row["file"]).exists():
                rows[row["file"]] = row
    for entry in entries:
        row = {k: v for k, v in entry.items() if k != "path"}
        rel = os.path.relpath(Path(entry["path"]).resolve(), base)
        rows[Path(rel).as_posix()] = {"file": Path(rel).as_posix(), **row}
    payload = {"generator": "corridor export", "files": [rows[k] for k in sorted(rows)]}
    return write_json(payload, path)


def default_manifest_path(dirs: list[Path]) -> Path:
    """``exports.json`` in the folder shared by the output folders (``maps/`` for the defaults)."""
    resolved = [Path(d).resolve() for d in dirs]
    if not resolved:
        return Path(settings.MAPS_DIR) / MANIFEST_NAME
    common = Path(os.path.commonpath([str(d) for d in resolved]))
    return common / MANIFEST_NAME


# --------------------------------------------------------------------------------- the run
class Browser:
    """A restartable :class:`geo.render.chromium.Chromium` (one process for every page of a run)."""

    def __init__(self, binary: str | None, *, offline: bool):
        from geo.render.chromium import Chromium

        self._factory = lambda: Chromium(binary, offline=offline)
        self.chromium = self._factory()

    def alive(self) -> bool:
        return self.chromium.proc.poll() is None

    def restart(self) -> None:
        self.chromium.close()
        self.chromium = self._factory()

    def new_tab(self):
        return self.chromium.new_tab()

    def close_tab(self, tab) -> None:
        self.chromium.close_tab(tab)

    def close(self) -> None:
        self.chromium.close()


def _map_names(maps_dir: Path, map_names: list[str] | None) -> list[str]:
    if map_names is not None:
        return list(map_names)
    from geo.render.maps import map_names as default_map_names
    from geo.render.styles import load_styles

    # an optional map (firms) that `corridor maps` skipped for want of input has no page
    optional = {n for n, spec in load_styles().maps.items() if spec.optional}
    return [n for n in default_map_names() if n not in optional or (maps_dir / f"{n}.html").exists()]


def run_export(*, only: list[str] | None = None, formats=FORMATS, page=None, extent=None,
               basemap: str | None = None, atlas: bool = False, maps_dir: Path | None = None,
               out_dir: Path | None = None, png_dir: Path | None = None, pdf_dir: Path | None = None,
               manifest: Path | None = None, layers: dict[str, gpd.GeoDataFrame] | None = None,
               analysis_dir: Path | None = None, map_names: list[str] | None = None, chromium: str | None = None,
               progress: bool = True) -> ExportReport:
    """Export the maps (PNG/PDF print layouts), the atlas, and the layers in the chosen formats.

    Parameters
    ----------
    only : list of str, optional
        Map and/or layer names to export (default: all).  The atlas always holds every map.
    formats : iterable of str
        Any of ``png``, ``pdf``, ``gpkg``, ``geojson``, ``parquet``.
    page : geo.render.printing.PageSetup, optional
        Paper, orientation and dpi (default :data:`geo.settings.EXPORT_PAGE`, ``EXPORT_ORIENTATION``,
        ``EXPORT_DPI``).
    extent : str or tuple, optional
        Zoom the maps to a feature id of the built layers (``"zhigu"``) or a WGS-84 box
        ``(minlon, minlat, maxlon, maxlat)``; default each map's own extent.
    basemap : {"offline", "tiles"}, optional
        Default :data:`geo.settings.EXPORT_BASEMAP`.
    atlas : bool
        Also write the atlas PDF (:func:`geo.render.atlas.export_atlas`).
    maps_dir : path, optional
        Where the HTML maps are (default :data:`geo.settings.MAPS_DIR`).
    out_dir, png_dir, pdf_dir : path, optional
        Where layer files, PNGs and PDFs go (defaults :func:`geo.settings.export_dir`,
        :func:`geo.settings.map_png_dir`, :func:`geo.settings.map_pdf_dir`).
    manifest : path, optional
        The manifest to write or update (default ``exports.json`` in the folder the output
        folders share).
    layers : dict of GeoDataFrame, optional
        The built layers (default :func:`geo.layers.load_layers`): exported as files, and read
        for legends, sources, extents and the offline base map.
    map_names : list of str, optional
        Maps to print and to put in the atlas (default: every map in the style file, less an
        optional map that was never rendered).
    chromium : str, optional
        The Chromium binary (default :data:`geo.settings.CHROMIUM`).

    Returns
    -------
    ExportReport
        Failures do not stop the run.

    Raises
    ------
    ExportError
        Bad options (unknown names, an ``extent`` that is no feature id) before anything is written.
    """
    from geo.render.printing import PageSetup, resolve_extent

    maps_dir = Path(maps_dir) if maps_dir else settings.MAPS_DIR
    out_dir = Path(out_dir) if out_dir else settings.export_dir()
    png_dir = Path(png_dir) if png_dir else settings.map_png_dir()
    pdf_dir = Path(pdf_dir) if pdf_dir else settings.map_pdf_dir()
    page = page or PageSetup(settings.EXPORT_PAGE, settings.EXPORT_ORIENTATION, settings.EXPORT_DPI)
    basemap = basemap or settings.EXPORT_BASEMAP
    formats = tuple(formats)
    map_formats = tuple(f for f in formats if f in MAP_FORMATS)
    layer_formats = tuple(f for f in formats if f in LAYER_FORMATS)

    maps = [n for n in _map_names(maps_dir, map_names) if not only or n in only] if map_formats else []
    given_layers = layers is not None
    if layers is None and (layer_formats or map_formats or atlas):
        from geo.layers import load_layers

        layers = load_layers()
    layers = dict(layers or {})
    layer_jobs: dict[str, gpd.GeoDataFrame] = {}
    if layer_formats:
        tables = {} if given_layers else _analysis_tables(analysis_dir or settings.analysis_dir())
        layer_jobs = {n: g for n, g in {**layers, **tables}.items() if not only or n in only}
    if only:
        known = set(maps) | set(layer_jobs)
        missing = [n for n in only if n not in known]
        if missing:
            raise ExportError(f"nothing named {', '.join(missing)} to export (maps and layers)")
    extent = resolve_extent(extent, layers) if (maps and extent is not None) else None

    report = ExportReport()
    if maps or atlas:
        _export_prints(report, maps=maps, map_formats=map_formats, atlas=atlas, page=page, basemap=basemap,
                       extent=extent, layers=layers, maps_dir=maps_dir, png_dir=png_dir, pdf_dir=pdf_dir,
                       chromium=chromium, progress=progress, atlas_maps=map_names)
    for name, gdf in tqdm(layer_jobs.items(), desc="exporting layers", unit="layer", disable=not progress):
        try:
            for fmt, path in export_layer(gdf, name, out_dir=out_dir, formats=layer_formats).items():
                report.written[f"{name}.{fmt}"] = path
                report.entries.append(_entry(path, kind="layer", format=fmt, layer=name, rows=int(len(gdf))))
        except (CorridorError, OSError, ValueError) as exc:
            log.error("export %s failed: %s", name, exc)
            report.failed[name] = str(exc)
    if report.entries:
        target = Path(manifest) if manifest else default_manifest_path(
            sorted({Path(e["path"]).parent for e in report.entries}))
        report.manifest = write_manifest(report.entries, target)
    return report


def has_cjk_font() -> bool:
    """Whether fontconfig knows a font covering Chinese (True when it cannot be asked)."""
    import shutil
    import subprocess

    if not shutil.which("fc-list"):
        return True
    try:
        out = subprocess.run(["fc-list", ":lang=zh", "family"], capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        return True
    return bool(out.strip())


def _export_prints(report: ExportReport, *, maps, map_formats, atlas, page, basemap, extent, layers, maps_dir,
                   png_dir, pdf_dir, chromium, progress, atlas_maps=None) -> None:
    """PNG/PDF of the maps and the atlas, sharing one Chromium; a missing Chromium is one failure line."""
    from geo.render.chromium import ChromiumMissingError, find_chromium

    try:
        find_chromium(chromium)
    except ChromiumMissingError as exc:
        log.error("%s", exc)
        report.failed["chromium"] = str(exc)
        return
    if not has_cjk_font():
        log.warning("no Chinese (CJK) font is installed: Chinese text would print as boxes; "
                    "run `make browser` or `apt-get install fonts-wqy-microhei`")
    ctx = PrintContext.create(layers=layers, page=page, basemap=basemap)
    browser = Browser(chromium, offline=basemap == "offline")
    try:
        if maps:
            export_map_pages(maps, formats=map_formats, ctx=ctx, maps_dir=maps_dir, png_dir=png_dir,
                             pdf_dir=pdf_dir, browser=browser, extent=extent, report=report, progress=progress)
        if atlas:
            from geo.render.atlas import export_atlas

            export_atlas(ctx=ctx, browser=browser, maps_dir=maps_dir, out=Path(pdf_dir) / "atlas.pdf",
                         report=report, progress=progress, map_names=atlas_maps)
    finally:
        browser.close()
