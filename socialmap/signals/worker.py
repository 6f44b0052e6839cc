"""The background thread that keeps the signals up to date inside a long-running process.

Every `interval_s` it counts the new rows of Rasa's event broker table, and counts and
forgets conversations that went idle. Every `purge_hours` it deletes the broker rows
older than the retention period (deployment `retention_days`), like the tracker purge.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy.engine import Engine

from socialmap.settings import get_settings
from socialmap.signals import broker
from socialmap.signals.aggregator import Aggregator
from socialmap.signals.outcomes import count_csat, count_outcomes

log = logging.getLogger(__name__)


def purge(days: int | None = None, now: datetime | None = None, *, events: Engine | None = None) -> dict[str, Any]:
    """Return what the signals retention purge deleted: broker rows older than `days`."""
    if days is None:
        days = get_settings().deployment.retention_days
    now = now or datetime.now(timezone.utc)
    cutoff = now - timedelta(days=days)
    engine = events or broker.events_engine()
    report = {"cutoff": cutoff.isoformat(timespec="seconds"), "broker_events": broker.purge_events(engine, cutoff)}
    log.info("signals retention purge: %s", report)
    return report


class SignalsWorker(threading.Thread):
    """A daemon thread: aggregate every few seconds, purge old broker rows every few hours."""

    def __init__(
        self,
        aggregator: Aggregator | None = None,
        events: Engine | None = None,
        *,
        interval_s: float = 2.0,
        purge_hours: float = 6.0,
    ) -> None:
        super().__init__(name="signals", daemon=True)
        self._aggregator = aggregator
        self._events = events
        self.interval_s = interval_s
        self.purge_s = purge_hours * 3600
        self._stop_event = threading.Event()
        self.rounds = 0
        self.last_error: str | None = None

    def run(self) -> None:
        reads_broker = broker.broker_type() == "sql"
        if not reads_broker:
            log.info("signals: event broker %s is fed to the aggregator by its consumer", broker.broker_type())
        next_purge = 0.0
        while not self._stop_event.is_set():
            try:
                aggregator = self._aggregator = self._aggregator or Aggregator()
                if reads_broker:
                    events = self._events = self._events or broker.events_engine()
                    aggregator.run_until_done(events)
                aggregator.flush_idle()
                count_outcomes(aggregator)
                count_csat(aggregator)
                if reads_broker and time.monotonic() >= next_purge:
                    purge(events=self._events)
                    next_purge = time.monotonic() + self.purge_s
                self.last_error = None
            except Exception as exc:  # a failed round must not stop the web process; retry next round
                if str(exc) != self.last_error:
                    log.exception("signals aggregation failed")
                self.last_error = str(exc)
            self.rounds += 1
            self._stop_event.wait(self.interval_s)

    def stop(self, timeout: float | None = 5.0) -> None:
        """Ask the thread to stop and wait for it."""
        self._stop_event.set()
        if self.is_alive():
            self.join(timeout)
