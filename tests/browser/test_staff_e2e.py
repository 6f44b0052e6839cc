"""The staff console in headless Chromium: two people, two browsers.

`test_console_*` run the console against a small fake of Rasa's HTTP API (no
model needed): login, a `<script>` transcript shown as text, one employee at a
time. `test_resident_and_employee_complete_the_loop` runs against the REAL
stack (tests/conftest.py `stack`): a resident asks for a person in the widget,
an employee logs in, takes over, they talk both ways, the employee hands back,
and the assistant answers the resident's next question with the place it knew.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from playwright.sync_api import Browser, BrowserContext, Page
from playwright.sync_api import expect as pw_expect

from socialmap import handoff as hq
from socialmap.settings import get_settings
from tests.browser.conftest import ANSWER_TIMEOUT_MS, Chat, PageWatch, screenshot
from web.server import create_app

pytestmark = pytest.mark.browser

PASSWORD = "correct paard batterij"
TOKEN = "fake-rasa-token"
XSS = '<script>alert("xss")</script><img src=x onerror=alert(1)>'
RESULTS = Path(__file__).resolve().parents[2] / "results"


class ServerThread:
    """Runs an aiohttp app on 127.0.0.1 in its own thread (Playwright's sync API owns the test thread)."""

    def __init__(self, make_app: Callable[[], web.Application]) -> None:
        self.make_app = make_app
        self.loop = asyncio.new_event_loop()
        self.url = ""
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.runner = web.AppRunner(self.make_app())
        self.loop.run_until_complete(self.runner.setup())
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        self.loop.run_until_complete(site.start())
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}"
        self._ready.set()
        self.loop.run_forever()

    def __enter__(self) -> ServerThread:
        self._thread.start()
        assert self._ready.wait(10), "server did not start"
        return self

    def __exit__(self, *exc: Any) -> None:
        asyncio.run_coroutine_threadsafe(self.runner.cleanup(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(10)


def fake_rasa_app(events: dict[str, list[dict[str, Any]]], posted: list[Any]) -> web.Application:
    """Return a tiny stand-in for Rasa's HTTP API: a tracker per conversation, events appended."""

    async def tracker(request: web.Request) -> web.Response:
        if request.query.get("token") != TOKEN:
            raise web.HTTPUnauthorized()
        return web.json_response({"events": events.get(request.match_info["cid"], []), "paused": False})

    async def append(request: web.Request) -> web.Response:
        body = await request.json()
        posted.append(body)
        for event in body:
            events.setdefault(request.match_info["cid"], []).append({**event, "timestamp": time.time()})
        return web.json_response({})

    async def trigger(request: web.Request) -> web.Response:
        posted.append(await request.json())
        return web.json_response({})

    app = web.Application()
    app.router.add_get("/conversations/{cid}/tracker", tracker)
    app.router.add_post("/conversations/{cid}/tracker/events", append)
    app.router.add_post("/conversations/{cid}/trigger_intent", trigger)
    return app


def watched_page(context: BrowserContext, watch: PageWatch) -> Page:
    page = context.new_page()
    page.on("console", watch.on_console)
    page.on("pageerror", lambda error: watch.errors.append(str(error)))
    page.on("dialog", watch.on_dialog)
    return page


def log_in(page: Page, base_url: str, username: str) -> None:
    page.goto(base_url + "/medewerkers/")
    pw_expect(page).to_have_url(re.compile(re.escape(base_url) + r"/medewerkers/inloggen\?next="))
    page.get_by_label("Gebruikersnaam").fill(username)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    pw_expect(page).to_have_url(base_url + "/medewerkers/wachtrij")


@dataclasses.dataclass
class ConsoleOnly:
    url: str
    queue: hq.HandoffQueue
    posted: list[Any]
    events: dict[str, list[dict[str, Any]]]


@pytest.fixture
def console_only(tmp_path: Path) -> Iterator[ConsoleOnly]:
    events: dict[str, list[dict[str, Any]]] = {}
    posted: list[Any] = []
    with ServerThread(lambda: fake_rasa_app(events, posted)) as rasa:
        settings = dataclasses.replace(
            get_settings(), db_url=f"sqlite:///{tmp_path / 'console.db'}", rasa_url=rasa.url, rasa_token=TOKEN
        )
        from web import staff as console_module

        holder: dict[str, web.Application] = {}

        def make() -> web.Application:
            holder["app"] = create_app(settings)
            return holder["app"]

        with ServerThread(make) as site:
            console = holder["app"][console_module.CONSOLE_KEY]
            console.staff.add("anja", "Anja de Vries", PASSWORD)
            console.staff.add("piet", "Piet Bakker", PASSWORD)
            yield ConsoleOnly(site.url, console.queue, posted, events)


def test_console_shows_a_script_transcript_as_text_and_lets_one_employee_take_over(
    browser: Browser, console_only: ConsoleOnly
) -> None:
    ticket = console_only.queue.request(
        "conv-xss", hq.HandoffSummary(need="meeting", need_label="Ontmoeten", location="Assen")
    )
    console_only.events["conv-xss"] = [
        {
            "event": "user",
            "text": XSS,
            "timestamp": time.time(),
            "parse_data": {"intent": {"name": "inform"}},
        },
    ]
    anja_watch, piet_watch = PageWatch(), PageWatch()
    anja_context = browser.new_context(locale="nl-NL")
    piet_context = browser.new_context(locale="nl-NL")
    try:
        anja = watched_page(anja_context, anja_watch)
        piet = watched_page(piet_context, piet_watch)
        log_in(anja, console_only.url, "anja")
        log_in(piet, console_only.url, "piet")

        row = anja.locator("#waiting tbody tr")
        pw_expect(row).to_have_count(1)
        pw_expect(row).to_contain_text("Ontmoeten")
        row.get_by_role("link", name="Openen").click()
        transcript = anja.locator("#transcript")
        pw_expect(transcript).to_contain_text(XSS)  # shown literally
        assert transcript.locator("script, img").count() == 0
        screenshot(anja, "staff-console-xss-transcript")

        anja.get_by_role("button", name="Gesprek overnemen").click()
        pw_expect(anja.locator("#status")).to_contain_text("In gesprek met u")
        anja.get_by_label("Uw bericht aan de inwoner").fill("Goedemiddag, ik ben Anja.")
        anja.get_by_role("button", name="Versturen").click()
        pw_expect(transcript).to_contain_text("Goedemiddag, ik ben Anja.")
        assert {
            "event": "bot",
            "text": "Goedemiddag, ik ben Anja.",
            "metadata": {"from": "staff", "staff_name": "Anja"},
        } in [e for body in console_only.posted if isinstance(body, list) for e in body]

        piet.goto(f"{console_only.url}/medewerkers/gesprek/{ticket.id}")
        pw_expect(piet.locator("#status")).to_contain_text("In gesprek met Anja de Vries")
        pw_expect(piet.get_by_role("button", name="Gesprek overnemen")).to_be_hidden()
        pw_expect(piet.get_by_label("Uw bericht aan de inwoner")).to_be_hidden()
        screenshot(piet, "staff-console-taken-by-colleague")
    finally:
        anja_context.close()
        piet_context.close()
    for watch in (anja_watch, piet_watch):
        assert watch.dialogs == [], watch.dialogs  # the <script> and onerror never ran
        assert watch.csp_violations == [], watch.csp_violations
        assert watch.errors == [], watch.errors


def test_console_without_login_shows_only_the_login_page(browser: Browser, console_only: ConsoleOnly) -> None:
    context = browser.new_context(locale="nl-NL")
    try:
        page = context.new_page()
        page.goto(console_only.url + "/medewerkers/gesprek/" + "a" * 32)
        pw_expect(page.get_by_role("heading", name="Helpdesk sociale kaart")).to_be_visible()
        pw_expect(page.get_by_label("Wachtwoord")).to_be_visible()
        page.get_by_label("Gebruikersnaam").fill("anja")
        page.get_by_label("Wachtwoord").fill("verkeerd wachtwoord")
        page.get_by_role("button", name="Inloggen").click()
        pw_expect(page.get_by_role("alert")).to_have_text("Gebruikersnaam of wachtwoord klopt niet.")
    finally:
        context.close()


# --- the real stack ----------------------------------------------------------------------


def test_resident_and_employee_complete_the_loop(browser: Browser, stack: Any) -> None:
    base = str(stack.web_url).rstrip("/")
    username = "e2e-" + uuid.uuid4().hex[:8]
    stack.add_staff(username, PASSWORD, "Anja de Vries")
    resident_watch, staff_watch = PageWatch(), PageWatch()
    resident_context = browser.new_context(viewport={"width": 1280, "height": 860}, locale="nl-NL")
    staff_context = browser.new_context(viewport={"width": 1280, "height": 860}, locale="nl-NL")
    resident_context.set_default_timeout(ANSWER_TIMEOUT_MS)
    staff_context.set_default_timeout(ANSWER_TIMEOUT_MS)
    figures: dict[str, float] = {}
    try:
        # The resident finds something in Assen, then asks for a person.
        resident = watched_page(resident_context, resident_watch)
        resident.goto(base + "/")
        chat = Chat(resident)
        chat.open()
        chat.search("Ik zoek een koffieochtend in Assen")
        chat.say("Ik wil graag met een medewerker praten")
        chat.replies.filter(has_text="Ja").first.click()
        pw_expect(chat.log).to_contain_text("U staat in de rij voor een medewerker")
        session_id = resident.evaluate("JSON.parse(localStorage.getItem('skw:conversation')).sessionId")

        # The employee logs in and finds this conversation in the queue.
        staff = watched_page(staff_context, staff_watch)
        log_in(staff, base, username)
        queue = staff.request.get(base + "/medewerkers/api/queue").json()
        ticket = next(t for t in queue["waiting"] if t["conversation_id"] == session_id)
        assert ticket["summary"]["location"] == "Assen"
        pw_expect(staff.locator("#waiting tbody tr").first).to_be_visible()
        staff.goto(f"{base}/medewerkers/gesprek/{ticket['id']}")
        pw_expect(staff.locator("#summary")).to_contain_text("Assen")
        transcript = staff.locator("#transcript")
        pw_expect(transcript).to_contain_text("Ik zoek een koffieochtend in Assen")

        # Take over: the resident is told who joined, and the assistant falls silent.
        staff.get_by_role("button", name="Gesprek overnemen").click()
        pw_expect(chat.log).to_contain_text("U praat nu met Anja")

        # Employee -> resident.
        staff.get_by_label("Uw bericht aan de inwoner").fill(
            "Goedemiddag, ik ben Anja. Waar kan ik u mee helpen?"
        )
        started = time.monotonic()
        staff.get_by_role("button", name="Versturen").click()
        pw_expect(resident.locator(".skw-msg--staff").last).to_contain_text("ik ben Anja", timeout=5000)
        figures["staff_to_resident_s"] = time.monotonic() - started

        # Resident -> employee (the console polls every 500 ms).
        bot_count = chat.bot_messages.count()
        chat.input.fill("Ik zoek ook iets voor mijn buurman")
        started = time.monotonic()
        chat.input.press("Enter")
        pw_expect(transcript).to_contain_text("Ik zoek ook iets voor mijn buurman", timeout=5000)
        figures["resident_to_staff_s"] = time.monotonic() - started
        resident.wait_for_timeout(1500)
        assert chat.bot_messages.count() == bot_count, (
            "the assistant spoke while the employee had the conversation"
        )

        # Hand back: the assistant continues and still knows the place.
        staff.get_by_role("button", name="Teruggeven aan de assistent").click()
        pw_expect(chat.log).to_contain_text("weer aan mij gegeven")
        screenshot(staff, "staff-console-handed-back")
        cards_before = chat.cards.count()
        chat.say("Ik zoek vrijwilligerswerk")
        pw_expect(chat.cards.nth(cards_before)).to_be_visible()
        answer = chat.log.inner_text()
        assert (
            "Assen" in chat.cards.nth(cards_before).inner_text()
            or "Assen" in answer.split("Ik zoek vrijwilligerswerk")[-1]
        )
        assert "Welke plaats" not in answer.split("Ik zoek vrijwilligerswerk")[-1]
        screenshot(resident, "resident-after-handback")
    finally:
        RESULTS.mkdir(exist_ok=True)
        (RESULTS / "staff_e2e_timings.json").write_text(json.dumps(figures, indent=2), encoding="utf-8")
        resident_context.close()
        staff_context.close()
    assert figures["staff_to_resident_s"] < 1.0, figures
    assert figures["resident_to_staff_s"] < 2.0, figures
    for watch in (resident_watch, staff_watch):
        assert watch.csp_violations == [], watch.csp_violations
        assert watch.errors == [], watch.errors
