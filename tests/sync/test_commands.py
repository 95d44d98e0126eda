"""Management commands: create_target, replay, sync_status, setup_sandbox_targets."""
from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from sync import services
from sync.models import Delivery, DeliveryState, Target

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _allow_local(settings):
    settings.SYNC_ALLOW_PRIVATE_TARGETS = True


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def change(golden_id: str, version: int = 1) -> None:
    services.record_event(entity="supplier", golden_id=golden_id, golden_version=version, event_type="updated",
                          payload={"attributes": {}})


def test_create_target_prints_the_secret_once_and_stores_the_subscription():
    output = run("create_target", "ERP", "--url", "http://127.0.0.1:9/hook", "--entities", "supplier,product")

    target = Target.objects.get(name="ERP")
    assert target.entities == ["supplier", "product"] and target.active
    assert f"signing secret (shown once): {target.secret}" in output


def test_create_target_refuses_private_urls_unless_allowed(settings):
    settings.SYNC_ALLOW_PRIVATE_TARGETS = False

    with pytest.raises(CommandError, match="private, loopback"):
        run("create_target", "ERP", "--url", "https://127.0.0.1/hook", "--entities", "supplier")
    assert not Target.objects.exists()


def test_create_target_with_a_given_secret_and_a_file_drop(tmp_path):
    secret = "whsec_" + "QUJDREVGR0hJSktMTU5PUFFSU1RVVldY"
    run("create_target", "ERP", "--url", "http://127.0.0.1:9/", "--entities", "supplier", "--secret", secret)
    run("create_target", "LEGACY", "--folder", str(tmp_path), "--format", "csv", "--entities", "product")

    assert Target.objects.get(name="ERP").secret == secret
    assert Target.objects.get(name="LEGACY").transport == "file_drop"


def test_replay_dead_letters_and_since():
    target, _ = services.create_target(name="ERP", url="http://127.0.0.1:9/", entities=["supplier"])
    change("SUP-000001")
    change("SUP-000002")
    Delivery.objects.filter(golden_id="SUP-000001").update(state=DeliveryState.DEAD, attempts=9)

    assert "1 dead letters of ERP queued again" in run("replay", "ERP", "--dead-letters")
    revived = Delivery.objects.get(golden_id="SUP-000001")
    assert (revived.state, revived.attempts) == (DeliveryState.PENDING, 0)
    assert "2 events since" in run("replay", "ERP", "--since", timezone.now().date().isoformat())
    assert Delivery.objects.filter(target=target).count() == 4
    with pytest.raises(CommandError, match="no target"):
        run("replay", "NOPE", "--dead-letters")


def test_sync_status_lists_pending_failures_and_dead_letters_per_target():
    services.create_target(name="ERP", url="http://127.0.0.1:9/", entities=["supplier"])
    services.create_target(name="WMS", url="http://127.0.0.1:9/", entities=["product"])
    change("SUP-000001")
    change("SUP-000002")
    Delivery.objects.filter(golden_id="SUP-000002").update(state=DeliveryState.DEAD)

    table = run("sync_status")
    rows = {row["target"]: row for row in json.loads(run("sync_status", "--json"))}

    assert table.splitlines()[0].split()[:4] == ["target", "active", "circuit_open", "pending"]
    assert rows["ERP"]["pending"] == 1 and rows["ERP"]["dead_letters"] == 1
    assert rows["ERP"]["oldest_pending_age_s"] is not None
    assert rows["WMS"]["pending"] == 0 and rows["WMS"]["last_success"] is None


def test_setup_sandbox_targets_is_idempotent():
    run("setup_sandbox_targets")
    run("setup_sandbox_targets", "--base-url", "http://127.0.0.1:9000")

    urls = dict(Target.objects.values_list("name", "url"))
    assert urls == {
        "ERP-sandbox": "http://127.0.0.1:9000/sync/sandbox/ERP-sandbox/",
        "WMS-sandbox": "http://127.0.0.1:9000/sync/sandbox/WMS-sandbox/",
    }
