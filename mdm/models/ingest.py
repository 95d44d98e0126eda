"""Stored responses of ingest requests, so a retried request with the same key does no new work."""
from __future__ import annotations

from django.db import models

from .source import SourceSystem


class IdempotencyKey(models.Model):
    system = models.ForeignKey(SourceSystem, on_delete=models.CASCADE, related_name="idempotency_keys")
    key = models.CharField(max_length=128)
    entity = models.CharField(max_length=16)
    request_hash = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField(default=200)
    response = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["system", "key"], name="uniq_idempotency_key")]

    def __str__(self) -> str:
        return f"{self.system_id}:{self.key}"
