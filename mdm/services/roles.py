"""The three roles of the hub: steward (acts), auditor (reads everything, changes nothing), admin."""
from __future__ import annotations

from django.contrib.auth.models import Group, Permission
from django.db import transaction

HUB_APPS = ("mdm", "uom", "stewardship", "sync")


@transaction.atomic
def ensure_roles() -> dict[str, Group]:
    """Create or refresh the groups and their model permissions (idempotent)."""
    perms = Permission.objects.filter(content_type__app_label__in=HUB_APPS).select_related("content_type")
    view = [p for p in perms if p.codename.startswith("view_")]
    act = [p for p in perms if p.codename.startswith(("view_", "change_"))]
    groups = {}
    for name, granted in (("steward", act), ("auditor", view), ("admin", list(perms))):
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.set(granted)
        groups[name] = group
    return groups


@transaction.atomic
def ensure_user(*, username: str, password: str, role: str) -> None:
    from django.contrib.auth import get_user_model

    groups = ensure_roles()
    user, _ = get_user_model().objects.get_or_create(username=username)
    user.set_password(password)
    user.is_staff = True
    user.is_superuser = role == "admin"
    user.save()
    user.groups.set([groups[role]])
