"""``corridor layers``: validate every layer and write the GeoPackage and GeoJSON."""

from __future__ import annotations

from pathlib import Path

from geo import settings


def register(sub) -> None:
    p = sub.add_parser(
        "layers",
        help="build all layers into layers/build/corridor.gpkg (+ GeoJSON per layer)",
        description=(
            "Validate every committed source layer (schema, CRS, geometry, study region, "
            "unique ids) and write layers/build/corridor.gpkg with one table per layer, "
            "plus one GeoJSON per layer. Nothing is written if any feature fails."
        ),
    )
    p.add_argument("--out", type=Path, default=None, help=f"output folder (default {settings.BUILD_DIR})")
    p.add_argument("--osm", action="store_true", help="prefer OpenStreetMap geometry where a match is sure")
    p.set_defaults(func=run)


def run(args) -> int:
    from geo.layers import build_layers

    if getattr(args, "osm", False):
        from geo.sources.conflate import build_layers_with_osm

        gpkg = build_layers_with_osm(out_dir=args.out, progress=not args.quiet)
    else:
        gpkg = build_layers(out_dir=args.out, progress=not args.quiet)
    print(f"layers: {gpkg}")
    return 0
