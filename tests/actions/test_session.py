from __future__ import annotations

from rasa_sdk.executor import CollectingDispatcher

from actions.fallback import ActionDefaultFallback, ActionHandleFallback
from actions.session import ActionSessionStart
from socialmap.settings import Deployment
from tests.actions.helpers import make_tracker, user_event


async def test_session_start_puts_the_municipality_in_slots() -> None:
    dispatcher = CollectingDispatcher()
    deployment = Deployment(municipality="Emmen", contact_phone="14 0591", contact_website="https://www.emmen.nl")
    events = await ActionSessionStart(deployment).run(dispatcher, make_tracker({"location": "Zweeloo"}), {})
    slots = {e["name"]: e["value"] for e in events if e["event"] == "slot"}
    assert events[0]["event"] == "session_started"
    assert events[-1]["event"] == "action" and events[-1]["name"] == "action_listen"
    assert slots["municipality_name"] == "Emmen" and slots["contact_phone"] == "14 0591"
    # What the resident told us before survives the new session.
    assert slots["location"] == "Zweeloo"


async def test_first_misunderstanding_asks_to_rephrase() -> None:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(events=[user_event("hoi", "greet")], intent="nlu_fallback", text="xyz")
    await ActionHandleFallback().run(dispatcher, tracker, {})
    assert [m["response"] for m in dispatcher.messages] == ["utter_default"]


async def test_second_misunderstanding_in_a_row_offers_a_medewerker() -> None:
    dispatcher = CollectingDispatcher()
    earlier = [user_event("qq", "nlu_fallback"), {"event": "action", "name": "action_handle_fallback"}]
    tracker = make_tracker(events=earlier, intent="nlu_fallback", text="xyz")
    await ActionHandleFallback().run(dispatcher, tracker, {})
    assert [m["response"] for m in dispatcher.messages] == ["utter_offer_handoff_fallback"]


async def test_a_dialogue_fallback_counts_as_a_misunderstanding_too() -> None:
    dispatcher = CollectingDispatcher()
    earlier = [
        user_event("hoi", "greet"),
        {"event": "action", "name": "utter_greet"},
        user_event("zxcv", "affirm"),
        {"event": "action", "name": "action_default_fallback"},
    ]
    await ActionDefaultFallback().run(dispatcher, make_tracker(events=earlier, intent="affirm"), {})
    assert [m["response"] for m in dispatcher.messages] == ["utter_offer_handoff_fallback"]


async def test_an_understood_message_in_between_starts_the_count_again() -> None:
    dispatcher = CollectingDispatcher()
    earlier = [
        user_event("zxcv", "nlu_fallback"),
        {"event": "action", "name": "action_handle_fallback"},
        user_event("ik zoek een koffieochtend", "find_meeting_place"),
        {"event": "action", "name": "location_form"},
    ]
    await ActionHandleFallback().run(dispatcher, make_tracker(events=earlier, intent="nlu_fallback"), {})
    assert [m["response"] for m in dispatcher.messages] == ["utter_default"]
