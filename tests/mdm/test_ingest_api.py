"""POST /api/v1/ingest/<entity>/: outcomes, quarantine, idempotency, token scope, deletes."""
from __future__ import annotations

import json

import pytest

from mdm.models import SourceRecord, SourceStatus, Supplier
from mdm.services.systems import revoke_token

pytestmark = pytest.mark.django_db

URL = "/api/v1/ingest/supplier/"


def post(client, records, entity="supplier", **headers):
    return client.post(f"/api/v1/ingest/{entity}/", data=json.dumps(records), content_type="application/json",
                       **headers)


def test_batch_with_a_bad_record_still_processes_the_good_ones(erp_client):
    response = post(erp_client, [
        {"source_key": "V-1", "name": "Acme Corp", "country": "US", "phone": "(415) 555-0100"},
        {"source_key": "V-2", "name": "Bad Country Ltd", "country": "XX"},
        {"source_key": "V-3", "name": "Globex GmbH", "country": "DE", "email": "Sales@Globex.DE"},
    ])
    assert response.status_code == 200, response.content
    results = response.json()["results"]
    assert [r["outcome"] for r in results] == ["created", "quarantined", "created"]
    assert results[1]["golden_id"] is None
    assert results[1]["errors"][0]["pointer"] == "/country"
    assert "XX" in results[1]["errors"][0]["message"]
    acme = Supplier.objects.get(golden_id=results[0]["golden_id"])
    assert acme.phone == "+14155550100"
    assert Supplier.objects.get(golden_id=results[2]["golden_id"]).email == "sales@globex.de"
    bad = SourceRecord.objects.get(source_key="V-2")
    assert bad.status == SourceStatus.QUARANTINED and bad.raw["country"] == "XX"


def test_a_numeric_source_key_is_the_same_key_as_its_text(erp_client):
    first = post(erp_client, [{"source_key": 1001, "name": "Acme Corp", "country": "US"}]).json()["results"][0]
    assert (first["source_key"], first["outcome"]) == ("1001", "created")
    again = post(erp_client, [{"source_key": "1001", "name": "Acme Corp", "country": "US"}]).json()["results"][0]
    assert (again["outcome"], again["golden_id"]) == ("updated", first["golden_id"])
    assert SourceRecord.objects.get().source_key == "1001"
    lookup = erp_client.get("/api/v1/crosswalk/supplier/ERP/1001/")
    assert lookup.status_code == 200 and lookup.json()["golden_id"] == first["golden_id"]


def test_system_comes_from_the_token_never_the_body(erp_client, wms_client):
    post(wms_client, [{"source_key": "V-1", "name": "Acme", "system": "ERP"}])
    record = SourceRecord.objects.get(source_key="V-1")
    assert record.system.code == "WMS"
    assert record.status == SourceStatus.QUARANTINED
    assert any(e["code"] == "unknown_field" for e in record.errors)
    post(wms_client, [{"source_key": "V-9", "name": "Acme"}])
    assert SourceRecord.objects.get(source_key="V-9").system.code == "WMS"
    assert not SourceRecord.objects.filter(system__code="ERP").exists()


def test_revoked_or_missing_token_is_refused(erp_client, erp):
    token = erp.tokens.get()
    revoke_token(token=token)
    response = post(erp_client, [{"source_key": "V-1", "name": "Acme"}])
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert not SourceRecord.objects.exists()
    from rest_framework.test import APIClient

    assert post(APIClient(), [{"source_key": "V-1", "name": "Acme"}]).status_code == 401


def test_steward_session_cannot_ingest(client, steward):
    client.force_login(steward)
    response = client.post(URL, data="[]", content_type="application/json")
    assert response.status_code == 403


def test_idempotent_replay_returns_stored_response_and_does_no_work(erp_client):
    body = [{"source_key": "V-1", "name": "Acme Corp"}]
    first = post(erp_client, body, HTTP_IDEMPOTENCY_KEY="batch-0001")
    history_rows = SourceRecord.history.count()
    second = post(erp_client, body, HTTP_IDEMPOTENCY_KEY="batch-0001")
    assert second.status_code == 200
    assert second.json() == first.json()
    assert second["Idempotent-Replayed"] == "true"
    assert SourceRecord.history.count() == history_rows
    conflict = post(erp_client, [{"source_key": "V-1", "name": "Other"}], HTTP_IDEMPOTENCY_KEY="batch-0001")
    assert conflict.status_code == 422
    assert conflict.json()["code"] == "idempotency_key_reused"
    assert "different request body" in conflict.json()["detail"]


def test_unchanged_resend_touches_only_last_seen(erp_client):
    body = [{"source_key": "V-1", "name": "Acme Corp", "city": "Boston"}]
    post(erp_client, body)
    record = SourceRecord.objects.get()
    history_rows = (SourceRecord.history.count(), Supplier.history.count())
    response = post(erp_client, body)
    assert response.json()["results"][0]["outcome"] == "unchanged"
    assert (SourceRecord.history.count(), Supplier.history.count()) == history_rows
    fresh = SourceRecord.objects.get()
    assert fresh.last_seen > record.last_seen


def test_changed_record_updates_golden_and_delete_retires(erp_client):
    created = post(erp_client, [{"source_key": "V-1", "name": "Acme Corp", "city": "Boston"}]).json()
    golden_id = created["results"][0]["golden_id"]
    updated = post(erp_client, [{"source_key": "V-1", "name": "Acme Corp", "city": "Cambridge"}]).json()
    assert updated["results"][0] == {"source_key": "V-1", "outcome": "updated", "golden_id": golden_id,
                                     "errors": []}
    golden = Supplier.objects.get(golden_id=golden_id)
    assert golden.city == "Cambridge" and golden.version == 2
    retired = post(erp_client, [{"source_key": "V-1", "deleted": True}]).json()["results"][0]
    assert retired["outcome"] == "retired"
    golden.refresh_from_db()
    assert golden.status == "retired"
    record = SourceRecord.objects.get()
    assert record.status == SourceStatus.RETIRED and record.golden_id == ""
    assert Supplier.objects.filter(golden_id=golden_id).exists()


def test_batch_limits_and_body_shape(erp_client, settings):
    settings.ROSETTA = {**settings.ROSETTA, "INGEST_MAX_BATCH": 2}
    too_many = post(erp_client, [{"source_key": str(i), "name": "x"} for i in range(3)])
    assert too_many.status_code == 413 and too_many.json()["code"] == "batch_too_large"
    not_array = erp_client.post(URL, data=json.dumps({"source_key": "x"}), content_type="application/json")
    assert not_array.status_code == 400 and not_array.json()["code"] == "body_not_array"
    unknown = post(erp_client, [], entity="customer")
    assert unknown.status_code == 404 and unknown.json()["code"] == "unknown_entity"


def test_non_object_and_keyless_records_are_quarantined_not_lost(erp_client):
    results = post(erp_client, ["just a string", {"name": "No key Inc"}]).json()["results"]
    assert [r["outcome"] for r in results] == ["quarantined", "quarantined"]
    kept = SourceRecord.objects.filter(status=SourceStatus.QUARANTINED)
    assert kept.count() == 2
    assert any(r.raw.get("name") == "No key Inc" for r in kept)


def test_product_waits_for_its_supplier_then_links_when_it_arrives(erp_client):
    product = {"source_key": "P-1", "name": "Nitrile gloves", "supplier_key": "V-77", "gtin": "4006381333931"}
    result = post(erp_client, [product], entity="product").json()["results"][0]
    assert result["outcome"] == "quarantined"
    assert result["errors"][0]["code"] == "missing_reference" and "V-77" in result["errors"][0]["message"]
    post(erp_client, [{"source_key": "V-77", "name": "Glove Co"}])
    record = SourceRecord.objects.get(source_key="P-1")
    assert record.status == SourceStatus.LINKED and record.golden_id.startswith("PRD-")
    from mdm.models import Product

    assert Product.objects.get(golden_id=record.golden_id).suppliers.get().name == "Glove Co"


def test_same_key_twice_in_one_batch_is_applied_in_order(erp_client):
    results = post(erp_client, [{"source_key": "V-1", "name": "Acme", "city": "A"},
                                {"source_key": "V-1", "name": "Acme", "city": "B"}]).json()["results"]
    assert [r["outcome"] for r in results] == ["created", "updated"]
    assert Supplier.objects.get().city == "B"


def test_nul_character_is_quarantined_not_a_server_error(erp_client):
    response = erp_client.post(URL, data='[{"source_key": "V-1", "name": "Ac\\u0000me"}]',
                               content_type="application/json")
    assert response.status_code == 200
    result = response.json()["results"][0]
    assert result["outcome"] == "quarantined" and result["errors"][0]["code"] == "invalid_character"
    assert SourceRecord.objects.get().raw["name"] == "Ac\ufffdme"
