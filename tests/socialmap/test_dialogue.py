"""socialmap.dialogue: the conversation-repair tables, checked against domain.yml."""

from __future__ import annotations

from pathlib import Path
from typing import Any

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


# --- a card question the NLU took for a FAQ ------------------------------------------------


def faq_sub_intents_in_nlu_data() -> set[str]:
    """Return the keys of every faq/<key> sub-intent in the NLU training data."""
    keys: set[str] = set()
    for path in sorted((ROOT / "data" / "nlu").glob("*.yml")):
        for block in yaml.safe_load(path.read_text(encoding="utf-8")).get("nlu") or []:
            name = str(block.get("intent") or "")
            if name.startswith("faq/"):
                keys.add(name.removeprefix("faq/"))
    return keys


def test_every_faq_sub_intent_is_either_about_a_card_or_general() -> None:
    # A renamed or new FAQ must be placed on one side, or this fails: nothing changes silently.
    in_data = faq_sub_intents_in_nlu_data()
    in_domain = {name.removeprefix("utter_faq/") for name in DOMAIN["responses"] if name.startswith("utter_faq/")}
    assert in_data and in_data == in_domain
    assert not dialogue.CARD_FAQ & dialogue.GENERAL_FAQ
    assert dialogue.CARD_FAQ | dialogue.GENERAL_FAQ == in_data


def test_cost_is_a_card_question_and_the_assistant_and_topics_are_not() -> None:
    assert "kosten" in dialogue.CARD_FAQ
    assert {"respijtzorg", "privacy", "wat_kan_je", "anoniem"} <= dialogue.GENERAL_FAQ


def parse(intent: str, faq: str | None = None) -> dict[str, Any]:
    """Return parse data as Rasa gives it; a FAQ carries the response selector's choice."""
    data: dict[str, Any] = {"intent": {"name": intent, "confidence": 0.79}, "entities": []}
    if faq:
        data["response_selector"] = {
            "all_retrieval_intents": ["faq"],
            "faq": {"response": {"intent_response_key": f"faq/{faq}", "utter_action": f"utter_faq/{faq}"}},
        }
    return data


def user(intent: str, faq: str | None = None) -> dict[str, Any]:
    return {"event": "user", "text": "...", "parse_data": parse(intent, faq)}


def action(name: str) -> dict[str, Any]:
    return {"event": "action", "name": name}


def slot(name: str, value: Any) -> dict[str, Any]:
    return {"event": "slot", "name": name, "value": value}


LISTEN = action("action_listen")
CARDS_SHOWN = [
    LISTEN,
    user("find_meeting_place"),
    action("action_search_services"),
    {"event": "bot", "text": "Koffie-ochtend", "data": {"custom": {"type": "result_card"}}},
    slot("shown_services", ["s1", "s2", "s3"]),
    LISTEN,
]
COST_FAQ = user("faq", "kosten")


def test_faq_key_reads_the_response_selector() -> None:
    assert dialogue.faq_key(parse("faq", "kosten")) == "kosten"
    only_action = {"response_selector": {"faq": {"response": {"utter_action": "utter_faq/privacy"}}}}
    assert dialogue.faq_key(only_action) == "privacy"
    assert dialogue.faq_key(parse("faq")) is None


def test_cards_just_shown_are_in_view() -> None:
    assert dialogue.cards_in_view([*CARDS_SHOWN, COST_FAQ])


@pytest.mark.parametrize(
    "between",
    [
        [user("ask_about_result"), action("action_answer_about_result")],
        [user("thanks"), action("utter_thanks")],
        [user("deny"), action("utter_anything_else")],
        [user("faq", "kosten"), action("action_answer_about_result")],
        [user("show_more"), action("action_search_services")],
    ],
)
def test_follow_ups_keep_the_cards_in_view(between: list[dict[str, Any]]) -> None:
    assert dialogue.cards_in_view([*CARDS_SHOWN, *between, LISTEN, COST_FAQ])


@pytest.mark.parametrize(
    "between",
    [
        [user("find_volunteer_work"), action("location_form")],  # a new search that found nothing
        [user("faq", "respijtzorg"), action("utter_faq")],
        [user("goodbye"), action("utter_goodbye")],
        [user("change_area"), action("action_forget_location"), slot("shown_services", None)],
    ],
)
def test_a_new_topic_puts_the_cards_out_of_view(between: list[dict[str, Any]]) -> None:
    assert not dialogue.cards_in_view([*CARDS_SHOWN, *between, LISTEN, COST_FAQ])


def test_no_cards_or_cards_of_an_earlier_session_are_not_in_view() -> None:
    assert not dialogue.cards_in_view([LISTEN, COST_FAQ])
    assert not dialogue.cards_in_view([])
    carried_over = [
        *CARDS_SHOWN,
        action("action_session_start"),
        {"event": "session_started"},
        slot("shown_services", ["s1", "s2", "s3"]),
        LISTEN,
        COST_FAQ,
    ]
    assert not dialogue.cards_in_view(carried_over)


def test_only_a_card_faq_with_cards_in_view_is_answered_about_the_card() -> None:
    events = [*CARDS_SHOWN, COST_FAQ]
    assert dialogue.answers_about_card(parse("faq", "kosten"), events)
    assert not dialogue.answers_about_card(parse("faq", "respijtzorg"), events)
    assert not dialogue.answers_about_card(parse("faq", "privacy"), events)
    assert not dialogue.answers_about_card(parse("faq", "kosten"), [LISTEN, COST_FAQ])
    assert not dialogue.answers_about_card(parse("ask_about_result"), events)  # the rules answer that one


# --- "ja" or "nee" to an open question of a form --------------------------------------------


@pytest.mark.parametrize("intent", ["affirm", "deny"])
@pytest.mark.parametrize("form", ["location_form", "callback_form"])
def test_yes_or_no_to_a_forms_open_question_asks_it_again(intent: str, form: str) -> None:
    asks = sorted(r for r in DOMAIN["responses"] if dialogue.is_open_question(r))
    assert "utter_ask_location" in asks
    for question in asks:
        assert dialogue.answer_to_yes_no(intent, question, form) == form


def test_an_open_question_without_a_form_gets_the_ordinary_answer() -> None:
    assert dialogue.answer_to_yes_no("affirm", "utter_ask_location", None) == "utter_how_can_i_help"


def test_a_real_yes_no_question_keeps_its_answer_inside_a_form() -> None:
    # "Wilt u een medewerker spreken?" is a yes/no question, even while a form is active.
    assert not dialogue.is_open_question("utter_ask_handoff_consent")
    assert dialogue.answer_to_yes_no("affirm", "utter_ask_handoff_consent", "location_form") == "action_request_handoff"


def test_the_municipality_is_in_focus_only_right_after_its_answer() -> None:
    def user(text: str) -> dict:
        return {"event": "user", "text": text, "parse_data": {"intent": {"name": "x"}}}

    info = {"event": "action", "name": "action_municipality_info"}
    listen = {"event": "action", "name": "action_listen"}
    assert dialogue.municipality_in_focus([user("open?"), info, listen, user("nummer?")])
    assert not dialogue.municipality_in_focus([user("open?"), info, listen, user("ok"), listen, user("nummer?")])
    assert not dialogue.municipality_in_focus([user("open?"), info, {"event": "session_started"}, user("nummer?")])
    assert not dialogue.municipality_in_focus([user("nummer?")])
