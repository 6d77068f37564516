"""Batch exports: a PNG of every map (headless Chromium) and every layer as GPKG, GeoJSON, GeoParquet.

PNGs are screenshots of the rendered HTML maps taken by Debian's ``chromium`` in headless
mode with a fresh, throw-away profile.  A map that fails (missing HTML, Chromium error
or time-out) is recorded and the others go on; the caller reports the failures and exits
non-zero.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import tempfile
from pathlib import Path

import geopandas as gpd
from tqdm.auto import tqdm

from geo import settings
from geo.crs import to_storage
from geo.errors import CorridorError, ExportError, StageReport
from geo.io import atomic_path, read_layer, write_geojson, write_geopackage, write_geoparquet

log = logging.getLogger("corridor")

FORMATS = ("png", "gpkg", "geojson", "parquet")
LAYER_FORMATS = ("gpkg", "geojson", "parquet")


class ExportReport(StageReport):
    """Files written and failures, each keyed by ``"<name>.<format>"``."""


def parse_size(text: str) -> tuple[int, int]:
    """``"1600x1000"`` -> ``(1600, 1000)`` pixels."""
    try:
        width, height = (int(v) for v in str(text).lower().split("x"))
    except ValueError:
        raise ExportError(f"size {text!r} is not WIDTHxHEIGHT in pixels, e.g. 1600x1000") from None
    if not (100 <= width <= 10000 and 100 <= height <= 10000):
        raise ExportError(f"size {text!r} out of range (100..10000 pixels per side)")
    return width, height


def parse_formats(text: str | None) -> tuple[str, ...]:
    """``"png,gpkg"`` -> ``("png", "gpkg")``; default every format."""
    if not text:
        return FORMATS
    formats = tuple(f.strip().lower() for f in str(text).split(",") if f.strip())
    unknown = [f for f in formats if f not in FORMATS]
    if unknown:
        raise ExportError(f"unknown format(s) {', '.join(unknown)}; choose from {', '.join(FORMATS)}")
    return formats


def chromium_command(html: Path, png: Path, *, size: tuple[int, int], profile: Path, chromium: str | None = None,
                     virtual_time_ms: int | None = None) -> list[str]:
    """The headless-Chromium command line that screenshots ``html`` into ``png``."""
    width, height = size
    return [
        chromium or settings.CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
        "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--hide-scrollbars", f"--user-data-dir={profile}", f"--window-size={width},{height}",
        f"--virtual-time-budget={virtual_time_ms or settings.CHROMIUM_VIRTUAL_TIME_MS}",
        f"--screenshot={png}", Path(html).resolve().as_uri(),
    ]


def screenshot_map(html: Path, png: Path, *, size: tuple[int, int] = (1600, 1000), chromium: str | None = None,
                   extra_args: tuple[str, ...] = (), timeout_s: float | None = None) -> Path:
    """Render one HTML map to a PNG in headless Chromium, atomically.

    Raises
    ------
    ExportError
        If the map or Chromium is missing, Chromium fails or times out, or writes no image.
    """
    html = Path(html)
    if not html.exists():
        raise ExportError(f"{html} does not exist; run `corridor maps` first")
    binary = chromium or settings.CHROMIUM
    if not (Path(binary).is_file() or shutil.which(binary)):
        raise ExportError(f"Chromium not found at {binary}; install Debian's `chromium` (scripts/ensure_chromium.sh)")
    profile = Path(tempfile.mkdtemp(prefix="corridor-chromium-"))
    try:
        with atomic_path(png) as tmp:
            cmd = chromium_command(html, tmp, size=size, profile=profile, chromium=binary)
            cmd[-1:-1] = list(extra_args)
            try:
                proc = subprocess.run(cmd, capture_output=True, text=True,
                                      timeout=timeout_s or settings.CHROMIUM_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                raise ExportError(f"{html.name}: Chromium timed out") from None
            if proc.returncode != 0 or not tmp.exists() or tmp.stat().st_size == 0:
                tail = (proc.stderr or "").strip().splitlines()[-3:]
                raise ExportError(f"{html.name}: Chromium exited {proc.returncode} without a screenshot: {' | '.join(tail)}")
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    return Path(png)


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


def run_export(*, only: list[str] | None = None, formats=FORMATS, size: tuple[int, int] = (1600, 1000),
               maps_dir: Path | None = None, out_dir: Path | None = None, png_dir: Path | None = None,
               layers: dict[str, gpd.GeoDataFrame] | None = None, analysis_dir: Path | None = None,
               map_names: list[str] | None = None, chromium: str | None = None, progress: bool = True,
               extra_chromium_args: tuple[str, ...] = ()) -> ExportReport:
    """Export PNGs of the maps and the layers in the chosen formats.

    Parameters
    ----------
    only : list of str, optional
        Map and/or layer names to export (default: all).
    formats : iterable of str
        Any of ``png``, ``gpkg``, ``geojson``, ``parquet``.
    size : (int, int)
        PNG size in pixels.
    maps_dir : path, optional
        Where the HTML maps are (default :data:`geo.settings.MAPS_DIR`).
    out_dir, png_dir : path, optional
        Where layer files and PNGs go (defaults :func:`geo.settings.export_dir`,
        :func:`geo.settings.map_png_dir`).
    layers : dict of GeoDataFrame, optional
        Layers to export (default: every built layer plus the analysis tables).

    Returns
    -------
    ExportReport
        Failures do not stop the run.
    """
    from geo.render.maps import map_names as default_map_names

    maps_dir = Path(maps_dir) if maps_dir else settings.MAPS_DIR
    out_dir = Path(out_dir) if out_dir else settings.export_dir()
    png_dir = Path(png_dir) if png_dir else settings.map_png_dir()
    formats = tuple(formats)
    jobs: list[tuple[str, str, object]] = []
    if "png" in formats:
        if map_names is not None:
            names = list(map_names)
        else:  # an optional map (firms) that `corridor maps` skipped for want of input has no page
            from geo.render.styles import load_styles

            optional = {n for n, spec in load_styles().maps.items() if spec.optional}
            names = [n for n in default_map_names() if n not in optional or (maps_dir / f"{n}.html").exists()]
        jobs += [("png", n, None) for n in names if not only or n in only]
    layer_formats = tuple(f for f in formats if f in LAYER_FORMATS)
    if layer_formats:
        if layers is None:
            from geo.layers import load_layers

            layers = {**load_layers(), **_analysis_tables(analysis_dir or settings.analysis_dir())}
        jobs += [("layer", n, g) for n, g in layers.items() if not only or n in only]
    if only:
        known = {n for _, n, _ in jobs}
        missing = [n for n in only if n not in known]
        if missing:
            raise ExportError(f"nothing named {', '.join(missing)} to export (maps and layers)")
    report = ExportReport()
    for kind, name, gdf in tqdm(jobs, desc="exporting", unit="item", disable=not progress):
        try:
            if kind == "png":
                report.written[f"{name}.png"] = screenshot_map(
                    maps_dir / f"{name}.html", png_dir / f"{name}.png", size=size, chromium=chromium,
                    extra_args=extra_chromium_args)
            else:
                for fmt, path in export_layer(gdf, name, out_dir=out_dir, formats=layer_formats).items():
                    report.written[f"{name}.{fmt}"] = path
        except (CorridorError, OSError, ValueError) as exc:
            key = f"{name}.png" if kind == "png" else name
            log.error("export %s failed: %s", key, exc)
            report.failed[key] = str(exc)
    return report
