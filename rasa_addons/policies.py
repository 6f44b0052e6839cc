"""TurnGuardPolicy: the invariants of one resident turn, enforced where Rasa chooses actions.

The rules and memorised stories decide every designed path. This policy sits
above them (priority 7, RulePolicy has 6) and only speaks when a turn goes wrong:

1. **Crisis first.** When the resident's latest message is a crisis and
   `utter_crisis` has not run in this turn, it runs now, whatever state the
   conversation is in (a form, waiting for a medewerker, after a fallback).
   An active form is stopped right after it (no "In welke plaats woont u?"
   after 113). The rules then continue as designed (the offer of help).
2. **A fallback ends the turn.** After `action_default_fallback` or
   `action_handle_fallback` the assistant listens (unless the fallback asked
   for a follow-up action, which Rasa runs before asking the policies). Rasa's own dialogue
   fallback reverts the user message for this; ours keeps it (the fallback is
   contextual and counts misunderstandings), so without this rule Rasa would
   predict the fallback again and again until its circuit breaker trips: ten
   identical "Sorry" bubbles, and then silence for every later message because
   the turn never ended with `action_listen`.
3. **No loops.** The same action twice in one turn (other than a form), or
   more than `max_actions_per_turn` actions, ends the turn.
4. **A card question is not a FAQ.** While result cards are in view, a message
   the NLU took for a FAQ about a service's cost, sign-up, time, place or
   contact ("wat kost het?" as faq/kosten) is answered about the card by
   `action_answer_about_result`, not with the general FAQ answer ("Deze
   assistent is gratis"); the turn then ends. Which FAQs those are and when
   cards are in view is decided in `socialmap.dialogue` (`answers_about_card`).
   Outside a form only: a form's digression rules answer a FAQ as a FAQ.

When none of this applies it predicts nothing (all zeros), so the other
policies decide. It needs no training data.
"""

from __future__ import annotations

from typing import Any

from rasa.core.policies.policy import Policy, PolicyPrediction
from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.core.constants import (
    ACTION_DEACTIVATE_LOOP_NAME,
    ACTION_EXTRACT_SLOTS,
    ACTION_LISTEN_NAME,
    ACTION_SESSION_START_NAME,
)
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, UserUttered
from rasa.shared.core.generator import TrackerWithCachedStates
from rasa.shared.core.trackers import DialogueStateTracker

from socialmap import dialogue

CRISIS_INTENT = "crisis"
CRISIS_RESPONSE = "utter_crisis"
FALLBACK_ACTIONS = frozenset({"action_default_fallback", "action_handle_fallback"})
CARD_ANSWER_ACTION = "action_answer_about_result"
_NOT_COUNTED = frozenset({ACTION_EXTRACT_SLOTS, ACTION_SESSION_START_NAME})


def actions_this_turn(tracker: DialogueStateTracker) -> list[str] | None:
    """Return the actions run since the resident's latest message, or None when there is none."""
    names: list[str] = []
    for event in reversed(tracker.events):
        if isinstance(event, UserUttered):
            names.reverse()
            return names
        if isinstance(event, ActionExecuted) and event.action_name:
            if event.action_name == ACTION_LISTEN_NAME:
                return None  # the assistant already listens: no message of the resident to answer
            if event.action_name not in _NOT_COUNTED:
                names.append(event.action_name)
    return None


def guard_decision(
    turn: list[str] | None,
    latest_intent: str | None,
    forms: set[str],
    max_actions: int,
    active_form: str | None = None,
    card_question: bool = False,
) -> str | None:
    """Return the action this turn must take now, or None when the other policies may decide.

    `card_question` says that the latest message, a FAQ, asks about a result card in view.
    """
    if turn is None:
        return None
    if latest_intent == CRISIS_INTENT and CRISIS_RESPONSE not in turn:
        return CRISIS_RESPONSE
    if latest_intent == CRISIS_INTENT and active_form and ACTION_DEACTIVATE_LOOP_NAME not in turn:
        # After 113 a form must not ask its question again ("In welke plaats woont u?").
        return ACTION_DEACTIVATE_LOOP_NAME
    if not turn:
        return CARD_ANSWER_ACTION if card_question and not active_form else None
    if turn[-1] == CARD_ANSWER_ACTION and latest_intent == dialogue.FAQ_INTENT:
        return ACTION_LISTEN_NAME  # no rule knows this turn: without this, Rasa would fall back
    if turn[-1] in FALLBACK_ACTIONS:
        return ACTION_LISTEN_NAME
    if len(turn) >= max_actions:
        return ACTION_LISTEN_NAME
    last = turn[-1]
    limit = 2 if last in forms else 1
    if turn.count(last) > limit:
        return ACTION_LISTEN_NAME
    return None


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT, is_trainable=True
)
class TurnGuardPolicy(Policy):
    """Crisis first, a fallback ends the turn, no loops, card questions about the card (see the module docstring)."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"priority": 7, "max_actions_per_turn": 8}

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        featurizer: Any = None,
    ) -> None:
        config = {**self.get_default_config(), **config}
        super().__init__(config, model_storage, resource, execution_context, featurizer)
        self.max_actions = int(config.get("max_actions_per_turn", 8))

    def train(self, training_trackers: list[TrackerWithCachedStates], domain: Domain, **kwargs: Any) -> Resource:
        return self._resource  # nothing to learn: the invariants hold for every conversation

    def predict_action_probabilities(
        self,
        tracker: DialogueStateTracker,
        domain: Domain,
        rule_only_data: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> PolicyPrediction:
        latest = tracker.latest_message
        intent = (latest.intent or {}).get("name") if latest is not None else None
        turn = actions_this_turn(tracker)
        card_question = (
            turn == []
            and latest is not None
            and intent == dialogue.FAQ_INTENT
            and dialogue.answers_about_card(latest.parse_data, [event.as_dict() for event in tracker.events])
        )
        decision = guard_decision(
            turn, intent, set(domain.form_names), self.max_actions, tracker.active_loop_name, card_question
        )
        probabilities = self._default_predictions(domain)
        if decision is None or decision not in domain.action_names_or_texts:
            return self._prediction(probabilities)
        probabilities[domain.index_for_action(decision)] = 1.0
        # "No user" predictions win over rule and loop predictions in Rasa's ensemble.
        return self._prediction(probabilities, is_no_user_prediction=True)

    def persist(self) -> None:
        with self._model_storage.write_to(self._resource):
            pass  # no state; the directory marks the policy as trained

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> TurnGuardPolicy:
        return cls(config, model_storage, resource, execution_context)
