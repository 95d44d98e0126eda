"""Fellegi-Sunter scoring, EM estimation, term frequencies, rules and parameters."""
from __future__ import annotations

import json
import math
import random
from collections import Counter

import pytest

from mdm.matching.config import Thresholds, entity_config
from mdm.matching.keys import match_keys
from mdm.matching.model import (
    RULE_WEIGHT,
    MatchModel,
    TermFrequencies,
    decide,
    decide_pair,
    default_model,
    estimate,
)

ACME = {
    "name": "Acme Industrial Supply, Inc.", "address_line1": "123 North Main Street", "city": "Springfield",
    "postal_code": "62701", "country": "US", "phone": "+1 217 555 0100", "email": "orders@acme-supply.com",
    "website": "https://www.acme-supply.com", "tax_id": "12-3456789",
}
ACME_TYPO = {
    "name": "ACME INDUSTRAIL SUPPLY", "address_line1": "123 N Main St", "city": "SPRINGFIELD",
    "postal_code": "62701-1234", "country": "US", "phone": "(217) 555-0100",
}
NORTHWIND = {
    "name": "Northwind Traders GmbH", "address_line1": "Hauptstraße 5", "city": "Berlin", "postal_code": "10115",
    "country": "DE", "phone": "030 1234567", "email": "info@northwind.de",
}


def supplier(record: dict) -> dict:
    return match_keys("supplier", record)


def test_default_model_links_a_messy_duplicate_and_rejects_a_stranger():
    model = default_model("supplier")
    thresholds = entity_config("supplier").thresholds
    same = model.score(supplier(ACME), supplier(ACME_TYPO))
    other = model.score(supplier(ACME), supplier(NORTHWIND))
    assert decide(same.weight, thresholds) == "link"
    assert decide(other.weight, thresholds) == "new"
    assert 0.99 < same.probability <= 1.0 and other.probability < 0.01


def test_contributions_sum_to_the_weight_and_name_every_comparison():
    model = default_model("supplier")
    for other in (ACME_TYPO, NORTHWIND, {**ACME, "name": "Acme Ind. Supply"}):
        pair = model.score(supplier(ACME), supplier(other))
        assert math.isclose(sum(c.weight for c in pair.contributions), pair.weight, abs_tol=1e-9)
        fields = [c.field for c in pair.contributions]
        assert fields[0] == "prior"
        assert {c.name for c in model.config.comparisons} <= set(fields)
    missing = model.score(supplier(ACME), supplier({"name": "Acme Industrial Supply"}))
    by_field = {c.field: c for c in missing.contributions}
    assert by_field["phone"].level == "missing" and by_field["phone"].weight == 0.0


def test_score_many_equals_score_one_by_one():
    model = default_model("supplier")
    others = [supplier(r) for r in (ACME_TYPO, NORTHWIND, ACME)]
    many = model.score_many(supplier(ACME), others)
    assert [round(p.weight, 9) for p in many] == [round(model.score(supplier(ACME), o).weight, 9) for o in others]


def test_parameters_round_trip_through_json():
    model = default_model("supplier")
    model.tf = {"name_key": TermFrequencies.from_counter(Counter({"acme industrial supply": 40, "x": 1}), 1000)}
    restored = MatchModel.from_params(json.loads(json.dumps(model.to_params())))
    a, b = supplier(ACME), supplier({**ACME_TYPO, "name": ACME["name"]})
    assert restored.score(a, b).weight == pytest.approx(model.score(a, b).weight)
    assert restored.to_params() == json.loads(json.dumps(model.to_params()))


def test_unknown_parameter_format_is_refused():
    params = default_model("product").to_params()
    params["format"] = 99
    with pytest.raises(ValueError):
        MatchModel.from_params(params)


def test_parameters_of_other_comparisons_are_refused():
    params = default_model("product").to_params()
    params["comparisons"]["brand"] = params["comparisons"].pop("maker")
    with pytest.raises(ValueError, match="retrain"):
        MatchModel.from_params(params)


def test_em_recounts_u_without_the_random_pairs_that_are_duplicates():
    # 300 products, each in three records with the same part number: among random pairs,
    # sharing an MPN is then mostly the same product, which must not lower its weight.
    rng = random.Random(3)
    records = []
    for index in range(300):
        name = f"{rng.choice(['hex bolt', 'wood screw', 'cable tie'])} m{rng.randint(3, 12)}"
        for _ in range(3):
            records.append(match_keys("product", {"name": name, "mpn": f"PN-{index}", "manufacturer": "Acme"}))
    model = estimate("product", records, seed=1)
    same_mpn = model.config.comparisons[1].levels.index("same mpn_key and manufacturer_key")
    assert model.u["mpn"][same_mpn] < 1.0 / (len(records) * 10)
    assert model.m["mpn"][same_mpn] / model.u["mpn"][same_mpn] > 2 ** 13


def test_agreeing_on_a_common_name_weighs_less_than_on_a_rare_one():
    model = default_model("supplier")
    model.tf = {
        "name_key": TermFrequencies.from_counter(Counter({"global supply": 60, "zyxtronic": 1, "other": 2}), 2000),
        "name_tokens": TermFrequencies.from_counter(
            Counter({"global": 300, "supply": 200, "zyxtronic": 1, "gorbel": 1, "supbix": 1, "northern": 3,
                     "southern": 3}),
            2000),
    }
    common = model.score(supplier({"name": "Global Supply"}), supplier({"name": "Global Supply"}))
    rare = model.score(supplier({"name": "Zyxtronic"}), supplier({"name": "Zyxtronic"}))
    assert common.weight < rare.weight
    # Fuzzy agreement: similar because of common words only is weaker than because of rare ones.
    shares_common = model.score(supplier({"name": "Global Supply Northern"}),
                                supplier({"name": "Global Supply Southern"}))
    shares_rare = model.score(supplier({"name": "Gorbel Supbix Northern"}),
                              supplier({"name": "Gorbel Supbix Southern"}))
    level = {c.field: c.level for c in shares_common.contributions}["name"]
    assert level == {c.field: c.level for c in shares_rare.contributions}["name"]
    assert level.startswith("similarity")
    assert shares_common.weight < shares_rare.weight


def test_same_gtin_is_a_product_match_unless_the_names_clearly_disagree():
    model = default_model("product")
    thresholds = entity_config("product").thresholds
    bolt = match_keys("product", {"gtin": "4006381333931", "name": "Hex bolt M8x40 steel zinc plated"})
    bolt_other_system = match_keys("product", {"gtin": "04006381333931", "name": "BOLT HEX M8X40 STL ZP"})
    pair = model.score(bolt, bolt_other_system)
    assert pair.rule == "same_gtin" and not pair.conflict
    assert pair.weight >= RULE_WEIGHT and decide_pair(pair, thresholds) == "link"
    assert any(c.field == "rule same_gtin" for c in pair.contributions)
    reused = match_keys("product", {"gtin": "4006381333931", "name": "Garden hose 25 m green"})
    conflict = model.score(bolt, reused)
    assert conflict.rule == "same_gtin" and conflict.conflict
    assert decide_pair(conflict, thresholds) == "review"


def test_same_tax_id_only_counts_within_one_country_and_same_duns_always():
    model = default_model("supplier")
    a = supplier({"name": "Acme Supply", "tax_id": "DE123456789", "country": "DE"})
    b = supplier({"name": "ACME SUPPLY GMBH", "tax_id": "123 456 789", "country": "DE"})
    c = supplier({"name": "Acme Supply", "tax_id": "123456789", "country": "AT"})
    assert model.score(a, b).rule == "same_tax_id"
    assert model.score(a, c).rule == ""
    d = supplier({"name": "Acme Supply Co", "duns": "12-345-6789", "country": "US"})
    e = supplier({"name": "Acme Supply", "duns": "123456789", "country": "CA"})
    assert model.score(d, e).rule == "same_duns"


def test_decide_uses_both_thresholds():
    thresholds = Thresholds(upper=7.0, lower=0.0)
    assert [decide(w, thresholds) for w in (9.0, 7.0, 3.0, 0.0, -2.0)] == ["link", "link", "review", "review", "new"]


def _synthetic_suppliers(rng: random.Random, entities: int, m: dict[str, float], phone_pool: int) -> list[dict]:
    """Two records per entity; a field of the second record agrees with the first with
    probability m[field], else it takes an unrelated value."""
    words = [f"w{i:05d}" for i in range(50_000)]
    records = []
    for index in range(entities):
        name = " ".join(rng.sample(words, 2))
        first = {
            "name_key": name, "name_tokens": tuple(name.split()), "address_key": "", "city_key": "",
            "postal_key": "", "country": "US", "phone": f"+1555{rng.randrange(phone_pool):07d}",
            "email_domain": f"e{index}.com", "web_host": f"w{index}.com", "tax_key": "", "duns": f"{index:09d}",
        }
        second = dict(first)
        if rng.random() > m["name"]:
            second["name_key"] = " ".join(rng.sample(words, 2))
            second["name_tokens"] = tuple(second["name_key"].split())
        if rng.random() > m["phone"]:
            second["phone"] = f"+1555{rng.randrange(phone_pool):07d}"
        for key, field_name in (("email_domain", "email_domain"), ("web_host", "website")):
            if rng.random() > m[field_name]:
                second[key] = f"other{index}-{key}.com"
        if rng.random() > m["duns"]:
            second["duns"] = f"{index + 500_000:09d}"
        records += [first, second]
    rng.shuffle(records)
    return records


def test_em_recovers_known_m_and_u_from_unlabelled_data():
    truth_m = {"name": 0.9, "phone": 0.7, "email_domain": 0.8, "website": 0.6, "duns": 0.85}
    records = _synthetic_suppliers(random.Random(3), 1500, truth_m, phone_pool=60)
    model = estimate("supplier", records, seed=1)
    assert model.training["source"] == "em" and model.training["converged"]
    for field_name in ("name", "phone"):
        assert model.m[field_name][0] == pytest.approx(truth_m[field_name], abs=0.05), field_name
    # an identifier that differs stays strong evidence against a match: its m is capped
    assert model.m["duns"][1] == pytest.approx(entity_config("supplier").identifier_max_m_different)
    # email domain and website form one comparison: both agree, one agrees, neither
    email, web = truth_m["email_domain"], truth_m["website"]
    expected = [email * web, email * (1 - web) + (1 - email) * web, (1 - email) * (1 - web)]
    assert model.m["domain"] == pytest.approx(expected, abs=0.05)
    # u of phone agreement is the chance two unrelated records draw the same number from the pool
    assert model.u["phone"][0] == pytest.approx(1 / 60, abs=0.006)
    assert model.u["domain"][0] < 0.001
    # and the learned model separates the pairs it was never told about
    thresholds = entity_config("supplier").thresholds
    a = dict(records[0])
    unrelated = next(r for r in records if r["duns"] != a["duns"] and r["name_key"] != a["name_key"])
    assert decide(model.score(a, dict(a)).weight, thresholds) == "link"
    assert decide(model.score(a, unrelated).weight, thresholds) == "new"


def test_estimate_on_a_tiny_or_empty_hub_falls_back_to_defaults():
    assert estimate("location", []).to_params() == default_model("location").to_params()
    small = estimate("product", [match_keys("product", {"name": f"Widget {i}"}) for i in range(5)])
    assert small.training["records"] == 5
    assert set(small.m) == {c.name for c in entity_config("product").comparisons}
