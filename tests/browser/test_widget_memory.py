"""Issue 12, item 8: the widget never leaves a resident's messages for the next person at a shared computer.

Real headless Chromium against the real assistant (the session stack of tests/conftest.py).
"""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Chat

pytestmark = pytest.mark.browser
KEY = "skw:conversation"
SECRET_TEXT = "Ik zoek vrijwilligerswerk bij de voedselbank"


def test_the_history_is_never_in_local_storage_and_a_new_tab_shows_nothing(chat: Chat, web_url: str) -> None:
    page = chat.page
    chat.open()
    chat.say(SECRET_TEXT)
    assert page.evaluate(f"localStorage.getItem('{KEY}')") is None
    assert SECRET_TEXT in page.evaluate(f"sessionStorage.getItem('{KEY}')")
    other = page.context.new_page()  # the next person opens the site in another tab
    other.goto(web_url + "/")
    other_chat = Chat(other)
    other_chat.open()
    expect(other_chat.user_messages).to_have_count(0)
    assert SECRET_TEXT not in (other.evaluate(f"sessionStorage.getItem('{KEY}')") or "")
    other.close()


def test_closing_the_widget_wipes_the_history(chat: Chat) -> None:
    page = chat.page
    chat.open()
    chat.say(SECRET_TEXT)
    page.get_by_role("button", name="Chat sluiten").click()
    stored = page.evaluate(f"sessionStorage.getItem('{KEY}')")
    assert stored is None or SECRET_TEXT not in stored
    page.reload()
    chat.open()
    expect(chat.user_messages).to_have_count(0)


def test_new_conversation_wipes_the_stored_history(chat: Chat) -> None:
    page = chat.page
    chat.open()
    chat.say(SECRET_TEXT)
    page.get_by_role("button", name="Nieuw gesprek").click()
    assert SECRET_TEXT not in (page.evaluate(f"sessionStorage.getItem('{KEY}')") or "")


def test_a_history_left_in_local_storage_by_an_older_widget_is_removed(chat: Chat, web_url: str) -> None:
    page = chat.page
    old = {"sessionId": "0f" * 16, "started": True, "entries": [{"id": "x", "kind": "user", "text": SECRET_TEXT}]}
    page.evaluate(f"localStorage.setItem('{KEY}', {json.dumps(json.dumps(old))})")
    page.reload()
    assert page.evaluate(f"localStorage.getItem('{KEY}')") is None
    chat.open()
    expect(chat.user_messages).to_have_count(0)
