"""`LinearIntentEnsemble`: a linear intent model averaged with DIETClassifier's intent ranking.

It sits right after DIETClassifier (before FallbackClassifier and the safety net). It trains a
`socialmap.intent_model.LinearIntentModel` on the same examples: TF-IDF word and character
n-grams of the (spelling-corrected) text plus the USE v3 sentence vector that
`UniversalSentenceEncoderFeaturizer` added. At parse time it mixes DIET's probabilities with its
own (`neural_weight` for DIET) and writes the mixed intent and ranking; FallbackClassifier then
judges the mixed confidence. DIET keeps extracting entities.

The weight and the fallback threshold come from cross-validation (`make eval`, never from the
frozen test set). Persisted as JSON and `.npy` only (no pickle).
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
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
from rasa.shared.nlu.training_data.training_data import TrainingData

from rasa_addons.components import CORRECTED_TEXT_KEY
from socialmap.intent_model import LinearIntentModel, combine

logger = logging.getLogger(__name__)

RANKING_LENGTH = 10


def _text(message: Message) -> str:
    text = message.get(CORRECTED_TEXT_KEY) or message.get(TEXT)
    return text if isinstance(text, str) else ""


def _sentence_vector(message: Message, size: int) -> np.ndarray | None:
    """Return the message's dense sentence vector of `size` (the USE featurizer's), if it has one."""
    for features in message.features or []:
        if (features.attribute == TEXT and features.type == "sentence" and features.is_dense()
                and features.features.shape[-1] == size):
            return np.asarray(features.features, dtype=np.float64).reshape(-1)[:size]
    return None


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class LinearIntentEnsemble(GraphComponent, IntentClassifier):
    """Averages a linear n-gram + sentence-vector intent model with the intent classifier before it."""

    @classmethod
    def required_components(cls) -> list[type]:
        """None that Rasa can check: it must follow DIETClassifier in config.yml (whose ranking it mixes).

        Rasa validates required components on the training graph too, where a trained classifier
        never feeds another trainable one, so naming IntentClassifier here fails validation.
        Without a ranking before it, it uses its own model alone (see `process`).
        """
        return []

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """Return the default config (chosen by cross-validation, see README)."""
        return {
            # share of the neural classifier (DIET) in the mixed probability; 0 = the linear model alone
            "neural_weight": 0.5,
            # inverse regularisation strength of the logistic regression
            "C": 50.0,
            # scale of the sentence vector against the unit-length n-gram blocks
            "dense_weight": 1.0,
            "dense_size": 512,
            "char_min": 2,
            "char_max": 5,
        }

    def __init__(self, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
                 model: LinearIntentModel | None = None) -> None:
        self.component_config = config
        self._model_storage = model_storage
        self._resource = resource
        self._model = model

    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> LinearIntentEnsemble:
        """Return an untrained component."""
        return cls({**cls.get_default_config(), **config}, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        """Fit the linear model on every intent example and persist it."""
        examples = [m for m in training_data.intent_examples if _text(m)]
        labels = [str(m.get(INTENT)) for m in examples]
        if len(set(labels)) < 2:
            logger.warning("LinearIntentEnsemble: fewer than two intents, nothing to train")
            return self._resource
        size = int(self.component_config["dense_size"])
        vectors = [_sentence_vector(m, size) for m in examples]
        dense = None
        if size and all(v is not None for v in vectors):
            dense = np.vstack(vectors)  # type: ignore[arg-type]
        elif size:
            logger.warning("LinearIntentEnsemble: no %d-d sentence vectors found; training on n-grams only", size)
        self._model = LinearIntentModel.fit(
            [_text(m) for m in examples], labels, dense,
            c=float(self.component_config["C"]),
            dense_weight=float(self.component_config["dense_weight"]),
            char_range=(int(self.component_config["char_min"]), int(self.component_config["char_max"])),
        )
        with self._model_storage.write_to(self._resource) as directory:
            self._model.save(directory)
        return self._resource

    @classmethod
    def load(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> LinearIntentEnsemble:
        """Return the trained component; without a stored model it passes the neural ranking through."""
        full = {**cls.get_default_config(), **config}
        try:
            with model_storage.read_from(resource) as directory:
                return cls(full, model_storage, resource, LinearIntentModel.load(directory))
        except ValueError as error:
            logger.warning("LinearIntentEnsemble: %s; the neural ranking is used alone", error)
            return cls(full, model_storage, resource)

    def process(self, messages: list[Message]) -> list[Message]:
        """Return the messages with the mixed intent and ranking."""
        if self._model is None:
            return messages
        todo = [m for m in messages if _text(m) and not _text(m).startswith("/")]
        if not todo:
            return messages
        size = self._model.dense_size
        vectors = [_sentence_vector(m, size) if size else None for m in todo]
        dense = None
        if size:
            dense = np.vstack([v if v is not None else np.zeros(size) for v in vectors])
        linear = self._model.probabilities([_text(m) for m in todo], dense)
        weight = float(self.component_config["neural_weight"])
        for message, row in zip(todo, linear, strict=True):
            neural = {str(r.get(INTENT_NAME_KEY)): float(r.get(PREDICTED_CONFIDENCE_KEY) or 0.0)
                      for r in message.get(INTENT_RANKING_KEY) or []}
            if not neural:
                previous = message.get(INTENT) or {}
                if previous.get(INTENT_NAME_KEY):
                    neural = {str(previous[INTENT_NAME_KEY]): float(previous.get(PREDICTED_CONFIDENCE_KEY) or 0.0)}
            own = dict(zip(self._model.labels, (float(p) for p in row), strict=True))
            ranking = combine(neural, own, weight if neural else 0.0)[:RANKING_LENGTH]
            best, confidence = ranking[0]
            message.set(INTENT, {INTENT_NAME_KEY: best, PREDICTED_CONFIDENCE_KEY: confidence}, add_to_output=True)
            message.set(INTENT_RANKING_KEY,
                        [{INTENT_NAME_KEY: n, PREDICTED_CONFIDENCE_KEY: c} for n, c in ranking], add_to_output=True)
        return messages
