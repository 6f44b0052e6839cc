"""After a crisis answer (113 first): the right offer of a person for this moment.

The crisis text itself (`utter_crisis`) is said by TurnGuardPolicy/rules first,
in every state. What follows depends on the helpdesk and on the conversation:

* the resident already waits for (or talks with) a medewerker: the ticket is
  flagged urgent (front of the queue, red in the console) and the resident is told so;
* the helpdesk is open: the offer of a medewerker, who takes crisis conversations first;
* the helpdesk is closed: no promise of a queue; 113 again, and a callback offer.
"""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.handoff import _HandoffAction

log = logging.getLogger(__name__)


class ActionOfferAfterCrisis(_HandoffAction):
    def name(self) -> str:
        return "action_offer_after_crisis"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        if tracker.get_slot("handoff_status") == "waiting":
            try:
                self.queue.mark_urgent(tracker.sender_id, "crisis")
            except Exception as exc:  # the resident has 113 already; the console flag is a bonus
                log.error("could not flag the ticket urgent: %r", exc)
            dispatcher.utter_message(response="utter_crisis_already_waiting")
            return []
        helpdesk = self.helpdesk(tracker)
        if helpdesk.opening_hours.is_open(self.now(helpdesk)):
            dispatcher.utter_message(response="utter_offer_handoff_crisis")
        else:
            dispatcher.utter_message(response="utter_crisis_helpdesk_closed")
        return []
