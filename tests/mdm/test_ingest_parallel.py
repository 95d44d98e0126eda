"""The ingest command with several worker processes on PostgreSQL: committed transactions, as in
production, so the workers (separate processes, separate connections) see each other's rows."""
from __future__ import annotations

import csv
import io

import pytest
from django.core.management import call_command

from mdm.models import Location, SourceRecord, SourceStatus, Supplier
from mdm.services.systems import create_source_system

pytestmark = pytest.mark.django_db(transaction=True)


def run_ingest(*args, **kwargs) -> str:
    out = io.StringIO()
    call_command("ingest", *args, stdout=out, train="never", **kwargs)
    return out.getvalue()


CITIES = ["Berlin", "Hamburg", "Köln", "Leipzig", "Dresden", "Mainz", "Kassel", "Bremen"]
SYLLABLES = ["kor", "vel", "tra", "min", "sol", "bex", "dur", "fal", "gri", "hon", "lum", "pax", "quin", "rov",
             "sta", "tek", "ulm", "vor", "wen", "zed"]


def distinct_names(count: int) -> list[str]:
    """Company names that share no word, so no two of them are the same company."""
    names = []
    for a in SYLLABLES:
        for b in SYLLABLES:
            if a != b:
                names.append(f"{(a + b).capitalize()} {(b + a + 'o').capitalize()}")
    return names[:count]


def test_two_workers_load_every_record_apply_versions_in_order_and_link_duplicates(tmp_path):
    create_source_system(code="ERP", name="ERP", priority=10)
    rows = [("source_key", "name", "country", "city", "postal_code", "phone")]
    for i, name in enumerate(distinct_names(240)):
        rows.append((f"V-{i}", name, "DE", CITIES[i % len(CITIES)], f"{10000 + 37 * i}",
                     f"+49 30 {5550000 + 7919 * i}"))
    # The same supplier twice under two keys: one golden record, whichever worker gets which key.
    rows.append(("V-DUP", rows[8][1] + " GmbH", "DE", rows[8][3], rows[8][4], rows[8][5]))
    # A key sent twice: the later row is the one that stays.
    rows.append(("V-3", rows[4][1] + " Logistik", "DE", rows[4][3], rows[4][4], rows[4][5]))
    rows.append(("V-BAD", "", "DE", "", "", ""))
    path = tmp_path / "erp.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)

    summary = run_ingest("supplier", str(path), system="ERP", distribute="local", workers=2, batch_size=25)

    assert summary.startswith("read 243,")
    records = {r.source_key: r for r in SourceRecord.objects.filter(entity="supplier")}
    assert len(records) == 242  # V-3 twice
    assert records["V-BAD"].status == SourceStatus.QUARANTINED
    assert {r.status for k, r in records.items() if k != "V-BAD"} <= {SourceStatus.LINKED, SourceStatus.PENDING_REVIEW}
    assert records["V-3"].raw["name"] == rows[-2][1]
    assert Supplier.objects.get(golden_id=records["V-3"].golden_id).name == rows[-2][1]
    assert records["V-DUP"].golden_id == records["V-7"].golden_id
    assert Supplier.objects.filter(status="active").count() == 240
    # Both workers wrote under the file's one change context.
    request_ids = set(SourceRecord.history.values_list("request_id", flat=True))
    assert len(request_ids) == 1


def test_locations_load_in_file_order_and_children_before_their_parent_end_linked_to_it(tmp_path):
    create_source_system(code="WMS", name="WMS", priority=30)
    rows = [("source_key", "name", "country", "parent_key", "location_type")]
    for i in range(60):
        rows.append((f"BIN-{i}", f"Zone {i}", "DE", "WH-1", ""))
    rows.append(("WH-1", "Main warehouse", "DE", "", "warehouse"))
    path = tmp_path / "wms.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)

    summary = run_ingest("location", str(path), system="WMS", distribute="local", workers=2, batch_size=10)

    assert "on 2 local processes" not in summary  # asked for two, loaded in file order

    parent = SourceRecord.objects.get(source_key="WH-1")
    children = SourceRecord.objects.filter(source_key__startswith="BIN-")
    assert {c.status for c in children} == {SourceStatus.LINKED}
    warehouse = Location.objects.get(golden_id=parent.golden_id)
    assert Location.objects.filter(parent=warehouse).count() == 60
    # Each child's history shows when it got its parent.
    assert set(Location.history.filter(history_type="~", parent_id=warehouse.pk).values_list(
        "golden_id", flat=True)) == set(Location.objects.filter(parent=warehouse).values_list("golden_id", flat=True))
