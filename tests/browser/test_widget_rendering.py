"""How the widget renders what arrives over socket.io, with a scripted socket in place of Rasa.

These tests fix the contract of docs/ARCHITECTURE.md on the browser side, and
the hostile cases the real assistant never sends (HTML, javascript: links). The
page is served with the same strict CSP as the demo site.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, Route, expect

from tests.browser.conftest import PageWatch
from web.server import WIDGET_DIR, content_security_policy

pytestmark = pytest.mark.browser

ORIGIN = "http://widget.test"

# A stand-in for the socket.io client: records emits, lets the test play the server.
FAKE_IO = """
window.fakeSocket = { emitted: [], handlers: {} };
window.io = function (url, options) {
  var fake = window.fakeSocket;
  fake.url = url;
  fake.options = options;
  var socket = {
    connected: false,
    on: function (event, handler) { fake.handlers[event] = handler; },
    emit: function (event, data) {
      fake.emitted.push([event, data]);
      if (event === "session_request") {
        setTimeout(function () { fake.handlers.session_confirm(data.session_id); }, 0);
      }
    },
    connect: function () {
      socket.connected = true;
      setTimeout(function () { fake.handlers.connect(); }, 0);
    },
    disconnect: function () { socket.connected = false; }
  };
  fake.socket = socket;
  socket.connect();
  return socket;
};
"""

PAGE = """<!DOCTYPE html>
<html lang="nl"><head><meta charset="utf-8"><title>Test</title></head>
<body><main><h1>Testpagina</h1></main>
<script src="/fake-io.js"></script>
<script src="/widget/widget.js" data-municipality="Assen" data-title="Digitale assistent"
  data-color="{color}" data-position="{position}" data-pages="{pages}"
  data-socket-url="http://rasa.test:5005" defer></script>
</body></html>"""

CARD = {
    "name": "Koffieochtend De Marsch",
    "what": "Koffie en een praatje",
    "where": "Marsstraat 1, Assen",
    "distance": 1.25,
    "when": "woensdag 10:00 - 12:00",
    "cost": "gratis",
    "contact": "",
    "phone": "0592 123 456",
    "email": "info@demarsch.nl",
    "website": "https://www.demarsch.nl/koffie",
    "route_url": "https://www.openstreetmap.org/directions?to=53.0,6.56",
    "service_id": "svc-1",
}


def bot(text: str | None = None, **extra: Any) -> dict[str, Any]:
    return {"text": text, "buttons": None, "custom": None, "metadata": None, **extra}


@pytest.fixture
def load(page: Page) -> Callable[..., Page]:
    """Return a function that serves a page embedding the widget with the given data- settings."""

    def serve(color: str = "#00567a", position: str = "right", pages: str = "/") -> Page:
        html = PAGE.replace("{color}", color).replace("{position}", position).replace("{pages}", pages)
        csp = content_security_policy("http://rasa.test:5005")

        def handle(route: Route) -> None:
            path = route.request.url.removeprefix(ORIGIN)
            if path == "/":
                route.fulfill(body=html, content_type="text/html", headers={"Content-Security-Policy": csp})
            elif path == "/fake-io.js":
                route.fulfill(body=FAKE_IO, content_type="text/javascript")
            elif path.startswith("/widget/") and (WIDGET_DIR / path.removeprefix("/widget/")).is_file():
                name = path.removeprefix("/widget/")
                kind = "text/css" if name.endswith(".css") else "text/javascript"
                route.fulfill(body=(WIDGET_DIR / name).read_bytes(), content_type=kind)
            else:
                route.fulfill(status=404, body="")

        page.route(f"{ORIGIN}/**", handle)
        page.goto(f"{ORIGIN}/")
        return page

    return serve


def push(page: Page, *messages: dict[str, Any]) -> None:
    """Play the server: deliver bot_uttered messages to the widget."""
    for message in messages:
        page.evaluate(f"window.fakeSocket.handlers.bot_uttered({json.dumps(message)})")


def emitted(page: Page) -> list[list[Any]]:
    return list(page.evaluate("window.fakeSocket.emitted"))


def open_widget(page: Page) -> None:
    page.get_by_role("button", name="Stel uw vraag").click()
    expect(page.locator(".skw-panel")).to_be_visible()


def test_the_widget_asks_the_bot_for_its_opening_and_sends_messages_with_the_session(
    load: Callable[..., Page],
) -> None:
    page = load()
    open_widget(page)
    page.wait_for_function("window.fakeSocket.emitted.length >= 2")
    session = page.evaluate("JSON.parse(sessionStorage.getItem('skw:conversation')).sessionId")
    assert emitted(page)[0] == ["session_request", {"session_id": session}]
    # Every message names the site the widget runs on (data-municipality="Assen" on this page).
    site = {"municipality": "Assen"}
    assert emitted(page)[1] == [
        "user_uttered", {"message": "/start_conversation", "session_id": session, "metadata": site}
    ]
    assert page.evaluate("window.fakeSocket.url") == "http://rasa.test:5005"
    page.get_by_label("Typ uw bericht").fill("Hallo")
    page.get_by_label("Typ uw bericht").press("Enter")
    assert emitted(page)[-1] == ["user_uttered", {"message": "Hallo", "session_id": session, "metadata": site}]
    # The opening is asked for once per conversation, not on every open.
    page.keyboard.press("Escape")
    open_widget(page)
    assert [e[1]["message"] for e in emitted(page) if e[0] == "user_uttered"] == [
        "/start_conversation",
        "Hallo",
    ]


def test_html_from_the_bot_is_shown_as_text(load: Callable[..., Page], watch: PageWatch) -> None:
    page = load()
    open_widget(page)
    payload = "<img src=x onerror=alert(1)><script>alert(2)</script><b>vet</b>"
    push(page, bot(payload, buttons=[{"title": "<i>knop</i>", "payload": "/affirm"}]))
    expect(page.locator(".skw-msg--bot .skw-bubble").last).to_have_text(payload)
    expect(page.get_by_role("button", name="<i>knop</i>")).to_be_visible()
    assert page.locator(".skw-root img, .skw-root script, .skw-root b, .skw-root i").count() == 0
    page.wait_for_timeout(300)
    assert watch.dialogs == []


def test_only_http_links_become_links_and_they_open_safely(load: Callable[..., Page]) -> None:
    page = load()
    open_widget(page)
    push(
        page,
        bot(
            "Lees https://www.assen.nl/privacy. Of [hier](https://www.assen.nl/a). "
            "Niet: javascript:alert(1) en [klik](javascript:alert(1)) en data:text/html,x"
        ),
    )
    links = page.locator(".skw-msg--bot .skw-bubble a")
    expect(links).to_have_count(2)
    expect(links.nth(0)).to_have_attribute("href", "https://www.assen.nl/privacy")
    expect(links.nth(1)).to_have_attribute("href", "https://www.assen.nl/a")
    for i in range(2):
        expect(links.nth(i)).to_have_attribute("target", "_blank")
        expect(links.nth(i)).to_have_attribute("rel", "noopener noreferrer")
    # The full stop after the URL stays text; the unsafe "links" stay visible as text.
    text = page.locator(".skw-msg--bot .skw-bubble").last.text_content() or ""
    assert "privacy (opent in een nieuw venster)." in text
    assert "[klik](javascript:alert(1))" in text


def test_consecutive_result_cards_form_one_list_with_every_field(load: Callable[..., Page]) -> None:
    page = load()
    open_widget(page)
    second = dict(CARD, name="Inloop Bibliotheek", distance=None, phone="", email="", website="")
    card_message = {"type": "result_card", "card": CARD}
    push(
        page,
        bot("Dit heb ik gevonden in de buurt van Assen:"),
        bot("Koffieochtend De Marsch", custom=card_message),
        bot("Inloop Bibliotheek", custom={"type": "result_card", "card": second}),
        bot("Wilt u meer zien?", buttons=[{"title": "Meer resultaten", "payload": "/show_more"}]),
        bot("Nog een", custom={"type": "result_card", "card": dict(CARD, name="Eetgroep")}),
    )
    lists = page.locator(".skw-cards")
    expect(lists).to_have_count(2)
    expect(lists.first.locator(":scope > li")).to_have_count(2)
    first = lists.first.locator(":scope > li").first
    facts = first.locator(".skw-fact")
    assert [facts.nth(i).locator("dt").inner_text() for i in range(facts.count())] == [
        "Wat",
        "Waar",
        "Wanneer",
        "Kosten",
        "Contact",
    ]
    expect(first).to_contain_text("Marsstraat 1, Assen (1,3 km)")
    expect(first.locator("a[href='tel:0592123456']")).to_have_text("0592 123 456")
    expect(first.locator("a[href='mailto:info@demarsch.nl']")).to_be_visible()
    expect(first.locator("a[href='https://www.demarsch.nl/koffie']")).to_contain_text("demarsch.nl")
    expect(
        first.get_by_role("link", name=re.compile("Route plannen naar Koffieochtend De Marsch"))
    ).to_have_attribute("href", CARD["route_url"])
    # The plain-text fallback of a card is not shown twice.
    assert page.locator(".skw-bubble", has_text="Koffieochtend De Marsch").count() == 0


def test_a_card_with_unsafe_links_keeps_its_text_but_loses_the_links(load: Callable[..., Page]) -> None:
    page = load()
    open_widget(page)
    evil = dict(CARD, route_url="javascript:alert(1)", website="javascript:alert(2)", email="x@y", phone="")
    push(page, bot(None, custom={"type": "result_card", "card": evil}))
    card = page.locator(".skw-card")
    expect(card).to_have_count(1)
    assert card.locator("a").count() == 0
    expect(card).to_contain_text("Koffieochtend De Marsch")


def test_a_staff_message_shows_the_employees_name(load: Callable[..., Page]) -> None:
    page = load()
    open_widget(page)
    push(page, bot("Goedemiddag, ik help u verder.", metadata={"from": "staff", "staff_name": "Anja"}))
    message = page.locator(".skw-msg--staff")
    expect(message.locator(".skw-who")).to_have_text("Anja (medewerker van de gemeente)")
    expect(message.locator(".skw-bubble")).to_have_text("Goedemiddag, ik help u verder.")


def test_a_quick_reply_sends_its_payload_and_shows_its_title(load: Callable[..., Page]) -> None:
    page = load()
    open_widget(page)
    push(page, bot("Zoekt u iets voor uzelf?", buttons=[{"title": "Ja", "payload": "/affirm"}]))
    page.get_by_role("button", name="Ja", exact=True).click()
    assert emitted(page)[-1][1]["message"] == "/affirm"
    expect(page.locator(".skw-msg--user .skw-bubble").last).to_have_text("Ja")
    expect(page.locator(".skw-replies")).to_have_count(0)


def test_a_message_while_closed_shows_an_unread_badge(load: Callable[..., Page]) -> None:
    page = load()
    open_widget(page)
    page.keyboard.press("Escape")
    push(page, bot("Anja heeft uw vraag gelezen.", metadata={"from": "staff", "staff_name": "Anja"}))
    expect(page.get_by_role("button", name=re.compile("Stel uw vraag 1 nieuw bericht"))).to_be_visible()


def test_a_light_brand_colour_gets_dark_text_and_the_left_position(load: Callable[..., Page]) -> None:
    page = load(color="#ffdd00", position="left")
    launcher = page.locator(".skw-launcher")
    expect(launcher).to_have_css("color", "rgb(11, 12, 12)")
    expect(launcher).to_have_css("background-color", "rgb(255, 221, 0)")
    box = launcher.bounding_box()
    assert box is not None and box["x"] < 100


@pytest.mark.parametrize("color", ["red;background:url(x)", "javascript:1", ""])
def test_a_malformed_colour_falls_back_to_the_default(load: Callable[..., Page], color: str) -> None:
    page = load(color=color)
    expect(page.locator(".skw-launcher")).to_have_css("background-color", "rgb(0, 86, 122)")


def test_the_widget_stays_away_from_pages_not_listed(load: Callable[..., Page]) -> None:
    page = load(pages="/zorg*,/contact")
    expect(page.get_by_role("heading", name="Testpagina")).to_be_visible()
    page.wait_for_timeout(300)
    assert page.locator(".skw-root").count() == 0
