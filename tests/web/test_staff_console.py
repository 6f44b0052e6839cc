"""The staff console over real HTTP: login, sessions, CSRF, the handoff loop, and a Rasa that is down.

Both sides are real servers on 127.0.0.1: the web app built by web.server.create_app
(which mounts the console) and a small fake of Rasa's HTTP API that records what
the console sends and answers like Rasa does.
"""

from __future__ import annotations

import dataclasses
import re
import socket
from collections.abc import AsyncIterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from socialmap import handoff as hq
from socialmap import staff as staff_module
from socialmap.schedule import TZ
from socialmap.search import SearchPage, SearchResult
from socialmap.settings import Settings, get_settings
from socialmap.staff import StaffStore
from web.server import create_app

TOKEN = "fake-rasa-token"
PASSWORD = "correct paard batterij"
XSS = '<script>alert("xss")</script><img src=x onerror=alert(1)>'

PAGES = ["/medewerkers/wachtrij", "/medewerkers/gesprek/" + "a" * 32]
GET_APIS = [
    "/medewerkers/api/me",
    "/medewerkers/api/queue",
    "/medewerkers/api/tickets/abc",
    "/medewerkers/api/tickets/abc/transcript",
    "/medewerkers/api/tickets/abc/search?q=koffie",
]
POST_APIS = [
    "/medewerkers/api/tickets/abc/take",
    "/medewerkers/api/tickets/abc/messages",
    "/medewerkers/api/tickets/abc/cards",
    "/medewerkers/api/tickets/abc/transfer",
    "/medewerkers/api/tickets/abc/handback",
    "/medewerkers/api/tickets/abc/close",
    "/medewerkers/api/callbacks/abc/take",
    "/medewerkers/api/callbacks/abc/close",
]


class FakeRasa:
    """Answers the three calls of Rasa's HTTP API the console uses, and remembers them."""

    def __init__(self) -> None:
        self.events: dict[str, list[dict[str, Any]]] = {}
        self.paused: dict[str, bool] = {}
        self.calls: list[tuple[str, str, dict[str, str], Any]] = []
        self.app = web.Application()
        self.app.router.add_get("/conversations/{cid}/tracker", self.tracker)
        self.app.router.add_post("/conversations/{cid}/tracker/events", self.append)
        self.app.router.add_post("/conversations/{cid}/trigger_intent", self.trigger)
        self.app.router.add_post("/webhooks/socketio/staff_typing", self.staff_typing)
        self.app.router.add_get("/webhooks/socketio/presence", self.presence_answer)
        self.presence: dict[str, dict[str, Any]] = {}

    def _check(self, request: web.Request) -> None:
        if request.query.get("token") != TOKEN:
            raise web.HTTPUnauthorized(text='{"message": "User is not authenticated."}')

    async def tracker(self, request: web.Request) -> web.Response:
        self._check(request)
        cid = request.match_info["cid"]
        self.calls.append(("GET", "tracker", dict(request.query), None))
        return web.json_response(
            {"sender_id": cid, "events": self.events.get(cid, []), "paused": self.paused.get(cid, False)}
        )

    async def append(self, request: web.Request) -> web.Response:
        self._check(request)
        cid = request.match_info["cid"]
        body = await request.json()
        self.calls.append(("POST", "events", dict(request.query), body))
        for event in body:
            if event["event"] == "pause":
                self.paused[cid] = True
            if event["event"] == "resume":
                self.paused[cid] = False
            self.events.setdefault(cid, []).append({**event, "timestamp": 1700000000.0})
        return web.json_response({"sender_id": cid, "events": self.events[cid]})

    async def trigger(self, request: web.Request) -> web.Response:
        self._check(request)
        body = await request.json()
        self.calls.append(("POST", "trigger_intent", dict(request.query), body))
        return web.json_response({"tracker": {}, "messages": []})

    async def staff_typing(self, request: web.Request) -> web.Response:
        self._check(request)
        self.calls.append(("POST", "staff_typing", dict(request.query), await request.json()))
        return web.json_response({"ok": True})

    async def presence_answer(self, request: web.Request) -> web.Response:
        self._check(request)
        ids = request.query.get("ids", "").split(",")
        return web.json_response({"presence": {i: self.presence[i] for i in ids if i in self.presence}})

    def posted(self, kind: str) -> list[tuple[dict[str, str], Any]]:
        return [(query, body) for method, k, query, body in self.calls if method == "POST" and k == kind]


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def fake_search(query: Any, place_name: str | None = None) -> SearchPage:
    """Answers like socialmap.search.search, with one meeting place near Assen."""
    result = SearchResult(
        service_id="svc-koffie",
        name="Koffie-ochtend De Kloosterhof",
        description="Elke woensdag koffie en een praatje.",
        category="meeting",
        category_label="Ontmoeten",
        subcategory=None,
        subcategory_label=None,
        organization="Welzijn Assen",
        location_name="De Kloosterhof",
        address="Kloosterstraat 1, 9401 AB Assen",
        town="Assen",
        municipality="Assen",
        lat=52.99,
        lon=6.56,
        distance_km=1.2,
        next_session=None,
        when_text="woensdag 10:00 - 12:00",
        cost_text="gratis",
        is_free=True,
        phone="0592 123456",
        email="",
        website="",
        route_url="https://www.openstreetmap.org/directions?to=52.99,6.56",
    )
    return SearchPage(results=[result], total=1, radius_km=10, widened=False, page=0, has_more=False)


@pytest.fixture(autouse=True)
def fast_kdf(monkeypatch: pytest.MonkeyPatch) -> None:
    """Cheaper scrypt for these HTTP tests (the cost is stored in each hash, so checks stay real)."""
    monkeypatch.setattr(staff_module, "SCRYPT_N", 2**10)


@dataclasses.dataclass
class Env:
    client: TestClient
    rasa: FakeRasa
    queue: hq.HandoffQueue
    staff: StaffStore


async def _env(tmp_path: Path, rasa_url: str, rasa: FakeRasa, **overrides: Any) -> AsyncIterator[Env]:
    settings: Settings = dataclasses.replace(
        get_settings(),
        db_url=f"sqlite:///{tmp_path / 'console.db'}",
        deployment_file=Path(__file__).resolve().parents[2] / "deployment.yml",
        rasa_url=rasa_url,
        rasa_token=TOKEN,
        staff_session_minutes=60,
        **overrides,
    )
    app = create_app(settings)
    from web import staff as console_module

    app[console_module.CONSOLE_KEY].search = fake_search
    queue = app[console_module.CONSOLE_KEY].queue
    staff = app[console_module.CONSOLE_KEY].staff
    staff.add("anja", "Anja de Vries", PASSWORD)
    staff.add("piet", "Piet Bakker", PASSWORD)
    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        yield Env(client, rasa, queue, staff)


@pytest.fixture
async def fake_rasa() -> AsyncIterator[tuple[FakeRasa, str]]:
    rasa = FakeRasa()
    server = TestServer(rasa.app, host="127.0.0.1")
    await server.start_server()
    yield rasa, str(server.make_url("")).rstrip("/")
    await server.close()


@pytest.fixture
async def env(tmp_path: Path, fake_rasa: tuple[FakeRasa, str]) -> AsyncIterator[Env]:
    rasa, url = fake_rasa
    async for value in _env(tmp_path, url, rasa):
        yield value


@pytest.fixture
async def env_rasa_down(tmp_path: Path) -> AsyncIterator[Env]:
    async for value in _env(tmp_path, f"http://127.0.0.1:{closed_port()}", FakeRasa()):
        yield value


async def login(client: TestClient, username: str = "anja", password: str = PASSWORD) -> str:
    """Log in through the form; return the CSRF token of the new session."""
    form_page = await client.get("/medewerkers/inloggen")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', await form_page.text())
    assert csrf, "login form has no CSRF field"
    answer = await client.post(
        "/medewerkers/inloggen",
        data={
            "username": username,
            "password": password,
            "csrf_token": csrf.group(1),
            "next": "/medewerkers/wachtrij",
        },
        allow_redirects=False,
    )
    assert answer.status == 303, await answer.text()
    queue_page = await client.get("/medewerkers/wachtrij")
    token = re.search(r'<meta name="csrf-token" content="([^"]+)"', await queue_page.text())
    assert token
    return token.group(1)


def waiting_ticket(queue: hq.HandoffQueue, conversation_id: str = "conv-1", **summary: Any) -> hq.Ticket:
    defaults = dict(need="meeting", need_label="Ontmoeten", location="Assen", place_lat=52.99, place_lon=6.56)
    defaults.update(summary)
    return queue.request(conversation_id, hq.HandoffSummary(**defaults))


# --- nothing without a session ---------------------------------------------------------


@pytest.mark.parametrize("path", PAGES)
async def test_pages_redirect_to_login_without_a_session(env: Env, path: str) -> None:
    answer = await env.client.get(path, allow_redirects=False)
    assert answer.status == 302
    assert answer.headers["Location"].startswith("/medewerkers/inloggen?next=")


@pytest.mark.parametrize("path", GET_APIS)
async def test_get_apis_answer_401_without_a_session(env: Env, path: str) -> None:
    answer = await env.client.get(path)
    assert answer.status == 401
    assert "niet (meer) ingelogd" in (await answer.json())["error"]


@pytest.mark.parametrize("path", POST_APIS)
async def test_post_apis_answer_401_without_a_session(env: Env, path: str) -> None:
    answer = await env.client.post(path, json={})
    assert answer.status == 401


async def test_console_script_needs_a_session_but_the_stylesheet_does_not(env: Env) -> None:
    assert (await env.client.get("/medewerkers/static/console.js")).status == 401
    assert (await env.client.get("/medewerkers/static/staff.css")).status == 200
    assert (await env.client.get("/medewerkers/static/login.html")).status == 404
    await login(env.client)
    script = await env.client.get("/medewerkers/static/console.js")
    assert script.status == 200 and "textContent" in await script.text()


def test_console_script_never_uses_inner_html() -> None:
    source = (Path(__file__).resolve().parents[2] / "web" / "static" / "staff" / "console.js").read_text()
    assert not re.search(r"\.(innerHTML|outerHTML)\s*=|insertAdjacentHTML|document\.write|eval\(", source)


# --- login ------------------------------------------------------------------------------


async def test_login_sets_a_strict_httponly_expiring_cookie(env: Env) -> None:
    form_page = await env.client.get("/medewerkers/inloggen")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', await form_page.text()).group(1)  # type: ignore[union-attr]
    answer = await env.client.post(
        "/medewerkers/inloggen",
        data={"username": "anja", "password": PASSWORD, "csrf_token": csrf},
        allow_redirects=False,
    )
    assert answer.status == 303
    cookie = answer.cookies["medewerker_sessie"]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Strict"
    assert cookie["max-age"] == str(60 * 60)
    assert cookie["path"] == "/medewerkers"
    assert not cookie["secure"]  # staff_cookie_secure is False in this test


async def test_cookie_is_secure_when_configured(tmp_path: Path, fake_rasa: tuple[FakeRasa, str]) -> None:
    rasa, url = fake_rasa
    async for env in _env(tmp_path, url, rasa, staff_cookie_secure=True):
        form_page = await env.client.get("/medewerkers/inloggen")
        assert form_page.cookies["medewerker_login_csrf"]["secure"]
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', await form_page.text()).group(1)  # type: ignore[union-attr]
        # The test client speaks http, so it does not send a Secure cookie back: set it by hand.
        env.client.session.cookie_jar.update_cookies({"medewerker_login_csrf": csrf})
        answer = await env.client.post(
            "/medewerkers/inloggen",
            data={"username": "anja", "password": PASSWORD, "csrf_token": csrf},
            allow_redirects=False,
        )
        assert answer.status == 303
        assert answer.cookies["medewerker_sessie"]["secure"]


async def test_wrong_password_is_refused_in_dutch_without_a_session(env: Env) -> None:
    form_page = await env.client.get("/medewerkers/inloggen")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', await form_page.text()).group(1)  # type: ignore[union-attr]
    answer = await env.client.post(
        "/medewerkers/inloggen",
        data={"username": "anja", "password": "fout", "csrf_token": csrf},
        allow_redirects=False,
    )
    assert answer.status == 401
    assert "Gebruikersnaam of wachtwoord klopt niet." in await answer.text()
    assert "medewerker_sessie" not in answer.cookies
    assert (await env.client.get("/medewerkers/api/queue")).status == 401


async def test_login_locks_after_five_wrong_passwords(env: Env) -> None:
    statuses = []
    for _ in range(6):
        form_page = await env.client.get("/medewerkers/inloggen")
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', await form_page.text()).group(1)  # type: ignore[union-attr]
        answer = await env.client.post(
            "/medewerkers/inloggen",
            data={"username": "anja", "password": "fout", "csrf_token": csrf},
            allow_redirects=False,
        )
        statuses.append(answer.status)
    assert statuses == [401, 401, 401, 401, 429, 429]
    assert "Te veel mislukte pogingen" in await answer.text()


async def test_login_form_without_csrf_is_refused(env: Env) -> None:
    await env.client.get("/medewerkers/inloggen")
    answer = await env.client.post(
        "/medewerkers/inloggen", data={"username": "anja", "password": PASSWORD}, allow_redirects=False
    )
    assert answer.status == 403
    assert "medewerker_sessie" not in answer.cookies


async def test_login_only_redirects_to_console_pages(env: Env) -> None:
    form_page = await env.client.get("/medewerkers/inloggen")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', await form_page.text()).group(1)  # type: ignore[union-attr]
    answer = await env.client.post(
        "/medewerkers/inloggen",
        data={
            "username": "anja",
            "password": PASSWORD,
            "csrf_token": csrf,
            "next": "//evil.example/medewerkers/",
        },
        allow_redirects=False,
    )
    assert answer.headers["Location"] == "/medewerkers/wachtrij"


async def test_logout_needs_csrf_and_ends_the_session(env: Env) -> None:
    csrf = await login(env.client)
    refused = await env.client.post("/medewerkers/uitloggen", data={}, allow_redirects=False)
    assert refused.status == 403
    assert (await env.client.get("/medewerkers/api/me")).status == 200
    done = await env.client.post("/medewerkers/uitloggen", data={"csrf_token": csrf}, allow_redirects=False)
    assert done.status == 303
    assert (await env.client.get("/medewerkers/api/me")).status == 401


# --- CSRF on the API ----------------------------------------------------------------------


@pytest.mark.parametrize("path", POST_APIS)
async def test_post_apis_without_csrf_header_answer_403(env: Env, path: str) -> None:
    await login(env.client)
    answer = await env.client.post(path, json={})
    assert answer.status == 403
    assert "beveiligingscode" in (await answer.json())["error"]


async def test_wrong_csrf_or_foreign_origin_is_refused(env: Env) -> None:
    ticket = waiting_ticket(env.queue)
    csrf = await login(env.client)
    wrong = await env.client.post(
        f"/medewerkers/api/tickets/{ticket.id}/take", headers={"X-CSRF-Token": "x" + csrf}
    )
    assert wrong.status == 403
    foreign = await env.client.post(
        f"/medewerkers/api/tickets/{ticket.id}/take",
        headers={"X-CSRF-Token": csrf, "Origin": "https://evil.example"},
    )
    assert foreign.status == 403
    assert env.queue.get(ticket.id).status == hq.WAITING


async def test_origin_null_is_refused(env: Env) -> None:
    ticket = waiting_ticket(env.queue)
    csrf = await login(env.client)
    answer = await env.client.post(
        f"/medewerkers/api/tickets/{ticket.id}/take", headers={"X-CSRF-Token": csrf, "Origin": "null"}
    )
    assert answer.status == 403


async def test_pages_carry_a_strict_csp_and_no_store(env: Env) -> None:
    await login(env.client)
    answer = await env.client.get("/medewerkers/wachtrij")
    csp = answer.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert answer.headers["Cache-Control"] == "no-store"
    # With no-referrer, Chrome sends "Origin: null" on form posts and login would fail.
    assert answer.headers["Referrer-Policy"] == "same-origin"
    assert "<script>" not in (await answer.text()).replace(
        '<script src="/medewerkers/static/console.js" defer></script>', ""
    )


# --- the handoff loop ------------------------------------------------------------------


async def test_queue_lists_waiting_crisis_first(env: Env) -> None:
    waiting_ticket(env.queue, "normal-1")
    waiting_ticket(env.queue, "crisis-1")
    env.queue.request("crisis-1", hq.HandoffSummary(), priority="crisis")
    await login(env.client)
    data = await (await env.client.get("/medewerkers/api/queue")).json()
    assert [(t["conversation_id"], t["position"]) for t in data["waiting"]] == [
        ("crisis-1", 1),
        ("normal-1", 2),
    ]
    assert data["waiting"][1]["summary"]["location"] == "Assen"


async def test_take_talk_and_hand_back_reach_rasa_as_the_contract_says(env: Env) -> None:
    ticket = waiting_ticket(env.queue)
    csrf = await login(env.client)
    headers = {"X-CSRF-Token": csrf}

    taken = await env.client.post(f"/medewerkers/api/tickets/{ticket.id}/take", headers=headers)
    assert taken.status == 200, await taken.text()
    assert (await taken.json())["taken_by_name"] == "Anja de Vries"
    (pause_query, pause), (join_query, join) = env.rasa.posted("events")[:2]
    assert pause == [{"event": "pause"}] and "output_channel" not in pause_query
    # The join message is a bot event, so it reaches the widget even while the assistant is paused.
    assert join_query["output_channel"] == "latest" and join_query["execute_side_effects"] == "true"
    assert join == [
        {
            "event": "bot",
            "text": "U praat nu met Anja, medewerker van de gemeente Assen.",
            "metadata": {"from": "staff", "staff_name": "Anja", "handoff": "joined"},
        }
    ]
    assert pause_query["token"] == TOKEN

    sent = await env.client.post(
        f"/medewerkers/api/tickets/{ticket.id}/messages",
        headers=headers,
        json={"text": "Goedemiddag, ik help u verder."},
    )
    assert sent.status == 200
    query, body = env.rasa.posted("events")[-1]
    assert query["output_channel"] == "latest" and query["execute_side_effects"] == "true"
    assert body == [
        {
            "event": "bot",
            "text": "Goedemiddag, ik help u verder.",
            "metadata": {"from": "staff", "staff_name": "Anja"},
        }
    ]

    back = await env.client.post(
        f"/medewerkers/api/tickets/{ticket.id}/handback", headers=headers, json={"outcome": "helped"}
    )
    assert back.status == 200
    data = await back.json()
    assert data["status"] == hq.HANDED_BACK and data["outcome"] == "helped"
    resume_body = env.rasa.posted("events")[-2][1]
    assert resume_body[0] == {"event": "resume"}
    assert {"event": "slot", "name": "handoff_status", "value": "none"} in resume_body
    told_query, told = env.rasa.posted("events")[-1]
    assert told_query["output_channel"] == "latest"
    assert told[0]["text"].startswith("De medewerker heeft het gesprek weer aan mij gegeven.")
    assert told[0]["metadata"] == {"handoff": "handed_back"}
    assert told[1]["data"]["custom"]["type"] == "csat"
    assert told[1]["text"] == "Hoe tevreden bent u over dit gesprek? Kies een gezichtje. Dat hoeft niet."
    assert env.rasa.paused["conv-1"] is False
    assert env.rasa.posted("trigger_intent") == []


async def test_second_employee_is_told_who_has_the_conversation(env: Env) -> None:
    ticket = waiting_ticket(env.queue)
    env.queue.take(ticket.id, "anja", "Anja de Vries")
    csrf = await login(env.client, "piet")
    answer = await env.client.post(
        f"/medewerkers/api/tickets/{ticket.id}/take", headers={"X-CSRF-Token": csrf}
    )
    assert answer.status == 409
    data = await answer.json()
    assert data["holder_name"] == "Anja de Vries"
    assert "Anja de Vries heeft dit gesprek al overgenomen" in data["error"]
    message = await env.client.post(
        f"/medewerkers/api/tickets/{ticket.id}/messages",
        headers={"X-CSRF-Token": csrf},
        json={"text": "hallo"},
    )
    assert message.status == 409
    assert env.rasa.posted("events") == []


async def test_empty_or_too_long_messages_are_refused(env: Env) -> None:
    ticket = waiting_ticket(env.queue)
    env.queue.take(ticket.id, "anja", "Anja de Vries")
    csrf = await login(env.client)
    for text in ["", "   ", "x" * 2001]:
        answer = await env.client.post(
            f"/medewerkers/api/tickets/{ticket.id}/messages",
            headers={"X-CSRF-Token": csrf},
            json={"text": text},
        )
        assert answer.status == 400
    bad_json = await env.client.post(
        f"/medewerkers/api/tickets/{ticket.id}/messages",
        headers={"X-CSRF-Token": csrf, "Content-Type": "application/json"},
        data="[1,",
    )
    assert bad_json.status == 400


async def test_transcript_keeps_script_as_plain_text(env: Env) -> None:
    ticket = waiting_ticket(env.queue)
    env.rasa.events["conv-1"] = [
        {"event": "user", "text": XSS, "timestamp": 1.0, "parse_data": {"intent": {"name": "inform"}}},
        {
            "event": "bot",
            "text": "Ik begrijp het.",
            "timestamp": 2.0,
            "data": {"buttons": [{"title": "Ja", "payload": "/affirm"}]},
        },
        {
            "event": "bot",
            "text": "Hallo",
            "timestamp": 3.0,
            "metadata": {"from": "staff", "staff_name": "Anja"},
        },
        {"event": "action", "name": "action_listen", "timestamp": 4.0},
        {
            "event": "user",
            "text": "EXTERNAL: EXTERNAL_staff_joined",
            "timestamp": 5.0,
            "parse_data": {"intent": {"name": "EXTERNAL_staff_joined"}},
        },
    ]
    await login(env.client)
    answer = await env.client.get(f"/medewerkers/api/tickets/{ticket.id}/transcript")
    assert answer.status == 200
    assert answer.content_type == "application/json"
    lines = (await answer.json())["lines"]
    assert lines == [
        {"from": "resident", "text": XSS, "at": 1.0},
        {"from": "assistant", "staff_name": None, "text": "Ik begrijp het.", "at": 2.0, "buttons": ["Ja"]},
        {"from": "staff", "staff_name": "Anja", "text": "Hallo", "at": 3.0},
    ]
    page = await env.client.get(f"/medewerkers/gesprek/{ticket.id}")
    assert XSS not in await page.text()


async def test_a_malformed_ticket_id_is_not_echoed(env: Env) -> None:
    await login(env.client)
    page = await env.client.get('/medewerkers/gesprek/"><img src=x onerror=alert(1)>')
    assert page.status == 404
    assert "onerror" not in await page.text()


async def test_suggest_a_result_sends_a_result_card(env: Env) -> None:
    ticket = waiting_ticket(env.queue)
    env.queue.take(ticket.id, "anja", "Anja de Vries")
    csrf = await login(env.client)
    found = await env.client.get(f"/medewerkers/api/tickets/{ticket.id}/search?q=koffie")
    cards = (await found.json())["results"]
    assert cards[0]["name"] == "Koffie-ochtend De Kloosterhof"
    sent = await env.client.post(
        f"/medewerkers/api/tickets/{ticket.id}/cards",
        headers={"X-CSRF-Token": csrf},
        json={"service_id": "svc-koffie", "q": "koffie"},
    )
    assert sent.status == 200
    query, body = env.rasa.posted("events")[-1]
    assert query["execute_side_effects"] == "true"
    event = body[0]
    assert event["data"]["custom"]["type"] == "result_card"
    assert event["data"]["custom"]["card"]["service_id"] == "svc-koffie"
    assert event["metadata"] == {"from": "staff", "staff_name": "Anja"}
    assert "Koffie-ochtend De Kloosterhof" in event["text"]
    missing = await env.client.post(
        f"/medewerkers/api/tickets/{ticket.id}/cards",
        headers={"X-CSRF-Token": csrf},
        json={"service_id": "verzonnen"},
    )
    assert missing.status == 404


async def test_transfer_to_a_team_with_a_note_and_close_with_an_outcome(env: Env) -> None:
    ticket = waiting_ticket(env.queue)
    csrf = await login(env.client)
    headers = {"X-CSRF-Token": csrf}
    await env.client.post(f"/medewerkers/api/tickets/{ticket.id}/take", headers=headers)
    unknown_team = await env.client.post(
        f"/medewerkers/api/tickets/{ticket.id}/transfer",
        headers=headers,
        json={"team": "Geheim team", "note": "x"},
    )
    assert unknown_team.status == 400
    no_note = await env.client.post(
        f"/medewerkers/api/tickets/{ticket.id}/transfer",
        headers=headers,
        json={"team": "Wmo-loket", "note": ""},
    )
    assert no_note.status == 409 and "notitie" in (await no_note.json())["error"]
    moved = await env.client.post(
        f"/medewerkers/api/tickets/{ticket.id}/transfer",
        headers=headers,
        json={"team": "Wmo-loket", "note": "Vraag over een scootmobiel"},
    )
    data = await moved.json()
    assert (data["status"], data["team"], data["notes"][0]["text"]) == (
        "waiting",
        "Wmo-loket",
        "Vraag over een scootmobiel",
    )
    await env.client.post(f"/medewerkers/api/tickets/{ticket.id}/take", headers=headers)
    bad = await env.client.post(
        f"/medewerkers/api/tickets/{ticket.id}/close", headers=headers, json={"outcome": "weg"}
    )
    assert bad.status == 400
    closed = await env.client.post(
        f"/medewerkers/api/tickets/{ticket.id}/close", headers=headers, json={"outcome": "referred"}
    )
    assert (await closed.json())["outcome_label"] == "Doorverwezen"
    assert env.rasa.posted("events")[-2][1][0] == {"event": "resume"}
    told = env.rasa.posted("events")[-1][1]
    assert told[0] == {
        "event": "bot",
        "text": "Het gesprek is afgesloten. U kunt altijd opnieuw beginnen.",
        "metadata": {"handoff": "closed"},
    }
    assert told[1]["data"]["custom"]["type"] == "csat"


async def test_callback_contact_is_shown_only_to_the_employee_handling_it(env: Env) -> None:
    env.queue.stage_contact("conv-cb", hq.Contact("phone", "0612345678"))
    request = env.queue.request_callback("conv-cb", "morgenochtend", hq.HandoffSummary(need="carer"))
    csrf = await login(env.client)
    before = await (await env.client.get("/medewerkers/api/queue")).json()
    assert "contact" not in before["callbacks"][0]
    assert "0612345678" not in str(before)
    taken = await env.client.post(
        f"/medewerkers/api/callbacks/{request.id}/take", headers={"X-CSRF-Token": csrf}
    )
    assert taken.status == 200
    after = await (await env.client.get("/medewerkers/api/queue")).json()
    assert after["callbacks"][0]["contact"] == "06 12345678"
    done = await env.client.post(
        f"/medewerkers/api/callbacks/{request.id}/close",
        headers={"X-CSRF-Token": csrf},
        json={"outcome": "helped"},
    )
    assert done.status == 200
    assert env.queue.callback_contact(request.id) is None
    assert (await (await env.client.get("/medewerkers/api/queue")).json())["callbacks"] == []


# --- Rasa down -------------------------------------------------------------------------


async def test_rasa_down_gives_a_dutch_message_and_leaves_the_ticket_waiting(env_rasa_down: Env) -> None:
    env = env_rasa_down
    ticket = waiting_ticket(env.queue)
    csrf = await login(env.client)
    transcript = await env.client.get(f"/medewerkers/api/tickets/{ticket.id}/transcript")
    assert transcript.status == 502
    assert "De chatverbinding met de assistent werkt nu niet" in (await transcript.json())["error"]
    take = await env.client.post(f"/medewerkers/api/tickets/{ticket.id}/take", headers={"X-CSRF-Token": csrf})
    assert take.status == 502
    assert env.queue.get(ticket.id).status == hq.WAITING  # someone else can take it once Rasa is back
    page = await env.client.get(f"/medewerkers/gesprek/{ticket.id}")
    assert page.status == 200


async def test_wrong_rasa_token_is_reported_like_rasa_down(
    tmp_path: Path, fake_rasa: tuple[FakeRasa, str]
) -> None:
    rasa, url = fake_rasa
    async for env in _env(tmp_path, url, rasa):
        from web import staff as console_module

        env.client.server.app[console_module.CONSOLE_KEY].rasa.token = "wrong"
        ticket = waiting_ticket(env.queue)
        await login(env.client)
        answer = await env.client.get(f"/medewerkers/api/tickets/{ticket.id}/transcript")
        assert answer.status == 502


def test_queue_timestamps_are_utc_iso() -> None:
    assert (
        hq._iso(datetime(2025, 1, 2, 3, 4, 5, tzinfo=timezone.utc).replace(tzinfo=None))
        == "2025-01-02T03:04:05Z"
    )


async def test_closing_a_waiting_conversation_as_no_answer_resets_the_resident_status(env: Env) -> None:
    ticket = waiting_ticket(env.queue)
    csrf = await login(env.client)
    closed = await env.client.post(
        f"/medewerkers/api/tickets/{ticket.id}/close",
        headers={"X-CSRF-Token": csrf},
        json={"outcome": "no_answer"},
    )
    assert closed.status == 200
    assert (await closed.json())["status"] == hq.CLOSED
    assert env.rasa.posted("events")[-2][1] == [{"event": "slot", "name": "handoff_status", "value": "none"}]
    # A resident who left sees on return that the conversation was closed; nobody talked, so no CSAT.
    assert [e.get("text") for e in env.rasa.posted("events")[-1][1]] == [
        "Het gesprek is afgesloten. U kunt altijd opnieuw beginnen."
    ]


# --- issue 13: a console a helpdesk can work in all day --------------------------------------------


async def test_console_pages_share_one_layout_with_the_menu_and_an_icon(env: Env) -> None:
    await login(env.client)
    for path, title in [
        ("/medewerkers/wachtrij", "Wachtrij"),
        ("/medewerkers/geschiedenis", "Geschiedenis"),
        ("/medewerkers/tevredenheid", "Tevredenheid"),
    ]:
        html_ = await (await env.client.get(path)).text()
        assert f"<title>{title} – helpdesk sociale kaart</title>" in html_
        assert (
            'aria-label="Hoofdmenu"' in html_
            and 'rel="icon"' in html_
            and "Ingelogd als Anja de Vries" in html_
        )
    icon = await env.client.get("/favicon.ico")
    assert icon.status == 200 and icon.content_type == "image/x-icon"


async def test_staff_names_are_escaped_by_the_templates(env: Env) -> None:
    env.staff.add("xss", XSS[:60], PASSWORD)
    await login(env.client, "xss")
    html_ = await (await env.client.get("/medewerkers/wachtrij")).text()
    assert "<script>alert" not in html_ and "&lt;script&gt;" in html_


async def test_only_team_leads_manage_accounts_and_canned_responses(env: Env) -> None:
    csrf = await login(env.client)
    headers = {"X-CSRF-Token": csrf}
    assert (await env.client.get("/medewerkers/beheer")).status == 403
    refused = await env.client.post(
        "/medewerkers/api/canned", headers=headers, json={"title": "a", "text": "b"}
    )
    assert refused.status == 403
    env.staff.set_role("anja", "teamleider")
    csrf = await login(env.client)
    headers = {"X-CSRF-Token": csrf}
    assert (await env.client.get("/medewerkers/beheer")).status == 200
    saved = await env.client.post(
        "/medewerkers/api/canned",
        headers=headers,
        json={
            "title": "Consulent",
            "text": "In {plaats} helpt {medewerker} u.",
            "team": "Mantelzorgconsulent",
        },
    )
    assert saved.status == 200, await saved.text()
    added = await env.client.post(
        "/medewerkers/api/accounts",
        headers=headers,
        json={
            "username": "bert",
            "name": "Bert Mulder",
            "password": PASSWORD,
            "teams": ["Mantelzorgconsulent"],
        },
    )
    assert added.status == 200, await added.text()
    bert = next(a for a in (await added.json())["accounts"] if a["username"] == "bert")
    assert bert["teams"] == ["Mantelzorgconsulent"] and bert["role"] == "medewerker"
    bad_team = await env.client.post(
        "/medewerkers/api/accounts/bert", headers=headers, json={"teams": ["Geheim"]}
    )
    assert bad_team.status == 400
    self_disable = await env.client.post(
        "/medewerkers/api/accounts/anja", headers=headers, json={"disabled": True}
    )
    assert self_disable.status == 400


async def test_policy_advisors_go_to_the_signals_and_see_no_conversations(env: Env) -> None:
    env.staff.add("lotte", "Lotte Smit", PASSWORD, role="beleid")
    await login_only(env.client, "lotte")
    page_ = await env.client.get("/medewerkers/wachtrij", allow_redirects=False)
    assert page_.status == 302 and page_.headers["Location"] == "/medewerkers/signalen"
    assert (await env.client.get("/medewerkers/api/queue")).status == 403


async def login_only(client: TestClient, username: str) -> None:
    form_page = await client.get("/medewerkers/inloggen")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', await form_page.text())
    assert csrf
    answer = await client.post(
        "/medewerkers/inloggen",
        data={"username": username, "password": PASSWORD, "csrf_token": csrf.group(1)},
        allow_redirects=False,
    )
    assert answer.status == 303


async def test_queue_shows_presence_names_and_team_inboxes(env: Env) -> None:
    general = waiting_ticket(env.queue, "conv-general")
    carer = waiting_ticket(env.queue, "conv-carer")
    env.queue.take(carer.id, "piet", "Piet Bakker")
    env.queue.transfer(carer.id, "piet", "Piet Bakker", note="Voor een collega", to_staff="anja")
    env.rasa.presence["conv-general"] = {"online": True, "last_seen": "2026-12-01T10:00:00Z", "typing": False}
    env.staff.set_teams("anja", ["Mantelzorgconsulent"])
    await login(env.client)
    data = await (await env.client.get("/medewerkers/api/queue?inbox=all")).json()
    views = {t["conversation_id"]: t for t in data["waiting"]}
    assert views["conv-general"]["presence"]["online"] is True
    assert views["conv-carer"]["presence"] == {"online": False, "last_seen": None, "typing": False}
    assert views["conv-carer"]["assigned_to_name"] == "Anja de Vries"  # a name, not "anja"
    env.queue.take(general.id, "piet", "Piet Bakker")
    env.queue.transfer(general.id, "piet", "Piet Bakker", note="Wmo", team="Wmo-loket")
    mine = await (await env.client.get("/medewerkers/api/queue?inbox=mine")).json()
    assert [t["conversation_id"] for t in mine["waiting"]] == ["conv-carer"]
    wmo = await (await env.client.get("/medewerkers/api/queue?inbox=team:Wmo-loket")).json()
    assert [t["conversation_id"] for t in wmo["waiting"]] == ["conv-general"]
    assert mine["waiting_total"] == 2


async def test_take_next_takes_the_first_waiting_conversation_of_the_inbox(env: Env) -> None:
    waiting_ticket(env.queue, "conv-a")
    waiting_ticket(env.queue, "conv-b")
    env.queue.request("conv-b", hq.HandoffSummary(), priority="crisis")
    csrf = await login(env.client)
    headers = {"X-CSRF-Token": csrf}
    first = await env.client.post("/medewerkers/api/queue/next", headers=headers, json={"inbox": "all"})
    assert (await first.json())["conversation_id"] == "conv-b"  # urgent first
    second = await env.client.post("/medewerkers/api/queue/next", headers=headers, json={"inbox": "all"})
    assert (await second.json())["conversation_id"] == "conv-a"
    none_left = await env.client.post("/medewerkers/api/queue/next", headers=headers, json={"inbox": "all"})
    assert none_left.status == 404 and "niemand" in (await none_left.json())["error"]


async def test_a_waiting_ticket_is_closed_as_no_answer_without_taking_it(env: Env) -> None:
    ticket = waiting_ticket(env.queue)
    env.rasa.presence["conv-1"] = {"online": False, "last_seen": "2026-12-01T10:00:00Z", "typing": False}
    csrf = await login(env.client, "piet")
    closed = await env.client.post(
        f"/medewerkers/api/tickets/{ticket.id}/close",
        headers={"X-CSRF-Token": csrf},
        json={"outcome": "no_answer"},
    )
    data = await closed.json()
    assert (data["status"], data["outcome"], data["taken_by_name"]) == (hq.CLOSED, "no_answer", "Piet Bakker")
    assert data["presence"] == {"online": False, "last_seen": "2026-12-01T10:00:00Z", "typing": False}


async def test_internal_notes_never_reach_rasa(env: Env) -> None:
    ticket = waiting_ticket(env.queue)
    csrf = await login(env.client)
    headers = {"X-CSRF-Token": csrf}
    await env.client.post(f"/medewerkers/api/tickets/{ticket.id}/take", headers=headers)
    before = len(env.rasa.calls)
    noted = await env.client.post(
        f"/medewerkers/api/tickets/{ticket.id}/notes", headers=headers, json={"text": "Klinkt moe"}
    )
    data = await noted.json()
    assert [(n["kind"], n["text"], n["by_name"]) for n in data["notes"]] == [
        ("internal", "Klinkt moe", "Anja de Vries")
    ]
    assert len(env.rasa.calls) == before
    empty = await env.client.post(
        f"/medewerkers/api/tickets/{ticket.id}/notes", headers=headers, json={"text": ""}
    )
    assert empty.status == 409


async def test_canned_responses_come_filled_in_for_the_conversation(env: Env) -> None:
    env.queue.save_canned("Plaats", "Ik kijk in {plaats}. Groet, {medewerker}.")
    env.queue.save_canned("Wmo", "Alleen voor het Wmo-loket.", team="Wmo-loket")
    ticket = waiting_ticket(env.queue, location="Zweeloo")
    await login(env.client)
    data = await (await env.client.get(f"/medewerkers/api/tickets/{ticket.id}/canned")).json()
    filled = {c["title"]: c["filled"] for c in data["canned"]}
    assert filled["Plaats"] == "Ik kijk in Zweeloo. Groet, Anja."
    assert "Wmo" not in filled  # another team's
    assert "Welkom" in filled  # the defaults a new helpdesk starts with


async def test_staff_typing_is_sent_to_the_channel(env: Env) -> None:
    ticket = waiting_ticket(env.queue)
    csrf = await login(env.client)
    headers = {"X-CSRF-Token": csrf}
    refused = await env.client.post(f"/medewerkers/api/tickets/{ticket.id}/typing", headers=headers)
    assert refused.status == 409  # only the holder types to the resident
    await env.client.post(f"/medewerkers/api/tickets/{ticket.id}/take", headers=headers)
    typed = await env.client.post(f"/medewerkers/api/tickets/{ticket.id}/typing", headers=headers)
    assert (await typed.json()) == {"ok": True}
    query, body = env.rasa.posted("staff_typing")[0]
    assert body == {"conversation_id": "conv-1", "staff_name": "Anja"} and query["token"] == TOKEN


async def test_hand_on_tells_the_resident_who_takes_over(env: Env) -> None:
    ticket = waiting_ticket(env.queue)
    csrf = await login(env.client)
    headers = {"X-CSRF-Token": csrf}
    await env.client.post(f"/medewerkers/api/tickets/{ticket.id}/take", headers=headers)
    await env.client.post(
        f"/medewerkers/api/tickets/{ticket.id}/transfer",
        headers=headers,
        json={"team": "Mantelzorgconsulent", "note": "Mantelzorger"},
    )
    query, body = env.rasa.posted("events")[-1]
    assert query["output_channel"] == "latest"
    assert body[0]["text"] == (
        "Anja geeft uw vraag door aan de mantelzorgconsulent. Blijf in dit venster. U hoeft niets te doen."
    )
    assert body[0]["metadata"]["handoff"] == "handed_on"
    await env.client.post("/medewerkers/uitloggen", data={"csrf_token": csrf})
    csrf = await login(env.client, "piet")
    await env.client.post(f"/medewerkers/api/tickets/{ticket.id}/take", headers={"X-CSRF-Token": csrf})
    # The colleague's join message is a bot event: it reaches the widget while the assistant is paused.
    assert (
        env.rasa.posted("events")[-1][1][0]["text"]
        == "U praat nu met Piet, medewerker van de gemeente Assen."
    )


@pytest.mark.parametrize(
    ("team", "phrase"),
    [
        ("Mantelzorgconsulent", "de mantelzorgconsulent"),
        ("Sociaal team", "het sociaal team"),
        ("Wmo-loket", "het Wmo-loket"),
    ],
)
def test_team_names_read_well_after_aan(team: str, phrase: str) -> None:
    from web.staff import team_phrase

    assert team_phrase(team) == phrase


def test_resident_texts_follow_the_address_form() -> None:
    from web.staff import DOMAIN_FILE, ResidentTexts

    assert ResidentTexts(DOMAIN_FILE, "je").render("utter_conversation_closed") == (
        "Het gesprek is afgesloten. Je kunt altijd opnieuw beginnen."
    )
    assert ResidentTexts(DOMAIN_FILE, "u").render("utter_staff_joined", staff_name="Anja") == (
        "U praat nu met Anja, medewerker van de gemeente {municipality_name}."
    )


async def test_hand_back_then_record_the_outcome_later(env: Env) -> None:
    ticket = waiting_ticket(env.queue)
    csrf = await login(env.client)
    headers = {"X-CSRF-Token": csrf}
    await env.client.post(f"/medewerkers/api/tickets/{ticket.id}/take", headers=headers)
    back = await (
        await env.client.post(f"/medewerkers/api/tickets/{ticket.id}/handback", headers=headers)
    ).json()
    assert back["outcome"] is None and back["handled_by_me"] is True
    later = await env.client.post(
        f"/medewerkers/api/tickets/{ticket.id}/outcome", headers=headers, json={"outcome": "callback_planned"}
    )
    assert (await later.json())["outcome_label"] == "Terugbelafspraak gemaakt"


async def test_transcript_shows_button_titles_and_staff_cards(env: Env) -> None:
    ticket = waiting_ticket(env.queue)
    env.rasa.events["conv-1"] = [
        {"event": "user", "text": "/start_conversation", "timestamp": 0.5},
        {
            "event": "bot",
            "text": "Mag een medewerker meelezen?",
            "timestamp": 1.0,
            "data": {"buttons": [{"title": "Ja, dat is goed", "payload": "/affirm"}]},
        },
        {"event": "user", "text": "/affirm", "timestamp": 2.0, "parse_data": {"intent": {"name": "affirm"}}},
        {"event": "user", "text": "/request_callback", "timestamp": 3.0},
        {
            "event": "bot",
            "text": "Koffie",
            "timestamp": 4.0,
            "data": {"custom": {"type": "result_card", "card": {"name": "Koffie-ochtend"}}},
            "metadata": {"from": "staff", "staff_name": "Anja"},
        },
    ]
    await login(env.client)
    lines = (await (await env.client.get(f"/medewerkers/api/tickets/{ticket.id}/transcript")).json())["lines"]
    assert [(line["from"], line["text"]) for line in lines[1:3]] == [
        ("resident", "Ja, dat is goed"),
        ("resident", "Bel of mail mij terug"),
    ]
    assert lines[3]["from"] == "staff" and lines[3]["card"] == {"name": "Koffie-ochtend"}


async def test_history_finds_an_ended_conversation_by_place_and_words(env: Env) -> None:
    ticket = waiting_ticket(env.queue, location="Zweeloo", municipality="Coevorden")
    env.rasa.events["conv-1"] = [
        {"event": "user", "text": "ik zoek een koffieochtend", "timestamp": 1.0, "parse_data": {}},
    ]
    csrf = await login(env.client)
    headers = {"X-CSRF-Token": csrf}
    await env.client.post(f"/medewerkers/api/tickets/{ticket.id}/take", headers=headers)
    await env.client.post(
        f"/medewerkers/api/tickets/{ticket.id}/close", headers=headers, json={"outcome": "helped"}
    )
    # The history's days are the municipality's days: after 23:00 UTC it is tomorrow in Drenthe.
    today = datetime.now(TZ).strftime("%Y-%m-%d")
    found = await (
        await env.client.get(
            f"/medewerkers/api/history?place=zweeloo&q=koffieochtend&from={today}&to={today}"
        )
    ).json()
    assert [r["id"] for r in found["results"]] == [ticket.id]
    assert "koffieochtend" in found["results"][0]["excerpt"]
    other_place = await (await env.client.get("/medewerkers/api/history?place=Emmen")).json()
    assert other_place["results"] == []


async def test_a_staff_card_joins_already_shown(env: Env) -> None:
    ticket = waiting_ticket(env.queue)
    csrf = await login(env.client)
    headers = {"X-CSRF-Token": csrf}
    await env.client.post(f"/medewerkers/api/tickets/{ticket.id}/take", headers=headers)
    sent = await env.client.post(
        f"/medewerkers/api/tickets/{ticket.id}/cards", headers=headers, json={"service_id": "svc-koffie"}
    )
    assert sent.status == 200
    view = await (await env.client.get(f"/medewerkers/api/tickets/{ticket.id}")).json()
    assert "Koffie-ochtend De Kloosterhof" in view["summary"]["shown_services"]


async def test_availability_is_set_in_the_console(env: Env) -> None:
    csrf = await login(env.client)
    answer = await env.client.post(
        "/medewerkers/api/me/status", headers={"X-CSRF-Token": csrf}, json={"status": "beschikbaar"}
    )
    assert (await answer.json())["status_label"] == "Beschikbaar"
    assert env.staff.available_count() == 1
    wrong = await env.client.post(
        "/medewerkers/api/me/status", headers={"X-CSRF-Token": csrf}, json={"status": "weg"}
    )
    assert wrong.status == 400


async def test_a_resident_who_left_is_closed_as_no_answer_even_when_rasa_is_down(env_rasa_down: Env) -> None:
    ticket = waiting_ticket(env_rasa_down.queue)
    csrf = await login(env_rasa_down.client)
    closed = await env_rasa_down.client.post(
        f"/medewerkers/api/tickets/{ticket.id}/close",
        headers={"X-CSRF-Token": csrf},
        json={"outcome": "no_answer"},
    )
    assert closed.status == 200
    data = await closed.json()
    assert data["status"] == hq.CLOSED and data["presence"]["last_seen"] is None  # presence unknown, no error


async def test_a_callback_request_links_to_its_conversation(env: Env) -> None:
    env.queue.stage_contact("conv-cb", hq.Contact("phone", "0612345678"))
    request = env.queue.request_callback("conv-cb", "morgenochtend", hq.HandoffSummary(need="carer"))
    env.rasa.events["conv-cb"] = [
        {"event": "user", "text": "bel mij terug over logeeropvang", "timestamp": 1.0, "parse_data": {}},
    ]
    csrf = await login(env.client)
    page_ = await env.client.get(f"/medewerkers/terugbellen/{request.id}")
    assert page_.status == 200 and f'content="{request.id}"' in await page_.text()
    view = await (await env.client.get(f"/medewerkers/api/callbacks/{request.id}")).json()
    assert [line["text"] for line in view["lines"]] == ["bel mij terug over logeeropvang"]
    assert "contact" not in view and view["mine"] is False
    await env.client.post(f"/medewerkers/api/callbacks/{request.id}/take", headers={"X-CSRF-Token": csrf})
    view = await (await env.client.get(f"/medewerkers/api/callbacks/{request.id}")).json()
    assert view["contact"] == "06 12345678"
    await env.client.post(
        f"/medewerkers/api/callbacks/{request.id}/close",
        headers={"X-CSRF-Token": csrf},
        json={"outcome": "helped"},
    )
    found = await (await env.client.get("/medewerkers/api/history?q=logeeropvang")).json()
    assert [(r["kind"], r["id"]) for r in found["results"]] == [("callback", request.id)]
    assert "0612345678" not in str(found)
