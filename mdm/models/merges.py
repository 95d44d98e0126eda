"""What each merge changed, so that an unmerge can restore exactly what was there."""
from __future__ import annotations

from django.conf import settings
from django.db import models


class GoldenMerge(models.Model):
    entity = models.CharField(max_length=16)
    survivor_id = models.CharField(max_length=24, db_index=True)
    victim_id = models.CharField(max_length=24, db_index=True)
    moved_records = models.JSONField(default=list, help_text="source record ids moved to the survivor")
    repointed = models.JSONField(
        default=list, help_text="[model label, pk, field, old pk] of relationships moved to the survivor"
    )
    request_id = models.CharField(max_length=64, blank=True)
    reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    undone_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.victim_id} -> {self.survivor_id}"
