"""socialmap.dialogue: the conversation-repair tables, checked against domain.yml."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from socialmap import dialogue

ROOT = Path(__file__).resolve().parents[2]
DOMAIN = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
KNOWN = set(DOMAIN["responses"]) | set(DOMAIN["actions"]) | set(DOMAIN["forms"])


def test_every_answer_in_the_tables_exists_in_the_domain() -> None:
    answers = {a for pair in dialogue._YES_NO.values() for a in pair} | set(dialogue._DEFAULT_YES_NO)
    answers |= {a for a in dialogue._NATURAL.values() if a != "action_answer_about_result"}
    missing = sorted(a for a in answers if a not in KNOWN)
    assert not missing, f"answers not in domain.yml: {missing}"


def test_every_question_in_the_yes_no_table_is_a_response() -> None:
    assert not sorted(q for q in dialogue._YES_NO if q not in DOMAIN["responses"])


def test_every_topic_suggestion_is_an_intent() -> None:
    assert set(dialogue.TOPIC_TITLES) <= set(DOMAIN["intents"])


@pytest.mark.parametrize("intent", ["affirm", "deny"])
@given(last=st.one_of(st.none(), st.text(max_size=30)))
def test_yes_and_no_always_have_an_answer_and_never_sorry(intent: str, last: str | None) -> None:
    answer = dialogue.answer_to_yes_no(intent, last)
    assert answer in KNOWN and answer not in {"utter_default", "utter_unsure"}


def test_yes_after_thanks_offers_topics_and_no_says_goodbye() -> None:
    assert dialogue.answer_to_yes_no("affirm", "utter_thanks") == "utter_ask_what_to_find"
    assert dialogue.answer_to_yes_no("deny", "utter_thanks") == "utter_goodbye"


def test_search_intents_go_to_the_location_form() -> None:
    for intent in dialogue.SEARCH_INTENTS:
        assert dialogue.natural_response(intent, KNOWN) == "location_form"


def test_an_answer_the_domain_lacks_is_no_answer() -> None:
    assert dialogue.natural_response("greet", {"utter_goodbye"}) is None
    assert dialogue.natural_response("no_such_intent", KNOWN) is None


def test_suggestions_take_the_likely_topics_and_pad_with_the_widest_doors() -> None:
    ranking = [{"name": "nlu_fallback", "confidence": 0.6}, {"name": "find_transport", "confidence": 0.2}]
    names = [s.intent for s in dialogue.suggestions(ranking)]
    assert names[0] == "find_transport" and len(names) == 3 and len(set(names)) == 3
    assert [s.intent for s in dialogue.suggestions(None)] == list(dialogue._DEFAULT_TOPICS)


@pytest.mark.parametrize(
    "text", ["Zweeloo", "emmen", "Nieuw-Amsterdam", "9401 AB", "7811", "bij Zweeloo", "in de buurt van Assen", "Ees"]
)
def test_place_names_and_postcodes_look_like_places(text: str) -> None:
    assert dialogue.looks_like_place_answer(text)


@pytest.mark.parametrize(
    "text",
    [
        "ik weet het niet. ik ben gewoon zo moe van alles",
        "Ik wil toch nog even met iemand praten",
        "waarom wilt u dat weten?",
        "/greet",
        "",
        "mijn man is ziek en ik zorg al jaren voor hem en nu kan ik niet meer",
    ],
)
def test_sentences_do_not_look_like_places(text: str) -> None:
    assert not dialogue.looks_like_place_answer(text)


@pytest.mark.parametrize(
    ("text", "topic"),
    [
        ("wat zijn de openingstijden van de gemeente?", "hours"),
        ("wanneer is het gemeentehuis open", "hours"),
        ("wat is het telefoonnummer van de gemeente", "phone"),
        ("waar is het gemeentehuis", "address"),
        ("wat is de website van de gemeente", "website"),
        ("hoe bereik ik de gemeente", "all"),
    ],
)
def test_what_a_question_about_the_municipality_asks(text: str, topic: str) -> None:
    assert dialogue.municipality_topic(text) == topic


def test_the_callback_form_protects_the_search_slots() -> None:
    assert {"need", "audience", "location"} <= dialogue.protected_slots("callback_form")
    assert not dialogue.protected_slots("location_form") and not dialogue.protected_slots(None)
