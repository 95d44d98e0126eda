"""Benchmark of the integration API: crosswalk lookups/s and p95 with 32 clients, translate of 10,000 keys.

Standalone: `python tests/bench/api.py` with DATABASE_URL pointing at PostgreSQL. It builds its
own database (<name>_apibench) with 100,000 golden suppliers known to three systems (bulk rows:
this is test data, history is not needed), starts gunicorn on 127.0.0.1 and prints a markdown table.

The lookup load comes from `wrk` (32 keep-alive connections, random keys from a Lua script): a C
client leaves the two cores to the server. Without wrk on the PATH (or with BENCH_CLIENT=python)
32 Python threads in 4 processes send the load instead; they take CPU from the server, so expect
lower numbers. BENCH_WORKERS, BENCH_THREADS and BENCH_WORKER_CLASS set up gunicorn.
"""
from __future__ import annotations

import http.client
import json
import multiprocessing
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
GOLDEN = int(os.environ.get("BENCH_GOLDEN", 100_000))
CLIENTS = 32
PROCESSES = 4
DURATION = float(os.environ.get("BENCH_SECONDS", 20))
PORT = int(os.environ.get("BENCH_PORT", 18731))
# One sync worker per core: on this machine PostgreSQL and the client share those cores (4 workers: 489/s, 2: 706/s).
WORKERS = int(os.environ.get("BENCH_WORKERS", os.cpu_count() or 2))
THREADS = int(os.environ.get("BENCH_THREADS", 4))
WORKER_CLASS = os.environ.get("BENCH_WORKER_CLASS", "sync")
CLIENT = os.environ.get("BENCH_CLIENT", "wrk" if shutil.which("wrk") else "python")

# Each wrk thread draws random ERP keys; done() prints one line the bench parses.
WRK_SCRIPT = """
local counter = 0
local token = os.getenv("BENCH_TOKEN")
local golden = tonumber(os.getenv("BENCH_GOLDEN"))
function setup(thread)
  counter = counter + 1
  thread:set("seed", counter)
end
function init(args)
  math.randomseed(seed * 7919)
  wrk.headers["Authorization"] = "Bearer " .. token
end
function request()
  return wrk.format("GET", "/api/v1/crosswalk/supplier/ERP/V-" .. math.random(0, golden - 1) .. "/")
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("BENCH requests=%d seconds=%.3f p50=%d p95=%d errors=%d\\n",
    summary.requests, summary.duration / 1e6, latency:percentile(50), latency:percentile(95),
    e.connect + e.read + e.write + e.timeout + e.status))
end
"""


def bench_database_url() -> str:
    base = os.environ["DATABASE_URL"].rstrip("/")
    return base + "_apibench"


def setup_data(env: dict[str, str]) -> str:
    """Create the bench database and its rows; returns a raw integration token."""
    script = f"""
import django, os
from django.db import connection
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from mdm.models import SourceRecord, SourceSystem, Supplier
from mdm.services.golden import golden_id_sequence
from mdm.services.systems import create_source_system, issue_token
if not SourceSystem.objects.filter(code="ERP").exists():
    systems = [create_source_system(code=c, name=c, priority=p) for c, p in (("ERP", 10), ("WMS", 20), ("PORTAL", 30))]
    n = {GOLDEN}
    for start in range(0, n, 10_000):
        stop = min(n, start + 10_000)
        Supplier.objects.bulk_create([Supplier(golden_id=f"SUP-{{i:06d}}", name=f"Supplier {{i}}", country="DE")
                                      for i in range(start, stop)])
        rows = []
        for system, prefix in zip(systems, ("V", "W", "P")):
            rows += [SourceRecord(system=system, entity="supplier", source_key=f"{{prefix}}-{{i}}", status="linked",
                                  golden_id=f"SUP-{{i:06d}}", raw={{"name": f"Supplier {{i}}"}},
                                  normalized={{"name": f"Supplier {{i}}"}}) for i in range(start, stop)]
        SourceRecord.objects.bulk_create(rows, batch_size=5000)
    with connection.cursor() as c:
        c.execute("SELECT setval(%s, %s)", [golden_id_sequence("SUP"), n])
        c.execute("ANALYZE")
raw, _ = issue_token(system=SourceSystem.objects.get(code="WMS"), name="bench")
print(raw)
"""
    out = subprocess.run([sys.executable, "-c", script], env=env, cwd=REPO, check=True, capture_output=True, text=True)
    return out.stdout.strip().splitlines()[-1]


def create_database(url: str) -> None:
    import psycopg

    admin, name = url.rsplit("/", 1)
    with psycopg.connect(admin + "/postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


def client_process(token: str, seconds: float, threads: int, queue) -> None:
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()

    def worker(seed: int) -> None:
        rng = random.Random(seed)
        conn = http.client.HTTPConnection("127.0.0.1", PORT)
        headers = {"Authorization": f"Bearer {token}"}
        mine: list[float] = []
        deadline = time.perf_counter() + seconds
        while time.perf_counter() < deadline:
            key = f"V-{rng.randrange(GOLDEN)}"
            started = time.perf_counter()
            conn.request("GET", f"/api/v1/crosswalk/supplier/ERP/{key}/", headers=headers)
            response = conn.getresponse()
            response.read()
            mine.append(time.perf_counter() - started)
            if response.status != 200:
                with lock:
                    errors[0] += 1
        with lock:
            latencies.extend(mine)

    pool = [threading.Thread(target=worker, args=(os.getpid() * 100 + i,)) for i in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    queue.put((latencies, errors[0]))


def python_load(token: str) -> tuple[int, float, float, int]:
    """(requests, p50 s, p95 s, errors) of a warm-up then a measured run of Python client threads."""
    queue = multiprocessing.Queue()
    for seconds in (2.0, DURATION):
        procs = [multiprocessing.Process(target=client_process, args=(token, seconds, CLIENTS // PROCESSES, queue))
                 for _ in range(PROCESSES)]
        for p in procs:
            p.start()
        results = [queue.get() for _ in procs]
        for p in procs:
            p.join()
    latencies = sorted(lat for lats, _ in results for lat in lats)
    errors = sum(e for _, e in results)
    return len(latencies), latencies[len(latencies) // 2], latencies[int(len(latencies) * 0.95)], errors


def wrk_load(token: str) -> tuple[int, float, float, int]:
    """(requests, p50 s, p95 s, errors) of a warm-up then a measured run of wrk."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(WRK_SCRIPT)
    env = {**os.environ, "BENCH_TOKEN": token, "BENCH_GOLDEN": str(GOLDEN)}
    try:
        for seconds in (2.0, DURATION):
            out = subprocess.run(["wrk", "-t", "2", "-c", str(CLIENTS), "-d", f"{seconds:.0f}s", "--timeout", "10s",
                                  "-s", script.name, f"http://127.0.0.1:{PORT}"],
                                 env=env, check=True, capture_output=True, text=True).stdout
    finally:
        os.unlink(script.name)
    found = dict(re.findall(r"(\w+)=([\d.]+)", out.split("BENCH", 1)[1]))
    requests = int(found["requests"]) * DURATION / float(found["seconds"])  # per the nominal duration
    return int(requests), int(found["p50"]) / 1e6, int(found["p95"]) / 1e6, int(found["errors"])


def translate_timings(token: str) -> list[float]:
    keys = [f"W-{i}" for i in random.Random(7).sample(range(GOLDEN), 10_000)]
    body = json.dumps({"from": "WMS", "to": "ERP", "keys": keys})
    conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=60)
    timings = []
    for _ in range(6):
        started = time.perf_counter()
        conn.request("POST", "/api/v1/crosswalk/supplier/translate/", body=body,
                     headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
        response = conn.getresponse()
        payload = response.read()
        timings.append(time.perf_counter() - started)
        assert response.status == 200 and len(json.loads(payload)["mapping"]) == 10_000
    return timings[1:]  # the first call warms the worker


def main() -> None:
    url = bench_database_url()
    create_database(url)
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "mdm.settings", "DEBUG": "0",
           "LOG_LEVEL": "WARNING", "API_THROTTLE_RATE": "10000000/min", "DB_CONN_MAX_AGE": "600"}
    token = setup_data(env)
    worker_args = ["-w", str(WORKERS), "-k", WORKER_CLASS]
    if WORKER_CLASS == "gthread":
        worker_args += ["--threads", str(THREADS)]
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "mdm.wsgi:application", "-b", f"127.0.0.1:{PORT}",
         *worker_args, "--keep-alive", "30", "--log-level", "warning"], env=env, cwd=REPO)
    try:
        for _ in range(100):
            try:
                http.client.HTTPConnection("127.0.0.1", PORT, timeout=1).request("GET", "/healthz")
                break
            except OSError:
                time.sleep(0.2)
        count, p50, p95, errors = (wrk_load if CLIENT == "wrk" else python_load)(token)
        translate = translate_timings(token)
    finally:
        server.terminate()
        server.wait(10)
    workers = f"{WORKERS} {WORKER_CLASS} workers" + (f" x {THREADS} threads" if WORKER_CLASS == "gthread" else "")
    print(f"\n| API benchmark ({GOLDEN:,} golden suppliers, 3 systems, gunicorn {workers}, "
          f"{CLIENT} client) | result | target |")
    print("|---|---|---|")
    print(f"| crosswalk lookups/s, {CLIENTS} clients, {DURATION:.0f} s | {count / DURATION:,.0f} | >= 1,000 |")
    print(f"| lookup latency p50 / p95 | {p50 * 1000:.1f} ms / {p95 * 1000:.1f} ms | p95 <= 20 ms |")
    print(f"| lookup errors | {errors} | 0 |")
    print(f"| translate 10,000 keys (median of 5) | {statistics.median(translate) * 1000:.0f} ms | <= 150 ms |")
    print(f"\nload average at the end: {Path('/proc/loadavg').read_text().split()[0]}" if Path("/proc/loadavg").exists()
          else "")

if __name__ == "__main__":
    main()
