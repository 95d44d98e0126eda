"""Fixtures for the sync tests: a real HTTP receiver on 127.0.0.1 and real Celery worker processes.

Workers run `celery -A mdm worker` against the pytest-django test database (tests using them must
be `django_db(transaction=True)` so the worker sees committed rows) and a Redis broker database
of their own (SYNC_TEST_BROKER_URL, default redis://127.0.0.1:63799/4).
"""
from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.db import connection

from sync.signing import verify
from tests.workers import Worker

BROKER_URL = os.environ.get("SYNC_TEST_BROKER_URL") or (
    os.environ.get("REDIS_URL", "redis://127.0.0.1:63799").rstrip("/") + "/4"
)

# Short timings so retries, leases and the breaker play out in seconds.
FAST_SYNC_ENV = {
    "SYNC_ALLOW_PRIVATE_TARGETS": "1",
    "SYNC_RETRY_BASE": "0.2",
    "SYNC_RETRY_CAP": "1",
    "SYNC_RETRY_WINDOW": "60",
    "SYNC_CONNECT_TIMEOUT": "1",
    "SYNC_READ_TIMEOUT": "2",
    "SYNC_LEASE_SECONDS": "5",
    "SYNC_DRAIN_INTERVAL": "0.5",
    "SYNC_BREAKER_THRESHOLD": "5",
    "SYNC_BREAKER_COOLDOWN": "0.5",
    "SYNC_TASK_TIME_BUDGET": "5",
}


def _wait_for(condition: Callable[[], object], *, timeout: float, message: str, interval: float = 0.05):
    """Poll `condition` until it returns something truthy, failing after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            if os.environ.get("SYNC_TEST_TIMING"):
                print(f"{message}: {timeout - (deadline - time.monotonic()):.1f}s")
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout}s waiting for {message}")
        time.sleep(interval)


@pytest.fixture
def wait_for() -> Callable[..., object]:
    return _wait_for


@dataclass
class Received:
    event_id: str
    golden_id: str
    version: int
    headers: dict[str, str]
    body: bytes
    at: float


@dataclass
class Receiver:
    """A small threaded HTTP endpoint; `respond` decides the status code of each POST."""

    secret: str = ""
    respond: Callable[[dict], int] = lambda body: 200
    delay: float = 0.0
    received: list[Received] = field(default_factory=list)
    rejected: int = 0
    port: int = 0
    _server: ThreadingHTTPServer | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def start(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # One buffered write per response and no Nagle: otherwise delayed ACKs add 40 ms per request.
            wbufsize = -1
            disable_nagle_algorithm = True

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                headers = {key.lower(): value for key, value in self.headers.items()}
                if receiver.delay:
                    time.sleep(receiver.delay)
                payload = json.loads(body)
                status = receiver.respond(payload)
                if status == 200:
                    if receiver.secret:
                        verify(secret=receiver.secret, headers=headers, body=body)
                    with receiver._lock:
                        receiver.received.append(
                            Received(payload["id"], payload["golden_id"], payload["golden_version"], headers, body,
                                     time.time())
                        )
                else:
                    with receiver._lock:
                        receiver.rejected += 1
                reply = b'{"ok": true}' if status == 200 else b'{"error": "try later"}'
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, *args) -> None:
                pass

        class Server(ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request, client_address) -> None:
                pass  # a client that gave up (timeout tests) is expected

        server = Server(("127.0.0.1", self.port), Handler)
        self.port = server.server_address[1]
        self._server = server
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def count(self) -> int:
        with self._lock:
            return len(self.received)

    def event_ids(self) -> set[str]:
        with self._lock:
            return {item.event_id for item in self.received}


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    endpoint = Receiver()
    endpoint.start()
    yield endpoint
    endpoint.stop()


def _database_url() -> str:
    db = connection.settings_dict
    return f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


def _use_broker(url: str) -> str:
    from mdm.celery import app, close_broker_connections

    previous = app.conf.broker_url
    # Celery reads CELERY_BROKER_URL from the environment before its own configuration.
    os.environ["CELERY_BROKER_URL"] = url
    close_broker_connections()  # closed, not just dropped: see close_broker_connections
    app.conf.broker_url = url
    return previous


@pytest.fixture(autouse=True)
def _in_memory_broker() -> Iterator[None]:
    """Kicks sent by code under test stay in this process unless a test asks for the real broker."""
    previous = _use_broker("memory://")
    yield
    _use_broker(previous)


@pytest.fixture(autouse=True)
def _fresh_subscriptions() -> Iterator[None]:
    """Each test rolls its targets back: the process-wide subscription cache must not outlive it."""
    from sync.services import forget_subscriptions

    forget_subscriptions()
    yield
    forget_subscriptions()


@pytest.fixture
def sync_broker() -> Iterator[str]:
    """Point this process's Celery app at the test broker and empty it before and after."""
    import redis

    client = redis.Redis.from_url(BROKER_URL)
    client.flushdb()
    previous = _use_broker(BROKER_URL)
    yield BROKER_URL
    _use_broker(previous)
    client.flushdb()


@pytest.fixture
def start_worker(sync_broker: str, tmp_path: Path, settings) -> Iterator[Callable[..., Worker]]:
    """Factory: start_worker(name="w1", beat=True, concurrency=2, **SYNC_overrides) -> a running Worker."""
    settings.SYNC_ALLOW_PRIVATE_TARGETS = True
    workers: list[Worker] = []

    def start(
        *, name: str = "w1", beat: bool = True, concurrency: int = 2, ready: bool = False, **overrides: str
    ) -> Worker:
        env = {key: value for key, value in os.environ.items() if not key.startswith(("PYTEST", "SYNC_"))}
        env.update(FAST_SYNC_ENV)
        env.update({key: str(value) for key, value in overrides.items()})
        env.update(
            DATABASE_URL=_database_url(),
            CELERY_BROKER_URL=sync_broker,
            ROSETTA_DATA_DIR=str(tmp_path / "data"),
            DJANGO_SETTINGS_MODULE="mdm.settings",
            LOG_LEVEL="WARNING",
        )
        worker = Worker(
            name=f"{name}-{os.getpid()}-{len(workers)}", log_path=tmp_path / f"{name}-{len(workers)}.log",
            env=env, concurrency=concurrency, beat=beat,
        ).start()
        workers.append(worker)
        return worker.wait_ready() if ready else worker

    yield start
    for worker in workers:
        worker.stop()
