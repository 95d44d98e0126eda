"""Abstract bases shared by every tracked model: history with request id, golden records."""
from __future__ import annotations

from typing import ClassVar

from django.db import models
from simple_history.models import HistoricalRecords


class HistoryContext(models.Model):
    """Extra columns on every historical row: which action (request id) and which integration."""

    request_id = models.CharField(max_length=64, blank=True, db_index=True)
    source_system = models.CharField(max_length=32, blank=True, db_index=True)

    class Meta:
        abstract = True


def tracked(**kwargs) -> HistoricalRecords:
    """simple-history with the hub's context columns; one place to configure it."""
    return HistoricalRecords(bases=[HistoryContext], cascade_delete_history=False, **kwargs)


class GoldenStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    MERGED = "merged", "Merged"
    RETIRED = "retired", "Retired"


class GoldenRecord(models.Model):
    """A governed master record built from source records by match/merge and survivorship.

    `golden_id` is human-readable (SUP-000042), allocated from a counter that only grows, so
    an id is never reused, not even after a merge. `lineage` says for each attribute which
    source record gave the value and when; `pins` holds steward overrides.
    """

    ENTITY: ClassVar[str] = ""
    ID_PREFIX: ClassVar[str] = ""
    ATTRIBUTES: ClassVar[tuple[str, ...]] = ()

    golden_id = models.CharField(max_length=24, unique=True, editable=False)
    status = models.CharField(
        max_length=16, choices=GoldenStatus.choices, default=GoldenStatus.ACTIVE, db_index=True
    )
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="merged_from"
    )
    version = models.PositiveIntegerField(default=1)
    lineage = models.JSONField(default=dict, blank=True)
    pins = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True
        ordering = ["golden_id"]

    def __str__(self) -> str:
        label = getattr(self, "name", "") or getattr(self, "code", "")
        return f"{self.golden_id} {label}".strip()

    def attribute_values(self) -> dict[str, object]:
        return {name: getattr(self, name) for name in self.ATTRIBUTES}


class GoldenIdCounter(models.Model):
    """Monotonic counter per id prefix (SQLite; PostgreSQL numbers golden ids from sequences).

    Rows are only ever incremented, never reset.
    """

    prefix = models.CharField(max_length=8, primary_key=True)
    last_value = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.prefix}: {self.last_value}"
