"""Fixtures of the API tests: a few suppliers known to ERP and WMS, and session clients with CSRF."""
from __future__ import annotations

import pytest
from django.middleware.csrf import _get_new_csrf_string
from rest_framework.test import APIClient

from mdm.ingest.services import ingest_records


def supplier(i: int, **extra) -> dict:
    return {"source_key": f"V-{i}", "name": f"Supplier {i} GmbH", "country": "DE",
            "tax_id": f"DE{100000000 + i}", "duns": f"{100000000 + i}", "city": "Berlin", **extra}


@pytest.fixture
def suppliers(erp, wms) -> list[str]:
    """Five suppliers in the ERP; the first three also in the WMS (auto-linked by tax id)."""
    erp_results = ingest_records(system=erp, entity="supplier", records=[supplier(i) for i in range(1, 6)])
    ingest_records(system=wms, entity="supplier",
                   records=[supplier(i, source_key=f"W-{i}") for i in range(1, 4)])
    return [r.golden_id for r in erp_results]


def session_client(user) -> APIClient:
    """A logged-in browser: session cookie plus the CSRF token that unsafe methods must echo."""
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(user)
    token = _get_new_csrf_string()
    client.cookies["csrftoken"] = token
    client.csrf_token = token
    return client


@pytest.fixture
def steward_client(steward) -> APIClient:
    return session_client(steward)


@pytest.fixture
def auditor_client(auditor) -> APIClient:
    return session_client(auditor)


def post(client: APIClient, url: str, body: dict):
    headers = {"HTTP_X_CSRFTOKEN": client.csrf_token} if getattr(client, "csrf_token", None) else {}
    return client.post(url, body, format="json", **headers)


@pytest.fixture
def send():
    """POST a JSON body, echoing the CSRF token when the client is a session."""
    return post


@pytest.fixture
def make_supplier():
    return supplier
