"""Fellegi-Sunter scoring with parameters learned from the data (EM), as Splink does.

For each comparison level, m = P(level | same entity) and u = P(level | different
entities). A pair's match weight is the log2 prior odds plus, per comparison, log2(m/u) of
its level (0 when a value is missing), plus term-frequency adjustments: agreeing on a value
or a name word that many records share is weaker evidence than agreeing on a rare one.
Every term is kept as a Contribution, so the weight of a pair is exactly the sum a steward
sees.

Estimation (`estimate`): u from random record pairs (almost all are different entities);
m and the prior by expectation-maximisation over blocked candidate pairs with u fixed;
term frequencies counted over all records. Parameters are plain JSON (`to_params`).

Deterministic rules (same GTIN, same tax id in a country, same DUNS) lift a pair to
RULE_WEIGHT, unless the names clearly disagree (name similarity below the entity's
`rule_conflict_below`, far under any "similar" level): then the identifier is
more likely re-used or mistyped than the records identical, the pair keeps its
probabilistic weight and is flagged `conflict`, and the decision is at most a review.
"""
from __future__ import annotations

import math
import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np
from rapidfuzz.distance import JaroWinkler

from mdm.matching.blocking import FAMILY_BIAS, block_pairs, blocking_keys, build_blocks, family, usable_blocks
from mdm.matching.comparisons import (
    MISSING,
    AnyComparison,
    Columns,
    Comparison,
    DomainComparison,
    columns,
    level_label,
    take,
)
from mdm.matching.config import EntityConfig, Thresholds, entity_config

PARAMS_FORMAT = 1
RULE_WEIGHT = 30.0
TF_TOP_VALUES = 5000  # stored per table; rarer values count as seen once
TF_MAX_BONUS = 4.0
TF_MAX_PENALTY = 6.0
EM_PSEUDO_COUNT = 10.0
EM_MIN_PAIRS = 50  # pulls m towards the defaults when few pairs carry a level
MIN_PROBABILITY = 1e-6
TOKEN_SHARE_FULL = 0.8
TOKEN_SHARE_NONE = 0.3
NEAR_TOKEN = 0.88
# Candidate pairs are mostly different entities; a prior above this means EM chose the wrong class.
MAX_PRIOR = 0.5
U_ROUNDS = 1  # recounts of u without the random pairs that are matches, each followed by EM for m


class Contribution(NamedTuple):
    field: str
    level: str
    weight: float
    similarity: float | None


@dataclass
class ScoredPair:
    weight: float
    contributions: list[Contribution]
    rule: str = ""
    conflict: bool = False

    @property
    def probability(self) -> float:
        return probability(self.weight)


def probability(weight: float) -> float:
    if weight > 60:
        return 1.0
    odds = 2.0 ** weight
    return odds / (1.0 + odds)


def decide(weight: float, thresholds: Thresholds) -> str:
    """"link" at or above the upper threshold, "review" from the lower one, else "new"."""
    if weight >= thresholds.upper:
        return "link"
    if weight >= thresholds.lower:
        return "review"
    return "new"


def decide_pair(pair: ScoredPair, thresholds: Thresholds) -> str:
    decision = decide(pair.weight, thresholds)
    return "review" if pair.conflict and decision != "review" else decision


@dataclass
class TermFrequencies:
    """Value counts of one key over `records` records. Agreeing on value v is worth
    log2(m / f(v)) instead of the level's log2(m / u): the adjustment is log2(reference / f(v))
    with `reference` the frequency an agreeing random pair shares on average (u of the level)."""

    records: int
    counts: dict[str, int]
    reference: float

    def frequency(self, value: str) -> float:
        return max(self.counts.get(value, 1), 1) / max(self.records, 1)

    def adjustment(self, value: str) -> float:
        return math.log2(self.reference / self.frequency(value))

    @classmethod
    def from_counter(cls, counter: Counter, records: int) -> TermFrequencies:
        # u of agreement summed over values (sum of squared frequencies), as Splink uses it.
        total = sum(counter.values())
        squares = sum(c * c for c in counter.values())
        reference = squares / (total * records) if total and records else 1.0
        return cls(records=records, counts=dict(counter.most_common(TF_TOP_VALUES)), reference=reference)

    def idf(self, token: str) -> float:
        return math.log2(max(self.records, 1) / max(self.counts.get(token, 1), 1)) + 1.0

    def informative_share(self, left: Sequence[str], right: Sequence[str]) -> float:
        """Share of the names' information (IDF-weighted words) the two names have in common; a
        word counts as shared when the other name has it, a near spelling, or it as a prefix
        (truncation)."""
        shared = total = 0.0
        for words, others in ((left, right), (right, left)):
            for word in words:
                weight = self.idf(word)
                total += weight
                if any(word == o or o.startswith(word) or word.startswith(o)
                       or JaroWinkler.normalized_similarity(word, o) >= NEAR_TOKEN for o in others):
                    shared += weight
        return shared / total if total else 1.0

    def to_params(self) -> dict[str, Any]:
        return {"records": self.records, "reference": self.reference,
                "counts": {k: v for k, v in self.counts.items() if v > 1}}

    @classmethod
    def from_params(cls, params: dict) -> TermFrequencies:
        return cls(records=int(params["records"]), counts=dict(params["counts"]),
                   reference=float(params["reference"]))


@dataclass
class PairScores:
    """Scores of many pairs as arrays (the bulk path never builds per-pair objects)."""

    weight: np.ndarray
    levels: np.ndarray  # pairs x comparisons, MISSING = -1
    similarity: np.ndarray
    tf: np.ndarray  # pairs x comparisons, term-frequency adjustment
    rule: list[str]
    conflict: np.ndarray


@dataclass
class MatchModel:
    entity: str
    prior: float
    m: dict[str, list[float]]
    u: dict[str, list[float]]
    tf: dict[str, TermFrequencies] = field(default_factory=dict)
    training: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.config: EntityConfig = entity_config(self.entity)
        self._tables = [self._weights(c) for c in self.config.comparisons]
        self._prior_weight = math.log2(self.prior / (1.0 - self.prior))

    def _weights(self, comparison: AnyComparison) -> np.ndarray:
        m = np.clip(np.asarray(self.m[comparison.name], dtype=np.float64), MIN_PROBABILITY, 1.0)
        u = np.clip(np.asarray(self.u[comparison.name], dtype=np.float64), MIN_PROBABILITY, 1.0)
        if len(m) != len(comparison.levels) or len(u) != len(comparison.levels):
            raise ValueError(f"{self.entity}.{comparison.name}: expected {len(comparison.levels)} levels")
        # The extra trailing 0 is the weight of MISSING (index -1).
        return np.append(np.log2(m / u), 0.0)

    # -- serialization -------------------------------------------------------------------

    def to_params(self) -> dict[str, Any]:
        return {
            "format": PARAMS_FORMAT,
            "entity": self.entity,
            "prior": self.prior,
            "comparisons": {
                c.name: {"levels": list(c.levels), "m": list(self.m[c.name]), "u": list(self.u[c.name])}
                for c in self.config.comparisons
            },
            "tf": {key: table.to_params() for key, table in self.tf.items()},
            "training": self.training,
        }

    @classmethod
    def from_params(cls, params: dict) -> MatchModel:
        if params.get("format") != PARAMS_FORMAT:
            raise ValueError(f"unsupported match model format {params.get('format')!r}")
        comparisons = params["comparisons"]
        expected = {c.name: list(c.levels) for c in entity_config(params["entity"]).comparisons}
        if {name: list(c.get("levels", ())) for name, c in comparisons.items()} != expected:
            raise ValueError(f"the {params['entity']} match model was trained for other comparisons; retrain it")
        return cls(
            entity=params["entity"],
            prior=float(params["prior"]),
            m={name: [float(x) for x in c["m"]] for name, c in comparisons.items()},
            u={name: [float(x) for x in c["u"]] for name, c in comparisons.items()},
            tf={key: TermFrequencies.from_params(t) for key, t in params.get("tf", {}).items()},
            training=dict(params.get("training", {})),
        )

    # -- scoring --------------------------------------------------------------------------

    @property
    def needed_keys(self) -> tuple[str, ...]:
        keys = [k for c in self.config.comparisons for k in (*c.keys, c.token_tf) if k]
        keys += [rule.key for rule in self.config.rules]
        return tuple(dict.fromkeys(keys))

    def columns(self, records: Sequence[dict]) -> Columns:
        return columns(records, self.needed_keys)

    def levels(self, a: Columns, b: Columns, *, workers: int = 1) -> tuple[np.ndarray, np.ndarray]:
        n, k = len(next(iter(a.values()))), len(self.config.comparisons)
        levels = np.empty((n, k), dtype=np.int8)
        sims = np.empty((n, k), dtype=np.float64)
        for index, comparison in enumerate(self.config.comparisons):
            levels[:, index], sims[:, index] = comparison.compute(a, b, workers=workers)
        return levels, sims

    def _tf_adjustments(self, a: Columns, b: Columns, levels: np.ndarray) -> np.ndarray:
        adjust = np.zeros(levels.shape, dtype=np.float64)
        for index, comparison in enumerate(self.config.comparisons):
            table = self._tables[index]
            last = len(comparison.levels) - 1
            floor = min(table[1] - table[0], 0.0) if last >= 1 else -TF_MAX_PENALTY
            column = levels[:, index]
            values = self.tf.get(_tf_key(comparison)) if comparison.tf else None
            if values is not None and isinstance(comparison, DomainComparison):
                for row in np.flatnonzero((column == 0) | (column == 1)):
                    adj = values.adjustment(comparison.shared(a, b, row))
                    adjust[row, index] = min(max(adj, table[2] - table[column[row]], -TF_MAX_PENALTY),
                                             TF_MAX_BONUS)
            elif values is not None:
                key_column = a[comparison.keys[0]]
                for row in np.flatnonzero(column == 0):
                    adj = values.adjustment(key_column[row])
                    adjust[row, index] = min(max(adj, floor, -TF_MAX_PENALTY), TF_MAX_BONUS)
            tokens = self.tf.get(comparison.token_tf) if comparison.token_tf else None
            if tokens is not None and isinstance(comparison, Comparison) and comparison.thresholds:
                fuzzy_levels = len(comparison.thresholds)
                left_tokens, right_tokens = a[comparison.token_tf], b[comparison.token_tf]
                for row in np.flatnonzero((column > 0) & (column <= fuzzy_levels)):
                    share = tokens.informative_share(left_tokens[row], right_tokens[row])
                    # Similar because of common words only ("Industrial Supply North" / "... West"):
                    # slide the level's weight towards "different" as the shared share of
                    # information falls from TOKEN_SHARE_FULL to TOKEN_SHARE_NONE.
                    fraction = min(max((TOKEN_SHARE_FULL - share) / (TOKEN_SHARE_FULL - TOKEN_SHARE_NONE), 0.0), 1.0)
                    adjust[row, index] = (table[last] - table[column[row]]) * fraction
        return adjust

    def score_columns(self, a: Columns, b: Columns, *, workers: int = 1) -> PairScores:
        """Scores of the aligned pairs (a[i], b[i]), vectorized per comparison."""
        levels, sims = self.levels(a, b, workers=workers)
        tf = self._tf_adjustments(a, b, levels)
        n = len(levels)
        weight = np.full(n, self._prior_weight, dtype=np.float64)
        for index, table in enumerate(self._tables):
            weight += table[levels[:, index]]
        weight += tf.sum(axis=1)
        rules = np.full(n, "", dtype=object)
        conflict = np.zeros(n, dtype=bool)
        if self.config.rules:
            names = [c.name for c in self.config.comparisons]
            name_index = names.index(self.config.name_comparison)
            names_disagree = sims[:, name_index] < self.config.rule_conflict_below  # NaN (missing) is False
            for rule in self.config.rules:
                hit = (a[rule.key] == b[rule.key]) & (a[rule.key] != "") & (rules == "")
                rules[hit] = rule.name
                clash = hit & names_disagree
                conflict |= clash
                lifted = hit & ~clash
                weight[lifted] = np.maximum(weight[lifted], RULE_WEIGHT)
        return PairScores(weight=weight, levels=levels, similarity=sims, tf=tf, rule=list(rules),
                          conflict=conflict)

    def score_pairs(self, lefts: Sequence[dict], rights: Sequence[dict], *, workers: int = 1) -> PairScores:
        """Scores of pairs (lefts[i], rights[i])."""
        return self.score_columns(self.columns(lefts), self.columns(rights), workers=workers)

    def score_indexed(self, lefts: Sequence[dict], left_index: Sequence[int], rights: Sequence[dict],
                      right_index: Sequence[int], *, workers: int = 1) -> PairScores:
        """Scores of pairs (lefts[left_index[i]], rights[right_index[i]]): each record's columns are
        built once, however many pairs it is in (a golden record's members meet every record of
        the batch that reaches it)."""
        a = take(self.columns(lefts), np.asarray(left_index, dtype=np.intp))
        b = take(self.columns(rights), np.asarray(right_index, dtype=np.intp))
        return self.score_columns(a, b, workers=workers)

    def explain(self, scores: PairScores, row: int) -> ScoredPair:
        contributions = [Contribution("prior", "", self._prior_weight, None)]
        total = self._prior_weight
        for index, comparison in enumerate(self.config.comparisons):
            level = int(scores.levels[row, index])
            sim = float(scores.similarity[row, index])
            weight = float(self._tables[index][level])
            contributions.append(Contribution(comparison.name, level_label(comparison, level), weight,
                                              None if math.isnan(sim) else sim))
            total += weight
            adj = float(scores.tf[row, index])
            if adj:
                label = "common value" if adj < 0 else "rare value"
                contributions.append(Contribution(f"{comparison.name} frequency", label, adj, None))
                total += adj
        final = float(scores.weight[row])
        if scores.rule[row] and final > total + 1e-9:
            contributions.append(Contribution(f"rule {scores.rule[row]}", "deterministic", final - total, None))
        return ScoredPair(weight=final, contributions=contributions, rule=scores.rule[row],
                          conflict=bool(scores.conflict[row]))

    def score_many(self, a: dict, others: Sequence[dict], *, workers: int = 1) -> list[ScoredPair]:
        if not others:
            return []
        scores = self.score_pairs([a] * len(others), others, workers=workers)
        return [self.explain(scores, row) for row in range(len(others))]

    def score(self, a: dict, b: dict) -> ScoredPair:
        return self.score_many(a, [b])[0]


def default_model(entity: str) -> MatchModel:
    """The untrained model of an empty hub: configured m/u, no term frequencies."""
    config = entity_config(entity)
    return MatchModel(
        entity=entity,
        prior=config.default_prior,
        m={c.name: list(config.default_m[c.name]) for c in config.comparisons},
        u={c.name: list(config.default_u[c.name]) for c in config.comparisons},
        training={"source": "defaults"},
    )


# -- estimation ---------------------------------------------------------------------------


def _tf_key(comparison: AnyComparison) -> str:
    return "domain" if isinstance(comparison, DomainComparison) else comparison.keys[0]


def _term_frequencies(config: EntityConfig, records: Sequence[dict]) -> dict[str, TermFrequencies]:
    tables: dict[str, TermFrequencies] = {}
    for comparison in config.comparisons:
        if isinstance(comparison, DomainComparison) and comparison.tf:
            counter = Counter(d for r in records for d in {r.get(k) for k in comparison.keys} if d)
            tables[_tf_key(comparison)] = TermFrequencies.from_counter(counter, len(records))
        elif comparison.tf and comparison.keys[0] not in tables:
            counter = Counter(r.get(comparison.keys[0]) for r in records)
            counter.pop("", None)
            counter.pop(None, None)
            tables[comparison.keys[0]] = TermFrequencies.from_counter(counter, len(records))
        if comparison.token_tf and comparison.token_tf not in tables:
            counter = Counter(t for r in records for t in set(r.get(comparison.token_tf) or ()))
            tables[comparison.token_tf] = TermFrequencies.from_counter(counter, len(records))
    return tables


def _level_distribution(levels: np.ndarray, n_levels: int, weights: np.ndarray | None = None) -> np.ndarray:
    present = levels != MISSING
    w = np.ones(len(levels)) if weights is None else weights
    return np.bincount(levels[present].astype(np.int64), weights=w[present], minlength=n_levels)


def _random_pairs(n: int, count: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    left = rng.integers(0, n, count)
    right = rng.integers(0, n - 1, count)
    return left, right + (right >= left)  # never a record with itself


def _sample(pairs: list[tuple[int, int]], limit: int, rng: random.Random) -> np.ndarray:
    if len(pairs) > limit:
        pairs = rng.sample(pairs, limit)
    return np.asarray(pairs, dtype=np.int64).reshape(-1, 2)


def _em(
    config: EntityConfig,
    levels: np.ndarray,
    m: dict[str, np.ndarray],
    log_u: list[np.ndarray],
    fixed: set[int],
    max_iterations: int,
) -> tuple[dict[str, np.ndarray], float, int, bool]:
    """EM over one session's pairs with u fixed; the `fixed` comparisons are left out.
    Returns the learned m, the expected number of matches, iterations, convergence."""
    m = {name: values.copy() for name, values in m.items()}
    prior = config.default_prior
    p = np.zeros(len(levels))
    for iteration in range(1, max_iterations + 1):
        log_odds = np.full(len(levels), math.log(prior / (1 - prior)))
        for index, c in enumerate(config.comparisons):
            if index in fixed:
                continue  # agrees on every pair of the session: no evidence here
            log_m = np.append(np.log(np.clip(m[c.name], MIN_PROBABILITY, 1)), 0.0)
            log_odds += log_m[levels[:, index]] - log_u[index][levels[:, index]]
        p = 1.0 / (1.0 + np.exp(-np.clip(log_odds, -50, 50)))
        change = 0.0
        for index, c in enumerate(config.comparisons):
            if index in fixed:
                continue
            counts = _level_distribution(levels[:, index], len(c.levels), p)
            default = np.asarray(config.default_m[c.name])
            new_m = (counts + EM_PSEUDO_COUNT * default) / (counts.sum() + EM_PSEUDO_COUNT)
            change = max(change, float(np.abs(new_m - m[c.name]).max()))
            m[c.name] = new_m
        new_prior = float(np.clip(p.mean(), 1e-4, MAX_PRIOR))
        change = max(change, abs(new_prior - prior))
        prior = new_prior
        if change < 1e-4:
            return m, float(p.sum()), iteration, True
    return m, float(p.sum()), max_iterations, False


def _learn_m(
    config: EntityConfig,
    sessions: list[tuple[str, np.ndarray, set[int]]],
    start: dict[str, np.ndarray],
    log_u: list[np.ndarray],
    max_iterations: int,
) -> tuple[dict[str, np.ndarray], int, bool]:
    """m averaged over the EM sessions that learned it (weighted by their expected matches),
    identifiers' "different" level capped."""
    names = [c.name for c in config.comparisons]
    iterations, converged = 0, True
    sums = {name: np.zeros(len(start[name])) for name in names}
    mass = {name: 0.0 for name in names}
    for _family, levels, fixed in sessions:
        learned, matches, steps, ok = _em(config, levels, start, log_u, fixed, max_iterations)
        iterations, converged = iterations + steps, converged and ok
        for index, name in enumerate(names):
            if index not in fixed:
                sums[name] += learned[name] * matches
                mass[name] += matches
    m = {name: (sums[name] / mass[name] if mass[name] > 0 else start[name]) for name in names}
    for name in config.identifiers:
        if m[name][-1] > config.identifier_max_m_different:
            m[name] = m[name].copy()
            m[name][-1] = config.identifier_max_m_different
            m[name][:-1] *= (1 - config.identifier_max_m_different) / m[name][:-1].sum()
    return m, iterations, converged


def _non_match_u(
    config: EntityConfig,
    levels: np.ndarray,
    m: dict[str, np.ndarray],
    u: dict[str, list[float]],
    max_iterations: int,
) -> dict[str, list[float]]:
    """u recounted over random pairs weighted by P(non-match): EM over the random pairs with m
    fixed, learning u and the share of matches among them."""
    log_m = [np.append(np.log(np.clip(m[c.name], MIN_PROBABILITY, 1)), 0.0) for c in config.comparisons]
    share = 1.0 / max(len(levels), 1)
    refined = {name: list(values) for name, values in u.items()}
    for _ in range(max_iterations):
        log_bf = np.zeros(len(levels))
        for index, c in enumerate(config.comparisons):
            log_u = np.append(np.log(np.clip(refined[c.name], MIN_PROBABILITY, 1)), 0.0)
            log_bf += log_m[index][levels[:, index]] - log_u[levels[:, index]]
        p = 1.0 / (1.0 + np.exp(-np.clip(log_bf + math.log(share / (1 - share)), -50, 50)))
        weights = 1.0 - p
        change = 0.0
        for index, c in enumerate(config.comparisons):
            counts = _level_distribution(levels[:, index], len(c.levels), weights)
            new_u = list((counts + 1.0) / (counts.sum() + len(c.levels)))
            change = max(change, max(abs(math.log(x / y)) for x, y in zip(new_u, refined[c.name], strict=True)))
            refined[c.name] = new_u
        share = float(np.clip(p.mean(), 1e-9, MAX_PRIOR))
        if change < 1e-3:
            break
    return refined


def implausible(model: MatchModel) -> str | None:
    """Why a trained model must not be used, or None.

    EM finds the two classes that best explain the candidate pairs; where records of one place
    or one maker agree on most fields (branches of a chain in one city), those can be "same city"
    and "elsewhere" instead of duplicates and the rest. Two signs together give that away: the
    share of matches among the candidate pairs reached its cap (alone, that also happens in a
    small hub where most candidate pairs are duplicates), and the "matches" differ on most of
    the evidence (name, address, code...), which duplicates do not.
    """
    if model.prior < MAX_PRIOR - 1e-9:
        return None
    comparisons = model.config.comparisons
    differing = [c.name for c in comparisons if model.m[c.name][-1] > 0.5]
    if 2 * len(differing) < len(comparisons):
        return None
    return (f"EM estimated that {model.prior:.0%} or more of the candidate pairs are matches, and that matches "
            f"mostly differ in {', '.join(differing)}: it separated something other than duplicates (records "
            f"that share a city or a maker, say), so the model in use before stays in use")


def estimate(
    entity: str,
    records_keys: Sequence[dict],
    *,
    max_pairs: int = 300_000,
    max_random_pairs: int = 200_000,
    max_iterations: int = 40,
    seed: int = 0,
    workers: int = 1,
) -> MatchModel:
    """Learn a MatchModel from the match keys of the records being loaded (unsupervised).

    As in Splink, m is learned in one EM session per blocking key family (name words, phone,
    postal area, ...), each on the candidate pairs of that family only (never all pairs); a
    session does not learn the m of the comparisons its blocking forces to agree (FAMILY_BIAS),
    and each m is the average over the sessions that learned it, weighted by their expected
    matches. With few pairs the estimates lean on the configured defaults."""
    config = entity_config(entity)
    base = default_model(entity)
    n = len(records_keys)
    if n < 3:
        return base
    rng = random.Random(seed)
    tf = _term_frequencies(config, records_keys)

    cols = base.columns(records_keys)
    random_count = min(max_random_pairs, max(50_000, 20 * n), n * (n - 1) // 2)
    left, right = _random_pairs(n, random_count, np.random.default_rng(seed))
    rand_levels, _ = base.levels(take(cols, left), take(cols, right), workers=workers)
    u: dict[str, list[float]] = {}
    for index, c in enumerate(config.comparisons):
        counts = _level_distribution(rand_levels[:, index], len(c.levels))
        # Laplace smoothing: a level never seen among random pairs is rare, not impossible.
        u[c.name] = list((counts + 1.0) / (counts.sum() + len(c.levels)))

    blocks = usable_blocks(build_blocks((i, blocking_keys(entity, k)) for i, k in enumerate(records_keys)),
                           max_block_size=config.max_block_size)
    names = [c.name for c in config.comparisons]
    by_family: dict[str, dict[str, list[int]]] = {}
    for key, ids in blocks.items():
        by_family.setdefault(family(key), {})[key] = ids
    log_u = [np.append(np.log(np.clip(u[name], MIN_PROBABILITY, 1)), 0.0) for name in names]
    m = {c.name: np.asarray(base.m[c.name], dtype=np.float64) for c in config.comparisons}
    per_session = max(1000, max_pairs // max(len(by_family), 1))
    sessions = []
    for name_of_family, family_blocks in sorted(by_family.items()):
        pairs = _sample(list(block_pairs(family_blocks)), per_session, rng)
        if len(pairs) < EM_MIN_PAIRS:
            continue
        levels, _ = base.levels(take(cols, pairs[:, 0]), take(cols, pairs[:, 1]), workers=workers)
        fixed = {names.index(n) for n in FAMILY_BIAS.get(name_of_family, ()) if n in names}
        sessions.append((name_of_family, levels, fixed))
    iterations, converged = 0, True
    for _round in range(U_ROUNDS + 1):
        m, steps, ok = _learn_m(config, sessions, m, log_u, max_iterations)
        iterations, converged = iterations + steps, converged and ok
        if _round == U_ROUNDS:
            break
        # Random pairs hold true matches too (about one in the number of entities): where an
        # entity has several records, they make agreeing on an identifier look far more common
        # among different entities than it is, which caps its weight. Recount u with each random
        # pair weighted by its probability of being a non-match under the learned m.
        u = _non_match_u(config, rand_levels, m, u, max_iterations)
        log_u = [np.append(np.log(np.clip(u[name], MIN_PROBABILITY, 1)), 0.0) for name in names]
    # The prior that scoring needs is the share of matches among all blocked candidate pairs.
    candidates = _sample(list(block_pairs(blocks)), max_pairs, rng)
    prior = config.default_prior
    if len(candidates):
        levels, _ = base.levels(take(cols, candidates[:, 0]), take(cols, candidates[:, 1]), workers=workers)
        log_bf = np.zeros(len(candidates))
        for index, name in enumerate(names):
            log_m = np.append(np.log(np.clip(m[name], MIN_PROBABILITY, 1)), 0.0)
            log_bf += log_m[levels[:, index]] - log_u[index][levels[:, index]]
        for _ in range(max_iterations):
            p = 1.0 / (1.0 + np.exp(-np.clip(log_bf + math.log(prior / (1 - prior)), -50, 50)))
            new_prior = float(np.clip(p.mean(), 1e-4, MAX_PRIOR))
            if abs(new_prior - prior) < 1e-6:
                break
            prior = new_prior
    model = MatchModel(entity=entity, prior=prior, m={k: list(map(float, v)) for k, v in m.items()},
                       u={k: list(map(float, v)) for k, v in u.items()}, tf=tf)
    model.training = {
        "source": "em",
        "records": n,
        "candidate_pairs": len(candidates),
        "random_pairs": random_count,
        "sessions": [name for name, _, _ in sessions],
        "iterations": iterations,
        "converged": converged,
        "seed": seed,
    }
    return model
