"""Integration token authentication: `Authorization: Bearer rst_...` (or `Token rst_...`)."""
from __future__ import annotations

from dataclasses import dataclass

from django.utils import timezone
from rest_framework import authentication, exceptions

from mdm.models import IntegrationToken, SourceSystem
from mdm.models.source import hash_token

LAST_USED_RESOLUTION_SECONDS = 60


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


class IntegrationTokenAuthentication(authentication.BaseAuthentication):
    keywords = ("bearer", "token")

    def authenticate(self, request):  # type: ignore[override]
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].decode(errors="replace").lower() not in self.keywords:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("Malformed Authorization header.")
        raw = header[1].decode(errors="replace")
        token = (
            IntegrationToken.objects.select_related("system")
            .filter(key_hash=hash_token(raw))
            .first()
        )
        if token is None or token.revoked_at is not None:
            raise exceptions.AuthenticationFailed("Invalid or revoked token.")
        if not token.system.active:
            raise exceptions.AuthenticationFailed(f"Source system {token.system.code} is inactive.")
        now = timezone.now()
        if token.last_used_at is None or (now - token.last_used_at).total_seconds() > LAST_USED_RESOLUTION_SECONDS:
            IntegrationToken.objects.filter(pk=token.pk).update(last_used_at=now)
        principal = IntegrationPrincipal(system=token.system, token=token)
        return principal, token

    def authenticate_header(self, request) -> str:  # type: ignore[override]
        return 'Bearer realm="rosetta"'
