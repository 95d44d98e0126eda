"""/api/v1/targets/: create with a secret shown once, replay, pause; roles and scopes."""
from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from mdm.ingest.services import ingest_records
from sync.models import Delivery, DeliveryState, Target

pytestmark = pytest.mark.django_db

HOOK = {"name": "WMS-hook", "url": "http://127.0.0.1:9/hook", "entities": ["supplier"]}


def login(user, settings) -> APIClient:
    settings.SYNC_ALLOW_PRIVATE_TARGETS = True
    client = APIClient()
    client.force_login(user)
    return client


def test_steward_creates_a_target_and_sees_the_secret_once(steward, settings):
    client = login(steward, settings)
    response = client.post("/api/v1/targets/", HOOK, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["secret"].startswith("whsec_")
    listed = client.get("/api/v1/targets/").json()
    assert "secret" not in str(listed)
    assert Target.objects.get().entities == ["supplier"]


def test_private_url_is_refused_without_the_setting(steward, settings):
    client = login(steward, settings)
    settings.SYNC_ALLOW_PRIVATE_TARGETS = False
    response = client.post("/api/v1/targets/", HOOK, format="json")
    assert response.status_code == 400 and response.json()["code"] == "invalid_target"
    assert not Target.objects.exists()


def test_replay_dead_letters_and_since(steward, erp, settings):
    client = login(steward, settings)
    target_id = client.post("/api/v1/targets/", HOOK, format="json").json()["id"]
    ingest_records(system=erp, entity="supplier", records=[{"source_key": "V-1", "name": "Acme"}])
    delivery = Delivery.objects.get(target_id=target_id)
    delivery.state = DeliveryState.DEAD
    delivery.save()
    response = client.post(f"/api/v1/targets/{target_id}/replay/", {"dead_letters": True, "reason": "back up"},
                           format="json")
    assert response.json() == {"target": "WMS-hook", "queued": 1}
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.PENDING
    since = client.post(f"/api/v1/targets/{target_id}/replay/",
                        {"since": "2000-01-01T00:00:00Z", "reason": "rebuild the WMS"}, format="json")
    assert since.status_code == 200 and since.json()["queued"] >= 1
    both = client.post(f"/api/v1/targets/{target_id}/replay/",
                       {"since": "2000-01-01T00:00:00Z", "dead_letters": True, "reason": "x"}, format="json")
    assert both.status_code == 400


def test_pause_and_resume(steward, settings):
    client = login(steward, settings)
    target_id = client.post("/api/v1/targets/", HOOK, format="json").json()["id"]
    paused = client.post(f"/api/v1/targets/{target_id}/active/", {"active": False, "reason": "WMS upgrade"},
                         format="json")
    assert paused.json()["active"] is False


def test_auditors_read_but_never_write_and_integrations_see_nothing(auditor, steward, erp_client, settings):
    login(steward, settings).post("/api/v1/targets/", HOOK, format="json")
    client = login(auditor, settings)
    assert client.get("/api/v1/targets/").status_code == 200
    assert client.post("/api/v1/targets/", {**HOOK, "name": "x"}, format="json").status_code == 403
    target_id = Target.objects.get().pk
    assert client.post(f"/api/v1/targets/{target_id}/replay/", {"dead_letters": True, "reason": "x"},
                       format="json").status_code == 403
    assert erp_client.get("/api/v1/targets/").status_code == 403
