"""Match keys from normalized records, blocking keys, shards, and the number/domain levels."""
from __future__ import annotations

import numpy as np

from mdm.matching.blocking import (
    blocking_keys,
    build_blocks,
    key_weight,
    shard_of,
    strongest_candidates,
    usable_blocks,
)
from mdm.matching.comparisons import DomainComparison, columns, level_label
from mdm.matching.config import entity_config
from mdm.matching.engine import ScoredShard, load_blocks, score_shard
from mdm.matching.keys import match_keys
from mdm.matching.model import default_model


def test_supplier_keys_reduce_each_field_to_one_comparable_form():
    keys = match_keys("supplier", {
        "name": "ACME Int'l Mfg. & Svcs, Inc.", "country": "DE", "tax_id": "DE 123 456 789",
        "phone": "030 123456", "postal_code": "10115", "address_line1": "Hauptstraße 5",
        "website": "http://www.Acme.de/x", "email": "a@Acme.de", "duns": "12-345-6789",
    })
    assert keys["name_key"] == "acme international manufacturing and services"
    assert keys["tax_key"] == "DE:123456789"  # the VAT country prefix is not part of the number
    assert keys["phone"] == "+4930123456"
    assert keys["address_key"] == "hauptstr 5" and keys["address_numbers"] == "5"
    assert (keys["email_domain"], keys["web_host"], keys["duns"]) == ("acme.de", "acme.de", "123456789")


def test_product_and_location_keys():
    product = match_keys("product", {"gtin": "4006381333931", "name": "Bolt, Steel 5mm", "mpn": "ab-12",
                                     "manufacturer": "Bosch GmbH"})
    assert product["gtin14"] == "04006381333931" and product["mpn_key"] == "AB12"
    assert product["manufacturer_key"] == "bosch" and product["name_tokens"] == ("bolt", "steel", "5mm")
    location = match_keys("location", {"name": "Store 0057 Boston", "latitude": "42.35", "longitude": None,
                                       "code": "br-0057"})
    assert location["lat"] == 42.35 and location["lon"] is None
    assert location["code_key"] == "BR0057" and location["name_numbers"] == "57"


def test_blocking_keys_are_few_deterministic_and_survive_a_typo():
    record = {"name": "Northwind Traders", "address_line1": "12 Harbor Road", "city": "Portland",
              "postal_code": "97201", "country": "US", "phone": "+1 503 555 0100", "email": "x@northwind.com"}
    typo = {**record, "name": "Nortwhind Traders", "phone": "", "email": ""}
    keys = blocking_keys("supplier", match_keys("supplier", record))
    assert keys == blocking_keys("supplier", match_keys("supplier", dict(record)))
    assert len(keys) <= 9 and len(set(keys)) == len(keys)
    assert "p:+15035550100" in keys and "e:northwind.com" in keys
    assert set(keys) & set(blocking_keys("supplier", match_keys("supplier", typo)))
    product = blocking_keys("product", match_keys("product", {"gtin": "4006381333931", "name": "Hex bolt"}))
    assert "g:04006381333931" in product


def test_oversized_blocks_are_not_used():
    blocks = build_blocks([(i, ["n:common", f"p:{i}"]) for i in range(300)] + [(300, ["p:1"])])
    usable = usable_blocks(blocks, max_block_size=200)
    assert "n:common" not in usable and usable == {"p:1": [1, 300]}


def test_shards_together_score_every_candidate_pair_once_per_pair():
    model = default_model("supplier")
    names = ["acme tools", "acme tool", "acme supply", "northwind traders", "northwind trading", "apex"]
    keys = [match_keys("supplier", {"name": n, "country": "US", "postal_code": "10001"}) for n in names]
    blocks = load_blocks("supplier", keys)
    cols = model.columns(keys)
    whole = score_shard(cols, blocks, model)
    parts = ScoredShard.concat([score_shard(cols, blocks, model, shard=s, shards=3) for s in range(3)])
    pairs = {(int(i), int(j)): w for i, j, w in zip(whole.left, whole.right, whole.weight, strict=True)}
    assert len(pairs) == len(whole.left)  # no pair twice within one shard
    assert {(int(i), int(j)): w for i, j, w in zip(parts.left, parts.right, parts.weight, strict=True)} == pairs
    assert {shard_of(k, 3) for k in blocks} <= {0, 1, 2}


def test_similar_names_with_other_numbers_are_a_level_of_their_own():
    model = default_model("location")
    store_12 = match_keys("location", {"name": "Store 12 Boston", "city": "Boston", "country": "US"})
    store_21 = match_keys("location", {"name": "Store 21 Boston", "city": "Boston", "country": "US"})
    same = model.score(store_12, dict(store_12))
    other = model.score(store_12, store_21)
    assert {c.field: c.level for c in other.contributions}["name"] == "numbers differ"
    assert other.weight < same.weight
    assert other.weight < entity_config("location").thresholds.upper  # never an automatic link


def test_numbers_only_one_name_gives_are_left_out_detail_not_a_contradiction():
    model = default_model("product")
    full = match_keys("product", {"name": "Flat Washer M10 SS A2 100 PCS"})
    short = match_keys("product", {"name": "Flat Washer M10 SS 100 PCS"})
    other_size = match_keys("product", {"name": "Flat Washer M12 SS A2 100 PCS"})
    levels = {c.field: c.level for c in model.score(full, short).contributions}
    assert levels["name"] == "similarity >= 0.92"
    assert {c.field: c.level for c in model.score(full, other_size).contributions}["name"] == "numbers differ"
    assert {c.field: c.level for c in model.score(short, other_size).contributions}["name"] == "numbers differ"


def test_a_shared_supplier_item_number_is_evidence_and_a_blocking_key():
    erp = match_keys("product", {"name": "WOOD SCR 4.5X16 PH 200/BX", "supplier_item_number": "FC778313"})
    wms = match_keys("product", {"name": "Wood Screw 4.5x16 PH 200 PCS", "supplier_item_number": "fc-778313"})
    assert erp["item_key"] == wms["item_key"] == "FC778313"
    assert "i:FC778313" in set(blocking_keys("product", erp)) & set(blocking_keys("product", wms))
    model = default_model("product")
    same = model.score(erp, wms)
    other = model.score(erp, {**wms, "item_key": "QT225960"})
    assert {c.field: c.level for c in same.contributions}["supplier_item"] == "exact"
    assert same.weight > other.weight
    unknown = model.score(erp, {**wms, "item_key": ""})
    assert {c.field: c.level for c in unknown.contributions}["supplier_item"] == "missing"


def test_email_domain_and_website_count_as_one_piece_of_evidence():
    domain = DomainComparison("domain")
    pairs = [
        ({"email_domain": "acme.com", "web_host": "acme.com"}, {"email_domain": "acme.com", "web_host": "acme.com"}),
        ({"email_domain": "acme.com", "web_host": ""}, {"email_domain": "", "web_host": "acme.com"}),
        ({"email_domain": "acme.com", "web_host": ""}, {"email_domain": "bolt.com", "web_host": ""}),
        ({"email_domain": "", "web_host": ""}, {"email_domain": "bolt.com", "web_host": ""}),
    ]
    left = columns([a for a, _ in pairs], domain.keys)
    right = columns([b for _, b in pairs], domain.keys)
    levels, _ = domain.compute(left, right)
    assert [level_label(domain, int(x)) for x in levels] == [
        "same email domain and website", "same domain", "different", "missing"]
    assert np.all(levels[:3] >= 0)


def test_a_rare_shared_key_outweighs_crowded_ones():
    assert key_weight(1) == 1.0 and key_weight(3) == 0.5
    assert key_weight(2) > key_weight(50) > key_weight(200) > 0


def test_strongest_candidates_keep_those_sharing_the_most_and_rarest_keys():
    shared = [
        (2, {"SUP-9"}),                                  # a phone number two records hold
        (150, {f"SUP-{i}" for i in range(100, 250)}),    # a name token a crowd holds
        (150, {"SUP-9", *(f"SUP-{i}" for i in range(300, 449))}),
        (40, {"SUP-7", "SUP-9"}),
    ]
    picked = strongest_candidates(shared, limit=3)
    # SUP-9 shares three keys, SUP-7 one middling one; then one of the crowd, ties to the smaller id.
    assert picked == sorted(["SUP-9", "SUP-7", "SUP-100"])
    assert strongest_candidates(shared, limit=3) == picked  # the same on every run
    # Under the limit, every candidate is kept.
    assert strongest_candidates([(5, {"B", "A"}), (3, {"C"})], limit=20) == ["A", "B", "C"]
    assert strongest_candidates([], limit=20) == []


def test_strongest_candidates_never_pick_the_excluded():
    shared = [(1, {"A", "B"}), (2, {"A", "C"}), (50, {"D"})]
    assert strongest_candidates(shared, limit=2) == ["A", "B"]
    assert strongest_candidates(shared, limit=2, exclude=("A", "")) == ["B", "C"]
