"""Match/merge end to end: auto-link, review, no match, merge, unmerge, not a match, pins."""
from __future__ import annotations

import pytest

from mdm.ingest.services import ingest_records
from mdm.models import GoldenMerge, GoldenStatus, Location, Product, SourceRecord, SourceStatus, Supplier
from mdm.selectors import resolve_golden
from mdm.services.golden import golden_merge, golden_pin, golden_unmerge, golden_unpin
from stewardship.models import NotAMatch, ReviewStatus, ReviewTask
from stewardship.services import DecisionError, review_bulk_accept, review_merge, review_reject

pytestmark = pytest.mark.django_db

ACME_ERP = {"source_key": "V-1001", "name": "ACME Corp", "country": "US", "city": "Boston",
            "postal_code": "02110", "phone": "(617) 555-0100", "address_line1": "1 Main Street"}
ACME_PORTAL = {"source_key": "SUP-77", "name": "Acme Corporation Inc.", "country": "US", "city": "Boston",
               "postal_code": "02110", "phone": "+1 617 555 0100", "address_line1": "1 Main St"}


def test_same_supplier_from_two_systems_is_auto_linked_with_explanation(erp, portal):
    first = ingest_records(system=erp, entity="supplier", records=[ACME_ERP])[0]
    second = ingest_records(system=portal, entity="supplier", records=[ACME_PORTAL])[0]
    assert first.outcome == "created" and second.outcome == "linked"
    assert second.golden_id == first.golden_id
    golden = Supplier.objects.get(golden_id=first.golden_id)
    assert golden.name == "ACME Corp"  # ERP has the higher survivorship priority on ties
    assert golden.lineage["name"]["system"] in {"ERP", "PORTAL"}


def test_duplicates_inside_one_system_join_one_golden_record(erp):
    twin = {**ACME_PORTAL, "source_key": "V-2002"}
    results = ingest_records(system=erp, entity="supplier", records=[ACME_ERP, twin])
    assert results[0].golden_id == results[1].golden_id
    assert [r.outcome for r in results] == ["created", "created"]


def test_different_suppliers_are_not_matched(erp, portal):
    a = ingest_records(system=erp, entity="supplier", records=[ACME_ERP])[0]
    b = ingest_records(system=portal, entity="supplier", records=[
        {"source_key": "SUP-5", "name": "Globex Industrial Supply", "country": "DE", "city": "Berlin",
         "phone": "+49 30 1234567"}])[0]
    assert b.outcome == "created" and b.golden_id != a.golden_id


def test_uncertain_match_becomes_a_review_task_with_contributions(erp, portal, steward):
    ingest_records(system=erp, entity="supplier", records=[ACME_ERP])
    result = ingest_records(system=portal, entity="supplier", records=[
        {"source_key": "SUP-9", "name": "Acme Corp", "country": "US", "city": "Cambridge"}])[0]
    assert result.outcome == "pending_review"
    task = ReviewTask.objects.get()
    assert task.status == ReviewStatus.OPEN and task.candidate_golden_id.startswith("SUP-")
    # Until a steward decides, the record is the member of a golden record of its own.
    own = Supplier.objects.get(golden_id=result.golden_id)
    assert own.status == GoldenStatus.ACTIVE and own.name == "Acme Corp" and task.golden_id == own.golden_id
    assert SourceRecord.objects.get(source_key="SUP-9").status == SourceStatus.PENDING_REVIEW
    fields = {c["field"] for c in task.contributions}
    assert {"prior", "name"} <= fields
    assert abs(sum(c["weight"] for c in task.contributions) - task.score) < 0.05
    golden_id = review_merge(task=task, user=steward, reason="same company, confirmed by phone")
    record = SourceRecord.objects.get(source_key="SUP-9")
    assert record.status == SourceStatus.LINKED and record.golden_id == golden_id
    task.refresh_from_db()
    assert task.status == ReviewStatus.MERGED and task.decided_by == steward
    assert task.history.first().history_change_reason == "same company, confirmed by phone"
    # The id the record had meanwhile keeps resolving: its golden record was merged into the candidate.
    own.refresh_from_db()
    assert own.status == GoldenStatus.MERGED and own.merged_into.golden_id == golden_id
    with pytest.raises(DecisionError):
        review_merge(task=task, user=steward, reason="again")


def test_a_record_matching_one_in_review_joins_its_golden_record(erp, portal, wms, steward):
    """Records in review do not make their look-alikes wait too: those join the same golden record,
    and the steward's one decision carries them all."""
    ingest_records(system=erp, entity="supplier", records=[ACME_ERP])
    uncertain = {"name": "Acme Corp", "country": "US", "city": "Cambridge", "phone": "+1 617 555 0199"}
    pending = ingest_records(system=portal, entity="supplier", records=[{**uncertain, "source_key": "SUP-9"}])[0]
    twin = ingest_records(system=wms, entity="supplier", records=[{**uncertain, "source_key": "acme-cambridge"}])[0]
    assert pending.outcome == "pending_review" and twin.outcome == "linked"
    assert twin.golden_id == pending.golden_id
    task = ReviewTask.objects.get(status=ReviewStatus.OPEN)
    survivor = review_merge(task=task, user=steward, reason="one company, two sites' records")
    assert {r.golden_id for r in SourceRecord.objects.filter(source_key__in=["SUP-9", "acme-cambridge"])} == {survivor}


def test_not_a_match_is_remembered_and_never_auto_linked(erp, portal, steward):
    ingest_records(system=erp, entity="supplier", records=[ACME_ERP])
    ingest_records(system=portal, entity="supplier", records=[
        {"source_key": "SUP-9", "name": "Acme Corp", "country": "US", "city": "Cambridge"}])
    task = ReviewTask.objects.get()
    own_golden = SourceRecord.objects.get(source_key="SUP-9").golden_id
    review_reject(task=task, user=steward, reason="a different Acme")
    record = SourceRecord.objects.get(source_key="SUP-9")
    assert record.status == SourceStatus.LINKED and record.golden_id == own_golden != task.candidate_golden_id
    assert NotAMatch.objects.filter(reason="a different Acme").exists()
    # The same record changes to look even more alike: still not linked to the refused record.
    ingest_records(system=portal, entity="supplier", records=[{**ACME_PORTAL, "source_key": "SUP-9"}])
    record.refresh_from_db()
    assert record.golden_id != task.candidate_golden_id


def test_merge_and_unmerge_restore_exactly_what_was_there(erp, wms, steward):
    ingest_records(system=erp, entity="supplier", records=[ACME_ERP])
    ingest_records(system=wms, entity="supplier", records=[
        {"source_key": "globex", "name": "Globex GmbH", "country": "DE", "city": "Berlin"}])
    ingest_records(system=erp, entity="product", records=[
        {"source_key": "P-1", "name": "Nitrile gloves L", "supplier_key": "V-1001"}])
    ingest_records(system=wms, entity="product", records=[
        {"source_key": "p-9", "name": "Safety goggles", "supplier_key": "globex"}])
    acme = Supplier.objects.get(name="ACME Corp")
    globex = Supplier.objects.get(name="Globex GmbH")
    goggles = Product.objects.get(name="Safety goggles")
    before = {"name": globex.name, "city": globex.city, "suppliers": list(goggles.suppliers.all())}

    golden_merge(survivor=acme, victim=globex, user=steward, reason="Globex was bought by Acme")
    globex.refresh_from_db()
    assert globex.status == GoldenStatus.MERGED and globex.merged_into == acme
    assert resolve_golden(entity="supplier", golden_id=globex.golden_id) == acme
    assert list(goggles.suppliers.all()) == [acme]
    assert SourceRecord.objects.get(source_key="globex").golden_id == acme.golden_id

    record = SourceRecord.objects.get(source_key="globex")
    restored = golden_unmerge(golden=acme, source_record=record, user=steward, reason="merged by mistake")
    assert restored.golden_id == globex.golden_id
    assert restored.status == GoldenStatus.ACTIVE and restored.merged_into is None
    assert {"name": restored.name, "city": restored.city, "suppliers": list(goggles.suppliers.all())} == before
    assert GoldenMerge.objects.get().undone_at is not None
    assert NotAMatch.objects.filter(right=acme.golden_id).exists() or NotAMatch.objects.filter(
        left=acme.golden_id).exists()
    reasons = set(Supplier.history.filter(golden_id=globex.golden_id).values_list("history_change_reason", flat=True))
    assert {"Globex was bought by Acme", "merged by mistake"} <= reasons


def test_unmerge_of_an_auto_linked_record_gives_it_a_new_golden_record(erp, portal, steward):
    ingest_records(system=erp, entity="supplier", records=[ACME_ERP])
    ingest_records(system=portal, entity="supplier", records=[ACME_PORTAL])
    acme = Supplier.objects.get()
    record = SourceRecord.objects.get(source_key="SUP-77")
    new = golden_unmerge(golden=acme, source_record=record, user=steward, reason="a subsidiary")
    assert new.golden_id != acme.golden_id and new.name == "Acme Corporation Inc."
    record.refresh_from_db()
    assert record.golden_id == new.golden_id
    ingest_records(system=portal, entity="supplier", records=[{**ACME_PORTAL, "city": "Boston "}])
    record.refresh_from_db()
    assert record.golden_id == new.golden_id


def test_merge_chains_collapse(erp, steward):
    results = ingest_records(system=erp, entity="supplier", records=[
        {"source_key": "A", "name": "Alpha Ltd", "country": "GB"}, {"source_key": "B", "name": "Beta Oy"},
        {"source_key": "C", "name": "Gamma AB"}])
    a, b, c = (Supplier.objects.get(golden_id=r.golden_id) for r in results)
    golden_merge(survivor=b, victim=a, user=steward, reason="r1")
    golden_merge(survivor=c, victim=b, user=steward, reason="r2")
    a.refresh_from_db()
    assert a.merged_into == c
    assert resolve_golden(entity="supplier", golden_id=a.golden_id) == c


def test_pin_survives_new_data_until_unpinned(erp, steward):
    golden_id = ingest_records(system=erp, entity="supplier", records=[ACME_ERP])[0].golden_id
    golden = Supplier.objects.get(golden_id=golden_id)
    golden_pin(golden=golden, values={"name": "ACME Corporation"}, user=steward, reason="legal name")
    ingest_records(system=erp, entity="supplier", records=[{**ACME_ERP, "name": "ACME CORP."}])
    golden.refresh_from_db()
    assert golden.name == "ACME Corporation" and golden.lineage["name"]["policy"] == "steward_pin"
    golden_unpin(golden=golden, attributes=["name"], user=steward, reason="ERP is right now")
    golden.refresh_from_db()
    assert golden.name == "ACME CORP."


def test_bulk_accept_above_a_score(erp, portal, steward):
    ingest_records(system=erp, entity="supplier", records=[ACME_ERP])
    ingest_records(system=portal, entity="supplier", records=[
        {"source_key": "SUP-9", "name": "Acme Corp", "country": "US", "city": "Cambridge"}])
    task = ReviewTask.objects.get()
    assert review_bulk_accept(entity="supplier", min_score=task.score + 100, user=steward, reason="bulk") == 0
    assert review_bulk_accept(entity="supplier", min_score=task.score - 0.01, user=steward, reason="bulk") == 1


def test_location_hierarchy_and_product_supplier_relationships(erp):
    ingest_records(system=erp, entity="location", records=[
        {"source_key": "S1", "name": "Store 1", "parent_key": "DC1"},
        {"source_key": "DC1", "name": "Central DC", "location_type": "distribution_center"}])
    store = Location.objects.get(name="Store 1")
    assert store.parent.name == "Central DC"


def test_records_in_review_are_matched_again_after_training_unless_a_steward_deferred_them(erp, portal, steward):
    from mdm.ingest.services import rematch_pending_reviews
    from mdm.matching.model import default_model
    from mdm.models import MatchModelVersion
    from stewardship.services import review_defer

    ingest_records(system=erp, entity="supplier", records=[ACME_ERP])
    uncertain = {"source_key": "SUP-9", "name": "Acme Corp", "country": "US", "city": "Cambridge"}
    deferred = {"source_key": "SUP-10", "name": "Acme Corp.", "country": "US", "city": "Cambridge"}
    results = ingest_records(system=portal, entity="supplier", records=[uncertain, deferred])
    assert [r.outcome for r in results] == ["pending_review", "pending_review"]
    first_task = ReviewTask.objects.get(source_record__source_key="SUP-9")
    review_defer(task=ReviewTask.objects.get(source_record__source_key="SUP-10"), user=steward, reason="ask buyer")
    # A retrained model that is sure of what the defaults were not (here: a lower upper threshold).
    MatchModelVersion.objects.create(entity="supplier", version=1, params=default_model("supplier").to_params(),
                                     thresholds={"upper": first_task.score - 1, "lower": first_task.score - 5})

    own_golden = SourceRecord.objects.get(source_key="SUP-9").golden_id
    results = rematch_pending_reviews(entity="supplier", reason="model v1 trained")

    assert [(r.source_key, r.outcome) for r in results] == [("SUP-9", "linked")]
    record = SourceRecord.objects.get(source_key="SUP-9")
    assert record.status == SourceStatus.LINKED
    # Its closest match is SUP-10 ("Acme Corp."), waiting in review on a golden record of its own:
    # SUP-9 joins that one, and the steward's decision on SUP-10 will carry both.
    assert record.golden_id == SourceRecord.objects.get(source_key="SUP-10").golden_id
    merged = Supplier.objects.get(golden_id=own_golden)
    assert merged.status == "merged" and merged.merged_into.golden_id == record.golden_id
    first_task.refresh_from_db()
    assert first_task.status == ReviewStatus.OBSOLETE
    assert first_task.history.first().history_change_reason == "model v1 trained"
    assert SourceRecord.objects.get(source_key="SUP-10").status == SourceStatus.PENDING_REVIEW
    assert ReviewTask.objects.get(source_record__source_key="SUP-10").status == ReviewStatus.DEFERRED


def test_rematch_first_gives_a_golden_record_to_records_that_waited_without_one(erp, portal):
    """Records that went to review before review records had a golden record of their own."""
    from mdm.ingest.services import rematch_pending_reviews
    from mdm.matching.model import default_model
    from mdm.models import MatchModelVersion

    ingest_records(system=erp, entity="supplier", records=[ACME_ERP])
    uncertain = {"source_key": "SUP-9", "name": "Acme Corp", "country": "US", "city": "Cambridge"}
    result = ingest_records(system=portal, entity="supplier", records=[uncertain])[0]
    assert result.outcome == "pending_review"
    # As such a record was stored then: pending, with no golden record.
    SourceRecord.objects.filter(source_key="SUP-9").update(golden_id="")
    Supplier.objects.filter(golden_id=result.golden_id).delete()
    MatchModelVersion.objects.create(entity="supplier", version=1,
                                     params=default_model("supplier").to_params(),
                                     thresholds={"upper": 100.0, "lower": 90.0})  # a model sure of nothing

    results = rematch_pending_reviews(entity="supplier", reason="model v1 trained")

    record = SourceRecord.objects.get(source_key="SUP-9")
    assert [(r.source_key, r.outcome) for r in results] == [("SUP-9", "unchanged")]
    assert record.status == SourceStatus.LINKED and record.golden_id
    assert Supplier.objects.get(golden_id=record.golden_id).status == GoldenStatus.ACTIVE


@pytest.mark.parametrize("batch", [1, 40], ids=["one at a time", "bulk"])
def test_every_event_carries_the_keys_the_crosswalk_holds_at_that_version(erp, portal, batch):
    """Events take their keys from the members just read (recompute) or just grouped (new
    golden records): the same keys, in the same order, as the crosswalk gives for that version."""
    from mdm.selectors import crosswalk_keys
    from sync.models import Event

    companies = [
        {"name": name, "country": "US", "city": city, "postal_code": postal, "phone": phone, "address_line1": street}
        for name, city, postal, phone, street in [
            ("Acme Corp", "Boston", "02110", "(617) 555-0100", "1 Main Street"),
            ("Globex Industrial", "Denver", "80202", "(303) 555-0142", "77 Larimer Street"),
            ("Initech Supply", "Austin", "73301", "(512) 555-0199", "9 Congress Avenue"),
            ("Umbrella Logistics", "Seattle", "98101", "(206) 555-0117", "400 Pine Street"),
            ("Stark Fasteners", "Chicago", "60601", "(312) 555-0163", "12 Wacker Drive"),
            ("Wayne Packaging", "Newark", "07102", "(973) 555-0128", "5 Broad Street"),
            ("Tyrell Components", "Phoenix", "85004", "(602) 555-0181", "31 Van Buren Street"),
        ]]
    records = [{**companies[n % 7], "source_key": f"V-{n:03d}"} for n in range(40)]
    portal_records = [{**companies[n % 7], "source_key": f"sup-{n:03d}"} for n in range(40)]
    # Systems and keys in code point order: upper case before lower case, "V-010" after "V-009".
    portal_records.append({**companies[0], "source_key": "SUP-000"})
    for system, rows in ((erp, records), (portal, portal_records)):
        for start in range(0, len(rows), batch):
            ingest_records(system=system, entity="supplier", records=rows[start:start + batch])

    # In insertion order: feed sequence numbers are stamped after commit, which a test's
    # transaction never reaches, and NULLs come back in no order.
    events = list(Event.objects.filter(entity="supplier").order_by("id"))
    assert {e.event_type for e in events} >= {"created", "updated"}
    latest = {e.golden_id: e for e in events}
    now = crosswalk_keys(entity="supplier", golden_ids=list(latest))
    assert len(now) == len(latest) >= 7
    for golden_id, event in latest.items():
        assert event.payload["keys"] == now[golden_id]
        assert list(event.payload["keys"]) == sorted(event.payload["keys"])
        for keys in event.payload["keys"].values():
            assert keys == sorted(keys)
    assert any(len(keys) > 1 for by_system in now.values() for keys in by_system.values())


@pytest.mark.parametrize("batch", [1, 40], ids=["one at a time", "bulk"])
def test_a_record_holds_the_blocking_keys_of_its_current_values(erp, batch):
    """New records index their keys without a delete first; a changed record's old keys go."""
    from mdm.matching.blocking import blocking_keys
    from mdm.matching.keys import match_keys
    from mdm.models import BlockingKey

    def load(rows):
        for start in range(0, len(rows), batch):
            ingest_records(system=erp, entity="supplier", records=rows[start:start + batch])

    def stored():
        return {r.source_key: set(BlockingKey.objects.filter(source_record=r).values_list("key", flat=True))
                for r in SourceRecord.objects.filter(system=erp)}

    def expected():
        return {r.source_key: set(blocking_keys("supplier", match_keys("supplier", r.normalized)))
                for r in SourceRecord.objects.filter(system=erp)}

    rows = [{"source_key": f"V-{n}", "name": f"Supplier {n} Holdings", "country": "DE", "city": "Berlin",
             "phone": f"+49 30 {1000000 + n}"} for n in range(40)]
    load(rows)
    first = stored()
    assert first == expected() and all(first.values())
    load([{**row, "name": f"Renamed {n} Trading", "phone": f"+49 40 {2000000 + n}", "city": "Hamburg"}
          for n, row in enumerate(rows)])
    second = stored()
    assert second == expected()
    assert all(first[key] - second[key] for key in first)  # the old name's and phone's keys are gone


def test_keys_stored_before_an_upgrade_are_derived_again(erp, wms):
    """Products stored before the item number was evidence find their twins once rebuilt."""
    import io

    from django.core.management import call_command

    from mdm.models import BlockingKey

    old = [{"source_key": f"P-{n}", "name": f"Widget model {n}", "supplier_item_number": f"AC-{7000 + n}"}
           for n in range(30)]
    ingest_records(system=erp, entity="product", records=old)
    # What a database written before the upgrade holds: no item number in the keys, no i: blocks.
    for record in SourceRecord.objects.filter(entity="product"):
        record.match_keys.pop("item_key")
        record.save(update_fields=["match_keys"])
    BlockingKey.objects.filter(key__startswith="i:").delete()

    out = io.StringIO()
    call_command("rebuild_match_keys", "product", "--batch-size", "7", stdout=out)
    assert "product: keys of 30 records derived again" in out.getvalue()
    assert all(r.match_keys["item_key"] for r in SourceRecord.objects.filter(entity="product"))
    assert BlockingKey.objects.filter(key__startswith="i:").count() == 30
    assert BlockingKey.objects.count() == len(set(BlockingKey.objects.values_list("key", "source_record")))

    twin = ingest_records(system=wms, entity="product", records=[
        {"source_key": "W-3", "name": "WIDGET MDL 3", "supplier_item_number": "ac 7003"}])[0]
    assert twin.golden_id == SourceRecord.objects.get(source_key="P-3").golden_id


def test_which_model_version_is_active_is_read_at_most_every_few_seconds(django_assert_num_queries):
    from mdm.matching.model import default_model
    from mdm.models import MatchModelVersion
    from mdm.services.matching import active_model

    assert active_model("supplier")[2] == 0
    with django_assert_num_queries(0):
        assert active_model("supplier")[2] == 0
    # A version stored in this process is seen at once.
    MatchModelVersion.objects.create(entity="supplier", version=1, params=default_model("supplier").to_params(),
                                     thresholds={"upper": 12.0, "lower": 4.0})
    _model, thresholds, version = active_model("supplier")
    assert version == 1 and thresholds.upper == 12.0
    MatchModelVersion.objects.filter(entity="supplier").delete()  # a queryset delete sends post_delete too
    assert active_model("supplier")[2] == 0


def test_a_second_golden_record_that_also_matches_is_a_review_with_its_own_evidence(erp, portal, wms, steward):
    ingest_records(system=erp, entity="supplier", records=[ACME_ERP])
    ingest_records(system=portal, entity="supplier", records=[ACME_PORTAL])
    first = Supplier.objects.get()
    # A steward keeps the portal's record apart; it then takes the ERP's spelling of the name
    # and another switchboard number.
    apart = golden_unmerge(golden=first, source_record=SourceRecord.objects.get(source_key="SUP-77"),
                           user=steward, reason="two sites, two suppliers")
    assert apart.golden_id != first.golden_id
    ingest_records(system=portal, entity="supplier",
                   records=[{**ACME_PORTAL, "name": "ACME Corp", "phone": "+1 617 555 0199"}])
    assert SourceRecord.objects.get(source_key="SUP-77").golden_id == apart.golden_id

    result = ingest_records(system=wms, entity="supplier", records=[{**ACME_ERP, "source_key": "acme"}])[0]

    assert result.outcome == "linked" and result.golden_id == first.golden_id
    task = ReviewTask.objects.get(source_record__source_key="acme")
    assert task.candidate_golden_id == apart.golden_id
    # The task shows why the record may belong to the other golden record (another phone
    # number), not the evidence of the link it got.
    levels = {c["field"]: c["level"] for c in task.contributions}
    assert levels["phone"] == "different"
    linked = SourceRecord.objects.get(source_key="acme")
    assert task.score < linked_score(linked, first.golden_id)


def linked_score(record, golden_id):
    from mdm.matching.keys import match_keys
    from mdm.services.matching import active_model

    model = active_model("supplier")[0]
    members = SourceRecord.objects.filter(golden_id=golden_id).exclude(pk=record.pk)
    return max(float(model.score(match_keys("supplier", record.normalized),
                                 match_keys("supplier", m.normalized)).weight) for m in members)
