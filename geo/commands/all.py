"""``corridor all``: the main job behind ``make maps`` — layers, analyses, maps."""

from __future__ import annotations

import importlib
import logging

log = logging.getLogger("corridor")

#: Stages in data-flow order; a stage whose module is absent is skipped with a note.
STAGES = ("layers", "analyse", "maps", "coverage")


def register(sub) -> None:
    p = sub.add_parser(
        "all",
        help="build all layers, run all analyses and render all maps (what `make maps` runs)",
        description="Run every stage on the embedded data, in data-flow order, and print where the outputs are.",
    )
    p.set_defaults(func=run)


def run(args) -> int:
    outputs = []
    for stage in STAGES:
        try:
            module = importlib.import_module(f"geo.commands.{stage}")
        except ModuleNotFoundError:
            log.info("stage %s: not available in this version, skipped", stage)
            continue
        stage_args = _defaults_for(stage, args)
        code = module.run(stage_args)
        if code:
            return code
        outputs.append(stage)
    from geo import settings

    print("\nOutputs:")
    print(f"  layers:   {settings.BUILD_DIR / settings.GEOPACKAGE_NAME} (+ {settings.BUILD_DIR / 'geojson'}/)")
    if "analyse" in outputs:
        print(f"  analysis: {settings.BUILD_DIR / 'analysis'}/")
    if "maps" in outputs:
        print(f"  maps:     {settings.MAPS_DIR / 'index.html'} (open in a browser)")
    return 0


def _defaults_for(stage: str, args):
    """The stage's own parser defaults, plus the global flags of this run."""
    import argparse

    from geo import cli

    parser = cli.build_parser()
    stage_args = parser.parse_args([stage])
    stage_args.quiet = getattr(args, "quiet", False)
    stage_args.verbose = getattr(args, "verbose", False)
    return argparse.Namespace(**vars(stage_args))
