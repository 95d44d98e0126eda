"""Filters of the list endpoints (django-filter): `?status=active&country=DE&updated_after=...`."""
from __future__ import annotations

from datetime import UTC

import django_filters
from rest_framework.exceptions import ValidationError

from mdm.models import GoldenStatus, Location, Product, SourceRecord, SourceStatus, Supplier, UnitOfMeasure
from mdm.models.source import Entity


class UtcDateTimeFilter(django_filters.IsoDateTimeFilter):
    """An RFC 3339 time, compared in UTC (PostgreSQL refuses far-off offsets such as -23:42)."""

    def filter(self, qs, value):  # type: ignore[no-untyped-def]
        if value is not None:
            try:
                value = value.astimezone(UTC)
            except OverflowError as exc:
                raise ValidationError({self.field_name: "time out of range"}) from exc
        return super().filter(qs, value)


class GoldenRecordFilterSet(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=GoldenStatus.choices)
    golden_id = django_filters.BaseInFilter(field_name="golden_id", help_text="Comma-separated golden ids")
    updated_after = UtcDateTimeFilter(field_name="updated_at", lookup_expr="gte")
    updated_before = UtcDateTimeFilter(field_name="updated_at", lookup_expr="lt")


class SupplierFilterSet(GoldenRecordFilterSet):
    name = django_filters.CharFilter(lookup_expr="icontains")

    class Meta:
        model = Supplier
        fields = ("status", "golden_id", "name", "tax_id", "duns", "country", "city", "postal_code")


class ProductFilterSet(GoldenRecordFilterSet):
    name = django_filters.CharFilter(lookup_expr="icontains")
    supplier = django_filters.CharFilter(field_name="suppliers__golden_id", distinct=True,
                                         help_text="Golden id of a supplier of the product")

    class Meta:
        model = Product
        fields = ("status", "golden_id", "name", "gtin", "mpn", "brand", "manufacturer", "category", "base_uom")


class LocationFilterSet(GoldenRecordFilterSet):
    name = django_filters.CharFilter(lookup_expr="icontains")
    parent = django_filters.CharFilter(field_name="parent__golden_id", help_text="Golden id of the parent")

    class Meta:
        model = Location
        fields = ("status", "golden_id", "name", "code", "location_type", "country", "city")


class UnitOfMeasureFilterSet(GoldenRecordFilterSet):
    class Meta:
        model = UnitOfMeasure
        fields = ("status", "golden_id", "code", "dimension")


class SourceRecordFilterSet(django_filters.FilterSet):
    system = django_filters.CharFilter(field_name="system__code", help_text="Source system code")
    entity = django_filters.ChoiceFilter(choices=Entity.choices)
    status = django_filters.ChoiceFilter(choices=SourceStatus.choices)
    updated_after = UtcDateTimeFilter(field_name="updated_at", lookup_expr="gte")

    class Meta:
        model = SourceRecord
        fields = ("system", "entity", "status", "source_key", "golden_id")
