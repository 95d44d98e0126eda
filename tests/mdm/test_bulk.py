"""The COPY-based bulk writes: rows, ids and history rows as Django and simple-history write them."""
from __future__ import annotations

from decimal import Decimal

import pytest

from mdm.audit import change_context
from mdm.bulk import bulk_update_tracked, copy_values, create_tracked
from mdm.models import BlockingKey, Product, SourceRecord, SourceStatus, Supplier

pytestmark = pytest.mark.django_db
# A request's few records take Django's statements, a file's batch COPY: both write the same rows.
SIZES = pytest.mark.parametrize("size", [3, 120])

AWKWARD = 'Müller "Söhne" \\ Co.\ttab\nnew line, comma; 丸'


@SIZES
def test_create_tracked_writes_rows_ids_and_history_with_the_change_context(erp, steward, size):
    goldens = [Supplier(golden_id=f"SUP-9{i:05d}", name=f"{AWKWARD} {i}", country="DE",
                        lineage={"name": {"system": "ERP", "value": AWKWARD}}) for i in range(size)]
    with change_context(user=steward, system=erp, reason="initial load", request_id="req-bulk-1"):
        create_tracked(goldens, Supplier)

    assert all(g.pk for g in goldens)
    stored = {s.golden_id: s for s in Supplier.objects.filter(golden_id__startswith="SUP-9")}
    assert [stored[g.golden_id].pk for g in goldens] == [g.pk for g in goldens]
    assert stored["SUP-900001"].name == f"{AWKWARD} 1"
    assert stored["SUP-900001"].lineage == {"name": {"system": "ERP", "value": AWKWARD}}
    assert stored["SUP-900001"].created_at is not None  # auto_now_add filled as Django would

    rows = list(Supplier.history.filter(golden_id__startswith="SUP-9").order_by("golden_id"))
    assert [(r.golden_id, r.history_type) for r in rows] == [(g.golden_id, "+") for g in goldens]
    assert {r.history_user_id for r in rows} == {steward.pk}
    assert {r.history_change_reason for r in rows} == {"initial load"}
    assert {r.request_id for r in rows} == {"req-bulk-1"}
    assert {r.source_system for r in rows} == {"ERP"}
    assert rows[0].id == goldens[0].pk
    assert rows[0].lineage == goldens[0].lineage


@SIZES
def test_bulk_update_tracked_writes_changed_rows_and_update_history(erp, size):
    products = [Product(golden_id=f"PRD-9{i:05d}", name=f"Bolt {i}", net_weight=Decimal("1.250"))
                for i in range(size)]
    with change_context(system=erp, reason="load"):
        create_tracked(products, Product)
    for product in products:
        product.name = product.name + " M8"
        product.net_weight = Decimal("2.5")
    with change_context(system=erp, reason="fix names"):
        bulk_update_tracked(products, Product, ["name", "net_weight"])

    assert sorted(Product.objects.filter(golden_id__startswith="PRD-9").values_list("name", flat=True)) == sorted(
        f"Bolt {i} M8" for i in range(size))
    latest = Product.history.filter(golden_id="PRD-900000").order_by("-history_id")
    assert [(h.history_type, h.name, h.history_change_reason) for h in latest] == [
        ("~", "Bolt 0 M8", "fix names"), ("+", "Bolt 0", "load")]
    assert latest[0].net_weight == Decimal("2.5")


@SIZES
def test_source_records_and_blocking_keys_in_bulk(erp, size):
    records = [SourceRecord(system=erp, entity="supplier", source_key=f"V-{i}", status=SourceStatus.LINKED,
                            raw={"name": AWKWARD, "n": i}, normalized={"name": "x"}, golden_id="SUP-1")
               for i in range(size)]
    with change_context(system=erp, reason="load"):
        create_tracked(records, SourceRecord)
    copy_values(BlockingKey, ["entity", "key", "source_record"],
                [("supplier", f"name:{AWKWARD[:20]}", r.pk) for r in records])

    assert SourceRecord.objects.get(source_key="V-2").raw == {"name": AWKWARD, "n": 2}
    assert SourceRecord.history.filter(source_key="V-2", history_type="+").count() == 1
    assert sorted(BlockingKey.objects.values_list("source_record_id", flat=True)) == sorted(r.pk for r in records)
    assert set(BlockingKey.objects.values_list("key", flat=True)) == {f"name:{AWKWARD[:20]}"}


def test_the_any_lookup_selects_what_in_selects(erp):
    from django.db import connection

    odd = [AWKWARD, "NULL", "{a,b}", ""]
    records = create_tracked([SourceRecord(system=erp, entity="supplier", source_key=odd[i] if i < 4 else f"K-{i}",
                                           status=SourceStatus.LINKED, golden_id=f"SUP-{i % 3}")
                              for i in range(30)], SourceRecord)
    copy_values(BlockingKey, ["entity", "key", "source_record"],
                [("supplier", f"k{i}", r.pk) for i, r in enumerate(records)])
    wanted = [r.pk for r in records[::4]]
    for field, values in (("pk", wanted), ("source_key", {"K-5", "K-6", *odd}), ("golden_id", ["SUP-1"])):
        assert (set(SourceRecord.objects.filter(**{f"{field}__any": values}))
                == set(SourceRecord.objects.filter(**{f"{field}__in": values})) != set())
    keys = BlockingKey.objects.filter(source_record_id__any=wanted)  # a relation's own column
    assert sorted(keys.values_list("source_record_id", flat=True)) == sorted(wanted)
    assert not SourceRecord.objects.filter(pk__any=[]).exists()
    sql = str(SourceRecord.objects.filter(pk__any=wanted).query)
    assert ("= ANY(" in sql) == (connection.vendor == "postgresql")


def test_candidates_per_blocking_key_leave_out_blocks_over_the_cap(erp):
    from mdm.services.matching import candidate_record_ids

    records = create_tracked([SourceRecord(system=erp, entity="supplier", source_key=f"K-{i}",
                                           status=SourceStatus.LINKED, golden_id="SUP-1") for i in range(20)],
                             SourceRecord)
    ids = [r.pk for r in records]
    blocks = {"over": ids[:6], "at": ids[6:11], "small": ids[11:13], AWKWARD: ids[13:15], "{a,b}": ids[15:16],
              "NULL": ids[16:17]}
    copy_values(BlockingKey, ["entity", "key", "source_record"],
                [("supplier", key, pk) for key, pks in blocks.items() for pk in pks]
                + [("product", "small", pk) for pk in ids[17:]])  # another entity's block of the same name

    found = candidate_record_ids("supplier", {*blocks, "absent"}, cap=5)

    assert {key: sorted(pks) for key, pks in found.items()} == {
        key: pks for key, pks in blocks.items() if key != "over"}
    assert candidate_record_ids("supplier", set(), cap=5) == {}


@SIZES
def test_product_supplier_links_are_written_with_history_and_follow_changes(erp, size):
    from mdm.ingest.services import ingest_records
    from mdm.models import ProductSupplier

    ingest_records(system=erp, entity="supplier", records=[
        {"source_key": "V-1", "name": "Glove Co", "country": "DE"},
        {"source_key": "V-2", "name": "Bolt Works", "country": "FR"},
    ])
    products = [{"source_key": f"P-{i}", "name": f"Article {i} of a kind {i * 7919}", "supplier_key": "V-1",
                 "supplier_item_number": f"GC-{i}", "lead_time_days": 5} for i in range(size)]
    ingest_records(system=erp, entity="product", records=products)
    links = ProductSupplier.objects.select_related("supplier", "source_record")
    assert links.count() == size
    assert {(link.supplier.name, link.lead_time_days) for link in links} == {("Glove Co", 5)}
    assert {link.source_record.source_key for link in links} == {f"P-{i}" for i in range(size)}
    assert ProductSupplier.history.filter(history_type="+").count() == size

    # Lead times change, and one article moves to the other supplier.
    changed = [{**p, "lead_time_days": 9} for p in products]
    changed[0] = {**changed[0], "supplier_key": "V-2"}
    ingest_records(system=erp, entity="product", records=changed)
    assert {(link.supplier.name, link.lead_time_days) for link in links.all()} == {
        ("Glove Co", 9), ("Bolt Works", 9)}
    assert links.filter(supplier__name="Bolt Works").get().source_record.source_key == "P-0"
    assert ProductSupplier.history.filter(history_type="~").count() == size - 1
    assert ProductSupplier.history.filter(history_type="-").count() == 1
    assert ProductSupplier.history.filter(history_type="+").count() == size + 1
    assert all(link.updated_at > link.created_at for link in links.filter(supplier__name="Glove Co"))
