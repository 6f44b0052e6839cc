"""NLU components that run inside the Rasa server.

`DomainSpellingNormaliser` sits right after the tokenizer: a misspelt domain word
("mantelzoger", "koffieochtent") gets the corrected word as its lemma, which the
CountVectorsFeaturizers read, and the corrected text is kept for the sentence
encoder (rasa_addons.featurizers). The text itself, the tokens' offsets and the
entities stay as typed. Rules in `socialmap.spelling`.

`CrisisSafetyNet` sits last in the pipeline of config.yml and applies the two
tiers of `socialmap.safety.assess`, whatever DIETClassifier or FallbackClassifier
said, so the safety answers never depend on the model alone:
* crisis (suicidality, self-harm): intent `crisis`, confidence 1.0;
* distress without suicidality: intent `express_distress` (unless the model
  already said `crisis`, which stays);
* a carer's exhaustion ("ik kan het niet meer aan, de zorg voor mijn man"): a
  model's `crisis` or `express_distress` becomes `find_carer_support`, so the
  carer gets respite care, not a false alarm.
"""

from __future__ import annotations

import logging
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.nlu.constants import TOKENS_NAMES
from rasa.nlu.tokenizers.tokenizer import Tokenizer
from rasa.shared.nlu.constants import (
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from socialmap import safety
from socialmap.spelling import correct_word

logger = logging.getLogger(__name__)

CRISIS_INTENT_KEY = "intent_name"
DISTRESS_INTENT_KEY = "distress_intent_name"
CARER_INTENT_KEY = "carer_intent_name"
# Message key of the spelling-corrected text (never part of the parse output).
CORRECTED_TEXT_KEY = "text_spelling_corrected"


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER], is_trainable=False)
class DomainSpellingNormaliser(GraphComponent):
    """Gives misspelt domain words their corrected form as lemma, before the featurizers."""

    @classmethod
    def required_components(cls) -> list[type]:
        """Components that must come before this one: a tokenizer."""
        return [Tokenizer]

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """Return the default config (nothing to set)."""
        return {}

    def __init__(self, config: dict[str, Any]) -> None:
        self.component_config = config

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> DomainSpellingNormaliser:
        """Return a new normaliser; reads the shared word lists now, not on the first message."""
        correct_word("mantelzoger")
        return cls({**cls.get_default_config(), **config})

    @staticmethod
    def _normalise(message: Message) -> None:
        text = message.get(TEXT)
        tokens = message.get(TOKENS_NAMES[TEXT])
        if not isinstance(text, str) or not tokens or text.startswith("/"):
            return
        pieces, last, changed = [], 0, False
        for token in tokens:
            corrected = correct_word(token.text)
            if corrected == token.text:
                continue
            token.lemma = corrected.lower()
            pieces.append(text[last : token.start])
            pieces.append(corrected)
            last = token.end
            changed = True
        if changed:
            pieces.append(text[last:])
            message.set(CORRECTED_TEXT_KEY, "".join(pieces))

    def process(self, messages: list[Message]) -> list[Message]:
        """Return the messages with misspelt domain words corrected in their token lemmas."""
        for message in messages:
            self._normalise(message)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Return the training data, normalised the same way as incoming messages."""
        self.process(training_data.training_examples)
        return training_data


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class CrisisSafetyNet(GraphComponent, IntentClassifier):
    """Applies the two safety tiers (crisis, distress) and keeps carer fatigue out of them."""

    @classmethod
    def required_components(cls) -> list[type]:
        """Components that must come before this one: any intent classifier."""
        return [IntentClassifier]

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """Return the default config: the intent names in domain.yml."""
        return {
            CRISIS_INTENT_KEY: "crisis",
            DISTRESS_INTENT_KEY: "express_distress",
            CARER_INTENT_KEY: "find_carer_support",
        }

    def __init__(self, config: dict[str, Any]) -> None:
        self.component_config = config

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> CrisisSafetyNet:
        """Return a new safety net (nothing to train or load)."""
        return cls({**cls.get_default_config(), **config})

    @staticmethod
    def _force(message: Message, name: str) -> None:
        forced = {INTENT_NAME_KEY: name, PREDICTED_CONFIDENCE_KEY: 1.0}
        previous = message.data.get(INTENT) or {}
        if previous.get(INTENT_NAME_KEY) != name:
            logger.info("safety net: intent %r becomes %r", previous.get(INTENT_NAME_KEY), name)
        message.data[INTENT] = dict(forced)
        ranking = [r for r in (message.data.get(INTENT_RANKING_KEY) or []) if r.get(INTENT_NAME_KEY) != name]
        message.data[INTENT_RANKING_KEY] = [dict(forced), *ranking]

    def process(self, messages: list[Message]) -> list[Message]:
        """Return the messages, with the safety intents forced where the rules recognise them."""
        crisis = self.component_config.get(CRISIS_INTENT_KEY, "crisis")
        distress = self.component_config.get(DISTRESS_INTENT_KEY, "express_distress")
        carer = self.component_config.get(CARER_INTENT_KEY, "find_carer_support")
        for message in messages:
            text = message.get(TEXT)
            # Button payloads ("/affirm") are not free text.
            if not isinstance(text, str) or text.startswith("/"):
                continue
            tier = safety.assess(text)
            predicted = (message.data.get(INTENT) or {}).get(INTENT_NAME_KEY)
            if tier == safety.CRISIS:
                self._force(message, crisis)
            elif tier == safety.DISTRESS and predicted != crisis:
                self._force(message, distress)
            elif tier == safety.CARER_FATIGUE and predicted in (crisis, distress):
                self._force(message, carer)
        return messages
