"""``corridor layers``: validate every layer and write the GeoPackage and GeoJSON."""

from __future__ import annotations

from geo import settings
from geo.commands import options


def register(sub) -> None:
    p = sub.add_parser(
        "layers",
        help="build all layers into layers/build/corridor.gpkg (+ GeoJSON per layer)",
        description=(
            "Validate every committed source layer (schema, CRS, geometry, study region, "
            "unique ids) and write layers/build/corridor.gpkg with one table per layer, "
            "plus one GeoJSON per layer. Nothing is written if any feature fails; the outputs "
            "are staged and swapped in together, so the GeoPackage and the GeoJSON always agree. "
            "A source declared WGS-84 whose features sit at the GCJ-02 or BD-09 offset is flagged "
            "(a warning; an error with --strict)."
        ),
    )
    p.add_argument("--out", type=options.output_dir, default=None,
                   help=f"output folder (default {settings.BUILD_DIR})")
    p.add_argument("--osm", action="store_true", help="prefer OpenStreetMap geometry where a match is sure")
    p.add_argument("--strict", action="store_true",
                   help="fail (exit 1) when a source declared WGS-84 sits at the GCJ-02/BD-09 offset")
    p.set_defaults(func=run)


def run(args) -> int:
    from geo.io import staged_dir, unstage
    from geo.layers import LAYER_SPECS, build_layers

    out = args.out or settings.BUILD_DIR
    options.check_outputs(folders={"--out": out})
    for spec in LAYER_SPECS.values():  # a GBK-encoded source is named before anything is read
        for rel in spec.sources:
            options.check_utf8(settings.LAYERS_DIR / rel, what="GeoJSON source")
    strict_before = settings.CRS_SHIFT_STRICT
    settings.CRS_SHIFT_STRICT = bool(getattr(args, "strict", False)) or strict_before
    try:
        with staged_dir(out) as stage:
            if getattr(args, "osm", False):
                from geo.sources.conflate import build_layers_with_osm

                gpkg = build_layers_with_osm(out_dir=stage, progress=not args.quiet)
            else:
                gpkg = build_layers(out_dir=stage, progress=not args.quiet)
    finally:
        settings.CRS_SHIFT_STRICT = strict_before
    print(f"layers: {unstage(gpkg, stage, out)}")
    return 0
