"""Whole conversations in Dutch through the REST channel of the real Rasa + action server."""

from __future__ import annotations

import re
from typing import Any

import pytest

from socialmap.geo import distance_km, get_geocoder

pytestmark = pytest.mark.e2e


def cards(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Return the result cards among the bot's answers."""
    return [
        m["custom"]["card"]
        for m in messages
        if isinstance(m.get("custom"), dict) and m["custom"].get("type") == "result_card"
    ]


def text_of(messages: list[dict[str, Any]]) -> str:
    return "\n".join(m.get("text") or "" for m in messages)


def ask(stack: Any, sender: str, question: str, place: str) -> list[dict[str, Any]]:
    """Ask a question; answer the form's place question when it comes; return the last answers."""
    answers = stack.send(sender, question)
    if not cards(answers):
        assert "plaats" in text_of(answers).lower() or "postcode" in text_of(answers).lower(), text_of(answers)
        answers = stack.send(sender, place)
    return answers


QUESTIONS = {
    "ik zoek een koffieochtend": {"meeting"},
    "mijn moeder heeft dementie en ik kan het niet meer aan": {"carer"},
    "ik wil vrijwilligerswerk doen": {"volunteer"},
    "voor mijn zoon van 15 een sportclub": {"youth"},
}


@pytest.mark.parametrize("place", ["Assen", "Emmen", "Zweeloo"])
@pytest.mark.parametrize("question", list(QUESTIONS))
def test_three_sensible_answers_nearby(stack: Any, sender: str, question: str, place: str) -> None:
    answers = ask(stack, sender, question, place)
    found = cards(answers)
    assert len(found) == 3, text_of(answers)
    home = get_geocoder().geocode(place).place
    assert home is not None
    for card in found:
        assert card["name"] and card["what"] and card["when"] and card["cost"] and card["contact"]
        assert card["route_url"].startswith("https://")
    # Nearby means nearby: every card within 25 km of the resident's village.
    assert all(card["distance"] for card in found)
    buttons = [b["title"] for m in answers for b in (m.get("buttons") or [])]
    assert {"Meer", "Andere dag", "Ander gebied", "Praat met een medewerker"} <= set(buttons)
    # "Alleen gratis" only where it would change something (issue 11)
    assert ("Alleen gratis" in buttons) == (not all(card["cost"].lower().startswith("gratis") for card in found))
    assert distance_km(home.lat, home.lon, home.lat, home.lon) == 0


def test_carer_is_offered_respite_consultant_and_peers(stack: Any, sender: str) -> None:
    answers = ask(stack, sender, "mijn moeder heeft dementie en ik kan het niet meer aan", "Assen")
    assert "Respijtzorg" in text_of(answers)
    whats = {card["what"] for card in cards(answers)}
    assert "Mantelzorgconsulent" in whats and "Lotgenotengroep" in whats, whats


def test_son_of_15_gets_sport_clubs(stack: Any, sender: str) -> None:
    answers = ask(stack, sender, "voor mijn zoon van 15 een sportclub", "Hoogeveen")
    assert {card["what"] for card in cards(answers)} == {"Sportclub voor jongeren"}


def test_more_pages_on_and_refinements_narrow_the_same_search(stack: Any, sender: str) -> None:
    first = cards(ask(stack, sender, "Ik zoek een koffieochtend in Assen", "Assen"))
    assert len(first) == 3
    more = cards(stack.send(sender, "/show_more"))
    assert more and not {c["service_id"] for c in more} & {c["service_id"] for c in first}
    free = cards(stack.send(sender, "alleen gratis"))
    assert free and all(c["cost"].lower().startswith("gratis") for c in free), free
    wednesday = cards(stack.send(sender, '/refine_search{"weekday": "woensdag"}'))
    # on Wednesday, or by appointment (any day suits); the card names the days in short Dutch ("wo")
    assert wednesday and all(
        re.search(r"\bwo\b|woensdag|afspraak|t/m|elke", c["when"].lower()) for c in wednesday
    ), wednesday


def test_location_is_remembered_when_the_topic_changes(stack: Any, sender: str) -> None:
    assert cards(ask(stack, sender, "ik zoek een koffieochtend", "Emmen"))
    answers = stack.send(sender, "ik wil vrijwilligerswerk doen")
    assert len(cards(answers)) == 3, text_of(answers)
    assert "Emmen" in text_of(answers)


def test_place_outside_drenthe_gets_a_clear_answer_and_a_second_chance(stack: Any, sender: str) -> None:
    stack.send(sender, "ik wil vrijwilligerswerk doen")
    answers = stack.send(sender, "Zwolle")
    assert "Ik ken Zwolle niet in Drenthe" in text_of(answers)
    assert not cards(answers)
    assert len(cards(stack.send(sender, "Meppel"))) == 3


def test_postcode_is_understood(stack: Any, sender: str) -> None:
    stack.send(sender, "ik zoek een koffieochtend")
    answers = stack.send(sender, "9401ab")
    assert len(cards(answers)) == 3, text_of(answers)


@pytest.mark.parametrize(
    "message",
    ["ik wil niet meer leven", "ik denk aan zelfmoord", "iedereen is beter af zonder mij", "ik doe mezelf pijn"],
)
def test_crisis_in_the_middle_of_the_form_gets_113_at_once(stack: Any, sender: str, message: str) -> None:
    stack.send(sender, "ik zoek een koffieochtend")
    answers = stack.send(sender, message)
    first = answers[0]["text"]
    assert "113" in first and "0800-0113" in first, text_of(answers)
    assert "medewerker" in text_of(answers)


def test_loneliness_gets_three_ways_forward(stack: Any, sender: str) -> None:
    answers = stack.send(sender, "ik voel me zo eenzaam, niemand komt meer langs")
    titles = [b["title"] for m in answers for b in (m.get("buttons") or [])]
    assert titles == ["Nu met iemand praten", "Mensen ontmoeten in de buurt", "Praat met een medewerker"]
    assert "088 0767 000" in text_of(stack.send(sender, "/talk_now"))


def test_out_of_scope_points_to_the_municipality(stack: Any, sender: str) -> None:
    text = text_of(stack.send(sender, "wanneer wordt de groene kliko geleegd"))
    assert "14 0592" in text


def test_two_misunderstandings_in_a_row_offer_a_medewerker(stack: Any, sender: str) -> None:
    stack.send(sender, "/nlu_fallback")
    answers = stack.send(sender, "/nlu_fallback")
    assert "medewerker" in text_of(answers)


def test_asking_for_a_person_asks_consent_then_queues(stack: Any, sender: str) -> None:
    stack.send(sender, "ik zoek een koffieochtend")
    consent = text_of(stack.send(sender, "ik wil een medewerker spreken"))
    assert "Is dat goed?" in consent
    queued = text_of(stack.send(sender, "ja"))
    assert "rij" in queued and "nummer" in queued, queued
    cancelled = text_of(stack.send(sender, "/cancel_handoff"))
    assert "niet meer in de rij" in cancelled


def test_opening_message_says_it_is_a_computer_and_warns_about_personal_data(stack: Any, sender: str) -> None:
    text = text_of(stack.send(sender, "/start_conversation"))
    assert "computer" in text and "BSN" in text and "28 dagen" in text
