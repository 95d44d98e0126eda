"""The pure conversion graph: exact arithmetic, derived paths, consistency, rounding."""
from __future__ import annotations

import decimal
import math
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mdm.uom.conversions import (
    ROUNDING_MODES,
    ConversionGraph,
    Edge,
    InconsistentConversion,
    NoConversionPath,
    round_fraction,
    to_decimal_string,
    to_fraction,
    validate_edges,
)

factors = st.fractions(min_value=Fraction(1, 10**6), max_value=10**6).filter(lambda f: f > 0)
quantities = st.fractions(min_value=-(10**9), max_value=10**9, max_denominator=10**6)


@st.composite
def connected_graphs(draw, max_units: int = 8):
    """A random tree of units with random exact factors, plus which pairs it joins."""
    count = draw(st.integers(min_value=2, max_value=max_units))
    units = [f"U{i}" for i in range(count)]
    edges = []
    for i in range(1, count):
        parent = draw(st.integers(min_value=0, max_value=i - 1))
        if draw(st.booleans()):
            edges.append(Edge(units[i], units[parent], draw(factors)))
        else:
            edges.append(Edge(units[parent], units[i], draw(factors)))
    return units, edges


@given(connected_graphs(), quantities, st.data())
def test_there_and_back_gives_exactly_the_start(graph_data, quantity, data):
    units, edges = graph_data
    graph = ConversionGraph.from_edges(edges)
    source = data.draw(st.sampled_from(units))
    target = data.draw(st.sampled_from(units))
    there, _ = graph.convert(quantity, source, target)
    back, _ = graph.convert(there, target, source)
    assert back == quantity


@given(st.lists(factors, min_size=1, max_size=8), quantities)
def test_a_derived_conversion_is_the_product_of_the_factors_on_its_path(chain, quantity):
    units = [f"U{i}" for i in range(len(chain) + 1)]
    edges = [Edge(units[i], units[i + 1], factor) for i, factor in enumerate(chain)]
    graph = ConversionGraph.from_edges(reversed(edges))
    result, conversion = graph.convert(quantity, units[0], units[-1])
    assert conversion.path == tuple(units)
    assert conversion.factor == math.prod(chain, start=Fraction(1))
    assert result == quantity * math.prod(chain, start=Fraction(1))
    reverse = graph.find(units[-1], units[0])
    assert reverse.factor == 1 / conversion.factor


def _all_path_factors(units: list[str], edges: list[Edge], source: str, target: str) -> set[Fraction]:
    """Brute force: the factor of every simple path (each parallel edge is its own path)."""
    steps: dict[str, list[tuple[str, Fraction]]] = {u: [] for u in units}
    for edge in edges:
        steps[edge.source].append((edge.target, edge.factor))
        steps[edge.target].append((edge.source, 1 / edge.factor))
    found: set[Fraction] = set()

    def walk(node: str, visited: frozenset[str], factor: Fraction) -> None:
        if node == target:
            found.add(factor)
            return
        for neighbour, step in steps[node]:
            if neighbour not in visited:
                walk(neighbour, visited | {neighbour}, factor * step)

    walk(source, frozenset({source}), Fraction(1))
    return found


small_factors = st.sampled_from([Fraction(1, 3), Fraction(1, 2), Fraction(1), Fraction(2), Fraction(3), Fraction(6)])


@st.composite
def random_multigraphs(draw):
    units = [f"U{i}" for i in range(draw(st.integers(min_value=2, max_value=5)))]
    pairs = st.tuples(st.sampled_from(units), st.sampled_from(units)).filter(lambda p: p[0] != p[1])
    edges = [Edge(a, b, draw(small_factors)) for a, b in draw(st.lists(pairs, min_size=1, max_size=7))]
    return units, edges


@settings(max_examples=150)
@given(random_multigraphs())
def test_any_two_paths_agree_or_validation_fails(graph_data):
    units, edges = graph_data
    errors = validate_edges(edges)
    all_agree = all(
        len(_all_path_factors(units, edges, a, b)) <= 1 for a in units for b in units if a < b
    )
    assert (errors == []) == all_agree
    for error in errors:
        assert " but " in error and error.count("->") >= 2
    if not errors:
        graph = ConversionGraph.from_edges(edges)
        for a in units:
            for b in units:
                paths = _all_path_factors(units, edges, a, b) if a != b else {Fraction(1)}
                conversion = graph.find(a, b)
                assert (conversion.factor if conversion else None) == (next(iter(paths)) if paths else None)


def test_two_paths_that_disagree_name_both_paths():
    graph = ConversionGraph.from_edges([Edge("PF", "CS", Fraction(40)), Edge("CS", "EA", Fraction(12))])
    with pytest.raises(InconsistentConversion) as raised:
        graph.add(Edge("PF", "EA", Fraction(500)))
    assert str(raised.value) == "PF->CS->EA = 480 but PF->EA = 500"


def test_a_consistent_cycle_is_fine_and_each_error_is_reported_once():
    edges = [
        Edge("KGM", "GRM", Fraction(1000)), Edge("GRM", "MGM", Fraction(1000)),
        Edge("KGM", "MGM", Fraction(10**6)), Edge("TNE", "KGM", Fraction(1000)),
    ]
    assert validate_edges(edges) == []
    errors = validate_edges([*edges, Edge("TNE", "GRM", Fraction(999_999)), Edge("TNE", "MGM", Fraction(10**9))])
    assert errors == ["TNE->KGM->GRM = 1000000 but TNE->GRM = 999999"]


def test_units_in_different_components_have_no_conversion():
    graph = ConversionGraph.from_edges([Edge("KGM", "GRM", Fraction(1000)), Edge("LTR", "MLT", Fraction(1000))])
    with pytest.raises(NoConversionPath, match="no conversion from KGM to LTR"):
        graph.convert(Fraction(1), "KGM", "LTR")


def test_factors_must_be_positive_and_a_unit_equals_itself():
    graph = ConversionGraph()
    assert "positive" in graph.check(Edge("CS", "EA", Fraction(0)))
    assert graph.check(Edge("EA", "EA", Fraction(2))) == "EA->EA = 2 but a unit equals itself"


def test_quantities_are_exact_and_floats_are_refused():
    assert to_fraction("0.1") * 3 == Fraction(3, 10)
    assert to_fraction(Decimal("2.50")) == Fraction(5, 2)
    assert to_fraction("1/3") == Fraction(1, 3)
    with pytest.raises(TypeError):
        to_fraction(0.1)  # type: ignore[arg-type]


def test_results_are_exact_unless_rounding_is_asked_for():
    assert to_decimal_string(Fraction(36)) == "36"
    assert to_decimal_string(Fraction(45359237, 10**8)) == "0.45359237"
    assert to_decimal_string(Fraction(1, 3)) == "0.333333333333"
    assert to_decimal_string(Fraction(5, 2), places=0) == "2"
    assert to_decimal_string(Fraction(5, 2), places=0, mode="half_up") == "3"
    assert to_decimal_string(Fraction(1, 8), places=2, mode="ceiling") == "0.13"
    assert to_decimal_string(Fraction(36), places=3) == "36"


DECIMAL_MODES = {
    "half_even": decimal.ROUND_HALF_EVEN, "half_up": decimal.ROUND_HALF_UP, "up": decimal.ROUND_UP,
    "down": decimal.ROUND_DOWN, "ceiling": decimal.ROUND_CEILING, "floor": decimal.ROUND_FLOOR,
}


@given(st.decimals(min_value=-(10**6), max_value=10**6, places=6), st.integers(0, 5), st.sampled_from(ROUNDING_MODES))
def test_rounding_agrees_with_the_decimal_module(value, places, mode):
    expected = value.quantize(Decimal(1).scaleb(-places), rounding=DECIMAL_MODES[mode])
    assert round_fraction(Fraction(value), places, mode) == expected
