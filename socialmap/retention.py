"""Retention: delete conversations, handoff tickets, callbacks and vault entries after the retention period.

* `purge(days)` deletes conversations, handoff tickets, callback requests and
  vault entries older than the retention period;
* `RetentionScheduler` runs it periodically inside a long-running process;
* `python -m socialmap purge` runs it once.

This module never imports rasa.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import threading
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import create_engine
from sqlalchemy import inspect as sa_inspect
from sqlalchemy import text as sql_text

from socialmap.settings import VAR
from socialmap.vault import VAULT_TTL, ContactVault

log = logging.getLogger(__name__)


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


def _as_utc(moment: datetime) -> datetime:
    # SQLite hands back naive datetimes; we always store UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def tracker_db_url() -> str:
    """Return the SQLAlchemy URL of Rasa's tracker store (env TRACKER_DB_URL)."""
    raw = os.environ.get("TRACKER_DB_URL", "").strip()
    if not raw:
        return f"sqlite:///{VAR / 'tracker.db'}"
    if "://" not in raw:  # a bare file path
        return f"sqlite:///{raw}"
    return raw


def purge_tracker(url: str, cutoff: datetime) -> int:
    """Return how many conversations whose last event is older than `cutoff` were deleted.

    Only whole conversations go: a conversation with one recent event is kept
    entirely, so a resident who comes back never finds half a history.
    """
    if url.startswith("sqlite:///"):
        path = url.removeprefix("sqlite:///")
        # Connecting would create an empty file; no file means no conversations yet.
        if path not in ("", ":memory:") and not os.path.exists(path):
            return 0
    engine = create_engine(url, future=True, connect_args={"timeout": 10} if url.startswith("sqlite") else {})
    try:
        if "events" not in sa_inspect(engine).get_table_names():
            return 0
        # Rasa stores the event time as a UNIX timestamp (float seconds).
        limit = cutoff.timestamp()
        old = "SELECT sender_id FROM events GROUP BY sender_id HAVING MAX(timestamp) < :limit"
        with engine.begin() as conn:
            senders = [row[0] for row in conn.execute(sql_text(old), {"limit": limit})]
            for start in range(0, len(senders), 500):
                chunk = senders[start : start + 500]
                params = {f"s{i}": s for i, s in enumerate(chunk)}
                placeholders = ", ".join(f":s{i}" for i in range(len(chunk)))
                conn.execute(sql_text(f"DELETE FROM events WHERE sender_id IN ({placeholders})"), params)
        return len(senders)
    finally:
        engine.dispose()


def _purge_handoff(cutoff: datetime) -> dict[str, int] | str:
    try:
        # Looked up at call time: the handoff module is owned elsewhere and optional here.
        handoff = importlib.import_module("socialmap.handoff")
    except ImportError:
        return "overgeslagen (socialmap.handoff ontbreekt)"
    fn = getattr(handoff, "purge_older_than", None)
    if fn is None:
        return "overgeslagen (geen purge_older_than)"
    result = fn(cutoff)
    if isinstance(result, dict):
        return {str(k): int(v) for k, v in result.items()}
    return {"handoff": int(result or 0)}


def purge(days: int | None = None, now: datetime | None = None) -> dict[str, Any]:
    """Return what was deleted: conversations, handoff tickets/callbacks and vault entries older than `days`."""
    if days is None:
        # One store for all municipalities: the shortest period any site promised its residents.
        from socialmap.tenants import get_tenants

        days = get_tenants().retention_days
    if days < 0:
        raise ValueError("days must be 0 or more")
    now = _as_utc(now) if now else _utcnow()
    cutoff = now - timedelta(days=days)
    report: dict[str, Any] = {"cutoff": cutoff.isoformat(timespec="seconds"), "days": days}
    report["conversations"] = purge_tracker(tracker_db_url(), cutoff)
    report["handoff"] = _purge_handoff(cutoff)
    vault = ContactVault(clock=lambda: now)
    # Vault entries live one day at most, and never longer than the retention period.
    report["contact_vault"] = vault.purge_expired(max(cutoff, now - VAULT_TTL))
    log.info("retention purge: %s", report)
    return report


class RetentionScheduler(threading.Thread):
    """A daemon thread that runs `purge()` at start and then every `interval_hours`."""

    def __init__(
        self, interval_hours: float = 6.0, days: int | None = None, purge_fn: Callable[..., Any] = purge
    ):
        super().__init__(name="retention-purge", daemon=True)
        if interval_hours <= 0:
            raise ValueError("interval_hours must be positive")
        self.interval_s = interval_hours * 3600
        self.days = days
        self._purge = purge_fn
        self._stop_event = threading.Event()
        self.runs = 0
        self.last_report: dict[str, Any] | None = None

    def run(self) -> None:
        while not self._stop_event.is_set():
            try:
                self.last_report = self._purge(self.days)
            except Exception:  # a failed purge must not stop the assistant; retry next round
                log.exception("retention purge failed")
            self.runs += 1
            self._stop_event.wait(self.interval_s)

    def stop(self, timeout: float | None = 5.0) -> None:
        """Ask the thread to stop and wait for it."""
        self._stop_event.set()
        if self.is_alive():
            self.join(timeout)


# --- CLI --------------------------------------------------------------------


def _cmd_purge(args: argparse.Namespace) -> int:
    try:
        report = purge(args.days)
    except Exception as exc:  # a clear one-line error for the operator
        print(f"purge mislukt: {exc}")
        return 1
    print(f"bewaartermijn: {report['days']} dagen (alles van voor {report['cutoff']})")
    print(f"verwijderde gesprekken: {report['conversations']}")
    handoff = report["handoff"]
    if isinstance(handoff, dict):
        for key, value in handoff.items():
            print(f"verwijderd {key}: {value}")
    else:
        print(f"overdracht: {handoff}")
    print(f"verwijderde contactgegevens: {report['contact_vault']}")
    return 0


def register_cli(sub: Any) -> None:
    """Add `purge [--days N]` to the CLI."""
    parser = sub.add_parser("purge", help="verwijder gesprekken en terugbelverzoeken na de bewaartermijn")
    parser.add_argument(
        "--days", type=int, default=None, help="bewaartermijn in dagen (standaard uit deployment.yml)"
    )
    parser.set_defaults(func=_cmd_purge)
