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
