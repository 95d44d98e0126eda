"""Target URLs may not point into the hub's own network unless explicitly allowed."""
from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from sync.urlcheck import validate_target_url


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1/hook",
        "https://10.1.2.3/hook",
        "https://192.168.0.10/hook",
        "https://169.254.169.254/latest/meta-data/",
        "https://100.100.100.200/",
        "https://[::1]/hook",
        "https://[fd00:ec2::254]/",
        "https://0.0.0.0/",
        "https://localhost/hook",
    ],
)
def test_private_loopback_link_local_and_metadata_addresses_are_refused(url):
    with pytest.raises(ValidationError):
        validate_target_url(url, allow_private=False)


@pytest.mark.parametrize(
    "url",
    ["http://93.184.216.34/hook", "ftp://93.184.216.34/", "https://user:pw@93.184.216.34/", "https:///nohost"],
)
def test_plain_http_other_schemes_credentials_and_missing_hosts_are_refused(url):
    with pytest.raises(ValidationError):
        validate_target_url(url, allow_private=False)


def test_a_public_https_address_is_accepted():
    validate_target_url("https://93.184.216.34:8443/erp/hook", allow_private=False)


def test_private_targets_are_allowed_when_the_environment_says_so(settings):
    settings.SYNC_ALLOW_PRIVATE_TARGETS = True

    validate_target_url("http://127.0.0.1:8000/sync/sandbox/ERP-sandbox/")
