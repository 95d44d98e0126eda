"""Tunable numbers of the sync app, read from Django settings, then the environment, then defaults.

Reading the environment as a fallback lets a worker process started with a few SYNC_*
variables (tests, benchmarks) run with a short retry schedule without a settings change.
"""
from __future__ import annotations

import os

from django.conf import settings


def _number(name: str, default: float) -> float:
    value = getattr(settings, name, None)
    if value is None:
        value = os.environ.get(name)
    return float(default if value in (None, "") else value)


def _flag(name: str, default: bool) -> bool:
    value = getattr(settings, name, None)
    if value is None:
        value = os.environ.get(name)
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in {"1", "true", "yes", "on"}


def allow_private_targets() -> bool:
    return _flag("SYNC_ALLOW_PRIVATE_TARGETS", False)


def connect_timeout() -> float:
    return _number("SYNC_CONNECT_TIMEOUT", 5)


def read_timeout() -> float:
    return _number("SYNC_READ_TIMEOUT", 10)


def retry_base() -> float:
    """Delay before the first retry, in seconds; doubled per attempt up to retry_cap()."""
    return _number("SYNC_RETRY_BASE", 10)


def retry_cap() -> float:
    return _number("SYNC_RETRY_CAP", 3600)


def retry_window() -> float:
    """How long a delivery keeps being retried before it becomes a dead letter (seconds)."""
    return _number("SYNC_RETRY_WINDOW", 24 * 3600)


def batch_size() -> int:
    return int(_number("SYNC_BATCH_SIZE", 200))


def send_concurrency() -> int:
    """Deliveries a worker process sends at the same time (one per golden record, so order holds)."""
    return max(1, int(_number("SYNC_SEND_CONCURRENCY", 16)))


def lease_seconds() -> float:
    """How long a claimed delivery belongs to one worker; after that another may send it again."""
    # A worker needs time for at least one send (connect + read timeout) plus a safety margin.
    return max(_number("SYNC_LEASE_SECONDS", 120), connect_timeout() + read_timeout() + 2)


def task_time_budget() -> float:
    """A delivery task hands over to a fresh task after this long, so targets share workers fairly."""
    return _number("SYNC_TASK_TIME_BUDGET", 30)


def breaker_threshold() -> int:
    return int(_number("SYNC_BREAKER_THRESHOLD", 5))


def breaker_cooldown() -> float:
    return _number("SYNC_BREAKER_COOLDOWN", 30)


def drain_interval() -> float:
    return _number("SYNC_DRAIN_INTERVAL", 10)


def target_cache_seconds() -> float:
    return _number("SYNC_TARGET_CACHE_SECONDS", 5)


def response_excerpt_chars() -> int:
    return int(_number("SYNC_RESPONSE_EXCERPT", 500))
