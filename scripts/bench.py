"""`make bench`: the speed and memory figures, one `name: value` per line.

1. Search over a synthetic catalog of 100,000 services (scripts/bench_search.py).
2. Message latency through the REST channel of a real stack: a full search turn
   (NLU, form, custom action, social-map search) against a greeting answered by
   a rule on the same server in the same run.
3. Load: simulated residents holding whole search conversations at the same
   time for 60 seconds, then the resident memory of each process. Twice: with
   8 seconds between a resident's messages (`load_*`: reading three result
   cards and typing the next question takes a person longer than that), and
   with 2 seconds (`stress_*`: where one Rasa process saturates).
4. PDOK isolation (`pdok_*`): the action server with PDOK enabled against a slow
   fake PDOK on 127.0.0.1 (1.2 s per geocode). While residents keep validating a
   new postcode (which waits for PDOK), other conversations start (their session
   start is a custom action). Their latency without and with the slow geocodes,
   for the action server as it runs (`pdok_offloop_*`) and, as the control, with
   the actions on its event loop the way rasa_sdk runs them (`pdok_onloop_*`,
   ACTIONS_ON_LOOP=1).
   `python -m scripts.bench --pdok-only` runs just this part.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import shutil
import statistics
import sys
import tempfile
import threading
import time
import uuid
from datetime import date, timedelta
from pathlib import Path

import requests

from scripts.stack import ROOT, Stack, isolated_config

SEARCH_TURN = "Ik zoek een koffieochtend in Assen"
CONVERSATION = [
    "ik zoek een koffieochtend",
    "Zweeloo",
    "/show_more",
    "alleen gratis",
    "ik wil vrijwilligerswerk doen",
    "mijn moeder heeft dementie en ik kan het niet meer aan",
]


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def send(session: requests.Session, url: str, sender: str, text: str) -> float:
    """Send one message; return the latency in ms (raises on an HTTP error or an empty answer)."""
    started = time.perf_counter()
    answer = session.post(url, json={"sender": sender, "message": text}, timeout=30)
    answer.raise_for_status()
    if not answer.json():
        raise RuntimeError(f"empty answer to {text!r}")
    return (time.perf_counter() - started) * 1000


def latency(url: str, turns: int) -> dict[str, float]:
    session = requests.Session()
    for _ in range(5):  # warm up both paths
        send(session, url, "warm-" + uuid.uuid4().hex, SEARCH_TURN)
        send(session, url, "warm-" + uuid.uuid4().hex, "hallo")
    search, floor = [], []
    for _ in range(turns):
        search.append(send(session, url, "bench-" + uuid.uuid4().hex, SEARCH_TURN))
        floor.append(send(session, url, "bench-" + uuid.uuid4().hex, "hallo"))
    return {
        "message_p50_ms": statistics.median(search),
        "message_p95_ms": percentile(search, 95),
        "message_floor_p50_ms": statistics.median(floor),
        "message_floor_p95_ms": percentile(floor, 95),
    }


def load(url: str, users: int, seconds: float, think_s: float) -> dict[str, float]:
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def resident(index: int) -> None:
        nonlocal errors
        session = requests.Session()
        time.sleep(index * think_s / users)  # spread the starts
        while time.monotonic() < deadline:
            sender = f"load-{index}-{uuid.uuid4().hex[:8]}"
            for text in CONVERSATION:
                if time.monotonic() >= deadline:
                    return
                try:
                    took = send(session, url, sender, text)
                    with lock:
                        latencies.append(took)
                except Exception:  # counted, the run goes on
                    with lock:
                        errors += 1
                time.sleep(think_s)

    threads = [threading.Thread(target=resident, args=(i,), daemon=True) for i in range(users)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(seconds + 60)
    elapsed = time.monotonic() - started
    return {
        "load_users": users,
        "load_seconds": round(elapsed, 1),
        "load_think_s": think_s,
        "load_msgs": len(latencies),
        "load_msgs_per_s": len(latencies) / elapsed,
        "load_p50_ms": statistics.median(latencies) if latencies else float("nan"),
        "load_p95_ms": percentile(latencies, 95),
        "load_errors": errors,
    }


def signals_figures(conversations: int = 40_000, renders: int = 200) -> dict[str, float]:
    """Return the signals figures: aggregation throughput and dashboard p95 over a year of synthetic events.

    A year of synthetic conversations across all 12 municipalities (search signals from the
    real search) is written to a broker table shaped like Rasa's, then counted by the
    Aggregator through the broker path; then the dashboard (query + suppression + SVG +
    template) is built for random areas and periods.
    """
    import json
    import random

    from sqlalchemy import create_engine, text

    from scripts.make_signals_demo import synthetic_events
    from socialmap.db import get_engine
    from socialmap.signals.aggregator import Aggregator, default_places
    from socialmap.signals.queries import Area, Period, dashboard
    from web.signals import render_dashboard

    tmp = Path(tempfile.mkdtemp(prefix="bench-signals-"))
    try:
        shutil.copy(ROOT / "var" / "socialmap.db", tmp / "socialmap.db")
        engine = get_engine(f"sqlite:///{tmp / 'socialmap.db'}")
        events = create_engine(f"sqlite:///{tmp / 'events.db'}", future=True)
        with events.begin() as conn:
            conn.execute(text("CREATE TABLE events (id INTEGER PRIMARY KEY, sender_id VARCHAR(255), data TEXT)"))
            rows = [{"s": e["sender_id"], "d": json.dumps(e)} for e in synthetic_events(engine, conversations, 52)]
            conn.execute(text("INSERT INTO events (sender_id, data) VALUES (:s, :d)"), rows)
        started = time.perf_counter()
        counted = Aggregator(engine).run_until_done(events)
        aggregate_s = time.perf_counter() - started
        places = default_places()
        rng = random.Random(14)
        villages = sorted(places.municipality_of)
        timings = []
        for _ in range(renders):
            kind = rng.random()
            area = Area() if kind < 0.3 else Area(rng.choice(sorted(places.municipalities))) if kind < 0.7 else (
                Area.parse(None, rng.choice(villages)))  # fmt: skip
            period = Period.parse(None, None) if rng.random() < 0.5 else Period.parse(
                (date.today() - timedelta(days=364)).isoformat(), None)  # fmt: skip
            started = time.perf_counter()
            render_dashboard(dashboard(period, area, engine=engine), None, {})
            timings.append((time.perf_counter() - started) * 1000)
        return {
            "signals_conversations": conversations,
            "signals_events": counted,
            "signals_aggregate_events_per_s": counted / aggregate_s,
            "signals_dashboard_p50_ms": percentile(timings, 50),
            "signals_dashboard_p95_ms": percentile(timings, 95),
        }
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def signals_rabbitmq_figures(conversations: int = 5_000, batch_size: int = 500) -> dict[str, float]:
    """Return the RabbitMQ consumer's throughput: a queue full of Rasa-shaped events drained into the aggregate.

    A throw-away rabbitmq-server (scripts/rabbitmq_local.py) gets the synthetic events as
    Rasa's pika broker publishes them (persistent JSON messages on its fanout exchange);
    then `RabbitConsumer` counts them (commit, delivery keys, ack) until the queue is empty.
    """
    import asyncio
    import json

    import aio_pika

    from scripts.make_signals_demo import synthetic_events
    from scripts.rabbitmq_local import LocalRabbitMQ
    from socialmap.db import get_engine
    from socialmap.signals.aggregator import Aggregator
    from socialmap.signals.consume import BrokerSettings, EventSink
    from socialmap.signals.rabbitmq import RabbitConsumer

    tmp = Path(tempfile.mkdtemp(prefix="bench-signals-mq-"))
    server = LocalRabbitMQ()
    try:
        shutil.copy(ROOT / "var" / "socialmap.db", tmp / "socialmap.db")
        engine = get_engine(f"sqlite:///{tmp / 'socialmap.db'}")
        bodies = [json.dumps(e).encode() for e in synthetic_events(engine, conversations, 52)]
        server.start()
        settings = BrokerSettings(url="127.0.0.1", port=server.port, username=server.username,
                                  password=server.password, queue="rasa_core_events", exchange="rasa-exchange",
                                  management_url=server.management_url, topic="", group="",
                                  security_protocol="PLAINTEXT", retention_days=28)  # fmt: skip
        consumer = RabbitConsumer(settings, EventSink(Aggregator(engine), retention_days=28), batch_size=batch_size)

        async def run() -> float:
            connection = await aio_pika.connect(host="127.0.0.1", port=server.port, login=server.username,
                                                password=server.password)  # fmt: skip
            async with connection:
                channel = await connection.channel(publisher_confirms=True)
                exchange = await channel.declare_exchange("rasa-exchange", type=aio_pika.ExchangeType.FANOUT)
                queue = await channel.declare_queue("rasa_core_events", durable=True)
                await queue.bind(exchange, "")
                for start in range(0, len(bodies), 1000):
                    await asyncio.gather(*(exchange.publish(aio_pika.Message(
                        body, delivery_mode=aio_pika.DeliveryMode.PERSISTENT), "") for body in bodies[start:start + 1000]))  # fmt: skip
            stop = asyncio.Event()
            started = time.perf_counter()
            task = asyncio.get_running_loop().create_task(consumer.run(stop))
            while consumer.stats.counted + consumer.stats.unreadable < len(bodies):
                if task.done():
                    task.result()
                    raise RuntimeError("the consumer stopped early")
                await asyncio.sleep(0.05)
            elapsed = time.perf_counter() - started
            stop.set()
            await task
            return elapsed

        elapsed = asyncio.run(run())
        return {"signals_rabbitmq_events": len(bodies), "signals_rabbitmq_consume_events_per_s": len(bodies) / elapsed}
    finally:
        server.stop()
        shutil.rmtree(tmp, ignore_errors=True)


PDOK_DELAY_S = 1.2


def _action_call(action: str, sender: str, events: list[dict] | None = None, domain: dict | None = None) -> dict:
    return {
        "next_action": action,
        "sender_id": sender,
        "version": "3.6.2",
        "domain": domain or {},
        "tracker": {
            "sender_id": sender,
            "slots": {},
            "latest_message": (events or [{}])[0],
            "events": events or [],
            "paused": False,
            "followup_action": None,
            "active_loop": {"name": "location_form"} if events else {},
            "latest_action_name": None,
        },
    }


def pdok_isolation(slow_residents: int = 2, samples: int = 40, on_loop: bool = False) -> dict[str, float]:
    """Return the action server's latency for other conversations while some wait for a slow PDOK.

    The action server runs as `make run` starts it, with PDOK enabled against a fake PDOK on
    127.0.0.1 that takes PDOK_DELAY_S per geocode. Slow residents keep validating a new postcode
    (validate_location_form geocodes it: no cache helps); meanwhile other conversations start
    (action_session_start). Measured directly at the action server, so Rasa's own CPU use does
    not blur the figure. `on_loop=True` is the control: the actions on the event loop, as
    rasa_sdk runs them by itself.
    """
    from tests.socialmap.pdok_fake import FakePdok

    prefix = "pdok_onloop_" if on_loop else "pdok_offloop_"
    var_dir = Path(tempfile.mkdtemp(prefix="bench-pdok-var-"))
    with FakePdok() as pdok:
        pdok.mode = "slow"
        pdok.delay_s = PDOK_DELAY_S
        config = isolated_config(
            var_dir,
            ROOT / "results" / "bench-logs-pdok",
            extra_env={
                "PDOK_ENABLED": "true",
                "PDOK_URL": pdok.url,
                "PDOK_TIMEOUT_S": "1.5",
                "ACTIONS_ON_LOOP": "1" if on_loop else "0",
            },
        )
        stack = Stack(config)
        url = f"{config.actions_url}/webhook"
        headers = {"X-Action-Token": config.action_token}
        domain = {"forms": {"location_form": {"required_slots": ["location"]}}, "slots": {"location": {}}}
        try:
            stack.start_all(("actions",), timeout=120)
            session = requests.Session()

            def call(action: str, own: requests.Session, events: list[dict] | None = None) -> float:
                started = time.perf_counter()
                answer = own.post(url, json=_action_call(action, "bench-" + uuid.uuid4().hex, events, domain),
                                  headers=headers, timeout=30)
                answer.raise_for_status()
                return (time.perf_counter() - started) * 1000

            def others() -> list[float]:
                took = []
                for _ in range(samples):  # spread over several PDOK delays
                    took.append(call("action_session_start", session))
                    time.sleep(0.1)
                return took

            others()  # warm up
            quiet = others()
            stop = threading.Event()
            slow: list[float] = []
            lock = threading.Lock()

            def resident(index: int) -> None:
                own = requests.Session()
                n = 0
                while not stop.is_set():
                    n += 1
                    postcode = f"9{index}{n % 100:02d} AB"  # a new postcode each time: PDOK is asked
                    events = [
                        {"event": "user", "text": postcode, "parse_data": {"intent": {"name": "inform"}}},
                        {"event": "slot", "name": "location", "value": postcode},
                    ]
                    took = call("validate_location_form", own, events)
                    with lock:
                        slow.append(took)

            threads = [threading.Thread(target=resident, args=(i,), daemon=True) for i in range(slow_residents)]
            for thread in threads:
                thread.start()
            time.sleep(PDOK_DELAY_S / 2)  # the slow residents are waiting for PDOK now
            busy = others()
            stop.set()
            for thread in threads:
                thread.join(30)
        finally:
            stack.stop_all()
            shutil.rmtree(var_dir, ignore_errors=True)
    return {
        "pdok_delay_ms": PDOK_DELAY_S * 1000,
        prefix + "geocodes": pdok.count,
        prefix + "slow_validation_p50_ms": statistics.median(slow) if slow else float("nan"),
        prefix + "others_quiet_p50_ms": statistics.median(quiet),
        prefix + "others_quiet_p95_ms": percentile(quiet, 95),
        prefix + "others_during_slow_p50_ms": statistics.median(busy),
        prefix + "others_during_slow_p95_ms": percentile(busy, 95),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--think", type=float, default=8.0, help="seconds between a resident's messages")
    parser.add_argument("--stress-think", type=float, default=2.0, help="the same, for the stress run")
    parser.add_argument("--turns", type=int, default=200)
    parser.add_argument("--skip-search", action="store_true")
    parser.add_argument("--skip-signals", action="store_true")
    parser.add_argument("--pdok-only", action="store_true", help="only the PDOK isolation measurement")
    args = parser.parse_args(argv)
    if args.pdok_only:
        for name, value in {**pdok_isolation(), **pdok_isolation(samples=15, on_loop=True)}.items():
            print(f"{name}: {value:.2f}" if isinstance(value, float) else f"{name}: {value}")
        return 0

    figures: dict[str, float] = {}
    if not args.skip_signals:
        figures.update(signals_figures())
        figures.update(signals_rabbitmq_figures())
    if not args.skip_search:
        from scripts import bench_search

        # bench_search prints its own lines too; this run prints every figure once, below.
        with contextlib.redirect_stdout(io.StringIO()):
            figures.update(bench_search.main())

    var_dir = Path(tempfile.mkdtemp(prefix="bench-var-"))
    config = isolated_config(var_dir, ROOT / "results" / "bench-logs")
    stack = Stack(config)
    try:
        stack.start_all(timeout=300)
        url = f"{config.rasa_url}/webhooks/rest/webhook"
        figures.update(latency(url, args.turns))
        figures.update(load(url, args.users, args.seconds, args.think))
        stress = load(url, args.users, args.seconds, args.stress_think)
        figures.update({k.replace("load_", "stress_"): v for k, v in stress.items()})
        figures["rasa_rss_mb"] = stack.rss_mb("rasa")
        figures["actions_rss_mb"] = stack.rss_mb("actions")
        figures["web_rss_mb"] = stack.rss_mb("web")
    finally:
        stack.stop_all()
        shutil.rmtree(var_dir, ignore_errors=True)
    figures.update(pdok_isolation())
    figures.update(pdok_isolation(samples=15, on_loop=True))  # the control waits 2.4 s per sample
    for name, value in figures.items():
        print(f"{name}: {value:.2f}" if isinstance(value, float) else f"{name}: {value}")
    ok = figures["message_p95_ms"] <= 2 * figures["message_floor_p95_ms"]
    print(f"message_p95_within_2x_floor: {'yes' if ok else 'no'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
