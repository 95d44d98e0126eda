"""Per-entity match configuration: comparisons, deterministic rules, thresholds, block cap.

The m/u values here are the untrained starting point (a hub with no data still matches);
`estimate` replaces them with values learned from the data being loaded. Comparison levels
run from strongest agreement to "different"; m is P(level | same entity), u is
P(level | different entities).

Thresholds are match weights: log2 of the posterior odds that a pair (or a record and a
golden record) is the same entity, prior included; weight 0 is p = 0.5, 7 is p = 0.992, 15 is
p = 0.99997. They come from the threshold sweep of tests/bench/match_engine.py (10,000
generated suppliers/products, seed 7): for suppliers, precision rose from 0.88 (upper 7) to
0.97 (upper 15) while recall stayed >= 0.998, because sister companies sharing a name stem and
a web domain score 9-15 while true duplicates agree on many fields and score far higher; for
products, recall drops below upper 7 without a precision gain above it. `lower` = 0 (p = 0.5):
moving it to -4 added ~500 reviews per 20,000 records for < 0.001 recall. Re-check them with
the evaluator on real exports before changing them.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from mdm.matching.comparisons import (
    AnyComparison,
    CodeWithContextComparison,
    Comparison,
    DomainComparison,
    GeoComparison,
    MakerComparison,
)


@dataclass(frozen=True)
class Thresholds:
    upper: float
    lower: float

    def to_params(self) -> dict[str, float]:
        return {"upper": self.upper, "lower": self.lower}

    @classmethod
    def from_params(cls, params: dict) -> Thresholds:
        return cls(upper=float(params["upper"]), lower=float(params["lower"]))


@dataclass(frozen=True)
class Rule:
    """A deterministic match: equal non-empty `key` values are the same entity, unless the
    names clearly disagree (then the pair goes to review, see model.ScoredPair.conflict)."""

    name: str
    key: str


@dataclass(frozen=True)
class EntityConfig:
    entity: str
    comparisons: tuple[AnyComparison, ...]
    default_m: dict[str, tuple[float, ...]]
    default_u: dict[str, tuple[float, ...]]
    rules: tuple[Rule, ...] = ()
    name_comparison: str = "name"
    # Names less similar than this (0..1) make a deterministic rule a conflict, i.e. a review:
    # abbreviations and word order stay well above it, a re-used identifier falls below.
    rule_conflict_below: float = 0.5
    thresholds: Thresholds = field(default_factory=lambda: Thresholds(upper=7.0, lower=0.0))
    default_prior: float = 0.1  # share of true matches among blocked candidate pairs
    # Identifiers name one legal entity or article: two different values are strong evidence
    # against a match even where EM, confusing sister companies with duplicates, learns
    # otherwise. m of their "different" level is capped here.
    identifiers: tuple[str, ...] = ()
    identifier_max_m_different: float = 0.03
    max_block_size: int = 200
    # Golden records one record is scored against, the strongest by shared blocking keys
    # (blocking.strongest_candidates): bounds the work per record however big the hub grows.
    max_candidates: int = 20
    max_blocking_keys: int = 8


ID = ((0.9, 0.1), (0.001, 0.999))
NAME_M, NAME_U = (0.55, 0.25, 0.12, 0.02, 0.06), (0.0005, 0.002, 0.01, 0.01, 0.9775)
ADDR_M, ADDR_U = (0.6, 0.2, 0.1, 0.02, 0.08), (0.0005, 0.001, 0.005, 0.005, 0.9885)
CITY_M, CITY_U = (0.85, 0.1, 0.05), (0.02, 0.01, 0.97)
POSTAL_M, POSTAL_U = (0.85, 0.1, 0.05), (0.005, 0.05, 0.945)


def _entry(values: dict[str, tuple[tuple[float, ...], tuple[float, ...]]]) -> tuple[dict, dict]:
    return {k: v[0] for k, v in values.items()}, {k: v[1] for k, v in values.items()}


COUNTRY = ((0.97, 0.03), (0.3, 0.7))
_SUPPLIER_M, _SUPPLIER_U = _entry({
    "name": (NAME_M, NAME_U),
    "country": COUNTRY,
    "address": (ADDR_M, ADDR_U),
    "city": (CITY_M, CITY_U),
    "postal_code": (POSTAL_M, POSTAL_U),
    "phone": ID,
    "domain": ((0.5, 0.4, 0.1), (0.001, 0.004, 0.995)),
    "tax_id": ID,
    "duns": ID,
})
# Product descriptions are shared by many articles ("HEX BOLT M8X30 ZP" from every brand) and
# spelled differently by each system, so a name is weaker evidence than a company name; a GTIN
# or part number names one article and rarely differs between two records of it.
PRODUCT_NAME_M, PRODUCT_NAME_U = (0.3, 0.3, 0.2, 0.02, 0.18), (0.005, 0.005, 0.02, 0.01, 0.96)
_PRODUCT_M, _PRODUCT_U = _entry({
    "gtin": ((0.99, 0.01), (0.0001, 0.9999)),
    "mpn": ((0.6, 0.2, 0.05, 0.14, 0.01), (0.0001, 0.0001, 0.0004, 0.001, 0.9984)),
    "name": (PRODUCT_NAME_M, PRODUCT_NAME_U),
    # The supplier's own item number: the same article bought from another supplier has
    # another one, so "different" is weak evidence against a match.
    "supplier_item": ((0.75, 0.25), (0.0005, 0.9995)),
    "maker": ((0.55, 0.35, 0.04, 0.06), (0.01, 0.02, 0.02, 0.95)),
})
_LOCATION_M, _LOCATION_U = _entry({
    "name": (NAME_M, NAME_U),
    "country": COUNTRY,
    "address": (ADDR_M, ADDR_U),
    "city": (CITY_M, CITY_U),
    "postal_code": (POSTAL_M, POSTAL_U),
    "coordinates": ((0.7, 0.2, 0.07, 0.03), (0.0001, 0.001, 0.01, 0.9889)),
    "code": ((0.5, 0.5), (0.001, 0.999)),
})

_NAME = Comparison("name", "name_key", scorer="name", thresholds=(0.92, 0.8), tf=True, token_tf="name_tokens",
                   numbers="name_numbers")
_ADDRESS = Comparison("address", "address_key", scorer="token_sort", thresholds=(0.92, 0.8),
                      numbers="address_numbers")
_CITY = Comparison("city", "city_key", scorer="jaro_winkler", thresholds=(0.9,), tf=True)
_POSTAL = Comparison("postal_code", "postal_key", scorer="prefix", thresholds=(0.6,), tf=True)
_COUNTRY = Comparison("country", "country")

CONFIGS: dict[str, EntityConfig] = {
    "supplier": EntityConfig(
        entity="supplier",
        comparisons=(
            _NAME, _COUNTRY, _ADDRESS, _CITY, _POSTAL,
            Comparison("phone", "phone", tf=True),
            DomainComparison("domain"),
            Comparison("tax_id", "tax_key"),
            Comparison("duns", "duns"),
        ),
        default_m=_SUPPLIER_M,
        default_u=_SUPPLIER_U,
        rules=(Rule("same_tax_id", "tax_key"), Rule("same_duns", "duns")),
        identifiers=("tax_id", "duns"),
        thresholds=Thresholds(upper=15.0, lower=0.0),
    ),
    "product": EntityConfig(
        entity="product",
        comparisons=(
            Comparison("gtin", "gtin14"),
            CodeWithContextComparison("mpn"),
            _NAME,
            Comparison("supplier_item", "item_key", tf=True),
            MakerComparison("maker"),
        ),
        default_m=_PRODUCT_M,
        default_u=_PRODUCT_U,
        rules=(Rule("same_gtin", "gtin14"),),
        identifiers=("gtin",),
        # Blocks on product words ("hi vis vest", a brand) hold far more different products than
        # duplicates: many articles share a generic description.
        default_prior=0.02,
    ),
    "location": EntityConfig(
        entity="location",
        comparisons=(
            _NAME, _COUNTRY, _ADDRESS, _CITY, _POSTAL,
            GeoComparison("coordinates"),
            Comparison("code", "code_key", tf=True),
        ),
        default_m=_LOCATION_M,
        default_u=_LOCATION_U,
    ),
}


def entity_config(entity: str) -> EntityConfig:
    try:
        return CONFIGS[entity]
    except KeyError:
        raise ValueError(f"no match configuration for entity {entity!r}") from None
