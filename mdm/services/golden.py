"""Writes to golden records: id allocation, creation from source records, recomputation.

Everything here is set-based so the same functions serve one record from a REST call and a
thousand from a file: they take lists, run a fixed number of queries per call, write history
through simple-history's bulk helpers, and publish one event per changed golden record.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, connection, models, transaction
from django.utils import timezone

from mdm import publish
from mdm.bulk import bulk_update_tracked, create_tracked
from mdm.models import (
    GOLDEN_MODELS,
    GoldenIdCounter,
    GoldenRecord,
    GoldenStatus,
    Location,
    Product,
    ProductSupplier,
    SourceRecord,
)
from mdm.selectors import CROSSWALK_STATUSES, keys_by_golden
from mdm.survivorship import Member, survive

# Source record statuses whose (last valid) values feed survivorship. A linked record that
# later sent a malformed update stays a member with its last good values while quarantined; a
# record waiting in review is the member of its own golden record until a steward decides.
# They are the records holding the golden record's keys in the crosswalk, so the events of a
# recomputation take their keys from the members it read.
MEMBER_STATUSES = CROSSWALK_STATUSES

# Attributes that are relationships: survived as the source key they name, then resolved.
RELATION_ATTRIBUTES = {"product": {"supplier_key"}, "location": {"parent_key"}}


def golden_model(entity: str) -> type[GoldenRecord]:
    return GOLDEN_MODELS[entity]


def golden_id_sequence(prefix: str) -> str:
    """The PostgreSQL sequence golden ids of this prefix are numbered from (migration 0006)."""
    return f"mdm_golden_id_{prefix.lower()}"


def allocate_golden_ids(*, model: type[GoldenRecord], count: int) -> list[str]:
    """Reserve `count` new ids; an id is never handed out twice.

    On PostgreSQL the numbers come from a sequence: no lock is held until commit, so loads and
    requests creating golden records run side by side (a rolled-back transaction leaves a gap).
    Elsewhere (SQLite, whose writers take turns anyway) a counter row only ever grows.
    """
    if count <= 0:
        return []
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT nextval(%s) FROM generate_series(1, %s)",
                           [golden_id_sequence(model.ID_PREFIX), count])
            numbers = [row[0] for row in cursor.fetchall()]
        return [f"{model.ID_PREFIX}-{n:06d}" for n in numbers]
    for attempt in range(2):
        try:
            with transaction.atomic():
                counter, _ = GoldenIdCounter.objects.select_for_update().get_or_create(
                    prefix=model.ID_PREFIX
                )
                start = counter.last_value + 1
                counter.last_value += count
                counter.save(update_fields=["last_value"])
            break
        except IntegrityError:  # two first-ever allocations raced on creating the counter row
            if attempt:
                raise
    return [f"{model.ID_PREFIX}-{n:06d}" for n in range(start, start + count)]


# What survivorship reads of a member (the raw payload and errors stay in the database).
MEMBER_FIELDS = ("golden_id", "source_key", "updated_at", "normalized", "system__code", "system__priority")


def _members(records: Iterable[SourceRecord]) -> list[Member]:
    return [
        Member(
            source_record_id=r.pk,
            system_code=r.system.code,
            system_priority=r.system.priority,
            source_key=r.source_key,
            updated_at=r.updated_at,
            values=r.normalized or {},
        )
        for r in records
        if r.normalized
    ]


def _field_value(model: type[GoldenRecord], attribute: str, value: Any) -> Any:
    field = model._meta.get_field(attribute)
    if value is None:
        return None if field.null else ""
    if isinstance(field, models.DecimalField):
        # As the database will give it back (1.5 -> 1.500000), so the golden record in hand and
        # the one read later publish the same value.
        return Decimal(str(value)).quantize(Decimal(1).scaleb(-field.decimal_places))
    return value


def _apply(golden: GoldenRecord, values: dict[str, Any]) -> bool:
    changed = False
    model = type(golden)
    for attribute, value in values.items():
        if attribute in ("parent",):
            continue
        new = _field_value(model, attribute, value)
        if getattr(golden, attribute) != new:
            setattr(golden, attribute, new)
            changed = True
    return changed


def _survivable_attributes(model: type[GoldenRecord]) -> tuple[str, ...]:
    return tuple(a for a in model.ATTRIBUTES if a != "parent")


def _survive_for(entity: str, golden: GoldenRecord, members: Sequence[Member]):
    model = type(golden)
    relation = sorted(RELATION_ATTRIBUTES.get(entity, ()))
    return survive(
        entity=entity,
        attributes=(*_survivable_attributes(model), *relation),
        members=members,
        pins=golden.pins,
    )


@transaction.atomic
def create_golden_records(*, entity: str, groups: Sequence[Sequence[SourceRecord]]) -> list[GoldenRecord]:
    """Create one golden record per group of (unsaved or saved) source records.

    Sets `golden_id` on the source records; the caller saves them.
    """
    model = golden_model(entity)
    ids = allocate_golden_ids(model=model, count=len(groups))
    goldens: list[GoldenRecord] = []
    for golden_id, group in zip(ids, groups, strict=True):
        golden = model(golden_id=golden_id)
        for record in group:
            record.golden_id = golden_id
        result = _survive_for(entity, golden, _members(group))
        _apply(golden, {k: v for k, v in result.values.items() if hasattr(golden, k)})
        golden.lineage = result.lineage
        goldens.append(golden)
    create_tracked(goldens, model)
    return goldens


@transaction.atomic
def recompute_golden_records(
    *, entity: str, golden_ids: Iterable[str], event_type: str = "updated", force_event: bool = False
) -> list[GoldenRecord]:
    """Re-run survivorship for these golden records from their current members.

    A golden record left with no member is retired, never deleted. Returns the records that
    changed (each got a new version, a history row and an event).
    """
    model = golden_model(entity)
    ids = sorted(set(golden_ids))
    if not ids:
        return []
    goldens = {g.golden_id: g for g in model.objects.select_for_update().filter(golden_id__any=ids)}
    members_by_golden: dict[str, list[SourceRecord]] = defaultdict(list)
    for record in SourceRecord.objects.select_related("system").filter(
        entity=entity, golden_id__any=ids, status__in=MEMBER_STATUSES
    ).only(*MEMBER_FIELDS):
        members_by_golden[record.golden_id].append(record)

    changed: list[GoldenRecord] = []
    events: list[tuple[GoldenRecord, str]] = []
    for golden_id in ids:
        golden = goldens.get(golden_id)
        if golden is None or golden.status == GoldenStatus.MERGED:
            continue
        members = _members(members_by_golden.get(golden_id, []))
        this_event = event_type
        if not members:
            if golden.status == GoldenStatus.RETIRED:
                continue
            golden.status = GoldenStatus.RETIRED
            this_event = "retired"
            dirty = True
        else:
            result = _survive_for(entity, golden, members)
            dirty = _apply(golden, {k: v for k, v in result.values.items() if hasattr(golden, k)})
            if golden.lineage != result.lineage:
                golden.lineage = result.lineage
                dirty = True
            if golden.status == GoldenStatus.RETIRED:
                golden.status = GoldenStatus.ACTIVE
                dirty = True
        if dirty or force_event:
            golden.version += 1
            changed.append(golden)
            events.append((golden, this_event))
    if changed:
        fields = [*_survivable_attributes(model), "lineage", "status", "version", "updated_at"]
        now = timezone.now()
        for golden in changed:
            golden.updated_at = now
        bulk_update_tracked(changed, model, fields)
    sync_relationships(entity=entity, golden_ids=ids)
    if events:
        keys = keys_by_golden((r.golden_id, r.system.code, r.source_key)
                              for golden, _type in events for r in members_by_golden.get(golden.golden_id, ()))
        publish.golden_events(entity=entity, events=events, keys=keys)
    return changed


def sync_relationships(*, entity: str, golden_ids: Sequence[str]) -> None:
    """Derive relationships from the members: a product's suppliers, a location's parent."""
    if entity == "product":
        _sync_product_suppliers(golden_ids)
    elif entity == "location":
        _sync_location_parents(golden_ids)


def _referenced_goldens(system_keys: set[tuple[int, str]], entity: str) -> dict[tuple[int, str], str]:
    if not system_keys:
        return {}
    query = models.Q()
    by_system: dict[int, set[str]] = defaultdict(set)
    for system_id, key in system_keys:
        by_system[system_id].add(key)
    for system_id, keys in by_system.items():
        query |= models.Q(system_id=system_id, source_key__any=keys)
    rows = SourceRecord.objects.filter(query, entity=entity).exclude(golden_id="")
    return {(r.system_id, r.source_key): r.golden_id for r in rows.only("system_id", "source_key", "golden_id")}


def _sync_product_suppliers(golden_ids: Sequence[str]) -> None:
    from mdm.models import Supplier

    records = list(
        SourceRecord.objects.filter(entity="product", golden_id__any=golden_ids, status__in=MEMBER_STATUSES)
        .only("system_id", "golden_id", "normalized")
    )
    wanted_refs = {(r.system_id, r.normalized.get("supplier_key")) for r in records
                   if r.normalized.get("supplier_key")}
    ref_goldens = _referenced_goldens(wanted_refs, "supplier")
    supplier_pk = dict(
        Supplier.objects.filter(golden_id__any=set(ref_goldens.values())).values_list("golden_id", "pk")
    )
    products = dict(Product.objects.filter(golden_id__any=golden_ids).values_list("golden_id", "pk"))
    desired: dict[tuple[int, int], SourceRecord] = {}
    for record in records:
        key = record.normalized.get("supplier_key")
        golden_supplier = ref_goldens.get((record.system_id, key)) if key else None
        if golden_supplier and golden_supplier in supplier_pk and record.golden_id in products:
            desired.setdefault((products[record.golden_id], supplier_pk[golden_supplier]), record)
    existing = {(link.product_id, link.supplier_id): link
                for link in ProductSupplier.objects.filter(product_id__any=list(products.values()))}
    for pair, link in existing.items():
        if pair not in desired:
            link.delete()
    # New and changed links are written together, history included: one at a time, a file
    # chunk's thousand products spent half of their load here.
    created: list[ProductSupplier] = []
    changed: list[ProductSupplier] = []
    now = timezone.now()
    for pair, record in desired.items():
        link = existing.get(pair)
        item_number = record.normalized.get("supplier_item_number") or ""
        lead_time = record.normalized.get("lead_time_days")
        if link is None:
            created.append(ProductSupplier(product_id=pair[0], supplier_id=pair[1], supplier_item_number=item_number,
                                           lead_time_days=lead_time, source_record=record))
        elif (link.supplier_item_number, link.lead_time_days) != (item_number, lead_time):
            link.supplier_item_number = item_number
            link.lead_time_days = lead_time
            link.source_record = record
            link.updated_at = now
            changed.append(link)
    create_tracked(created, ProductSupplier)
    bulk_update_tracked(changed, ProductSupplier,
                        ["supplier_item_number", "lead_time_days", "source_record", "updated_at"])


def _sync_location_parents(golden_ids: Sequence[str]) -> None:
    records = list(
        SourceRecord.objects.select_related("system")
        .filter(entity="location", golden_id__any=golden_ids, status__in=MEMBER_STATUSES)
        .order_by("system__priority", "pk")
    )
    wanted_refs = {(r.system_id, r.normalized.get("parent_key")) for r in records if r.normalized.get("parent_key")}
    ref_goldens = _referenced_goldens(wanted_refs, "location")
    parent_for: dict[str, str] = {}
    for record in records:
        key = record.normalized.get("parent_key")
        parent = ref_goldens.get((record.system_id, key)) if key else None
        if parent and parent != record.golden_id:
            parent_for.setdefault(record.golden_id, parent)
    locations = {loc.golden_id: loc for loc in Location.objects.filter(golden_id__any=golden_ids)}
    parent_pk = dict(Location.objects.filter(golden_id__any=set(parent_for.values())).values_list("golden_id", "pk"))
    moved = []
    now = timezone.now()
    for golden_id, location in locations.items():
        want = parent_pk.get(parent_for.get(golden_id, ""))
        if location.parent_id != want:
            location.parent_id = want
            location.updated_at = now
            moved.append(location)
    bulk_update_tracked(moved, Location, ["parent", "updated_at"])


def publish_created(*, entity: str, goldens: Sequence[GoldenRecord],
                    keys: dict[str, dict[str, list[str]]] | None = None) -> None:
    """Publish `created` events once the new golden records' source records are saved.

    `goldens` as create_golden_records returned them; `keys` their members' keys, when the
    caller has them (else they are read). Locations are read again: their parent was set
    since, by sync_relationships.
    """
    if entity == "location":
        goldens = list(Location.objects.select_related("parent").filter(golden_id__any=[g.golden_id for g in goldens]))
    publish.golden_events(entity=entity, events=[(g, "created") for g in goldens], keys=keys)


@transaction.atomic
def golden_pin(*, golden: GoldenRecord, values: dict[str, Any], user: Any, reason: str) -> GoldenRecord:
    """A steward pins attribute values: they survive every recomputation until unpinned."""

    from mdm.audit import change_context

    if not reason.strip():
        raise ValueError("a reason is required to pin a value")
    unknown = set(values) - set(golden.ATTRIBUTES)
    if unknown:
        raise ValueError(f"unknown attribute(s): {', '.join(sorted(unknown))}")
    pins = dict(golden.pins)
    by = getattr(user, "username", None) or str(user)
    for attribute, value in values.items():
        pins[attribute] = {"value": _json_safe(value), "by": by, "at": timezone.now().isoformat(),
                           "reason": reason}
    with change_context(user=user, reason=reason):
        golden.pins = pins
        golden.save(update_fields=["pins", "updated_at"])
        recompute_golden_records(entity=golden.ENTITY, golden_ids=[golden.golden_id])
    golden.refresh_from_db()
    return golden


@transaction.atomic
def golden_unpin(*, golden: GoldenRecord, attributes: Sequence[str], user: Any, reason: str) -> GoldenRecord:
    from mdm.audit import change_context

    if not reason.strip():
        raise ValueError("a reason is required to unpin a value")
    with change_context(user=user, reason=reason):
        golden.pins = {k: v for k, v in golden.pins.items() if k not in set(attributes)}
        golden.save(update_fields=["pins", "updated_at"])
        recompute_golden_records(entity=golden.ENTITY, golden_ids=[golden.golden_id])
    golden.refresh_from_db()
    return golden


def _json_safe(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    return value


@transaction.atomic
def golden_merge(*, survivor: GoldenRecord, victim: GoldenRecord, user: Any, reason: str) -> GoldenRecord:
    """Merge golden record `victim` into `survivor`.

    The victim keeps its id (never reused) with status merged and `merged_into` the survivor;
    its source records and the relationships that pointed at it move to the survivor; records
    merged into the victim earlier now point straight at the survivor (chains collapsed). What
    moved is kept in a GoldenMerge row, so an unmerge restores exactly what was there.
    """
    from mdm.audit import change_context, current_context
    from mdm.models import GoldenMerge

    model = type(survivor)
    if type(victim) is not model:
        raise ValueError("only golden records of the same entity can be merged")
    if not reason.strip():
        raise ValueError("a reason is required to merge")
    with change_context(user=user, reason=reason):
        # Lock both rows in a fixed order so concurrent merges of the same pair cannot deadlock.
        locked = {g.pk: g for g in model.objects.select_for_update().filter(pk__in=[survivor.pk, victim.pk])
                  .order_by("pk")}
        survivor, victim = locked[survivor.pk], locked[victim.pk]
        if survivor.pk == victim.pk:
            raise ValueError("a golden record cannot be merged into itself")
        if GoldenStatus.MERGED in (survivor.status, victim.status):
            raise ValueError("a merged golden record cannot take part in another merge; use its survivor")
        members = list(SourceRecord.objects.filter(entity=model.ENTITY, golden_id=victim.golden_id))
        for record in members:
            record.golden_id = survivor.golden_id
            record.save()
        repointed: list[list[Any]] = []
        for earlier in model.objects.filter(merged_into=victim):
            earlier.merged_into = survivor
            earlier.save()
            repointed.append([model._meta.label, earlier.pk, "merged_into", victim.pk])
        repointed.extend(_repoint_relationships(model.ENTITY, victim, survivor))
        victim.status = GoldenStatus.MERGED
        victim.merged_into = survivor
        victim.version += 1
        victim.save()
        GoldenMerge.objects.create(
            entity=model.ENTITY, survivor_id=survivor.golden_id, victim_id=victim.golden_id,
            moved_records=[r.pk for r in members], repointed=repointed, request_id=current_context().request_id,
            reason=reason, created_by=user if getattr(user, "pk", None) else None,
        )
        recompute_golden_records(entity=model.ENTITY, golden_ids=[survivor.golden_id], force_event=True,
                                 event_type="merged")
        publish.golden_events(entity=model.ENTITY, events=[(victim, "merged")])
    survivor.refresh_from_db()
    return survivor


@transaction.atomic
def golden_unmerge(*, golden: GoldenRecord, source_record: SourceRecord, user: Any, reason: str) -> GoldenRecord:
    """Detach a source record from a golden record.

    If the record arrived through a merge, that merge is undone: the merged golden record is
    active again with the records and relationships the merge had moved. Otherwise the record
    gets a new golden record. Either way the pair is remembered as not a match, so matching
    never links them again on its own. Returns the golden record the source record now has.
    """

    from mdm.audit import change_context
    from mdm.models import GoldenMerge
    from stewardship.models import NotAMatch

    model = type(golden)
    if not reason.strip():
        raise ValueError("a reason is required to unmerge")
    with change_context(user=user, reason=reason):
        golden = model.objects.select_for_update().get(pk=golden.pk)
        source_record = SourceRecord.objects.select_for_update().get(pk=source_record.pk)
        if source_record.golden_id != golden.golden_id or source_record.entity != model.ENTITY:
            raise ValueError(f"{source_record} is not linked to {golden.golden_id}")
        # A survivor has few merges; the one that moved this record is picked out here.
        merge = next((m for m in GoldenMerge.objects.select_for_update().filter(
            entity=model.ENTITY, survivor_id=golden.golden_id, undone_at__isnull=True)
            if source_record.pk in m.moved_records), None)
        if merge is not None:
            target = model.objects.select_for_update().get(golden_id=merge.victim_id)
            target.status = GoldenStatus.ACTIVE
            target.merged_into = None
            target.save()
            movers = SourceRecord.objects.filter(pk__in=merge.moved_records, golden_id=golden.golden_id)
            for record in movers:
                record.golden_id = target.golden_id
                record.save()
            _restore_relationships(merge.repointed, golden)
            merge.undone_at = timezone.now()
            merge.save(update_fields=["undone_at"])
        else:
            target = create_golden_records(entity=model.ENTITY, groups=[[source_record]])[0]
            source_record.save()
        left, right = NotAMatch.ordered(f"src:{source_record.pk}", golden.golden_id)
        NotAMatch.objects.get_or_create(entity=model.ENTITY, left=left, right=right,
                                        defaults={"reason": reason,
                                                  "created_by": user if getattr(user, "pk", None) else None})
        recompute_golden_records(entity=model.ENTITY, golden_ids=[golden.golden_id, target.golden_id],
                                 force_event=True, event_type="unmerged")
    target.refresh_from_db()
    return target


def _restore_relationships(repointed: Sequence[Sequence[Any]], survivor: GoldenRecord) -> None:
    from django.apps import apps

    for label, pk, field_name, old_pk in repointed:
        row = apps.get_model(label).objects.filter(pk=pk).first()
        if row is None:
            continue
        # Only rows that still point at the survivor go back; later steward changes win.
        current = getattr(row, f"{field_name}_id")
        if field_name == "merged_into" or current == survivor.pk:
            setattr(row, f"{field_name}_id", old_pk)
            row.save()


def _repoint_relationships(entity: str, old: GoldenRecord, new: GoldenRecord) -> list[list[Any]]:
    """Move relationships from the merged record to the survivor; return what moved."""
    moved: list[list[Any]] = []
    if entity == "supplier":
        for link in ProductSupplier.objects.filter(supplier_id=old.pk):
            if ProductSupplier.objects.filter(product_id=link.product_id, supplier_id=new.pk).exists():
                continue  # the survivor already supplies this product; keep the old link for an unmerge
            link.supplier_id = new.pk
            link.save()
            moved.append([ProductSupplier._meta.label, link.pk, "supplier", old.pk])
    elif entity == "location":
        for child in Location.objects.filter(parent_id=old.pk):
            child.parent_id = new.pk
            child.save()
            moved.append([Location._meta.label, child.pk, "parent", old.pk])
    return moved
