"""The change feed: ordered, resumable without gaps or repeats, including merges and retirements."""
from __future__ import annotations

import pytest

from mdm.ingest.services import ingest_records
from mdm.models import Supplier
from mdm.services.golden import golden_merge

pytestmark = pytest.mark.django_db


def read_all(client, since=0, limit=3, **params) -> tuple[list[dict], int]:
    events: list[dict] = []
    while True:
        page = client.get("/api/v1/changes/", {"since": since, "limit": limit, **params}).json()
        events += page["events"]
        since = page["next_cursor"]
        if not page["has_more"]:
            return events, since


def test_feed_resumes_from_a_cursor_without_gaps_or_repeats(erp_client, erp, suppliers, steward, make_supplier):
    first, cursor = read_all(erp_client)
    created = [e["golden_id"] for e in first if e["event_type"] == "created"]
    assert created == suppliers  # and one change each for the three the WMS linked to
    assert len(first) == 8
    survivor, victim = (Supplier.objects.get(golden_id=g) for g in suppliers[:2])
    golden_merge(survivor=survivor, victim=victim, user=steward, reason="duplicate")
    ingest_records(system=erp, entity="supplier", records=[{"source_key": "V-5", "deleted": True}])
    sixth = ingest_records(system=erp, entity="supplier", records=[make_supplier(6)])[0].golden_id
    rest, _ = read_all(erp_client, since=cursor)
    types = [(e["event_type"], e["golden_id"]) for e in rest]
    assert ("merged", victim.golden_id) in types and ("retired", suppliers[4]) in types
    assert ("created", sixth) in types
    everything, _ = read_all(erp_client, limit=100)
    sequences = [e["sequence"] for e in everything]
    assert sequences == sorted(set(sequences))
    assert [e["event_id"] for e in first + rest] == [e["event_id"] for e in everything]


def test_feed_filters_by_entity(erp_client, suppliers):
    assert read_all(erp_client, entity="product")[0] == []
    assert len(read_all(erp_client, entity="supplier")[0]) == 8


def test_feed_rejects_bad_cursors(erp_client, auditor_client):
    assert erp_client.get("/api/v1/changes/", {"since": "abc"}).json()["code"] == "invalid_since"
    assert erp_client.get("/api/v1/changes/", {"limit": 0}).status_code == 400
    assert auditor_client.get("/api/v1/changes/").status_code == 200
