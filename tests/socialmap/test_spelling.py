"""Repairing misspelt domain words, and leaving everything else exactly as typed."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from socialmap.spelling import DOMAIN_WORDS, correct_text, correct_word, edit_distance


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("eensaamheid", "eenzaamheid"),
        ("vrijwiligerswerk", "vrijwilligerswerk"),
        ("koffieochtent", "koffieochtend"),
        ("mantelzoger", "mantelzorger"),
        ("respeitzorg", "respijtzorg"),
        ("dagbestedng", "dagbesteding"),
        ("kortingpas", "kortingspas"),
        ("jeugfonds", "jeugdfonds"),
        ("vrijwilger", "vrijwilliger"),
        ("Mantelzoger", "Mantelzorger"),
    ],
)
def test_misspelt_domain_word_is_repaired(typed: str, meant: str) -> None:
    assert correct_word(typed) == meant


@pytest.mark.parametrize(
    "word",
    [
        # correct Dutch or domain words
        "mantelzorgers", "eenzaam", "zorgen", "sinds", "dorpshuis", "koffie",
        # places (gazetteer and the rest of the Netherlands), even when close to a domain word
        "Zweeloo", "Emmen", "Gieten", "Zwolle", "Ruinen",
        # short words and chat words
        "ff", "yo", "chill", "mn",
    ],
)
def test_known_words_places_and_short_words_are_left_alone(word: str) -> None:
    assert correct_word(word) == word


@pytest.mark.parametrize(
    "text",
    [
        "bel mij op [TELEFOON] of mail [EMAIL]",
        "mijn postcode is 9451KA",
        "ik woon op nummer 12a",
        "ik ben 81 en woon in Zweeloo",
        "",
    ],
)
def test_tags_postcodes_numbers_and_places_are_never_touched(text: str) -> None:
    assert correct_text(text) == text


def test_a_message_keeps_its_other_words_spacing_and_punctuation() -> None:
    typed = "Goedemorgen!  ik zoek een koffieochtent in Zweeloo, en vrijwiligerswerk?"
    assert correct_text(typed) == "Goedemorgen!  ik zoek een koffieochtend in Zweeloo, en vrijwilligerswerk?"


def test_a_tag_with_a_domain_like_word_inside_stays() -> None:
    assert correct_text("[MANTELZOGER] staat hier") == "[MANTELZOGER] staat hier"


def test_edit_distance_counts_a_swap_as_one_edit() -> None:
    assert edit_distance("mantelzorger", "mantelzroger") == 1
    assert edit_distance("abc", "abc") == 0
    assert edit_distance("", "abc") == 3


def test_domain_lexicon_has_no_duplicates() -> None:
    assert len(DOMAIN_WORDS) == len(set(DOMAIN_WORDS))
    assert all(word == word.lower() and word.isalpha() for word in DOMAIN_WORDS)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=80))
def test_correct_text_never_raises_and_keeps_non_words(text: str) -> None:
    corrected = correct_text(text)
    strip = lambda s: "".join(ch for ch in s if not ch.isalpha())  # noqa: E731
    assert strip(corrected) == strip(text)
