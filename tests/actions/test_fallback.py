"""The contextual fallbacks: yes/no in context, any intent in any state, unsure -> likely topics."""

from __future__ import annotations

from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.fallback import (
    ActionDefaultFallback,
    ActionHandleFallback,
    ActionLocationDenied,
    last_bot_response,
)
from tests.actions.helpers import make_tracker, user_event

DOMAIN: dict[str, Any] = {
    "actions": [
        "action_request_handoff",
        "action_search_services",
        "action_municipality_info",
        "action_cancel_handoff",
        "action_forget_location",
        "action_offer_after_crisis",
    ],
    "forms": {"location_form": {}, "callback_form": {}},
    "responses": {
        name: []
        for name in (
            "utter_goodbye",
            "utter_ask_what_to_find",
            "utter_anything_else",
            "utter_how_can_i_help",
            "utter_ok_how_can_i_help",
            "utter_results_what_next",
            "utter_ask_handoff_consent",
            "utter_handoff_declined",
            "utter_after_crisis_no",
            "utter_ok_try_again",
            "utter_greet",
            "utter_thanks",
            "utter_iamabot",
            "utter_unsure",
            "utter_offer_handoff_unsure",
            "utter_distress",
            "utter_loneliness",
            "utter_why_we_ask",
        )
    },
}


def bot(name: str, **extra: Any) -> dict[str, Any]:
    return {"event": "bot", "text": name, "metadata": {"utter_action": name, **extra}}


def action(name: str) -> dict[str, Any]:
    return {"event": "action", "name": name}


async def run(action_cls: type, tracker: Tracker) -> tuple[list[str], list[dict[str, Any]]]:
    dispatcher = CollectingDispatcher()
    events = await action_cls().run(dispatcher, tracker, DOMAIN)
    return [m.get("response") for m in dispatcher.messages], events


@pytest.mark.parametrize(
    ("question", "intent", "answer"),
    [
        ("utter_thanks", "deny", "utter_goodbye"),
        ("utter_thanks", "affirm", "utter_ask_what_to_find"),
        ("utter_anything_else", "deny", "utter_goodbye"),
        ("utter_results_actions", "deny", "utter_anything_else"),
        ("utter_results_actions", "affirm", "utter_results_what_next"),
        ("utter_offer_handoff_crisis", "deny", "utter_after_crisis_no"),
        ("utter_offer_handoff_crisis", "affirm", "utter_ask_handoff_consent"),
        ("utter_offer_handoff_fallback", "deny", "utter_ok_try_again"),
        ("utter_iamabot", "affirm", "utter_ask_handoff_consent"),
        (None, "affirm", "utter_how_can_i_help"),
        (None, "deny", "utter_ok_how_can_i_help"),
        ("utter_greet", "deny", "utter_ok_how_can_i_help"),
    ],
)
async def test_yes_and_no_answer_the_last_question(question: str | None, intent: str, answer: str) -> None:
    earlier = [user_event("dank je", "thanks"), bot(question)] if question else []
    responses, events = await run(ActionDefaultFallback, make_tracker(events=earlier, intent=intent, text="x"))
    assert responses == [answer]
    assert not any(e.get("event") == "followup" for e in events)


@pytest.mark.parametrize(
    ("question", "runs"),
    [("utter_ask_handoff_consent", "action_request_handoff"), ("utter_helpdesk_closed", "callback_form")],
)
async def test_yes_to_an_offer_runs_what_was_offered(question: str, runs: str) -> None:
    earlier = [user_event("mens", "request_human"), bot(question)]
    responses, events = await run(ActionDefaultFallback, make_tracker(events=earlier, intent="affirm"))
    assert responses == []
    assert {"event": "followup", "name": runs} in [{k: e.get(k) for k in ("event", "name")} for e in events]


async def test_yes_to_a_suggested_place_fills_the_place_and_goes_on() -> None:
    earlier = [
        user_event("Zwlo", "inform"),
        bot("utter_location_suggestion", suggestion="Zweeloo"),
        bot("utter_ask_location"),  # the form asks again in the same answer
    ]
    _, events = await run(ActionDefaultFallback, make_tracker(events=earlier, intent="affirm", text="ja"))
    assert {"event": "slot", "name": "location", "value": "Zweeloo"} in [
        {k: e.get(k) for k in ("event", "name", "value")} for e in events
    ]
    assert events[-1]["event"] == "followup" and events[-1]["name"] == "location_form"


async def test_no_to_a_suggested_place_asks_for_the_place_again_and_keeps_the_form() -> None:
    earlier = [
        user_event("Nitp", "inform"),
        bot("utter_location_suggestion", suggestion="Nietap"),
        bot("utter_ask_location"),  # the form asks again in the same answer
    ]
    tracker = make_tracker(events=earlier, intent="deny", text="nee")
    tracker.active_loop = {"name": "location_form"}
    responses, events = await run(ActionLocationDenied, tracker)
    assert responses == ["utter_location_other_place"]
    assert events == []


@pytest.mark.parametrize("question", ["utter_location_other_place", "utter_ask_location", None])
async def test_no_to_the_question_where_stops_the_search(question: str | None) -> None:
    earlier = [user_event("ik zoek een koffieochtend", "find_meeting_place"), bot(question)] if question else []
    tracker = make_tracker(events=earlier, intent="deny", text="nee")
    tracker.active_loop = {"name": "location_form"}
    responses, events = await run(ActionLocationDenied, tracker)
    assert responses == ["utter_anything_else"]
    assert [(e["event"], e.get("name")) for e in events][0] == ("active_loop", None)


@pytest.mark.parametrize(
    ("intent", "answer"),
    [
        ("greet", "utter_greet"),
        ("bot_challenge", "utter_iamabot"),
        ("express_distress", "utter_distress"),
        ("express_loneliness", "utter_loneliness"),
        ("ask_why", "utter_why_we_ask"),
    ],
)
async def test_an_intent_without_a_rule_here_still_gets_its_own_answer(intent: str, answer: str) -> None:
    responses, _ = await run(ActionDefaultFallback, make_tracker(intent=intent))
    assert responses == [answer]


async def test_a_search_intent_without_a_rule_here_starts_the_search_and_leaves_the_other_form() -> None:
    tracker = make_tracker(intent="find_meeting_place", text="ik zoek een koffieochtend")
    tracker.active_loop = {"name": "callback_form"}
    responses, events = await run(ActionDefaultFallback, tracker)
    assert responses == []
    kinds = [(e["event"], e.get("name")) for e in events]
    assert ("active_loop", None) in kinds and kinds[-1] == ("followup", "location_form")


async def test_crisis_without_a_rule_here_gets_the_offer_after_113() -> None:
    responses, events = await run(ActionDefaultFallback, make_tracker(intent="crisis"))
    assert responses == []
    assert [(e["event"], e["name"]) for e in events] == [("followup", "action_offer_after_crisis")]


async def test_a_fallback_runs_once_per_turn() -> None:
    # The follow-up it asked for has run; Rasa predicts the fallback again: it stays silent.
    earlier = [user_event("ja", "affirm"), action("action_default_fallback"), action("action_request_handoff")]
    tracker = make_tracker(intent="affirm")
    tracker.events = earlier  # the current message is the "ja" above
    responses, events = await run(ActionDefaultFallback, tracker)
    assert responses == [] and events == []


async def test_unsure_offers_the_likely_topics_as_buttons() -> None:
    tracker = make_tracker(intent="nlu_fallback", text="mn vader zit alleen")
    tracker.latest_message["intent_ranking"] = [
        {"name": "nlu_fallback", "confidence": 0.5},
        {"name": "express_loneliness", "confidence": 0.3},
        {"name": "find_meeting_place", "confidence": 0.2},
        {"name": "greet", "confidence": 0.1},
    ]
    dispatcher = CollectingDispatcher()
    await ActionHandleFallback().run(dispatcher, tracker, DOMAIN)
    [message] = dispatcher.messages
    assert message["response"] == "utter_unsure"
    payloads = [b["payload"] for b in message["buttons"]]
    assert payloads[:2] == ["/express_loneliness", "/find_meeting_place"] and len(payloads) == 3


async def test_second_misunderstanding_in_a_row_offers_a_medewerker_and_the_phone_number() -> None:
    earlier = [user_event("qq", "nlu_fallback"), action("action_handle_fallback"), bot("utter_unsure")]
    responses, _ = await run(ActionHandleFallback, make_tracker(events=earlier, intent="nlu_fallback"))
    assert responses == ["utter_offer_handoff_unsure"]


async def test_an_understood_message_in_between_starts_the_count_again() -> None:
    earlier = [
        user_event("zxcv", "nlu_fallback"),
        action("action_handle_fallback"),
        bot("utter_unsure"),
        user_event("ik zoek een koffieochtend", "find_meeting_place"),
        action("location_form"),
    ]
    responses, _ = await run(ActionHandleFallback, make_tracker(events=earlier, intent="nlu_fallback"))
    assert responses == ["utter_unsure"]


def test_last_bot_response_is_the_one_before_the_current_message() -> None:
    events = [user_event("a", "greet"), bot("utter_greet"), user_event("b", "thanks"), bot("utter_thanks")]
    assert last_bot_response(events + [user_event("nee", "deny")]) == "utter_thanks"
    assert last_bot_response([user_event("nee", "deny")]) is None


async def test_unsure_words_but_a_known_place_during_a_search_searches_there() -> None:
    tracker = make_tracker({"need": "volunteer"}, intent="nlu_fallback", text="en in Pesse?")
    tracker.latest_message["entities"] = [{"entity": "location", "value": "Pesse", "start": 6, "end": 11}]
    responses, events = await run(ActionHandleFallback, tracker)
    assert responses == []
    assert [(e["event"], e.get("name"), e.get("value")) for e in events] == [
        ("slot", "location", "Pesse"),
        ("followup", "location_form", None),
    ]


async def test_a_place_without_a_search_is_still_unsure() -> None:
    tracker = make_tracker(intent="nlu_fallback", text="en in Pesse?")
    tracker.latest_message["entities"] = [{"entity": "location", "value": "Pesse"}]
    responses, _ = await run(ActionHandleFallback, tracker)
    assert responses == ["utter_unsure"]
