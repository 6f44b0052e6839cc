"""Misunderstandings: the first time ask to rephrase, the second time in a row offer a medewerker."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

FALLBACK_INTENT = "nlu_fallback"


def misunderstood_twice(events: list[dict[str, Any]]) -> bool:
    """Return True when the last two resident messages were both not understood."""
    user_intents = [
        (e.get("parse_data") or {}).get("intent", {}).get("name")
        for e in events
        if e.get("event") == "user"
    ]
    return len(user_intents) >= 2 and user_intents[-1] == FALLBACK_INTENT and user_intents[-2] == FALLBACK_INTENT


class ActionHandleFallback(Action):
    def name(self) -> str:
        return "action_handle_fallback"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        if misunderstood_twice(tracker.events):
            dispatcher.utter_message(response="utter_offer_handoff_fallback")
        else:
            dispatcher.utter_message(response="utter_default")
        return []
