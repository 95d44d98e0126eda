"""End to end with real `celery -A mdm worker` processes, a real Redis broker and a real HTTP receiver.

Every test commits its changes (transaction=True) so the worker processes can see them.
"""
from __future__ import annotations

import base64
import json
import time
from collections import defaultdict

import pytest
from django.core.management import call_command
from django.db import transaction
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from sync import services, signing
from sync.models import Delivery, DeliveryAttempt, DeliveryState, Event

pytestmark = [pytest.mark.celery, pytest.mark.django_db(transaction=True)]


def make_target(receiver, name: str = "WMS"):
    target, secret = services.create_target(name=name, url=receiver.url, entities=["supplier", "product"])
    receiver.secret = secret
    return target


def change(golden_id: str, version: int, entity: str = "supplier") -> Event:
    with transaction.atomic():
        return services.record_event(
            entity=entity, golden_id=golden_id, golden_version=version,
            event_type="created" if version == 1 else "updated",
            payload={"attributes": {"name": f"{golden_id} v{version}"}, "keys": {"ERP": [golden_id.lower()]}},
        )


def bulk_changes(golden_ids: list[str], version: int = 1) -> list[Event]:
    with transaction.atomic():
        return services.record_events(
            changes=[
                {"entity": "supplier", "golden_id": golden_id, "golden_version": version, "event_type": "created",
                 "payload": {"attributes": {"name": golden_id}}}
                for golden_id in golden_ids
            ]
        )


def waiting(target) -> int:
    return Delivery.objects.filter(target=target, state__in=[DeliveryState.PENDING, DeliveryState.IN_FLIGHT]).count()


def assert_in_order(receiver) -> None:
    """No golden record ever received an older version after a newer one."""
    seen: dict[str, int] = defaultdict(int)
    for item in receiver.received:
        assert item.version >= seen[item.golden_id], f"{item.golden_id}: v{item.version} after v{seen[item.golden_id]}"
        seen[item.golden_id] = item.version


def test_delivery_is_signed_so_a_reference_verifier_accepts_it(receiver, start_worker, wait_for):
    make_target(receiver)
    start_worker()
    event = change("SUP-000001", 1)

    wait_for(receiver.count, timeout=20, message="the signed delivery")

    got = receiver.received[0]
    assert got.event_id == str(event.event_id) == got.headers["webhook-id"]
    assert json.loads(got.body)["data"]["attributes"] == {"name": "SUP-000001 v1"}
    reference = Webhook(receiver.secret)
    assert reference.verify(got.body, got.headers)["golden_id"] == "SUP-000001"
    assert signing.verify(secret=receiver.secret, headers=got.headers, body=got.body) == got.event_id

    tampered = got.body.replace(b"SUP-000001 v1", b"SUP-000001 v9")
    with pytest.raises(WebhookVerificationError):
        reference.verify(tampered, got.headers)
    with pytest.raises(signing.WebhookVerificationError):
        signing.verify(secret=receiver.secret, headers=got.headers, body=tampered)

    stale_ts = int(time.time()) - 301
    stale = signing.signed_headers(secret=receiver.secret, msg_id=got.event_id, body=got.body, timestamp=stale_ts)
    with pytest.raises(WebhookVerificationError):
        reference.verify(got.body, stale)
    with pytest.raises(signing.WebhookVerificationError, match="too old"):
        signing.verify(secret=receiver.secret, headers=stale, body=got.body)
    other_key = "whsec_" + base64.b64encode(b"another-secret-of-24-bytes").decode()
    with pytest.raises(signing.WebhookVerificationError):
        signing.verify(secret=other_key, headers=got.headers, body=got.body)


def test_failing_receiver_recovers_and_everything_arrives_in_order(receiver, start_worker, wait_for):
    failing_until: list[float] = []

    def fail_for_two_seconds(body: dict) -> int:
        if not failing_until:
            failing_until.append(time.monotonic() + 2.0)
        return 500 if time.monotonic() < failing_until[0] else 200

    receiver.respond = fail_for_two_seconds
    target = make_target(receiver)
    start_worker()
    golden_ids = [f"SUP-{n:06d}" for n in range(30)]
    for version in (1, 2, 3):
        for golden_id in golden_ids:
            change(golden_id, version)
        time.sleep(0.3)

    wait_for(lambda: waiting(target) == 0, timeout=60, message="every delivery to finish")

    assert receiver.rejected > 0
    assert not Delivery.objects.filter(target=target, state=DeliveryState.DEAD).exists()
    latest = {item.golden_id: item.version for item in receiver.received}
    assert latest == {golden_id: 3 for golden_id in golden_ids}  # nothing lost: every record's newest version
    assert_in_order(receiver)


def test_receiver_down_during_1000_changes_gets_all_after_it_returns(receiver, start_worker, wait_for):
    target = make_target(receiver)
    receiver.stop()
    start_worker()
    events = []
    for start in range(0, 1000, 50):
        events += bulk_changes([f"SUP-{n:06d}" for n in range(start, start + 50)])
    wait_for(lambda: DeliveryAttempt.objects.filter(success=False).exists(), timeout=20, message="failed attempts")

    receiver.start()  # same port
    wait_for(lambda: waiting(target) == 0, timeout=90, message="all 1,000 deliveries")

    assert receiver.event_ids() == {str(event.event_id) for event in events}
    assert Delivery.objects.filter(target=target, state=DeliveryState.ACKNOWLEDGED).count() == 1000


def test_worker_killed_mid_run_loses_nothing_and_duplicates_keep_their_event_id(receiver, start_worker, wait_for):
    receiver.delay = 0.002
    target = make_target(receiver)
    events = []
    for start in range(0, 2000, 500):
        events += bulk_changes([f"SUP-{n:06d}" for n in range(start, start + 500)])
    worker = start_worker(name="doomed")
    wait_for(lambda: receiver.count() >= 300, timeout=60, message="the run to get going")

    worker.kill()
    sent_before_kill = receiver.count()
    assert sent_before_kill < 2000
    start_worker(name="restarted")  # it drains on start-up; leases of the killed worker expire after 5 s
    wait_for(lambda: waiting(target) == 0, timeout=90, message="all 2,000 deliveries after the restart")

    expected = {str(event.event_id): (event.golden_id, event.golden_version) for event in events}
    assert receiver.event_ids() == set(expected)
    for item in receiver.received:  # a duplicate is the same event under the same id
        assert expected[item.event_id] == (item.golden_id, item.version)


def test_dead_letter_after_the_last_retry_then_replay(receiver, start_worker, wait_for):
    receiver.respond = lambda body: 500
    target = make_target(receiver)
    start_worker(SYNC_RETRY_WINDOW="1.5", SYNC_BREAKER_THRESHOLD="100", ready=True)
    change("SUP-000001", 1)

    wait_for(lambda: Delivery.objects.filter(state=DeliveryState.DEAD).exists(), timeout=30, message="a dead letter")
    dead = Delivery.objects.get(target=target)
    assert dead.attempts >= 2 and dead.last_error == "HTTP 500"
    assert DeliveryAttempt.objects.filter(delivery=dead, status_code=500).count() == dead.attempts

    receiver.respond = lambda body: 200
    call_command("replay", target.name, "--dead-letters")
    wait_for(lambda: Delivery.objects.get(pk=dead.pk).state == DeliveryState.ACKNOWLEDGED, timeout=20,
             message="the replayed delivery to be acknowledged")
    assert receiver.event_ids() == {str(dead.event.event_id)}


def test_two_workers_keep_order_per_golden_record(receiver, start_worker, wait_for):
    receiver.delay = 0.003
    target = make_target(receiver)
    start_worker(name="w1", concurrency=2, SYNC_BATCH_SIZE="5")
    start_worker(name="w2", concurrency=2, beat=False, SYNC_BATCH_SIZE="5")
    golden_ids = [f"SUP-{n:06d}" for n in range(20)]
    for version in range(1, 11):
        for golden_id in golden_ids:
            change(golden_id, version)
        time.sleep(0.05)

    wait_for(lambda: waiting(target) == 0, timeout=60, message="every delivery to finish")

    assert_in_order(receiver)
    assert {item.golden_id: item.version for item in receiver.received} == {g: 10 for g in golden_ids}
