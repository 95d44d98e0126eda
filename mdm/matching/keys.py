"""Comparison-ready match keys computed from a normalized record.

A match key is the form of a field that comparisons and blocking keys work on: case,
accents, punctuation and legal forms removed, identifiers reduced to one spelling. The
cleaning itself is mdm.normalization's, so ingest and matching agree on what a value is.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import jellyfish

from mdm.normalization import (
    email_domain,
    normalize_address_line,
    normalize_company_name,
    normalize_gtin,
    normalize_phone,
    normalize_text,
    postal_code_key,
    website_host,
)

_NON_ALNUM_UPPER = re.compile(r"[^0-9A-Z]+")
_DIGITS = re.compile(r"\D+")
_E164 = re.compile(r"\+[1-9]\d{6,14}")


def _text(value: Any) -> str:
    return str(value).strip() if value is not None else ""


def _country(record: dict) -> str:
    return _text(record.get("country")).upper()[:2]


def _float(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if number == number else None  # NaN is missing


def _code(value: Any) -> str:
    return _NON_ALNUM_UPPER.sub("", _text(value).upper())


def _tax_key(tax_id: Any, country: str) -> str:
    code = _code(tax_id)
    # A VAT number often carries its country prefix in one system and not in another.
    if country and code.startswith(country) and len(code) > len(country) + 3:
        code = code[len(country):]
    return f"{country}:{code}" if code else ""


def _duns(value: Any) -> str:
    digits = _DIGITS.sub("", _text(value))
    return digits.zfill(9) if 8 <= len(digits) <= 9 else ""


def _phone(value: Any, country: str) -> str:
    text = _text(value)
    if _E164.fullmatch(text):  # normalized values are E.164 already: parsing again gives the same
        return text
    return (normalize_phone(text, country or None) or "") if text else ""


def _host(value: Any) -> str:
    text = _text(value)
    try:
        return website_host(text) if text else ""
    except ValueError:  # urlsplit rejects malformed hosts and ports
        return ""


_NUMBER = re.compile(r"\d+")


def numbers(text: str) -> str:
    """The numbers in a text, sorted ("BR 0057 Unit 5" -> "5 57"): a store, house or size
    number that differs is strong evidence of a different thing however similar the words."""
    return " ".join(sorted({n.lstrip("0") or "0" for n in _NUMBER.findall(text)}))


def phonetic(token: str) -> str:
    return jellyfish.metaphone(token)[:6] if token else ""


def _address(record: dict) -> dict[str, Any]:
    country = _country(record)
    postal = _text(record.get("postal_code"))
    address_key = normalize_address_line(_text(record.get("address_line1")))
    return {
        "address_key": address_key,
        "address_numbers": numbers(address_key),
        "city_key": normalize_text(_text(record.get("city"))),
        "postal_key": _code(postal_code_key(postal, country or None)) if postal else "",
        "country": country,
    }


def _supplier(record: dict) -> dict[str, Any]:
    country = _country(record)
    name_key = normalize_company_name(_text(record.get("name")))
    return {
        "name_key": name_key,
        "name_tokens": tuple(name_key.split()),
        "name_numbers": numbers(name_key),
        **_address(record),
        "phone": _phone(record.get("phone"), country),
        "email_domain": email_domain(_text(record.get("email"))),
        "web_host": _host(record.get("website")),
        "tax_key": _tax_key(record.get("tax_id"), country),
        "duns": _duns(record.get("duns")),
    }


def _product(record: dict) -> dict[str, Any]:
    name_key = normalize_text(_text(record.get("name")))
    return {
        "name_key": name_key,
        "name_tokens": tuple(name_key.split()),
        "name_numbers": numbers(name_key),
        "gtin14": normalize_gtin(_text(record.get("gtin"))) or "",
        "mpn_key": _code(record.get("mpn")),
        "item_key": _code(record.get("supplier_item_number")),
        "manufacturer_key": normalize_company_name(_text(record.get("manufacturer"))),
        "brand_key": normalize_text(_text(record.get("brand"))),
    }


def _location(record: dict) -> dict[str, Any]:
    name_key = normalize_text(_text(record.get("name")))
    return {
        "name_key": name_key,
        "name_tokens": tuple(name_key.split()),
        "name_numbers": numbers(name_key),
        **_address(record),
        "lat": _float(record.get("latitude")),
        "lon": _float(record.get("longitude")),
        "code_key": _code(record.get("code")),
    }


_BUILDERS: dict[str, Callable[[dict], dict[str, Any]]] = {
    "supplier": _supplier,
    "product": _product,
    "location": _location,
}


def match_keys(entity: str, record: dict) -> dict[str, Any]:
    """The comparison-ready values of one normalized record; a missing value is "" or None."""
    try:
        builder = _BUILDERS[entity]
    except KeyError:
        raise ValueError(f"no matching is defined for entity {entity!r}") from None
    return builder(record)
