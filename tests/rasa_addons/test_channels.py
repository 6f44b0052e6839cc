"""The redacting channels, served by a real Sanic server on 127.0.0.1 and called over HTTP/socket.io."""

from __future__ import annotations

import asyncio
import json
import logging
import socket
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import socketio
from aiohttp import web
from cryptography.fernet import Fernet
from rasa.core.actions.action import RemoteAction
from rasa.core.channels.channel import UserMessage
from rasa.core.lock_store import InMemoryLockStore
from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import BotUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig
from sanic import Sanic
from sqlalchemy import create_engine

from rasa_addons import channels
from rasa_addons.channels import (
    MAX_MESSAGE_CHARS,
    RedactingRestInput,
    RedactingSocketIOInput,
    bot_uttered_payload,
)
from socialmap.privacy import ContactVault

# Sanic 21.12 rewrites some of its own methods at each server start ("touch-up");
# test mode makes that safe when a test module starts several servers.
Sanic.test_mode = True

ORIGIN = "http://127.0.0.1:8080"
SENDER = "test-0a1b2c3d4e5f"
APOLOGY = "Sorry, er ging iets mis. Bel {contact_phone} of kijk op {contact_website}. Wilt u een medewerker spreken?"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class FakeBot:
    """Stands in for `agent.handle_message`: records what Rasa would see, answers like a bot."""

    seen: list[UserMessage] = field(default_factory=list)
    behaviour: Callable[[UserMessage], Awaitable[None]] | None = None

    async def __call__(self, message: UserMessage) -> None:
        self.seen.append(message)
        if self.behaviour is not None:
            await self.behaviour(message)
            return
        await message.output_channel.send_response(message.sender_id, {"text": f"U zei: {message.text}"})


@dataclass
class TrackerStore:
    """Stands in for Rasa's tracker store: the conversations as the channel reads them."""

    trackers: dict[str, DialogueStateTracker] = field(default_factory=dict)

    async def retrieve(self, sender_id: str) -> DialogueStateTracker | None:
        return self.trackers.get(sender_id)

    async def save(self, tracker: DialogueStateTracker) -> None:
        self.trackers[tracker.sender_id] = tracker

    def asked_for_contact(self, sender_id: str) -> None:
        """The callback form has just asked this resident for a contact."""
        self.trackers[sender_id] = DialogueStateTracker.from_events(
            sender_id, [BotUttered("Op welk nummer?", metadata={"utter_action": "utter_ask_callback_contact"})]
        )


@dataclass
class Agent:
    nlg: TemplatedNaturalLanguageGenerator
    domain: Domain
    tracker_store: TrackerStore = field(default_factory=TrackerStore)
    lock_store: InMemoryLockStore = field(default_factory=InMemoryLockStore)


@dataclass
class Served:
    url: str
    bot: FakeBot
    vault: ContactVault
    rest: RedactingRestInput
    sio_channel: RedactingSocketIOInput
    store: TrackerStore


@pytest.fixture()
async def served(tmp_path: Path) -> AsyncIterator[Served]:
    engine = create_engine(f"sqlite:///{tmp_path / 'socialmap.db'}", future=True)
    vault = ContactVault(engine, key=Fernet.generate_key())  # never the key file in var/
    channels.set_vault(vault)
    bot = FakeBot()
    app = Sanic(f"test_channels_{uuid.uuid4().hex}")
    domain = Domain.empty()
    store = TrackerStore()
    app.ctx.agent = Agent(
        TemplatedNaturalLanguageGenerator({"utter_technical_problem": [{"text": APOLOGY}]}), domain, store
    )
    rest = RedactingRestInput(allowed_origins=[ORIGIN])
    sio_channel = RedactingSocketIOInput(session_persistence=True, allowed_origins=[ORIGIN])
    app.blueprint(rest.blueprint(bot), url_prefix="/webhooks/rest")
    app.blueprint(sio_channel.blueprint(bot), url_prefix="/webhooks/socketio")
    port = _free_port()
    server = await app.create_server(
        host="127.0.0.1", port=port, return_asyncio_server=True, access_log=False
    )
    assert server is not None
    await server.startup()
    try:
        yield Served(f"http://127.0.0.1:{port}", bot, vault, rest, sio_channel, store)
    finally:
        await server.close()
        channels.set_vault(None)
        engine.dispose()


async def _post(
    url: str, body: bytes | str | None, content_type: str = "application/json", **headers: str
) -> tuple[int, Any]:
    data = body.encode("utf-8") if isinstance(body, str) else body
    async with aiohttp.ClientSession() as session:
        async with session.post(
            f"{url}/webhooks/rest/webhook",
            data=data or b"",
            headers={"Content-Type": content_type, **headers},
        ) as resp:
            text = await resp.text()
            try:
                return resp.status, json.loads(text)
            except ValueError:
                return resp.status, text


# --- REST: redaction --------------------------------------------------------


async def test_rest_redacts_before_rasa_sees_the_message_and_keeps_the_contact_apart(served: Served) -> None:
    served.store.asked_for_contact(SENDER)
    status, body = await _post(
        served.url, json.dumps({"sender": SENDER, "message": "bel mij op 06-12345678 aub"})
    )
    assert status == 200
    assert served.bot.seen[-1].text == "bel mij op [TELEFOON] aub"
    assert served.bot.seen[-1].input_channel == "rest"
    assert body == [{"recipient_id": SENDER, "text": "U zei: bel mij op [TELEFOON] aub"}]
    assert served.vault.pop_latest(SENDER) == "06-12345678"


@pytest.mark.parametrize(
    "payload", ["/request_human", "/show_more", '/refine_search{"cost": "gratis"}', '/inform{"postcode": "9401 AB"}']
)
async def test_rest_passes_our_own_button_payloads_unchanged(served: Served, payload: str) -> None:
    status, _ = await _post(served.url, json.dumps({"sender": SENDER, "message": payload}))
    assert status == 200 and served.bot.seen[-1].text == payload


@pytest.mark.parametrize(
    "message, expected",
    [
        ("/greet 06-12345678", "greet [TELEFOON]"),  # text after the intent
        ('/inform{"location": "06-12345678"}', 'inform{"location": "[TELEFOON]"}'),  # personal data as a value
        ("/no_such_intent", "no_such_intent"),  # not an intent of ours
        ('/inform{"bsn": "1"}', 'inform{"bsn": "1"}'),  # not an entity of ours
        ('/inform{"location": {"a": 1}}', 'inform{"location": {"a": 1}}'),  # not a short value
        ("/" + "a" * 400, "a" * 400),  # too long
        ("//ik wil dood, bel 0612345678", "ik wil dood, bel [TELEFOON]"),  # the safety net must read this
    ],
)
async def test_rest_treats_every_other_slash_message_as_resident_text(
    served: Served, message: str, expected: str
) -> None:
    status, body = await _post(served.url, json.dumps({"sender": SENDER, "message": message}))
    assert status == 200
    assert served.bot.seen[-1].text == expected  # Rasa sees text for NLU and the safety net, never a payload
    assert "12345678" not in json.dumps(body)  # and the bot cannot echo it back
    assert served.vault.latest(SENDER) is None  # not in the callback flow: nothing kept


async def test_rest_keeps_no_contact_outside_the_callback_flow(served: Served) -> None:
    status, _ = await _post(served.url, json.dumps({"sender": SENDER, "message": "mijn nummer is 06-12345678"}))
    assert status == 200 and served.bot.seen[-1].text == "mijn nummer is [TELEFOON]"
    assert served.vault.latest(SENDER) is None
    served.store.asked_for_contact(SENDER)
    await _post(served.url, json.dumps({"sender": SENDER, "message": "06-12345678"}))
    assert served.vault.pop_latest(SENDER) == "06-12345678"


async def test_rest_keeps_only_whitelisted_short_metadata(served: Served) -> None:
    metadata = {"page": "/hulp?mail=jan@voorbeeld.nl", "lang": "nl", "evil": "x" * 100, "nested": {"a": {"b": 1}}}
    status, _ = await _post(served.url, json.dumps({"sender": SENDER, "message": "hoi", "metadata": metadata}))
    assert status == 200
    assert served.bot.seen[-1].metadata == {"page": "/hulp?mail=[E-MAIL]", "lang": "nl"}
    status, _ = await _post(served.url, json.dumps({"sender": SENDER, "message": "hoi", "metadata": {"x": 1}}))
    assert status == 200 and served.bot.seen[-1].metadata is None


async def test_rest_refuses_a_huge_body(served: Served) -> None:
    huge = json.dumps({"sender": SENDER, "message": "hoi", "metadata": {"page": "x" * 5_000_000}})
    status, answer = await _post(served.url, huge)
    assert status == 413 and served.bot.seen == []


@pytest.mark.parametrize(
    "sender",
    [
        "0612345678",  # a phone number
        "+31612345678",
        "06-1234-5678",
        "tel-0612345678",
        "111222333",  # a BSN
        "jan@voorbeeld.nl",  # an e-mail address
        "jan_at_voorbeeld_dot_nl",
        "janjansen",  # a name, nothing random about it
        "abc",  # too short
        "a" * 200,  # too long
    ],
)
async def test_rest_refuses_sender_ids_that_are_not_random(served: Served, sender: str) -> None:
    status, answer = await _post(served.url, json.dumps({"sender": sender, "message": "hoi"}))
    assert status == 400 and "sender" in answer["error"]
    assert served.bot.seen == []


@pytest.mark.parametrize(
    "sender",
    [
        "test-0a1b2c3d4e5f",
        "load-3-1a2b3c4d",
        "0f" * 16,
        "fuzz-check-0001",
        "persona-jansen-koffie-typo-abcdefab",  # the hex part of a uuid without a digit
        "sig-0123456789abcdef",
        str(uuid.uuid4()),
        uuid.uuid4().hex,
    ],
)
def test_the_sender_ids_in_use_are_accepted(sender: str) -> None:
    assert channels.valid_sender_id(sender)


def test_payload_vocabulary_comes_from_the_domain() -> None:
    intents, entities = channels.domain_vocabulary()
    assert {"request_human", "show_more", "refine_search", "inform", "greet"} <= intents
    assert {"location", "postcode", "cost"} <= entities


async def test_rest_cuts_very_long_messages(served: Served) -> None:
    status, _ = await _post(served.url, json.dumps({"sender": SENDER, "message": "a" * 20_000}))
    assert status == 200
    assert len(served.bot.seen[-1].text) == MAX_MESSAGE_CHARS


# --- REST: bad input ----------------------------------------------------------


@pytest.mark.parametrize(
    "body, content_type",
    [
        (b"", "application/json"),
        (b"   ", "application/json"),
        (b"{not json", "application/json"),
        (b"\xff\xfe\x00garbage", "application/json"),
        (b'{"sender": "test-0a1b2c3d4e5f", "message": "hoi"}', "text/plain"),
        (b'{"sender": "test-0a1b2c3d4e5f", "message": "hoi"}', "application/x-www-form-urlencoded"),
        (b"[1, 2, 3]", "application/json"),
        (b'"just a string"', "application/json"),
        (b'{"message": "hoi"}', "application/json"),
        (b'{"sender": "", "message": "hoi"}', "application/json"),
        (b'{"sender": {"a": 1}, "message": "hoi"}', "application/json"),
        (b'{"sender": "a b\\u0000", "message": "hoi"}', "application/json"),
        (b'{"sender": "abc\\n", "message": "hoi"}', "application/json"),
        (b'{"sender": "test-0a1b2c3d4e5f"}', "application/json"),
        (b'{"sender": "test-0a1b2c3d4e5f", "message": {"text": "hoi"}}', "application/json"),
        (b'{"sender": "test-0a1b2c3d4e5f", "message": 12}', "application/json"),
        (b'{"sender": "test-0a1b2c3d4e5f", "message": ["hoi"]}', "application/json"),
        (b'{"sender": "test-0a1b2c3d4e5f", "message": "   "}', "application/json"),
        (b'{"sender": "test-0a1b2c3d4e5f", "message": "hoi\\u0000daar"}', "application/json"),
        (b'{"sender": "test-0a1b2c3d4e5f", "message": "\\u001b[31mrood"}', "application/json"),
        (b'{"sender": "test-0a1b2c3d4e5f", "message": "\\ud800"}', "application/json"),
        (b"[" * 5000 + b"]" * 5000, "application/json"),
    ],
)
async def test_rest_answers_bad_input_with_400_and_a_short_json_error(
    served: Served, body: bytes, content_type: str
) -> None:
    status, answer = await _post(served.url, body, content_type)
    assert status == 400
    assert isinstance(answer, dict) and isinstance(answer.get("error"), str) and len(answer["error"]) < 120
    assert served.bot.seen == []


@pytest.mark.parametrize(
    "text",
    ["😀😀😀", "مرحبا كيف حالك", "<script>alert(1)</script>", "'; DROP TABLE events; --", "{{7*7}} ${7*7}"],
)
async def test_rest_accepts_odd_but_valid_text(served: Served, text: str) -> None:
    status, body = await _post(served.url, json.dumps({"sender": SENDER, "message": text}))
    assert status == 200 and body[0]["text"] == f"U zei: {text}"


async def test_rest_refuses_a_foreign_origin_and_accepts_the_configured_one(served: Served) -> None:
    body = json.dumps({"sender": SENDER, "message": "hoi"})
    status, answer = await _post(served.url, body, Origin="https://evil.example")
    assert status == 403 and answer == {"error": "origin not allowed"}
    status, _ = await _post(served.url, body, Origin=ORIGIN)
    assert status == 200


async def test_rest_does_not_log_the_raw_text_when_rasa_fails(
    served: Served, caplog: pytest.LogCaptureFixture
) -> None:
    async def crash(message: UserMessage) -> None:
        raise RuntimeError("boom")

    served.bot.behaviour = crash
    with caplog.at_level(logging.DEBUG):
        status, body = await _post(
            served.url, json.dumps({"sender": SENDER, "message": "mijn bsn is 111222333"})
        )
    assert status == 200
    assert body[0]["text"].startswith("Sorry, er ging iets mis. Bel ")
    assert "111222333" not in caplog.text


# --- action server faults -------------------------------------------------------


@pytest.fixture()
async def slow_action_server() -> AsyncIterator[str]:
    """A real action server that answers after 30 s (slower than Settings.action_timeout_s)."""

    async def webhook(_: web.Request) -> web.Response:
        await asyncio.sleep(30)
        return web.json_response({"events": [], "responses": []})

    app = web.Application()
    app.router.add_post("/webhook", webhook)
    runner = web.AppRunner(app)
    await runner.setup()
    port = _free_port()
    site = web.TCPSite(runner, "127.0.0.1", port)
    await site.start()
    yield f"http://127.0.0.1:{port}/webhook"
    await runner.cleanup()


def _processor_like(action_url: str, calls: list[float]) -> Callable[[UserMessage], Awaitable[None]]:
    """Run two custom actions the way rasa's MessageProcessor._run_action does: log and carry on."""

    async def behaviour(message: UserMessage) -> None:
        domain = Domain.empty()
        tracker = DialogueStateTracker(message.sender_id, [])
        nlg = TemplatedNaturalLanguageGenerator({})
        for name in ("action_search", "action_other"):
            started = time.monotonic()
            try:
                await RemoteAction(name, EndpointConfig(action_url)).run(
                    message.output_channel, nlg, tracker, domain
                )
            except Exception:
                logging.getLogger("rasa.core.processor").exception(
                    "Encountered an exception while running action"
                )
            calls.append(time.monotonic() - started)

    return behaviour


async def test_slow_action_server_gives_a_dutch_apology_within_five_seconds(
    served: Served, slow_action_server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(channels, "_action_timeout_s", lambda: 1.0)
    calls: list[float] = []
    served.bot.behaviour = _processor_like(slow_action_server, calls)
    started = time.monotonic()
    status, body = await _post(
        served.url, json.dumps({"sender": SENDER, "message": "ik zoek een koffieochtend"})
    )
    elapsed = time.monotonic() - started
    assert status == 200
    assert elapsed < 5
    assert calls[0] == pytest.approx(1.0, abs=0.5)
    assert calls[1] < 0.2  # the second action does not wait again
    assert len(body) == 1
    assert "Sorry, er ging iets mis. Bel 14 0592" in body[0]["text"] and "medewerker" in body[0]["text"]


async def test_action_server_down_gives_the_apology(served: Served) -> None:
    calls: list[float] = []
    served.bot.behaviour = _processor_like(f"http://127.0.0.1:{_free_port()}/webhook", calls)
    status, body = await _post(served.url, json.dumps({"sender": SENDER, "message": "hoi"}))
    assert status == 200 and "Sorry, er ging iets mis" in body[0]["text"]


# --- socket.io -----------------------------------------------------------------


async def _socket_client(
    url: str, origin: str = ORIGIN
) -> tuple[socketio.AsyncClient, list[dict], asyncio.Queue]:
    client = socketio.AsyncClient(reconnection=False)
    received: list[dict] = []
    queue: asyncio.Queue = asyncio.Queue()

    @client.on("bot_uttered")
    async def on_bot(data: dict) -> None:
        received.append(data)
        await queue.put(data)

    @client.on("session_confirm")
    async def on_session(data: Any) -> None:
        await queue.put({"session": data})

    await client.connect(url, socketio_path="/socket.io", headers={"Origin": origin}, transports=["polling"])
    return client, received, queue


async def test_socketio_sends_one_bot_uttered_per_message_in_the_contract_shape(served: Served) -> None:
    async def answer(message: UserMessage) -> None:
        out = message.output_channel
        await out.send_response(
            message.sender_id,
            {
                "text": "Eerste alinea.\n\nTweede alinea.",
                "buttons": [{"title": "Meer", "payload": "/show_more"}],
            },
        )
        await out.send_response(
            message.sender_id, {"text": "Kaart", "custom": {"type": "result_card", "card": {"name": "X"}}}
        )

    served.bot.behaviour = answer
    served.store.asked_for_contact("sess-10a1b2c3d4e5f")
    client, received, queue = await _socket_client(served.url)
    try:
        await client.emit("session_request", {"session_id": "sess-10a1b2c3d4e5f"})
        assert (await asyncio.wait_for(queue.get(), 5)) == {"session": "sess-10a1b2c3d4e5f"}
        await client.emit("user_uttered", {"message": "mail naar jan@voorbeeld.nl", "session_id": "sess-10a1b2c3d4e5f"})
        first = await asyncio.wait_for(queue.get(), 5)
        second = await asyncio.wait_for(queue.get(), 5)
    finally:
        await client.disconnect()
    assert first == {
        "text": "Eerste alinea.\n\nTweede alinea.",
        "buttons": [{"title": "Meer", "payload": "/show_more"}],
        "custom": None,
        "metadata": None,
    }
    assert second["custom"] == {"type": "result_card", "card": {"name": "X"}} and second["text"] == "Kaart"
    assert served.bot.seen[-1].text == "mail naar [E-MAIL]"
    assert served.bot.seen[-1].sender_id == "sess-10a1b2c3d4e5f"
    assert served.vault.pop_latest("sess-10a1b2c3d4e5f") == "jan@voorbeeld.nl"


async def test_socketio_refuses_a_foreign_origin(served: Served) -> None:
    client = socketio.AsyncClient(reconnection=False)
    with pytest.raises(socketio.exceptions.ConnectionError):
        await client.connect(served.url, headers={"Origin": "https://evil.example"}, transports=["polling"])


async def test_socketio_apologises_when_an_action_fails(served: Served) -> None:
    calls: list[float] = []
    served.bot.behaviour = _processor_like(f"http://127.0.0.1:{_free_port()}/webhook", calls)
    client, _, queue = await _socket_client(served.url)
    try:
        await client.emit("session_request", {"session_id": "sess-20a1b2c3d4e5f"})
        await asyncio.wait_for(queue.get(), 5)
        await client.emit("user_uttered", {"message": "hoi", "session_id": "sess-20a1b2c3d4e5f"})
        apology = await asyncio.wait_for(queue.get(), 5)
    finally:
        await client.disconnect()
    assert apology["text"].startswith("Sorry, er ging iets mis. Bel 14 0592")


async def test_socketio_ignores_malformed_messages(served: Served) -> None:
    client, received, queue = await _socket_client(served.url)
    try:
        await client.emit("session_request", {"session_id": "sess-30a1b2c3d4e5f"})
        await asyncio.wait_for(queue.get(), 5)
        for bad in [
            "plain string",
            {"message": 12, "session_id": "sess-30a1b2c3d4e5f"},
            {"message": "hoi"},
            {"message": "\x00", "session_id": "sess-30a1b2c3d4e5f"},
        ]:
            await client.emit("user_uttered", bad)
        await client.emit("user_uttered", {"message": "hallo", "session_id": "sess-30a1b2c3d4e5f"})
        reply = await asyncio.wait_for(queue.get(), 5)
    finally:
        await client.disconnect()
    assert reply["text"] == "U zei: hallo"
    assert [m.text for m in served.bot.seen] == ["hallo"]


def test_staff_message_metadata_reaches_the_widget_as_metadata() -> None:
    # BotUttered.message() merges the event metadata into the top level.
    message = {
        "text": "Hallo, ik ben Anja.",
        "timestamp": 1.0,
        "from": "staff",
        "staff_name": "Anja",
        "buttons": None,
    }
    assert bot_uttered_payload(message) == {
        "text": "Hallo, ik ben Anja.",
        "buttons": None,
        "custom": None,
        "metadata": {"from": "staff", "staff_name": "Anja"},
    }


def test_external_events_use_the_contract_output_channel(served: Served) -> None:
    out = served.sio_channel.get_output_channel()
    assert isinstance(out, channels.RedactingSocketIOOutput) and out.name() == "socketio"


def test_channel_names_stay_those_of_rasa() -> None:
    assert RedactingRestInput.name() == "rest" and RedactingSocketIOInput.name() == "socketio"


def test_origins_come_from_credentials_or_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    from socialmap.settings import get_settings

    chan = RedactingSocketIOInput.from_credentials({"cors_allowed_origins": "https://a.nl, https://b.nl"})
    assert chan.allowed_origins == ["https://a.nl", "https://b.nl"]
    monkeypatch.setenv("ALLOWED_ORIGINS", "https://gemeente.example")
    get_settings.cache_clear()
    try:
        assert RedactingRestInput.from_credentials({}).allowed_origins == ("https://gemeente.example",)
    finally:
        get_settings.cache_clear()


# --- fuzzing ---------------------------------------------------------------------


async def test_fuzz_run_against_the_rest_channel_finds_no_server_errors(served: Served) -> None:
    from scripts.fuzz_rest import run_async

    result = await run_async(served.url, 600, concurrency=8)
    assert result["requests"] == 600
    assert result["5xx"] == 0 and result["errors"] == 0 and result["alive"] is True
    assert set(result["statuses"]) <= {200, 400}
    assert result["statuses"][400] > 300  # most generated input is refused, not answered


async def test_fuzz_reports_server_errors(tmp_path: Path) -> None:
    from scripts.fuzz_rest import run_async

    async def always_500(_: web.Request) -> web.Response:
        return web.json_response({"error": "x"}, status=500)

    app = web.Application()
    app.router.add_post("/webhooks/rest/webhook", always_500)
    runner = web.AppRunner(app)
    await runner.setup()
    port = _free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        result = await run_async(f"http://127.0.0.1:{port}", 20)
    finally:
        await runner.cleanup()
    assert result["5xx"] == 20 and result["alive"] is False


# --- issue 12: side doors ----------------------------------------------------------


async def test_socketio_refuses_a_phone_number_as_session_id_and_hands_out_a_random_one(served: Served) -> None:
    client, _, queue = await _socket_client(served.url)
    try:
        await client.emit("session_request", {"session_id": "0612345678"})
        confirmed = (await asyncio.wait_for(queue.get(), 5))["session"]
    finally:
        await client.disconnect()
    assert confirmed != "0612345678" and channels.valid_sender_id(confirmed)


async def test_socketio_answers_after_missing_data_and_nested_metadata(served: Served) -> None:
    session = "sess-40a1b2c3d4e5f"
    nested: Any = {}
    for _ in range(200):
        nested = {"a": nested}
    client, _, queue = await _socket_client(served.url)
    try:
        await client.emit("session_request")  # no data at all
        await asyncio.wait_for(queue.get(), 5)
        await client.emit("session_request", {"session_id": session})
        await asyncio.wait_for(queue.get(), 5)
        await client.emit("user_uttered")  # no data at all
        await client.emit("user_uttered", {"message": "hoi", "session_id": session, "metadata": nested})
        reply = await asyncio.wait_for(queue.get(), 5)
        await client.emit(
            "user_uttered", {"message": "nog een", "session_id": session, "metadata": json.dumps(nested)}
        )
        second = await asyncio.wait_for(queue.get(), 5)
    finally:
        await client.disconnect()
    assert reply["text"] == "U zei: hoi" and second["text"] == "U zei: nog een"
    assert [m.metadata for m in served.bot.seen] == [None, None]


async def test_socketio_slash_text_is_resident_text(served: Served) -> None:
    session = "sess-50a1b2c3d4e5f"
    client, _, queue = await _socket_client(served.url)
    try:
        await client.emit("session_request", {"session_id": session})
        await asyncio.wait_for(queue.get(), 5)
        await client.emit("user_uttered", {"message": "/greet 06-12345678", "session_id": session})
        reply = await asyncio.wait_for(queue.get(), 5)
    finally:
        await client.disconnect()
    assert reply["text"] == "U zei: greet [TELEFOON]"


def test_warnings_go_through_the_redacting_log_filter(caplog: pytest.LogCaptureFixture) -> None:
    import warnings

    from rasa_addons import logging_filter

    logging.captureWarnings(False)  # pytest records warnings itself: start from a clean hook
    logging_filter.install()
    handler_records: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            handler_records.append(self.format(record))

    keep = Keep()
    logging.getLogger("py.warnings").addHandler(keep)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("always")
            warnings.warn("Failed to parse arguments in line '/greet 06-12345678'", UserWarning, stacklevel=1)
    finally:
        logging.getLogger("py.warnings").removeHandler(keep)
    assert handler_records and "[TELEFOON]" in handler_records[0]
    assert "12345678" not in "".join(handler_records)


def test_log_filter_drops_a_line_it_cannot_redact(monkeypatch: pytest.MonkeyPatch) -> None:
    from rasa_addons import logging_filter

    def broken(_: str) -> Any:
        raise RuntimeError("redaction broke")

    monkeypatch.setattr(logging_filter, "redact", broken)
    record = logging.LogRecord("rasa", logging.ERROR, __file__, 1, "text=%s", ("bel 06-12345678",), None)
    flt = logging_filter.RedactingFilter()
    assert flt.filter(record) is False and flt.dropped == 1
