"""Rasa's SQL event broker table as the aggregator reads it, and its retention purge.

Rasa's `SQLEventBroker` (endpoints.yml `event_broker: type: sql`) writes every event of
every conversation as one row of the table `events`: an autoincrement id, the sender id
and the event as JSON. By default that is the SQLite file `events.db` in the stack's var
directory (EVENT_BROKER_URL); any SQLAlchemy URL works, e.g. PostgreSQL.

With Kafka or RabbitMQ as broker (EVENT_BROKER_TYPE=kafka / pika), a consumer must hand
the events to `Aggregator.ingest`; the web process then does not read this table.
"""

from __future__ import annotations

import json
import logging
import os
from datetime import datetime, timezone
from functools import lru_cache
from typing import Any

from sqlalchemy import create_engine, event, inspect, text
from sqlalchemy.engine import Engine

from socialmap.settings import VAR

log = logging.getLogger(__name__)


def broker_type() -> str:
    """Return the configured event broker type (EVENT_BROKER_TYPE, default "sql")."""
    return (os.environ.get("EVENT_BROKER_TYPE") or "sql").strip().lower()


def events_url() -> str:
    """Return the SQLAlchemy URL of the broker's database (EVENT_BROKER_URL or var/events.db)."""
    raw = (os.environ.get("EVENT_BROKER_URL") or "").strip()
    if not raw:
        return f"sqlite:///{VAR / 'events.db'}"
    if "://" not in raw:
        return f"sqlite:///{raw}"
    return raw


def _sqlite_path(url: str) -> str | None:
    return url.removeprefix("sqlite:///") if url.startswith("sqlite:///") else None


@lru_cache(maxsize=8)
def events_engine(url: str | None = None) -> Engine:
    """Return an engine on the broker's database; SQLite in WAL mode so Rasa keeps writing while we read."""
    url = url or events_url()
    if _sqlite_path(url) is not None:
        engine = create_engine(url, future=True, connect_args={"timeout": 10, "check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn, _record):  # type: ignore[no-untyped-def]
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA busy_timeout=10000")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.close()

        return engine
    return create_engine(url, future=True, pool_pre_ping=True)


def _table_ready(engine: Engine) -> bool:
    path = _sqlite_path(str(engine.url))
    # Rasa creates the file and table when it starts; connecting first would create an empty file.
    if path is not None and path not in ("", ":memory:") and not os.path.exists(path):
        return False
    return "events" in inspect(engine).get_table_names()


def read_events(
    engine: Engine, after_id: int, limit: int
) -> tuple[list[tuple[int, dict[str, Any]]], int, int]:
    """Return (the events of up to `limit` rows after `after_id`, the last row id read, rows read)."""
    from socialmap.signals.aggregator import iter_events

    if not _table_ready(engine):
        return [], after_id, 0
    query = text("SELECT id, sender_id, data FROM events WHERE id > :after ORDER BY id LIMIT :limit")
    with engine.connect() as conn:
        raw = conn.execute(query, {"after": after_id, "limit": limit}).all()
        if not raw and after_id > 0:
            # Nothing after the cursor, yet the newest row is before it: this is another event store
            # (the tracker database was replaced, or SQLite reused ids after every row was purged).
            # Its rows are all new to the counts; waiting for ids past the old cursor would lose them all.
            newest = int(conn.execute(text("SELECT MAX(id) FROM events")).scalar() or 0)
            if newest < after_id:
                log.warning("signals: the event store ends at row %d, before the cursor %d: a new store; "
                               "counting it from its first row", newest, after_id)
                raw = conn.execute(query, {"after": 0, "limit": limit}).all()
    if not raw:
        return [], after_id, 0
    return list(iter_events((r[0], r[1], r[2]) for r in raw)), int(raw[-1][0]), len(raw)


def purge_events(engine: Engine, cutoff: datetime, chunk: int = 2000) -> int:
    """Delete the broker rows of events older than `cutoff`; return how many.

    Rows are appended in time order, so this walks from the oldest row and stops at the
    first event that is still within the retention period.
    """
    if not _table_ready(engine):
        return 0
    limit = cutoff.astimezone(timezone.utc).timestamp() if cutoff.tzinfo else cutoff.replace(
        tzinfo=timezone.utc
    ).timestamp()
    deleted = 0
    while True:
        with engine.begin() as conn:
            rows = conn.execute(
                text("SELECT id, data FROM events ORDER BY id LIMIT :n"), {"n": chunk}
            ).all()
            old_ids = []
            done = False
            for row_id, data in rows:
                try:
                    stamp = float(json.loads(data or "{}").get("timestamp") or 0)
                except (ValueError, TypeError, AttributeError):
                    stamp = 0.0  # unreadable rows carry nothing we need: they go with the old ones
                if stamp >= limit:
                    done = True
                    break
                old_ids.append(int(row_id))
            if old_ids:
                conn.execute(text("DELETE FROM events WHERE id <= :last"), {"last": old_ids[-1]})
                deleted += len(old_ids)
        if done or len(rows) < chunk:
            return deleted
