"""Exact unit arithmetic: a graph of conversion factors, derived paths, consistency, rounding.

Pure functions and plain data, no ORM, so the same logic serves the API, ingest and tests.

An edge `Edge("CS", "EA", Fraction(12))` means 1 CS = 12 EA; it is usable in both directions
(1 EA = 1/12 CS). A conversion between two units is the product of the factors along a path
between them. Two paths between the same units must give the same factor: a cycle whose
product is not exactly 1 is an error that names both paths. A consistent cycle (KGM = 1000 GRM,
GRM = 1000 MGM, KGM = 1 000 000 MGM) is fine.

Factors are `fractions.Fraction`, never float: a conversion there and back gives exactly the
starting quantity. Rounding happens once, at the very end (`to_decimal_string`).
"""
from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from fractions import Fraction

# Without a rounding setting an exact result that has no finite decimal form (1/3) is shown
# with this many places, rounded half to even.
DEFAULT_PLACES_FOR_NON_TERMINATING = 12

ROUNDING_MODES = ("half_even", "half_up", "up", "down", "ceiling", "floor")


class ConversionError(ValueError):
    """Base of every conversion problem; the message is meant for a user."""


class NoConversionPath(ConversionError):
    pass


class InconsistentConversion(ConversionError):
    pass


@dataclass(frozen=True)
class Edge:
    """1 `source` = `factor` `target`; `label` says where the factor comes from."""

    source: str
    target: str
    factor: Fraction
    label: str = ""


@dataclass(frozen=True)
class Conversion:
    """A derived conversion: 1 `path[0]` = `factor` `path[-1]`."""

    factor: Fraction
    path: tuple[str, ...]

    def apply(self, quantity: Fraction) -> Fraction:
        return quantity * self.factor


def describe_path(path: Sequence[str], factor: Fraction) -> str:
    return f"{'->'.join(path)} = {format_fraction(factor)}"


@dataclass
class ConversionGraph:
    """Units and conversion factors; every edge added is checked against the edges already in.

    `value[u]` is how many units of its component's root one `u` is worth (weighted
    union-find): two units are convertible when they share a root, and the factor is the
    ratio of their values. This makes the consistency check of a new edge O(path length).
    """

    _adjacent: dict[str, list[tuple[str, Fraction]]] = field(default_factory=dict)
    _root: dict[str, str] = field(default_factory=dict)
    _value: dict[str, Fraction] = field(default_factory=dict)
    edges: list[Edge] = field(default_factory=list)

    @classmethod
    def from_edges(cls, edges: Iterable[Edge]) -> ConversionGraph:
        """A graph of all the edges; raises InconsistentConversion at the first disagreement."""
        graph = cls()
        for edge in edges:
            graph.add(edge)
        return graph

    def copy(self) -> ConversionGraph:
        return ConversionGraph(
            _adjacent={unit: list(links) for unit, links in self._adjacent.items()},
            _root=dict(self._root),
            _value=dict(self._value),
            edges=list(self.edges),
        )

    @property
    def units(self) -> set[str]:
        return set(self._adjacent)

    def _ensure(self, unit: str) -> None:
        if unit not in self._adjacent:
            self._adjacent[unit] = []
            self._root[unit] = unit
            self._value[unit] = Fraction(1)

    def _find(self, unit: str) -> tuple[str, Fraction]:
        """Root of `unit` and how many root units one `unit` is."""
        value = Fraction(1)
        node = unit
        while self._root[node] != node:
            value *= self._value[node]
            node = self._root[node]
        return node, value

    def check(self, edge: Edge) -> str | None:
        """The error adding `edge` would cause, or None when it agrees with the graph."""
        if edge.factor <= 0:
            return f"{edge.source}->{edge.target}: the factor must be positive, not {edge.factor}"
        if edge.source == edge.target:
            if edge.factor != 1:
                factor = format_fraction(edge.factor)
                return f"{edge.source}->{edge.target} = {factor} but a unit equals itself"
            return None
        if edge.source not in self._adjacent or edge.target not in self._adjacent:
            return None
        root_a, value_a = self._find(edge.source)
        root_b, value_b = self._find(edge.target)
        if root_a != root_b:
            return None
        existing = value_a / value_b
        if existing == edge.factor:
            return None
        known = self.find(edge.source, edge.target)
        assert known is not None  # same root means a path exists
        label = f" ({edge.label})" if edge.label else ""
        return (
            f"{describe_path(known.path, known.factor)} but "
            f"{edge.source}->{edge.target} = {format_fraction(edge.factor)}{label}"
        )

    def add(self, edge: Edge) -> None:
        error = self.check(edge)
        if error:
            raise InconsistentConversion(error)
        if edge.source == edge.target:
            return
        self._ensure(edge.source)
        self._ensure(edge.target)
        self._adjacent[edge.source].append((edge.target, edge.factor))
        self._adjacent[edge.target].append((edge.source, 1 / edge.factor))
        self.edges.append(edge)
        root_a, value_a = self._find(edge.source)
        root_b, value_b = self._find(edge.target)
        if root_a != root_b:
            # 1 source = factor target  =>  value_a * root_a = factor * value_b * root_b
            self._root[root_a] = root_b
            self._value[root_a] = edge.factor * value_b / value_a

    def find(self, source: str, target: str) -> Conversion | None:
        """The conversion through the fewest steps, or None when the units are not connected."""
        if source == target:
            return Conversion(Fraction(1), (source,))
        if source not in self._adjacent or target not in self._adjacent:
            return None
        previous: dict[str, tuple[str, Fraction]] = {}
        seen = {source}
        queue = deque([source])
        while queue:
            unit = queue.popleft()
            for neighbour, factor in self._adjacent[unit]:
                if neighbour in seen:
                    continue
                seen.add(neighbour)
                previous[neighbour] = (unit, factor)
                if neighbour == target:
                    return _walk_back(previous, source, target)
                queue.append(neighbour)
        return None

    def convert(self, quantity: Fraction, source: str, target: str) -> tuple[Fraction, Conversion]:
        conversion = self.find(source, target)
        if conversion is None:
            raise NoConversionPath(f"no conversion from {source} to {target}")
        return conversion.apply(quantity), conversion


def _walk_back(previous: dict[str, tuple[str, Fraction]], source: str, target: str) -> Conversion:
    path = [target]
    factor = Fraction(1)
    node = target
    while node != source:
        node, step = previous[node]
        factor *= step
        path.append(node)
    return Conversion(factor, tuple(reversed(path)))


def validate_edges(edges: Iterable[Edge], *, base: ConversionGraph | None = None) -> list[str]:
    """Every disagreement among `edges` (layered over `base`), each naming both paths.

    An inconsistent edge is reported and left out, so later edges are judged against the
    consistent rest and one bad factor yields one error, not a cascade.
    """
    graph = base.copy() if base is not None else ConversionGraph()
    errors: list[str] = []
    for edge in edges:
        error = graph.check(edge)
        if error:
            errors.append(error)
        else:
            graph.add(edge)
    return errors


def to_fraction(value: Fraction | Decimal | int | str) -> Fraction:
    """An exact Fraction from a Decimal, int, Fraction or a decimal string ("2.5", "1e3", "1/3")."""
    if isinstance(value, Fraction):
        return value
    if isinstance(value, float):
        raise TypeError("floats are not exact; pass a Decimal or a string")
    if isinstance(value, int):
        return Fraction(value)
    if isinstance(value, str):
        text = value.strip()
        if "/" in text:
            try:
                return Fraction(text)
            except (ValueError, ZeroDivisionError) as exc:
                raise ConversionError(f"not a quantity: {value!r}") from exc
        try:
            value = Decimal(text)
        except InvalidOperation as exc:
            raise ConversionError(f"not a quantity: {value!r}") from exc
    if not value.is_finite():
        raise ConversionError(f"not a finite quantity: {value}")
    return Fraction(value)


def is_terminating(value: Fraction) -> bool:
    """True when the fraction has a finite decimal form (its denominator is 2^a * 5^b)."""
    denominator = value.denominator
    for prime in (2, 5):
        while denominator % prime == 0:
            denominator //= prime
    return denominator == 1


def _plain(number: Decimal) -> str:
    """A decimal string without exponent and without trailing zeros ("36", "0.125")."""
    text = format(number, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def exact_decimal(value: Fraction) -> Decimal | None:
    """The exact Decimal of a terminating fraction, else None."""
    if not is_terminating(value):
        return None
    scale = 0
    while (value * 10**scale).denominator != 1:
        scale += 1
    return Decimal(int(value * 10**scale)).scaleb(-scale)


def round_fraction(value: Fraction, places: int, mode: str = "half_even") -> Decimal:
    """Round exactly (integer arithmetic, no intermediate float or Decimal division)."""
    if mode not in ROUNDING_MODES:
        raise ValueError(f"unknown rounding mode {mode!r}")
    sign = -1 if value < 0 else 1
    scaled = abs(value) * 10**places
    whole, remainder = divmod(scaled.numerator, scaled.denominator)
    if remainder:
        if mode in ("ceiling", "floor"):
            mode = "up" if (mode == "ceiling") == (sign > 0) else "down"
        twice, denominator = 2 * remainder, scaled.denominator
        tie_goes_up = mode == "half_up" or (mode == "half_even" and whole % 2 == 1)
        past_half = twice > denominator or (twice == denominator and tie_goes_up)
        if mode == "up" or (mode in ("half_up", "half_even") and past_half):
            whole += 1
    return Decimal(sign * whole).scaleb(-places)


def to_decimal_string(value: Fraction, *, places: int | None = None, mode: str = "half_even") -> str:
    """The result as users see it; `places=None` means exact when the decimal form is finite.

    A non-terminating exact value without a rounding setting is rounded half to even to
    DEFAULT_PLACES_FOR_NON_TERMINATING places. Trailing zeros are dropped ("36", not "36.000").
    """
    if places is None:
        exact = exact_decimal(value)
        if exact is not None:
            return _plain(exact)
        places, mode = DEFAULT_PLACES_FOR_NON_TERMINATING, "half_even"
    return _plain(round_fraction(value, places, mode))


def format_fraction(value: Fraction) -> str:
    """"480", "0.45359237" or "1/3": the exact value, as a decimal when it has one."""
    exact = exact_decimal(value)
    return _plain(exact) if exact is not None else f"{value.numerator}/{value.denominator}"


# --- Packaging ---------------------------------------------------------------------------------

LEVEL_ORDER = ("each", "inner", "case", "pallet")

# Gross weights: a level weighs at least the sum of its contents (less GROSS_WEIGHT_TOLERANCE for
# rounding and scale error) and at most that sum plus PACKAGING_OVERHEAD for cartons, film and
# fill, plus a fixed tare for a pallet (a EUR pallet alone weighs about 25 kg).
GROSS_WEIGHT_TOLERANCE = Fraction(2, 100)
PACKAGING_OVERHEAD = Fraction(25, 100)
PALLET_TARE_KG = Fraction(30)


@dataclass(frozen=True)
class PackLevel:
    """One packaging level as validation needs it; weights in kg, dimensions in mm."""

    level: str
    unit: str
    quantity: object  # of the level below (for the lowest level: of the product's base unit)
    gtin: str = ""
    gross_weight_kg: Fraction | None = None
    length_mm: Fraction | None = None
    width_mm: Fraction | None = None
    height_mm: Fraction | None = None


def gtin_check_digit_ok(gtin: str) -> bool:
    """GTIN-8/12/13/14 with a valid GS1 mod-10 check digit."""
    if not gtin.isdigit() or len(gtin) not in (8, 12, 13, 14):
        return False
    digits = [int(c) for c in gtin]
    body, check = digits[:-1], digits[-1]
    total = sum(d * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10 == check


def packaging_edges(levels: Sequence[PackLevel], *, base_unit: str) -> list[Edge]:
    """Each level as a product-specific conversion: 1 CS = 12 EA, 1 PF = 40 CS, ..."""
    ordered = sorted(levels, key=lambda lvl: LEVEL_ORDER.index(lvl.level))
    edges: list[Edge] = []
    below = base_unit
    for lvl in ordered:
        if isinstance(lvl.quantity, int) and lvl.quantity > 0 and lvl.unit:
            edges.append(Edge(lvl.unit, below, Fraction(lvl.quantity), f"{lvl.level} packaging"))
        below = lvl.unit
    return edges


def validate_packaging(
    levels: Sequence[PackLevel],
    *,
    base_unit: str,
    net_weight_kg: Fraction | None = None,
) -> list[str]:
    """Every problem of one product's packaging hierarchy, as messages for a steward.

    Rules: known and distinct levels and units; distinct, valid GTINs; each quantity a positive
    integer (the lowest level counts base units, and a level in the base unit holds 1);
    positive dimensions; gross weights consistent with the level below (see the constants).
    """
    errors: list[str] = []
    names = [lvl.level for lvl in levels]
    for name in names:
        if name not in LEVEL_ORDER:
            errors.append(f"unknown packaging level {name!r}; use one of {', '.join(LEVEL_ORDER)}")
    if errors:
        return errors
    for name in sorted(set(names), key=LEVEL_ORDER.index):
        if names.count(name) > 1:
            errors.append(f"packaging level {name} is given {names.count(name)} times")
    units = [lvl.unit for lvl in levels]
    for unit in sorted(set(units)):
        if units.count(unit) > 1:
            errors.append(f"unit {unit} is used by more than one packaging level")
    seen_gtins: dict[str, str] = {}
    for lvl in levels:
        if not lvl.gtin:
            continue
        if not gtin_check_digit_ok(lvl.gtin):
            errors.append(f"{lvl.level}: GTIN {lvl.gtin} is not a valid GTIN (length or check digit)")
        if lvl.gtin in seen_gtins:
            other = seen_gtins[lvl.gtin]
            errors.append(f"{lvl.level}: GTIN {lvl.gtin} is already the GTIN of the {other} level")
        else:
            seen_gtins[lvl.gtin] = lvl.level
    ordered = sorted(levels, key=lambda lvl: LEVEL_ORDER.index(lvl.level))
    for index, lvl in enumerate(ordered):
        quantity = lvl.quantity
        if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity <= 0:
            errors.append(
                f"{lvl.level}: quantity of the level below must be a positive integer, not {quantity!r}"
            )
        elif index == 0 and lvl.unit == base_unit and quantity != 1:
            errors.append(f"{lvl.level}: the level in the base unit {base_unit} holds 1, not {quantity}")
        for name in ("length_mm", "width_mm", "height_mm"):
            size = getattr(lvl, name)
            if size is not None and size <= 0:
                errors.append(f"{lvl.level}: {name.removesuffix('_mm')} must be positive")
        if lvl.gross_weight_kg is not None and lvl.gross_weight_kg <= 0:
            errors.append(f"{lvl.level}: gross weight must be positive")
    errors.extend(_weight_errors(ordered, net_weight_kg=net_weight_kg))
    return errors


def _weight_errors(ordered: Sequence[PackLevel], *, net_weight_kg: Fraction | None) -> list[str]:
    errors: list[str] = []
    for index, lvl in enumerate(ordered):
        if lvl.gross_weight_kg is None or lvl.gross_weight_kg <= 0:
            continue
        if not isinstance(lvl.quantity, int) or lvl.quantity <= 0:
            continue
        if index == 0:
            if net_weight_kg is None:
                continue
            contents = net_weight_kg * lvl.quantity
            what = f"{lvl.quantity} x net weight {format_fraction(net_weight_kg)}"
        else:
            below = ordered[index - 1]
            if below.gross_weight_kg is None:
                continue
            contents = below.gross_weight_kg * lvl.quantity
            what = f"{lvl.quantity} x {below.level} {format_fraction(below.gross_weight_kg)}"
        low = contents * (1 - GROSS_WEIGHT_TOLERANCE)
        high = contents * (1 + PACKAGING_OVERHEAD) + (PALLET_TARE_KG if lvl.level == "pallet" else 0)
        weight = format_fraction(lvl.gross_weight_kg)
        if lvl.gross_weight_kg < low:
            errors.append(f"{lvl.level}: gross weight {weight} kg is less than its contents ({what} kg)")
        elif lvl.gross_weight_kg > high:
            errors.append(
                f"{lvl.level}: gross weight {weight} kg is more than its contents ({what} kg) "
                f"plus the packaging allowance (at most {to_decimal_string(high, places=3)} kg)"
            )
    return errors
