"""``corridor points``: import a firm/POI point file, and count and measure it per zone."""

from __future__ import annotations

from geo import settings
from geo.commands import options
from geo.errors import UsageError


def register(sub) -> None:
    p = sub.add_parser(
        "points",
        help="import firm/POI points (GCJ-02, BD-09, WGS-84) and count them per zone",
        description=(
            "Firm registries and POI exports against the documents' firm figures. `import` checks and "
            "converts a point file to WGS-84 GeoParquet, rejecting bad rows by reason; `zones` counts "
            "and measures the points per zone, in memory or on Dask."
        ),
    )
    psub = p.add_subparsers(dest="points_command", metavar="ACTION")

    imp = psub.add_parser(
        "import", help="convert a CSV/Parquet/GeoPackage/GeoJSON point file to WGS-84 GeoParquet",
        description=(
            "Read FILE in chunks, convert its coordinates to WGS-84 and write GeoParquet. Rows with "
            "missing, unparsable, swapped or out-of-region coordinates are counted by reason and written "
            "to a rejects CSV (column reject_reason); the summary says how many rows went where."
        ),
    )
    imp.add_argument("file", type=options.input_file, metavar="FILE", help="CSV, Parquet, GeoPackage or GeoJSON")
    imp.add_argument("--lon", help="longitude column (required for CSV; else the point geometry is used)")
    imp.add_argument("--lat", help="latitude column (required for CSV)")
    imp.add_argument("--crs", choices=("wgs84", "gcj02", "bd09"),
                     help="coordinate system of FILE (required unless the file declares it; Amap=gcj02, Baidu=bd09)")
    imp.add_argument("--category", help="category column (industry, firm type) to count by")
    imp.add_argument("--layer", help="layer of a GeoPackage with several")
    imp.add_argument("--out", type=options.output_file(".parquet", ".geoparquet"),
                     help=f"output GeoParquet (default {settings.points_dir()}/<FILE stem>.parquet)")
    imp.add_argument("--rejects", type=options.output_file(".csv"),
                     help="rejects CSV (default <out stem>.rejects.csv beside --out)")
    imp.add_argument("--chunk-rows", type=options.positive_int, default=settings.POINTS_CHUNK_ROWS,
                     help="rows per chunk")
    imp.add_argument("--encoding", type=options.check_encoding, default=None,
                     help="text encoding of a CSV (default UTF-8; gb18030 reads GBK exports of Chinese Windows)")
    imp.add_argument("--drop-duplicates", action="store_true",
                     help="move rows identical to an earlier row to the rejects file (they are always counted)")
    imp.set_defaults(func=run)

    zon = psub.add_parser(
        "zones", help="point counts, density, nearest campus and isochrone shares per zone, against targets",
        description=(
            "For every zone (zhigu, innovation belts, silicon-lane corridors, parks, districts, cities): "
            "points overall and by category, per km², nearest-campus distance (median, p90), share within "
            "each isochrone, and the documents' firm figures with the gap. Writes CSVs and a GeoPackage "
            "(zone_points, zone_targets) to shade zones on a map."
        ),
    )
    zon.add_argument("points", type=options.input_file_of(".parquet", ".geoparquet", what="GeoParquet file"),
                     metavar="POINTS.parquet", help="GeoParquet from `corridor points import`")
    zon.add_argument("--engine", choices=("memory", "dask"), default="memory",
                     help="memory: chunked in this process (default); dask: partitioned on a Dask cluster")
    zon.add_argument("--scheduler", metavar="ADDRESS",
                     help="Dask scheduler address (tcp://host:8786; the workers must see POINTS at the same path); "
                          "default a LocalCluster on this machine")
    zon.add_argument("--workers", type=options.positive_int, default=settings.DASK_LOCAL_WORKERS,
                     help="workers of the LocalCluster when no --scheduler is given")
    zon.add_argument("--category", help="category column (default: the one recorded at import)")
    zon.add_argument("--out", type=options.output_dir, help=f"output folder (default {settings.points_dir()})")
    zon.set_defaults(func=run)
    p.set_defaults(func=run, points_parser=p)


def run(args) -> int:
    action = getattr(args, "points_command", None)
    if action == "import":
        return _run_import(args)
    if action == "zones":
        return _run_zones(args)
    args.points_parser.print_help()
    return 2


def _run_import(args) -> int:
    from geo.points import import_points
    from geo.points.importer import default_output, rejects_path

    out = args.out or default_output(args.file)
    rejects = args.rejects or rejects_path(out)
    options.check_outputs(inputs={"FILE": args.file}, files={"--out": out, "--rejects": rejects})
    summary = import_points(
        args.file, lon=args.lon, lat=args.lat, crs=args.crs, category=args.category, out=out,
        rejects=rejects, layer=args.layer, chunk_rows=args.chunk_rows, progress=not args.quiet,
        encoding=getattr(args, "encoding", None), drop_duplicates=getattr(args, "drop_duplicates", False),
    )
    print(summary.format())
    return 0


def _run_zones(args) -> int:
    from geo.points import zone_figures

    with open(args.points, "rb") as fh:
        magic = fh.read(4)
    if magic != b"PAR1":
        raise UsageError(f"{args.points} is not a GeoParquet file (it does not start like Parquet); "
                         "give the .parquet that `corridor points import FILE` wrote, not the CSV")
    out = args.out or settings.points_dir()
    options.check_outputs(inputs={"POINTS": args.points}, folders={"--out": out})
    engine_options = {"scheduler": args.scheduler, "n_workers": args.workers} if args.engine == "dask" else {}
    figures = zone_figures(args.points, category=args.category, engine=args.engine, progress=not args.quiet,
                           **engine_options)
    from geo.io import staged_dir, unstage

    with staged_dir(out) as stage:  # the CSVs and the GeoPackage of one run, moved in together
        paths = {name: unstage(path, stage, out) for name, path in figures.write(stage).items()}
    if not args.quiet:
        z = figures.zones
        cols = ["zone_layer", "zone_id", "points", "points_per_km2", "nearest_campus_median_m",
                "nearest_campus_p90_m"]
        print(z[cols].to_string(index=False, float_format=lambda v: f"{v:,.1f}"))
        if len(figures.targets):
            t = figures.targets[["zone_id", "figure", "figure_kind", "figure_count", "points", "gap_count"]]
            print("\nagainst the documents' firm figures (gap = figure - points):")
            print(t.to_string(index=False, float_format=lambda v: f"{v:,.0f}"))
        print(f"\npoints: {figures.summary['points']:,d} counted ({figures.summary['engine']} engine)")
    for name, path in paths.items():
        print(f"  {name}: {path}")
    return 0
