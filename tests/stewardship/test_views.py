"""The stewardship pages: who may see and do what, and that each action reaches the data."""
from __future__ import annotations

import csv
import io
import re
import time

import pytest
from django.urls import reverse
from django.utils import timezone

from mdm.ingest.services import ingest_records
from mdm.models import GoldenStatus, SourceRecord, SourceStatus, Supplier
from stewardship.models import ReviewStatus, ReviewTask
from sync.models import Delivery, DeliveryState, Event
from sync.services import create_target

pytestmark = pytest.mark.django_db

POST_FORM = re.compile(r'<form[^>]*method="post"[^>]*action="([^"]*)"', re.IGNORECASE)


@pytest.fixture
def quarantined(erp) -> SourceRecord:
    result = ingest_records(system=erp, entity="supplier", records=[
        {"source_key": "V-BAD", "city": "Lyon", "country": "FR", "email": "not-an-email"},
    ])[0]
    assert result.outcome == "quarantined"
    return SourceRecord.objects.get(source_key="V-BAD")


@pytest.fixture
def dead_letter(settings, pair) -> Delivery:
    settings.SYNC_ALLOW_PRIVATE_TARGETS = True
    target, _ = create_target(name="erp-outbound", url="http://127.0.0.1:9/hook", entities=["supplier"])
    event = Event.objects.create(entity="supplier", golden_id=pair.candidate.golden_id, golden_version=1,
                                 event_type="updated", payload={})
    return Delivery.objects.create(target=target, event=event, entity="supplier",
                                   golden_id=pair.candidate.golden_id, golden_version=1,
                                   state=DeliveryState.DEAD, attempts=8, last_error="HTTP 500")


def page_urls(pair, quarantined, dead_letter) -> list[str]:
    gid = pair.candidate.golden_id
    return [
        reverse("stewardship:dashboard"),
        reverse("stewardship:review_list"),
        reverse("stewardship:review_detail", args=[pair.task.pk]),
        reverse("stewardship:golden", args=["supplier", gid]),
        reverse("stewardship:golden_as_of", args=["supplier", gid]) + f"?at={timezone.now():%Y-%m-%dT%H:%M}",
        reverse("stewardship:quarantine"),
        reverse("stewardship:quarantine_detail", args=[quarantined.pk]),
        reverse("stewardship:sync"),
        reverse("stewardship:sync_target", args=[dead_letter.target_id]),
        reverse("stewardship:history"),
        reverse("stewardship:search") + "?q=acme",
    ]


def action_posts(pair, quarantined, dead_letter) -> list[tuple[str, dict]]:
    gid = pair.own.golden_id
    reason = {"reason": "forged"}
    return [
        (reverse("stewardship:review_decide", args=[pair.task.pk, "merge"]), reason),
        (reverse("stewardship:review_decide", args=[pair.task.pk, "reject"]), reason),
        (reverse("stewardship:review_bulk_accept"), {**reason, "entity": "supplier", "min_score": "0"}),
        (reverse("stewardship:golden_pin", args=["supplier", gid]), {**reason, "attribute": "name", "value": "X"}),
        (reverse("stewardship:golden_unpin", args=["supplier", gid]), {**reason, "attribute": "name"}),
        (reverse("stewardship:golden_unmerge", args=["supplier", gid]), {**reason, "source_record": pair.record.pk}),
        (reverse("stewardship:quarantine_fix", args=[quarantined.pk]), {**reason, "f_name": "Fixed"}),
        (reverse("stewardship:quarantine_discard", args=[quarantined.pk]), {"discard-reason": "forged"}),
        (reverse("stewardship:sync_replay_delivery", args=[dead_letter.pk]), reason),
        (reverse("stewardship:sync_replay_dead", args=[dead_letter.target_id]), reason),
    ]


def test_every_page_renders_for_both_roles(steward_client, auditor_client, pair, quarantined, dead_letter):
    for url in page_urls(pair, quarantined, dead_letter):
        assert steward_client.get(url).status_code == 200, url
        assert auditor_client.get(url).status_code == 200, url


def test_auditor_sees_no_action_form(auditor_client, steward_client, pair, quarantined, dead_letter):
    steward_actions = set()
    for url in page_urls(pair, quarantined, dead_letter):
        steward_actions |= set(POST_FORM.findall(steward_client.get(url).content.decode()))
        auditor_actions = set(POST_FORM.findall(auditor_client.get(url).content.decode()))
        assert auditor_actions <= {reverse("logout")}, url
    # The steward does get the forms on the same pages, so the check above is meaningful.
    assert len(steward_actions - {reverse("logout")}) >= 8


def test_forged_posts_are_refused_and_change_nothing(auditor_client, client, pair, quarantined, dead_letter):
    for url, data in action_posts(pair, quarantined, dead_letter):
        assert auditor_client.post(url, data).status_code == 403, url
        anonymous = client.post(url, data)
        assert anonymous.status_code == 302 and anonymous["Location"].startswith("/accounts/login/"), url
    pair.task.refresh_from_db()
    quarantined.refresh_from_db()
    dead_letter.refresh_from_db()
    assert pair.task.status == ReviewStatus.OPEN
    assert quarantined.status == SourceStatus.QUARANTINED
    assert dead_letter.state == DeliveryState.DEAD
    assert Supplier.objects.get(pk=pair.own.pk).status == GoldenStatus.ACTIVE


def test_actions_need_post_and_csrf(steward, pair):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(steward)
    url = reverse("stewardship:review_decide", args=[pair.task.pk, "merge"])
    assert strict.get(url).status_code == 405
    assert strict.post(url, {"reason": "same company"}).status_code == 403
    pair.task.refresh_from_db()
    assert pair.task.status == ReviewStatus.OPEN


def test_merge_requires_a_reason(steward_client, pair):
    url = reverse("stewardship:review_decide", args=[pair.task.pk, "merge"])
    response = steward_client.post(url, {"reason": "   "}, follow=True)
    assert "Please give a reason" in response.content.decode() or "required" in response.content.decode()
    pair.task.refresh_from_db()
    assert pair.task.status == ReviewStatus.OPEN


def test_steward_merges_then_unmerges(steward_client, steward, pair):
    url = reverse("stewardship:review_decide", args=[pair.task.pk, "merge"])
    response = steward_client.post(url, {"reason": "same tax office record"})
    survivor = pair.candidate.golden_id
    assert response["Location"] == reverse("stewardship:golden", args=["supplier", survivor])
    pair.record.refresh_from_db()
    pair.task.refresh_from_db()
    assert pair.record.golden_id == survivor and pair.task.status == ReviewStatus.MERGED
    assert pair.task.decided_by == steward and pair.task.reason == "same tax office record"
    merged_row = Supplier.history.filter(golden_id=pair.own.golden_id, status=GoldenStatus.MERGED).first()
    assert merged_row.history_user == steward and merged_row.history_change_reason == "same tax office record"

    page = steward_client.get(reverse("stewardship:golden", args=["supplier", survivor])).content.decode()
    assert "Unmerge WMS W-77" in page

    response = steward_client.post(reverse("stewardship:golden_unmerge", args=["supplier", survivor]),
                                   {"source_record": pair.record.pk, "reason": "different companies after all"},
                                   follow=True)
    pair.record.refresh_from_db()
    assert pair.record.golden_id and pair.record.golden_id != survivor
    assert f"now belongs to {pair.record.golden_id}" in response.content.decode()


def test_reject_and_defer(steward_client, pair, erp, wms):
    from tests.stewardship.conftest import make_pair

    other = make_pair(erp, wms, suffix="2")
    steward_client.post(reverse("stewardship:review_decide", args=[pair.task.pk, "reject"]), {"reason": "no"})
    steward_client.post(reverse("stewardship:review_decide", args=[other.task.pk, "defer"]), {"reason": "ask buyer"})
    pair.task.refresh_from_db()
    other.task.refresh_from_db()
    assert pair.task.status == ReviewStatus.REJECTED and other.task.status == ReviewStatus.DEFERRED
    queue = steward_client.get(reverse("stewardship:review_list")).content.decode()
    assert f"Review #{pair.task.pk}<" not in queue and f"Review #{other.task.pk}<" not in queue
    deferred = steward_client.get(reverse("stewardship:review_list") + "?status=deferred").content.decode()
    assert f"Review #{other.task.pk}<" in deferred


def test_review_filters_and_bulk_accept(steward_client, pair, erp, wms):
    from tests.stewardship.conftest import make_pair

    low = make_pair(erp, wms, suffix="3", score=3.0)
    high_only = steward_client.get(reverse("stewardship:review_list") + "?min_score=5").content.decode()
    assert f"Review #{pair.task.pk}<" in high_only and f"Review #{low.task.pk}<" not in high_only
    steward_client.post(reverse("stewardship:review_bulk_accept"),
                        {"entity": "supplier", "min_score": "5", "reason": "obvious duplicates"})
    pair.task.refresh_from_db()
    low.task.refresh_from_db()
    assert pair.task.status == ReviewStatus.MERGED and low.task.status == ReviewStatus.OPEN


def test_review_detail_compares_field_by_field(auditor_client, pair):
    page = auditor_client.get(reverse("stewardship:review_detail", args=[pair.task.pk])).content.decode()
    assert "Northwind Traders" in page and "Acme Industrial Supply" in page
    assert "name+city" in page and "0.91" in page and "6.50" in page


def test_pin_and_unpin(steward_client, pair):
    gid = pair.candidate.golden_id
    steward_client.post(reverse("stewardship:golden_pin", args=["supplier", gid]),
                        {"attribute": "name", "value": "ACME Industrial Supply GmbH", "reason": "legal name"})
    golden = Supplier.objects.get(golden_id=gid)
    assert golden.name == "ACME Industrial Supply GmbH" and "name" in golden.pins
    page = steward_client.get(reverse("stewardship:golden", args=["supplier", gid])).content.decode()
    assert "pinned by steward" in page
    steward_client.post(reverse("stewardship:golden_unpin", args=["supplier", gid]),
                        {"attribute": "name", "reason": "ERP has it right now"})
    golden.refresh_from_db()
    assert golden.name == "Acme Industrial Supply" and not golden.pins


def test_quarantine_marks_errors_and_fix_reprocesses(steward_client, quarantined):
    page = steward_client.get(reverse("stewardship:quarantine_detail", args=[quarantined.pk])).content.decode()
    assert 'id="id_f_name" name="f_name" value="" aria-invalid="true"' in page
    assert 'id="id_f_email" name="f_email" value="not-an-email" aria-invalid="true"' in page
    response = steward_client.post(reverse("stewardship:quarantine_fix", args=[quarantined.pk]), {
        "f_name": "Lyon Fasteners", "f_city": "Lyon", "f_country": "FR", "f_email": "sales@lyon.example",
        "reason": "name was missing in the feed",
    })
    assert response.status_code == 302
    quarantined.refresh_from_db()
    assert quarantined.status == SourceStatus.LINKED and quarantined.golden_id
    assert Supplier.objects.get(golden_id=quarantined.golden_id).name == "Lyon Fasteners"


def test_quarantine_page_says_how_the_records_file_wrote_decimals(steward_client, erp):
    ingest_records(system=erp, entity="location", records=[
        {"source_key": "L-2", "name": "Munich DC", "latitude": "48,137", "location_type": "depot",
         "_number_format": "decimal_comma"}])
    record = SourceRecord.objects.get(source_key="L-2")
    page = steward_client.get(reverse("stewardship:quarantine_detail", args=[record.pk])).content.decode()
    assert "Numbers are read with a decimal comma (1,5 is one and a half), as this record's file" in page
    assert "_number_format" not in page  # not listed among the keys a fix leaves out


def test_quarantine_fix_still_invalid_stays(steward_client, quarantined):
    steward_client.post(reverse("stewardship:quarantine_fix", args=[quarantined.pk]),
                        {"f_name": "", "reason": "try"})
    quarantined.refresh_from_db()
    assert quarantined.status == SourceStatus.QUARANTINED


def test_discard(steward_client, quarantined):
    steward_client.post(reverse("stewardship:quarantine_discard", args=[quarantined.pk]),
                        {"discard-reason": "test record from onboarding"})
    quarantined.refresh_from_db()
    assert quarantined.status == SourceStatus.DISCARDED
    assert quarantined.history.first().history_change_reason == "test record from onboarding"


def test_replay_dead_letter(steward_client, dead_letter):
    page = steward_client.get(reverse("stewardship:sync")).content.decode()
    assert "erp-outbound" in page
    steward_client.post(reverse("stewardship:sync_replay_delivery", args=[dead_letter.pk]),
                        {"reason": "receiver fixed"})
    dead_letter.refresh_from_db()
    assert dead_letter.state == DeliveryState.PENDING and dead_letter.attempts == 0


def test_replay_all_dead_letters(steward_client, dead_letter):
    steward_client.post(reverse("stewardship:sync_replay_dead", args=[dead_letter.target_id]), {"reason": "back up"})
    assert not Delivery.objects.filter(state=DeliveryState.DEAD).exists()


def test_history_filters_groups_and_csv(steward_client, auditor_client, steward, pair):
    steward_client.post(reverse("stewardship:review_decide", args=[pair.task.pk, "merge"]), {"reason": "dup"})
    page = auditor_client.get(reverse("stewardship:history") + "?user=steward").content.decode()
    assert "dup" in page and pair.own.golden_id in page
    request_ids = set(re.findall(r"\?request_id=([0-9a-f]{32})", page))
    assert len(request_ids) == 1  # the merge touched several rows in one action
    assert "ingest from ERP" not in page
    by_system = auditor_client.get(reverse("stewardship:history") + "?system=ERP").content.decode()
    assert "ingest from ERP" in by_system and ">dup<" not in by_system

    response = auditor_client.get(reverse("stewardship:history_csv") + "?user=steward")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:3] == ["date", "kind", "entity"]
    assert rows[1:] and all(row[6] == "steward" and row[8] == "dup" for row in rows[1:])
    assert {row[1] for row in rows[1:]} >= {"supplier", "source_record", "review_task"}


def test_as_of_shows_the_past(auditor_client, erp, pair):
    time.sleep(1.1)  # the form takes whole seconds: keep "before" clear of the creation second
    before = timezone.now()
    ingest_records(system=erp, entity="supplier", records=[
        {"source_key": "V-1001", "name": "Acme Industrial Supply Renamed", "city": "Berlin", "country": "DE",
         "tax_id": "DE123456789"},
    ])
    gid = pair.candidate.golden_id
    assert Supplier.objects.get(golden_id=gid).name == "Acme Industrial Supply Renamed"
    url = reverse("stewardship:golden_as_of", args=["supplier", gid])
    page = auditor_client.get(url + f"?at={before.isoformat(timespec='seconds')[:19]}").content.decode()
    assert "Acme Industrial Supply<" in page and "Renamed" not in page and "V-1001" in page
    gone = auditor_client.get(url + "?at=2000-01-01T00:00").content.decode()
    assert "did not exist at that time" in gone


def test_search_by_name_id_and_system_key(auditor_client, pair):
    url = reverse("stewardship:search")
    assert pair.candidate.golden_id in auditor_client.get(url + "?q=industrial").content.decode()
    by_key = auditor_client.get(url + "?q=W-77").content.decode()
    assert pair.own.golden_id in by_key and pair.candidate.golden_id not in by_key
    assert "Northwind" in auditor_client.get(url + f"?q={pair.own.golden_id.lower()}").content.decode()


def test_dashboard_counts_and_freshness(auditor_client, settings, pair, quarantined, dead_letter, erp):
    settings.ROSETTA = {**settings.ROSETTA, "FRESHNESS_WARNING_HOURS": 1, "FRESHNESS_ERROR_HOURS": 2}
    erp.last_received_at = timezone.now() - timezone.timedelta(hours=3)
    erp.save()
    from django.core.cache import cache

    cache.clear()
    page = auditor_client.get(reverse("stewardship:dashboard")).content.decode()
    text = re.sub(r"\s+", " ", page)
    assert '<strong>1</strong><span>open review tasks</span>' in text
    assert '<strong>1</strong><span>quarantined records</span>' in text
    assert '<strong>1</strong><span>dead letters</span>' in text
    assert re.search(r"ERP <span class=\"muted\">ERP</span></th>.*?badge error", text)
    assert 'hx-get="/quality/" hx-trigger="load"' in text  # the slow part is loaded by htmx

    fragment = auditor_client.get(reverse("stewardship:dashboard_quality"), HTTP_HX_REQUEST="true")
    body = fragment.content.decode()
    assert "<html" not in body and "Completeness per attribute" in body
    # one of two active suppliers has a tax id, both have a name
    assert re.search(r'<th scope="row">tax_id</th>.*?<td class="num">50%</td>', re.sub(r"\s+", " ", body))
    assert "Completeness per attribute" in auditor_client.get(reverse("stewardship:dashboard")).content.decode()


def test_people_without_a_role_are_refused(client, django_user_model, pair):
    nobody = django_user_model.objects.create_user(username="visitor", password="x-visitor")
    client.force_login(nobody)
    assert client.get(reverse("stewardship:dashboard")).status_code == 403
    assert ReviewTask.objects.get(pk=pair.task.pk).status == ReviewStatus.OPEN


def test_assets_are_served_locally(steward_client, client):
    page = steward_client.get(reverse("stewardship:dashboard")).content.decode()
    assets = re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', page)
    assert assets and all(url.startswith("/static/") for url in assets), assets
    htmx = [url for url in assets if url.endswith("htmx.min.js")]
    assert htmx
    response = client.get(htmx[0])
    assert response.status_code == 200
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert body.startswith(b"/*! htmx 2.") and b"htmx" in body[200:]


def test_login_page_has_labelled_fields(client):
    page = client.get(reverse("login")).content.decode()
    assert '<label for="id_username">' in page and 'id="id_username"' in page
    assert '<label for="id_password">' in page and 'type="password"' in page
