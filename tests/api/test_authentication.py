"""Token authentication remembered per process, prompt revocation, last-use writes and rate limits."""
from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from mdm.api.throttling import PerTokenThrottle
from mdm.models import IntegrationToken
from mdm.services.systems import revoke_token

pytestmark = pytest.mark.django_db

URL = "/api/v1/suppliers/"


@pytest.fixture
def remember_long(settings):
    """Long enough that only an explicit change, never the clock, makes the process forget a token."""
    settings.API_TOKEN_CACHE_SECONDS = 600


def token_queries(queries) -> list[str]:
    return [q["sql"] for q in queries if "mdm_integrationtoken" in q["sql"]]


def test_a_known_token_is_not_read_again_on_every_call(erp_client, remember_long):
    assert erp_client.get(URL).status_code == 200
    with CaptureQueriesContext(connection) as queries:
        assert erp_client.get(URL).status_code == 200
    assert token_queries(queries) == []


def test_revoking_a_remembered_token_refuses_the_next_call(erp_client, erp, remember_long):
    assert erp_client.get(URL).status_code == 200
    revoke_token(token=erp.tokens.get())
    response = erp_client.get(URL)
    assert response.status_code == 401 and response.json()["code"] == "authentication_failed"


def test_deactivating_the_system_refuses_its_remembered_token(erp_client, erp, remember_long):
    assert erp_client.get(URL).status_code == 200
    erp.active = False
    erp.save()
    response = erp_client.get(URL)
    assert response.status_code == 401 and "inactive" in response.json()["detail"]


def test_without_remembering_every_call_reads_the_token(erp_client, settings):
    settings.API_TOKEN_CACHE_SECONDS = 0
    assert erp_client.get(URL).status_code == 200
    with CaptureQueriesContext(connection) as queries:
        assert erp_client.get(URL).status_code == 200
    assert len(token_queries(queries)) == 1


def test_last_use_is_written_once_not_on_every_call(erp_client, erp, remember_long):
    with CaptureQueriesContext(connection) as first:
        assert erp_client.get(URL).status_code == 200
    assert IntegrationToken.objects.get(system=erp).last_used_at is not None
    with CaptureQueriesContext(connection) as later:
        for _ in range(3):
            assert erp_client.get(URL).status_code == 200
    assert any(sql.startswith("UPDATE") for sql in token_queries(first))
    assert not any(sql.startswith("UPDATE") for sql in token_queries(later))


# The limit is a sliding window weighed from two per-minute counters: right after a minute
# turns, the previous minute's requests weigh a little less than whole. Tests that count up to
# the limit hold the throttle's clock in the middle of a minute.
MID_MINUTE = 1_800_000_030.0


def test_rate_limit_answers_429_with_retry_after(erp_client, wms_client, monkeypatch):
    monkeypatch.setattr(PerTokenThrottle, "THROTTLE_RATES", {"token": "3/min"})
    monkeypatch.setattr(PerTokenThrottle, "timer", staticmethod(lambda: MID_MINUTE))
    cache.clear()
    assert [erp_client.get(URL).status_code for _ in range(3)] == [200, 200, 200]
    limited = erp_client.get(URL)
    assert limited.status_code == 429 and limited["Content-Type"] == "application/problem+json"
    assert 1 <= int(limited["Retry-After"]) <= 60
    # The limit is per token: another system's token still gets through.
    assert wms_client.get(URL).status_code == 200
    cache.clear()


def test_with_a_shared_cache_every_web_process_counts_against_the_same_limit(erp_client, monkeypatch, settings):
    """CACHE_URL=redis://... keeps the rate-limit counters in Redis, where all processes see them."""
    import os

    import redis

    url = os.environ["CELERY_BROKER_URL"].rsplit("/", 1)[0] + "/9"
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}}
    monkeypatch.setattr(PerTokenThrottle, "THROTTLE_RATES", {"token": "2/min"})
    monkeypatch.setattr(PerTokenThrottle, "timer", staticmethod(lambda: MID_MINUTE))
    shared = redis.Redis.from_url(url)
    shared.flushdb()
    try:
        assert [erp_client.get(URL).status_code for _ in range(2)] == [200, 200]
        # One counter per minute window, expiring on its own.
        counters = shared.keys("throttle_token_token:*")
        assert sum(int(shared.get(k)) for k in counters) == 2
        assert all(0 < shared.ttl(k) <= 120 for k in counters)
        refused = erp_client.get(URL)
        assert refused.status_code == 429 and 1 <= int(refused["Retry-After"]) <= 60
        # A refused request does not count.
        assert sum(int(shared.get(k)) for k in shared.keys("throttle_token_token:*")) == 2
    finally:
        shared.flushdb()
