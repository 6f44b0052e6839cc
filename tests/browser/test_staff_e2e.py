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
from tests.browser.test_widget_rendering import (
    CARD,
    bot,
    emitted,
    load,  # noqa: F401  (the scripted-socket page fixture)
    open_widget,
    push,
)
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
        session_id = resident.evaluate("JSON.parse(sessionStorage.getItem('skw:conversation')).sessionId")

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
    # The latencies are figures (results/staff_e2e_timings.json), not pass/fail: targets belong in bench.
    assert set(figures) == {"staff_to_resident_s", "resident_to_staff_s"}, figures
    for watch in (resident_watch, staff_watch):
        assert watch.csp_violations == [], watch.csp_violations
        assert watch.errors == [], watch.errors


# --- a helpdesk day on the real stack: every part of issue 13 -------------------------------------

# Records browser notifications (the page's own Notification stays in place underneath).
RECORD_NOTIFICATIONS = """
(() => {
  const Real = window.Notification;
  window.__notifications = [];
  if (!Real) return;
  function Recorded(title, options) {
    window.__notifications.push((options && options.body) || title);
    return new Real(title, options);
  }
  Object.defineProperty(Recorded, "permission", { get: () => Real.permission });
  Recorded.requestPermission = (...args) => Real.requestPermission(...args);
  window.Notification = Recorded;
})();
"""


def run_cli(stack: Any, *args: str) -> None:
    """Run `python -m socialmap ...` against the stack's database, as an administrator would."""
    import subprocess
    import sys

    subprocess.run(
        [sys.executable, "-m", "socialmap", *args],
        env=stack.env,
        cwd=RESULTS.parent,
        check=True,
        capture_output=True,
    )


def ask_for_a_person(chat: Chat, question: str) -> str:
    """Search, ask for a medewerker, say yes; return the conversation id."""
    chat.open()
    chat.search(question)
    chat.say("Ik wil graag met een medewerker praten")
    chat.replies.filter(has_text="Ja").first.click()
    pw_expect(chat.log).to_contain_text("U staat in de rij voor een medewerker")
    return str(chat.page.evaluate("JSON.parse(sessionStorage.getItem('skw:conversation')).sessionId"))


def take_with_keyboard(page: Page, base: str, conversation_id: str) -> int:
    """Take the resident's conversation from the queue page; return the key actions it cost.

    Alt+N takes the first waiting conversation of the inbox. When an earlier test left someone
    waiting ahead of ours, open ours (a click) and take it with Alt+O instead, and count both.
    """
    page.wait_for_function(
        "id => Array.from(document.querySelectorAll('#waiting tbody tr')).length > 0", arg=conversation_id
    )
    inbox = page.locator("#inbox").input_value()
    waiting = page.request.get(f"{base}/medewerkers/api/queue?inbox={inbox}").json()["waiting"]
    ours = next(t for t in waiting if t["conversation_id"] == conversation_id)
    if waiting[0]["id"] == ours["id"]:
        page.keyboard.press("Alt+KeyN")
        pw_expect(page).to_have_url(re.compile(ours["id"]))
        return 1
    page.locator(f'#waiting a[href="/medewerkers/gesprek/{ours["id"]}"]').click()
    page.keyboard.press("Alt+KeyO")
    return 2


def test_a_helpdesk_day_with_two_medewerkers_and_two_residents(browser: Browser, stack: Any) -> None:
    from tests.browser.conftest import axe_violations, describe

    base = str(stack.web_url).rstrip("/")
    # The stack is shared: earlier tests (the fuzzer, REST conversations) may have left residents
    # waiting. This day starts with an empty queue, so "take the next" takes this day's resident.
    leftovers = hq.HandoffQueue(db_url=stack.db_url)
    for ticket in leftovers.waiting():
        leftovers.cancel(ticket.conversation_id)
    suffix = uuid.uuid4().hex[:6]
    anja_user, bert_user = f"anja-{suffix}", f"bert-{suffix}"
    stack.add_staff(anja_user, PASSWORD, "Anja de Vries")
    stack.add_staff(bert_user, PASSWORD, "Bert Mulder")
    run_cli(stack, "staff", "role", anja_user, "teamleider")
    run_cli(stack, "staff", "teams", bert_user, "Mantelzorgconsulent")

    watches = {name: PageWatch() for name in ("anja", "bert", "leaver", "resident")}
    contexts = {
        name: browser.new_context(
            viewport={"width": 1280, "height": 900},
            locale="nl-NL",
            permissions=["notifications"] if name in ("anja", "bert") else [],
        )
        for name in watches
    }
    for context in contexts.values():
        context.set_default_timeout(ANSWER_TIMEOUT_MS)
    keys: dict[str, int] = {}
    # Every step crosses three processes (browser -> web -> Rasa -> browser); on a busy 2-core machine
    # that can take longer than Playwright's 5 s default.
    pw_expect.set_options(timeout=15_000)
    try:
        anja = watched_page(contexts["anja"], watches["anja"])
        anja.add_init_script(RECORD_NOTIFICATIONS)
        log_in(anja, base, anja_user)
        # Opt in to sound and notifications; set herself available (the wait estimate counts it).
        anja.get_by_role("button", name="Geluid en meldingen aanzetten").click()
        pw_expect(anja.locator("#notify-state")).to_have_text("Geluid en meldingen staan aan.")
        anja.get_by_role("button", name="Afwezig").click()
        pw_expect(anja.get_by_role("button", name="Beschikbaar")).to_have_attribute("aria-pressed", "true")
        anja.locator("#inbox").select_option("all")

        # 1. A resident asks for a person, then closes the tab while waiting.
        leaver_page = watched_page(contexts["leaver"], watches["leaver"])
        leaver_page.goto(base + "/")
        leaver = Chat(leaver_page)
        leaver_id = ask_for_a_person(leaver, "Ik zoek een koffieochtend in Assen")
        row = anja.locator(f'#waiting tbody tr:has(a[href$="{leaver_id}"])')
        ticket = next(
            t
            for t in anja.request.get(base + "/medewerkers/api/queue?inbox=all").json()["waiting"]
            if t["conversation_id"] == leaver_id
        )
        row = anja.locator(f'#waiting tbody tr:has(a[href="/medewerkers/gesprek/{ticket["id"]}"])')
        pw_expect(row).to_contain_text("online")
        pw_expect(anja).to_have_title(re.compile(r"^\(\d+\) Wachtrij"))
        anja.wait_for_function("window.__notifications.length > 0", timeout=10_000)
        assert "wacht op een medewerker" in anja.evaluate("window.__notifications[0]")
        screenshot(anja, "staff-queue-waiting")
        violations = axe_violations(anja)
        assert violations == [], describe(violations)
        # The resident leaves the site in this tab (the conversation stays in the tab's storage).
        leaver_page.goto("about:blank")
        pw_expect(row).to_contain_text("offline sinds", timeout=10_000)
        row.get_by_role("button", name="Sluiten: geen reactie").click()
        pw_expect(row).to_have_count(0)
        # Back on the site in the same tab: the widget shows what happened while they were away.
        leaver_page.goto(base + "/")
        leaver = Chat(leaver_page)
        if leaver.panel.is_hidden():
            leaver.launcher.click()
        pw_expect(leaver.log).to_contain_text("Het gesprek is afgesloten. U kunt altijd opnieuw beginnen.")

        # 2. A second resident asks for a person; Anja takes the next one with Alt+N.
        resident_page = watched_page(contexts["resident"], watches["resident"])
        resident_page.goto(base + "/")
        chat = Chat(resident_page)
        resident_id = ask_for_a_person(chat, "Ik zoek een koffieochtend in Assen")
        keys["take"] = take_with_keyboard(anja, base, resident_id)
        message_box = anja.get_by_label("Uw bericht aan de inwoner")
        pw_expect(message_box).to_be_focused(timeout=20_000)
        ticket_id = anja.url.rsplit("/", 1)[-1].split("#")[0]
        assert (
            anja.request.get(f"{base}/medewerkers/api/tickets/{ticket_id}").json()["conversation_id"]
            == resident_id
        )
        pw_expect(chat.log).to_contain_text("U praat nu met Anja")
        pw_expect(resident_page.locator(".skw-title")).to_have_text("U praat met Anja")
        pw_expect(resident_page.locator(".skw-footer")).to_contain_text("U praat met een medewerker")

        # A canned response with the medewerker's name filled in; Enter sends it.
        anja.get_by_label("Standaardantwoord").select_option(label="Welkom")
        pw_expect(message_box).to_have_value(
            "Goedendag, u praat met Anja van de gemeente. Waar kan ik u mee helpen?"
        )
        message_box.press("Enter")
        pw_expect(resident_page.locator(".skw-msg--staff").last).to_contain_text(
            "u praat met Anja van de gemeente"
        )
        pw_expect(resident_page.locator(".skw-msg--staff .skw-who").last).to_contain_text("Anja")
        # Shift+Enter is a new line, not a message.
        message_box.type("Ik kijk even mee.")
        message_box.press("Shift+Enter")
        message_box.type("Een ogenblik.")
        assert message_box.input_value() == "Ik kijk even mee.\nEen ogenblik."
        message_box.press("Enter")
        keys["reply"] = 1
        pw_expect(resident_page.locator(".skw-msg--staff").last).to_contain_text("Een ogenblik.")
        # The newest staff message is in view in the widget.
        pw_expect(resident_page.locator(".skw-msg--staff").last).to_be_in_viewport()

        # Typing both ways.
        message_box.type("Ik zoek")
        pw_expect(resident_page.locator(".skw-typing")).to_be_visible()
        pw_expect(resident_page.locator(".skw-typing")).to_contain_text("Anja schrijft een bericht.")
        message_box.fill("")
        chat.input.type("nog een vraag")
        pw_expect(anja.locator("#resident-typing")).to_have_text("De inwoner typt…", timeout=10_000)
        chat.input.fill("")

        # An internal note stays in the console.
        anja.get_by_label("Interne notitie").fill("Inwoner klinkt moe; later nog eens vragen")
        anja.get_by_role("button", name="Notitie opslaan").click()
        pw_expect(anja.locator("#notes")).to_contain_text("Inwoner klinkt moe")
        resident_page.wait_for_timeout(1000)
        assert "klinkt moe" not in chat.transcript()

        # A crisis message while Anja holds the conversation: 113 first, the console shows it as urgent.
        chat.say("ik wil er niet meer zijn")
        assert "113" in chat.transcript().split("ik wil er niet meer zijn")[-1]
        pw_expect(anja.locator("#urgent")).to_be_visible(timeout=10_000)
        pw_expect(anja.locator("#urgent")).to_contain_text("URGENT")
        screenshot(anja, "staff-conversation-urgent")
        screenshot(resident_page, "widget-live-chat")
        violations = axe_violations(anja)
        assert violations == [], describe(violations)
        violations = axe_violations(resident_page)
        assert violations == [], describe(violations)

        # 3. Hand on to the mantelzorgconsulent with a note.
        anja.get_by_text("Doorgeven aan een collega of team").click()
        anja.get_by_label("Aan", exact=True).select_option(label="Team: Mantelzorgconsulent")
        anja.get_by_label("Notitie (reist mee met het gesprek)").fill("Mantelzorger, vraagt om logeeropvang")
        anja.get_by_role("button", name="Doorgeven").click()
        pw_expect(anja).to_have_url(base + "/medewerkers/wachtrij")
        pw_expect(chat.log).to_contain_text("Anja geeft uw vraag door aan de mantelzorgconsulent.")
        pw_expect(resident_page.locator(".skw-subtitle")).to_have_text("U wacht op een medewerker.")

        # Bert sees it in his team's inbox (not under another team), takes it with Alt+N.
        bert = watched_page(contexts["bert"], watches["bert"])
        log_in(bert, base, bert_user)
        pw_expect(bert.locator("#inbox")).to_have_value("mine")
        pw_expect(bert.locator("#waiting tbody tr").filter(has_text="Mantelzorgconsulent")).to_have_count(1)
        bert.locator("#inbox").select_option("team:Wmo-loket")
        pw_expect(bert.locator("#waiting tbody tr").filter(has_text="Mantelzorgconsulent")).to_have_count(0)
        bert.locator("#inbox").select_option("mine")
        pw_expect(bert.locator("#waiting tbody tr").filter(has_text="Mantelzorgconsulent")).to_have_count(1)
        take_with_keyboard(bert, base, resident_id)
        pw_expect(bert).to_have_url(re.compile(ticket_id))
        # The colleague's join reaches the widget although the assistant is still paused.
        pw_expect(chat.log).to_contain_text("U praat nu met Bert")
        pw_expect(resident_page.locator(".skw-title")).to_have_text("U praat met Bert")
        pw_expect(bert.locator("#notes")).to_contain_text("Mantelzorger, vraagt om logeeropvang")
        pw_expect(bert.locator("#notes")).to_contain_text("Inwoner klinkt moe")
        bert_box = bert.get_by_label("Uw bericht aan de inwoner")
        pw_expect(bert_box).to_be_focused(timeout=20_000)
        bert_box.type("Ik ben Bert, de mantelzorgconsulent.")
        bert_box.press("Enter")
        pw_expect(resident_page.locator(".skw-msg--staff").last).to_contain_text("Ik ben Bert")
        # Hand back and record the outcome in one go (Alt+T uses the chosen outcome).
        bert.get_by_label("Uitkomst").select_option(label="Doorverwezen")
        bert.keyboard.press("Alt+KeyT")
        keys["hand_back"] = 1
        pw_expect(bert.locator("#status")).to_contain_text("Teruggegeven aan de assistent – Doorverwezen")
        pw_expect(chat.log).to_contain_text("weer aan mij gegeven")
        pw_expect(resident_page.locator(".skw-title")).not_to_have_text(re.compile("Bert"))
        screenshot(bert, "staff-conversation-handed-back")

        # 4. The optional satisfaction question: five faces, stored without identity.
        faces = resident_page.locator("button.skw-face")
        pw_expect(faces).to_have_count(5)
        screenshot(resident_page, "widget-csat")
        violations = axe_violations(resident_page)
        assert violations == [], describe(violations)
        resident_page.get_by_role("button", name="4 van 5: Tevreden").click()
        pw_expect(resident_page.locator(".skw-csat-done")).to_have_text("Dank u voor uw antwoord.")
        # The score travels widget -> socket.io -> database; wait until it is there, then look.
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            report = bert.request.get(base + "/medewerkers/api/csat").json()["report"]
            if any(r["team"] == "Mantelzorgconsulent" for r in report):
                break
            bert.wait_for_timeout(200)
        bert.goto(base + "/medewerkers/tevredenheid")
        csat_row = bert.locator("#csat tbody tr").filter(has_text="Mantelzorgconsulent")
        pw_expect(csat_row).to_contain_text("1")
        pw_expect(csat_row).to_contain_text("4")
        screenshot(bert, "staff-csat")

        # 5. History: find today's conversations by place, words and outcome.
        anja.goto(base + "/medewerkers/geschiedenis")
        anja.get_by_label("Plaats").fill("Assen")
        anja.get_by_label("Woorden").fill("koffieochtend")
        anja.get_by_label("Uitkomst").select_option(label="Doorverwezen")
        anja.get_by_role("button", name="Zoeken").click()
        found = anja.locator("#history tbody tr")
        pw_expect(
            found.filter(has=anja.locator(f'a[href="/medewerkers/gesprek/{ticket_id}"]'))
        ).to_have_count(1)
        pw_expect(found.first).to_contain_text("Mantelzorgconsulent")
        anja.get_by_label("Uitkomst").select_option(label="Geen reactie")
        anja.get_by_role("button", name="Zoeken").click()
        pw_expect(
            found.filter(has=anja.locator(f'a[href="/medewerkers/gesprek/{ticket["id"]}"]'))
        ).to_have_count(1)
        screenshot(anja, "staff-history")
        violations = axe_violations(anja)
        assert violations == [], describe(violations)

        # 6. The team lead manages canned responses in the console.
        anja.goto(base + "/medewerkers/beheer")
        anja.get_by_label("Titel").fill("Logeeropvang")
        anja.get_by_label("Team", exact=True).select_option("Mantelzorgconsulent")
        anja.get_by_label("Tekst").fill("In {plaats} is logeeropvang. Ik ben {medewerker}.")
        anja.get_by_role("button", name="Standaardantwoord opslaan").click()
        pw_expect(anja.locator("#canned-list")).to_contain_text("Logeeropvang")
        pw_expect(anja.locator("#accounts")).to_contain_text(bert_user)
        screenshot(anja, "staff-admin")
        violations = axe_violations(anja)
        assert violations == [], describe(violations)
        # Bert (no team lead) may not.
        refused = bert.request.post(
            base + "/medewerkers/api/canned",
            data=json.dumps({"title": "x", "text": "y"}),
            headers={"Content-Type": "application/json", "X-CSRF-Token": csrf_of(bert)},
        )
        assert refused.status == 403
    finally:
        pw_expect.set_options(timeout=5_000)
        RESULTS.mkdir(exist_ok=True)
        (RESULTS / "staff_key_actions.json").write_text(
            json.dumps({"take_reply_hand_back_key_actions": keys, "total": sum(keys.values())}, indent=2),
            encoding="utf-8",
        )
        for context in contexts.values():
            context.close()
    assert sum(keys.values()) <= 3, keys
    for name, watch in watches.items():
        assert watch.csp_violations == [], (name, watch.csp_violations)
        assert watch.errors == [], (name, watch.errors)


def csrf_of(page: Page) -> str:
    return str(page.locator('meta[name="csrf-token"]').get_attribute("content"))


# --- the widget's live-chat parts, with the scripted socket of test_widget_rendering ---------------

JOINED = {"from": "staff", "staff_name": "Anja", "handoff": "joined"}


@pytest.fixture
def widget_page(load: Callable[..., Page]) -> Page:  # noqa: F811
    """Return the widget, opened, on a page whose socket the test plays."""
    page = load()
    open_widget(page)
    return page


def test_widget_header_and_footer_say_who_the_resident_talks_to(widget_page: Page) -> None:
    page = widget_page
    push(page, bot("U praat nu met Anja, medewerker van de gemeente Assen.", metadata=JOINED))
    pw_expect(page.locator(".skw-title")).to_have_text("U praat met Anja")
    pw_expect(page.locator(".skw-subtitle")).to_have_text("Medewerker van de gemeente Assen")
    pw_expect(page.locator(".skw-footer")).to_contain_text(
        "U praat met een medewerker, niet met een computer."
    )
    push(page, bot("Anja geeft uw vraag door aan de mantelzorgconsulent.", metadata={"handoff": "handed_on"}))
    pw_expect(page.locator(".skw-subtitle")).to_have_text("U wacht op een medewerker.")
    push(
        page,
        bot("De medewerker heeft het gesprek weer aan mij gegeven.", metadata={"handoff": "handed_back"}),
    )
    pw_expect(page.locator(".skw-title")).to_have_text("Digitale assistent")
    pw_expect(page.locator(".skw-footer")).to_contain_text("U praat met een computer.")


def test_widget_shows_every_staff_message_and_labels_staff_cards(widget_page: Page) -> None:
    page = widget_page
    push(page, *[bot(f"Antwoord van de assistent nummer {i}, met wat meer tekst erbij.") for i in range(12)])
    push(page, bot("U praat nu met Anja.", metadata=JOINED))
    for i in range(6):
        push(page, bot(f"Bericht {i} van Anja", metadata={"from": "staff", "staff_name": "Anja"}))
        pw_expect(page.locator(".skw-msg--staff").last).to_be_in_viewport()
    push(
        page,
        bot(
            "Koffie",
            custom={"type": "result_card", "card": CARD},
            metadata={"from": "staff", "staff_name": "Anja"},
        ),
    )
    staff_cards = page.locator(".skw-msg--staff.skw-msg--cards")
    pw_expect(staff_cards).to_have_count(1)
    pw_expect(staff_cards.locator(".skw-who")).to_have_text("Anja (medewerker van de gemeente) stuurt u:")
    pw_expect(staff_cards.locator(".skw-card")).to_be_in_viewport()


def test_widget_typing_both_ways_and_asks_for_missed_messages(widget_page: Page) -> None:
    page = widget_page
    page.get_by_label("Typ uw bericht").type("hallo")
    assert not [e for e in emitted(page) if e[0] == "user_typing"]  # the assistant needs no typing signal
    push(page, bot("U praat nu met Anja.", metadata=JOINED))
    page.get_by_label("Typ uw bericht").type(" daar")
    page.wait_for_function("window.fakeSocket.emitted.some(e => e[0] === 'user_typing')")
    page.evaluate("window.fakeSocket.handlers.staff_typing({staff_name: 'Anja'})")
    pw_expect(page.locator(".skw-typing")).to_be_visible()
    pw_expect(page.locator(".skw-typing")).to_contain_text("Anja schrijft een bericht.")
    # A reconnect tells the channel when the last message arrived, by the widget's clock.
    page.evaluate("window.fakeSocket.handlers.connect()")
    page.wait_for_function("window.fakeSocket.emitted.filter(e => e[0] === 'session_request').length >= 2")
    last = [e[1] for e in emitted(page) if e[0] == "session_request"][-1]
    assert isinstance(last["since"], float | int) and last["now"] >= last["since"]


def test_widget_asks_satisfaction_with_five_faces(widget_page: Page) -> None:
    page = widget_page
    push(
        page,
        bot(
            "Hoe tevreden bent u over dit gesprek? Kies een gezichtje. Dat hoeft niet.",
            custom={"type": "csat", "token": "t" * 32},
            metadata={"handoff": "csat"},
        ),
    )
    faces = page.locator("button.skw-face")
    pw_expect(faces).to_have_count(5)
    pw_expect(faces.first).to_have_attribute("aria-label", "1 van 5: Heel ontevreden")
    page.get_by_role("button", name="5 van 5: Heel tevreden").click()
    pw_expect(page.locator(".skw-csat-done")).to_have_text("Dank u voor uw antwoord.")
    assert ["csat", {"token": "t" * 32, "score": 5}] in emitted(page)
    pw_expect(faces).to_have_count(0)
