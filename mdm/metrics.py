"""Prometheus metrics of the hub, served at /metrics.

Request counts and latencies come from `MetricsMiddleware`; the ingest pipeline and the matcher
report through `record_ingest_outcomes` and `record_match_decision`. Delivery outcomes and lag
are read from the sync tables at scrape time (a custom collector), so they are right whichever
process delivered. Under gunicorn with several workers, set PROMETHEUS_MULTIPROC_DIR so the
counters of all workers are summed.
"""
from __future__ import annotations

import functools
import hmac
import logging
import os
import re
import time
from collections.abc import Callable, Iterator
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import REGISTRY, CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

access_log = logging.getLogger("mdm.access")

HTTP_REQUESTS = Counter(
    "rosetta_http_requests_total", "HTTP requests answered", ["method", "route", "status"])
HTTP_LATENCY = Histogram(
    "rosetta_http_request_duration_seconds", "Time to answer an HTTP request", ["method", "route"],
    buckets=(0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10))
INGEST_RECORDS = Counter(
    "rosetta_ingest_records_total", "Source records ingested, by outcome", ["entity", "system", "outcome"])
MATCH_DECISIONS = Counter(
    "rosetta_match_decisions_total", "Match decisions (auto_link, new, review, ...)", ["entity", "decision"])


def record_ingest_outcomes(entity: str, system_code: str, counts: dict[str, int]) -> None:
    """Count the outcomes of one ingest batch, e.g. {"created": 10, "quarantined": 1}."""
    for outcome, count in counts.items():
        if count:
            INGEST_RECORDS.labels(entity=entity, system=system_code, outcome=outcome).inc(count)


def record_match_decision(entity: str, decision: str) -> None:
    MATCH_DECISIONS.labels(entity=entity, decision=decision).inc()


class DeliveryCollector(Collector):
    """Delivery outcomes and lag per target, read from the sync tables when scraped."""

    def describe(self) -> list[Any]:
        # Without this the registry calls collect() at import to learn the names, which
        # would query the database before it is migrated (e.g. during `manage.py check`).
        return []

    def collect(self) -> Iterator[Any]:
        from django.db.models import Count

        from sync.models import Delivery
        from sync.selectors import target_summaries

        try:
            summaries = target_summaries()
            states = list(Delivery.objects.order_by().values_list("target__name", "state")
                          .annotate(n=Count("id")))
        except Exception:  # a scrape must answer even when the database does not
            access_log.warning("delivery metrics unavailable", exc_info=True)
            return
        deliveries = CounterMetricFamily("rosetta_deliveries", "Deliveries by target and state",
                                         labels=["target", "state"])
        for target, state, count in states:
            deliveries.add_metric([target, state], count)
        pending = GaugeMetricFamily("rosetta_delivery_pending", "Deliveries waiting to be sent", labels=["target"])
        lag = GaugeMetricFamily("rosetta_delivery_lag_seconds", "Age of the oldest waiting delivery",
                                labels=["target"])
        dead = GaugeMetricFamily("rosetta_delivery_dead_letters", "Dead-lettered deliveries", labels=["target"])
        failures = GaugeMetricFamily("rosetta_delivery_failures_24h", "Failed attempts in the last 24 hours",
                                     labels=["target"])
        circuit = GaugeMetricFamily("rosetta_delivery_circuit_open", "1 while the target's circuit is open",
                                    labels=["target"])
        for row in summaries:
            labels = [row["target"]]
            pending.add_metric(labels, row["pending"])
            lag.add_metric(labels, row["oldest_pending_age_s"] or 0)
            dead.add_metric(labels, row["dead_letters"])
            failures.add_metric(labels, row["failures_24h"])
            circuit.add_metric(labels, 1 if row["circuit_open"] else 0)
        yield from (deliveries, pending, lag, dead, failures, circuit)


DELIVERY_COLLECTOR = DeliveryCollector()
REGISTRY.register(DELIVERY_COLLECTOR)


def _registry() -> CollectorRegistry:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        registry.register(DELIVERY_COLLECTOR)
        return registry
    return REGISTRY


def metrics_view(request: HttpRequest) -> HttpResponse:
    """Prometheus text format. With METRICS_TOKEN set, the scraper must send it as a bearer token."""
    expected = getattr(settings, "METRICS_TOKEN", "") or os.environ.get("METRICS_TOKEN", "")
    if expected:
        sent = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        if not hmac.compare_digest(sent.encode(), expected.encode()):
            return HttpResponse("unauthorized\n", status=401, content_type="text/plain")
    return HttpResponse(generate_latest(_registry()), content_type=CONTENT_TYPE_LATEST)


_REGEX_GROUP = re.compile(r"\(\?P<(\w+)>[^)]*\)")


@functools.lru_cache(maxsize=1024)
def route_label(route: str) -> str:
    """`api/v1/^suppliers/(?P<golden_id>[^/]+)/$` -> `/api/v1/suppliers/{golden_id}/`.

    Routes are a small fixed set, so each is translated once.
    """
    return "/" + _REGEX_GROUP.sub(r"{\1}", route).replace("^", "").replace("$", "")


class MetricsMiddleware:
    """Count and time every request by route pattern (not raw path: ids would explode the labels)
    and write one structured access log line carrying the request id.

    The labelled children are looked up once per (method, route, status) and kept, and the log
    line is only built when INFO is enabled for `mdm.access`.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self._counters: dict[tuple[str, str, int], Any] = {}
        self._histograms: dict[tuple[str, str], Any] = {}

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        elapsed = time.perf_counter() - started
        match = getattr(request, "resolver_match", None)
        route = route_label(match.route) if match is not None and match.route else "unmatched"
        method = request.method or ""
        status = response.status_code
        counter = self._counters.get((method, route, status))
        if counter is None:
            counter = self._counters[(method, route, status)] = HTTP_REQUESTS.labels(
                method=method, route=route, status=str(status))
        histogram = self._histograms.get((method, route))
        if histogram is None:
            histogram = self._histograms[(method, route)] = HTTP_LATENCY.labels(method=method, route=route)
        counter.inc()
        histogram.observe(elapsed)
        if access_log.isEnabledFor(logging.INFO):
            duration_ms = round(elapsed * 1000, 1)
            access_log.info("%s %s %s %.1fms", method, route, status, duration_ms,
                            extra={"method": method, "route": route, "status": status,
                                   "duration_ms": duration_ms})
        return response
