"""One SQLAlchemy engine per database URL, shared by every module of a process.

SQLite is the embedded default; the same code takes a PostgreSQL URL
(`SOCIALMAP_DB_URL=postgresql+psycopg2://...`).
"""

from __future__ import annotations

import os
import sqlite3
import threading
import weakref
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import MetaData, create_engine, event, exc
from sqlalchemy.engine import Engine
from sqlalchemy.pool import QueuePool

from socialmap.settings import get_settings

_lock = threading.Lock()


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


_engines: dict[str, Engine] = {}


def _make_engine(url: str) -> Engine:
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        if str(path) not in ("", ":memory:"):
            path.parent.mkdir(parents=True, exist_ok=True)
        must_exist = os.environ.get("SOCIALMAP_DB_MUST_EXIST", "").lower() in {"1", "true", "yes"}
        if must_exist and str(path) not in ("", ":memory:"):
            # A running assistant must never silently create an empty catalog when the file is
            # missing (moved, not yet built): open read-write only, so it fails loudly instead,
            # and recovers by itself once the file is back.
            target = path.resolve()

            def _connect() -> sqlite3.Connection:
                return sqlite3.connect(f"file:{target}?mode=rw", uri=True, timeout=5, check_same_thread=False)

            engine = create_engine("sqlite://", future=True, creator=_connect, poolclass=QueuePool)

            @event.listens_for(engine.pool, "checkout")
            def _still_there(dbapi_conn, _record, _proxy):  # type: ignore[no-untyped-def]
                if not target.exists():
                    raise exc.DisconnectionError(f"social-map database {target} is missing")

        else:
            # A pool keeps connections (and their pragmas) between searches: SQLAlchemy 1.4 would
            # otherwise open a new file connection for every query.
            engine = create_engine(
                url,
                future=True,
                connect_args={"timeout": 5, "check_same_thread": False},
                poolclass=QueuePool if str(path) not in ("", ":memory:") else None,
            )

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):  # type: ignore[no-untyped-def]
            # WAL lets the action server read while the web process writes.
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA busy_timeout=5000")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        return engine
    return create_engine(url, future=True, pool_pre_ping=True)


def get_engine(url: str | None = None) -> Engine:
    """Return the engine for `url` (default: the social-map database from settings)."""
    key = url or get_settings().db_url
    with _lock:
        if key not in _engines:
            _engines[key] = _make_engine(key)
        return _engines[key]


def dispose_all() -> None:
    """Close every pooled connection (tests, and after the database file was replaced)."""
    with _lock:
        for engine in _engines.values():
            engine.dispose()
        _engines.clear()


# Which MetaData objects were already created on which engine: the CREATE-IF-MISSING check costs
# a round of catalog queries, too much for every store an action builds per conversation turn.
_created: weakref.WeakKeyDictionary[Engine, set[int]] = weakref.WeakKeyDictionary()


def ensure_tables(engine: Engine, metadata: MetaData) -> None:
    """Create the tables of `metadata` on `engine` when missing; checks once per engine."""
    with _lock:
        if id(metadata) in _created.get(engine, ()):
            return
    metadata.create_all(engine, checkfirst=True)
    with _lock:
        _created.setdefault(engine, set()).add(id(metadata))


def utc_naive(moment: datetime | None = None) -> datetime:
    """Return `moment` (default now) as naive UTC, the form stored in the database."""
    moment = moment or datetime.now(timezone.utc)
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
    return moment
