"""The widget's data-municipality in a real browser: the site it names introduces, the resident's place decides who helps."""

from __future__ import annotations

from playwright.sync_api import Page
from playwright.sync_api import expect as pw_expect

from tests.browser.conftest import Chat


def test_the_widget_on_coevordens_site_speaks_for_coevorden(page: Page, web_url: str) -> None:
    page.goto(web_url + "/gemeente/coevorden")
    chat = Chat(page)
    pw_expect(chat.launcher).to_be_visible()
    chat.open()
    assert "digitale assistent van de gemeente Coevorden" in chat.transcript()
    chat.say("wat is het telefoonnummer van de gemeente?")
    assert "14 0524" in chat.last_bot_text() and "U woont in" not in chat.transcript()


def test_a_sleen_resident_on_assens_site_is_sent_to_coevordens_helpdesk(chat: Chat) -> None:
    chat.open()
    assert "digitale assistent van de gemeente Assen" in chat.transcript()
    chat.search("Ik zoek een koffieochtend", place="Sleen")
    chat.say("wat is het telefoonnummer van de gemeente?")
    transcript = chat.transcript()
    assert "U woont in Sleen, gemeente Coevorden. De helpdesk van Coevorden helpt u daarom." in transcript
    assert "Het telefoonnummer van de gemeente Coevorden is 14 0524." in transcript
