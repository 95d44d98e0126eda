"""Blocking keys: which records are worth comparing at all.

Two records are candidates when they share a blocking key. Each record gets a handful of
short keys (identifiers, name tokens, phonetic codes, postal area + name prefix, ...) so
that a typo in one field does not lose the pair. A key held by more than `max_block_size`
records (a common word, a shared switchboard number, a free-mail domain) says little and is
ignored for candidate generation, which keeps the work near-linear: nowhere all-pairs.
"""
from __future__ import annotations

import heapq
import math
import zlib
from collections import defaultdict
from collections.abc import Hashable, Iterable, Iterator, Sequence
from typing import Any

from mdm.matching.keys import phonetic

# The comparisons a blocking key family forces to agree: EM run on that family's pairs must not
# learn their m (every pair agrees by construction), see model.estimate.
FAMILY_BIAS: dict[str, tuple[str, ...]] = {
    "t": ("tax_id", "country"), "d": ("duns",), "p": ("phone",), "e": ("domain",), "w": ("domain",),
    "n": ("name",), "nl": ("name",), "nm": ("name",), "pc": ("postal_code", "country", "name"),
    "a": ("address", "city", "postal_code", "country"), "g": ("gtin",), "m": ("mpn",), "i": ("supplier_item",),
    "b": ("maker", "name"),
    "c": ("code",), "geo": ("coordinates",),
}


def family(key: str) -> str:
    return key.split(":", 1)[0]


def _name_keys(tokens: Sequence[str]) -> list[str]:
    words = [t for t in tokens if len(t) > 1] or list(tokens)
    if not words:
        return []
    keys = ["n:" + "|".join(t[:4] for t in words[:2])]
    # The two longest words in alphabetical order survive reordering and a dropped short word.
    longest = sorted(sorted(words, key=len, reverse=True)[:2])
    keys.append("nl:" + "|".join(longest))
    keys.append("nm:" + "|".join(phonetic(t) for t in words[:2]))
    return keys


def _place_keys(keys: dict, name_tokens: Sequence[str]) -> list[str]:
    out = []
    prefix = (name_tokens[0][:3] if name_tokens else "")
    country = keys.get("country") or ""
    if keys.get("postal_key"):
        out.append(f"pc:{country}:{keys['postal_key']}|{prefix}")
    address = (keys.get("address_key") or "").split()
    if address:
        out.append(f"a:{country}:{keys.get('city_key') or keys.get('postal_key') or ''}|{' '.join(address[:2])}")
    return out


def blocking_keys(entity: str, keys: dict) -> list[str]:
    """The blocking keys of one record's match keys: deterministic, at most a handful."""
    tokens = keys.get("name_tokens") or ()
    out: list[str] = []
    if entity == "supplier":
        for prefix, key in (("t", "tax_key"), ("d", "duns"), ("p", "phone"), ("e", "email_domain")):
            if keys.get(key):
                out.append(f"{prefix}:{keys[key]}")
        if keys.get("web_host") and keys.get("web_host") != keys.get("email_domain"):
            out.append(f"w:{keys['web_host']}")
        out += _name_keys(tokens) + _place_keys(keys, tokens)
    elif entity == "product":
        if keys.get("gtin14"):
            out.append(f"g:{keys['gtin14']}")
        if keys.get("mpn_key"):
            out.append(f"m:{keys['mpn_key']}")
        if keys.get("item_key"):
            out.append(f"i:{keys['item_key']}")
        out += _name_keys(tokens)
        if keys.get("brand_key") and tokens:
            out.append(f"b:{keys['brand_key']}|{max(tokens, key=len)}")
    elif entity == "location":
        if keys.get("code_key"):
            out.append(f"c:{keys['code_key']}")
        out += _name_keys(tokens) + _place_keys(keys, tokens)
        if keys.get("lat") is not None and keys.get("lon") is not None:
            out.append(f"geo:{keys['lat']:.2f}|{keys['lon']:.2f}")
    else:
        raise ValueError(f"no blocking keys for entity {entity!r}")
    return list(dict.fromkeys(out))


def key_weight(block_size: int) -> float:
    """What sharing one blocking key says of a pair: much for a key few records hold (a tax id,
    a phone number), little for one a crowd holds (a common name token in a big city)."""
    return 1.0 / math.log2(1 + max(block_size, 1))


def strongest_candidates(shared: Iterable[tuple[int, Iterable[Hashable]]], *, limit: int,
                         exclude: Iterable[Hashable] = ()) -> list[Hashable]:
    """The candidates of one record most worth scoring, at most `limit`, in ascending order.

    `shared` gives, per blocking key of the record, how many records hold that key and the
    candidates (golden records) among them. A candidate's weight is the sum of `key_weight`
    over the keys it shares with the record; the heaviest `limit` are kept, ties going to the
    smaller id so that the choice is the same on every run. A true duplicate shares several
    keys, rare ones among them; a record that shares one crowded key with it rarely is one.
    This bounds the work per record as the hub grows, where blocks alone let it grow with them.
    Candidates in `exclude` are never picked.
    """
    weights: dict[Hashable, float] = defaultdict(float)
    for size, candidates in shared:
        weight = key_weight(size)
        for candidate in candidates:
            weights[candidate] += weight
    for candidate in exclude:
        weights.pop(candidate, None)
    if len(weights) <= limit:
        return sorted(weights)
    return sorted(heapq.nsmallest(limit, weights, key=lambda c: (-weights[c], c)))


def shard_of(key: str, shards: int) -> int:
    """Stable shard of a blocking key (the same in every process, unlike hash())."""
    return zlib.crc32(key.encode()) % shards


def build_blocks(items: Iterable[tuple[Hashable, list[str]]]) -> dict[str, list[Hashable]]:
    """Blocking key -> record ids holding it, in input order."""
    blocks: dict[str, list[Hashable]] = defaultdict(list)
    for record_id, record_keys in items:
        for key in record_keys:
            blocks[key].append(record_id)
    return dict(blocks)


def usable_blocks(blocks: dict[str, list[Any]], *, max_block_size: int) -> dict[str, list[Any]]:
    return {k: ids for k, ids in blocks.items() if 1 < len(ids) <= max_block_size}


def block_pairs(blocks: dict[str, list[int]], *, shard: int = 0, shards: int = 1) -> Iterator[tuple[int, int]]:
    """Distinct (earlier, later) index pairs of the blocks in one shard.

    A pair sharing several keys is produced once per shard; across shards it may repeat,
    which the caller's merge absorbs (scores are identical)."""
    seen: set[int] = set()
    for key, ids in blocks.items():
        if shards > 1 and shard_of(key, shards) != shard:
            continue
        ordered = sorted(ids)
        for pos, i in enumerate(ordered):
            base = i << 32
            for j in ordered[pos + 1:]:
                code = base | j
                if code not in seen:
                    seen.add(code)
                    yield i, j
