"""``corridor zonal``: statistics of any raster (population, land cover, night lights, DEM) per zone."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from geo import settings


def register(sub) -> None:
    p = sub.add_parser(
        "zonal",
        help="statistics of a raster (any CRS) inside each zone of one or more layers",
        description=(
            "Count, sum, mean, min and max of a raster's valid cells inside every zone. The zones "
            "are reprojected to the raster's CRS; nodata cells are skipped. Writes a CSV."
        ),
    )
    p.add_argument("raster", type=Path, help="a GeoTIFF (or any raster GDAL reads) with a CRS")
    p.add_argument("--zones", default=",".join(settings.ZONAL_ZONE_LAYERS),
                   help=f"comma-separated zone layers (default {','.join(settings.ZONAL_ZONE_LAYERS)})")
    p.add_argument("--stats", default=None,
                   help="comma-separated statistics among count, sum, mean, min, max (default: all)")
    p.add_argument("--band", type=int, default=1, help="raster band (default 1)")
    p.add_argument("--all-touched", action="store_true", help="count every cell a zone touches, not only centres inside")
    p.add_argument("--out", type=Path, default=None,
                   help=f"CSV to write (default {settings.analysis_dir()}/zonal_<raster>.csv)")
    p.set_defaults(func=run)


def run(args) -> int:
    from geo.analysis.raster import zonal_stats
    from geo.io import write_text
    from geo.layers import LAYER_SPECS, load_layers

    if not args.raster.exists():
        raise FileNotFoundError(f"{args.raster} does not exist")
    names = [n.strip() for n in args.zones.split(",") if n.strip()]
    unknown = [n for n in names if n not in LAYER_SPECS]
    if unknown:
        raise FileNotFoundError(f"unknown zone layer(s) {', '.join(unknown)}; choose from {', '.join(LAYER_SPECS)}")
    from geo.analysis.raster import ZONAL_STATS

    stats = tuple(s.strip() for s in args.stats.split(",") if s.strip()) if args.stats else ZONAL_STATS
    tables = []
    for name, zones in load_layers(*names).items():
        polygons = zones[zones.geometry.geom_type.isin(("Polygon", "MultiPolygon"))]
        table = zonal_stats(args.raster, polygons, stats=stats, band=args.band, all_touched=args.all_touched,
                            progress=not args.quiet)
        table.insert(1, "name_zh", polygons["name_zh"].to_numpy())
        table.insert(0, "zone_layer", name)
        tables.append(table)
    out = args.out or settings.analysis_dir() / f"zonal_{args.raster.stem}.csv"
    write_text(pd.concat(tables, ignore_index=True).to_csv(index=False), out)
    print(f"zonal statistics: {out}")
    return 0
