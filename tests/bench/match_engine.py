"""Offline accuracy and speed evaluator of the match engine (mdm.matching).

Generates a data set with mdm.demo.generator (or reads one with --data), then per entity:
normalize (no validation; rows the generator marks malformed are left out) -> match_keys ->
estimate (EM) -> cluster_bulk, and reports pairwise precision / recall / F1 against
truth.csv, time per phase, records/s and peak memory (max RSS).

    .venv/bin/python tests/bench/match_engine.py --suppliers 10000 --products 10000 --locations 1000
    .venv/bin/python tests/bench/match_engine.py --suppliers 100000 --entities supplier --sweep

--sweep re-runs only the clustering pass over other upper/lower thresholds, which is how
the defaults in mdm/matching/config.py were chosen: the lowest upper threshold whose
precision stays >= 0.99, and a lower threshold under which almost no true pair remains.
"""
from __future__ import annotations

import argparse
import csv
import os
import resource
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mdm.settings")

import django  # noqa: E402

django.setup()

from mdm.ingest.files import plan, read_records  # noqa: E402
from mdm.ingest.schema import field_names  # noqa: E402
from mdm.matching.config import Thresholds, entity_config  # noqa: E402
from mdm.matching.engine import cluster_scored, load_blocks, score_shard  # noqa: E402
from mdm.matching.keys import match_keys  # noqa: E402
from mdm.matching.model import estimate  # noqa: E402
from mdm.normalization import normalize_record  # noqa: E402

SYSTEMS = ("ERP", "WMS", "PORTAL")


def read_entity(data: Path, entity: str) -> tuple[list[tuple[str, dict]], dict[str, str]]:
    truth: dict[str, str] = {}
    malformed: set[tuple[str, str]] = set()
    if (data / "malformed.csv").exists():
        with open(data / "malformed.csv", newline="") as f:
            malformed = {(r["system"], r["source_key"]) for r in csv.DictReader(f) if r["entity"] == entity}
    with open(data / "truth.csv", newline="") as f:
        for r in csv.DictReader(f):
            if r["entity"] == entity:
                truth[f"{r['system']}:{r['source_key']}"] = r["entity_id"]
    allowed = set(field_names(entity))
    rows: list[tuple[str, dict]] = []
    for system in SYSTEMS:
        path = data / f"{system}_{entity}.csv"
        if not path.exists():
            continue
        # Each system's export in its own dialect (the WMS's is Windows-1252 with semicolons),
        # read as the ingest command reads it.
        for r in read_records(plan(entity, path, fmt="csv", mapping={})):
            if (system, r["source_key"]) in malformed:
                continue
            values = {k: v for k, v in r.items() if k in allowed}
            rows.append((f"{system}:{r['source_key']}", values))
    return rows, truth


def pairs_in(sizes: Counter) -> int:
    return sum(s * (s - 1) // 2 for s in sizes.values())


def pairwise(predicted: dict[str, str], truth: dict[str, str]) -> tuple[float, float, float]:
    ids = [r for r in predicted if r in truth]
    both = pairs_in(Counter((predicted[r], truth[r]) for r in ids))
    pred = pairs_in(Counter(predicted[r] for r in ids))
    true = pairs_in(Counter(truth[r] for r in ids))
    precision = both / pred if pred else 1.0
    recall = both / true if true else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def evaluate(data: Path, entity: str, *, workers: int, sweep: bool) -> None:
    rows, truth = read_entity(data, entity)
    t0 = time.perf_counter()
    normalized = [(rid, normalize_record(entity, values)) for rid, values in rows]
    t1 = time.perf_counter()
    records = [(rid, match_keys(entity, values)) for rid, values in normalized]
    keys = [k for _, k in records]
    t2 = time.perf_counter()
    model = estimate(entity, keys, workers=workers)
    t3 = time.perf_counter()
    blocks = load_blocks(entity, keys)
    scored = score_shard(model.columns(keys), blocks, model, workers=workers)
    t4 = time.perf_counter()
    thresholds = entity_config(entity).thresholds
    result = cluster_scored(records, scored, model, thresholds)
    t5 = time.perf_counter()
    predicted = {a.record_id: str(a.golden_id) for a in result}
    precision, recall, f1 = pairwise(predicted, truth)
    decisions = Counter(a.decision for a in result)
    engine = t5 - t2
    print(f"\n== {entity}: {len(records)} records, {len(set(truth[r] for r, _ in rows))} entities")
    print(f"   normalize {t1 - t0:.2f}s  match_keys {t2 - t1:.2f}s  estimate {t3 - t2:.2f}s  "
          f"block+score {t4 - t3:.2f}s ({len(scored.weight)} pairs)  cluster {t5 - t4:.2f}s")
    print(f"   engine (estimate..cluster) {engine:.2f}s = {len(records) / engine:,.0f} records/s; "
          f"with keys {len(records) / (t5 - t1):,.0f} records/s")
    print(f"   prior {model.prior:.4f}, EM iterations {model.training.get('iterations')}, "
          f"converged {model.training.get('converged')}; decisions {dict(decisions)}")
    print(f"   thresholds upper {thresholds.upper} lower {thresholds.lower}: "
          f"precision {precision:.4f} recall {recall:.4f} F1 {f1:.4f}")
    if sweep:
        for upper in (5.0, 7.0, 9.0, 11.0, 13.0, 15.0):
            for lower in (-4.0, 0.0):
                limits = Thresholds(upper=upper, lower=min(lower, upper))
                swept = cluster_scored(records, scored, model, limits)
                p, r, f = pairwise({a.record_id: str(a.golden_id) for a in swept}, truth)
                reviews = sum(a.decision == "review" for a in swept)
                print(f"   sweep upper {upper:5.1f} lower {lower:5.1f}: P {p:.4f} R {r:.4f} F1 {f:.4f} "
                      f"reviews {reviews}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--suppliers", type=int, default=10_000)
    parser.add_argument("--products", type=int, default=10_000)
    parser.add_argument("--locations", type=int, default=1_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--data", type=Path, help="an existing generated data set")
    parser.add_argument("--entities", default="supplier,product,location")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--sweep", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data = args.data
        if data is None:
            from mdm.demo.generator import generate

            data = Path(tmp)
            started = time.perf_counter()
            generate(data, suppliers=args.suppliers, products=args.products, locations=args.locations,
                     seed=args.seed)
            print(f"generated in {time.perf_counter() - started:.1f}s")
        for entity in args.entities.split(","):
            evaluate(data, entity, workers=args.workers, sweep=args.sweep)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\npeak memory (max RSS) {peak:.0f} MiB")


if __name__ == "__main__":
    main()
