"""Models of unit conversions, per-product packaging and per-unit rounding.

Units themselves are golden records (`mdm.UnitOfMeasure`), and each system's own unit codes
are the crosswalk of `uom` source records (WMS "PCS" linked to the golden unit EA). The rows
here refer to units by their hub code (EA, CS, KGM), as `Product.base_uom` does.
"""
from __future__ import annotations

from fractions import Fraction

from django.core.validators import MinValueValidator
from django.db import models

from mdm.models import SourceRecord
from mdm.models.base import tracked

from .conversions import LEVEL_ORDER, ROUNDING_MODES, format_fraction


class UnitConversion(models.Model):
    """1 `from_unit` = numerator/denominator `to_unit`, globally or for one product.

    The factor is stored as an exact ratio of integers (0.45359237 = 45359237/100000000), so no
    conversion ever passes through a float.
    """

    from_unit = models.CharField(max_length=16, db_index=True)
    to_unit = models.CharField(max_length=16, db_index=True)
    numerator = models.BigIntegerField(validators=[MinValueValidator(1)])
    denominator = models.BigIntegerField(default=1, validators=[MinValueValidator(1)])
    product = models.ForeignKey(
        "mdm.Product", null=True, blank=True, on_delete=models.CASCADE, related_name="unit_conversions",
        help_text="Empty for a global conversion; set for a product-specific one",
    )
    note = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = tracked()

    class Meta:
        ordering = ["product_id", "from_unit", "to_unit"]
        constraints = [
            models.UniqueConstraint(
                fields=["from_unit", "to_unit"], condition=models.Q(product__isnull=True),
                name="uniq_global_unit_conversion",
            ),
            models.UniqueConstraint(
                fields=["product", "from_unit", "to_unit"], condition=models.Q(product__isnull=False),
                name="uniq_product_unit_conversion",
            ),
            models.CheckConstraint(
                condition=models.Q(numerator__gt=0, denominator__gt=0), name="unit_conversion_factor_positive"
            ),
        ]

    def __str__(self) -> str:
        scope = f" [{self.product_id}]" if self.product_id else ""
        return f"1 {self.from_unit} = {format_fraction(self.factor)} {self.to_unit}{scope}"

    @property
    def factor(self) -> Fraction:
        return Fraction(self.numerator, self.denominator)

    @factor.setter
    def factor(self, value: Fraction) -> None:
        self.numerator, self.denominator = value.numerator, value.denominator


class PackagingLevelName(models.TextChoices):
    EACH = "each", "Each"
    INNER = "inner", "Inner pack"
    CASE = "case", "Case"
    PALLET = "pallet", "Pallet"


assert tuple(PackagingLevelName.values) == LEVEL_ORDER

DEFAULT_LEVEL_UNITS = {"each": "EA", "inner": "PK", "case": "CS", "pallet": "PF"}


class PackagingLevel(models.Model):
    """One level of a product's packaging: how many of the level below it holds, its GTIN, size, weight.

    The lowest level a product has counts the product's base unit (an `each` level holds 1).
    """

    product = models.ForeignKey("mdm.Product", on_delete=models.CASCADE, related_name="packaging_levels")
    level = models.CharField(max_length=8, choices=PackagingLevelName.choices)
    unit = models.CharField(max_length=16, help_text="Hub unit code of this level, e.g. CS")
    gtin = models.CharField(max_length=14, blank=True, db_index=True)
    quantity_of_level_below = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    length_mm = models.DecimalField(max_digits=10, decimal_places=1, null=True, blank=True)
    width_mm = models.DecimalField(max_digits=10, decimal_places=1, null=True, blank=True)
    height_mm = models.DecimalField(max_digits=10, decimal_places=1, null=True, blank=True)
    gross_weight_kg = models.DecimalField(max_digits=12, decimal_places=4, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = tracked()

    class Meta:
        ordering = ["product_id", "level"]
        constraints = [
            models.UniqueConstraint(fields=["product", "level"], name="uniq_packaging_level"),
            models.CheckConstraint(
                condition=models.Q(quantity_of_level_below__gt=0), name="packaging_quantity_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product_id} {self.level}: {self.unit} x{self.quantity_of_level_below}"


class RoundingMode(models.TextChoices):
    HALF_EVEN = "half_even", "Half to even (banker's)"
    HALF_UP = "half_up", "Half up"
    UP = "up", "Away from zero"
    DOWN = "down", "Toward zero (truncate)"
    CEILING = "ceiling", "Toward +infinity"
    FLOOR = "floor", "Toward -infinity"


assert set(RoundingMode.values) == set(ROUNDING_MODES)


class UnitRounding(models.Model):
    """How results expressed in one unit are rounded, once, after the exact conversion.

    Without a row a result is exact (as a decimal when it has a finite one, else rounded half
    to even to 12 places).
    """

    unit = models.CharField(max_length=16, unique=True)
    decimal_places = models.PositiveSmallIntegerField()
    mode = models.CharField(max_length=16, choices=RoundingMode.choices, default=RoundingMode.HALF_EVEN)
    updated_at = models.DateTimeField(auto_now=True)

    history = tracked()

    class Meta:
        ordering = ["unit"]

    def __str__(self) -> str:
        return f"{self.unit}: {self.decimal_places} places, {self.mode}"


class UnitCodeMappingManager(models.Manager):
    def get_queryset(self):
        return super().get_queryset().filter(entity="uom")


class UnitCodeMapping(SourceRecord):
    """A system's unit code and the hub unit it means: the `uom` rows of the crosswalk.

    A proxy, so stewards find and map unit codes in the admin in one place; the rows are
    ordinary source records.
    """

    objects = UnitCodeMappingManager()

    class Meta:
        proxy = True
        verbose_name = "system unit code"
        verbose_name_plural = "system unit codes"
