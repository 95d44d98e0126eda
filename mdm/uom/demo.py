"""Demo data for units: packaging hierarchies, product-specific conversions, system unit codes.

Deterministic for a given seed, so demo screenshots and walkthroughs stay reproducible.
"""
from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

from django.db import transaction

from mdm.models import Product, SourceSystem, SystemKind

from . import selectors, services
from .conversions import gtin_check_digit_ok, to_decimal_string
from .standard import install_standard_units

# Each kind of system says units its own way; all of these mean the hub codes on the right.
SYSTEM_UNIT_CODES: dict[str, dict[str, str]] = {
    SystemKind.ERP: {"EA": "EA", "CS": "CS", "PAL": "PF", "KG": "KGM", "LB": "LBR", "L": "LTR", "M": "MTR"},
    SystemKind.WMS: {"PCS": "EA", "INNER": "PK", "CASE": "CS", "PLT": "PF", "KGS": "KGM", "MTR": "MTR"},
    SystemKind.SUPPLIER_PORTAL: {"EACH": "EA", "BOX": "PK", "CTN": "CS", "PALLET": "PF", "KILO": "KGM"},
    SystemKind.ECOMMERCE: {"PC": "EA", "PACK": "PK", "CASE": "CS", "KG": "KGM", "LB": "LBR"},
}


@dataclass(frozen=True)
class DemoPackagingSummary:
    products_with_packaging: int
    levels: int
    product_conversions: int


def with_check_digit(body: str) -> str:
    """A GTIN from its digits without the check digit."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return body + str((10 - total % 10) % 10)


def _each_gtin(product: Product) -> str:
    # A GTIN-14 whose indicator digit is already taken names a pack, not the each.
    if product.gtin and gtin_check_digit_ok(product.gtin) and product.gtin.zfill(14)[0] == "0":
        return product.gtin.zfill(14)
    # GS1 prefixes 20-29 are for restricted circulation: safe for made-up demo numbers
    return with_check_digit(f"2{product.pk:011d}").zfill(14)


def _level_gtin(each_gtin: str, indicator: int) -> str:
    """GTIN-14 of a packaging level: indicator digit + the item's digits + a new check digit."""
    return with_check_digit(f"{indicator}{each_gtin[1:13]}")


def _kg(value: Fraction) -> str:
    return to_decimal_string(value, places=4)


def _mm(value: float) -> str:
    return str(Decimal(value).quantize(Decimal("1")))


def packaging_for(product: Product, rng: random.Random) -> list[dict[str, Any]]:
    """A plausible hierarchy: each, sometimes an inner pack, a case, usually a pallet."""
    net_kg = services.net_weight_kg(product)
    each_weight = (net_kg or Fraction(rng.randint(50, 2000), 1000)) * Fraction(rng.randint(102, 110), 100)
    each_gtin = _each_gtin(product)
    side = [rng.randint(40, 250) for _ in range(3)]
    levels = [{
        "level": "each", "unit": "EA", "gtin": each_gtin, "quantity_of_level_below": 1,
        "length_mm": _mm(side[0]), "width_mm": _mm(side[1]), "height_mm": _mm(side[2]),
        "gross_weight_kg": _kg(each_weight),
    }]
    below_weight = Fraction(levels[-1]["gross_weight_kg"])
    if rng.random() < 0.4:
        quantity = rng.choice((4, 6, 10))
        below_weight = Fraction(_kg(below_weight * quantity * Fraction(103, 100)))
        levels.append({
            "level": "inner", "unit": "PK", "gtin": _level_gtin(each_gtin, 1),
            "quantity_of_level_below": quantity,
            "length_mm": _mm(side[0] * 2.1), "width_mm": _mm(side[1] * 1.1), "height_mm": _mm(side[2] * 2.1),
            "gross_weight_kg": _kg(below_weight),
        })
    quantity = rng.choice((2, 4, 6) if len(levels) > 1 else (6, 12, 24))
    case_weight = Fraction(_kg(below_weight * quantity * Fraction(rng.randint(103, 108), 100)))
    levels.append({
        "level": "case", "unit": "CS", "gtin": _level_gtin(each_gtin, 2), "quantity_of_level_below": quantity,
        "length_mm": _mm(side[0] * 3.2), "width_mm": _mm(side[1] * 2.2), "height_mm": _mm(side[2] * 2.1),
        "gross_weight_kg": _kg(case_weight),
    })
    if rng.random() < 0.8:
        # as many cases as fit under a 1 000 kg load, rounded down to a full layer of 10
        cases = max(10, min(rng.choice((40, 48, 60, 80)), int(975 // case_weight) // 10 * 10))
        levels.append({
            "level": "pallet", "unit": "PF", "gtin": _level_gtin(each_gtin, 3) if rng.random() < 0.5 else "",
            "quantity_of_level_below": cases, "length_mm": "1200", "width_mm": "800", "height_mm": "1500",
            "gross_weight_kg": _kg(case_weight * cases + 25),
        })
    return levels


@transaction.atomic
def create_demo_packaging(
    products: Iterable[Product], *, seed: int = 42, user: Any = None
) -> DemoPackagingSummary:
    """Packaging levels for each product counted in EA, and a few product-specific conversions."""
    install_standard_units(user=user)
    rng = random.Random(seed)
    packed = levels = conversions = 0
    for product in products:
        if selectors.product_base_unit(product) != "EA":
            continue
        hierarchy = packaging_for(product, rng)
        services.set_packaging(product=product, levels=hierarchy, user=user, reason="demo packaging")
        packed += 1
        levels += len(hierarchy)
        if rng.random() < 0.1:
            # rolls and coils are counted in EA but ordered by length
            metres = rng.choice((25, 50, 100))
            services.set_conversion(
                from_unit="EA", to_unit="MTR", factor=metres, product=product, note=f"roll of {metres} m",
                user=user, reason="demo conversion",
            )
            conversions += 1
    return DemoPackagingSummary(
        products_with_packaging=packed, levels=levels, product_conversions=conversions
    )


@transaction.atomic
def install_demo_unit_codes(systems: Iterable[SourceSystem], *, user: Any = None) -> int:
    """Each demo system's own unit codes, mapped to hub units by the system's kind."""
    install_standard_units(user=user)
    linked = 0
    for system in systems:
        for code, unit in SYSTEM_UNIT_CODES.get(system.kind, {}).items():
            services.link_unit_code(system=system, code=code, unit=unit, user=user, reason="demo unit codes")
            linked += 1
    return linked
