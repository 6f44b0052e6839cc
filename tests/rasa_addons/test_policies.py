"""TurnGuardPolicy: crisis first, a fallback ends the turn, no loops - on real Rasa trackers."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, Event, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from rasa_addons.policies import TurnGuardPolicy, actions_this_turn, guard_decision

DOMAIN = Domain.from_yaml(
    """
version: "3.1"
intents: [greet, crisis, deny]
forms:
  location_form:
    required_slots: []
responses:
  utter_crisis: [{text: "Bel 113"}]
  utter_greet: [{text: "Hallo"}]
  utter_default: [{text: "Sorry"}]
actions: [action_default_fallback, action_search_services]
"""
)
FORMS = {"location_form"}
STORAGE_DIR = Path(tempfile.mkdtemp(prefix="turn-guard-"))


def tracker(*events: Event) -> DialogueStateTracker:
    return DialogueStateTracker.from_events("s", [ActionExecuted(ACTION_LISTEN_NAME), *events], DOMAIN.slots)


def user(intent: str) -> UserUttered:
    return UserUttered("x", {"name": intent, "confidence": 1.0})


def predict(t: DialogueStateTracker) -> tuple[str | None, bool]:
    storage = LocalModelStorage(STORAGE_DIR)
    context = ExecutionContext(GraphSchema({}), "test")
    policy = TurnGuardPolicy.create({}, storage, Resource("turn_guard"), context)
    prediction = policy.predict_action_probabilities(t, DOMAIN)
    if prediction.max_confidence == 0:
        return None, prediction.is_no_user_prediction
    return DOMAIN.action_names_or_texts[prediction.max_confidence_index], prediction.is_no_user_prediction


def test_crisis_first_in_every_state() -> None:
    assert predict(tracker(user("crisis"))) == ("utter_crisis", True)
    # also in the middle of a turn that started otherwise (a form ran first)
    assert predict(tracker(user("crisis"), ActionExecuted("location_form"))) == ("utter_crisis", True)


def test_crisis_once_then_the_rules_decide() -> None:
    assert predict(tracker(user("crisis"), ActionExecuted("utter_crisis")))[0] is None


def test_a_fallback_ends_the_turn() -> None:
    assert predict(tracker(user("deny"), ActionExecuted("action_default_fallback"))) == (ACTION_LISTEN_NAME, True)


def test_the_same_action_twice_ends_the_turn_but_a_form_may_run_twice() -> None:
    twice = tracker(user("greet"), ActionExecuted("utter_greet"), ActionExecuted("utter_greet"))
    assert predict(twice)[0] == ACTION_LISTEN_NAME
    assert predict(tracker(user("greet"), ActionExecuted("utter_greet")))[0] is None
    form_twice = tracker(user("greet"), ActionExecuted("location_form"), ActionExecuted("location_form"))
    assert predict(form_twice)[0] is None


def test_a_long_turn_is_cut_off() -> None:
    names = ["utter_greet", "action_search_services", "location_form", "utter_crisis"] * 2
    assert guard_decision(names, "greet", FORMS, 8) == ACTION_LISTEN_NAME
    assert guard_decision(names[:7], "greet", FORMS, 8) is None


def test_nothing_to_say_when_already_listening() -> None:
    assert actions_this_turn(tracker()) is None
    assert predict(tracker())[0] is None


@pytest.mark.parametrize(
    ("turn", "intent", "expected"),
    [
        ([], "greet", None),
        ([], "crisis", "utter_crisis"),
        (["utter_crisis", "action_default_fallback"], "crisis", ACTION_LISTEN_NAME),
        (["action_default_fallback", "action_request_handoff"], "affirm", None),
    ],
)
def test_guard_decision_table(turn: list[str], intent: str, expected: Any) -> None:
    assert guard_decision(turn, intent, FORMS, 8) == expected


def test_after_113_an_active_form_stops() -> None:
    assert guard_decision(["utter_crisis"], "crisis", FORMS, 8, "location_form") == "action_deactivate_loop"
    assert guard_decision(["utter_crisis", "action_deactivate_loop"], "crisis", FORMS, 8, "location_form") is None
    assert guard_decision(["utter_crisis"], "crisis", FORMS, 8, None) is None
