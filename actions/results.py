"""Follow-up questions about a result card just shown: "is de loods ook op vrijdag open?", "kost dat iets?"."""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.municipality import ActionMunicipalityInfo
from socialmap import advice, dialogue
from socialmap.catalog import Catalog

logger = logging.getLogger(__name__)

# advice.Answer.kind -> the response that says it.
RESPONSES = {
    "open_on_day": "utter_result_open_on_day",
    "open_on_day_all_day": "utter_result_open_on_day_all_day",
    "open_on_day_sometimes": "utter_result_open_on_day_sometimes",
    "closed_on_day": "utter_result_closed_on_day",
    "by_appointment": "utter_result_by_appointment",
    "when": "utter_result_when",
    "cost_free": "utter_result_cost_free",
    "cost": "utter_result_cost",
    "cost_unknown": "utter_result_cost_unknown",
    "signup": "utter_result_signup",
    "signup_unknown": "utter_result_signup_unknown",
    "address": "utter_result_address",
    "address_remote": "utter_result_address_remote",
    "contact": "utter_result_contact",
    "summary": "utter_result_summary",
}


def _weekday_entity(tracker: Tracker) -> int | None:
    for entity in tracker.latest_message.get("entities") or []:
        if entity.get("entity") == "weekday":
            day = advice.weekday_index(str(entity.get("value") or ""))
            if day is not None:
                return day
    return None


class ActionAnswerAboutResult(Action):
    """Answer a question about the card(s) shown last, from the catalog: when, cost, sign-up, address, contact."""

    def __init__(self, catalog: Catalog | None = None) -> None:
        self._catalog = catalog

    def name(self) -> str:
        return "action_answer_about_result"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        shown = [str(s) for s in tracker.get_slot("shown_services") or []]
        text = str(tracker.latest_message.get("text") or "")
        catalog = self._catalog or Catalog()
        try:
            names = {sid: advice.service_name(sid, catalog) for sid in shown}  # read once, used twice
        except Exception:  # the database is missing or locked: apologise, never stay silent
            logger.exception("reading the names of the shown cards failed")
            dispatcher.utter_message(response="utter_search_failed")
            return []
        if dialogue.municipality_in_focus(tracker.events) and advice.named_card(shown, text, names) is None:
            # "welk nummer kan ik bellen?" right after the gemeente's opening hours: the gemeente's number.
            return await ActionMunicipalityInfo().run(dispatcher, tracker, domain)
        if not shown:
            dispatcher.utter_message(response="utter_result_none_shown")
            return []
        try:
            chosen = advice.pick_shown(shown, text, names)
            answer = advice.answer_about(chosen, text, _weekday_entity(tracker), catalog) if chosen else None
        except Exception:  # the database is missing or locked: apologise, never stay silent
            logger.exception("answering a question about a result failed")
            dispatcher.utter_message(response="utter_search_failed")
            return []
        if answer is None:
            # The service left the map since it was shown.
            dispatcher.utter_message(response="utter_result_none_shown")
            return []
        values: dict[str, Any] = dict(answer.values)
        dispatcher.utter_message(response=RESPONSES[answer.kind], **values)
        return []
