"""The source side: systems, their records (the crosswalk), and their API tokens."""
from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from .base import tracked


class Entity(models.TextChoices):
    SUPPLIER = "supplier", "Supplier"
    PRODUCT = "product", "Product"
    LOCATION = "location", "Location"
    UOM = "uom", "Unit of measure"


class SystemKind(models.TextChoices):
    ERP = "erp", "ERP"
    WMS = "wms", "WMS"
    SUPPLIER_PORTAL = "supplier_portal", "Supplier portal"
    ECOMMERCE = "ecommerce", "eCommerce"
    TMS = "tms", "TMS"
    OTHER = "other", "Other"


def validate_country_code(value: str) -> None:
    from mdm.normalization import COUNTRIES

    if value and value not in COUNTRIES:
        raise ValidationError(f"{value!r} is not an ISO 3166 alpha-2 country code (upper case, e.g. US, DE)")


class SourceSystem(models.Model):
    code = models.CharField(max_length=32, unique=True, help_text="Short code, e.g. ERP, WMS, PORTAL")
    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=32, choices=SystemKind.choices, default=SystemKind.OTHER)
    active = models.BooleanField(default=True)
    priority = models.PositiveSmallIntegerField(
        default=100, help_text="Survivorship rank: lower wins under the source-priority policy"
    )
    default_country = models.CharField(
        max_length=2, blank=True, validators=[validate_country_code],
        help_text="ISO 3166 alpha-2 code of the country the system's records are in when they name none: "
                  "their phone numbers and postal codes are read in it",
    )
    last_received_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    history = tracked(excluded_fields=["last_received_at"])

    class Meta:
        ordering = ["priority", "code"]

    def __str__(self) -> str:
        return self.code


class SourceStatus(models.TextChoices):
    LINKED = "linked", "Linked"
    PENDING_REVIEW = "pending_review", "Pending review"
    QUARANTINED = "quarantined", "Quarantined"
    RETIRED = "retired", "Retired"
    DISCARDED = "discarded", "Discarded"


class SourceRecord(models.Model):
    """One record as a source system holds it, and the golden record it is linked to.

    The (system, entity, source_key) -> golden_id link is the crosswalk. `raw` is the payload
    exactly as received; `normalized` is what validation and normalization made of it; a
    quarantined record keeps its `errors` until a steward fixes or discards it.
    """

    system = models.ForeignKey(SourceSystem, on_delete=models.PROTECT, related_name="records")
    entity = models.CharField(max_length=16, choices=Entity.choices)
    source_key = models.CharField(max_length=128)
    raw = models.JSONField(default=dict)
    normalized = models.JSONField(default=dict, blank=True)
    content_hash = models.CharField(max_length=64, blank=True)
    status = models.CharField(max_length=16, choices=SourceStatus.choices, db_index=True)
    golden_id = models.CharField(max_length=24, blank=True, db_index=True)
    errors = models.JSONField(default=list, blank=True)
    match_keys = models.JSONField(
        default=dict, blank=True, help_text="comparison keys derived from `normalized`, kept so matching reads them"
    )
    retry_until = models.DateTimeField(
        null=True, blank=True, help_text="A record waiting for a referenced record is retried until then"
    )
    first_seen = models.DateTimeField(default=timezone.now)
    last_seen = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    # last_seen is a heartbeat, not a change of data: re-sending the same content must not
    # grow the audit trail, so it is kept out of history; match_keys is derived data.
    history = tracked(excluded_fields=["last_seen", "match_keys"])

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["system", "entity", "source_key"], name="uniq_source_record"),
        ]
        indexes = [
            models.Index(fields=["entity", "status"], name="source_entity_status"),
            models.Index(fields=["entity", "golden_id"], name="source_entity_golden"),
        ]

    def __str__(self) -> str:
        return f"{self.system_id}:{self.entity}:{self.source_key}"


TOKEN_PREFIX = "rst_"


def hash_token(raw_token: str) -> str:
    return hashlib.sha256(raw_token.encode()).hexdigest()


class IntegrationToken(models.Model):
    """An API token of one source system; stored hashed, shown once, revocable, rotatable."""

    system = models.ForeignKey(SourceSystem, on_delete=models.CASCADE, related_name="tokens")
    name = models.CharField(max_length=100, blank=True)
    key_prefix = models.CharField(max_length=16, help_text="First characters, to recognise the token")
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    history = tracked(excluded_fields=["last_used_at"])

    class Meta:
        ordering = ["system", "-created_at"]

    def __str__(self) -> str:
        return f"{self.system_id} {self.key_prefix}…"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    @staticmethod
    def generate() -> str:
        return TOKEN_PREFIX + secrets.token_urlsafe(32)
