"""Assignment of a record to a golden record, resistant to chaining.

Single-linkage ("joins if it matches any member") lets A~B and B~C pull C into A's golden
record although A and C disagree; over a large load that glues unrelated entities together.
The rule here: a record joins golden record G only if

* its best match among G's members reaches the upper threshold, and
* at least `min_support` of G's members (default 2/3; so every member of a pair, two of
  three) match it at least at the lower threshold, i.e. it fits the group, not a neighbour;

or a deterministic rule holds without conflict against one of G's members (the identifier
names the entity; the other members may simply lack it).

If two or more golden records qualify, the record links to the best one and the others are
returned as `alternatives`: the golden records may be one entity, which is a merge for a
steward to review, never an automatic merge (so one early miss does not turn every later
record of that entity into a review as well). If none qualifies but some member
scores at or above the lower threshold (or a rule holds with conflicting names), it is a
review against the best golden record; otherwise the record starts a new golden record.
"""
from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field

import numpy as np

from mdm.matching.config import Thresholds
from mdm.matching.model import Contribution, MatchModel, ScoredPair

DEFAULT_MIN_SUPPORT = 2 / 3


@dataclass
class Assignment:
    decision: str  # "link" | "review" | "new"
    golden_id: Hashable | None  # the golden record linked to, or the one to review against
    score: float  # best member weight against golden_id (-inf when there was no candidate)
    support: float  # share of golden_id's members at or above the lower threshold
    contributions: list[Contribution] = field(default_factory=list)
    best_pair: ScoredPair | None = None
    best_member: int | None = None  # index of the best member within golden_id's member list
    alternatives: list[Hashable] = field(default_factory=list)  # other qualifying golden records
    record_id: Hashable | None = None


@dataclass
class ClusterVerdict:
    decision: str
    golden_id: Hashable | None
    score: float
    support: float
    best_member: int | None
    alternatives: list[Hashable]


MemberScores = tuple[Sequence[float], Sequence[bool], Sequence[bool]]


def judge(
    member_scores: dict[Hashable, MemberScores],
    thresholds: Thresholds,
    *,
    min_support: float = DEFAULT_MIN_SUPPORT,
) -> ClusterVerdict:
    """Apply the chaining rule to (weights, rule-hit-without-conflict, conflict) per member of
    each candidate golden record. Shared by `assign` and the bulk path."""
    qualifying: list[tuple[float, Hashable, float, int]] = []
    best: tuple[float, Hashable, float, int] | None = None
    review_hint = False
    lower, upper = thresholds.lower, thresholds.upper
    for golden_id, (weights, rule_hit, conflict) in member_scores.items():
        if not len(weights):
            continue
        member = max(range(len(weights)), key=weights.__getitem__)
        top = float(weights[member])
        support = sum(1 for w, hit in zip(weights, rule_hit, strict=True) if w >= lower or hit) / len(weights)
        entry = (top, golden_id, support, member)
        if best is None or top > best[0]:
            best = entry
        # A deterministic rule (same GTIN, same tax id) names the entity: it links without the
        # support of the other members, who may lack the identifier.
        if any(rule_hit) or (top >= upper and support >= min_support - 1e-9):
            qualifying.append(entry)
        elif top >= lower or any(conflict):
            review_hint = True
    if not qualifying:
        if best is None:
            return ClusterVerdict("new", None, float("-inf"), 0.0, None, [])
        top, golden_id, support, member = best
        if review_hint:
            return ClusterVerdict("review", golden_id, top, support, member, [])
        return ClusterVerdict("new", None, top, support, member, [])
    qualifying.sort(key=lambda e: (-e[0], str(e[1])))
    top, golden_id, support, member = qualifying[0]
    return ClusterVerdict("link", golden_id, top, support, member, [e[1] for e in qualifying[1:]])


def assign(
    record_keys: dict,
    candidate_clusters: dict[Hashable, Sequence[dict]],
    model: MatchModel,
    thresholds: Thresholds,
    *,
    min_support: float = DEFAULT_MIN_SUPPORT,
    workers: int = 1,
) -> Assignment:
    """Decide where one record belongs among candidate golden records (their members' keys)."""
    owners: list[Hashable] = []
    members: list[dict] = []
    for golden_id, cluster in candidate_clusters.items():
        owners.extend([golden_id] * len(cluster))
        members.extend(cluster)
    if not members:
        return Assignment("new", None, float("-inf"), 0.0)
    scores = model.score_pairs([record_keys] * len(members), members, workers=workers)
    rule_hit = (np.array(scores.rule, dtype=object) != "") & ~scores.conflict
    per_cluster: dict[Hashable, MemberScores] = {}
    start = 0
    rows_of: dict[Hashable, int] = {}
    for golden_id, cluster in candidate_clusters.items():
        end = start + len(cluster)
        per_cluster[golden_id] = (scores.weight[start:end], rule_hit[start:end], scores.conflict[start:end])
        rows_of[golden_id] = start
        start = end
    verdict = judge(per_cluster, thresholds, min_support=min_support)
    assignment = Assignment(verdict.decision, verdict.golden_id, verdict.score, verdict.support,
                            best_member=verdict.best_member, alternatives=verdict.alternatives)
    if verdict.best_member is not None:
        # Explain the best pair even for "new": a steward asks why it did not match.
        golden = verdict.golden_id if verdict.golden_id is not None else _best_owner(per_cluster)
        pair = model.explain(scores, rows_of[golden] + verdict.best_member)
        assignment.best_pair, assignment.contributions = pair, pair.contributions
        if assignment.golden_id is None:
            assignment.best_member = int(np.argmax(per_cluster[golden][0]))
    return assignment


def _best_owner(per_cluster: dict[Hashable, MemberScores]) -> Hashable:
    return max(per_cluster, key=lambda g: float(per_cluster[g][0].max()) if len(per_cluster[g][0]) else -1e9)
