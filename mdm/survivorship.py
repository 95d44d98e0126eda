"""Survivorship: which source value each attribute of a golden record shows, and why.

Policies are small classes chosen per entity and attribute (source priority, most recent,
most complete, most frequent); a steward's pin overrides them all until it is unpinned. The
result carries lineage: for each attribute, the source record and system that gave the value
and when. Pure functions over plain data, shared by the bulk and the single-record paths.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class Member:
    """A linked source record as survivorship sees it."""

    source_record_id: int
    system_code: str
    system_priority: int
    source_key: str
    updated_at: datetime
    values: dict[str, Any]


def _present(value: Any) -> bool:
    return value not in (None, "", [], {})


class Policy:
    name = "policy"

    def choose(self, attribute: str, members: Sequence[Member]) -> Member | None:
        candidates = [m for m in members if _present(m.values.get(attribute))]
        if not candidates:
            return None
        return min(candidates, key=lambda m: self.rank(attribute, m, candidates))

    def rank(self, attribute: str, member: Member, candidates: Sequence[Member]) -> tuple:
        raise NotImplementedError


class SourcePriority(Policy):
    """The most trusted system wins (lower SourceSystem.priority); ties go to the newest."""

    name = "source_priority"

    def rank(self, attribute: str, member: Member, candidates: Sequence[Member]) -> tuple:
        return (member.system_priority, -member.updated_at.timestamp(), member.source_record_id)


class MostRecent(Policy):
    """The value most recently sent by any system wins."""

    name = "most_recent"

    def rank(self, attribute: str, member: Member, candidates: Sequence[Member]) -> tuple:
        return (-member.updated_at.timestamp(), member.system_priority, member.source_record_id)


class MostComplete(Policy):
    """The longest value wins (e.g. the address with the suite number); ties by priority."""

    name = "most_complete"

    def rank(self, attribute: str, member: Member, candidates: Sequence[Member]) -> tuple:
        return (-len(str(member.values[attribute])), member.system_priority, member.source_record_id)


class MostFrequent(Policy):
    """The value most systems agree on wins; ties by priority."""

    name = "most_frequent"

    def rank(self, attribute: str, member: Member, candidates: Sequence[Member]) -> tuple:
        counts = Counter(str(m.values[attribute]) for m in candidates)
        return (-counts[str(member.values[attribute])], member.system_priority, member.source_record_id)


POLICIES: dict[str, Policy] = {p.name: p for p in (SourcePriority(), MostRecent(), MostComplete(), MostFrequent())}

DEFAULT_POLICY = "source_priority"

# Per entity, the attributes whose default differs from source priority.
ATTRIBUTE_POLICIES: dict[str, dict[str, str]] = {
    "supplier": {"name": "most_frequent", "address_line1": "most_complete", "phone": "most_recent",
                 "email": "most_recent", "website": "most_recent"},
    "product": {"name": "most_complete", "category": "most_frequent"},
    "location": {"name": "most_frequent", "address_line1": "most_complete"},
    "uom": {},
}


def policy_for(entity: str, attribute: str) -> Policy:
    return POLICIES[ATTRIBUTE_POLICIES.get(entity, {}).get(attribute, DEFAULT_POLICY)]


@dataclass(frozen=True)
class Survived:
    values: dict[str, Any]
    lineage: dict[str, dict[str, Any]]


def survive(
    *,
    entity: str,
    attributes: Iterable[str],
    members: Sequence[Member],
    pins: dict[str, dict[str, Any]] | None = None,
) -> Survived:
    """Compute the golden values and their lineage from the linked members."""
    # One member: every policy picks it where it has a value (most new golden records), so
    # nothing is ranked.
    return _survive(entity, attributes, members, pins or {}, rank=len(members) != 1)


def _survive(entity: str, attributes: Iterable[str], members: Sequence[Member], pins: dict[str, dict[str, Any]],
             *, rank: bool = True) -> Survived:
    values: dict[str, Any] = {}
    lineage: dict[str, dict[str, Any]] = {}
    only = None if rank else members[0]
    only_at = None if only is None else only.updated_at.isoformat()
    for attribute in attributes:
        if attribute in pins:
            pin = pins[attribute]
            values[attribute] = pin.get("value")
            lineage[attribute] = {"policy": "steward_pin", "by": pin.get("by"), "at": pin.get("at"),
                                  "reason": pin.get("reason", "")}
            continue
        policy = policy_for(entity, attribute)
        if only is None:
            winner = policy.choose(attribute, members)
        else:
            winner = only if _present(only.values.get(attribute)) else None
        if winner is None:
            values[attribute] = None
            continue
        values[attribute] = winner.values[attribute]
        lineage[attribute] = {
            "policy": policy.name,
            "system": winner.system_code,
            "source_key": winner.source_key,
            "source_record": winner.source_record_id,
            "at": only_at or winner.updated_at.isoformat(),
        }
    return Survived(values=values, lineage=lineage)
