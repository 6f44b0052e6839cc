"""Consume Rasa's RabbitMQ (`pika` event broker) events into the signals aggregate.

What Rasa 3.6 publishes (rasa/core/brokers/pika.py): every event of every conversation as
one persistent message, body = the event as JSON with its `sender_id`, to the *fanout*
exchange `rasa-exchange` (not durable), to which it binds each of its `queues` (durable,
no arguments; default `rasa_core_events`). This consumer declares the same exchange,
queue and binding (so no event is dropped when it starts before Rasa), and reads the
first queue of EVENT_BROKER_QUEUES as an *exclusive* consumer: a second consumer (another
replica) is refused by RabbitMQ and stands by until the first goes away, so the events
of a conversation are counted in order by one process.

A batch (up to `batch_size` messages or `linger_s` seconds) is counted in one database
transaction, then acknowledged (see consume.py for why redelivery never counts twice,
also after RabbitMQ itself crashed).

Retention: Rasa declares the queue without arguments, and RabbitMQ refuses a second
declaration with other arguments, so the message TTL (= retention_days) is a RabbitMQ
*policy* on that queue. The consumer sets it through the management HTTP API
(EVENT_BROKER_MANAGEMENT_URL, default http://<host>:15672, same user; needs the
`policymaker` tag); when that API is not there it logs the `rabbitmqctl set_policy`
command for the operator.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import socket
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

import aio_pika
import aiormq.exceptions
from aio_pika.abc import AbstractIncomingMessage
from sqlalchemy.exc import SQLAlchemyError

from socialmap.signals.consume import (
    Backoff,
    BrokerSettings,
    ConsumerConfigError,
    ConsumerStats,
    EventSink,
    broker_settings,
)

log = logging.getLogger(__name__)

POLICY_NAME = "socialmap-signals-retention"
POLICY_PRIORITY = 10
PURGE_EVERY_S = 3600.0  # delivery keys older than the retention period go once an hour


def _url_parts(settings: BrokerSettings) -> dict[str, Any]:
    """Return aio_pika.connect arguments for the settings; raise ConsumerConfigError on a bad URL."""
    raw = settings.url
    if "://" in raw:
        parsed = urllib.parse.urlsplit(raw)
        if parsed.scheme not in {"amqp", "amqps"} or not parsed.hostname:
            raise ConsumerConfigError(f"EVENT_BROKER_URL={raw.split('@')[-1]!r}: expected a host name or "
                                      "amqp://host[:port][/vhost]")  # fmt: skip
        try:
            url_port = parsed.port
        except ValueError as exc:
            raise ConsumerConfigError(f"EVENT_BROKER_URL: bad port ({exc})") from exc
        vhost = urllib.parse.unquote(parsed.path[1:]) if len(parsed.path) > 1 else "/"
        host, port, ssl = parsed.hostname, url_port or settings.port, parsed.scheme == "amqps"
        login = urllib.parse.unquote(parsed.username) if parsed.username else settings.username
        password = urllib.parse.unquote(parsed.password) if parsed.password else settings.password
    else:
        if "/" in raw or " " in raw or ":" in raw.strip("[]"):
            raise ConsumerConfigError(f"EVENT_BROKER_URL={raw!r}: give the host name only, the port in "
                                      "EVENT_BROKER_PORT (or amqp://host:port/vhost)")  # fmt: skip
        host, port, ssl, vhost = raw, settings.port, False, "/"
        login, password = settings.username, settings.password
    return {
        "host": host,
        "port": port or (5671 if ssl else 5672),
        "login": login or "guest",
        "password": password or "guest",
        "virtualhost": vhost,
        "ssl": ssl,
    }


def policy_command(settings: BrokerSettings) -> str:
    """Return the rabbitmqctl command that sets the retention TTL on the queue (for the operator)."""
    definition = json.dumps({"message-ttl": settings.retention_ms})
    return (f"rabbitmqctl set_policy --apply-to queues --priority {POLICY_PRIORITY} {POLICY_NAME} "
            f"'^{_pattern_escape(settings.queue)}$' '{definition}'")  # fmt: skip


def _pattern_escape(name: str) -> str:
    return "".join("\\" + ch if ch in r".^$*+?()[]{}|\\" else ch for ch in name)


class RabbitConsumer:
    """Reads Rasa's events from RabbitMQ into an EventSink, reconnecting with backoff."""

    def __init__(
        self,
        settings: BrokerSettings | None = None,
        sink: EventSink | None = None,
        *,
        batch_size: int = 500,
        linger_s: float = 0.2,
        connect_timeout_s: float = 10.0,
        max_backoff_s: float = 60.0,
        set_policy: bool = True,
    ) -> None:
        self.settings = settings or broker_settings("rabbitmq")
        self.connect_args = _url_parts(self.settings)  # a bad URL fails here, before any connection
        self.sink = sink or EventSink(retention_days=self.settings.retention_days)
        self.batch_size = batch_size
        self.linger_s = linger_s
        self.connect_timeout_s = connect_timeout_s
        self.backoff = Backoff(maximum=max_backoff_s)
        self.set_policy = set_policy
        self.stats = ConsumerStats()
        self.policy_ok: bool | None = None
        self._stop: asyncio.Event | None = None
        self._next_purge = 0.0

    @property
    def where(self) -> str:
        a = self.connect_args
        return f"{a['host']}:{a['port']} vhost {a['virtualhost']!r} queue {self.settings.queue!r}"

    # -- the outer loop -------------------------------------------------------------------

    async def run(self, stop: asyncio.Event | None = None) -> None:
        """Consume until `stop` is set; raise ConsumerConfigError on wrong credentials or permissions."""
        self._stop = stop or asyncio.Event()
        while not self._stop.is_set():
            try:
                await self._session()
                continue  # the connection was closed by us (stop) or by the broker: reconnect at once
            except ConsumerConfigError:
                raise
            except aiormq.exceptions.ProbableAuthenticationError as exc:
                raise ConsumerConfigError(
                    f"RabbitMQ at {self.where} refused the login of user {self.connect_args['login']!r}: "
                    "check EVENT_BROKER_USERNAME and EVENT_BROKER_PASSWORD (or EVENT_BROKER_PASSWORD_FILE)"
                ) from exc
            except aiormq.exceptions.ConnectionNotAllowed as exc:
                raise ConsumerConfigError(
                    f"RabbitMQ at {self.where}: user {self.connect_args['login']!r} may not use this vhost ({exc})"
                ) from exc
            except aiormq.exceptions.ChannelAccessRefused as exc:
                if "exclusive" in str(exc):
                    self._note(f"another consumer holds queue {self.settings.queue!r}; standing by")
                    await self._sleep(min(self.backoff.next(), 5.0))
                    continue
                raise ConsumerConfigError(f"RabbitMQ at {self.where}: access refused ({exc})") from exc
            except aiormq.exceptions.ChannelPreconditionFailed as exc:
                raise ConsumerConfigError(
                    f"RabbitMQ at {self.where}: the exchange or queue exists with other settings than "
                    f"Rasa's ({exc})"
                ) from exc
            except socket.gaierror as exc:
                self._note(f"cannot resolve RabbitMQ host {self.connect_args['host']!r} ({exc.strerror})")
            except (OSError, asyncio.TimeoutError, *aio_pika.exceptions.CONNECTION_EXCEPTIONS) as exc:
                self._note(f"RabbitMQ at {self.where} is not reachable ({type(exc).__name__}: {exc})")
            except SQLAlchemyError as exc:
                # The batch was rolled back and not acknowledged: closing the connection redelivers it.
                self._note(f"the signals database failed ({type(exc).__name__}); the batch will be redelivered")
            self.stats.reconnects += 1
            delay = self.backoff.next()
            log.warning("signals consumer: reconnecting to RabbitMQ in %.0f s", delay)
            await self._sleep(delay)

    def _note(self, message: str) -> None:
        if message != self.stats.last_error:
            log.warning("signals consumer: %s", message)
        else:
            log.debug("signals consumer: %s", message)
        self.stats.last_error = message

    async def _sleep(self, seconds: float) -> None:
        assert self._stop is not None
        try:
            await asyncio.wait_for(self._stop.wait(), timeout=seconds)
        except asyncio.TimeoutError:
            pass

    # -- one connection -------------------------------------------------------------------

    async def _session(self) -> None:
        assert self._stop is not None
        loop = asyncio.get_running_loop()
        connection = await aio_pika.connect(
            timeout=self.connect_timeout_s,
            client_properties={"connection_name": "socialmap-signals-consumer"},
            **self.connect_args,
        )
        lost = asyncio.Event()
        connection.close_callbacks.add(lambda *_: lost.set())
        try:
            channel = await connection.channel()
            channel.close_callbacks.add(lambda *_: lost.set())
            # Twice a batch: the next batch arrives while this one is being committed.
            await channel.set_qos(prefetch_count=2 * self.batch_size)
            # The same exchange, queue and binding as Rasa's PikaEventBroker declares.
            exchange = await channel.declare_exchange(self.settings.exchange, type=aio_pika.ExchangeType.FANOUT)
            queue = await channel.declare_queue(self.settings.queue, durable=True)
            await queue.bind(exchange, "")
            if self.set_policy and self.policy_ok is None:
                self.policy_ok = await loop.run_in_executor(None, self.ensure_retention_policy)
            await loop.run_in_executor(None, self.sink.purge_stale)
            self._next_purge = loop.time() + PURGE_EVERY_S
            inbox: asyncio.Queue[AbstractIncomingMessage] = asyncio.Queue()
            await queue.consume(inbox.put, exclusive=True)
            log.info("signals consumer: reading %s (batches of %d)", self.where, self.batch_size)
            self.backoff.reset()
            self.stats.last_error = None
            while not self._stop.is_set() and not lost.is_set():
                batch = await self._collect(inbox, lost)
                if batch:
                    await self._handle(channel, batch)
            if lost.is_set() and not self._stop.is_set():
                raise ConnectionError("the connection or channel was closed by the broker")
        finally:
            if not connection.is_closed:
                try:
                    await asyncio.wait_for(connection.close(), timeout=5)
                except Exception:  # closing a broken connection: nothing left to save
                    log.debug("signals consumer: closing the connection failed", exc_info=True)

    async def _collect(
        self, inbox: asyncio.Queue[AbstractIncomingMessage], lost: asyncio.Event
    ) -> list[AbstractIncomingMessage]:
        try:
            first = await asyncio.wait_for(inbox.get(), timeout=0.5)
        except asyncio.TimeoutError:
            return []
        batch = [first]
        deadline = asyncio.get_running_loop().time() + self.linger_s
        while len(batch) < self.batch_size and not lost.is_set():
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                break
            try:
                batch.append(await asyncio.wait_for(inbox.get(), timeout=remaining))
            except asyncio.TimeoutError:
                break
        return batch

    async def _handle(self, channel: aio_pika.abc.AbstractChannel, batch: list[AbstractIncomingMessage]) -> None:
        loop = asyncio.get_running_loop()
        # The counts are committed first; a failure here leaves the batch unacknowledged (redelivered).
        result = await loop.run_in_executor(None, self.sink.commit_deliveries, [msg.body for msg in batch])
        await self._acknowledge(channel, batch)
        if loop.time() >= self._next_purge:
            await loop.run_in_executor(None, self.sink.purge_stale)
            self._next_purge = loop.time() + PURGE_EVERY_S
        if result.unreadable:
            log.warning("signals consumer: %d messages were not Rasa events (JSON with a sender_id); dropped",
                        result.unreadable)  # fmt: skip
        if result.duplicates:
            log.info("signals consumer: %d redelivered messages were counted before; not counted again",
                     result.duplicates)  # fmt: skip
        self.stats.add(result)

    async def _acknowledge(self, channel: aio_pika.abc.AbstractChannel, batch: list[AbstractIncomingMessage]) -> None:
        await batch[-1].ack(multiple=True)

    # -- retention ------------------------------------------------------------------------

    def management_url(self) -> str:
        if self.settings.management_url:
            return self.settings.management_url.rstrip("/")
        return f"http://{self.connect_args['host']}:15672"

    def ensure_retention_policy(self) -> bool:
        """Set the message TTL policy on the queue through the management API; return whether it is set."""
        a = self.connect_args
        vhost = urllib.parse.quote(a["virtualhost"], safe="")
        url = f"{self.management_url()}/api/policies/{vhost}/{POLICY_NAME}"
        body = json.dumps({
            "pattern": f"^{_pattern_escape(self.settings.queue)}$",
            "definition": {"message-ttl": self.settings.retention_ms},
            "apply-to": "queues",
            "priority": POLICY_PRIORITY,
        }).encode()  # fmt: skip
        auth = base64.b64encode(f"{a['login']}:{a['password']}".encode()).decode()
        request = urllib.request.Request(
            url, data=body, method="PUT",
            headers={"Content-Type": "application/json", "Authorization": f"Basic {auth}"},
        )  # fmt: skip
        try:
            with urllib.request.urlopen(request, timeout=self.connect_timeout_s) as response:
                ok = 200 <= response.status < 300
        except urllib.error.HTTPError as exc:
            reason = f"HTTP {exc.code}" + (" (the user needs the policymaker tag)" if exc.code in (401, 403) else "")
            ok = False
        except (urllib.error.URLError, OSError) as exc:
            reason = f"management API not reachable ({getattr(exc, 'reason', exc)})"
            ok = False
        if ok:
            log.info("signals consumer: queue %r keeps messages at most %d days (policy %s)",
                     self.settings.queue, self.settings.retention_days, POLICY_NAME)  # fmt: skip
            return True
        log.error("signals consumer: could not set the retention policy at %s: %s. Set it once with: %s",
                  self.management_url(), reason, policy_command(self.settings))  # fmt: skip
        return False


def run_forever(consumer: RabbitConsumer) -> None:
    """Run the consumer until SIGINT/SIGTERM (for the CLI)."""
    import signal

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await consumer.run(stop)

    asyncio.run(main())
