"""UniversalSentenceEncoderFeaturizer: multilingual USE v3 sentence features beside the sparse ones."""

from __future__ import annotations

import numpy as np
import pytest
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from rasa_addons.components import CORRECTED_TEXT_KEY
from rasa_addons.featurizers import EMBEDDING_SIZE, UniversalSentenceEncoderFeaturizer, sentence_encoder


def _featurizer(**config: object) -> UniversalSentenceEncoderFeaturizer:
    full = {**UniversalSentenceEncoderFeaturizer.get_default_config(), "alias": "use", **config}
    return UniversalSentenceEncoderFeaturizer(full, "use")


def _vector(message: Message) -> np.ndarray:
    [features] = [f for f in message.features if f.type == FEATURE_TYPE_SENTENCE and f.attribute == TEXT]
    assert features.features.shape == (1, EMBEDDING_SIZE)
    return features.features[0]


def test_every_message_gets_one_normalised_sentence_vector() -> None:
    messages = [Message(data={TEXT: t}) for t in ("ik zoek een koffieochtend", "ik wil vrijwilliger worden")]
    _featurizer().process(messages)
    for message in messages:
        vector = _vector(message)
        assert np.linalg.norm(vector) == pytest.approx(1.0, abs=1e-3)
        assert not [f for f in message.features if f.type != FEATURE_TYPE_SENTENCE]


def test_meaning_is_closer_than_words() -> None:
    lonely, alone, sport = (Message(data={TEXT: t}) for t in (
        "ik voel me zo eenzaam", "ik zit de hele dag alleen thuis en spreek niemand", "mijn zoon wil op voetbal"))
    _featurizer().process([lonely, alone, sport])
    assert float(_vector(lonely) @ _vector(alone)) > float(_vector(lonely) @ _vector(sport))


def test_the_spelling_corrected_text_is_embedded_when_there_is_one() -> None:
    typed = Message(data={TEXT: "eensaamheid", CORRECTED_TEXT_KEY: "eenzaamheid"})
    right = Message(data={TEXT: "eenzaamheid"})
    _featurizer().process([typed, right])
    assert np.allclose(_vector(typed), _vector(right), atol=1e-5)


def test_training_data_is_featurized_in_batches_and_empty_text_is_skipped() -> None:
    examples = [Message(data={TEXT: f"ik zoek activiteit nummer {i}", "intent": "x"}) for i in range(7)]
    empty = Message(data={"intent": "x"})
    _featurizer(batch_size=3).process_training_data(TrainingData(training_examples=[*examples, empty]))
    assert all(_vector(m).shape == (EMBEDDING_SIZE,) for m in examples)
    assert empty.features == []


def test_the_encoder_is_loaded_once_per_process() -> None:
    assert sentence_encoder(1) is sentence_encoder(1)


def test_component_is_registered_as_an_untrained_featurizer() -> None:
    registered = DefaultV1Recipe._registered_components["UniversalSentenceEncoderFeaturizer"]
    assert DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER in registered.types
    assert registered.is_trainable is False
