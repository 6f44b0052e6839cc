"""Actions that hand a conversation to a helpdesk employee, or plan a callback.

Thin adapters (docs/ARCHITECTURE.md, "Handoff contract"): read slots, call
socialmap.handoff, utter a domain.yml response with variables, return events.

Whose helpdesk: the resident's own municipality once the place is known, else the site's
(socialmap.tenants). Its opening hours, phone number and queue apply; the ticket or callback
carries that municipality, so only its staff see it.

Responses used (text in domain.yml):
  utter_tenant_helpdesk(residence, municipality_name, contact_phone)  a resident on another site
  utter_handoff_queued(position, wait_minutes)
  utter_helpdesk_closed(next_opening, opening_hours)   + buttons to /request_callback
  utter_handoff_cancelled, utter_handoff_nothing_to_cancel
  utter_callback_saved(callback_moment)
  utter_invalid_contact
  utter_handoff_unavailable(contact_phone)
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections.abc import Callable
from datetime import datetime
from functools import lru_cache
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlalchemy.exc import SQLAlchemyError

from actions.tenancy import tenancy_of
from socialmap import handoff as hq
from socialmap.search import parse_age
from socialmap.settings import Deployment, get_settings
from socialmap.taxonomy import label
from socialmap.tenants import Tenants, get_tenants

log = logging.getLogger(__name__)

TAGS = ("[TELEFOON]", "[E-MAIL]")
NOT_UNDERSTOOD_INTENTS = {"nlu_fallback", "out_of_scope"}
SKIP_INTENTS = {"affirm", "deny"}  # the consent answer is not the reason


class Vault(Protocol):
    def pop_latest(self, conversation_id: str) -> str | None: ...


@lru_cache(maxsize=1)
def default_queue() -> hq.HandoffQueue:
    """Return the queue on the configured database (built on first use, not at import)."""
    return hq.HandoffQueue(db_url=get_settings().db_url)


def default_vault() -> Vault | None:
    """Return the privacy contact vault, or None while socialmap.privacy does not provide one."""
    try:
        from socialmap.privacy import ContactVault
    except ImportError:
        return None
    return ContactVault()  # type: ignore[return-value]


def priority_of(tracker: Tracker) -> str:
    """Return "crisis" when any resident message in the conversation was recognised as a crisis."""
    for event in tracker.events:
        if event.get("event") == "user":
            intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
            if intent == "crisis":
                return "crisis"
    return "normal"


def reason_of(tracker: Tracker, priority: str) -> str:
    """Return why the conversation goes to a person (a key of socialmap.handoff.REASONS)."""
    if priority == "crisis":
        return "crisis"
    user_events = [e for e in tracker.events if e.get("event") == "user"]
    for event in reversed(user_events):
        intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
        if intent in SKIP_INTENTS:
            continue
        if intent == "request_human":
            return "button" if str(event.get("text") or "").startswith("/") else "request_human"
        if intent in NOT_UNDERSTOOD_INTENTS:
            return "not_understood"
        break
    return "other"


def _label(code: Any) -> str | None:
    if not code:
        return None
    try:
        return label(str(code))
    except KeyError:
        return None


def _float(value: Any) -> float | None:
    try:
        return None if value is None else float(value)
    except (TypeError, ValueError):
        return None



def summary_from(tracker: Tracker, priority: str) -> hq.HandoffSummary:
    """Return the structured summary an employee reads on top of the conversation."""
    slot = tracker.get_slot
    shown = slot("shown_services") or []
    if isinstance(shown, str):
        shown = [shown]
    return hq.HandoffSummary(
        need=slot("need"),
        need_label=_label(slot("need")),
        audience=slot("audience"),
        audience_label=_label(slot("audience")),
        age=parse_age(slot("age")),
        location=slot("place_name") or slot("location"),
        municipality=slot("municipality"),
        place_lat=_float(slot("place_lat")),
        place_lon=_float(slot("place_lon")),
        shown_services=[str(s) for s in shown][:20],
        reason=reason_of(tracker, priority),
    )


class _HandoffAction(Action, ABC):
    """Shared plumbing: the queue, the helpdesk's settings and the clock, all replaceable in tests.

    `deployment` fixes the helpdesk (tests); without it the tenancy of the conversation decides.

    Abstract, so the rasa_sdk executor (which instantiates every concrete Action
    subclass it finds) skips it.
    """

    @abstractmethod
    def name(self) -> str: ...

    def __init__(
        self,
        queue: hq.HandoffQueue | None = None,
        *,
        deployment: Deployment | None = None,
        clock: Callable[[], datetime] | None = None,
        tenants: Tenants | None = None,
    ) -> None:
        self._queue = queue
        self._deployment = deployment
        self._clock = clock
        self._tenants = tenants

    @property
    def queue(self) -> hq.HandoffQueue:
        return self._queue or default_queue()

    @property
    def tenants(self) -> Tenants:
        return self._tenants or get_tenants()

    def helpdesk(self, tracker: Tracker) -> Deployment:
        """Return the settings of the municipality whose helpdesk helps this resident."""
        return self._deployment or tenancy_of(tracker, self.tenants).helpdesk

    def tell_other_site(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
        """Say whose helpdesk helps when the resident lives elsewhere than the site's municipality."""
        if self._deployment is not None or not tracker.get_slot("residence"):
            return
        tenancy = tenancy_of(tracker, self.tenants)
        if tenancy.other_site:
            dispatcher.utter_message(
                response="utter_tenant_helpdesk",
                residence=tracker.get_slot("residence"),
                municipality_name=tenancy.helpdesk.municipality,
                contact_phone=tenancy.helpdesk.contact_phone,
            )

    def now(self, helpdesk: Deployment | None = None) -> datetime:
        """Return the current time in the helpdesk's time zone."""
        tz = ZoneInfo((helpdesk or self._deployment or self.tenants.default).timezone)
        return self._clock().astimezone(tz) if self._clock else datetime.now(tz)

    def scope_of(self, helpdesk: Deployment) -> hq.Scope:
        """Return the queue of this helpdesk (tickets from before tenants belong to the default site)."""
        return hq.Scope((helpdesk.municipality,), unassigned=helpdesk.municipality == self.tenants.default.municipality)

    def available_staff(self, helpdesk: Deployment | None = None) -> int:
        """Return how many employees of this helpdesk set themselves "beschikbaar" (the wait estimate uses it)."""
        from socialmap.staff import StaffStore

        store = StaffStore(self.queue.engine)
        if helpdesk is None:
            return store.available_count()
        return store.available_count(
            municipality=helpdesk.municipality, default_municipality=self.tenants.default.municipality
        )

    def unavailable(
        self, dispatcher: CollectingDispatcher, exc: Exception, helpdesk: Deployment | None = None
    ) -> list[EventType]:
        log.error("handoff database unavailable: %r", exc)
        phone = (helpdesk or self._deployment or self.tenants.default).contact_phone
        dispatcher.utter_message(response="utter_handoff_unavailable", contact_phone=phone)
        return []


class ActionRequestHandoff(_HandoffAction):
    """Queue the conversation for a person during opening hours, else tell when the helpdesk opens."""

    def name(self) -> str:
        return "action_request_handoff"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        helpdesk = self.helpdesk(tracker)
        now = self.now(helpdesk)
        hours = helpdesk.opening_hours
        self.tell_other_site(dispatcher, tracker)
        if not hours.is_open(now):
            opening = hours.next_opening(now)
            dispatcher.utter_message(
                response="utter_helpdesk_closed",
                next_opening=hq.describe_moment(opening, now) if opening else "",
                opening_hours=hours.describe(),
            )
            return []
        priority = priority_of(tracker)
        try:
            ticket = self.queue.request(
                tracker.sender_id,
                summary_from(tracker, priority),
                priority=priority,
                municipality=helpdesk.municipality,
            )
            position = max(1, self.queue.position(ticket.id, scope=self.scope_of(helpdesk)))
            available = self.available_staff(helpdesk)
        except SQLAlchemyError as exc:
            return self.unavailable(dispatcher, exc, helpdesk)
        dispatcher.utter_message(
            response="utter_handoff_queued",
            position=position,
            wait_minutes=hq.expected_wait_minutes(
                position, helpdesk.average_handling_minutes, available_staff=available
            ),
        )
        return [SlotSet("handoff_status", "waiting")]


class ActionCancelHandoff(_HandoffAction):
    """Take the resident out of the queue and drop open callback requests (and their contact)."""

    def name(self) -> str:
        return "action_cancel_handoff"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        try:
            ticket = self.queue.cancel(tracker.sender_id)
            callbacks = self.queue.cancel_callbacks(tracker.sender_id)
        except SQLAlchemyError as exc:
            return self.unavailable(dispatcher, exc, self.helpdesk(tracker))
        if ticket is None and callbacks == 0:
            dispatcher.utter_message(response="utter_handoff_nothing_to_cancel")
        else:
            dispatcher.utter_message(response="utter_handoff_cancelled")
        return [
            SlotSet("handoff_status", "none"),
            SlotSet("callback_contact", None),
            SlotSet("callback_moment", None),
        ]


class ValidateCallbackForm(FormValidationAction):
    """Check the callback contact (Dutch phone number or e-mail) and the preferred moment."""

    def __init__(
        self, queue: hq.HandoffQueue | None = None, *, vault: Vault | None = None, use_vault: bool = True
    ) -> None:
        self._queue = queue
        self._vault = vault
        self._use_vault = use_vault

    def name(self) -> str:
        return "validate_callback_form"

    @property
    def queue(self) -> hq.HandoffQueue:
        return self._queue or default_queue()

    def _contact(self, conversation_id: str, slot_text: str) -> hq.Contact | None:
        """Return the contact the resident gave: from the vault when the channel redacted it, else from the text."""
        if any(tag in slot_text for tag in TAGS) and self._use_vault:
            vault = self._vault or default_vault()
            raw = vault.pop_latest(conversation_id) if vault is not None else None
            return hq.parse_contact(raw)
        return hq.parse_contact(slot_text)

    def validate_callback_contact(
        self, slot_value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Return the redaction tag for a valid contact (the number itself stays out of the tracker)."""
        try:
            contact = self._contact(tracker.sender_id, str(slot_value or ""))
            if contact is None:
                dispatcher.utter_message(response="utter_invalid_contact")
                return {"callback_contact": None}
            self.queue.stage_contact(tracker.sender_id, contact)
        except SQLAlchemyError as exc:
            log.error("callback contact could not be stored: %r", exc)
            dispatcher.utter_message(
                response="utter_handoff_unavailable", contact_phone=tenancy_of(tracker).helpdesk.contact_phone
            )
            return {"callback_contact": None}
        return {"callback_contact": contact.tag}

    def validate_callback_moment(
        self, slot_value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Return the preferred moment as the resident said it (trimmed), or ask again when empty."""
        moment = " ".join(str(slot_value or "").split())[: hq.MAX_MOMENT_CHARS]
        if not moment or moment.startswith("/"):
            return {"callback_moment": None}
        return {"callback_moment": moment}


class ActionSubmitCallback(_HandoffAction):
    """Save the callback request with the staged contact."""

    def name(self) -> str:
        return "action_submit_callback"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        moment = tracker.get_slot("callback_moment") or ""
        priority = priority_of(tracker)
        helpdesk = self.helpdesk(tracker)
        try:
            self.queue.request_callback(
                tracker.sender_id,
                moment,
                summary_from(tracker, priority),
                priority=priority,
                municipality=helpdesk.municipality,
            )
        except hq.NoContact:
            dispatcher.utter_message(response="utter_invalid_contact")
            return [SlotSet("callback_contact", None), FollowupAction("callback_form")]
        except hq.HandoffError:
            return [SlotSet("callback_moment", None), FollowupAction("callback_form")]
        except SQLAlchemyError as exc:
            return self.unavailable(dispatcher, exc, helpdesk)
        dispatcher.utter_message(response="utter_callback_saved", callback_moment=moment)
        return [SlotSet("handoff_status", "callback")]
