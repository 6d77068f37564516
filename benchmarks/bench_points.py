"""Firm points at scale: import + per-zone counts + nearest campus, in memory and on Dask.

The benchmark writes its own synthetic firm list (never committed) into a temporary
folder: GCJ-02 coordinates as an Amap-geocoded export would give them, 70 % clustered in
Hongshan/Wuchang and 30 % spread over the corridor region, an industry category, and
0.1 % bad rows (blank, garbage, swapped, outside the region).  Each case runs in its own
subprocess, so peak memory is that case's alone: peak RSS is sampled over the process
and all its children (Dask workers included) every 50 ms.

Cases: 10^6 points as Parquet and as CSV, and 10^7 as Parquet; the in-memory engine, and
Dask on a LocalCluster of 2 single-threaded worker processes (2 cores), both with and without
the spatial ordering (a shuffle into partitions sorted along a Hilbert curve, geopandas'
``hilbert_distance``), all through ``zone_figures(..., engine=...)`` in one run.  The
``checks`` say whether the ordering paid off; :data:`geo.settings.DASK_SPATIAL_ORDER` is set
from that.  ``python -m benchmarks.bench_points 1e6`` runs one size only.

Wall times depend on what else the machine runs; ``cpu_s`` (user + system seconds of the
case's process and its Dask workers) much less so.

Targets (issue 8): 10^7 end to end under 2 minutes in memory with peak memory under 4 GB;
Dask's per-point throughput within 1.5x of the in-memory path.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

from benchmarks._common import save

SIZES = (1_000_000, 10_000_000)
INDUSTRIES = np.array(["软件和信息服务", "光电子信息", "生物医药", "智能制造", "新能源", "新材料", "科技服务",
                       "数字创意", "集成电路", "商贸", "金融", "其他"], dtype=object)
BAD_SHARE = 0.001
GEN_CHUNK = 1_000_000


def synthetic_chunk(n: int, seed: int):
    """A chunk of synthetic firms (pandas DataFrame) with GCJ-02 lng/lat and some bad rows."""
    import pandas as pd

    from geo import settings
    from geo.crs import convert_coords

    rng = np.random.default_rng(seed)
    core = rng.random(n) < 0.7
    cx0, cy0, cx1, cy1 = settings.CORE_BOUNDS
    rx0, ry0, rx1, ry1 = 113.8, 29.6, 115.6, 31.3
    lon = np.where(core, rng.uniform(cx0, cx1, n), rng.uniform(rx0, rx1, n))
    lat = np.where(core, rng.uniform(cy0, cy1, n), rng.uniform(ry0, ry1, n))
    lng, lat = convert_coords(lon, lat, src="wgs84", dst="gcj02")
    lng_s, lat_s = lng.astype(object), lat.astype(object)
    bad = np.flatnonzero(rng.random(n) < BAD_SHARE)
    kind = rng.integers(0, 4, len(bad))
    lng_s[bad[kind == 0]] = None
    lat_s[bad[kind == 1]] = "30°31'N"
    swap = bad[kind == 2]
    lng_s[swap], lat_s[swap] = lat[swap], lng[swap]
    lng_s[bad[kind == 3]] = 121.47  # Shanghai
    return pd.DataFrame({
        "firm_id": np.arange(seed * GEN_CHUNK, seed * GEN_CHUNK + n, dtype=np.int64),
        "industry": INDUSTRIES[rng.integers(0, len(INDUSTRIES), n)],
        "lng": lng_s, "lat": lat_s,
    })


def write_synthetic(n: int, folder: Path, *, csv: bool) -> Path:
    """Write ``n`` synthetic firms as Parquet (lng/lat as text, as exports often are) or CSV."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = folder / f"firms_{n}.{'csv' if csv else 'parquet'}"
    writer = None
    for i, start in enumerate(range(0, n, GEN_CHUNK)):
        df = synthetic_chunk(min(GEN_CHUNK, n - start), seed=i)
        df["lng"] = df["lng"].map(lambda v: None if v is None else str(v))
        df["lat"] = df["lat"].map(lambda v: None if v is None else str(v))
        if csv:
            df.to_csv(path, mode="a", header=i == 0, index=False)
        else:
            table = pa.Table.from_pandas(df, preserve_index=False)
            writer = writer or pq.ParquetWriter(path, table.schema, compression="zstd")
            writer.write_table(table)
    if writer:
        writer.close()
    return path


# --- one case, run in a subprocess ------------------------------------------------------------


def _tree_sample(cpu: dict) -> float:
    """Resident memory (MB) of this process and all its children now; records each one's CPU seconds in ``cpu``."""
    import psutil

    me = psutil.Process()
    total = 0
    for p in [me, *me.children(recursive=True)]:
        try:
            with p.oneshot():
                total += p.memory_info().rss
                t = p.cpu_times()
                cpu[p.pid] = t.user + t.system
        except psutil.Error:
            pass
    return total / 2**20


def run_case(source: str, engine: str, out_dir: str, spatial_order: bool) -> dict:
    """Import ``source`` then count it per zone with ``engine``; return times and peak memory."""
    peak, cpu = {"mb": 0.0}, {}
    stop = threading.Event()

    def sample():
        while not stop.is_set():
            peak["mb"] = max(peak["mb"], _tree_sample(cpu))
            time.sleep(0.05)

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    import geopandas as gpd

    from geo.points import import_points, zone_figures

    t0 = time.perf_counter()
    summary = import_points(source, lon="lng", lat="lat", crs="gcj02", category="industry",
                            out=Path(out_dir) / "points.parquet")
    t1 = time.perf_counter()
    # isochrones as `corridor analyse` would have written them (computed once by the parent)
    iso = gpd.read_parquet(Path(out_dir).parent / "isochrones.parquet")
    startup = 0.0
    if engine == "memory":
        figures = zone_figures(summary.out, isochrones=iso, engine="memory")
    else:
        from geo.points.dask_engine import dask_client

        with dask_client(n_workers=2, threads_per_worker=1) as client:
            startup = time.perf_counter() - t1
            figures = zone_figures(summary.out, isochrones=iso, engine="dask", client=client,
                                   spatial_order=spatial_order)
    t2 = time.perf_counter()
    stop.set()
    thread.join()
    _tree_sample(cpu)
    return {
        "rows": summary.rows_read, "accepted": summary.accepted, "rejected": summary.rejected,
        "import_s": t1 - t0, "zones_s": t2 - t1, "cluster_startup_s": startup, "total_s": t2 - t0, "peak_rss_mb": peak["mb"],
        # CPU seconds of the process and its workers: less sensitive than wall time to a shared machine
        "cpu_s": round(sum(cpu.values()), 1), "load_average_1_5_15_min": [round(v, 1) for v in os.getloadavg()],
        "points_counted": figures.summary["points"],
        "partitions": figures.summary.get("partitions"),
        "zhigu_points": int(figures.zones.loc[figures.zones["zone_id"] == "zhigu", "points"].iloc[0]),
    }


def _subprocess(source: Path, engine: str, spatial_order: bool, work: Path) -> dict:
    out = work / f"out_{engine}_{source.stem}_{int(spatial_order)}"
    out.mkdir(exist_ok=True)
    cmd = [sys.executable, "-m", "benchmarks.bench_points", "--case", str(source), engine, str(out),
           str(int(spatial_order))]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=Path(__file__).resolve().parent.parent,
                          env={**os.environ, "PYTHONWARNINGS": "ignore"})
    if proc.returncode:
        return {"error": proc.stderr[-2000:]}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main(sizes=SIZES) -> dict:
    cases = []
    with tempfile.TemporaryDirectory(prefix="bench_points_") as tmp:
        work = Path(tmp)
        from geo.layers import load_layers
        from geo.points.core import compute_isochrones

        compute_isochrones(load_layers("campuses")["campuses"]).to_parquet(work / "isochrones.parquet")
        for n in sizes:
            t = time.perf_counter()
            files = [write_synthetic(n, work, csv=False)]
            if n <= 1_000_000:
                files.append(write_synthetic(n, work, csv=True))
            print(f"wrote {n:,d} synthetic GCJ-02 firms in {time.perf_counter() - t:.1f} s", flush=True)
            for source in files:
                runs = [("memory", False), ("dask", False), ("dask", True)]
                for engine, spatial_order in runs:
                    if source.suffix == ".csv" and engine == "dask":
                        continue
                    res = _subprocess(source, engine, spatial_order, work)
                    case = {"points": n, "format": source.suffix[1:], "engine": engine,
                            "spatial_order": spatial_order if engine == "dask" else None, **res}
                    cases.append(case)
                    print(json.dumps(case, ensure_ascii=False), flush=True)
            for f in files:
                f.unlink()
    _print_table(cases)
    print(json.dumps(_checks(cases, sizes), indent=1))
    results = {"cases": cases, "targets": {"1e7_memory_total_s": 120, "1e7_memory_peak_mb": 4096,
                                           "dask_vs_memory_throughput_ratio": 1.5}}
    results["checks"] = _checks(cases, sizes)
    save("points", results)
    return results


def _checks(cases, sizes=SIZES) -> dict:
    def find(n, engine, fmt="parquet", spatial_order=None):
        for c in cases:
            if c["points"] == n and c["engine"] == engine and c["format"] == fmt and "error" not in c and \
                    (spatial_order is None or c["spatial_order"] == spatial_order):
                return c
        return None

    out = {}
    mem = find(10_000_000, "memory")
    if mem:
        out["1e7_memory_total_s"] = round(mem["total_s"], 1)
        out["1e7_memory_under_2_min"] = mem["total_s"] < 120
        out["1e7_memory_peak_under_4gb"] = mem["peak_rss_mb"] < 4096
    for n in sizes:
        m = find(n, "memory")
        plain, ordered = find(n, "dask", spatial_order=False), find(n, "dask", spatial_order=True)
        for label, d in (("plain", plain), ("spatial_order", ordered)):
            if m and d:
                out[f"{n}_dask_{label}_over_memory_total"] = round(d["total_s"] / m["total_s"], 2)
                out[f"{n}_dask_{label}_over_memory_zones"] = round(d["zones_s"] / m["zones_s"], 2)
                out[f"{n}_dask_{label}_over_memory_cpu"] = round(d["cpu_s"] / m["cpu_s"], 2)
        if plain and ordered:
            # the default (settings.DASK_SPATIAL_ORDER) follows this: faster, on the clock and in CPU time
            out[f"{n}_dask_spatial_order_pays_off"] = bool(ordered["zones_s"] < plain["zones_s"]
                                                           and ordered["cpu_s"] < plain["cpu_s"])
    return out


def _print_table(cases) -> None:
    print(f"\n{'points':>11} {'fmt':>7} {'engine':>13} {'import s':>9} {'zones s':>8} {'total s':>8} "
          f"{'cpu s':>7} {'peak MB':>8}")
    for c in cases:
        if "error" in c:
            print(f"{c['points']:>11,d} {c['format']:>7} {c['engine']:>13}  ERROR {c['error'][-200:]}")
            continue
        engine = c["engine"] + ("+spatial" if c.get("spatial_order") else "")
        print(f"{c['points']:>11,d} {c['format']:>7} {engine:>13} {c['import_s']:>9.1f} {c['zones_s']:>8.1f} "
              f"{c['total_s']:>8.1f} {c['cpu_s']:>7.1f} {c['peak_rss_mb']:>8.0f}")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--case":
        src, eng, out_dir, shuf = sys.argv[2:6]
        print(json.dumps(run_case(src, eng, out_dir, shuf == "1")))
    else:
        sizes = tuple(int(float(a)) for a in sys.argv[1:]) or SIZES
        main(sizes)
