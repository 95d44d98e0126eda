"""Writes to source systems and their integration tokens."""
from __future__ import annotations

import re
from typing import Any

from django.db import transaction
from django.utils import timezone

from mdm.audit import change_context
from mdm.models import IntegrationToken, SourceSystem, SystemKind
from mdm.models.source import hash_token
from mdm.normalization import normalize_country

CODE_PATTERN = re.compile(r"^[A-Z0-9][A-Z0-9_-]{0,31}$")


@transaction.atomic
def create_source_system(
    *, code: str, name: str, kind: str = SystemKind.OTHER, priority: int = 100, default_country: str = "",
    user: Any = None,
) -> SourceSystem:
    code = code.strip().upper()
    country = normalize_country(default_country) if default_country else ""
    if country is None:
        raise ValueError(f"default country {default_country!r} is not an ISO 3166 country")
    if not CODE_PATTERN.match(code):
        raise ValueError(f"system code {code!r} must be 1-32 letters, digits, '-' or '_'")
    if kind not in SystemKind.values:
        raise ValueError(f"unknown kind {kind!r}; use one of {', '.join(SystemKind.values)}")
    if SourceSystem.objects.filter(code=code).exists():
        raise ValueError(f"source system {code} already exists")
    with change_context(user=user, reason=f"register source system {code}"):
        return SourceSystem.objects.create(code=code, name=name, kind=kind, priority=priority,
                                           default_country=country)


@transaction.atomic
def issue_token(*, system: SourceSystem, name: str = "", user: Any = None) -> tuple[str, IntegrationToken]:
    """A new token for the system; the raw value is returned once and only its hash is stored."""
    raw = IntegrationToken.generate()
    with change_context(user=user, reason=f"issue token for {system.code}"):
        token = IntegrationToken.objects.create(
            system=system, name=name, key_prefix=raw[:12], key_hash=hash_token(raw),
            created_by=user if getattr(user, "pk", None) else None,
        )
    return raw, token


@transaction.atomic
def revoke_token(*, token: IntegrationToken, user: Any = None, reason: str = "revoked") -> IntegrationToken:
    with change_context(user=user, reason=reason):
        token.revoked_at = timezone.now()
        token.save()
    return token
