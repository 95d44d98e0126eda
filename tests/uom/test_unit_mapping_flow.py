"""End to end: a record with a system's unknown unit waits in quarantine until a steward maps the code."""
from __future__ import annotations

import pytest

from mdm.ingest.services import ingest_records
from mdm.models import Product, SourceRecord
from mdm.uom import selectors, services

pytestmark = pytest.mark.django_db


def test_an_unknown_unit_quarantines_the_record_until_a_steward_maps_it(units, wms, steward):
    raw = {"source_key": "SKU-1", "name": "Nitrile gloves M", "base_uom": "PCX", "net_weight": "0.5",
           "weight_uom": "KGS"}
    [result] = ingest_records(system=wms, entity="product", records=[raw])
    assert result.outcome == "quarantined"
    messages = sorted(error["message"] for error in result.errors)
    assert messages == ["unknown unit KGS for system WMS", "unknown unit PCX for system WMS"]

    services.map_unit_code(system=wms, code="KGS", unit="KGM", user=steward, reason="WMS says KGS")
    assert SourceRecord.objects.get(system=wms, entity="product", source_key="SKU-1").status == "quarantined"

    mapping = services.map_unit_code(system=wms, code="PCX", unit="EA", user=steward, reason="PCX is each")
    assert [r.outcome for r in mapping.reprocessed] == ["created"]
    record = SourceRecord.objects.get(system=wms, entity="product", source_key="SKU-1")
    assert record.status == "linked" and record.errors == []
    product = Product.objects.get(golden_id=record.golden_id)
    assert (product.base_uom, product.weight_uom) == ("EA", "KGM")
    assert selectors.resolve_unit("pcx", "WMS") == "EA"
    crosswalk = SourceRecord.objects.get(system=wms, entity="uom", source_key="PCX")
    assert crosswalk.history.latest("history_date").history_change_reason == "PCX is each"
