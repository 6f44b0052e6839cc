"""When no designed path fits: answer in context, and offer a person the second time.

Two ways Rasa can end up here:

* the NLU fallback (`nlu_fallback`, low confidence; rule -> `action_handle_fallback`):
  the assistant is unsure what the resident means. It offers the two or three
  most likely topics as buttons ("Bedoelt u...?"); the second misunderstanding
  in a row offers a medewerker and the municipality's phone number.
* the dialogue fallback (`action_default_fallback`, an intent that fits no rule
  in this state): the intent is understood, only no rule was written for it
  here. A "ja"/"nee" then answers the assistant's last question; any other
  intent gets its own answer (socialmap.dialogue decides which).

Neither ever says a bare "Sorry", and both end the turn (TurnGuardPolicy).
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from socialmap import dialogue

FALLBACK_ACTIONS = {"action_handle_fallback", "action_default_fallback"}
# Actions that run between a message and the answer without being the answer.
_NOT_AN_ANSWER = {"action_listen", "action_extract_slots", "action_session_start"}
# Bot responses that mean "I did not understand" (for counting misunderstandings in a row).
_MISUNDERSTOOD_RESPONSES = {"utter_default", "utter_unsure", "utter_offer_handoff_unsure", "utter_offer_handoff_fallback"}


def _answers_per_turn(events: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """Return, per resident message, the events that followed it (the assistant's answer)."""
    turns: list[list[dict[str, Any]]] = []
    for event in events:
        if event.get("event") == "user":
            turns.append([])
        elif turns:
            turns[-1].append(event)
    return turns


def _misunderstood(turn: list[dict[str, Any]]) -> bool:
    for event in turn:
        if event.get("event") == "bot":
            name = (event.get("metadata") or {}).get("utter_action")
            if name in _MISUNDERSTOOD_RESPONSES:
                return True
        if event.get("event") == "action" and event.get("name") == "action_handle_fallback":
            return True
    return False


def previous_turn_misunderstood(events: list[dict[str, Any]]) -> bool:
    """Return True when the resident's message before the current one was not understood either."""
    turns = _answers_per_turn(events)
    return len(turns) >= 2 and _misunderstood(turns[-2])


def fallback_ran_this_turn(events: list[dict[str, Any]]) -> bool:
    """Return True when a fallback action already answered the current message."""
    turns = _answers_per_turn(events)
    if not turns:
        return False
    return any(e.get("event") == "action" and e.get("name") in FALLBACK_ACTIONS for e in turns[-1])


def previous_answer_responses(events: list[dict[str, Any]]) -> list[str]:
    """Return the response names of the assistant's whole answer to the resident's previous message.

    "Bedoelt u Nietap?" is followed in the same answer by the form asking for the place again.
    """
    turns = _answers_per_turn(events)
    if len(turns) < 2:
        return []
    return [
        str((e.get("metadata") or {}).get("utter_action"))
        for e in turns[-2]
        if e.get("event") == "bot" and (e.get("metadata") or {}).get("utter_action")
    ]


def suggested_place(events: list[dict[str, Any]]) -> str:
    """Return the place of "Bedoelt u Nietap?" in the assistant's previous answer, or ""."""
    turns = _answers_per_turn(events)
    for event in turns[-2] if len(turns) >= 2 else []:
        metadata = event.get("metadata") or {}
        if event.get("event") == "bot" and metadata.get("utter_action") == "utter_location_suggestion":
            return str(metadata.get("suggestion") or "")
    return ""


def last_bot_message(events: list[dict[str, Any]]) -> dict[str, Any]:
    """Return the metadata of the assistant's last message (with a response name) before the current one."""
    seen_user = False
    for event in reversed(events):
        kind = event.get("event")
        if kind == "user":
            seen_user = True
        elif kind == "bot" and seen_user:
            metadata = event.get("metadata") or {}
            if metadata.get("utter_action"):
                return dict(metadata)
    return {}


def last_bot_response(events: list[dict[str, Any]]) -> str | None:
    """Return the response name of the assistant's last message before the current resident message."""
    name = last_bot_message(events).get("utter_action")
    return str(name) if name else None


def _unsure(dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
    if previous_turn_misunderstood(tracker.events):
        dispatcher.utter_message(response="utter_offer_handoff_unsure")
        return []
    ranking = (tracker.latest_message or {}).get("intent_ranking") or []
    buttons = [s.button() for s in dialogue.suggestions(ranking)]
    dispatcher.utter_message(response="utter_unsure", buttons=buttons)
    return []


def _leave_form(tracker: Tracker) -> list[EventType]:
    if tracker.active_loop_name:
        return [ActiveLoop(None), SlotSet("requested_slot", None)]
    return []


class ActionHandleFallback(Action):
    """The NLU was unsure: offer likely topics, the second time a medewerker."""

    def name(self) -> str:
        return "action_handle_fallback"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        if fallback_ran_this_turn(tracker.events):
            return []
        place = _place_in_message(tracker)
        if place and tracker.get_slot("need"):
            # "en in Pesse?" during a search: unsure of the words, sure of the place - search there.
            return [SlotSet("location", place), FollowupAction("location_form")]
        return _unsure(dispatcher, tracker)


def _place_in_message(tracker: Tracker) -> str | None:
    """Return the place or postcode the entity ruler found in the latest message, if any."""
    for entity in (tracker.latest_message or {}).get("entities") or []:
        if entity.get("entity") in ("location", "postcode") and entity.get("value"):
            return str(entity["value"])
    return None


class ActionDefaultFallback(Action):
    """Rasa's dialogue fallback: the intent is understood but no rule fits this state; answer it anyway."""

    def name(self) -> str:
        return "action_default_fallback"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        events = tracker.events
        # Rasa logs this action only after it ran: a fallback earlier in this turn means
        # the follow-up it asked for has run, and the turn is answered.
        if fallback_ran_this_turn(events):
            return []
        intent = ((tracker.latest_message or {}).get("intent") or {}).get("name")
        if intent == "crisis":
            # utter_crisis has been said (TurnGuardPolicy); add the offer of help if it is missing.
            return [FollowupAction("action_offer_after_crisis")]
        known = set(domain.get("actions", [])) | set(domain.get("responses", {})) | set(domain.get("forms", {}))
        if intent == dialogue.AFFIRM and "utter_location_suggestion" in previous_answer_responses(events):
            # "Bedoelt u Nietap?" - "ja": take the suggested place and let the form go on.
            suggestion = suggested_place(events)
            if suggestion:
                return [SlotSet("location", suggestion), FollowupAction("location_form")]
        if intent in (dialogue.AFFIRM, dialogue.DENY):
            answer: str | None = dialogue.answer_to_yes_no(intent, last_bot_response(events), tracker.active_loop_name)
        else:
            answer = dialogue.natural_response(intent, known)
        if not answer or answer not in known:
            return _unsure(dispatcher, tracker)
        if dialogue.is_runnable(answer):
            leave = _leave_form(tracker) if answer != tracker.active_loop_name else []
            return [*leave, FollowupAction(answer)]
        dispatcher.utter_message(response=answer)
        if intent == "goodbye":
            return _leave_form(tracker)
        return []


class ActionLocationDenied(Action):
    """A "nee" while the assistant asks where to search.

    After "Bedoelt u Nietap?" a "nee" means "not that place", not "stop": ask for the
    place once more and keep the form. A second "nee" (or one to the plain question) stops.
    """

    def name(self) -> str:
        return "action_location_denied"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        if "utter_location_suggestion" in previous_answer_responses(tracker.events):
            dispatcher.utter_message(response="utter_location_other_place")
            return []
        dispatcher.utter_message(response="utter_anything_else")
        return _leave_form(tracker)

