"""The RabbitMQ signals consumer against a real RabbitMQ, fed by Rasa's own PikaEventBroker.

Rasa's broker is built from endpoints.yml (EVENT_BROKER_TYPE=pika) by Rasa's own
EventBroker.create; the events are Rasa event objects streamed by Rasa's tracker store.
Every test uses its own exchange and queue, so they do not see each other's events.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from rasa.core.brokers.broker import EventBroker
from rasa.core.brokers.pika import PikaEventBroker
from rasa.utils.endpoints import read_endpoint_config
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from scripts.rabbitmq_local import LocalRabbitMQ
from socialmap import db as _db
from socialmap.signals import model as m
from socialmap.signals.aggregator import Aggregator
from socialmap.signals.consume import ConsumerConfigError, EventSink, broker_settings
from socialmap.signals.rabbitmq import POLICY_NAME, RabbitConsumer, policy_command
from tests.signals_brokers.rasa_events import ROOT, counts, event_count, publish, sql_path_counts

pytestmark = pytest.mark.scale


@pytest.fixture
def broker_env(rabbitmq: LocalRabbitMQ, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    """The environment of a pika deployment, with a queue and exchange of this test only."""
    tag = uuid.uuid4().hex[:8]
    env = {
        "EVENT_BROKER_TYPE": "pika",
        "EVENT_BROKER_URL": "127.0.0.1",
        "EVENT_BROKER_PORT": str(rabbitmq.port),
        "EVENT_BROKER_USERNAME": rabbitmq.username,
        "EVENT_BROKER_PASSWORD": rabbitmq.password,
        "EVENT_BROKER_QUEUES": f"signals-{tag}",
        "EVENT_BROKER_EXCHANGE": f"rasa-exchange-{tag}",
        "EVENT_BROKER_MANAGEMENT_URL": rabbitmq.management_url,
        # the rest of endpoints.yml
        "ACTION_ENDPOINT_URL": "http://127.0.0.1:1/webhook",
        "ACTION_SERVER_TOKEN": "test",
        "TRACKER_DB_URL": "sqlite://",
        "LOCK_STORE_TYPE": "in_memory",
        "LOCK_STORE_HOST": "localhost",
        "LOCK_STORE_PORT": "6379",
        "LOCK_STORE_DB": "1",
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("EVENT_BROKER_PASSWORD_FILE", raising=False)
    yield env


@pytest.fixture
def signals_engine(tmp_path: Path) -> Engine:
    return _db.get_engine(f"sqlite:///{tmp_path / 'signals.db'}")


async def rasa_broker() -> PikaEventBroker:
    """Rasa's broker as `rasa run` builds it from endpoints.yml."""
    config = read_endpoint_config(str(ROOT / "endpoints.yml"), "event_broker")
    broker = await EventBroker.create(config, asyncio.get_running_loop())
    assert isinstance(broker, PikaEventBroker)
    return broker


def consumer(engine: Engine, **kwargs: Any) -> RabbitConsumer:
    settings = broker_settings("rabbitmq")
    return RabbitConsumer(settings, EventSink(Aggregator(engine), retention_days=settings.retention_days),
                          max_backoff_s=1.0, **kwargs)  # fmt: skip


@pytest.fixture
async def running() -> AsyncIterator[list[tuple[RabbitConsumer, asyncio.Task[None], asyncio.Event]]]:
    started: list[tuple[RabbitConsumer, asyncio.Task[None], asyncio.Event]] = []
    yield started
    for _, _task, stop in started:
        stop.set()
    for _, task, _ in started:  # a consumer that failed already failed its test
        await asyncio.wait_for(asyncio.gather(task, return_exceptions=True), 20)


def start(running: list[Any], c: RabbitConsumer) -> asyncio.Task[None]:
    stop = asyncio.Event()
    task = asyncio.get_running_loop().create_task(c.run(stop))
    running.append((c, task, stop))
    return task


async def wait_until(predicate: Any, timeout: float = 60.0, what: Any = "") -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what() if callable(what) else what}")
        await asyncio.sleep(0.1)


def flushed_counts(engine: Engine) -> dict[tuple[Any, ...], int]:
    from datetime import datetime, timezone

    Aggregator(engine).flush_idle(datetime(2030, 1, 1, tzinfo=timezone.utc))
    return counts(engine)


def queue_depth(rabbitmq: LocalRabbitMQ, queue: str) -> int:
    for line in rabbitmq.ctl("list_queues", "-q", "name", "messages").splitlines():
        parts = line.split()
        if parts and parts[0] == queue:
            return int(parts[1])
    raise AssertionError(f"queue {queue} not found")


def applied_policy(rabbitmq: LocalRabbitMQ, queue: str) -> tuple[str, int]:
    """Return (the policy RabbitMQ applies to `queue`, its message-ttl), as rabbitmqctl reports them."""
    import json

    lines = rabbitmq.ctl("list_queues", "-q", "name", "policy").splitlines()
    name = next(line.split()[1] for line in lines if line.split() and line.split()[0] == queue)
    policies = json.loads(rabbitmq.ctl("list_policies", "--formatter", "json"))
    definition = next(p["definition"] for p in policies if p["name"] == name)
    definition = json.loads(definition) if isinstance(definition, str) else definition
    return name, int(definition["message-ttl"])


async def test_rasa_events_through_rabbitmq_count_as_the_sql_path_does(
    broker_env: dict[str, str], signals_engine: Engine, rabbitmq: LocalRabbitMQ, tmp_path: Path, running: list[Any]
) -> None:
    conversations = range(60)
    c = consumer(signals_engine, batch_size=100)
    start(running, c)
    broker = await rasa_broker()
    try:
        sent = await publish(broker, conversations)
    finally:
        await broker.close()
    assert sent == event_count(conversations)
    await wait_until(lambda: c.stats.counted == sent, what="every event counted")
    assert c.stats.duplicates == 0 and c.stats.unreadable == 0
    assert flushed_counts(signals_engine) == await sql_path_counts(tmp_path, conversations)
    assert c.sink.kept_keys() == sent  # one key per message, kept while the broker could redeliver it
    assert queue_depth(rabbitmq, broker_env["EVENT_BROKER_QUEUES"]) == 0


async def test_the_retention_ttl_is_a_policy_on_rasas_queue(
    broker_env: dict[str, str], signals_engine: Engine, rabbitmq: LocalRabbitMQ, running: list[Any]
) -> None:
    queue = broker_env["EVENT_BROKER_QUEUES"]
    broker = await rasa_broker()  # Rasa declares the queue first, without arguments
    await broker.close()
    c = consumer(signals_engine)
    start(running, c)
    await wait_until(lambda: c.policy_ok is not None, what="the policy call")
    assert c.policy_ok is True
    assert c.settings.retention_ms == c.settings.retention_days * 24 * 3600 * 1000
    assert applied_policy(rabbitmq, queue) == (POLICY_NAME, c.settings.retention_ms)


async def test_without_the_management_api_the_log_gives_a_working_rabbitmqctl_command(
    broker_env: dict[str, str], signals_engine: Engine, rabbitmq: LocalRabbitMQ, caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("EVENT_BROKER_MANAGEMENT_URL", "http://127.0.0.1:1")
    c = consumer(signals_engine)
    with caplog.at_level(logging.ERROR, logger="socialmap.signals.rabbitmq"):
        assert c.ensure_retention_policy() is False
    command = policy_command(c.settings)
    assert command in caplog.text
    import shlex

    args = shlex.split(command)[1:]  # as the operator runs it, against this node
    broker = await rasa_broker()
    await broker.close()
    rabbitmq.ctl(*args)
    assert applied_policy(rabbitmq, broker_env["EVENT_BROKER_QUEUES"]) == (POLICY_NAME, c.settings.retention_ms)


async def test_a_crash_after_the_commit_before_the_ack_counts_nothing_twice(
    broker_env: dict[str, str], signals_engine: Engine, tmp_path: Path, running: list[Any]
) -> None:
    conversations = range(30)
    c = consumer(signals_engine, batch_size=40, linger_s=0.5)
    crashes = []
    original = c._acknowledge

    async def crash_once(channel: Any, batch: list[Any]) -> None:
        if not crashes:  # the counts of this batch are committed; the process "dies" before the ack
            crashes.append(len(batch))
            await channel.close()
            raise ConnectionError("simulated crash before the ack")
        await original(channel, batch)

    c._acknowledge = crash_once  # type: ignore[method-assign]
    broker = await rasa_broker()
    try:
        sent = await publish(broker, conversations)
    finally:
        await broker.close()
    start(running, c)
    await wait_until(lambda: c.stats.counted + c.stats.duplicates >= sent,
                     what=lambda: f"the redelivered batch: {c.stats} {crashes} {sent}")  # fmt: skip
    assert crashes and crashes[0] > 0
    assert c.stats.reconnects >= 1
    assert c.stats.duplicates == crashes[0]  # redelivered, recognised, not counted again
    assert c.stats.counted == sent - crashes[0]  # the crashed batch was committed, its stats never added
    assert flushed_counts(signals_engine) == await sql_path_counts(tmp_path, conversations)
    assert c.sink.kept_keys() == sent


async def test_the_consumer_process_killed_mid_stream_and_restarted_loses_and_doubles_nothing(
    broker_env: dict[str, str], tmp_path: Path, rabbitmq: LocalRabbitMQ
) -> None:
    conversations = range(300)
    db = tmp_path / "signals.db"
    env = {**os.environ, "SOCIALMAP_DB_URL": f"sqlite:///{db}", "PYTHONPATH": str(ROOT)}
    broker = await rasa_broker()
    try:
        sent = await publish(broker, conversations)
    finally:
        await broker.close()
    engine = _db.get_engine(f"sqlite:///{db}")
    m.ensure_schema(engine)
    command = [sys.executable, "-m", "socialmap", "signals", "consume", "--broker", "rabbitmq", "--batch-size", "25"]
    log = open(tmp_path / "consumer.log", "ab")  # noqa: SIM115
    first = subprocess.Popen(command, env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    try:
        await wait_until(lambda: bool(counts(engine)), 120, "the first counts")
        first.send_signal(signal.SIGKILL)  # no clean shutdown: whatever was in flight is redelivered
        first.wait(30)
        assert queue_depth(rabbitmq, broker_env["EVENT_BROKER_QUEUES"]) > 0  # it died mid-stream
        second = subprocess.Popen(command, env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
        try:
            await wait_until(lambda: queue_depth(rabbitmq, broker_env["EVENT_BROKER_QUEUES"]) == 0, 180, "empty queue")
        finally:
            second.send_signal(signal.SIGTERM)
            assert second.wait(30) == 0
    finally:
        if first.poll() is None:
            first.kill()
        log.close()
    assert flushed_counts(engine) == await sql_path_counts(tmp_path, conversations)
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(m.conversations)).scalar() == 0
    text = (tmp_path / "consumer.log").read_text()
    assert "Traceback" not in text
    assert sent == event_count(conversations)


async def test_the_broker_going_away_and_coming_back(
    broker_env: dict[str, str], signals_engine: Engine, rabbitmq: LocalRabbitMQ, tmp_path: Path, running: list[Any]
) -> None:
    c = consumer(signals_engine, batch_size=50)
    start(running, c)
    broker = await rasa_broker()
    try:
        sent = await publish(broker, range(0, 20))
    finally:
        await broker.close()
    await wait_until(lambda: c.stats.counted == sent, what="the first half")
    rabbitmq.kill()
    try:
        await wait_until(lambda: c.stats.reconnects >= 2, 30, "reconnect attempts while the broker is down")
        assert "not reachable" in (c.stats.last_error or "")
    finally:
        rabbitmq.start()
    broker = await rasa_broker()
    try:
        sent += await publish(broker, range(20, 40))
    finally:
        await broker.close()
    await wait_until(lambda: c.stats.counted == sent, 90,
                     lambda: f"the second half: {c.stats} {sent} {rabbitmq.ctl('list_queues', 'name', 'messages', 'consumers')}")
    assert flushed_counts(signals_engine) == await sql_path_counts(tmp_path, range(40))


async def test_operator_errors_are_clear(broker_env: dict[str, str], signals_engine: Engine,
                                         monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    monkeypatch.setenv("EVENT_BROKER_PASSWORD", "wrong")
    c = consumer(signals_engine)
    with pytest.raises(ConsumerConfigError, match="refused the login of user 'socialmap'.*EVENT_BROKER_PASSWORD"):
        await asyncio.wait_for(c.run(), 30)
    assert "wrong" not in repr(c.settings)
    for bad in ("http://broker", "broker:5672", "amqp://"):
        monkeypatch.setenv("EVENT_BROKER_URL", bad)
        with pytest.raises(ConsumerConfigError, match="EVENT_BROKER_URL"):
            consumer(signals_engine)
    monkeypatch.setenv("EVENT_BROKER_URL", "127.0.0.1")
    monkeypatch.setenv("EVENT_BROKER_PORT", "http")
    with pytest.raises(ConsumerConfigError, match="EVENT_BROKER_PORT"):
        consumer(signals_engine)


async def test_a_second_consumer_stands_by_and_takes_over(
    broker_env: dict[str, str], signals_engine: Engine, tmp_path: Path, running: list[Any]
) -> None:
    first, second = consumer(signals_engine), consumer(signals_engine)
    start(running, first)
    await wait_until(lambda: first.policy_ok is not None, what="the first consumer")
    start(running, second)
    await wait_until(lambda: "standing by" in (second.stats.last_error or ""), 30, "the second to stand by")
    running[0][2].set()
    await asyncio.wait_for(running[0][1], 20)
    broker = await rasa_broker()
    try:
        sent = await publish(broker, range(10))
    finally:
        await broker.close()
    await wait_until(lambda: second.stats.counted == sent, 60, "the second consumer to take over")
    assert first.stats.counted == 0
    assert flushed_counts(signals_engine) == await sql_path_counts(tmp_path, range(10))


def test_delivery_keys_are_kept_for_the_retention_period_only(signals_engine: Engine) -> None:
    from datetime import timedelta

    from sqlalchemy import update

    from socialmap.signals.consume import deliveries

    sink = EventSink(Aggregator(signals_engine), retention_days=28)
    body = b'{"sender_id": "r1", "event": "action", "name": "action_listen", "timestamp": 1.8e9}'
    first = sink.commit_deliveries([body, b"[1, 2]"])
    assert (first.counted, first.unreadable, len(first.keys)) == (1, 1, 1)
    again = sink.commit_deliveries([body])  # redelivered: recognised, not counted again
    assert (again.counted, again.duplicates) == (0, 1)
    with signals_engine.begin() as conn:
        raw = conn.execute(select(deliveries.c.key)).scalars().all()
        assert "r1" not in "".join(raw) and len(raw[0]) == 64
        conn.execute(update(deliveries).values(at=_db.utc_naive() - timedelta(days=28, hours=12)))
    assert sink.purge_stale() == 0  # younger than the retention period plus a day: the broker may still hold it
    with signals_engine.begin() as conn:
        conn.execute(update(deliveries).values(at=_db.utc_naive() - timedelta(days=29, minutes=1)))
    assert sink.purge_stale() == 1 and sink.kept_keys() == 0
