"""Search keys of a feature: its names, short name, aliases and their pinyin, normalised.

A planner types 华科, 武大, HUST, WHU, zhigu or hzkjdx: each feature carries one string of
every name it answers to, normalised (lower case, no spaces or punctuation), which the page
matches against the normalised query.  Aliases come from the layer's ``aliases`` column
(``;``-separated) and ``aliases:`` in ``maps/styles.yml`` (keyed by feature id); pinyin (full
and initials) from ``pypinyin``, so a reader without a Chinese input method finds 智谷 by
``zhigu``.
"""

from __future__ import annotations

import re

from pypinyin import Style, lazy_pinyin

from geo.render.formatting import is_missing

_STRIP = re.compile(r"[\s·•・,，、;；:：()（）\[\]【】\-_/\\.。'\"“”‘’《》<>|]+")


def normalise(text: str) -> str:
    """Lower case without spaces or punctuation (the page applies the same rule to the query)."""
    return _STRIP.sub("", str(text)).lower()


def pinyin_forms(text: str) -> list[str]:
    """Full pinyin and initials of the Chinese in ``text`` (``zhigu``, ``zg``); [] when none."""
    if not re.search(r"[\u4e00-\u9fff]", text):
        return []
    chars = "".join(re.findall(r"[\u4e00-\u9fff]+", text))
    return ["".join(lazy_pinyin(chars)), "".join(lazy_pinyin(chars, style=Style.FIRST_LETTER))]


def search_keys(row: dict, *, aliases: dict[str, list[str]], short: str = "") -> str:
    """Every normalised name the feature answers to, joined by ``|``."""
    names = [row.get(c) for c in ("name_zh", "name_en", "id")] + [short]
    if not is_missing(row.get("aliases")):
        names += str(row["aliases"]).split(";")
    fid = "" if is_missing(row.get("id")) else str(row["id"])
    names += aliases.get(fid, [])
    keys: list[str] = []
    for name in names:
        if is_missing(name):
            continue
        keys.append(normalise(name))
        keys.extend(pinyin_forms(str(name)))
    return "|".join(k for k in dict.fromkeys(keys) if k)
