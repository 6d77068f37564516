"""The place registry: every place and figure the five documents name, and how it is mapped.

The registry is data (``layers/registry.yml``), not code.  Each place entry has

==================  ===========================================================================
``name_zh``         the name as the document writes it (or ``match:`` gives the wording to look for)
``name_en``         English name
``kind``            what it is (``campus``, ``project``, ``lake``, ``frame`` ...)
``document``        a key of ``layers/documents.yml``
``locator``         ``{section: <heading line>, para: <n>}``: the n-th non-empty line after the
                    heading (see :func:`document_paragraphs`)
``mapped``          ``{layer: ..., id: ...}`` (``within: true`` when the id is a feature that
                    *contains* the place rather than the place itself), or
``not_locatable``   the reason no geometry can exist, or
``out_of_scope``    the reason the place is named but not mapped by this toolkit
==================  ===========================================================================

An entry with none of the three is *missing*: locatable but not yet on the map.  An entry
mapped ``within`` a containing feature is *within*, counted apart and never as mapped: the
text locates it by containment alone.  Figures are not kept here: every figure the
documents give is a row of ``layers/figures.csv`` (:mod:`geo.figures`).

:func:`coverage` computes, per document, named places, mapped (a feature of their own),
within, not locatable, out of scope, missing and the share mapped of the locatable places.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import yaml

from geo import settings
from geo.errors import RegistryError

STATUSES = ("mapped", "within", "not_locatable", "out_of_scope", "missing")
_SENTENCE_PUNCT = re.compile(r"[。，,;；:：!！?？]")
_NUMBERED = re.compile(r"^([一二三四五六七八九十]+、|[(（][一二三四五六七八九十]+[)）])")


# --------------------------------------------------------------------------------------
# documents and paragraphs
# --------------------------------------------------------------------------------------
def is_heading(line: str) -> bool:
    """Whether a line of a seed text is a section heading.

    Markdown headings (``#``) always are; so are numbered headings ("一、基本情况",
    "(三)分步推进实施,加快先导项目建设") of at most 40 characters, and other lines of at most
    60 characters without sentence punctuation ("加快建设环华科大创新发展带").
    """
    text = line.strip()
    if not text:
        return False
    if text.startswith("#"):
        return True
    if text.endswith("。"):
        return False
    if _NUMBERED.match(text):
        return len(text) <= 40
    return len(text) <= 60 and not _SENTENCE_PUNCT.search(text)


def _clean_heading(line: str) -> str:
    return line.strip().lstrip("#").strip()


def document_paragraphs(text: str, *, title: str | None = None) -> list[tuple[str, int, str]]:
    """Split a document into ``(section heading, paragraph number, paragraph text)``.

    Paragraphs are the non-empty lines; each is numbered from 1 after the most recent
    heading line.  ``title`` (the document's ``title_zh``) marks the title line as a heading
    even where it carries punctuation; lines before the first heading are section ``""``;
    the n-th repeat of a heading is called ``"<heading> #n"``.  Heading
    lines are returned too, as paragraph 0 of their own section, so that a name in a
    heading can be cited.
    """
    out: list[tuple[str, int, str]] = []
    section, para = "", 0
    seen: dict[str, int] = {}
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        if is_heading(line) or (title and _squash(line) == _squash(title)):
            section, para = _clean_heading(line), 0
            seen[section] = seen.get(section, 0) + 1
            if seen[section] > 1:  # a repeated heading ("(上接第一版)") is told apart by its count
                section = f"{section} #{seen[section]}"
            out.append((section, 0, line))
            continue
        para += 1
        out.append((section, para, line))
    return out


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text.lstrip("#"))


def locate(text: str, needle: str, *, title: str | None = None) -> list[dict]:
    """All locators ``{section, para}`` whose paragraph contains ``needle``."""
    return [{"section": s, "para": p} for s, p, line in document_paragraphs(text, title=title) if needle in line]


def paragraph_at(text: str, *, section: str, para: int, title: str | None = None) -> str | None:
    """The paragraph a locator points at, or ``None`` when the locator does not resolve."""
    for s, p, line in document_paragraphs(text, title=title):
        if s == section and p == para:
            return line
    return None


def load_documents(path: Path | None = None) -> dict[str, dict]:
    """The documents the registry may cite (``layers/documents.yml``)."""
    path = Path(path) if path else settings.documents_file()
    return yaml.safe_load(path.read_text(encoding="utf-8")) or {}


def load_seed_texts(documents: Mapping[str, dict], *, seeds_dir: Path | None = None) -> dict[str, str]:
    """Texts of the documents whose seed file exists in ``seeds_dir`` (key -> text)."""
    base = Path(seeds_dir) if seeds_dir else settings.SEEDS_DIR
    texts = {}
    for key, doc in documents.items():
        path = base / str(doc.get("seed_file", ""))
        if doc.get("seed_file") and path.is_file():
            texts[key] = path.read_text(encoding="utf-8")
    return texts


# --------------------------------------------------------------------------------------
# registry
# --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Registry:
    """A loaded registry: its place entries (a list of dicts)."""

    places: list[dict]
    path: Path | None = None

    def places_frame(self) -> pd.DataFrame:
        """One row per place entry with its status, mapped layer and id."""
        rows = []
        for e in self.places:
            mapped = e.get("mapped") or {}
            rows.append({
                "name_zh": e.get("name_zh"), "name_en": e.get("name_en"), "kind": e.get("kind"),
                "document": e.get("document"), "section": (e.get("locator") or {}).get("section"),
                "para": (e.get("locator") or {}).get("para"), "status": entry_status(e),
                "layer": mapped.get("layer"), "id": mapped.get("id"), "within": bool(mapped.get("within")),
                "reason": e.get("not_locatable") or e.get("out_of_scope") or e.get("note"),
            })
        return pd.DataFrame(rows)


def entry_status(entry: Mapping) -> str:
    """``mapped``, ``within``, ``not_locatable``, ``out_of_scope`` or ``missing``."""
    if entry.get("mapped"):
        return "within" if entry["mapped"].get("within") else "mapped"
    if entry.get("not_locatable"):
        return "not_locatable"
    if entry.get("out_of_scope"):
        return "out_of_scope"
    return "missing"


def load_registry(path: Path | None = None) -> Registry:
    """Read ``layers/registry.yml`` (or ``path``) and check each entry's shape.

    Raises
    ------
    RegistryError
        If the file is missing or an entry lacks a required key, has no locator, or is
        both mapped and not locatable.
    """
    path = Path(path) if path else settings.registry_file()
    if not path.exists():
        raise RegistryError(f"{path}: registry file does not exist")
    doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if doc.get("figures"):
        raise RegistryError(f"{path}: holds figures; every figure lives in layers/figures.csv (move them there)")
    places = list(doc.get("places") or [])
    for i, e in enumerate(places):
        _check_place(e, index=i, path=path)
    return Registry(places=places, path=path)


def _where(path, index, entry, what="place") -> str:
    name = entry.get("name_zh") or entry.get("name") if isinstance(entry, Mapping) else None
    return f"{path}: {what} #{index} ({name!r})"


def _check_locator(entry, *, index, path, what) -> None:
    loc = entry.get("locator")
    if not (isinstance(loc, Mapping) and isinstance(loc.get("section"), str)
            and isinstance(loc.get("para"), int) and not isinstance(loc.get("para"), bool)):
        raise RegistryError(f"{_where(path, index, entry, what)}: lacks a locator {{section, para}}")


def _check_place(e, *, index, path) -> None:
    if not isinstance(e, Mapping):
        raise RegistryError(f"{path}: place #{index} is not a mapping")
    missing = [k for k in ("name_zh", "name_en", "kind", "document") if not e.get(k)]
    if missing:
        raise RegistryError(f"{_where(path, index, e)}: missing {', '.join(missing)}")
    _check_locator(e, index=index, path=path, what="place")
    set_ = [k for k in ("mapped", "not_locatable", "out_of_scope") if e.get(k)]
    if len(set_) > 1:
        raise RegistryError(f"{_where(path, index, e)}: has both {' and '.join(set_)}")
    mapped = e.get("mapped")
    if mapped is not None and not (isinstance(mapped, Mapping) and mapped.get("layer") and mapped.get("id")):
        raise RegistryError(f"{_where(path, index, e)}: mapped needs layer and id")


def validate_registry(
    registry: Registry,
    layers: Mapping[str, pd.DataFrame],
    *,
    documents: Mapping[str, dict],
) -> list[str]:
    """Check the registry against the built layers and the documents; return the problems.

    * every entry cites a document in ``documents``;
    * every mapped entry names a layer that exists and an id in that layer;
    * every feature of ``layers`` whose ``ref`` cites documents cites only known ones.

    An empty list means the registry is consistent.
    """
    problems: list[str] = []
    ids = {name: set(gdf["id"]) for name, gdf in layers.items()}
    for e in registry.places:
        label = f"place {e.get('name_zh')!r} ({e.get('document')})"
        if e.get("document") not in documents:
            problems.append(f"{label}: cites unknown document {e.get('document')!r}")
        mapped = e.get("mapped")
        if mapped:
            layer, fid = mapped.get("layer"), mapped.get("id")
            if layer not in ids:
                problems.append(f"{label}: mapped to layer {layer!r}, which does not exist")
            elif fid not in ids[layer]:
                problems.append(f"{label}: mapped to id {fid!r}, which is not in layer {layer!r}")
    for name, gdf in layers.items():
        if "ref" not in gdf.columns:
            continue
        for fid, ref in zip(gdf["id"], gdf["ref"].fillna(""), strict=True):
            for key in filter(None, (k.strip() for k in str(ref).split(";"))):
                if key not in documents:
                    problems.append(f"layer {name!r} feature {fid!r}: ref cites {key!r}, not in the registry's documents")
    return problems


def check_against_texts(
    registry: Registry, texts: Mapping[str, str], *, documents: Mapping[str, dict] | None = None
) -> list[str]:
    """Check names and locators against the document texts; return the problems.

    For each place whose document text is available: the
    name (or its ``match`` string) must occur in the document, and the locator must resolve
    to a paragraph containing it.  A failing locator's message suggests the right one.
    ``documents`` supplies each document's ``title_zh`` (its title line is a heading).
    """
    problems: list[str] = []
    entries = [("place", e, e.get("match") or e.get("name_zh")) for e in registry.places]
    for what, e, needle in entries:
        text = texts.get(e.get("document"))
        if text is None:
            continue
        label = f"{what} {e.get('name_zh') or e.get('name')!r} ({e.get('document')})"
        if needle not in text:
            problems.append(f"{label}: {needle!r} does not occur in the document (add a `match:`?)")
            continue
        loc = e.get("locator") or {}
        title = ((documents or {}).get(e.get("document")) or {}).get("title_zh")
        para = paragraph_at(text, section=loc.get("section"), para=loc.get("para"), title=title)
        if para is None or needle not in para:
            found = locate(text, needle, title=title)
            problems.append(f"{label}: locator {dict(loc)} does not point at {needle!r}; it occurs at {found[:3]}")
    return problems


# --------------------------------------------------------------------------------------
# coverage
# --------------------------------------------------------------------------------------
COVERAGE_COLUMNS = (
    "document", "title_zh", "named", "mapped", "within", "not_locatable", "out_of_scope",
    "missing", "locatable", "share_mapped",
)


def coverage(
    registry: Registry,
    *,
    documents: Mapping[str, dict],
    layers: Mapping[str, pd.DataFrame] | None = None,
) -> pd.DataFrame:
    """Coverage per document.

    Parameters
    ----------
    registry : Registry
    documents : mapping
        Document key -> metadata (``title_zh``); every key gets a row, in this order.
    layers : mapping of layer name -> frame, optional
        When given, a ``mapped`` entry whose layer/id does not exist counts as *missing*.

    Returns
    -------
    pandas.DataFrame
        One row per document and a final ``total`` row: ``named`` place entries, ``mapped``
        (a feature of their own), ``within`` (located only inside a containing feature; not
        mapped), ``not_locatable``, ``out_of_scope``, ``missing``, ``locatable`` (= named -
        not_locatable - out_of_scope) and ``share_mapped`` = mapped / locatable (NaN when
        nothing is locatable).
    """
    ids = {n: set(g["id"]) for n, g in layers.items()} if layers is not None else None
    counts = {k: dict.fromkeys(COVERAGE_COLUMNS[2:-2], 0) for k in documents}
    for e in registry.places:
        doc = e.get("document")
        if doc not in counts:
            continue
        status = entry_status(e)
        mapped = e.get("mapped") or {}
        if status in ("mapped", "within") and ids is not None and mapped.get("id") not in ids.get(mapped.get("layer"), ()):
            status = "missing"
        row = counts[doc]
        row["named"] += 1
        row[status] += 1
    rows = []
    for key, row in counts.items():
        rows.append({"document": key, "title_zh": (documents[key] or {}).get("title_zh", ""), **row})
    frame = pd.DataFrame(rows, columns=list(COVERAGE_COLUMNS[:-2]))
    total = {"document": "total", "title_zh": "", **{c: int(frame[c].sum()) for c in COVERAGE_COLUMNS[2:-2]}}
    frame = pd.concat([frame, pd.DataFrame([total])], ignore_index=True)
    frame["locatable"] = frame["named"] - frame["not_locatable"] - frame["out_of_scope"]
    frame["share_mapped"] = (frame["mapped"] / frame["locatable"].where(frame["locatable"] > 0)).round(4)
    return frame


def missing_places(registry: Registry, documents: Iterable[str] | None = None) -> pd.DataFrame:
    """Place entries that are locatable but not mapped (optionally for some documents)."""
    frame = registry.places_frame()
    frame = frame[frame["status"] == "missing"]
    if documents is not None:
        frame = frame[frame["document"].isin(list(documents))]
    return frame.reset_index(drop=True)
