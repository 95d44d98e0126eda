"""Survivorship of a single member takes a shortcut; it must give what the policies give."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from mdm.survivorship import ATTRIBUTE_POLICIES, Member, _survive, survive

ATTRIBUTES = ("name", "address_line1", "city", "phone", "email", "website", "tax_id", "country")
value = st.one_of(st.none(), st.just(""), st.just([]), st.just({}), st.text(max_size=8), st.integers(0, 99))
member = st.builds(
    Member,
    source_record_id=st.integers(1, 10_000),
    system_code=st.sampled_from(["ERP", "WMS", "PORTAL"]),
    system_priority=st.integers(1, 50),
    source_key=st.text(min_size=1, max_size=6),
    updated_at=st.integers(0, 10**6).map(lambda s: datetime(2026, 1, 1, tzinfo=UTC) + timedelta(seconds=s)),
    values=st.dictionaries(st.sampled_from(ATTRIBUTES), value),
)
pins = st.dictionaries(st.sampled_from(ATTRIBUTES), st.fixed_dictionaries(
    {"value": st.text(max_size=5), "by": st.just("steward"), "at": st.just("2026-01-01T00:00:00+00:00"),
     "reason": st.just("checked")}), max_size=2)


@given(entity=st.sampled_from(sorted(ATTRIBUTE_POLICIES)), one=member, pinned=pins)
def test_one_member_survives_as_the_policies_would_have_it(entity, one, pinned):
    shortcut = survive(entity=entity, attributes=ATTRIBUTES, members=[one], pins=pinned)
    assert shortcut == _survive(entity, ATTRIBUTES, [one], pinned, rank=True)


def test_one_member_lineage_names_each_attribute_policy():
    one = Member(7, "ERP", 10, "V-1", datetime(2026, 3, 1, tzinfo=UTC), {"name": "Acme", "city": "Berlin", "phone": ""})
    result = survive(entity="supplier", attributes=("name", "city", "phone"), members=[one])
    assert result.values == {"name": "Acme", "city": "Berlin", "phone": None}
    assert result.lineage["name"]["policy"] == "most_frequent"
    assert result.lineage["city"] == {"policy": "source_priority", "system": "ERP", "source_key": "V-1",
                                      "source_record": 7, "at": "2026-03-01T00:00:00+00:00"}
    assert "phone" not in result.lineage
