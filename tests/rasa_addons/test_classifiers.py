"""LinearIntentEnsemble: trains in Rasa's model storage, mixes with DIET's ranking, loads back."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from rasa_addons.classifiers import LinearIntentEnsemble
from rasa_addons.components import CORRECTED_TEXT_KEY

TRAIN = {
    "find_volunteer_work": ["ik wil vrijwilligerswerk doen", "ik zoek vrijwilligerswerk", "vrijwilliger worden",
                            "vrijwilligerswerk voor gepensioneerden"],
    "find_meeting_place": ["is er een koffieochtend", "waar is een buurthuis", "ik zoek een eettafel",
                           "ontmoetingsplek voor ouderen"],
    "goodbye": ["doei", "tot ziens", "dag hoor", "fijne dag verder"],
}
SIZE = 6
CENTRES = {label: np.eye(SIZE)[i] for i, label in enumerate(TRAIN)}


def _message(text: str, intent: str | None = None, vector: np.ndarray | None = None) -> Message:
    data = {TEXT: text}
    if intent:
        data[INTENT] = intent
    message = Message(data=data)
    if vector is not None:
        message.add_features(Features(vector.reshape(1, -1), FEATURE_TYPE_SENTENCE, TEXT, "use"))
    return message


def _trained(storage_dir: Path, **config: object) -> tuple[LinearIntentEnsemble, LocalModelStorage, Resource]:
    storage_dir.mkdir(parents=True, exist_ok=True)
    storage = LocalModelStorage(storage_dir)
    resource = Resource("linear_intent_ensemble")
    context = ExecutionContext(GraphSchema({}), "test")
    full = {"dense_size": SIZE, **config}
    component = LinearIntentEnsemble.create(full, storage, resource, context)
    examples = [_message(t, label, CENTRES[label]) for label, ts in TRAIN.items() for t in ts]
    component.train(TrainingData(training_examples=examples))
    loaded = LinearIntentEnsemble.load({**LinearIntentEnsemble.get_default_config(), **full}, storage, resource,
                                       context)
    return loaded, storage, resource


def _neural(message: Message, ranking: dict[str, float]) -> Message:
    best = max(ranking, key=ranking.get)
    message.set(INTENT, {"name": best, "confidence": ranking[best]}, add_to_output=True)
    message.set(INTENT_RANKING_KEY, [{"name": n, "confidence": c} for n, c in ranking.items()], add_to_output=True)
    return message


@pytest.fixture(scope="module")
def storage_dir() -> Path:
    return Path(tempfile.mkdtemp(prefix="linear-intent-"))


def test_the_mix_overrules_a_wrong_but_unsure_neural_guess(storage_dir: Path) -> None:
    component, _, _ = _trained(storage_dir / "a", neural_weight=0.5)
    message = _neural(_message("ik wil graag vrijwilligerswerk doen", vector=CENTRES["find_volunteer_work"]),
                      {"goodbye": 0.55, "find_volunteer_work": 0.45})
    component.process([message])
    assert message.get(INTENT)["name"] == "find_volunteer_work"
    ranking = message.get(INTENT_RANKING_KEY)
    assert ranking[0]["name"] == "find_volunteer_work"
    assert [r["confidence"] for r in ranking] == sorted((r["confidence"] for r in ranking), reverse=True)
    assert sum(r["confidence"] for r in ranking) == pytest.approx(1.0, abs=1e-6)
    assert message.as_dict_nlu()[INTENT]["name"] == "find_volunteer_work"


def test_a_neural_weight_of_one_keeps_the_neural_answer(storage_dir: Path) -> None:
    component, _, _ = _trained(storage_dir / "b", neural_weight=1.0)
    message = _neural(_message("ik wil graag vrijwilligerswerk doen", vector=CENTRES["find_volunteer_work"]),
                      {"goodbye": 0.55, "find_volunteer_work": 0.45})
    component.process([message])
    assert message.get(INTENT) == {"name": "goodbye", "confidence": pytest.approx(0.55)}


def test_the_spelling_corrected_text_is_classified(storage_dir: Path) -> None:
    component, _, _ = _trained(storage_dir / "c", neural_weight=0.0, dense_size=0)
    message = _neural(_message("zzzz"), {"goodbye": 1.0})
    message.set(CORRECTED_TEXT_KEY, "ik zoek vrijwilligerswerk")
    component.process([message])
    assert message.get(INTENT)["name"] == "find_volunteer_work"


def test_intent_payloads_and_empty_texts_pass_through(storage_dir: Path) -> None:
    component, _, _ = _trained(storage_dir / "d")
    payload = _neural(_message("/goodbye"), {"goodbye": 1.0})
    empty = _message("")
    component.process([payload, empty])
    assert payload.get(INTENT) == {"name": "goodbye", "confidence": 1.0}
    assert empty.get(INTENT) is None


def test_without_a_stored_model_the_neural_ranking_stands(storage_dir: Path) -> None:
    (storage_dir / "e").mkdir(parents=True, exist_ok=True)
    storage = LocalModelStorage(storage_dir / "e")
    context = ExecutionContext(GraphSchema({}), "test")
    component = LinearIntentEnsemble.load(LinearIntentEnsemble.get_default_config(), storage,
                                          Resource("never_trained"), context)
    message = _neural(_message("doei"), {"find_meeting_place": 0.9, "goodbye": 0.1})
    component.process([message])
    assert message.get(INTENT)["name"] == "find_meeting_place"


def test_component_is_registered_as_a_trainable_intent_classifier() -> None:
    registered = DefaultV1Recipe._from_registry(LinearIntentEnsemble.__name__)
    assert registered.clazz is LinearIntentEnsemble
    assert DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER in registered.types
    assert registered.is_trainable
