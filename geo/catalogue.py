"""The layer catalogue (``layers/catalogue.yml``): the one list of every layer.

:func:`layer_specs` turns it into :class:`~geo.schema.LayerSpec` objects for the build,
:func:`markdown_table` renders the table in ``layers/README.md`` (a test checks the two
agree), and the maps take each layer's legend title from :func:`layer_titles`.

Run ``python -m geo.catalogue --markdown`` to print the README table.
"""

from __future__ import annotations

import argparse
import sys
from functools import lru_cache
from pathlib import Path

import yaml

from geo import settings
from geo.errors import CatalogueError
from geo.schema import LINEAR, POLYGONAL, PUNTAL, LayerSpec

GEOMETRY_TYPES = {"polygon": POLYGONAL, "line": LINEAR, "point": PUNTAL}
_GEOMETRY_WORDS = {"polygon": "Polygon", "line": "LineString", "point": "Point"}
REQUIRED_KEYS = ("name", "title_zh", "title_en", "geometry", "sources", "summary", "holds")


def load_catalogue(path: str | Path | None = None) -> list[dict]:
    """The catalogue's layer entries, checked (default :func:`geo.settings.catalogue_file`).

    Raises
    ------
    CatalogueError
        Naming the file, the entry and what to fix.
    """
    path = Path(path) if path is not None else settings.catalogue_file()
    return list(_load(str(path), path.stat().st_mtime_ns if path.exists() else 0))


@lru_cache(maxsize=8)
def _load(path_text: str, _mtime: int) -> tuple[dict, ...]:
    path = Path(path_text)
    if not path.is_file():
        raise CatalogueError(f"{path}: the layer catalogue does not exist")
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise CatalogueError(f"{path}: not valid YAML ({exc})") from None
    entries = doc.get("layers") if isinstance(doc, dict) else None
    if not isinstance(entries, list) or not entries:
        raise CatalogueError(f"{path}: needs a non-empty list under 'layers:'")
    seen = set()
    for i, entry in enumerate(entries):
        where = f"{path}: layer #{i + 1} ({entry.get('name') if isinstance(entry, dict) else entry!r})"
        if not isinstance(entry, dict):
            raise CatalogueError(f"{where}: is not a mapping")
        missing = [k for k in REQUIRED_KEYS if not entry.get(k)]
        if missing:
            raise CatalogueError(f"{where}: lacks {', '.join(missing)}")
        if entry["geometry"] not in GEOMETRY_TYPES:
            raise CatalogueError(f"{where}: geometry must be one of {', '.join(GEOMETRY_TYPES)}")
        if entry["name"] in seen:
            raise CatalogueError(f"{where}: the name is used twice")
        seen.add(entry["name"])
    return tuple(entries)


def layer_specs(path: str | Path | None = None) -> dict[str, LayerSpec]:
    """``{layer name: LayerSpec}`` in catalogue order."""
    return {
        e["name"]: LayerSpec(
            e["name"], e["title_en"], e["title_zh"], tuple(e["sources"]), GEOMETRY_TYPES[e["geometry"]],
            e["summary"],
        )
        for e in load_catalogue(path)
    }


def attribute_sources(path: str | Path | None = None) -> dict[str, str]:
    """``{layer: attribute table}`` for layers that join a plain-JSON table by feature name."""
    return {e["name"]: e["attributes"] for e in load_catalogue(path) if e.get("attributes")}


def layer_titles(path: str | Path | None = None) -> dict[str, tuple[str, str]]:
    """``{layer: (title_zh, title_en)}``: what legends and layer lists show."""
    return {e["name"]: (e["title_zh"], e["title_en"]) for e in load_catalogue(path)}


def markdown_table(path: str | Path | None = None) -> str:
    """The layer table of ``layers/README.md``, rendered from the catalogue."""
    lines = ["| layer | title | geometry | source file(s) | what it holds |", "|---|---|---|---|---|"]
    for e in load_catalogue(path):
        files = ", ".join(f"`{s}`" for s in e["sources"])
        if e.get("attributes"):
            files += f" + `{e['attributes']}`"
        lines.append(f"| `{e['name']}` | {e['title_zh']} / {e['title_en']} | {_GEOMETRY_WORDS[e['geometry']]} "
                     f"| {files} | {' '.join(str(e['holds']).split())} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m geo.catalogue", description=__doc__.splitlines()[0])
    parser.add_argument("--markdown", action="store_true", help="print the layers/README.md table")
    args = parser.parse_args(argv)
    try:
        if args.markdown:
            print(markdown_table())
        else:
            for name, (zh, en) in layer_titles().items():
                print(f"{name}\t{zh}\t{en}")
    except CatalogueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
