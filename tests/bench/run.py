"""`make bench`: every benchmark, one after the other, each printing its own table.

Sizes default to the targets of the issues; set BENCH_SCALE=0.1 for a quick run.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SCALE = float(os.environ.get("BENCH_SCALE", "1"))


def n(value: int) -> str:
    return str(max(int(value * SCALE), 100))


BENCHES = [
    ("ingest", ["ingest.py", "--suppliers", n(100_000), "--rest-records", n(20_000)]),
    ("match", ["match.py", "--suppliers", n(100_000)]),
    ("match engine (offline)", ["match_engine.py", "--suppliers", n(100_000), "--products", n(100_000),
                                "--locations", n(10_000)]),
    ("sync", ["sync.py"]),
    ("api", ["api.py"]),
    ("ui", ["ui.py"]),
]


def main() -> int:
    failed = []
    for name, argv in BENCHES:
        script = HERE / argv[0]
        if not script.exists():
            continue
        print(f"\n=== {name}: {' '.join(argv)} ===", flush=True)
        if subprocess.call([sys.executable, str(script), *argv[1:]]) != 0:
            failed.append(name)
    if failed:
        print(f"\nfailed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
