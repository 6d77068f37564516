"""Exports: time to print the whole atlas (every map and every named zone), and every map to PNG and PDF.

Target (issue 16): ``corridor export --atlas`` — a cover, a page per map and a page per
zone — in at most 60 s on a 2-core machine, one headless Chromium reused over CDP for all
pages.  Also measured: ``corridor export --format png,pdf`` for every map, the sizes of the
files, the PNG pixel size against page inches × dpi, and whether a second run gives the same
PDF text (reproducibility).

Setup (not timed): the layers are built from the committed sources into a temporary folder,
``corridor analyse`` runs on them (the render-test fixtures stand in if it cannot), and the
maps are rendered.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks._common import peak_rss_mb, save
from benchmarks.bench_maps import _analysis_source

ATLAS_LIMIT_S = 60.0


def _cli(args: list[str], env: dict) -> tuple[float, subprocess.CompletedProcess]:
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "geo.cli", "-q", *args], env=env, capture_output=True, text=True)
    return time.perf_counter() - start, proc


def _pdf_text(path: Path) -> list[str]:
    from pypdf import PdfReader

    return [page.extract_text() for page in PdfReader(path).pages]


def main() -> dict:
    from PIL import Image

    from geo.layers import build_layers
    from geo.render.chromium import ChromiumMissingError, find_chromium
    from geo.render.maps import render_maps
    from geo.render.printing import PageSetup

    try:
        find_chromium()
    except ChromiumMissingError as exc:
        print(f"skipped: {exc}")
        return {"skipped": str(exc)}
    work = Path(tempfile.mkdtemp(prefix="bench-export-"))
    try:
        build = work / "build"
        build_layers(out_dir=build, progress=False)
        analysis = _analysis_source(build)
        maps_dir = work / "maps"
        rendered = render_maps(out_dir=maps_dir, build_dir=build, progress=False, env={})
        env = {**os.environ, "CORRIDOR_BUILD_DIR": str(build), "CORRIDOR_MAPS_DIR": str(maps_dir)}

        atlas_s, proc = _cli(["export", "--atlas", "--pdf-out", str(work / "atlas1")], env)
        atlas = work / "atlas1" / "atlas.pdf"
        manifest = json.loads((work / "atlas1" / "exports.json").read_text(encoding="utf-8"))
        row = next(r for r in manifest["files"] if r["file"] == "atlas.pdf")
        again_s, proc2 = _cli(["export", "--atlas", "--pdf-out", str(work / "atlas2")], env)
        text_same = _pdf_text(atlas) == _pdf_text(work / "atlas2" / "atlas.pdf")
        bytes_same = atlas.read_bytes() == (work / "atlas2" / "atlas.pdf").read_bytes()

        maps_s, proc3 = _cli(["export", "--format", "png,pdf", "--png-out", str(work / "png"),
                              "--pdf-out", str(work / "pdf")], env)
        page = PageSetup("A4", "landscape", 150)
        pngs = sorted((work / "png").glob("*.png"))
        png_sizes = {p.stem: list(Image.open(p).size) for p in pngs}
        pdf_bytes = {p.stem: p.stat().st_size for p in sorted((work / "pdf").glob("*.pdf"))}
        print_s, proc4 = _cli(["export", "--format", "png", "--only", "zhigu", "--dpi", "300", "--page", "A3",
                               "--png-out", str(work / "png300")], env)
        png300 = Image.open(work / "png300" / "zhigu.png").size
    finally:
        shutil.rmtree(work, ignore_errors=True)

    pages = row["pages"]
    results = {
        "analysis_inputs": analysis,
        "maps_rendered": sorted(n for n in rendered.written if n != "index"),
        "atlas_cli_s": round(atlas_s, 2),
        "atlas_cli_second_run_s": round(again_s, 2),
        "atlas_exit_codes": [proc.returncode, proc2.returncode],
        "atlas_pages": pages,
        "atlas_page_kinds": {k: sum(1 for c in row["contents"] if c["kind"] == k) for k in ("cover", "map", "zone")},
        "atlas_bytes": row["bytes"],
        "atlas_s_per_page": round(atlas_s / pages, 3),
        "atlas_same_text_twice": text_same,
        "atlas_same_bytes_twice": bytes_same,
        "maps_png_pdf_cli_s": round(maps_s, 2),
        "maps_exit_code": proc3.returncode,
        "png_sizes_a4_landscape_150dpi": png_sizes,
        "png_expected": list(page.pixels),
        "pdf_bytes": pdf_bytes,
        "png_a3_landscape_300dpi_cli_s": round(print_s, 2),
        "png_a3_landscape_300dpi": list(png300),
        "png_a3_expected": list(PageSetup("A3", "landscape", 300).pixels),
        "targets": {"atlas_s": ATLAS_LIMIT_S},
        "meets_targets": bool(atlas_s <= ATLAS_LIMIT_S and proc.returncode == 0 and text_same),
        "peak_rss_mb": round(peak_rss_mb(), 1),
        "cpus": os.cpu_count(),
    }
    print(f"analysis inputs: {analysis}")
    print(f"atlas: {pages} pages ({results['atlas_page_kinds']}), {row['bytes'] / 1e6:.1f} MB, "
          f"{atlas_s:.1f} s (second run {again_s:.1f} s; target <= {ATLAS_LIMIT_S:.0f} s), "
          f"same text twice: {text_same}, same bytes: {bytes_same}")
    print(f"every map to PNG+PDF: {maps_s:.1f} s (exit {proc3.returncode}); PNG sizes {sorted(set(map(tuple, png_sizes.values())))}"
          f" (expected {page.pixels})")
    print(f"zhigu A3 landscape 300 dpi PNG: {png300} (expected {PageSetup('A3', 'landscape', 300).pixels}), {print_s:.1f} s")
    for p in (proc, proc2, proc3, proc4):
        if p.returncode:
            print(f"exit {p.returncode}: {p.stdout[-400:]} {p.stderr[-400:]}")
    print(f"meets targets: {results['meets_targets']}")
    print(f"results: {save('export', results)}")
    return results


if __name__ == "__main__":
    main()
