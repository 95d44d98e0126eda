"""Serializers of the integration API: golden records, source records, crosswalk and actions.

Golden record serializers are read-only: golden records change only through ingest and the
stewardship services. Every golden record carries `keys` (every system's keys for it) so an
integration rarely needs a second call.
"""
from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from mdm.models import Location, Product, SourceRecord, Supplier, UnitOfMeasure

GOLDEN_BASE_FIELDS = ("golden_id", "requested_id", "status", "merged_into", "version", "keys",
                      "lineage", "pins", "created_at", "updated_at", "as_of")


class DynamicFieldsMixin:
    """`?fields=golden_id,name` keeps only the named fields (the view validates the names)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        wanted = self.context.get("fields")  # type: ignore[attr-defined]
        if wanted:
            for name in set(self.fields) - set(wanted):  # type: ignore[attr-defined]
                self.fields.pop(name)  # type: ignore[attr-defined]


class GoldenRecordSerializer(DynamicFieldsMixin, serializers.ModelSerializer):
    requested_id = serializers.SerializerMethodField(
        help_text="The id in the request. It differs from `golden_id` when that id was merged into "
                  "this record: a merged id answers with its survivor.")
    merged_into = serializers.CharField(source="merged_into.golden_id", allow_null=True, read_only=True,
                                        help_text="For a merged record, the record it was merged into")
    keys = serializers.SerializerMethodField(help_text="Every system's keys for this record: {system: [keys]}")
    as_of = serializers.SerializerMethodField(help_text="The time this state is read at (null: now)")

    class Meta:
        fields: tuple[str, ...] = GOLDEN_BASE_FIELDS
        read_only_fields = fields

    def get_requested_id(self, obj: Any) -> str:
        return self.context.get("requested_id") or obj.golden_id

    def get_keys(self, obj: Any) -> dict[str, list[str]]:
        return self.context.get("keys", {}).get(obj.golden_id, {})

    def get_as_of(self, obj: Any) -> str | None:
        as_of = self.context.get("as_of")
        return as_of.isoformat().replace("+00:00", "Z") if as_of else None


def _golden_meta(model: type, *extra: str) -> type:
    attrs = tuple(a for a in model.ATTRIBUTES if a != "parent")
    fields = (*GOLDEN_BASE_FIELDS[:5], *attrs, *extra, *GOLDEN_BASE_FIELDS[5:])
    return type("Meta", (), {"model": model, "fields": fields, "read_only_fields": fields})


class SupplierSerializer(GoldenRecordSerializer):
    email = serializers.CharField(read_only=True, help_text="Email address; empty when no system sent one")
    Meta = _golden_meta(Supplier)


class ProductSupplierSerializer(serializers.Serializer):
    supplier = serializers.CharField(help_text="Golden id of the supplier")
    supplier_item_number = serializers.CharField()
    lead_time_days = serializers.IntegerField(allow_null=True)


class ProductSerializer(GoldenRecordSerializer):
    suppliers = serializers.SerializerMethodField()
    Meta = _golden_meta(Product, "suppliers")

    @extend_schema_field(ProductSupplierSerializer(many=True))
    def get_suppliers(self, obj: Product) -> list[dict[str, Any]]:
        as_of = self.context.get("as_of")
        if as_of is not None:
            links = list(Product.suppliers.through.history.as_of(as_of).filter(product_id=obj.pk))
            names = dict(Supplier.objects.filter(pk__in=[link.supplier_id for link in links])
                         .values_list("pk", "golden_id"))
            rows = [(names.get(link.supplier_id, ""), link) for link in links]
        else:
            rows = [(link.supplier.golden_id, link) for link in obj.supplier_links.all()]
        data = [{"supplier": gid, "supplier_item_number": link.supplier_item_number,
                 "lead_time_days": link.lead_time_days} for gid, link in rows]
        return ProductSupplierSerializer(sorted(data, key=lambda d: d["supplier"]), many=True).data


class LocationSerializer(GoldenRecordSerializer):
    parent = serializers.CharField(source="parent.golden_id", allow_null=True, read_only=True,
                                   help_text="Golden id of the parent location")
    Meta = _golden_meta(Location, "parent")


class UnitOfMeasureSerializer(GoldenRecordSerializer):
    Meta = _golden_meta(UnitOfMeasure)


GOLDEN_SERIALIZERS: dict[str, type[GoldenRecordSerializer]] = {
    "supplier": SupplierSerializer,
    "product": ProductSerializer,
    "location": LocationSerializer,
    "uom": UnitOfMeasureSerializer,
}


# --- source records and quarantine ----------------------------------------------------------
class SourceRecordSerializer(DynamicFieldsMixin, serializers.ModelSerializer):
    system = serializers.CharField(source="system.code", read_only=True)

    class Meta:
        model = SourceRecord
        fields = ("id", "system", "entity", "source_key", "status", "golden_id", "raw", "normalized",
                  "errors", "first_seen", "last_seen", "updated_at")
        read_only_fields = fields


# --- crosswalk ------------------------------------------------------------------------------
class CrosswalkKeySerializer(serializers.Serializer):
    system = serializers.CharField()
    source_key = serializers.CharField()
    status = serializers.CharField(help_text="Status of that source record")
    first_seen = serializers.DateTimeField()
    last_received_at = serializers.DateTimeField(
        help_text="When the system last sent this record (for as-of reads: its last change by then)")


class AcknowledgementSerializer(serializers.Serializer):
    target = serializers.CharField()
    acknowledged = serializers.BooleanField(help_text="Has the target acknowledged this version (or newer)?")
    acknowledged_at = serializers.DateTimeField(allow_null=True)
    state = serializers.CharField(help_text="State of this version's delivery, or not_queued")


class FreshnessSerializer(serializers.Serializer):
    systems = serializers.DictField(child=serializers.DateTimeField(),
                                    help_text="System code -> when it last sent this record")
    targets = AcknowledgementSerializer(many=True)


class CrosswalkLookupSerializer(serializers.Serializer):
    entity = serializers.CharField()
    system = serializers.CharField()
    source_key = serializers.CharField()
    source_status = serializers.CharField()
    golden_id = serializers.CharField()
    status = serializers.CharField(help_text="Status of the golden record")
    version = serializers.IntegerField()
    keys = CrosswalkKeySerializer(many=True)
    as_of = serializers.DateTimeField()
    freshness = FreshnessSerializer()


# `from` is a Python keyword, so the request's fields are declared through the metaclass.
TranslateRequestSerializer = serializers.SerializerMetaclass("TranslateRequest", (serializers.Serializer,), {
    "from": serializers.CharField(max_length=32, help_text="Code of the system the keys belong to"),
    "to": serializers.CharField(max_length=32, help_text="Code of the system to translate them to"),
    "keys": serializers.ListField(child=serializers.CharField(max_length=128), max_length=10_000,
                                  help_text="Up to 10,000 source keys of the `from` system"),
})


class TranslatedKeySerializer(serializers.Serializer):
    golden_id = serializers.CharField()
    keys = serializers.ListField(child=serializers.CharField())


class TranslateResponseSerializer(serializers.Serializer):
    entity = serializers.CharField()
    mapping = serializers.DictField(child=TranslatedKeySerializer(),
                                    help_text="Each known key -> its golden id and the target system's keys")
    unknown = serializers.ListField(child=serializers.CharField(),
                                    help_text="Keys the source system has no linked record for")
    no_target_key = serializers.ListField(child=serializers.CharField(),
                                          help_text="Known keys whose golden record has no key in the target")


# --- change feed ----------------------------------------------------------------------------
class ChangeEventSerializer(serializers.Serializer):
    event_id = serializers.UUIDField()
    sequence = serializers.IntegerField(help_text="Feed position; pass the last one as `since` to resume")
    entity = serializers.CharField()
    golden_id = serializers.CharField()
    golden_version = serializers.IntegerField()
    event_type = serializers.CharField()
    payload = serializers.DictField()
    source_system = serializers.CharField()
    request_id = serializers.CharField()
    occurred_at = serializers.DateTimeField()


class ChangeFeedSerializer(serializers.Serializer):
    events = ChangeEventSerializer(many=True)
    next_cursor = serializers.IntegerField(help_text="Pass as `since` on the next call")
    has_more = serializers.BooleanField()


# --- stewardship actions --------------------------------------------------------------------
class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000, help_text="Why: kept in the audit history")


class MergeSerializer(ReasonSerializer):
    victim = serializers.CharField(max_length=24, help_text="Golden id merged into this record")


class UnmergeSerializer(ReasonSerializer):
    source_record = serializers.IntegerField(help_text="Id of the source record to take out of this record")


class PinSerializer(ReasonSerializer):
    values = serializers.DictField(help_text="Attribute -> value to pin", allow_empty=False)


class UnpinSerializer(ReasonSerializer):
    attributes = serializers.ListField(child=serializers.CharField(max_length=64), allow_empty=False)


class NotAMatchSerializer(ReasonSerializer):
    entity = serializers.ChoiceField(choices=("supplier", "product", "location", "uom"))
    left = serializers.CharField(max_length=32, help_text="Golden id or src:<source record id>")
    right = serializers.CharField(max_length=32, help_text="Golden id or src:<source record id>")


class FixSerializer(ReasonSerializer):
    raw = serializers.DictField(help_text="The corrected payload (canonical fields, without source_key)")


class ProcessedRecordSerializer(serializers.Serializer):
    source_key = serializers.CharField()
    outcome = serializers.CharField()
    golden_id = serializers.CharField(allow_null=True)
    errors = serializers.ListField(child=serializers.DictField())


class ProblemSerializer(serializers.Serializer):
    """RFC 9457 problem details."""

    type = serializers.CharField()
    title = serializers.CharField()
    status = serializers.IntegerField()
    code = serializers.CharField(help_text="Stable machine-readable code")
    detail = serializers.JSONField()
    request_id = serializers.CharField(required=False)
