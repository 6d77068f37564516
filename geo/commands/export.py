"""``corridor export``: PNG of every map, and every layer as GeoPackage, GeoJSON and GeoParquet."""

from __future__ import annotations

import argparse
from pathlib import Path

from geo import settings
from geo.commands import options

FORMATS = ("png", "gpkg", "geojson", "parquet")


def _size(text: str) -> str:
    from geo.render.export import parse_size

    try:
        parse_size(text)
    except Exception as exc:  # noqa: BLE001 - any refusal is a usage error
        raise argparse.ArgumentTypeError(f"{text!r}: {exc}") from None
    return text




def register(sub) -> None:
    p = sub.add_parser(
        "export",
        help="export map PNGs (headless Chromium) and layers as GPKG/GeoJSON/GeoParquet",
        description=(
            "For every rendered map write a PNG (headless Chromium) under maps/png/, and for every layer "
            "(built layers and analysis tables) a GeoPackage, GeoJSON and GeoParquet under maps/export/. "
            "A failed item does not stop the others; failures are listed at the end and the exit code is 1."
        ),
    )
    p.add_argument("--only", action="append", metavar="NAME",
                   help="export only this map or layer (repeatable, or comma-separated)")
    p.add_argument("--format", type=options.comma_list(FORMATS), default="png,gpkg,geojson,parquet",
                   help="comma-separated formats: png,gpkg,geojson,parquet (default all)")
    p.add_argument("--size", type=_size, default="1600x1000", help="PNG size WIDTHxHEIGHT in pixels (default 1600x1000)")
    p.add_argument("--maps", type=Path, default=None, help=f"folder of rendered maps (default {settings.MAPS_DIR})")
    p.add_argument("--out", type=options.output_dir, default=None, help=f"folder for layer files (default {settings.export_dir()})")
    p.add_argument("--png-out", type=options.output_dir, default=None, help=f"folder for PNGs (default {settings.map_png_dir()})")
    p.set_defaults(func=run)


def run(args) -> int:
    from geo.commands.maps import split_names
    from geo.render.export import parse_formats, parse_size, run_export

    out, png_out = args.out or settings.export_dir(), args.png_out or settings.map_png_dir()
    options.check_outputs(folders={"--out": out, "--png-out": png_out})
    fmt = args.format if isinstance(args.format, str) else ",".join(args.format)
    from geo.io import staged_dir, unstage

    with staged_dir(out) as stage, staged_dir(png_out) as png_stage:  # moved into place together
        report = run_export(only=split_names(args.only), formats=parse_formats(fmt), size=parse_size(args.size),
                            maps_dir=args.maps, out_dir=stage, png_dir=png_stage, progress=not args.quiet)
    report.written = {key: unstage(unstage(path, stage, out), png_stage, png_out)
                      for key, path in report.written.items()}
    if not args.quiet:
        for key, path in report.written.items():
            print(f"{key}: {path}")
    else:
        folders = sorted({str(p.parent) for p in report.written.values()})
        for folder in folders:
            print(f"export: {folder}")
    for key, problem in report.failed.items():
        print(f"FAILED {key}: {problem}")
    if report.failed:
        print(f"{len(report.failed)} export(s) failed; the others were written.")
        return 1
    return 0
