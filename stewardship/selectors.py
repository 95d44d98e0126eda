"""Reads behind the stewardship and audit pages.

Each function runs a fixed number of queries whatever the size of the data (related rows are
joined or fetched in one batch per page), so every page keeps a constant query count.
"""
from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db.models import CharField, Count, F, Q, QuerySet, Value, Window
from django.db.models.fields.json import KT
from django.db.models.functions import Cast
from django.utils import timezone

from mdm.ingest.schema import ENTITY_FIELDS, NUMBER_FORMAT
from mdm.models import (
    GOLDEN_MODELS,
    GoldenRecord,
    GoldenStatus,
    Location,
    Product,
    ProductSupplier,
    SourceRecord,
    SourceStatus,
    SourceSystem,
    Supplier,
)
from mdm.uom.selectors import active_units
from stewardship.models import NotAMatch, ReviewStatus, ReviewTask
from sync.models import Delivery, DeliveryState, Target
from sync.selectors import propagation_status, target_summaries

ENTITIES = tuple(GOLDEN_MODELS)
OPEN_REVIEW = (ReviewStatus.OPEN, ReviewStatus.DEFERRED)

# Strong identifiers: two active golden records sharing one are probably the same thing.
DUPLICATE_KEYS = {"supplier": ("tax_id", "duns"), "product": ("gtin", "mpn"), "location": ("code",)}
QUALITY_CACHE_SECONDS = 300
QUALITY_CACHE_KEY = "stewardship:data_quality"


def golden_label(golden: GoldenRecord) -> str:
    return getattr(golden, "name", "") or getattr(golden, "code", "") or golden.golden_id


def entity_of_golden_id(golden_id: str) -> str | None:
    prefix = golden_id.split("-", 1)[0].upper()
    for entity, model in GOLDEN_MODELS.items():
        if prefix == model.ID_PREFIX:
            return entity
    return None


def goldens_by_id(entity: str, golden_ids: Iterable[str]) -> dict[str, GoldenRecord]:
    ids = {g for g in golden_ids if g}
    if not ids:
        return {}
    return {g.golden_id: g for g in GOLDEN_MODELS[entity].objects.filter(golden_id__in=ids)}


# --- Dashboard ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Freshness:
    system: SourceSystem
    age: timedelta | None
    level: str  # ok | warning | error | never


def freshness_levels(*, now: datetime | None = None) -> list[Freshness]:
    """When each active source system last sent data, against the warning and error thresholds."""
    now = now or timezone.now()
    conf = getattr(settings, "ROSETTA", {})
    warning = timedelta(hours=conf.get("FRESHNESS_WARNING_HOURS", 24))
    error = timedelta(hours=conf.get("FRESHNESS_ERROR_HOURS", 72))
    rows = []
    for system in SourceSystem.objects.filter(active=True).order_by("priority", "code"):
        if system.last_received_at is None:
            rows.append(Freshness(system, None, "never"))
            continue
        age = now - system.last_received_at
        level = "error" if age >= error else "warning" if age >= warning else "ok"
        rows.append(Freshness(system, age, level))
    return rows


def _completeness(entity: str) -> list[dict[str, Any]]:
    model = GOLDEN_MODELS[entity]
    active = model.objects.filter(status=GoldenStatus.ACTIVE)
    aggregates = {}
    for attribute in model.ATTRIBUTES:
        field = model._meta.get_field(attribute)
        empty = Q(**{f"{field.attname}__isnull": True})
        if field.get_internal_type() in ("CharField", "TextField", "EmailField"):
            empty |= Q(**{field.attname: ""})
        aggregates[attribute] = Count("pk", filter=~empty)
    aggregates["_total"] = Count("pk")
    counts = active.aggregate(**aggregates)
    total = counts.pop("_total")
    return [
        {"attribute": attribute, "filled": filled, "percent": round(100 * filled / total) if total else 0}
        for attribute, filled in counts.items()
    ]


def _duplicates(entity: str) -> list[dict[str, Any]]:
    model = GOLDEN_MODELS[entity]
    found = []
    for key in DUPLICATE_KEYS.get(entity, ()):
        # The window counts the shared values, so the examples and the total come in one read.
        groups = list(
            model.objects.filter(status=GoldenStatus.ACTIVE).exclude(**{key: ""})
            .values(key).annotate(n=Count("pk")).filter(n__gt=1)
            .annotate(total=Window(Count("*"))).order_by("-n", key)[:5]
        )
        found.append({"key": key, "groups": groups[0]["total"] if groups else 0,
                      "examples": [(g[key], g["n"]) for g in groups]})
    return found


def data_quality() -> dict[str, Any]:
    """Completeness per attribute and suspected duplicates per entity.

    These scan every golden record, so the result is kept for a few minutes; the page says when
    it was computed.
    """
    cached = cache.get(QUALITY_CACHE_KEY)
    if cached is not None:
        return cached
    result = {
        "computed_at": timezone.now(),
        "completeness": {entity: _completeness(entity) for entity in ENTITIES},
        "duplicates": {entity: _duplicates(entity) for entity in ENTITIES if entity in DUPLICATE_KEYS},
    }
    cache.set(QUALITY_CACHE_KEY, result, QUALITY_CACHE_SECONDS)
    return result


def dashboard() -> dict[str, Any]:
    golden_counts = {}
    for entity, model in GOLDEN_MODELS.items():
        by_status = dict(model.objects.order_by().values_list("status").annotate(n=Count("pk")))
        golden_counts[entity] = {"active": by_status.get(GoldenStatus.ACTIVE, 0),
                                 "merged": by_status.get(GoldenStatus.MERGED, 0),
                                 "retired": by_status.get(GoldenStatus.RETIRED, 0)}
    reviews: dict[str, dict[str, int]] = defaultdict(dict)
    for entity, status, n in (ReviewTask.objects.filter(status__in=OPEN_REVIEW).order_by()
                              .values_list("entity", "status").annotate(n=Count("pk"))):
        reviews[entity][status] = n
    quarantined = dict(SourceRecord.objects.filter(status=SourceStatus.QUARANTINED).order_by()
                       .values_list("entity").annotate(n=Count("pk")))
    pending = dict(SourceRecord.objects.filter(status=SourceStatus.PENDING_REVIEW).order_by()
                   .values_list("entity").annotate(n=Count("pk")))
    rows = [
        {
            "entity": entity,
            "golden": golden_counts[entity],
            "open_reviews": reviews[entity].get(ReviewStatus.OPEN, 0),
            "deferred_reviews": reviews[entity].get(ReviewStatus.DEFERRED, 0),
            "quarantined": quarantined.get(entity, 0),
            "pending_review": pending.get(entity, 0),
        }
        for entity in ENTITIES
    ]
    targets = target_summaries()
    return {
        "entities": rows,
        "totals": {
            "golden": sum(r["golden"]["active"] for r in rows),
            "open_reviews": sum(r["open_reviews"] for r in rows),
            "quarantined": sum(r["quarantined"] for r in rows),
            "dead_letters": sum(t["dead_letters"] for t in targets),
        },
        "targets": targets,
        "freshness": freshness_levels(),
        # Scanning every golden record is left to a second request when nothing is cached.
        "quality": cache.get(QUALITY_CACHE_KEY),
    }


# --- Review queue ---------------------------------------------------------------------------
def review_tasks(
    *,
    entity: str = "",
    system: str = "",
    min_score: float | None = None,
    max_score: float | None = None,
    older_than_days: int | None = None,
    status: str = ReviewStatus.OPEN,
) -> QuerySet[ReviewTask]:
    tasks = ReviewTask.objects.select_related("source_record__system", "decided_by")
    if status:
        tasks = tasks.filter(status=status)
    if entity:
        tasks = tasks.filter(entity=entity)
    if system:
        tasks = tasks.filter(source_record__system__code=system)
    if min_score is not None:
        tasks = tasks.filter(score__gte=min_score)
    if max_score is not None:
        tasks = tasks.filter(score__lte=max_score)
    if older_than_days:
        tasks = tasks.filter(created_at__lte=timezone.now() - timedelta(days=older_than_days))
    return tasks.order_by("-score", "created_at", "pk")


def attach_review_goldens(tasks: Sequence[ReviewTask]) -> None:
    """Give each task on a page its `left_golden` and `candidate` records, one query per entity."""
    wanted: dict[str, set[str]] = defaultdict(set)
    for task in tasks:
        wanted[task.entity].update({task.golden_id, task.candidate_golden_id})
    found = {entity: goldens_by_id(entity, ids) for entity, ids in wanted.items()}
    for task in tasks:
        task.left_golden = found[task.entity].get(task.golden_id)
        task.candidate = found[task.entity].get(task.candidate_golden_id)
        task.left_label = golden_label(task.left_golden) if task.left_golden else ""
        task.candidate_label = golden_label(task.candidate) if task.candidate else ""


def review_comparison(task: ReviewTask) -> dict[str, Any]:
    """The two sides of a task field by field, with each field's similarity and contribution."""
    attach_review_goldens([task])
    model = GOLDEN_MODELS[task.entity]
    if task.source_record_id:
        left_values = task.source_record.normalized or {}
        left_title = f"{task.source_record.system.code} record {task.source_record.source_key}"
    elif task.left_golden is not None:
        left_values = task.left_golden.attribute_values()
        left_title = f"Golden record {task.golden_id}"
    else:
        left_values, left_title = {}, task.golden_id
    right_values = task.candidate.attribute_values() if task.candidate is not None else {}
    contributions = {c.get("field"): c for c in task.contributions or [] if isinstance(c, dict)}
    fields = list(dict.fromkeys([*model.ATTRIBUTES, *contributions]))
    rows = []
    for name in fields:
        left, right = left_values.get(name), right_values.get(name)
        if name == "parent":
            left = left_values.get("parent_key", left)
            right = getattr(right, "golden_id", right)
        contribution = contributions.get(name, {})
        rows.append({
            "field": name,
            "left": "" if left is None else left,
            "right": "" if right is None else right,
            "same": left not in (None, "") and str(left) == str(right),
            "similarity": contribution.get("similarity"),
            "level": contribution.get("level"),
            "weight": contribution.get("weight"),
        })
    return {"left_title": left_title, "rows": rows}


# --- Golden record workspace ----------------------------------------------------------------
def golden_record(*, entity: str, golden_id: str) -> GoldenRecord | None:
    model = GOLDEN_MODELS[entity]
    related = ["merged_into"] + (["parent"] if model is Location else [])
    return model.objects.select_related(*related).filter(golden_id=golden_id).first()


def attributes_with_lineage(golden: GoldenRecord) -> list[dict[str, Any]]:
    rows = []
    for name in golden.ATTRIBUTES:
        value = getattr(golden, name)
        if isinstance(value, GoldenRecord):
            value = f"{value.golden_id} {golden_label(value)}"
        lineage = golden.lineage.get(name, {})
        rows.append({
            "name": name,
            "value": "" if value is None else value,
            "lineage": lineage,
            "at": parse_iso(lineage.get("at")),
            "pinned": name in golden.pins,
            "pin": golden.pins.get(name),
        })
    return rows


def parse_iso(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(str(value))
    except ValueError:
        return None


RELATED_LIMIT = 50


def relationships(golden: GoldenRecord) -> dict[str, Any]:
    """A product's suppliers, a supplier's products, a location's parent and children (first 50)."""
    if isinstance(golden, Product):
        links = golden.supplier_links.select_related("supplier").order_by("supplier__golden_id")
        return {"kind": "suppliers", "rows": list(links[:RELATED_LIMIT]), "count": links.count()}
    if isinstance(golden, Supplier):
        links = golden.product_links.select_related("product").order_by("product__golden_id")
        return {"kind": "products", "rows": list(links[:RELATED_LIMIT]), "count": links.count()}
    if isinstance(golden, Location):
        children = golden.children.order_by("golden_id")
        return {"kind": "locations", "parent": golden.parent, "rows": list(children[:RELATED_LIMIT]),
                "count": children.count()}
    return {"kind": "", "rows": [], "count": 0}


def crosswalk(golden: GoldenRecord) -> list[SourceRecord]:
    return list(
        SourceRecord.objects.select_related("system")
        .filter(entity=golden.ENTITY, golden_id=golden.golden_id)
        .exclude(status=SourceStatus.DISCARDED)
        .order_by("system__priority", "system__code", "source_key")
    )


def _changes(older: Any, newer: Any, fields: Sequence[str]) -> list[dict[str, Any]]:
    changes = []
    for name in fields:
        before = getattr(older, name, None) if older is not None else None
        after = getattr(newer, name, None)
        if before != after and not (before in (None, "", {}, []) and after in (None, "", {}, [])):
            changes.append({"field": name, "before": before, "after": after})
    return changes


TIMELINE_LIMIT = 25


def golden_timeline(golden: GoldenRecord, *, limit: int = TIMELINE_LIMIT) -> list[dict[str, Any]]:
    """The newest history rows of a golden record, each with the fields it changed."""
    history = type(golden).history.filter(id=golden.pk).select_related("history_user")
    rows = list(history.order_by("-history_date", "-history_id")[: limit + 1])
    fields = ("status", *golden.ATTRIBUTES, "pins")
    fields = tuple(f if f != "parent" else "parent_id" for f in fields)
    timeline = []
    for index, row in enumerate(rows[:limit]):
        older = rows[index + 1] if index + 1 < len(rows) else None
        timeline.append({"row": row, "changes": _changes(older, row, fields)})
    return timeline


def golden_propagation(golden: GoldenRecord) -> dict[str, dict]:
    return propagation_status(entity=golden.ENTITY, golden_id=golden.golden_id, version=golden.version)


def golden_as_of(*, entity: str, golden_id: str, at: datetime) -> dict[str, Any] | None:
    """The golden record and its crosswalk as they stood at `at`, read from history."""
    model = GOLDEN_MODELS[entity]
    row = (model.history.filter(golden_id=golden_id, history_date__lte=at)
           .select_related("history_user").order_by("-history_date", "-history_id").first())
    if row is None or row.history_type == "-":
        return None
    attributes = []
    for name in model.ATTRIBUTES:
        attname = "parent_id" if name == "parent" else name
        attributes.append({"name": name, "value": getattr(row, attname, None),
                           "lineage": (row.lineage or {}).get(name, {})})
    history = SourceRecord.history.model.objects
    # The action that wrote this golden row may have linked its records a moment later: it counts as done.
    until = Q(history_date__lte=at) | Q(request_id=row.request_id) if row.request_id else Q(history_date__lte=at)
    ever = history.filter(until, entity=entity, golden_id=golden_id).values("id")
    latest: dict[int, Any] = {}
    for record in history.filter(until, id__in=ever).order_by("history_date", "history_id"):
        latest[record.id] = record
    members = [
        r for r in latest.values()
        if r.golden_id == golden_id and r.history_type != "-" and r.status != SourceStatus.DISCARDED
    ]
    codes = dict(SourceSystem.objects.filter(pk__in={r.system_id for r in members}).values_list("pk", "code"))
    for member in members:
        member.system_code = codes.get(member.system_id, "?")
    members.sort(key=lambda r: (r.system_code, r.source_key))
    return {"row": row, "attributes": attributes, "members": members}


# --- Quarantine -----------------------------------------------------------------------------
def quarantined_records(*, entity: str = "", system: str = "") -> QuerySet[SourceRecord]:
    records = SourceRecord.objects.select_related("system").filter(status=SourceStatus.QUARANTINED)
    if entity:
        records = records.filter(entity=entity)
    if system:
        records = records.filter(system__code=system)
    return records.order_by("-updated_at", "-pk")


def quarantine_fields(record: SourceRecord) -> tuple[list[dict[str, Any]], list[str]]:
    """The payload laid out by the entity's canonical fields, each with its errors.

    Returns the field rows (canonical fields first, then any other key of the payload, marked
    `extra`) and the errors that point at no field (e.g. an unreadable file row).
    """
    errors: dict[str, list[str]] = defaultdict(list)
    for error in record.errors or []:
        pointer = str(error.get("pointer", "")).strip("/").split("/")[0]
        errors[pointer].append(error.get("message") or error.get("code", "invalid"))
    raw = record.raw if isinstance(record.raw, dict) else {}
    specs = ENTITY_FIELDS.get(record.entity, ())
    known = {spec.name for spec in specs}
    rows = [{"name": spec.name, "title": spec.title, "required": spec.required,
             "value": raw.get(spec.name, ""), "errors": errors.pop(spec.name, [])} for spec in specs]
    # The file's decimal convention is the pipeline's, kept through a fix (the page says so).
    extra = [k for k in raw if k not in known and k not in ("source_key", NUMBER_FORMAT)]
    for name in extra:
        rows.append({"name": name, "title": name, "required": False, "value": raw[name],
                     "errors": errors.pop(name, []), "extra": True})
    general = [message for messages in errors.values() for message in messages]
    return rows, general


# --- Sync -----------------------------------------------------------------------------------
def sync_targets() -> list[dict[str, Any]]:
    targets = {t.name: t for t in Target.objects.all()}
    rows = []
    for summary in target_summaries():
        target = targets.get(summary["target"])
        if summary["circuit_open"] or (summary["dead_letters"] and summary["failures_24h"]):
            health = "error"
        elif summary["dead_letters"] or summary["failures_24h"] or not summary["active"]:
            health = "warning"
        else:
            health = "ok"
        rows.append({**summary, "pk": target.pk if target else None, "health": health, "obj": target})
    return rows


def target_deliveries(*, target: Target, state: str = "") -> QuerySet[Delivery]:
    deliveries = Delivery.objects.filter(target=target).select_related("event")
    if state:
        deliveries = deliveries.filter(state=state)
    return deliveries.order_by("-id")


def attach_attempts(deliveries: Sequence[Delivery], *, per_delivery: int = 5) -> None:
    """The newest attempts of each delivery on a page, in one query."""
    from sync.models import DeliveryAttempt

    attempts: dict[int, list] = defaultdict(list)
    for attempt in DeliveryAttempt.objects.filter(delivery__in=[d.pk for d in deliveries]).order_by("-started_at"):
        if len(attempts[attempt.delivery_id]) < per_delivery:
            attempts[attempt.delivery_id].append(attempt)
    for delivery in deliveries:
        delivery.recent_attempts = attempts.get(delivery.pk, [])


def dead_letter_count(target: Target) -> int:
    return Delivery.objects.filter(target=target, state=DeliveryState.DEAD).count()


# --- History browser ------------------------------------------------------------------------
HISTORY_KINDS = ("supplier", "product", "location", "uom", "source_record", "product_supplier",
                 "review_task", "not_a_match", "sync_action")
HISTORY_COLUMNS = ("h_kind", "h_entity", "h_id", "h_date", "h_type", "h_user", "h_reason", "h_request",
                   "h_system", "h_ref", "h_label")


def _history_source(kind: str) -> tuple[Any, dict[str, Any]]:
    """The historical model of a kind and the expressions of the shared columns."""
    text = CharField()
    if kind in GOLDEN_MODELS:
        model = GOLDEN_MODELS[kind]
        label = F("code") if kind == "uom" else F("name")
        return model.history.model, {"h_entity": Value(kind, output_field=text), "h_ref": F("golden_id"),
                                     "h_label": Cast(label, text)}
    if kind == "source_record":
        return SourceRecord.history.model, {"h_entity": F("entity"), "h_ref": F("golden_id"),
                                            "h_label": F("source_key")}
    if kind == "product_supplier":
        return ProductSupplier.history.model, {"h_entity": Value("product", output_field=text),
                                               "h_ref": F("product__golden_id"),
                                               "h_label": F("supplier__golden_id")}
    if kind == "review_task":
        return ReviewTask.history.model, {"h_entity": F("entity"), "h_ref": F("candidate_golden_id"),
                                          "h_label": F("status")}
    if kind == "not_a_match":
        return NotAMatch.history.model, {"h_entity": F("entity"), "h_ref": F("left"), "h_label": F("right")}
    if kind == "sync_action":
        from sync.models import SyncAction

        return SyncAction.history.model, {"h_entity": Value("", output_field=text), "h_ref": F("target__name"),
                                          "h_label": F("kind")}
    raise ValueError(kind)


@dataclass(frozen=True)
class HistoryFilter:
    entity: str = ""
    kind: str = ""
    user: str = ""
    system: str = ""
    action: str = ""  # + ~ -
    since: datetime | None = None
    until: datetime | None = None
    request_id: str = ""
    record: str = ""


def _history_parts(filters: HistoryFilter) -> list[QuerySet]:
    """One filtered queryset per historical table, each with the shared columns."""
    kinds = [filters.kind] if filters.kind in HISTORY_KINDS else list(HISTORY_KINDS)
    if filters.entity:
        related = {"product": {"product_supplier"}}.get(filters.entity, set())
        kinds = [k for k in kinds if k == filters.entity or k in related or k not in GOLDEN_MODELS
                 and k not in ("product_supplier", "sync_action")]
    user_id = None
    if filters.user:
        user_id = get_user_model().objects.filter(username=filters.user).values_list("pk", flat=True).first() or -1
    parts = []
    for kind in kinds:
        model, columns = _history_source(kind)
        rows = model.objects.all()
        if filters.entity and kind not in GOLDEN_MODELS and kind != "product_supplier":
            rows = rows.filter(entity=filters.entity)
        if user_id is not None:
            rows = rows.filter(history_user_id=user_id)
        if filters.system:
            rows = rows.filter(source_system=filters.system)
        if filters.action:
            rows = rows.filter(history_type=filters.action)
        if filters.since:
            rows = rows.filter(history_date__gte=filters.since)
        if filters.until:
            rows = rows.filter(history_date__lt=filters.until)
        if filters.request_id:
            rows = rows.filter(request_id=filters.request_id)
        rows = rows.annotate(
            h_kind=Value(kind, output_field=CharField()),
            h_id=F("history_id"),
            h_date=F("history_date"),
            h_type=F("history_type"),
            h_user=F("history_user_id"),
            h_reason=F("history_change_reason"),
            h_request=F("request_id"),
            h_system=F("source_system"),
            **columns,
        )
        if filters.record:
            rows = rows.filter(Q(h_ref=filters.record) | Q(h_label=filters.record))
        parts.append(rows.order_by())
    return parts


def _union(parts: Sequence[QuerySet]) -> QuerySet:
    return parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]


def history_rows(filters: HistoryFilter) -> QuerySet:
    """Every change of the hub's tracked records as one union, newest first (for the CSV export)."""
    parts = [part.values_list(*HISTORY_COLUMNS) for part in _history_parts(filters)]
    return _union(parts).order_by("-h_date", "-h_id")


class HistoryRows:
    """The history union for Django's Paginator, built to stay fast on large tables.

    Ordering a union by date and cutting one page out of it makes the database read every
    row of every table. Instead each table gives only its newest `offset + limit` rows (an
    index scan on history_date), and only those are merged.
    """

    COUNT_CAP = 10_000

    def __init__(self, filters: HistoryFilter) -> None:
        self.parts = _history_parts(filters)
        self.capped = False

    def count(self) -> int:
        """Rows in the union. Each table counts at most COUNT_CAP rows (one query for all), so a
        huge unfiltered history stays fast; `capped` says the true total is larger."""
        from django.db import connection

        selects, params = [], []
        for part in self.parts:
            sql, part_params = part.values_list("pk")[: self.COUNT_CAP + 1].query.sql_with_params()
            selects.append(f"(SELECT COUNT(*) FROM ({sql}) AS part_{len(selects)})")
            params.extend(part_params)
        with connection.cursor() as cursor:
            cursor.execute("SELECT " + ", ".join(selects), params)
            counts = cursor.fetchone()
        self.capped = any(n > self.COUNT_CAP for n in counts)
        return sum(min(n, self.COUNT_CAP) for n in counts)

    def __getitem__(self, window: slice) -> list[tuple]:
        from django.db import connection

        stop = window.stop
        if stop is not None and stop <= (window.start or 0):
            return []
        parts = [part.values_list(*HISTORY_COLUMNS) for part in self.parts]
        if len(parts) > 1 and connection.features.supports_slicing_ordering_in_compound:
            parts = [part.order_by("-h_date", "-h_id")[:stop] for part in parts]
        return list(_union(parts).order_by("-h_date", "-h_id")[window.start:stop])


def history_dicts(rows: Iterable[tuple]) -> list[dict[str, Any]]:
    """Rows of `history_rows` as dicts with the acting user's name (one query for the page)."""
    items = [dict(zip(HISTORY_COLUMNS, row, strict=True)) for row in rows]
    user_ids = {item["h_user"] for item in items if item["h_user"]}
    names = dict(get_user_model().objects.filter(pk__in=user_ids).values_list("pk", "username")) if user_ids else {}
    for item in items:
        item["username"] = names.get(item["h_user"], "")
        item["action"] = {"+": "created", "~": "changed", "-": "deleted"}.get(item["h_type"], item["h_type"])
    return items


# --- Search ---------------------------------------------------------------------------------
SEARCH_COLUMNS = ("s_entity", "golden_id", "s_label", "status")
SEARCH_LIMIT = 200


def search_goldens(*, query: str, entity: str = "") -> QuerySet | None:
    """Golden records whose name contains the query, whose id it is, or that a system knows by that key.

    With no query but an entity, every golden record of that entity (browsing). Name search
    reads every row (no trigram index), so callers take at most SEARCH_LIMIT results of it.
    """
    query = query.strip()
    entities = [entity] if entity in GOLDEN_MODELS else list(ENTITIES)
    if not query and not entity:
        return None
    # Naming the systems lets the (system, entity, source_key) unique index answer the key lookup.
    systems = SourceSystem.objects.values("pk")
    parts = []
    for name in entities:
        model = GOLDEN_MODELS[name]
        rows = model.objects.all()
        if query:
            by_key = SourceRecord.objects.filter(system__in=systems, entity=name, source_key=query).values("golden_id")
            match = Q(golden_id=query.upper()) | Q(name__icontains=query) | Q(golden_id__in=by_key)
            if "code" in model.ATTRIBUTES:
                match |= Q(code=query) | Q(code=query.upper())
            rows = rows.filter(match)
        label = "code" if name == "uom" else "name"
        rows = rows.annotate(s_entity=Value(name, output_field=CharField()), s_label=Cast(label, CharField()))
        parts.append(rows.order_by().values_list(*SEARCH_COLUMNS))
    return _union(parts).order_by("golden_id")


# --- Unknown unit codes ---------------------------------------------------------------------
UOM_FIELDS = tuple(sorted({spec.name for specs in ENTITY_FIELDS.values() for spec in specs if spec.kind == "uom"}))
UNKNOWN_UNIT_MESSAGE = re.compile(r"^unknown unit (?P<code>.+?)(?: for system \S+)?$")


@dataclass(frozen=True)
class UnknownUnitCode:
    system_code: str
    code: str
    waiting: int
    entities: tuple[str, ...]


def unknown_unit_code(*, error: dict[str, Any], values: dict[str, Any]) -> str | None:
    """The unit code an `unknown_unit` error is about: the payload value at its pointer, else its message."""
    if error.get("code") != "unknown_unit":
        return None
    field = str(error.get("pointer", "")).strip("/").split("/")[0]
    value = values.get(field)
    if value not in (None, ""):
        return str(value).strip()
    found = UNKNOWN_UNIT_MESSAGE.match(str(error.get("message", "")))
    return found["code"].strip() if found else None


def unknown_unit_codes() -> list[UnknownUnitCode]:
    """The unit codes that hold quarantined records back, per system, with how many records wait.

    One query: only the unit fields of each payload are read, not the whole payload. A record
    waiting on one code in two fields counts once.
    """
    rows = (
        SourceRecord.objects.filter(status=SourceStatus.QUARANTINED, errors__contains=[{"code": "unknown_unit"}])
        .annotate(**{f"uom_{name}": KT(f"raw__{name}") for name in UOM_FIELDS})
        .values_list("pk", "system__code", "entity", "errors", *(f"uom_{name}" for name in UOM_FIELDS))
    )
    waiting: dict[tuple[str, str], set[int]] = defaultdict(set)
    entities: dict[tuple[str, str], set[str]] = defaultdict(set)
    for pk, system_code, entity, errors, *unit_values in rows.iterator(chunk_size=2000):
        values = dict(zip(UOM_FIELDS, unit_values, strict=True))
        for error in errors or []:
            code = unknown_unit_code(error=error, values=values) if isinstance(error, dict) else None
            if code:
                waiting[(system_code, code)].add(pk)
                entities[(system_code, code)].add(entity)
    found = [UnknownUnitCode(system_code=system, code=code, waiting=len(pks),
                             entities=tuple(sorted(entities[(system, code)])))
             for (system, code), pks in waiting.items()]
    return sorted(found, key=lambda row: (-row.waiting, row.system_code, row.code.upper()))


def hub_unit_choices() -> list[tuple[str, str]]:
    return [(code, f"{code} – {name}") for code, name in active_units().order_by("code").values_list("code", "name")]
