"""Idempotency keys of ingest requests: same key and body -> the stored response, no new work."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from mdm.models import IdempotencyKey, SourceSystem


class IdempotencyConflict(Exception):
    """The key was used before with a different request body."""


@dataclass
class StoredResponse:
    status_code: int
    body: Any


def request_fingerprint(entity: str, body: bytes) -> str:
    return hashlib.sha256(entity.encode() + b"\n" + body).hexdigest()


def lookup(*, system: SourceSystem, key: str, fingerprint: str) -> StoredResponse | None:
    now = timezone.now()
    IdempotencyKey.objects.filter(system=system, expires_at__lt=now).delete()
    stored = IdempotencyKey.objects.filter(system=system, key=key).first()
    if stored is None:
        return None
    if stored.request_hash != fingerprint:
        raise IdempotencyConflict(
            f"Idempotency-Key {key!r} was already used with a different request body; "
            "send a new key for a new request."
        )
    return StoredResponse(stored.status_code, stored.response)


def store(*, system: SourceSystem, key: str, entity: str, fingerprint: str, status_code: int, body: Any) -> None:
    ttl = timedelta(seconds=settings.ROSETTA["IDEMPOTENCY_TTL_SECONDS"])
    try:
        with transaction.atomic():
            IdempotencyKey.objects.create(system=system, key=key, entity=entity, request_hash=fingerprint,
                                          status_code=status_code, response=body,
                                          expires_at=timezone.now() + ttl)
    except IntegrityError:
        # A concurrent request with the same key stored its response first; keep that one.
        pass
