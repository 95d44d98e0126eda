"""End-to-end: stewards and auditors in a real headless Chromium against a live hub."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from mdm.audit import change_context, new_request_id
from mdm.ingest.services import ingest_records
from mdm.models import SourceRecord, SourceStatus
from stewardship.models import ReviewStatus, ReviewTask
from stewardship.services import review_merge
from sync.models import Delivery, DeliveryState, Event
from sync.services import create_target
from tests.stewardship.conftest import make_pair
from tests.ui.conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_steward_merges_a_candidate_then_unmerges_it(page, live_server, steward, erp, wms):
    pair = make_pair(erp, wms)
    log_in(page, live_server, "steward", "pw-steward")
    page.get_by_role("link", name="Review queue").click()
    page.get_by_role("link", name=f"Review #{pair.task.pk}").click()
    assert page.get_by_role("cell", name="Northwind Traders").is_visible()
    assert page.get_by_role("cell", name="Acme Industrial Supply").is_visible()

    page.locator("#merge-reason").fill("same supplier, confirmed by purchasing")
    page.get_by_role("button", name="Merge").click()
    page.wait_for_url(re.compile(rf"/golden/supplier/{pair.candidate.golden_id}/$"))
    assert page.get_by_text(f"Merged into {pair.candidate.golden_id}").is_visible()
    assert ReviewTask.objects.get(pk=pair.task.pk).status == ReviewStatus.MERGED

    page.locator(f"#unmerge-reason-{pair.record.pk}").fill("different legal entities")
    page.get_by_role("button", name="Unmerge WMS W-77").click()
    page.get_by_text("now belongs to").wait_for()
    record = SourceRecord.objects.get(pk=pair.record.pk)
    assert record.golden_id not in ("", pair.candidate.golden_id)


def test_steward_fixes_a_quarantined_record(page, live_server, steward, erp):
    ingest_records(system=erp, entity="supplier", records=[
        {"source_key": "V-BAD", "city": "Lyon", "country": "FR", "email": "not-an-email"}])
    log_in(page, live_server, "steward", "pw-steward")
    page.get_by_role("link", name="Quarantine").first.click()
    page.get_by_role("link", name="V-BAD").click()
    name = page.get_by_label("name", exact=True)
    assert name.get_attribute("aria-invalid") == "true"
    name.fill("Lyon Fasteners")
    page.get_by_label("email").fill("sales@lyon.example")
    page.get_by_label("Reason for the fix").fill("name missing in the nightly export")
    page.get_by_role("button", name="Save and reprocess").click()
    page.get_by_text("Reprocessed V-BAD").wait_for()
    assert SourceRecord.objects.get(source_key="V-BAD").status == SourceStatus.LINKED


def test_steward_replays_a_dead_letter(page, live_server, settings, steward, erp, wms):
    settings.SYNC_ALLOW_PRIVATE_TARGETS = True
    pair = make_pair(erp, wms)
    target, _ = create_target(name="erp-outbound", url="http://127.0.0.1:9/hook", entities=["supplier"],
                              active=False)
    event = Event.objects.create(entity="supplier", golden_id=pair.own.golden_id, golden_version=1,
                                 event_type="updated", payload={})
    delivery = Delivery.objects.create(target=target, event=event, entity="supplier",
                                       golden_id=pair.own.golden_id, golden_version=1,
                                       state=DeliveryState.DEAD, attempts=8, last_error="HTTP 503")
    log_in(page, live_server, "steward", "pw-steward")
    page.get_by_role("link", name="Sync").click()
    page.get_by_role("link", name="erp-outbound").click()
    page.locator(f"#replay-reason-{delivery.pk}").fill("receiver is back")
    page.get_by_role("button", name="Replay", exact=True).click()
    page.get_by_text(f"Delivery {delivery.pk}").wait_for()
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.PENDING


def test_auditor_browses_history_and_cannot_change_anything(page, live_server, steward, auditor, erp, wms):
    # Each action in its own request, as the web server and the ingest API give them.
    with change_context(request_id=new_request_id()):
        pair = make_pair(erp, wms)
    with change_context(request_id=new_request_id()):
        review_merge(task=pair.task, user=steward, reason="duplicate vendor")
    with change_context(request_id=new_request_id()):
        ingest_records(system=erp, entity="supplier", records=[
            {"source_key": "V-1001", "name": "Acme Renamed AG", "city": "Berlin", "country": "DE"}])

    log_in(page, live_server, "auditor", "pw-auditor")
    assert page.get_by_text("auditor (read only)").is_visible()
    page.get_by_role("link", name="History").click()
    page.get_by_label("User").fill("steward")
    page.get_by_label("User").press("Enter")
    page.wait_for_url(re.compile(r"user=steward"))
    page.get_by_role("cell", name="duplicate vendor").first.wait_for()
    expect(page.locator("#results").get_by_text("ingest from ERP")).to_have_count(0)  # htmx swapped them out

    # The state right after the supplier was created: before the merge and the rename.
    page.get_by_label("User").fill("")
    page.get_by_label("Record id or key").fill(pair.candidate.golden_id)
    page.get_by_label("Action").select_option(label="Created")
    page.get_by_role("button", name="Filter").click()
    # htmx swaps the results in place: wait until the merge (a change, not a creation) is gone.
    expect(page.locator("#results").get_by_text("duplicate vendor")).to_have_count(0)
    page.locator(f"#results a[href^='/golden/supplier/{pair.candidate.golden_id}/as-of/']").first.click()
    page.wait_for_url(re.compile(r"/as-of/\?at="))
    assert page.get_by_role("cell", name="Acme Industrial Supply", exact=True).is_visible()
    assert page.get_by_text("Acme Renamed AG").count() == 0
    assert page.get_by_role("cell", name="V-1001").is_visible()
    expect(page.get_by_role("cell", name="W-77")).to_have_count(0)  # merged only later

    for path in ("/", "/review/?status=merged", f"/review/{pair.task.pk}/",
                 f"/golden/supplier/{pair.candidate.golden_id}/", "/quarantine/", "/targets/", "/history/"):
        page.goto(live_server.url + path)
        assert page.locator("form[method=post]").count() == 1, path  # only "Log out"
        assert page.get_by_role("button", name=re.compile("Merge|Unmerge|Pin|Replay|Discard|reprocess")).count() == 0

    token = next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")
    forged = page.request.post(f"{live_server.url}/golden/supplier/{pair.candidate.golden_id}/unmerge/",
                               form={"source_record": str(pair.record.pk), "reason": "forged"},
                               headers={"X-CSRFToken": token, "Referer": live_server.url + "/"})
    assert forged.status == 403
    assert SourceRecord.objects.get(pk=pair.record.pk).golden_id == pair.candidate.golden_id
