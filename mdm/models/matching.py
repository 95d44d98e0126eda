"""Matching state: the blocking-key index and the trained match models (versioned)."""
from __future__ import annotations

from django.conf import settings
from django.db import models

from .source import SourceRecord


class BlockingKey(models.Model):
    """One blocking key of one source record; candidates are the records sharing a key.

    Kept in an indexed table so that a record arriving over REST finds its candidates with
    one indexed lookup, and a bulk load can shard the work by key.
    """

    entity = models.CharField(max_length=16)
    key = models.CharField(max_length=96)
    # Derived rows, rewritten with every record they index: no database foreign key (its checks at
    # commit, seven or eight per record, ran inside the matcher's locked section of every load;
    # Django still deletes them with their record) and no index of its own (the unique
    # constraint below starts with this column).
    source_record = models.ForeignKey(SourceRecord, on_delete=models.CASCADE, related_name="blocking_keys",
                                      db_constraint=False, db_index=False)

    class Meta:
        indexes = [models.Index(fields=["entity", "key"], name="blocking_entity_key")]
        constraints = [
            models.UniqueConstraint(fields=["source_record", "key"], name="uniq_blocking_key_per_record"),
        ]

    def __str__(self) -> str:
        return f"{self.entity}:{self.key}"


class MatchModelVersion(models.Model):
    """Trained parameters of the match model of one entity; the newest active one is used."""

    entity = models.CharField(max_length=16)
    version = models.PositiveIntegerField()
    params = models.JSONField()
    thresholds = models.JSONField(default=dict)
    trained_on = models.PositiveIntegerField(default=0, help_text="records the estimate was made from")
    notes = models.TextField(blank=True)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)

    class Meta:
        ordering = ["entity", "-version"]
        constraints = [models.UniqueConstraint(fields=["entity", "version"], name="uniq_match_model_version")]

    def __str__(self) -> str:
        return f"{self.entity} model v{self.version}"
