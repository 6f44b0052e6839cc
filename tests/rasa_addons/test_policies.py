"""TurnGuardPolicy: crisis first, a fallback ends the turn, no loops - on real Rasa trackers."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from rasa.core.policies.ensemble import DefaultPolicyPredictionEnsemble
from rasa.core.policies.rule_policy import RulePolicy
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, Event, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.generator import TrainingDataGenerator
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.core.training_data.story_reader.yaml_story_reader import YAMLStoryReader
from rasa.shared.core.training_data.structures import StoryGraph

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


def predict(t: DialogueStateTracker, domain: Domain = DOMAIN) -> tuple[str | None, bool]:
    storage = LocalModelStorage(STORAGE_DIR)
    context = ExecutionContext(GraphSchema({}), "test")
    policy = TurnGuardPolicy.create({}, storage, Resource("turn_guard"), context)
    prediction = policy.predict_action_probabilities(t, domain)
    if prediction.max_confidence == 0:
        return None, prediction.is_no_user_prediction
    return domain.action_names_or_texts[prediction.max_confidence_index], prediction.is_no_user_prediction


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


# --- a card question the NLU took for a FAQ -----------------------------------------------

# As the project's importer builds it: faq is a retrieval intent, utter_faq its action.
CARD_DOMAIN = Domain.from_yaml(
    """
version: "3.1"
intents: [{faq: {is_retrieval_intent: true}}, ask_about_result, find_meeting_place, thanks, crisis]
slots:
  shown_services: {type: list, influence_conversation: false, mappings: [{type: custom}]}
forms:
  location_form:
    required_slots: []
responses:
  utter_faq/kosten: [{text: "Deze assistent is gratis."}]
  utter_faq/respijtzorg: [{text: "Respijtzorg betekent ..."}]
  utter_thanks: [{text: "Graag gedaan."}]
  utter_crisis: [{text: "Bel 113"}]
  utter_default: [{text: "Sorry"}]
actions: [utter_faq, action_answer_about_result, action_search_services, action_default_fallback]
"""
)
# The project's own rules that meet here, read from data/rules/ so a change there is tested too.
RULE_NAMES = ("frequently asked questions", "a question about a result card just shown (when, cost, sign-up, address, contact)")


def project_rules() -> str:
    """Return the rules named in RULE_NAMES from data/rules/*.yml, as one rules file."""
    found = [
        rule
        for path in sorted((Path(__file__).resolve().parents[2] / "data" / "rules").glob("*.yml"))
        for rule in yaml.safe_load(path.read_text(encoding="utf-8")).get("rules") or []
        if rule.get("rule") in RULE_NAMES
    ]
    assert sorted(rule["rule"] for rule in found) == sorted(RULE_NAMES)
    return yaml.safe_dump({"version": "3.1", "rules": found}, allow_unicode=True)


SHOWN = ["meeting-assen-1", "meeting-assen-2", "meeting-assen-3"]


def faq(key: str, text: str = "wat kost het") -> UserUttered:
    """A message the NLU took for faq/<key>, with the response selector's output as Rasa stores it."""
    selector = {"faq": {"response": {"intent_response_key": f"faq/{key}", "utter_action": f"utter_faq/{key}"}}}
    return UserUttered(text, {"name": "faq", "confidence": 0.79}, parse_data={"response_selector": selector})


def cards_shown() -> list[Event]:
    return [
        user("find_meeting_place"),
        ActionExecuted("action_search_services"),
        BotUttered("Koffie-ochtend De Kloosterhof", data={"custom": {"type": "result_card"}}),
        SlotSet("shown_services", SHOWN),
        ActionExecuted(ACTION_LISTEN_NAME),
    ]


def card_tracker(*events: Event) -> DialogueStateTracker:
    return DialogueStateTracker.from_events("s", [ActionExecuted(ACTION_LISTEN_NAME), *events], CARD_DOMAIN.slots)


def test_a_cost_faq_after_cards_is_answered_about_the_card() -> None:
    assert predict(card_tracker(*cards_shown(), faq("kosten")), CARD_DOMAIN) == ("action_answer_about_result", True)


def test_after_the_card_answer_the_turn_ends() -> None:
    answered = card_tracker(*cards_shown(), faq("kosten"), ActionExecuted("action_answer_about_result"))
    assert predict(answered, CARD_DOMAIN) == (ACTION_LISTEN_NAME, True)


def test_a_follow_up_after_thanks_is_still_about_the_card() -> None:
    thanked = [*cards_shown(), user("thanks"), ActionExecuted("utter_thanks"), ActionExecuted(ACTION_LISTEN_NAME)]
    assert predict(card_tracker(*thanked, faq("kosten")), CARD_DOMAIN)[0] == "action_answer_about_result"


@pytest.mark.parametrize(
    "events",
    [
        pytest.param([*cards_shown(), faq("respijtzorg", "wat is respijtzorg")], id="a general FAQ after cards"),
        pytest.param([faq("kosten")], id="a cost FAQ before any card"),
        pytest.param(
            [*cards_shown(), user("find_meeting_place"), ActionExecuted("action_search_services"),
             ActionExecuted(ACTION_LISTEN_NAME), faq("kosten")],
            id="a new search without results since",
        ),
        pytest.param(
            [*cards_shown(), ActionExecuted("action_session_start"), SessionStarted(), SlotSet("shown_services", SHOWN),
             ActionExecuted(ACTION_LISTEN_NAME), faq("kosten")],
            id="cards of an earlier session",
        ),
        pytest.param([*cards_shown(), user("ask_about_result")], id="ask_about_result is the rules' own"),
        pytest.param([*cards_shown(), faq("kosten"), ActionExecuted("utter_faq")], id="a FAQ answered by the rules"),
    ],
)
def test_the_faq_answer_stays_where_no_card_is_asked_about(events: list[Event]) -> None:
    assert predict(card_tracker(*events), CARD_DOMAIN)[0] is None


def test_inside_a_form_a_faq_stays_a_faq() -> None:
    assert guard_decision([], "faq", FORMS, 8, "location_form", card_question=True) is None
    assert guard_decision([], "faq", FORMS, 8, None, card_question=True) == "action_answer_about_result"


def test_crisis_still_comes_first() -> None:
    assert guard_decision([], "crisis", FORMS, 8, None, card_question=True) == "utter_crisis"


@pytest.fixture(scope="module")
def ensemble_predict() -> Any:
    """Predict as the project's ensemble does: TurnGuardPolicy and a RulePolicy trained on the real rules."""
    storage = LocalModelStorage(Path(tempfile.mkdtemp(prefix="turn-guard-rules-")))
    context = ExecutionContext(GraphSchema({}), "test")
    rules = RulePolicy.create(
        {
            **RulePolicy.get_default_config(),
            "core_fallback_threshold": 0.3,
            "core_fallback_action_name": "action_default_fallback",
            "enable_fallback_prediction": True,
            "restrict_rules": True,
        },
        storage,
        Resource("rules"),
        context,
    )
    steps = YAMLStoryReader(CARD_DOMAIN).read_from_string(project_rules())
    rules.train(TrainingDataGenerator(StoryGraph(steps), CARD_DOMAIN, augmentation_factor=0).generate(), CARD_DOMAIN)
    guard = TurnGuardPolicy.create({}, storage, Resource("turn_guard"), context)
    ensemble = DefaultPolicyPredictionEnsemble.create({}, storage, Resource("ensemble"), context)

    def run_turn(events: list[Event]) -> list[str]:
        """Return the actions the ensemble picks for the latest message, up to action_listen."""
        t = card_tracker(*events)
        picked: list[str] = []
        while not picked or picked[-1] != ACTION_LISTEN_NAME:
            predictions = [p.predict_action_probabilities(t, CARD_DOMAIN) for p in (guard, rules)]
            best = ensemble.combine_predictions(predictions, t, CARD_DOMAIN)
            picked.append(CARD_DOMAIN.action_names_or_texts[best.max_confidence_index])
            t.update(ActionExecuted(picked[-1]))
            assert len(picked) < 5, picked
        return picked

    return run_turn


def test_with_the_rules_a_cost_faq_after_cards_gets_the_card_answer_and_then_listens(ensemble_predict: Any) -> None:
    assert ensemble_predict([*cards_shown(), faq("kosten")]) == ["action_answer_about_result", ACTION_LISTEN_NAME]


def test_with_the_rules_other_faqs_get_the_faq_answer(ensemble_predict: Any) -> None:
    assert ensemble_predict([faq("kosten")]) == ["utter_faq", ACTION_LISTEN_NAME]
    assert ensemble_predict([*cards_shown(), faq("respijtzorg", "wat is respijtzorg")]) == ["utter_faq", ACTION_LISTEN_NAME]
    assert ensemble_predict([*cards_shown(), user("ask_about_result")]) == [
        "action_answer_about_result",
        ACTION_LISTEN_NAME,
    ]
