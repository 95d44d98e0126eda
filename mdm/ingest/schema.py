"""The canonical fields a source system may send for each entity.

This is the contract of the ingest API and of the CSV/JSONL files: `source_key` plus these
field names (files may map their own column names onto them). Validation and normalization
read their rules from here, so each rule lives in one place.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from mdm.models import Dimension, LocationType


@dataclass(frozen=True)
class FieldSpec:
    name: str
    kind: str = "str"  # str | int | decimal | choice | gtin | country | email | url | phone | uom | ref
    max_length: int | None = None
    required: bool = False
    choices: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    refers_to: str = ""  # for kind "ref": the entity whose source_key this names (same system)
    label: str = ""

    @property
    def title(self) -> str:
        return self.label or self.name.replace("_", " ")


ADDRESS = (
    FieldSpec("address_line1", max_length=200),
    FieldSpec("address_line2", max_length=200),
    FieldSpec("city", max_length=100),
    FieldSpec("region", max_length=100),
    FieldSpec("postal_code", max_length=20),
    FieldSpec("country", kind="country"),
)

ENTITY_FIELDS: dict[str, tuple[FieldSpec, ...]] = {
    "supplier": (
        FieldSpec("name", max_length=200, required=True),
        FieldSpec("tax_id", max_length=32, label="tax id"),
        FieldSpec("duns", max_length=9, label="DUNS number"),
        *ADDRESS,
        FieldSpec("phone", kind="phone", max_length=32),
        FieldSpec("email", kind="email", max_length=254),
        FieldSpec("website", kind="url", max_length=200),
    ),
    "product": (
        FieldSpec("gtin", kind="gtin", label="GTIN"),
        FieldSpec("name", max_length=300, required=True),
        FieldSpec("brand", max_length=100),
        FieldSpec("manufacturer", max_length=200),
        FieldSpec("mpn", max_length=64, label="manufacturer part number"),
        FieldSpec("category", max_length=200),
        FieldSpec("base_uom", kind="uom", max_length=16, label="base unit of measure"),
        FieldSpec("net_weight", kind="decimal", minimum=0, label="net weight"),
        FieldSpec("weight_uom", kind="uom", max_length=16, label="weight unit"),
        FieldSpec("supplier_key", kind="ref", refers_to="supplier", max_length=128, label="supplier"),
        FieldSpec("supplier_item_number", max_length=64, label="supplier item number"),
        FieldSpec("lead_time_days", kind="int", minimum=0, maximum=3650, label="lead time (days)"),
    ),
    "location": (
        FieldSpec("code", max_length=32),
        FieldSpec("name", max_length=200, required=True),
        FieldSpec("location_type", kind="choice", choices=tuple(LocationType.values), label="location type"),
        *ADDRESS,
        FieldSpec("latitude", kind="decimal", minimum=-90, maximum=90),
        FieldSpec("longitude", kind="decimal", minimum=-180, maximum=180),
        FieldSpec("timezone", max_length=64),
        FieldSpec("parent_key", kind="ref", refers_to="location", max_length=128, label="parent location"),
    ),
    "uom": (
        FieldSpec("code", max_length=16, required=True),
        FieldSpec("name", max_length=100),
        FieldSpec("dimension", kind="choice", choices=tuple(Dimension.values)),
    ),
}

ENTITIES = tuple(ENTITY_FIELDS)
SOURCE_KEY_MAX_LENGTH = 128
RESERVED_FIELDS = ("source_key", "deleted")


def field_names(entity: str) -> tuple[str, ...]:
    return tuple(spec.name for spec in ENTITY_FIELDS[entity])


# How a file wrote decimals, on a record of it whose numbers depend on that (files.read_records).
NUMBER_FORMAT = "_number_format"
NUMBER_FORMATS = {"decimal_comma": True, "decimal_point": False}


def number_format_mark(decimal_comma: bool) -> str:
    return "decimal_comma" if decimal_comma else "decimal_point"


def decimal_comma_of(raw: Mapping[str, Any]) -> bool | None:
    """The decimal convention a record's mark names: True (comma), False (point), None (none)."""
    mark = raw.get(NUMBER_FORMAT)
    return NUMBER_FORMATS.get(mark) if isinstance(mark, str) else None


def allowed_columns(entity: str) -> frozenset[str]:
    return frozenset((*RESERVED_FIELDS, *field_names(entity)))
