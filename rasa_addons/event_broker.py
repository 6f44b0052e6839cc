"""Pick Rasa's own event broker (sql, pika or kafka) from EVENT_BROKER_TYPE.

endpoints.yml has one `event_broker` block, filled from the environment. Rasa hands every
key of that block to the broker's constructor, and its SQL broker refuses the RabbitMQ
keys (`queues`), so the block names this class, which builds Rasa's own broker with
the keys it takes: `SQLEventBroker`, `PikaEventBroker` or `KafkaEventBroker` (with
`partition_by_sender`, so a conversation stays on one partition, in order). Besides the
block's `broker` and `url`, the settings come from EVENT_BROKER_PORT, _USERNAME, _QUEUES,
_EXCHANGE, _TOPIC and _SECURITY_PROTOCOL (a key written in the block wins), so a process
that sets only EVENT_BROKER_TYPE and EVENT_BROKER_URL still reads endpoints.yml. The
password comes from EVENT_BROKER_PASSWORD or the file named by EVENT_BROKER_PASSWORD_FILE
(never from a command line).
"""

from __future__ import annotations

import os
from asyncio import AbstractEventLoop
from typing import Any

from rasa.core.brokers.broker import EventBroker
from rasa.utils.endpoints import EndpointConfig

from socialmap.settings import secret_from_env

KINDS = ("sql", "pika", "kafka")


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _setting(raw: dict[str, Any], key: str, env: str) -> str:
    """Return the block's `key` when written there, else the environment variable `env`."""
    return _text(raw.get(key)) or _text(os.environ.get(env))


def rasa_broker_config(config: EndpointConfig) -> EndpointConfig:
    """Return the EndpointConfig of Rasa's own broker for the env-driven block `config`."""
    raw = dict(config.kwargs)
    kind = _text(raw.pop("broker", "")).lower() or "sql"
    if kind == "rabbitmq":
        kind = "pika"
    if kind not in KINDS:
        raise ValueError(f"EVENT_BROKER_TYPE={kind!r}: use sql, pika or kafka")
    url = _text(config.url)
    if kind == "sql":
        return EndpointConfig(url=url, type="sql")
    username = _setting(raw, "username", "EVENT_BROKER_USERNAME")
    password = _text(raw.get("password")) or secret_from_env("EVENT_BROKER_PASSWORD")
    if kind == "pika":
        queues = [q.strip() for q in _setting(raw, "queues", "EVENT_BROKER_QUEUES").split(",") if q.strip()]
        pika: dict[str, Any] = {"type": "pika", "queues": queues or ["rasa_core_events"],
                                "username": username or "guest", "password": password or "guest"}  # fmt: skip
        port = _setting(raw, "port", "EVENT_BROKER_PORT")
        if port:
            pika["port"] = int(port)
        exchange = _setting(raw, "exchange", "EVENT_BROKER_EXCHANGE")
        if exchange:
            pika["exchange_name"] = exchange
        return EndpointConfig(url=url or "localhost", **pika)
    protocol = _setting(raw, "security_protocol", "EVENT_BROKER_SECURITY_PROTOCOL").upper() or (
        "SASL_PLAINTEXT" if username else "PLAINTEXT"
    )
    kafka: dict[str, Any] = {"type": "kafka", "topic": _setting(raw, "topic", "EVENT_BROKER_TOPIC") or
                             "rasa_core_events", "partition_by_sender": True, "security_protocol": protocol}  # fmt: skip
    if username:
        kafka.update({"sasl_username": username, "sasl_password": password})
    return EndpointConfig(url=url or "localhost:9092", **kafka)


class EnvEventBroker(EventBroker):
    """Never instantiated: `from_endpoint_config` returns Rasa's own broker."""

    @classmethod
    async def from_endpoint_config(
        cls, broker_config: EndpointConfig, event_loop: AbstractEventLoop | None = None
    ) -> EventBroker | None:
        return await EventBroker.create(rasa_broker_config(broker_config), event_loop)
