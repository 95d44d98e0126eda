"""Errors as RFC 9457 problem details (application/problem+json) with a stable `code`."""
from __future__ import annotations

from http import HTTPStatus
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler

PROBLEM_CONTENT_TYPE = "application/problem+json"


class ProblemError(exceptions.APIException):
    """Raise from a view for a problem with its own stable code and status."""

    def __init__(self, *, status: int, code: str, detail: str, extra: dict[str, Any] | None = None) -> None:
        super().__init__(detail=detail, code=code)
        self.status_code = status
        self.problem_code = code
        self.extra = extra or {}


def problem_response(*, status: int, code: str, title: str, detail: Any, **extra: Any) -> Response:
    body = {"type": f"https://rosetta.dev/problems/{code}", "title": title, "status": status,
            "code": code, "detail": detail, **extra}
    return Response(body, status=status, content_type=PROBLEM_CONTENT_TYPE)


def problem_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, ProblemError):
        code = exc.problem_code
        extra = exc.extra
        title = HTTPStatus(exc.status_code).phrase
    else:
        code = getattr(exc, "default_code", "error")
        extra = {}
        title = str(getattr(exc, "default_detail", "Error"))
    detail: Any = response.data
    if isinstance(detail, dict) and set(detail) == {"detail"}:
        detail = detail["detail"]
    request = context.get("request")
    if request is not None and getattr(request._request, "request_id", None):
        extra = {**extra, "request_id": request._request.request_id}
    problem = problem_response(status=response.status_code, code=str(code), title=title,
                               detail=detail, **extra)
    for header in ("WWW-Authenticate", "Retry-After"):
        if header in response:
            problem[header] = response[header]
    return problem
