"""Rate limits per integration token (and per user for sessions).

DRF's SimpleRateThrottle keeps a list of every request time in the window and stores the
whole list on every call: at a few thousand calls a minute that list is what costs. This
throttle keeps two counters instead (this window and the previous one) and weighs the previous
one by how much of it still overlaps the sliding window, a constant-size state per caller.
"""
from __future__ import annotations

import math

from rest_framework.throttling import SimpleRateThrottle


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

    def _seconds_until_allowed(self, current: int, previous: int, elapsed: float) -> float:
        if current >= self.num_requests or previous == 0:
            # Only the next window frees room.
            return math.ceil((1 - elapsed) * self.duration)
        # The previous window's weight falls linearly; find when it has fallen far enough.
        needed = 1 - (self.num_requests - current) / previous
        return max(1, math.ceil((needed - elapsed) * self.duration))

    def wait(self) -> float | None:  # type: ignore[override]
        return getattr(self, "_wait", None)
