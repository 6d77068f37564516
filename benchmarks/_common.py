"""Shared helpers for the benchmarks: timing, peak memory and result files."""

from __future__ import annotations

import json
import platform
import resource
import time
from pathlib import Path

RESULTS_DIR = Path(__file__).resolve().parent / "results"


def best_of(fn, *, repeat: int = 3) -> float:
    """Best wall time in seconds of ``repeat`` calls of ``fn``."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def machine() -> dict:
    """A short description of the machine the figures were measured on."""
    import os

    return {"python": platform.python_version(), "cpus": os.cpu_count(), "platform": platform.platform()}


def save(topic: str, results: dict) -> Path:
    """Write ``benchmarks/results/<topic>.json`` and return its path."""
    RESULTS_DIR.mkdir(exist_ok=True)
    path = RESULTS_DIR / f"{topic}.json"
    payload = {"topic": topic, "measured": time.strftime("%Y-%m-%d %H:%M:%S"), "machine": machine(), **results}
    path.write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path
