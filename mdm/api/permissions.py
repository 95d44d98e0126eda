"""Who may do what over the API: integrations act only as their own system; roles for people."""
from __future__ import annotations

from rest_framework.permissions import SAFE_METHODS, BasePermission

from mdm.api.authentication import IntegrationPrincipal

STEWARD_GROUP = "steward"
AUDITOR_GROUP = "auditor"
ADMIN_GROUP = "admin"


def is_integration(user: object) -> bool:
    return isinstance(user, IntegrationPrincipal)


def in_group(user: object, group: str) -> bool:
    if is_integration(user) or not getattr(user, "is_authenticated", False):
        return False
    if getattr(user, "is_superuser", False):
        return True
    return user.groups.filter(name=group).exists()  # type: ignore[attr-defined]


def is_steward(user: object) -> bool:
    return in_group(user, STEWARD_GROUP) or in_group(user, ADMIN_GROUP)


def is_auditor(user: object) -> bool:
    return in_group(user, AUDITOR_GROUP)


class IsIntegration(BasePermission):
    message = "This endpoint is for integrations: authenticate with your system's API token."

    def has_permission(self, request, view) -> bool:  # type: ignore[override]
        return is_integration(request.user)


class ReadOnlyForAuditors(BasePermission):
    """Integrations, stewards and auditors may read; auditors never write."""

    def has_permission(self, request, view) -> bool:  # type: ignore[override]
        user = request.user
        if is_integration(user):
            return True
        if request.method in SAFE_METHODS:
            return is_steward(user) or is_auditor(user)
        return is_steward(user)


class IsSteward(BasePermission):
    message = "Only data stewards may do this."

    def has_permission(self, request, view) -> bool:  # type: ignore[override]
        return is_steward(request.user)


class CanRead(BasePermission):
    """Reads sent as POST (a translate of 10,000 keys): integrations, stewards and auditors."""

    def has_permission(self, request, view) -> bool:  # type: ignore[override]
        user = request.user
        return is_integration(user) or is_steward(user) or is_auditor(user)
