"""Matching against the hub's data: candidates from the blocking-key table, decisions from
the pure engine in mdm.matching, review tasks for the uncertain ones.

`HubMatcher.decide` serves a REST call of one record and a file chunk of a thousand alike: a
few set-based queries (the candidates from their blocking keys, the candidates' golden
records and those records' members, remembered 'not a match' decisions), one vectorized
scoring, then the engine decides record by record in arrival order, so records of the same
batch can match each other (a system can hold duplicates). A file chunk looks twice: once to
score without locks, once under them to catch what other batches committed meanwhile.
"""
from __future__ import annotations

import logging
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.db import connection
from django.db.models import F, Q, Window
from django.db.models.expressions import RawSQL
from django.db.models.functions import RowNumber
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from mdm import metrics
from mdm.bulk import SMALL_BATCH, copy_values, create_tracked
from mdm.db import current_snapshot, lock_keys, others_ended_since, text_array
from mdm.ingest.linking import Decision
from mdm.matching.blocking import blocking_keys, strongest_candidates
from mdm.matching.cluster import judge
from mdm.matching.config import Thresholds, entity_config
from mdm.matching.keys import match_keys
from mdm.matching.model import MatchModel, default_model
from mdm.models import BlockingKey, GoldenStatus, MatchModelVersion, SourceRecord, SourceStatus, UnitOfMeasure
from mdm.uom.selectors import resolve_unit

MATCHED_ENTITIES = ("supplier", "product", "location")
# Members a new record is compared with: linked ones, and those waiting in review on a golden
# record of their own (a record that matches one of those joins it).
CANDIDATE_STATUSES = (SourceStatus.LINKED, SourceStatus.PENDING_REVIEW)
logger = logging.getLogger(__name__)


def active_model(entity: str) -> tuple[MatchModel, Thresholds, int]:
    """The newest trained model of the entity (or the defaults) and its thresholds.

    Which version is active is read at most every MODEL_CHECK_SECONDS per process: a request
    saves that query. A version stored or changed in this process is seen at once (the
    signals below); one trained in another process within those seconds.
    """
    now = time.monotonic()
    cached = _MODEL_CACHE.get(entity)
    if cached is not None and cached[3] > now:
        return cached[0], cached[1], cached[2]
    # The version alone first: the parameters (term-frequency tables included) are large, and
    # loaded only when this process has not cached that version yet.
    active = MatchModelVersion.objects.filter(entity=entity, active=True).order_by("-version")
    version = active.values_list("version", flat=True).first()
    checked_until = now + MODEL_CHECK_SECONDS
    if version is None:
        cached = (default_model(entity), entity_config(entity).thresholds, 0, checked_until)
    elif cached is None or cached[2] != version:
        row = active.get(version=version)
        thresholds = Thresholds.from_params(row.thresholds) if row.thresholds else entity_config(entity).thresholds
        try:
            cached = (MatchModel.from_params(row.params), thresholds, row.version, checked_until)
        except ValueError as exc:
            # A model stored before the comparisons changed: match with the defaults until retrained.
            logger.warning("match model %s v%s not usable (%s); using the defaults", entity, row.version, exc)
            cached = (default_model(entity), entity_config(entity).thresholds, row.version, checked_until)
    else:
        cached = (*cached[:3], checked_until)
    _MODEL_CACHE[entity] = cached
    return cached[0], cached[1], cached[2]


MODEL_CHECK_SECONDS = 5.0
# entity -> (model, thresholds, version, monotonic time until which the version is not read again)
_MODEL_CACHE: dict[str, tuple[MatchModel, Thresholds, int, float]] = {}


@receiver(post_save, sender=MatchModelVersion, dispatch_uid="mdm.matching.model_saved")
@receiver(post_delete, sender=MatchModelVersion, dispatch_uid="mdm.matching.model_deleted")
def _forget_model(sender: Any, instance: MatchModelVersion, **kwargs: Any) -> None:
    _MODEL_CACHE.pop(instance.entity, None)


def _rule_hits(scores: Any) -> Any:
    if scores is None:
        return None
    return (np.array(scores.rule, dtype=object) != "") & ~scores.conflict


def _contributions(assignment: Any) -> list[dict[str, Any]]:
    return [
        {"field": c.field, "level": c.level, "weight": round(float(c.weight), 3),
         "similarity": None if c.similarity is None else round(float(c.similarity), 3)}
        for c in assignment.contributions
    ]


def candidate_record_ids(entity: str, keys: set[str], *, cap: int) -> dict[str, list[int]]:
    """Source record ids per blocking key; keys shared by more than `cap` records are dropped."""
    if not keys:
        return {}
    if connection.vendor == "postgresql":
        # One index probe per key that stops at cap + 1 rows: an oversized block is never read
        # whole (a window over all of the keys' rows read them all, then sorted them).
        with connection.cursor() as cursor:
            cursor.execute(_CANDIDATES_SQL, [text_array(keys), entity, cap + 1])
            rows = cursor.fetchall()
    else:
        rows = (
            BlockingKey.objects.filter(entity=entity, key__in=keys)
            .annotate(rank=Window(RowNumber(), partition_by=[F("key")], order_by=F("id").asc()))
            .filter(rank__lte=cap + 1)
            .values_list("key", "source_record_id")
        )
    by_key: dict[str, list[int]] = defaultdict(list)
    for key, record_id in rows:
        by_key[key].append(record_id)
    return {key: ids for key, ids in by_key.items() if len(ids) <= cap}


_CANDIDATES_SQL = f"""
    SELECT k.key, b.source_record_id FROM unnest(%s::text[]) AS k(key)
    CROSS JOIN LATERAL (SELECT source_record_id FROM {BlockingKey._meta.db_table}
                        WHERE entity = %s AND key = k.key LIMIT %s) AS b
"""


@dataclass
class _Candidates:
    """What the hub holds for a batch's records: per record, the golden records its blocking keys
    reach (each with its members' (pk, row version): the inputs of its scores), and the members'
    match keys."""

    targets: list[dict[str, tuple[tuple[int, Any], ...]]]
    member_keys: dict[int, tuple[Any, dict]]  # member pk -> (row version, match keys)


def _row_version() -> Any:
    """What changes whenever a source record's row does: PostgreSQL's xmin, else updated_at."""
    if connection.vendor == "postgresql":
        return RawSQL(f'"{SourceRecord._meta.db_table}"."xmin"::text', ())
    return F("updated_at")


# Evidence of one record against one golden record: its members' weights, rule hits and
# conflicts, and where the best pair can be explained from.
Evidence = tuple[Any, Any, Any, Any, int]


class HubMatcher:
    """The matcher of the ingest pipeline (see mdm.ingest.linking.Matcher)."""

    def decide(self, *, entity: str, records: Sequence[SourceRecord]) -> list[Decision]:
        if entity == "uom":
            return self._decide_units(records)
        if entity not in MATCHED_ENTITIES:
            return [Decision("new") for _ in records]
        model, thresholds, _version = active_model(entity)
        cap = entity_config(entity).max_block_size
        keys = [match_keys(entity, r.normalized) for r in records]
        for record, record_keys in zip(records, keys, strict=True):
            record.match_keys = record_keys
        blocks = [blocking_keys(entity, k) for k in keys]
        for record, block in zip(records, blocks, strict=True):
            record._blocking_keys = block  # saved by after_save
            record._blocking_keys_first = record.pk is None  # a new record has none stored yet
        all_keys = set().union(*blocks) if blocks else set()
        lock = f"match:{entity}"
        # Two requests carrying the same new supplier must not both create it: transactions
        # sharing a blocking key take turns from their decision to commit, and the second sees
        # the first. A batch gathers and scores its candidates before it takes its turn, so the
        # batches of a load score side by side; once it holds the locks it looks again, and only
        # the golden records whose members changed meanwhile (another batch linked or moved a
        # record) are scored again. The decisions are those of a batch that had locked first.
        # One record (a REST call) locks first: looking twice would cost more than it saves.
        # When no other transaction wrote anything between the first look and the locks (a load
        # on one process, a lone integration's batches), the second look would find the same.
        optimistic = connection.vendor == "postgresql" and len(records) > SMALL_BATCH
        if not optimistic:
            lock_keys(lock, all_keys)
        before = current_snapshot() if optimistic else None
        seen = self._candidates(entity, records, blocks, all_keys, cap)
        scored = self._score(model, keys, seen, [(p, g) for p, targets in enumerate(seen.targets) for g in targets])
        final = seen
        if optimistic:
            lock_keys(lock, all_keys)
        if optimistic and others_ended_since(before):
            final = self._candidates(entity, records, blocks, all_keys, cap, known=seen.member_keys)
            changed = [(p, g) for p, targets in enumerate(final.targets) for g, members in targets.items()
                       if seen.targets[p].get(g) != members]
            scored.update(self._score(model, keys, final, changed))
        evidence = [{g: scored[(p, g)] for g in targets} for p, targets in enumerate(final.targets)]

        # Records of this batch may match each other: pairs sharing a usable block, scored at once.
        batch_blocks: dict[str, list[int]] = defaultdict(list)
        for position, block in enumerate(blocks):
            for key in block:
                batch_blocks[key].append(position)
        local_pairs = sorted({(j, i) for ids in batch_blocks.values() if 1 < len(ids) <= cap
                              for n, i in enumerate(ids) for j in ids[:n]})
        local_index = {pair: row for row, pair in enumerate(local_pairs)}
        earlier: dict[int, list[int]] = defaultdict(list)
        for j, i in local_pairs:
            earlier[i].append(j)
        local_scores = (model.score_pairs([keys[i] for _, i in local_pairs], [keys[j] for j, _ in local_pairs])
                        if local_pairs else None)
        local_hit = _rule_hits(local_scores)

        decisions: list[Decision] = []
        group_of: dict[int, str] = {}
        group_members: dict[str, list[int]] = defaultdict(list)
        for position in range(len(records)):
            per_cluster: dict[str, tuple] = {}
            rows: dict[str, tuple[Any, int]] = {}
            for golden_id, (weights, hits, conflicts, scores, start) in evidence[position].items():
                per_cluster[golden_id] = (weights, hits, conflicts)
                rows[golden_id] = (scores, start)
            groups = {group_of[j] for j in earlier.get(position, ()) if j in group_of}
            for group in groups:
                weights, hits, conflicts = [], [], []
                best_row = None
                for j in group_members[group]:
                    row = local_index.get((j, position))
                    if row is None:
                        one = model.score_pairs([keys[position]], [keys[j]])
                        weights.append(float(one.weight[0]))
                        hits.append(bool(_rule_hits(one)[0]))
                        conflicts.append(bool(one.conflict[0]))
                        continue
                    weights.append(float(local_scores.weight[row]))
                    hits.append(bool(local_hit[row]))
                    conflicts.append(bool(local_scores.conflict[row]))
                    if best_row is None or local_scores.weight[row] > local_scores.weight[best_row]:
                        best_row = row
                per_cluster[group] = (weights, hits, conflicts)
                if best_row is not None:
                    rows[group] = (local_scores, best_row)
            verdict = judge(per_cluster, thresholds)
            decision = self._decision(position, verdict, per_cluster, rows, model)
            metrics.record_match_decision(entity, decision.action)
            if decision.action == "new":
                group_of[position] = decision.group
                group_members[decision.group].append(position)
            decisions.append(decision)
        return decisions

    def _candidates(self, entity: str, records: Sequence[SourceRecord], blocks: Sequence[set[str]],
                    all_keys: set[str], cap: int, known: dict[int, tuple[Any, dict]] | None = None) -> _Candidates:
        """The golden records each record's blocks reach, the strongest `max_candidates` of them by
        shared blocking keys, with their members as they are now.

        With `known` (members gathered before), only members new or changed since are loaded whole.
        """
        by_key = candidate_record_ids(entity, all_keys, cap=cap)
        candidate_ids = {rid for ids in by_key.values() for rid in ids}
        golden_of: dict[int, str] = {}
        if candidate_ids:
            golden_of = dict(
                SourceRecord.objects.filter(pk__any=candidate_ids, status__in=CANDIDATE_STATUSES)
                .exclude(golden_id="").values_list("pk", "golden_id")
            )
        goldens_of_key = {key: (len(ids), {golden_of[rid] for rid in ids if rid in golden_of})
                          for key, ids in by_key.items()}
        refused = self._not_a_match(entity, records, set(golden_of.values()))
        limit = entity_config(entity).max_candidates
        chosen: list[list[str]] = []
        for position, block in enumerate(blocks):
            # A record in review being matched again is asked whether it belongs elsewhere.
            chosen.append(strongest_candidates(
                (goldens_of_key[k] for k in block if k in goldens_of_key), limit=limit,
                exclude=(*refused.get(position, ()), records[position].golden_id),
            ))
        members: dict[str, list[tuple[int, Any]]] = defaultdict(list)
        member_keys: dict[int, tuple[Any, dict]] = dict(known or {})
        wanted = set().union(*chosen) if chosen else set()
        if wanted:
            rows = SourceRecord.objects.filter(entity=entity, golden_id__any=wanted,
                                               status__in=CANDIDATE_STATUSES).annotate(version=_row_version())
            if known is None:
                for pk, golden_id, version, stored in rows.values_list("pk", "golden_id", "version", "match_keys"):
                    members[golden_id].append((pk, version))
                    member_keys[pk] = (version, stored)
            else:
                for pk, golden_id, version in rows.values_list("pk", "golden_id", "version"):
                    members[golden_id].append((pk, version))
                stale = [pk for ms in members.values() for pk, version in ms
                         if member_keys.get(pk, (None,))[0] != version]
                if stale:
                    for pk, version, stored in SourceRecord.objects.filter(pk__any=stale).annotate(
                        version=_row_version()
                    ).values_list("pk", "version", "match_keys"):
                        member_keys[pk] = (version, stored)
            # Records stored before their match keys were kept: derived from their values.
            unkeyed = [pk for pk, (_version, stored) in member_keys.items() if not stored]
            if unkeyed:
                for pk, normalized in SourceRecord.objects.filter(pk__any=unkeyed).values_list("pk", "normalized"):
                    member_keys[pk] = (member_keys[pk][0], match_keys(entity, normalized))
        # (A golden record whose members all moved between the two reads has none left to score.)
        ordered = {golden_id: tuple(sorted(found)) for golden_id, found in members.items()}
        targets = [{golden_id: ordered[golden_id] for golden_id in picks if golden_id in ordered} for picks in chosen]
        return _Candidates(targets=targets, member_keys=member_keys)

    @staticmethod
    def _score(model: MatchModel, keys: Sequence[dict], candidates: _Candidates,
               pairs: Sequence[tuple[int, str]]) -> dict[tuple[int, str], Evidence]:
        """Score records against candidate golden records' members ((position, golden id) pairs),
        in one vectorized call."""
        left_index: list[int] = []
        right_index: list[int] = []
        member_row: dict[int, int] = {}
        spans: dict[tuple[int, str], tuple[int, int]] = {}
        for position, golden_id in pairs:
            members = candidates.targets[position][golden_id]
            start = len(right_index)
            right_index.extend(member_row.setdefault(pk, len(member_row)) for pk, _version in members)
            left_index.extend([position] * len(members))
            spans[(position, golden_id)] = (start, len(right_index))
        if not right_index:
            return {}
        rights = [candidates.member_keys[pk][1] for pk in member_row]
        scores = model.score_indexed(keys, left_index, rights, right_index)
        # Plain lists: the decisions read them element by element, which numpy arrays make slow.
        weight, hit, conflict = scores.weight.tolist(), _rule_hits(scores).tolist(), scores.conflict.tolist()
        return {pair: (weight[start:stop], hit[start:stop], conflict[start:stop], scores, start)
                for pair, (start, stop) in spans.items()}

    @staticmethod
    def _decision(position: int, verdict: Any, per_cluster: dict, rows: dict, model: MatchModel) -> Decision:
        target = verdict.golden_id

        def evidence_for(golden_id: Any) -> dict[str, Any]:
            """The record's best pair against this golden record's members, explained."""
            scores, start = rows[golden_id]
            weights = per_cluster[golden_id][0]
            offset = int(max(range(len(weights)), key=lambda k: weights[k])) if str(golden_id)[:1] != "#" else 0
            pair = model.explain(scores, start + offset)
            return {"score": float(max(weights)), "rule": pair.rule, "contributions": _contributions(pair)}

        # The evidence is kept for the steward's review task; a decision that opens none needs none.
        own = evidence_for(target) if verdict.decision == "review" and target in rows else {}
        score = None if verdict.score == float("-inf") else float(verdict.score)
        alternatives = [a for a in verdict.alternatives if not str(a).startswith("#")]
        # A steward asked whether the record also belongs to another golden record sees the
        # evidence for that one, not for the golden record it was linked to.
        evidence = {other: evidence_for(other) for other in alternatives if other in rows}
        detail = {"contributions": own.get("contributions", []), "support": verdict.support,
                  "rule": own.get("rule", ""), "alternatives": alternatives, "alternative_evidence": evidence}
        is_local = target is not None and str(target).startswith("#")
        if verdict.decision == "link" and target is not None:
            if is_local:
                return Decision("new", group=str(target), score=score, detail=detail)
            return Decision("link", golden_id=str(target), score=score, detail=detail)
        if verdict.decision == "review" and target is not None and not is_local:
            return Decision("review", golden_id=str(target), score=score, detail=detail)
        if verdict.decision == "review" and is_local:
            detail["review_against_group"] = str(target)
        return Decision("new", group=f"#{position}", score=score, detail=detail)

    @staticmethod
    def _not_a_match(entity: str, records: Sequence[SourceRecord], goldens: set[str]) -> dict[int, set[str]]:
        from stewardship.models import NotAMatch

        refs = {f"src:{r.pk}": i for i, r in enumerate(records) if r.pk}
        own = {r.golden_id: i for i, r in enumerate(records) if r.golden_id}
        if not refs and not own:
            return {}
        names = list(set(refs) | set(own))
        refused: dict[int, set[str]] = defaultdict(set)
        # Asked by the batch's own names only (a few, and indexed); the candidates, thousands for
        # a file chunk, are checked here rather than sent as two IN lists.
        for left, right in NotAMatch.objects.filter(entity=entity).filter(
            Q(left__any=names) | Q(right__any=names)
        ).values_list("left", "right"):
            for mine, other in ((left, right), (right, left)):
                index = refs.get(mine, own.get(mine))
                if index is not None and other in goldens:
                    refused[index].add(other)
        return refused

    @staticmethod
    def _decide_units(records: Sequence[SourceRecord]) -> list[Decision]:
        """A system's unit code joins the hub unit it means (its mapping, the code, a synonym)."""
        decisions = []
        for record in records:
            code = str(record.normalized.get("code", "")).upper()
            hub_code = resolve_unit(code, record.system.code) or UNIT_SYNONYMS.get(code) or code
            golden_id = (UnitOfMeasure.objects.filter(code=hub_code, status=GoldenStatus.ACTIVE)
                         .values_list("golden_id", flat=True).first())
            if golden_id:
                decisions.append(Decision("link", golden_id=golden_id, detail={"rule": "same_unit_code"}))
            else:
                record.normalized["code"] = hub_code
                decisions.append(Decision("new", group=f"unit:{hub_code}"))
        return decisions

    def after_save(self, *, entity: str, records: Sequence[SourceRecord], decisions: Sequence[Decision]) -> None:
        """Index the records' blocking keys and open review tasks for the uncertain decisions."""
        from stewardship.models import ReviewTask

        if entity in MATCHED_ENTITIES:
            for record in records:
                if not hasattr(record, "_blocking_keys") and record.normalized:
                    record._blocking_keys = blocking_keys(entity, match_keys(entity, record.normalized))
        keyed = [r for r in records if r.pk and hasattr(r, "_blocking_keys")]
        if keyed:
            stored = [r.pk for r in keyed if not getattr(r, "_blocking_keys_first", False)]
            if stored:
                BlockingKey.objects.filter(source_record_id__any=stored).delete()
            # A record's blocking keys are distinct (blocking_keys), so are these rows.
            copy_values(BlockingKey, ["entity", "key", "source_record"],
                        [(entity, key, r.pk) for r in keyed for key in r._blocking_keys])
        group_golden = {d.group: r.golden_id for r, d in zip(records, decisions, strict=True)
                        if d.action == "new" and d.group}
        tasks = []
        for record, decision in zip(records, decisions, strict=True):
            candidates: list[str] = []
            if decision.action == "review":
                candidates = [decision.golden_id]
            elif decision.detail.get("review_against_group") in group_golden:
                candidates = [group_golden[decision.detail["review_against_group"]]]
            if decision.action in ("link", "new"):
                candidates += decision.detail.get("alternatives", [])
            for candidate in candidates:
                if candidate and candidate != record.golden_id:
                    # An alternative is shown with its own evidence; the decision's candidate with the decision's.
                    evidence = decision.detail.get("alternative_evidence", {}).get(candidate) or {
                        "score": decision.score, "rule": decision.detail.get("rule", ""),
                        "contributions": decision.detail.get("contributions", [])}
                    tasks.append(ReviewTask(
                        entity=entity, source_record_id=record.pk, golden_id=record.golden_id,
                        candidate_golden_id=candidate, score=evidence["score"] or 0.0,
                        probability=_probability(evidence["score"]), rule=evidence["rule"],
                        contributions=evidence["contributions"],
                    ))
        if tasks:
            create_tracked(tasks, ReviewTask)


def _probability(weight: float | None) -> float:
    if weight is None:
        return 0.0
    from mdm.matching.model import probability

    return float(probability(weight))


# Spellings systems use for the same unit. Rec 20 codes are the hub's; these are common
# synonyms from ERP, WMS and eCommerce exports, not a system's private codes (map those).
UNIT_SYNONYMS = {
    "PCS": "EA", "PC": "EA", "PCE": "EA", "EACH": "EA", "UNIT": "EA", "UN": "EA", "ST": "EA", "H87": "EA",
    "KG": "KGM", "KGS": "KGM", "KILO": "KGM", "G": "GRM", "GR": "GRM", "GRAM": "GRM", "MG": "MGM",
    "LB": "LBR", "LBS": "LBR", "OZ": "ONZ", "T": "TNE", "TON": "TNE",
    "L": "LTR", "LT": "LTR", "LITRE": "LTR", "LITER": "LTR", "ML": "MLT", "GAL": "GLL",
    "M": "MTR", "CM": "CMT", "MM": "MMT", "IN": "INH", "FT": "FOT", "M2": "MTK", "M3": "MTQ",
    "METRE": "MTR", "METER": "MTR", "ROLL": "RO", "DOZEN": "DZN",
    # A distributor's carton is its shipping case: one unit, not Rec 20's separate CT.
    "CASE": "CS", "CSE": "CS", "CTN": "CS", "CARTON": "CS", "PAL": "PF", "PALLET": "PF", "PLT": "PF",
    "PK": "PK", "PACK": "PK", "DOZ": "DZN", "DZ": "DZN", "PR": "PR", "PAIR": "PR", "BOX": "BX", "BX": "BX",
}


def rebuild_match_keys(*, entity: str, batch_size: int = 2000, progress: Any = None) -> int:
    """Derive the match keys and blocking keys of the entity's linked and in-review records again.

    Both are derived from the normalized values, and stored so that matching does not derive
    them for every candidate. After an upgrade that adds evidence (a new comparison or blocking
    key) or changes a normalization, records stored before it carry the old keys until they are
    sent again; this brings them up to date. Batches are locked and committed one by one, so
    loads and requests go on meanwhile. Returns the number of records done.
    """
    from django.db import transaction

    if entity not in MATCHED_ENTITIES:
        raise ValueError(f"entity {entity!r} has no match keys")
    done, last_pk = 0, 0
    while True:
        with transaction.atomic():
            batch = list(
                SourceRecord.objects.select_for_update().filter(entity=entity, status__in=CANDIDATE_STATUSES,
                                                                pk__gt=last_pk)
                .order_by("pk").only("pk", "normalized", "match_keys")[:batch_size]
            )
            if not batch:
                return done
            for record in batch:
                record.match_keys = match_keys(entity, record.normalized or {})
            SourceRecord.objects.bulk_update(batch, ["match_keys"], batch_size=500)
            BlockingKey.objects.filter(source_record_id__any=[r.pk for r in batch]).delete()
            copy_values(BlockingKey, ["entity", "key", "source_record"],
                        {(entity, key, r.pk) for r in batch if r.normalized
                         for key in blocking_keys(entity, r.match_keys)})
        done += len(batch)
        last_pk = batch[-1].pk
        if progress:
            progress(done)


def train_model(*, entity: str, sample: int = 200_000, user: Any = None, seed: int = 0) -> MatchModelVersion:
    """Estimate m/u (EM) and term frequencies from the entity's records; store a new version."""
    from django.db import transaction

    from mdm.matching.model import estimate, implausible

    if entity not in MATCHED_ENTITIES:
        raise ValueError(f"entity {entity!r} has no match model")
    rows = list(
        SourceRecord.objects.filter(entity=entity, status__in=(SourceStatus.LINKED, SourceStatus.PENDING_REVIEW))
        .order_by("?")[:sample].values_list("normalized", flat=True)
    )
    if len(rows) < 3:
        raise ValueError(f"too few {entity} records to learn from ({len(rows)}); load data first")
    model = estimate(entity, [match_keys(entity, normalized) for normalized in rows], seed=seed, workers=2)
    # A degenerate estimate is kept (versioned, shown with its reason) but not used.
    problem = implausible(model)
    with transaction.atomic():
        last = (MatchModelVersion.objects.select_for_update().filter(entity=entity).order_by("-version").first())
        version = MatchModelVersion.objects.create(
            entity=entity, version=(last.version + 1) if last else 1, params=model.to_params(),
            thresholds=entity_config(entity).thresholds.to_params(), trained_on=len(rows),
            created_by=user if getattr(user, "pk", None) else None, active=problem is None, notes=problem or "",
        )
    _MODEL_CACHE.pop(entity, None)
    return version
