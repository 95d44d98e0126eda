"""Realistic demo and benchmark data: one distributor's master data as three systems export it.

Every real-world supplier, product and location is generated once ("the truth") and then
rendered into the exports of ERP, WMS and PORTAL, each with the habits of such a system:
its own keys and unit codes, upper-case legacy fields, truncated names, abbreviations,
typos, blanks, phone/postal/tax-id formats, and a few duplicates and malformed rows. The
WMS is the legacy system and writes the file a legacy system writes: Windows-1252, semicolons,
title-case column names, NULL for an empty cell and decimal commas (see DIALECTS).
`truth.csv` says which rows are the same thing; `malformed.csv` lists the rows a validator
must reject and why.

Output is a pure function of the arguments: one seeded `random.Random` per entity type
drives every choice, and no set or hash order is ever iterated, so the same seed gives
byte-identical files.
"""
from __future__ import annotations

import csv
import random
import re
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mdm.ingest.schema import ENTITY_FIELDS, field_names

from . import pools
from .pools import City, Country

SYSTEMS = ("ERP", "WMS", "PORTAL")
ENTITY_FILES = ("supplier", "product", "location", "uom")
TRUTH_FILE = "truth.csv"
TRUTH_HEADER = ("entity", "system", "source_key", "entity_id")
MALFORMED_FILE = "malformed.csv"
MALFORMED_HEADER = ("entity", "system", "source_key", "problem")
DEFAULT_COUNTS = {"suppliers": 300, "products": 500, "locations": 60}
MALFORMED_RATE = 0.005


@dataclass(frozen=True)
class Dialect:
    """How a system writes its CSV export."""
    delimiter: str = ","
    encoding: str = "utf-8"
    title_case_header: bool = False  # "Source Key;Postal Code" instead of "source_key,postal_code"
    empty: str = ""  # how an empty cell reads
    decimal_comma: bool = False

    def header(self, entity: str) -> tuple[str, ...]:
        columns = header(entity)
        return tuple(c.replace("_", " ").title() for c in columns) if self.title_case_header else columns


DIALECTS = {"WMS": Dialect(delimiter=";", encoding="cp1252", title_case_header=True, empty="NULL",
                           decimal_comma=True)}
PLAIN = Dialect()


def data_file_name(system: str, entity: str) -> str:
    return f"{system}_{entity}.csv"


def header(entity: str) -> tuple[str, ...]:
    return ("source_key", *field_names(entity))


# -- How each system treats its data ---------------------------------------------------------

class Profile:
    """The habits of one source system; rates are probabilities per row."""

    def __init__(self, **values: float) -> None:
        self.__dict__.update(values)


PROFILES: dict[str, Profile] = {
    "ERP": Profile(
        supplier_share=0.90, product_share=0.93, location_share=0.85,
        supplier_dup=0.025, product_dup=0.01,
        upper=0.75, name_max=35, abbreviate=0.30, typo=0.08, legal_drop=0.10, street_abbrev=0.65,
        merge_line2=0.10, blank_phone=0.08, blank_email=0.25, blank_website=0.45, blank_tax=0.15,
        blank_duns=0.35, blank_region=0.05, canonical_tax=0.85, phone_ext=0.05,
        product_name_max=40, blank_gtin=0.08, blank_brand=0.20, blank_mfr=0.10, blank_mpn=0.10,
        blank_weight=0.05, blank_item_no=0.10, blank_lead=0.15, blank_geo=0.30, blank_tz=0.40,
        blank_loc_type=0.0,
    ),
    "WMS": Profile(
        supplier_share=0.45, product_share=0.85, location_share=0.95,
        supplier_dup=0.03, product_dup=0.015,
        upper=0.20, name_max=40, abbreviate=0.40, typo=0.12, legal_drop=0.35, street_abbrev=0.55,
        merge_line2=0.30, blank_phone=0.40, blank_email=0.60, blank_website=0.85, blank_tax=0.92,
        blank_duns=0.97, blank_region=0.35, canonical_tax=0.50, phone_ext=0.0,
        product_name_max=60, blank_gtin=0.15, blank_brand=0.50, blank_mfr=0.40, blank_mpn=0.40,
        blank_weight=0.10, blank_item_no=0.70, blank_lead=0.85, blank_geo=0.05, blank_tz=0.0,
        blank_loc_type=0.0,
    ),
    "PORTAL": Profile(
        supplier_share=0.55, product_share=0.55, location_share=0.30,
        supplier_dup=0.02, product_dup=0.01,
        upper=0.03, name_max=0, abbreviate=0.15, typo=0.10, legal_drop=0.08, street_abbrev=0.30,
        merge_line2=0.15, blank_phone=0.12, blank_email=0.02, blank_website=0.30, blank_tax=0.45,
        blank_duns=0.75, blank_region=0.15, canonical_tax=0.60, phone_ext=0.0,
        product_name_max=0, blank_gtin=0.05, blank_brand=0.05, blank_mfr=0.10, blank_mpn=0.05,
        blank_weight=0.30, blank_item_no=0.05, blank_lead=0.30, blank_geo=0.20, blank_tz=0.20,
        blank_loc_type=0.25,
    ),
}


# -- Small text helpers -------------------------------------------------------------------------

_FOLD = str.maketrans({
    "ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "Ä": "AE", "Ö": "OE", "Ü": "UE",
    "é": "e", "è": "e", "ê": "e", "ë": "e", "à": "a", "â": "a", "ç": "c", "î": "i", "ï": "i", "ô": "o",
    "û": "u", "ù": "u", "É": "E", "È": "E", "Ê": "E", "À": "A", "Â": "A", "Ç": "C", "Î": "I", "Ô": "O",
    "Û": "U", "Ï": "I",
})
_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_KEYBOARD = {
    "a": "qwsz", "b": "vghn", "c": "xdfv", "d": "serfcx", "e": "wsdr", "f": "drtgvc", "g": "ftyhbv",
    "h": "gyujnb", "i": "ujko", "j": "huikmn", "k": "jiolm", "l": "kop", "m": "njk", "n": "bhjm",
    "o": "iklp", "p": "ol", "q": "wa", "r": "edft", "s": "awedxz", "t": "rfgy", "u": "yhji", "v": "cfgb",
    "w": "qase", "x": "zsdc", "y": "tghu", "z": "asx",
}


def fold(text: str) -> str:
    """Accents replaced the way legacy ASCII systems store them (ü -> ue, é -> e)."""
    return text if text.isascii() else text.translate(_FOLD)


def slugify(text: str) -> str:
    return _NON_ALNUM.sub("-", fold(text).lower()).strip("-")


def gtin_check_digit(digits: str) -> str:
    """GS1 mod-10 check digit for the data digits of any GTIN length."""
    total = 3 * sum(map(int, digits[-1::-2])) + sum(map(int, digits[-2::-2]))
    return str(-total % 10)


def gtin_is_valid(gtin: str) -> bool:
    return gtin.isdigit() and 8 <= len(gtin) <= 14 and gtin_check_digit(gtin[:-1]) == gtin[-1]


def _typo(rng: random.Random, text: str) -> str:
    """One slip of the finger: insert, delete, substitute (neighbouring key) or transpose."""
    if len(text) < 4:
        return text
    pos = rng.randrange(1, len(text) - 1)
    char = text[pos]
    if not char.isalpha():
        return text
    lower = char.lower()
    neighbour = _pick(rng.random, _KEYBOARD.get(lower, lower))
    if char.isupper():
        neighbour = neighbour.upper()
    op = rng.random()
    if op < 0.25:
        return text[:pos] + neighbour + text[pos:]
    if op < 0.5:
        return text[:pos] + text[pos + 1:]
    if op < 0.75:
        return text[:pos] + neighbour + text[pos + 1:]
    return text[:pos - 1] + text[pos] + text[pos - 1] + text[pos + 1:]


def _weighted(pairs: tuple[tuple[str, int], ...]) -> tuple[str, ...]:
    """Expand (value, weight) pairs into a tuple so that picking is one index."""
    return tuple(value for value, weight in pairs for _ in range(weight))


def _pick(rng_random: Callable[[], float], pool: tuple | list | str):
    return pool[int(rng_random() * len(pool))]


def _between(rng_random: Callable[[], float], low: int, high: int) -> int:
    return low + int(rng_random() * (high - low + 1))


def _digits(rng_random: Callable[[], float], count: int) -> str:
    return str(int(rng_random() * 10 ** count)).zfill(count)


# -- Countries, addresses, phones, tax ids ------------------------------------------------------

_COUNTRY_POOL = _weighted(tuple((c.code, c.weight) for c in pools.COUNTRIES))
_COUNTRIES = {c.code: c for c in pools.COUNTRIES}
_LEGAL_POOLS = {c.code: _weighted(c.legal_forms) for c in pools.COUNTRIES}
_LEGACY_TZ = {"America/Chicago": "US/Central", "America/New_York": "US/Eastern",
              "America/Denver": "US/Mountain", "America/Los_Angeles": "US/Pacific",
              "America/Phoenix": "US/Arizona"}
_GB_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"
_NL_LETTERS = "ABCDEGHJKLMNPRSTVWXZ"
_CA_LETTERS = "ABCEGHJKLMNPRSTVWXYZ"
_SUBSCRIBER_START = {  # first digits of plausible fixed-line subscriber numbers
    "US": "23456789", "CA": "23456789", "DE": "23456789", "NL": "2345678", "FR": "123456789",
}


class Address:
    __slots__ = ("country", "city", "number", "street", "street_type", "line2", "postal", "zip4",
                 "latitude", "longitude")

    def __init__(self, rng: random.Random, country: Country, city: City | None = None) -> None:
        r = rng.random
        self.country = country
        self.city = city or _pick(r, country.cities)
        self.number = str(1 + int(r() ** 2 * 4000)) if country.code not in ("DE", "NL", "FR") \
            else str(1 + int(r() ** 2 * 180))
        self.street = _pick(r, country.streets)
        self.street_type = _pick(r, country.street_types)
        self.line2 = ""
        if r() < 0.3:
            self.line2 = _pick(r, country.line2).format(
                n=100 * _between(rng.random, 1, 9) + 10 * _between(rng.random, 0, 5), u=_between(rng.random, 1, 40),
                b="ABCDEFGH"[int(r() * 8)], f=_between(rng.random, 1, 9))
        self.postal = self._postal(rng)
        self.zip4 = f"{_between(rng.random, 1, 9999):04d}"
        self.latitude = self.city.latitude + (r() - 0.5) * 0.24
        self.longitude = self.city.longitude + (r() - 0.5) * 0.3

    def _postal(self, rng: random.Random) -> str:
        r = rng.random
        code = self.country.code
        prefix = _pick(r, self.city.postal_prefixes)
        if code in ("US", "DE", "FR"):
            return prefix + _digits(r, 5 - len(prefix))
        if code == "AU":
            return prefix + _digits(r, 4 - len(prefix))
        if code == "CA":
            return f"{prefix} {_digits(r, 1)}{_pick(r, _CA_LETTERS)}{_digits(r, 1)}"
        if code == "GB":
            return f"{prefix} {_digits(r, 1)}{_pick(r, _GB_LETTERS)}{_pick(r, _GB_LETTERS)}"
        # NL
        return f"{prefix}{_digits(r, 4 - len(prefix))} {_pick(r, _NL_LETTERS)}{_pick(r, _NL_LETTERS)}"

    def line1(self) -> str:
        code = self.country.code
        if code in ("DE", "NL"):
            return f"{self.street}{self.street_type} {self.number}"
        if code == "FR":
            return f"{self.number} {self.street_type} {self.street}"
        return f"{self.number} {self.street} {self.street_type}"


def _abbreviate_street(rng: random.Random, address: Address) -> tuple[str, str]:
    """line1 and line2 with the street type and suite words abbreviated, as clerks type them."""
    code = address.country.code
    variants = pools.STREET_ABBREVIATIONS.get(address.street_type)
    short = _pick(rng.random, variants) if variants else address.street_type
    if code in ("DE", "NL"):
        line1 = f"{address.street}{short} {address.number}"
    elif code == "FR":
        line1 = f"{address.number} {short} {address.street}"
    else:
        line1 = f"{address.number} {address.street} {short}"
    line2 = address.line2
    if line2:
        word = line2.split(" ", 1)[0]
        abbreviations = pools.STREET_ABBREVIATIONS.get(word)
        if abbreviations:
            replacement = _pick(rng.random, abbreviations)
            line2 = replacement + line2[len(word):] if replacement != "#" else "#" + line2[len(word) + 1:]
    return line1, line2


def _render_address(rng: random.Random, address: Address, profile: Profile, upper: bool) -> list[str]:
    """address_line1, address_line2, city, region, postal_code, country as one system writes them."""
    r = rng.random
    code = address.country.code
    city = address.city
    if r() < profile.street_abbrev:
        line1, line2 = _abbreviate_street(rng, address)
    else:
        line1, line2 = address.line1(), address.line2
    if code == "FR" and r() < 0.3:
        line1 = line1.replace(" ", ", ", 1)
    if line2 and r() < profile.merge_line2:
        line1 = f"{line1}{', ' if r() < 0.5 else ' '}{line2}"
        line2 = ""
    city_name = city.name
    if city.aliases and r() < 0.25:
        city_name = _pick(r, city.aliases)
    if code in ("US", "CA", "AU"):
        region = city.region_code if r() < 0.8 or profile is PROFILES["ERP"] else city.region_name
    else:
        region = city.region_name if r() < 0.4 else ""
    if r() < profile.blank_region:
        region = ""
    postal = _render_postal(rng, address, profile)
    values = [line1, line2, city_name, region]
    if upper:
        values = [fold(value).upper() for value in values]
    return [*values, postal, code]


def _render_postal(rng: random.Random, address: Address, profile: Profile) -> str:
    r = rng.random
    code = address.country.code
    postal = address.postal
    if code == "US":
        if r() < (0.25 if profile is PROFILES["ERP"] else 0.08):
            postal = f"{postal}-{address.zip4}"
        if profile is PROFILES["WMS"] and postal.startswith("0") and r() < 0.3:
            postal = postal.lstrip("0")  # went through a spreadsheet as a number
    elif code in ("CA", "GB", "NL"):
        if r() < (0.1 if profile is PROFILES["PORTAL"] else 0.3):
            postal = postal.replace(" ", "")
        if profile is PROFILES["PORTAL"] and r() < 0.06:
            postal = postal.lower()
    elif code == "DE":
        if profile is PROFILES["ERP"] and r() < 0.1:
            postal = f"D-{postal}"
        elif profile is PROFILES["WMS"] and postal.startswith("0") and r() < 0.3:
            postal = postal.lstrip("0")
    return postal


class Phone:
    __slots__ = ("country", "area", "subscriber")

    def __init__(self, rng: random.Random, country: Country, city: City) -> None:
        self.country = country.code
        self.area = _pick(rng.random, city.area_codes)
        code = country.code
        if code in ("US", "CA"):
            exchange = _pick(rng.random, "23456789") + f"{_between(rng.random, 0, 99):02d}"
            if exchange[1:] == "11" or exchange == "555":
                exchange = exchange[0] + "20"
            self.subscriber = exchange + f"{_between(rng.random, 0, 9999):04d}"
        elif code == "GB":
            if self.area == "20":
                self.subscriber = _pick(rng.random, "378") + f"{_between(rng.random, 0, 9999999):07d}"
            else:
                self.subscriber = _pick(rng.random, "2345") + f"{_between(rng.random, 0, 999999):06d}"
        elif code == "AU":
            first = {"2": "89", "3": "89", "7": "3", "8": "89"}[self.area]
            self.subscriber = _pick(rng.random, first) + f"{_between(rng.random, 0, 9999999):07d}"
        elif code == "FR":
            self.subscriber = _pick(rng.random, "123456789") + f"{_between(rng.random, 0, 9999999):07d}"
        else:
            self.subscriber = _pick(rng.random, _SUBSCRIBER_START[code]) + f"{_between(rng.random, 0, 999999):06d}"

    def render(self, rng: random.Random, profile: Profile) -> str:
        a, s = self.area, self.subscriber
        code = self.country
        if code in ("US", "CA"):
            styles = (f"({a}) {s[:3]}-{s[3:]}", f"{a}-{s[:3]}-{s[3:]}", f"{a}.{s[:3]}.{s[3:]}",
                      f"+1 {a} {s[:3]} {s[3:]}", f"+1-{a}-{s[:3]}-{s[3:]}", f"1-{a}-{s[:3]}-{s[3:]}",
                      f"{a}{s}", f"+1{a}{s}")
        elif code == "GB":
            grouped = f"{s[:4]} {s[4:]}" if len(s) == 8 else f"{s[:3]} {s[3:]}"
            styles = (f"0{a} {grouped}", f"+44 {a} {grouped}", f"+44 (0){a} {grouped}", f"0044 {a} {grouped}",
                      f"0{a}{s}")
        elif code == "DE":
            styles = (f"0{a} {s}", f"+49 {a} {s}", f"0049 {a} {s}", f"+49 (0){a} {s}", f"0{a}/{s}",
                      f"0{a}-{s}", f"+49 {a} {s[:3]} {s[3:]}")
        elif code == "FR":
            pairs = " ".join(s[i:i + 2] for i in range(0, 8, 2))
            styles = (f"0{a} {pairs}", f"+33 {a} {pairs}", f"0{a}.{pairs.replace(' ', '.')}",
                      f"0033 {a} {pairs}", f"0{a}{s}")
        elif code == "NL":
            styles = (f"0{a} {s[:3]} {s[3:]}", f"+31 {a} {s[:3]} {s[3:]}", f"0{a}-{s}", f"0031 {a} {s}",
                      f"+31 (0){a} {s}")
        else:  # AU
            styles = (f"(0{a}) {s[:4]} {s[4:]}", f"0{a} {s[:4]} {s[4:]}", f"+61 {a} {s[:4]} {s[4:]}",
                      f"+61{a}{s}")
        # An ERP is set up once with one house format; people typing into a portal are not.
        phone = styles[0] if profile is PROFILES["ERP"] and rng.random() < 0.7 else _pick(rng.random, styles)
        if profile.phone_ext and rng.random() < profile.phone_ext:
            phone += _pick(rng.random, (" x", " ext. ", " Ext ")) + str(_between(rng.random, 10, 999))
        return phone


def _tax_id(rng: random.Random, code: str) -> tuple[str, str]:
    """(canonical, alternative spelling) of a plausible national tax / VAT id."""
    digits = _digits(rng.random, 11)
    if code == "US":
        return f"{digits[:2]}-{digits[2:9]}", digits[:9]
    if code == "CA":
        return f"{digits[:9]}RT0001", digits[:9]
    if code == "GB":
        return f"GB{digits[:9]}", f"GB {digits[:3]} {digits[3:7]} {digits[7:9]}"
    if code == "DE":
        return f"DE{digits[:9]}", f"DE {digits[:3]} {digits[3:6]} {digits[6:9]}"
    if code == "FR":
        return f"FR{digits}", f"FR {digits[:2]} {digits[2:]}"
    if code == "NL":
        return f"NL{digits[:9]}B01", f"NL {digits[:9]} B01"
    return f"{digits[:2]} {digits[2:5]} {digits[5:8]} {digits[8:]}", digits  # AU ABN


# -- Suppliers ------------------------------------------------------------------------------------

class SupplierTruth:
    __slots__ = ("entity_id", "core", "legal", "address", "phone", "domain", "mailbox", "tax_id", "duns",
                 "sku_prefix")


def _company_core(rng: random.Random, country: Country) -> str:
    """A company name without legal form, from pools skewed towards common words."""
    r = rng.random
    x = r()
    code = country.code
    if code == "DE" and x < 0.45:
        return f"{_pick(r, pools.SURNAMES if r() < 0.6 else pools.NAME_PREFIXES)} {_pick(r, pools.GERMAN_WORDS)}"
    if code == "FR" and x < 0.45:
        return f"{_pick(r, pools.FRENCH_WORDS)} {_pick(r, pools.SURNAMES if r() < 0.6 else pools.NAME_PREFIXES)}"
    if code == "NL" and x < 0.45:
        return f"{_pick(r, pools.SURNAMES if r() < 0.5 else pools.NAME_PREFIXES)} {_pick(r, pools.DUTCH_WORDS)}"
    x = r()
    noun = _pick(r, pools.NOUNS)
    if noun == "& Sons":
        return f"{_pick(r, pools.SURNAMES)} & Sons"
    if x < 0.42:
        return f"{_pick(r, pools.NAME_PREFIXES)} {_pick(r, pools.INDUSTRY_WORDS)} {noun}"
    if x < 0.60:
        return f"{_pick(r, pools.NAME_PREFIXES)} {noun}"
    if x < 0.68:
        return f"{_pick(r, pools.SURNAMES)} & {_pick(r, pools.SURNAMES)}"
    if x < 0.80:
        return f"{_pick(r, pools.SURNAMES)} {_pick(r, pools.INDUSTRY_WORDS)} {noun}"
    if x < 0.90:
        return f"{_pick(r, pools.PLACE_WORDS)} {_pick(r, pools.INDUSTRY_WORDS)} {noun}"
    coined = _pick(r, pools.COINED_HEADS) + _pick(r, pools.COINED_TAILS)
    return coined if r() < 0.5 else f"{coined} {noun}"


def _sibling_core(rng: random.Random, core: str) -> str:
    """A different company whose name is one word away from `core` (Supply vs Services)."""
    words = core.split(" ")
    for i in range(len(words) - 1, -1, -1):
        siblings = pools.NOUN_SIBLINGS.get(words[i])
        if siblings:
            words[i] = _pick(rng.random, siblings)
            return " ".join(words)
    if len(words) >= 2 and rng.random() < 0.5:
        words[-2 if len(words) > 2 else 0] = _pick(rng.random, pools.INDUSTRY_WORDS)
        return " ".join(words)
    return f"{core} {_pick(rng.random, ('West', 'East', 'North', 'South', 'Central', 'International', 'USA'))}"


def _domain(core: str, country: Country, rng: random.Random) -> str:
    words = [w for w in slugify(core).split("-") if w not in ("and", "sons")]
    stem = "".join(words[:2]) if rng.random() < 0.7 else "-".join(words[:3])
    tld = country.tld if rng.random() < 0.7 else ".com"
    return (stem or "company") + tld


def _new_supplier(rng: random.Random, index: int, recent: list[str]) -> SupplierTruth:
    r = rng.random
    truth = SupplierTruth()
    truth.entity_id = f"S{index + 1:07d}"
    country = _COUNTRIES[_pick(r, _COUNTRY_POOL)]
    if recent and r() < 0.07:
        truth.core = _sibling_core(rng, _pick(r, recent))
    else:
        truth.core = _company_core(rng, country)
    if len(recent) < 4096:
        recent.append(truth.core)
    else:
        recent[index % 4096] = truth.core
    truth.legal = _pick(r, _LEGAL_POOLS[country.code])
    truth.address = Address(rng, country)
    truth.phone = Phone(rng, country, truth.address.city)
    truth.domain = _domain(truth.core, country, rng)
    if r() < 0.7:
        truth.mailbox = _pick(r, pools.GENERIC_MAILBOXES)
    else:
        truth.mailbox = f"{_pick(r, pools.FIRST_NAMES)}.{slugify(_pick(r, pools.SURNAMES)).replace('-', '')}"
    truth.tax_id = _tax_id(rng, country.code) if r() < 0.75 else None
    truth.duns = _digits(rng.random, 9) if r() < (0.5 if country.code == "US" else 0.25) \
        else ""
    if truth.duns and r() < 0.3:
        truth.duns = "0" + truth.duns[1:]
    truth.sku_prefix = "".join(w[0] for w in slugify(truth.core).split("-") if w)[:3].upper() or "X"
    return truth


def _render_company_name(rng: random.Random, core: str, legal: str, profile: Profile, upper: bool,
                         extra_typo: float = 0.0, max_length: int = 0) -> str:
    r = rng.random
    words = core.split(" ")
    if r() < profile.abbreviate:
        abbreviated = []
        for word in words:
            options = pools.NAME_ABBREVIATIONS.get(word)
            abbreviated.append(_pick(r, options) if options and r() < 0.6 else word)
        words = abbreviated
    elif "&" in words and r() < 0.2:
        words = ["and" if w == "&" else w for w in words]
    if len(words) >= 3 and r() < 0.015:
        if "&" in words:
            i = words.index("&")
            words = [*words[i + 1:], "&", *words[:i]]
        else:
            words = [*words[1:-1], words[-1] + ",", words[0]]
    name = " ".join(words)
    if legal and r() >= profile.legal_drop:
        variants = pools.LEGAL_FORM_VARIANTS[legal]
        variant = variants[0] if r() < 0.55 else _pick(r, variants)
        name = f"{name}{', ' if r() < 0.25 else ' '}{variant}"
    if r() < profile.typo + extra_typo:
        name = _typo(rng, name)
    if upper:
        name = fold(name).upper()
    if max_length and len(name) > max_length:
        name = name[:max_length].rstrip()
    return name


def _render_supplier(rng: random.Random, truth: SupplierTruth, system: str, duplicate: bool) -> list[str]:
    profile = PROFILES[system]
    r = rng.random
    extra_blank = 0.15 if duplicate else 0.0
    upper = r() < profile.upper
    name = _render_company_name(rng, truth.core, truth.legal, profile, upper,
                                extra_typo=0.25 if duplicate else 0.0, max_length=profile.name_max)
    tax_id = ""
    if truth.tax_id and r() >= profile.blank_tax + extra_blank:
        tax_id = truth.tax_id[0] if r() < profile.canonical_tax else truth.tax_id[1]
    duns = ""
    if truth.duns and r() >= profile.blank_duns + extra_blank:
        duns = truth.duns.lstrip("0") if system == "ERP" and r() < 0.5 else truth.duns
    address = _render_address(rng, truth.address, profile, upper)
    if duplicate and r() < 0.2:  # the second record was keyed from an older letterhead
        address[0] = _typo(rng, address[0])
    phone = truth.phone.render(rng, profile) if r() >= profile.blank_phone + extra_blank else ""
    email = ""
    if r() >= profile.blank_email + extra_blank:
        mailboxes = pools.SYSTEM_MAILBOXES[system]
        mailbox = truth.mailbox if not mailboxes or r() < 0.65 else _pick(r, mailboxes)
        email = f"{mailbox}@{truth.domain}"
        if upper and r() < 0.3:
            email = email.upper()
        elif r() < 0.08:
            email = email.title()
    website = ""
    if r() >= profile.blank_website + extra_blank:
        d = truth.domain
        website = _pick(r, (f"https://www.{d}", f"https://www.{d}", f"www.{d}", d, f"http://www.{d}/",
                            f"https://{d}/", f"http://{d}"))
        if upper and r() < 0.3:
            website = website.upper()
    return [name, tax_id, duns, *address, phone, email, website]


# -- Products -------------------------------------------------------------------------------------

_SIZES = (("Small", "S", "SM"), ("Medium", "M", "MED"), ("Large", "L", "LG"), ("X-Large", "XL", "XL"))
_COLORS = (("Blue", "Blue", "BLU"), ("Black", "Black", "BLK"), ("White", "White", "WHT"),
           ("Yellow", "Yellow", "YEL"), ("Orange", "Orange", "ORG"), ("Red", "Red", "RED"),
           ("Green", "Green", "GRN"), ("Clear", "Clear", "CLR"), ("Grey", "Gray", "GRY"))
_FINISHES = (("Zinc Plated", "Zinc", "ZP"), ("Stainless Steel A2", "SS A2", "SS"), ("Hot-Dip Galvanized",
             "Galv", "HDG"), ("Black Oxide", "Blk Oxide", "BO"))


def _count(rng: random.Random, n: int) -> tuple[str, str, str]:
    r = rng.random
    return (_pick(r, (f"{n} ct", f"Box of {n}", f"{n}-Pack", f"{n} pcs")),
            _pick(r, (f"{n} PCS", f"{n}pcs", f"{n} pc")),
            _pick(r, (f"{n}PK", f"{n}/BX", f"{n} EA")))


def _measure(value: float | int, unit: str, erp_unit: str | None = None) -> tuple[str, str, str]:
    text = f"{value:g}"
    return f"{text} {unit}", f"{text}{unit}", f"{text}{erp_unit or unit.upper()}"


def _product_attributes(rng: random.Random, kind: str) -> list[tuple[str, str, str]]:
    r = rng.random

    def c(pool):
        return pool[int(r() * len(pool))]

    if kind == "glove":
        return [c(_SIZES), c(_COLORS[:3]), _count(rng, c((50, 100, 100, 200)))]
    if kind == "apparel":
        return [c(_SIZES), c(_COLORS[3:5])]
    if kind == "color":
        return [c(_COLORS)]
    if kind == "count":
        return [_count(rng, c((10, 20, 24, 50, 100, 200)))]
    if kind in ("thread", "nut"):
        d = c((5, 6, 8, 10, 12, 16, 20))
        if kind == "thread":
            length = d * c((2, 3, 4, 5, 6, 8))
            size = (f"M{d} x {length} mm", f"M{d}x{length}", f"M{d}X{length}")
            return [size, c(_FINISHES), _count(rng, c((25, 50, 100)))]
        return [(f"M{d}", f"M{d}", f"M{d}"), c(_FINISHES), _count(rng, c((50, 100, 200)))]
    if kind == "screw":
        d, length = c(("3.5", "4.0", "4.5", "5.0", "6.0")), c((16, 20, 25, 30, 40, 50, 60, 80))
        return [(f"{d} x {length} mm", f"{d}x{length}", f"{d}X{length}"),
                c((("Torx", "TX", "TX"), ("Phillips", "PH", "PH"), ("Pozidriv", "PZ", "PZ"))),
                _count(rng, c((100, 200, 500)))]
    if kind == "tie":
        length, width = c(((100, 2.5), (200, 4.8), (300, 4.8), (370, 7.6))), None
        length, width = length
        return [(f"{length} x {width} mm", f"{length}x{width}mm", f"{length}X{width}"),
                c((("Black UV", "Blk UV", "BLK"), ("Natural", "Natural", "NAT"))), _count(rng, 100)]
    if kind == "tape":
        width, length = c(((19, 20), (19, 33), (48, 66), (50, 66), (48, 100)))
        return [(f"{width} mm x {length} m", f"{width}mmx{length}m", f"{width}MMX{length}M"), c(_COLORS)]
    if kind == "wire":
        return [c((("1.5 mm²", "1.5mm2", "1.5MM2"), ("2.5 mm²", "2.5mm2", "2.5MM2"), ("4 mm²", "4mm2", "4MM2"))),
                c(_COLORS[:3]), _measure(c((50, 100, 500)), "m", "MTR")]
    if kind == "cord":
        return [_measure(c((5, 10, 15, 25)), "m", "M"), c((("3 Outlet", "3 Out", "3OUT"), ("1 Outlet", "1 Out",
                                                                                      "1OUT")))]
    if kind == "watt":
        watts = c((10, 20, 30, 50))
        return [_measure(watts, "W"), _measure(watts * 90, "lm")]
    if kind == "film":
        return [(f"{c((450, 500))} mm x {c((250, 300))} m", "", ""), c((("23 micron", "23mu", "23MU"),
                                                                      ("17 micron", "17mu", "17MU")))]
    if kind == "box":
        dims = c(("300 x 200 x 150", "400 x 300 x 300", "600 x 400 x 400", "305 x 254 x 203"))
        compact = dims.replace(" ", "")
        return [(f"{dims} mm", compact, compact.upper()), c((("Single Wall", "SW", "SW"),
                                                              ("Double Wall", "DW", "DW"))), _count(rng, 25)]
    if kind == "liquid":
        return [c((("500 ml", "500ml", "500ML"), ("1 Litre", "1L", "1LTR"), ("5 Litre", "5L", "5LTR"),
                   ("20 Litre", "20L", "20LTR"), ("208 Litre Drum", "208L Drum", "208LTR DRM")))]
    if kind == "rolls":
        return [c((("2-Ply", "2ply", "2PLY"), ("1-Ply", "1ply", "1PLY"))), _count(rng, c((6, 12, 24)))]
    if kind == "bag":
        return [_measure(c((60, 120, 240)), "L", "LTR"), c(_COLORS[1:3]), _count(rng, c((100, 200)))]
    if kind == "mass":
        return [c((("400 g", "400g", "400G"), ("1 kg", "1kg", "1KG"), ("5 kg", "5kg", "5KG"),
                   ("18 kg", "18kg", "18KG")))]
    if kind == "bearing":
        code, seal = f"62{c(('01', '02', '03', '04', '05', '06', '08', '10'))}", c(("2RS", "ZZ"))
        return [(f"{code}-{seal}", f"{code} {seal}", f"{code}{seal}")]
    if kind == "disc":
        return [(f"{c((115, 125, 230))} x {c(('1.0', '1.6', '3.0'))} mm", "", ""), _count(rng, c((10, 25)))]
    if kind == "grit":
        grit = c((40, 60, 80, 120, 180, 240))
        return [_measure(c((115, 125, 150)), "mm"), (f"{grit} Grit", f"P{grit}", f"P{grit}"), _count(rng, 50)]
    if kind == "set":
        pieces = c((13, 19, 25, 29))
        return [(f"{pieces}-Piece", f"{pieces}pc", f"{pieces}PC")]
    if kind == "length_tool":
        return [c((("5 m / 16 ft", "5m", "5M"), ("8 m / 26 ft", "8m", "8M"), ("10 m", "10m", "10M")))]
    if kind == "volt":
        return [_measure(c((12, 18, 20)), "V"), c((("2 x 2.0 Ah", "2x2Ah", "2X2AH"), ("Bare Tool", "Bare",
                                                                                    "BARE")))]
    if kind == "paper":
        return [c((("A4", "A4", "A4"), ("Letter", "Letter", "LTR"))), _measure(c((75, 80, 90)), "gsm", "G"),
                (f"{c((500, 2500))} Sheets", "", "")]
    if kind == "pen":
        return [c(_COLORS[:3]), c((("Medium", "Med", "M"), ("Fine", "Fine", "F")))]
    if kind == "bag_mass":
        return [_measure(c((20, 25, 40)), "kg")]
    if kind == "cartridge":
        return [("300 ml", "300ml", "300ML"), c((_COLORS[7], _COLORS[2], _COLORS[8]))]
    if kind == "pipe":
        return [_measure(c((20, 25, 32, 40, 50, 63)), "mm"), _measure(c((3, 6)), "m")]
    if kind == "valve":
        return [c((("1/2 in", '1/2"', "1/2IN"), ("3/4 in", '3/4"', "3/4IN"), ("1 in", '1"', "1IN"))),
                c((("Full Port", "FP", "FP"), ("Standard Port", "SP", "SP")))]
    return [c((("Heavy Duty", "HD", "HD"), ("Professional", "Pro", "PRO")))]


class ManufacturerTruth:
    __slots__ = ("core", "legal", "brand", "gs1_prefix", "gs1_kind", "mpn_prefix", "next_item", "spellings")


class ProductTruth:
    __slots__ = ("entity_id", "ptype", "attributes", "manufacturer", "mpn", "gtin", "base_uom", "net_weight",
                 "supplier", "item_number", "lead_time")


_GS1_COUNTRY = {"US": ("060", "081"), "CA": ("754", "755"), "GB": ("500", "506"), "DE": ("400", "428"),
                "FR": ("300", "340"), "NL": ("870", "871"), "AU": ("930", "931")}


def _new_manufacturer(rng: random.Random, index: int) -> ManufacturerTruth:
    r = rng.random
    truth = ManufacturerTruth()
    country = _COUNTRIES[_pick(r, _COUNTRY_POOL)]
    head = _pick(r, pools.NAME_PREFIXES if r() < 0.6 else pools.SURNAMES)
    truth.core = f"{head} {_pick(r, pools.MANUFACTURER_NOUNS)}" if r() < 0.8 else \
        _pick(r, pools.COINED_HEADS) + _pick(r, pools.COINED_TAILS)
    truth.legal = _pick(r, _LEGAL_POOLS[country.code])
    first = truth.core.split(" ")[0]
    truth.brand = first if r() < 0.6 else first + _pick(r, ("Pro", "Max", "Tec", "Line", "Guard", "Flex"))
    # Company numbers come from a permutation of the index, so prefixes never collide.
    company = (index * 7919 + 1234) % 100000
    truth.gs1_kind = "12" if country.code in ("US", "CA") and r() < 0.45 else "13"
    if truth.gs1_kind == "12":
        truth.gs1_prefix = "0" + f"{company:05d}"  # UPC-A: number system 0 + company prefix
    else:
        truth.gs1_prefix = _pick(rng.random, _GS1_COUNTRY[country.code]) + f"{company:05d}"
    truth.mpn_prefix = "".join(ch for ch in fold(truth.core).upper() if ch.isalpha())[:2]
    truth.next_item = _between(rng.random, 1, 500)
    truth.spellings = {}
    return truth


def _new_product(rng: random.Random, index: int, manufacturers: list[ManufacturerTruth],
                 supplier_sku_prefixes: list[str]) -> ProductTruth:
    r = rng.random
    truth = ProductTruth()
    truth.entity_id = f"P{index + 1:07d}"
    truth.ptype = _pick(r, pools.PRODUCT_TYPES)
    truth.attributes = _product_attributes(rng, truth.ptype[4])
    mfr = manufacturers[int(r() ** 1.5 * len(manufacturers))]
    truth.manufacturer = mfr
    suffix = _pick(r, ("A", "B", "BL", "L", "XL", "10", "25"))
    truth.mpn = f"{mfr.mpn_prefix}-{_between(r, 1000, 99999)}-{suffix}"
    item = mfr.next_item
    mfr.next_item += 1
    x = r()
    if x < 0.07:
        truth.gtin = ""  # private label without a GTIN
    elif mfr.gs1_kind == "12":
        data = mfr.gs1_prefix + f"{item % 100000:05d}"
        truth.gtin = data + gtin_check_digit(data)
    else:
        data = mfr.gs1_prefix + f"{item % 10000:04d}"
        if x < 0.10:  # a case-level GTIN-14
            data = "1" + data
        truth.gtin = data + gtin_check_digit(data)
    truth.base_uom = _pick(r, truth.ptype[5])
    low, high = truth.ptype[6]
    truth.net_weight = low + (high - low) * r()
    # a few suppliers sell most of the range
    truth.supplier = int(r() ** 2.2 * len(supplier_sku_prefixes)) if supplier_sku_prefixes else -1
    sku_prefix = supplier_sku_prefixes[truth.supplier] if supplier_sku_prefixes else "X"
    truth.item_number = f"{sku_prefix}-{_between(r, 10000, 999999)}"
    truth.lead_time = _pick(r, (1, 2, 3, 5, 5, 7, 7, 10, 14, 14, 21, 30, 45, 60))
    return truth


_UNIT_CODES = {system: {canonical: unit[2 + i] for canonical, unit in pools.UNITS.items()}
               for i, system in enumerate(SYSTEMS)}


def _render_gtin(rng: random.Random, gtin: str, system: str) -> str:
    if system == "ERP" and gtin.startswith("0") and rng.random() < 0.4:
        return gtin.lstrip("0")  # stored in a numeric column
    if system == "WMS" and rng.random() < 0.5:
        return gtin.rjust(14, "0")
    if system == "PORTAL" and len(gtin) == 12 and rng.random() < 0.3:
        return "0" + gtin
    return gtin


def _render_product(rng: random.Random, truth: ProductTruth, system: str, supplier_key: str,
                    duplicate: bool) -> list[str]:
    profile = PROFILES[system]
    r = rng.random
    portal_name, wms_name, erp_name, path, _kind, _units, _weights = truth.ptype
    mfr = truth.manufacturer
    if system == "ERP":
        parts = [erp_name, *(a[2] or a[1] or a[0] for a in truth.attributes)]
        name = fold(" ".join(parts)).upper()
    elif system == "WMS":
        name = " ".join([wms_name, *(a[1] or a[0] for a in truth.attributes)])
    else:
        attrs = [a[0] for a in truth.attributes]
        name = f"{portal_name}, {', '.join(attrs)}" if r() < 0.6 else " ".join([portal_name, *attrs])
        if r() < 0.35:
            name = f"{mfr.brand} {name}"
    if r() < (0.05 + (0.2 if duplicate else 0.0)):
        name = _typo(rng, name)
    if profile.product_name_max and len(name) > profile.product_name_max:
        name = name[:profile.product_name_max].rstrip()
    gtin = _render_gtin(rng, truth.gtin, system) if truth.gtin and r() >= profile.blank_gtin else ""
    upper = system == "ERP"
    brand = "" if r() < profile.blank_brand else (mfr.brand.upper() if upper else mfr.brand)
    manufacturer = ""
    if r() >= profile.blank_mfr:
        # A system keeps one spelling of a manufacturer; now and then someone types it afresh.
        manufacturer = mfr.spellings.get(system, "")
        if not manufacturer or r() < 0.1:
            manufacturer = _render_company_name(rng, mfr.core, mfr.legal, profile, upper and r() < 0.8)
            mfr.spellings.setdefault(system, manufacturer)
    mpn = ""
    if r() >= profile.blank_mpn:
        mpn = truth.mpn
        x = r()
        if system == "ERP" and x < 0.3:
            mpn = mpn.replace("-", "")
        elif system == "PORTAL" and x < 0.1:
            mpn = mpn.replace("-", " ")
        elif system == "WMS" and x < 0.1:
            mpn = mpn.lower()
    if system == "ERP":
        category = f"{path[0]}/{path[1]}".upper()
    elif system == "WMS":
        category = "" if r() < 0.3 else path[2]
    else:
        category = " > ".join(path)
    base_uom = _UNIT_CODES[system][truth.base_uom]
    net_weight = weight_uom = ""
    if r() >= profile.blank_weight:
        kg = truth.net_weight
        if system == "ERP":
            unit, value = ("LBR", f"{kg * 2.20462:.2f}") if r() < 0.3 else ("KGM", f"{kg:.3f}")
        elif system == "WMS":
            unit, value = "KGM", f"{kg:.2f}"
        elif kg < 1 and r() < 0.6:
            unit, value = "GRM", f"{kg * 1000:.0f}"
        else:
            unit, value = ("LBR", f"{kg * 2.20462:.1f}") if r() < 0.2 else ("KGM", f"{kg:.2f}")
        weight_uom = _UNIT_CODES[system][unit]
        net_weight = value
    item_number = ""
    if r() >= profile.blank_item_no:
        item_number = truth.item_number
        if system == "ERP" and r() < 0.2:
            item_number = item_number.replace("-", "")
        elif system == "PORTAL" and r() < 0.05:
            item_number = item_number.lower()
    lead_time = ""
    if r() >= profile.blank_lead:
        days = truth.lead_time
        if system != "ERP" and r() < 0.3:
            days = max(0, days + _between(rng.random, -3, 5))
        lead_time = str(days)
    return [gtin, name, brand, manufacturer, mpn, category, base_uom, net_weight, weight_uom, supplier_key,
            item_number, lead_time]


# -- Locations ------------------------------------------------------------------------------------

class LocationTruth:
    __slots__ = ("entity_id", "location_type", "code", "name", "address", "parent", "number", "label")


_QUADRANTS = (("North", "N"), ("South", "S"), ("East", "E"), ("West", "W"), ("Central", "CTRL"),
              ("Airport", "APT"), ("Port", "PORT"))


def _location_plan(count: int) -> list[str]:
    """Location types in generation order: parents always come before their children."""
    dcs = max(1, round(count * 0.08))
    warehouses = round(count * 0.17)
    sites = round(count * 0.10)
    stores = max(0, count - dcs - warehouses - sites)
    plan = ["distribution_center"] * dcs + ["warehouse"] * warehouses + ["store"] * stores
    plan += ["supplier_site" if i % 2 else "customer_site" for i in range(sites)]
    return plan[:count]


def _new_location(rng: random.Random, index: int, location_type: str, dcs: list[LocationTruth],
                  hubs: list[LocationTruth], code_counters: dict[str, int]) -> LocationTruth:
    r = rng.random
    truth = LocationTruth()
    truth.entity_id = f"L{index + 1:07d}"
    truth.location_type = location_type
    truth.parent = None
    if location_type == "warehouse" and dcs:
        truth.parent = _pick(r, dcs)
    elif location_type == "store" and hubs:
        truth.parent = _pick(r, hubs)
    if truth.parent is not None:
        country = truth.parent.address.country
        city = truth.parent.address.city if r() < 0.5 else _pick(r, country.cities)
    else:
        country = _COUNTRIES[_pick(r, _COUNTRY_POOL)]
        city = None
    truth.address = Address(rng, country, city)
    city_name = truth.address.city.name
    city3 = fold(city_name).replace(" ", "").upper()[:3]
    prefix = {"distribution_center": "DC", "warehouse": "WH", "store": "BR", "supplier_site": "SS",
              "customer_site": "CS"}[location_type]
    key = prefix + (city3 if location_type in ("distribution_center", "warehouse") else "")
    code_counters[key] = number = code_counters.get(key, 0) + 1
    truth.number = number
    truth.code = f"{key}{number:02d}" if key != prefix else f"{prefix}{number:04d}"
    if location_type == "distribution_center":
        truth.label = ""
        truth.name = f"{city_name} Distribution Center"
    elif location_type == "warehouse":
        truth.label = _pick(r, _QUADRANTS)
        truth.name = f"{city_name} {truth.label[0]} Warehouse"
    elif location_type == "store":
        truth.label = (truth.address.street, "")
        truth.name = f"{city_name} {truth.address.street} Branch"
    else:
        truth.label = (_company_core(rng, country), "")
        truth.name = f"{truth.label[0]} - {city_name}"
    return truth


def _render_location(rng: random.Random, truth: LocationTruth, system: str, parent_key: str) -> list[str]:
    profile = PROFILES[system]
    r = rng.random
    city = truth.address.city.name
    kind = truth.location_type
    code = truth.code
    if system == "ERP":
        upper = True
        if kind == "distribution_center":
            name = f"{city} DC {truth.number:02d}"
        elif kind == "warehouse":
            name = f"{city} {truth.label[1]} WHSE"
        elif kind == "store":
            name = f"BR {truth.number} {city}"
        else:
            name = truth.name
        name = fold(name).upper()[:35]
    elif system == "WMS":
        upper = r() < profile.upper
        code = f"{code[:2]}-{code[2:5]}-{code[5:]}" if kind in ("distribution_center", "warehouse") \
            else f"{code[:2]}-{code[2:]}"
        if kind == "distribution_center":
            name = f"{code} - {city} DC"
        elif kind == "warehouse":
            name = f"{city} {truth.label[0]} WH"
        elif kind == "store":
            name = f"Branch {truth.number} {city}"
        else:
            name = truth.name
    else:
        upper = r() < profile.upper
        name = truth.name
        if kind == "distribution_center" and truth.address.country.code in ("GB", "AU", "CA"):
            name = name.replace("Center", "Centre")
        if r() < 0.3:
            code = ""
        elif r() < 0.2:
            code = code.lower()
    if r() < profile.typo * 0.5:
        name = _typo(rng, name)
    location_type = "" if r() < profile.blank_loc_type else kind
    if system == "ERP" and kind == "warehouse" and r() < 0.03:
        location_type = "distribution_center"  # classified by the plant's old role
    address = _render_address(rng, truth.address, profile, upper)
    latitude = longitude = ""
    if r() >= profile.blank_geo:
        digits = {"ERP": 4, "WMS": 6, "PORTAL": 5}[system]
        latitude = f"{truth.address.latitude + (r() - 0.5) * 0.001:.{digits}f}"
        longitude = f"{truth.address.longitude + (r() - 0.5) * 0.001:.{digits}f}"
    timezone = ""
    if r() >= profile.blank_tz:
        timezone = truth.address.city.timezone
        if system == "ERP" and r() < 0.3:
            timezone = _LEGACY_TZ.get(timezone, timezone)
    return [code, name, location_type, *address, latitude, longitude, timezone, parent_key]


# -- Units of measure ----------------------------------------------------------------------------

def _uom_rows(system: str) -> Iterator[tuple[str, list[str]]]:
    """(canonical code, row) for each unit the system knows, in its own spelling."""
    index = SYSTEMS.index(system)
    for canonical, (name, dimension, *codes) in pools.UNITS.items():
        code = codes[index]
        if system == "ERP":
            label = name.upper().replace("LITRE", "LITER").replace("METRE", "METER")
        elif system == "WMS":
            label = name.replace("Litre", "Liter").replace("Metre", "Meter") if canonical != "EA" else "Pieces"
        else:
            label = name.lower() if canonical not in ("CS",) else "carton"
        yield canonical, [code, code, label, dimension]


# -- Malformed rows --------------------------------------------------------------------------------

def _malform(rng: random.Random, entity: str, row: list[str]) -> str:
    """Break one row the way real exports break, and say how."""
    columns = field_names(entity)
    x = rng.random()
    if entity == "product":
        gtin_at = columns.index("gtin")
        gtin = row[gtin_at]
        if gtin and x < 0.4:
            row[gtin_at] = gtin[:-1] + str((int(gtin[-1]) + _between(rng.random, 1, 9)) % 10)
            return "invalid GTIN check digit"
        if gtin and x < 0.55:
            row[gtin_at] = f"{int(gtin) / 10 ** (len(gtin.lstrip('0')) - 1):.5f}E+{len(gtin.lstrip('0')) - 1}"
            return "GTIN in scientific notation"
        if x < 0.8:
            row[columns.index("lead_time_days")] = _pick(rng.random, ("2 weeks", "tbd", "ask rep"))
            return "lead time is not a number"
    elif entity == "location" and x < 0.4:
        latitude = row[columns.index("latitude")] or "45.123456"
        row[columns.index("latitude")] = latitude.replace(".", "")  # lost decimal point
        return "latitude out of range"
    elif entity == "supplier" and x < 0.3:
        row[columns.index("email")] = _pick(rng.random, ("sales(at)example.com", "see website", "accounts@",
                                                          "info@@example.com"))
        return "invalid email"
    if x < 0.7:
        row[columns.index("country")] = _pick(rng.random, ("XX", "ZZ", "Europe", "Germany/EU", "EU"))
        return "invalid country code"
    row[columns.index("name")] = ""
    return "missing name"


# -- Orchestration ---------------------------------------------------------------------------------

class _KeyMaker:
    """Source keys in each system's own style, unique within the system and entity."""

    def __init__(self, rng: random.Random, prefix: str, start: int, slugs: bool = False) -> None:
        self.rng = rng
        self.prefix = prefix
        self.next = start
        self.slugs = slugs
        self.used: set[str] = set()

    def make(self, label: str = "") -> str:
        if self.slugs:
            base = slugify(label) or "unnamed"
            key, n = base, 1
            while key in self.used:
                n += 1
                key = f"{base}-{n}"
            self.used.add(key)
            return key
        key = f"{self.prefix}{self.next}"
        # deleted and never-activated records leave gaps in the numbering
        self.next += 1 if self.rng.random() > 0.04 else _between(self.rng.random, 2, 30)
        return key


class _Writer:
    def __init__(self, stack: ExitStack, out_dir: Path, rng: random.Random) -> None:
        self.rng = rng
        self.counts: dict[str, int] = {}
        self.writers: dict[str, Any] = {}
        self.dialects: dict[str, Dialect] = {}
        self.decimal_columns: dict[str, list[int]] = {}
        for name, entity, dialect, columns in self._files():
            handle = stack.enter_context((out_dir / name).open("w", newline="", encoding=dialect.encoding))
            writer = csv.writer(handle, delimiter=dialect.delimiter, lineterminator="\n")
            writer.writerow(columns)
            self.writers[name] = writer
            self.dialects[name] = dialect
            self.decimal_columns[name] = [n for n, spec in enumerate(ENTITY_FIELDS.get(entity, ()))
                                          if spec.kind == "decimal"]
            self.counts[name] = 0

    @staticmethod
    def _files() -> Iterator[tuple[str, str, Dialect, tuple[str, ...]]]:
        for system in SYSTEMS:
            for entity in ENTITY_FILES:
                dialect = DIALECTS.get(system, PLAIN)
                yield data_file_name(system, entity), entity, dialect, dialect.header(entity)
        yield TRUTH_FILE, "", PLAIN, TRUTH_HEADER
        yield MALFORMED_FILE, "", PLAIN, MALFORMED_HEADER

    def _render(self, name: str, row: list[str]) -> list[str]:
        dialect = self.dialects[name]
        if dialect is PLAIN:
            return row
        row = list(row)
        if dialect.decimal_comma:
            for n in self.decimal_columns[name]:
                row[n] = row[n].replace(".", ",")
        return [value or dialect.empty for value in row]

    def row(self, entity: str, system: str, key: str, entity_id: str, row: list[str],
            malformable: bool = True) -> None:
        name = data_file_name(system, entity)
        if malformable and self.rng.random() < MALFORMED_RATE:
            problem = _malform(self.rng, entity, row)
            self.writers[MALFORMED_FILE].writerow((entity, system, key, problem))
            self.counts[MALFORMED_FILE] += 1
        self.writers[name].writerow((key, *self._render(name, row)))
        self.counts[name] += 1
        self.writers[TRUTH_FILE].writerow((entity, system, key, entity_id))
        self.counts[TRUTH_FILE] += 1


def _supplier_keys(rng: random.Random) -> dict[str, _KeyMaker]:
    return {"ERP": _KeyMaker(rng, "V-", 1001), "WMS": _KeyMaker(rng, "", 0, slugs=True),
            "PORTAL": _KeyMaker(rng, "SUP-", _between(rng.random, 10, 90))}


def _write_suppliers(out: _Writer, count: int, seed: int) -> tuple[list[str], dict[str, list[str]]]:
    """Write the suppliers; return each one's item-number prefix and its first key in each system."""
    rng = random.Random(f"{seed}:supplier")
    r = rng.random
    keys = _supplier_keys(rng)
    primary_keys: dict[str, list[str]] = {system: [""] * count for system in SYSTEMS}
    sku_prefixes: list[str] = []
    recent: list[str] = []
    pending: dict[int, list[tuple[str, SupplierTruth]]] = {}

    def emit(system: str, truth: SupplierTruth, duplicate: bool) -> str:
        row = _render_supplier(rng, truth, system, duplicate)
        key = keys[system].make(row[0] or truth.core)
        out.row("supplier", system, key, truth.entity_id, row)
        return key

    for index in range(count):
        truth = _new_supplier(rng, index, recent)
        sku_prefixes.append(truth.sku_prefix)
        present = [system for system in SYSTEMS if r() < PROFILES[system].supplier_share]
        if not present:  # every supplier is known somewhere, usually in the ERP
            present = ["ERP"]
        for system in present:
            primary_keys[system][index] = emit(system, truth, duplicate=False)
            if r() < PROFILES[system].supplier_dup:
                # the duplicate is created later, by someone who did not find the first record
                later = min(count - 1, index + 1 + int(r() * 2000))
                pending.setdefault(later, []).append((system, truth))
        for system, earlier in pending.pop(index, ()):
            emit(system, earlier, duplicate=True)
    return sku_prefixes, primary_keys


def _write_products(out: _Writer, count: int, seed: int, supplier_sku_prefixes: list[str],
                    supplier_keys: dict[str, list[str]]) -> None:
    rng = random.Random(f"{seed}:product")
    r = rng.random
    manufacturers = [_new_manufacturer(rng, i) for i in range(max(20, min(20000, count // 40)))]
    keys = {"ERP": _KeyMaker(rng, "", 400001), "WMS": _KeyMaker(rng, "W", 1000001),
            "PORTAL": _KeyMaker(rng, "PRD-", 1)}
    pending: dict[int, list[tuple[str, ProductTruth]]] = {}

    def emit(system: str, truth: ProductTruth, duplicate: bool) -> None:
        supplier_key = ""
        if truth.supplier >= 0:
            supplier_key = supplier_keys[system][truth.supplier]
        row = _render_product(rng, truth, system, supplier_key, duplicate)
        out.row("product", system, keys[system].make(), truth.entity_id, row)

    for index in range(count):
        truth = _new_product(rng, index, manufacturers, supplier_sku_prefixes)
        present = [system for system in SYSTEMS if r() < PROFILES[system].product_share] or ["ERP"]
        for system in present:
            emit(system, truth, duplicate=False)
            if r() < PROFILES[system].product_dup:
                later = min(count - 1, index + 1 + int(r() * 2000))
                pending.setdefault(later, []).append((system, truth))
        for system, earlier in pending.pop(index, ()):
            emit(system, earlier, duplicate=True)


def _write_locations(out: _Writer, count: int, seed: int) -> None:
    rng = random.Random(f"{seed}:location")
    r = rng.random
    keys = {"ERP": _KeyMaker(rng, "P", 1001), "WMS": _KeyMaker(rng, "", 0, slugs=True),
            "PORTAL": _KeyMaker(rng, "LOC-", 1)}
    system_keys: dict[str, dict[int, str]] = {system: {} for system in SYSTEMS}
    dcs: list[LocationTruth] = []
    hubs: list[LocationTruth] = []
    code_counters: dict[str, int] = {}
    for index, location_type in enumerate(_location_plan(count)):
        truth = _new_location(rng, index, location_type, dcs, hubs, code_counters)
        if location_type in ("distribution_center", "warehouse"):
            hubs.append(truth)
            if location_type == "distribution_center":
                dcs.append(truth)
        present = [system for system in SYSTEMS if r() < PROFILES[system].location_share] or ["WMS"]
        for system in present:
            parent_key = ""
            if truth.parent is not None:
                parent_key = system_keys[system].get(int(truth.parent.entity_id[1:]) - 1, "")
            row = _render_location(rng, truth, system, parent_key)
            key = keys[system].make(truth.code)
            system_keys[system][index] = key
            out.row("location", system, key, truth.entity_id, row)


def generate(out_dir: Path, *, suppliers: int, products: int, locations: int, seed: int) -> dict[str, int]:
    """Write the three systems' exports plus truth.csv and malformed.csv into `out_dir`.

    Returns the number of data rows (header excluded) written to each file, by file name.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    with ExitStack() as stack:
        out = _Writer(stack, out_dir, random.Random(f"{seed}:malformed"))
        for system in SYSTEMS:
            for canonical, row in _uom_rows(system):
                out.row("uom", system, row[0], canonical, row[1:], malformable=False)
        sku_prefixes, supplier_keys = _write_suppliers(out, suppliers, seed)
        _write_products(out, products, seed, sku_prefixes, supplier_keys)
        _write_locations(out, locations, seed)
    return dict(out.counts)
