"""Validation of one incoming source record against the ingest schema.

`validate_record` turns a raw record (from JSON: any types; from CSV: all strings) into typed
values plus every error found, each error pointing at its field with a JSON pointer and a
stable code, and worded for a data steward. The rules come from the FieldSpec kinds of
`mdm.ingest.schema`; each kind is checked in exactly one function below.

Conventions:

* A field that is absent, null, or a blank string is "missing": it is left out of `values`.
* Text is trimmed; lengths are counted on the trimmed text.
* Numbers use "." as the decimal separator ("12,5" is rejected, to avoid reading "1,250" as
  1.25); spaces inside numbers are ignored. Decimals become `Decimal`, never float; a JSON
  float is read through its shortest text form (12.5 -> Decimal("12.5")).
* Emails are checked with a practical pattern, not the full RFC 5322 grammar: one "@", a local
  part of the usual characters without leading, trailing or double dots, and an ASCII domain
  with a dot and a 2+ letter top-level label.
* Existence of referenced records (supplier_key, parent_key) is checked by the pipeline
  against the database; it reuses `missing_reference_error` for the message.
"""
from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from mdm.ingest.schema import ENTITY_FIELDS, SOURCE_KEY_MAX_LENGTH, FieldSpec, allowed_columns
from mdm.normalization import (
    AmbiguousNumber,
    email_candidates,
    gtin_check_digit,
    gtin_digits,
    normalize_country,
    normalize_phone,
    parse_decimal_text,
    phone_candidates,
    record_country,
    split_website,
)

UnitLookup = Callable[[str], "str | None"]


@dataclass(frozen=True)
class FieldError:
    pointer: str  # RFC 6901 JSON pointer to the field, e.g. "/gtin"
    code: str  # stable machine code, e.g. "invalid_gtin_check_digit"
    message: str  # for a data steward; names the offending value

    def as_dict(self) -> dict[str, str]:
        return {"pointer": self.pointer, "code": self.code, "message": self.message}


@dataclass
class ValidationResult:
    values: dict[str, object] = field(default_factory=dict)
    errors: list[FieldError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


class _Invalid(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def json_pointer(*parts: str) -> str:
    """RFC 6901 pointer from path segments ("a/b" -> "/a~1b")."""
    return "".join("/" + part.replace("~", "~0").replace("/", "~1") for part in parts)


def _show(value: object, limit: int = 60) -> str:
    """A value quoted for a message, cut when long."""
    text = str(value)
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return f"'{text}'"


def _bound(number: float | None) -> str:
    return f"{number:g}" if number is not None else ""


# --------------------------------------------------------------------------------------------
# One checker per FieldSpec kind. Each takes the non-missing raw value and returns the typed
# value or raises _Invalid.

_CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f]")
_INTEGER = re.compile(r"[+-]?\d+")
_SCIENTIFIC = re.compile(r"\d+(?:[.,]\d+)?[eE]\+?\d+")
_EMAIL = re.compile(
    r"(?!\.)(?!.*\.\.)[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}(?<!\.)"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}"
)
_HOST_LABEL = re.compile(r"(?!-)[a-z0-9-]{1,63}(?<!-)")
_TRUE = frozenset({"true", "1", "yes", "y", "t"})
_FALSE = frozenset({"false", "0", "no", "n", "f"})


def _as_text(spec: FieldSpec, value: object) -> str:
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, int | Decimal) and not isinstance(value, bool):
        return str(value)
    raise _Invalid("invalid_type", f"{spec.title} must be text, got {type(value).__name__} {_show(value)}")


def _check_length(spec: FieldSpec, text: str) -> str:
    if spec.max_length is not None and len(text) > spec.max_length:
        raise _Invalid(
            "too_long",
            f"{spec.title} {_show(text)} is {len(text)} characters long; at most {spec.max_length} allowed",
        )
    return text


def _check_range(spec: FieldSpec, number: int | Decimal) -> None:
    low, high = spec.minimum, spec.maximum
    if (low is not None and number < low) or (high is not None and number > high):
        if low is not None and high is not None:
            limits = f"({_bound(low)} to {_bound(high)})"
        elif low is not None:
            limits = f"(must be at least {_bound(low)})"
        else:
            limits = f"(must be at most {_bound(high)})"
        raise _Invalid("out_of_range", f"{spec.title} {number} is out of range {limits}")


def _check_str(spec: FieldSpec, value: object, context: _Context) -> object:
    return _check_length(spec, _as_text(spec, value))


def _check_int(spec: FieldSpec, value: object, context: _Context) -> object:
    if isinstance(value, bool):
        raise _Invalid("invalid_type", f"{spec.title} must be a whole number, got {_show(value)}")
    if isinstance(value, int):
        number = value
    elif isinstance(value, float | Decimal) and math.isfinite(value) and value == int(value):
        number = int(value)
    elif isinstance(value, str) and _INTEGER.fullmatch(text := "".join(value.split())):
        number = int(text)
    else:
        raise _Invalid("not_a_number", f"{spec.title} {_show(value)} is not a whole number")
    _check_range(spec, number)
    return number


def _check_decimal(spec: FieldSpec, value: object, context: _Context) -> object:
    if isinstance(value, bool):
        raise _Invalid("invalid_type", f"{spec.title} must be a number, got {_show(value)}")
    if isinstance(value, int | Decimal):
        number = Decimal(value)
    elif isinstance(value, float):
        number = Decimal(repr(value))
    elif isinstance(value, str):
        try:
            parsed = parse_decimal_text(value, context.decimal_comma)
        except AmbiguousNumber:
            raise _Invalid(
                "ambiguous_number",
                f"{spec.title} {_show(value)} could be a whole number with a thousands separator or a "
                "decimal with a decimal comma; write it without grouping (1500 or 1.5)",
            ) from None
        if parsed is None:
            raise _Invalid("not_a_number", f"{spec.title} {_show(value)} is not a number")
        number = parsed
    else:
        raise _Invalid("not_a_number", f"{spec.title} {_show(value)} is not a number")
    if not number.is_finite():
        raise _Invalid("not_a_number", f"{spec.title} {_show(value)} is not a number")
    _check_range(spec, number)
    return number


def _choice_key(text: str) -> str:
    return "_".join(text.lower().replace("-", " ").split())


def _check_choice(spec: FieldSpec, value: object, context: _Context) -> object:
    text = _as_text(spec, value)
    key = _choice_key(text)
    for choice in spec.choices:
        if _choice_key(choice) == key:
            return choice
    raise _Invalid(
        "invalid_choice", f"{spec.title} {_show(text)} is not one of: {', '.join(spec.choices)}"
    )


def _check_gtin(spec: FieldSpec, value: object, context: _Context) -> object:
    text = _as_text(spec, value)
    digits = gtin_digits(text)
    if digits is None and _SCIENTIFIC.fullmatch(text.strip()):
        raise _Invalid(
            "invalid_gtin",
            f"{spec.title} {_show(text)} is in scientific notation, so its last digits are lost: "
            "a spreadsheet took it for a number; export the column as text",
        )
    if digits is None:
        raise _Invalid("invalid_gtin", f"{spec.title} {_show(text)} must have 8, 12, 13 or 14 digits")
    if digits.strip("0") == "":
        raise _Invalid("invalid_gtin", f"{spec.title} {digits} is all zeros: a placeholder, not a GTIN")
    expected = gtin_check_digit(digits[:-1])
    if expected != int(digits[-1]):
        raise _Invalid(
            "invalid_gtin_check_digit",
            f"{spec.title} {digits} has a wrong check digit: expected {expected}, got {digits[-1]}",
        )
    return digits


def _check_country(spec: FieldSpec, value: object, context: _Context) -> object:
    text = _as_text(spec, value)
    if normalize_country(text) is None:
        raise _Invalid("invalid_country", f"{spec.title} {_show(text)} is not an ISO 3166 country code")
    return text


def _check_email(spec: FieldSpec, value: object, context: _Context) -> object:
    text = _check_length(spec, _as_text(spec, value))
    if _EMAIL.fullmatch(text):  # the usual case, and the first of the candidates below
        return text
    for candidate in email_candidates(text):
        if _EMAIL.fullmatch(candidate):
            return candidate
    raise _Invalid("invalid_email", f"{spec.title} {_show(text)} is not a valid email address")


def _check_url(spec: FieldSpec, value: object, context: _Context) -> object:
    text = _check_length(spec, _as_text(spec, value))
    problem = f"{spec.title} {_show(text)} is not a web address (http or https with a host like acme.com)"
    if any(c.isspace() for c in text):
        raise _Invalid("invalid_url", problem)
    try:
        scheme, host, _, _ = split_website(text)
    except ValueError:  # bad port or brackets
        raise _Invalid("invalid_url", problem) from None
    labels = host.split(":", 1)[0].split(".")
    if (
        scheme not in ("http", "https")
        or len(labels) < 2
        or not all(_HOST_LABEL.fullmatch(label) for label in labels)
        or labels[-1].isdigit()
    ):
        raise _Invalid("invalid_url", problem)
    return text


def _check_phone(spec: FieldSpec, value: object, context: _Context) -> object:
    text = _as_text(spec, value)  # the length is the kept number's: a field may list several
    readable = False
    for candidate in phone_candidates(text):
        if context.country is None and not candidate.startswith(("+", "00")):
            continue  # a national number with no country to read it in
        readable = True
        if normalize_phone(candidate, context.country) is not None:
            return _check_length(spec, candidate)
    if not readable:
        raise _Invalid(
            "invalid_phone",
            f"{spec.title} {_show(text)} needs a country, an international +prefix or a default country of the system",
        )
    where = f" in {context.country}" if context.country and not text.startswith(("+", "00")) else ""
    raise _Invalid("invalid_phone", f"{spec.title} {_show(text)} is not a possible phone number{where}")


def _check_uom(spec: FieldSpec, value: object, context: _Context) -> object:
    code = _check_length(spec, _as_text(spec, value))
    if context.known_units is None:
        return code
    unit = context.known_units(code)
    if unit is None:
        system = f" for system {context.system_code}" if context.system_code else ""
        raise _Invalid("unknown_unit", f"unknown unit {code}{system}")
    return unit


@dataclass(frozen=True)
class _Context:
    country: str | None
    known_units: UnitLookup | None
    system_code: str
    decimal_comma: bool | None = None


_Checker = Callable[[FieldSpec, object, _Context], object]

_CHECKERS: dict[str, _Checker] = {
    "str": _check_str,
    "ref": _check_str,
    "int": _check_int,
    "decimal": _check_decimal,
    "choice": _check_choice,
    "gtin": _check_gtin,
    "country": _check_country,
    "email": _check_email,
    "url": _check_url,
    "phone": _check_phone,
    "uom": _check_uom,
}


# --------------------------------------------------------------------------------------------
# Records


def _is_missing(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _check_source_key(value: object) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)  # JSON exports often carry numeric ids; 1001 and "1001" are one key
    if not isinstance(value, str):
        raise _Invalid(
            "invalid_source_key", f"source key must be text, got {type(value).__name__} {_show(value)}"
        )
    key = value.strip()
    if len(key) > SOURCE_KEY_MAX_LENGTH:
        raise _Invalid(
            "too_long",
            f"source key {_show(key)} is {len(key)} characters long; at most {SOURCE_KEY_MAX_LENGTH} allowed",
        )
    if _CONTROL_CHARS.search(key):
        shown = _show(key.encode("unicode_escape").decode())
        raise _Invalid("invalid_source_key", f"source key {shown} contains control characters")
    return key


def _check_deleted(value: object) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        word = value.strip().lower()
        if word in _TRUE:
            return True
        if word in _FALSE:
            return False
    raise _Invalid("invalid_type", f"deleted {_show(value)} is not true or false")


def validate_record(
    entity: str,
    raw: Mapping[str, object],
    *,
    known_units: UnitLookup | None = None,
    system_code: str = "",
    default_country: str = "",
    decimal_comma: bool | None = None,
) -> ValidationResult:
    """Check one raw record of `entity` and return its typed values and all its errors.

    `known_units(code)` returns the hub unit code for a unit code of the sending system, or None
    when the unit is unknown; without it unit codes are only checked as text. `system_code`
    names the sending system in messages; `default_country` is the country of a record that
    names none (phones without a +prefix are read in it). `decimal_comma` says how the sender
    writes decimals when its file showed it (see normalization.decimal_convention).
    """
    specs = ENTITY_FIELDS.get(entity)
    if specs is None:
        raise ValueError(f"unknown entity {entity!r}")
    result = ValidationResult()
    errors = result.errors
    values = result.values

    allowed = allowed_columns(entity)
    for name in raw:
        if name not in allowed:
            errors.append(FieldError(
                json_pointer(str(name)), "unknown_field",
                f"unknown field {_show(name)} for {entity}; expected one of: {', '.join(sorted(allowed))}",
            ))

    source_key = raw.get("source_key")
    if _is_missing(source_key):
        errors.append(FieldError("/source_key", "required", "source key is required"))
    else:
        try:
            values["source_key"] = _check_source_key(source_key)
        except _Invalid as problem:
            errors.append(FieldError("/source_key", problem.code, problem.message))

    if not _is_missing(raw.get("deleted")):
        try:
            values["deleted"] = _check_deleted(raw["deleted"])
        except _Invalid as problem:
            errors.append(FieldError("/deleted", problem.code, problem.message))

    context = _Context(country=record_country(raw, default_country), known_units=known_units, system_code=system_code,
                       decimal_comma=decimal_comma)
    for spec in specs:
        value = raw.get(spec.name)
        if _is_missing(value):
            if spec.required:
                errors.append(FieldError(json_pointer(spec.name), "required", f"{spec.title} is required"))
            continue
        try:
            values[spec.name] = _CHECKERS[spec.kind](spec, value, context)
        except _Invalid as problem:
            errors.append(FieldError(json_pointer(spec.name), problem.code, problem.message))
    return result


def _find_ref_spec(field_name: str) -> FieldSpec:
    for specs in ENTITY_FIELDS.values():
        for spec in specs:
            if spec.name == field_name and spec.kind == "ref":
                return spec
    raise ValueError(f"{field_name!r} is not a reference field")


def missing_reference_error(spec_or_field_name: FieldSpec | str, key: str, system_code: str) -> FieldError:
    """The error for a reference to a record the sending system has not sent (yet):
    "supplier V-1001 is not known in system ERP"."""
    spec = spec_or_field_name
    if not isinstance(spec, FieldSpec):
        spec = _find_ref_spec(spec)
    return FieldError(
        json_pointer(spec.name),
        "missing_reference",
        f"{spec.refers_to or spec.title} {key} is not known in system {system_code}",
    )
