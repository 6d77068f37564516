"""``corridor all``: the main job behind ``make maps`` — layers, analyses, maps."""

from __future__ import annotations

import importlib

from geo import settings

#: Stages in data-flow order, each a module of :mod:`geo.commands` run with its own defaults.
STAGES = ("layers", "analyse", "maps", "coverage")


def register(sub) -> None:
    p = sub.add_parser(
        "all",
        help="build all layers, run all analyses and render all maps (what `make maps` runs)",
        description="Run every stage on the embedded data, in data-flow order, and print where the outputs are.",
    )
    p.set_defaults(func=run)


def run(args) -> int:
    from geo import cli

    parser = cli.build_parser()
    flags = [flag for flag, on in (("--quiet", args.quiet), ("--verbose", args.verbose)) if on]
    for stage in STAGES:
        # the stage's own parser defaults, plus the global flags of this run
        code = importlib.import_module(f"geo.commands.{stage}").run(parser.parse_args([*flags, stage]))
        if code:
            return code
    print("\nOutputs:")
    print(f"  layers:   {settings.geopackage_path()} (+ {settings.BUILD_DIR / 'geojson'}/)")
    print(f"  analysis: {settings.analysis_dir()}/")
    print(f"  maps:     {settings.MAPS_DIR / 'index.html'} (open in a browser)")
    return 0
