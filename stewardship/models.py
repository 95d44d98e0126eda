"""Stewardship state: review tasks for uncertain matches and remembered 'not a match' decisions."""
from __future__ import annotations

from django.conf import settings
from django.db import models

from mdm.models.base import tracked
from mdm.models.source import SourceRecord


class ReviewStatus(models.TextChoices):
    OPEN = "open", "Open"
    DEFERRED = "deferred", "Deferred"
    MERGED = "merged", "Merged"
    REJECTED = "rejected", "Not a match"
    OBSOLETE = "obsolete", "Obsolete"


class ReviewTask(models.Model):
    """A candidate match a steward decides: a source record (or golden record) and a candidate.

    The scores and per-field contributions are kept as the matcher computed them, so the
    steward sees why the pair was proposed.
    """

    entity = models.CharField(max_length=16, db_index=True)
    source_record = models.ForeignKey(
        SourceRecord, null=True, blank=True, on_delete=models.CASCADE, related_name="review_tasks"
    )
    golden_id = models.CharField(max_length=24, blank=True, help_text="the record's own golden record, if any")
    candidate_golden_id = models.CharField(max_length=24, db_index=True)
    score = models.FloatField(help_text="match weight (log2 Bayes factor)")
    probability = models.FloatField(default=0.0)
    rule = models.CharField(max_length=64, blank=True)
    contributions = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=16, choices=ReviewStatus.choices, default=ReviewStatus.OPEN,
                              db_index=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    reason = models.TextField(blank=True)

    history = tracked()

    class Meta:
        ordering = ["-score", "created_at"]
        indexes = [models.Index(fields=["entity", "status", "-score"], name="review_entity_status_score")]

    def __str__(self) -> str:
        left = self.source_record_id and f"record {self.source_record_id}" or self.golden_id
        return f"{self.entity}: {left} ~ {self.candidate_golden_id} ({self.score:.1f})"


class NotAMatch(models.Model):
    """A steward's decision that two things are different; never auto-merged again.

    Each side is a golden id (SUP-000042) or a source record reference (src:123); the pair is
    stored in sorted order so that a lookup needs one index.
    """

    entity = models.CharField(max_length=16)
    left = models.CharField(max_length=32)
    right = models.CharField(max_length=32)
    reason = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)

    history = tracked()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["entity", "left", "right"], name="uniq_not_a_match")]
        indexes = [models.Index(fields=["entity", "right"], name="not_a_match_right")]

    def __str__(self) -> str:
        return f"{self.left} ≠ {self.right}"

    @staticmethod
    def ordered(a: str, b: str) -> tuple[str, str]:
        return (a, b) if a <= b else (b, a)
