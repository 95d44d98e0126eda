"""Django admin for the hub's core: golden records with their crosswalk, the source side."""
from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils.html import format_html
from simple_history.admin import SimpleHistoryAdmin

from mdm.models import (
    IdempotencyKey,
    IntegrationToken,
    Location,
    MatchModelVersion,
    Product,
    ProductSupplier,
    SourceRecord,
    SourceSystem,
    Supplier,
    UnitOfMeasure,
)
from mdm.selectors import golden_members
from mdm.services.golden import golden_pin
from mdm.services.systems import issue_token, revoke_token


class GoldenAdmin(SimpleHistoryAdmin):
    """Golden records: edits by a steward become pinned values (they survive recomputation)."""

    list_filter = ("status",)
    readonly_fields = ("golden_id", "status", "merged_into", "version", "created_at", "updated_at",
                       "crosswalk", "lineage_table")
    history_list_display = ("status", "version")

    def get_search_fields(self, request):
        return ("golden_id", *self.search_fields)

    def get_exclude(self, request, obj=None):
        return ("lineage", "pins")

    @admin.display(description="Crosswalk")
    def crosswalk(self, obj) -> str:
        if obj is None or not obj.pk:
            return "-"
        rows = golden_members(entity=obj.ENTITY, golden_id=obj.golden_id)
        return render_to_string("admin/mdm/crosswalk_table.html", {"rows": rows})

    @admin.display(description="Lineage")
    def lineage_table(self, obj) -> str:
        if obj is None or not obj.pk:
            return "-"
        return render_to_string("admin/mdm/lineage_table.html",
                                {"lineage": sorted(obj.lineage.items()), "pins": obj.pins})

    def save_model(self, request, obj, form, change) -> None:
        if not change:
            messages.error(request, "Golden records are created by ingest; register a source record instead.")
            return
        changed = {name: form.cleaned_data[name] for name in form.changed_data if name in obj.ATTRIBUTES}
        if changed:
            fresh = type(obj).objects.get(pk=obj.pk)
            golden_pin(golden=fresh, values=changed, user=request.user,
                       reason=f"edited in admin by {request.user.get_username()}")
            messages.info(request, f"Pinned {', '.join(sorted(changed))}: these values now survive "
                                   "recomputation until unpinned.")

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Supplier)
class SupplierAdmin(GoldenAdmin):
    list_display = ("golden_id", "name", "country", "city", "tax_id", "status", "version", "updated_at")
    list_filter = ("status", "country")
    search_fields = ("name", "tax_id", "duns", "city", "email")


@admin.register(Product)
class ProductAdmin(GoldenAdmin):
    list_display = ("golden_id", "name", "gtin", "brand", "base_uom", "status", "version")
    list_filter = ("status", "base_uom", "category")
    search_fields = ("name", "gtin", "mpn", "brand", "manufacturer")


@admin.register(Location)
class LocationAdmin(GoldenAdmin):
    list_display = ("golden_id", "code", "name", "location_type", "country", "parent", "status")
    list_filter = ("status", "location_type", "country")
    search_fields = ("name", "code", "city")
    raw_id_fields = ("parent",)


@admin.register(UnitOfMeasure)
class UnitOfMeasureAdmin(GoldenAdmin):
    list_display = ("golden_id", "code", "name", "dimension", "status")
    list_filter = ("status", "dimension")
    search_fields = ("code", "name")


@admin.register(ProductSupplier)
class ProductSupplierAdmin(SimpleHistoryAdmin):
    list_display = ("product", "supplier", "supplier_item_number", "lead_time_days", "updated_at")
    search_fields = ("product__golden_id", "product__name", "supplier__golden_id", "supplier__name",
                     "supplier_item_number")
    raw_id_fields = ("product", "supplier", "source_record")


@admin.register(SourceSystem)
class SourceSystemAdmin(SimpleHistoryAdmin):
    list_display = ("code", "name", "kind", "priority", "default_country", "active", "last_received_at")
    list_filter = ("kind", "active")
    search_fields = ("code", "name")
    actions = ["issue_new_token"]

    @admin.action(description="Issue a new API token (shown once)")
    def issue_new_token(self, request, queryset) -> None:
        for system in queryset:
            raw, _ = issue_token(system=system, name=f"issued in admin by {request.user.get_username()}",
                                 user=request.user)
            messages.warning(request, f"New token for {system.code} (copy it now, it is shown once): {raw}")


@admin.register(SourceRecord)
class SourceRecordAdmin(SimpleHistoryAdmin):
    list_display = ("source_key", "system", "entity", "status", "golden_link", "last_seen")
    list_filter = ("entity", "status", "system")
    search_fields = ("source_key", "golden_id")
    readonly_fields = ("system", "entity", "source_key", "raw", "normalized", "content_hash", "status",
                       "golden_id", "errors", "retry_until", "first_seen", "last_seen", "updated_at")
    history_list_display = ("status", "golden_id")

    @admin.display(description="Golden record", ordering="golden_id")
    def golden_link(self, obj) -> str:
        return format_html("<code>{}</code>", obj.golden_id) if obj.golden_id else "-"

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(IntegrationToken)
class IntegrationTokenAdmin(SimpleHistoryAdmin):
    list_display = ("key_prefix", "system", "name", "created_at", "last_used_at", "revoked_at")
    list_filter = ("system", ("revoked_at", admin.EmptyFieldListFilter))
    search_fields = ("key_prefix", "name", "system__code")
    readonly_fields = ("system", "key_prefix", "created_at", "created_by", "last_used_at", "revoked_at")
    exclude = ("key_hash",)
    actions = ["revoke"]

    def has_add_permission(self, request) -> bool:
        return False

    @admin.action(description="Revoke selected tokens")
    def revoke(self, request, queryset) -> None:
        for token in queryset.filter(Q(revoked_at__isnull=True)):
            revoke_token(token=token, user=request.user, reason=f"revoked in admin by {request.user}")


@admin.register(IdempotencyKey)
class IdempotencyKeyAdmin(admin.ModelAdmin):
    list_display = ("key", "system", "entity", "status_code", "created_at", "expires_at")
    list_filter = ("system", "entity")
    search_fields = ("key",)
    readonly_fields = ("system", "key", "entity", "request_hash", "status_code", "response", "created_at",
                       "expires_at")

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(MatchModelVersion)
class MatchModelVersionAdmin(admin.ModelAdmin):
    """Trained match models, as train_matcher stored them. A version set aside (inactive, with
    the reason in its notes) can be put in use here, and one in use set aside: the newest
    active version of an entity is the one matching uses, the defaults when there is none."""

    list_display = ("entity", "version", "active", "trained_on", "prior", "created_at", "created_by", "notes")
    list_filter = ("entity", "active")
    fields = ("entity", "version", "active", "trained_on", "thresholds", "created_at", "created_by", "notes",
              "parameters")
    readonly_fields = ("entity", "version", "trained_on", "thresholds", "created_at", "created_by", "notes",
                       "parameters")

    def has_add_permission(self, request) -> bool:
        return False  # versions come from training

    @admin.display(description="prior")
    def prior(self, obj) -> str:
        return f"{obj.params.get('prior', 0):.4f}"

    @admin.display(description="Parameters (m and u per comparison level)")
    def parameters(self, obj) -> str:
        if obj is None or not obj.pk:
            return "-"
        comparisons = obj.params.get("comparisons", {})
        rows = [(name, [(level, f"{m:.3f}", f"{u:.4f}") for level, m, u in
                        zip(c.get("levels", ()), c.get("m", ()), c.get("u", ()), strict=False)])
                for name, c in comparisons.items()]
        return render_to_string("admin/mdm/model_parameters.html",
                                {"rows": rows, "prior": obj.params.get("prior"),
                                 "training": sorted(obj.params.get("training", {}).items())})
