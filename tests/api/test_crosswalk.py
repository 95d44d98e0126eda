"""Crosswalk lookup (with freshness and as-of) and translate of up to 10,000 keys."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from mdm.ingest.services import ingest_records
from mdm.models import Supplier
from mdm.services.golden import golden_merge

pytestmark = pytest.mark.django_db


def test_lookup_returns_golden_id_keys_and_freshness(wms_client, suppliers):
    response = wms_client.get("/api/v1/crosswalk/supplier/ERP/V-1/")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["golden_id"] == suppliers[0] and body["status"] == "active"
    assert [(k["system"], k["source_key"]) for k in body["keys"]] == [("ERP", "V-1"), ("WMS", "W-1")]
    assert set(body["freshness"]["systems"]) == {"ERP", "WMS"}
    assert body["freshness"]["targets"] == []
    assert response["ETag"]


@pytest.fixture
def erp_target(db):
    from sync import services

    target, _secret = services.create_target(name="erp-out", transport="file_drop", folder="/tmp/rosetta-api-test",
                                             entities=["supplier"])
    yield target
    # The subscription cache outlives the test's rolled-back transaction.
    services.forget_subscriptions()


def test_lookup_reports_which_targets_acknowledged(wms_client, erp, suppliers, erp_target, make_supplier):
    from sync.models import Delivery, DeliveryState

    ingest_records(system=erp, entity="supplier", records=[make_supplier(1, city="Bonn")])
    targets = wms_client.get("/api/v1/crosswalk/supplier/ERP/V-1/").json()["freshness"]["targets"]
    assert targets == [{"target": "erp-out", "acknowledged": False, "acknowledged_at": None, "state": "pending"}]
    delivery = Delivery.objects.get(target__name="erp-out")
    Delivery.objects.filter(pk=delivery.pk).update(state=DeliveryState.ACKNOWLEDGED,
                                                   acknowledged_at=datetime.now(UTC))
    acked = wms_client.get("/api/v1/crosswalk/supplier/ERP/V-1/").json()["freshness"]["targets"][0]
    assert acked["acknowledged"] is True and acked["state"] == "acknowledged"


def test_lookup_is_a_few_queries(wms_client, suppliers):
    with CaptureQueriesContext(connection) as queries:
        assert wms_client.get("/api/v1/crosswalk/supplier/ERP/V-1/").status_code == 200
    assert len(queries) <= 6


def test_a_warm_lookup_reads_the_crosswalk_in_one_query(wms_client, suppliers, settings):
    settings.API_TOKEN_CACHE_SECONDS = 600
    assert wms_client.get("/api/v1/crosswalk/supplier/ERP/V-1/").status_code == 200
    with CaptureQueriesContext(connection) as queries:
        body = wms_client.get("/api/v1/crosswalk/supplier/ERP/V-2/").json()
    assert body["golden_id"] == suppliers[1] and [k["source_key"] for k in body["keys"]] == ["V-2", "W-2"]
    assert len([q for q in queries if "mdm_sourcerecord" in q["sql"]]) == 1
    assert not [q for q in queries if "mdm_integrationtoken" in q["sql"]]


def test_repeated_lookups_are_planned_once_per_connection(wms_client, suppliers):
    """The lookup is a prepared statement: PostgreSQL plans it once, then reuses the plan."""
    sql = "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s"
    for key in ("V-1", "V-2", "V-3"):
        assert wms_client.get(f"/api/v1/crosswalk/supplier/ERP/{key}/").status_code == 200
    with connection.cursor() as cursor:
        cursor.execute(sql, ["%JOIN mdm_sourcesystem ms ON ms.id = m.system_id%"])
        assert cursor.fetchone()[0] == 1


@pytest.mark.parametrize("accept", [None, "*/*", "application/json", "application/json; indent=2",
                                    "text/html;q=0.5, application/json"])
def test_lookup_answers_json_to_any_accept_that_allows_it(wms_client, suppliers, accept):
    headers = {"HTTP_ACCEPT": accept} if accept else {}
    response = wms_client.get("/api/v1/crosswalk/supplier/ERP/V-1/", **headers)
    assert response.status_code == 200 and response["Content-Type"].startswith("application/json")
    assert response.json()["golden_id"] == suppliers[0]


def test_lookup_refuses_an_accept_it_cannot_serve(wms_client, suppliers):
    response = wms_client.get("/api/v1/crosswalk/supplier/ERP/V-1/", HTTP_ACCEPT="text/csv")
    assert response.status_code == 406


def test_lookup_answers_the_survivor_while_a_merge_is_committed(wms_client, suppliers):
    """Source records still pointing at a merged golden record answer with its survivor."""
    survivor, victim = (Supplier.objects.get(golden_id=g) for g in suppliers[:2])
    Supplier.objects.filter(pk=victim.pk).update(status="merged", merged_into=survivor)
    body = wms_client.get("/api/v1/crosswalk/supplier/ERP/V-2/").json()
    assert body["golden_id"] == survivor.golden_id and body["version"] == survivor.version
    assert [k["source_key"] for k in body["keys"]] == ["V-2", "W-2"]


def test_unknown_and_unlinked_keys(wms_client, erp, suppliers):
    unknown = wms_client.get("/api/v1/crosswalk/supplier/ERP/NOPE/")
    assert unknown.status_code == 404 and unknown.json()["code"] == "unknown_key"
    ingest_records(system=erp, entity="supplier", records=[{"source_key": "BAD", "name": "X", "country": "XX"}])
    unlinked = wms_client.get("/api/v1/crosswalk/supplier/ERP/BAD/")
    assert unlinked.status_code == 404 and unlinked.json()["code"] == "not_linked"
    assert wms_client.get("/api/v1/crosswalk/planet/ERP/V-1/").json()["code"] == "unknown_entity"


def test_a_key_waiting_in_review_resolves_to_its_own_golden_record(wms_client, erp, wms, suppliers):
    """An integration can resolve a key at once, even while a steward has yet to decide on it."""
    from stewardship.models import ReviewTask

    # Same name and country as supplier 1, nothing else in common: a match to review.
    result = ingest_records(system=wms, entity="supplier", records=[
        {"source_key": "W-9", "name": "Supplier 1 GmbH", "country": "DE", "city": "Hamburg"}])[0]
    assert result.outcome == "pending_review" and result.golden_id
    task = ReviewTask.objects.get(source_record__source_key="W-9")
    body = wms_client.get("/api/v1/crosswalk/supplier/WMS/W-9/").json()
    assert body["source_status"] == "pending_review" and body["golden_id"] == result.golden_id == task.golden_id
    assert task.candidate_golden_id == suppliers[0] != body["golden_id"]


def test_lookup_as_of_before_and_after_a_merge(wms_client, suppliers, steward):
    survivor, victim = (Supplier.objects.get(golden_id=g) for g in suppliers[:2])
    before = datetime.now(UTC)
    golden_merge(survivor=survivor, victim=victim, user=steward, reason="same company")
    after = datetime.now(UTC) + timedelta(seconds=1)
    url = "/api/v1/crosswalk/supplier/ERP/V-2/"
    then = wms_client.get(url, {"as_of": before.isoformat()}).json()
    assert then["golden_id"] == victim.golden_id
    assert [k["source_key"] for k in then["keys"]] == ["V-2", "W-2"]
    now = wms_client.get(url, {"as_of": after.isoformat()}).json()
    assert now["golden_id"] == survivor.golden_id
    assert sorted(k["source_key"] for k in now["keys"]) == ["V-1", "V-2", "W-1", "W-2"]
    assert wms_client.get(url).json()["golden_id"] == survivor.golden_id
    assert wms_client.get(url, {"as_of": "1999-01-01T00:00:00Z"}).status_code == 404


def test_any_integration_reads_any_systems_crosswalk_but_anonymous_cannot(erp_client, suppliers):
    from rest_framework.test import APIClient

    assert erp_client.get("/api/v1/crosswalk/supplier/WMS/W-1/").status_code == 200
    assert APIClient().get("/api/v1/crosswalk/supplier/WMS/W-1/").status_code == 401


# --- translate ------------------------------------------------------------------------------
def test_translate_maps_and_lists_unknown_and_missing(wms_client, send, suppliers):
    response = send(wms_client, "/api/v1/crosswalk/supplier/translate/",
                    {"from": "ERP", "to": "WMS", "keys": ["V-1", "V-5", "NOPE", "V-1"]})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["mapping"] == {"V-1": {"golden_id": suppliers[0], "keys": ["W-1"]},
                               "V-5": {"golden_id": suppliers[4], "keys": []}}
    assert body["unknown"] == ["NOPE"] and body["no_target_key"] == ["V-5"]


def test_translate_rejects_bad_bodies(wms_client, send, suppliers):
    url = "/api/v1/crosswalk/supplier/translate/"
    assert send(wms_client, url, {"from": "ERP", "to": "MARS", "keys": ["V-1"]}).json()["code"] == "unknown_system"
    assert send(wms_client, url, {"from": "ERP", "to": "WMS", "keys": [1]}).json()["code"] == "invalid_keys"
    too_many = send(wms_client, url, {"from": "ERP", "to": "WMS", "keys": [f"K{i}" for i in range(10_001)]})
    assert too_many.status_code == 413 and too_many.json()["code"] == "too_many_keys"


def test_translate_ten_thousand_keys_in_two_queries(erp, wms, wms_client, auditor_client, send):
    from mdm.models import SourceRecord, SourceStatus

    # Bulk rows keep this test fast; the crosswalk is what translate reads.
    erp_rows = [SourceRecord(system=erp, entity="supplier", source_key=f"E{i}", status=SourceStatus.LINKED,
                             golden_id=f"SUP-{i:06d}") for i in range(10_000)]
    wms_rows = [SourceRecord(system=wms, entity="supplier", source_key=f"W{i}", status=SourceStatus.LINKED,
                             golden_id=f"SUP-{i:06d}") for i in range(0, 10_000, 2)]
    SourceRecord.objects.bulk_create(erp_rows + wms_rows, batch_size=5000)
    keys = [f"E{i}" for i in range(10_000)]
    with CaptureQueriesContext(connection) as queries:
        response = send(wms_client, "/api/v1/crosswalk/supplier/translate/", {"from": "ERP", "to": "WMS",
                                                                              "keys": keys})
    assert response.status_code == 200
    body = response.json()
    assert len(body["mapping"]) == 10_000 and body["unknown"] == []
    assert body["mapping"]["E42"]["keys"] == ["W42"] and len(body["no_target_key"]) == 5_000
    assert len([q for q in queries if "mdm_sourcerecord" in q["sql"]]) == 2
    assert list(body["mapping"])[:3] == ["E0", "E1", "E2"]  # in the order asked
    assert send(auditor_client, "/api/v1/crosswalk/supplier/translate/",
                {"from": "ERP", "to": "WMS", "keys": ["E1"]}).status_code == 200
