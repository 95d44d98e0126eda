"""The demo sandbox receiver and the admin pages of the sync app."""
from __future__ import annotations

import json

import pytest
from django.contrib.messages import get_messages
from django.urls import include, path

from mdm.urls import urlpatterns as hub_urls
from sync import delivery, services, transports
from sync.models import Delivery, Event, SandboxReceipt, Target
from sync.signing import signed_headers

urlpatterns = [*hub_urls, path("sync/", include("sync.urls"))]
pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]


@pytest.fixture
def sandbox(settings) -> Target:
    settings.SYNC_ALLOW_PRIVATE_TARGETS = True
    return services.create_target(
        name="ERP-sandbox", url="http://testserver/sync/sandbox/ERP-sandbox/", entities=["supplier"]
    )[0]


def post(client, target: Target, body: dict, *, event_id: str = "evt_1", secret: str | None = None):
    raw = json.dumps(body).encode()
    headers = signed_headers(secret=secret or target.secret, msg_id=event_id, body=raw)
    return client.post(f"/sync/sandbox/{target.name}/", raw, content_type="application/json",
                       headers={k.title(): v for k, v in headers.items()})


def test_sandbox_stores_a_signed_event_once_and_counts_duplicates(client, sandbox):
    body = {"id": "evt_1", "type": "updated", "golden_id": "SUP-000001", "golden_version": 3}

    assert post(client, sandbox, body).json() == {"received": "evt_1", "duplicate": False}
    assert post(client, sandbox, body).json()["duplicate"] is True

    receipt = SandboxReceipt.objects.get()
    assert (receipt.golden_id, receipt.golden_version, receipt.times_received) == ("SUP-000001", 3, 2)


def test_sandbox_rejects_bad_signatures_and_unknown_receivers(client, sandbox):
    other = services.create_target(name="x", url="http://127.0.0.1:9/", entities=["supplier"])[0]

    assert post(client, sandbox, {"id": "evt_1"}, secret=other.secret).status_code == 401
    assert client.post("/sync/sandbox/ERP-sandbox/", b"{}", content_type="application/json").status_code == 401
    assert post(client, other, {"id": "evt_1"}).status_code == 404  # not a sandbox target
    assert not SandboxReceipt.objects.exists()


def test_sandbox_page_lists_received_events_newest_first_for_logged_in_users(client, admin_client, sandbox):
    for version in (1, 2):
        post(client, sandbox, {"type": "updated", "golden_id": "SUP-000001", "golden_version": version},
             event_id=f"evt_{version}")

    assert client.get("/sync/sandbox/ERP-sandbox/").status_code == 302
    page = admin_client.get("/sync/sandbox/ERP-sandbox/").content.decode()
    assert page.index("evt_2") < page.index("evt_1")


def test_a_delivery_reaches_the_sandbox_through_the_real_transport(live_server, admin_client, settings):
    settings.SYNC_ALLOW_PRIVATE_TARGETS = True
    target = services.create_target(name="WMS-sandbox", url=f"{live_server.url}/sync/sandbox/WMS-sandbox/",
                                     entities=["supplier"])[0]
    event = services.record_event(entity="supplier", golden_id="SUP-000001", golden_version=1,
                                  event_type="created", payload={"attributes": {"name": "Acme"}})

    delivery.run_target(target_id=target.pk, time_budget=10)
    transports.close_connections()  # let the live server stop without a kept-alive client

    assert SandboxReceipt.objects.get(receiver="WMS-sandbox").event_id == str(event.event_id)
    assert Delivery.objects.get(target=target).state == "acknowledged"


def test_admin_shows_the_secret_once_on_creation(admin_client, settings):
    settings.SYNC_ALLOW_PRIVATE_TARGETS = True
    response = admin_client.post("/admin/sync/target/add/", {
        "name": "ERP", "transport": "webhook", "url": "http://127.0.0.1:9/hook", "file_format": "jsonl",
        "entities": '["supplier"]', "event_types": "[]", "active": "on", "folder": "", "source_system": "",
    }, follow=True)

    target = Target.objects.get(name="ERP")
    shown = [str(message) for message in get_messages(response.wsgi_request)] or [response.content.decode()]
    assert any(target.secret in text for text in shown)
    assert target.secret not in admin_client.get(f"/admin/sync/target/{target.pk}/change/").content.decode()


def test_admin_lists_and_event_log_is_read_only(admin_client, sandbox):
    services.record_event(entity="supplier", golden_id="SUP-000001", golden_version=1, event_type="created",
                          payload={})
    event = Event.objects.get()
    row = Delivery.objects.get()

    assert admin_client.get("/admin/sync/event/?event_type=created").status_code == 200
    assert admin_client.get("/admin/sync/delivery/?state=pending&q=SUP-000001").status_code == 200
    assert admin_client.get(f"/admin/sync/delivery/{row.pk}/change/").status_code == 200
    assert admin_client.get(f"/admin/sync/event/{event.pk}/delete/").status_code == 403
    assert admin_client.get("/admin/sync/event/add/").status_code == 403
