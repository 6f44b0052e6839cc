"""NLU components that run inside the Rasa server.

`CrisisSafetyNet` sits last in the pipeline of config.yml. When the rule-based
`socialmap.safety.is_crisis` recognises suicide or self-harm in a message, it
sets the intent to `crisis` with confidence 1.0, whatever DIETClassifier or
FallbackClassifier said, so the crisis answer never depends on the model alone.
"""

from __future__ import annotations

import logging
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import (
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message

from socialmap.safety import is_crisis

logger = logging.getLogger(__name__)

CRISIS_INTENT_KEY = "intent_name"


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class CrisisSafetyNet(GraphComponent, IntentClassifier):
    """Sets the intent to `crisis` when the rule-based safety net recognises a crisis."""

    @classmethod
    def required_components(cls) -> list[type]:
        """Components that must come before this one: any intent classifier."""
        return [IntentClassifier]

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """Return the default config: the name of the crisis intent in domain.yml."""
        return {CRISIS_INTENT_KEY: "crisis"}

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

    def process(self, messages: list[Message]) -> list[Message]:
        """Return the messages, with the crisis intent forced where the rules recognise a crisis."""
        name = self.component_config.get(CRISIS_INTENT_KEY, "crisis")
        for message in messages:
            text = message.get(TEXT)
            # Button payloads ("/affirm") are not free text.
            if not isinstance(text, str) or text.startswith("/") or not is_crisis(text):
                continue
            crisis = {INTENT_NAME_KEY: name, PREDICTED_CONFIDENCE_KEY: 1.0}
            previous = message.data.get(INTENT) or {}
            if previous.get(INTENT_NAME_KEY) != name:
                logger.info("crisis safety net overrides intent %r", previous.get(INTENT_NAME_KEY))
            message.data[INTENT] = dict(crisis)
            ranking = [
                r for r in (message.data.get(INTENT_RANKING_KEY) or []) if r.get(INTENT_NAME_KEY) != name
            ]
            message.data[INTENT_RANKING_KEY] = [dict(crisis), *ranking]
        return messages
