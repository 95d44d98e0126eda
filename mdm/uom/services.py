"""Unit services: convert quantities, maintain conversions, packaging, rounding and unit mappings.

Every write goes through `.save()`/`.delete()` inside a change context, so history rows say who
changed a factor, a pack size or a system's unit code, and why.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction

from mdm import publish
from mdm.audit import change_context
from mdm.models import (
    Dimension,
    Product,
    SourceRecord,
    SourceStatus,
    SourceSystem,
    UnitOfMeasure,
)
from mdm.selectors import crosswalk_keys
from mdm.services import golden as golden_services

from . import selectors
from .conversions import (
    LEVEL_ORDER,
    ConversionError,
    ConversionGraph,
    Edge,
    InconsistentConversion,
    PackLevel,
    format_fraction,
    packaging_edges,
    to_decimal_string,
    to_fraction,
    validate_edges,
    validate_packaging,
)
from .models import DEFAULT_LEVEL_UNITS, PackagingLevel, UnitConversion, UnitRounding


class UnknownUnit(ConversionError):
    pass


class UnknownProduct(ConversionError):
    pass


# --- Converting --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ConversionResult:
    quantity: Fraction
    from_unit: str
    to_unit: str
    exact: Fraction
    result: Decimal  # `exact` rounded once, by the target unit's rounding setting
    path: tuple[str, ...]
    factor: Fraction
    product: str | None = None

    @property
    def exact_text(self) -> str:
        return format_fraction(self.exact)

    @property
    def result_text(self) -> str:
        return format(self.result, "f")


def _system_code(system: SourceSystem | str | None) -> str | None:
    return getattr(system, "code", system) or None


def find_product(product: Product | str, *, system_code: str | None = None) -> Product:
    """A product by golden id (following merges), or by the system's own product key."""
    if isinstance(product, Product):
        found: Product | None = product
    else:
        found = selectors.product_by_id(product)
        if found is None and system_code:
            golden_id = (
                SourceRecord.objects.filter(
                    system__code__iexact=system_code, entity="product", source_key=product
                )
                .exclude(golden_id="")
                .values_list("golden_id", flat=True)
                .first()
            )
            found = selectors.product_by_id(golden_id) if golden_id else None
        if found is None:
            raise UnknownProduct(f"unknown product {product}")
    seen = set()
    while found.merged_into_id is not None and found.pk not in seen:
        seen.add(found.pk)
        found = found.merged_into
    return found


def resolve_or_raise(code: str, system_code: str | None) -> str:
    unit = selectors.resolve_unit(code, system_code)
    if unit is None:
        raise UnknownUnit(selectors.unknown_unit_message(code, system_code))
    return unit


def convert(
    quantity: Fraction | Decimal | int | str,
    from_uom: str,
    to_uom: str,
    *,
    product: Product | str | None = None,
    system: SourceSystem | str | None = None,
) -> ConversionResult:
    """Convert exactly, rounding once at the end by the target unit's setting.

    Unit codes are read in the system's own vocabulary when `system` is given. Raises
    ConversionError (UnknownUnit, UnknownProduct, NoConversionPath, InconsistentConversion)
    with a message meant for the caller.
    """
    system_code = _system_code(system)
    amount = to_fraction(quantity)
    source = resolve_or_raise(from_uom, system_code)
    target = resolve_or_raise(to_uom, system_code)
    found = find_product(product, system_code=system_code) if product is not None else None
    graph = selectors.conversion_graph(product=found)
    exact, conversion = graph.convert(amount, source, target)
    places, mode = selectors.rounding_for(target)
    return ConversionResult(
        quantity=amount, from_unit=source, to_unit=target, exact=exact,
        result=Decimal(to_decimal_string(exact, places=places, mode=mode)),
        path=conversion.path, factor=conversion.factor,
        product=found.golden_id if found is not None else None,
    )


# --- Units ---------------------------------------------------------------------------------------


def _conversion_dicts(rows: Iterable[UnitConversion]) -> list[dict[str, str]]:
    return [{"from": r.from_unit, "to": r.to_unit, "factor": format_fraction(r.factor)} for r in rows]


def _packaging_dicts(product: Product) -> list[dict[str, Any]]:
    rows = PackagingLevel.objects.filter(product=product)
    ordered = sorted(rows, key=lambda row: LEVEL_ORDER.index(row.level))
    fields = ("level", "unit", "gtin", "quantity_of_level_below", "length_mm", "width_mm", "height_mm",
              "gross_weight_kg")
    return [
        {name: (str(v) if isinstance(v := getattr(row, name), Decimal) else v) for name in fields}
        for row in ordered
    ]


def publish_unit_data(*, event_type: str, units: Iterable[str] = (), product: Product | None = None) -> None:
    """Push units (with their global conversions and rounding) or a product's packaging to targets.

    One event per golden record, in the caller's transaction (the outbox rule); the payload is
    the usual golden payload plus the unit data, so targets that take units or products receive
    conversions and pack sizes like any other master data.
    """
    from sync.services import record_event

    for unit in selectors.active_units().filter(code__in=list(units)):
        keys = crosswalk_keys(entity="uom", golden_ids=[unit.golden_id]).get(unit.golden_id, {})
        rows = UnitConversion.objects.filter(product__isnull=True).filter(
            models.Q(from_unit=unit.code) | models.Q(to_unit=unit.code)
        ).order_by("pk")
        places, mode = selectors.rounding_for(unit.code)
        payload = {
            **publish.golden_payload(unit, keys),
            "conversions": _conversion_dicts(rows),
            "rounding": {"decimal_places": places, "mode": mode} if places is not None else None,
        }
        record_event(entity="uom", golden_id=unit.golden_id, golden_version=unit.version,
                     event_type=event_type, payload=payload)
    if product is not None:
        keys = crosswalk_keys(entity="product", golden_ids=[product.golden_id]).get(product.golden_id, {})
        payload = {
            **publish.golden_payload(product, keys),
            "packaging": _packaging_dicts(product),
            "conversions": _conversion_dicts(product.unit_conversions.order_by("pk")),
        }
        record_event(entity="product", golden_id=product.golden_id, golden_version=product.version,
                     event_type=event_type, payload=payload)


@transaction.atomic
def ensure_unit(
    *, code: str, name: str, dimension: str, user: Any = None, reason: str = "", publish_event: bool = True
) -> UnitOfMeasure:
    """The active golden unit with this code, created when missing (reference data, not ingest)."""
    unit = selectors.active_units().filter(code=code).first()
    if unit is not None:
        return unit
    if dimension not in Dimension.values:
        raise ValidationError(f"unknown dimension {dimension!r}")
    with change_context(user=user, reason=reason or f"unit {code} installed"):
        [golden_id] = golden_services.allocate_golden_ids(model=UnitOfMeasure, count=1)
        unit = UnitOfMeasure(golden_id=golden_id, code=code, name=name, dimension=dimension)
        unit.save()
        if publish_event:
            publish_unit_data(event_type="created", units=[code])
    return unit


def _require_units(codes: Sequence[str]) -> dict[str, str]:
    dimensions = selectors.unit_dimensions(codes)
    missing = sorted(set(codes) - set(dimensions))
    if missing:
        raise ValidationError([f"{code} is not an active hub unit" for code in missing])
    return dimensions


# --- Conversions ---------------------------------------------------------------------------------


def _products_with_own_edges() -> list[Product]:
    ids = set(UnitConversion.objects.filter(product__isnull=False).values_list("product_id", flat=True))
    ids |= set(PackagingLevel.objects.values_list("product_id", flat=True))
    return list(Product.objects.filter(pk__in=ids).order_by("pk"))


def _check_global_edges(edges: Sequence[Edge], *, replacing: UnitConversion | None = None) -> list[str]:
    """New global edges must agree with the global graph and with every product's own edges."""
    rows = UnitConversion.objects.filter(product__isnull=True).exclude(pk=getattr(replacing, "pk", None))
    others = [selectors.edge_of(row, "global") for row in rows.order_by("pk")]
    errors = validate_edges(edges, base=ConversionGraph.from_edges(others))
    if errors:
        return errors
    for product in _products_with_own_edges():
        try:
            layered = ConversionGraph.from_edges([*others, *selectors.product_edges(product)])
        except InconsistentConversion:
            continue  # already inconsistent on its own (e.g. its net weight); convert reports it
        for error in validate_edges(edges, base=layered):
            errors.append(f"{error} (for product {product.golden_id})")
    return errors


def _check_product_edge(edge: Edge, *, product: Product, replacing: UnitConversion | None) -> list[str]:
    rows = product.unit_conversions.exclude(pk=getattr(replacing, "pk", None)).order_by("pk")
    own = [selectors.edge_of(row, product.golden_id) for row in rows]
    levels = selectors.pack_levels(product)
    base = ConversionGraph.from_edges(selectors.global_edges())
    rest = [*own, *packaging_edges(levels, base_unit=selectors.product_base_unit(product))]
    weight = selectors.net_weight_edge(product)
    if weight is not None:
        rest.append(weight)
    try:
        for other in rest:
            base.add(other)
    except InconsistentConversion as exc:
        return [f"the product's conversions disagree already: {exc}"]
    return validate_edges([edge], base=base)


def check_conversion(
    *, from_unit: str, to_unit: str, factor: Fraction | Decimal | int | str, product: Product | None = None
) -> list[str]:
    """Every reason the conversion 1 from_unit = factor to_unit would be refused (empty: it is fine)."""
    try:
        exact = to_fraction(factor)
    except ConversionError as exc:
        return [str(exc)]
    if exact <= 0:
        return [f"the factor must be positive, not {format_fraction(exact)}"]
    if from_unit == to_unit:
        return [f"{from_unit} converts to itself with factor 1; nothing to store"]
    try:
        dimensions = _require_units([from_unit, to_unit])
    except ValidationError as exc:
        return exc.messages
    if product is None and dimensions[from_unit] != dimensions[to_unit]:
        return [
            f"a global conversion stays within a dimension: {from_unit} is {dimensions[from_unit]}, "
            f"{to_unit} is {dimensions[to_unit]}; convert across dimensions per product"
        ]
    existing = UnitConversion.objects.filter(product=product, from_unit=from_unit, to_unit=to_unit).first()
    edge = Edge(from_unit, to_unit, exact, "new")
    if product is None:
        return _check_global_edges([edge], replacing=existing)
    return _check_product_edge(edge, product=product, replacing=existing)


@transaction.atomic
def set_conversion(
    *,
    from_unit: str,
    to_unit: str,
    factor: Fraction | Decimal | int | str,
    product: Product | None = None,
    note: str = "",
    user: Any = None,
    reason: str = "",
) -> UnitConversion:
    """Create or change the conversion 1 from_unit = factor to_unit (global, or for `product`).

    Rejected with a ValidationError naming both paths when it disagrees with what is already
    derivable; a global conversion must stay within one dimension.
    """
    errors = check_conversion(from_unit=from_unit, to_unit=to_unit, factor=factor, product=product)
    if errors:
        raise ValidationError(errors)
    exact = to_fraction(factor)
    existing = UnitConversion.objects.filter(product=product, from_unit=from_unit, to_unit=to_unit).first()
    row = existing or UnitConversion(from_unit=from_unit, to_unit=to_unit, product=product)
    row.factor = exact
    row.note = note or row.note
    with change_context(user=user, reason=reason):
        row.full_clean()
        row.save()
        _publish_conversion(row)
    return row


def _publish_conversion(row: UnitConversion) -> None:
    if row.product_id:
        publish_unit_data(event_type="updated", product=row.product)
    else:
        publish_unit_data(event_type="updated", units=[row.from_unit, row.to_unit])


@transaction.atomic
def add_global_conversions(
    *, conversions: Sequence[tuple[str, str, Fraction | Decimal | int | str]], user: Any = None, reason: str = ""
) -> list[UnitConversion]:
    """Add many global conversions checked as one set (reference data); existing pairs are skipped."""
    existing = set(
        UnitConversion.objects.filter(product__isnull=True).values_list("from_unit", "to_unit")
    )
    new = [(a, b, to_fraction(f)) for a, b, f in conversions if (a, b) not in existing]
    if not new:
        return []
    dimensions = _require_units(sorted({code for a, b, _ in new for code in (a, b)}))
    errors = [
        f"{a}->{b}: a global conversion stays within a dimension ({dimensions[a]} vs {dimensions[b]})"
        for a, b, _ in new if dimensions[a] != dimensions[b]
    ]
    errors += _check_global_edges([Edge(a, b, factor, "new") for a, b, factor in new])
    if errors:
        raise ValidationError(errors)
    rows = []
    with change_context(user=user, reason=reason):
        for a, b, factor in new:
            row = UnitConversion(from_unit=a, to_unit=b, product=None)
            row.factor = factor
            row.full_clean()
            row.save()
            rows.append(row)
        publish_unit_data(event_type="updated", units=sorted({code for a, b, _ in new for code in (a, b)}))
    return rows


@transaction.atomic
def remove_conversion(*, conversion: UnitConversion, user: Any = None, reason: str = "") -> None:
    with change_context(user=user, reason=reason):
        conversion.delete()
        _publish_conversion(conversion)


# --- Packaging -----------------------------------------------------------------------------------

def _pack_level_from_input(data: Mapping[str, Any]) -> PackLevel:
    def exact(name: str) -> Fraction | None:
        value = data.get(name)
        if value in (None, ""):
            return None
        # a float typed into a form is taken as the decimal it prints as
        return to_fraction(str(value) if isinstance(value, float) else value)

    level = str(data.get("level", ""))
    return PackLevel(
        level=level,
        unit=str(data.get("unit") or DEFAULT_LEVEL_UNITS.get(level, "")),
        quantity=data.get("quantity_of_level_below"),
        gtin=str(data.get("gtin") or ""),
        gross_weight_kg=exact("gross_weight_kg"),
        length_mm=exact("length_mm"), width_mm=exact("width_mm"), height_mm=exact("height_mm"),
    )


def net_weight_kg(product: Product) -> Fraction | None:
    """The product's net weight in kg, when it has one in a mass unit the hub can convert."""
    if product.net_weight is None:
        return None
    unit = product.weight_uom or "KGM"
    graph = ConversionGraph.from_edges(selectors.global_edges())
    conversion = graph.find(unit, "KGM")
    return Fraction(product.net_weight) * conversion.factor if conversion else None


def check_packaging(*, product: Product, levels: Sequence[Mapping[str, Any]]) -> list[str]:
    """Every problem the packaging would have, without writing it."""
    try:
        packs = [_pack_level_from_input(data) for data in levels]
    except (ConversionError, TypeError) as exc:
        return [str(exc)]
    base_unit = selectors.product_base_unit(product)
    errors = validate_packaging(packs, base_unit=base_unit, net_weight_kg=net_weight_kg(product))
    try:
        _require_units([p.unit for p in packs])
    except ValidationError as exc:
        errors += exc.messages
    gtins = [p.gtin for p in packs if p.gtin]
    taken = (
        PackagingLevel.objects.filter(gtin__in=gtins).exclude(product=product)
        .values_list("gtin", "product__golden_id", "level")
    )
    errors += [f"GTIN {gtin} is already the {level} GTIN of product {other}" for gtin, other, level in taken]
    if errors:
        return errors
    base = ConversionGraph.from_edges(selectors.global_edges())
    for row in product.unit_conversions.order_by("pk"):
        base.add(selectors.edge_of(row, product.golden_id))
    weight = selectors.net_weight_edge(product)
    if weight is not None:
        errors += validate_edges([weight], base=base)
        if not errors:
            base.add(weight)
    return errors + validate_edges(packaging_edges(packs, base_unit=base_unit), base=base)


@transaction.atomic
def set_packaging(
    *, product: Product, levels: Sequence[Mapping[str, Any]], user: Any = None, reason: str = ""
) -> list[PackagingLevel]:
    """Replace a product's packaging hierarchy with `levels` (dicts of PackagingLevel fields).

    Validated as a whole (see `conversions.validate_packaging`) and against the product's other
    conversions; levels left out are deleted. Raises ValidationError listing every problem.
    """
    Product.objects.select_for_update().filter(pk=product.pk).first()
    errors = check_packaging(product=product, levels=levels)
    if errors:
        raise ValidationError(errors)
    current = {row.level: row for row in PackagingLevel.objects.filter(product=product)}
    saved: list[PackagingLevel] = []
    with change_context(user=user, reason=reason):
        for data in levels:
            pack = _pack_level_from_input(data)
            row = current.pop(pack.level, None) or PackagingLevel(product=product, level=pack.level)
            values = {
                "unit": pack.unit, "gtin": pack.gtin, "quantity_of_level_below": pack.quantity,
                "length_mm": _decimal(pack.length_mm), "width_mm": _decimal(pack.width_mm),
                "height_mm": _decimal(pack.height_mm), "gross_weight_kg": _decimal(pack.gross_weight_kg),
            }
            changed = row.pk is None or any(getattr(row, k) != v for k, v in values.items())
            for name, value in values.items():
                setattr(row, name, value)
            if changed:
                row.full_clean()
                row.save()
            saved.append(row)
        for row in current.values():
            row.delete()
        publish_unit_data(event_type="updated", product=product)
    return saved


def _decimal(value: Fraction | None) -> Decimal | None:
    if value is None:
        return None
    return Decimal(to_decimal_string(value, places=4))


# --- Rounding ------------------------------------------------------------------------------------


@transaction.atomic
def set_unit_rounding(
    *, unit: str, decimal_places: int | None, mode: str = "half_even", user: Any = None, reason: str = ""
) -> UnitRounding | None:
    """Round results in `unit` to `decimal_places` with `mode`; None returns the unit to exact results."""
    _require_units([unit])
    row = UnitRounding.objects.filter(unit=unit).first()
    with change_context(user=user, reason=reason):
        if decimal_places is None:
            if row is not None:
                row.delete()
                publish_unit_data(event_type="updated", units=[unit])
            return None
        row = row or UnitRounding(unit=unit)
        row.decimal_places, row.mode = decimal_places, mode
        row.full_clean()
        row.save()
        publish_unit_data(event_type="updated", units=[unit])
    return row


# --- Each system's unit codes --------------------------------------------------------------------


@transaction.atomic
def link_unit_code(
    *, system: SourceSystem | str, code: str, unit: UnitOfMeasure | str, user: Any = None, reason: str = ""
) -> SourceRecord:
    """Record that `code` in `system` means the hub unit `unit` (the uom crosswalk)."""
    system_obj = system if isinstance(system, SourceSystem) else SourceSystem.objects.get(code=system)
    code = code.strip()
    if not code:
        raise ValidationError("a unit code is required")
    if isinstance(unit, UnitOfMeasure):
        golden = unit
    else:
        golden = selectors.active_units().filter(code=unit).first()
        if golden is None:
            raise ValidationError(f"{unit} is not an active hub unit")
    record = (
        SourceRecord.objects.select_for_update()
        .filter(system=system_obj, entity="uom", source_key__iexact=code)
        .first()
    )
    if record is None:
        record = SourceRecord(system=system_obj, entity="uom", source_key=code, raw={"code": code})
    if record.status == SourceStatus.LINKED and record.golden_id == golden.golden_id:
        return record
    record.status = SourceStatus.LINKED
    record.golden_id = golden.golden_id
    record.normalized = {"code": golden.code, "name": golden.name, "dimension": golden.dimension}
    record.errors = []
    with change_context(user=user, reason=reason or f"{system_obj.code} unit {code} is {golden.code}"):
        record.save()
        publish_unit_data(event_type="crosswalk_changed", units=[golden.code])
    return record


@dataclass(frozen=True)
class UnitMapping:
    record: SourceRecord
    reprocessed: Any  # what the ingest pipeline reports about the records it reprocessed


@transaction.atomic
def map_unit_code(
    *, system: SourceSystem | str, code: str, unit: UnitOfMeasure | str, user: Any = None, reason: str
) -> UnitMapping:
    """A steward maps a system's unknown unit code; records quarantined for it are reprocessed.

    Reprocessing runs in the same transaction, so the mapping and the records it releases are
    committed together.
    """
    record = link_unit_code(system=system, code=code, unit=unit, user=user, reason=reason)
    from mdm.ingest import services as ingest_services  # ingest imports this app, not the other way

    with change_context(user=user, reason=reason):
        reprocessed = ingest_services.reprocess_waiting_for_unit(system_code=record.system.code, code=code)
    return UnitMapping(record=record, reprocessed=reprocessed)
