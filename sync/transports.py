"""How a delivery reaches its target: a signed HTTPS webhook or a line in a file drop folder.

Webhooks go over kept-alive connections, one set per sending thread (keep-alive matters at
hundreds of deliveries per second), never follow redirects and always time out (connect timeout,
then a read timeout per socket read). Target hosts are
checked against private, loopback, link-local and metadata addresses both when a target is
saved and before sending, unless SYNC_ALLOW_PRIVATE_TARGETS allows them.
"""
from __future__ import annotations

import contextlib
import csv
import http.client
import io
import json
import os
import ssl
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError

from . import conf
from .models import Delivery, Event, FileFormat, Target, Transport
from .signing import signed_headers
from .urlcheck import validate_target_url

try:
    import fcntl
except ImportError:  # Windows: appends are serialized within one process only
    fcntl = None  # type: ignore[assignment]

USER_AGENT = "Rosetta-MDM-Sync/1"


@dataclass(frozen=True)
class Outcome:
    """The result of one attempt; `ok` means the target acknowledged it."""

    ok: bool
    duration_ms: int
    status_code: int | None = None
    excerpt: str = ""
    error: str = ""


_host_checks: dict[str, tuple[float, str]] = {}


def _check_host_before_send(url: str) -> str:
    """Re-check the host at send time (DNS may have changed); cached for a minute. Returns an error or ''."""
    if conf.allow_private_targets():
        return ""
    host = urlsplit(url).netloc
    cached = _host_checks.get(host)
    if cached and cached[0] > time.monotonic():
        return cached[1]
    try:
        validate_target_url(url, allow_private=False)
        error = ""
    except ValidationError as exc:
        error = "; ".join(exc.messages)
    _host_checks[host] = (time.monotonic() + 60, error)
    return error


def event_body(event: Event, target: Target) -> dict:
    body = {
        "id": str(event.event_id),
        "type": event.event_type,
        "entity": event.entity,
        "golden_id": event.golden_id,
        "golden_version": event.golden_version,
        "occurred_at": event.occurred_at.isoformat(),
        "data": event.payload,
    }
    if target.send_own_keys and target.source_system:
        keys = (event.payload.get("keys") or {}) if isinstance(event.payload, dict) else {}
        body["own_keys"] = keys.get(target.source_system, [])
    return body


class _Connections(threading.local):
    """Keep-alive connections of one sending thread, by (scheme, host, port)."""

    def __init__(self) -> None:
        self.pid = os.getpid()
        self.by_origin: dict[tuple[str, str, int], http.client.HTTPConnection] = {}


_connections = _Connections()
_tls_context: ssl.SSLContext | None = None


def _open(scheme: str, host: str, port: int) -> http.client.HTTPConnection:
    global _tls_context
    if scheme == "https":
        _tls_context = _tls_context or ssl.create_default_context()
        conn = http.client.HTTPSConnection(host, port, timeout=conf.connect_timeout(), context=_tls_context)
    else:
        conn = http.client.HTTPConnection(host, port, timeout=conf.connect_timeout())
    conn.connect()
    conn.sock.settimeout(conf.read_timeout())
    return conn


def close_connections() -> None:
    """Close this thread's keep-alive connections (after a test, or when a receiver went away)."""
    for conn in _connections.by_origin.values():
        conn.close()
    _connections.by_origin.clear()


def _post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
    """POST on a kept-alive connection of this thread; never follows redirects.

    http.client sends headers and body in one write (no Nagle/delayed-ACK stall) and is lighter
    than a general-purpose client; at hundreds of deliveries per second that matters.
    """
    if _connections.pid != os.getpid():  # inherited through a fork: the sockets belong to the parent
        _connections.by_origin, _connections.pid = {}, os.getpid()
    parts = urlsplit(url)
    origin = (parts.scheme, parts.hostname or "", parts.port or (443 if parts.scheme == "https" else 80))
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    limit = conf.response_excerpt_chars()
    for reused in (True, False):
        conn = _connections.by_origin.pop(origin, None) if reused else None
        if conn is None:
            if reused:
                continue
            conn = _open(*origin)
        try:
            conn.request("POST", path, body=body, headers=headers)
            response = conn.getresponse()
        except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
            conn.close()
            if reused:
                continue  # the receiver closed an idle keep-alive connection: retry once on a new one
            raise
        except Exception:
            conn.close()
            raise
        content = response.read(limit + 1)
        if len(content) > limit or response.will_close or not response.isclosed():
            conn.close()  # unread rest of a long answer, or the server wants to close
        else:
            _connections.by_origin[origin] = conn
        return response.status, content[:limit]
    raise ConnectionError("no connection")  # unreachable: the second pass always opens one


def send_webhook(target: Target, event: Event) -> Outcome:
    started = time.monotonic()
    refused = _check_host_before_send(target.url)
    if refused:
        return Outcome(ok=False, duration_ms=0, error=refused)
    body = json.dumps(event_body(event, target), separators=(",", ":"), default=str).encode()
    headers = signed_headers(secret=target.secret, msg_id=str(event.event_id), body=body)
    headers.update({"Content-Type": "application/json", "User-Agent": USER_AGENT})
    try:
        status, content = _post(target.url, body, headers)
    except (OSError, http.client.HTTPException) as exc:
        return Outcome(ok=False, duration_ms=_elapsed_ms(started), error=f"{type(exc).__name__}: {exc}"[:1000])
    excerpt = content.decode("utf-8", "replace")
    ok = 200 <= status < 300
    error = "" if ok else f"HTTP {status}" + (" (redirects are not followed)" if 300 <= status < 400 else "")
    return Outcome(ok=ok, duration_ms=_elapsed_ms(started), status_code=status, excerpt=excerpt, error=error)


CSV_COLUMNS = ("id", "type", "entity", "golden_id", "golden_version", "occurred_at", "data", "own_keys")


# flock serializes every open of a file, threads of this process included; where there is no
# flock, one lock for all appends of the process stands in.
_FILE_DROP_LOCK = threading.Lock() if fcntl is None else contextlib.nullcontext()


def _csv_line(*values: Any) -> str:
    buffer = io.StringIO()
    csv.writer(buffer).writerow(values)
    return buffer.getvalue()


def send_file_drop(target: Target, event: Event) -> Outcome:
    """Append the event to <folder>/<entity>.<jsonl|csv>; fsync'd before it counts as acknowledged.

    Deliveries of one target run side by side (threads, Celery workers), so each append holds an
    exclusive lock on the file (flock): lines never interleave, and a new CSV file gets its header
    first."""
    started = time.monotonic()
    body = event_body(event, target)
    folder = Path(target.folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{event.entity}.{target.file_format}"
        if target.file_format == FileFormat.CSV:
            row = dict(body, data=json.dumps(body["data"], default=str), own_keys=json.dumps(body.get("own_keys", [])))
            line = _csv_line(*(row.get(column, "") for column in CSV_COLUMNS))
        else:
            line = json.dumps(body, separators=(",", ":"), default=str) + "\n"
        with _FILE_DROP_LOCK, open(path, "a", encoding="utf-8") as handle:
            if fcntl is not None:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX)  # released on close
            if target.file_format == FileFormat.CSV and os.fstat(handle.fileno()).st_size == 0:
                line = _csv_line(*CSV_COLUMNS) + line
            handle.write(line)
            handle.flush()
            os.fsync(handle.fileno())
    except OSError as exc:
        return Outcome(ok=False, duration_ms=_elapsed_ms(started), error=f"{type(exc).__name__}: {exc}")
    return Outcome(ok=True, duration_ms=_elapsed_ms(started))


def send(delivery: Delivery) -> Outcome:
    target, event = delivery.target, delivery.event
    if target.transport == Transport.FILE_DROP:
        return send_file_drop(target, event)
    return send_webhook(target, event)


def worst_case_send_seconds(target: Target) -> float:
    if target.transport == Transport.FILE_DROP:
        return 5.0
    return conf.connect_timeout() + conf.read_timeout()


def _elapsed_ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)
