"""The linear intent model: fits, predicts unseen phrasings, survives typos, and loads without pickle."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from socialmap.intent_model import LinearIntentModel, NgramSpace, combine

TRAIN = {
    "find_volunteer_work": ["ik wil vrijwilligerswerk doen", "ik zoek vrijwilligerswerk in Assen",
                            "kan ik ergens vrijwilliger worden", "vrijwilligerswerk voor gepensioneerden"],
    "find_meeting_place": ["is er een koffieochtend in de buurt", "waar is een buurthuis",
                           "ik zoek een eettafel in het dorp", "ontmoetingsplek voor ouderen"],
    "goodbye": ["doei", "tot ziens", "dag hoor", "fijne dag verder"],
}


def _data() -> tuple[list[str], list[str]]:
    texts = [t for ts in TRAIN.values() for t in ts]
    labels = [label for label, ts in TRAIN.items() for _ in ts]
    return texts, labels


def _predict(model: LinearIntentModel, text: str) -> str:
    return model.labels[int(np.argmax(model.probabilities([text])[0]))]


def test_it_predicts_unseen_phrasings_and_typos() -> None:
    model = LinearIntentModel.fit(*_data(), c=50.0)
    assert _predict(model, "vrijwiligerswerkje zoeken") == "find_volunteer_work"
    assert _predict(model, "koffieochtent bij ons in het buurthuis?") == "find_meeting_place"
    assert _predict(model, "TOT ZIENS!!") == "goodbye"


def test_probabilities_are_a_distribution_per_text() -> None:
    model = LinearIntentModel.fit(*_data())
    rows = model.probabilities(["doei", "", "ik wil vrijwilliger worden"])
    assert rows.shape == (3, 3)
    assert np.allclose(rows.sum(axis=1), 1.0)
    # An empty text has no n-grams: it leans on the intercepts only, never on a lucky word.
    assert rows[1].max() < 0.6


def test_dense_vectors_take_part_and_missing_ones_count_as_zero() -> None:
    texts, labels = _data()
    rng = np.random.default_rng(1)
    centres = {label: rng.normal(size=8) for label in TRAIN}
    dense = np.vstack([centres[label] + rng.normal(scale=0.05, size=8) for label in labels])
    model = LinearIntentModel.fit(texts, labels, dense, dense_weight=3.0)
    assert model.dense_size == 8
    # No shared words at all: only the sentence vector can decide.
    probe = model.probabilities(["zzz qqq"], centres["goodbye"].reshape(1, -1))
    assert model.labels[int(np.argmax(probe))] == "goodbye"
    assert model.probabilities(["doei"]).shape == (1, 3)


def test_save_and_load_give_the_same_probabilities_without_pickle(tmp_path: Path) -> None:
    texts, labels = _data()
    dense = np.random.default_rng(2).normal(size=(len(texts), 4))
    model = LinearIntentModel.fit(texts, labels, dense)
    model.save(tmp_path)
    assert {p.suffix for p in tmp_path.iterdir()} == {".json", ".npy"}
    for path in tmp_path.glob("*.npy"):
        np.load(path, allow_pickle=False)  # raises if any array needs pickle
    loaded = LinearIntentModel.load(tmp_path)
    probe = ["ik zoek vrijwilligerswerk", "doei"]
    assert loaded.labels == model.labels
    assert np.allclose(loaded.probabilities(probe, dense[:2]), model.probabilities(probe, dense[:2]))


def test_a_broken_or_foreign_model_directory_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="cannot load"):
        LinearIntentModel.load(tmp_path)
    model = LinearIntentModel.fit(*_data())
    model.save(tmp_path)
    meta = json.loads((tmp_path / "linear_intent_model.json").read_text())
    meta["format"] = 99
    (tmp_path / "linear_intent_model.json").write_text(json.dumps(meta))
    with pytest.raises(ValueError, match="format"):
        LinearIntentModel.load(tmp_path)
    meta["format"] = 1
    (tmp_path / "linear_intent_model.json").write_text(json.dumps(meta))
    np.save(tmp_path / "coef.npy", np.zeros((2, 2), dtype=np.float32))
    with pytest.raises(ValueError, match="inconsistent"):
        LinearIntentModel.load(tmp_path)


def test_one_intent_is_not_a_model() -> None:
    with pytest.raises(ValueError):
        LinearIntentModel.fit(["a b", "c d"], ["greet", "greet"])


def test_char_ngrams_stay_inside_words_like_scikit_learn() -> None:
    from sklearn.feature_extraction.text import TfidfVectorizer

    texts = ["ik zoek een koffieochtend", "koffie en een praatje", "zoek zoek"]
    ours = NgramSpace.fit("char", texts, 2, 4)
    theirs = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4), sublinear_tf=True).fit(texts)
    assert set(ours.vocabulary) == set(theirs.vocabulary_)
    mine = ours.transform(texts).toarray()
    reference = theirs.transform(texts).toarray()
    order = [theirs.vocabulary_[g] for g in sorted(ours.vocabulary, key=ours.vocabulary.get)]
    assert np.allclose(mine, reference[:, order])


def test_combine_averages_and_counts_missing_as_zero() -> None:
    ranking = combine({"a": 0.7, "b": 0.3}, {"b": 0.6, "c": 0.4}, neural_weight=0.5)
    assert ranking[0] == ("b", pytest.approx(0.45))
    assert dict(ranking) == pytest.approx({"a": 0.35, "b": 0.45, "c": 0.2})
    assert combine({"a": 0.7, "b": 0.3}, {"b": 0.6, "c": 0.4}, neural_weight=0.8)[0][0] == "a"
    assert combine({"a": 1.0}, {"b": 1.0}, neural_weight=0.0)[0] == ("b", 1.0)
