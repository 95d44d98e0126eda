"""Who changed what, and why: the change context that every history row carries.

A change context holds the acting user or integration (source system), a reason, and a
request id that ties together every row changed by one action. The HTTP middleware opens
one per request; management commands, Celery tasks and services open their own with
`change_context(...)`. simple-history's signal copies it onto each historical row, so no
code path has to pass it around by hand.
"""
from __future__ import annotations

import contextlib
import logging
import uuid
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass, replace
from typing import Any

from django.dispatch import receiver
from simple_history.signals import pre_create_historical_record


@dataclass(frozen=True)
class ChangeContext:
    request_id: str
    user_id: int | None = None
    system_code: str = ""
    reason: str = ""


_current: ContextVar[ChangeContext | None] = ContextVar("rosetta_change_context", default=None)


def new_request_id() -> str:
    return uuid.uuid4().hex


def current_context() -> ChangeContext:
    ctx = _current.get()
    if ctx is None:
        ctx = ChangeContext(request_id=new_request_id())
        _current.set(ctx)
    return ctx


@contextlib.contextmanager
def change_context(
    *,
    user: Any = None,
    system: Any = None,
    reason: str | None = None,
    request_id: str | None = None,
) -> Iterator[ChangeContext]:
    """Open (or refine) the change context for the code inside the block.

    Values not given are inherited from the enclosing context, so a service called inside a
    request keeps the request's id and actor but may add its own reason.
    """
    outer = _current.get()
    base = outer or ChangeContext(request_id=request_id or new_request_id())
    ctx = replace(
        base,
        request_id=request_id or base.request_id,
        user_id=getattr(user, "pk", user) if user is not None else base.user_id,
        system_code=getattr(system, "code", system) if system is not None else base.system_code,
        reason=reason if reason is not None else base.reason,
    )
    token = _current.set(ctx)
    try:
        yield ctx
    finally:
        _current.reset(token)


def history_attrs() -> dict[str, Any]:
    """Extra columns for rows written by simple-history's bulk helpers."""
    ctx = current_context()
    return {"request_id": ctx.request_id, "source_system": ctx.system_code}


def bulk_history_kwargs() -> dict[str, Any]:
    """Keyword arguments for simple-history's bulk_create/update_with_history in this context."""
    ctx = current_context()
    user = None
    if ctx.user_id is not None:
        from django.contrib.auth import get_user_model

        user = get_user_model()(pk=ctx.user_id)
    return {"default_user": user, "default_change_reason": ctx.reason or None,
            "custom_historical_attrs": history_attrs()}


@receiver(pre_create_historical_record)
def _stamp_history(sender: Any, instance: Any, history_instance: Any, **kwargs: Any) -> None:
    ctx = current_context()
    history_instance.request_id = ctx.request_id
    history_instance.source_system = ctx.system_code
    if not getattr(history_instance, "history_change_reason", None) and ctx.reason:
        history_instance.history_change_reason = ctx.reason
    if getattr(history_instance, "history_user_id", None) is None and ctx.user_id is not None:
        history_instance.history_user_id = ctx.user_id


class RequestContextMiddleware:
    """Give every HTTP request a request id (from X-Request-ID when sane) and echo it back."""

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: Any) -> Any:
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if 8 <= len(incoming) <= 64 and incoming.isascii() else new_request_id()
        request.request_id = request_id
        token = _current.set(ChangeContext(request_id=request_id))
        try:
            response = self.get_response(request)
        finally:
            _current.reset(token)
        response["X-Request-ID"] = request_id
        return response


class RequestUserMiddleware:
    """After authentication, record the logged-in user in the change context."""

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: Any) -> Any:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            ctx = current_context()
            _current.set(replace(ctx, user_id=user.pk))
        return self.get_response(request)


class RequestIdLogFilter(logging.Filter):
    """Put the current request id on every log record (structured logs)."""

    def filter(self, record: logging.LogRecord) -> bool:
        ctx = _current.get()
        record.request_id = ctx.request_id if ctx else "-"
        return True
