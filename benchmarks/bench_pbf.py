"""PBF import: wall time and peak memory as the extract grows around a fixed study area.

The benchmark writes synthetic extracts with pyosmium (never committed): a province-sized box
with ``nodes`` nodes in ``ways`` ways (10 nodes each, laid out as small rings; every fourth way
a closed ``landuse=industrial`` ring, the rest ``highway=residential``).  The study area holds the
same 2,000 ways in every file, so a streaming clip should cost time in proportion to the file
but memory in proportion to the study area: peak memory must stay flat as the file grows.

Each import runs in a fresh process (``ru_maxrss`` is a process's lifetime peak) and is the
full ``corridor osm import``: the PBF clip, osmnx features and a drive network on the clip.

Run: ``.venv/bin/python -m benchmarks bench_pbf`` or ``.venv/bin/python -m benchmarks.bench_pbf``.
"""

from __future__ import annotations

import json
import math
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

from benchmarks._common import save

CASES = ((100_000, 10_000), (1_000_000, 100_000))
NODES_PER_WAY = 10
WAYS_IN_AREA = 2_000
PROVINCE = (108.3, 29.0, 116.1, 33.3)  # roughly Hubei
STUDY = (114.30, 30.45, 114.45, 30.56)


def _centres(count: int, bounds, *, avoid=None, seed: int = 0):
    """Deterministic well-spread points (a Halton-like sequence) inside bounds, outside ``avoid``."""
    minx, miny, maxx, maxy = bounds
    out, i = [], seed
    while len(out) < count:
        i += 1
        u = _van_der_corput(i, 2)
        v = _van_der_corput(i, 3)
        x, y = minx + u * (maxx - minx), miny + v * (maxy - miny)
        if avoid and avoid[0] - 0.01 <= x <= avoid[2] + 0.01 and avoid[1] - 0.01 <= y <= avoid[3] + 0.01:
            continue
        out.append((x, y))
    return out


def _van_der_corput(n: int, base: int) -> float:
    q, denom = 0.0, 1.0
    while n:
        n, rem = divmod(n, base)
        denom *= base
        q += rem / denom
    return q


def write_synthetic_pbf(path: Path, *, nodes: int, ways: int) -> None:
    """Write a sorted synthetic PBF: ``ways`` ways of 10 nodes (``nodes`` must be 10 x ``ways``)."""
    import osmium

    if nodes != NODES_PER_WAY * ways:
        raise ValueError("nodes must be 10 x ways")
    centres = _centres(WAYS_IN_AREA, STUDY) + _centres(ways - WAYS_IN_AREA, PROVINCE, avoid=STUDY, seed=7)
    radius = 0.0008
    ring = [(radius * math.cos(2 * math.pi * k / NODES_PER_WAY), radius * math.sin(2 * math.pi * k / NODES_PER_WAY))
            for k in range(NODES_PER_WAY)]
    node_cls, way_cls = osmium.osm.mutable.Node, osmium.osm.mutable.Way
    with osmium.SimpleWriter(str(path), overwrite=True) as writer:
        nid = 0
        for cx, cy in centres:
            for dx, dy in ring:
                nid += 1
                writer.add_node(node_cls(id=nid, location=(cx + dx, cy + dy), version=1))
        for w in range(ways):
            first = w * NODES_PER_WAY + 1
            refs = list(range(first, first + NODES_PER_WAY))
            if w % 4 == 0:
                tags = {"landuse": "industrial", "name": f"园区{w}"}
                refs = [*refs, first]
            else:
                tags = {"highway": "residential"}
                refs = refs[:-1]
            writer.add_way(way_cls(id=w + 1, nodes=refs, tags=tags, version=1))


def _child(pbf: str, osm_dir: str) -> None:
    """Run one import in this (fresh) process and print its figures as JSON."""
    from shapely.geometry import box

    from geo.sources.osm_file import clip_pbf, import_osm_file

    base_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    tracemalloc.start()
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        clip = clip_pbf(pbf, box(*STUDY), Path(tmp) / "clip.osm", keys=["highway", "landuse"], progress=False)
    t_clip = time.perf_counter() - t0
    t1 = time.perf_counter()
    import_osm_file(pbf, area="bench", polygon=box(*STUDY), osm_dir=Path(osm_dir), network_types=("drive",),
                    progress=False, check_shift=False)
    t_import = time.perf_counter() - t1
    _, py_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"clip_s": t_clip, "import_s": t_import, "python_heap_peak_mb": py_peak / 2**20,
                      "rss_peak_mb": peak_kb / 1024, "rss_growth_mb": (peak_kb - base_kb) / 1024, **clip}))


def main() -> None:
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for nodes, ways in CASES:
            pbf = Path(tmp) / f"synthetic-{nodes}.osm.pbf"
            t0 = time.perf_counter()
            write_synthetic_pbf(pbf, nodes=nodes, ways=ways)
            write_s = time.perf_counter() - t0
            out = subprocess.run(
                [sys.executable, "-m", "benchmarks.bench_pbf", "--child", str(pbf), str(Path(tmp) / f"osm-{nodes}")],
                check=True, capture_output=True, text=True, cwd=Path(__file__).resolve().parent.parent,
            )
            figures = json.loads(out.stdout.strip().splitlines()[-1])
            rows.append({"nodes": nodes, "ways": ways, "pbf_mb": pbf.stat().st_size / 2**20, "write_s": write_s,
                         **figures})
    print(f"{'nodes':>9} {'ways':>8} {'PBF MB':>7} {'clip s':>7} {'import s':>8} {'RSS peak MB':>11} "
          f"{'RSS growth MB':>13} {'py heap MB':>10} {'kept ways':>9}")
    for r in rows:
        print(f"{r['nodes']:>9,} {r['ways']:>8,} {r['pbf_mb']:>7.1f} {r['clip_s']:>7.2f} {r['import_s']:>8.2f} "
              f"{r['rss_peak_mb']:>11.0f} {r['rss_growth_mb']:>13.0f} {r['python_heap_peak_mb']:>10.1f} "
              f"{r['ways_kept']:>9,}")
    growth = rows[-1]["rss_peak_mb"] / rows[0]["rss_peak_mb"]
    print(f"file grew {rows[-1]['nodes'] / rows[0]['nodes']:.0f}x; peak RSS grew {growth:.2f}x")
    path = save("pbf", {"study_area": STUDY, "ways_in_area": WAYS_IN_AREA, "cases": rows,
                        "rss_peak_ratio_largest_to_smallest": growth})
    print(f"results: {path}")


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        _child(sys.argv[2], sys.argv[3])
    else:
        main()
