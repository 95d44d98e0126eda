"""Render time of the stewardship pages with 100,000 golden records on PostgreSQL.

Creates a scratch database (the test database of DATABASE_URL, dropped at the end unless
--keep), fills it quickly with golden records, their source records and history, review
tasks, quarantined records and deliveries, then renders each main page N times through the
Django test client as a logged-in steward and prints median / p95 milliseconds and the
number of queries per page.

    DATABASE_URL=postgres://rosetta@127.0.0.1:54329/rosetta .venv/bin/python tests/bench/ui.py
    .venv/bin/python tests/bench/ui.py --goldens 100000 --runs 20 --keep
"""
from __future__ import annotations

import argparse
import logging
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mdm.settings")
os.environ.setdefault("SYNC_ALLOW_PRIVATE_TARGETS", "1")

import django  # noqa: E402

django.setup()
logging.getLogger("mdm.access").setLevel(logging.WARNING)  # one line per request would bury the table

from django.core.cache import cache  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402
from simple_history.utils import bulk_create_with_history  # noqa: E402

from mdm.audit import bulk_history_kwargs, change_context  # noqa: E402
from mdm.models import Location, Product, SourceRecord, SourceStatus, SourceSystem, Supplier  # noqa: E402
from mdm.services.roles import ensure_user  # noqa: E402
from mdm.services.systems import create_source_system  # noqa: E402
from stewardship.models import ReviewTask  # noqa: E402
from sync.models import Delivery, DeliveryAttempt, DeliveryState, Event  # noqa: E402
from sync.services import create_target  # noqa: E402

BUDGET_MS = 300
SHARE = {"supplier": 0.4, "product": 0.5, "location": 0.1}


def fill(goldens: int) -> dict:
    """Bulk-create the data set; returns ids the pages need."""
    started = time.monotonic()
    ensure_user(username="bench-steward", password="bench-pw-1", role="steward")
    systems = [create_source_system(code=c, name=c, kind="erp", priority=p)
               for c, p in (("ERP", 10), ("WMS", 20), ("PORTAL", 30))]
    SourceSystem.objects.update(last_received_at=timezone.now())
    now = timezone.now()
    first_ids: dict[str, str] = {}
    with change_context(system=systems[0], reason="benchmark load"):
        for entity, share in SHARE.items():
            model = {"supplier": Supplier, "product": Product, "location": Location}[entity]
            count = int(goldens * share)
            prefix = model.ID_PREFIX
            rows = []
            for i in range(1, count + 1):
                values = {"golden_id": f"{prefix}-{i:07d}", "name": f"{entity.title()} {i} Company",
                          "lineage": {"name": {"policy": "source_priority", "system": "ERP", "source_key": f"K{i}",
                                               "source_record": None, "at": now.isoformat()}}}
                if entity == "supplier":
                    values.update(tax_id=f"DE{i % (count - 50):09d}", city="Berlin", country="DE")
                elif entity == "product":
                    values.update(gtin=f"{i:014d}", brand="Brand", mpn=f"M-{i}")
                else:
                    values.update(code=f"L{i}", city="Lyon", country="FR")
                rows.append(model(**values))
            bulk_create_with_history(rows, model, batch_size=5000, **bulk_history_kwargs())
            first_ids[entity] = rows[0].golden_id
            records = [
                SourceRecord(system=systems[i % 2], entity=entity, source_key=f"{entity[:1]}-{i}",
                             raw={"name": r.name}, normalized={"name": r.name}, status=SourceStatus.LINKED,
                             golden_id=r.golden_id)
                for i, r in enumerate(rows)
            ]
            bulk_create_with_history(records, SourceRecord, batch_size=5000, **bulk_history_kwargs())
        bad = [SourceRecord(system=systems[2], entity="supplier", source_key=f"BAD-{i}", raw={"city": "X"},
                            status=SourceStatus.QUARANTINED,
                            errors=[{"pointer": "/name", "code": "required", "message": "name is required"}])
               for i in range(2000)]
        bulk_create_with_history(bad, SourceRecord, batch_size=5000, **bulk_history_kwargs())
        wms = {r.golden_id: r for r in SourceRecord.objects.filter(entity="supplier", system=systems[1])[:2000]}
        tasks = [ReviewTask(entity="supplier", source_record=r, golden_id=gid,
                            candidate_golden_id=f"SUP-{(n * 7 % 1000) + 1:07d}", score=4 + n % 20, probability=0.9,
                            rule="name", contributions=[{"field": "name", "level": "fuzzy", "weight": 4.0,
                                                         "similarity": 0.8}])
                 for n, (gid, r) in enumerate(wms.items())]
        bulk_create_with_history(tasks, ReviewTask, batch_size=5000, **bulk_history_kwargs())
    target, _ = create_target(name="bench-erp", url="http://127.0.0.1:9/hook", entities=["supplier"], active=False)
    event = Event.objects.create(entity="supplier", golden_id=first_ids["supplier"], golden_version=1,
                                 event_type="updated", payload={})
    deliveries = Delivery.objects.bulk_create([
        Delivery(target=target, event=event, entity="supplier", golden_id=f"SUP-{i + 1:07d}", golden_version=1,
                 state=DeliveryState.DEAD if i % 10 == 0 else DeliveryState.ACKNOWLEDGED, attempts=2)
        for i in range(20_000)
    ], batch_size=5000)
    DeliveryAttempt.objects.bulk_create([
        DeliveryAttempt(delivery=d, started_at=now, status_code=500, error="boom") for d in deliveries[:5000]
    ], batch_size=5000)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")  # the steady state autovacuum keeps a live database in
    print(f"filled {goldens} golden records in {time.monotonic() - started:.0f} s")
    return {"first": first_ids, "target": target.pk, "task": tasks[0].pk, "bad": bad[0].pk}


def kept_ids() -> dict:
    return {
        "first": {"supplier": Supplier.objects.order_by("golden_id").values_list("golden_id", flat=True)[0]},
        "target": Delivery.objects.values_list("target_id", flat=True).first(),
        "task": ReviewTask.objects.order_by("pk").values_list("pk", flat=True)[0],
        "bad": SourceRecord.objects.filter(status=SourceStatus.QUARANTINED).values_list("pk", flat=True)[0],
    }


def pages(ids: dict) -> dict[str, str]:
    sup = ids["first"]["supplier"]
    return {
        "dashboard": "/",
        "data quality (cold)": "/quality/",
        "data quality (cached)": "/quality/",
        "review queue": "/review/",
        "review queue filtered": "/review/?entity=supplier&system=WMS&min_score=10",
        "review compare": f"/review/{ids['task']}/",
        "golden record": f"/golden/supplier/{sup}/",
        "golden as of": f"/golden/supplier/{sup}/as-of/?at={timezone.now():%Y-%m-%dT%H:%M}",
        "quarantine": "/quarantine/",
        "quarantine record": f"/quarantine/{ids['bad']}/",
        "sync targets": "/targets/",
        "sync target": f"/targets/{ids['target']}/",
        "history": "/history/",
        "history filtered": "/history/?entity=supplier&system=ERP&action=%2B",
        "history page 100": "/history/?page=100",
        "search by name": "/search/?q=Company+4242",
        "search by key": "/search/?q=s-4242",
        "browse suppliers": "/search/?entity=supplier&page=2000",
    }


def measure(client: Client, name: str, url: str, runs: int) -> tuple[float, float, int]:
    timings = []
    queries = 0
    for run in range(runs + 1):
        if name == "data quality (cold)":
            cache.clear()
        with CaptureQueriesContext(connection) as ctx:
            start = time.perf_counter()
            response = client.get(url)
            elapsed = (time.perf_counter() - start) * 1000
        assert response.status_code == 200, (url, response.status_code)
        if run:  # the first run warms connections and templates
            timings.append(elapsed)
            queries = len(ctx)
    timings.sort()
    p95 = timings[min(len(timings) - 1, int(round(0.95 * len(timings))) - 1)]
    return statistics.median(timings), p95, queries


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--goldens", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    parser.add_argument("--reuse", action="store_true", help="measure a database kept by an earlier --keep run")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        raise SystemExit("set DATABASE_URL to a PostgreSQL server: the benchmark measures the production setup")
    old_name = connection.settings_dict["NAME"]
    # A name of its own, so the benchmark never drops the database a test run is using.
    connection.settings_dict.setdefault("TEST", {})["NAME"] = f"bench_ui_{old_name}"
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=args.reuse)
    try:
        ids = kept_ids() if args.reuse and Supplier.objects.exists() else fill(args.goldens)
        client = Client()
        client.login(username="bench-steward", password="bench-pw-1")
        print(f"{'page':<24}{'median ms':>10}{'p95 ms':>9}{'queries':>9}")
        slow = []
        for name, url in pages(ids).items():
            median, p95, queries = measure(client, name, url, args.runs)
            flag = "" if p95 <= BUDGET_MS else "  over budget"
            if flag:
                slow.append(name)
            print(f"{name:<24}{median:>10.1f}{p95:>9.1f}{queries:>9}{flag}")
        print(f"budget {BUDGET_MS} ms per page: {'all within' if not slow else 'exceeded by ' + ', '.join(slow)}")
    finally:
        if not (args.keep or args.reuse):
            connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
