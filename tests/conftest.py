"""Shared fixtures. The data layer runs on PostgreSQL (DATABASE_URL, set by `make test`)."""
from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from mdm.models import SourceSystem
from mdm.services.roles import ensure_user
from mdm.services.systems import create_source_system, issue_token


@pytest.fixture(autouse=True)
def _forget_match_models():
    """Each test's database is rolled back, stored model versions with it: two tests may each
    store a "version 1", so the process's cache of trained models must not outlive a test."""
    from mdm.services import matching

    matching._MODEL_CACHE.clear()
    yield
    matching._MODEL_CACHE.clear()


@pytest.fixture
def erp(db) -> SourceSystem:
    return create_source_system(code="ERP", name="ERP", kind="erp", priority=10)


@pytest.fixture
def wms(db) -> SourceSystem:
    return create_source_system(code="WMS", name="Warehouse", kind="wms", priority=30)


@pytest.fixture
def portal(db) -> SourceSystem:
    return create_source_system(code="PORTAL", name="Supplier portal", kind="supplier_portal", priority=20)


def token_client(system: SourceSystem) -> APIClient:
    raw, _ = issue_token(system=system, name="test")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    client.raw_token = raw
    return client


@pytest.fixture
def erp_client(erp) -> APIClient:
    return token_client(erp)


@pytest.fixture
def wms_client(wms) -> APIClient:
    return token_client(wms)


@pytest.fixture
def steward(db):
    ensure_user(username="steward", password="pw-steward", role="steward")
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username="steward")


@pytest.fixture
def auditor(db):
    ensure_user(username="auditor", password="pw-auditor", role="auditor")
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username="auditor")


@pytest.fixture
def admin_user_(db):
    ensure_user(username="admin", password="pw-admin", role="admin")
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username="admin")
