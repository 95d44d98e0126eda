"""Benchmark of governed sync: deliveries per second end to end, and commit-to-acknowledgement latency.

Runs standalone: `python tests/bench/sync.py [--events 5000]`, with DATABASE_URL (PostgreSQL; a scratch
database <name>_syncbench is created next to it and dropped afterwards) and CELERY_BROKER_URL (Redis)
from the environment. It starts a local HTTP receiver and real `celery -A mdm worker` processes
(-c 1 each: one, then two), and prints a JSON summary and a markdown table.

Throughput: N events are queued for a paused target, the target is resumed, and the clock runs
until the last acknowledgement. Latency: events are committed one by one at a steady rate while
the target is live; latency is acknowledged_at - commit time.
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # One buffered write per response and no Nagle: otherwise delayed ACKs add 40 ms per request.
    wbufsize = -1
    disable_nagle_algorithm = True
    count = 0
    lock = threading.Lock()

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("content-length", 0)))
        with _Handler.lock:
            _Handler.count += 1
        self.send_response(200)
        self.send_header("content-length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args) -> None:
        pass


def start_receiver() -> ThreadingHTTPServer:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def scratch_database_url(base_url: str) -> tuple[str, str, str]:
    parts = urlsplit(base_url)
    name = parts.path.lstrip("/") + "_syncbench"
    admin = urlunsplit(parts._replace(path="/postgres"))
    return urlunsplit(parts._replace(path="/" + name)), admin, name


def recreate_database(admin_url: str, name: str, *, drop_only: bool = False) -> None:
    import psycopg

    with psycopg.connect(admin_url.replace("postgres://", "postgresql://"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if not drop_only:
            conn.execute(f'CREATE DATABASE "{name}"')


def start_workers(count: int, env: dict[str, str], log_dir: Path) -> list[subprocess.Popen]:
    workers = []
    for index in range(count):
        log = open(log_dir / f"worker-{index}.log", "ab")  # noqa: SIM115 - handed to the child
        args = [sys.executable, "-m", "celery", "-A", "mdm", "worker", "-n", f"bench{index}-{os.getpid()}@%h",
                "-c", "1", "-l", "WARNING", "--without-gossip", "--without-mingle", "--without-heartbeat"]
        if index == 0:
            args += ["-B", "-s", str(log_dir / "beat-schedule")]
        workers.append(subprocess.Popen(args, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT,
                                        start_new_session=True))
        log.close()
    return workers


def stop_workers(workers: list[subprocess.Popen]) -> None:
    for worker in workers:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGTERM)
    for worker in workers:
        try:
            worker.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)


def wait_until(condition, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def run(workers_count: int, events: int, latency_events: int, rate: float, env: dict, log_dir: Path) -> dict:
    from django.db import transaction

    from sync import services
    from sync.models import Delivery, DeliveryState, Target

    Target.objects.all().delete()
    target, _ = services.create_target(name=f"bench-{workers_count}", url=RECEIVER_URL, entities=["supplier"],
                                       active=False)
    workers = start_workers(workers_count, env, log_dir)
    try:
        time.sleep(6)  # worker start-up is not part of the measurement
        prefix = f"B{workers_count}"
        for start in range(0, events, 500):
            with transaction.atomic():
                for number in range(start, min(events, start + 500)):
                    services.record_event(entity="supplier", golden_id=f"{prefix}-{number:07d}", golden_version=1,
                                          event_type="created", payload={"attributes": {"name": f"n{number}"}})
        acked = Delivery.objects.filter(target=target, state=DeliveryState.ACKNOWLEDGED)
        started = time.monotonic()
        services.set_target_active(target=target, active=True)
        done = wait_until(lambda: acked.count() >= events, timeout=600)
        elapsed = time.monotonic() - started
        throughput = events / elapsed

        latencies: list[float] = []
        interval = 1 / rate
        next_at = time.monotonic()
        commits: dict[str, float] = {}
        for number in range(latency_events):
            golden_id = f"L{workers_count}-{number:07d}"
            with transaction.atomic():
                services.record_event(entity="supplier", golden_id=golden_id, golden_version=1,
                                      event_type="created", payload={"attributes": {"name": golden_id}})
            commits[golden_id] = time.time()
            next_at += interval
            time.sleep(max(0.0, next_at - time.monotonic()))
        wait_until(lambda: acked.count() >= events + latency_events, timeout=120)
        for golden_id, acknowledged_at in acked.filter(golden_id__startswith=f"L{workers_count}-").values_list(
            "golden_id", "acknowledged_at"
        ):
            latencies.append(acknowledged_at.timestamp() - commits[golden_id])
    finally:
        stop_workers(workers)
    return {
        "workers": workers_count,
        "events": events,
        "all_acknowledged": done,
        "seconds": round(elapsed, 2),
        "deliveries_per_s": round(throughput, 1),
        "latency_events": len(latencies),
        "latency_rate_per_s": rate,
        "latency_p50_ms": round(statistics.median(latencies) * 1000, 1) if latencies else None,
        "latency_p95_ms": round(percentile(latencies, 0.95) * 1000, 1) if latencies else None,
    }


RECEIVER_URL = ""


def main() -> None:
    global RECEIVER_URL
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=5000)
    parser.add_argument("--latency-events", type=int, default=300)
    parser.add_argument("--rate", type=float, default=50, help="events per second in the latency run")
    parser.add_argument("--workers", default="1,2")
    args = parser.parse_args()

    base_url = os.environ.get("DATABASE_URL", "")
    if not base_url.startswith("postgres"):
        sys.exit("DATABASE_URL must point to PostgreSQL")
    db_url, admin_url, db_name = scratch_database_url(base_url)
    broker = os.environ.get("CELERY_BROKER_URL", "redis://127.0.0.1:63799/5")
    recreate_database(admin_url, db_name)
    log_dir = REPO / "var" / "bench-sync"
    log_dir.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, DATABASE_URL=db_url, CELERY_BROKER_URL=broker, SYNC_ALLOW_PRIVATE_TARGETS="1",
               DJANGO_SETTINGS_MODULE="mdm.settings", LOG_LEVEL="WARNING", ROSETTA_DATA_DIR=str(log_dir))
    os.environ.update({key: env[key] for key in ("DATABASE_URL", "CELERY_BROKER_URL", "SYNC_ALLOW_PRIVATE_TARGETS",
                                                 "DJANGO_SETTINGS_MODULE", "LOG_LEVEL", "ROSETTA_DATA_DIR")})
    subprocess.run([sys.executable, "manage.py", "migrate", "-v", "0"], cwd=REPO, env=env, check=True)
    import django

    django.setup()
    import redis

    server = start_receiver()
    RECEIVER_URL = f"http://127.0.0.1:{server.server_address[1]}/hook"
    results = []
    try:
        for count in [int(item) for item in args.workers.split(",")]:
            redis.Redis.from_url(broker).flushdb()
            results.append(run(count, args.events, args.latency_events, args.rate, env, log_dir))
    finally:
        server.shutdown()
        from django.db import connections

        connections.close_all()
        recreate_database(admin_url, db_name, drop_only=True)
        redis.Redis.from_url(broker).flushdb()
    print(json.dumps(results, indent=2))
    print()
    print("| worker processes (-c 1) | events | deliveries/s | commit→ack p50 | commit→ack p95 |")
    print("|---|---|---|---|---|")
    for row in results:
        print(f"| {row['workers']} | {row['events']} | {row['deliveries_per_s']} | {row['latency_p50_ms']} ms "
              f"| {row['latency_p95_ms']} ms |")


if __name__ == "__main__":
    main()
