"""The same code on PostgreSQL and a Redis lock store, for when a province outgrows one machine.

Real servers started by `tests/scale/conftest.py` on 127.0.0.1; no mocks. The
social map gives the same answers on PostgreSQL as on the SQLite default, the
handoff queue keeps its one-winner guarantee there, and Rasa's own tracker and
lock stores work from our `endpoints.yml` with only environment variables set.
"""

from __future__ import annotations

import asyncio
import dataclasses
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import psycopg2
import pytest
import redis
from sqlalchemy import create_engine, func, select
from sqlalchemy.engine import Engine

from socialmap import handoff
from socialmap.catalog import HSDS_ENTITIES, Catalog
from socialmap.geo import get_geocoder
from socialmap.importer import import_paths
from socialmap.schedule import TZ
from socialmap.search import MAX_PAGE_SIZE, SearchPage, SearchQuery, search
from tests.scale.conftest import PostgresServer, RedisServer

pytestmark = pytest.mark.scale

ROOT = Path(__file__).resolve().parents[2]
DEMO_PACKAGE = ROOT / "socialmap" / "data" / "demo"
ENDPOINTS = str(ROOT / "endpoints.yml")
# A fixed moment, so "next session" and "open now" cannot differ between the two runs.
NOW = datetime(2025, 3, 12, 10, 30, tzinfo=TZ)  # a Wednesday morning


# ------------------------------------------------------------------ fixtures


@pytest.fixture(scope="module")
def sqlite_catalog(tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    """Return the demo social map imported into a fresh SQLite file (the one-machine default)."""
    catalog = Catalog(f"sqlite:///{tmp_path_factory.mktemp('scale') / 'socialmap.db'}")
    report = import_paths([DEMO_PACKAGE], catalog)
    assert report.ok, [str(e) for e in report.errors]
    return catalog


@pytest.fixture(scope="module")
def postgres_catalog(postgres_server: PostgresServer) -> Iterator[Catalog]:
    """Return the demo social map imported into a fresh PostgreSQL database."""
    catalog = Catalog(postgres_server.create_database("socialmap"))
    catalog.create_schema()
    report = import_paths([DEMO_PACKAGE], catalog)
    assert report.ok, [str(e) for e in report.errors]
    yield catalog
    catalog.engine.dispose()


def place(name: str) -> tuple[float, float]:
    """Return (lat, lon) of a place in Drenthe from the offline gazetteer."""
    found = get_geocoder().geocode(name)
    assert found.status == "ok" and found.place is not None, found
    return found.place.lat, found.place.lon


def query_at(name: str, **filters: Any) -> SearchQuery:
    """Return a search near a named place at the fixed moment NOW (a large page unless paging)."""
    lat, lon = place(name)
    page_size = 3 if "page" in filters else MAX_PAGE_SIZE
    return SearchQuery(lat=lat, lon=lon, page_size=page_size, now=NOW, **filters)


def comparable(page: SearchPage) -> list[dict[str, Any]]:
    """Return the results as dicts without the distance (compared with a tolerance instead)."""
    rows = []
    for result in page.results:
        row = dataclasses.asdict(result)
        row.pop("distance_km")
        row["reasons"] = [r for r in row["reasons"] if " van " not in r and "afstand" not in r]
        rows.append(row)
    return rows


# ------------------------------------------------- 1. the social map on PostgreSQL


def test_demo_import_gives_the_same_rows_on_postgres(
    sqlite_catalog: Catalog, postgres_catalog: Catalog
) -> None:
    assert postgres_catalog.engine.dialect.name == "postgresql"
    assert not postgres_catalog.has_fts
    for entity in (*HSDS_ENTITIES, "search_entry"):
        assert postgres_catalog.count(entity) == sqlite_catalog.count(entity), entity
    assert postgres_catalog.count("service") > 100
    some_service = sqlite_catalog.ids("service")[0]
    assert postgres_catalog.get("service", some_service) == sqlite_catalog.get("service", some_service)


def test_importing_the_demo_twice_on_postgres_is_an_upsert(postgres_catalog: Catalog) -> None:
    before = postgres_catalog.count("search_entry")
    report = import_paths([DEMO_PACKAGE], postgres_catalog)
    assert report.ok, [str(e) for e in report.errors]
    assert postgres_catalog.count("search_entry") == before


SAME_ANSWER_QUERIES: list[tuple[str, dict[str, Any]]] = [
    ("Assen", {}),
    ("Assen", {"category": "meeting"}),
    ("Emmen", {"category": "carer", "audience": "mantelzorgers"}),
    ("Emmen", {"category": "youth", "age": 16}),
    ("Zweeloo", {"free_only": True}),
    ("Zweeloo", {"category": "meeting", "weekday": 2}),
    ("Zweeloo", {"weekday": 5, "free_only": True}),
    ("Assen", {"category": "money", "audience": "minima", "max_cost": 5.0}),
    ("Emmen", {"category": "digital"}),  # widened to 25 km
    ("Emmen", {"category": "meeting", "radius_km": 5.0}),
    ("Assen", {"category": "meeting", "page": 1}),
]


@pytest.mark.parametrize(
    ("town", "filters"), SAME_ANSWER_QUERIES, ids=[f"{t}-{f}" for t, f in SAME_ANSWER_QUERIES]
)
def test_search_gives_the_same_results_on_postgres_as_on_sqlite(
    sqlite_catalog: Catalog, postgres_catalog: Catalog, town: str, filters: dict[str, Any]
) -> None:
    query = query_at(town, **filters)
    on_sqlite = search(query, sqlite_catalog, place_name=town)
    on_postgres = search(query, postgres_catalog, place_name=town)
    assert on_sqlite.results, f"query near {town} {filters} finds nothing: a weak comparison"
    assert [r.service_id for r in on_postgres.results] == [r.service_id for r in on_sqlite.results]
    for pg, lite in zip(on_postgres.results, on_sqlite.results, strict=True):
        if lite.distance_km is None:
            assert pg.distance_km is None
        else:
            assert pg.distance_km == pytest.approx(lite.distance_km, abs=0.01)
    assert comparable(on_postgres) == comparable(on_sqlite)
    assert (on_postgres.total, on_postgres.radius_km, on_postgres.widened, on_postgres.has_more) == (
        on_sqlite.total,
        on_sqlite.radius_km,
        on_sqlite.widened,
        on_sqlite.has_more,
    )


# Keyword search is FTS5 (word-prefix match, diacritics removed) on SQLite and a
# LIKE on lower-cased text (substring match) on PostgreSQL. For whole words and
# word beginnings both find the same services; compare the sets of ids.
KEYWORD_QUERIES: list[tuple[str, dict[str, Any]]] = [
    ("Assen", {"keywords": "koffie"}),
    ("Emmen", {"keywords": "taalcafé"}),
    ("Zweeloo", {"keywords": "computer", "free_only": True}),
    ("Assen", {"keywords": "mantelzorg", "category": "carer"}),
    ("Assen", {"keywords": "maaltijd"}),
]
DIVERGING_KEYWORD_QUERIES: list[tuple[str, dict[str, Any]]] = [
    ("Assen", {"keywords": "ochtend"}),
    ("Assen", {"keywords": "cafe"}),
    ("Assen", {"keywords": "zorg"}),
    ("Assen", {"keywords": "eten"}),
    ("Assen", {"keywords": "taal"}),
]


@pytest.mark.parametrize(("town", "filters"), KEYWORD_QUERIES, ids=[f"{t}-{f}" for t, f in KEYWORD_QUERIES])
def test_keyword_search_finds_the_same_services_on_postgres(
    sqlite_catalog: Catalog, postgres_catalog: Catalog, town: str, filters: dict[str, Any]
) -> None:
    query = query_at(town, **filters)
    on_sqlite = {r.service_id for r in search(query, sqlite_catalog).results}
    on_postgres = {r.service_id for r in search(query, postgres_catalog).results}
    assert on_sqlite, f"keyword query {filters} finds nothing: a weak comparison"
    assert on_postgres == on_sqlite


# ---------------------------------------------------- 2. the handoff queue on PostgreSQL


@pytest.fixture
def handoff_engine(postgres_server: PostgresServer) -> Iterator[Engine]:
    """Return an engine on a fresh PostgreSQL database for the handoff queue."""
    url = postgres_server.create_database(f"handoff_{time.monotonic_ns()}")
    engine = create_engine(url, future=True, pool_size=10)
    yield engine
    engine.dispose()


def _race(workers: int, work: Any) -> list[Any]:
    """Return what `work(i)` returned or raised in each of `workers` threads started at the same moment."""
    barrier = threading.Barrier(workers)
    outcomes: list[Any] = [None] * workers

    def run(index: int) -> None:
        barrier.wait()
        try:
            outcomes[index] = work(index)
        except Exception as error:  # the race result is the point; it is asserted by the caller
            outcomes[index] = error

    threads = [threading.Thread(target=run, args=(i,)) for i in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes


def test_eight_employees_racing_for_one_conversation_on_postgres_one_wins(handoff_engine: Engine) -> None:
    queue = handoff.HandoffQueue(handoff_engine)
    ticket = queue.request("gesprek-pg-1", handoff.HandoffSummary(need="carer", reason="request_human"))
    assert ticket.status == handoff.WAITING

    outcomes = _race(8, lambda i: queue.take(ticket.id, f"staff{i}", f"Medewerker {i}"))

    winners = [o for o in outcomes if isinstance(o, handoff.Ticket)]
    losers = [o for o in outcomes if isinstance(o, handoff.AlreadyTaken)]
    assert len(winners) == 1, outcomes
    assert len(losers) == 7, outcomes
    winner = winners[0]
    assert {loser.holder for loser in losers} == {winner.taken_by}
    with handoff_engine.connect() as conn:
        taken_logs = conn.execute(
            select(func.count())
            .select_from(handoff.ticket_log)
            .where(handoff.ticket_log.c.ticket_id == ticket.id, handoff.ticket_log.c.action == "taken")
        ).scalar_one()
    assert taken_logs == 1


def test_residents_asking_at_once_on_postgres_get_one_ticket(handoff_engine: Engine) -> None:
    queue = handoff.HandoffQueue(handoff_engine)
    outcomes = _race(8, lambda i: queue.request("gesprek-pg-2", handoff.HandoffSummary(reason="button")))
    assert all(isinstance(o, handoff.Ticket) for o in outcomes), outcomes
    assert len({o.id for o in outcomes}) == 1
    assert [t.conversation_id for t in queue.waiting()] == ["gesprek-pg-2"]


def test_handoff_queue_on_postgres_survives_a_restart(postgres_server: PostgresServer) -> None:
    url = postgres_server.create_database("handoff_restart")
    first = create_engine(url, future=True)
    queue = handoff.HandoffQueue(first)
    waiting = queue.request("gesprek-pg-3", handoff.HandoffSummary(need="meeting", location="Zweeloo"))
    taken = queue.request("gesprek-pg-4", handoff.HandoffSummary(reason="crisis"), priority="crisis")
    queue.take(taken.id, "anja", "Anja")
    first.dispose()  # every connection closed: what is left is only what PostgreSQL committed

    second = create_engine(url, future=True)
    try:
        again = handoff.HandoffQueue(second)
        assert [t.id for t in again.waiting()] == [waiting.id]
        assert again.get(waiting.id).summary.location == "Zweeloo"
        restored = again.get(taken.id)
        assert (restored.status, restored.taken_by_name, restored.priority) == (
            handoff.TAKEN,
            "Anja",
            "crisis",
        )
        with pytest.raises(handoff.AlreadyTaken, match="Anja"):
            again.take(taken.id, "piet", "Piet")
    finally:
        second.dispose()


# ------------------------------------- 3. Rasa's tracker and lock stores from endpoints.yml


@pytest.fixture
def scale_env(
    monkeypatch: pytest.MonkeyPatch, postgres_server: PostgresServer, redis_server: RedisServer
) -> dict[str, str]:
    """Return (and set) the environment that points our endpoints.yml at PostgreSQL and Redis."""
    name = f"rasa_{time.monotonic_ns()}"
    postgres_server.create_database(name)
    env = {
        "TRACKER_DB_URL": postgres_server.url(name, driver="postgresql"),
        "LOCK_STORE_TYPE": "redis",
        "LOCK_STORE_HOST": redis_server.host,
        "LOCK_STORE_PORT": str(redis_server.port),
        "LOCK_STORE_DB": "1",
        "ACTION_ENDPOINT_URL": "http://127.0.0.1:1/webhook",
        # endpoints.yml names the event broker too (signals); these tests never connect to it.
        "ACTION_SERVER_TOKEN": "scale-test-" + uuid.uuid4().hex,
        "EVENT_BROKER_TYPE": "sql",
        "EVENT_BROKER_URL": "sqlite://",
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("POSTGRESQL_SCHEMA", raising=False)
    return env


async def test_rasa_tracker_store_from_endpoints_yml_keeps_conversations_in_postgres(
    scale_env: dict[str, str], postgres_server: PostgresServer
) -> None:
    from rasa.core.tracker_store import SQLTrackerStore, TrackerStore
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import SlotSet, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker
    from rasa.utils.endpoints import read_endpoint_config

    domain = Domain.load(str(ROOT / "domain.yml"))
    config = read_endpoint_config(ENDPOINTS, "tracker_store")
    assert config is not None and config.type == "SQL"
    store = TrackerStore.create(config, domain=domain)
    assert isinstance(store, SQLTrackerStore)
    assert store.engine.dialect.name == "postgresql"

    tracker = DialogueStateTracker.from_events(
        "bewoner-42",
        [
            UserUttered("Ik zoek een koffieochtend in Zweeloo", intent={"name": "find_meeting_place"}),
            SlotSet("location", "Zweeloo"),
        ],
        slots=domain.slots,
    )
    await store.save(tracker)

    # A second replica with its own store (own engine) sees the same conversation.
    other = TrackerStore.create(read_endpoint_config(ENDPOINTS, "tracker_store"), domain=domain)
    restored = await other.retrieve("bewoner-42")
    assert restored is not None
    assert restored.get_slot("location") == "Zweeloo"
    assert restored.latest_message is not None
    assert restored.latest_message.text == "Ik zoek een koffieochtend in Zweeloo"
    assert restored.latest_message.intent["name"] == "find_meeting_place"
    assert "bewoner-42" in await other.keys()
    store.engine.dispose()
    other.engine.dispose()

    database = scale_env["TRACKER_DB_URL"].rsplit("/", 1)[1]
    conn = psycopg2.connect(
        host=postgres_server.host, port=postgres_server.port, user=postgres_server.user, dbname=database
    )
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT type_name FROM events WHERE sender_id = %s ORDER BY id", ("bewoner-42",))
            types = [row[0] for row in cur.fetchall()]
    finally:
        conn.close()
    assert "user" in types and "slot" in types


async def test_rasa_redis_lock_store_from_endpoints_yml_is_shared_between_replicas(
    scale_env: dict[str, str], redis_server: RedisServer
) -> None:
    from rasa.core.lock_store import LockStore, RedisLockStore
    from rasa.utils.endpoints import read_endpoint_config

    replica_a = LockStore.create(read_endpoint_config(ENDPOINTS, "lock_store"))
    replica_b = LockStore.create(read_endpoint_config(ENDPOINTS, "lock_store"))
    assert isinstance(replica_a, RedisLockStore) and isinstance(replica_b, RedisLockStore)
    assert replica_a.red.connection_pool.connection_kwargs["db"] == 1
    assert replica_a.red.connection_pool.connection_kwargs["port"] == redis_server.port

    conversation = "bewoner-lock-1"
    async with replica_a.lock(conversation):
        seen_by_b = replica_b.get_lock(conversation)
        assert seen_by_b is not None
        # B's message for the same conversation must queue behind A's.
        ticket_b = replica_b.issue_ticket(conversation)
        assert replica_b.get_lock(conversation).is_locked(ticket_b)  # type: ignore[union-attr]
        raw = redis.Redis(host=redis_server.host, port=redis_server.port, db=1)
        assert raw.exists(replica_a.key_prefix + conversation) == 1
        raw.close()
    # A is done; B's ticket is now served, and B's cleanup removes the lock for everybody.
    assert not replica_b.get_lock(conversation).is_locked(ticket_b)  # type: ignore[union-attr]
    replica_b.cleanup(conversation, ticket_b)
    assert replica_a.get_lock(conversation) is None


async def test_two_replicas_never_handle_one_conversation_at_the_same_time(scale_env: dict[str, str]) -> None:
    from rasa.core.lock_store import LockStore
    from rasa.utils.endpoints import read_endpoint_config

    replicas = [LockStore.create(read_endpoint_config(ENDPOINTS, "lock_store")) for _ in range(2)]
    spans: list[tuple[str, float, float]] = []

    async def handle(name: str, store: LockStore, delay: float) -> None:
        await asyncio.sleep(delay)
        async with store.lock("bewoner-lock-2", wait_time_in_seconds=0.02):
            start = time.monotonic()
            await asyncio.sleep(0.2)  # "processing the message"
            spans.append((name, start, time.monotonic()))

    await asyncio.gather(handle("a", replicas[0], 0.0), handle("b", replicas[1], 0.05))
    spans.sort(key=lambda span: span[1])
    assert [name for name, _, _ in spans] == ["a", "b"]
    assert spans[1][1] >= spans[0][2], f"the replicas overlapped: {spans}"
    assert replicas[0].get_lock("bewoner-lock-2") is None


@pytest.mark.parametrize(
    ("town", "filters"), DIVERGING_KEYWORD_QUERIES, ids=[f"{t}-{f}" for t, f in DIVERGING_KEYWORD_QUERIES]
)
def test_keyword_search_on_postgres_matches_whole_word_beginnings_without_accents(
    sqlite_catalog: Catalog, postgres_catalog: Catalog, town: str, filters: dict[str, Any]
) -> None:
    """PostgreSQL's LIKE fallback must match like FTS5: word beginnings only ("ochtend" is not
    in "koffieochtend", "eten" not in "weten") and without accents ("cafe" finds "café")."""
    query = query_at(town, **filters)
    on_sqlite = {r.service_id for r in search(query, sqlite_catalog).results}
    on_postgres = {r.service_id for r in search(query, postgres_catalog).results}
    assert on_sqlite
    assert on_postgres == on_sqlite
