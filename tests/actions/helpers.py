"""make_tracker: a rasa_sdk Tracker as the action server receives it."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker


def user_event(text: str, intent: str, entities: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {
        "event": "user",
        "text": text,
        "parse_data": {
            "intent": {"name": intent, "confidence": 1.0},
            "intent_ranking": [{"name": intent, "confidence": 1.0}],
            "entities": entities or [],
            "text": text,
        },
    }


def make_tracker(
    slots: dict[str, Any] | None = None,
    events: list[dict[str, Any]] | None = None,
    intent: str = "inform",
    text: str = "",
    sender: str = "test-sender",
) -> Tracker:
    """Return a tracker with these slots whose latest message has this intent."""
    latest = user_event(text, intent)["parse_data"]
    return Tracker(
        sender_id=sender,
        slots=dict(slots or {}),
        latest_message=latest,
        events=list(events or []) + [user_event(text, intent)],
        paused=False,
        followup_action=None,
        active_loop={},
        latest_action_name="action_listen",
    )
