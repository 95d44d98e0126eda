"""Source records and quarantine: raw payloads are visible only to their own system and to people."""
from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from mdm.ingest.services import ingest_records
from mdm.models import SourceRecord, SourceStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def quarantined(erp, wms) -> dict[str, SourceRecord]:
    ingest_records(system=erp, entity="supplier", records=[{"source_key": "E-BAD", "name": "Erp", "country": "XX"}])
    ingest_records(system=wms, entity="supplier", records=[{"source_key": "W-BAD", "name": "Wms", "country": "YY"}])
    return {r.system.code: r for r in SourceRecord.objects.select_related("system")}


def test_integration_sees_only_its_own_quarantine(erp_client, wms_client, quarantined):
    listed = erp_client.get("/api/v1/quarantine/").json()["results"]
    assert [r["source_key"] for r in listed] == ["E-BAD"]
    assert listed[0]["raw"]["country"] == "XX" and listed[0]["errors"][0]["pointer"] == "/country"
    other = quarantined["WMS"].pk
    assert erp_client.get(f"/api/v1/quarantine/{other}/").status_code == 404
    assert erp_client.get(f"/api/v1/source-records/{other}/").status_code == 404
    assert wms_client.get(f"/api/v1/source-records/{other}/").json()["raw"]["country"] == "YY"
    assert [r["source_key"] for r in erp_client.get("/api/v1/source-records/?system=WMS").json()["results"]] == []


def test_people_see_every_system(auditor_client, steward_client, quarantined):
    for client in (auditor_client, steward_client):
        assert {r["system"] for r in client.get("/api/v1/quarantine/").json()["results"]} == {"ERP", "WMS"}
    assert APIClient().get("/api/v1/quarantine/").status_code == 401


def test_steward_fixes_a_record(steward_client, send, quarantined):
    record = quarantined["ERP"]
    response = send(steward_client, f"/api/v1/quarantine/{record.pk}/fix/",
                    {"raw": {"name": "Erp Fixed", "country": "DE"}, "reason": "typo in country"})
    assert response.status_code == 200, response.content
    assert response.json()["outcome"] == "created"
    record.refresh_from_db()
    assert record.status == SourceStatus.LINKED
    assert steward_client.get(f"/api/v1/quarantine/{record.pk}/").status_code == 404


def test_steward_discards_and_reprocesses(steward_client, send, quarantined):
    wms_record = quarantined["WMS"]
    assert send(steward_client, f"/api/v1/quarantine/{wms_record.pk}/discard/", {"reason": ""}).status_code == 400
    discarded = send(steward_client, f"/api/v1/quarantine/{wms_record.pk}/discard/", {"reason": "test data"})
    assert discarded.json()["status"] == "discarded"
    erp_record = quarantined["ERP"]
    again = send(steward_client, f"/api/v1/quarantine/{erp_record.pk}/reprocess/", {"reason": "retry"})
    assert again.status_code == 200 and again.json()["outcome"] == "quarantined"


def test_auditors_and_integrations_cannot_act(auditor_client, erp_client, send, quarantined):
    record = quarantined["ERP"]
    for client in (auditor_client, erp_client):
        assert send(client, f"/api/v1/quarantine/{record.pk}/discard/", {"reason": "no"}).status_code == 403
    record.refresh_from_db()
    assert record.status == SourceStatus.QUARANTINED
