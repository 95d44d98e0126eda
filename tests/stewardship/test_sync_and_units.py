"""Stewardship pages for creating, pausing and replaying sync targets, and mapping unknown unit codes."""
from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from mdm.ingest.services import ingest_records
from mdm.models import SourceRecord, SourceStatus, UnitOfMeasure
from mdm.uom.standard import install_standard_units
from sync.models import Delivery, Event, Target
from sync.services import create_target

pytestmark = pytest.mark.django_db

POST_FORM = re.compile(r'<form[^>]*method="post"[^>]*action="([^"]*)"', re.IGNORECASE)
SECRET = re.compile(r"whsec_[A-Za-z0-9+/=_\-]+")


def new_target_form(**overrides) -> dict:
    data = {"name": "wms-outbound", "url": "http://127.0.0.1:9/hook", "entities": ["supplier", "product"],
            "event_types": [], "send_own_keys": "on", "source_system": "WMS", "reason": "new warehouse"}
    return {**data, **overrides}


@pytest.fixture
def target(settings) -> Target:
    settings.SYNC_ALLOW_PRIVATE_TARGETS = True
    created, _ = create_target(name="erp-outbound", url="http://127.0.0.1:9/hook", entities=["supplier"])
    return created


@pytest.fixture
def units(db) -> None:
    install_standard_units()


def ingest_product(system, key: str, base_uom: str, *, name: str = "Nitrile gloves", **fields) -> SourceRecord:
    ingest_records(system=system, entity="product", records=[
        {"source_key": key, "name": name, "base_uom": base_uom, **fields},
    ])
    return SourceRecord.objects.get(system=system, entity="product", source_key=key)


# --- Targets --------------------------------------------------------------------------------
def test_steward_creates_a_target_and_sees_its_secret_once(settings, steward_client, wms):
    settings.SYNC_ALLOW_PRIVATE_TARGETS = True
    form_page = steward_client.get(reverse("stewardship:sync")).content.decode()
    assert reverse("stewardship:sync_target_create") in POST_FORM.findall(form_page)

    response = steward_client.post(reverse("stewardship:sync_target_create"), new_target_form(), follow=True)
    target = Target.objects.get(name="wms-outbound")
    assert response.redirect_chain[-1][0] == reverse("stewardship:sync_target", args=[target.pk])
    assert target.entities == ["supplier", "product"] and target.event_types == []
    assert target.send_own_keys and target.source_system == "WMS" and target.active
    page = response.content.decode()
    assert SECRET.findall(page) == [target.secret]
    assert "no-store" in response["Cache-Control"]

    again = steward_client.get(reverse("stewardship:sync_target", args=[target.pk])).content.decode()
    assert target.secret not in again and not SECRET.search(again)
    assert target.secret not in steward_client.get(reverse("stewardship:sync")).content.decode()


def test_event_types_are_kept_when_chosen(settings, steward_client):
    settings.SYNC_ALLOW_PRIVATE_TARGETS = True
    steward_client.post(reverse("stewardship:sync_target_create"),
                        new_target_form(event_types=["created", "merged"], source_system="", send_own_keys=""))
    target = Target.objects.get(name="wms-outbound")
    assert target.event_types == ["created", "merged"] and not target.send_own_keys


@pytest.mark.parametrize("url", ["https://10.1.2.3/hook", "http://127.0.0.1:9/hook", "ftp://example.com/hook",
                                 "not a url"])
def test_a_refused_url_shows_the_error_and_creates_nothing(settings, steward_client, wms, url):
    settings.SYNC_ALLOW_PRIVATE_TARGETS = False
    response = steward_client.post(reverse("stewardship:sync_target_create"), new_target_form(url=url))
    page = response.content.decode()
    assert response.status_code == 200
    assert not Target.objects.exists()
    assert re.search(r'id="new_target_url"><span class="field-error" role="alert">target (URL|host) ', page)
    assert f'value="{url}"' in page  # what was typed is kept for correction
    assert not SECRET.search(page)


def test_a_target_needs_entities_a_unique_name_and_a_reason(steward_client, target, wms):
    url = reverse("stewardship:sync_target_create")
    no_entities = steward_client.post(url, new_target_form(entities=[])).content.decode()
    assert re.search(r'<legend>Entities</legend>.*?field-error[^>]*>This field is required', no_entities, re.DOTALL)
    no_reason = steward_client.post(url, new_target_form(reason="  ")).content.decode()
    assert re.search(r'<input[^>]*name="reason"[^>]*aria-invalid="true"', no_reason)
    duplicate = steward_client.post(url, new_target_form(name=target.name)).content.decode()
    assert "already exists" in duplicate
    assert list(Target.objects.values_list("name", flat=True)) == [target.name]


def test_steward_pauses_and_resumes_a_target(steward_client, target):
    page = steward_client.get(reverse("stewardship:sync_target", args=[target.pk])).content.decode()
    assert reverse("stewardship:sync_target_pause", args=[target.pk]) in POST_FORM.findall(page)

    steward_client.post(reverse("stewardship:sync_target_pause", args=[target.pk]), {"reason": "ERP upgrade"})
    target.refresh_from_db()
    assert not target.active
    page = steward_client.get(reverse("stewardship:sync_target", args=[target.pk])).content.decode()
    assert reverse("stewardship:sync_target_resume", args=[target.pk]) in POST_FORM.findall(page)
    assert "paused" in page

    steward_client.post(reverse("stewardship:sync_target_resume", args=[target.pk]), {"reason": ""})
    target.refresh_from_db()
    assert not target.active  # no reason, no change
    steward_client.post(reverse("stewardship:sync_target_resume", args=[target.pk]), {"reason": "upgrade done"})
    target.refresh_from_db()
    assert target.active


def test_replay_since_queues_the_events_after_that_time(steward_client, target, erp):
    ingest_records(system=erp, entity="supplier", records=[
        {"source_key": "V-1", "name": "Acme Industrial Supply", "city": "Berlin", "country": "DE"}])
    since = timezone.now()
    ingest_records(system=erp, entity="supplier", records=[
        {"source_key": "V-2", "name": "Globex Fasteners", "city": "Paris", "country": "FR"},
        {"source_key": "V-3", "name": "Initech Packaging", "city": "Rome", "country": "IT"}])
    later = list(Event.objects.filter(entity="supplier", occurred_at__gte=since).values_list("pk", flat=True))
    assert len(later) >= 2 and Event.objects.filter(entity="supplier", occurred_at__lt=since).exists()
    before = set(Delivery.objects.values_list("pk", flat=True))

    response = steward_client.post(
        reverse("stewardship:sync_replay_since", args=[target.pk]),
        {"since": timezone.localtime(since).strftime("%Y-%m-%dT%H:%M:%S.%f"), "reason": "rebuild ERP cache"},
        follow=True,
    )
    replayed = Delivery.objects.exclude(pk__in=before)
    assert sorted(replayed.values_list("event_id", flat=True)) == sorted(later)
    assert set(replayed.values_list("target_id", "state").distinct()) == {(target.pk, "pending")}
    golden_ids = set(SourceRecord.objects.filter(source_key__in=["V-2", "V-3"]).values_list("golden_id", flat=True))
    assert set(replayed.values_list("golden_id", flat=True)) == golden_ids
    assert f"{len(later)} deliveries of events since" in response.content.decode()


def test_replay_since_needs_a_time_and_a_reason(steward_client, target, erp):
    ingest_records(system=erp, entity="supplier", records=[
        {"source_key": "V-1", "name": "Acme Industrial Supply", "city": "Berlin", "country": "DE"}])
    count = Delivery.objects.count()
    url = reverse("stewardship:sync_replay_since", args=[target.pk])
    steward_client.post(url, {"since": "", "reason": "rebuild"})
    steward_client.post(url, {"since": "2020-01-01T00:00", "reason": " "})
    assert Delivery.objects.count() == count


def test_auditor_sees_no_target_forms_and_forged_posts_are_refused(settings, auditor_client, client, target):
    for url in (reverse("stewardship:sync"), reverse("stewardship:sync_target", args=[target.pk])):
        page = auditor_client.get(url).content.decode()
        assert set(POST_FORM.findall(page)) <= {reverse("logout")}, url
    settings.SYNC_ALLOW_PRIVATE_TARGETS = True
    posts = [
        (reverse("stewardship:sync_target_create"), new_target_form(name="forged")),
        (reverse("stewardship:sync_target_pause", args=[target.pk]), {"reason": "forged"}),
        (reverse("stewardship:sync_replay_since", args=[target.pk]), {"since": "2020-01-01T00:00", "reason": "x"}),
    ]
    for url, data in posts:
        assert auditor_client.post(url, data).status_code == 403, url
        assert client.post(url, data)["Location"].startswith("/accounts/login/"), url
    target.refresh_from_db()
    assert target.active and list(Target.objects.values_list("name", flat=True)) == [target.name]
    assert not Delivery.objects.exists()
    assert auditor_client.get(reverse("stewardship:sync_target_create")).status_code == 405


# --- Unknown unit codes ---------------------------------------------------------------------
def test_steward_maps_an_unknown_unit_code_and_the_waiting_record_is_linked(units, steward_client, wms, erp):
    record = ingest_product(wms, "W-1", "PCX")
    assert record.status == SourceStatus.QUARANTINED
    assert [e["code"] for e in record.errors] == ["unknown_unit"]
    assert record.errors[0]["message"] == "unknown unit PCX for system WMS"
    ingest_product(erp, "E-1", "EA", name="Cable ties 200 mm")  # a known unit does not show up

    page = steward_client.get(reverse("stewardship:unit_codes")).content.decode()
    rows = re.findall(r"<tr>\s*<td>(\w+)</td>\s*<td><code>(\w+)</code></td>\s*<td class=\"num\"><a[^>]*>(\d+)</a>",
                      page)
    assert rows == [("WMS", "PCX", "1")]
    assert reverse("stewardship:unit_map") in POST_FORM.findall(page)
    assert '<option value="EA">' in page

    response = steward_client.post(reverse("stewardship:unit_map"), {
        "system": "WMS", "code": "PCX", "unit": "EA", "reason": "PCX is the WMS code for pieces",
    }, follow=True)
    record.refresh_from_db()
    assert record.status == SourceStatus.LINKED and record.golden_id
    assert "reprocessed 1 waiting record." in response.content.decode()
    assert "No quarantined record waits for a unit code" in response.content.decode()
    mapping = SourceRecord.objects.get(system=wms, entity="uom", source_key="PCX")
    assert mapping.golden_id == UnitOfMeasure.objects.get(code="EA").golden_id
    latest = mapping.history.latest("history_date")
    assert latest.history_change_reason == "PCX is the WMS code for pieces"


def test_unit_codes_are_grouped_by_system_and_code(units, steward_client, wms, erp):
    ingest_product(wms, "W-1", "PCX")
    ingest_product(wms, "W-2", "PCX", net_weight="2", weight_uom="PCX")  # one record, counted once
    ingest_product(wms, "W-3", "EA", net_weight="2", weight_uom="LBX")
    ingest_product(erp, "E-1", "PCX")
    page = steward_client.get(reverse("stewardship:unit_codes")).content.decode()
    rows = re.findall(r"<tr>\s*<td>(\w+)</td>\s*<td><code>(\w+)</code></td>\s*<td class=\"num\"><a[^>]*>(\d+)</a>",
                      page)
    assert rows == [("WMS", "PCX", "2"), ("ERP", "PCX", "1"), ("WMS", "LBX", "1")]


def test_a_mapping_to_an_unknown_hub_unit_changes_nothing(units, steward_client, wms):
    record = ingest_product(wms, "W-1", "PCX")
    response = steward_client.post(reverse("stewardship:unit_map"), {
        "system": "WMS", "code": "PCX", "unit": "NOPE", "reason": "typo"}, follow=True)
    record.refresh_from_db()
    assert record.status == SourceStatus.QUARANTINED
    assert "Hub unit" in response.content.decode()
    assert not SourceRecord.objects.filter(entity="uom", source_key="PCX").exists()


def test_auditor_sees_unit_codes_without_forms_and_cannot_map(units, auditor_client, wms):
    record = ingest_product(wms, "W-1", "PCX")
    page = auditor_client.get(reverse("stewardship:unit_codes")).content.decode()
    assert "PCX" in page and set(POST_FORM.findall(page)) <= {reverse("logout")}
    response = auditor_client.post(reverse("stewardship:unit_map"), {
        "system": "WMS", "code": "PCX", "unit": "EA", "reason": "forged"})
    assert response.status_code == 403
    record.refresh_from_db()
    assert record.status == SourceStatus.QUARANTINED


def test_unit_codes_page_has_a_fixed_query_count(units, steward_client, auditor_client, wms, erp,
                                                django_assert_max_num_queries):
    for system in (wms, erp):
        ingest_records(system=system, entity="product", records=[
            {"source_key": f"{system.code}-{i}", "name": f"Item {i}", "base_uom": f"X{i % 12}",
             "net_weight": "1", "weight_uom": f"W{i % 5}"}
            for i in range(60)
        ])
    for client in (steward_client, auditor_client):
        with django_assert_max_num_queries(6):  # the auditor's role takes three reads
            page = client.get(reverse("stewardship:unit_codes")).content.decode()
        assert page.count("<code>") == 2 * (12 + 5)
