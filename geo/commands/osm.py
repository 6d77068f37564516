"""``corridor osm``: fetch OpenStreetMap live, import an extract, and report the conflation.

Map data © OpenStreetMap contributors (ODbL).
"""

from __future__ import annotations

from geo import settings
from geo.commands import options

_NETWORKS = ("walk", "bike", "drive", "drive_service", "all", "all_public")


def register(sub) -> None:
    p = sub.add_parser(
        "osm",
        help="OpenStreetMap: fetch live, import an .osm/.pbf extract, report conflation",
        description=(
            "OpenStreetMap sources for the toolkit. Everything lands in layers/osm/<area>/ with a "
            "manifest (query, time, osmnx version) so builds are reproducible offline. "
            f"Data {settings.OSM_ATTRIBUTION}."
        ),
    )
    osm_sub = p.add_subparsers(dest="osm_command", metavar="ACTION")

    f = osm_sub.add_parser("fetch", help="download campuses, land use, networks (and buildings) via Overpass")
    f.add_argument("--area", choices=sorted(settings.OSM_AREAS), default=settings.OSM_DEFAULT_AREA,
                   help=f"study area (default {settings.OSM_DEFAULT_AREA})")
    f.add_argument("--buildings", action="store_true", help="also fetch building footprints (with building:levels and height: the floor stock "
                        "read by `corridor analyse --buildings osm`)")
    f.add_argument("--networks", type=options.comma_list(_NETWORKS, allow_empty=True),
                   default=tuple(settings.OSM_NETWORK_TYPES),
                   help="comma-separated network types, or '' for none (default walk,bike,drive)")
    f.add_argument("--require-osm", action="store_true",
                   help="fail (exit 1) instead of falling back to the embedded layers when offline")
    f.set_defaults(func=run, osm_command="fetch")

    i = osm_sub.add_parser("import", help="import a local .osm/.osm.xml/.osm.pbf (or Amap/Baidu GeoJSON/CSV)")
    i.add_argument("file", type=options.input_file, help="the file to import")
    i.add_argument("--crs", choices=("wgs84", "gcj02", "bd09"), default="wgs84",
                   help="coordinate system of the file (OSM extracts are wgs84; Amap gcj02; Baidu bd09)")
    i.add_argument("--area", choices=sorted(settings.OSM_AREAS), default=settings.OSM_DEFAULT_AREA,
                   help="study area to clip to and cache under")
    i.add_argument("--buildings", action="store_true", help="also import building footprints (the floor stock read by "
                        "`corridor analyse --buildings osm`)")
    i.add_argument("--networks", type=options.comma_list(_NETWORKS, allow_empty=True),
                   default=tuple(settings.OSM_NETWORK_TYPES),
                   help="comma-separated network types, or '' for none")
    i.set_defaults(func=run, osm_command="import")

    c = osm_sub.add_parser("conflate", help="match cached OSM features to the traced places and report")
    c.add_argument("--out", type=options.output_dir, default=None,
                   help=f"folder for conflation_report.csv/.txt (default {settings.BUILD_DIR})")
    c.set_defaults(func=run, osm_command="conflate")
    p.set_defaults(func=_usage(p))


def _usage(parser):
    def show(args) -> int:
        parser.print_help()
        return 2

    return show


def _networks(value) -> tuple[str, ...]:
    if isinstance(value, str):
        return tuple(n.strip() for n in value.split(",") if n.strip())
    return tuple(value)


def run(args) -> int:
    progress = not args.quiet
    if args.osm_command == "fetch":
        from geo.sources.osm import fetch_osm

        folder = fetch_osm(args.area, buildings=args.buildings, network_types=_networks(args.networks),
                           require_osm=args.require_osm, progress=progress)
        if folder is None:
            return 0  # the one-line fallback message has been logged
        print(f"osm: {folder}")
        return 0
    if args.osm_command == "import":
        from geo.sources.osm_file import import_osm_file

        folder = import_osm_file(args.file, area=args.area, crs=args.crs, buildings=args.buildings,
                                 network_types=_networks(args.networks), progress=progress)
        print(f"osm: {folder}")
        return 0
    from geo.sources.conflate import conflate_from_cache, format_report, write_report

    _, report, osm = conflate_from_cache(progress=progress)
    if not len(osm):
        print("osm conflate: no OpenStreetMap data cached; run `corridor osm fetch` or `corridor osm import FILE`")
        return 1
    out = args.out or settings.BUILD_DIR
    options.check_outputs(folders={"--out": out})
    from geo.io import staged_dir, unstage

    with staged_dir(out) as stage:
        csv = unstage(write_report(report, stage), stage, out)
    if not args.quiet:
        print(format_report(report), end="")
    print(f"report: {csv}")
    return 0
