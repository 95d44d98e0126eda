"""The ingest command spreading a file over real Celery workers (`celery -A mdm worker` subprocesses)
through a real Redis broker and result backend, against the pytest-django test database: committed
transactions (`transaction=True`) so the workers see the rows this process wrote.

The broker is a Redis database of these tests' own (INGEST_TEST_BROKER_URL, default
$REDIS_URL/5), emptied before and after each test.
"""
from __future__ import annotations

import csv
import io
import os
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from mdm.ingest.files import parse_mapping, plan, read_records
from mdm.ingest.loader import LoadFailed, load_records
from mdm.models import SourceRecord, SourceStatus, Supplier
from mdm.services.systems import create_source_system
from tests.workers import Worker

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.celery]

BROKER_URL = os.environ.get("INGEST_TEST_BROKER_URL") or (
    os.environ.get("REDIS_URL", "redis://127.0.0.1:63799").rstrip("/") + "/5"
)

CITIES = ["Berlin", "Hamburg", "Köln", "Leipzig", "Dresden", "Mainz", "Kassel", "Bremen"]
SYLLABLES = ["kor", "vel", "tra", "min", "sol", "bex", "dur", "fal", "gri", "hon", "lum", "pax", "quin", "rov",
             "sta", "tek", "ulm", "vor", "wen", "zed"]


def distinct_names(count: int) -> list[str]:
    """Company names that share no word, so no two of them are the same company."""
    names = [f"{(a + b).capitalize()} {(b + a + 'o').capitalize()}" for a in SYLLABLES for b in SYLLABLES if a != b]
    return names[:count]


def supplier_rows(count: int) -> list[tuple[str, ...]]:
    rows = [("source_key", "name", "country", "city", "postal_code", "phone")]
    for i, name in enumerate(distinct_names(count)):
        rows.append((f"V-{i}", name, "DE", CITIES[i % len(CITIES)], f"{10000 + 37 * i}",
                     f"+49 30 {5550000 + 7919 * i}"))
    return rows


def write_csv(path: Path, rows: list[tuple[str, ...]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)
    return path


def run_ingest(*args, **kwargs) -> str:
    out = io.StringIO()
    call_command("ingest", *args, stdout=out, train="never", **kwargs)
    return out.getvalue()


def _database_url(name: str | None = None) -> str:
    db = connection.settings_dict
    return f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{name or db['NAME']}"


def _use_broker(url: str, backend: str | None) -> tuple[str, str | None]:
    """Point this process's Celery app (producer and result backend) at `url`; the previous pair."""
    from mdm.celery import app, close_broker_connections

    previous = (app.conf.broker_url, app.conf.result_backend)
    for key, value in (("CELERY_BROKER_URL", url), ("CELERY_RESULT_BACKEND", backend)):
        if value:
            os.environ[key] = value  # Celery reads these from the environment before its configuration
        else:
            os.environ.pop(key, None)
    close_broker_connections()  # closed, not just dropped: see close_broker_connections
    app.conf.broker_url = url
    app.conf.result_backend = backend
    app._backend_cache = None
    app._local = threading.local()
    return previous


@pytest.fixture
def ingest_broker() -> Iterator[str]:
    """This process's Celery app on the tests' Redis database, as broker and result backend, emptied."""
    import redis

    client = redis.Redis.from_url(BROKER_URL)
    client.flushdb()
    previous_env = {key: os.environ.get(key) for key in ("CELERY_BROKER_URL", "CELERY_RESULT_BACKEND")}
    previous = _use_broker(BROKER_URL, BROKER_URL)
    yield BROKER_URL
    _use_broker(*previous)
    for key, value in previous_env.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
    client.flushdb()


@pytest.fixture
def start_workers(ingest_broker: str, tmp_path: Path) -> Iterator[Callable[..., list[Worker]]]:
    """Factory: start_workers(2) -> that many ready workers of `concurrency` processes each."""
    started: list[Worker] = []

    def start(count: int = 1, *, concurrency: int = 1, database_url: str | None = None) -> list[Worker]:
        env = {key: value for key, value in os.environ.items() if not key.startswith(("PYTEST", "SYNC_"))}
        env.update(
            DATABASE_URL=database_url or _database_url(),
            CELERY_BROKER_URL=ingest_broker,
            CELERY_RESULT_BACKEND=ingest_broker,
            ROSETTA_DATA_DIR=str(tmp_path / "data"),
            DJANGO_SETTINGS_MODULE="mdm.settings",
            LOG_LEVEL="WARNING",
        )
        workers = [
            Worker(name=f"ingest{len(started) + i}-{os.getpid()}", log_path=tmp_path / f"worker-{len(started) + i}.log",
                   env=env, concurrency=concurrency).start()
            for i in range(count)
        ]
        started.extend(workers)
        return [worker.wait_ready() for worker in workers]

    yield start
    for worker in started:
        worker.kill()


def test_celery_workers_load_every_record_apply_versions_in_order_and_link_duplicates(tmp_path, start_workers):
    create_source_system(code="ERP", name="ERP", priority=10)
    rows = supplier_rows(300)
    # The same supplier twice under two keys: one golden record, whichever shard gets which key.
    rows.append(("V-DUP", rows[8][1] + " GmbH", "DE", rows[8][3], rows[8][4], rows[8][5]))
    # A key sent twice: the later row is the one that stays (and a batch later than the first).
    rows.append(("V-3", rows[4][1] + " Logistik", "DE", rows[4][3], rows[4][4], rows[4][5]))
    rows.append(("V-BAD", "", "DE", "", "", ""))
    path = write_csv(tmp_path / "erp.csv", rows)
    start_workers(2)

    summary = run_ingest("supplier", str(path), system="ERP", distribute="celery", batch_size=20)

    assert summary.startswith("read 303,")
    assert "in 4 shards over 2 Celery worker processes" in summary
    records = {r.source_key: r for r in SourceRecord.objects.filter(entity="supplier")}
    assert len(records) == 302  # V-3 twice
    assert records["V-BAD"].status == SourceStatus.QUARANTINED
    assert {r.status for k, r in records.items() if k != "V-BAD"} <= {SourceStatus.LINKED, SourceStatus.PENDING_REVIEW}
    assert records["V-3"].raw["name"] == rows[-2][1]
    assert Supplier.objects.get(golden_id=records["V-3"].golden_id).name == rows[-2][1]
    assert records["V-DUP"].golden_id == records["V-7"].golden_id
    assert Supplier.objects.filter(status="active").count() == 300
    # Every batch, on whichever worker, wrote under the file's one change context.
    assert len(set(SourceRecord.history.values_list("request_id", flat=True))) == 1
    assert set(SourceRecord.history.values_list("source_system", flat=True)) == {"ERP"}


def test_auto_with_no_worker_running_loads_on_local_processes(tmp_path, ingest_broker):
    create_source_system(code="ERP", name="ERP", priority=10)
    path = write_csv(tmp_path / "erp.csv", supplier_rows(60))

    summary = run_ingest("supplier", str(path), system="ERP", workers=2, batch_size=10)

    assert summary.startswith("read 60, created 60,")
    assert summary.rstrip().endswith("on 2 local processes")
    assert SourceRecord.objects.filter(status=SourceStatus.LINKED).count() == 60


def test_celery_asked_for_with_no_worker_running_ingests_nothing(tmp_path, ingest_broker):
    create_source_system(code="ERP", name="ERP", priority=10)
    path = write_csv(tmp_path / "erp.csv", supplier_rows(10))

    with pytest.raises(CommandError, match="no Celery worker answers. Nothing was ingested"):
        run_ingest("supplier", str(path), system="ERP", distribute="celery")
    assert not SourceRecord.objects.exists()


def test_a_failing_batch_on_a_worker_stops_the_command_with_its_error(tmp_path, start_workers):
    create_source_system(code="ERP", name="ERP", priority=10)
    path = write_csv(tmp_path / "erp.csv", supplier_rows(40))
    # A worker configured with a database that does not exist fails every batch it takes.
    start_workers(1, database_url=_database_url("rosetta_no_such_database"))

    with pytest.raises(CommandError, match=r"(?s)a Celery worker failed on a batch.*rosetta_no_such_database"):
        run_ingest("supplier", str(path), system="ERP", distribute="celery", batch_size=10)
    assert not SourceRecord.objects.exists()


def test_workers_vanishing_mid_load_fail_the_load_instead_of_hanging(tmp_path, start_workers):
    system = create_source_system(code="ERP", name="ERP", priority=10)
    path = write_csv(tmp_path / "erp.csv", supplier_rows(200))
    (worker,) = start_workers(1, concurrency=2)

    def kill_on_first_batch(done: int) -> None:
        worker.kill()  # the second call finds it dead already

    records = read_records(plan("supplier", path, fmt=None, mapping=parse_mapping([])))

    with pytest.raises(LoadFailed, match=r"no batch finished in 2 s \(no Celery worker answers\)"
                                         r"|no Celery worker has answered"):
        load_records(system=system, entity="supplier", records=records, reason="test", batch_size=10,
                     distribute="celery", shards=2, timeout=2, progress=kill_on_first_batch)
    # Batches that finished before the workers went are kept; the rest of the file is not loaded.
    assert 10 <= SourceRecord.objects.count() < 200
