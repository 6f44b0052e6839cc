"""Signals on real PostgreSQL: the aggregate and its broker table there, counted once by two aggregators at once."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine

from socialmap.signals.aggregator import Aggregator
from socialmap.signals.queries import Area, Period, dashboard
from tests.scale.conftest import PostgresServer
from tests.socialmap.test_signals import conversation

pytestmark = pytest.mark.scale


@pytest.fixture
def signals_engine(postgres_server: PostgresServer) -> Iterator[Engine]:
    engine = create_engine(postgres_server.create_database(f"signals_{time.monotonic_ns()}"), future=True)
    yield engine
    engine.dispose()


def test_two_aggregators_on_postgres_count_every_broker_row_once(signals_engine: Engine) -> None:
    with signals_engine.begin() as conn:
        # Rasa's SQLEventBroker table, in the same PostgreSQL database.
        conn.execute(text("CREATE TABLE events (id SERIAL PRIMARY KEY, sender_id VARCHAR(255), data TEXT)"))
        for i in range(40):
            for event in conversation(f"pg-{i}", "Westerbork", "Midden-Drenthe", "youth", audience="jongeren",
                                      nearest=None):  # fmt: skip
                conn.execute(text("INSERT INTO events (sender_id, data) VALUES (:s, :d)"),
                             {"s": event["sender_id"], "d": json.dumps(event)})  # fmt: skip
    errors: list[BaseException] = []

    def work() -> None:
        try:
            aggregator = Aggregator(signals_engine)
            while aggregator.run_once(signals_engine, batch_size=25):
                pass
        except Exception as exc:  # the cursor row lock makes the other one wait: no error at all
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert Aggregator(signals_engine).run_until_done(signals_engine) == 0
    data = dashboard(Period.month("2026-11"), Area("Midden-Drenthe"), engine=signals_engine)
    assert data["totals"]["conversation"] == 40
    assert data["gaps"][0]["text"] == "Jongeren in Westerbork: 40 zoekvragen, niets binnen 10 km"
