"""``corridor analyse``: land supply, proximity, corridor figures and raster surfaces."""

from __future__ import annotations

import logging
from pathlib import Path

from geo import settings
from geo.commands import options
from geo.errors import UsageError

log = logging.getLogger("corridor")


def register(sub) -> None:
    p = sub.add_parser(
        "analyse",
        help="run the land-supply, proximity, corridor and raster analyses (layers/build/analysis/)",
        description=(
            "Run every analysis on the built layers (or the sources when not built) and write "
            "analysis.gpkg, distance_to_campus.tif, travel_time_walk.tif, CSVs and provenance.json. "
            "With --network osm the OpenStreetMap street network is used "
            "(© OpenStreetMap contributors, ODbL)."
        ),
    )
    p.add_argument("--out", type=options.output_dir, default=None,
                   help=f"output folder (default {settings.analysis_dir()})")
    p.add_argument("--network", choices=("traced", "osm"), default="traced",
                   help="street network: the traced arterial network (default, offline) or an OSM graph")
    p.add_argument("--osm-graph", type=Path, default=None,
                   help="street network for --network osm: an osmnx GraphML file, or an osmnx edge list "
                        "(u, v, key, highway, geometry; optional oneway) as GeoParquet (.parquet) or GeoPackage "
                        f"(.gpkg) (default: newest *.graphml under {settings.OSM_DIR})")
    p.add_argument("--osm-fetch", action="store_true",
                   help="with --network osm: download the street network of the analysis area live "
                        "(osmnx graph_from_polygon; needs the internet)")
    p.add_argument("--landuse", type=_file_or_osm, default=None,
                   help="OSM land-use polygons for the land classes: a GeoPackage/GeoJSON/GeoParquet file, or "
                        "'osm' for the OSM cache (`corridor osm fetch/import`)")
    p.add_argument("--buildings", type=_file_or_osm, default=None,
                   help="buildings for the existing floor stock: 'osm' for the OSM cache (`corridor osm fetch "
                        "--buildings`, `corridor osm import FILE --buildings`), or a file (.osm, GeoJSON, GeoPackage); "
                        "without it the stock is reported as unknown")
    p.add_argument("--grid-m", type=options.positive_float, default=settings.RASTER_GRID_M,
                   help=f"raster cell size in metres (default {settings.RASTER_GRID_M:g})")
    p.set_defaults(func=run)


def _file_or_osm(text: str):
    """``osm`` (the OSM cache) or an existing readable file."""
    return "osm" if text == "osm" else options.input_file(text)


def run(args) -> int:
    from geo.analysis.pipeline import load_buildings, load_landuse, run_analysis

    fetch = bool(getattr(args, "osm_fetch", False))
    if fetch and args.network != "osm":
        raise UsageError("--osm-fetch needs --network osm")
    files = {k: v for k, v in (("--landuse", args.landuse), ("--buildings", args.buildings),
                               ("--osm-graph", getattr(args, "osm_graph", None))) if isinstance(v, Path)}
    options.check_outputs(inputs=files, folders={"--out": args.out or settings.analysis_dir()})
    landuse, landuse_coverage = load_landuse(args.landuse)
    buildings = load_buildings(args.buildings)
    result = run_analysis(out_dir=args.out, network_kind=args.network, osm_graph=getattr(args, "osm_graph", None),
                          fetch=fetch, grid_m=args.grid_m, landuse=landuse, landuse_coverage=landuse_coverage,
                          buildings=buildings, progress=not args.quiet)
    comps = result["components"]
    if not args.quiet:
        net = result["provenance"]["network"]
        print(f"network: {net['kind']}, {net['nodes']} nodes, {net['edges']} edges, {net['length_km']:.1f} km, "
              f"{len(comps)} component(s)")
        for row in result["unconnected_roads"].itertuples():
            print(f"  road {row.road_id} does not meet the main network (gap {row.gap_m:.0f} m)")
        circle = result["provenance"].get("supply_chain_circle")
        if circle:
            print(f"one-hour supply-chain circle from {circle['id']}: {circle['area_km2']:.0f} km² within "
                  f"{circle['minutes']} min by car (document: {circle['doc_area_km2']:.0f} km²)")
    print(f"analysis: {result['out_dir']}")
    return 0
