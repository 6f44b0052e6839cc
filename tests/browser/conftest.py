"""Headless Debian chromium for the widget tests, and a small driver for the chat widget.

The tests run against the real assistant: the session-wide `stack` fixture of
tests/conftest.py. To point them at an assistant that already runs (for example
`make run`), set SOCIALMAP_TEST_WEB_URL=http://127.0.0.1:8080.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Dialog, Page, sync_playwright
from playwright.sync_api import expect as pw_expect

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "results" / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
# The real assistant answers in well under a second; model warm-up and the
# action server's first query can take a few seconds on a 2-core machine.
ANSWER_TIMEOUT_MS = 30_000


@pytest.fixture(scope="session")
def web_url(request: pytest.FixtureRequest) -> str:
    """Return the URL of the demo site with the widget, backed by the real assistant."""
    override = os.environ.get("SOCIALMAP_TEST_WEB_URL")
    if override:
        return override.rstrip("/")
    return str(request.getfixturevalue("stack").web_url).rstrip("/")


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Return Debian's chromium, headless (browsers cannot be downloaded here)."""
    executable = shutil.which("chromium")
    if executable is None:
        raise RuntimeError("chromium is not installed: run `make browser-deps` (apt-get install chromium)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@dataclass
class PageWatch:
    """What the page did that it should not: CSP violations, script errors, dialogs."""

    csp_violations: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    def on_console(self, message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            self.csp_violations.append(message.text)
        # A CORS refusal means the widget cannot reach Rasa: say so instead of timing out vaguely.
        if "CORS policy" in message.text:
            self.errors.append(message.text)

    def on_dialog(self, dialog: Dialog) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()


@pytest.fixture
def watch() -> PageWatch:
    return PageWatch()


@pytest.fixture
def page(browser: Browser, watch: PageWatch) -> Iterator[Page]:
    """Return a fresh page (own storage) that fails the test on CSP violations or script errors."""
    context = browser.new_context(viewport={"width": 1280, "height": 860}, locale="nl-NL")
    context.set_default_timeout(ANSWER_TIMEOUT_MS)
    new_page = context.new_page()
    new_page.on("console", watch.on_console)
    new_page.on("pageerror", lambda error: watch.errors.append(str(error)))
    new_page.on("dialog", watch.on_dialog)
    yield new_page
    context.close()
    assert watch.csp_violations == [], watch.csp_violations
    assert watch.errors == [], watch.errors


def screenshot(page: Page, name: str) -> Path:
    """Save a screenshot under results/screenshots/ for a person to look at; return its path."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path))
    return path


class Chat:
    """Drives the widget the way a resident does, and reads what it shows."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.launcher = page.locator(".skw-launcher")
        self.panel = page.locator(".skw-panel")
        self.log = page.locator(".skw-log")
        self.input = page.get_by_label("Typ uw bericht")
        self.bot_messages = page.locator(".skw-msg--bot, .skw-msg--staff")
        self.user_messages = page.locator(".skw-msg--user")
        self.cards = page.locator(".skw-card")
        self.replies = page.locator(".skw-replies .skw-reply")

    def open(self) -> None:
        """Open the widget with the mouse and wait for the assistant's opening message."""
        self.launcher.click()
        pw_expect(self.panel).to_be_visible()
        self.wait_for_bot(1)

    def wait_for_bot(self, at_least: int) -> None:
        """Wait until at least `at_least` bot messages are shown and the typing indicator is gone."""
        pw_expect(self.bot_messages.nth(at_least - 1)).to_be_visible(timeout=ANSWER_TIMEOUT_MS)
        # Rasa sends a turn as several messages; wait until the turn is complete.
        self.page.wait_for_timeout(700)

    def say(self, text: str) -> None:
        """Type a message, press Enter and wait for the answer."""
        before = self.bot_messages.count()
        self.input.fill(text)
        self.input.press("Enter")
        self.wait_for_bot(before + 1)

    def search(self, question: str, place: str = "Assen") -> None:
        """Ask a question; give the place when the assistant asks for it; wait for result cards."""
        self.say(question)
        if self.cards.count() == 0 and "plaats" in self.last_bot_text().lower():
            self.say(place)
        pw_expect(self.cards.first).to_be_visible(timeout=ANSWER_TIMEOUT_MS)
        self.page.wait_for_timeout(500)

    def last_bot_text(self) -> str:
        return str(self.bot_messages.last.inner_text())

    def transcript(self) -> str:
        return str(self.log.inner_text())


@pytest.fixture
def chat(page: Page, web_url: str) -> Chat:
    """Return the demo home page with the widget loaded (closed)."""
    page.goto(web_url + "/")
    pw_expect(page.locator(".skw-launcher")).to_be_visible()
    return Chat(page)


def axe_violations(page: Page) -> list[dict[str, Any]]:
    """Return axe-core's violations of WCAG 2.1 A and AA on the page as it is now."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(
        page,
        options={"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}},
    )
    return list(results.response["violations"])


def describe(violations: list[dict[str, Any]]) -> str:
    """Return the violations as readable lines for an assertion message."""
    lines = []
    for violation in violations:
        targets = [", ".join(node["target"]) for node in violation["nodes"][:3]]
        lines.append(f"{violation['id']}: {violation['help']} -> {targets}")
    return "\n".join(lines)
