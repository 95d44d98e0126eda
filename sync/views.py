"""The built-in sandbox receiver: a demo target that verifies, stores and shows what it gets.

POST is authenticated by the Standard Webhooks signature with the secret of the target of the
same name (so it is exempt from CSRF); only targets that point at this sandbox are served. GET
shows what arrived, newest first, to a logged-in user.
"""
from __future__ import annotations

import json

from django.contrib.auth.views import redirect_to_login
from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from .models import SandboxReceipt, Target
from .signing import WebhookVerificationError, verify


def _sandbox_target(name: str) -> Target:
    target = Target.objects.filter(name=name).first()
    if target is None or not target.url.rstrip("/").endswith(f"/sync/sandbox/{name}"):
        raise Http404("no sandbox target of that name")
    return target


@csrf_exempt
@require_http_methods(["GET", "POST"])
def sandbox_receiver(request: HttpRequest, name: str) -> HttpResponse:
    target = _sandbox_target(name)
    if request.method == "GET":
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        receipts = SandboxReceipt.objects.filter(receiver=name)[:200]
        return render(request, "sync/sandbox.html", {"target": target, "receipts": receipts})
    try:
        event_id = verify(secret=target.secret, headers=request.headers, body=request.body)
        body = json.loads(request.body)
    except WebhookVerificationError as exc:
        return JsonResponse({"error": str(exc)}, status=401)
    except ValueError:
        return JsonResponse({"error": "body is not JSON"}, status=400)
    defaults = {
        "event_type": str(body.get("type", ""))[:24],
        "golden_id": str(body.get("golden_id", ""))[:24],
        "golden_version": body.get("golden_version") if isinstance(body.get("golden_version"), int) else None,
        "body": body,
    }
    try:
        with transaction.atomic():
            SandboxReceipt.objects.create(receiver=name, event_id=event_id, **defaults)
        duplicate = False
    except IntegrityError:
        SandboxReceipt.objects.filter(receiver=name, event_id=event_id).update(times_received=F("times_received") + 1)
        duplicate = True
    return JsonResponse({"received": event_id, "duplicate": duplicate})
