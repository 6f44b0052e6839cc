"""The resident's chat widget in headless chromium, talking to the real assistant."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import Chat, PageWatch, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.e2e]

XSS = "<img src=x onerror=alert(1)>"


def test_the_assistant_opens_with_who_it_is_and_finds_coffee_mornings(chat: Chat) -> None:
    chat.open()
    opening = chat.transcript()
    # The opening comes from the bot (domain.yml), not from the widget.
    assert "computer" in opening
    assert "BSN" in opening
    # The privacy statement's URL in the opening is a safe link.
    privacy = chat.log.locator("a.skw-link[href^='https://']").first
    expect(privacy).to_have_attribute("rel", "noopener noreferrer")
    chat.search("Ik zoek een koffieochtend in Assen")
    screenshot(chat.page, "widget-results")
    # The cards are one list, each with a name, a place and a route link.
    lists = chat.page.locator(".skw-cards")
    expect(lists).to_have_count(1)
    assert chat.cards.count() >= 1
    first = chat.cards.first
    assert first.locator(".skw-card-name").inner_text().strip()
    expect(first.locator("dt", has_text="Waar")).to_have_count(1)
    route = first.get_by_role("link", name=re.compile("Route plannen"))
    expect(route).to_have_attribute("href", re.compile(r"^https://"))
    expect(route).to_have_attribute("target", "_blank")
    expect(route).to_have_attribute("rel", "noopener noreferrer")
    # Every message has a timestamp a screen reader can reach.
    expect(chat.log.locator("time").first).to_have_attribute("datetime", re.compile(r"^\d{4}-\d\d-\d\dT"))


def test_a_quick_reply_button_sends_its_payload_and_shows_its_title(chat: Chat) -> None:
    chat.open()
    button = chat.replies.first
    title = button.inner_text().strip()
    before = chat.bot_messages.count()
    button.click()
    chat.wait_for_bot(before + 1)
    expect(chat.user_messages.last.locator(".skw-bubble")).to_have_text(title)
    # The payload ("/find_meeting_place") is for the assistant, not for the resident's eyes.
    assert "/" + "find_" not in chat.transcript()
    assert "start_conversation" not in chat.transcript()
    # The old choices disappear once the resident has answered.
    expect(chat.page.get_by_role("button", name=title, exact=True)).to_have_count(0)
    # Focus stays in the composer, ready for the next answer.
    expect(chat.input).to_be_focused()


def test_a_whole_search_works_with_the_keyboard_alone(chat: Chat) -> None:
    page = chat.page
    for _ in range(60):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.classList.contains('skw-launcher')"):
            break
    else:
        pytest.fail("the chat launcher cannot be reached with Tab")
    expect(chat.launcher).to_have_attribute("aria-expanded", "false")
    page.keyboard.press("Enter")
    expect(chat.panel).to_be_visible()
    expect(chat.input).to_be_focused()
    chat.wait_for_bot(1)
    page.keyboard.type("Ik zoek een koffieochtend in Assen")
    page.keyboard.press("Enter")
    chat.wait_for_bot(2)
    if chat.cards.count() == 0:
        page.keyboard.type("Assen")
        page.keyboard.press("Enter")
    expect(chat.cards.first).to_be_visible()
    page.wait_for_timeout(500)
    # Back from the composer to the answer choices under the results, then choose one.
    for _ in range(10):
        page.keyboard.press("Shift+Tab")
        if page.evaluate("document.activeElement.classList.contains('skw-reply')"):
            break
    else:
        pytest.fail("no quick-reply button reachable with Shift+Tab from the composer")
    title = page.evaluate("document.activeElement.textContent")
    before = chat.bot_messages.count()
    page.keyboard.press("Enter")
    chat.wait_for_bot(before + 1)
    expect(chat.user_messages.last.locator(".skw-bubble")).to_have_text(title)
    screenshot(page, "widget-keyboard")
    page.keyboard.press("Escape")
    expect(chat.panel).to_be_hidden()
    expect(chat.launcher).to_be_focused()
    expect(chat.launcher).to_have_attribute("aria-expanded", "false")


def test_the_conversation_survives_a_reload_and_another_page(chat: Chat, web_url: str) -> None:
    page = chat.page
    chat.open()
    chat.search("Ik zoek een koffieochtend in Assen")
    session = page.evaluate("JSON.parse(sessionStorage.getItem('skw:conversation')).sessionId")
    cards = chat.cards.count()
    transcript = chat.transcript()
    page.reload()
    # Still open after the reload, with the same conversation.
    expect(chat.panel).to_be_visible()
    expect(chat.cards).to_have_count(cards)
    assert chat.transcript() == transcript
    screenshot(page, "widget-after-reload")
    page.goto(web_url + "/zorg-en-ondersteuning")
    expect(chat.cards).to_have_count(cards)
    assert page.evaluate("JSON.parse(sessionStorage.getItem('skw:conversation')).sessionId") == session
    # The assistant still knows the conversation: it answers in the same session.
    before = chat.bot_messages.count()
    chat.say("Dank u wel")
    assert chat.bot_messages.count() > before
    assert page.evaluate("JSON.parse(sessionStorage.getItem('skw:conversation')).sessionId") == session


def test_new_conversation_clears_the_transcript_and_starts_a_new_session(chat: Chat) -> None:
    page = chat.page
    chat.open()
    chat.say("Ik zoek vrijwilligerswerk")
    old = page.evaluate("JSON.parse(sessionStorage.getItem('skw:conversation')).sessionId")
    page.get_by_role("button", name="Nieuw gesprek").click()
    expect(chat.user_messages).to_have_count(0)
    chat.wait_for_bot(1)
    assert page.evaluate("JSON.parse(sessionStorage.getItem('skw:conversation')).sessionId") != old
    expect(page.get_by_role("status").filter(has_text="nieuw gesprek")).to_be_visible()


def test_html_typed_by_a_resident_is_shown_as_text(chat: Chat, watch: PageWatch) -> None:
    chat.open()
    chat.say(XSS)
    expect(chat.user_messages.last.locator(".skw-bubble")).to_have_text(XSS)
    assert chat.page.locator(".skw-root img").count() == 0
    chat.page.wait_for_timeout(500)
    assert watch.dialogs == []
    screenshot(chat.page, "widget-xss-as-text")


def test_the_widget_is_usable_on_a_320_pixel_wide_screen(page: Page, web_url: str) -> None:
    page.set_viewport_size({"width": 320, "height": 640})
    page.goto(web_url + "/")
    chat = Chat(page)
    chat.open()
    chat.search("Ik zoek een koffieochtend in Assen")
    box = chat.panel.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 320
    # Nothing sticks out sideways: no horizontal scrolling inside the conversation.
    assert page.evaluate(
        "(() => { const l = document.querySelector('.skw-log'); return l.scrollWidth <= l.clientWidth; })()"
    )
    for control in (
        chat.input,
        page.get_by_role("button", name="Verstuur"),
        page.get_by_role("button", name="Chat sluiten"),
    ):
        control_box = control.bounding_box()
        assert control_box is not None and control_box["x"] + control_box["width"] <= 320
    screenshot(page, "widget-320px")


def test_widget_settings_come_from_the_script_tag(chat: Chat) -> None:
    page = chat.page
    expect(page.locator(".skw-root")).to_have_attribute("lang", "nl")
    expect(page.locator(".skw-root")).to_have_class(re.compile("skw-root--right"))
    expect(chat.panel).to_be_hidden()
    screenshot(page, "widget-closed")
    # The privacy page is not in data-pages, so the widget stays away there.
    page.goto(page.url.rstrip("/") + "/privacy")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    page.wait_for_timeout(500)
    assert page.locator(".skw-root").count() == 0


def test_a_dropped_connection_reconnects_and_sends_what_was_typed_meanwhile(chat: Chat) -> None:
    page = chat.page
    chat.open()
    # Like a resident on a train: the network goes away, the open WebSocket drops.
    page.context.set_offline(True)
    expect(page.get_by_role("status").filter(has_text="geen verbinding")).to_be_visible(timeout=10_000)
    before = chat.bot_messages.count()
    chat.input.fill("Ik zoek een koffieochtend in Assen")
    chat.input.press("Enter")
    expect(chat.user_messages.last.locator(".skw-pending")).to_be_visible()
    screenshot(page, "widget-offline")
    page.wait_for_timeout(1000)
    assert chat.bot_messages.count() == before
    page.context.set_offline(False)
    # socket.io retries by itself (at most 5 s apart); the queued message then goes out.
    expect(chat.user_messages.last.locator(".skw-pending")).to_be_hidden(timeout=20_000)
    chat.wait_for_bot(before + 1)
    assert chat.user_messages.count() == 1
