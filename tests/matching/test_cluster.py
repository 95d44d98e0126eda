"""Assignment to golden records: the chaining rule, merges, and bulk == one by one."""
from __future__ import annotations

import random

from mdm.matching.blocking import blocking_keys
from mdm.matching.cluster import assign
from mdm.matching.config import Thresholds
from mdm.matching.engine import cluster_bulk, load_blocks, match_record
from mdm.matching.keys import match_keys
from mdm.matching.model import default_model

# Lower than the defaults so that the untrained model's weights for these hand-made records
# fall clearly on either side.
THRESHOLDS = Thresholds(upper=5.0, lower=0.0)

# B shares name and phone with A, and address, email domain and website with C; A and C share
# nothing but the country.
A = match_keys("supplier", {
    "name": "Acme Tools", "address_line1": "1 Main Street", "city": "Springfield", "postal_code": "62701",
    "country": "US", "phone": "+1 217 555 0100",
})
B = match_keys("supplier", {
    "name": "Acme Tools", "address_line1": "99 Harbor Road", "city": "Portland", "postal_code": "97201",
    "country": "US", "phone": "+1 217 555 0100", "email": "sales@boltworks.com", "website": "boltworks.com",
})
C = match_keys("supplier", {
    "name": "Boltworks Hardware", "address_line1": "99 Harbor Road", "city": "Portland", "postal_code": "97201",
    "country": "US", "phone": "+1 503 555 0199", "email": "info@boltworks.com", "website": "www.boltworks.com",
})


def test_a_record_does_not_join_a_golden_record_through_one_neighbour():
    model = default_model("supplier")
    assert model.score(A, B).weight >= THRESHOLDS.upper
    assert model.score(B, C).weight >= THRESHOLDS.upper
    assert model.score(A, C).weight < THRESHOLDS.lower
    # C alone would link to B ...
    assert assign(C, {"G1": [B]}, model, THRESHOLDS).decision == "link"
    # ... but not to the golden record that B forms with A: a steward reviews it instead.
    verdict = assign(C, {"G1": [A, B]}, model, THRESHOLDS)
    assert verdict.decision == "review" and verdict.golden_id == "G1"
    assert verdict.support == 0.5
    assert verdict.best_pair is not None and verdict.best_member == 1


def test_a_record_matching_two_golden_records_links_to_the_best_and_names_the_other():
    model = default_model("supplier")
    verdict = assign(B, {"G1": [A], "G3": [C]}, model, THRESHOLDS)
    assert verdict.decision == "link"
    assert verdict.golden_id == max(("G1", A), ("G3", C), key=lambda g: model.score(B, g[1]).weight)[0]
    assert verdict.alternatives == [{"G1": "G3", "G3": "G1"}[verdict.golden_id]]


def test_a_deterministic_rule_links_without_the_support_of_members_lacking_the_identifier():
    model = default_model("product")
    erp = match_keys("product", {"gtin": "4006381333931", "name": "BOLT HEX M8X30 ZP", "mpn": "HB-830"})
    portal = match_keys("product", {"name": "Hex bolt, M8 x 30 mm, zinc plated"})  # no GTIN, no MPN
    wms = match_keys("product", {"gtin": "04006381333931", "name": "Hex bolt M8x30 zinc"})
    assert model.score(wms, portal).weight < THRESHOLDS.lower
    verdict = assign(wms, {"G1": [erp, portal]}, model, THRESHOLDS)
    assert verdict.decision == "link" and verdict.golden_id == "G1" and verdict.support == 0.5


def test_no_candidates_or_weak_candidates_make_a_new_golden_record_with_an_explanation():
    model = default_model("supplier")
    assert assign(A, {}, model, THRESHOLDS).decision == "new"
    verdict = assign(A, {"G3": [C]}, model, THRESHOLDS)
    assert verdict.decision == "new" and verdict.golden_id is None
    assert verdict.contributions and verdict.contributions[0].field == "prior"


def test_review_band_between_the_thresholds():
    model = default_model("supplier")
    weight = model.score(A, B).weight
    verdict = assign(A, {"G1": [B]}, model, Thresholds(upper=weight + 1, lower=weight - 1))
    assert verdict.decision == "review" and verdict.golden_id == "G1"


def _noisy(rng: random.Random, text: str) -> str:
    if len(text) > 4 and rng.random() < 0.5:
        i = rng.randrange(1, len(text) - 1)
        text = text[:i] + text[i + 1] + text[i] + text[i + 2:]
    return text.upper() if rng.random() < 0.3 else text


def _load(seed: int = 5, entities: int = 40) -> list[tuple[str, dict]]:
    rng = random.Random(seed)
    words = ["acme", "global", "northwind", "pioneer", "summit", "harbor", "delta", "apex", "metro", "union"]
    kinds = ["tools", "supply", "industrial", "electric", "plastics", "logistics"]
    records = []
    for e in range(entities):
        name = f"{rng.choice(words)} {rng.choice(kinds)} {rng.choice(['', 'north', 'west', 'group'])}".strip()
        base = {
            "name": name, "address_line1": f"{rng.randrange(1, 300)} {rng.choice(words)} street",
            "city": rng.choice(["Springfield", "Portland", "Dayton"]), "postal_code": f"{rng.randrange(10000, 10040)}",
            "country": "US", "phone": f"+1 217 555 {rng.randrange(10000):04d}",
        }
        for copy in range(rng.choice([1, 2, 3])):
            record = {k: (_noisy(rng, v) if k in ("name", "address_line1") else v) for k, v in base.items()}
            if rng.random() < 0.3:
                record["phone"] = ""
            records.append((f"S{e}-{copy}", match_keys("supplier", record)))
    rng.shuffle(records)
    return records


def test_bulk_clustering_equals_assigning_records_one_by_one():
    model = default_model("supplier")
    records = _load()
    bulk = cluster_bulk("supplier", records, model, THRESHOLDS, workers=2)

    keys = [k for _, k in records]
    blocks = load_blocks("supplier", keys)
    usable = {key for key in blocks}
    golden_of: dict[int, int] = {}
    members: dict[int, list[int]] = {}
    sequential = []
    for index, record_keys in enumerate(keys):
        earlier = {i for key in blocking_keys("supplier", record_keys) if key in usable
                   for i in blocks[key] if i < index}
        # A golden record is a candidate when a member sharing a blocking key scores at least the
        # lower threshold or hits a rule (the candidate rule of mdm.matching.engine).
        strong = [i for i in sorted(earlier)
                  if (pair := model.score(record_keys, keys[i])).weight >= THRESHOLDS.lower or pair.rule]
        candidates = {golden_of[i]: [keys[m] for m in members[golden_of[i]]] for i in strong}
        verdict = match_record(record_keys, candidates, model, THRESHOLDS)
        if verdict.decision == "link":
            golden_of[index] = verdict.golden_id
            members[verdict.golden_id].append(index)
        else:
            golden_of[index] = index
            members[index] = [index]
        sequential.append((verdict.decision, records[golden_of[index]][0], round(verdict.score, 6)))

    assert [(a.decision, a.golden_id, round(a.score, 6)) for a in bulk] == sequential
    decisions = {d for d, _, _ in sequential}
    assert "link" in decisions and "new" in decisions  # the set exercises both paths
    assert len({a.golden_id for a in bulk}) < len(records)
