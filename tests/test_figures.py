"""The figure table: one copy of each figure, quoting its document at its locator.

* every ``document`` row's ``original`` is found verbatim in its document's paragraph at
  (section, para), and its ``doc_value`` number appears in that quote;
* ``value`` agrees with ``doc_value`` × the document unit's factor (computed here, independently
  of the table's own arithmetic);
* the table is sorted by id and ids are unique; a malformed row is refused naming the row;
* no figure of the table is hard-coded anywhere else in the repository's code, configuration,
  layers or notebooks (a number or a quote).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from geo import settings
from geo.errors import FigureTableError
from geo.figures import FIGURE_COLUMNS, load_assumptions, load_figures, value_m2
from geo.registry import load_documents, load_seed_texts, paragraph_at

ROOT = Path(__file__).resolve().parents[1]

#: The documents' units and what one of them is in the table's SI unit (from the seed index:
#: 1 亩 = 10000/15 m², 1 万方 = 1 万平方米 = 10,000 m², 1 亿 = 1e8, 平方公里 = 1e6 m²).
DOC_UNIT_FACTORS = {
    "亩": 10_000 / 15, "万方": 1e4, "万平方米": 1e4, "平方米": 1.0, "平方公里": 1e6, "公顷": 1e4,
    "亿元": 1e8, "万元": 1e4, "元": 1.0, "公里": 1000.0, "米": 1.0, "%": 1.0,
}


@pytest.fixture(scope="module")
def table():
    return load_figures()


@pytest.fixture(scope="module")
def texts():
    docs = load_documents()
    found = load_seed_texts(docs)
    if len(found) < len(docs):
        pytest.skip(f"policy document texts not found in {settings.SEEDS_DIR} (set CORRIDOR_SEEDS_DIR)")
    return found


def test_table_is_sorted_with_unique_ids_and_all_columns(table):
    assert list(table.columns[: len(FIGURE_COLUMNS)]) == list(FIGURE_COLUMNS) or set(FIGURE_COLUMNS) <= set(table.columns)
    assert table["id"].is_unique
    assert list(table["id"]) == sorted(table["id"])
    assert len(table) > 100, "the five documents give well over 100 figures"


def test_every_document_figure_quotes_its_document_at_its_locator(table, texts):
    docs = load_documents()
    problems = []
    for row in table[table["kind"] == "document"].to_dict("records"):
        para = paragraph_at(texts[row["document"]], section=row["section"], para=int(row["para"]),
                            title=docs[row["document"]]["title_zh"])
        if para is None:
            problems.append(f"{row['id']}: locator ({row['section']!r}, {row['para']}) does not resolve")
        elif row["original"] not in para:
            problems.append(f"{row['id']}: {row['original']!r} is not in the paragraph at its locator")
    assert problems == [], "\n".join(problems)


def _number_in(text: str) -> list[float]:
    return [float(n) for n in re.findall(r"\d+(?:\.\d+)?", text.replace(",", ""))]


def test_values_agree_with_the_documents_own_numbers(table):
    """value = doc_value × unit factor, where the document gives a number in a unit we know."""
    checked = 0
    for row in table[table["kind"] == "document"].to_dict("records"):
        unit = row["doc_unit"]
        try:
            doc_value = float(row["doc_value"])
        except ValueError:
            continue  # a number written in words (五地, 十余家): checked by the quote test only
        factor = DOC_UNIT_FACTORS.get(unit)
        if row["quantity"] in ("count", "year"):
            factor = 1.0 if unit not in ("万", "万人", "万个", "万户", "万家", "万套") else 1e4
        if factor is None:
            continue
        expected = doc_value * factor
        assert row["value"] == pytest.approx(expected, rel=1e-9), row["id"]
        assert doc_value in _number_in(row["original"]) or unit == "%", row["id"]
        checked += 1
    assert checked > 100


def test_area_figures_are_in_square_metres(table):
    areas = table[table["quantity"].isin(["floor_area", "land_area", "area"])]
    assert len(areas)
    for row in areas.to_dict("records"):
        assert value_m2(row) == pytest.approx(row["value"] * {"m2": 1, "km2": 1e6, "ha": 1e4, "mu": 1e4 / 15}[row["unit"]])


def test_no_statement_without_a_number_and_no_year_stored_as_a_count(table):
    for row in table.to_dict("records"):
        assert re.search(r"\d|[一二三四五六七八九十百千万两半倍]", row["original"] or row["note"]), row["id"]
        if row["quantity"] == "count" and 1990 <= row["value"] <= 2035 and float(row["value"]).is_integer():
            assert not re.search(rf"{int(row['value'])}年", row["original"]), f"{row['id']}: a year stored as a count"


def test_a_malformed_row_is_refused_naming_the_row(tmp_path, table):
    src = settings.figures_file().read_text(encoding="utf-8").splitlines()
    cases = {
        "unit": (lambda r: r.replace(",m2,", ",sqm,", 1), "unit 'sqm'"),
        "order": (None, "not sorted"),
    }
    bad = tmp_path / "figures.csv"
    bad.write_text("\n".join([src[0], *src[1:][::-1]]) + "\n", encoding="utf-8")
    with pytest.raises(FigureTableError, match=cases["order"][1]):
        load_figures(bad)
    first_m2 = next(i for i, line in enumerate(src) if ",m2," in line)
    lines = list(src)
    lines[first_m2] = cases["unit"][0](lines[first_m2])
    bad.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(FigureTableError, match=rf"line {first_m2 + 1} .*unit 'sqm'"):
        load_figures(bad)
    bad.write_bytes(settings.figures_file().read_text(encoding="utf-8").encode("gbk", errors="replace"))
    with pytest.raises(FigureTableError, match="not UTF-8"):
        load_figures(bad)


def test_assumptions_have_ranges_and_say_why(table):
    a = load_assumptions()
    assert len(a) and (a["kind"] == "assumption").all()
    assert ((a["low"] <= a["central"]) & (a["central"] <= a["high"])).all()
    assert a["basis"].str.contains("assum", case=False).all()


# --------------------------------------------------------------------------------------
# one copy: no figure hard-coded elsewhere
# --------------------------------------------------------------------------------------
#: What counts as "elsewhere": code, configuration, layer sources and notebooks.  Prose about
#: the documents (README, docs/) and the tests, which read the table, are not scanned.
SCANNED = ("geo/**/*.py", "geo/**/*.yml", "scripts/**/*.py", "benchmarks/**/*.py", "maps/*.yml",
           "layers/*.yml", "layers/traced/*.geojson", "layers/traced/*.json", "notebooks/*.ipynb")


def _scanned_files():
    for pattern in SCANNED:
        yield from ROOT.glob(pattern)


def _distinctive_numbers(table) -> set[str]:
    """Values that could only come from the table if they appear in code: ≥ 10,000 (smaller
    numbers such as 3000 are common settings and uncertainties; those figures are caught by
    their quotes), not a round power of ten, in the forms code would write them."""
    forms = set()
    for v in table["value"]:
        if v < 10_000 or float(v).is_integer() and str(int(v)).rstrip("0") == "1":
            continue
        n = int(v) if float(v).is_integer() else v
        forms |= {str(n), f"{n:_}" if isinstance(n, int) else str(n), f"{v:.1e}".replace("e+0", "e")}
    return forms


def _code_of(path: Path) -> str:
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".ipynb":
        nb = json.loads(text)
        return "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code")
    return text


def test_no_figure_of_the_table_is_hard_coded_elsewhere(table):
    numbers = _distinctive_numbers(table)
    quotes = {q for q in table["original"] if len(q) >= 6}
    pattern = re.compile(r"(?<![\w.])(" + "|".join(sorted(map(re.escape, numbers), key=len, reverse=True)) + r")(?![\w.])")
    problems = []
    for path in _scanned_files():
        code = _code_of(path)
        if path.suffix in (".geojson", ".json"):
            code = json.dumps({k: v for k, v in _props(code).items()}, ensure_ascii=False)
        for m in pattern.finditer(code):
            line = code.count("\n", 0, m.start()) + 1
            problems.append(f"{path.relative_to(ROOT)}:{line}: {m.group(0)} (a figure of layers/figures.csv)")
        for q in quotes:
            if q in code:
                problems.append(f"{path.relative_to(ROOT)}: quotes {q!r} (a figure of layers/figures.csv)")
    assert problems == [], "\n".join(problems)


def _props(text: str) -> dict:
    """Only the properties of a GeoJSON (coordinates are not figures)."""
    doc = json.loads(text)
    if isinstance(doc, dict) and "features" in doc:
        return {i: f.get("properties") for i, f in enumerate(doc["features"])}
    return doc if isinstance(doc, dict) else {"list": doc}


def test_the_scanner_catches_a_planted_figure(table, tmp_path):
    """The hard-coding check is not vacuous: a value and a quote planted in code are caught."""
    numbers = _distinctive_numbers(table)
    planted = sorted(numbers)[0]
    pattern = re.compile(r"(?<![\w.])(" + "|".join(map(re.escape, numbers)) + r")(?![\w.])")
    assert pattern.search(f"TARGET = {planted}\n")
    assert any(q in f"x = '{q}'" for q in table["original"] if len(q) >= 6)
