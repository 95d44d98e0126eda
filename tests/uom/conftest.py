"""Fixtures of the unit tests: the standard unit set and products to pack."""
from __future__ import annotations

from decimal import Decimal

import pytest

from mdm.models import Product
from mdm.services.golden import allocate_golden_ids
from mdm.uom.standard import install_standard_units

# GTIN-13 of an item and GTIN-14s of its inner, case and pallet (indicator digits 1, 2, 3).
EACH_GTIN = "4006381333931"
INNER_GTIN = "14006381333938"
CASE_GTIN = "24006381333935"
PALLET_GTIN = "34006381333932"


@pytest.fixture
def units(db) -> None:
    install_standard_units()


@pytest.fixture
def make_product(db):
    def make(name: str = "Nitrile gloves M", *, net_weight: str | None = "0.5", weight_uom: str = "KGM",
             base_uom: str = "EA", gtin: str = "") -> Product:
        [golden_id] = allocate_golden_ids(model=Product, count=1)
        return Product.objects.create(
            golden_id=golden_id, name=name, base_uom=base_uom, gtin=gtin,
            net_weight=Decimal(net_weight) if net_weight is not None else None, weight_uom=weight_uom,
        )

    return make


@pytest.fixture
def gloves_packaging() -> list[dict]:
    """each 0.52 kg; case of 12 (6.5 kg); pallet of 40 cases (290 kg)."""
    return [
        {"level": "each", "unit": "EA", "gtin": EACH_GTIN, "quantity_of_level_below": 1,
         "length_mm": "120", "width_mm": "80", "height_mm": "60", "gross_weight_kg": "0.52"},
        {"level": "case", "unit": "CS", "gtin": CASE_GTIN, "quantity_of_level_below": 12,
         "length_mm": "400", "width_mm": "300", "height_mm": "200", "gross_weight_kg": "6.5"},
        {"level": "pallet", "unit": "PF", "gtin": PALLET_GTIN, "quantity_of_level_below": 40,
         "length_mm": "1200", "width_mm": "800", "height_mm": "1400", "gross_weight_kg": "290"},
    ]
