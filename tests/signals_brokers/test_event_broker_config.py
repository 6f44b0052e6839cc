"""endpoints.yml's event_broker block builds Rasa's own broker for EVENT_BROKER_TYPE (rasa_addons/event_broker.py)."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from pathlib import Path

import pytest
from rasa.core.brokers.broker import EventBroker
from rasa.core.brokers.sql import SQLEventBroker
from rasa.utils.endpoints import read_endpoint_config

from rasa_addons.event_broker import rasa_broker_config
from tests.signals_brokers.rasa_events import ROOT

OTHER_ENV = {"ACTION_ENDPOINT_URL": "http://127.0.0.1:1/webhook", "ACTION_SERVER_TOKEN": "t", "TRACKER_DB_URL": "sqlite://",
             "LOCK_STORE_TYPE": "in_memory", "LOCK_STORE_HOST": "localhost", "LOCK_STORE_PORT": "6379",
             "LOCK_STORE_DB": "1"}  # fmt: skip
BROKER_ENV = ("EVENT_BROKER_PORT", "EVENT_BROKER_USERNAME", "EVENT_BROKER_PASSWORD", "EVENT_BROKER_PASSWORD_FILE",
              "EVENT_BROKER_QUEUES", "EVENT_BROKER_EXCHANGE", "EVENT_BROKER_TOPIC", "EVENT_BROKER_SECURITY_PROTOCOL")


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for key, value in OTHER_ENV.items():
        monkeypatch.setenv(key, value)
    for key in BROKER_ENV:  # a process that sets only EVENT_BROKER_TYPE and _URL still reads endpoints.yml
        monkeypatch.delenv(key, raising=False)
    return monkeypatch


def block() -> object:
    return read_endpoint_config(str(ROOT / "endpoints.yml"), "event_broker")


async def test_sql_is_rasas_sql_event_broker_on_the_url(env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    env.setenv("EVENT_BROKER_TYPE", "sql")
    env.setenv("EVENT_BROKER_URL", f"sqlite:///{tmp_path / 'events.db'}")
    broker = await EventBroker.create(block(), asyncio.get_running_loop())  # type: ignore[arg-type]
    assert isinstance(broker, SQLEventBroker)
    broker.publish({"sender_id": "s", "event": "action", "name": "action_listen", "timestamp": 1.0})
    rows = sqlite3.connect(tmp_path / "events.db").execute("SELECT sender_id, data FROM events").fetchall()
    assert rows[0][0] == "s" and json.loads(rows[0][1])["name"] == "action_listen"


def test_pika_and_kafka_take_their_keys_from_the_environment(env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    env.setenv("EVENT_BROKER_TYPE", "pika")
    env.setenv("EVENT_BROKER_URL", "rabbit.internal")
    defaults = rasa_broker_config(block())  # type: ignore[arg-type]
    assert defaults.type == "pika" and defaults.url == "rabbit.internal"
    assert defaults.kwargs["queues"] == ["rasa_core_events"] and "port" not in defaults.kwargs
    secret = tmp_path / "password"
    secret.write_text("geheim\n")
    env.setenv("EVENT_BROKER_PASSWORD_FILE", str(secret))
    env.setenv("EVENT_BROKER_PORT", "5673")
    env.setenv("EVENT_BROKER_USERNAME", "rasa")
    env.setenv("EVENT_BROKER_QUEUES", "signals, analytics")
    pika = rasa_broker_config(block())  # type: ignore[arg-type]
    assert pika.kwargs == {"queues": ["signals", "analytics"], "username": "rasa", "password": "geheim", "port": 5673}
    env.setenv("EVENT_BROKER_TYPE", "kafka")
    env.setenv("EVENT_BROKER_URL", "k1:9092,k2:9092")
    env.setenv("EVENT_BROKER_TOPIC", "events")
    kafka = rasa_broker_config(block())  # type: ignore[arg-type]
    assert kafka.type == "kafka" and kafka.url == "k1:9092,k2:9092"
    assert kafka.kwargs == {"topic": "events", "partition_by_sender": True, "security_protocol": "SASL_PLAINTEXT",
                            "sasl_username": "rasa", "sasl_password": "geheim"}  # fmt: skip
    env.setenv("EVENT_BROKER_TYPE", "mqtt")
    with pytest.raises(ValueError, match="EVENT_BROKER_TYPE"):
        rasa_broker_config(block())  # type: ignore[arg-type]
