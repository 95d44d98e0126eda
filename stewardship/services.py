"""Steward decisions: review tasks (merge, not a match, defer, bulk accept) and 'not a match'.

Each decision asks for a reason, writes history through the change context and goes through
the golden record services, so the REST API and the UI share one implementation.
"""
from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from mdm.audit import change_context
from mdm.models import GOLDEN_MODELS, GoldenStatus, SourceRecord, SourceStatus
from mdm.selectors import resolve_golden
from mdm.services import golden as golden_services
from stewardship.models import NotAMatch, ReviewStatus, ReviewTask


class DecisionError(ValueError):
    """The decision cannot be applied (already decided, records changed since, no reason)."""


def _require_reason(reason: str) -> None:
    if not reason or not reason.strip():
        raise DecisionError("a reason is required")


def _open_task(task: ReviewTask) -> ReviewTask:
    task = ReviewTask.objects.select_for_update().get(pk=task.pk)
    if task.status not in (ReviewStatus.OPEN, ReviewStatus.DEFERRED):
        raise DecisionError(f"this review task is already {task.get_status_display().lower()}")
    return task


def _close(task: ReviewTask, status: str, user: Any, reason: str) -> None:
    task.status = status
    task.decided_at = timezone.now()
    task.decided_by = user if getattr(user, "pk", None) else None
    task.reason = reason
    task.save()


@transaction.atomic
def review_merge(*, task: ReviewTask, user: Any, reason: str) -> str:
    """Accept a candidate: the record joins the candidate golden record. Returns that golden id."""
    _require_reason(reason)
    with change_context(user=user, reason=reason):
        task = _open_task(task)
        model = GOLDEN_MODELS[task.entity]
        candidate = resolve_golden(entity=task.entity, golden_id=task.candidate_golden_id)
        if candidate is None or candidate.status != GoldenStatus.ACTIVE:
            raise DecisionError(f"candidate {task.candidate_golden_id} is no longer active")
        record = SourceRecord.objects.select_for_update().get(pk=task.source_record_id) \
            if task.source_record_id else None
        if record is not None and not record.golden_id:
            record.golden_id = candidate.golden_id
            record.status = SourceStatus.LINKED
            record.save()
            golden_services.recompute_golden_records(entity=task.entity, golden_ids=[candidate.golden_id],
                                                     force_event=True, event_type="crosswalk_changed")
        else:
            own_id = record.golden_id if record is not None else task.golden_id
            own = resolve_golden(entity=task.entity, golden_id=own_id)
            if own is None:
                raise DecisionError(f"golden record {own_id} does not exist")
            if own.pk != candidate.pk:
                golden_services.golden_merge(survivor=candidate, victim=model.objects.get(pk=own.pk),
                                             user=user, reason=reason)
            if record is not None and record.status == SourceStatus.PENDING_REVIEW:
                record.refresh_from_db()
                record.status = SourceStatus.LINKED
                record.save()
        _close(task, ReviewStatus.MERGED, user, reason)
        _obsolete_other_tasks(task)
    return candidate.golden_id


@transaction.atomic
def review_reject(*, task: ReviewTask, user: Any, reason: str) -> None:
    """Not a match: remembered, and the record gets (or keeps) a golden record of its own."""
    _require_reason(reason)
    with change_context(user=user, reason=reason):
        task = _open_task(task)
        left = f"src:{task.source_record_id}" if task.source_record_id else task.golden_id
        not_a_match(entity=task.entity, left=left, right=task.candidate_golden_id, user=user, reason=reason)
        if task.source_record_id:
            record = SourceRecord.objects.select_for_update().get(pk=task.source_record_id)
            remaining = ReviewTask.objects.filter(
                source_record=record, status__in=(ReviewStatus.OPEN, ReviewStatus.DEFERRED)
            ).exclude(pk=task.pk)
            if not remaining.exists():
                # The last open question about this record: it stays with its own golden record.
                if not record.golden_id:
                    created = golden_services.create_golden_records(entity=task.entity, groups=[[record]])
                    record.status = SourceStatus.LINKED
                    record.save()
                    golden_services.publish_created(entity=task.entity, goldens=created)
                elif record.status == SourceStatus.PENDING_REVIEW:
                    record.status = SourceStatus.LINKED
                    record.save()
        _close(task, ReviewStatus.REJECTED, user, reason)


@transaction.atomic
def review_defer(*, task: ReviewTask, user: Any, reason: str) -> None:
    _require_reason(reason)
    with change_context(user=user, reason=reason):
        task = _open_task(task)
        task.status = ReviewStatus.DEFERRED
        task.reason = reason
        task.save()


def review_bulk_accept(*, entity: str, min_score: float, user: Any, reason: str) -> int:
    """Merge every open task of the entity scoring at least `min_score`; returns how many merged."""
    _require_reason(reason)
    merged = 0
    for task in ReviewTask.objects.filter(entity=entity, status=ReviewStatus.OPEN, score__gte=min_score) \
            .order_by("-score", "pk"):
        try:
            review_merge(task=task, user=user, reason=reason)
        except DecisionError:
            continue  # decided meanwhile or its records changed: left for a steward
        merged += 1
    return merged


@transaction.atomic
def not_a_match(*, entity: str, left: str, right: str, user: Any, reason: str) -> NotAMatch:
    """Remember that two records (golden ids or src:<id>) are different things."""
    _require_reason(reason)
    if left == right:
        raise DecisionError("a record is always a match of itself")
    a, b = NotAMatch.ordered(left, right)
    with change_context(user=user, reason=reason):
        pair, _ = NotAMatch.objects.get_or_create(
            entity=entity, left=a, right=b,
            defaults={"reason": reason, "created_by": user if getattr(user, "pk", None) else None},
        )
    return pair


def _obsolete_other_tasks(task: ReviewTask) -> None:
    if not task.source_record_id:
        return
    for other in ReviewTask.objects.filter(source_record_id=task.source_record_id,
                                           status__in=(ReviewStatus.OPEN, ReviewStatus.DEFERRED)):
        other.status = ReviewStatus.OBSOLETE
        other.save()
