"""Concurrency on PostgreSQL: concurrent ingests of one new supplier, merge against unmerge."""
from __future__ import annotations

import threading
import time
from contextlib import contextmanager

import pytest
from django.db import connection, transaction

from mdm.ingest.services import ingest_records
from mdm.models import GoldenStatus, SourceRecord, Supplier
from mdm.services.golden import golden_merge, golden_unmerge

pytestmark = pytest.mark.django_db(transaction=True)

ACME = {"name": "ACME Corp", "country": "US", "city": "Boston", "postal_code": "02110",
        "phone": "(617) 555-0100", "address_line1": "1 Main Street"}


def run_together(*calls):
    barrier = threading.Barrier(len(calls))
    errors: list[BaseException] = []

    def runner(call):
        try:
            barrier.wait(timeout=10)
            call()
        except BaseException as exc:  # noqa: BLE001 - reported to the test below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=runner, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors


@pytest.mark.parametrize("round_", range(3))
def test_two_concurrent_ingests_of_the_same_new_supplier_give_one_golden_record(erp, portal, round_):
    run_together(
        lambda: ingest_records(system=erp, entity="supplier", records=[{**ACME, "source_key": "V-1"}]),
        lambda: ingest_records(system=portal, entity="supplier", records=[{**ACME, "source_key": "SUP-1"}]),
    )
    goldens = set(SourceRecord.objects.values_list("golden_id", flat=True))
    assert len(goldens) == 1 and "" not in goldens
    assert Supplier.objects.filter(status=GoldenStatus.ACTIVE).count() == 1


def test_the_same_record_sent_twice_at_once_is_stored_once(erp):
    run_together(*[lambda: ingest_records(system=erp, entity="supplier", records=[{**ACME, "source_key": "V-1"}])
                   for _ in range(3)])
    assert SourceRecord.objects.count() == 1 and Supplier.objects.count() == 1


def test_merge_and_unmerge_of_the_same_golden_record_serialize(erp, wms, steward):
    ingest_records(system=erp, entity="supplier", records=[{**ACME, "source_key": "V-1"}])
    ingest_records(system=wms, entity="supplier", records=[
        {"source_key": "g", "name": "Globex GmbH", "country": "DE"},
        {"source_key": "i", "name": "Initech LLC", "country": "US", "city": "Austin"}])
    acme = Supplier.objects.get(name="ACME Corp")
    globex = Supplier.objects.get(name="Globex GmbH")
    initech = Supplier.objects.get(name="Initech LLC")
    golden_merge(survivor=acme, victim=globex, user=steward, reason="first")
    moved = SourceRecord.objects.get(source_key="g")
    run_together(
        lambda: golden_unmerge(golden=acme, source_record=moved, user=steward, reason="undo"),
        lambda: golden_merge(survivor=acme, victim=initech, user=steward, reason="second"),
    )
    for record in SourceRecord.objects.all():
        owner = Supplier.objects.get(golden_id=record.golden_id)
        assert owner.status == GoldenStatus.ACTIVE
    assert Supplier.objects.get(pk=globex.pk).status == GoldenStatus.ACTIVE
    assert Supplier.objects.get(pk=initech.pk).merged_into_id == acme.pk


@contextmanager
def held_open(work):
    """Run `work` in a transaction on another thread, and keep that transaction open until the
    block ends; the block gets what `work` returned."""
    held = threading.Event()
    release = threading.Event()
    returned: list = []

    def run():
        try:
            with transaction.atomic():
                returned.append(work())
                held.set()
                release.wait(timeout=30)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    try:
        assert held.wait(timeout=10)
        yield returned[0]
    finally:
        release.set()
        thread.join(timeout=30)


def test_creating_golden_records_does_not_wait_for_another_open_transaction(erp, portal):
    """Golden ids come from a sequence: a load still open holds no lock that a request creating a
    golden record would have to wait for, and the two never get the same id."""
    from mdm.services.golden import allocate_golden_ids

    with held_open(lambda: allocate_golden_ids(model=Supplier, count=3)) as taken:
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '2s'")  # a wait would fail the request instead of hanging
        try:
            result = ingest_records(system=portal, entity="supplier", records=[{**ACME, "source_key": "SUP-1"}])[0]
        finally:
            with connection.cursor() as cursor:
                cursor.execute("RESET lock_timeout")
    assert result.outcome == "created" and result.golden_id not in taken and len(set(taken)) == 3


def _unrelated(prefix: str, count: int) -> list[dict[str, str]]:
    """Suppliers that match nothing: names of made-up words no other record shares."""
    import hashlib

    def word(text: str) -> str:
        return "".join(chr(ord("a") + b % 26) for b in hashlib.sha256(text.encode()).digest()[:7])

    return [{"source_key": f"{prefix}-{i}", "name": f"{word(f'{prefix}{i}a')} {word(f'{prefix}{i}b')}",
             "country": "US"} for i in range(count)]


def _advisory_lock_waiters() -> int:
    """How many advisory locks are waited for, once some are (within ten seconds)."""
    for _ in range(200):
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")
            waiting = cursor.fetchone()[0]
        if waiting:
            return waiting
        time.sleep(0.05)
    return 0


def test_a_batch_scored_while_another_was_open_finds_what_that_one_committed(erp, portal):
    """A load's batch scores its candidates before it waits for the batches sharing its blocking
    keys; once its turn comes it must see what they committed: the duplicate links."""
    second: list = []

    def later_batch():
        try:
            second.extend(ingest_records(system=portal, entity="supplier",
                                         records=[*_unrelated("P", 20), {**ACME, "source_key": "SUP-1"}]))
        finally:
            connection.close()

    follower = threading.Thread(target=later_batch)
    try:
        with held_open(lambda: ingest_records(system=erp, entity="supplier",
                                              records=[{**ACME, "source_key": "V-1"}, *_unrelated("E", 20)])) as first:
            follower.start()
            # The second batch has scored (seeing no ACME yet) and now waits for the first one's locks.
            assert _advisory_lock_waiters() == 1
    finally:
        if follower.is_alive():
            follower.join(timeout=30)
    acme_first, acme_second = first[0], second[-1]
    assert acme_first.outcome == "created"
    assert acme_second.outcome == "linked" and acme_second.golden_id == acme_first.golden_id
    assert [r.outcome for r in second[:-1]] == ["created"] * 20
    assert Supplier.objects.filter(status=GoldenStatus.ACTIVE).count() == 41


def test_others_ended_since_tells_whether_another_transaction_ended_after_a_snapshot(erp):
    from mdm.db import current_snapshot, others_ended_since

    def write_elsewhere(name: str) -> None:
        def write():
            try:
                with transaction.atomic(), connection.cursor() as cursor:
                    cursor.execute("UPDATE mdm_sourcesystem SET name = %s WHERE code = 'ERP'", [name])
            finally:
                connection.close()

        thread = threading.Thread(target=write)
        thread.start()
        thread.join(timeout=30)

    with transaction.atomic():
        snapshot = current_snapshot()
        with connection.cursor() as cursor:  # this transaction's own id does not count
            cursor.execute("SELECT pg_current_xact_id()")
        assert others_ended_since(snapshot) is False
        write_elsewhere("elsewhere")
        assert others_ended_since(snapshot) is True


def test_a_batch_nobody_wrote_around_looks_at_its_candidates_once(erp, portal):
    """The second look under the locks is for what others committed meanwhile: with nothing
    committed, the batch asks for its candidates once."""
    from django.test.utils import CaptureQueriesContext

    ingest_records(system=erp, entity="supplier", records=[{**ACME, "source_key": "V-1"}, *_unrelated("E", 20)])
    with CaptureQueriesContext(connection) as alone:
        results = ingest_records(system=portal, entity="supplier",
                                 records=[{**ACME, "source_key": "SUP-1"}, *_unrelated("P", 20)])
    assert results[0].outcome == "linked"
    probes = [q for q in alone.captured_queries if "CROSS JOIN LATERAL" in q["sql"]]
    assert len(probes) == 1
