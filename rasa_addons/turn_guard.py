"""The channel's promise for every resident message, whatever Rasa did with it.

TurnGuardPolicy (rasa_addons/policies.py) keeps the dialogue itself from looping.
This module is the last line, in the channel, after Rasa handled a message:

* **No floods.** A message identical to one already sent in this turn
  (same text and buttons) is not sent again.
* **Never silent.** When the assistant is not paused and sent nothing, the
  resident gets `utter_how_can_i_help` (a friendly question with the topic
  buttons), rendered by Rasa's NLG and stored in the tracker like any reply.
* **A held conversation is not a void.** While a medewerker holds it the
  assistant is silent, but when the medewerker has been quiet for two
  minutes the resident hears that the message waits for them.
* **A typed button title is a click.** "Woensdag" typed under the day
  buttons means what clicking "Woensdag" means.
* **113 in every state.** A crisis message that got no 113 (the conversation is
  paused because a medewerker holds it, or anything went wrong) gets
  `utter_crisis` at once; a held or waiting ticket is flagged urgent so the
  console shows it first and in red.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from rasa.core.actions.action import create_bot_utterance
from rasa.shared.core.trackers import DialogueStateTracker

from socialmap import safety

logger = logging.getLogger(__name__)

CRISIS_RESPONSE = "utter_crisis"
DISTRESS_RESPONSE = "utter_distress"
SILENCE_RESPONSE = "utter_how_can_i_help"
PAUSED_RESPONSE = "utter_message_passed_on"
CRISIS_MARKERS = ("113",)
# While a medewerker holds the conversation the assistant is silent, unless the medewerker has
# said nothing for this long: then the resident hears that the message is waiting for them.
PAUSED_QUIET_S = 120.0


def _staff_quiet(tracker: DialogueStateTracker, now: float) -> bool:
    """Return True when neither the medewerker nor this guard spoke since PAUSED_QUIET_S before `now`."""
    last = 0.0
    for event in tracker.events:
        name = type(event).__name__
        if name == "ConversationPaused":
            last = max(last, float(event.timestamp or 0))
        elif name == "BotUttered":
            metadata = getattr(event, "metadata", None) or {}
            if metadata.get("from") == "staff" or metadata.get("utter_action") == PAUSED_RESPONSE:
                last = max(last, float(event.timestamp or 0))
    return now - last > PAUSED_QUIET_S


def message_key(message: dict[str, Any]) -> tuple[str, tuple[str, ...]]:
    """Return what makes two bot messages the same to a resident: the text, the buttons and any card."""
    buttons = message.get("buttons") or message.get("quick_replies") or []
    payloads = tuple(str(b.get("payload", "")) for b in buttons if isinstance(b, dict))
    custom = message.get("custom")
    if custom:
        payloads += (json.dumps(custom, sort_keys=True, default=str),)
    return (str(message.get("text") or ""), payloads)


class TurnLedger:
    """What was sent to the resident in one turn."""

    def __init__(self) -> None:
        self._keys: set[tuple[str, tuple[str, ...]]] = set()
        self.sent: list[dict[str, Any]] = []

    def admit(self, message: dict[str, Any]) -> bool:
        """Return True when `message` may be sent (it was not sent in this turn already); record it."""
        key = message_key(message)
        if key in self._keys and (key[0] or key[1]):
            logger.warning("dropped a repeated bot message in one turn (%s)", message.get("utter_action") or "text")
            return False
        self._keys.add(key)
        self.sent.append(message)
        return True


def without_repeats(messages: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Return the messages with every repeat (same text and buttons) after the first removed."""
    ledger = TurnLedger()
    return [m for m in messages if ledger.admit(m)]


def _said_113(messages: Iterable[dict[str, Any]]) -> bool:
    return any(any(marker in str(m.get("text") or "") for marker in CRISIS_MARKERS) for m in messages)


def _is_crisis(text: str, tracker: DialogueStateTracker | None) -> bool:
    if safety.is_crisis(text):
        return True
    latest = tracker.latest_message if tracker is not None else None
    intent = (latest.intent or {}).get("name") if latest is not None else None
    return intent == "crisis" and latest is not None and latest.text == text


async def _render(agent: Any, name: str, tracker: DialogueStateTracker, channel_name: str) -> dict[str, Any] | None:
    try:
        message = await agent.nlg.generate(name, tracker, channel_name)
    except Exception as exc:
        logger.error("could not render %s: %s", name, type(exc).__name__)
        return None
    if not message:
        return None
    message = dict(message)
    message["utter_action"] = name
    return message


def _flag_urgent(sender_id: str) -> None:
    from socialmap.handoff import HandoffQueue
    from socialmap.settings import get_settings

    HandoffQueue(db_url=get_settings().db_url).mark_urgent(sender_id, "crisis")


async def complete_turn(
    agent: Any,
    sender_id: str,
    channel_name: str,
    text: str,
    sent: list[dict[str, Any]],
    send: Callable[[dict[str, Any]], Awaitable[Any]],
) -> list[dict[str, Any]]:
    """Send what the turn still owes the resident (113, or any answer at all); return what was added."""
    if agent is None or getattr(agent, "tracker_store", None) is None:
        return []
    crisis_text = safety.is_crisis(text)
    if sent and not (crisis_text and not _said_113(sent)):
        return []  # the usual turn: answered, and no crisis left unanswered (no tracker read needed)
    added: list[dict[str, Any]] = []
    try:
        async with agent.lock_store.lock(sender_id):
            tracker = await agent.tracker_store.retrieve(sender_id)
            if tracker is None:
                return []
            paused = tracker.is_paused()
            owed: str | None = None
            if (crisis_text or _is_crisis(text, tracker)) and not _said_113(sent):
                # Indirect distress gets its own caring answer (with 113 and De Luisterlijn too).
                owed = DISTRESS_RESPONSE if safety.assess(text) == safety.DISTRESS else CRISIS_RESPONSE
            elif not sent and not paused:
                owed = SILENCE_RESPONSE
            elif not sent and paused and _staff_quiet(tracker, time.time()):
                owed = PAUSED_RESPONSE
            if owed is None:
                return []
            message = await _render(agent, owed, tracker, channel_name)
            if message is None:
                return []
            tracker.update(create_bot_utterance(dict(message)))
            await agent.tracker_store.save(tracker)
    except Exception as exc:  # the resident must still get the answer, even if storing it failed
        logger.error("turn guard could not read or store the tracker: %s", type(exc).__name__)
        return added
    await send(message)
    added.append(message)
    if owed in (CRISIS_RESPONSE, DISTRESS_RESPONSE) and paused:
        try:
            await asyncio.to_thread(_flag_urgent, sender_id)
        except Exception as exc:
            logger.error("could not flag the conversation urgent: %s", type(exc).__name__)
    logger.info("turn guard added %s for a resident turn", owed)
    return added


# --- slots that stay true while a form asks -------------------------------------------

_original_extract_run: Any = None


async def _extract_slots_keeping_protected(self: Any, output_channel: Any, nlg: Any, tracker: Any, domain: Any) -> Any:
    from rasa.shared.core.events import SlotSet

    from socialmap.dialogue import protected_slots

    events = await _original_extract_run(self, output_channel, nlg, tracker, domain)
    protected = protected_slots(tracker.active_loop_name)
    if not protected:
        return events
    kept = [e for e in events if not (isinstance(e, SlotSet) and e.key in protected)]
    if len(kept) != len(events):
        logger.debug("kept %d slot(s) unchanged while %s asks", len(events) - len(kept), tracker.active_loop_name)
    return kept


def install_slot_protection() -> None:
    """Make `action_extract_slots` leave a form's protected slots alone (idempotent)."""
    global _original_extract_run
    from rasa.core.actions.action import ActionExtractSlots

    if _original_extract_run is None:
        _original_extract_run = ActionExtractSlots.run
        ActionExtractSlots.run = _extract_slots_keeping_protected  # type: ignore[method-assign]


# --- every turn ends listening ------------------------------------------------------------

_original_prediction_loop: Any = None


async def _prediction_loop_ending_in_listen(self: Any, output_channel: Any, tracker: Any) -> None:
    from rasa.shared.core.constants import ACTION_LISTEN_NAME
    from rasa.shared.core.events import ActionExecuted

    await _original_prediction_loop(self, output_channel, tracker)
    # Rasa counts actions since the last action_listen across turns: a turn cut off by its
    # circuit breaker would trip it again on every later message (a dead conversation).
    if not tracker.is_paused() and tracker.latest_action_name != ACTION_LISTEN_NAME:
        logger.warning("a turn ended without listening (%s); the assistant listens now", tracker.latest_action_name)
        tracker.update(ActionExecuted(ACTION_LISTEN_NAME))


def install_turn_hooks() -> None:
    """Install the slot protection and make every turn end with action_listen (idempotent)."""
    global _original_prediction_loop
    from rasa.core.processor import MessageProcessor

    install_slot_protection()
    if _original_prediction_loop is None:
        _original_prediction_loop = MessageProcessor._run_prediction_loop
        MessageProcessor._run_prediction_loop = _prediction_loop_ending_in_listen  # type: ignore[method-assign]


# --- a typed button title is a click -----------------------------------------------------

MAX_TITLE_WORDS = 5
_TITLE_NOISE = re.compile(r"[^\w\s]+", re.UNICODE)


def normalise_title(text: str) -> str:
    """Return a button title or a typed text reduced to lower-case words ("Nee, dank u!" -> "nee dank u")."""
    return " ".join(_TITLE_NOISE.sub(" ", text).casefold().split())


def payload_for_title(text: str, buttons: Iterable[dict[str, Any]]) -> str | None:
    """Return the payload of the button whose title the resident typed, or None."""
    typed = normalise_title(text)
    if not typed:
        return None
    for button in buttons:
        if isinstance(button, dict) and normalise_title(str(button.get("title") or "")) == typed:
            payload = str(button.get("payload") or "")
            return payload if payload.startswith("/") else None
    return None


async def typed_button(agent: Any, sender_id: str, text: str) -> str | None:
    """Return the payload when `text` is the title of a button the assistant just offered ("Woensdag")."""
    if text.startswith("/") or len(text.split()) > MAX_TITLE_WORDS or agent is None:
        return None
    store = getattr(agent, "tracker_store", None)
    if store is None:
        return None
    try:
        tracker = await store.retrieve(sender_id)
    except Exception as exc:
        logger.warning("could not read the tracker for a typed button: %s", type(exc).__name__)
        return None
    if tracker is None:
        return None
    buttons: list[dict[str, Any]] = []
    for event in reversed(tracker.events):
        name = type(event).__name__
        if name == "UserUttered":
            break
        if name == "BotUttered":
            buttons.extend((getattr(event, "data", None) or {}).get("buttons") or [])
    return payload_for_title(text, buttons)
