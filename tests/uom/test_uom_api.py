"""GET /api/v1/uom/convert/ with integration tokens, system-specific codes and clear errors."""
from __future__ import annotations

import types

import pytest
from django.urls import include, path
from rest_framework.test import APIClient

from mdm.uom import services
from mdm.urls import urlpatterns as hub_urlpatterns

pytestmark = pytest.mark.django_db

URL = "/api/v1/uom/convert/"


@pytest.fixture(autouse=True)
def uom_routes(settings):
    """The hub's routes with the unit API under /api/v1/uom/, as the project URL map includes it."""
    routes = types.ModuleType("uom_routes")
    routes.urlpatterns = [path("api/v1/uom/", include("mdm.uom.api")), *hub_urlpatterns]
    settings.ROOT_URLCONF = routes


@pytest.fixture
def gloves(units, wms, make_product, gloves_packaging):
    product = make_product()
    services.set_packaging(product=product, levels=gloves_packaging)
    services.link_unit_code(system=wms, code="CASE", unit="CS")
    services.link_unit_code(system=wms, code="PCS", unit="EA")
    return product


def test_converts_in_the_systems_own_codes(gloves, wms_client):
    response = wms_client.get(URL, {"qty": "3", "from": "CASE", "to": "PCS", "product": gloves.golden_id,
                                    "system": "WMS"})
    assert response.status_code == 200, response.content
    assert response.json() == {
        "quantity": "3", "from": "CS", "to": "EA", "result": "36", "exact": "36", "factor": "12",
        "path": ["CS", "EA"], "product": gloves.golden_id, "system": "WMS",
        "requested": {"from": "CASE", "to": "PCS"},
    }


def test_hub_codes_work_without_a_system_and_results_are_exact(gloves, wms_client):
    body = wms_client.get(URL, {"qty": "1", "from": "PF", "to": "KGM", "product": gloves.golden_id}).json()
    assert body["result"] == "240" and body["path"] == ["PF", "CS", "EA", "KGM"]
    third = wms_client.get(URL, {"qty": "1", "from": "EA", "to": "DZN"}).json()
    assert third["exact"] == "1/12" and third["result"] == "0.083333333333"


def test_an_unknown_unit_for_the_system_is_a_400_naming_it(gloves, wms_client):
    response = wms_client.get(URL, {"qty": "3", "from": "PCX", "to": "CASE", "product": gloves.golden_id,
                                    "system": "WMS"})
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "unknown_unit"
    assert response.json()["detail"] == "unknown unit PCX for system WMS"


def test_no_conversion_path_and_bad_input_are_400s(gloves, wms_client):
    no_path = wms_client.get(URL, {"qty": "3", "from": "EA", "to": "KGM"})
    assert no_path.status_code == 400 and no_path.json()["code"] == "no_conversion_path"
    assert no_path.json()["detail"] == "no conversion from EA to KGM"
    missing = wms_client.get(URL, {"qty": "3", "to": "EA"})
    assert missing.status_code == 400 and "from" in missing.json()["detail"]
    not_a_number = wms_client.get(URL, {"qty": "lots", "from": "CS", "to": "EA", "product": gloves.golden_id})
    assert not_a_number.status_code == 400 and "not a quantity" in not_a_number.json()["detail"]
    unknown_product = wms_client.get(URL, {"qty": "1", "from": "CS", "to": "EA", "product": "PRD-999999"})
    assert unknown_product.status_code == 400 and unknown_product.json()["code"] == "unknown_product"


def test_a_token_or_a_login_is_required(gloves, steward):
    anonymous = APIClient().get(URL, {"qty": "1", "from": "CS", "to": "EA", "product": gloves.golden_id})
    assert anonymous.status_code == 401
    client = APIClient()
    client.force_login(steward)
    assert client.get(URL, {"qty": "1", "from": "CS", "to": "EA", "product": gloves.golden_id}).json()["result"] == "12"
