"""Property: after any sequence of ingest, merge and unmerge, the crosswalk stays sound.

Every linked source record belongs to exactly one active golden record, and every merged id
resolves to an active one.
"""
from __future__ import annotations

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mdm.ingest.services import ingest_records
from mdm.models import GoldenStatus, SourceRecord, SourceStatus, Supplier
from mdm.selectors import resolve_golden
from mdm.services.golden import golden_merge, golden_unmerge

pytestmark = pytest.mark.django_db

NAMES = ["Acme Corp", "ACME Corporation", "Globex GmbH", "Initech LLC", "Umbrella Ltd", "Acme Corp."]
CITIES = ["Boston", "Berlin", "Austin", ""]

operation = st.one_of(
    st.tuples(st.just("ingest"), st.sampled_from(["ERP", "WMS"]), st.integers(0, 5), st.sampled_from(NAMES),
              st.sampled_from(CITIES)),
    st.tuples(st.just("merge"), st.integers(0, 20), st.integers(0, 20)),
    st.tuples(st.just("unmerge"), st.integers(0, 50)),
)


def check_invariants() -> None:
    active = set(Supplier.objects.filter(status=GoldenStatus.ACTIVE).values_list("golden_id", flat=True))
    for record in SourceRecord.objects.filter(status=SourceStatus.LINKED):
        assert record.golden_id in active, f"{record} is linked to {record.golden_id}, not an active record"
    for merged in Supplier.objects.filter(status=GoldenStatus.MERGED):
        survivor = resolve_golden(entity="supplier", golden_id=merged.golden_id)
        assert survivor is not None and survivor.status == GoldenStatus.ACTIVE
    ids = list(Supplier.objects.values_list("golden_id", flat=True))
    assert len(ids) == len(set(ids))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(operation, min_size=1, max_size=12))
def test_crosswalk_stays_sound_under_any_sequence(erp, wms, steward, steps):
    systems = {"ERP": erp, "WMS": wms}
    with transaction.atomic():
        for step in steps:
            if step[0] == "ingest":
                _, system, key, name, city = step
                ingest_records(system=systems[system], entity="supplier",
                               records=[{"source_key": f"K{key}", "name": name, "city": city, "country": "US"}])
            elif step[0] == "merge":
                actives = list(Supplier.objects.filter(status=GoldenStatus.ACTIVE).order_by("pk"))
                if len(actives) >= 2:
                    a, b = actives[step[1] % len(actives)], actives[step[2] % len(actives)]
                    if a.pk != b.pk:
                        golden_merge(survivor=a, victim=b, user=steward, reason="property test")
            else:
                linked = list(SourceRecord.objects.filter(status=SourceStatus.LINKED).order_by("pk"))
                if linked:
                    record = linked[step[1] % len(linked)]
                    golden = Supplier.objects.get(golden_id=record.golden_id)
                    golden_unmerge(golden=golden, source_record=record, user=steward, reason="property test")
            check_invariants()
        transaction.set_rollback(True)
