"""Faults against the real processes: the resident always gets a Dutch answer, and it recovers.

These tests stop and start processes of the shared stack; each puts back what it broke.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.test_conversations import cards, text_of

pytestmark = pytest.mark.e2e


def test_action_server_down_gives_a_dutch_apology_within_5_seconds(stack: Any, sender: str) -> None:
    stack.stack.stop("actions")
    try:
        started = time.monotonic()
        answers = stack.send(sender, "Ik zoek een koffieochtend in Assen")
        elapsed = time.monotonic() - started
        text = text_of(answers)
        assert elapsed < 5, f"took {elapsed:.1f}s"
        assert "Sorry" in text and "14 0592" in text and "medewerker" in text, text
        assert "Traceback" not in text and "error" not in text.lower()
    finally:
        stack.stack.start("actions")
        stack.stack.wait_ready(("actions",), timeout=60)
    assert len(cards(stack.send(sender, "Ik zoek een koffieochtend in Assen"))) == 3


def test_rasa_restart_mid_conversation_continues_where_it_was(stack: Any, sender: str) -> None:
    asked = text_of(stack.send(sender, "ik wil vrijwilligerswerk doen"))
    assert "plaats" in asked.lower()
    stack.stack.stop("rasa")
    stack.stack.start("rasa")
    stack.stack.wait_ready(("rasa",), timeout=300)
    # The form was waiting for a place: the answer is understood as one.
    answers = stack.send(sender, "Zweeloo")
    assert len(cards(answers)) == 3, text_of(answers)


def test_missing_database_gives_a_clear_message_and_recovers(stack: Any, sender: str) -> None:
    db = Path(stack.db_url.removeprefix("sqlite:///"))
    aside = db.with_suffix(".aside")
    stack.send(sender, "ik zoek een koffieochtend")
    db.rename(aside)
    try:
        answers = stack.send(sender, "Assen")
        text = text_of(answers)
        assert "lukt nu even niet" in text and "14 0592" in text, text
        assert not cards(answers)
        log = (stack.stack.config.log_dir / "actions.log").read_text(errors="replace")
        assert "social-map search failed" in log
    finally:
        aside.rename(db)
    answers = stack.send(sender, "ik zoek een koffieochtend")
    assert len(cards(answers)) == 3, text_of(answers)


def test_http_api_refuses_requests_without_token(stack: Any, sender: str) -> None:
    import requests

    assert requests.get(f"{stack.rasa_url}/status", timeout=5).status_code in (401, 403)
    assert requests.get(f"{stack.rasa_url}/conversations/{sender}/tracker", timeout=5).status_code in (401, 403)
    assert requests.get(f"{stack.rasa_url}/status", params={"token": stack.token}, timeout=5).ok


def test_tracker_store_holds_redacted_text_only(stack: Any, sender: str) -> None:
    stack.send(sender, "mijn bsn is 111222333 en mijn nummer 06-12345678, ik zoek een koffieochtend")
    events = stack.tracker(sender)["events"]
    texts = " ".join(e.get("text") or "" for e in events if e.get("event") == "user")
    assert "111222333" not in texts and "12345678" not in texts
    assert "[BSN]" in texts and "[TELEFOON]" in texts
