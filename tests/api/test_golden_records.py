"""Golden record endpoints: list, filters, search, cursor pages, ?fields=, ETags, merged ids, as-of."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from rest_framework.test import APIClient

from mdm.models import Supplier
from mdm.services.golden import golden_merge
from mdm.services.systems import revoke_token

pytestmark = pytest.mark.django_db


def test_list_carries_every_systems_keys(erp_client, suppliers):
    response = erp_client.get("/api/v1/suppliers/")
    assert response.status_code == 200, response.content
    body = response.json()
    assert [r["golden_id"] for r in body["results"]] == sorted(suppliers)
    first = body["results"][0]
    assert first["keys"] == {"ERP": ["V-1"], "WMS": ["W-1"]}
    assert first["name"] == "Supplier 1 GmbH" and first["status"] == "active"
    assert body["results"][4]["keys"] == {"ERP": ["V-5"]}


def test_filters_and_search(erp_client, suppliers):
    by_tax = erp_client.get("/api/v1/suppliers/", {"tax_id": "DE100000002"}).json()["results"]
    assert [r["golden_id"] for r in by_tax] == [suppliers[1]]
    # Quoted, the phrase is one term (unquoted, "4" alone would also match ids like SUP-000042).
    searched = erp_client.get("/api/v1/suppliers/", {"search": '"Supplier 4 GmbH"'}).json()["results"]
    assert [r["golden_id"] for r in searched] == [suppliers[3]]
    ids = erp_client.get("/api/v1/suppliers/", {"golden_id": f"{suppliers[0]},{suppliers[2]}"}).json()["results"]
    assert {r["golden_id"] for r in ids} == {suppliers[0], suppliers[2]}
    assert erp_client.get("/api/v1/suppliers/", {"status": "merged"}).json()["results"] == []
    bad = erp_client.get("/api/v1/suppliers/", {"status": "nonsense"})
    assert bad.status_code == 400 and bad["Content-Type"] == "application/problem+json"


def test_cursor_pages_cover_everything_once(erp_client, suppliers):
    seen: list[str] = []
    url = "/api/v1/suppliers/?limit=2"
    while url:
        page = erp_client.get(url).json()
        seen += [r["golden_id"] for r in page["results"]]
        url = page["next"]
    assert seen == sorted(suppliers)


def test_page_size_is_capped(erp_client, suppliers, settings):
    settings.ROSETTA = {**settings.ROSETTA, "API_MAX_PAGE_SIZE": 3}
    assert len(erp_client.get("/api/v1/suppliers/?limit=1000").json()["results"]) == 3


def test_fields_keeps_only_the_named_fields(erp_client, suppliers):
    body = erp_client.get(f"/api/v1/suppliers/{suppliers[0]}/?fields=golden_id,name").json()
    assert body == {"golden_id": suppliers[0], "name": "Supplier 1 GmbH"}
    unknown = erp_client.get("/api/v1/suppliers/?fields=golden_id,password")
    assert unknown.status_code == 400 and unknown.json()["code"] == "unknown_field"


def test_etag_answers_304_until_the_record_changes(erp_client, suppliers, erp, make_supplier):
    from mdm.ingest.services import ingest_records

    url = f"/api/v1/suppliers/{suppliers[0]}/"
    first = erp_client.get(url)
    etag = first["ETag"]
    assert erp_client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304
    ingest_records(system=erp, entity="supplier", records=[make_supplier(1, city="Hamburg")])
    changed = erp_client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200 and changed.json()["city"] == "Hamburg"
    assert changed["ETag"] != etag


def test_unknown_id_is_a_problem(erp_client, suppliers):
    response = erp_client.get("/api/v1/suppliers/SUP-999999/")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_merged_id_answers_with_the_survivor(erp_client, suppliers, steward):
    survivor, victim = (Supplier.objects.get(golden_id=g) for g in suppliers[:2])
    golden_merge(survivor=survivor, victim=victim, user=steward, reason="same company")
    response = erp_client.get(f"/api/v1/suppliers/{victim.golden_id}/")
    assert response.status_code == 200
    body = response.json()
    assert body["golden_id"] == survivor.golden_id and body["requested_id"] == victim.golden_id
    assert body["keys"]["ERP"] == ["V-1", "V-2"]
    assert response["Content-Location"].endswith(f"/api/v1/suppliers/{survivor.golden_id}/")
    merged = erp_client.get("/api/v1/suppliers/", {"status": "merged"}).json()["results"]
    assert merged[0]["golden_id"] == victim.golden_id and merged[0]["merged_into"] == survivor.golden_id


def test_as_of_before_and_after_a_merge(erp_client, suppliers, steward):
    survivor, victim = (Supplier.objects.get(golden_id=g) for g in suppliers[:2])
    before = datetime.now(UTC)
    golden_merge(survivor=survivor, victim=victim, user=steward, reason="same company")
    after = datetime.now(UTC) + timedelta(seconds=1)

    then = erp_client.get(f"/api/v1/suppliers/{victim.golden_id}/", {"as_of": before.isoformat()}).json()
    assert then["golden_id"] == victim.golden_id and then["status"] == "active"
    assert then["keys"] == {"ERP": ["V-2"], "WMS": ["W-2"]}
    assert then["as_of"].startswith(before.strftime("%Y-%m-%dT%H:%M"))

    now = erp_client.get(f"/api/v1/suppliers/{victim.golden_id}/", {"as_of": after.isoformat()}).json()
    assert now["golden_id"] == survivor.golden_id and now["requested_id"] == victim.golden_id
    assert now["keys"] == {"ERP": ["V-1", "V-2"], "WMS": ["W-1", "W-2"]}

    too_early = erp_client.get(f"/api/v1/suppliers/{victim.golden_id}/", {"as_of": "2000-01-01T00:00:00Z"})
    assert too_early.status_code == 404
    garbage = erp_client.get(f"/api/v1/suppliers/{victim.golden_id}/", {"as_of": "yesterday"})
    assert garbage.status_code == 400 and garbage.json()["code"] == "invalid_as_of"


@pytest.mark.parametrize("url", ["/api/v1/products/", "/api/v1/locations/", "/api/v1/units-of-measure/"])
def test_other_entities_list(erp_client, url):
    response = erp_client.get(url)
    assert response.status_code == 200 and response.json()["results"] == []


def test_product_lists_its_suppliers(erp_client, erp, suppliers):
    from mdm.ingest.services import ingest_records

    result = ingest_records(system=erp, entity="product", records=[
        {"source_key": "P-1", "name": "Widget", "supplier_key": "V-1", "supplier_item_number": "A-1"}])[0]
    body = erp_client.get(f"/api/v1/products/{result.golden_id}/").json()
    assert body["suppliers"][0]["supplier"] == suppliers[0]


# --- who may do what ------------------------------------------------------------------------
def test_anonymous_and_revoked_tokens_are_refused(erp_client, erp, suppliers):
    anonymous = APIClient().get("/api/v1/suppliers/")
    assert anonymous.status_code == 401 and anonymous["Content-Type"] == "application/problem+json"
    revoke_token(token=erp.tokens.get())
    assert erp_client.get("/api/v1/suppliers/").status_code == 401


def test_auditor_reads_but_cannot_act(auditor_client, send, suppliers):
    assert auditor_client.get(f"/api/v1/suppliers/{suppliers[0]}/").status_code == 200
    response = send(auditor_client, f"/api/v1/suppliers/{suppliers[0]}/merge/",
                    {"victim": suppliers[1], "reason": "looks the same"})
    assert response.status_code == 403
    assert Supplier.objects.get(golden_id=suppliers[1]).status == "active"


def test_integrations_cannot_act_as_stewards(erp_client, send, suppliers):
    response = send(erp_client, f"/api/v1/suppliers/{suppliers[0]}/pin/",
                    {"values": {"name": "Mine"}, "reason": "because"})
    assert response.status_code == 403


def test_session_writes_need_the_csrf_token(steward_client, suppliers):
    response = steward_client.post(f"/api/v1/suppliers/{suppliers[0]}/pin/",
                                   {"values": {"name": "X"}, "reason": "r"}, format="json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]


# --- stewardship actions --------------------------------------------------------------------
def test_steward_merges_with_a_reason(steward_client, send, suppliers):
    url = f"/api/v1/suppliers/{suppliers[0]}/merge/"
    assert send(steward_client, url, {"victim": suppliers[1]}).status_code == 400
    response = send(steward_client, url, {"victim": suppliers[1], "reason": "same DUNS"})
    assert response.status_code == 200, response.content
    assert response.json()["keys"]["ERP"] == ["V-1", "V-2"]
    victim = Supplier.objects.get(golden_id=suppliers[1])
    assert victim.status == "merged"
    assert victim.history.first().history_change_reason == "same DUNS"
    again = send(steward_client, url, {"victim": suppliers[1], "reason": "twice"})
    assert again.status_code == 422 and again.json()["code"] == "action_rejected"


def test_steward_pins_and_unpins(steward_client, send, suppliers):
    url = f"/api/v1/suppliers/{suppliers[0]}/"
    pinned = send(steward_client, url + "pin/", {"values": {"name": "ACME Legal Name"}, "reason": "contract"})
    assert pinned.status_code == 200 and pinned.json()["name"] == "ACME Legal Name"
    assert pinned.json()["pins"]["name"]["reason"] == "contract"
    unknown = send(steward_client, url + "pin/", {"values": {"colour": "red"}, "reason": "x"})
    assert unknown.status_code == 422
    unpinned = send(steward_client, url + "unpin/", {"attributes": ["name"], "reason": "ERP fixed"})
    assert unpinned.json()["name"] == "Supplier 1 GmbH" and unpinned.json()["pins"] == {}


def test_steward_unmerges_a_source_record(steward_client, send, suppliers):
    from mdm.models import SourceRecord

    send(steward_client, f"/api/v1/suppliers/{suppliers[0]}/merge/", {"victim": suppliers[1], "reason": "dup"})
    record = SourceRecord.objects.get(source_key="V-2")
    response = send(steward_client, f"/api/v1/suppliers/{suppliers[0]}/unmerge/",
                    {"source_record": record.pk, "reason": "different companies"})
    assert response.status_code == 200, response.content
    assert response.json()["golden_id"] != suppliers[0]
    assert "V-2" in response.json()["keys"]["ERP"]


def test_steward_records_not_a_match(steward_client, auditor_client, send, suppliers):
    from stewardship.models import NotAMatch

    body = {"entity": "supplier", "left": suppliers[0], "right": suppliers[1], "reason": "different"}
    assert send(auditor_client, "/api/v1/not-a-match/", body).status_code == 403
    assert send(steward_client, "/api/v1/not-a-match/", body).status_code == 204
    assert NotAMatch.objects.filter(entity="supplier").count() == 1
