"""The Kafka signals consumer, fed by Rasa's own KafkaEventBroker.

No Kafka server can be installed here (not in Debian, no internet). These tests run the
real confluent-kafka clients (Rasa's producer, our consumer group) over TCP against
librdkafka's built-in *mock cluster* (`test.mock.num.brokers`): the Kafka wire protocol,
consumer groups, offsets and commits, but not a real Kafka broker. What the mock lacks
(CreateTopics, DescribeConfigs: the topic retention) is tested as the fallback the
operator sees. Message handling is also tested on confluent_kafka.Message objects.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import confluent_kafka as ck
import pytest
from rasa.core.brokers.broker import EventBroker
from rasa.core.brokers.kafka import KafkaEventBroker
from rasa.utils.endpoints import read_endpoint_config
from sqlalchemy.engine import Engine

from socialmap import db as _db
from socialmap.signals.aggregator import Aggregator
from socialmap.signals.consume import ConsumerConfigError, EventSink, StaleOffset, broker_settings
from socialmap.signals.kafka import KafkaSignalsConsumer, configs_command
from tests.signals_brokers.rasa_events import ROOT, counts, event_count, publish, sql_path_counts
from tests.signals_brokers.test_event_broker_config import OTHER_ENV
from tests.signals_brokers.test_rabbitmq import flushed_counts

pytestmark = pytest.mark.scale


@pytest.fixture(scope="session")
def mock_kafka() -> Iterator[str]:
    """librdkafka's mock cluster (lives inside this client); return its bootstrap servers."""
    holder = ck.Producer({"test.mock.num.brokers": 1, "bootstrap.servers": "", "log_level": 3})
    brokers = holder.list_topics(timeout=10).brokers
    broker = brokers[next(iter(brokers))]
    yield f"{broker.host}:{broker.port}"
    holder.flush(5)


@pytest.fixture
def kafka_env(mock_kafka: str, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    tag = uuid.uuid4().hex[:8]
    env = {**OTHER_ENV, "EVENT_BROKER_TYPE": "kafka", "EVENT_BROKER_URL": mock_kafka,
           "EVENT_BROKER_TOPIC": f"signals-{tag}", "EVENT_BROKER_GROUP": f"group-{tag}"}  # fmt: skip
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    for key in ("EVENT_BROKER_USERNAME", "EVENT_BROKER_PASSWORD", "EVENT_BROKER_PASSWORD_FILE",
                "EVENT_BROKER_SECURITY_PROTOCOL"):  # fmt: skip
        monkeypatch.delenv(key, raising=False)
    return env


@pytest.fixture
def signals_engine(tmp_path: Path) -> Engine:
    return _db.get_engine(f"sqlite:///{tmp_path / 'signals.db'}")


async def rasa_publish(conversations: range) -> int:
    """Publish through Rasa's KafkaEventBroker as `rasa run` builds it from endpoints.yml."""
    broker = await EventBroker.create(read_endpoint_config(str(ROOT / "endpoints.yml"), "event_broker"))
    assert isinstance(broker, KafkaEventBroker) and broker.partition_by_sender
    try:
        return await publish(broker, conversations)
    finally:
        await broker.close()  # flushes the producer


def consumer(engine: Engine, **kwargs: Any) -> KafkaSignalsConsumer:
    settings = broker_settings("kafka")
    return KafkaSignalsConsumer(settings, EventSink(Aggregator(engine), retention_days=settings.retention_days),
                                admin_timeout_s=1.0, poll_s=0.2, **kwargs)  # fmt: skip


class Running:
    def __init__(self, c: KafkaSignalsConsumer) -> None:
        self.consumer, self.stop, self.error = c, threading.Event(), None
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        try:
            self.consumer.run(self.stop)
        except Exception as exc:  # reported by the test
            self.error = exc

    def close(self) -> None:
        self.stop.set()
        self.thread.join(30)
        assert not self.thread.is_alive()


async def test_rasa_events_through_kafka_count_as_the_sql_path_does(
    kafka_env: dict[str, str], signals_engine: Engine, tmp_path: Path
) -> None:
    conversations = range(50)
    sent = await rasa_publish(conversations)
    assert sent == event_count(conversations)
    run = Running(consumer(signals_engine, batch_size=100))
    try:
        assert run.consumer.stats.wait_for(lambda s: s.counted >= sent, 60), run.consumer.stats
    finally:
        run.close()
    assert run.error is None
    assert run.consumer.stats.counted == sent and run.consumer.stats.unreadable == 0
    assert flushed_counts(signals_engine) == await sql_path_counts(tmp_path, conversations)


class LosesKafkaCommits:
    """A confluent_kafka.Consumer whose offset commits never reach Kafka, and which reads slowly."""

    def __init__(self, config: dict[str, Any]) -> None:
        self._inner = ck.Consumer(config)

    def commit(self, *args: Any, **kwargs: Any) -> None:
        return None

    def consume(self, *args: Any, **kwargs: Any) -> list[Any]:
        threading.Event().wait(0.05)
        return self._inner.consume(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


async def test_a_restart_reads_on_from_the_offsets_stored_with_the_counts(
    kafka_env: dict[str, str], signals_engine: Engine, tmp_path: Path
) -> None:
    conversations = range(50)
    sent = await rasa_publish(conversations)
    first = Running(consumer(signals_engine, batch_size=10, consumer_factory=LosesKafkaCommits))
    try:
        assert first.consumer.stats.wait_for(lambda s: s.counted >= 60, 60)
    finally:
        first.close()  # stops mid-stream; Kafka never saw an offset commit
    assert first.error is None and 0 < first.consumer.stats.counted < sent
    second = Running(consumer(signals_engine, batch_size=100))  # same group: Kafka would start from 0
    try:
        assert second.consumer.stats.wait_for(lambda s: s.counted >= sent - first.consumer.stats.counted, 60)
    finally:
        second.close()
    assert second.error is None
    assert first.consumer.stats.counted + second.consumer.stats.counted == sent
    assert flushed_counts(signals_engine) == await sql_path_counts(tmp_path, conversations)


def message(topic: str, partition: int, offset: int, value: Any, error: Any = None) -> ck.Message:
    body = value if value is None or isinstance(value, bytes) else json.dumps(value).encode()
    return ck.Message(topic=topic, partition=partition, offset=offset, key=b"s", value=body, error=error)


def test_message_handling_on_confluent_kafka_messages(kafka_env: dict[str, str], signals_engine: Engine) -> None:
    c = consumer(signals_engine)
    topic = c.settings.topic
    event = {"sender_id": "k1", "event": "slot", "name": "place_name", "value": "Assen", "timestamp": 1.8e9}
    batch = [
        message(topic, 0, 0, None, ck.KafkaError(ck.KafkaError._PARTITION_EOF)),  # end of partition: not an error
        message(topic, 0, 5, event),
        message(topic, 0, 6, b"not json"),
        message(topic, 1, 9, None),  # a tombstone
        message("another-topic", 2, 1, event),
        message(topic, 1, 10, dict(event, sender_id="k2")),
    ]
    assert c.handle(batch) == 2
    assert (c.stats.counted, c.stats.unreadable) == (2, 2)
    assert c.sink.stored_offsets(topic, [0, 1, 2]) == {0: 7, 1: 11}
    before = (counts(signals_engine), conversations_kept(signals_engine))
    assert before[1] == 2
    # Another consumer moved partition 0 meanwhile: the whole batch rolls back.
    c._expected[0] = 3
    with pytest.raises(StaleOffset):
        c.handle([message(topic, 0, 7, dict(event, sender_id="k3")), message(topic, 1, 11, dict(event, sender_id="k4"))])
    assert c.sink.stored_offsets(topic, [0, 1]) == {0: 7, 1: 11}
    assert (counts(signals_engine), conversations_kept(signals_engine)) == before  # nothing of it counted


def conversations_kept(engine: Engine) -> int:
    from sqlalchemy import func, select

    from socialmap.signals import model as m

    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(m.conversations)).scalar() or 0)


def test_operator_errors_are_clear(kafka_env: dict[str, str], signals_engine: Engine,
                                   monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    c = consumer(signals_engine)
    c._on_error(ck.KafkaError(ck.KafkaError._AUTHENTICATION, "SASL authentication error"))
    assert c.fatal and "EVENT_BROKER_PASSWORD" in c.fatal
    c.retention_ok = True
    with pytest.raises(ConsumerConfigError, match="refused the login"):
        c.run(threading.Event())
    for bad in ("http://kafka:9092", "k1:9092,,k2:9092"):
        monkeypatch.setenv("EVENT_BROKER_URL", bad)
        with pytest.raises(ConsumerConfigError, match="EVENT_BROKER_URL"):
            consumer(signals_engine)


async def test_without_topic_admin_rights_the_log_gives_the_retention_command(
    kafka_env: dict[str, str], signals_engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    await rasa_publish(range(1))  # the topic exists now (auto-created by the mock cluster)
    c = consumer(signals_engine)
    with caplog.at_level(logging.ERROR, logger="socialmap.signals.kafka"):
        assert c.ensure_topic_retention() is False  # the mock cluster has no DescribeConfigs/AlterConfigs
    assert configs_command(c.settings) in caplog.text
    assert f"retention.ms={c.settings.retention_days * 86400000}" in configs_command(c.settings)
    await asyncio.sleep(0)
