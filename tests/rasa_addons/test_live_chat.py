"""The live-chat bookkeeping of the socket.io channel: presence, missed messages, typing, CSAT.

The queue (for CSAT) is a real SQLite file and the tracker store Rasa's own in-memory store;
only the socket.io server is a recorder of what would be emitted.
"""

from __future__ import annotations

import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from rasa.core.tracker_store import InMemoryTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy import create_engine

from rasa_addons.channels import bot_uttered_payload
from rasa_addons.live_chat import TYPING_SECONDS, LiveChat, PresenceBook
from socialmap import handoff as hq


class RecordingSio:
    def __init__(self) -> None:
        self.emitted: list[tuple[str, Any, str]] = []

    async def emit(self, event: str, data: Any, room: str, namespace: str | None = None) -> None:
        self.emitted.append((event, data, room))


@pytest.fixture
def queue(tmp_path: Path) -> hq.HandoffQueue:
    return hq.HandoffQueue(create_engine(f"sqlite:///{tmp_path / 'live.db'}", future=True))


@pytest.fixture
def store() -> InMemoryTrackerStore:
    return InMemoryTrackerStore(Domain.empty())


def live_chat(queue: hq.HandoffQueue, store: InMemoryTrackerStore) -> tuple[LiveChat, RecordingSio]:
    sio = RecordingSio()
    agent = SimpleNamespace(tracker_store=store)
    return LiveChat(sio, None, lambda: agent, bot_uttered_payload, queue=lambda: queue), sio


async def test_presence_follows_the_windows_of_a_conversation(queue: hq.HandoffQueue, store: Any) -> None:
    live, _ = live_chat(queue, store)
    assert live.presence.snapshot("conv-12345678") == {"online": False, "last_seen": None, "typing": False}
    await live.session_started("sid-1", "conv-12345678", {})
    await live.session_started("sid-2", "conv-12345678", {})
    await live.disconnected("sid-1")
    assert live.presence.snapshot("conv-12345678")["online"] is True
    await live.disconnected("sid-2")
    await live.disconnected("sid-2")  # a second disconnect of the same socket counts once
    gone = live.presence.snapshot("conv-12345678")
    assert gone["online"] is False and gone["last_seen"].endswith("Z")
    await live.session_started("sid-3", "conv-12345678", {})
    assert live.presence.snapshot("conv-12345678")["online"] is True


def test_typing_shows_for_a_few_seconds_only() -> None:
    book = PresenceBook()
    book.connected("conv-12345678", now=100.0)
    book.typing("conv-12345678", now=101.0)
    assert book.snapshot("conv-12345678", now=103.0)["typing"] is True
    assert book.snapshot("conv-12345678", now=101.0 + TYPING_SECONDS + 1)["typing"] is False
    book.disconnected("conv-12345678", now=104.0)
    assert book.snapshot("conv-12345678", now=104.5)["typing"] is False


def test_the_book_forgets_long_gone_conversations_but_never_connected_ones() -> None:
    book = PresenceBook(max_conversations=10)
    book.connected("still-here", now=1.0)
    for i in range(30):
        book.connected(f"gone-{i}", now=2.0 + i)
        book.disconnected(f"gone-{i}", now=2.0 + i)
    assert book.snapshot("still-here")["online"] is True
    assert len(book._entries) <= 10


async def test_a_reconnecting_window_gets_only_the_messages_it_missed(
    queue: hq.HandoffQueue, store: InMemoryTrackerStore
) -> None:
    now = time.time()
    tracker = DialogueStateTracker("conv-12345678", [])
    tracker.update(UserUttered("ik wil een medewerker", timestamp=now - 60))
    tracker.update(BotUttered("U staat in de rij.", timestamp=now - 50))
    tracker.update(
        BotUttered(
            "U praat nu met Anja.",
            metadata={"from": "staff", "staff_name": "Anja", "handoff": "joined"},
            timestamp=now - 20,
        )
    )
    tracker.update(
        BotUttered("Bent u er nog?", metadata={"from": "staff", "staff_name": "Anja"}, timestamp=now - 10)
    )
    await store.save(tracker)
    live, sio = live_chat(queue, store)
    # The widget's clock runs 100 s ahead; it last received a message 40 s ago (its time).
    widget_now = now + 100
    await live.session_started("sid-1", "conv-12345678", {"since": widget_now - 40, "now": widget_now})
    replayed = [
        (data["text"], data["metadata"]) for event, data, room in sio.emitted if event == "bot_uttered"
    ]
    assert replayed == [
        (
            "U praat nu met Anja.",
            {"from": "staff", "staff_name": "Anja", "handoff": "joined", "replayed": True},
        ),
        ("Bent u er nog?", {"from": "staff", "staff_name": "Anja", "replayed": True}),
    ]
    assert all(room == "sid-1" for _, _, room in sio.emitted)


async def test_no_replay_without_a_since_from_the_widget(queue: hq.HandoffQueue, store: Any) -> None:
    live, sio = live_chat(queue, store)
    await live.session_started("sid-1", "conv-12345678", {"since": "gisteren", "now": 1.0})
    await live.session_started("sid-2", "conv-12345678", None)
    assert sio.emitted == []


async def test_resident_typing_is_written_for_a_known_window_only(queue: hq.HandoffQueue, store: Any) -> None:
    live, _ = live_chat(queue, store)
    await live.resident_typing("stranger")
    assert live.presence.snapshot("stranger")["last_seen"] is None
    await live.session_started("sid-1", "conv-12345678", {})
    await live.resident_typing("sid-1")
    assert live.presence.snapshot("conv-12345678")["typing"] is True


async def test_csat_is_stored_once_and_the_window_is_told(queue: hq.HandoffQueue, store: Any) -> None:
    live, sio = live_chat(queue, store)
    token = queue.csat_invite("Mantelzorgconsulent")
    await live.csat("sid-1", {"token": token, "score": 4})  # not connected: ignored
    await live.session_started("sid-1", "conv-12345678", {})
    await live.csat("sid-1", {"token": token, "score": True})  # not a score
    await live.csat("sid-1", {"token": token, "score": 4})
    await live.csat("sid-1", {"token": token, "score": 5})
    assert [data["ok"] for event, data, _ in sio.emitted if event == "csat_saved"] == [False, True, False]
    assert queue.csat_report()[0]["answers"] == 1
