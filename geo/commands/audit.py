"""``corridor audit``: every feature's distance to its reference anchors, against its stated uncertainty."""

from __future__ import annotations

from pathlib import Path

from geo import settings


def register(sub) -> None:
    p = sub.add_parser(
        "audit",
        help="check every feature against its independent reference anchors (layers/anchors.csv)",
        description=(
            "Measure, in UTM 50N, how far each reference anchor (metro stations, OSM university "
            "points, published coordinates; see layers/anchors.csv) lies from the feature it pins, "
            "and print it next to the feature's stated uncertainty_m. Exits 1 when any anchor lies "
            "farther off than the feature claims to be accurate. Reads the committed sources, so run "
            "it right after editing a GeoJSON (e.g. in QGIS)."
        ),
    )
    p.add_argument("--anchors", type=Path, default=None,
                   help=f"anchor table (default {settings.anchors_file()})")
    p.add_argument("--build-dir", type=Path, default=None,
                   help="audit the layers of this build folder's corridor.gpkg instead of the committed sources")
    p.add_argument("--csv", type=Path, default=None, help="also write the measurements to this CSV")
    p.add_argument("--failures-only", action="store_true", help="print only the relations that fail")
    p.set_defaults(func=run)


def run(args) -> int:
    from geo.audit import audit, format_report, load_anchors
    from geo.io import write_text
    from geo.layers import load_all_sources, load_layers

    anchors = load_anchors(args.anchors)
    if args.build_dir:
        layers = load_layers(build_dir=args.build_dir)
    else:
        layers = load_all_sources(progress=not args.quiet)
    result = audit(anchors, layers)
    shown = result[~result["passed"]] if args.failures_only else result
    if not args.quiet or not result["passed"].all():
        print(format_report(shown) if len(shown) else "every anchor relation holds")
    if args.csv:
        write_text(result.to_csv(index=False), args.csv)
        print(f"audit: {args.csv}")
    return 0 if result["passed"].all() else 1
