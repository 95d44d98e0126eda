"""The event log, the consuming systems (targets) and one delivery row per (target, event).

The event log is append-only and is its own history, so none of these models is tracked by
simple-history. Deliveries and their attempts are operational state: they change as workers
send, retry, acknowledge, supersede and dead-letter them.
"""
from __future__ import annotations

import uuid

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from mdm.models import Entity
from mdm.models.base import tracked

from .urlcheck import validate_target_url


class EventType(models.TextChoices):
    CREATED = "created", "Created"
    UPDATED = "updated", "Updated"
    MERGED = "merged", "Merged"
    UNMERGED = "unmerged", "Unmerged"
    RETIRED = "retired", "Retired"
    CROSSWALK_CHANGED = "crosswalk_changed", "Crosswalk changed"


class AppendOnlyError(Exception):
    """Raised on an attempt to change or delete an event of the log."""


class Event(models.Model):
    """One change of a golden record or of its crosswalk, written in the same transaction.

    `event_id` is the public id (the webhook id receivers de-duplicate on). `sequence` is the
    pull-feed cursor: it is stamped after commit in commit order (see services.sequence_events),
    because an auto-increment id can become visible out of order under concurrent writers.
    """

    event_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    sequence = models.BigIntegerField(null=True, blank=True, unique=True, editable=False)
    entity = models.CharField(max_length=16, db_index=True)
    golden_id = models.CharField(max_length=24)
    golden_version = models.PositiveIntegerField()
    event_type = models.CharField(max_length=24, choices=EventType.choices)
    payload = models.JSONField(default=dict)
    request_id = models.CharField(max_length=64, blank=True)
    source_system = models.CharField(max_length=32, blank=True)
    occurred_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["entity", "golden_id", "golden_version"], name="sync_event_golden"),
            # Lets the sequencer find the few not yet stamped events without scanning the log.
            models.Index(fields=["id"], condition=models.Q(sequence__isnull=True), name="sync_event_unsequenced"),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} {self.golden_id} v{self.golden_version}"

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise AppendOnlyError("events are append-only and cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("events are append-only and cannot be deleted")


class Transport(models.TextChoices):
    WEBHOOK = "webhook", "HTTPS webhook"
    FILE_DROP = "file_drop", "File drop folder"


class FileFormat(models.TextChoices):
    JSONL = "jsonl", "JSON Lines"
    CSV = "csv", "CSV"


class Target(models.Model):
    """A consuming system (ERP, WMS, portal) and what it subscribes to."""

    name = models.CharField(max_length=64, unique=True)
    transport = models.CharField(max_length=16, choices=Transport.choices, default=Transport.WEBHOOK)
    # A CharField: intranet hosts without a dot (http://wms01:8080/) are valid; urlcheck validates.
    url = models.CharField(max_length=500, blank=True, help_text="Webhook endpoint (webhook transport)")
    folder = models.CharField(max_length=500, blank=True, help_text="Drop folder (file drop transport)")
    file_format = models.CharField(max_length=8, choices=FileFormat.choices, default=FileFormat.JSONL)
    entities = models.JSONField(default=list, help_text="Entities it wants, e.g. [\"supplier\", \"product\"]")
    event_types = models.JSONField(default=list, blank=True, help_text="Event types it wants; empty: all")
    secret = models.CharField(max_length=128, editable=False, help_text="Signing secret (whsec_...)")
    active = models.BooleanField(default=True, help_text="Paused targets keep their queue")
    source_system = models.CharField(
        max_length=32, blank=True, help_text="Code of the source system this target is, for its own keys"
    )
    send_own_keys = models.BooleanField(default=False, help_text="Send the target's own keys beside the golden id")
    # Circuit breaker: consecutive failed attempts; while open_until is in the future nothing is sent,
    # after it one probe delivery decides whether the circuit closes again.
    consecutive_failures = models.PositiveIntegerField(default=0, editable=False)
    circuit_open_until = models.DateTimeField(null=True, blank=True, editable=False)
    last_success_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.transport == Transport.WEBHOOK:
            if not self.url:
                raise ValidationError({"url": "a webhook target needs a URL"})
            try:
                validate_target_url(self.url)
            except ValidationError as exc:
                raise ValidationError({"url": exc.messages}) from exc
        elif not self.folder:
            raise ValidationError({"folder": "a file drop target needs a folder"})
        unknown = sorted(set(self.entities or []) - set(Entity.values))
        if unknown or not self.entities:
            raise ValidationError({"entities": f"choose among {', '.join(Entity.values)}; unknown: {unknown}"})
        unknown_types = sorted(set(self.event_types or []) - set(EventType.values))
        if unknown_types:
            raise ValidationError({"event_types": f"unknown event types: {unknown_types}"})

    def wants(self, entity: str, event_type: str) -> bool:
        return entity in self.entities and (not self.event_types or event_type in self.event_types)

    @property
    def secret_hint(self) -> str:
        return f"{self.secret[:10]}…" if self.secret else ""


class DeliveryState(models.TextChoices):
    PENDING = "pending", "Pending"
    IN_FLIGHT = "in_flight", "In flight"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    SUPERSEDED = "superseded", "Superseded"
    DEAD = "dead", "Dead letter"


class Delivery(models.Model):
    """One event for one target. The golden id and version are copied here for ordering and coalescing."""

    # No database constraint: record_event uses a short-lived cache of targets, and a target just
    # deleted elsewhere must never make a golden record's transaction fail. A row whose target is
    # gone is simply never claimed.
    target = models.ForeignKey(Target, on_delete=models.CASCADE, related_name="deliveries", db_constraint=False)
    event = models.ForeignKey(Event, on_delete=models.PROTECT, related_name="deliveries")
    entity = models.CharField(max_length=16)
    golden_id = models.CharField(max_length=24)
    golden_version = models.PositiveIntegerField()
    state = models.CharField(max_length=16, choices=DeliveryState.choices, default=DeliveryState.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    lease_until = models.DateTimeField(null=True, blank=True)
    claim_token = models.UUIDField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name_plural = "deliveries"
        indexes = [
            # The claim's scan: what is waiting for a target, oldest first. Partial, so the index stays
            # as small as the backlog however long the history grows.
            models.Index(
                fields=["target", "id"],
                condition=models.Q(state__in=["pending", "in_flight"]),
                name="sync_delivery_waiting",
            ),
            models.Index(fields=["target", "golden_id", "golden_version"], name="sync_delivery_group"),
            models.Index(fields=["entity", "golden_id", "golden_version"], name="sync_delivery_golden"),
        ]

    def __str__(self) -> str:
        return f"{self.target_id}:{self.golden_id} v{self.golden_version} {self.state}"


class DeliveryAttempt(models.Model):
    """One try to hand a delivery to its target, kept for the steward and for debugging."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="attempt_log")
    started_at = models.DateTimeField()
    duration_ms = models.PositiveIntegerField(default=0)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    response_excerpt = models.TextField(blank=True)
    error = models.TextField(blank=True)
    success = models.BooleanField(default=False)

    class Meta:
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"{self.delivery_id} {self.status_code or self.error[:40]}"


class SandboxReceipt(models.Model):
    """What the built-in demo receiver got: lets a new user watch events arrive."""

    receiver = models.CharField(max_length=64, db_index=True)
    event_id = models.CharField(max_length=64)
    event_type = models.CharField(max_length=24, blank=True)
    golden_id = models.CharField(max_length=24, blank=True)
    golden_version = models.PositiveIntegerField(null=True, blank=True)
    body = models.JSONField(default=dict)
    received_at = models.DateTimeField(default=timezone.now)
    times_received = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-received_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["receiver", "event_id"], name="uniq_sandbox_receipt")]

    def __str__(self) -> str:
        return f"{self.receiver} {self.event_id}"


class SyncActionKind(models.TextChoices):
    CREATE = "create", "Target created"
    PAUSE = "pause", "Target paused"
    RESUME = "resume", "Target resumed"
    REPLAY_DELIVERY = "replay_delivery", "Delivery replayed"
    REPLAY_DEAD_LETTERS = "replay_dead_letters", "Dead letters replayed"
    REPLAY_SINCE = "replay_since", "Events replayed since a time"


class SyncAction(models.Model):
    """What a steward (or a command) did to a target: create, pause, resume, replay.

    Append-only; its history row carries who, why and the request id like every other
    change, so an auditor sees replays beside the data changes they resent.
    """

    target = models.ForeignKey(Target, on_delete=models.CASCADE, related_name="actions")
    kind = models.CharField(max_length=32, choices=SyncActionKind.choices)
    detail = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    history = tracked()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.target_id} {self.kind}"
