"""``corridor zonal``: statistics of any raster (population, land cover, night lights, DEM) per zone."""

from __future__ import annotations

import pandas as pd

from geo import settings
from geo.commands import options
from geo.errors import UsageError


def register(sub) -> None:
    p = sub.add_parser(
        "zonal",
        help="statistics of a raster (any CRS) inside each zone of one or more layers",
        description=(
            "Count, sum, mean, min and max of a raster's valid cells inside every zone. The zones "
            "are reprojected to the raster's CRS; nodata cells are skipped. Writes a CSV."
        ),
    )
    p.add_argument("raster", type=options.input_file, help="a GeoTIFF (or any raster GDAL reads) with a CRS")
    p.add_argument("--zones", type=options.comma_list(), default=tuple(settings.ZONAL_ZONE_LAYERS),
                   help=f"comma-separated zone layers (default {','.join(settings.ZONAL_ZONE_LAYERS)})")
    p.add_argument("--stats", type=options.comma_list(), default=None,
                   help="comma-separated statistics among count, sum, mean, min, max (default: all)")
    p.add_argument("--band", type=options.positive_int, default=1, help="raster band (default 1)")
    p.add_argument("--all-touched", action="store_true", help="count every cell a zone touches, not only centres inside")
    p.add_argument("--out", type=options.output_file(".csv"), default=None,
                   help=f"CSV to write (default {settings.analysis_dir()}/zonal_<raster>.csv)")
    p.set_defaults(func=run)


def run(args) -> int:
    from geo.analysis.raster import ZONAL_STATS, open_raster, zonal_stats
    from geo.io import write_text
    from geo.layers import LAYER_SPECS, load_layers

    names = list(args.zones) if not isinstance(args.zones, str) else [n.strip() for n in args.zones.split(",")]
    unknown = [n for n in names if n not in LAYER_SPECS]
    if unknown:
        raise UsageError(f"--zones: unknown layer(s) {', '.join(unknown)}; choose from {', '.join(LAYER_SPECS)}")
    stats = tuple(args.stats) if args.stats else ZONAL_STATS
    bad = [s for s in stats if s not in ZONAL_STATS]
    if bad:
        raise UsageError(f"--stats: unknown statistic(s) {', '.join(bad)}; choose from {', '.join(ZONAL_STATS)}")
    with open_raster(args.raster) as src:  # a corrupt file or a missing band fails here, before any work
        if args.band > src.count:
            raise UsageError(f"--band {args.band}: {args.raster} has {src.count} band(s); choose 1 to {src.count}")
    out = args.out or settings.analysis_dir() / f"zonal_{args.raster.stem}.csv"
    options.check_outputs(inputs={"RASTER": args.raster}, files={"--out": out})
    tables = []
    for name, zones in load_layers(*names).items():
        polygons = zones[zones.geometry.geom_type.isin(("Polygon", "MultiPolygon"))]
        table = zonal_stats(args.raster, polygons, stats=stats, band=args.band, all_touched=args.all_touched,
                            progress=not args.quiet)
        table.insert(1, "name_zh", polygons["name_zh"].to_numpy())
        table.insert(0, "zone_layer", name)
        tables.append(table)
    write_text(pd.concat(tables, ignore_index=True).to_csv(index=False), out)
    print(f"zonal statistics: {out}")
    return 0
