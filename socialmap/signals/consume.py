"""What the RabbitMQ and Kafka consumers share: the settings, the backoff and the sink.

With several Rasa replicas the event broker is RabbitMQ (Rasa's `pika` broker) or Kafka,
and a consumer (`python -m socialmap signals consume --broker rabbitmq|kafka`) hands the
events to the same `Aggregator.ingest_into` the SQL path (`Aggregator.run_once`) uses.

Nothing lost, nothing counted twice (at-least-once delivery from the broker):

- a message is acknowledged (RabbitMQ) or its offset committed (Kafka) only after the
  counts of its batch are committed to the database;
- RabbitMQ: each message's *delivery key*, sha256(aggregate salt + sha256(message body)),
  is stored in the same transaction as the counts (`signals_delivery`). A redelivered
  message finds its key and is acknowledged without being counted again. Redelivery
  happens when the consumer dies after the commit and before the broker saw the ack, but
  also when RabbitMQ itself crashes: acks of persistent messages reach its disk lazily, so
  after an unclean restart it can deliver again messages that were acknowledged minutes
  before (the broker test shows it). So a key is kept as long as the broker could still
  hold its message: the queue's message TTL, which is the retention period; keys older
  than that (plus a day) are deleted. A key holds no sender id and, without the secret
  salt, cannot be joined back to a conversation or a message;
- Kafka: the next offset of each partition is stored in `signals_cursor` in the same
  transaction as the counts; on (re)assignment the consumer seeks there, so a message
  is counted exactly once even when its offset commit to Kafka was lost.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import Column, DateTime, MetaData, String, Table, and_, delete, insert, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from socialmap import db as _db
from socialmap.settings import SettingsError, get_settings, secret_from_env
from socialmap.signals import model as m
from socialmap.signals.aggregator import Aggregator, iter_events

log = logging.getLogger(__name__)

DEFAULT_QUEUE = "rasa_core_events"  # Rasa's default pika queue and Kafka topic
DEFAULT_EXCHANGE = "rasa-exchange"  # the fanout exchange Rasa's pika broker publishes to
DEFAULT_GROUP = "socialmap-signals"
DAY_MS = 24 * 3600 * 1000

delivery_metadata = MetaData()

deliveries = Table(
    "signals_delivery",
    delivery_metadata,
    Column("key", String(64), primary_key=True),  # sha256(salt + sha256(body)): no sender id
    Column("at", DateTime, nullable=False, index=True),  # naive UTC, when it was counted
)


class ConsumerConfigError(Exception):
    """A setting is wrong (URL, credentials, permissions): retrying will not help."""


class StaleOffset(Exception):
    """Another consumer moved a Kafka partition's stored offset first; this batch is rolled back."""


@dataclass(frozen=True)
class BrokerSettings:
    """The consumer's view of the event broker settings (the same env names endpoints.yml uses)."""

    url: str
    port: int | None
    username: str
    password: str = field(repr=False)
    queue: str
    exchange: str
    management_url: str
    topic: str
    group: str
    security_protocol: str
    retention_days: int

    @property
    def retention_ms(self) -> int:
        return self.retention_days * DAY_MS


def _env(name: str, default: str = "") -> str:
    return (os.environ.get(name) or "").strip() or default


def broker_settings(kind: str) -> BrokerSettings:
    """Read EVENT_BROKER_* for `kind` ("rabbitmq" or "kafka"); raise ConsumerConfigError when wrong."""
    try:
        password = secret_from_env("EVENT_BROKER_PASSWORD")
        retention_days = get_settings().deployment.retention_days
    except SettingsError as exc:
        raise ConsumerConfigError(str(exc)) from exc
    url = _env("EVENT_BROKER_URL")
    if not url or url.startswith(("sqlite:", "postgresql:", "postgresql+")):
        default = "localhost" if kind == "rabbitmq" else "localhost:9092"
        if url:
            log.warning("EVENT_BROKER_URL is a database URL (the sql broker); using %s", default)
        url = default
    raw_port = _env("EVENT_BROKER_PORT")
    port: int | None = None
    if raw_port:
        if not raw_port.isdigit() or not 0 < int(raw_port) < 65536:
            raise ConsumerConfigError(f"EVENT_BROKER_PORT={raw_port!r} is not a TCP port number")
        port = int(raw_port)
    queues = [q.strip() for q in _env("EVENT_BROKER_QUEUES", DEFAULT_QUEUE).split(",") if q.strip()]
    username = _env("EVENT_BROKER_USERNAME")
    protocol = _env("EVENT_BROKER_SECURITY_PROTOCOL", "SASL_PLAINTEXT" if username else "PLAINTEXT").upper()
    if protocol not in {"PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"}:
        raise ConsumerConfigError(f"EVENT_BROKER_SECURITY_PROTOCOL={protocol!r}: use PLAINTEXT, SSL, "
                                  "SASL_PLAINTEXT or SASL_SSL")  # fmt: skip
    return BrokerSettings(
        url=url,
        port=port,
        username=username,
        password=password,
        queue=queues[0] if queues else DEFAULT_QUEUE,
        exchange=_env("EVENT_BROKER_EXCHANGE", DEFAULT_EXCHANGE),
        management_url=_env("EVENT_BROKER_MANAGEMENT_URL"),
        topic=_env("EVENT_BROKER_TOPIC", DEFAULT_QUEUE),
        group=_env("EVENT_BROKER_GROUP", DEFAULT_GROUP),
        security_protocol=protocol,
        retention_days=retention_days,
    )


class Backoff:
    """Exponential backoff between reconnects: 1 s, 2 s, 4 s ... at most `maximum`; reset on success."""

    def __init__(self, first: float = 1.0, maximum: float = 60.0) -> None:
        self.first = first
        self.maximum = maximum
        self.delay = first

    def next(self) -> float:
        delay = self.delay
        self.delay = min(self.delay * 2, self.maximum)
        return delay

    def reset(self) -> None:
        self.delay = self.first


@dataclass
class BatchResult:
    """What one committed batch did."""

    counted: int = 0  # events handed to the aggregator
    duplicates: int = 0  # redelivered messages already counted
    unreadable: int = 0  # not a JSON object with a sender_id: acknowledged and dropped
    keys: list[str] = field(default_factory=list)  # delivery keys stored with this batch


@dataclass
class ConsumerStats:
    """Running totals of a consumer, for logs, tests and the benchmark (thread-safe enough: one writer)."""

    batches: int = 0
    counted: int = 0
    duplicates: int = 0
    unreadable: int = 0
    reconnects: int = 0
    last_error: str | None = None
    changed: threading.Condition = field(default_factory=threading.Condition, repr=False)

    def add(self, result: BatchResult) -> None:
        with self.changed:
            self.batches += 1
            self.counted += result.counted
            self.duplicates += result.duplicates
            self.unreadable += result.unreadable
            self.changed.notify_all()

    def wait_for(self, predicate: Any, timeout: float) -> bool:
        """Wait until predicate(self) holds or `timeout` seconds passed; return whether it holds."""
        with self.changed:
            return self.changed.wait_for(lambda: predicate(self), timeout)


def _decode(bodies: Sequence[bytes]) -> list[tuple[int, dict[str, Any]]]:
    rows = ((i, None, body.decode("utf-8", errors="replace")) for i, body in enumerate(bodies))
    return [(i, e) for i, e in iter_events(rows) if isinstance(e.get("sender_id"), str)]


class EventSink:
    """Counts broker messages through the aggregator, once each, in one transaction per batch."""

    def __init__(self, aggregator: Aggregator | None = None, *, retention_days: int | None = None) -> None:
        self.aggregator = aggregator or Aggregator()
        self.engine = self.aggregator.engine
        _db.ensure_tables(self.engine, delivery_metadata)
        self.retention_days = retention_days if retention_days is not None else (
            get_settings().deployment.retention_days
        )  # fmt: skip

    # -- RabbitMQ: delivery keys ----------------------------------------------------------

    def commit_deliveries(self, bodies: Sequence[bytes]) -> BatchResult:
        """Count the messages whose delivery key is new; store their keys with the counts."""
        result = BatchResult()
        events = _decode(bodies)
        result.unreadable = len(bodies) - len(events)
        with self.engine.begin() as conn:
            keyed = [(self._key(conn, bodies[i]), event) for i, event in events]
            known = self._known(conn, [k for k, _ in keyed])
            fresh: list[Mapping[str, Any]] = []
            for key, event in keyed:
                if key in known:
                    result.duplicates += 1
                    continue
                known.add(key)
                result.keys.append(key)
                fresh.append(event)
            result.counted = self.aggregator.ingest_into(conn, fresh)
            if result.keys:
                now = _db.utc_naive()
                conn.execute(insert(deliveries), [{"key": k, "at": now} for k in result.keys])
        return result

    def purge_stale(self) -> int:
        """Delete delivery keys older than the retention period (+1 day): their messages have expired."""
        cutoff = _db.utc_naive() - timedelta(days=self.retention_days + 1)
        with self.engine.begin() as conn:
            return conn.execute(delete(deliveries).where(deliveries.c.at < cutoff)).rowcount or 0

    def kept_keys(self) -> int:
        """Return how many delivery keys are kept."""
        with self.engine.connect() as conn:
            return len(conn.execute(select(deliveries.c.key)).all())

    def _key(self, conn: Connection, body: bytes) -> str:
        return self.aggregator.salted_key(conn, "delivery\x00" + hashlib.sha256(body).hexdigest())

    @staticmethod
    def _known(conn: Connection, keys: list[str]) -> set[str]:
        known: set[str] = set()
        for start in range(0, len(keys), 500):
            chunk = keys[start : start + 500]
            known.update(r[0] for r in conn.execute(select(deliveries.c.key).where(deliveries.c.key.in_(chunk))))
        return known

    # -- Kafka: offsets ------------------------------------------------------------------

    @staticmethod
    def offset_name(topic: str, partition: int) -> str:
        return f"kafka:{topic}:{partition}"[:64]

    def stored_offsets(self, topic: str, partitions: Iterable[int]) -> dict[int, int]:
        """Return {partition: next offset to read} for the partitions the database knows."""
        names = {self.offset_name(topic, p): p for p in partitions}
        if not names:
            return {}
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(m.cursors.c.name, m.cursors.c.last_id).where(m.cursors.c.name.in_(list(names)))
            ).all()
        return {names[name]: int(last) for name, last in rows}

    def commit_offsets(
        self, topic: str, messages: Sequence[tuple[int, int, bytes]], expected: Mapping[int, int | None]
    ) -> tuple[BatchResult, dict[int, int]]:
        """Count (partition, offset, body) messages and move the stored offsets in one transaction.

        `expected` is the stored next offset of each partition this batch started from (None
        when there was none); when another consumer moved it meanwhile, StaleOffset is raised
        and nothing is counted. Return the result and {partition: new next offset}.
        """
        result = BatchResult()
        bodies = [body for _, _, body in messages]
        events = _decode(bodies)
        result.unreadable = len(bodies) - len(events)
        new: dict[int, int] = {}
        for partition, offset, _ in messages:
            new[partition] = max(new.get(partition, 0), offset + 1)
        now = _db.utc_naive()
        c = m.cursors.c
        try:
            with self.engine.begin() as conn:
                for partition, next_offset in sorted(new.items()):
                    name = self.offset_name(topic, partition)
                    before = expected.get(partition)
                    if before is None:
                        conn.execute(insert(m.cursors).values(name=name, last_id=next_offset, updated_at=now))
                        continue
                    moved = conn.execute(
                        update(m.cursors)
                        .where(and_(c.name == name, c.last_id == before))
                        .values(last_id=next_offset, updated_at=now)
                    )
                    if moved.rowcount != 1:
                        raise StaleOffset(f"partition {partition} of {topic} was moved by another consumer")
                result.counted = self.aggregator.ingest_into(conn, [e for _, e in events])
        except IntegrityError as exc:
            raise StaleOffset(f"another consumer stored an offset of {topic} first") from exc
        return result, new
