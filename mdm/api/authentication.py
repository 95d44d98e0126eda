"""Integration token authentication: `Authorization: Bearer rst_...` (or `Token rst_...`).

A valid token is remembered by this process for TOKEN_CACHE_SECONDS (setting
API_TOKEN_CACHE_SECONDS, default 5), keyed by the token's hash, so a busy integration does not
pay a query per call. Saving or deleting any token or source system in this process forgets
every remembered token at once; other processes notice a revocation or a deactivated system
when their entry expires, i.e. within those few seconds. Unknown and revoked tokens are never
remembered: they are looked up every time.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone
from rest_framework import authentication, exceptions

from mdm.models import IntegrationToken, SourceSystem
from mdm.models.source import hash_token

LAST_USED_RESOLUTION_SECONDS = 60
DEFAULT_TOKEN_CACHE_SECONDS = 5.0
TOKEN_CACHE_MAX_ENTRIES = 10_000


@dataclass
class IntegrationPrincipal:
    """The authenticated caller of an integration request: a source system, never a person."""

    system: SourceSystem
    token: IntegrationToken
    is_authenticated: bool = True
    is_active: bool = True
    is_staff: bool = False
    is_superuser: bool = False
    pk: None = None
    id: None = None

    def __str__(self) -> str:
        return f"integration:{self.system.code}"

    def has_perm(self, *args: object, **kwargs: object) -> bool:
        return False


@dataclass
class _Remembered:
    principal: IntegrationPrincipal
    expires_at: float
    # monotonic time after which last_used_at is written again
    touch_after: float = field(default=0.0)


# key hash -> the principal it authenticated; dict operations are atomic, so threads may share it.
_remembered: dict[str, _Remembered] = {}


def token_cache_seconds() -> float:
    return float(getattr(settings, "API_TOKEN_CACHE_SECONDS", DEFAULT_TOKEN_CACHE_SECONDS))


@receiver(post_save, sender=IntegrationToken)
@receiver(post_delete, sender=IntegrationToken)
@receiver(post_save, sender=SourceSystem)
@receiver(post_delete, sender=SourceSystem)
def forget_tokens(**kwargs: object) -> None:
    """Drop this process's remembered tokens (a revocation, rotation or deactivation happened)."""
    _remembered.clear()


def _load(key_hash: str) -> IntegrationPrincipal:
    token = IntegrationToken.objects.select_related("system").filter(key_hash=key_hash).first()
    if token is None or token.revoked_at is not None:
        raise exceptions.AuthenticationFailed("Invalid or revoked token.")
    if not token.system.active:
        raise exceptions.AuthenticationFailed(f"Source system {token.system.code} is inactive.")
    return IntegrationPrincipal(system=token.system, token=token)


class IntegrationTokenAuthentication(authentication.BaseAuthentication):
    keywords = ("bearer", "token")

    def authenticate(self, request):  # type: ignore[override]
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].decode(errors="replace").lower() not in self.keywords:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("Malformed Authorization header.")
        key_hash = hash_token(header[1].decode(errors="replace"))
        now = time.monotonic()
        entry = _remembered.get(key_hash)
        if entry is None or entry.expires_at <= now:
            ttl = token_cache_seconds()
            entry = _Remembered(principal=_load(key_hash), expires_at=now + ttl)
            if ttl > 0:
                if len(_remembered) >= TOKEN_CACHE_MAX_ENTRIES:
                    _remembered.clear()
                _remembered[key_hash] = entry
        if entry.touch_after <= now:
            self._touch(entry.principal.token)
            entry.touch_after = now + LAST_USED_RESOLUTION_SECONDS
        return entry.principal, entry.principal.token

    @staticmethod
    def _touch(token: IntegrationToken) -> None:
        """Record the token's use, at most once a minute per token and process."""
        now = timezone.now()
        if token.last_used_at is None or (now - token.last_used_at).total_seconds() > LAST_USED_RESOLUTION_SECONDS:
            IntegrationToken.objects.filter(pk=token.pk).update(last_used_at=now)
            token.last_used_at = now

    def authenticate_header(self, request) -> str:  # type: ignore[override]
        return 'Bearer realm="rosetta"'
