"""Where the pipeline asks matching what to do with each valid record.

A decision is one of: keep (an already linked record keeps its golden record), link (join an
existing golden record), review (a steward decides), or new (a new golden record, shared by
the records of the batch that carry the same `group`).
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from mdm.models import SourceRecord


@dataclass
class Decision:
    action: str  # keep | link | review | new
    golden_id: str = ""
    group: str = ""
    score: float | None = None
    detail: dict[str, Any] = field(default_factory=dict)


class Matcher(Protocol):
    def decide(self, *, entity: str, records: Sequence[SourceRecord]) -> list[Decision]: ...

    def after_save(self, *, entity: str, records: Sequence[SourceRecord], decisions: Sequence[Decision]) -> None: ...


def default_matcher() -> Matcher:
    from mdm.services.matching import HubMatcher

    return HubMatcher()


def link_records(
    *, entity: str, items: Sequence[tuple[int, SourceRecord, bool]], matcher: Matcher | None = None
) -> list[Decision]:
    matcher = matcher or default_matcher()
    decisions: list[Decision | None] = [None] * len(items)
    to_match: list[tuple[int, SourceRecord]] = []
    for position, (_index, record, _is_new) in enumerate(items):
        if record.golden_id:
            decisions[position] = Decision("keep", golden_id=record.golden_id)
        else:
            to_match.append((position, record))
    if to_match:
        for (position, _record), decision in zip(
            to_match, matcher.decide(entity=entity, records=[r for _, r in to_match]), strict=True
        ):
            decisions[position] = decision
    return [d for d in decisions if d is not None]


def after_save(
    *,
    entity: str,
    items: Sequence[tuple[int, SourceRecord, bool]],
    decisions: Sequence[Decision],
    matcher: Matcher | None = None,
) -> None:
    (matcher or default_matcher()).after_save(entity=entity, records=[r for _, r, _ in items], decisions=decisions)
