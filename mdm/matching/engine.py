"""Facade of the match engine: one record (real time) and a whole load (bulk).

Real time: `match_record` scores a record against the members of the golden records found
through its blocking keys and applies the chaining rule of mdm.matching.cluster.

Bulk (`cluster_bulk`) gives the same result as assigning the records one by one in input
order, each against the golden records formed by the records before it, with two
documented differences: a blocking key is ignored for the whole load when the load holds more
than `max_block_size` records with it, while one-by-one assignment would still use it until
the key reaches the cap; and a golden record is considered only when one of its members that
shares a blocking key with the record scores at least the lower threshold (or hits a rule),
while `assign` looks at every member of every golden record it is given. Both only matter
for records that would otherwise be a review or a new golden record at the margin. The work
is split in two steps:

1. `score_shard`: candidate pairs of the blocks whose key falls in one shard, scored with
   rapidfuzz's cpdist; shards are independent (Celery can run them in parallel; a pair
   shared by blocks in two shards is scored twice, with equal results).
2. `cluster_scored`: one ordered pass applying the chaining rule; a member that shares no
   block with the record is scored on demand, exactly as `assign` would.
"""
from __future__ import annotations

from collections.abc import Hashable, Iterator, Sequence
from dataclasses import dataclass
from itertools import islice

import numpy as np

from mdm.matching.blocking import block_pairs, blocking_keys, build_blocks, usable_blocks
from mdm.matching.cluster import DEFAULT_MIN_SUPPORT, Assignment, assign, judge
from mdm.matching.comparisons import Columns, take
from mdm.matching.config import Thresholds, entity_config
from mdm.matching.model import MatchModel

CHUNK_PAIRS = 100_000


@dataclass
class ScoredShard:
    """Scored candidate pairs (left < right are indexes into the load)."""

    left: np.ndarray
    right: np.ndarray
    weight: np.ndarray
    rule_hit: np.ndarray  # deterministic rule held without a name conflict
    conflict: np.ndarray

    @classmethod
    def concat(cls, parts: Sequence[ScoredShard]) -> ScoredShard:
        if not parts:
            empty = np.zeros(0)
            return cls(empty.astype(np.int64), empty.astype(np.int64), empty, empty.astype(bool),
                       empty.astype(bool))
        return cls(*(np.concatenate([getattr(p, f) for p in parts])
                     for f in ("left", "right", "weight", "rule_hit", "conflict")))


def load_blocks(entity: str, keys: Sequence[dict]) -> dict[str, list[int]]:
    """Usable blocks (index lists) of a load, oversized keys dropped."""
    config = entity_config(entity)
    blocks = build_blocks((index, blocking_keys(entity, k)) for index, k in enumerate(keys))
    return usable_blocks(blocks, max_block_size=config.max_block_size)


def _chunks(pairs: Iterator[tuple[int, int]], size: int) -> Iterator[list[tuple[int, int]]]:
    while chunk := list(islice(pairs, size)):
        yield chunk


def score_shard(
    cols: Columns,
    blocks: dict[str, list[int]],
    model: MatchModel,
    *,
    shard: int = 0,
    shards: int = 1,
    workers: int = 1,
) -> ScoredShard:
    parts = []
    for chunk in _chunks(block_pairs(blocks, shard=shard, shards=shards), CHUNK_PAIRS):
        left = np.fromiter((i for i, _ in chunk), dtype=np.int64, count=len(chunk))
        right = np.fromiter((j for _, j in chunk), dtype=np.int64, count=len(chunk))
        scores = model.score_columns(take(cols, left), take(cols, right), workers=workers)
        rule = np.array(scores.rule, dtype=object) != ""
        parts.append(ScoredShard(left, right, scores.weight, rule & ~scores.conflict, scores.conflict))
    return ScoredShard.concat(parts)


@dataclass
class BulkAssignment:
    record_id: Hashable
    decision: str  # link | review | new
    golden_id: Hashable  # the golden record (named after its first record) the record belongs to
    candidate_id: Hashable | None  # review: the golden record to review against
    score: float
    support: float
    best_member_id: Hashable | None  # the member of golden/candidate that matched best
    alternatives: list[Hashable]


def cluster_scored(
    records: Sequence[tuple[Hashable, dict]],
    scored: ScoredShard,
    model: MatchModel,
    thresholds: Thresholds,
    *,
    min_support: float = DEFAULT_MIN_SUPPORT,
) -> list[BulkAssignment]:
    """The ordered pass over pre-scored pairs; a linked record joins the golden record, any
    other becomes a golden record of its own (a review keeps the candidate it points at)."""
    n = len(records)
    # Keep one row per pair (shards may repeat one), ordered by the later record.
    codes = scored.right * n + scored.left
    codes, first = np.unique(codes, return_index=True)
    earlier = (codes % n).tolist()
    weight = scored.weight[first].tolist()
    rule_hit = scored.rule_hit[first].tolist()
    conflict = scored.conflict[first].tolist()
    starts = np.searchsorted(codes // n, np.arange(n + 1)).tolist()
    cluster_of = [-1] * n
    members: dict[int, list[int]] = {}
    results: list[BulkAssignment] = []
    keys = [k for _, k in records]
    for index in range(n):
        lo, hi = starts[index], starts[index + 1]
        known = {earlier[row]: row for row in range(lo, hi)}
        # Only golden records with a blocked member at the lower threshold (or a rule hit or
        # conflict) can change the verdict; the others are not scored member by member.
        clusters = sorted({cluster_of[e] for e, row in known.items()
                           if weight[row] >= thresholds.lower or rule_hit[row] or conflict[row]})
        missing = [m for c in clusters for m in members[c] if m not in known]
        extra: dict[int, tuple[float, bool, bool]] = {}
        if missing:
            scores = model.score_pairs([keys[index]] * len(missing), [keys[m] for m in missing])
            for row, m in enumerate(missing):
                hit = bool(scores.rule[row]) and not scores.conflict[row]
                extra[m] = (float(scores.weight[row]), hit, bool(scores.conflict[row]))
        per_cluster = {}
        for c in clusters:
            rows = [(weight[known[m]], rule_hit[known[m]], conflict[known[m]]) if m in known else extra[m]
                    for m in members[c]]
            per_cluster[c] = tuple(zip(*rows, strict=True))
        verdict = judge(per_cluster, thresholds, min_support=min_support)
        target = verdict.golden_id
        best_member = members[target][verdict.best_member] if target is not None else None
        if verdict.decision == "link":
            cluster_of[index] = target  # type: ignore[assignment]
            members[target].append(index)
        else:
            cluster_of[index] = index
            members[index] = [index]
        results.append(BulkAssignment(
            record_id=records[index][0],
            decision=verdict.decision,
            golden_id=records[cluster_of[index]][0],
            candidate_id=records[target][0] if verdict.decision == "review" else None,
            score=verdict.score,
            support=verdict.support,
            best_member_id=records[best_member][0] if best_member is not None else None,
            alternatives=[records[a][0] for a in verdict.alternatives],
        ))
    return results


def cluster_bulk(
    entity: str,
    records: Sequence[tuple[Hashable, dict]],
    model: MatchModel,
    thresholds: Thresholds,
    *,
    workers: int = 2,
    min_support: float = DEFAULT_MIN_SUPPORT,
) -> list[BulkAssignment]:
    """Cluster an initial load (records as (record_id, match keys), in arrival order)."""
    keys = [k for _, k in records]
    blocks = load_blocks(entity, keys)
    scored = score_shard(model.columns(keys), blocks, model, workers=workers)
    return cluster_scored(records, scored, model, thresholds, min_support=min_support)


def match_record(
    record_keys: dict,
    candidate_clusters: dict[Hashable, Sequence[dict]],
    model: MatchModel,
    thresholds: Thresholds | None = None,
    *,
    min_support: float = DEFAULT_MIN_SUPPORT,
) -> Assignment:
    """Real-time matching of one record against the golden records found by its blocking keys."""
    limits = thresholds or entity_config(model.entity).thresholds
    return assign(record_keys, candidate_clusters, model, limits, min_support=min_support)
