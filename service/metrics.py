"""Prometheus metrics of one gateway instance (own registry, so several apps can live in one process)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120)


class GatewayMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter("ecoguard_requests", "Requests answered, by route and HTTP status",
                                ["route", "status"], registry=self.registry)
        self.flagged = Counter("ecoguard_flagged", "Prompts the guard flagged, by route", ["route"],
                               registry=self.registry)
        self.errors = Counter("ecoguard_errors", "Error answers, by route and error type", ["route", "type"],
                              registry=self.registry)
        self.classifier_latency = Histogram("ecoguard_classifier_latency_seconds", "Guard classifier latency",
                                            buckets=LATENCY_BUCKETS, registry=self.registry)
        self.backend_latency = Histogram("ecoguard_backend_latency_seconds",
                                         "Backend latency until the answer (or the stream) starts",
                                         ["backend", "path"], buckets=LATENCY_BUCKETS, registry=self.registry)
        self.speculative_dropped = Counter(
            "ecoguard_speculative_dropped", "Clean backend calls started during the guard's check (guard_mode="
            "during_call) and dropped because the prompt was flagged", registry=self.registry)
        self.reloads = Counter("ecoguard_guard_reloads", "Guard reloads, by outcome", ["outcome"],
                               registry=self.registry)
