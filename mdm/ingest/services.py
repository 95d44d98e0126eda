"""The ingest pipeline: keep raw, validate, normalize, match, link, survive, publish.

`ingest_records` is the one path for every intake: a REST batch, a file chunk, a steward's
fix of a quarantined record and the replay of records that waited for a reference or a unit
mapping. It is set-based (a fixed number of queries per batch), so one record and a
thousand take the same code.
"""
from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models.fields.json import KT
from django.db.models.functions import Trim
from django.utils import timezone

from mdm import metrics
from mdm.audit import change_context, current_context
from mdm.bulk import bulk_update_tracked, create_tracked
from mdm.db import lock_keys, retry_on_conflict
from mdm.ingest import linking
from mdm.ingest.schema import ENTITY_FIELDS, NUMBER_FORMAT, SOURCE_KEY_MAX_LENGTH, decimal_comma_of
from mdm.ingest.validation import FieldError, missing_reference_error, validate_record
from mdm.models import SourceRecord, SourceStatus, SourceSystem
from mdm.normalization import normalize_record
from mdm.selectors import keys_by_golden, resolve_golden
from mdm.services import golden as golden_services

# Keys the file reader adds to a row it could not read whole (kept raw, quarantined).
RECEIVED_AT_PRECISION = timedelta(minutes=1)
FILE_PROBLEM_KEYS = ("_error", "_columns")
NUL_MARK = "_nul_replaced"
FILE_KEYS = ("_line", NUL_MARK, NUMBER_FORMAT, *FILE_PROBLEM_KEYS)


class Outcome:
    CREATED = "created"
    LINKED = "linked"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    PENDING_REVIEW = "pending_review"
    QUARANTINED = "quarantined"
    RETIRED = "retired"

    ALL = (CREATED, LINKED, UPDATED, UNCHANGED, PENDING_REVIEW, QUARANTINED, RETIRED)


@dataclass
class RecordResult:
    source_key: str
    outcome: str
    golden_id: str | None = None
    errors: list[dict[str, str]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"source_key": self.source_key, "outcome": self.outcome, "golden_id": self.golden_id,
                "errors": self.errors}


def content_hash(raw: dict[str, Any]) -> str:
    body = json.dumps(raw, sort_keys=True, separators=(",", ":"), default=str, ensure_ascii=False)
    return hashlib.sha256(body.encode()).hexdigest()


def _jsonable(values: dict[str, Any]) -> dict[str, Any]:
    """Normalized values as stored in JSON: exact decimals as strings, never floats."""
    return {k: str(v) if isinstance(v, Decimal) else v for k, v in values.items() if k != "deleted"}


def _without_nul(raw: dict[str, Any]) -> dict[str, Any]:
    """PostgreSQL stores no NUL character nor lone surrogate: replace them and mark the record."""
    def clean(value: Any) -> Any:
        if isinstance(value, str):
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:  # lone surrogates from a JSON \ud800-style escape
                value = value.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
            return value.replace("\x00", "\ufffd")
        if isinstance(value, dict):
            return {clean(k): clean(v) for k, v in value.items()}
        if isinstance(value, list):
            return [clean(v) for v in value]
        return value

    cleaned = clean(raw)
    if cleaned != raw:
        cleaned[NUL_MARK] = True
    return cleaned


def _is_deleted(raw: dict[str, Any]) -> bool:
    value = raw.get("deleted")
    if isinstance(value, str):
        return value.strip().lower() in {"1", "true", "yes", "y"}
    return bool(value)


def _error_dicts(errors: Iterable[FieldError]) -> list[dict[str, str]]:
    return [{"pointer": e.pointer, "code": e.code, "message": e.message} for e in errors]


def _invalid_key_placeholder(raw: dict[str, Any]) -> str:
    return "~invalid-" + content_hash(raw)[:24]


def _source_key_of(raw: dict[str, Any]) -> str:
    key = raw.get("source_key")
    if isinstance(key, int | float) and not isinstance(key, bool):
        key = str(key)
    if not isinstance(key, str) or not key.strip() or len(key.strip()) > SOURCE_KEY_MAX_LENGTH:
        return ""
    return key.strip()


def _unit_resolver(system: SourceSystem):
    """A per-batch cached lookup of this system's unit codes (its unit crosswalk, then hub codes)."""
    from mdm.uom.selectors import resolve_unit

    cache: dict[str, str | None] = {}

    def resolve(code: str) -> str | None:
        if code not in cache:
            cache[code] = resolve_unit(code, system.code)
        return cache[code]

    return resolve


def ingest_records(
    *,
    system: SourceSystem,
    entity: str,
    records: Sequence[dict[str, Any]],
    user: Any = None,
    reason: str | None = None,
    matcher: Any = None,
) -> list[RecordResult]:
    """Ingest a batch of raw records of one entity from one system. Never raises for bad records."""
    if entity not in ENTITY_FIELDS:
        raise ValueError(f"unknown entity {entity!r}")
    results: list[RecordResult | None] = [None] * len(records)
    # A key sent twice in one batch is applied in order: each round holds a key at most once.
    rounds: list[list[int]] = []
    seen_in_round: list[set[str]] = []
    cleaned = [_without_nul(raw if isinstance(raw, dict) else {"_value": raw}) for raw in records]
    for index, raw in enumerate(cleaned):
        key = _source_key_of(raw) or _invalid_key_placeholder(raw)
        for round_index, keys in enumerate(seen_in_round):
            if key not in keys:
                keys.add(key)
                rounds[round_index].append(index)
                break
        else:
            seen_in_round.append({key})
            rounds.append([index])
    reason = reason or current_context().reason or f"ingest from {system.code}"
    with change_context(system=system, user=user, reason=reason):
        for indexes in rounds:
            batch = [cleaned[i] for i in indexes]
            for i, result in zip(indexes, retry_on_conflict(_ingest_round)(system, entity, batch, matcher),
                                 strict=True):
                results[i] = result
        # When the system last sent anything, for the admin: written at most once a minute, so
        # the requests of one system do not all update its row.
        now = timezone.now()
        if system.last_received_at is None or now - system.last_received_at >= RECEIVED_AT_PRECISION:
            SourceSystem.objects.filter(pk=system.pk).update(last_received_at=now)
            system.last_received_at = now
    final = [r for r in results if r is not None]
    counts: dict[str, int] = defaultdict(int)
    for result in final:
        counts[result.outcome] += 1
    metrics.record_ingest_outcomes(entity, system.code, counts)
    return final


@transaction.atomic
def _ingest_round(
    system: SourceSystem, entity: str, raws: Sequence[dict[str, Any]], matcher: Any
) -> list[RecordResult]:
    now = timezone.now()
    wait = timedelta(seconds=settings.ROSETTA["REFERENCE_WAIT_SECONDS"])
    keyed = [bool(_source_key_of(raw)) for raw in raws]
    # A record without a usable key is still kept: under a stable placeholder key made from its
    # content, so sending the same malformed record again finds it instead of duplicating it.
    keys = [_source_key_of(raw) or _invalid_key_placeholder(raw) for raw in raws]
    lock_keys(f"source:{system.pk}:{entity}", keys)
    existing = {
        r.source_key: r
        for r in SourceRecord.objects.select_for_update()
        .filter(system=system, entity=entity, source_key__any=keys)
    }
    units = _unit_resolver(system) if entity == "product" else None

    results: list[RecordResult] = []
    to_create: list[SourceRecord] = []
    to_update: list[SourceRecord] = []
    touched: list[int] = []
    valid: list[tuple[int, SourceRecord, bool]] = []  # (result index, record, is_new)
    retired_goldens: set[str] = set()
    pending_refs: dict[int, list[tuple[str, str, str]]] = {}

    for raw, key, has_key in zip(raws, keys, keyed, strict=True):
        index = len(results)
        record = existing.get(key)
        digest = content_hash(raw)
        if _is_deleted(raw) and has_key:
            result = RecordResult(key, Outcome.RETIRED)
            if record is not None and record.status != SourceStatus.RETIRED:
                if record.golden_id:
                    retired_goldens.add(record.golden_id)
                result.golden_id = record.golden_id or None
                record.status = SourceStatus.RETIRED
                record.golden_id = ""
                record.content_hash = digest
                record.raw = raw
                record.last_seen = now
                record.updated_at = now
                to_update.append(record)
            results.append(result)
            continue
        if (
            record is not None
            and record.content_hash == digest
            and record.status in (SourceStatus.LINKED, SourceStatus.PENDING_REVIEW)
        ):
            touched.append(record.pk)
            outcome = Outcome.UNCHANGED
            results.append(RecordResult(key, outcome, record.golden_id or None))
            continue

        file_problems = [FieldError("", "unreadable_row", str(raw[k])) for k in FILE_PROBLEM_KEYS if k in raw]
        if raw.get(NUL_MARK):
            file_problems.append(FieldError("", "invalid_character",
                                            "a value held a NUL character or a broken unicode escape; "
                                            "it was replaced by \ufffd"))
        validation = validate_record(entity, {k: v for k, v in raw.items() if k not in FILE_KEYS},
                                     known_units=units, system_code=system.code,
                                     default_country=system.default_country,
                                     decimal_comma=decimal_comma_of(raw))
        errors = [*file_problems, *validation.errors]
        if not has_key and not any(e.pointer == "/source_key" for e in errors):
            errors.insert(0, FieldError("/source_key", "required", "source key is required"))
        values = dict(validation.values)
        refs = [(spec.name, spec.refers_to, values.get(spec.name)) for spec in ENTITY_FIELDS[entity]
                if spec.kind == "ref" and values.get(spec.name)]
        is_new = record is None
        if record is None:
            record = SourceRecord(system=system, entity=entity, source_key=key,
                                  first_seen=now, status=SourceStatus.QUARANTINED)
        record.raw = raw
        record.content_hash = digest
        record.last_seen = now
        record.updated_at = now
        record.retry_until = None
        if errors:
            record.status = SourceStatus.QUARANTINED
            record.errors = _error_dicts(errors)
            results.append(RecordResult(record.source_key, Outcome.QUARANTINED, record.golden_id or None,
                                        record.errors))
            (to_create if is_new else to_update).append(record)
            continue
        record.errors = []
        record.normalized = _jsonable(normalize_record(entity, values, system.default_country))
        record.match_keys = {}  # derived from the old values; the matcher fills them again
        if refs:
            pending_refs[index] = refs
        results.append(RecordResult(key, Outcome.UPDATED if not is_new else Outcome.CREATED))
        valid.append((index, record, is_new))

    # References: a product's supplier and a location's parent must be known in the same system.
    if pending_refs:
        wanted: dict[str, set[str]] = defaultdict(set)
        for refs in pending_refs.values():
            for _name, ref_entity, ref_key in refs:
                wanted[ref_entity].add(ref_key)
        known: set[tuple[str, str]] = set()
        for ref_entity, ref_keys in wanted.items():
            known.update(
                (ref_entity, k)
                for k in SourceRecord.objects.filter(
                    system=system, entity=ref_entity, source_key__any=ref_keys,
                    status__in=(SourceStatus.LINKED, SourceStatus.PENDING_REVIEW),
                ).values_list("source_key", flat=True)
            )
        # Records of this very batch count too (a parent listed after its child).
        batch_keys = {(entity, r.source_key) for _, r, _ in valid}
        still_valid = []
        for index, record, is_new in valid:
            missing = [
                missing_reference_error(name, ref_key, system.code)
                for name, ref_entity, ref_key in pending_refs.get(index, [])
                if (ref_entity, ref_key) not in known and (ref_entity, ref_key) not in batch_keys
            ]
            if missing:
                record.status = SourceStatus.QUARANTINED
                record.errors = _error_dicts(missing)
                record.retry_until = now + wait
                results[index] = RecordResult(record.source_key, Outcome.QUARANTINED, record.golden_id or None,
                                              record.errors)
                (to_create if is_new else to_update).append(record)
            else:
                still_valid.append((index, record, is_new))
        valid = still_valid

    # Match and link the valid ones; survivorship then recomputes the golden records.
    decisions = linking.link_records(entity=entity, items=valid, matcher=matcher)
    affected: set[str] = set(retired_goldens)
    new_groups: dict[str, list[tuple[int, SourceRecord]]] = defaultdict(list)
    for (index, record, is_new), decision in zip(valid, decisions, strict=True):
        old_golden = record.golden_id
        if decision.action == "link":
            record.status = SourceStatus.LINKED
            record.golden_id = decision.golden_id
            affected.add(decision.golden_id)
            if old_golden and old_golden != decision.golden_id:
                affected.add(old_golden)
            outcome = Outcome.LINKED if is_new or not old_golden else Outcome.UPDATED
            results[index] = RecordResult(record.source_key, outcome, decision.golden_id)
        elif decision.action == "keep":
            if record.status != SourceStatus.PENDING_REVIEW:  # an open review stays open
                record.status = SourceStatus.LINKED
            affected.add(record.golden_id)
            results[index] = RecordResult(record.source_key, Outcome.UPDATED, record.golden_id)
        elif decision.action == "review":
            # Its own golden record until a steward decides: integrations can resolve its key
            # at once, and later records that match it join it instead of waiting in review too.
            record.status = SourceStatus.PENDING_REVIEW
            new_groups[f"review:{index}"].append((index, record))
        else:  # new golden record, possibly shared by several records of this batch
            record.status = (SourceStatus.PENDING_REVIEW if decision.detail.get("review_against_group")
                             else SourceStatus.LINKED)
            new_groups[decision.group or f"#{index}"].append((index, record))
        (to_create if is_new else to_update).append(record)

    if new_groups:
        groups = list(new_groups.values())
        created = golden_services.create_golden_records(entity=entity, groups=[[r for _, r in g] for g in groups])
        for group in groups:
            for index, record in group:
                outcome = Outcome.PENDING_REVIEW if record.status == SourceStatus.PENDING_REVIEW else Outcome.CREATED
                results[index] = RecordResult(record.source_key, outcome, record.golden_id)

    if to_create:
        create_tracked(to_create, SourceRecord)
    if to_update:
        bulk_update_tracked(to_update, SourceRecord, ["raw", "normalized", "content_hash", "status", "golden_id",
                                                      "errors", "match_keys", "retry_until", "last_seen",
                                                      "updated_at"])
    if touched:
        # last_seen is excluded from history: a re-send of the same content is not a change.
        SourceRecord.objects.filter(pk__any=touched).update(last_seen=now)
    linking.after_save(entity=entity, items=valid, decisions=decisions, matcher=matcher)

    if new_groups:
        golden_services.sync_relationships(entity=entity, golden_ids=[g.golden_id for g in created])
        # A new golden record's members are its group, all of this system.
        golden_services.publish_created(entity=entity, goldens=created, keys=keys_by_golden(
            (record.golden_id, system.code, record.source_key) for group in groups for _, record in group))
    golden_services.recompute_golden_records(entity=entity, golden_ids=affected - {""})

    arrived = [r.source_key for _, r, _ in valid]
    if arrived and entity in ("supplier", "location"):
        reprocess_waiting_for_references(system=system, ref_entity=entity, keys=arrived)
    return results


def reprocess_source_records(*, records: Sequence[SourceRecord], reason: str | None = None,
                             user: Any = None) -> list[RecordResult]:
    """Run stored raw payloads through the pipeline again (after a fix, a mapping or a reference)."""
    by_batch: dict[tuple[int, str], list[SourceRecord]] = defaultdict(list)
    for record in records:
        by_batch[(record.system_id, record.entity)].append(record)
    results: list[RecordResult] = []
    for (_system_id, entity), batch in by_batch.items():
        system = batch[0].system
        payloads = [{**{k: v for k, v in r.raw.items() if k != NUL_MARK}, "source_key": r.source_key} for r in batch]
        # The same content must not be taken for an unchanged re-send.
        SourceRecord.objects.filter(pk__in=[r.pk for r in batch]).update(content_hash="")
        results.extend(ingest_records(system=system, entity=entity, records=payloads, user=user,
                                      reason=reason or "reprocess"))
    return results


def rematch_pending_reviews(*, entity: str, reason: str, batch_size: int = 1000) -> list[RecordResult]:
    """Match again the records waiting in review that no steward has decided or deferred.

    For use after the match model was (re)trained: a record the untrained model could not
    decide may be clear to the trained one. Its open review tasks are made obsolete first. A
    record that now matches a golden record has its own golden record merged into that one
    (so the id it had keeps resolving); one that matches nothing keeps its own golden record
    and is linked; one still uncertain stays in review with fresh tasks.
    """
    from stewardship.models import ReviewStatus, ReviewTask

    pending = set(SourceRecord.objects.filter(entity=entity, status=SourceStatus.PENDING_REVIEW)
                  .values_list("pk", flat=True))
    steward_touched = set(ReviewTask.objects.filter(source_record_id__in=pending).exclude(
        status=ReviewStatus.OPEN).values_list("source_record_id", flat=True))
    ids = sorted(pending - steward_touched)
    results: list[RecordResult] = []
    matcher = linking.default_matcher()
    with change_context(reason=reason):
        for start in range(0, len(ids), batch_size):
            with transaction.atomic():
                batch = list(SourceRecord.objects.select_for_update().select_related("system")
                             .filter(pk__in=ids[start:start + batch_size], status=SourceStatus.PENDING_REVIEW)
                             .order_by("pk"))
                tasks = list(ReviewTask.objects.select_for_update().filter(
                    source_record_id__in=[r.pk for r in batch], status=ReviewStatus.OPEN))
                for task in tasks:
                    task.status = ReviewStatus.OBSOLETE
                    task.reason = reason
                bulk_update_tracked(tasks, ReviewTask, ["status", "reason"])
                results.extend(_rematch(entity=entity, records=batch, matcher=matcher, reason=reason))
    return results


def _rematch(*, entity: str, records: list[SourceRecord], matcher: linking.Matcher,
             reason: str) -> list[RecordResult]:
    without = [r for r in records if not r.golden_id]
    if without:  # waited in review before records in review had a golden record of their own
        created = golden_services.create_golden_records(entity=entity, groups=[[r] for r in without])
        bulk_update_tracked(without, SourceRecord, ["golden_id"])
        golden_services.publish_created(entity=entity, goldens=created)
    decisions = matcher.decide(entity=entity, records=records)
    model = golden_services.golden_model(entity)
    first_of_group: dict[str, SourceRecord] = {}
    results: list[RecordResult] = []
    for record, decision in zip(records, decisions, strict=True):
        if decision.action == "review" or decision.detail.get("review_against_group"):
            results.append(RecordResult(record.source_key, Outcome.PENDING_REVIEW, record.golden_id))
            continue
        if decision.action == "link":
            target = decision.golden_id
        else:  # "new": records of this batch that match each other join the first one's golden record
            target = first_of_group.setdefault(decision.group, record).golden_id if decision.group else ""
        if target and target != record.golden_id:
            own = model.objects.get(golden_id=record.golden_id)
            survivor = golden_services.golden_merge(survivor=resolve_golden(entity=entity, golden_id=target),
                                                    victim=own, user=None, reason=reason)
            record.golden_id = survivor.golden_id
            outcome = Outcome.LINKED
        else:
            outcome = Outcome.UNCHANGED  # no match: the record keeps its own golden record
        record.status = SourceStatus.LINKED
        results.append(RecordResult(record.source_key, outcome, record.golden_id))
    bulk_update_tracked(records, SourceRecord, ["status", "golden_id", "match_keys"])
    matcher.after_save(entity=entity, records=records, decisions=decisions)
    return results


def reprocess_waiting_for_references(*, system: SourceSystem, ref_entity: str, keys: Sequence[str]) -> None:
    """Records that waited for one of these keys (within their wait time) are tried again."""
    field_for = {"supplier": ("product", "supplier_key"), "location": ("location", "parent_key")}
    entity, field_name = field_for[ref_entity]
    quarantined = SourceRecord.objects.filter(system=system, entity=entity, status=SourceStatus.QUARANTINED,
                                              retry_until__gte=timezone.now())
    # Mostly nothing waits: a plain query says so for a fraction of what the one below costs to build.
    if not quarantined.exists():
        return
    waiting = list(quarantined.select_related("system").annotate(ref=Trim(KT(f"raw__{field_name}")))
                   .filter(ref__in=set(keys)))
    if waiting:
        reprocess_source_records(records=waiting, reason=f"{ref_entity} arrived")


def reprocess_waiting_for_unit(*, system_code: str, code: str) -> list[RecordResult]:
    """After a steward maps a unit code, re-run the records quarantined for that unknown unit."""
    waiting = [
        r for r in SourceRecord.objects.select_related("system").filter(
            system__code=system_code, status=SourceStatus.QUARANTINED
        )
        if any(e.get("code") == "unknown_unit" and _unit_in_error(e, r.raw, code) for e in r.errors)
    ]
    return reprocess_source_records(records=waiting, reason=f"unit {code} mapped") if waiting else []


def _unit_in_error(error: dict[str, str], raw: dict[str, Any], code: str) -> bool:
    """Whether this unknown-unit error is about exactly `code` (case-insensitive)."""
    field = error.get("pointer", "").lstrip("/")
    value = raw.get(field) if field else None
    return isinstance(value, str) and value.strip().lower() == code.strip().lower()


@transaction.atomic
def discard_source_record(*, record: SourceRecord, user: Any, reason: str) -> SourceRecord:
    """A steward drops a quarantined record; the reason stays in its history."""
    if not reason.strip():
        raise ValueError("a reason is required to discard a record")
    with change_context(user=user, reason=reason):
        old_golden = record.golden_id
        record.status = SourceStatus.DISCARDED
        record.golden_id = ""
        record._change_reason = reason
        record.save()
        if old_golden:
            golden_services.recompute_golden_records(entity=record.entity, golden_ids=[old_golden])
    return record


@transaction.atomic
def fix_quarantined_record(*, record: SourceRecord, raw: dict[str, Any], user: Any, reason: str) -> RecordResult:
    """A steward corrects the payload of a quarantined record and runs it through the pipeline.
    The numbers keep being read the way the record's file wrote decimals."""
    if not reason.strip():
        raise ValueError("a reason is required to fix a record")
    payload = {**{k: v for k, v in raw.items() if k != NUL_MARK}, "source_key": record.source_key}
    if NUMBER_FORMAT in (record.raw or {}) and NUMBER_FORMAT not in payload:
        payload[NUMBER_FORMAT] = record.raw[NUMBER_FORMAT]
    return ingest_records(system=record.system, entity=record.entity, records=[payload], user=user,
                          reason=reason)[0]
