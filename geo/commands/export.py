"""``corridor export``: maps through their print layouts (PNG, PDF), the atlas, and every layer as files."""

from __future__ import annotations

import argparse
from pathlib import Path

from geo import settings
from geo.commands import options


# --------------------------------------------------------------------------------- option types
def format_list(text: str) -> tuple[str, ...]:
    """``--format``: comma-separated png,pdf,gpkg,geojson,parquet."""
    from geo.errors import ExportError
    from geo.render.export import parse_formats

    try:
        return parse_formats(text)
    except ExportError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def page_size(text: str) -> str:
    """``--page``: A4 or A3 (any case)."""
    from geo.render.printing import PAGE_SIZES_MM

    value = str(text).strip().upper()
    if value not in PAGE_SIZES_MM:
        raise argparse.ArgumentTypeError(f"{text!r}: choose {' or '.join(PAGE_SIZES_MM)}")
    return value


def dpi_value(text: str) -> int:
    """``--dpi``: an integer 50..600."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of dots per inch (150, 300)") from None
    if not 50 <= value <= 600:
        raise argparse.ArgumentTypeError(f"{value}: choose 50..600 dots per inch (150 for screen, 300 for print)")
    return value


def extent_value(text: str) -> str | tuple[float, float, float, float]:
    """``--extent``: a feature id of the built layers (checked when they are read) or a WGS-84 box."""
    from geo.errors import ExportError
    from geo.render.printing import parse_bbox

    text = str(text).strip()
    try:
        bbox = parse_bbox(text)
    except ExportError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    if bbox is not None:
        return bbox
    if "," in text or not text:
        raise argparse.ArgumentTypeError(f"{text!r}: give a feature id (e.g. zhigu) or minlon,minlat,maxlon,maxlat")
    return text


def register(sub) -> None:
    p = sub.add_parser(
        "export",
        help="print maps to PNG/PDF (print layouts), the PDF atlas, and layers as GPKG/GeoJSON/GeoParquet",
        description=(
            "Print every rendered map through its print layout (title, legend, scale bar, north arrow, "
            "sources, build date, data version; no interactive controls) as PNG under maps/png/ and PDF "
            "under maps/pdf/, on an offline base map drawn from the toolkit's own layers; write every layer "
            "(built layers and analysis tables) as GeoPackage, GeoJSON and GeoParquet under maps/export/; "
            "with --atlas, one PDF maps/pdf/atlas.pdf: a cover, a page per map, a page per named zone with "
            "its documented figures. exports.json lists every file with its map, extent, page, dpi and "
            "sha256. Needs Debian's headless Chromium (`make browser`). A failed item does not stop the "
            "others; failures are listed at the end and the exit code is 1."
        ),
    )
    p.add_argument("--only", action="append", metavar="NAME",
                   help="export only this map or layer (repeatable, or comma-separated)")
    p.add_argument("--format", type=format_list, default=None, metavar="LIST",
                   help="comma-separated formats: png,pdf,gpkg,geojson,parquet "
                        "(default all; with --atlas and no --format, only the atlas)")
    p.add_argument("--atlas", action="store_true", help="write the multi-page PDF atlas (maps/pdf/atlas.pdf)")
    p.add_argument("--page", type=page_size, default=None, metavar="A4|A3",
                   help=f"paper size (default {settings.EXPORT_PAGE})")
    p.add_argument("--orientation", choices=("landscape", "portrait"), default=None,
                   help=f"page orientation (default {settings.EXPORT_ORIENTATION})")
    p.add_argument("--dpi", type=dpi_value, default=None,
                   help=f"PNG resolution, dots per inch (default {settings.EXPORT_DPI}; 300 for print)")
    p.add_argument("--extent", type=extent_value, default=None, metavar="ID|BOX",
                   help="zoom every map to a feature id of the built layers (e.g. zhigu) "
                        "or a box minlon,minlat,maxlon,maxlat (WGS-84)")
    p.add_argument("--basemap", choices=("offline", "tiles"), default=None,
                   help="offline: drawn from the toolkit's layers, no network (default); "
                        "tiles: the map's tile basemap with its attribution, offline where tiles fail")
    p.add_argument("--maps", type=Path, default=None, help=f"folder of rendered maps (default {settings.MAPS_DIR})")
    p.add_argument("--out", type=options.output_dir, default=None, help=f"folder for layer files (default {settings.export_dir()})")
    p.add_argument("--png-out", type=options.output_dir, default=None, help=f"folder for PNGs (default {settings.map_png_dir()})")
    p.add_argument("--pdf-out", type=options.output_dir, default=None,
                   help=f"folder for PDFs and the atlas (default {settings.map_pdf_dir()})")
    p.add_argument("--manifest", type=Path, default=None,
                   help="manifest to write or update (default exports.json in the folder the outputs share)")
    p.set_defaults(func=run)


def run(args) -> int:
    from geo.commands.maps import split_names
    from geo.render.export import FORMATS, run_export
    from geo.render.printing import PageSetup

    options.check_outputs(folders={"--out": args.out or settings.export_dir(),
                                   "--png-out": args.png_out or settings.map_png_dir(),
                                   "--pdf-out": args.pdf_out or settings.map_pdf_dir()})
    formats = args.format if args.format is not None else (() if args.atlas else FORMATS)
    page = PageSetup(args.page or settings.EXPORT_PAGE, args.orientation or settings.EXPORT_ORIENTATION,
                     args.dpi or settings.EXPORT_DPI)
    report = run_export(only=split_names(args.only), formats=formats, page=page, extent=args.extent,
                        basemap=args.basemap, atlas=args.atlas, maps_dir=args.maps, out_dir=args.out,
                        png_dir=args.png_out, pdf_dir=args.pdf_out, manifest=args.manifest,
                        progress=not args.quiet)
    if not args.quiet:
        for key, path in report.written.items():
            print(f"{key}: {path}")
    else:
        folders = sorted({str(p.parent) for p in report.written.values()})
        for folder in folders:
            print(f"export: {folder}")
    if report.manifest:
        print(f"manifest: {report.manifest}")
    for key, problem in report.failed.items():
        print(f"FAILED {key}: {problem}")
    if report.failed:
        print(f"{len(report.failed)} export(s) failed; the others were written.")
        return 1
    return 0
