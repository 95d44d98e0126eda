"""Every admin page loads for a logged-in user; a golden record shows its crosswalk and history."""
from __future__ import annotations

import pytest
from django.contrib import admin
from django.urls import reverse

from mdm.ingest.services import ingest_records
from mdm.models import Supplier

pytestmark = pytest.mark.django_db


@pytest.fixture
def loaded(erp, wms, admin_user_):
    ingest_records(system=erp, entity="uom", records=[{"source_key": "EA", "code": "EA", "name": "each"}])
    ingest_records(system=erp, entity="supplier", records=[
        {"source_key": "V-1", "name": "Acme Corp", "country": "US", "phone": "+1 415 555 0100"}])
    ingest_records(system=erp, entity="location", records=[
        {"source_key": "DC1", "name": "Main DC", "code": "DC1"},
        {"source_key": "S1", "name": "Store 1", "parent_key": "DC1"}])
    ingest_records(system=erp, entity="product", records=[
        {"source_key": "P-1", "name": "Gloves", "gtin": "4006381333931", "supplier_key": "V-1",
         "base_uom": "EA"}])
    return admin_user_


@pytest.mark.parametrize("role", ["admin", "steward", "auditor"])
def test_every_admin_page_loads(client, loaded, steward, auditor, role):
    user = {"admin": loaded, "steward": steward, "auditor": auditor}[role]
    client.force_login(user)
    assert client.get(reverse("admin:index")).status_code == 200
    checked = 0
    for model, model_admin in admin.site._registry.items():
        meta = model._meta
        if not model_admin.has_view_permission(type("R", (), {"user": user})()):
            continue
        changelist = reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")
        assert client.get(changelist).status_code == 200, changelist
        assert client.get(changelist, {"q": "a"}).status_code == 200, changelist
        obj = model.objects.first()
        if obj is not None:
            change = reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[obj.pk])
            assert client.get(change).status_code == 200, change
            if hasattr(model_admin, "history_view"):
                history = reverse(f"admin:{meta.app_label}_{meta.model_name}_history", args=[obj.pk])
                assert client.get(history).status_code == 200, history
        checked += 1
    assert checked >= 8


def test_supplier_page_shows_crosswalk_and_history(client, loaded, steward):
    client.force_login(steward)
    supplier = Supplier.objects.get()
    page = client.get(reverse("admin:mdm_supplier_change", args=[supplier.pk])).content.decode()
    assert "V-1" in page and "ERP" in page and "Crosswalk" in page
    history = client.get(reverse("admin:mdm_supplier_history", args=[supplier.pk])).content.decode()
    assert "Acme Corp" in history or "Created" in history


def test_steward_edit_in_admin_becomes_a_pin_that_survives_recompute(client, loaded, erp, steward):
    client.force_login(steward)
    supplier = Supplier.objects.get()
    url = reverse("admin:mdm_supplier_change", args=[supplier.pk])
    form = {f: getattr(supplier, f) or "" for f in Supplier.ATTRIBUTES}
    form["name"] = "ACME Corporation"
    response = client.post(url, form)
    assert response.status_code == 302, response.content.decode()[:2000]
    ingest_records(system=erp, entity="supplier", records=[
        {"source_key": "V-1", "name": "Acme Corp.", "country": "US", "phone": "+1 415 555 0100"}])
    supplier.refresh_from_db()
    assert supplier.name == "ACME Corporation"
    assert supplier.lineage["name"]["policy"] == "steward_pin"
    pinned = supplier.history.filter(name="ACME Corporation").order_by("history_date").first()
    assert pinned.history_user_id == steward.pk
    assert pinned.history_change_reason == "edited in admin by steward"


def test_auditor_cannot_change_in_admin(client, loaded, auditor):
    client.force_login(auditor)
    supplier = Supplier.objects.get()
    url = reverse("admin:mdm_supplier_change", args=[supplier.pk])
    response = client.post(url, {"name": "Hacked"})
    assert response.status_code == 403
    supplier.refresh_from_db()
    assert supplier.name != "Hacked"


def test_a_systems_default_country_is_checked_in_admin(client, loaded, erp):
    client.force_login(loaded)
    url = reverse("admin:mdm_sourcesystem_change", args=[erp.pk])
    form = {"code": erp.code, "name": erp.name, "kind": erp.kind, "priority": erp.priority, "active": "on"}
    response = client.post(url, {**form, "default_country": "XX"})
    assert response.status_code == 200 and "not an ISO 3166 alpha-2 country code" in response.content.decode()
    response = client.post(url, {**form, "default_country": "DE"})
    assert response.status_code == 302, response.content.decode()[:2000]
    erp.refresh_from_db()
    assert erp.default_country == "DE"


def test_a_set_aside_match_model_is_shown_and_a_steward_can_put_it_in_use(client, loaded, steward, auditor):
    from mdm.matching.model import MAX_PRIOR, default_model
    from mdm.models import MatchModelVersion
    from mdm.services.matching import active_model

    params = default_model("location").to_params()
    params["prior"] = MAX_PRIOR
    version = MatchModelVersion.objects.create(entity="location", version=1, params=params, trained_on=2287,
                                               active=False, notes="EM estimated that 50% ...")
    url = reverse("admin:mdm_matchmodelversion_change", args=[version.pk])
    client.force_login(auditor)
    page = client.get(reverse("admin:mdm_matchmodelversion_changelist")).content.decode()
    assert "EM estimated that 50%" in page and "0.5000" in page
    detail = client.get(url).content.decode()
    assert "coordinates" in detail and "within 0.1 km" in detail  # m and u per level
    assert client.post(url, {"active": "on"}).status_code == 403  # auditors change nothing
    assert active_model("location")[2] != 1

    client.force_login(steward)
    assert client.post(url, {"active": "on"}).status_code == 302
    version.refresh_from_db()
    assert version.active and active_model("location")[2] == 1
