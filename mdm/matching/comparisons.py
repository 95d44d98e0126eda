"""Comparison levels of two records' match keys, computed in batches with rapidfuzz.

A comparison turns the values of one field (or a small group of fields) of many record
pairs into a level per pair: 0 is the strongest agreement, the last level is "different",
and MISSING (-1) means one side has no value, which carries no evidence either way. The
same batch code serves one pair, one record against its candidates and a whole block.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from rapidfuzz import fuzz, process
from rapidfuzz.distance import JaroWinkler, Levenshtein, Prefix

MISSING = -1

# name -> (scorer, divisor that maps its score onto 0..1)
SCORERS: dict[str, tuple[Callable[..., float], float]] = {
    "token_set": (fuzz.token_set_ratio, 100.0),
    "token_sort": (fuzz.token_sort_ratio, 100.0),
    "ratio": (fuzz.ratio, 100.0),
    "jaro_winkler": (JaroWinkler.normalized_similarity, 1.0),
    "levenshtein": (Levenshtein.normalized_similarity, 1.0),
    "prefix": (Prefix.normalized_similarity, 1.0),
}


def _pairwise(scorer: str, a: np.ndarray, b: np.ndarray, workers: int) -> np.ndarray:
    if not len(a):
        return np.zeros(0, dtype=np.float64)
    if scorer == "name":
        # Word order and dropped words vary between systems (token_set forgives both) while
        # token_sort still rewards names that agree on every word.
        return (_pairwise("token_set", a, b, workers) + _pairwise("token_sort", a, b, workers)) / 2
    func, divisor = SCORERS[scorer]
    sims = process.cpdist(a, b, scorer=func, workers=workers, dtype=np.float64)
    return sims / divisor if divisor != 1.0 else sims


Columns = dict[str, np.ndarray]
FLOAT_KEYS = frozenset({"lat", "lon"})


def columns(records: Sequence[dict], keys: Iterable[str]) -> Columns:
    """Key -> numpy array over records: object arrays ("" when missing), float for coordinates.
    Pairs are then gathered by fancy indexing instead of per-pair Python work."""
    out: Columns = {}
    for key in keys:
        if key in FLOAT_KEYS:
            out[key] = np.array([np.nan if r.get(key) is None else r.get(key) for r in records], dtype=np.float64)
        else:
            column = np.empty(len(records), dtype=object)
            for index, record in enumerate(records):
                column[index] = record.get(key) or ""
            out[key] = column
    return out


def take(cols: Columns, index: np.ndarray) -> Columns:
    return {key: column[index] for key, column in cols.items()}


def _numbers_conflict(left: str, right: str) -> bool:
    """Whether two texts' numbers (space-separated) disagree: each has one the other lacks."""
    a, b = set(left.split()), set(right.split())
    return not (a <= b or b <= a)


def _missing(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return (a == "") | (b == "")


@dataclass(frozen=True)
class Comparison:
    """Exact or fuzzy agreement of one match key; `thresholds` are similarity floors of the
    fuzzy levels between "exact" and "different"."""

    name: str
    key: str
    scorer: str = "exact"
    thresholds: tuple[float, ...] = ()
    tf: bool = False  # term-frequency adjustment of the exact level on `key`
    token_tf: str = ""  # key holding tokens whose rarity adjusts the fuzzy levels
    numbers: str = ""  # key holding the value's numbers: a level of its own when they differ

    @property
    def keys(self) -> tuple[str, ...]:
        return (self.key, self.numbers) if self.numbers else (self.key,)

    @property
    def levels(self) -> tuple[str, ...]:
        numbered = ("numbers differ",) if self.numbers else ()
        return ("exact", *(f"similarity >= {t:.2f}" for t in self.thresholds), *numbered, "different")

    def compute(self, a: Columns, b: Columns, *, workers: int = 1) -> tuple[np.ndarray, np.ndarray]:
        """Levels and similarities (0..1) of the aligned pairs (a[i], b[i])."""
        av, bv = a[self.key], b[self.key]
        exact = av == bv
        missing = _missing(av, bv)
        if self.thresholds:
            sims = _pairwise(self.scorer, av, bv, workers)
            sims[exact] = 1.0
        else:
            sims = exact.astype(np.float64)
        levels = np.full(len(av), len(self.levels) - 1, dtype=np.int8)
        for index in range(len(self.thresholds), 0, -1):
            levels[sims >= self.thresholds[index - 1]] = index
        if self.numbers:
            # Similar words with other numbers ("Store 12" / "Store 21", "12 Main St" / "21 Main St").
            # Numbers only one side gives are detail the other left out ("Washer M10 A2 100" /
            # "Washer M10 100"), not a contradiction.
            an, bn = a[self.numbers], b[self.numbers]
            similar = np.flatnonzero((levels <= len(self.thresholds)) & (an != bn) & (an != "") & (bn != ""))
            levels[[i for i in similar if _numbers_conflict(an[i], bn[i])]] = len(self.thresholds) + 1
        levels[exact] = 0
        levels[missing] = MISSING
        sims[missing] = np.nan
        return levels, sims


@dataclass(frozen=True)
class GeoComparison:
    """Distance between two coordinates; `thresholds` are distances in km, nearest first."""

    name: str
    thresholds: tuple[float, ...] = (0.1, 1.0, 10.0)
    lat: str = "lat"
    lon: str = "lon"
    tf: bool = False
    token_tf: str = ""

    @property
    def keys(self) -> tuple[str, ...]:
        return (self.lat, self.lon)

    @property
    def levels(self) -> tuple[str, ...]:
        return (*(f"within {t:g} km" for t in self.thresholds), "farther")

    def compute(self, a: Columns, b: Columns, *, workers: int = 1) -> tuple[np.ndarray, np.ndarray]:
        lat1, lon1, lat2, lon2 = (np.radians(c) for c in (a[self.lat], a[self.lon], b[self.lat], b[self.lon]))
        h = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
        km = 2 * 6371.0 * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))
        levels = np.full(len(km), len(self.thresholds), dtype=np.int8)
        for index in range(len(self.thresholds) - 1, -1, -1):
            levels[km <= self.thresholds[index]] = index
        levels[np.isnan(km)] = MISSING
        return levels, km


@dataclass(frozen=True)
class CodeWithContextComparison:
    """A part number is only as good as its issuer: the same MPN from the same manufacturer
    is stronger evidence than the same MPN alone, which is stronger than a near-identical one.

    The same MPN where one record names no manufacturer is a level of its own: a missing
    manufacturer is no evidence either way, while another manufacturer suggests two issuers
    that happen to use the same code."""

    name: str
    code: str = "mpn_key"
    context: str = "manufacturer_key"
    context_floor: float = 0.8
    near: float = 0.8
    tf: bool = False
    token_tf: str = ""

    @property
    def keys(self) -> tuple[str, ...]:
        return (self.code, self.context)

    @property
    def levels(self) -> tuple[str, ...]:
        return (f"same {self.code} and {self.context}", f"same {self.code}, {self.context} unknown",
                f"same {self.code}, other {self.context}", f"{self.code} similar", "different")

    def compute(self, a: Columns, b: Columns, *, workers: int = 1) -> tuple[np.ndarray, np.ndarray]:
        av, bv = a[self.code], b[self.code]
        sims = _pairwise("levenshtein", av, bv, workers)
        exact = av == bv
        ac, bc = a[self.context], b[self.context]
        context_missing = _missing(ac, bc)
        ctx_agree = _pairwise("token_set", ac, bc, workers) >= self.context_floor
        levels = np.full(len(av), 4, dtype=np.int8)
        levels[sims >= self.near] = 3
        levels[exact] = 2
        levels[exact & context_missing] = 1
        levels[exact & ~context_missing & ctx_agree] = 0
        missing = _missing(av, bv)
        levels[missing] = MISSING
        sims[missing] = np.nan
        return levels, sims


@dataclass(frozen=True)
class DomainComparison:
    """Email domain and website host together: they usually name the same domain, so two
    comparisons would count one piece of evidence twice."""

    name: str
    email: str = "email_domain"
    web: str = "web_host"
    tf: bool = True  # frequency of the shared domain
    token_tf: str = ""

    @property
    def keys(self) -> tuple[str, ...]:
        return (self.email, self.web)

    @property
    def levels(self) -> tuple[str, ...]:
        return ("same email domain and website", "same domain", "different")

    def compute(self, a: Columns, b: Columns, *, workers: int = 1) -> tuple[np.ndarray, np.ndarray]:
        ae, aw, be, bw = a[self.email], a[self.web], b[self.email], b[self.web]
        email_same = (ae == be) & (ae != "")
        web_same = (aw == bw) & (aw != "")
        crossed = ((ae == bw) & (ae != "")) | ((aw == be) & (aw != ""))
        levels = np.full(len(ae), 2, dtype=np.int8)
        levels[email_same | web_same | crossed] = 1
        levels[email_same & web_same] = 0
        levels[((ae == "") & (aw == "")) | ((be == "") & (bw == ""))] = MISSING
        sims = np.where(levels == MISSING, np.nan, (levels < 2).astype(np.float64))
        return levels, sims

    @staticmethod
    def shared(a: Columns, b: Columns, row: int) -> str:
        left = {a["email_domain"][row], a["web_host"][row]} - {""}
        common = left & ({b["email_domain"][row], b["web_host"][row]} - {""})
        return min(common) if common else ""


def _maker_cross(brand: str, manufacturer: str) -> bool:
    """A brand that is (part of) the manufacturer's name: "bosch" / "robert bosch",
    "oak" / "oak valley products", "moreaupro" / "moreau brands"."""
    if not brand or not manufacturer:
        return False
    words = manufacturer.split()
    compact = brand.replace(" ", "")
    if compact == words[0]:
        return True
    brand_words = set(brand.split())
    return any(len(w) >= 4 and (w in brand_words or compact.startswith(w)) for w in words)


@dataclass(frozen=True)
class MakerComparison:
    """Who makes the product: brand and manufacturer together, since a brand is often the
    manufacturer's name (or part of it) and two comparisons would count that twice.

    Brands are compared with brands and manufacturers with manufacturers; a brand found in the
    other record's manufacturer name counts as agreement too, while a brand that is not in it
    proves nothing (a brand can belong to a group with another name). A field missing on
    either side is neutral: only a comparison that could be made and failed is evidence
    against."""

    name: str
    brand: str = "brand_key"
    manufacturer: str = "manufacturer_key"
    brand_floor: float = 0.85
    manufacturer_floor: float = 0.8
    tf: bool = True  # frequency of the shared brand
    token_tf: str = ""

    @property
    def keys(self) -> tuple[str, ...]:
        return (self.brand, self.manufacturer)

    @property
    def levels(self) -> tuple[str, ...]:
        return ("same brand and manufacturer", "same brand or manufacturer", "brand or manufacturer differs",
                "different")

    def compute(self, a: Columns, b: Columns, *, workers: int = 1) -> tuple[np.ndarray, np.ndarray]:
        ab, am, bb, bm = a[self.brand], a[self.manufacturer], b[self.brand], b[self.manufacturer]
        both_brand = (ab != "") & (bb != "")
        both_maker = (am != "") & (bm != "")
        brand_sim = np.where(both_brand, _pairwise("token_set", ab, bb, workers), np.nan)
        maker_sim = np.where(both_maker, _pairwise("token_set", am, bm, workers), np.nan)
        brand_agree = both_brand & (brand_sim >= self.brand_floor)
        maker_agree = both_maker & (maker_sim >= self.manufacturer_floor)
        cross = np.zeros(len(ab), dtype=bool)
        rows = np.flatnonzero(~brand_agree & ~maker_agree & (((ab != "") & (bm != "")) | ((am != "") & (bb != ""))))
        if len(rows):
            # Few distinct (brand, manufacturer) combinations: decide each once.
            there = list(zip(ab[rows].tolist(), bm[rows].tolist(), strict=True))
            back = list(zip(bb[rows].tolist(), am[rows].tolist(), strict=True))
            verdict = {combo: _maker_cross(*combo) for combo in {*there, *back}}
            cross[rows] = [verdict[x] or verdict[y] for x, y in zip(there, back, strict=True)]
        agree = brand_agree | maker_agree | cross
        differ = (both_brand & ~brand_agree) | (both_maker & ~maker_agree)
        levels = np.full(len(ab), MISSING, dtype=np.int8)
        levels[differ] = 3
        levels[agree & differ] = 2
        levels[agree & ~differ] = 1
        levels[brand_agree & maker_agree] = 0
        sims = np.fmax(brand_sim, maker_sim)  # NaN only where neither pair could be compared
        sims[cross] = 1.0
        sims[levels == MISSING] = np.nan
        return levels, sims


AnyComparison = Comparison | GeoComparison | CodeWithContextComparison | DomainComparison | MakerComparison


def level_label(comparison: AnyComparison, level: int) -> str:
    return "missing" if level == MISSING else comparison.levels[level]
