"""Tests of the Dutch spaCy pipeline and the generated Rasa lookup table."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest
import spacy
import yaml

from socialmap import nlp_pipeline
from socialmap.geo import MUNICIPALITIES, ambiguous_names, load_gazetteer, normalise
from socialmap.nlp_pipeline import LOOKUP_PATH, build, lookup_yaml, name_variants


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    out = tmp_path_factory.mktemp("spacy_nl")
    lookup = out.parent / "lookup_places.yml"
    build(out, lookup)
    return out, lookup


@pytest.fixture(scope="module")
def nlp(built: tuple[Path, Path]) -> spacy.language.Language:
    return spacy.load(built[0])


def ents(nlp: spacy.language.Language, text: str) -> list[tuple[str, str]]:
    return [(e.text, e.label_) for e in nlp(text).ents]


def test_built_pipeline_loads_with_lemmatizer_and_ruler(nlp: spacy.language.Language) -> None:
    assert nlp.lang == "nl"
    assert nlp.pipe_names == ["lemmatizer", "entity_ruler"]


def test_example_sentence_gives_location_and_postcode(nlp: spacy.language.Language) -> None:
    assert ents(nlp, "Ik zoek vrijwilligerswerk in Hoogeveen, 7901 AB") == [
        ("Hoogeveen", "location"),
        ("7901 AB", "postcode"),
    ]


@pytest.mark.parametrize(
    ("word", "lemma"),
    [("mantelzorgers", "mantelzorger"), ("vrijwilligers", "vrijwilliger"), ("activiteiten", "activiteit")],
)
def test_lookup_lemmatizer_gives_dutch_lemmas(nlp: spacy.language.Language, word: str, lemma: str) -> None:
    assert nlp(word)[0].lemma_ == lemma


@pytest.mark.parametrize(
    ("text", "expected", "canonical"),
    [
        ("ik woon in emmen", "emmen", "Emmen"),
        ("ik woon in Nieuw-Amsterdam", "Nieuw-Amsterdam", "Nieuw-Amsterdam"),
        ("ik woon in nieuw amsterdam", "nieuw amsterdam", "Nieuw-Amsterdam"),
        ("in de gemeente Aa en Hunze", "Aa en Hunze", "Aa en Hunze"),
        ("bij Emmer-Compascuum", "Emmer-Compascuum", "Emmer-Compascuum"),
        ("in Borger-Odoorn graag", "Borger-Odoorn", "Borger-Odoorn"),
        ("ik woon in 2e Exloërmond", "2e Exloërmond", "2e Exloërmond"),
        ("ik woon in tweede exloermond", "tweede exloermond", "2e Exloërmond"),
        ("ik woon in 't Haantje", "'t Haantje", "'t Haantje"),
        ("iets in ZWEELOO", "ZWEELOO", "Zweeloo"),
        # A name that is also a word carries its preposition; the geocoder reads "in Een" as Een.
        ("ik woon in Een", "in Een", "Een"),
        ("koffieochtend bij Vries", "bij Vries", "Vries"),
        ("ik woon in anderen.", "in anderen.", "Anderen"),
    ],
)
def test_place_names_are_found_case_insensitively(
    nlp: spacy.language.Language, text: str, expected: str, canonical: str
) -> None:
    doc = nlp(text)
    assert [(e.text, e.label_, e.ent_id_) for e in doc.ents] == [(expected, "location", canonical)]


@pytest.mark.parametrize("municipality", MUNICIPALITIES)
def test_every_municipality_is_a_location(nlp: spacy.language.Language, municipality: str) -> None:
    assert ents(nlp, f"ik woon in de gemeente {municipality}") == [(municipality, "location")]


def test_every_woonplaats_is_a_location(nlp: spacy.language.Language) -> None:
    ambiguous = ambiguous_names()

    def expected(name: str) -> str:
        return f"in {name}" if normalise(name) in ambiguous else name

    missing = [
        e.woonplaats
        for e in load_gazetteer().entries
        if ents(nlp, f"ik woon in {e.woonplaats} .") != [(expected(e.woonplaats), "location")]
    ]
    assert missing == []


@pytest.mark.parametrize(
    "text",
    [
        "ik zoek vrijwilligerswerk samen met anderen",
        "is er iets voor ouderen waar je met anderen kunt eten",
        "Anderen helpen vind ik fijn",
        "een koffieochtend om de hoek",
        "ik vries bijna dood thuis",
        "ik heb het nooitgedacht",
        "iets in een dorpshuis",
    ],
)
def test_place_names_that_are_words_need_place_context(nlp: spacy.language.Language, text: str) -> None:
    assert [e for e in ents(nlp, text) if e[1] == "location"] == []


def test_ambiguous_names_file_is_derived_from_the_gazetteer_and_word_lists() -> None:
    from socialmap.geo import AMBIGUOUS_PATH
    from socialmap.nlp_pipeline import ambiguous_text

    assert AMBIGUOUS_PATH.read_text(encoding="utf-8") == ambiguous_text(load_gazetteer())
    names = ambiguous_names()
    assert {"anderen", "een", "ees", "elp", "vries", "nooitgedacht", "hoek"} <= names
    # Municipality towns are meant as the town, whatever the dictionary says ("assen", "emmen").
    assert not {"assen", "emmen", "meppel"} & names


@pytest.mark.parametrize(
    ("text", "postcode"),
    [
        ("mijn postcode is 9401 AB", "9401 AB"),
        ("mijn postcode is 9401AB", "9401AB"),
        ("mijn postcode is 9401ab", "9401ab"),
        ("mijn postcode is 9401 ab", "9401 ab"),
        ("in 7741 zoek ik hulp", "7741"),
        ("ik woon op 8011 AB", "8011 AB"),
    ],
)
def test_postcodes_are_found(nlp: spacy.language.Language, text: str, postcode: str) -> None:
    assert ents(nlp, text) == [(postcode, "postcode")]


@pytest.mark.parametrize(
    "text",
    [
        "Een vraag over mantelzorg",
        "ik zoek een plek in de wijk",
        "ik wil meer loon",
        "in 2024 en 1234 keer",
        "ik ben 7700 dagen oud",
        "bel 0592 123456",
        "het kost 1234 euro",
    ],
)
def test_ordinary_words_and_numbers_are_not_entities(nlp: spacy.language.Language, text: str) -> None:
    assert ents(nlp, text) == []


def test_name_variants_cover_hyphens_accents_and_articles() -> None:
    assert name_variants("Nieuw-Amsterdam") == ["Nieuw-Amsterdam", "Nieuw Amsterdam"]
    assert {"Tweede Exloërmond", "2e Exloermond", "Tweede Exloermond"} <= set(name_variants("2e Exloërmond"))
    assert "t Haantje" in name_variants("'t Haantje")


def test_lookup_table_is_valid_rasa_nlu_with_every_place(built: tuple[Path, Path]) -> None:
    data = yaml.safe_load(built[1].read_text(encoding="utf-8"))
    assert data["version"] == "3.1"
    [table] = data["nlu"]
    assert table["lookup"] == "location"
    names = [line[2:] for line in table["examples"].splitlines()]
    gazetteer = load_gazetteer()
    assert {e.woonplaats for e in gazetteer.entries} <= set(names)
    assert set(MUNICIPALITIES) <= set(names)
    assert len(names) == len(set(names))


def test_committed_lookup_table_is_in_sync_with_the_gazetteer() -> None:
    assert LOOKUP_PATH.read_text(encoding="utf-8") == lookup_yaml(load_gazetteer()), (
        "data/nlu/lookup_places.yml is stale: run `python -m socialmap nlp-build`"
    )


def test_cli_builds_into_the_given_directory(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    parser = argparse.ArgumentParser()
    nlp_pipeline.register_cli(parser.add_subparsers())
    args = parser.parse_args(
        ["nlp-build", "--out", str(tmp_path / "nl"), "--lookup", str(tmp_path / "l.yml")]
    )
    assert args.func(args) == 0
    assert (tmp_path / "nl" / "meta.json").exists()
    assert (tmp_path / "l.yml").read_text(encoding="utf-8") == lookup_yaml(load_gazetteer())
    assert "gebouwd" in capsys.readouterr().out


def test_cli_reports_a_broken_gazetteer_without_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = tmp_path / "broken.csv"
    broken.write_text("woonplaats,gemeente,lat,lon,postcodes\nAssen,Assen,noord,6.5,9401\n", encoding="utf-8")
    parser = argparse.ArgumentParser()
    nlp_pipeline.register_cli(parser.add_subparsers())
    args = parser.parse_args(
        ["nlp-build", "--out", str(tmp_path / "nl"), "--no-lookup", "--gazetteer", str(broken)]
    )
    assert args.func(args) == 1
    assert "Bouwen mislukt" in capsys.readouterr().err
