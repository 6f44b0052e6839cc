"""More than one Rasa (issue 15): two replicas, two action servers, the web process and nginx.

One cluster for the module (scripts/cluster.py), on the PostgreSQL and Redis servers of
tests/scale/conftest.py, with the trained model in models/. Every request goes to a real
process on 127.0.0.1; a replica is addressed directly when the test needs a particular one,
through nginx when the resident would be. The replica kill runs last: it leaves one replica.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import requests
import socketio

from scripts.cluster import Cluster, Stores
from scripts.stack import ROOT
from tests.scale.conftest import PostgresServer, RedisServer

pytestmark = pytest.mark.scale

# Messages whose meaning any trained model of this project gets (they are the benchmark's, too).
NEED = "ik zoek een koffieochtend"
PLACE = "Zweeloo"
FILTER = "alleen gratis"
SEARCH = "Ik zoek een koffieochtend in Assen"


@pytest.fixture(scope="module")
def cluster(
    postgres_server: PostgresServer, redis_server: RedisServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Cluster]:
    """Start the cluster once for this module; stop every process afterwards, also after a failure."""
    tag = uuid.uuid4().hex[:8]
    stores = Stores(
        db_url=postgres_server.create_database(f"cluster_map_{tag}"),
        tracker_db_url=postgres_server.create_database(f"cluster_rasa_{tag}"),
        events_url=postgres_server.create_database(f"cluster_events_{tag}"),
        redis_host=redis_server.host,
        redis_port=redis_server.port,
        lock_db=3,
        socketio_db=4,
    )
    running = Cluster(
        stores,
        var_dir=tmp_path_factory.mktemp("cluster-var"),
        log_dir=ROOT / "results" / "logs" / "cluster",
        token="cluster-test-" + uuid.uuid4().hex,
    )
    try:
        running.build_social_map()
        running.start(timeout=420)
        yield running
    finally:
        running.stop()


def rest(url: str, sender: str, text: str) -> list[dict[str, Any]]:
    answer = requests.post(f"{url}/webhooks/rest/webhook", json={"sender": sender, "message": text}, timeout=60)
    answer.raise_for_status()
    return list(answer.json())


def tracker(cluster: Cluster, replica: int, sender: str) -> dict[str, Any]:
    answer = requests.get(
        f"{cluster.replica_url(replica)}/conversations/{sender}/tracker", params={"token": cluster.token}, timeout=20
    )
    answer.raise_for_status()
    return dict(answer.json())


def new_sender() -> str:
    return "cluster-" + uuid.uuid4().hex[:16]


def turns(events: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """Split a tracker's events into turns: a user message up to the action_listen that ends it."""
    result: list[list[dict[str, Any]]] = []
    for event in events:
        if event["event"] == "user":
            result.append([event])
        elif result:
            result[-1].append(event)
    return result


# ------------------------------------------------------------------------------ (a)


def test_a_conversation_alternating_between_replicas_keeps_its_form_and_slots(cluster: Cluster) -> None:
    sender = new_sender()
    assert rest(cluster.replica_url(0), sender, NEED)
    # Replica 2 sees what replica 1 did: the form asks for the place.
    seen = tracker(cluster, 1, sender)
    assert (seen.get("active_loop") or {}).get("name") == "location_form"
    assert seen["slots"]["requested_slot"] == "location"
    need = seen["slots"]["need"]
    assert need

    answer = rest(cluster.replica_url(1), sender, PLACE)
    assert answer
    seen = tracker(cluster, 0, sender)
    assert not (seen.get("active_loop") or {}).get("name"), "the form ended on replica 2"
    assert seen["slots"]["place_name"] == PLACE
    assert seen["slots"]["need"] == need
    assert seen["slots"]["shown_services"], "replica 2 searched with the need replica 1 heard"

    assert rest(cluster.replica_url(0), sender, FILTER)
    seen = tracker(cluster, 1, sender)
    assert seen["slots"]["free_only"], "replica 1 filtered the search replica 2 made"
    assert seen["slots"]["place_name"] == PLACE and seen["slots"]["need"] == need
    assert len(turns(seen["events"])) == 3


# ------------------------------------------------------------------------------ (b)


class Resident:
    """A resident's chat window: a python-socketio client speaking the widget's events.

    It uses the widget's long-polling fallback: python-engineio's WebSocket client needs a newer
    aiohttp than rasa 3.6 allows. Polling is also the transport that needs nginx's stickiness.
    """

    def __init__(self, url: str, session_id: str, origin: str) -> None:
        self.url = url
        self.origin = origin
        self.session_id = session_id
        self.client = socketio.AsyncClient(reconnection=True, reconnection_delay=0.5, reconnection_delay_max=1)
        self.bot: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.typing: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.confirmed = asyncio.Event()
        self.disconnects = 0
        self.confirms = 0

        @self.client.on("connect")
        async def connect() -> None:
            await self.client.emit("session_request", {"session_id": self.session_id})

        @self.client.on("disconnect")
        async def disconnect() -> None:
            self.disconnects += 1
            self.confirmed.clear()

        @self.client.on("session_confirm")
        async def confirm(data: Any) -> None:
            self.confirms += 1
            self.confirmed.set()

        @self.client.on("bot_uttered")
        async def bot(data: Any) -> None:
            await self.bot.put(data)

        @self.client.on("staff_typing")
        async def staff_typing(data: Any) -> None:
            await self.typing.put(data)

    async def open(self) -> None:
        await self.client.connect(self.url, transports=["polling"], headers={"Origin": self.origin}, wait_timeout=20)
        await asyncio.wait_for(self.confirmed.wait(), 20)

    async def say(self, text: str) -> None:
        await self.client.emit("user_uttered", {"message": text, "session_id": self.session_id})

    async def answers(self, timeout: float = 60, settle: float = 1.5) -> list[dict[str, Any]]:
        """Return the bot messages of one turn: the first within `timeout`, the rest until quiet."""
        got = [await asyncio.wait_for(self.bot.get(), timeout)]
        while True:
            try:
                got.append(await asyncio.wait_for(self.bot.get(), settle))
            except asyncio.TimeoutError:
                return got

    async def close(self) -> None:
        await self.client.disconnect()


def presence(cluster: Cluster, replica: int, sender: str) -> dict[str, Any]:
    answer = requests.get(
        f"{cluster.replica_url(replica)}/webhooks/socketio/presence",
        params={"token": cluster.token, "ids": sender},
        timeout=10,
    )
    answer.raise_for_status()
    return dict(answer.json()["presence"][sender])


async def test_a_staff_message_sent_through_one_replica_reaches_the_resident_on_the_other(cluster: Cluster) -> None:
    sender = new_sender()
    resident = Resident(cluster.replica_url(0), sender, cluster.public_url)  # the window is connected to replica 1 only
    await resident.open()
    try:
        await resident.say("ik wil een medewerker spreken")
        assert await resident.answers()
        # Replica 2 knows the window is open, and typing shows both ways across replicas.
        assert (await asyncio.to_thread(presence, cluster, 1, sender))["online"] is True
        await resident.client.emit("user_typing", {})
        await asyncio.sleep(0.5)
        assert (await asyncio.to_thread(presence, cluster, 1, sender))["typing"] is True
        typed = await asyncio.to_thread(
            requests.post,
            f"{cluster.replica_url(1)}/webhooks/socketio/staff_typing",
            params={"token": cluster.token},
            json={"conversation_id": sender, "staff_name": "Anja"},
            timeout=10,
        )
        assert typed.ok
        assert (await asyncio.wait_for(resident.typing.get(), 10)) == {"staff_name": "Anja"}

        # The staff console's call (web/staff.py), made on replica 2.
        text = f"Goedemiddag, u spreekt met Anja ({uuid.uuid4().hex[:6]})."
        sent = await asyncio.to_thread(
            requests.post,
            f"{cluster.replica_url(1)}/conversations/{sender}/tracker/events",
            params={"token": cluster.token, "output_channel": "latest", "execute_side_effects": "true"},
            json=[{"event": "bot", "text": text, "metadata": {"from": "staff", "staff_name": "Anja"}}],
            timeout=20,
        )
        assert sent.ok, sent.text
        received = await asyncio.wait_for(resident.bot.get(), 15)
        while received.get("text") != text:  # a late part of the earlier answer may come first
            received = await asyncio.wait_for(resident.bot.get(), 15)
        assert received["metadata"]["staff_name"] == "Anja"
    finally:
        await resident.close()
    deadline = time.monotonic() + 10
    while (await asyncio.to_thread(presence, cluster, 1, sender))["online"]:
        assert time.monotonic() < deadline, "replica 2 still shows the closed window as open"
        await asyncio.sleep(0.3)


# ------------------------------------------------------------------------------ (d)


def test_two_replicas_racing_on_one_conversation_never_interleave_a_turn(cluster: Cluster) -> None:
    sender = new_sender()
    rounds = 5
    texts = [(f"{SEARCH}", "hallo") for _ in range(rounds)]
    with ThreadPoolExecutor(max_workers=2) as pool:
        for first, second in texts:
            # Both replicas get a message of the same conversation at the same moment.
            a = pool.submit(rest, cluster.replica_url(0), sender, first)
            b = pool.submit(rest, cluster.replica_url(1), sender, second)
            assert a.result() and b.result()
    events = tracker(cluster, 0, sender)["events"]
    all_turns = turns(events)
    summary = [[e["event"] + ":" + str(e.get("name") or e.get("text") or "") for e in turn] for turn in all_turns]
    assert len(all_turns) == 2 * rounds, ("every message is one turn in the tracker, none lost", summary)
    for turn in all_turns:
        kinds = [e["event"] for e in turn]
        assert kinds.count("user") == 1
        # Each turn ends with action_listen before the next message starts: never two at once.
        assert turn[-1]["event"] == "action" and turn[-1]["name"] == "action_listen", kinds
    stamps = [e["timestamp"] for e in events]
    assert stamps == sorted(stamps), "events are stored in the order they happened"


# ------------------------------------------------------------------------------ (c)


def replica_behind_nginx(cluster: Cluster) -> int:
    """Return which replica nginx sends this client's socket.io traffic to (by its engine.io session)."""
    handshake = requests.get(f"{cluster.public_url}/socket.io/", params={"EIO": "4", "transport": "polling"}, timeout=10)
    handshake.raise_for_status()
    import json

    sid = json.loads(handshake.text[1:])["sid"]
    owners = []
    for index in range(cluster.replicas):
        # The replica that holds the session accepts a close packet for it; the other answers 400.
        probe = requests.post(
            f"{cluster.replica_url(index)}/socket.io/",
            params={"EIO": "4", "transport": "polling", "sid": sid},
            data="1",
            timeout=10,
        )
        if probe.ok:
            owners.append(index)
    assert len(owners) == 1, owners
    return owners[0]


async def test_killing_the_residents_replica_mid_conversation_the_widget_reconnects_and_continues(
    cluster: Cluster,
) -> None:
    sender = new_sender()
    victim = await asyncio.to_thread(replica_behind_nginx, cluster)
    survivor = 1 - victim
    resident = Resident(cluster.public_url, sender, cluster.public_url)
    await resident.open()
    try:
        await resident.say(NEED)
        assert await resident.answers()
        need = (await asyncio.to_thread(tracker, cluster, survivor, sender))["slots"]["need"]
        assert need

        await asyncio.to_thread(cluster.kill_replica, victim)
        deadline = time.monotonic() + 30
        while resident.disconnects == 0 or not resident.confirmed.is_set():
            assert time.monotonic() < deadline, "the window did not reconnect through nginx"
            await asyncio.sleep(0.2)
        assert resident.confirms == 2

        await resident.say(PLACE)
        answer = await resident.answers()
        assert answer and all(m.get("text") or m.get("custom") or m.get("buttons") for m in answer)
        seen = await asyncio.to_thread(tracker, cluster, survivor, sender)
        assert seen["slots"]["place_name"] == PLACE
        assert seen["slots"]["need"] == need, "the surviving replica continued from the tracker"
        assert seen["slots"]["shown_services"]
        assert not (seen.get("active_loop") or {}).get("name")
    finally:
        await resident.close()
