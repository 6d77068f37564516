"""The figure table: every number the policy documents give, in one place.

``layers/figures.csv`` holds one row per figure, on the subject its sentence is about (a
district, a core area, a building), with the document's own words and a locator.  Nothing
else in the repository holds a figure: the layer build joins these rows onto features
(:func:`join_figures`), and analyses, maps and notebooks read targets from here
(:func:`load_figures`, :func:`targets`).

``layers/assumptions.csv`` is its sibling: every parameter the toolkit *assumes* (floor-area
ratios, developable shares), each with a low, central and high value, so that an assumption
never looks like a finding.

Columns of the figure table
===========================
=================  =============================================================================
``id``             unique ASCII id ``<document>:<subject>:<name>``; the table is sorted by it
``document``       a key of ``layers/documents.yml`` (empty for ``derived`` rows)
``section``        locator: the heading line the paragraph follows (see :mod:`geo.registry`)
``para``           locator: the n-th non-empty line after that heading
``subject_layer``  layer of the feature the sentence is about (empty when it is not a place)
``subject_id``     id of that feature
``subject_name_zh`` the subject as the document names it
``scope``          ``place`` / ``zone`` / ``district`` / ``city``
``name``           snake_case figure name, beginning with the quantity
``quantity``       ``floor_area``, ``land_area``, ``area``, ``length``, ``count``, ``money``,
                   ``share`` or ``year``
``status``         ``actual`` (a reported fact), ``target`` (a goal) or ``planned`` (a project's
                   designed size)
``value``          the number in SI units (m², m, yuan, count, percent, year)
``unit``           ``m2``, ``km2``, ``ha``, ``mu``, ``count``, ``yuan``, ``percent``, ``year``
                   (lengths: ``m``)
``original``       the document's own words for the number, verbatim at the locator
``doc_value``      the number as the document writes it (22 of 22万方)
``doc_unit``       the document's unit (万方, 亩, 亿元, 家, 平方公里 ...)
``horizon``        when it holds: ``2023 actual``, ``3-5 years from 2021-06``, ``by 2028`` ...
``year_from``      the horizon as calendar years (first)
``year_to``        ... and last
``kind``           ``document`` (given by a document) or ``derived`` (computed from others)
``note``           what a planner must know (lower bounds, ambiguity, what is counted)
=================  =============================================================================
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from pathlib import Path

import pandas as pd

from geo import settings
from geo.errors import FigureTableError
from geo.io import read_table_csv

FIGURE_COLUMNS = (
    "id", "document", "section", "para", "subject_layer", "subject_id", "subject_name_zh", "scope",
    "name", "quantity", "status", "value", "unit", "original", "doc_value", "doc_unit", "horizon",
    "year_from", "year_to", "kind", "note",
)
REQUIRED = ("id", "name", "quantity", "status", "value", "unit", "kind", "scope")
UNITS = ("m2", "km2", "ha", "mu", "count", "yuan", "percent", "year", "m")
#: Factor from each area unit to m² (the SI unit every area is compared in).
M2_PER_UNIT = {"m2": 1.0, "km2": settings.M2_PER_KM2, "ha": settings.M2_PER_HA, "mu": settings.M2_PER_MU}
QUANTITIES = ("floor_area", "land_area", "area", "length", "count", "money", "share", "year")
STATUSES = ("actual", "target", "planned")
SCOPES = ("place", "zone", "district", "city")
KINDS = ("document", "derived")
#: Units each quantity may be given in.
_QUANTITY_UNITS = {
    "floor_area": ("m2", "km2", "ha", "mu"), "land_area": ("m2", "km2", "ha", "mu"),
    "area": ("m2", "km2", "ha", "mu"), "length": ("m",), "count": ("count",), "money": ("yuan",),
    "share": ("percent",), "year": ("year",),
}
_ID = re.compile(r"^[a-z0-9_]+:[a-z0-9-]+:[a-z0-9_]+(-[0-9]+)?$")
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")

ASSUMPTION_COLUMNS = ("id", "parameter", "applies_to", "scenario", "low", "central", "high", "unit",
                      "kind", "basis", "note")
ASSUMPTION_PARAMETERS = ("far", "developable_share")


# --------------------------------------------------------------------------------------
# reading and checking
# --------------------------------------------------------------------------------------
def load_figures(path: str | Path | None = None, *, documents: Mapping | None = None) -> pd.DataFrame:
    """Read and check the figure table (default :func:`geo.settings.figures_file`).

    Parameters
    ----------
    path : path, optional
        A figure table CSV (UTF-8).
    documents : mapping, optional
        Document keys that ``document`` may name (default: ``layers/documents.yml``).

    Returns
    -------
    pandas.DataFrame
        One row per figure, columns :data:`FIGURE_COLUMNS` (``value`` float, ``para``,
        ``year_from`` and ``year_to`` nullable integers, text columns ``""`` where empty).

    Raises
    ------
    FigureTableError
        Naming the file, the row (by its id and line number) and what to fix.
    """
    path = Path(path) if path is not None else settings.figures_file()
    table = read_table_csv(path, columns=FIGURE_COLUMNS, error=FigureTableError)
    if documents is None:
        from geo.registry import load_documents

        documents = load_documents()
    _check_figures(table, path=path, documents=documents)
    return table


def _row_error(path: Path, i: int, row, problem: str) -> FigureTableError:
    return FigureTableError(f"{path}: line {i + 2} (id {row.get('id') or '?'!r}): {problem}")


def _number(text: str, *, what: str, path, i, row, integer: bool = False):
    if text == "":
        return None
    try:
        value = float(text)
    except ValueError:
        raise _row_error(path, i, row, f"{what} {text!r} is not a number") from None
    if not math.isfinite(value):
        raise _row_error(path, i, row, f"{what} {text!r} is not a finite number")
    if integer:
        if value != int(value):
            raise _row_error(path, i, row, f"{what} {text!r} is not a whole number")
        return int(value)
    return value


def _check_figures(table: pd.DataFrame, *, path: Path, documents: Mapping) -> None:
    values, paras, year_from, year_to = [], [], [], []
    for i, row in enumerate(table.to_dict("records")):
        for col in REQUIRED:
            if not row[col].strip():
                raise _row_error(path, i, row, f"empty {col}")
        if not _ID.match(row["id"]):
            raise _row_error(path, i, row, "id must be <document>:<subject>:<name> in ASCII (a-z, 0-9, -, _)")
        if not _NAME.match(row["name"]):
            raise _row_error(path, i, row, f"name {row['name']!r} must be snake_case ASCII")
        for col, allowed in (("unit", UNITS), ("quantity", QUANTITIES), ("status", STATUSES),
                             ("scope", SCOPES), ("kind", KINDS)):
            if row[col] not in allowed:
                raise _row_error(path, i, row, f"{col} {row[col]!r} is not one of {', '.join(allowed)}")
        if row["unit"] not in _QUANTITY_UNITS[row["quantity"]]:
            raise _row_error(path, i, row, f"a {row['quantity']} cannot be in {row['unit']!r}; use "
                             f"{' or '.join(_QUANTITY_UNITS[row['quantity']])}")
        if row["kind"] == "document":
            if row["document"] not in documents:
                raise _row_error(path, i, row, f"document {row['document']!r} is not a key of layers/documents.yml")
            if not (row["section"] or row["para"]) or not row["original"]:
                raise _row_error(path, i, row, "a document figure needs its locator (section, para) and original")
        if bool(row["subject_layer"]) != bool(row["subject_id"]):
            raise _row_error(path, i, row, "give both subject_layer and subject_id, or neither")
        values.append(_number(row["value"], what="value", path=path, i=i, row=row))
        if values[-1] is None:
            raise _row_error(path, i, row, "empty value")
        paras.append(_number(row["para"], what="para", path=path, i=i, row=row, integer=True))
        year_from.append(_number(row["year_from"], what="year_from", path=path, i=i, row=row, integer=True))
        year_to.append(_number(row["year_to"], what="year_to", path=path, i=i, row=row, integer=True))
    dup = table["id"][table["id"].duplicated()]
    if len(dup):
        raise FigureTableError(f"{path}: id {dup.iloc[0]!r} appears more than once; ids must be unique")
    if list(table["id"]) != sorted(table["id"]):
        first = next(a for a, b in zip(table["id"], sorted(table["id"]), strict=True) if a != b)
        raise FigureTableError(f"{path}: rows are not sorted by id (first out of place: {first!r}); sort the table by id")
    table["value"] = values
    table["para"] = pd.array(paras, dtype="Int64")
    table["year_from"] = pd.array(year_from, dtype="Int64")
    table["year_to"] = pd.array(year_to, dtype="Int64")


def value_m2(row: Mapping) -> float:
    """An area figure's value in m² (whatever area unit the row uses)."""
    return float(row["value"]) * M2_PER_UNIT[row["unit"]]


# --------------------------------------------------------------------------------------
# figures on features
# --------------------------------------------------------------------------------------
def figure_record(row: Mapping) -> dict:
    """One figure as the dict features carry in ``figures_json`` (empty fields left out).

    ``ref`` is the document key (the citation the render side shows by title).
    """
    rec = {"id": row["id"], "name": row["name"], "value": float(row["value"]), "unit": row["unit"]}
    for key in ("quantity", "status", "original", "doc_value", "doc_unit", "horizon", "section",
                "scope", "subject_name_zh", "note"):
        val = row.get(key)
        if val not in ("", None) and not (isinstance(val, float) and math.isnan(val)):
            rec[key] = val
    if row.get("document"):
        rec["ref"] = row["document"]
    for key in ("para", "year_from", "year_to"):
        val = row.get(key)
        if val is not None and not pd.isna(val):
            rec[key] = int(val)
    return rec


def figures_by_subject(table: pd.DataFrame) -> dict[tuple[str, str], list[dict]]:
    """``{(subject_layer, subject_id): [figure dicts]}`` of the rows that are about a feature."""
    out: dict[tuple[str, str], list[dict]] = {}
    for row in table[table["subject_id"] != ""].to_dict("records"):
        out.setdefault((row["subject_layer"], row["subject_id"]), []).append(figure_record(row))
    return out


def join_figures(layers: Mapping[str, pd.DataFrame], table: pd.DataFrame, *,
                 check_subjects: bool = True) -> dict:
    """Join the figure table onto layers: ``figures_json`` plus flat ``<name>_<unit>`` columns.

    Parameters
    ----------
    layers : mapping of layer name to GeoDataFrame
    table : DataFrame
        The figure table (:func:`load_figures`).
    check_subjects : bool
        Also check that every row's subject in these layers is one of their features.

    Raises
    ------
    FigureTableError
        If a row names a subject that is not a feature of its layer.
    """
    from geo.schema import flatten_figures

    by_subject = figures_by_subject(table)
    out = {}
    for name, gdf in layers.items():
        gdf = gdf.copy()
        records = [flatten_figures(by_subject.get((name, fid), [])) for fid in gdf["id"]]
        flat = pd.DataFrame.from_records(records, index=gdf.index)
        for col in flat.columns:
            gdf[col] = flat[col]
        out[name] = gdf
    if check_subjects:
        check_figure_subjects(table, layers)
    return out


def check_figure_subjects(table: pd.DataFrame, layers: Mapping[str, pd.DataFrame]) -> None:
    """Raise unless every row about a feature of ``layers``' layers names an existing feature,
    and every subject layer is a catalogue layer."""
    from geo.catalogue import layer_specs

    known = {(name, fid) for name, gdf in layers.items() for fid in gdf["id"]}
    catalogue = set(layer_specs())
    for row in table[table["subject_id"] != ""].to_dict("records"):
        layer, fid = row["subject_layer"], row["subject_id"]
        if layer not in catalogue:
            raise FigureTableError(f"figure {row['id']!r}: subject_layer {layer!r} is not a layer of the catalogue")
        if layer in layers and (layer, fid) not in known:
            raise FigureTableError(
                f"figure {row['id']!r}: subject {fid!r} is not a feature of layer {layer!r}; "
                "fix subject_id or add the feature"
            )


def empty_figure_table() -> pd.DataFrame:
    """A figure table with no rows (for source folders without figures)."""
    return pd.DataFrame({c: pd.Series(dtype=object) for c in FIGURE_COLUMNS})


# --------------------------------------------------------------------------------------
# targets for analyses
# --------------------------------------------------------------------------------------
def targets(table: pd.DataFrame | None = None, *, quantity: str | Iterable[str] | None = None) -> pd.DataFrame:
    """The documents' targets (``status == "target"``), optionally of one quantity.

    Returns the figure rows with an extra ``value_si`` column (areas in m²).
    """
    table = load_figures() if table is None else table
    sel = table[table["status"] == "target"]
    if quantity is not None:
        wanted = [quantity] if isinstance(quantity, str) else list(quantity)
        sel = sel[sel["quantity"].isin(wanted)]
    sel = sel.copy()
    sel["value_si"] = [value_m2(r) if r["unit"] in M2_PER_UNIT else float(r["value"])
                       for r in sel.to_dict("records")]
    return sel


# --------------------------------------------------------------------------------------
# assumptions
# --------------------------------------------------------------------------------------
def load_assumptions(path: str | Path | None = None) -> pd.DataFrame:
    """Read and check the assumptions table (default :func:`geo.settings.assumptions_file`).

    Every row is one assumed parameter (``far`` or ``developable_share``) for one land class
    (``applies_to``) and, for floor-area ratios, one scenario, with ``low <= central <= high``.
    """
    path = Path(path) if path is not None else settings.assumptions_file()
    table = read_table_csv(path, columns=ASSUMPTION_COLUMNS, error=FigureTableError)
    for i, row in enumerate(table.to_dict("records")):
        if row["kind"] != "assumption":
            raise _row_error(path, i, row, "kind must be 'assumption'")
        if row["parameter"] not in ASSUMPTION_PARAMETERS:
            raise _row_error(path, i, row, f"parameter {row['parameter']!r} is not one of {', '.join(ASSUMPTION_PARAMETERS)}")
        lo, mid, hi = (_number(row[c], what=c, path=path, i=i, row=row) for c in ("low", "central", "high"))
        if None in (lo, mid, hi):
            raise _row_error(path, i, row, "give low, central and high")
        if not lo <= mid <= hi:
            raise _row_error(path, i, row, f"need low <= central <= high, got {lo}, {mid}, {hi}")
        if row["parameter"] == "developable_share" and not (0 <= lo and hi <= 1):
            raise _row_error(path, i, row, "a developable share lies between 0 and 1")
        if not row["basis"].strip():
            raise _row_error(path, i, row, "say in basis why these values were assumed")
    dup = table["id"][table["id"].duplicated()]
    if len(dup):
        raise FigureTableError(f"{path}: id {dup.iloc[0]!r} appears more than once")
    for col in ("low", "central", "high"):
        table[col] = table[col].astype(float)
    return table


def assumption_values(table: pd.DataFrame | None = None, *, parameter: str, scenario: str = "",
                      case: str = "central") -> dict[str, float]:
    """``{land class: value}`` of one assumed parameter, for one scenario and case (low/central/high)."""
    table = load_assumptions() if table is None else table
    sel = table[(table["parameter"] == parameter) & (table["scenario"] == scenario)]
    return dict(zip(sel["applies_to"], sel[case].astype(float), strict=True))
