"""The delivery engine in this process against a real HTTP receiver: ordering, coalescing, retries, breaker."""
from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from sync import delivery, services
from sync.models import Delivery, DeliveryAttempt, DeliveryState, Target

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_sync(settings):
    settings.SYNC_ALLOW_PRIVATE_TARGETS = True
    settings.SYNC_RETRY_BASE = 0.2
    settings.SYNC_RETRY_CAP = 1
    settings.SYNC_CONNECT_TIMEOUT = 1
    settings.SYNC_READ_TIMEOUT = 1
    settings.SYNC_BREAKER_THRESHOLD = 3
    settings.SYNC_BREAKER_COOLDOWN = 60


def make_target(receiver, **kwargs) -> Target:
    target, secret = services.create_target(name=kwargs.pop("name", "ERP"), url=receiver.url,
                                            entities=["supplier"], **kwargs)
    receiver.secret = secret
    return target


def change(golden_id: str, version: int, event_type: str = "updated"):
    with transaction.atomic():
        return services.record_event(
            entity="supplier", golden_id=golden_id, golden_version=version, event_type=event_type,
            payload={"attributes": {"name": f"Acme v{version}"}, "keys": {"ERP": [f"V-{golden_id}"]}},
        )


def test_signed_delivery_is_acknowledged_and_logged(receiver):
    target = make_target(receiver)
    event = change("SUP-000001", 1, "created")

    attempts, more = delivery.run_target(target_id=target.pk, time_budget=5)

    assert (attempts, more) == (1, False)
    assert receiver.event_ids() == {str(event.event_id)}
    row = Delivery.objects.get(target=target)
    assert row.state == DeliveryState.ACKNOWLEDGED and row.acknowledged_at is not None
    attempt = DeliveryAttempt.objects.get(delivery=row)
    assert attempt.success and attempt.status_code == 200 and '"ok"' in attempt.response_excerpt


def test_only_newest_waiting_version_is_sent_and_older_ones_are_superseded(receiver):
    target = make_target(receiver)
    for version in (1, 2, 3):
        change("SUP-000001", version)
    change("SUP-000002", 1)

    delivery.run_target(target_id=target.pk, time_budget=5)

    assert sorted((r.golden_id, r.version) for r in receiver.received) == [("SUP-000001", 3), ("SUP-000002", 1)]
    rows = dict(Delivery.objects.filter(target=target, golden_id="SUP-000001").values_list("golden_version", "state"))
    assert rows == {1: "superseded", 2: "superseded", 3: "acknowledged"}


def test_a_record_with_a_delivery_in_flight_is_not_claimed_again(receiver):
    target = make_target(receiver)
    change("SUP-000001", 1)
    first = delivery.claim_batch(target_id=target.pk)
    change("SUP-000001", 2)

    assert delivery.claim_batch(target_id=target.pk) is None  # v2 must wait for v1's outcome

    delivery.record_results(first, delivery.send_claim(first))
    second = delivery.claim_batch(target_id=target.pk)
    assert [d.golden_version for d in second.deliveries] == [2]


def test_an_expired_lease_is_claimed_again_with_the_same_event(receiver, settings):
    target = make_target(receiver)
    event = change("SUP-000001", 1)
    lost = delivery.claim_batch(target_id=target.pk)  # the worker holding it dies here
    Delivery.objects.filter(pk=lost.deliveries[0].pk).update(lease_until=timezone.now())

    again = delivery.claim_batch(target_id=target.pk)

    assert [d.event.event_id for d in again.deliveries] == [event.event_id]
    delivery.record_results(lost, delivery.send_claim(lost))  # the old claim's late result is ignored
    assert Delivery.objects.get(target=target).state == DeliveryState.IN_FLIGHT


def test_parallel_sends_stop_soon_after_the_breaker_threshold(receiver, settings):
    settings.SYNC_SEND_CONCURRENCY = 4
    receiver.respond = lambda body: 503
    target = make_target(receiver)
    for number in range(40):
        change(f"SUP-{number:06d}", 1)

    delivery.run_target(target_id=target.pk, time_budget=5)

    assert 3 <= receiver.rejected <= 3 + 4
    assert Delivery.objects.filter(target=target, state=DeliveryState.PENDING, attempts=0).count() >= 33


def test_an_older_version_never_follows_an_acknowledged_newer_one(receiver):
    target = make_target(receiver)
    change("SUP-000001", 1)
    change("SUP-000001", 2)
    delivery.run_target(target_id=target.pk, time_budget=5)
    old = Delivery.objects.get(target=target, golden_version=1)

    services.replay_delivery(delivery=old)
    delivery.run_target(target_id=target.pk, time_budget=5)

    assert [r.version for r in receiver.received] == [2]
    assert Delivery.objects.get(pk=old.pk).state == DeliveryState.SUPERSEDED


def test_failures_are_retried_with_backoff_then_dead_lettered(receiver, settings):
    receiver.respond = lambda body: 500
    settings.SYNC_RETRY_WINDOW = 5
    settings.SYNC_BREAKER_THRESHOLD = 100
    target = make_target(receiver)
    change("SUP-000001", 1)
    before = timezone.now()

    delivery.run_target(target_id=target.pk, time_budget=5)

    row = Delivery.objects.get(target=target)
    assert row.state == DeliveryState.PENDING and row.attempts == 1 and row.last_error == "HTTP 500"
    assert 0.1 <= (row.next_attempt_at - before).total_seconds() <= 1.5
    # Time passes: the retry is due and the retry window is over.
    Delivery.objects.filter(pk=row.pk).update(
        next_attempt_at=timezone.now(), created_at=timezone.now() - timedelta(seconds=5)
    )
    delivery.run_target(target_id=target.pk, time_budget=5)
    row.refresh_from_db()
    assert row.state == DeliveryState.DEAD and row.attempts == 2
    assert DeliveryAttempt.objects.filter(delivery=row, success=False, status_code=500).count() == 2

    receiver.respond = lambda body: 200
    assert services.replay_dead_letters(target=target) == 1
    delivery.run_target(target_id=target.pk, time_budget=5)
    assert Delivery.objects.get(pk=row.pk).state == DeliveryState.ACKNOWLEDGED


def test_retry_delay_grows_exponentially_with_jitter_and_is_capped():
    assert delivery.retry_delay(1, base=10, cap=3600, rand=lambda: 0.0) == 5
    assert delivery.retry_delay(1, base=10, cap=3600, rand=lambda: 1.0) == 10
    assert delivery.retry_delay(4, base=10, cap=3600, rand=lambda: 1.0) == 80
    assert delivery.retry_delay(40, base=10, cap=3600, rand=lambda: 1.0) == 3600


def test_breaker_opens_after_consecutive_failures_and_a_probe_closes_it(receiver, settings):
    settings.SYNC_SEND_CONCURRENCY = 1
    receiver.respond = lambda body: 503
    target = make_target(receiver)
    for number in range(10):
        change(f"SUP-{number:06d}", 1)

    delivery.run_target(target_id=target.pk, time_budget=5)

    target.refresh_from_db()
    assert receiver.rejected == 3  # stopped hammering after the threshold
    assert target.circuit_open_until > timezone.now()
    assert delivery.claim_batch(target_id=target.pk) is None
    assert Delivery.objects.filter(target=target, state=DeliveryState.PENDING).count() == 10

    receiver.respond = lambda body: 200
    Target.objects.filter(pk=target.pk).update(circuit_open_until=timezone.now())
    Delivery.objects.update(next_attempt_at=timezone.now())
    probe = delivery.claim_batch(target_id=target.pk)
    assert probe.probe and len(probe.deliveries) == 1
    delivery.record_results(probe, delivery.send_claim(probe))
    delivery.run_target(target_id=target.pk, time_budget=5)

    target.refresh_from_db()
    assert target.circuit_open_until is None and target.consecutive_failures == 0
    assert receiver.count() == 10


def test_redirects_are_not_followed(receiver):
    receiver.respond = lambda body: 302
    target = make_target(receiver)
    change("SUP-000001", 1)

    delivery.run_target(target_id=target.pk, time_budget=5)

    attempts = list(DeliveryAttempt.objects.all())
    assert attempts and receiver.count() == 0
    assert all(not a.success and a.status_code == 302 and "redirects are not followed" in a.error for a in attempts)


def test_a_slow_receiver_times_out(receiver):
    receiver.delay = 1.5
    target = make_target(receiver)
    change("SUP-000001", 1)

    delivery.run_target(target_id=target.pk, time_budget=5)

    # With the tests' short backoff a second attempt may fit in the budget; each must time out.
    attempts = list(DeliveryAttempt.objects.order_by("started_at"))
    assert attempts
    assert all(not a.success and "Timeout" in a.error and a.duration_ms < 2500 for a in attempts)


def test_paused_target_queues_but_does_not_send(receiver):
    target = make_target(receiver, active=False)
    change("SUP-000001", 1)

    assert delivery.run_target(target_id=target.pk, time_budget=5) == (0, False)
    assert Delivery.objects.get(target=target).state == DeliveryState.PENDING
