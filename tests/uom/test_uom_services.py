"""Unit services on PostgreSQL: standard units, conversions, rounding, system unit codes, demo data."""
from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from mdm.models import GoldenStatus, SourceRecord, UnitOfMeasure
from mdm.uom import demo, selectors, services
from mdm.uom.conversions import ConversionError, NoConversionPath
from mdm.uom.models import PackagingLevel, UnitConversion
from mdm.uom.standard import STANDARD_CONVERSIONS, STANDARD_UNITS
from sync.models import Event

pytestmark = pytest.mark.django_db


def test_seed_units_installs_the_standard_set_once(capsys):
    call_command("seed_units")
    assert f"Added {len(STANDARD_UNITS)} units and {len(STANDARD_CONVERSIONS)} global conversions" in (
        capsys.readouterr().out
    )
    call_command("seed_units")
    assert "Added 0 units and 0 global conversions" in capsys.readouterr().out
    kilogram = UnitOfMeasure.objects.get(code="KGM")
    assert kilogram.golden_id.startswith("UOM-") and kilogram.dimension == "mass"
    assert Event.objects.filter(entity="uom", golden_id=kilogram.golden_id, event_type="created").exists()


def test_global_conversions_are_derived_exactly(units):
    assert services.convert(1, "TNE", "MGM").exact == 10**9
    assert services.convert(1, "LBR", "GRM").result == Decimal("453.59237")
    assert services.convert(1, "ONZ", "GRM").exact == Fraction("28.349523125")
    gallon = services.convert("2.5", "GLL", "MLT")
    assert gallon.result == Decimal("9463.52946") and gallon.path == ("GLL", "LTR", "MLT")
    assert services.convert(3, "GRO", "DZN").exact == 36


def test_units_of_different_dimensions_do_not_convert_without_a_product(units):
    with pytest.raises(NoConversionPath, match="no conversion from EA to KGM"):
        services.convert(1, "EA", "KGM")


def test_a_conversion_that_disagrees_with_a_derived_one_is_refused_naming_both_paths(units):
    with pytest.raises(ValidationError) as raised:
        services.set_conversion(from_unit="KGM", to_unit="MGM", factor="999999")
    assert raised.value.messages == ["KGM->GRM->MGM = 1000000 but KGM->MGM = 999999 (new)"]
    consistent = services.set_conversion(from_unit="KGM", to_unit="MGM", factor=10**6)
    assert consistent.factor == 10**6


def test_a_global_conversion_stays_within_its_dimension(units):
    with pytest.raises(ValidationError, match="a global conversion stays within a dimension: EA is count"):
        services.set_conversion(from_unit="EA", to_unit="KGM", factor="0.5")
    with pytest.raises(ValidationError, match="XYZ is not an active hub unit"):
        services.set_conversion(from_unit="XYZ", to_unit="EA", factor=2)


def test_a_global_conversion_must_agree_with_every_products_packaging(units, make_product, gloves_packaging):
    product = make_product()
    services.set_packaging(product=product, levels=gloves_packaging)
    with pytest.raises(ValidationError) as raised:
        services.set_conversion(from_unit="PF", to_unit="EA", factor=500)
    assert raised.value.messages == [f"PF->CS->EA = 480 but PF->EA = 500 (new) (for product {product.golden_id})"]


def test_product_conversions_cross_dimensions_and_history_records_each_change(units, make_product):
    cable = make_product("Cable NYM 3x1.5", net_weight=None)
    row = services.set_conversion(from_unit="EA", to_unit="MTR", factor=50, product=cable, reason="roll of 50 m")
    assert services.convert(3, "EA", "CMT", product=cable).exact == 15000
    with pytest.raises(NoConversionPath):
        services.convert(3, "EA", "CMT")  # another product's roll length is not global
    services.set_conversion(from_unit="EA", to_unit="MTR", factor=100, product=cable, reason="roll of 100 m")
    history = row.history.order_by("history_date")
    assert [(h.numerator, h.history_change_reason) for h in history] == [(50, "roll of 50 m"), (100, "roll of 100 m")]
    assert UnitConversion.objects.filter(product=cable).count() == 1
    event = Event.objects.filter(entity="product", golden_id=cable.golden_id).latest("id")
    assert event.payload["conversions"] == [{"from": "EA", "to": "MTR", "factor": "100"}]


def test_rounding_happens_once_at_the_end_by_the_target_unit(units):
    one_twelfth = services.convert(1, "EA", "DZN")
    assert one_twelfth.exact == Fraction(1, 12) and one_twelfth.exact_text == "1/12"
    assert one_twelfth.result == Decimal("0.083333333333")
    services.set_unit_rounding(unit="DZN", decimal_places=2, mode="up")
    assert services.convert(1, "EA", "DZN").result == Decimal("0.09")
    # exact along the way: 7 EA -> DZN -> GRO -> EA is 7, not a rounded 6.99...
    assert services.convert(7, "EA", "GRO").exact * 144 == 7
    services.set_unit_rounding(unit="DZN", decimal_places=None)
    assert services.convert(1, "EA", "DZN").result == Decimal("0.083333333333")


def test_resolve_unit_reads_the_systems_crosswalk_then_hub_codes(units, wms, erp):
    services.link_unit_code(system=wms, code="PCS", unit="EA")
    assert selectors.resolve_unit("PCS", "WMS") == "EA"
    assert selectors.resolve_unit("pcs", "wms") == "EA"
    assert selectors.resolve_unit("PCS", "ERP") is None
    assert selectors.resolve_unit("kgm", "ERP") == "KGM"
    assert selectors.resolve_unit("KGM", None) == "KGM"
    assert selectors.resolve_unit("PCX", "WMS") is None
    assert selectors.unknown_unit_message("PCX", "WMS") == "unknown unit PCX for system WMS"


def test_a_retired_unit_is_no_longer_resolved(units, wms):
    services.link_unit_code(system=wms, code="PCS", unit="PR")
    pair = UnitOfMeasure.objects.get(code="PR")
    pair.status = GoldenStatus.RETIRED
    pair.save()
    assert selectors.resolve_unit("PR", None) is None
    assert selectors.resolve_unit("PCS", "WMS") is None


def test_linking_a_unit_code_writes_history_and_is_pushed(units, wms, steward):
    record = services.link_unit_code(system=wms, code="CASE", unit="PK", user=steward, reason="typo")
    services.link_unit_code(system=wms, code="case", unit="CS", user=steward, reason="CASE is a case")
    record.refresh_from_db()
    assert record.source_key == "CASE" and record.status == "linked"
    assert record.golden_id == UnitOfMeasure.objects.get(code="CS").golden_id
    latest = record.history.latest("history_date")
    assert latest.history_change_reason == "CASE is a case" and latest.history_user_id == steward.pk
    assert record.history.count() == 2
    event = Event.objects.filter(entity="uom", event_type="crosswalk_changed").latest("id")
    assert event.golden_id == record.golden_id and event.payload["keys"] == {"WMS": ["CASE"]}
    assert services.convert(2, "case", "CASE", system="WMS").path == ("CS",)


def test_convert_speaks_each_systems_codes(units, wms, erp, make_product, gloves_packaging):
    product = make_product()
    services.set_packaging(product=product, levels=gloves_packaging)
    services.link_unit_code(system=wms, code="PCS", unit="EA")
    services.link_unit_code(system=wms, code="PLT", unit="PF")
    services.link_unit_code(system=erp, code="PAL", unit="PF")
    assert services.convert(2, "PLT", "PCS", product=product.golden_id, system="WMS").exact == 960
    assert services.convert(2, "PAL", "EA", product=product, system=erp).exact == 960
    with pytest.raises(services.UnknownUnit, match="^unknown unit PCX for system WMS$"):
        services.convert(1, "PCX", "EA", product=product, system="WMS")
    with pytest.raises(services.UnknownProduct, match="unknown product PRD-999999"):
        services.convert(1, "CS", "EA", product="PRD-999999")
    with pytest.raises(ConversionError, match="not a quantity"):
        services.convert("three", "CS", "EA", product=product)


def test_convert_follows_a_merged_product_and_the_systems_own_product_key(units, wms, make_product, gloves_packaging):
    survivor = make_product("Gloves M")
    services.set_packaging(product=survivor, levels=gloves_packaging)
    victim = make_product("Gloves M (dup)")
    victim.status, victim.merged_into = GoldenStatus.MERGED, survivor
    victim.save()
    assert services.convert(1, "CS", "EA", product=victim.golden_id).product == survivor.golden_id
    SourceRecord.objects.create(system=wms, entity="product", source_key="SKU-77", status="linked",
                                golden_id=survivor.golden_id)
    assert services.convert(1, "CS", "EA", product="SKU-77", system="WMS").exact == 12


def test_demo_data_packs_products_and_installs_each_systems_codes(wms, erp, portal, make_product):
    products = [make_product(f"Demo item {i}", net_weight=str(Decimal("0.25") * (i + 1))) for i in range(12)]
    products.append(make_product("Bulk sand", base_uom="KGM", net_weight=None))
    summary = demo.create_demo_packaging(products, seed=7)
    assert summary.products_with_packaging == 12
    assert PackagingLevel.objects.count() == summary.levels
    for product in products[:12]:
        assert PackagingLevel.objects.filter(product=product, level="case").exists()
        case = services.convert(1, "CS", "EA", product=product)
        assert case.exact in (6, 12, 24, 8, 12, 16, 20, 24, 36, 40, 60)
    assert demo.install_demo_unit_codes([wms, erp, portal]) == sum(
        len(demo.SYSTEM_UNIT_CODES[kind]) for kind in ("wms", "erp", "supplier_portal")
    )
    assert selectors.resolve_unit("PCS", "WMS") == "EA"
    assert selectors.resolve_unit("EACH", "PORTAL") == "EA"
    assert selectors.resolve_unit("PAL", "ERP") == "PF"
    again = demo.create_demo_packaging(products, seed=7)
    assert again == summary
