"""Tenants end to end: a resident of Sleen (gemeente Coevorden) chats on Assen's site through the real REST channel."""

from __future__ import annotations

from typing import Any

import pytest
import requests
from sqlalchemy import create_engine

from socialmap import handoff as hq

pytestmark = pytest.mark.e2e


def send(stack: Any, sender: str, text: str, site: str) -> list[dict[str, Any]]:
    """Send one message as the widget on `site`'s website does: with data-municipality as metadata."""
    answer = requests.post(
        f"{stack.rasa_url}/webhooks/rest/webhook",
        json={"sender": sender, "message": text, "metadata": {"municipality": site}},
        timeout=30,
    )
    answer.raise_for_status()
    return list(answer.json())


def text_of(messages: list[dict[str, Any]]) -> str:
    return "\n".join(m.get("text") or "" for m in messages)


def test_a_sleen_resident_on_assens_site_gets_coevordens_helpdesk(stack: Any, sender: str) -> None:
    welcome = text_of(send(stack, sender, "/start_conversation", "Assen"))
    assert "gemeente Assen" in welcome, welcome
    asked = text_of(send(stack, sender, "ik zoek een koffieochtend", "Assen"))
    assert "plaats" in asked.lower() or "postcode" in asked.lower(), asked
    found = send(stack, sender, "Sleen", "Assen")
    assert any(isinstance(m.get("custom"), dict) for m in found), text_of(found)

    phone = text_of(send(stack, sender, "wat is het telefoonnummer van de gemeente?", "Assen"))
    assert "U woont in Sleen, gemeente Coevorden. De helpdesk van Coevorden helpt u daarom." in phone, phone
    assert "14 0524" in phone and "14 0592" not in phone, phone
    tracker = stack.tracker(sender)
    assert tracker["slots"]["site_municipality"] == "Assen"
    assert tracker["slots"]["municipality_name"] == "Coevorden"

    engine = create_engine(stack.db_url, future=True)
    queue = hq.HandoffQueue(engine)
    try:
        offer = send(stack, sender, "ik wil graag met een medewerker praten", "Assen")
        yes = [b["payload"] for m in offer for b in (m.get("buttons") or []) if b["title"].startswith("Ja")]
        queued = text_of(send(stack, sender, yes[0], "Assen")) if yes else text_of(offer)
        assert "U staat in de rij" in queued, text_of(offer) + "\n" + queued
        ticket = queue.active_for(sender)
        assert ticket is not None and ticket.municipality == "Coevorden"
    finally:
        # The stack is shared: leave no one waiting in its queue.
        send(stack, sender, "/cancel_handoff", "Assen")
        engine.dispose()
    assert queue.active_for(sender) is None


def test_an_assen_resident_on_assens_site_is_not_told_where_she_lives(stack: Any, sender: str) -> None:
    send(stack, sender, "ik zoek een koffieochtend", "Assen")
    send(stack, sender, "Assen", "Assen")
    phone = text_of(send(stack, sender, "wat is het telefoonnummer van de gemeente?", "Assen"))
    assert "U woont in" not in phone and "14 0592" in phone, phone


def test_before_the_place_is_known_the_site_the_widget_names_helps(stack: Any, sender: str) -> None:
    phone = text_of(send(stack, sender, "wat is het telefoonnummer van de gemeente?", "Emmen"))
    assert "14 0591" in phone and "gemeente Emmen" in phone, phone
