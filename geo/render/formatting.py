"""How numbers, figures and horizons read on a map: the documents' own units, never ``nan``.

A figure arrives as a dict from ``figures_json`` (see :func:`geo.schema.figures_of`) with at
least ``name``, ``value`` and ``unit`` (SI); newer data may add ``doc_value``/``doc_unit`` (the
document's own figure and unit: 万方, 亩, 亿元, 家 ...), ``quantity`` (floor_area, land_area,
area, length, count, money, share, year), ``horizon``/``year_from``/``year_to`` and ``status``.
Every key may be absent: then the unit is chosen from the quantity (inferred from the figure's
name and the document's wording when missing): 万方 for floor space, 亩 / ha / km² for land
(never a floor-space unit for land), 亿元 for money.
"""

from __future__ import annotations

import html
import math
import re

import numpy as np

from geo import units

#: Missing-value spellings that must never reach a page.
_MISSING_TEXT = {"", "nan", "none", "null", "nat", "<na>"}


def esc(value) -> str:
    """HTML-escape ``value`` (``None`` becomes empty)."""
    return html.escape("" if value is None else str(value), quote=True)


def is_missing(value) -> bool:
    """True for None, NaN, pandas NA and blank or 'nan'/'None' text."""
    if value is None:
        return True
    if isinstance(value, float | np.floating):
        return math.isnan(float(value))
    if isinstance(value, str):
        return value.strip().lower() in _MISSING_TEXT
    try:
        import pandas as pd

        return bool(pd.isna(value)) if np.ndim(value) == 0 else False
    except (TypeError, ValueError):
        return False


def is_number(value) -> bool:
    return isinstance(value, int | float | np.integer | np.floating) and not isinstance(value, bool) \
        and not is_missing(value)


def format_number(value, *, digits: int | None = None) -> str:
    """A readable number: thousands separators, at most two decimals (``digits`` forces them)."""
    if not is_number(value):
        return "" if is_missing(value) else str(value)
    value = float(value)
    if digits is not None:
        return f"{value:,.{digits}f}"
    if abs(value) >= 1000 or value == int(value):
        return f"{value:,.0f}"
    return f"{value:,.2f}"


def _sig(value: float) -> str:
    """Three significant figures at most, thousands separated (22 万方, 7,500 亩, 3.93 km²)."""
    if value == 0:
        return "0"
    mag = math.floor(math.log10(abs(value)))
    decimals = max(0, 2 - mag)
    text = f"{round(value, decimals):,.{decimals}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


_UNIT_LABELS = {
    "m2": "m²", "km2": "km²", "count": "", "yuan": "元", "yuan_per_year": "元/年", "m": "m",
    "percent": "%", "persons": "人", "km": "km", "ha": "ha", "mu": "亩",
}


def floor_area_text(m2: float) -> str:
    """Floor space in 万方 (10,000 m²): ``22 万方``."""
    return f"{_sig(units.m2_to_wanfang(m2))} 万方"


def land_area_text(m2: float, *, prefer: str | None = None) -> str:
    """Land in 亩 with hectares (small) or km² with 亩 (large): ``7,500 亩 (500 ha)``."""
    mu, ha, km2 = units.m2_to_mu(m2), units.m2_to_ha(m2), units.m2_to_km2(m2)
    if prefer == "km2" or (prefer is None and abs(km2) >= 1):
        return f"{_sig(km2)} km² ({_sig(mu)} 亩)"
    if prefer == "ha":
        return f"{_sig(ha)} ha ({_sig(mu)} 亩)"
    return f"{_sig(mu)} 亩 ({_sig(ha)} ha)"


def money_text(yuan: float, *, per_year: bool = False) -> str:
    """Money in 亿元 (10⁸ 元) or 万元: ``200 亿元/年``."""
    suffix = "/年" if per_year else ""
    if abs(yuan) >= 1e8:
        return f"{_sig(yuan / 1e8)} 亿元{suffix}"
    if abs(yuan) >= 1e4:
        return f"{_sig(yuan / 1e4)} 万元{suffix}"
    return f"{format_number(yuan)} 元{suffix}"


def format_figure(value: float, unit: str) -> str:
    """A figure in its SI unit with the Chinese unit alongside (万方, 亿元) — plain tables and exports."""
    text = f"{format_number(value)} {_UNIT_LABELS.get(unit, unit)}".strip()
    if unit == "m2" and abs(value) >= 10_000:
        text += f" ({units.m2_to_wanfang(value):,.1f} 万方)"
    if unit in ("yuan", "yuan_per_year") and abs(value) >= 1e8:
        text += f" ({value / 1e8:,.1f} 亿元)"
    return text


# --------------------------------------------------------------------------------- figure parts
_HORIZON_PATTERNS = (
    (re.compile(r"_(\d+)_(\d+)y$"), lambda m: f"{m.group(1)}–{m.group(2)}年 · {m.group(1)}–{m.group(2)} years"),
    (re.compile(r"_(\d+)y$"), lambda m: f"{m.group(1)}年内 · within {m.group(1)} years"),
    (re.compile(r"_(20\d\d)$"), lambda m: f"{m.group(1)}年 · by {m.group(1)}"),
)
_STATUS = {"target": "目标 target", "planned": "规划 planned", "actual": "现状 actual"}


def horizon_text(fig: dict) -> str:
    """The figure's horizon (``3–5年 · 3–5 years``), from its keys or its name; '' when none."""
    horizon = fig.get("horizon")
    if not is_missing(horizon):
        text = str(horizon)
        m = re.fullmatch(r"(\d+)\s*[-–]\s*(\d+)\s*(?:y|years?)(?:\s+from\s+(\S+))?", text.strip())
        if not m:
            return text
        a, b, since = m.groups()
        y0, y1 = fig.get("year_from"), fig.get("year_to")
        years = f"（{int(y0)}–{int(y1)}）" if is_number(y0) and is_number(y1) else ""
        return f"{a}–{b}年{years} · {a}–{b} years" + (f" from {since}" if since else "")
    y0, y1 = fig.get("year_from"), fig.get("year_to")
    if is_number(y0) and is_number(y1):
        return f"{int(y0)}–{int(y1)}"
    if is_number(y1):
        return f"{int(y1)}年 · by {int(y1)}"
    name = str(fig.get("name") or "")
    for pattern, fmt in _HORIZON_PATTERNS:
        m = pattern.search(name)
        if m:
            return fmt(m)
    return ""


def horizon_key(fig: dict) -> str:
    """A short horizon key for filters (``3-5y``, ``2028``), '' when none."""
    name = str(fig.get("name") or "")
    horizon = fig.get("horizon")
    if not is_missing(horizon):
        return re.sub(r"\s*(years?|y)$", "y", str(horizon).strip()).replace("–", "-").replace(" ", "")
    for pattern in (r"_(\d+)_(\d+)y$", r"_(\d+)y$", r"_(20\d\d)$"):
        m = re.search(pattern, name)
        if m:
            return "-".join(m.groups()) + ("" if pattern.endswith(r"\d)$") else "y")
    y1 = fig.get("year_to")
    return str(int(y1)) if is_number(y1) else ""


_BASE_NAME = re.compile(r"(_target)?(_\d+_\d+y|_\d+y|_20\d\d)?$")
#: Chinese labels of figure-name words; a name whose words are all known gets a Chinese label.
_ZH_WORDS = {
    "floor_area": "建筑面积", "gross_floor_area": "总建筑面积", "land_area": "用地面积", "land": "用地",
    "annual_output": "年产值", "output": "产值", "firms": "企业", "tech": "科技", "high_tech": "高新技术",
    "incubators": "孵化载体", "projects": "项目", "investment": "投资", "fund": "基金", "target": "目标",
    "new_industrial": "新增产业", "industrial": "产业", "innovation_carrier": "创新载体", "district": "全区",
    "researchers": "研发人员", "talents": "人才", "platforms": "平台", "water_area_approx": "水域面积（约）",
    "science": "科技", "agri": "农业", "rd": "研发", "cooperation": "合作", "contract_value": "合同金额",
    "gdp": "GDP", "life_health": "生命健康", "pilot": "中试", "provincial": "省级", "quality": "优质",
}


def figure_label(fig: dict) -> str:
    """A readable bilingual label of a figure name without its horizon: ``建筑面积目标 Floor area target``."""
    name = str(fig.get("name") or "").strip()
    if not name:
        return ""
    base = _BASE_NAME.sub("", name) or name
    is_target = "target" in name.split("_") or fig.get("status") == "target"
    en = base.replace("_", " ").strip()
    en = (en[:1].upper() + en[1:]) if en else en
    en = re.sub(r"\brd\b", "R&D", re.sub(r"\boem\b", "OEM", re.sub(r"\bgdp\b", "GDP", en, flags=re.I), flags=re.I))
    if is_target and "target" not in en.lower():
        en += " target"
    # Chinese: greedy match of known words
    words, rest, zh = base.split("_"), [], []
    i = 0
    while i < len(words):
        for j in range(len(words), i, -1):
            key = "_".join(words[i:j])
            if key in _ZH_WORDS:
                zh.append(_ZH_WORDS[key])
                i = j
                break
        else:
            rest.append(words[i])
            i += 1
    zh_text = "".join(zh) + ("目标" if is_target and "目标" not in "".join(zh) else "")
    return f"{zh_text} {en}" if zh and not rest else en


def figure_quantity(fig: dict) -> str:
    """The figure's quantity (floor_area, land_area, area, length, count, money, share, year, other)."""
    q = fig.get("quantity")
    if not is_missing(q):
        return str(q)
    unit, name, original = str(fig.get("unit") or ""), str(fig.get("name") or ""), str(fig.get("original") or "")
    if unit in ("m2", "km2", "ha", "mu"):
        if "floor" in name or "carrier" in name or "万方" in original or "楼宇" in original:
            return "floor_area"
        if "land" in name or "亩" in original or "用地" in original:
            return "land_area"
        return "area"
    if unit in ("yuan", "yuan_per_year"):
        return "money"
    if unit == "percent":
        return "share"
    if unit in ("m", "km"):
        return "length"
    if unit in ("count", "persons"):
        return "year" if "year" in name else "count"
    return "other"


def _si_m2(value: float, unit: str) -> float:
    from geo import settings

    return {"km2": 1e6, "ha": 1e4, "mu": settings.M2_PER_MU}.get(unit, 1.0) * value


def figure_value(fig: dict) -> str:
    """The figure in the document's own unit where known, else in the unit of its quantity.

    ``doc_value``/``doc_unit`` are used as given.  Otherwise floor space reads in 万方, land
    in 亩 (or km² when the document speaks of 平方公里, with 亩 alongside), other areas in km²
    or ha, money in 亿元 or 万元, firm counts with 家.  Returns '' for a figure without a value.
    """
    doc_value, doc_unit = fig.get("doc_value"), fig.get("doc_unit")
    if is_number(doc_value) and not is_missing(doc_unit):
        return f"{format_number(doc_value)} {doc_unit}"
    value = fig.get("value")
    try:
        value = float(value)
    except (TypeError, ValueError):
        return "" if is_missing(value) else str(value)
    if math.isnan(value):
        return ""
    unit, name, original = str(fig.get("unit") or ""), str(fig.get("name") or ""), str(fig.get("original") or "")
    quantity = figure_quantity(fig)
    if quantity == "floor_area":
        return floor_area_text(_si_m2(value, unit))
    if quantity in ("land_area", "area"):
        m2 = _si_m2(value, unit)
        if "亩" in original:
            prefer = "mu"
        elif "平方公里" in original or "km" in original.lower() or unit == "km2":
            prefer = "km2"
        elif "公顷" in original:
            prefer = "ha"
        else:
            prefer = None if quantity == "land_area" else ("km2" if abs(m2) >= 1e6 else "ha")
        return land_area_text(m2, prefer=prefer)
    if quantity == "money":
        return money_text(value, per_year=unit == "yuan_per_year")
    if quantity == "share":
        return f"{format_number(value)}%"
    if quantity == "length":
        return f"{format_number(value / 1000)} km" if unit == "m" and value >= 1000 else f"{format_number(value)} {unit}"
    if quantity == "year":
        return f"{int(value)}"
    if unit == "persons":
        return f"{format_number(value)} 人"
    if quantity == "count":
        word = "家" if ("firm" in name or "家" in original) else ("个" if "个" in original else "")
        return f"{format_number(value)} {word}".strip()
    return f"{format_number(value)} {_UNIT_LABELS.get(unit, unit)}".strip()


def status_text(fig: dict) -> str:
    status = fig.get("status")
    if not is_missing(status):
        return _STATUS.get(str(status), str(status))
    return _STATUS["target"] if "target" in str(fig.get("name") or "").split("_") else ""


# --------------------------------------------------------------------------------- columns
def column_value(column: str, value) -> str:
    """A table/popup column's value with its unit, chosen by the column name; '' when missing.

    ``*_wanfang`` → 万方; floor-space ``*_m2`` (capacity, target, gap, floor) → 万方; other
    ``*_m2`` → 亩/ha; ``*_mu`` → 亩; ``*_km2`` → km²; ``*_pct`` → %; ``*_m`` → m; ``*_min`` → min.
    """
    if is_missing(value):
        return ""
    if not is_number(value):
        return str(value)
    v = float(value)
    if column.endswith("_wanfang"):
        return f"{_sig(v)} 万方"
    if column.endswith("_m2"):
        if any(w in column for w in ("capacity", "target", "gap", "floor")):
            return floor_area_text(v)
        return land_area_text(v)
    if column.endswith("_mu"):
        return f"{_sig(v)} 亩"
    if "per_km2" in column:
        return f"{format_number(v)} /km²"
    if column.endswith("_km2"):
        return f"{_sig(v)} km²"
    if column.endswith("_pct"):
        return f"{v:+.0f}%"
    if column.endswith("_km"):
        return f"{format_number(v)} km"
    if column.endswith("_m"):
        return f"{format_number(v)} m"
    if column.endswith("_min") or column == "minutes":
        return f"{format_number(v)} min"
    return format_number(v)
