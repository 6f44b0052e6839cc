"""Real Rasa conversation events, published the way Rasa publishes them, and the SQL path's counts.

Trackers are built from Rasa's own event classes and saved in Rasa's InMemoryTrackerStore
with an event broker: the store streams each new event to the broker as Rasa's server
does (`{"sender_id": ..., **event.as_dict()}`). The reference counts come from the same
events through Rasa's SQLEventBroker table and `Aggregator.run_until_done` (the SQL path).
"""

from __future__ import annotations

import asyncio
import random
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path
from typing import Any

from rasa.core.brokers.broker import EventBroker
from rasa.core.brokers.sql import SQLEventBroker
from rasa.core.tracker_store import InMemoryTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, Event, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy import select
from sqlalchemy.engine import Engine

from socialmap import db as _db
from socialmap.signals import broker as signals_broker
from socialmap.signals import model as m
from socialmap.signals.aggregator import Aggregator

ROOT = Path(__file__).resolve().parents[2]
T0 = datetime(2026, 11, 11, 12, 0, tzinfo=timezone.utc).timestamp()
PLACES = [("Westerbork", "Midden-Drenthe"), ("Zweeloo", "Coevorden"), ("Assen", "Assen"), ("Pesse", "Hoogeveen")]
NEEDS = {"meeting": "find_meeting_place", "youth": "find_youth_activity", "carer": "find_carer_support"}


@lru_cache(maxsize=1)
def domain() -> Domain:
    return Domain.load(str(ROOT / "domain.yml"))


def conversation(i: int, t: float = T0) -> list[Event]:
    """Return the events of conversation `i`: a search, and on some a gap, loneliness, handoff, new session."""
    rnd = random.Random(i)
    place, municipality = PLACES[i % len(PLACES)]
    need = list(NEEDS)[i % len(NEEDS)]
    t += i * 37.0
    nearest = None if i % 3 == 0 else 2.5
    signal = {"need": need, "subcategory": None, "audience": "jongeren" if need == "youth" else None,
              "place_name": place, "municipality": municipality, "pc4": None, "total": 0 if nearest is None else 3,
              "nearest_km": nearest, "radius_km": 50.0 if i % 5 == 0 else 10.0, "widened": i % 5 == 0,
              "wish_found": None}  # fmt: skip
    intent = NEEDS[need]
    events: list[Event] = [
        ActionExecuted("action_session_start", timestamp=t),
        SessionStarted(timestamp=t),
        ActionExecuted("action_listen", timestamp=t),
        UserUttered(f"ik zoek iets in {place}", intent={"name": intent, "confidence": 0.93},
                    parse_data={"intent": {"name": intent, "confidence": 0.93}, "entities": [],
                                "text": f"ik zoek iets in {place}"}, timestamp=t + 1),  # fmt: skip
        SlotSet("need", need, timestamp=t + 1.5),
        SlotSet("place_name", place, timestamp=t + 2),
        SlotSet("municipality", municipality, timestamp=t + 2),
        SlotSet("search_signal", signal, timestamp=t + 3),
        BotUttered("Dit vond ik", metadata={"utter_action": "utter_results"}, timestamp=t + 3.5),
    ]
    if rnd.random() < 0.4:
        events.append(UserUttered("ik ben zo alleen", intent={"name": "express_loneliness", "confidence": 0.9},
                                  parse_data={"intent": {"name": "express_loneliness", "confidence": 0.9},
                                              "entities": [], "text": "ik ben zo alleen"},
                                  timestamp=t + 4))  # fmt: skip
    if i % 4 == 1:
        events.append(SlotSet("handoff_status", "waiting", timestamp=t + 5))
    if i % 7 == 2:
        events.append(ActionExecuted("action_default_fallback", timestamp=t + 6))
    if i % 6 == 5:  # a second session of the same sender, in another village
        other, other_mun = PLACES[(i + 1) % len(PLACES)]
        events += [SessionStarted(timestamp=t + 3600), SlotSet("place_name", other, timestamp=t + 3601),
                   UserUttered("koffie", intent={"name": "find_meeting_place", "confidence": 0.8},
                               parse_data={"intent": {"name": "find_meeting_place", "confidence": 0.8},
                                           "entities": [], "text": "koffie"}, timestamp=t + 3602)]  # fmt: skip
    return events


def event_count(conversations: range) -> int:
    return sum(len(conversation(i)) for i in conversations)


async def publish(broker: EventBroker, conversations: range, prefix: str = "rasa") -> int:
    """Save each conversation's tracker in a tracker store that streams to `broker`; return events sent."""
    store = InMemoryTrackerStore(domain(), event_broker=broker)
    sent = 0
    for i in conversations:
        tracker = DialogueStateTracker(f"{prefix}-{i}", domain().slots)
        for event in conversation(i):
            tracker.update(event)
        await store.save(tracker)
        sent += len(conversation(i))
        await asyncio.sleep(0)
    tasks = getattr(broker, "_background_tasks", set())
    while tasks:  # Rasa's pika broker publishes in background tasks
        await asyncio.gather(*list(tasks), return_exceptions=True)
    return sent


def counts(engine: Engine) -> dict[tuple[Any, ...], int]:
    with engine.connect() as conn:
        rows = conn.execute(select(m.counts)).all()
    return {tuple(r[:-1]): int(r[-1]) for r in rows}


async def sql_path_counts(tmp: Path, conversations: range, prefix: str = "rasa") -> dict[tuple[Any, ...], int]:
    """Return the counts the SQL path gives for the same events (Rasa's SQLEventBroker + run_until_done)."""
    events_db = tmp / f"sql-path-{prefix}.db"
    rasa_sql = SQLEventBroker(host=f"sqlite:///{events_db}")
    await publish(rasa_sql, conversations, prefix)
    engine = _db.get_engine(f"sqlite:///{tmp / f'sql-path-{prefix}-signals.db'}")
    aggregator = Aggregator(engine)
    aggregator.run_until_done(signals_broker.events_engine(f"sqlite:///{events_db}"))
    aggregator.flush_idle(datetime(2030, 1, 1, tzinfo=timezone.utc))
    return counts(engine)
