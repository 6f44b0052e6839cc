"""axe-core in headless chromium: zero WCAG 2.1 A/AA violations with the widget closed, open and showing results."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import Chat, axe_violations, describe, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.e2e]


def test_no_violations_with_the_widget_closed(chat: Chat) -> None:
    violations = axe_violations(chat.page)
    assert violations == [], describe(violations)


def test_no_violations_with_the_widget_open(chat: Chat) -> None:
    chat.open()
    screenshot(chat.page, "widget-open")
    violations = axe_violations(chat.page)
    assert violations == [], describe(violations)


def test_no_violations_with_results_shown(chat: Chat) -> None:
    chat.open()
    chat.search("Ik zoek een koffieochtend in Assen")
    violations = axe_violations(chat.page)
    assert violations == [], describe(violations)


def test_zoomed_to_200_percent_the_panel_fits_and_has_no_violations(page: Page, web_url: str) -> None:
    # A 1280 x 860 window zoomed to 200% lays out like a 640 x 430 viewport.
    page.set_viewport_size({"width": 640, "height": 430})
    page.goto(web_url + "/")
    chat = Chat(page)
    chat.open()
    box = chat.panel.bounding_box()
    assert box is not None
    assert box["x"] >= 0 and box["y"] >= 0
    assert box["x"] + box["width"] <= 640 and box["y"] + box["height"] <= 430
    expect(chat.input).to_be_in_viewport()
    screenshot(page, "widget-zoom-200")
    violations = axe_violations(page)
    assert violations == [], describe(violations)


def test_reduced_motion_turns_off_animation(page: Page, web_url: str) -> None:
    page.emulate_media(reduced_motion="reduce")
    page.goto(web_url + "/")
    chat = Chat(page)
    chat.open()
    expect(chat.panel).to_be_visible()
    assert page.evaluate("getComputedStyle(document.querySelector('.skw-panel')).animationName") == "none"
    assert (
        page.evaluate("getComputedStyle(document.querySelector('.skw-typing-dots span')).animationName")
        == "none"
    )
