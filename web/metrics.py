"""What ``GET /metrics`` shows Prometheus: updates handled and how long they took, intake
requests by channel and outcome, and the outbox's depth and failures (read at scrape time).

Each server has a registry of its own, so tests and two apps in one process do not mix.
"""

from __future__ import annotations

from datetime import datetime

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)

from crm.outbox import OutboxHealth

__all__ = ["CONTENT_TYPE_LATEST", "Metrics"]


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.updates = Counter(
            "crm_telegram_updates",
            "Telegram updates handled, by outcome (handled, failed, rejected)",
            ["outcome"],
            registry=self.registry,
        )
        self.update_seconds = Histogram(
            "crm_telegram_update_seconds",
            "Time to handle one Telegram update, its commit included",
            registry=self.registry,
        )
        self.intake_requests = Counter(
            "crm_intake_requests",
            "Intake requests by channel and outcome (created, joined, duplicate, or why refused)",
            ["channel", "outcome"],
            registry=self.registry,
        )
        self.outbox_pending = Gauge(
            "crm_outbox_pending", "Outbox messages waiting to be sent", registry=self.registry
        )
        self.outbox_failed = Gauge(
            "crm_outbox_failed",
            "Outbox messages given up after repeated send failures",
            registry=self.registry,
        )
        self.outbox_oldest_pending_seconds = Gauge(
            "crm_outbox_oldest_pending_seconds",
            "How long the oldest due outbox message has waited (0 when none waits)",
            registry=self.registry,
        )
        self.database_up = Gauge(
            "crm_database_up",
            "1 when the last scrape could read the database",
            registry=self.registry,
        )

    def observe_outbox(self, health: OutboxHealth, now: datetime) -> None:
        self.database_up.set(1)
        self.outbox_pending.set(health.pending)
        self.outbox_failed.set(health.failed)
        oldest = health.oldest_pending_due
        waited = (now - oldest).total_seconds() if oldest is not None else 0.0
        self.outbox_oldest_pending_seconds.set(max(waited, 0.0))

    def exposition(self) -> bytes:
        return generate_latest(self.registry)
