"""Maps: time to render every map on the embedded data, and the size of each HTML file.

Targets (issue 7): every map rendered in under 60 s on a 2-core machine; ``overview.html``
under 2 MB with Leaflet and the plugins inlined.

The layers are built from the committed sources into a temporary folder first (not
timed), and ``corridor analyse`` is run on them (not timed) for ``proximity`` and
``land_supply``; if it cannot run, the test fixtures in the contract's shape stand in
(the output says which).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks._common import peak_rss_mb, save

REPO = Path(__file__).resolve().parent.parent
FIXTURE_ANALYSIS = REPO / "tests" / "data" / "render" / "analysis"
OVERVIEW_LIMIT_BYTES = 2_000_000
TOTAL_LIMIT_S = 60.0


def _analysis_source(build: Path) -> str:
    """Run `corridor analyse` on the temporary build (not timed); fixtures if it cannot run."""
    target = build / "analysis"
    env = {**os.environ, "CORRIDOR_BUILD_DIR": str(build)}
    proc = subprocess.run([sys.executable, "-m", "geo.cli", "-q", "analyse"], env=env, capture_output=True, text=True)
    if proc.returncode == 0 and (target / "analysis.gpkg").exists() and (target / "distance_to_campus.tif").exists():
        return "corridor analyse on the embedded data"
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(FIXTURE_ANALYSIS, target)
    return f"test fixtures (corridor analyse failed: {proc.stderr.strip().splitlines()[-1:] or proc.returncode})"


def main() -> dict:
    from geo.layers import build_layers
    from geo.render.maps import render_maps

    work = Path(tempfile.mkdtemp(prefix="bench-maps-"))
    try:
        build = work / "build"
        build_layers(out_dir=build, progress=False)
        analysis = _analysis_source(build)

        start = time.perf_counter()
        report = render_maps(out_dir=work / "maps", build_dir=build, progress=False, env={})
        in_process_s = time.perf_counter() - start

        per_map = {}
        for name in [n for n in report.written if n != "index"]:
            t0 = time.perf_counter()
            render_maps(only=[name], out_dir=work / "single", build_dir=build, progress=False, env={})
            per_map[name] = {"seconds": round(time.perf_counter() - t0, 3),
                             "bytes": (work / "maps" / f"{name}.html").stat().st_size}

        # `corridor maps` as `make maps` runs it: a fresh process, imports included.
        env = {**os.environ, "CORRIDOR_BUILD_DIR": str(build), "CORRIDOR_MAPS_DIR": str(work / "cli-maps")}
        t0 = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "geo.cli", "-q", "maps"], env=env, capture_output=True, text=True)
        cli_s = time.perf_counter() - t0
    finally:
        shutil.rmtree(work, ignore_errors=True)

    overview_bytes = per_map.get("overview", {}).get("bytes", 0)
    results = {
        "analysis_inputs": analysis,
        "maps_failed": report.failed,
        "render_all_in_process_s": round(in_process_s, 3),
        "corridor_maps_cli_s": round(cli_s, 3),
        "corridor_maps_exit_code": proc.returncode,
        "per_map": per_map,
        "overview_bytes": overview_bytes,
        "targets": {"total_s": TOTAL_LIMIT_S, "overview_bytes": OVERVIEW_LIMIT_BYTES},
        "meets_targets": bool(cli_s < TOTAL_LIMIT_S and 0 < overview_bytes < OVERVIEW_LIMIT_BYTES and not report.failed),
        "peak_rss_mb": round(peak_rss_mb(), 1),
    }
    print(f"analysis inputs: {analysis}")
    print(f"{'map':<16}{'render s':>10}{'HTML KB':>10}")
    for name, row in per_map.items():
        print(f"{name:<16}{row['seconds']:>10.2f}{row['bytes'] / 1024:>10.0f}")
    print(f"{'all (in process)':<16}{in_process_s:>10.2f}")
    print(f"{'corridor maps':<16}{cli_s:>10.2f}   (fresh process, exit {proc.returncode}; target < {TOTAL_LIMIT_S:.0f} s)")
    print(f"overview.html {overview_bytes / 1e6:.2f} MB (target < 2 MB); meets targets: {results['meets_targets']}")
    print(f"results: {save('maps', results)}")
    return results


if __name__ == "__main__":
    main()
