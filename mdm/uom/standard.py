"""The hub's standard unit set (UN/ECE Recommendation 20 codes) and its global conversions.

Codes are Rec 20 common codes (EA, KGM, LTR, ...). For packaging the hub uses the short Rec 20
codes PK (pack, for an inner pack), CS (case) and PF (pallet (lift)), because ERP and WMS
exports use them; newer Rec 20 revisions list packaging as X-prefixed Rec 21 codes (XPK, XCS,
XPX) and many systems say PAL: those, like any system-specific code, are mapped per system
through the unit crosswalk, not installed as hub units. Packaging units have no global
conversion: how many EA a CS holds is product-specific (see PackagingLevel).

Factors are exact by definition (1 LBR = 0.45359237 KGM, 1 GLL = 3.785411784 LTR, US gallon).
Some cycles are deliberate (GRO = 12 DZN = 144 EA): a consistent cycle is fine.
"""
from __future__ import annotations

from typing import Any

from django.db import transaction

from . import selectors, services

STANDARD_UNITS: tuple[tuple[str, str, str], ...] = (
    ("EA", "each", "count"),
    ("PR", "pair", "count"),
    ("DZN", "dozen", "count"),
    ("GRO", "gross", "count"),
    ("PK", "pack (inner pack)", "count"),
    ("CS", "case", "count"),
    ("PF", "pallet (lift)", "count"),
    ("MGM", "milligram", "mass"),
    ("GRM", "gram", "mass"),
    ("KGM", "kilogram", "mass"),
    ("TNE", "tonne (metric ton)", "mass"),
    ("LBR", "pound", "mass"),
    ("ONZ", "ounce (avoirdupois)", "mass"),
    ("MLT", "millilitre", "volume"),
    ("LTR", "litre", "volume"),
    ("MTQ", "cubic metre", "volume"),
    ("GLL", "gallon (US)", "volume"),
    ("MMT", "millimetre", "length"),
    ("CMT", "centimetre", "length"),
    ("MTR", "metre", "length"),
    ("INH", "inch", "length"),
    ("FOT", "foot", "length"),
    ("CMK", "square centimetre", "area"),
    ("MTK", "square metre", "area"),
    ("FTK", "square foot", "area"),
    ("SEC", "second", "time"),
    ("MIN", "minute", "time"),
    ("HUR", "hour", "time"),
    ("DAY", "day", "time"),
)

# 1 first = factor second
STANDARD_CONVERSIONS: tuple[tuple[str, str, str], ...] = (
    ("PR", "EA", "2"),
    ("DZN", "EA", "12"),
    ("GRO", "DZN", "12"),
    ("GRO", "EA", "144"),
    ("KGM", "GRM", "1000"),
    ("GRM", "MGM", "1000"),
    ("TNE", "KGM", "1000"),
    ("LBR", "KGM", "0.45359237"),
    ("LBR", "ONZ", "16"),
    ("LTR", "MLT", "1000"),
    ("MTQ", "LTR", "1000"),
    ("GLL", "LTR", "3.785411784"),
    ("MTR", "CMT", "100"),
    ("CMT", "MMT", "10"),
    ("MTR", "MMT", "1000"),
    ("INH", "MMT", "25.4"),
    ("FOT", "INH", "12"),
    ("MTK", "CMK", "10000"),
    ("FTK", "MTK", "0.09290304"),
    ("MIN", "SEC", "60"),
    ("HUR", "MIN", "60"),
    ("DAY", "HUR", "24"),
)


@transaction.atomic
def install_standard_units(*, user: Any = None) -> tuple[int, int]:
    """Install missing standard units and global conversions; returns how many of each were added.

    Idempotent: existing units and conversions are left as they are, even if changed locally.
    """
    reason = "standard units (UN/ECE Rec 20)"
    known = set(selectors.active_units().values_list("code", flat=True))
    created = [code for code, _, _ in STANDARD_UNITS if code not in known]
    for code, name, dimension in STANDARD_UNITS:
        if code in created:
            services.ensure_unit(
                code=code, name=name, dimension=dimension, user=user, reason=reason, publish_event=False
            )
    added = services.add_global_conversions(conversions=STANDARD_CONVERSIONS, user=user, reason=reason)
    # new units are announced once, with the conversions they already have
    services.publish_unit_data(event_type="created", units=created)
    return len(created), len(added)
