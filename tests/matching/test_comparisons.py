"""Comparison levels: what counts as exact, similar, different or missing."""
from __future__ import annotations

import math

import pytest

from mdm.matching.comparisons import (
    CodeWithContextComparison,
    Comparison,
    GeoComparison,
    MakerComparison,
    columns,
    level_label,
)
from mdm.matching.config import entity_config
from mdm.matching.model import default_model


def levels_of(comparison, pairs):
    keys = comparison.keys
    left = columns([a for a, _ in pairs], keys)
    right = columns([b for _, b in pairs], keys)
    levels, sims = comparison.compute(left, right)
    return [level_label(comparison, int(level)) for level in levels], sims


def test_name_levels_run_from_exact_to_different_and_missing():
    name = Comparison("name", "name_key", scorer="name", thresholds=(0.92, 0.8))
    labels, sims = levels_of(name, [
        ({"name_key": "acme industrial supply"}, {"name_key": "acme industrial supply"}),
        ({"name_key": "acme industrial supply"}, {"name_key": "acme industrail supply"}),
        ({"name_key": "acme industrial supply"}, {"name_key": "acme industrial"}),
        ({"name_key": "acme industrial supply"}, {"name_key": "northwind traders"}),
        ({"name_key": "acme industrial supply"}, {"name_key": ""}),
    ])
    assert labels == ["exact", "similarity >= 0.92", "similarity >= 0.80", "different", "missing"]
    assert sims[0] == 1.0 and sims[1] > sims[2] > sims[3]
    assert math.isnan(sims[4])


def test_word_order_does_not_make_names_different():
    name = Comparison("name", "name_key", scorer="name", thresholds=(0.92, 0.8))
    labels, _ = levels_of(name, [({"name_key": "tri state plastics"}, {"name_key": "plastics tri state"})])
    assert labels == ["similarity >= 0.92"]


def test_exact_comparison_has_two_levels_plus_missing():
    phone = Comparison("phone", "phone")
    labels, _ = levels_of(phone, [
        ({"phone": "+15551234567"}, {"phone": "+15551234567"}),
        ({"phone": "+15551234567"}, {"phone": "+15551234568"}),
        ({"phone": ""}, {"phone": "+15551234568"}),
    ])
    assert labels == ["exact", "different", "missing"]


def test_postal_codes_of_the_same_area_are_a_level_of_their_own():
    postal = Comparison("postal_code", "postal_key", scorer="prefix", thresholds=(0.6,))
    labels, _ = levels_of(postal, [
        ({"postal_key": "94105"}, {"postal_key": "94105"}),
        ({"postal_key": "94105"}, {"postal_key": "94107"}),
        ({"postal_key": "94105"}, {"postal_key": "10001"}),
    ])
    assert labels == ["exact", "similarity >= 0.60", "different"]


def test_coordinates_levels_by_distance():
    geo = GeoComparison("coordinates")
    origin = {"lat": 52.52, "lon": 13.405}
    labels, km = levels_of(geo, [
        (origin, {"lat": 52.5201, "lon": 13.4051}),  # a few metres
        (origin, {"lat": 52.525, "lon": 13.405}),  # ~550 m
        (origin, {"lat": 52.56, "lon": 13.405}),  # ~4.5 km
        (origin, {"lat": 48.137, "lon": 11.575}),  # Munich
        (origin, {"lat": None, "lon": None}),
    ])
    assert labels == ["within 0.1 km", "within 1 km", "within 10 km", "farther", "missing"]
    assert 480 < km[3] < 520


def test_part_number_counts_more_with_the_same_manufacturer():
    mpn = CodeWithContextComparison("mpn")
    labels, _ = levels_of(mpn, [
        ({"mpn_key": "AB1234", "manufacturer_key": "bosch"}, {"mpn_key": "AB1234", "manufacturer_key": "bosch"}),
        ({"mpn_key": "AB1234", "manufacturer_key": "bosch"}, {"mpn_key": "AB1234", "manufacturer_key": ""}),
        ({"mpn_key": "AB1234", "manufacturer_key": "bosch"}, {"mpn_key": "AB1234", "manufacturer_key": "makita"}),
        ({"mpn_key": "AB1234X", "manufacturer_key": "bosch"}, {"mpn_key": "AB1234", "manufacturer_key": ""}),
        ({"mpn_key": "AB1234", "manufacturer_key": "bosch"}, {"mpn_key": "ZZ9", "manufacturer_key": "bosch"}),
        ({"mpn_key": "", "manufacturer_key": "bosch"}, {"mpn_key": "ZZ9", "manufacturer_key": "bosch"}),
    ])
    assert labels == ["same mpn_key and manufacturer_key", "same mpn_key, manufacturer_key unknown",
                      "same mpn_key, other manufacturer_key", "mpn_key similar", "different", "missing"]


def test_a_missing_manufacturer_is_not_evidence_against_the_same_part_number():
    model = default_model("product")
    same = {"mpn_key": "AB1234", "manufacturer_key": "bosch", "name_key": "drill 18v"}
    unknown = model.score(same, {**same, "manufacturer_key": ""}).weight
    other = model.score(same, {**same, "manufacturer_key": "makita"}).weight
    assert model.score(same, same).weight > unknown > other


def test_maker_compares_brand_with_brand_and_manufacturer_with_manufacturer():
    maker = MakerComparison("maker")
    labels, sims = levels_of(maker, [
        ({"brand_key": "bosch", "manufacturer_key": "robert bosch"},
         {"brand_key": "bosch", "manufacturer_key": "robert bosch"}),
        ({"brand_key": "bosch", "manufacturer_key": ""}, {"brand_key": "bosch", "manufacturer_key": ""}),
        ({"brand_key": "bosch", "manufacturer_key": "robert bosch"},
         {"brand_key": "dremel", "manufacturer_key": "robert bosch"}),
        ({"brand_key": "bosch", "manufacturer_key": "robert bosch"},
         {"brand_key": "makita", "manufacturer_key": "makita"}),
        ({"brand_key": "bosch", "manufacturer_key": ""}, {"brand_key": "", "manufacturer_key": "makita"}),
        ({"brand_key": "", "manufacturer_key": ""}, {"brand_key": "makita", "manufacturer_key": "makita"}),
    ])
    assert labels == ["same brand and manufacturer", "same brand or manufacturer", "brand or manufacturer differs",
                      "different", "missing", "missing"]
    assert sims[0] == 1.0 and math.isnan(sims[4]) and math.isnan(sims[5])


def test_a_brand_named_in_the_other_manufacturer_counts_as_agreement():
    maker = MakerComparison("maker")
    labels, _ = levels_of(maker, [
        ({"brand_key": "bosch", "manufacturer_key": ""}, {"brand_key": "", "manufacturer_key": "robert bosch"}),
        ({"brand_key": "moreaupro", "manufacturer_key": ""}, {"brand_key": "", "manufacturer_key": "moreau brands"}),
        ({"brand_key": "3m", "manufacturer_key": ""}, {"brand_key": "", "manufacturer_key": "3m"}),
        # A brand that is not in the other manufacturer's name proves nothing: groups own brands.
        ({"brand_key": "dewalt", "manufacturer_key": ""},
         {"brand_key": "", "manufacturer_key": "stanley black decker"}),
    ])
    assert labels == ["same brand or manufacturer"] * 3 + ["missing"]


@pytest.mark.parametrize("entity", ["supplier", "product", "location"])
def test_every_configured_comparison_has_default_m_and_u_for_each_level(entity):
    config = entity_config(entity)
    for comparison in config.comparisons:
        m, u = config.default_m[comparison.name], config.default_u[comparison.name]
        assert len(m) == len(u) == len(comparison.levels)
        assert math.isclose(sum(m), 1.0, abs_tol=1e-6) and math.isclose(sum(u), 1.0, abs_tol=1e-6)
        # the strongest level must be evidence for a match, the weakest against it
        assert m[0] > u[0] and m[-1] < u[-1]
