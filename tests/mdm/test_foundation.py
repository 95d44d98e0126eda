"""The foundation: crosswalk uniqueness, golden ids, history with who/why/request id, probes."""
from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from mdm.audit import change_context
from mdm.ingest.services import ingest_records
from mdm.models import GoldenStatus, SourceRecord, SourceStatus, Supplier
from mdm.services.golden import allocate_golden_ids, golden_merge

pytestmark = pytest.mark.django_db


def test_source_record_is_unique_per_system_entity_and_key(erp, wms):
    SourceRecord.objects.create(system=erp, entity="supplier", source_key="V-1", status=SourceStatus.LINKED)
    SourceRecord.objects.create(system=wms, entity="supplier", source_key="V-1", status=SourceStatus.LINKED)
    SourceRecord.objects.create(system=erp, entity="product", source_key="V-1", status=SourceStatus.LINKED)
    with pytest.raises(IntegrityError), transaction.atomic():
        SourceRecord.objects.create(system=erp, entity="supplier", source_key="V-1", status=SourceStatus.LINKED)


def test_golden_ids_are_human_readable_and_never_reused_even_after_a_merge(erp, steward):
    results = ingest_records(system=erp, entity="supplier", records=[
        {"source_key": "V-1", "name": "Acme Corp", "country": "US"},
        {"source_key": "V-2", "name": "Globex GmbH", "country": "DE"},
    ])
    first, second = (r.golden_id for r in results)
    assert first.startswith("SUP-") and len(first) == len("SUP-000001")
    survivor = Supplier.objects.get(golden_id=first)
    victim = Supplier.objects.get(golden_id=second)
    golden_merge(survivor=survivor, victim=victim, user=steward, reason="same company")
    victim.refresh_from_db()
    assert victim.status == GoldenStatus.MERGED and victim.merged_into_id == survivor.pk
    later = ingest_records(system=erp, entity="supplier", records=[{"source_key": "V-3", "name": "Initech"}])
    issued = {first, second, later[0].golden_id}
    assert len(issued) == 3
    assert allocate_golden_ids(model=Supplier, count=2)[0] not in issued


def _history_of(model, **filters):
    return list(model.history.filter(**filters).order_by("history_date"))


def test_history_records_create_update_link_and_unlink_with_user_reason_and_request_id(erp, steward):
    with change_context(user=steward, reason="initial load", request_id="req-create-0001"):
        created = ingest_records(system=erp, entity="supplier",
                                 records=[{"source_key": "V-7", "name": "Acme Corp", "city": "Boston"}])[0]
    golden_id = created.golden_id
    rows = _history_of(Supplier, golden_id=golden_id)
    assert [r.history_type for r in rows] == ["+"]
    assert rows[0].history_user_id == steward.pk
    assert rows[0].request_id == "req-create-0001"
    assert rows[0].source_system == "ERP"
    link_rows = _history_of(SourceRecord, source_key="V-7")
    assert link_rows[0].golden_id == golden_id and link_rows[0].request_id == "req-create-0001"

    with change_context(user=steward, reason="city fix", request_id="req-update-0002"):
        ingest_records(system=erp, entity="supplier",
                       records=[{"source_key": "V-7", "name": "Acme Corp", "city": "Cambridge"}])
    rows = _history_of(Supplier, golden_id=golden_id)
    assert rows[-1].history_type == "~" and rows[-1].city == "Cambridge"
    assert rows[-1].request_id == "req-update-0002" and rows[-1].history_user_id == steward.pk

    with change_context(user=steward, reason="vendor closed", request_id="req-unlink-0003"):
        ingest_records(system=erp, entity="supplier", records=[{"source_key": "V-7", "deleted": True}])
    unlink = _history_of(SourceRecord, source_key="V-7")[-1]
    assert unlink.golden_id == "" and unlink.status == SourceStatus.RETIRED
    assert unlink.request_id == "req-unlink-0003" and unlink.history_user_id == steward.pk
    assert unlink.history_change_reason == "vendor closed"
    retired = _history_of(Supplier, golden_id=golden_id)[-1]
    assert retired.status == GoldenStatus.RETIRED and retired.request_id == "req-unlink-0003"


def test_one_request_id_ties_all_rows_of_one_action(erp):
    with change_context(request_id="req-batch-0004"):
        ingest_records(system=erp, entity="supplier", records=[
            {"source_key": "A", "name": "Alpha"}, {"source_key": "B", "name": "Beta"}])
    assert Supplier.history.filter(request_id="req-batch-0004").count() == 2
    assert SourceRecord.history.filter(request_id="req-batch-0004").count() == 2


def test_healthz_and_readyz(client):
    assert client.get("/healthz").json() == {"status": "ok"}
    response = client.get("/readyz")
    assert response.status_code == 200, response.content
    assert response.json()["checks"] == {"database": "ok", "broker": "ok"}


def test_request_id_is_echoed_and_generated(client):
    assert client.get("/healthz", HTTP_X_REQUEST_ID="abcdef123456").headers["X-Request-ID"] == "abcdef123456"
    assert len(client.get("/healthz").headers["X-Request-ID"]) == 32


def test_production_settings_pass_the_deployment_checks(tmp_path):
    import os
    import subprocess
    import sys
    from pathlib import Path

    env = {**os.environ, "ROSETTA_ENV": "production", "SECRET_KEY": "k" * 20 + "-production-secret-" + "x" * 30,
           "ALLOWED_HOSTS": "mdm.example.com", "ROSETTA_DATA_DIR": str(tmp_path)}
    for development_only in ("DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE"):  # the browser tests set the latter
        env.pop(development_only, None)
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=Path(__file__).resolve().parents[2], env=env, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    refused = subprocess.run([sys.executable, "manage.py", "check"], cwd=Path(__file__).resolve().parents[2],
                             env={**env, "SECRET_KEY": ""}, capture_output=True, text=True, timeout=120)
    assert refused.returncode != 0 and "SECRET_KEY must be set" in refused.stderr
