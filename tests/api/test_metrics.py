"""Prometheus metrics: requests and latencies, ingest outcomes, match decisions, deliveries per target."""
from __future__ import annotations

import pytest
from django.test import Client

from mdm.metrics import record_ingest_outcomes, record_match_decision

pytestmark = pytest.mark.django_db


def sample(text: str, prefix: str) -> float:
    lines = [line for line in text.splitlines() if line.startswith(prefix)]
    return float(lines[0].rsplit(" ", 1)[1]) if lines else 0.0


def test_requests_and_latencies_are_counted_by_route(erp_client, suppliers):
    route = '/api/v1/suppliers/'
    before = sample(Client().get("/metrics").content.decode(),
                    f'rosetta_http_requests_total{{method="GET",route="{route}",status="200"}}')
    erp_client.get("/api/v1/suppliers/")
    text = Client().get("/metrics").content.decode()
    assert sample(text, f'rosetta_http_requests_total{{method="GET",route="{route}",status="200"}}') == before + 1
    assert f'rosetta_http_request_duration_seconds_count{{method="GET",route="{route}"}}' in text


def test_pipeline_counters():
    record_ingest_outcomes("supplier", "ERP", {"created": 3, "quarantined": 1, "unchanged": 0})
    record_match_decision("supplier", "auto_link")
    text = Client().get("/metrics").content.decode()
    assert sample(text, 'rosetta_ingest_records_total{entity="supplier",outcome="created",system="ERP"}') >= 3
    assert sample(text, 'rosetta_match_decisions_total{decision="auto_link",entity="supplier"}') >= 1


def test_delivery_backlog_per_target(erp, make_supplier):
    from mdm.ingest.services import ingest_records
    from sync import services

    services.create_target(name="wms-out", transport="file_drop", folder="/tmp/rosetta-metrics", entities=["supplier"])
    try:
        ingest_records(system=erp, entity="supplier", records=[make_supplier(1)])
        text = Client().get("/metrics").content.decode()
    finally:
        services.forget_subscriptions()
    assert sample(text, 'rosetta_delivery_pending{target="wms-out"}') == 1
    assert 'rosetta_delivery_lag_seconds{target="wms-out"}' in text
    assert sample(text, 'rosetta_deliveries_total{state="pending",target="wms-out"}') == 1


def test_metrics_token_when_configured(settings):
    settings.METRICS_TOKEN = "scrape-secret"
    assert Client().get("/metrics").status_code == 401
    assert Client().get("/metrics", HTTP_AUTHORIZATION="Bearer scrape-secret").status_code == 200
