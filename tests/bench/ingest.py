"""Ingest throughput: CLI ingest of N generated suppliers and REST ingest in batches of 500.

    DATABASE_URL=postgres://... .venv/bin/python tests/bench/ingest.py --suppliers 100000

Runs on a scratch PostgreSQL database. The CLI number is end to end (read, validate,
normalize, match, survive, publish, history); the REST number goes through the real
request stack (DRF, token authentication) in-process, batches of 500 records.
"""
from __future__ import annotations

import argparse
import csv
import io
import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mdm.settings")

from match import use_scratch_database  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--suppliers", type=int, default=100_000)
    parser.add_argument("--rest-records", type=int, default=20_000)
    args = parser.parse_args()
    use_scratch_database()
    import django

    django.setup()
    from django.core.management import call_command
    from rest_framework.test import APIClient

    from mdm.demo.generator import generate
    from mdm.services.systems import create_source_system, issue_token

    call_command("migrate", verbosity=0)
    call_command("seed_units", verbosity=0)
    erp = create_source_system(code="ERP", name="ERP", priority=10)
    portal = create_source_system(code="PORTAL", name="PORTAL", priority=20)
    out = Path(tempfile.mkdtemp(prefix="rosetta-ingest-"))
    generate(out, suppliers=args.suppliers, products=0, locations=0, seed=11)

    t0 = time.perf_counter()
    buffer = io.StringIO()
    call_command("ingest", "supplier", str(out / "ERP_supplier.csv"), system=erp.code, stdout=buffer)
    cli_seconds = time.perf_counter() - t0
    cli_rows = int(buffer.getvalue().split("read ")[1].split(",")[0])
    print(f"CLI: {buffer.getvalue().strip()}")

    raw, _ = issue_token(system=portal, name="bench")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    with open(out / "PORTAL_supplier.csv", newline="") as handle:
        rows = [{k: v for k, v in row.items() if v} for row in csv.DictReader(handle)][: args.rest_records]
    t0 = time.perf_counter()
    for start in range(0, len(rows), 500):
        response = client.post("/api/v1/ingest/supplier/", data=json.dumps(rows[start:start + 500]),
                               content_type="application/json")
        if response.status_code != 200:
            raise SystemExit(f"REST ingest failed: {response.status_code}")
    rest_seconds = time.perf_counter() - t0
    print("\n| path | records | seconds | records/s |\n|---|---:|---:|---:|")
    print(f"| CLI ingest (ERP suppliers, full matching) | {cli_rows} | {cli_seconds:.1f} | "
          f"{cli_rows / cli_seconds:.0f} |")
    print(f"| REST ingest, batches of 500 (PORTAL suppliers) | {len(rows)} | {rest_seconds:.1f} | "
          f"{len(rows) / rest_seconds:.0f} |")
    pure_work(out / "ERP_supplier.csv")


def pure_work(path: Path) -> None:
    """What one record costs before the database is asked anything: reading, validation,
    normalization, match and blocking keys (one process, the CLI's functions)."""
    from mdm.ingest.files import plan, read_records
    from mdm.ingest.services import _without_nul, content_hash
    from mdm.ingest.validation import validate_record
    from mdm.matching.blocking import blocking_keys
    from mdm.matching.keys import match_keys
    from mdm.normalization import normalize_record

    t0 = time.perf_counter()
    records = list(read_records(plan("supplier", path, fmt=None, mapping={})))
    spent = {"read": time.perf_counter() - t0, "clean and hash": 0.0, "validate": 0.0, "normalize": 0.0,
             "match keys": 0.0, "blocking keys": 0.0}
    for raw in records:
        t0 = time.perf_counter()
        raw = _without_nul(raw)
        content_hash(raw)
        t1 = time.perf_counter()
        result = validate_record("supplier", raw)
        t2 = time.perf_counter()
        spent["clean and hash"] += t1 - t0
        spent["validate"] += t2 - t1
        if result.errors:
            continue
        normalized = normalize_record("supplier", result.values)
        t3 = time.perf_counter()
        keys = match_keys("supplier", normalized)
        t4 = time.perf_counter()
        blocking_keys("supplier", keys)
        spent["normalize"] += t3 - t2
        spent["match keys"] += t4 - t3
        spent["blocking keys"] += time.perf_counter() - t4
    per_record = {stage: 1e6 * seconds / len(records) for stage, seconds in spent.items()}
    print("\n| work per record before any query, one process | us/record |\n|---|---:|")
    for stage, micros in per_record.items():
        print(f"| {stage} | {micros:.1f} |")
    print(f"| all of it ({len(records)} ERP suppliers) | {sum(per_record.values()):.1f} |")


if __name__ == "__main__":
    main()
