"""Reads of unit data: resolving a system's unit code, conversion graphs, packaging, rounding."""
from __future__ import annotations

from collections.abc import Iterable
from fractions import Fraction

from mdm.models import GoldenStatus, Product, SourceRecord, SourceStatus, UnitOfMeasure

from .conversions import ConversionGraph, Edge, PackLevel, packaging_edges
from .models import PackagingLevel, UnitConversion, UnitRounding

MASS_UNIT_FOR_PACKAGING = "KGM"


def unknown_unit_message(code: str, system_code: str | None) -> str:
    """The one wording of an unknown unit, shared by the API and ingest quarantine."""
    return f"unknown unit {code} for system {system_code}" if system_code else f"unknown unit {code}"


def resolve_unit(code: str, system_code: str | None) -> str | None:
    """The hub unit code for a system's unit code, or None when nobody has mapped it.

    The system's crosswalk wins (WMS "PCS" -> EA); a hub code itself (EA) is understood from
    every system. Codes are matched case-insensitively.
    """
    code = (code or "").strip()
    if not code:
        return None
    if system_code:
        golden_id = (
            SourceRecord.objects.filter(
                system__code__iexact=system_code, entity="uom", status=SourceStatus.LINKED,
                source_key__iexact=code,
            )
            .exclude(golden_id="")
            .values_list("golden_id", flat=True)
            .first()
        )
        if golden_id:
            unit = active_units().filter(golden_id=golden_id).values_list("code", flat=True).first()
            if unit:
                return unit
    return active_units().filter(code__iexact=code).values_list("code", flat=True).first()


def active_units():
    return UnitOfMeasure.objects.filter(status=GoldenStatus.ACTIVE)


def unit_dimensions(codes: Iterable[str]) -> dict[str, str]:
    return dict(active_units().filter(code__in=list(codes)).values_list("code", "dimension"))


def unit_codes_of_system(*, system_code: str) -> dict[str, str]:
    """A system's unit crosswalk: its code -> hub code."""
    links = dict(
        SourceRecord.objects.filter(system__code=system_code, entity="uom", status=SourceStatus.LINKED)
        .exclude(golden_id="")
        .values_list("source_key", "golden_id")
    )
    codes = dict(active_units().filter(golden_id__in=links.values()).values_list("golden_id", "code"))
    return {key: codes[golden_id] for key, golden_id in links.items() if golden_id in codes}


def edge_of(row: UnitConversion, label: str) -> Edge:
    return Edge(row.from_unit, row.to_unit, row.factor, label)


def global_edges() -> list[Edge]:
    rows = UnitConversion.objects.filter(product__isnull=True).order_by("pk")
    return [edge_of(row, "global") for row in rows]


def pack_levels(product: Product) -> list[PackLevel]:
    return [
        to_pack_level(row) for row in PackagingLevel.objects.filter(product=product).order_by("pk")
    ]


def to_pack_level(row: PackagingLevel) -> PackLevel:
    def exact(value):
        return None if value is None else Fraction(value)

    return PackLevel(
        level=row.level, unit=row.unit, quantity=row.quantity_of_level_below, gtin=row.gtin,
        gross_weight_kg=exact(row.gross_weight_kg), length_mm=exact(row.length_mm),
        width_mm=exact(row.width_mm), height_mm=exact(row.height_mm),
    )


def product_base_unit(product: Product) -> str:
    return product.base_uom or "EA"


def net_weight_edge(product: Product) -> Edge | None:
    """1 base unit = net weight (in the product's weight unit): the bridge from count to mass."""
    if product.net_weight is None or product.net_weight <= 0:
        return None
    return Edge(
        product_base_unit(product), product.weight_uom or MASS_UNIT_FOR_PACKAGING,
        Fraction(product.net_weight), "net weight",
    )


def product_edges(product: Product, *, levels: list[PackLevel] | None = None) -> list[Edge]:
    """A product's own conversions: explicit ones, then its packaging, then its net weight."""
    edges = [edge_of(row, f"{product.golden_id}") for row in product.unit_conversions.order_by("pk")]
    levels = pack_levels(product) if levels is None else levels
    edges += [
        Edge(e.source, e.target, e.factor, f"{product.golden_id} {e.label}")
        for e in packaging_edges(levels, base_unit=product_base_unit(product))
    ]
    weight = net_weight_edge(product)
    if weight is not None:
        edges.append(Edge(weight.source, weight.target, weight.factor, f"{product.golden_id} {weight.label}"))
    return edges


def conversion_graph(*, product: Product | None = None) -> ConversionGraph:
    """The global graph, with the product's own edges layered on top when a product is given.

    Stored data is validated on write, so this raises InconsistentConversion only if rows were
    changed behind the services' back.
    """
    graph = ConversionGraph.from_edges(global_edges())
    if product is not None:
        for edge in product_edges(product):
            graph.add(edge)
    return graph


def rounding_for(unit: str) -> tuple[int | None, str]:
    """(decimal places, mode) for results in `unit`; (None, ...) means exact."""
    row = UnitRounding.objects.filter(unit=unit).first()
    if row is None:
        return None, "half_even"
    return row.decimal_places, row.mode


def product_by_id(golden_id: str) -> Product | None:
    return Product.objects.select_related("merged_into").filter(golden_id=golden_id).first()
