"""Run every benchmark: ``python -m benchmarks [TOPIC ...]`` (``make bench``)."""

from __future__ import annotations

import importlib
import pkgutil
import sys
from pathlib import Path


def main(argv: list[str]) -> int:
    here = Path(__file__).resolve().parent
    topics = sorted(m.name[len("bench_"):] for m in pkgutil.iter_modules([str(here)]) if m.name.startswith("bench_"))
    wanted = argv or topics
    unknown = [t for t in wanted if t not in topics]
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; available: {', '.join(topics)}", file=sys.stderr)
        return 2
    for topic in wanted:
        print(f"\n=== {topic} ===")
        importlib.import_module(f"benchmarks.bench_{topic}").main()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
