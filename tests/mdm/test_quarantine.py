"""Quarantine: a steward fixes and reprocesses, or discards with a reason kept in history."""
from __future__ import annotations

import pytest

from mdm.ingest.services import discard_source_record, fix_quarantined_record, ingest_records
from mdm.models import SourceRecord, SourceStatus, Supplier

pytestmark = pytest.mark.django_db


def test_fix_and_reprocess(erp, steward):
    ingest_records(system=erp, entity="supplier", records=[{"source_key": "V-1", "name": "Acme", "country": "XX"}])
    record = SourceRecord.objects.get()
    assert record.status == SourceStatus.QUARANTINED
    result = fix_quarantined_record(record=record, raw={**record.raw, "country": "US"}, user=steward,
                                    reason="country typo")
    assert result.outcome == "created"
    record.refresh_from_db()
    assert record.status == SourceStatus.LINKED and record.errors == []
    assert Supplier.objects.get(golden_id=record.golden_id).country == "US"
    last = record.history.first()
    assert last.history_user_id == steward.pk and last.history_change_reason == "country typo"


def test_fix_that_is_still_wrong_stays_quarantined_with_new_errors(erp, steward):
    ingest_records(system=erp, entity="supplier", records=[{"source_key": "V-1", "name": "Acme", "country": "XX"}])
    record = SourceRecord.objects.get()
    result = fix_quarantined_record(record=record, raw={"name": "Acme", "email": "not-an-email"}, user=steward,
                                    reason="try")
    assert result.outcome == "quarantined" and result.errors[0]["pointer"] == "/email"


def test_a_fix_keeps_reading_numbers_as_the_records_file_wrote_them(erp, steward):
    """The form sends only the canonical fields; the file's decimal convention stays with the record."""
    from decimal import Decimal

    from mdm.models import Location

    ingest_records(system=erp, entity="location", records=[
        {"source_key": "L-2", "name": "Munich DC", "latitude": "48,137", "longitude": "11,575",
         "location_type": "depot", "_number_format": "decimal_comma"}])
    record = SourceRecord.objects.get()
    assert record.status == SourceStatus.QUARANTINED and record.errors[0]["pointer"] == "/location_type"
    form_payload = {"name": "Munich DC", "latitude": "48,137", "longitude": "11,575",
                    "location_type": "distribution_center"}
    result = fix_quarantined_record(record=record, raw=form_payload, user=steward, reason="type was a local word")
    assert result.outcome == "created"
    golden = Location.objects.get(golden_id=result.golden_id)
    assert (golden.latitude, golden.longitude) == (Decimal("48.137"), Decimal("11.575"))


def test_discard_keeps_the_reason_in_history(erp, steward):
    ingest_records(system=erp, entity="supplier", records=[{"source_key": "V-1", "country": "US"}])
    record = SourceRecord.objects.get()
    with pytest.raises(ValueError):
        discard_source_record(record=record, user=steward, reason=" ")
    discard_source_record(record=record, user=steward, reason="test record from the ERP sandbox")
    record.refresh_from_db()
    assert record.status == SourceStatus.DISCARDED
    assert record.history.first().history_change_reason == "test record from the ERP sandbox"
    assert record.raw == {"source_key": "V-1", "country": "US"}


def test_one_system_quarantine_does_not_block_another(erp, wms):
    ingest_records(system=erp, entity="supplier", records=[{"source_key": "V-1", "country": "XX"}])
    result = ingest_records(system=wms, entity="supplier", records=[{"source_key": "acme", "name": "Acme"}])
    assert result[0].outcome == "created"
