"""Validation of incoming source records: typed values, and errors a data steward can act on."""
from decimal import Decimal

import pytest

from mdm.ingest.schema import ENTITY_FIELDS
from mdm.ingest.validation import (
    FieldError,
    json_pointer,
    missing_reference_error,
    validate_record,
)


def only_error(result):
    assert len(result.errors) == 1, result.errors
    return result.errors[0]


def supplier(**fields):
    return {"source_key": "V-1001", "name": "Acme", **fields}


def product(**fields):
    return {"source_key": "P-1", "name": "Bolt M8", **fields}


def location(**fields):
    return {"source_key": "L-1", "name": "Main DC", **fields}


def test_a_good_record_from_csv_is_typed():
    raw = {
        "source_key": " P-1 ", "name": " Bolt M8 ", "gtin": "4006381333931", "net_weight": "1.250",
        "lead_time_days": " 14 ", "base_uom": "EA", "brand": "", "deleted": "false",
    }
    result = validate_record("product", raw)
    assert result.ok
    assert result.values == {
        "source_key": "P-1", "name": "Bolt M8", "gtin": "4006381333931", "net_weight": Decimal("1.250"),
        "lead_time_days": 14, "base_uom": "EA", "deleted": False,
    }


def test_a_good_record_from_json_is_typed_without_floats():
    result = validate_record(
        "location", {"source_key": "L-1", "name": "DC", "latitude": 48.137154, "longitude": 11, "deleted": True}
    )
    assert result.ok
    assert result.values["latitude"] == Decimal("48.137154")
    assert isinstance(result.values["longitude"], Decimal)
    assert result.values["deleted"] is True


def test_all_errors_of_a_record_are_reported():
    result = validate_record("product", {"gtin": "123", "lead_time_days": "soon", "colour": "red"})
    assert not result.ok
    assert {(e.pointer, e.code) for e in result.errors} == {
        ("/colour", "unknown_field"),
        ("/source_key", "required"),
        ("/name", "required"),
        ("/gtin", "invalid_gtin"),
        ("/lead_time_days", "not_a_number"),
    }


# --- source key ------------------------------------------------------------------------------


@pytest.mark.parametrize("missing", [{}, {"source_key": ""}, {"source_key": "   "}, {"source_key": None}])
def test_source_key_is_required(missing):
    error = only_error(validate_record("uom", {"code": "EA", **missing}))
    assert error == FieldError("/source_key", "required", "source key is required")


def test_a_whole_number_source_key_is_read_as_text():
    result = validate_record("uom", {"code": "EA", "source_key": 1001})
    assert result.errors == [] and result.values["source_key"] == "1001"


@pytest.mark.parametrize("value", [1001.5, True, ["K-1"], {"id": 1}])
def test_source_key_must_be_text(value):
    error = only_error(validate_record("uom", {"code": "EA", "source_key": value}))
    assert (error.pointer, error.code) == ("/source_key", "invalid_source_key")
    assert "must be text" in error.message


def test_source_key_length():
    error = only_error(validate_record("uom", {"code": "EA", "source_key": "K" * 129}))
    assert (error.pointer, error.code) == ("/source_key", "too_long")
    assert "129 characters" in error.message and "128" in error.message


def test_source_key_without_control_characters():
    error = only_error(validate_record("uom", {"code": "EA", "source_key": "K\x001"}))
    assert (error.pointer, error.code) == ("/source_key", "invalid_source_key")
    assert "K\\x001" in error.message


# --- fields ----------------------------------------------------------------------------------


def test_unknown_field_with_escaped_pointer():
    error = only_error(validate_record("supplier", supplier(**{"fax/number~2": "123"})))
    assert error.pointer == "/fax~1number~02"
    assert error.code == "unknown_field"
    assert "fax/number~2" in error.message and "supplier" in error.message


@pytest.mark.parametrize("empty", ["", "  ", None])
def test_required_field(empty):
    error = only_error(validate_record("supplier", supplier(name=empty)))
    assert error == FieldError("/name", "required", "name is required")


def test_missing_optional_fields_are_left_out():
    result = validate_record("supplier", supplier(email="", phone=None))
    assert result.ok
    assert "email" not in result.values and "phone" not in result.values


def test_too_long():
    error = only_error(validate_record("supplier", supplier(duns="1234567890")))
    assert (error.pointer, error.code) == ("/duns", "too_long")
    assert error.message == "DUNS number '1234567890' is 10 characters long; at most 9 allowed"


def test_text_fields_reject_structures_but_accept_json_numbers():
    error = only_error(validate_record("supplier", supplier(city=["Berlin"])))
    assert (error.pointer, error.code) == ("/city", "invalid_type")
    assert "Berlin" in error.message
    result = validate_record("supplier", supplier(duns=150483782))
    assert result.ok and result.values["duns"] == "150483782"


@pytest.mark.parametrize("value", ["soon", "12.5", "1e3", True])
def test_int_not_a_number(value):
    error = only_error(validate_record("product", product(lead_time_days=value)))
    assert error.pointer == "/lead_time_days"
    assert error.code in {"not_a_number", "invalid_type"}
    assert str(value) in error.message


def test_int_accepts_integral_json_numbers_and_spaced_text():
    assert validate_record("product", product(lead_time_days=7.0)).values["lead_time_days"] == 7
    assert validate_record("product", product(lead_time_days="1 000")).values["lead_time_days"] == 1000


def test_int_out_of_range():
    error = only_error(validate_record("product", product(lead_time_days="4000")))
    assert error == FieldError(
        "/lead_time_days", "out_of_range", "lead time (days) 4000 is out of range (0 to 3650)"
    )


@pytest.mark.parametrize(("value", "number"), [
    ("12,5", "12.5"), ("1.234,5", "1234.5"), ("1,234.5", "1234.5"), ("1 234,5", "1234.5"), ("0,500", "0.500"),
])
def test_decimal_in_either_convention_of_separators(value, number):
    result = validate_record("product", product(net_weight=value))
    assert result.errors == [] and result.values["net_weight"] == Decimal(number)


def test_decimal_that_could_be_thousands_or_a_fraction_is_rejected_with_a_hint():
    error = only_error(validate_record("product", product(net_weight="1,500")))
    assert (error.pointer, error.code) == ("/net_weight", "ambiguous_number")
    assert "'1,500'" in error.message and "1500 or 1.5" in error.message


def test_gtin_in_scientific_notation_says_a_spreadsheet_lost_its_digits():
    error = only_error(validate_record("product", product(gtin="4.00638E+12")))
    assert (error.pointer, error.code) == ("/gtin", "invalid_gtin")
    assert "scientific notation" in error.message and "as text" in error.message


@pytest.mark.parametrize("value", ["heavy", "NaN", "Infinity", float("nan"), "1.2.3"])
def test_decimal_not_a_number(value):
    error = only_error(validate_record("product", product(net_weight=value)))
    assert (error.pointer, error.code) == ("/net_weight", "not_a_number")
    assert str(value) in error.message


def test_decimal_out_of_range():
    error = only_error(validate_record("location", location(latitude="123.5")))
    assert error == FieldError("/latitude", "out_of_range", "latitude 123.5 is out of range (-90 to 90)")
    error = only_error(validate_record("product", product(net_weight="-0.5")))
    assert error == FieldError("/net_weight", "out_of_range", "net weight -0.5 is out of range (must be at least 0)")


@pytest.mark.parametrize("value", ["Warehouse", "WAREHOUSE", "Distribution Center", "distribution-center"])
def test_choice_is_case_insensitive_and_returns_the_canonical_value(value):
    result = validate_record("location", location(location_type=value))
    assert result.ok
    assert result.values["location_type"] in {"warehouse", "distribution_center"}


def test_invalid_choice():
    error = only_error(validate_record("location", location(location_type="depot")))
    assert (error.pointer, error.code) == ("/location_type", "invalid_choice")
    assert "'depot'" in error.message and "warehouse" in error.message


def test_gtin_check_digit_error_names_both_digits():
    error = only_error(validate_record("product", product(gtin="4006381333932")))
    assert error == FieldError(
        "/gtin", "invalid_gtin_check_digit", "GTIN 4006381333932 has a wrong check digit: expected 1, got 2"
    )


@pytest.mark.parametrize("value", ["12345", "40063813339X1", "0000000000000"])
def test_invalid_gtin(value):
    error = only_error(validate_record("product", product(gtin=value)))
    assert (error.pointer, error.code) == ("/gtin", "invalid_gtin")
    assert value in error.message


def test_gtin_accepts_separators_and_json_numbers():
    assert validate_record("product", product(gtin="400-6381-33393 1")).values["gtin"] == "4006381333931"
    assert validate_record("product", product(gtin=4006381333931)).values["gtin"] == "4006381333931"


def test_invalid_country():
    error = only_error(validate_record("supplier", supplier(country="XX")))
    assert error == FieldError("/country", "invalid_country", "country 'XX' is not an ISO 3166 country code")


@pytest.mark.parametrize("value", ["DEU", "germany", "de"])
def test_country_spellings_are_accepted(value):
    assert validate_record("supplier", supplier(country=value)).ok


@pytest.mark.parametrize("value", ["jane@acme", "jane.acme.com", "jane@@acme.com", ".jane@acme.com", "ja ne@acme.com",
                                   "jane..doe@acme.com"])
def test_invalid_email(value):
    error = only_error(validate_record("supplier", supplier(email=value)))
    assert (error.pointer, error.code) == ("/email", "invalid_email")
    assert value in error.message


@pytest.mark.parametrize("value", ["jane.doe@acme.com", "Sales+EU@sub.acme.co.uk", "o'brien@acme.ie"])
def test_valid_email(value):
    assert validate_record("supplier", supplier(email=value)).ok


@pytest.mark.parametrize("value", ["acme.com", "www.acme.com/de", "https://acme.com", "http://shop.acme.co.uk:8080/x?y=1"])
def test_valid_url(value):
    assert validate_record("supplier", supplier(website=value)).ok


@pytest.mark.parametrize("value", ["acme", "ftp://acme.com", "https://", "http://acme .com", "https://-acme.com",
                                   "http://10.0.0.1", "https://acme.com:99999"])
def test_invalid_url(value):
    error = only_error(validate_record("supplier", supplier(website=value)))
    assert (error.pointer, error.code) == ("/website", "invalid_url")
    assert value in error.message


def test_phone_needs_a_country_or_prefix():
    error = only_error(validate_record("supplier", supplier(phone="030 123456")))
    assert error == FieldError(
        "/phone", "invalid_phone",
        "phone '030 123456' needs a country, an international +prefix or a default country of the system",
    )
    assert validate_record("supplier", supplier(phone="+49 30 123456")).ok
    assert validate_record("supplier", supplier(phone="030 123456", country="DE")).ok
    assert validate_record("supplier", supplier(phone="030 123456"), default_country="DE").ok
    # The record's own country wins over the system's.
    error = only_error(validate_record("supplier", supplier(phone="030 123456", country="US"), default_country="DE"))
    assert (error.code, error.message) == ("invalid_phone", "phone '030 123456' is not a possible phone number in US")


def test_an_email_field_with_a_display_name_or_several_addresses_keeps_the_first_valid_one():
    for value, kept in (("ACME Sales <Sales@Acme.com>", "Sales@Acme.com"), ("a@x.com; b@x.com", "a@x.com"),
                        ("mailto:a@x.com", "a@x.com"), ("not-an-email; b@x.com", "b@x.com")):
        result = validate_record("supplier", supplier(email=value))
        assert result.errors == [] and result.values["email"] == kept, value


def test_a_phone_field_with_several_numbers_keeps_the_first_possible_one():
    result = validate_record("supplier", supplier(phone="12 / +49 30 1234567 / +49 30 7654321"))
    assert result.errors == [] and result.values["phone"] == "+49 30 1234567"


def test_impossible_phone():
    error = only_error(validate_record("supplier", supplier(phone="12", country="US")))
    assert error == FieldError("/phone", "invalid_phone", "phone '12' is not a possible phone number in US")


def test_units_are_looked_up_in_the_system():
    units = {"EA": "EA", "STK": "EA", "KG": "KGM"}
    result = validate_record("product", product(base_uom="STK", weight_uom="KG"), known_units=units.get)
    assert result.ok
    assert (result.values["base_uom"], result.values["weight_uom"]) == ("EA", "KGM")
    error = only_error(
        validate_record("product", product(base_uom="BOX"), known_units=units.get, system_code="ERP")
    )
    assert error == FieldError("/base_uom", "unknown_unit", "unknown unit BOX for system ERP")


def test_reference_is_checked_for_type_and_length_only():
    assert validate_record("product", product(supplier_key="V-9999")).values["supplier_key"] == "V-9999"
    error = only_error(validate_record("product", product(supplier_key="V" * 129)))
    assert (error.pointer, error.code) == ("/supplier_key", "too_long")


def test_missing_reference_error():
    assert missing_reference_error("supplier_key", "V-1001", "ERP") == FieldError(
        "/supplier_key", "missing_reference", "supplier V-1001 is not known in system ERP"
    )
    parent = next(spec for spec in ENTITY_FIELDS["location"] if spec.name == "parent_key")
    assert missing_reference_error(parent, "L-9", "WMS").message == "location L-9 is not known in system WMS"
    with pytest.raises(ValueError):
        missing_reference_error("name", "x", "ERP")


@pytest.mark.parametrize(("value", "expected"), [("true", True), ("1", True), ("TRUE", True), (1, True),
                                                 ("false", False), ("0", False), (False, False)])
def test_deleted_flag(value, expected):
    assert validate_record("uom", {"source_key": "EA", "code": "EA", "deleted": value}).values["deleted"] is expected


def test_deleted_flag_invalid():
    error = only_error(validate_record("uom", {"source_key": "EA", "code": "EA", "deleted": "maybe"}))
    assert error == FieldError("/deleted", "invalid_type", "deleted 'maybe' is not true or false")


def test_json_pointer_escaping():
    assert json_pointer("a/b", "m~n") == "/a~1b/m~0n"


def test_unknown_entity_is_a_programming_error():
    with pytest.raises(ValueError):
        validate_record("customer", {})
