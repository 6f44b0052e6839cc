"""A linear intent model beside the neural one: character and word n-grams plus a sentence vector.

Why a second model: DIETClassifier (a small transformer) learns the training phrasings well but
generalises unevenly to words it has not seen; a regularised logistic regression over TF-IDF
character n-grams (robust to typos, compounds and inflection: "koffieochtendje",
"vrijwilligerswerkje") and the multilingual sentence vector errs in other places. Averaging the
two models' probabilities makes fewer errors than either (measured by cross-validation in
`make eval`; see README "How it understands Dutch").

Plain numpy at run time, no pickles: the vocabularies are JSON and the weights `.npy` files
read with `allow_pickle=False`, so loading a model file can never execute code. scikit-learn is
used only to fit.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import scipy.sparse as sp

FORMAT_VERSION = 1
_WORD_RE = re.compile(r"(?u)\b\w+\b")
_SPACE_RE = re.compile(r"\s+")


def _normalise(text: str) -> str:
    return _SPACE_RE.sub(" ", text.lower()).strip()


def _word_ngrams(text: str) -> list[str]:
    words = _WORD_RE.findall(text)
    return words + [f"{a} {b}" for a, b in zip(words, words[1:], strict=False)]


def _char_ngrams(text: str, low: int, high: int) -> list[str]:
    """Character n-grams inside word boundaries, padded with a space (like scikit-learn's char_wb)."""
    grams: list[str] = []
    for word in text.split():
        padded = f" {word} "
        for n in range(low, high + 1):
            if len(padded) < n:
                break
            grams.extend(padded[i : i + n] for i in range(len(padded) - n + 1))
    return grams


@dataclass(frozen=True)
class NgramSpace:
    """One TF-IDF space: a vocabulary (n-gram -> column) and each column's idf."""

    kind: str  # "word" or "char"
    vocabulary: dict[str, int]
    idf: np.ndarray
    low: int = 1
    high: int = 2

    def grams(self, text: str) -> list[str]:
        return _word_ngrams(text) if self.kind == "word" else _char_ngrams(text, self.low, self.high)

    def transform(self, texts: Sequence[str]) -> sp.csr_matrix:
        """Return sublinear TF-IDF rows, each scaled to unit length (unknown n-grams are ignored)."""
        rows, cols, values = [], [], []
        for row, text in enumerate(texts):
            counts: dict[int, int] = {}
            for gram in self.grams(text):
                column = self.vocabulary.get(gram)
                if column is not None:
                    counts[column] = counts.get(column, 0) + 1
            if not counts:
                continue
            columns = np.fromiter(counts.keys(), dtype=np.int64)
            weights = (1.0 + np.log(np.fromiter(counts.values(), dtype=np.float64))) * self.idf[columns]
            weights /= np.linalg.norm(weights) or 1.0
            rows.extend([row] * len(columns))
            cols.extend(columns.tolist())
            values.extend(weights.tolist())
        return sp.csr_matrix((values, (rows, cols)), shape=(len(texts), len(self.vocabulary)))

    @classmethod
    def fit(cls, kind: str, texts: Sequence[str], low: int = 1, high: int = 2) -> NgramSpace:
        """Return the space of every n-gram in the texts, with smoothed idf (as scikit-learn)."""
        documents: dict[str, int] = {}
        probe = cls(kind, {}, np.zeros(0), low, high)
        for text in texts:
            for gram in set(probe.grams(text)):
                documents[gram] = documents.get(gram, 0) + 1
        vocabulary = {gram: index for index, gram in enumerate(sorted(documents))}
        df = np.array([documents[gram] for gram in sorted(documents)], dtype=np.float64)
        idf = np.log((1 + len(texts)) / (1 + df)) + 1.0
        return cls(kind, vocabulary, idf, low, high)


class LinearIntentModel:
    """Multinomial logistic regression over word and character TF-IDF and a dense sentence vector."""

    def __init__(
        self,
        spaces: list[NgramSpace],
        labels: list[str],
        coef: np.ndarray,
        intercept: np.ndarray,
        dense_weight: float,
        dense_size: int,
    ) -> None:
        self.spaces = spaces
        self.labels = labels
        self.coef = coef
        self.intercept = intercept
        self.dense_weight = dense_weight
        self.dense_size = dense_size
        self._weights: list[np.ndarray] | None = None

    @classmethod
    def fit(
        cls,
        texts: Sequence[str],
        labels: Sequence[str],
        dense: np.ndarray | None = None,
        c: float = 50.0,
        dense_weight: float = 1.0,
        char_range: tuple[int, int] = (2, 5),
        balanced: bool = True,
    ) -> LinearIntentModel:
        """Return a model fitted on the texts (and their sentence vectors, one row each)."""
        from sklearn.linear_model import LogisticRegression  # fitting only; serving is numpy

        if len(set(labels)) < 2:
            raise ValueError("a linear intent model needs at least two intents")
        normalised = [_normalise(t) for t in texts]
        spaces = [NgramSpace.fit("word", normalised), NgramSpace.fit("char", normalised, *char_range)]
        dense_size = 0 if dense is None else int(np.asarray(dense).shape[1])
        blocks = [space.transform(normalised) for space in spaces]
        if dense is not None:
            blocks.append(sp.csr_matrix(np.asarray(dense, dtype=np.float64) * dense_weight))
        features = sp.hstack(blocks).tocsr()
        model = LogisticRegression(C=c, max_iter=3000, class_weight="balanced" if balanced else None)
        model.fit(features, list(labels))
        return cls(spaces, [str(label) for label in model.classes_], model.coef_.astype(np.float32),
                   model.intercept_.astype(np.float32), dense_weight, dense_size)

    def _blocks(self) -> list[np.ndarray]:
        """Return the weights per feature block (each n-gram space, then the dense vector), transposed."""
        if self._weights is None:
            bounds = np.cumsum([0] + [len(s.vocabulary) for s in self.spaces] + [self.dense_size])
            self._weights = [np.ascontiguousarray(self.coef[:, a:b].T, dtype=np.float64)
                             for a, b in zip(bounds[:-1], bounds[1:], strict=True)]
        return self._weights

    def probabilities(self, texts: Sequence[str], dense: np.ndarray | None = None) -> np.ndarray:
        """Return one row of intent probabilities per text, columns in the order of `labels`."""
        normalised = [_normalise(t) for t in texts]
        weights = self._blocks()
        scores = np.tile(self.intercept.astype(np.float64), (len(normalised), 1))
        for space, block in zip(self.spaces, weights, strict=False):
            scores += space.transform(normalised) @ block
        if self.dense_size and dense is not None:
            scores += (np.asarray(dense, dtype=np.float64) * self.dense_weight) @ weights[-1]
        scores -= scores.max(axis=1, keepdims=True)
        exp = np.exp(scores)
        return exp / exp.sum(axis=1, keepdims=True)

    # --- persistence: JSON and .npy only ------------------------------------------------------

    def save(self, directory: Path) -> None:
        """Write the model into a directory (created when missing)."""
        directory.mkdir(parents=True, exist_ok=True)
        meta = {
            "format": FORMAT_VERSION,
            "labels": self.labels,
            "dense_weight": self.dense_weight,
            "dense_size": self.dense_size,
            "spaces": [{"kind": s.kind, "low": s.low, "high": s.high, "vocabulary": s.vocabulary}
                       for s in self.spaces],
        }
        (directory / "linear_intent_model.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
        np.save(directory / "coef.npy", self.coef, allow_pickle=False)
        np.save(directory / "intercept.npy", self.intercept, allow_pickle=False)
        for index, space in enumerate(self.spaces):
            np.save(directory / f"idf{index}.npy", space.idf, allow_pickle=False)

    @classmethod
    def load(cls, directory: Path) -> LinearIntentModel:
        """Return the model saved in a directory; ValueError when it is missing or of another format."""
        try:
            meta = json.loads((directory / "linear_intent_model.json").read_text(encoding="utf-8"))
            if meta.get("format") != FORMAT_VERSION:
                raise ValueError(f"linear intent model format {meta.get('format')!r}, expected {FORMAT_VERSION}")
            spaces = [
                NgramSpace(s["kind"], {str(k): int(v) for k, v in s["vocabulary"].items()},
                           np.load(directory / f"idf{index}.npy", allow_pickle=False), int(s["low"]), int(s["high"]))
                for index, s in enumerate(meta["spaces"])
            ]
            coef = np.load(directory / "coef.npy", allow_pickle=False)
            intercept = np.load(directory / "intercept.npy", allow_pickle=False)
        except (OSError, KeyError, TypeError, json.JSONDecodeError) as error:
            raise ValueError(f"cannot load the linear intent model from {directory}: {error}") from error
        labels = [str(label) for label in meta["labels"]]
        if coef.shape != (len(labels), sum(len(s.vocabulary) for s in spaces) + int(meta["dense_size"])):
            raise ValueError(f"linear intent model in {directory} is inconsistent: weights {coef.shape}")
        return cls(spaces, labels, coef, intercept, float(meta["dense_weight"]), int(meta["dense_size"]))


def combine(neural: dict[str, float], linear: dict[str, float], neural_weight: float) -> list[tuple[str, float]]:
    """Return (intent, probability) best first: the weighted average of two models' probabilities.

    An intent missing from one model's ranking counts as probability 0 there (DIET reports only its
    top intents).
    """
    names = set(neural) | set(linear)
    mixed = {n: neural_weight * neural.get(n, 0.0) + (1.0 - neural_weight) * linear.get(n, 0.0) for n in names}
    return sorted(mixed.items(), key=lambda item: (-item[1], item[0]))
