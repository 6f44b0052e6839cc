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
from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from socialmap import handoff as hq
from socialmap.settings import Deployment, get_settings

log = logging.getLogger(__name__)


class ActionOfferAfterCrisis(Action):
    def __init__(
        self,
        queue: hq.HandoffQueue | None = None,
        *,
        deployment: Deployment | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self._queue = queue
        self._deployment = deployment
        self._clock = clock

    def name(self) -> str:
        return "action_offer_after_crisis"

    @property
    def deployment(self) -> Deployment:
        return self._deployment or get_settings().deployment

    def _queue_or_default(self) -> hq.HandoffQueue:
        if self._queue is not None:
            return self._queue
        from actions.handoff import default_queue

        return default_queue()

    def now(self) -> datetime:
        tz = ZoneInfo(self.deployment.timezone)
        return self._clock().astimezone(tz) if self._clock else datetime.now(tz)

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        if tracker.get_slot("handoff_status") == "waiting":
            try:
                self._queue_or_default().mark_urgent(tracker.sender_id, "crisis")
            except Exception as exc:  # the resident has 113 already; the console flag is a bonus
                log.error("could not flag the ticket urgent: %r", exc)
            dispatcher.utter_message(response="utter_crisis_already_waiting")
            return []
        if self.deployment.opening_hours.is_open(self.now()):
            dispatcher.utter_message(response="utter_offer_handoff_crisis")
        else:
            dispatcher.utter_message(response="utter_crisis_helpdesk_closed")
        return []
