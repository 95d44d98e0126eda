"""Pure normalization of master-data values: the canonical forms that golden records show and
that matching compares.

Every function here is pure (no ORM, no I/O) and cheap, because ingest runs them on every
source record of bulk loads of a million rows. Rules that depend on a field's kind come from
`mdm.ingest.schema`; `normalize_record` applies them to the output of validation.

Choices made once, for every caller:

* `normalize_text` is a comparison key, not a display value: accents folded, case folded,
  punctuation turned into spaces (apostrophes are dropped, so "McDonald's" == "McDonalds").
* Address abbreviations map onto the short USPS-style form ("Street" -> "st", "Straße" -> "str").
* Phones are E.164 ("+4930123456"); extensions are dropped.
* GTINs are stored as GTIN-14 (left-padded with zeros). An all-zero GTIN is not valid: source
  systems use it as a placeholder, and matching on it would link unrelated products.
* Countries are ISO 3166-1 alpha-2, recognised from alpha-2, alpha-3, English names and a few
  common local names.
* Websites keep the scheme they were given (https when none), a lower-case host and the path
  without a trailing slash; fragments are dropped.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from email.utils import parseaddr
from functools import lru_cache
from urllib.parse import urlsplit

import phonenumbers

from mdm.ingest.schema import ENTITY_FIELDS, FieldSpec

# --------------------------------------------------------------------------------------------
# Text

# Letters that Unicode decomposition does not split into base letter + accent.
_LETTER_FOLDS = str.maketrans({
    "ø": "o", "Ø": "O", "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE", "ł": "l", "Ł": "L",
    "đ": "d", "Đ": "D", "ð": "d", "Ð": "D", "þ": "th", "Þ": "TH", "ı": "i", "ħ": "h", "Ħ": "H",
    "ß": "ss", "ẞ": "SS",
})
_COMBINING_ACCENTS = re.compile("[\u0300-\u036f]+")
_APOSTROPHES = re.compile("['\u2019\u2018`\u00b4]")
_NON_WORD = re.compile(r"[\W_]+")
# ASCII fast path: one translate pass instead of three regex passes.
_ASCII_FOLD = str.maketrans(
    {**{c: " " for c in "!\"#$%&()*+,-./:;<=>?@[\\]^_{|}~\t\n\r\x0b\x0c"}, "'": None, "`": None}
)


def strip_accents(s: str) -> str:
    """Fold accented Latin letters to their base letters (é -> e, ß -> ss, ø -> o); keeps case."""
    if s.isascii():
        return s
    s = unicodedata.normalize("NFKD", s)
    s = _COMBINING_ACCENTS.sub("", s).translate(_LETTER_FOLDS)
    return unicodedata.normalize("NFC", s)


@lru_cache(maxsize=65536)
def normalize_text(s: str) -> str:
    """Comparison key of a free text: NFKC, accents stripped, case folded, punctuation to spaces,
    whitespace collapsed. Idempotent."""
    if s.isascii():
        return " ".join(s.translate(_ASCII_FOLD).lower().split())
    s = strip_accents(unicodedata.normalize("NFKC", s)).casefold()
    # casefold can produce new decomposable letters, so fold accents once more.
    s = strip_accents(s)
    s = _APOSTROPHES.sub("", s)
    return " ".join(_NON_WORD.sub(" ", s).split())


def clean_text(s: str) -> str:
    """Display form of a free text: trimmed, inner runs of whitespace collapsed to one space."""
    return " ".join(s.split())


# --------------------------------------------------------------------------------------------
# Company names

# Canonical legal form -> the spellings recognised for it. Dots and spacing inside a spelling
# are optional when matching ("S.A." also matches "SA" and "S. A.").
LEGAL_FORMS: dict[str, tuple[str, ...]] = {
    "Inc": ("Inc", "Incorporated"),
    "Corp": ("Corp", "Corporation"),
    "Co": ("Co", "Company", "& Co", "and Co"),
    "Co Ltd": ("Co Ltd", "Company Limited"),
    "LLC": ("LLC", "L.L.C."),
    "Ltd": ("Ltd", "Limited"),
    "PLC": ("PLC", "Public Limited Company"),
    "LLP": ("LLP", "L.L.P."),
    "LP": ("LP", "L.P."),
    "GmbH": ("GmbH", "Gesellschaft mit beschränkter Haftung"),
    "GmbH & Co. KG": ("GmbH & Co. KG", "GmbH und Co. KG", "GmbH + Co. KG"),
    "AG & Co. KG": ("AG & Co. KG", "AG und Co. KG"),
    "AG": ("AG", "Aktiengesellschaft"),
    "KG": ("KG", "Kommanditgesellschaft"),
    "e.K.": ("e.K.",),
    "SE": ("SE",),
    "SA": ("S.A.",),
    "SA de CV": ("S.A. de C.V.",),
    "SAS": ("S.A.S.",),
    "SARL": ("SARL", "S.à r.l.", "S.a.r.l."),
    "Srl": ("S.r.l.",),
    "SpA": ("S.p.A.",),
    "SL": ("S.L.",),
    "Ltda": ("Ltda",),
    "BV": ("B.V.",),
    "NV": ("N.V.",),
    "Pty Ltd": ("Pty Ltd", "(Pty) Ltd", "Proprietary Limited"),
    "Pty": ("Pty",),
    "Oy": ("Oy",),
    "Oyj": ("Oyj",),
    "AB": ("AB",),
    "A/S": ("A/S",),
    "AS": ("AS",),
    "ApS": ("ApS",),
    "Sp. z o.o.": ("Sp. z o.o.",),
    "KK": ("K.K.", "Kabushiki Kaisha"),
}

_FORM_TOKEN = re.compile(r"[^\W_]+|[&+/]")
_AMPERSAND_WORDS = frozenset({"&", "+", "and", "und"})


def _legal_form_key(text: str) -> str:
    tokens = _FORM_TOKEN.findall(text.lower())
    return "".join("&" if t in _AMPERSAND_WORDS else t for t in tokens)


def _spelling_pattern(spelling: str) -> str:
    tokens = _FORM_TOKEN.findall(spelling)
    # A multi-letter token written with dots ("S.A.") is split into its letters by findall,
    # so optional separators between tokens cover "SA", "S.A.", "S. A." alike.
    return r"[\s.,()]*".join(re.escape(t) if t not in "&+" else r"(?:&|\+|and|und)" for t in tokens)


_LEGAL_FORM_BY_KEY: dict[str, str] = {
    _legal_form_key(spelling): canonical
    for canonical, spellings in LEGAL_FORMS.items()
    for spelling in (*spellings, canonical)
}
_LEGAL_FORM_SUFFIX = re.compile(
    r"(?:^|[\s,(]+)(?P<form>"
    + "|".join(
        sorted(
            {_spelling_pattern(s) for spellings in LEGAL_FORMS.values() for s in spellings},
            key=len,
            reverse=True,
        )
    )
    + r")[\s.)]*$",
    re.IGNORECASE,
)
_LEADING_THE = re.compile(r"^the\s+", re.IGNORECASE)
_TRAILING_JOINERS = re.compile(r"(?:[\s,;:&+\-\u2013]|\band\b)+$", re.IGNORECASE)
_HAS_ALNUM = re.compile(r"[^\W_]")


def strip_legal_form(name: str) -> tuple[str, str]:
    """Split a company name into its core and its legal form (canonical spelling, or "").

    Only a legal form at the very end is removed, plus a leading "The"; a legal-form word inside
    the name stays ("Co-operative Bank", "AB Foods Ltd" -> ("AB Foods", "Ltd")). The core is
    never left empty: "Company" alone stays the core.
    """
    core = name.strip()
    legal_form = ""
    # search() finds the leftmost possible start, i.e. the longest suffix ("GmbH & Co. KG", not "KG").
    match = _LEGAL_FORM_SUFFIX.search(core)
    if match:
        rest = _TRAILING_JOINERS.sub("", core[: match.start()])
        if _HAS_ALNUM.search(rest):
            legal_form = _LEGAL_FORM_BY_KEY.get(_legal_form_key(match.group("form")), "")
            core = rest
    without_the = _LEADING_THE.sub("", core)
    if without_the != core and _HAS_ALNUM.search(without_the):
        core = without_the
    return core, legal_form


# Abbreviations expanded in company names. Kept to ones with a single common meaning in
# company names; "ind" (industries? industrial? Indiana?), "tech", "elec" and "chem" are
# ambiguous and stay as written. "dist" is taken as distribution: in a distributor's supplier
# master it almost always is.
COMPANY_ABBREVIATIONS: dict[str, str] = {
    "intl": "international",
    "int": "international",
    "mfg": "manufacturing",
    "mfr": "manufacturer",
    "mfrs": "manufacturers",
    "svc": "service",
    "svcs": "services",
    "dist": "distribution",
    "distr": "distribution",
    "distrib": "distribution",
    "inds": "industries",
    "indus": "industries",
    "natl": "national",
    "assoc": "associates",
    "assn": "association",
    "bros": "brothers",
    "grp": "group",
    "hldgs": "holdings",
    "hldg": "holding",
    "mgmt": "management",
    "prods": "products",
    "sys": "systems",
    "equip": "equipment",
    "engg": "engineering",
    "ctr": "center",
    "centre": "center",
    "labs": "laboratories",
}


@lru_cache(maxsize=65536)
def normalize_company_name(name: str) -> str:
    """Matching key of a company name: legal form and leading "The" removed, '&'/'+' -> 'and',
    text normalized, the abbreviations of COMPANY_ABBREVIATIONS expanded.

    "ACME Int'l Mfg. & Svcs, Inc." -> "acme international manufacturing and services"
    """
    core, _ = strip_legal_form(name)
    core = core.replace("&", " and ").replace("+", " and ")
    tokens = normalize_text(core).split()
    return " ".join([COMPANY_ABBREVIATIONS.get(t, t) for t in tokens])


# --------------------------------------------------------------------------------------------
# Addresses

# Long form -> canonical short form (USPS Publication 28 style, plus German Straße -> str).
ADDRESS_ABBREVIATIONS: dict[str, str] = {
    "street": "st", "str": "str", "strasse": "str", "avenue": "ave", "av": "ave", "road": "rd",
    "boulevard": "blvd", "drive": "dr", "lane": "ln", "court": "ct", "place": "pl", "square": "sq",
    "terrace": "ter", "circle": "cir", "highway": "hwy", "parkway": "pkwy", "expressway": "expy",
    "freeway": "fwy", "route": "rte", "center": "ctr", "centre": "ctr", "mount": "mt", "heights": "hts",
    "suite": "ste", "floor": "fl", "apartment": "apt", "building": "bldg", "room": "rm",
    "department": "dept", "number": "no", "north": "n", "south": "s", "east": "e", "west": "w",
    "northeast": "ne", "northwest": "nw", "southeast": "se", "southwest": "sw",
}
_PO_BOX = re.compile(r"\b(?:p o box|post office box|pobox)\b")


@lru_cache(maxsize=65536)
def normalize_address_line(s: str) -> str:
    """Matching key of an address line: normalize_text, then street words in their short form.

    "123 North Main Street, Suite 5" -> "123 n main st ste 5"; "Hauptstraße 5" -> "hauptstr 5".
    """
    tokens = []
    for token in normalize_text(s).split():
        token = ADDRESS_ABBREVIATIONS.get(token, token)
        if len(token) > 7 and token.endswith("strasse"):
            token = token[:-4]
        tokens.append(token)
    return _PO_BOX.sub("po box", " ".join(tokens))


# --------------------------------------------------------------------------------------------
# Phones


def _possible_phone(value: str, region: str | None) -> str | None:
    try:
        number = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


_PHONE_LIST_SEPARATORS = re.compile(r"\s*[;|,]\s*|\s+/\s+|\s+or\s+", re.IGNORECASE)


def phone_candidates(value: str) -> list[str]:
    """The field itself, then each number of a field holding several ("+49 30 1234567 / +49 30
    7654321", "030 123456; 030 654321"). A slash without spaces is part of a number (030/123456)."""
    parts = [part for part in _PHONE_LIST_SEPARATORS.split(value.strip()) if part]
    return list(dict.fromkeys([value.strip(), *parts]))


@lru_cache(maxsize=131072)
def normalize_phone(value: str, country: str | None) -> str | None:
    """E.164 form of a phone number ("+4930123456"), reading national numbers in `country`
    (ISO alpha-2). A "+" or "00" prefix makes the number international whatever the country.
    None when it cannot be a phone number there. Extensions are dropped."""
    value = value.strip()
    e164 = _possible_phone(value, (country or "").upper() or None)
    if e164 is None and value.startswith("00"):
        e164 = _possible_phone("+" + value[2:], None)
    return e164


# --------------------------------------------------------------------------------------------
# Postal codes

_SPACES_AND_DASHES = re.compile(r"[\s\-]+")
_WHITESPACE = re.compile(r"\s+")
_GB_POSTCODE = re.compile(r"^([A-Z]{1,2}[0-9][0-9A-Z]?)([0-9][A-Z]{2})$")
_CA_POSTCODE = re.compile(r"^([A-Z][0-9][A-Z])([0-9][A-Z][0-9])$")
_NL_POSTCODE = re.compile(r"^([0-9]{4})([A-Z]{2})$")
_US_ZIP = re.compile(r"^([0-9]{5})(?:([0-9]{4}))?$")


# Countries whose postal codes are all digits of one length, some of them with leading zeros.
_NUMERIC_POSTAL_LENGTH = {"US": 5, "DE": 5, "FR": 5, "IT": 5, "ES": 5, "MX": 5, "FI": 5, "AU": 4, "NO": 4}


def normalize_postal_code(value: str, country: str | None) -> str:
    """Display form of a postal code: upper-case, single spaces, and the national layout where it
    is unambiguous: GB "SW1A 1AA", CA "K1A 0B1", NL "1234 AB", US "12345" or "12345-6789"
    (ZIP+4 is kept). Anything else is returned upper-cased and trimmed."""
    text = _WHITESPACE.sub(" ", value.strip().upper())
    compact = _SPACES_AND_DASHES.sub("", text)
    country = (country or "").upper()
    length = _NUMERIC_POSTAL_LENGTH.get(country)
    if length and compact.isdigit() and length - 2 <= len(compact) < length:
        text = compact = compact.zfill(length)  # leading zeros a spreadsheet dropped (02110 -> 2110)
    if country == "GB" and (m := _GB_POSTCODE.match(compact)):
        return f"{m[1]} {m[2]}"
    if country == "CA" and (m := _CA_POSTCODE.match(compact)):
        return f"{m[1]} {m[2]}"
    if country == "NL" and (m := _NL_POSTCODE.match(compact)):
        return f"{m[1]} {m[2]}"
    if country == "US" and (m := _US_ZIP.match(compact)):
        return f"{m[1]}-{m[2]}" if m[2] else m[1]
    return text


def postal_code_key(value: str, country: str | None) -> str:
    """Matching key of a postal code: no spaces or dashes, upper-case; US ZIP+4 cut to 5 digits."""
    compact = _SPACES_AND_DASHES.sub("", value.upper())
    if (country or "").upper() == "US" and (m := _US_ZIP.match(compact)):
        return m[1]
    return compact


# --------------------------------------------------------------------------------------------
# GTIN

GTIN_LENGTHS = (8, 12, 13, 14)
_GTIN_SEPARATORS = str.maketrans("", "", " -")


def gtin_check_digit(body: str) -> int:
    """GS1 check digit of a GTIN without its last digit (weights 3,1,3,... from the right)."""
    total = 0
    for position, digit in enumerate(reversed(body)):
        total += int(digit) * (3 if position % 2 == 0 else 1)
    return (10 - total % 10) % 10


def gtin_digits(s: str) -> str | None:
    """The digits of a GTIN without spaces and dashes, if they have a GTIN's length; else None.
    Does not look at the check digit."""
    digits = s.strip().translate(_GTIN_SEPARATORS)
    if not (digits.isascii() and digits.isdigit()):
        return None
    if len(digits) in GTIN_LENGTHS:
        return digits
    # Spreadsheets and numeric columns drop leading zeros: a UPC-A of 9-11 digits is padded
    # back to 12; the check digit still decides whether it is a GTIN.
    if 9 <= len(digits) <= 11:
        return digits.zfill(12)
    return None


def is_valid_gtin(s: str) -> bool:
    """True for a GTIN-8/12/13/14 with a right check digit (spaces and dashes allowed).
    All-zero placeholders are not valid."""
    digits = gtin_digits(s)
    return (
        digits is not None
        and digits.strip("0") != ""
        and gtin_check_digit(digits[:-1]) == int(digits[-1])
    )


def normalize_gtin(s: str) -> str | None:
    """GTIN-14 form (left-padded with zeros) of a valid GTIN, else None."""
    if not is_valid_gtin(s):
        return None
    return gtin_digits(s).zfill(14)  # type: ignore[union-attr]


# --------------------------------------------------------------------------------------------
# Email and websites


def normalize_email(s: str) -> str:
    """Email address trimmed and lower-cased (local parts are case-insensitive in practice);
    a leading "mailto:" is removed."""
    s = s.strip()
    if s[:7].lower() == "mailto:":
        s = s[7:]
    return s.strip().lower()


_LIST_SEPARATORS = re.compile(r"\s*[;,]\s*")


def email_candidates(s: str) -> list[str]:
    """The addresses a field may hold, in order: the field itself, then, for exports that write
    "ACME Sales <sales@acme.com>", "mailto:..." or several addresses ("a@x.com; b@x.com"), each
    address found in it. Validation keeps the first valid one; the raw value keeps them all."""
    text = s.strip()
    candidates = [text]
    for part in _LIST_SEPARATORS.split(text):
        if part[:7].lower() == "mailto:":
            part = part[7:].strip()
        candidates.append(parseaddr(part)[1] or part)
    return list(dict.fromkeys(c for c in candidates if c))


def email_domain(s: str) -> str:
    """The domain of an email address, lower-case ("" when there is no '@')."""
    _, at, domain = normalize_email(s).rpartition("@")
    return domain if at else ""


_SCHEME = re.compile(r"^[a-z][a-z0-9+.\-]*://", re.IGNORECASE)


@lru_cache(maxsize=65536)
def split_website(s: str) -> tuple[str, str, str, str]:
    """(scheme, host, path, query) of a website given with or without a scheme; host lower-case
    without port 80/443 or trailing dot, path without trailing slash."""
    s = s.strip()
    if not _SCHEME.match(s):
        s = "https://" + s
    parts = urlsplit(s)
    host = (parts.hostname or "").rstrip(".")
    port = parts.port if parts.port not in (80, 443) else None
    if port is not None:
        host = f"{host}:{port}"
    return parts.scheme.lower(), host, parts.path.rstrip("/"), parts.query


def normalize_website(s: str) -> str:
    """Canonical URL of a website: "https://acme.com/de" (scheme kept when given, https when not;
    host lower-case; no trailing slash, no fragment; the query is kept)."""
    scheme, host, path, query = split_website(s)
    return f"{scheme}://{host}{path}" + (f"?{query}" if query else "")


def website_host(s: str) -> str:
    """Host of a website for matching: lower-case, without "www." and without port."""
    host = split_website(s)[1].split(":", 1)[0]
    return host[4:] if host.startswith("www.") else host


# --------------------------------------------------------------------------------------------
# Countries

# ISO 3166-1: alpha-2 -> (alpha-3, English short name).
COUNTRIES: dict[str, tuple[str, str]] = {
    "AD": ("AND", "Andorra"),
    "AE": ("ARE", "United Arab Emirates"),
    "AF": ("AFG", "Afghanistan"),
    "AG": ("ATG", "Antigua and Barbuda"),
    "AI": ("AIA", "Anguilla"),
    "AL": ("ALB", "Albania"),
    "AM": ("ARM", "Armenia"),
    "AO": ("AGO", "Angola"),
    "AQ": ("ATA", "Antarctica"),
    "AR": ("ARG", "Argentina"),
    "AS": ("ASM", "American Samoa"),
    "AT": ("AUT", "Austria"),
    "AU": ("AUS", "Australia"),
    "AW": ("ABW", "Aruba"),
    "AX": ("ALA", "Åland Islands"),
    "AZ": ("AZE", "Azerbaijan"),
    "BA": ("BIH", "Bosnia and Herzegovina"),
    "BB": ("BRB", "Barbados"),
    "BD": ("BGD", "Bangladesh"),
    "BE": ("BEL", "Belgium"),
    "BF": ("BFA", "Burkina Faso"),
    "BG": ("BGR", "Bulgaria"),
    "BH": ("BHR", "Bahrain"),
    "BI": ("BDI", "Burundi"),
    "BJ": ("BEN", "Benin"),
    "BL": ("BLM", "Saint Barthélemy"),
    "BM": ("BMU", "Bermuda"),
    "BN": ("BRN", "Brunei Darussalam"),
    "BO": ("BOL", "Bolivia, Plurinational State of"),
    "BQ": ("BES", "Bonaire, Sint Eustatius and Saba"),
    "BR": ("BRA", "Brazil"),
    "BS": ("BHS", "Bahamas"),
    "BT": ("BTN", "Bhutan"),
    "BV": ("BVT", "Bouvet Island"),
    "BW": ("BWA", "Botswana"),
    "BY": ("BLR", "Belarus"),
    "BZ": ("BLZ", "Belize"),
    "CA": ("CAN", "Canada"),
    "CC": ("CCK", "Cocos (Keeling) Islands"),
    "CD": ("COD", "Congo, The Democratic Republic of the"),
    "CF": ("CAF", "Central African Republic"),
    "CG": ("COG", "Congo"),
    "CH": ("CHE", "Switzerland"),
    "CI": ("CIV", "Côte d'Ivoire"),
    "CK": ("COK", "Cook Islands"),
    "CL": ("CHL", "Chile"),
    "CM": ("CMR", "Cameroon"),
    "CN": ("CHN", "China"),
    "CO": ("COL", "Colombia"),
    "CR": ("CRI", "Costa Rica"),
    "CU": ("CUB", "Cuba"),
    "CV": ("CPV", "Cabo Verde"),
    "CW": ("CUW", "Curaçao"),
    "CX": ("CXR", "Christmas Island"),
    "CY": ("CYP", "Cyprus"),
    "CZ": ("CZE", "Czechia"),
    "DE": ("DEU", "Germany"),
    "DJ": ("DJI", "Djibouti"),
    "DK": ("DNK", "Denmark"),
    "DM": ("DMA", "Dominica"),
    "DO": ("DOM", "Dominican Republic"),
    "DZ": ("DZA", "Algeria"),
    "EC": ("ECU", "Ecuador"),
    "EE": ("EST", "Estonia"),
    "EG": ("EGY", "Egypt"),
    "EH": ("ESH", "Western Sahara"),
    "ER": ("ERI", "Eritrea"),
    "ES": ("ESP", "Spain"),
    "ET": ("ETH", "Ethiopia"),
    "FI": ("FIN", "Finland"),
    "FJ": ("FJI", "Fiji"),
    "FK": ("FLK", "Falkland Islands (Malvinas)"),
    "FM": ("FSM", "Micronesia, Federated States of"),
    "FO": ("FRO", "Faroe Islands"),
    "FR": ("FRA", "France"),
    "GA": ("GAB", "Gabon"),
    "GB": ("GBR", "United Kingdom"),
    "GD": ("GRD", "Grenada"),
    "GE": ("GEO", "Georgia"),
    "GF": ("GUF", "French Guiana"),
    "GG": ("GGY", "Guernsey"),
    "GH": ("GHA", "Ghana"),
    "GI": ("GIB", "Gibraltar"),
    "GL": ("GRL", "Greenland"),
    "GM": ("GMB", "Gambia"),
    "GN": ("GIN", "Guinea"),
    "GP": ("GLP", "Guadeloupe"),
    "GQ": ("GNQ", "Equatorial Guinea"),
    "GR": ("GRC", "Greece"),
    "GS": ("SGS", "South Georgia and the South Sandwich Islands"),
    "GT": ("GTM", "Guatemala"),
    "GU": ("GUM", "Guam"),
    "GW": ("GNB", "Guinea-Bissau"),
    "GY": ("GUY", "Guyana"),
    "HK": ("HKG", "Hong Kong"),
    "HM": ("HMD", "Heard Island and McDonald Islands"),
    "HN": ("HND", "Honduras"),
    "HR": ("HRV", "Croatia"),
    "HT": ("HTI", "Haiti"),
    "HU": ("HUN", "Hungary"),
    "ID": ("IDN", "Indonesia"),
    "IE": ("IRL", "Ireland"),
    "IL": ("ISR", "Israel"),
    "IM": ("IMN", "Isle of Man"),
    "IN": ("IND", "India"),
    "IO": ("IOT", "British Indian Ocean Territory"),
    "IQ": ("IRQ", "Iraq"),
    "IR": ("IRN", "Iran, Islamic Republic of"),
    "IS": ("ISL", "Iceland"),
    "IT": ("ITA", "Italy"),
    "JE": ("JEY", "Jersey"),
    "JM": ("JAM", "Jamaica"),
    "JO": ("JOR", "Jordan"),
    "JP": ("JPN", "Japan"),
    "KE": ("KEN", "Kenya"),
    "KG": ("KGZ", "Kyrgyzstan"),
    "KH": ("KHM", "Cambodia"),
    "KI": ("KIR", "Kiribati"),
    "KM": ("COM", "Comoros"),
    "KN": ("KNA", "Saint Kitts and Nevis"),
    "KP": ("PRK", "Korea, Democratic People's Republic of"),
    "KR": ("KOR", "Korea, Republic of"),
    "KW": ("KWT", "Kuwait"),
    "KY": ("CYM", "Cayman Islands"),
    "KZ": ("KAZ", "Kazakhstan"),
    "LA": ("LAO", "Lao People's Democratic Republic"),
    "LB": ("LBN", "Lebanon"),
    "LC": ("LCA", "Saint Lucia"),
    "LI": ("LIE", "Liechtenstein"),
    "LK": ("LKA", "Sri Lanka"),
    "LR": ("LBR", "Liberia"),
    "LS": ("LSO", "Lesotho"),
    "LT": ("LTU", "Lithuania"),
    "LU": ("LUX", "Luxembourg"),
    "LV": ("LVA", "Latvia"),
    "LY": ("LBY", "Libya"),
    "MA": ("MAR", "Morocco"),
    "MC": ("MCO", "Monaco"),
    "MD": ("MDA", "Moldova, Republic of"),
    "ME": ("MNE", "Montenegro"),
    "MF": ("MAF", "Saint Martin (French part)"),
    "MG": ("MDG", "Madagascar"),
    "MH": ("MHL", "Marshall Islands"),
    "MK": ("MKD", "North Macedonia"),
    "ML": ("MLI", "Mali"),
    "MM": ("MMR", "Myanmar"),
    "MN": ("MNG", "Mongolia"),
    "MO": ("MAC", "Macao"),
    "MP": ("MNP", "Northern Mariana Islands"),
    "MQ": ("MTQ", "Martinique"),
    "MR": ("MRT", "Mauritania"),
    "MS": ("MSR", "Montserrat"),
    "MT": ("MLT", "Malta"),
    "MU": ("MUS", "Mauritius"),
    "MV": ("MDV", "Maldives"),
    "MW": ("MWI", "Malawi"),
    "MX": ("MEX", "Mexico"),
    "MY": ("MYS", "Malaysia"),
    "MZ": ("MOZ", "Mozambique"),
    "NA": ("NAM", "Namibia"),
    "NC": ("NCL", "New Caledonia"),
    "NE": ("NER", "Niger"),
    "NF": ("NFK", "Norfolk Island"),
    "NG": ("NGA", "Nigeria"),
    "NI": ("NIC", "Nicaragua"),
    "NL": ("NLD", "Netherlands"),
    "NO": ("NOR", "Norway"),
    "NP": ("NPL", "Nepal"),
    "NR": ("NRU", "Nauru"),
    "NU": ("NIU", "Niue"),
    "NZ": ("NZL", "New Zealand"),
    "OM": ("OMN", "Oman"),
    "PA": ("PAN", "Panama"),
    "PE": ("PER", "Peru"),
    "PF": ("PYF", "French Polynesia"),
    "PG": ("PNG", "Papua New Guinea"),
    "PH": ("PHL", "Philippines"),
    "PK": ("PAK", "Pakistan"),
    "PL": ("POL", "Poland"),
    "PM": ("SPM", "Saint Pierre and Miquelon"),
    "PN": ("PCN", "Pitcairn"),
    "PR": ("PRI", "Puerto Rico"),
    "PS": ("PSE", "Palestine, State of"),
    "PT": ("PRT", "Portugal"),
    "PW": ("PLW", "Palau"),
    "PY": ("PRY", "Paraguay"),
    "QA": ("QAT", "Qatar"),
    "RE": ("REU", "Réunion"),
    "RO": ("ROU", "Romania"),
    "RS": ("SRB", "Serbia"),
    "RU": ("RUS", "Russian Federation"),
    "RW": ("RWA", "Rwanda"),
    "SA": ("SAU", "Saudi Arabia"),
    "SB": ("SLB", "Solomon Islands"),
    "SC": ("SYC", "Seychelles"),
    "SD": ("SDN", "Sudan"),
    "SE": ("SWE", "Sweden"),
    "SG": ("SGP", "Singapore"),
    "SH": ("SHN", "Saint Helena, Ascension and Tristan da Cunha"),
    "SI": ("SVN", "Slovenia"),
    "SJ": ("SJM", "Svalbard and Jan Mayen"),
    "SK": ("SVK", "Slovakia"),
    "SL": ("SLE", "Sierra Leone"),
    "SM": ("SMR", "San Marino"),
    "SN": ("SEN", "Senegal"),
    "SO": ("SOM", "Somalia"),
    "SR": ("SUR", "Suriname"),
    "SS": ("SSD", "South Sudan"),
    "ST": ("STP", "Sao Tome and Principe"),
    "SV": ("SLV", "El Salvador"),
    "SX": ("SXM", "Sint Maarten (Dutch part)"),
    "SY": ("SYR", "Syrian Arab Republic"),
    "SZ": ("SWZ", "Eswatini"),
    "TC": ("TCA", "Turks and Caicos Islands"),
    "TD": ("TCD", "Chad"),
    "TF": ("ATF", "French Southern Territories"),
    "TG": ("TGO", "Togo"),
    "TH": ("THA", "Thailand"),
    "TJ": ("TJK", "Tajikistan"),
    "TK": ("TKL", "Tokelau"),
    "TL": ("TLS", "Timor-Leste"),
    "TM": ("TKM", "Turkmenistan"),
    "TN": ("TUN", "Tunisia"),
    "TO": ("TON", "Tonga"),
    "TR": ("TUR", "Türkiye"),
    "TT": ("TTO", "Trinidad and Tobago"),
    "TV": ("TUV", "Tuvalu"),
    "TW": ("TWN", "Taiwan, Province of China"),
    "TZ": ("TZA", "Tanzania, United Republic of"),
    "UA": ("UKR", "Ukraine"),
    "UG": ("UGA", "Uganda"),
    "UM": ("UMI", "United States Minor Outlying Islands"),
    "US": ("USA", "United States"),
    "UY": ("URY", "Uruguay"),
    "UZ": ("UZB", "Uzbekistan"),
    "VA": ("VAT", "Holy See (Vatican City State)"),
    "VC": ("VCT", "Saint Vincent and the Grenadines"),
    "VE": ("VEN", "Venezuela, Bolivarian Republic of"),
    "VG": ("VGB", "Virgin Islands, British"),
    "VI": ("VIR", "Virgin Islands, U.S."),
    "VN": ("VNM", "Viet Nam"),
    "VU": ("VUT", "Vanuatu"),
    "WF": ("WLF", "Wallis and Futuna"),
    "WS": ("WSM", "Samoa"),
    "YE": ("YEM", "Yemen"),
    "YT": ("MYT", "Mayotte"),
    "ZA": ("ZAF", "South Africa"),
    "ZM": ("ZMB", "Zambia"),
    "ZW": ("ZWE", "Zimbabwe"),
}

# Common names, old names and local names that are not the ISO short name.
COUNTRY_ALIASES: dict[str, str] = {
    "uk": "GB", "u k": "GB", "great britain": "GB", "britain": "GB", "england": "GB", "scotland": "GB",
    "wales": "GB", "northern ireland": "GB", "united kingdom of great britain and northern ireland": "GB",
    "usa": "US", "u s a": "US", "u s": "US", "united states of america": "US", "america": "US",
    "deutschland": "DE", "bundesrepublik deutschland": "DE", "frankreich": "FR",
    "osterreich": "AT", "schweiz": "CH", "suisse": "CH", "svizzera": "CH", "switzerland": "CH",
    "holland": "NL", "the netherlands": "NL", "nederland": "NL", "belgie": "BE", "belgique": "BE",
    "espana": "ES", "italia": "IT", "polska": "PL", "sverige": "SE", "norge": "NO", "danmark": "DK",
    "suomi": "FI", "eire": "IE", "republic of ireland": "IE", "portugal": "PT", "ceska republika": "CZ",
    "czech republic": "CZ", "magyarorszag": "HU", "hellas": "GR", "turkey": "TR", "turkiye": "TR",
    "russia": "RU", "south korea": "KR", "korea": "KR", "republic of korea": "KR", "north korea": "KP",
    "vietnam": "VN", "laos": "LA", "iran": "IR", "syria": "SY", "taiwan": "TW", "bolivia": "BO",
    "venezuela": "VE", "tanzania": "TZ", "moldova": "MD", "macedonia": "MK", "ivory coast": "CI",
    "brasil": "BR", "mexico": "MX", "uae": "AE", "emirates": "AE", "hong kong": "HK", "macau": "MO",
    "macao": "MO", "prc": "CN", "peoples republic of china": "CN", "vatican": "VA",
    "palestine": "PS", "micronesia": "FM", "dr congo": "CD", "drc": "CD", "congo kinshasa": "CD",
    "congo brazzaville": "CG", "burma": "MM", "cape verde": "CV", "swaziland": "SZ",
    "east timor": "TL", "nippon": "JP", "zhongguo": "CN",
}

_COUNTRY_LOOKUP: dict[str, str] = {}
for _alpha2, (_alpha3, _name) in COUNTRIES.items():
    _COUNTRY_LOOKUP[_alpha2.lower()] = _alpha2
    _COUNTRY_LOOKUP[_alpha3.lower()] = _alpha2
    _COUNTRY_LOOKUP[normalize_text(_name)] = _alpha2
    if "," in _name:  # "Korea, Republic of" is also written "Republic of Korea"
        _head, _, _tail = _name.partition(",")
        _COUNTRY_LOOKUP[normalize_text(f"{_tail} {_head}")] = _alpha2
for _alias, _alpha2 in COUNTRY_ALIASES.items():
    _COUNTRY_LOOKUP[_alias] = _alpha2


def normalize_country(s: str | None) -> str | None:
    """ISO 3166-1 alpha-2 code (upper-case) of a country given as alpha-2, alpha-3 or a name
    ("de", "DEU", "Germany", "Deutschland" -> "DE"); None when not recognised."""
    if not s:
        return None
    return _COUNTRY_LOOKUP.get(normalize_text(s))


def record_country(values: Mapping[str, object], default_country: str = "") -> str | None:
    """The country a record's phones and postal codes are read in: its own, else its system's."""
    own = values.get("country")
    return (normalize_country(own) if isinstance(own, str) else None) or default_country or None


def country_name(alpha2: str) -> str:
    """English short name of an ISO alpha-2 code ("" when unknown)."""
    entry = COUNTRIES.get(alpha2.upper())
    return entry[1] if entry else ""


# --------------------------------------------------------------------------------------------
# Numbers written by people and spreadsheets

_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")
_GROUPED = {
    # thousands separator, decimal separator -> digits grouped in threes, an optional fraction
    (",", "."): re.compile(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?"),
    (".", ","): re.compile(r"[+-]?\d{1,3}(?:\.\d{3})+(?:,\d+)?"),
}
_COMMA_FRACTION = re.compile(r"[+-]?\d*,\d+")
_DOT_GROUPED_WHOLE = re.compile(r"[+-]?\d{1,3}(?:\.\d{3})+")  # "1.500": 1500 where commas are decimal
_ONE_COMMA_THREE = re.compile(r"[+-]?\d+,\d{3}")  # "1,500"
_COMMA_GROUPED_WHOLE = re.compile(r"[+-]?[1-9]\d{0,2}(?:,\d{3})+")  # "1,500": 1500 where points are decimal
_SEPARATOR_EVIDENCE = {
    # a separator followed by other than three digits, or after a lone zero, can only be decimal
    True: re.compile(r"[+-]?(?:\d*,(?:\d{1,2}|\d{4,})|0,\d+|\d{1,3}(?:\.\d{3})+,\d+)"),
    False: re.compile(r"[+-]?(?:\d*\.(?:\d{1,2}|\d{4,})|0\.\d+|\d{1,3}(?:,\d{3})+\.\d+)"),
}


def decimal_convention(texts: Iterable[str]) -> bool | None:
    """How a file writes decimals, learnt from its numbers: True for a decimal comma ("0,37",
    "1.234,5"), False for a decimal point ("0.37", "1,234.5"), None when its numbers show
    neither or both."""
    seen = {True: False, False: False}
    for text in texts:
        compact = "".join(text.split())
        for comma, pattern in _SEPARATOR_EVIDENCE.items():
            if not seen[comma] and pattern.fullmatch(compact):
                seen[comma] = True
    if seen[True] != seen[False]:
        return seen[True]
    return None


class AmbiguousNumber(ValueError):
    """A number whose separator could be a decimal or a thousands separator ("1,500")."""


def parse_decimal_text(text: str, decimal_comma: bool | None = None) -> Decimal | None:
    """The number a person or a spreadsheet wrote, in either convention of separators.

    "12.5", "12,5", "1,234.5", "1.234,5", "1 234,5" and "-0,25" are read; spaces (and no-break
    spaces) between digits are grouping. One comma followed by exactly three digits ("1,500")
    is 1500 in one convention and 1.5 in the other: AmbiguousNumber, unless `decimal_comma`
    says which convention the writer used (see decimal_convention); then "1.500" is 1500 too.
    None when it is no number.
    """
    compact = "".join(text.split())
    if decimal_comma is True:
        if _DOT_GROUPED_WHOLE.fullmatch(compact):
            return Decimal(compact.replace(".", ""))
        if _ONE_COMMA_THREE.fullmatch(compact):
            return Decimal(compact.replace(",", "."))
    elif decimal_comma is False and _COMMA_GROUPED_WHOLE.fullmatch(compact):
        return Decimal(compact.replace(",", ""))
    if _PLAIN_NUMBER.fullmatch(compact):
        return Decimal(compact)
    for (thousands, decimal), pattern in _GROUPED.items():
        if pattern.fullmatch(compact):
            if thousands == "," and compact.count(",") == 1 and "." not in compact:
                if compact.lstrip("+-").startswith("0,"):  # no grouping starts with zero
                    return Decimal(compact.replace(",", "."))
                raise AmbiguousNumber(compact)
            whole, _, fraction = compact.replace(thousands, "").partition(decimal)
            return Decimal(f"{whole}.{fraction}" if fraction else whole)
    if _COMMA_FRACTION.fullmatch(compact):
        return Decimal(compact.replace(",", "."))
    return None


# --------------------------------------------------------------------------------------------
# Records

_DECIMAL_PLACES = Decimal("0.000001")  # every decimal column of the golden models has 6 places
_NON_DIGITS = re.compile(r"\D+")


def _keep(value: object, country: str | None) -> object:
    return value


def _text(value: object, country: str | None) -> object:
    return clean_text(value) if isinstance(value, str) else value


def _upper_code(value: object, country: str | None) -> object:
    return "".join(value.split()).upper() if isinstance(value, str) else value


def _region(value: object, country: str | None) -> object:
    text = clean_text(str(value))
    return text.upper() if len(text) <= 3 and text.isalpha() else text


def _duns(value: object, country: str | None) -> object:
    digits = _NON_DIGITS.sub("", str(value))
    return digits or clean_text(str(value))


def _decimal(value: object, country: str | None) -> object:
    if isinstance(value, Decimal) and value.as_tuple().exponent < -6:  # type: ignore[operator]
        return value.quantize(_DECIMAL_PLACES)
    return value


def _phone(value: object, country: str | None) -> object:
    return normalize_phone(str(value), country) or clean_text(str(value))


def _gtin(value: object, country: str | None) -> object:
    return normalize_gtin(str(value)) or str(value).strip()


def _country(value: object, country: str | None) -> object:
    return country or clean_text(str(value))


def _email(value: object, country: str | None) -> object:
    return normalize_email(str(value))


def _website(value: object, country: str | None) -> object:
    return normalize_website(str(value))


def _postal_code(value: object, country: str | None) -> object:
    return normalize_postal_code(str(value), country)


_Normalizer = Callable[[object, "str | None"], object]

_BY_KIND: dict[str, _Normalizer] = {
    "str": _text, "ref": _text, "choice": _keep, "int": _keep, "decimal": _decimal,
    "gtin": _gtin, "country": _country, "email": _email, "url": _website, "phone": _phone,
    "uom": _upper_code,
}
# Fields whose value is a code: upper-cased, inner spaces removed ("de 123 456 789" -> "DE123456789").
_BY_FIELD: dict[str, _Normalizer] = {
    "tax_id": _upper_code, "duns": _duns, "region": _region, "postal_code": _postal_code,
}
_UPPER_CODE_FIELDS = {("location", "code"), ("uom", "code")}


def _normalizer(entity: str, spec: FieldSpec) -> _Normalizer:
    if (entity, spec.name) in _UPPER_CODE_FIELDS:
        return _upper_code
    return _BY_FIELD.get(spec.name) or _BY_KIND[spec.kind]


_RECORD_NORMALIZERS: dict[str, dict[str, _Normalizer]] = {
    entity: {spec.name: _normalizer(entity, spec) for spec in specs}
    for entity, specs in ENTITY_FIELDS.items()
}


def normalize_record(entity: str, values: Mapping[str, object], default_country: str = "") -> dict[str, object]:
    """Canonical values of a validated record, as the golden record shows them.

    Text is trimmed, phones E.164, GTINs GTIN-14, countries alpha-2, emails lower-case, websites
    canonical, codes (uom, tax id, location and uom codes, short regions) upper-case, decimals
    rounded to the 6 places the golden models store. Fields outside the schema (source_key,
    deleted) pass through unchanged; None stays None. Returns a new dict, `values` is untouched.
    Phones and postal codes are read in the record's country, else in `default_country`.
    """
    normalizers = _RECORD_NORMALIZERS[entity]
    country = record_country(values, default_country)
    result: dict[str, object] = {}
    for name, value in values.items():
        normalizer = normalizers.get(name)
        result[name] = value if normalizer is None or value is None else normalizer(value, country)
    return result
