"""Admin of unit conversions, packaging levels and rounding; every change lands in history.

Forms run the same checks as the services, so the admin cannot store a factor that disagrees
with another path or a pack level that breaks its product's hierarchy.
"""
from fractions import Fraction

from django import forms
from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from . import selectors, services
from .models import PackagingLevel, UnitCodeMapping, UnitConversion, UnitRounding


class UnitConversionForm(forms.ModelForm):
    class Meta:
        model = UnitConversion
        fields = ("from_unit", "to_unit", "numerator", "denominator", "product", "note")

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        errors = services.check_conversion(
            from_unit=data["from_unit"], to_unit=data["to_unit"],
            factor=Fraction(data["numerator"], data["denominator"]), product=data.get("product"),
        )
        if errors:
            raise forms.ValidationError(errors)
        return data


@admin.register(UnitConversion)
class UnitConversionAdmin(SimpleHistoryAdmin):
    form = UnitConversionForm
    list_display = ("from_unit", "to_unit", "numerator", "denominator", "product", "note", "updated_at")
    list_filter = (("product", admin.EmptyFieldListFilter), "from_unit", "to_unit")
    search_fields = ("from_unit", "to_unit", "product__golden_id", "product__name", "note")
    raw_id_fields = ("product",)


class PackagingLevelForm(forms.ModelForm):
    class Meta:
        model = PackagingLevel
        fields = (
            "product", "level", "unit", "gtin", "quantity_of_level_below",
            "length_mm", "width_mm", "height_mm", "gross_weight_kg",
        )

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        product = data["product"]
        others = PackagingLevel.objects.filter(product=product).exclude(level=data["level"])
        if self.instance.pk:
            others = others.exclude(pk=self.instance.pk)
        levels = [{**vars(selectors.to_pack_level(row)), "quantity_of_level_below": row.quantity_of_level_below}
                  for row in others]
        levels.append({name: data.get(name) for name in self.Meta.fields if name != "product"})
        errors = services.check_packaging(product=product, levels=levels)
        if errors:
            raise forms.ValidationError(errors)
        return data


@admin.register(PackagingLevel)
class PackagingLevelAdmin(SimpleHistoryAdmin):
    form = PackagingLevelForm
    list_display = ("product", "level", "unit", "quantity_of_level_below", "gtin", "gross_weight_kg")
    list_filter = ("level", "unit")
    search_fields = ("product__golden_id", "product__name", "gtin")
    raw_id_fields = ("product",)


@admin.register(UnitRounding)
class UnitRoundingAdmin(SimpleHistoryAdmin):
    list_display = ("unit", "decimal_places", "mode", "updated_at")
    list_filter = ("mode",)
    search_fields = ("unit",)


class UnitCodeMappingForm(forms.ModelForm):
    """Map a system's code to a hub unit; saved through `map_unit_code`, which reprocesses waiting records."""

    unit = forms.ModelChoiceField(
        queryset=selectors.active_units().order_by("code"), to_field_name="code",
        help_text="The hub unit this code means",
    )
    reason = forms.CharField(max_length=200, help_text="Kept in the history of the mapping")

    class Meta:
        model = UnitCodeMapping
        fields = ("system", "source_key")
        labels = {"source_key": "Code in that system"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and self.instance.golden_id:
            self.fields["unit"].initial = (
                selectors.active_units().filter(golden_id=self.instance.golden_id).values_list("code", flat=True)
                .first()
            )


@admin.register(UnitCodeMapping)
class UnitCodeMappingAdmin(admin.ModelAdmin):
    form = UnitCodeMappingForm
    list_display = ("system", "source_key", "hub_unit", "status", "updated_at")
    list_filter = ("system", "status")
    search_fields = ("source_key", "golden_id")

    @admin.display(description="hub unit")
    def hub_unit(self, obj):
        return selectors.active_units().filter(golden_id=obj.golden_id).values_list("code", flat=True).first() or "-"

    def has_add_permission(self, request):
        # mapping a code is a steward's everyday act, so change permission is enough
        return super().has_add_permission(request) or self.has_change_permission(request)

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        mapping = services.map_unit_code(
            system=form.cleaned_data["system"], code=form.cleaned_data["source_key"],
            unit=form.cleaned_data["unit"], user=request.user, reason=form.cleaned_data["reason"],
        )
        # the admin redirects and logs with `obj`, so it takes on the saved row's identity
        obj.pk, obj.entity, obj.golden_id = mapping.record.pk, "uom", mapping.record.golden_id
        count = len(mapping.reprocessed or [])
        if count:
            self.message_user(request, f"{count} waiting record(s) reprocessed.")
