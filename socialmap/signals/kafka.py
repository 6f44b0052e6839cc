"""Consume Rasa's Kafka event broker into the signals aggregate.

What Rasa 3.6 publishes (rasa/core/brokers/kafka.py): every event as one message on the
topic (default `rasa_core_events`), value = the event as JSON with its `sender_id`, key =
the sender id when `partition_by_sender` is on (endpoints.yml turns it on: the events of
one conversation then stay in order on one partition), header RASA_ENVIRONMENT.

The consumer joins a consumer group (EVENT_BROKER_GROUP, default socialmap-signals); each
partition's next offset is stored in the signals database with the counts of its batch
(consume.py), and on assignment the consumer seeks there: a message is counted once even
when the offset commit to Kafka (done afterwards, for lag monitoring) was lost.
Reconnecting is librdkafka's own (reconnect.backoff.ms up to reconnect.backoff.max.ms);
this loop backs off when the database or the broker fails.

Retention: when the topic is missing the consumer creates it with retention.ms =
retention_days; when it exists with another retention.ms it sets it (needs the ALTER_CONFIGS
permission), else it logs the `kafka-configs.sh` command for the operator.

Tested against librdkafka's built-in mock cluster (real Kafka protocol, real
confluent-kafka clients), not against a real Kafka broker.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from socialmap.signals.consume import (
    Backoff,
    BrokerSettings,
    ConsumerConfigError,
    ConsumerStats,
    EventSink,
    StaleOffset,
    broker_settings,
)

log = logging.getLogger(__name__)


def kafka_config(settings: BrokerSettings, **extra: Any) -> dict[str, Any]:
    """Return the librdkafka configuration of a client for these settings."""
    servers = settings.url
    if "://" in servers or not all(part.strip() for part in servers.split(",")):
        raise ConsumerConfigError(f"EVENT_BROKER_URL={servers!r}: expected host:port[,host:port...] for Kafka")
    config: dict[str, Any] = {
        "bootstrap.servers": servers,
        "security.protocol": settings.security_protocol,
        "client.id": "socialmap-signals-consumer",
        "reconnect.backoff.ms": 1000,
        "reconnect.backoff.max.ms": 60000,
        # librdkafka's own messages go through this log, not straight to stderr.
        "logger": logging.getLogger("socialmap.signals.librdkafka"),
    }
    if settings.security_protocol.startswith("SASL"):
        config.update({"sasl.mechanism": "PLAIN", "sasl.username": settings.username,
                       "sasl.password": settings.password})  # fmt: skip
    config.update(extra)
    return config


def configs_command(settings: BrokerSettings) -> str:
    """Return the kafka-configs.sh command that sets the topic's retention (for the operator)."""
    return (f"kafka-configs.sh --bootstrap-server {settings.url.split(',')[0]} --alter --entity-type topics "
            f"--entity-name {settings.topic} --add-config retention.ms={settings.retention_ms}")  # fmt: skip


class KafkaSignalsConsumer:
    """Reads Rasa's events from a Kafka topic into an EventSink."""

    def __init__(
        self,
        settings: BrokerSettings | None = None,
        sink: EventSink | None = None,
        *,
        batch_size: int = 500,
        poll_s: float = 0.5,
        admin_timeout_s: float = 10.0,
        max_backoff_s: float = 60.0,
        extra_config: dict[str, Any] | None = None,
        consumer_factory: Callable[[dict[str, Any]], Any] | None = None,
    ) -> None:
        self.settings = settings or broker_settings("kafka")
        self.config = kafka_config(
            self.settings,
            **{
                "group.id": self.settings.group,
                "enable.auto.commit": False,
                "auto.offset.reset": "earliest",
                "error_cb": self._on_error,
                **(extra_config or {}),
            },
        )
        self.sink = sink or EventSink(retention_days=self.settings.retention_days)
        self.batch_size = batch_size
        self.poll_s = poll_s
        self.admin_timeout_s = admin_timeout_s
        self.backoff = Backoff(maximum=max_backoff_s)
        self.stats = ConsumerStats()
        self.fatal: str | None = None
        self.retention_ok: bool | None = None
        self._factory = consumer_factory
        self._expected: dict[int, int | None] = {}
        self._batch_first: dict[int, int] = {}
        self._consumer: Any = None

    # -- errors ---------------------------------------------------------------------------

    def _on_error(self, err: Any) -> None:
        from confluent_kafka import KafkaError

        code = err.code()
        if code in (KafkaError._AUTHENTICATION, KafkaError.SASL_AUTHENTICATION_FAILED):
            self.fatal = (f"Kafka at {self.settings.url} refused the login of {self.settings.username!r}: check "
                          "EVENT_BROKER_USERNAME and EVENT_BROKER_PASSWORD (or EVENT_BROKER_PASSWORD_FILE)")  # fmt: skip
        elif code in (KafkaError.TOPIC_AUTHORIZATION_FAILED, KafkaError.GROUP_AUTHORIZATION_FAILED):
            self.fatal = f"Kafka at {self.settings.url}: not authorised ({err.str()})"
        message = f"Kafka at {self.settings.url}: {err.str()}"
        if message != self.stats.last_error:
            log.warning("signals consumer: %s", message)
        self.stats.last_error = message

    # -- retention ------------------------------------------------------------------------

    def ensure_topic_retention(self) -> bool:
        """Create the topic with retention.ms, or set retention.ms on it; return whether that worked."""
        from confluent_kafka import KafkaException
        from confluent_kafka.admin import AdminClient, ConfigResource, NewTopic

        s = self.settings
        wanted = str(s.retention_ms)
        admin = AdminClient(kafka_config(s, error_cb=self._on_error))
        try:
            topics = admin.list_topics(timeout=self.admin_timeout_s).topics
            if s.topic not in topics:
                new = NewTopic(s.topic, num_partitions=3, replication_factor=-1, config={"retention.ms": wanted})
                admin.create_topics([new], request_timeout=self.admin_timeout_s)[s.topic].result(
                    self.admin_timeout_s
                )
                log.info("signals consumer: created topic %r with retention.ms=%s (%d days)", s.topic, wanted,
                         s.retention_days)  # fmt: skip
                return True
            resource = ConfigResource(ConfigResource.Type.TOPIC, s.topic)
            described = admin.describe_configs([resource], request_timeout=self.admin_timeout_s)
            current = described[resource].result(self.admin_timeout_s).get("retention.ms")
            if current is not None and str(current.value) == wanted:
                log.info("signals consumer: topic %r keeps messages %d days", s.topic, s.retention_days)
                return True
            resource = ConfigResource(ConfigResource.Type.TOPIC, s.topic, set_config={"retention.ms": wanted})
            admin.alter_configs([resource], request_timeout=self.admin_timeout_s)[resource].result(
                self.admin_timeout_s
            )
            log.info("signals consumer: set retention.ms=%s on topic %r", wanted, s.topic)
            return True
        except (KafkaException, TimeoutError, FutureTimeout, ValueError, NotImplementedError) as exc:
            reason = str(exc) or type(exc).__name__
        log.error("signals consumer: could not check or set the retention of topic %r (%s). Set it with: %s",
                  s.topic, reason, configs_command(s))  # fmt: skip
        return False

    # -- partitions -----------------------------------------------------------------------

    def _on_assign(self, consumer: Any, partitions: list[Any]) -> None:
        """Seek every assigned partition to the offset stored with the counts (when there is one)."""
        stored = self.sink.stored_offsets(self.settings.topic, [p.partition for p in partitions])
        for p in partitions:
            if p.partition in stored:
                p.offset = stored[p.partition]
            self._expected[p.partition] = stored.get(p.partition)
        consumer.assign(partitions)
        log.info("signals consumer: assigned partitions %s of %r", sorted(p.partition for p in partitions),
                 self.settings.topic)  # fmt: skip

    def _on_revoke(self, consumer: Any, partitions: list[Any]) -> None:
        for p in partitions:
            self._expected.pop(p.partition, None)

    def _reseek(self) -> None:
        """After a rolled-back batch: read its partitions again from the stored offset (else its first)."""
        from confluent_kafka import KafkaException, TopicPartition

        first, self._batch_first = self._batch_first, {}
        stored = self.sink.stored_offsets(self.settings.topic, list(first))
        for partition, offset in first.items():
            if partition not in self._expected:
                continue  # revoked meanwhile: its new owner starts from the stored offset
            self._expected[partition] = stored.get(partition)
            try:
                self._consumer.seek(TopicPartition(self.settings.topic, partition, stored.get(partition, offset)))
            except KafkaException as exc:
                log.warning("signals consumer: cannot seek partition %d (%s)", partition, exc)

    # -- the loop -------------------------------------------------------------------------

    def handle(self, messages: list[Any]) -> int:
        """Count one polled batch of confluent_kafka Messages; return how many events were counted."""
        from confluent_kafka import KafkaError, TopicPartition

        batch: list[tuple[int, int, bytes]] = []
        for msg in messages:
            err = msg.error()
            if err is not None:
                if err.code() == KafkaError._PARTITION_EOF:
                    continue
                if err.fatal() or err.code() in (KafkaError.TOPIC_AUTHORIZATION_FAILED,
                                                 KafkaError.GROUP_AUTHORIZATION_FAILED):  # fmt: skip
                    self.fatal = f"Kafka at {self.settings.url}: {err.str()}"
                self._on_error(err)
                continue
            if msg.topic() != self.settings.topic:
                continue
            value = msg.value()
            batch.append((msg.partition(), msg.offset(), value if isinstance(value, bytes) else b""))
        if not batch:
            return 0
        expected = {p: self._expected.get(p) for p, _, _ in batch}
        for p, offset, _ in batch:
            self._batch_first[p] = min(offset, self._batch_first.get(p, offset))
        result, moved = self.sink.commit_offsets(self.settings.topic, batch, expected)
        self._expected.update(moved)
        self._batch_first = {}
        if self._consumer is not None:
            # For lag monitoring only: the offsets that count are the ones stored with the counts.
            offsets = [TopicPartition(self.settings.topic, p, o) for p, o in moved.items()]
            try:
                self._consumer.commit(offsets=offsets, asynchronous=True)
            except Exception as exc:  # noqa: BLE001 - a lost commit costs nothing (see above)
                log.debug("signals consumer: offset commit to Kafka failed: %s", exc)
        if result.unreadable:
            log.warning("signals consumer: %d messages were not Rasa events (JSON with a sender_id); dropped",
                        result.unreadable)  # fmt: skip
        self.stats.add(result)
        return result.counted

    def run(self, stop: threading.Event | None = None) -> None:
        """Consume until `stop` is set; raise ConsumerConfigError on wrong credentials or permissions."""
        from confluent_kafka import Consumer, KafkaException

        stop = stop or threading.Event()
        if self.retention_ok is None:
            self.retention_ok = self.ensure_topic_retention()
        if self.fatal:
            raise ConsumerConfigError(self.fatal)
        factory = self._factory or Consumer
        self._consumer = factory(self.config)
        try:
            self._consumer.subscribe([self.settings.topic], on_assign=self._on_assign, on_revoke=self._on_revoke)
            log.info("signals consumer: reading topic %r from %s as group %r", self.settings.topic,
                     self.settings.url, self.settings.group)  # fmt: skip
            while not stop.is_set():
                try:
                    messages = self._consumer.consume(num_messages=self.batch_size, timeout=self.poll_s)
                    self.handle(messages)
                    self.backoff.reset()
                except StaleOffset as exc:
                    log.warning("signals consumer: %s; reading again from the stored offsets", exc)
                    self._reseek()
                except (SQLAlchemyError, KafkaException) as exc:
                    delay = self.backoff.next()
                    log.warning("signals consumer: %s (%s); retrying from the stored offsets in %.0f s",
                                type(exc).__name__, exc, delay)  # fmt: skip
                    self.stats.reconnects += 1
                    stop.wait(delay)
                    self._reseek()
                if self.fatal:
                    raise ConsumerConfigError(self.fatal)
        finally:
            try:
                self._consumer.close()
            except Exception:  # noqa: BLE001 - closing after a failure
                log.debug("signals consumer: closing the Kafka consumer failed", exc_info=True)
            self._consumer = None


def run_forever(consumer: KafkaSignalsConsumer) -> None:
    """Run the consumer until SIGINT/SIGTERM (for the CLI)."""
    import signal

    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    consumer.run(stop)
