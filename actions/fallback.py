"""Misunderstandings: the first time ask to rephrase, the second time in a row offer a medewerker.

Both ways Rasa can end up not understanding count: the NLU fallback (low
confidence, rule -> action_handle_fallback) and the dialogue fallback (an
intent that fits nothing in the conversation, action_default_fallback, which
this module overrides).
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

FALLBACK_ACTIONS = {"action_handle_fallback", "action_default_fallback"}
# Actions that run between a message and the answer without being the answer.
_NOT_AN_ANSWER = {"action_listen", "action_extract_slots", "action_session_start"}


def previous_turn_misunderstood(events: list[dict[str, Any]]) -> bool:
    """Return True when the resident's message before the current one also ended in a fallback."""
    answers: list[str | None] = []  # the first real action after each user message
    for event in events:
        if event.get("event") == "user":
            answers.append(None)
        elif event.get("event") == "action" and answers and answers[-1] is None:
            name = event.get("name")
            if name not in _NOT_AN_ANSWER:
                answers[-1] = name
    # answers[-1] belongs to the current message (not answered yet); look one further back.
    return len(answers) >= 2 and answers[-2] in FALLBACK_ACTIONS


class ActionHandleFallback(Action):
    def name(self) -> str:
        return "action_handle_fallback"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        if previous_turn_misunderstood(tracker.events):
            dispatcher.utter_message(response="utter_offer_handoff_fallback")
        else:
            dispatcher.utter_message(response="utter_default")
        return []


class ActionDefaultFallback(ActionHandleFallback):
    """Rasa's dialogue fallback, counted like the NLU fallback (and not reverting the message)."""

    def name(self) -> str:
        return "action_default_fallback"
