"""The event log and outbox rows written by record_event, targets, replay and the pull feed."""
from __future__ import annotations

import csv
import json
import threading
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from mdm.audit import change_context
from sync import delivery, selectors, services, transports
from sync.models import AppendOnlyError, Delivery, DeliveryState, Event, Target

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _allow_local(settings):
    settings.SYNC_ALLOW_PRIVATE_TARGETS = True


def target(name: str, entities=("supplier",), **kwargs) -> Target:
    kwargs.setdefault("url", f"http://127.0.0.1:9/{name}")
    return services.create_target(name=name, entities=list(entities), **kwargs)[0]


def change(golden_id: str = "SUP-000001", version: int = 1, event_type: str = "updated", entity: str = "supplier"):
    return services.record_event(entity=entity, golden_id=golden_id, golden_version=version, event_type=event_type,
                                 payload={"attributes": {"name": "Acme"}, "keys": {"ERP": ["V-1"], "WMS": ["W-1"]}})


def test_record_event_queues_one_delivery_per_subscribed_target_in_the_same_transaction():
    erp = target("ERP")
    wms = target("WMS", entities=("supplier", "product"), event_types=["created"])
    portal = target("PORTAL", entities=("product",))
    paused = target("PAUSED", active=False)

    with transaction.atomic(), change_context(system="ERP", reason="nightly load"):
        event = change(event_type="updated")
        created = change("SUP-000002", event_type="created")

    assert set(Delivery.objects.filter(event=event).values_list("target__name", flat=True)) == {"ERP", "PAUSED"}
    assert set(Delivery.objects.filter(event=created).values_list("target__name", flat=True)) == {
        "ERP", "WMS", "PAUSED"
    }
    assert not Delivery.objects.filter(target=portal).exists()
    assert event.source_system == "ERP" and event.request_id
    assert {erp.pk, wms.pk, paused.pk} >= set(Delivery.objects.values_list("target_id", flat=True))


def test_a_rolled_back_change_leaves_no_event_and_no_delivery():
    target("ERP")
    with pytest.raises(RuntimeError), transaction.atomic():
        change()
        raise RuntimeError("the golden record update failed")

    assert not Event.objects.exists() and not Delivery.objects.exists()


def test_events_are_append_only():
    event = change()
    event.payload = {"attributes": {"name": "Changed"}}

    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    assert Event.objects.get(pk=event.pk).payload["attributes"] == {"name": "Acme"}


def test_unknown_event_types_are_refused():
    with pytest.raises(ValueError, match="unknown event type"):
        change(event_type="edited")


def test_bulk_record_events_matches_single_calls():
    target("ERP")
    events = services.record_events(changes=[
        {"entity": "supplier", "golden_id": f"SUP-{n:06d}", "golden_version": 1, "event_type": "created",
         "payload": {"attributes": {"n": n}}} for n in range(50)
    ])

    assert len({event.pk for event in events}) == 50
    assert Delivery.objects.filter(state=DeliveryState.PENDING).count() == 50


def test_a_new_target_is_seen_by_the_next_event():
    change("SUP-000001")
    target("ERP")
    change("SUP-000002")

    assert list(Delivery.objects.values_list("golden_id", flat=True)) == ["SUP-000002"]


def test_targets_are_validated():
    with pytest.raises(ValidationError, match="entities"):
        services.create_target(name="X", url="http://127.0.0.1:9/", entities=["vendor"])
    with pytest.raises(ValidationError, match="URL"):
        services.create_target(name="Y", url="", entities=["supplier"])
    with pytest.raises(ValueError, match="whsec_"):
        services.create_target(name="Z", url="http://127.0.0.1:9/", entities=["supplier"], secret="hunter2")


def test_the_pull_feed_pages_by_cursor_and_filters_by_entity():
    for n in range(5):
        change(f"SUP-{n:06d}")
    change("PRD-000001", entity="product")

    first, cursor = selectors.changes_since(cursor=None, entity=None, limit=4)
    rest, end = selectors.changes_since(cursor=cursor, entity=None, limit=4)
    products, _ = selectors.changes_since(cursor=None, entity="product", limit=10)
    nothing, same = selectors.changes_since(cursor=end, entity=None, limit=4)

    assert [e.golden_id for e in first + rest] == [f"SUP-{n:06d}" for n in range(5)] + ["PRD-000001"]
    assert [e.golden_id for e in products] == ["PRD-000001"]
    assert (nothing, same) == ([], end)


@pytest.mark.django_db(transaction=True)
def test_the_feed_never_skips_an_event_that_commits_late():
    """A slow transaction takes a lower id but commits later: the reader must still get it."""
    slow_inserted, release = threading.Event(), threading.Event()

    def slow_writer():
        with transaction.atomic():
            change("SUP-SLOW")
            slow_inserted.set()
            release.wait(10)
        connection.close()

    writer = threading.Thread(target=slow_writer)
    writer.start()
    slow_inserted.wait(10)
    with transaction.atomic():
        change("SUP-FAST")
    seen, cursor = selectors.changes_since(cursor=None, entity=None, limit=100)
    release.set()
    writer.join(10)
    later, _ = selectors.changes_since(cursor=cursor, entity=None, limit=100)

    assert [e.golden_id for e in seen] == ["SUP-FAST"]
    assert [e.golden_id for e in later] == ["SUP-SLOW"]


def test_propagation_status_says_which_targets_have_a_version():
    erp, wms = target("ERP"), target("WMS")
    target("PORTAL", entities=("product",))
    change(version=1)
    change(version=2)
    Delivery.objects.filter(target=erp, golden_version=2).update(
        state=DeliveryState.ACKNOWLEDGED, acknowledged_at=timezone.now()
    )
    Delivery.objects.filter(target=wms, golden_version=1).update(
        state=DeliveryState.ACKNOWLEDGED, acknowledged_at=timezone.now()
    )

    current = selectors.propagation_status(entity="supplier", golden_id="SUP-000001", version=2)
    older = selectors.propagation_status(entity="supplier", golden_id="SUP-000001", version=1)

    assert set(current) == {"ERP", "WMS"}
    assert current["ERP"]["acknowledged"] and current["ERP"]["acknowledged_at"]
    assert current["WMS"] == {"acknowledged": False, "acknowledged_at": None, "state": "pending"}
    assert older["ERP"]["acknowledged"]  # v2 carries v1's changes


def test_replay_since_queues_history_for_a_new_consumer_and_sends_only_the_newest(receiver):
    change("SUP-000001", 1)
    change("SUP-000001", 2)
    change("SUP-000002", 1)
    rebuilt, secret = services.create_target(name="NEW", url=receiver.url, entities=["supplier"])
    receiver.secret = secret

    assert services.replay_since(target=rebuilt, since=timezone.now() - timedelta(hours=1)) == 3
    delivery.run_target(target_id=rebuilt.pk, time_budget=5)

    assert sorted((r.golden_id, r.version) for r in receiver.received) == [("SUP-000001", 2), ("SUP-000002", 1)]


def test_file_drop_targets_append_jsonl_and_csv(tmp_path):
    jsonl, _ = services.create_target(name="LEGACY", transport="file_drop", folder=str(tmp_path / "j"),
                                      entities=["supplier"], source_system="ERP", send_own_keys=True)
    as_csv, _ = services.create_target(name="OLDWMS", transport="file_drop", folder=str(tmp_path / "c"),
                                       file_format="csv", entities=["supplier"])
    first, second = change("SUP-000001", 1), change("SUP-000002", 1)

    delivery.run_target(target_id=jsonl.pk, time_budget=5)
    delivery.run_target(target_id=as_csv.pk, time_budget=5)

    lines = [json.loads(line) for line in (tmp_path / "j" / "supplier.jsonl").read_text().splitlines()]
    assert {line["id"] for line in lines} == {str(first.event_id), str(second.event_id)}
    assert lines[0]["own_keys"] == ["V-1"] and lines[0]["data"]["attributes"] == {"name": "Acme"}
    rows = list(csv.DictReader((tmp_path / "c" / "supplier.csv").open()))
    assert sorted(row["golden_id"] for row in rows) == ["SUP-000001", "SUP-000002"]
    assert Delivery.objects.filter(state=DeliveryState.ACKNOWLEDGED).count() == 4


def test_a_new_csv_file_gets_its_header_first_when_deliveries_append_side_by_side(tmp_path):
    """The sender threads append at once; each append holds the file, so the header leads."""
    as_csv, _ = services.create_target(name="OLDWMS", transport="file_drop", folder=str(tmp_path / "c"),
                                       file_format="csv", entities=["supplier"])
    for round_ in range(3):
        folder = tmp_path / "c"
        for path in folder.glob("*.csv"):
            path.unlink()
        ids = [f"SUP-{round_}{n:05d}" for n in range(60)]
        for golden_id in ids:
            change(golden_id, 1)
        delivery.run_target(target_id=as_csv.pk, time_budget=10)
        lines = (folder / "supplier.csv").read_text().splitlines()
        assert lines[0] == ",".join(transports.CSV_COLUMNS)
        assert sorted(row["golden_id"] for row in csv.DictReader(lines)) == ids


def test_a_change_commits_and_stays_queued_when_the_broker_is_down(django_capture_on_commit_callbacks):
    from mdm.celery import app

    target("ERP")
    app.conf.broker_url = "redis://127.0.0.1:1/0"
    app.conf.broker_connection_timeout = 0.2
    app._pool = None
    app.amqp._producer_pool = None
    try:
        with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
            change()
    finally:
        services._broker_down_until = 0.0
        app.conf.broker_connection_timeout = 4

    assert Delivery.objects.get().state == DeliveryState.PENDING
    assert selectors.due_target_ids() == [Target.objects.get().pk]


@pytest.mark.django_db
def test_steward_actions_on_a_target_are_in_history_with_who_and_why(settings, steward):
    from mdm.audit import change_context
    from sync import services as sync_services
    from sync.models import SyncAction

    settings.SYNC_ALLOW_PRIVATE_TARGETS = True
    with change_context(user=steward, reason="new WMS feed"):
        target, _ = sync_services.create_target(name="audit-wms", url="http://127.0.0.1:9/h", entities=["supplier"])
    with change_context(user=steward, reason="WMS upgrade tonight"):
        sync_services.set_target_active(target=target, active=False)
    with change_context(user=steward, reason="WMS lost its data"):
        sync_services.replay_dead_letters(target=target)
    rows = SyncAction.history.filter(target=target).order_by("history_date")
    assert [(r.kind, r.history_change_reason, r.history_user_id) for r in rows] == [
        ("create", "new WMS feed", steward.pk), ("pause", "WMS upgrade tonight", steward.pk),
        ("replay_dead_letters", "WMS lost its data", steward.pk)]
