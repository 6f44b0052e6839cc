"""Fill the signals dashboard with SYNTHETIC conversations, so `make run` shows something.

    python -m scripts.make_signals_demo [--conversations 3000] [--weeks 16] [--db-url URL] [--remove]

Every count it makes is stored with synthetic = true and the dashboard, exports and
report say "synthetische demodata" wherever such counts are included; `bron=echt`
leaves them out. Running it again first removes the previous synthetic counts, so it
is idempotent.

The conversations are made up, but not their searches: each one's search signal comes
from running the real search (socialmap.search) on the social map in the database for
that woonplaats, need and audience. So a gap the demo dashboard lists ("jongeren in X:
niets binnen 10 km") is a real gap of the (demo) social map. The events have the shape
Rasa's event broker writes and go through the same Aggregator as real events.
"""

from __future__ import annotations

import argparse
import dataclasses
import random
import sys
import time
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import delete

from scripts.make_demo_data import POPULATION_K, TOWN_WEIGHT
from socialmap import db as _db
from socialmap.catalog import Catalog
from socialmap.search import SearchError, SearchQuery, search
from socialmap.signals import model as m
from socialmap.signals.aggregator import Aggregator, default_places

SEED = 14
# (weight, need, audience, sub-categories asked for) of the kinds of residents who ask.
PROFILES: tuple[tuple[int, str, str | None, tuple[str, ...]], ...] = (
    (22, "meeting", "ouderen", ("coffee_morning", "shared_meal", "community_centre", "walking_group")),
    (8, "meeting", None, ("hobby_club", "library_activity", "walking_group")),
    (12, "carer", "mantelzorgers", ("respite_care", "short_stay", "carer_consultant", "peer_group", "day_care")),
    (12, "youth", "jongeren", ("youth_sport", "youth_work", "buddy")),
    (10, "money", "minima", ("discount_pass", "youth_fund", "special_assistance")),
    (9, "volunteer", "gepensioneerden", ("volunteer_vacancy",)),
    (8, "digital", "ouderen", ("digital_course", "digital_walk_in")),
    (7, "transport", "ouderen", ("regiotaxi", "volunteer_driver")),
    (4, "retirement", "gepensioneerden", ("pension_course",)),
    (4, "newcomer", "nieuwkomers", ("welcome_newcomer",)),
    (4, "talk", None, ("helpline",)),
)
INTENT_OF = {need: intent for intent, need in m.INTENT_NEEDS.items()}


class SignalCache:
    """The search signal of (woonplaats, need, sub-category, audience), from the real search, computed once."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self.places = default_places()
        self.cache: dict[tuple[str, str, str | None, str | None], dict[str, Any]] = {}

    def get(self, woonplaats: str, need: str, sub: str | None, audience: str | None) -> dict[str, Any]:
        key = (woonplaats, need, sub, audience)
        if key not in self.cache:
            lat, lon = self.places.coordinates[woonplaats]
            extra: dict[str, Any] = {}
            if "municipality" in {f.name for f in dataclasses.fields(SearchQuery)}:
                # Schemes for one municipality's residents (kortingspas, bijstand) reach only them.
                extra["municipality"] = self.places.municipality_of[woonplaats]
            query = SearchQuery(
                lat=lat, lon=lon, category=need, subcategories=(sub,) if sub else (), audience=audience, **extra
            )
            try:
                page = search(query, self.catalog, place_name=woonplaats)
                distances = [r.distance_km for r in page.results if r.distance_km is not None]
                nearest = min(distances) if distances else None
                found = any(r.subcategory == sub for r in page.results) if sub else None
                total, radius, widened = page.total, page.radius_km, page.widened
            except SearchError:
                nearest, found, total, radius, widened = None, None, 0, 100.0, True
            self.cache[key] = {
                "need": need, "subcategory": sub, "audience": audience, "place_name": woonplaats,
                "municipality": self.places.municipality_of[woonplaats], "pc4": None, "total": total,
                "nearest_km": nearest, "radius_km": radius, "widened": widened, "wish_found": found,
            }  # fmt: skip
        return self.cache[key]


def _weighted_places(rng: random.Random) -> tuple[list[str], list[float]]:
    places = default_places()
    names, weights = [], []
    per_municipality: dict[str, list[str]] = {}
    for name, municipality in places.municipality_of.items():
        per_municipality.setdefault(municipality, []).append(name)
    for municipality, towns in per_municipality.items():
        town_weights = [TOWN_WEIGHT.get(t, 1) ** 2 for t in towns]
        share = POPULATION_K.get(municipality, 20) / sum(town_weights)
        names += towns
        weights += [w * share for w in town_weights]
    return names, weights


def conversation_events(
    rng: random.Random, sender: str, moment: datetime, woonplaats: str, signals: SignalCache
) -> list[dict[str, Any]]:
    """Return the broker events of one synthetic conversation."""
    places = default_places()
    _, need, audience, subs = rng.choices(PROFILES, weights=[p[0] for p in PROFILES])[0]
    sub = rng.choice(subs) if rng.random() < 0.6 else None
    t = moment.timestamp()
    meta = {"synthetic": True}

    def ev(kind: str, **fields: Any) -> dict[str, Any]:
        nonlocal t
        t += rng.uniform(2, 40)
        return {"sender_id": sender, "event": kind, "timestamp": t, "metadata": meta, **fields}

    def user(intent: str) -> dict[str, Any]:
        return ev("user", text=None, parse_data={"intent": {"name": intent, "confidence": 0.95}, "entities": []})

    events = [ev("action", name="action_session_start"), ev("session_started")]
    if rng.random() < 0.12:
        events.append(user("express_loneliness"))
    events.append(user(INTENT_OF[need]))
    events.append(ev("slot", name="need", value=need))
    if audience:
        events.append(ev("slot", name="audience", value=audience))
    if rng.random() < 0.08:
        events += [user("nlu_fallback"), ev("action", name="action_handle_fallback")]
    known_place = rng.random() < 0.93
    if known_place:
        events.append(ev("slot", name="place_name", value=woonplaats))
        events.append(ev("slot", name="municipality", value=places.municipality_of[woonplaats]))
        events.append(ev("slot", name="search_signal", value=signals.get(woonplaats, need, sub, audience)))
    if rng.random() < 0.05:
        events.append(user("express_distress"))
    if rng.random() < 0.004:
        events += [user("crisis"), ev("action", name="utter_crisis")]
    roll = rng.random()
    if roll < 0.06:
        events += [user("request_human"), ev("slot", name="handoff_status", value="waiting")]
        if rng.random() < 0.75:
            events.append(user("EXTERNAL_staff_joined"))
            if rng.random() < 0.5:
                events.append(user("EXTERNAL_handed_back"))
        else:
            events.append(ev("action", name="action_cancel_handoff"))
    elif roll < 0.09:
        events += [user("request_callback"), ev("slot", name="handoff_status", value="callback")]
    if rng.random() < 0.2:
        events.append(ev("slot", name="csat", value=rng.choices([1, 2, 3, 4, 5], weights=[1, 2, 5, 12, 10])[0]))
    return events


def remove(engine: Any) -> None:
    """Delete every synthetic count and working state."""
    m.ensure_schema(engine)
    with engine.begin() as conn:
        conn.execute(delete(m.counts).where(m.counts.c.synthetic.is_(True)))
        conn.execute(delete(m.conversations).where(m.conversations.c.synthetic.is_(True)))


def synthetic_events(
    engine: Any, conversations: int, weeks: int, *, seed: int = SEED, now: datetime | None = None
) -> Iterator[dict[str, Any]]:
    """Return the broker events of `conversations` synthetic conversations over the last `weeks` weeks."""
    rng = random.Random(seed)
    now = now or datetime.now(timezone.utc)
    start = now - timedelta(weeks=weeks)
    names, weights = _weighted_places(rng)
    signals = SignalCache(Catalog(engine=engine))
    for i in range(conversations):
        # Busier on weekdays, and slowly more conversations over time (the assistant gets known).
        moment = start + timedelta(seconds=(rng.random() ** 0.8) * (now - start).total_seconds())
        if moment.weekday() >= 5 and rng.random() < 0.5:
            moment -= timedelta(days=2)
        woonplaats = rng.choices(names, weights=weights)[0]
        yield from conversation_events(rng, f"synthetisch-{seed}-{i}", moment, woonplaats, signals)


def generate(engine: Any, conversations: int, weeks: int, *, seed: int = SEED, now: datetime | None = None,
             batch: int = 5000) -> dict[str, Any]:  # fmt: skip
    """Replace the synthetic counts by `conversations` new ones over the last `weeks` weeks; return figures."""
    started = time.perf_counter()
    remove(engine)
    now = now or datetime.now(timezone.utc)
    aggregator = Aggregator(engine, synthetic=True)
    events: list[dict[str, Any]] = []
    n_events = 0
    for event in synthetic_events(engine, conversations, weeks, seed=seed, now=now):
        events.append(event)
        if len(events) >= batch:
            n_events += aggregator.ingest(events)
            events = []
    n_events += aggregator.ingest(events)
    aggregator.flush_idle(now + timedelta(days=365 * 10))
    return {"conversations": conversations, "events": n_events, "seconds": round(time.perf_counter() - started, 1)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=3000)
    parser.add_argument("--weeks", type=int, default=16)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--db-url", help="database (default: SOCIALMAP_DB_URL / var/socialmap.db)")
    parser.add_argument("--remove", action="store_true", help="only remove the synthetic counts")
    args = parser.parse_args(argv)
    engine = _db.get_engine(args.db_url)
    if args.remove:
        remove(engine)
        print("Synthetische signalen verwijderd.")
        return 0
    figures = generate(engine, args.conversations, args.weeks, seed=args.seed)
    print(
        f"SYNTHETISCHE demodata voor het signalenoverzicht: {figures['conversations']} gesprekken, "
        f"{figures['events']} gebeurtenissen, {figures['seconds']} s."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
