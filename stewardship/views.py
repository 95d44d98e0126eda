"""Pages of the stewardship and audit UI.

Reading pages are open to stewards and auditors; every view that changes something is POST
only, checks the steward role on the server (403 otherwise), requires a reason and calls a
service, which writes the history. Pages render in full; htmx swaps only the part a filter
changes (`hx-select`), so everything also works without JavaScript.
"""
from __future__ import annotations

import csv
import logging
from collections.abc import Callable, Iterator
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_GET, require_POST

from mdm.api.permissions import is_auditor, is_steward
from mdm.audit import change_context
from mdm.ingest.schema import decimal_comma_of
from mdm.ingest.services import discard_source_record, fix_quarantined_record
from mdm.models import GOLDEN_MODELS, SourceRecord, SourceStatus, SourceSystem
from mdm.services.golden import golden_pin, golden_unmerge, golden_unpin
from mdm.uom.services import map_unit_code
from stewardship import forms, selectors
from stewardship import services as review_services
from stewardship.models import ReviewStatus, ReviewTask
from sync.models import Delivery, Target
from sync.services import create_target, replay_dead_letters, replay_delivery, replay_since, set_target_active

logger = logging.getLogger(__name__)
PAGE_SIZE = 25


# --- Access ---------------------------------------------------------------------------------
def reader_required(view: Callable) -> Callable:
    """Stewards, auditors and admins may read the UI; anyone else logged in gets a 403."""

    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        request.can_act = is_steward(request.user)
        if not (request.can_act or is_auditor(request.user)):
            raise PermissionDenied("Stewards and auditors only.")
        return view(request, *args, **kwargs)

    return wrapped


def steward_action(view: Callable) -> Callable:
    """POST only, logged in, steward role checked here on the server (auditors get a 403)."""

    @require_POST
    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not is_steward(request.user):
            raise PermissionDenied("Only data stewards may change data.")
        return view(request, *args, **kwargs)

    return wrapped


def paginate(request: HttpRequest, rows: QuerySet | selectors.HistoryRows, per_page: int = PAGE_SIZE) -> Page:
    return Paginator(rows, per_page).get_page(request.GET.get("page"))


def _back(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next", "")
    return target if target.startswith("/") and not target.startswith("//") else fallback


def _form_errors(request: HttpRequest, form: forms.forms.Form) -> None:
    for field, errors in form.errors.items():
        label = form.fields[field].label or field if field in form.fields else ""
        messages.error(request, f"{label.capitalize() + ': ' if label else ''}{' '.join(errors)}")


# --- Dashboard and search -------------------------------------------------------------------
@require_GET
@reader_required
def dashboard(request: HttpRequest) -> HttpResponse:
    return render(request, "stewardship/dashboard.html", {"data": selectors.dashboard(), "nav": "dashboard"})


@require_GET
@reader_required
def dashboard_quality(request: HttpRequest) -> HttpResponse:
    """Completeness and suspected duplicates: loaded by the dashboard with htmx, or as a page."""
    template = "stewardship/partials/quality.html" if request.headers.get("HX-Request") \
        else "stewardship/dashboard_quality.html"
    return render(request, template, {"quality": selectors.data_quality(), "nav": "dashboard"})


@require_GET
@reader_required
def search(request: HttpRequest) -> HttpResponse:
    form = forms.SearchForm(request.GET or None)
    page, capped = None, False
    if form.is_valid():
        rows = selectors.search_goldens(query=form.cleaned_data["q"], entity=form.cleaned_data["entity"])
        if rows is not None and form.cleaned_data["q"].strip():
            # One read of the matches, paged in memory; a query matching more asks to be narrowed.
            found = list(rows[: selectors.SEARCH_LIMIT + 1])
            capped = len(found) > selectors.SEARCH_LIMIT
            page = paginate(request, found[: selectors.SEARCH_LIMIT])
        elif rows is not None:
            page = paginate(request, rows)
        if page is not None:
            page.object_list = [dict(zip(selectors.SEARCH_COLUMNS, row, strict=True)) for row in page.object_list]
    return render(request, "stewardship/search.html",
                  {"form": form, "page": page, "capped": capped, "limit": selectors.SEARCH_LIMIT, "nav": "search"})


# --- Review queue ---------------------------------------------------------------------------
@require_GET
@reader_required
def review_list(request: HttpRequest) -> HttpResponse:
    data = request.GET.copy()
    data.setdefault("status", ReviewStatus.OPEN)
    form = forms.ReviewFilterForm(data)
    filters = form.cleaned_data if form.is_valid() else {"status": ReviewStatus.OPEN}
    page = paginate(request, selectors.review_tasks(**{k: v for k, v in filters.items() if v not in (None, "")}))
    selectors.attach_review_goldens(page.object_list)
    bulk = forms.BulkAcceptForm(auto_id="bulk_%s",
                                initial={"entity": filters.get("entity") or "supplier", "min_score": 12})
    return render(request, "stewardship/review_list.html",
                  {"form": form, "page": page, "bulk_form": bulk, "nav": "review"})


@require_GET
@reader_required
def review_detail(request: HttpRequest, pk: int) -> HttpResponse:
    task = get_object_or_404(ReviewTask.objects.select_related("source_record__system", "decided_by"), pk=pk)
    comparison = selectors.review_comparison(task)
    return render(request, "stewardship/review_detail.html", {
        "task": task, "comparison": comparison, "reason_form": forms.ReasonForm(),
        "is_open": task.status in selectors.OPEN_REVIEW, "nav": "review",
    })


REVIEW_ACTIONS = {"merge": "review_merge", "reject": "review_reject", "defer": "review_defer"}


@steward_action
def review_decide(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    task = get_object_or_404(ReviewTask, pk=pk)
    if action not in REVIEW_ACTIONS:
        raise Http404("unknown action")
    form = forms.ReasonForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return redirect("stewardship:review_detail", pk=pk)
    if task.status not in selectors.OPEN_REVIEW:
        messages.error(request, f"This task was already decided ({task.get_status_display()}).")
        return redirect("stewardship:review_detail", pk=pk)
    try:
        merged_into = getattr(review_services, REVIEW_ACTIONS[action])(
            task=task, user=request.user, reason=form.cleaned_data["reason"])
    except ValueError as exc:
        messages.error(request, str(exc))
        return redirect("stewardship:review_detail", pk=pk)
    if action == "merge":
        messages.success(request, f"Merged into {merged_into}.")
        return redirect("stewardship:golden", entity=task.entity, golden_id=merged_into)
    elif action == "reject":
        messages.success(request, "Recorded as not a match; this pair will not be proposed again.")
    else:
        messages.success(request, "Deferred.")
    return redirect("stewardship:review_list")


@steward_action
def review_bulk_accept(request: HttpRequest) -> HttpResponse:
    form = forms.BulkAcceptForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return redirect("stewardship:review_list")
    try:
        merged = review_services.review_bulk_accept(
            entity=form.cleaned_data["entity"], min_score=form.cleaned_data["min_score"], user=request.user,
            reason=form.cleaned_data["reason"],
        )
    except ValueError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"Merged {merged} task(s) scoring at least {form.cleaned_data['min_score']}.")
    return redirect("stewardship:review_list")


# --- Golden record workspace ----------------------------------------------------------------
def _golden_or_404(entity: str, golden_id: str):
    if entity not in GOLDEN_MODELS:
        raise Http404("unknown entity")
    golden = selectors.golden_record(entity=entity, golden_id=golden_id)
    if golden is None:
        raise Http404("no such golden record")
    return golden


@require_GET
@reader_required
def golden_detail(request: HttpRequest, entity: str, golden_id: str) -> HttpResponse:
    golden = _golden_or_404(entity, golden_id)
    members = selectors.crosswalk(golden)
    linked = [m for m in members if m.status in (SourceStatus.LINKED, SourceStatus.PENDING_REVIEW)]
    return render(request, "stewardship/golden_detail.html", {
        "golden": golden,
        "entity": entity,
        "label": selectors.golden_label(golden),
        "attributes": selectors.attributes_with_lineage(golden),
        "members": members,
        "can_unmerge": len(linked) > 1,
        "relationships": selectors.relationships(golden),
        "timeline": selectors.golden_timeline(golden),
        "propagation": selectors.golden_propagation(golden),
        "as_of_form": forms.AsOfForm(),
        "nav": "search",
    })


@steward_action
def golden_pin_view(request: HttpRequest, entity: str, golden_id: str) -> HttpResponse:
    golden = _golden_or_404(entity, golden_id)
    form = forms.PinForm(request.POST)
    if form.is_valid() and form.cleaned_data["attribute"] in golden.ATTRIBUTES:
        attribute = form.cleaned_data["attribute"]
        try:
            golden_pin(golden=golden, values={attribute: form.cleaned_data["value"]}, user=request.user,
                       reason=form.cleaned_data["reason"])
            messages.success(request, f"Pinned {attribute}.")
        except (ValueError, TypeError) as exc:
            messages.error(request, str(exc))
    else:
        _form_errors(request, form)
    return redirect("stewardship:golden", entity=entity, golden_id=golden_id)


@steward_action
def golden_unpin_view(request: HttpRequest, entity: str, golden_id: str) -> HttpResponse:
    golden = _golden_or_404(entity, golden_id)
    form = forms.UnpinForm(request.POST)
    if form.is_valid():
        golden_unpin(golden=golden, attributes=[form.cleaned_data["attribute"]], user=request.user,
                     reason=form.cleaned_data["reason"])
        messages.success(request, f"Unpinned {form.cleaned_data['attribute']}.")
    else:
        _form_errors(request, form)
    return redirect("stewardship:golden", entity=entity, golden_id=golden_id)


@steward_action
def golden_unmerge_view(request: HttpRequest, entity: str, golden_id: str) -> HttpResponse:
    golden = _golden_or_404(entity, golden_id)
    form = forms.UnmergeForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return redirect("stewardship:golden", entity=entity, golden_id=golden_id)
    record = get_object_or_404(SourceRecord, pk=form.cleaned_data["source_record"], entity=entity,
                               golden_id=golden.golden_id)
    try:
        now_in = golden_unmerge(golden=golden, source_record=record, user=request.user,
                                reason=form.cleaned_data["reason"])
    except ValueError as exc:
        messages.error(request, str(exc))
        return redirect("stewardship:golden", entity=entity, golden_id=golden_id)
    messages.success(request, f"Unmerged {record.system.code} {record.source_key}: it now belongs to "
                              f"{now_in.golden_id}.")
    return redirect("stewardship:golden", entity=entity, golden_id=golden_id)


@require_GET
@reader_required
def golden_as_of(request: HttpRequest, entity: str, golden_id: str) -> HttpResponse:
    if entity not in GOLDEN_MODELS:
        raise Http404("unknown entity")
    form = forms.AsOfForm(request.GET or None)
    snapshot = at = None
    if form.is_valid():
        at = form.cleaned_data["at"]
        snapshot = selectors.golden_as_of(entity=entity, golden_id=golden_id, at=at)
        # Shown again unbound, so the date field displays the time in the format the browser expects.
        form = forms.AsOfForm(initial={"at": timezone.localtime(at).replace(microsecond=0, tzinfo=None)})
    return render(request, "stewardship/golden_as_of.html", {
        "form": form, "at": at, "snapshot": snapshot, "entity": entity, "golden_id": golden_id, "nav": "history",
    })


# --- Quarantine -----------------------------------------------------------------------------
@require_GET
@reader_required
def quarantine_list(request: HttpRequest) -> HttpResponse:
    form = forms.QuarantineFilterForm(request.GET)
    filters = form.cleaned_data if form.is_valid() else {}
    page = paginate(request, selectors.quarantined_records(**filters))
    return render(request, "stewardship/quarantine_list.html", {"form": form, "page": page, "nav": "quarantine"})


@require_GET
@reader_required
def quarantine_detail(request: HttpRequest, pk: int) -> HttpResponse:
    record = get_object_or_404(SourceRecord.objects.select_related("system"), pk=pk)
    fields, general = selectors.quarantine_fields(record)
    fix_form = forms.QuarantineFixForm(entity=record.entity, raw=record.raw or {})
    errors_by_field = {f["name"]: f["errors"] for f in fields}
    return render(request, "stewardship/quarantine_detail.html", {
        "record": record, "fields": fields, "general_errors": general, "fix_form": fix_form,
        "errors_by_field": errors_by_field, "discard_form": forms.DiscardForm(),
        "extra_fields": [f for f in fields if f.get("extra")],
        "is_quarantined": record.status == SourceStatus.QUARANTINED, "nav": "quarantine",
        "decimal_comma": decimal_comma_of(record.raw or {}),
    })


@steward_action
def quarantine_fix(request: HttpRequest, pk: int) -> HttpResponse:
    record = get_object_or_404(SourceRecord.objects.select_related("system"), pk=pk,
                               status=SourceStatus.QUARANTINED)
    form = forms.QuarantineFixForm(request.POST, entity=record.entity, raw=record.raw or {})
    if not form.is_valid():
        _form_errors(request, form)
        return redirect("stewardship:quarantine_detail", pk=pk)
    result = fix_quarantined_record(record=record, raw=form.payload(), user=request.user,
                                    reason=form.cleaned_data["reason"])
    if result.outcome == "quarantined":
        messages.error(request, "Still invalid: " + "; ".join(e.get("message", "") for e in result.errors))
        return redirect("stewardship:quarantine_detail", pk=pk)
    messages.success(request, f"Reprocessed {record.source_key}: {result.outcome.replace('_', ' ')}"
                              + (f" ({result.golden_id})" if result.golden_id else "") + ".")
    return redirect("stewardship:quarantine")


@steward_action
def quarantine_discard(request: HttpRequest, pk: int) -> HttpResponse:
    record = get_object_or_404(SourceRecord, pk=pk, status=SourceStatus.QUARANTINED)
    form = forms.DiscardForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return redirect("stewardship:quarantine_detail", pk=pk)
    discard_source_record(record=record, user=request.user, reason=form.cleaned_data["reason"])
    messages.success(request, f"Discarded {record.source_key}.")
    return redirect("stewardship:quarantine")


# --- Sync -----------------------------------------------------------------------------------
@require_GET
@reader_required
def sync_list(request: HttpRequest) -> HttpResponse:
    return _render_sync_list(request, forms.TargetCreateForm())


def _render_sync_list(request: HttpRequest, create_form: forms.TargetCreateForm) -> HttpResponse:
    return render(request, "stewardship/sync_list.html",
                  {"targets": selectors.sync_targets(), "create_form": create_form, "nav": "sync"})


NEW_SECRET_KEY = "stewardship:new_target_secret"


@steward_action
def sync_target_create(request: HttpRequest) -> HttpResponse:
    request.can_act = True  # steward_action checked the role; the page is shown again on errors
    form = forms.TargetCreateForm(request.POST)
    if not form.is_valid():
        return _render_sync_list(request, form)
    data = form.cleaned_data
    try:
        with change_context(user=request.user, reason=data["reason"]):
            target, secret = create_target(
                name=data["name"], url=data["url"], entities=data["entities"],
                event_types=data["event_types"] or None, send_own_keys=data["send_own_keys"],
                source_system=data["source_system"],
            )
    except ValidationError as exc:
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
        return _render_sync_list(request, form)
    logger.info("target %s created by %s: %s", target.name, request.user, data["reason"])
    # Kept server side, not in a message cookie, and removed from the session when first shown.
    request.session[NEW_SECRET_KEY] = {"target": target.pk, "secret": secret}
    messages.success(request, f"Target {target.name} created.")
    return redirect("stewardship:sync_target", pk=target.pk)


@require_GET
@reader_required
def sync_target(request: HttpRequest, pk: int) -> HttpResponse:
    target = get_object_or_404(Target, pk=pk)
    form = forms.DeliveryFilterForm(request.GET)
    state = form.cleaned_data.get("state", "") if form.is_valid() else ""
    page = paginate(request, selectors.target_deliveries(target=target, state=state))
    selectors.attach_attempts(page.object_list)
    new_secret = None
    if request.session.get(NEW_SECRET_KEY, {}).get("target") == target.pk:
        new_secret = request.session.pop(NEW_SECRET_KEY)["secret"]
    response = render(request, "stewardship/sync_target.html", {
        "target": target, "form": form, "page": page, "dead": selectors.dead_letter_count(target),
        "reason_form": forms.ReasonForm(), "replay_form": forms.ReplaySinceForm(), "new_secret": new_secret,
        "nav": "sync",
    })
    if new_secret:
        add_never_cache_headers(response)
    return response


@steward_action
def sync_target_set_active(request: HttpRequest, pk: int, active: bool) -> HttpResponse:
    target = get_object_or_404(Target, pk=pk)
    form = forms.ReasonForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
    elif target.active == active:
        messages.info(request, f"{target.name} is already {'active' if active else 'paused'}.")
    else:
        with change_context(user=request.user, reason=form.cleaned_data["reason"]):
            set_target_active(target=target, active=active)
        logger.info("target %s %s by %s: %s", target.name, "resumed" if active else "paused", request.user,
                    form.cleaned_data["reason"])
        messages.success(request, f"{target.name} {'resumed' if active else 'paused'}."
                         + ("" if active else " Its queue is kept until it is resumed."))
    return redirect("stewardship:sync_target", pk=pk)


@steward_action
def sync_replay_since(request: HttpRequest, pk: int) -> HttpResponse:
    target = get_object_or_404(Target, pk=pk)
    form = forms.ReplaySinceForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return redirect("stewardship:sync_target", pk=pk)
    since = form.cleaned_data["since"]
    with change_context(user=request.user, reason=form.cleaned_data["reason"]):
        count = replay_since(target=target, since=since)
    logger.info("%s events since %s replayed to %s by %s: %s", count, since.isoformat(), target.name,
                request.user, form.cleaned_data["reason"])
    messages.success(request, f"{count} deliver{'y' if count == 1 else 'ies'} of events since "
                              f"{timezone.localtime(since):%Y-%m-%d %H:%M:%S} queued for {target.name}.")
    return redirect("stewardship:sync_target", pk=pk)


@steward_action
def sync_replay_delivery(request: HttpRequest, pk: int) -> HttpResponse:
    delivery = get_object_or_404(Delivery, pk=pk)
    form = forms.ReasonForm(request.POST)
    if form.is_valid():
        with change_context(user=request.user, reason=form.cleaned_data["reason"]):
            replay_delivery(delivery=delivery)
        logger.info("delivery %s replayed by %s: %s", delivery.pk, request.user, form.cleaned_data["reason"])
        messages.success(request, f"Delivery {delivery.pk} ({delivery.golden_id} v{delivery.golden_version}) "
                                  "queued again.")
    else:
        _form_errors(request, form)
    return redirect(_back(request, reverse("stewardship:sync_target", args=[delivery.target_id])))


@steward_action
def sync_replay_dead(request: HttpRequest, pk: int) -> HttpResponse:
    target = get_object_or_404(Target, pk=pk)
    form = forms.ReasonForm(request.POST)
    if form.is_valid():
        with change_context(user=request.user, reason=form.cleaned_data["reason"]):
            count = replay_dead_letters(target=target)
        logger.info("%s dead letters of %s replayed by %s: %s", count, target.name, request.user,
                    form.cleaned_data["reason"])
        messages.success(request, f"{count} dead letter(s) of {target.name} queued again.")
    else:
        _form_errors(request, form)
    return redirect("stewardship:sync_target", pk=pk)


# --- Unknown unit codes ---------------------------------------------------------------------
@require_GET
@reader_required
def unit_codes(request: HttpRequest) -> HttpResponse:
    choices = selectors.hub_unit_choices() if request.can_act else []
    rows = [
        {"row": row, "form": forms.UnitMapForm(unit_choices=choices, auto_id=f"map{index}_%s",
                                               initial={"system": row.system_code, "code": row.code})
         if request.can_act else None}
        for index, row in enumerate(selectors.unknown_unit_codes())
    ]
    return render(request, "stewardship/unit_codes.html", {"rows": rows, "nav": "units"})


@steward_action
def unit_map(request: HttpRequest) -> HttpResponse:
    form = forms.UnitMapForm(request.POST, unit_choices=selectors.hub_unit_choices())
    if not form.is_valid():
        _form_errors(request, form)
        return redirect("stewardship:unit_codes")
    data = form.cleaned_data
    system = get_object_or_404(SourceSystem, code=data["system"])
    try:
        mapping = map_unit_code(system=system, code=data["code"], unit=data["unit"], user=request.user,
                                reason=data["reason"])
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("stewardship:unit_codes")
    results = list(mapping.reprocessed or [])
    still = sum(1 for r in results if r.outcome == "quarantined")
    messages.success(request, f"{system.code} unit {data['code']} now means {data['unit']}; reprocessed "
                              f"{len(results)} waiting record{'' if len(results) == 1 else 's'}"
                              + (f", {still} still quarantined for other errors." if still else "."))
    return redirect("stewardship:unit_codes")


# --- History --------------------------------------------------------------------------------
def _history_filter(form: forms.HistoryFilterForm) -> selectors.HistoryFilter:
    if not form.is_valid():
        return selectors.HistoryFilter()
    data = form.cleaned_data
    since, until = form.range()
    return selectors.HistoryFilter(
        entity=data["entity"], kind=data["kind"], user=data["user"].strip(), system=data["system"],
        action=data["action"], since=since, until=until, request_id=data["request_id"].strip(),
        record=data["record"].strip(),
    )


@require_GET
@reader_required
def history(request: HttpRequest) -> HttpResponse:
    form = forms.HistoryFilterForm(request.GET)
    page = paginate(request, selectors.HistoryRows(_history_filter(form)), per_page=50)
    page.object_list = selectors.history_dicts(page.object_list)
    return render(request, "stewardship/history.html", {"form": form, "page": page, "nav": "history"})


class _Echo:
    def write(self, value: str) -> str:
        return value


@require_GET
@reader_required
def history_csv(request: HttpRequest) -> StreamingHttpResponse:
    rows = selectors.history_rows(_history_filter(forms.HistoryFilterForm(request.GET)))
    names = dict(get_user_model().objects.values_list("pk", "username"))
    writer = csv.writer(_Echo())

    def lines() -> Iterator[str]:
        yield writer.writerow(["date", "kind", "entity", "record", "detail", "action", "user", "integration",
                               "reason", "request_id"])
        for row in rows.iterator(chunk_size=2000):
            item = dict(zip(selectors.HISTORY_COLUMNS, row, strict=True))
            yield writer.writerow([
                item["h_date"].isoformat(), item["h_kind"], item["h_entity"], item["h_ref"], item["h_label"],
                {"+": "created", "~": "changed", "-": "deleted"}.get(item["h_type"], item["h_type"]),
                names.get(item["h_user"], ""), item["h_system"], item["h_reason"] or "", item["h_request"],
            ])

    stamp = timezone.now().strftime("%Y%m%dT%H%M%S")
    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="rosetta-history-{stamp}.csv"'
    return response
