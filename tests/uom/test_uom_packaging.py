"""Packaging hierarchies: validation rules, storage with history, and the conversions they imply."""
from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from django.core.exceptions import ValidationError

from mdm.uom import services
from mdm.uom.conversions import PackLevel, validate_packaging
from mdm.uom.models import PackagingLevel

# GTIN-13 of an item and GTIN-14s of its inner, case and pallet (indicator digits 1, 2, 3).
EACH_GTIN = "4006381333931"
INNER_GTIN = "14006381333938"
CASE_GTIN = "24006381333935"
PALLET_GTIN = "34006381333932"


def pack(level, unit, quantity, gtin="", weight=None):
    return PackLevel(level=level, unit=unit, quantity=quantity, gtin=gtin,
                     gross_weight_kg=Fraction(weight) if weight is not None else None)


def test_a_sound_hierarchy_has_no_errors():
    levels = [pack("each", "EA", 1, EACH_GTIN, "0.52"), pack("inner", "PK", 6, INNER_GTIN, "3.2"),
              pack("case", "CS", 2, CASE_GTIN, "6.6"), pack("pallet", "PF", 40, "", "290")]
    assert validate_packaging(levels, base_unit="EA", net_weight_kg=Fraction("0.5")) == []


def test_gtins_must_be_valid_and_distinct_per_level():
    errors = validate_packaging(
        [pack("each", "EA", 1, EACH_GTIN), pack("case", "CS", 12, EACH_GTIN), pack("pallet", "PF", 40, "12345")],
        base_unit="EA",
    )
    assert f"case: GTIN {EACH_GTIN} is already the GTIN of the each level" in errors
    assert "pallet: GTIN 12345 is not a valid GTIN (length or check digit)" in errors
    wrong_check_digit = CASE_GTIN[:-1] + str((int(CASE_GTIN[-1]) + 1) % 10)
    assert validate_packaging([pack("case", "CS", 12, wrong_check_digit)], base_unit="EA") == [
        f"case: GTIN {wrong_check_digit} is not a valid GTIN (length or check digit)"
    ]


@pytest.mark.parametrize("quantity", [0, -12, 1.5, "12", None, True])
def test_quantities_must_be_positive_integers(quantity):
    errors = validate_packaging([pack("each", "EA", 1), pack("case", "CS", quantity)], base_unit="EA")
    assert errors == [f"case: quantity of the level below must be a positive integer, not {quantity!r}"]


def test_the_level_in_the_base_unit_holds_one_and_levels_are_not_repeated():
    assert validate_packaging([pack("each", "EA", 2)], base_unit="EA") == [
        "each: the level in the base unit EA holds 1, not 2"
    ]
    errors = validate_packaging([pack("case", "CS", 12), pack("case", "PF", 4)], base_unit="EA")
    assert errors == ["packaging level case is given 2 times"]


def test_a_case_that_weighs_less_than_its_contents_is_refused():
    errors = validate_packaging([pack("each", "EA", 1, weight="0.52"), pack("case", "CS", 12, weight="5")],
                                base_unit="EA")
    assert errors == ["case: gross weight 5 kg is less than its contents (12 x each 0.52 kg)"]


def test_within_two_percent_under_the_contents_is_tolerated():
    levels = [pack("each", "EA", 1, weight="0.5"), pack("case", "CS", 12, weight="5.9")]  # 6 kg - 1.7 %
    assert validate_packaging(levels, base_unit="EA") == []


def test_packaging_heavier_than_the_allowance_is_refused_but_a_pallet_may_carry_its_tare():
    too_heavy_case = [pack("each", "EA", 1, weight="1"), pack("case", "CS", 10, weight="12.6")]
    assert validate_packaging(too_heavy_case, base_unit="EA") == [
        "case: gross weight 12.6 kg is more than its contents (10 x each 1 kg) plus the packaging allowance "
        "(at most 12.5 kg)"
    ]
    light_goods_on_a_pallet = [pack("case", "CS", 12, weight="2"), pack("pallet", "PF", 40, weight="105")]
    assert validate_packaging(light_goods_on_a_pallet, base_unit="EA") == []


def test_the_lowest_level_is_checked_against_the_net_weight():
    errors = validate_packaging([pack("each", "EA", 1, weight="0.3")], base_unit="EA", net_weight_kg=Fraction(1, 2))
    assert errors == ["each: gross weight 0.3 kg is less than its contents (1 x net weight 0.5 kg)"]


@pytest.mark.django_db
def test_packaging_is_stored_with_history_and_drives_conversions(units, make_product, gloves_packaging):
    product = make_product()
    services.set_packaging(product=product, levels=gloves_packaging, reason="initial packs")
    assert services.convert("1", "PF", "EA", product=product).exact == 480
    assert services.convert(1, "CS", "GRM", product=product).exact == 6000  # through the net weight
    case = PackagingLevel.objects.get(product=product, level="case")
    assert case.gtin == "24006381333935" and case.gross_weight_kg == Decimal("6.5")
    assert case.history.get().history_change_reason == "initial packs"

    changed = [level for level in gloves_packaging if level["level"] != "pallet"]
    changed[1] = {**changed[1], "quantity_of_level_below": 24, "gross_weight_kg": "13"}
    services.set_packaging(product=product, levels=changed, reason="case of 24 from March")
    assert services.convert(1, "CS", "EA", product=product).exact == 24
    assert [h.quantity_of_level_below for h in case.history.order_by("history_date")] == [12, 24]
    deleted = PackagingLevel.history.get(product_id=product.pk, level="pallet", history_type="-")
    assert deleted.history_change_reason == "case of 24 from March"
    assert not PackagingLevel.objects.filter(product=product, level="pallet").exists()


@pytest.mark.django_db
def test_invalid_packaging_is_refused_whole(units, make_product, gloves_packaging):
    product = make_product()
    bad = [dict(level) for level in gloves_packaging]
    bad[1]["gtin"] = bad[0]["gtin"]
    bad[2]["quantity_of_level_below"] = 0
    with pytest.raises(ValidationError) as raised:
        services.set_packaging(product=product, levels=bad)
    assert raised.value.messages == [
        f"case: GTIN {EACH_GTIN} is already the GTIN of the each level",
        "pallet: quantity of the level below must be a positive integer, not 0",
    ]
    assert not PackagingLevel.objects.filter(product=product).exists()


@pytest.mark.django_db
def test_a_gtin_belongs_to_one_product_only(units, make_product, gloves_packaging):
    first = make_product("Gloves M")
    services.set_packaging(product=first, levels=gloves_packaging)
    second = make_product("Gloves L")
    with pytest.raises(ValidationError) as raised:
        services.set_packaging(product=second, levels=gloves_packaging[:1])
    assert raised.value.messages == [f"GTIN {EACH_GTIN} is already the each GTIN of product {first.golden_id}"]


@pytest.mark.django_db
def test_packaging_must_agree_with_the_products_own_conversions(units, make_product, gloves_packaging):
    product = make_product()
    services.set_conversion(from_unit="CS", to_unit="EA", factor=10, product=product)
    with pytest.raises(ValidationError) as raised:
        services.set_packaging(product=product, levels=gloves_packaging)
    assert raised.value.messages == ["CS->EA = 10 but CS->EA = 12 (case packaging)"]
