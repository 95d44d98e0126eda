"""Rate limits per integration token (and per user for sessions).

DRF's SimpleRateThrottle keeps a list of every request time in the window and stores the
whole list on every call: at a few thousand calls a minute that list is what costs. This
throttle keeps two counters instead (this window and the previous one) and weighs the previous
one by how much of it still overlaps the sliding window, a constant-size state per caller.

With the cache in Redis (CACHE_URL), where every web process counts against the same limit,
the counters are Redis integers: one pipelined round trip (INCR, EXPIRE, GET) per request
instead of a read and a write of a pickled state, and two processes cannot lose each other's
counts.
"""
from __future__ import annotations

import math
from typing import Any

from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from rest_framework.throttling import SimpleRateThrottle


def _shared_client() -> Any:
    """The Redis client behind the default cache, or None when the cache is per process."""
    backend = caches["default"]
    return backend._cache.get_client(write=True) if isinstance(backend, RedisCache) else None


class PerTokenThrottle(SimpleRateThrottle):
    scope = "token"

    def get_cache_key(self, request, view):  # type: ignore[override]
        token = getattr(request, "auth", None)
        if token is not None and hasattr(token, "key_hash"):
            ident = f"token:{token.pk}"
        elif request.user and request.user.is_authenticated:
            ident = f"user:{request.user.pk}"
        else:
            ident = self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}

    def allow_request(self, request, view) -> bool:  # type: ignore[override]
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        now = self.timer()
        window = int(now // self.duration)
        client = _shared_client()
        if client is not None:
            return self._allow_shared(client, now, window)
        state = self.cache.get(self.key)
        if state is None or state[0] < window - 1:
            current, previous = 0, 0
        elif state[0] == window - 1:
            current, previous = 0, state[1]
        else:
            current, previous = state[1], state[2]
        elapsed = (now % self.duration) / self.duration
        if previous * (1 - elapsed) + current >= self.num_requests:
            self._wait = self._seconds_until_allowed(current, previous, elapsed)
            return False
        self.cache.set(self.key, (window, current + 1, previous), 2 * self.duration)
        return True

    def _allow_shared(self, client: Any, now: float, window: int) -> bool:
        current_key, previous_key = f"{self.key}:{window}", f"{self.key}:{window - 1}"
        pipe = client.pipeline(transaction=False)
        pipe.incr(current_key)
        pipe.expire(current_key, 2 * self.duration)
        pipe.get(previous_key)
        current, _, previous = pipe.execute()
        before, previous = current - 1, int(previous or 0)
        elapsed = (now % self.duration) / self.duration
        if previous * (1 - elapsed) + before >= self.num_requests:
            client.decr(current_key)  # a refused request does not count
            self._wait = self._seconds_until_allowed(before, previous, elapsed)
            return False
        return True

    def _seconds_until_allowed(self, current: int, previous: int, elapsed: float) -> float:
        if current >= self.num_requests or previous == 0:
            # Only the next window frees room.
            return math.ceil((1 - elapsed) * self.duration)
        # The previous window's weight falls linearly; find when it has fallen far enough.
        needed = 1 - (self.num_requests - current) / previous
        return max(1, math.ceil((needed - elapsed) * self.duration))

    def wait(self) -> float | None:  # type: ignore[override]
        return getattr(self, "_wait", None)
