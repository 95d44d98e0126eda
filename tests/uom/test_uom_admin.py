"""The admin refuses inconsistent factors and lets a steward map a system's unit code."""
from __future__ import annotations

import pytest

from mdm.uom import selectors
from mdm.uom.models import UnitConversion

pytestmark = pytest.mark.django_db


def test_the_admin_refuses_a_factor_that_disagrees_naming_both_paths(client, units, admin_user_):
    client.force_login(admin_user_)
    response = client.post("/admin/uom/unitconversion/add/", {
        "from_unit": "TNE", "to_unit": "GRM", "numerator": "999999", "denominator": "1", "note": "",
    })
    assert response.status_code == 200
    assert "TNE-&gt;KGM-&gt;GRM = 1000000 but TNE-&gt;GRM = 999999" in response.content.decode()
    assert not UnitConversion.objects.filter(from_unit="TNE", to_unit="GRM").exists()
    response = client.post("/admin/uom/unitconversion/add/", {
        "from_unit": "TNE", "to_unit": "GRM", "numerator": "1000000", "denominator": "1", "note": "",
    })
    assert response.status_code == 302
    assert UnitConversion.objects.get(from_unit="TNE", to_unit="GRM").factor == 10**6


def test_a_steward_maps_a_system_unit_code_in_the_admin(client, units, wms, steward):
    client.force_login(steward)
    assert client.get("/admin/uom/unitcodemapping/add/").status_code == 200
    response = client.post("/admin/uom/unitcodemapping/add/", {
        "system": wms.pk, "source_key": "PCX", "unit": "EA", "reason": "PCX is each",
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    assert selectors.resolve_unit("PCX", "WMS") == "EA"
    listing = client.get("/admin/uom/unitcodemapping/").content.decode()
    assert "PCX" in listing and ">EA<" in listing
