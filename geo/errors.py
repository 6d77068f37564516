"""The toolkit's exception types: each says precisely what went wrong, and where."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


class CorridorError(Exception):
    """Base class for every error the toolkit raises on purpose."""


class CoordinateSystemError(CorridorError, ValueError):
    """A coordinate system is missing, unknown, or not what the data claims."""


class LayerValidationError(CorridorError, ValueError):
    """A layer file or feature fails validation.

    Parameters
    ----------
    problem : str
        What is wrong, in words a user can act on.
    path : str or path-like, optional
        The file the feature came from.
    feature_id : str, optional
        The id of the offending feature (or its index when it has no id).
    layer : str, optional
        The layer being validated.
    """

    def __init__(self, problem: str, *, path=None, feature_id=None, layer=None):
        self.problem = problem
        self.path = str(path) if path is not None else None
        self.feature_id = feature_id
        self.layer = layer
        where = []
        if self.path:
            where.append(f"file {self.path}")
        if layer:
            where.append(f"layer {layer!r}")
        if feature_id is not None:
            where.append(f"feature {feature_id!r}")
        prefix = ", ".join(where)
        super().__init__(f"{prefix}: {problem}" if prefix else problem)


class OSMUnavailableError(CorridorError, RuntimeError):
    """OpenStreetMap could not be reached (no network, Overpass down or rate-limited)."""


class RegistryError(CorridorError, ValueError):
    """The place registry disagrees with the layers or the documents."""


class AnalysisMissingError(CorridorError, FileNotFoundError):
    """A map needs ``corridor analyse`` outputs that are not there."""


class PointsMissingError(CorridorError, FileNotFoundError):
    """A map needs ``corridor points zones`` outputs (``zone_points.gpkg``) that are not there."""


class ExportError(CorridorError, RuntimeError):
    """An export could not be written (no browser, a map missing, a writer failed)."""


@dataclass
class StageReport:
    """What a batch stage (maps, exports) wrote and what failed, keyed by item name.

    A failed item does not stop the others; the command reports every failure at the
    end and exits non-zero when ``ok`` is false.
    """

    written: dict[str, Path] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.failed


class FigureTableError(CorridorError, ValueError):
    """The figure table (``layers/figures.csv``) or the assumptions table is malformed or disagrees with the layers."""


class CatalogueError(CorridorError, ValueError):
    """The layer catalogue (``layers/catalogue.yml``) is missing or malformed."""


class AnchorError(CorridorError, ValueError):
    """The reference anchor table (``layers/anchors.csv``) is malformed or names an unknown feature."""


class UsageError(CorridorError, ValueError):
    """The command line asks for something impossible (an output equal to an input, ``/`` as ``--out``).

    The CLI reports it like an argparse error: one line, exit code 2.
    """


class OutputPathError(UsageError):
    """An output location that must not or cannot be written (a system folder, an input, read-only)."""


class InputFileError(CorridorError, ValueError):
    """An input file that cannot be read as what it claims to be (encoding, format, truncation)."""

    def __init__(self, problem: str, *, path=None, where: str | None = None):
        self.problem = problem
        self.path = str(path) if path is not None else None
        prefix = ", ".join(p for p in (self.path, where) if p)
        super().__init__(f"{prefix}: {problem}" if prefix else problem)


class CacheRefusedError(CorridorError, RuntimeError):
    """A new OSM result was not complete enough to replace the cache; the old cache was kept."""


_ERRNO_HINTS = {
    28: "no space left on the device; free some space or choose another --out (nothing was replaced)",
    30: "the file system is read-only; choose a writable folder with --out (nothing was replaced)",
    13: "permission denied; choose a folder you can write to with --out, or fix its permissions",
    122: "disk quota exceeded; free some space or choose another --out (nothing was replaced)",
}


def describe(exc: BaseException) -> str:
    """One line for a user: what went wrong and, where the type tells it, what to do.

    Errors the toolkit raises on purpose already carry such a line; errors of the
    environment (permissions, a full disk, unreadable files from GDAL, Arrow, pyosmium)
    are translated here so that no traceback reaches the user.
    """
    if isinstance(exc, CorridorError):
        return str(exc)
    if isinstance(exc, UnicodeDecodeError):
        return (f"a file is not UTF-8 text (byte 0x{exc.object[exc.start]:02x} at offset {exc.start}); "
                "convert it to UTF-8, or pass --encoding (for example --encoding gbk) where the command has it")
    if isinstance(exc, OSError):
        where = exc.filename if exc.filename is not None else None
        hint = _ERRNO_HINTS.get(exc.errno or -1)
        if isinstance(exc, FileNotFoundError) and where is not None:
            return f"{where}: no such file or folder; check the path"
        if isinstance(exc, IsADirectoryError) and where is not None:
            return f"{where} is a folder, not a file; give a file path"
        if isinstance(exc, NotADirectoryError) and where is not None:
            return f"{where}: a part of this path is a file, not a folder; give a folder path"
        if hint:
            return f"{where}: {hint}" if where is not None else hint
        text = exc.strerror or str(exc)
        return f"{where}: {text}" if where is not None else text
    name = type(exc).__module__.split(".")[0]
    if name in ("pyogrio", "rasterio", "fiona", "pyarrow", "osmium", "xml", "shapely", "yaml"):
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return (f"{name} failed: {first}. Check that the input files are complete and of the type their names "
                "say, and that the output folder has space")
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return (f"unexpected {type(exc).__name__}{': ' + first if first else ''}. "
            "This is probably a bug: run again with -v for the traceback and report it")
