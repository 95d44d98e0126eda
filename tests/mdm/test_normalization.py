"""Canonical forms that golden records show and matching compares."""
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mdm.normalization import (
    COUNTRIES,
    AmbiguousNumber,
    country_name,
    decimal_convention,
    email_candidates,
    email_domain,
    gtin_check_digit,
    is_valid_gtin,
    normalize_address_line,
    normalize_company_name,
    normalize_country,
    normalize_email,
    normalize_gtin,
    normalize_phone,
    normalize_postal_code,
    normalize_record,
    normalize_text,
    normalize_website,
    parse_decimal_text,
    phone_candidates,
    postal_code_key,
    strip_legal_form,
    website_host,
)

# --- text ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  Crème   Brûlée ", "creme brulee"),
        ("Großhandel Straße", "grosshandel strasse"),
        ("Øresund Æble", "oresund aeble"),
        ("ŁÓDŹ", "lodz"),
        ("ACME, Inc. (Europe)/Sales-Dept", "acme inc europe sales dept"),
        ("McDonald's", "mcdonalds"),
        ("Ｆｕｌｌｗｉｄｔｈ ﬁne", "fullwidth fine"),
        ("tab\tand\nnewline", "tab and newline"),
        ("", ""),
    ],
)
def test_normalize_text(raw, expected):
    assert normalize_text(raw) == expected


@given(st.text())
def test_normalize_text_is_idempotent(s):
    once = normalize_text(s)
    assert normalize_text(once) == once


# --- company names ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "core", "legal_form"),
    [
        ("Acme, Inc.", "Acme", "Inc"),
        ("ACME INC", "ACME", "Inc"),
        ("Acme Incorporated", "Acme", "Inc"),
        ("Acme Corp.", "Acme", "Corp"),
        ("Acme Corporation", "Acme", "Corp"),
        ("Ford Motor Company", "Ford Motor", "Co"),
        ("Smith & Co.", "Smith", "Co"),
        ("Acme Co., Ltd.", "Acme", "Co Ltd"),
        ("Acme L.L.C.", "Acme", "LLC"),
        ("Acme LLC", "Acme", "LLC"),
        ("Acme Limited", "Acme", "Ltd"),
        ("Tesco PLC", "Tesco", "PLC"),
        ("Bosch GmbH", "Bosch", "GmbH"),
        ("Acme GmbH & Co. KG", "Acme", "GmbH & Co. KG"),
        ("Acme GmbH & Co KG", "Acme", "GmbH & Co. KG"),
        ("Siemens AG", "Siemens", "AG"),
        ("Müller KG", "Müller", "KG"),
        ("Acme S.A.", "Acme", "SA"),
        ("Acme SA", "Acme", "SA"),
        ("Acme S.A.S.", "Acme", "SAS"),
        ("Acme SARL", "Acme", "SARL"),
        ("Acme S.à r.l.", "Acme", "SARL"),
        ("Acme S.r.l.", "Acme", "Srl"),
        ("Acme S.p.A.", "Acme", "SpA"),
        ("Philips B.V.", "Philips", "BV"),
        ("Acme N.V.", "Acme", "NV"),
        ("Acme Pty Ltd", "Acme", "Pty Ltd"),
        ("Acme Pty. Ltd.", "Acme", "Pty Ltd"),
        ("Kone Oy", "Kone", "Oy"),
        ("Volvo AB", "Volvo", "AB"),
        ("Maersk A/S", "Maersk", "A/S"),
        ("Acme ApS", "Acme", "ApS"),
        ("Acme Sp. z o.o.", "Acme", "Sp. z o.o."),
        ("Acme K.K.", "Acme", "KK"),
        ("Acme LLP", "Acme", "LLP"),
        ("Acme LP", "Acme", "LP"),
        ("The Boeing Company", "Boeing", "Co"),
    ],
)
def test_strip_legal_form_recognises_suffixes(name, core, legal_form):
    assert strip_legal_form(name) == (core, legal_form)


@pytest.mark.parametrize(
    "name",
    ["Co-operative Bank", "AB Foods", "Incorporated Television", "Limited Brands Group", "Johnson & Johnson",
     "Corpus Christi Tools", "Asahi Kasei"],
)
def test_strip_legal_form_leaves_legal_words_inside_a_name(name):
    assert strip_legal_form(name) == (name, "")


def test_strip_legal_form_only_strips_the_final_form():
    assert strip_legal_form("AB Foods Ltd") == ("AB Foods", "Ltd")
    assert strip_legal_form("Inc Media GmbH") == ("Inc Media", "GmbH")


def test_strip_legal_form_never_empties_a_name_that_is_only_a_legal_form():
    assert strip_legal_form("Company") == ("Company", "")
    assert strip_legal_form("The") == ("The", "")


@given(st.text(min_size=1).filter(lambda s: s.strip()))
def test_strip_legal_form_never_returns_empty_core(name):
    core, _ = strip_legal_form(name)
    assert core.strip()


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("ACME Int'l Mfg. & Svcs, Inc.", "Acme International Manufacturing and Services"),
        ("The Acme Company", "ACME"),
        ("Müller Distribution GmbH", "MULLER DIST."),
        ("Smith Bros Ltd", "Smith Brothers Limited"),
    ],
)
def test_normalize_company_name_makes_spellings_of_one_company_equal(a, b):
    assert normalize_company_name(a) == normalize_company_name(b)


def test_normalize_company_name_keeps_ambiguous_abbreviations():
    assert normalize_company_name("Acme Ind. Tech") == "acme ind tech"


# --- addresses -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("123 North Main Street, Suite 5", "123 N. Main St. Ste 5", "123 n main st ste 5"),
        ("500 Fifth Avenue, Floor 3", "500 fifth ave fl 3", "500 fifth ave fl 3"),
        ("1 Sunset Boulevard", "1 Sunset Blvd", "1 sunset blvd"),
        ("7 Mill Road", "7 Mill Rd.", "7 mill rd"),
        ("9 Oak Drive", "9 oak dr", "9 oak dr"),
        ("4 Elm Lane", "4 ELM LN", "4 elm ln"),
        ("Hauptstraße 5", "Hauptstr. 5", "hauptstr 5"),
        ("Berliner Strasse 12", "Berliner Str. 12", "berliner str 12"),
        ("P.O. Box 12", "PO Box 12", "po box 12"),
        ("Post Office Box 12", "POBox 12", "po box 12"),
    ],
)
def test_normalize_address_line_uses_short_forms(a, b, expected):
    assert normalize_address_line(a) == expected
    assert normalize_address_line(b) == expected


# --- phones ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("country", "spellings", "e164"),
    [
        ("US", ["(212) 555-0123", "212.555.0123", "+1 212 555 0123", "1-212-555-0123", "212 555 0123 ext. 45"],
         "+12125550123"),
        ("GB", ["020 7946 0018", "+44 20 7946 0018", "+44 (0)20 7946 0018", "0044 20 7946 0018"],
         "+442079460018"),
        ("DE", ["030 123456", "030/123456", "+49 30 123456", "0049 (30) 123456"], "+4930123456"),
        ("FR", ["01 23 45 67 89", "01.23.45.67.89", "+33 1 23 45 67 89"], "+33123456789"),
        ("AU", ["(02) 9876 5432", "02 9876 5432", "+61 2 9876 5432"], "+61298765432"),
    ],
)
def test_normalize_phone_gives_one_e164_for_national_and_international_spellings(country, spellings, e164):
    assert {normalize_phone(s, country) for s in spellings} == {e164}


def test_normalize_phone_reads_international_numbers_without_a_country():
    assert normalize_phone("+49 30 123456", None) == "+4930123456"
    assert normalize_phone("0049 30 123456", None) == "+4930123456"
    # an international number given for a record in another country keeps its own country code
    assert normalize_phone("+44 20 7946 0018", "US") == "+442079460018"


@pytest.mark.parametrize(("value", "country"), [("12", "US"), ("call us", "DE"), ("030 123456", None), ("", "GB")])
def test_normalize_phone_rejects_impossible_numbers(value, country):
    assert normalize_phone(value, country) is None


# --- postal codes ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "country", "display", "key"),
    [
        ("sw1a1aa", "GB", "SW1A 1AA", "SW1A1AA"),
        (" SW1A  1AA ", "GB", "SW1A 1AA", "SW1A1AA"),
        ("k1a0b1", "CA", "K1A 0B1", "K1A0B1"),
        ("1234ab", "NL", "1234 AB", "1234AB"),
        ("123456789", "US", "12345-6789", "12345"),
        ("12345 6789", "US", "12345-6789", "12345"),
        ("02134", "US", "02134", "02134"),
        ("80331", "DE", "80331", "80331"),
        ("75008 ", "FR", "75008", "75008"),
    ],
)
def test_postal_code_display_and_key(value, country, display, key):
    assert normalize_postal_code(value, country) == display
    assert postal_code_key(value, country) == key


# --- GTIN ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "gtin",
    ["96385074", "036000291452", "4006381333931", "10036000291459", "400-6381-333931", "4006381 333931"],
)
def test_valid_gtins_of_every_length(gtin):
    assert is_valid_gtin(gtin)
    assert normalize_gtin(gtin) == "".join(c for c in gtin if c.isdigit()).zfill(14)


@pytest.mark.parametrize(
    "gtin",
    ["96385075", "036000291453", "4006381333932", "10036000291458", "400638133393", "40063813339311", "ABC",
     "400638133393X", "", "0000000000000", "123456789"],
)
def test_invalid_gtins(gtin):
    assert not is_valid_gtin(gtin)
    assert normalize_gtin(gtin) is None


def test_upc_that_lost_its_leading_zero_in_a_spreadsheet_is_padded_back():
    assert is_valid_gtin("36000291452")
    assert normalize_gtin("36000291452") == "00036000291452"
    assert not is_valid_gtin("36000291453")


@pytest.mark.parametrize(("text", "number"), [
    ("12.5", "12.5"), ("12,5", "12.5"), ("-0,25", "-0.25"), (",5", "0.5"), ("52,520008", "52.520008"),
    ("1,234.5", "1234.5"), ("1.234,5", "1234.5"), ("1,234,567", "1234567"), ("1.234.567", "1234567"),
    ("1 234,5", "1234.5"), ("1\u00a0234,5", "1234.5"), ("1.500", "1.500"), ("0,500", "0.500"),
])
def test_numbers_in_either_convention_of_separators(text, number):
    assert parse_decimal_text(text) == Decimal(number)


@pytest.mark.parametrize("text", ["1,500", "-12,000"])
def test_one_comma_before_three_digits_is_ambiguous(text):
    with pytest.raises(AmbiguousNumber):
        parse_decimal_text(text)


@pytest.mark.parametrize("text", ["abc", "1.2.3", "1,5,5", "12,34.5", "NaN", "Infinity", ""])
def test_what_is_no_number(text):
    assert parse_decimal_text(text) is None


@pytest.mark.parametrize(("texts", "decimal_comma"), [
    (["0,37", "1,500", "12"], True), (["1.234,5"], True), (["12,25", "3"], True),
    (["0.37", "1,500"], False), (["1,234.5"], False),
    (["1,500", "2,000"], None), (["0,37", "0.5"], None), (["12.125"], None), ([], None),
])
def test_a_files_decimal_convention_is_learnt_from_its_numbers(texts, decimal_comma):
    assert decimal_convention(texts) is decimal_comma


@pytest.mark.parametrize(("text", "comma", "point"), [
    ("1,500", "1.5", "1500"), ("1.500", "1500", "1.500"), ("0,375", "0.375", "0.375"),
    ("1.234,5", "1234.5", "1234.5"), ("1,234,567", "1234567", "1234567"), ("12,5", "12.5", "12.5"),
])
def test_numbers_read_in_a_known_convention(text, comma, point):
    assert parse_decimal_text(text, True) == Decimal(comma)
    assert parse_decimal_text(text, False) == Decimal(point)


def test_the_addresses_an_email_field_may_hold():
    assert email_candidates("ACME Sales <Sales@Acme.com>")[1:] == ["Sales@Acme.com"]
    assert email_candidates("mailto:a@x.com")[1] == "a@x.com"
    assert email_candidates("a@x.com; b@x.com")[1:] == ["a@x.com", "b@x.com"]
    assert email_candidates("sales@acme.com") == ["sales@acme.com"]


def test_the_numbers_a_phone_field_may_hold():
    assert phone_candidates("+49 30 1234567 / +49 30 7654321")[1:] == ["+49 30 1234567", "+49 30 7654321"]
    assert phone_candidates("030 123456; 030 654321 or 030 111111")[1:] == ["030 123456", "030 654321", "030 111111"]
    assert phone_candidates("030/1234567") == ["030/1234567"]  # a slash inside a number is no list


@pytest.mark.parametrize(("value", "country", "expected"), [
    ("2110", "US", "02110"), ("210", "US", "00210"), ("1067", "DE", "01067"), ("800", "AU", "0800"),
    ("21", "US", "21"), ("2110", "GB", "2110"), ("02110-1234", "US", "02110-1234"),
])
def test_postal_codes_get_back_the_leading_zeros_a_spreadsheet_dropped(value, country, expected):
    assert normalize_postal_code(value, country) == expected


def test_gtin_check_digit():
    assert gtin_check_digit("400638133393") == 1
    assert gtin_check_digit("9638507") == 4
    assert gtin_check_digit("1003600029145") == 9


@given(st.sampled_from([8, 12, 13, 14]).flatmap(lambda n: st.text("0123456789", min_size=n - 1, max_size=n - 1)))
def test_normalize_gtin_pads_every_valid_gtin_to_a_valid_gtin14(body):
    gtin = body + str(gtin_check_digit(body))
    if gtin.strip("0") == "":
        assert normalize_gtin(gtin) is None
        return
    assert is_valid_gtin(gtin)
    gtin14 = normalize_gtin(gtin)
    assert gtin14 == gtin.zfill(14)
    assert is_valid_gtin(gtin14)


# --- countries -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "alpha2"),
    [
        ("de", "DE"), ("DE", "DE"), ("DEU", "DE"), ("Germany", "DE"), ("Deutschland", "DE"),
        ("usa", "US"), ("USA", "US"), ("United States", "US"), ("United States of America", "US"),
        ("UK", "GB"), ("GBR", "GB"), ("Great Britain", "GB"), ("United Kingdom", "GB"),
        ("FRA", "FR"), ("france", "FR"), ("Korea, Republic of", "KR"), ("South Korea", "KR"),
        ("Cote d'Ivoire", "CI"), ("Côte d’Ivoire", "CI"), ("  nld ", "NL"), ("Holland", "NL"),
    ],
)
def test_normalize_country(value, alpha2):
    assert normalize_country(value) == alpha2


@pytest.mark.parametrize("value", ["XX", "ZZZ", "Atlantis", "", None])
def test_normalize_country_unknown(value):
    assert normalize_country(value) is None


def test_country_table_is_complete_iso_3166_1():
    assert len(COUNTRIES) == 249
    assert all(normalize_country(alpha2) == alpha2 for alpha2 in COUNTRIES)
    assert all(normalize_country(alpha3) == alpha2 for alpha2, (alpha3, _) in COUNTRIES.items())
    assert all(normalize_country(name) == alpha2 for alpha2, (_, name) in COUNTRIES.items())
    assert country_name("ch") == "Switzerland"


# --- email and websites ----------------------------------------------------------------------


def test_email():
    assert normalize_email("  Jane.Doe@ACME.com ") == "jane.doe@acme.com"
    assert normalize_email("mailto:sales@acme.com") == "sales@acme.com"
    assert email_domain("Jane@Sub.ACME.com") == "sub.acme.com"
    assert email_domain("no-at-sign") == ""


@pytest.mark.parametrize(
    ("value", "canonical", "host"),
    [
        ("acme.com", "https://acme.com", "acme.com"),
        ("WWW.Acme.com/", "https://www.acme.com", "acme.com"),
        ("http://www.acme.com:80/de/?lang=de#top", "http://www.acme.com/de?lang=de", "acme.com"),
        ("HTTPS://Shop.Acme.co.uk:8443/Catalog/", "https://shop.acme.co.uk:8443/Catalog", "shop.acme.co.uk"),
    ],
)
def test_website(value, canonical, host):
    assert normalize_website(value) == canonical
    assert website_host(value) == host


# --- records ---------------------------------------------------------------------------------


def test_normalize_record_supplier():
    values = {
        "source_key": "V-1001",
        "name": "  Acme   Industries, Inc. ",
        "tax_id": "de 123 456 789",
        "duns": "15-048-3782",
        "address_line1": " 1 Main Street ",
        "city": "Springfield",
        "region": "il",
        "postal_code": "627011234",
        "country": "usa",
        "phone": "(217) 555-0100",
        "email": " Sales@ACME.com ",
        "website": "WWW.ACME.COM/",
    }
    assert normalize_record("supplier", values) == {
        "source_key": "V-1001",
        "name": "Acme Industries, Inc.",
        "tax_id": "DE123456789",
        "duns": "150483782",
        "address_line1": "1 Main Street",
        "city": "Springfield",
        "region": "IL",
        "postal_code": "62701-1234",
        "country": "US",
        "phone": "+12175550100",
        "email": "sales@acme.com",
        "website": "https://www.acme.com",
    }
    assert values["country"] == "usa", "the caller's values are not changed"


def test_normalize_record_product_and_location_and_uom():
    product = normalize_record("product", {
        "gtin": "4006381333931", "name": "Bolt M8", "base_uom": " ea ", "net_weight": Decimal("1.1234567"),
        "lead_time_days": 5, "supplier_key": " V-1001 ", "deleted": False,
    })
    assert product == {
        "gtin": "04006381333931", "name": "Bolt M8", "base_uom": "EA", "net_weight": Decimal("1.123457"),
        "lead_time_days": 5, "supplier_key": "V-1001", "deleted": False,
    }
    location = normalize_record("location", {"code": "dc 01", "name": "Main DC", "country": "Deutschland",
                                             "postal_code": "80331", "latitude": Decimal("48.1")})
    assert location == {"code": "DC01", "name": "Main DC", "country": "DE", "postal_code": "80331",
                        "latitude": Decimal("48.1")}
    assert normalize_record("uom", {"code": "kgm", "name": "kilogram", "dimension": "mass"}) == {
        "code": "KGM", "name": "kilogram", "dimension": "mass",
    }
