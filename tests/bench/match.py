"""End-to-end match benchmark: generated data through the ingest command on PostgreSQL.

Generates N suppliers (and products, locations) from three systems with ground truth, loads
them with `manage.py ingest` into a fresh database, and reports per entity the pairwise
precision, recall and F1 of the resulting crosswalk against truth.csv, records/s and peak
memory; then the p50/p95/p99 latency of single-record REST ingest against that data.

    DATABASE_URL=postgres://...:54329/rosetta .venv/bin/python tests/bench/match.py --suppliers 100000

Rows the generator made malformed on purpose are left out of the truth (they are
quarantined); records left pending review count as unmatched, so they cost recall.
"""
from __future__ import annotations

import argparse
import csv
import io
import json
import os
import random
import resource
import statistics
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mdm.settings")
BENCH_DB = "rosetta_bench_match"


def use_scratch_database() -> None:
    import dj_database_url
    import psycopg

    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        raise SystemExit("set DATABASE_URL to a PostgreSQL server (make bench does)")
    config = dj_database_url.parse(url)
    admin = psycopg.connect(host=config["HOST"], port=config["PORT"], user=config["USER"],
                            password=config["PASSWORD"] or None, dbname="postgres", autocommit=True)
    admin.execute(f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")
    admin.execute(f"CREATE DATABASE {BENCH_DB}")
    admin.close()
    os.environ["DATABASE_URL"] = url.rsplit("/", 1)[0] + "/" + BENCH_DB


def pairwise(predicted: dict[str, str], truth: dict[str, str]) -> tuple[float, float, float]:
    """Pairwise precision/recall/F1 of a clustering (record -> cluster) against the truth."""
    def pairs(sizes):
        return sum(n * (n - 1) // 2 for n in sizes)

    keys = truth.keys()
    pred_sizes = Counter(predicted.get(k) or f"single:{k}" for k in keys)
    true_sizes = Counter(truth[k] for k in keys)
    both = Counter((predicted.get(k) or f"single:{k}", truth[k]) for k in keys)
    tp, predicted_pairs, true_pairs = pairs(both.values()), pairs(pred_sizes.values()), pairs(true_sizes.values())
    precision = tp / predicted_pairs if predicted_pairs else 1.0
    recall = tp / true_pairs if true_pairs else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--suppliers", type=int, default=100_000)
    parser.add_argument("--products", type=int, default=None, help="default: same as suppliers")
    parser.add_argument("--locations", type=int, default=None, help="default: suppliers / 10")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--realtime", type=int, default=300, help="single-record REST requests to time")
    parser.add_argument("--workers", type=int, default=None, help="ingest --workers (default: the command's)")
    parser.add_argument("--entities", default="uom,supplier,location,product", help="comma-separated, in load order")
    args = parser.parse_args()
    products = args.suppliers if args.products is None else args.products
    locations = max(args.suppliers // 10, 10) if args.locations is None else args.locations

    use_scratch_database()
    import django

    django.setup()
    from django.core.management import call_command

    from mdm.demo.generator import generate
    from mdm.models import SourceRecord
    from mdm.services.systems import create_source_system

    call_command("migrate", verbosity=0)
    call_command("seed_units", verbosity=0)
    for code, priority in (("ERP", 10), ("PORTAL", 20), ("WMS", 30)):
        create_source_system(code=code, name=code, priority=priority)

    out = Path(tempfile.mkdtemp(prefix="rosetta-bench-"))
    started = time.perf_counter()
    generate(out, suppliers=args.suppliers, products=products, locations=locations, seed=args.seed)
    print(f"generated in {time.perf_counter() - started:.1f} s into {out}", flush=True)

    timings: dict[str, tuple[int, float]] = {}
    for entity in args.entities.split(","):
        rows, seconds = 0, 0.0
        for system in ("ERP", "PORTAL", "WMS"):
            path = out / f"{system}_{entity}.csv"
            if not path.exists():
                continue
            t0 = time.perf_counter()
            buffer = io.StringIO()
            options = {} if args.workers is None else {"workers": args.workers}
            call_command("ingest", entity, str(path), system=system, stdout=buffer, **options)
            seconds += time.perf_counter() - t0
            rows += int(buffer.getvalue().split("read ")[1].split(",")[0])
            print(f"  {path.name}: {buffer.getvalue().strip()}", flush=True)
        timings[entity] = (rows, seconds)
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    malformed = set()
    if (out / "malformed.csv").exists():
        with open(out / "malformed.csv", newline="") as handle:
            malformed = {(r["entity"], r["system"], r["source_key"]) for r in csv.DictReader(handle)}
    truth: dict[str, dict[str, str]] = defaultdict(dict)
    with open(out / "truth.csv", newline="") as handle:
        for row in csv.DictReader(handle):
            if (row["entity"], row["system"], row["source_key"]) not in malformed:
                truth[row["entity"]][f"{row['system']}:{row['source_key']}"] = row["entity_id"]
    predicted: dict[str, dict[str, str]] = defaultdict(dict)
    statuses: dict[str, Counter] = defaultdict(Counter)
    for entity, system, key, golden_id, status in SourceRecord.objects.values_list(
        "entity", "system__code", "source_key", "golden_id", "status"
    ).iterator(chunk_size=10_000):
        predicted[entity][f"{system}:{key}"] = golden_id
        statuses[entity][status] += 1

    results = {}
    print("\n| entity | records | seconds | records/s | precision | recall | F1 | statuses |")
    print("|---|---:|---:|---:|---:|---:|---:|---|")
    for entity in ("supplier", "product", "location", "uom"):
        rows, seconds = timings.get(entity, (0, 0.0))
        p, r, f1 = pairwise(predicted[entity], truth[entity])
        results[entity] = {"records": rows, "seconds": round(seconds, 2), "precision": round(p, 4),
                           "recall": round(r, 4), "f1": round(f1, 4)}
        print(f"| {entity} | {rows} | {seconds:.1f} | {rows / seconds if seconds else 0:.0f} | {p:.4f} | {r:.4f} "
              f"| {f1:.4f} | {dict(statuses[entity])} |")
    total_rows = sum(v[0] for v in timings.values())
    total_seconds = sum(v[1] for v in timings.values())
    print(f"\nall entities: {total_rows} records in {total_seconds:.1f} s = {total_rows / total_seconds:.0f} records/s;"
          f" peak memory {peak_mib:.0f} MiB")

    latencies = realtime_latency(out, args.realtime)
    if latencies:
        q = statistics.quantiles(latencies, n=100)
        print(f"real-time single-record REST ingest ({len(latencies)} requests): p50 {q[49]:.1f} ms, "
              f"p95 {q[94]:.1f} ms, p99 {q[98]:.1f} ms")
        results["realtime_ms"] = {"p50": round(q[49], 1), "p95": round(q[94], 1), "p99": round(q[98], 1)}
    results["records_per_second"] = round(total_rows / total_seconds)
    results["peak_memory_mib"] = round(peak_mib)
    print(json.dumps(results))


def realtime_latency(out: Path, count: int) -> list[float]:
    """POST single suppliers (variants of loaded ones, new keys) through the real API stack."""
    if count <= 0:
        return []
    from rest_framework.test import APIClient

    from mdm.models import SourceSystem
    from mdm.services.systems import issue_token

    raw, _ = issue_token(system=SourceSystem.objects.get(code="PORTAL"), name="bench")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    with open(out / "ERP_supplier.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    rng = random.Random(1)
    latencies = []
    for i, row in enumerate(rng.sample(rows, min(count, len(rows)))):
        record = {k: v for k, v in row.items() if v}
        record["source_key"] = f"RT-{i}"
        record["name"] = record.get("name", "x").upper()
        t0 = time.perf_counter()
        response = client.post("/api/v1/ingest/supplier/", data=json.dumps([record]), content_type="application/json")
        latencies.append((time.perf_counter() - t0) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"REST ingest failed: {response.status_code} {response.content[:300]!r}")
    return latencies


if __name__ == "__main__":
    main()
