"""The Standard Webhooks signature: our verifier and the reference library agree."""
from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest
from standardwebhooks.webhooks import Webhook

from sync import signing

BODY = b'{"id":"evt_1","type":"updated","golden_id":"SUP-000001"}'


def test_a_valid_signature_passes_both_verifiers():
    secret = signing.generate_secret()
    headers = signing.signed_headers(secret=secret, msg_id="evt_1", body=BODY)

    assert signing.verify(secret=secret, headers=headers, body=BODY) == "evt_1"
    assert Webhook(secret).verify(BODY, headers)["golden_id"] == "SUP-000001"


def test_signatures_made_by_the_reference_library_verify_here():
    secret = signing.generate_secret()
    timestamp = int(time.time())
    reference_signature = Webhook(secret).sign("evt_9", datetime.fromtimestamp(timestamp, UTC), BODY.decode())
    headers = {"webhook-id": "evt_9", "webhook-timestamp": str(timestamp), "webhook-signature": reference_signature}

    assert signing.verify(secret=secret, headers=headers, body=BODY) == "evt_9"


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (lambda h, b: (h, b.replace(b"SUP", b"PRD")), "no matching signature"),
        (lambda h, b: ({**h, "webhook-id": "evt_2"}, b), "no matching signature"),
        (lambda h, b: ({k: v for k, v in h.items() if k != "webhook-signature"}, b), "missing"),
    ],
)
def test_tampered_messages_are_rejected(change, reason):
    secret = signing.generate_secret()
    headers, body = change(signing.signed_headers(secret=secret, msg_id="evt_1", body=BODY), BODY)

    with pytest.raises(signing.WebhookVerificationError, match=reason):
        signing.verify(secret=secret, headers=headers, body=body)


def test_messages_older_than_five_minutes_or_from_the_future_are_rejected():
    secret = signing.generate_secret()
    now = time.time()
    old = signing.signed_headers(secret=secret, msg_id="evt_1", body=BODY, timestamp=int(now) - 301)
    recent = signing.signed_headers(secret=secret, msg_id="evt_1", body=BODY, timestamp=int(now) - 299)
    future = signing.signed_headers(secret=secret, msg_id="evt_1", body=BODY, timestamp=int(now) + 301)

    with pytest.raises(signing.WebhookVerificationError, match="too old"):
        signing.verify(secret=secret, headers=old, body=BODY, now=now)
    with pytest.raises(signing.WebhookVerificationError, match="too new"):
        signing.verify(secret=secret, headers=future, body=BODY, now=now)
    assert signing.verify(secret=secret, headers=recent, body=BODY, now=now) == "evt_1"


def test_a_rotated_secret_can_sign_beside_the_old_one():
    old, new = signing.generate_secret(), signing.generate_secret()
    headers = signing.signed_headers(secret=new, msg_id="evt_1", body=BODY)
    headers["webhook-signature"] = (
        signing.sign(secret=old, msg_id="evt_1", timestamp=int(headers["webhook-timestamp"]), body=BODY)
        + " " + headers["webhook-signature"]
    )

    assert signing.verify(secret=old, headers=headers, body=BODY) == "evt_1"
    assert signing.verify(secret=new, headers=headers, body=BODY) == "evt_1"


@pytest.mark.parametrize("secret", ["S", "whsec_not base64!", "whsec_c2hvcnQ="])
def test_malformed_or_short_secrets_are_refused(secret):
    with pytest.raises(ValueError):
        signing.check_secret(secret)
