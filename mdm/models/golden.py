"""Golden records: suppliers, products (with their suppliers), locations, units of measure."""
from __future__ import annotations

from django.db import models

from .base import GoldenRecord, tracked

ADDRESS_FIELDS = ("address_line1", "address_line2", "city", "region", "postal_code", "country")


class Dimension(models.TextChoices):
    COUNT = "count", "Count"
    MASS = "mass", "Mass"
    LENGTH = "length", "Length"
    AREA = "area", "Area"
    VOLUME = "volume", "Volume"
    TIME = "time", "Time"
    OTHER = "other", "Other"


class UnitOfMeasure(GoldenRecord):
    ENTITY = "uom"
    ID_PREFIX = "UOM"
    ATTRIBUTES = ("code", "name", "dimension")

    code = models.CharField(max_length=16, db_index=True, help_text="UN/ECE Rec 20 code where one exists")
    name = models.CharField(max_length=100, blank=True)
    dimension = models.CharField(max_length=16, choices=Dimension.choices, default=Dimension.COUNT)

    history = tracked()

    class Meta(GoldenRecord.Meta):
        verbose_name = "unit of measure"
        verbose_name_plural = "units of measure"


class Supplier(GoldenRecord):
    ENTITY = "supplier"
    ID_PREFIX = "SUP"
    ATTRIBUTES = ("name", "tax_id", "duns", *ADDRESS_FIELDS, "phone", "email", "website")

    name = models.CharField(max_length=200, db_index=True)
    tax_id = models.CharField(max_length=32, blank=True, db_index=True)
    duns = models.CharField(max_length=9, blank=True, db_index=True)
    address_line1 = models.CharField(max_length=200, blank=True)
    address_line2 = models.CharField(max_length=200, blank=True)
    city = models.CharField(max_length=100, blank=True)
    region = models.CharField(max_length=100, blank=True)
    postal_code = models.CharField(max_length=20, blank=True)
    country = models.CharField(max_length=2, blank=True, help_text="ISO 3166-1 alpha-2")
    phone = models.CharField(max_length=32, blank=True, help_text="E.164")
    email = models.EmailField(blank=True)
    website = models.CharField(max_length=200, blank=True)

    history = tracked()


class Product(GoldenRecord):
    ENTITY = "product"
    ID_PREFIX = "PRD"
    ATTRIBUTES = (
        "gtin", "name", "brand", "manufacturer", "mpn", "category", "base_uom", "net_weight", "weight_uom",
    )

    gtin = models.CharField(max_length=14, blank=True, db_index=True, help_text="GTIN-14")
    name = models.CharField(max_length=300, db_index=True)
    brand = models.CharField(max_length=100, blank=True)
    manufacturer = models.CharField(max_length=200, blank=True)
    mpn = models.CharField(max_length=64, blank=True, db_index=True)
    category = models.CharField(max_length=200, blank=True)
    base_uom = models.CharField(max_length=16, blank=True, help_text="Hub unit code, e.g. EA")
    net_weight = models.DecimalField(max_digits=18, decimal_places=6, null=True, blank=True)
    weight_uom = models.CharField(max_length=16, blank=True)
    suppliers = models.ManyToManyField(Supplier, through="ProductSupplier", related_name="products")

    history = tracked()


class ProductSupplier(models.Model):
    """A supplier that sells a product, with the supplier's own item number and lead time."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="supplier_links")
    supplier = models.ForeignKey(Supplier, on_delete=models.PROTECT, related_name="product_links")
    supplier_item_number = models.CharField(max_length=64, blank=True)
    lead_time_days = models.PositiveIntegerField(null=True, blank=True)
    source_record = models.ForeignKey(
        "mdm.SourceRecord", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = tracked()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["product", "supplier"], name="uniq_product_supplier"),
        ]

    def __str__(self) -> str:
        return f"{self.product_id} <- {self.supplier_id}"


class LocationType(models.TextChoices):
    WAREHOUSE = "warehouse", "Warehouse"
    DISTRIBUTION_CENTER = "distribution_center", "Distribution center"
    STORE = "store", "Store"
    SUPPLIER_SITE = "supplier_site", "Supplier site"
    CUSTOMER_SITE = "customer_site", "Customer site"


class Location(GoldenRecord):
    ENTITY = "location"
    ID_PREFIX = "LOC"
    ATTRIBUTES = (
        "code", "name", "location_type", *ADDRESS_FIELDS, "latitude", "longitude", "timezone", "parent",
    )

    code = models.CharField(max_length=32, blank=True, db_index=True)
    name = models.CharField(max_length=200, db_index=True)
    location_type = models.CharField(max_length=32, choices=LocationType.choices, blank=True)
    address_line1 = models.CharField(max_length=200, blank=True)
    address_line2 = models.CharField(max_length=200, blank=True)
    city = models.CharField(max_length=100, blank=True)
    region = models.CharField(max_length=100, blank=True)
    postal_code = models.CharField(max_length=20, blank=True)
    country = models.CharField(max_length=2, blank=True)
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    timezone = models.CharField(max_length=64, blank=True)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="children")

    history = tracked()
