"""``corridor coverage``: which places each policy document names are on the map.

Prints one table per document (named places, mapped, not locatable, out of scope, missing,
share mapped) and writes ``coverage.csv``, ``coverage_places.csv`` and the self-contained
page ``coverage.html`` (default folder: the maps folder, so the gallery can link it).
"""

from __future__ import annotations

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
    """A self-contained HTML page (no scripts, no external assets) from the Jinja2 template
    ``geo/render/templates/coverage.html``; every value escaped, no ``nan``, layers by title."""
    from geo.render import pages
    from geo.render.formatting import is_missing

    def text(value) -> str:
        return "" if is_missing(value) else str(value)

    titles = _layer_titles()
    statuses = {"mapped": "已上图 mapped", "within": "仅知所在范围 within (not mapped)", "missing": "缺失 missing",
                "not_locatable": "无法定位 not locatable",
                "out_of_scope": "范围外 out of scope"}
    cols = ["document", "title_zh", "named", "mapped", "within", "not_locatable", "out_of_scope",
            "missing", "share_mapped"]
    head = ["日期 Date", "标题 Title", "所列 Named", "已上图 Mapped", "其中包含于 Within", "无法定位 Not locatable",
            "范围外 Out of scope", "缺失 Missing", "上图比例 Share mapped"]
    summary = [[_share(row[c]) if c == "share_mapped" else text(row[c]) for c in cols]
               for row in table.to_dict("records")]
    for row in summary:  # the document's key reads as its title's date, never as a key
        doc = documents.get(row[0]) or {}
        row[0] = text(doc.get("date")) or "—" if doc else row[0]
    docs = []
    for key, doc in documents.items():
        rows = []
        for r in places[places["document"] == key].to_dict("records"):
            section = text(r.get("section")) or "(before first heading)"
            para = text(r.get("para"))
            layer, fid = text(r.get("layer")), text(r.get("id"))
            target = ""
            if layer or fid:
                target = " / ".join(x for x in (titles.get(layer, layer), fid) if x)
                target += " (within)" if r.get("within") is True else ""
            rows.append({"name_zh": text(r.get("name_zh")), "name_en": text(r.get("name_en")),
                         "kind": text(r.get("kind")).replace("_", " "),
                         "where": f"{section} ¶{para}" if para else section,
                         "status": text(r.get("status")), "status_label": statuses.get(text(r.get("status")),
                                                                                     text(r.get("status"))),
                         "target": target, "reason": text(r.get("reason"))})
        docs.append({"title_zh": text((doc or {}).get("title_zh")) or key,
                     "title_en": text((doc or {}).get("title_en")),
                     "date": text((doc or {}).get("date")) or "undated", "rows": rows})
    return pages.render("coverage.html", summary_head=head, summary=summary, problems=list(problems), docs=docs)


def _layer_titles() -> dict[str, str]:
    """Layer name -> bilingual title (maps/styles.yml, else the layer catalogue)."""
    try:
        from geo.render.styles import load_styles

        return {k: s.label for k, s in load_styles().layers.items()}
    except Exception:  # a broken style file must not stop the coverage report
        return {}
