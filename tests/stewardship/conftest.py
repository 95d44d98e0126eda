"""Fixtures for the stewardship UI tests: logged-in clients and a candidate pair to review."""
from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.test import Client

from mdm.ingest.services import ingest_records
from mdm.models import SourceRecord, Supplier
from stewardship.models import ReviewTask

CONTRIBUTIONS = [
    {"field": "name", "level": "fuzzy", "weight": 6.5, "similarity": 0.91},
    {"field": "city", "level": "exact", "weight": 2.1, "similarity": 1.0},
    {"field": "tax_id", "level": "missing", "weight": 0.0, "similarity": None},
]


@pytest.fixture
def steward_client(steward) -> Client:
    client = Client()
    client.force_login(steward)
    return client


@pytest.fixture
def auditor_client(auditor) -> Client:
    client = Client()
    client.force_login(auditor)
    return client


@dataclass
class Pair:
    task: ReviewTask
    record: SourceRecord
    own: Supplier
    candidate: Supplier


NAMES = {"": ("Acme Industrial Supply", "Northwind Traders"), "2": ("Globex Fasteners", "Initech Packaging"),
         "3": ("Umbrella Chemicals", "Vandelay Imports")}


def make_pair(erp, wms, *, suffix: str = "", score: float = 8.6) -> Pair:
    """Two unrelated suppliers from two systems in two golden records, and a review task proposing them."""
    erp_name, wms_name = NAMES[suffix]
    erp_result = ingest_records(system=erp, entity="supplier", records=[
        {"source_key": f"V-1001{suffix}", "name": erp_name, "city": "Berlin", "country": "DE",
         "tax_id": f"DE1234567{suffix or '89'}"},
    ])[0]
    wms_result = ingest_records(system=wms, entity="supplier", records=[
        {"source_key": f"W-77{suffix}", "name": wms_name, "city": "Hamburg", "country": "DE"},
    ])[0]
    assert erp_result.golden_id and wms_result.golden_id and erp_result.golden_id != wms_result.golden_id
    record = SourceRecord.objects.get(system=wms, source_key=f"W-77{suffix}")
    task = ReviewTask.objects.create(
        entity="supplier", source_record=record, golden_id=wms_result.golden_id,
        candidate_golden_id=erp_result.golden_id, score=score, probability=0.97, rule="name+city",
        contributions=CONTRIBUTIONS,
    )
    return Pair(task=task, record=record, own=Supplier.objects.get(golden_id=wms_result.golden_id),
                candidate=Supplier.objects.get(golden_id=erp_result.golden_id))


@pytest.fixture
def pair(erp, wms) -> Pair:
    return make_pair(erp, wms)
