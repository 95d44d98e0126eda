"""Every page runs a fixed number of queries, however many rows it lists."""
from __future__ import annotations

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from mdm.ingest.services import ingest_records
from mdm.models import SourceRecord, SourceStatus
from stewardship.models import ReviewTask
from sync.models import Delivery, DeliveryAttempt, DeliveryState, Event
from sync.services import create_target

pytestmark = pytest.mark.django_db

ROWS = 40  # more than one page of 25


@pytest.fixture
def busy_hub(settings, erp, wms):
    """More rows than one page in every list: tasks, quarantine, deliveries with attempts, history."""
    settings.SYNC_ALLOW_PRIVATE_TARGETS = True
    target, _ = create_target(name="wms-outbound", url="http://127.0.0.1:9/hook", entities=["supplier"])
    erp_rows = [{"source_key": f"V-{i}", "name": f"Company {i} Holding", "city": "Paris", "country": "FR"}
                for i in range(ROWS)]
    wms_rows = [{"source_key": f"W-{i}", "name": f"Firm {i} Trading", "city": "Rome", "country": "IT"}
                for i in range(ROWS)]
    erp_results = ingest_records(system=erp, entity="supplier", records=erp_rows)
    wms_results = ingest_records(system=wms, entity="supplier", records=wms_rows)
    ingest_records(system=erp, entity="supplier", records=[{"source_key": f"BAD-{i}"} for i in range(ROWS)])
    records = {r.source_key: r for r in SourceRecord.objects.filter(system=wms)}
    bulk_create_with_history([
        ReviewTask(entity="supplier", source_record=records[w.source_key], golden_id=w.golden_id,
                   candidate_golden_id=e.golden_id, score=5 + i / 10, probability=0.9, rule="name",
                   contributions=[{"field": "name", "level": "fuzzy", "weight": 4.0, "similarity": 0.8}])
        for i, (e, w) in enumerate(zip(erp_results, wms_results, strict=True))
    ], ReviewTask)
    event = Event.objects.create(entity="supplier", golden_id=erp_results[0].golden_id, golden_version=1,
                                 event_type="updated", payload={})
    deliveries = Delivery.objects.bulk_create([
        Delivery(target=target, event=event, entity="supplier", golden_id=r.golden_id, golden_version=1,
                 state=DeliveryState.DEAD, attempts=3)
        for r in erp_results
    ])
    DeliveryAttempt.objects.bulk_create([
        DeliveryAttempt(delivery=d, started_at=timezone.now(), status_code=500, error="boom")
        for d in deliveries for _ in range(3)
    ])
    assert SourceRecord.objects.filter(status=SourceStatus.QUARANTINED).count() == ROWS
    return {"target": target, "golden": erp_results[0].golden_id}


def test_list_pages_have_fixed_query_counts(steward_client, auditor_client, busy_hub,
                                            django_assert_max_num_queries):
    gid = busy_hub["golden"]
    pages = {
        reverse("stewardship:dashboard"): 20,
        reverse("stewardship:dashboard_quality"): 20,  # cache cleared: computed from scratch
        reverse("stewardship:review_list"): 10,
        reverse("stewardship:review_list") + "?min_score=6&entity=supplier&system=WMS": 10,
        reverse("stewardship:quarantine"): 9,
        reverse("stewardship:sync"): 9,
        reverse("stewardship:sync_target", args=[busy_hub["target"].pk]): 11,
        reverse("stewardship:history"): 9,
        reverse("stewardship:history") + "?entity=supplier&user=steward&action=%2B": 10,
        reverse("stewardship:search") + "?q=company": 8,
        reverse("stewardship:search") + "?entity=supplier": 8,
        reverse("stewardship:golden", args=["supplier", gid]): 13,
    }
    for client in (steward_client, auditor_client):
        for url, limit in pages.items():
            cache.clear()
            with django_assert_max_num_queries(limit):
                response = client.get(url)
            assert response.status_code == 200, url
    page = steward_client.get(reverse("stewardship:review_list")).content.decode()
    pages_total = -(-ReviewTask.objects.filter(status="open").count() // 25)
    assert pages_total >= 2 and f"Page 1 of {pages_total}" in page
