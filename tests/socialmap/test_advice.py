"""Tests for socialmap.advice on the demo map: only what applies, filters that never lie, wishes, paging."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from socialmap import advice
from socialmap.catalog import Catalog, municipality_key
from socialmap.geo import Geocoder, Place, load_gazetteer
from socialmap.importer import import_paths
from socialmap.schedule import open_weekdays, rules_from_json
from socialmap.search import parse_days

DEMO = Path(__file__).resolve().parents[2] / "socialmap" / "data" / "demo"
NEEDS = ["meeting", "volunteer", "carer", "youth", "money", "digital", "transport", "talk", "retirement", "newcomer"]
DAYS = [None, "maandag", "woensdag", "zaterdag", "zondag", "weekend", "doordeweeks"]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    catalog = Catalog(f"sqlite:///{tmp_path_factory.mktemp('advice') / 'socialmap.db'}")
    catalog.create_schema()
    report = import_paths([DEMO], catalog)
    assert not report.errors
    return catalog


def place(name: str) -> Place:
    found = Geocoder().geocode(name).place
    assert found is not None, name
    return found


def find(catalog: Catalog, where: str, need: str, **kwargs: Any) -> advice.Found:
    p = place(where)
    return advice.find(need, p.lat, p.lon, municipality=p.municipality, place_words=(p.name,), catalog=catalog, **kwargs)


def entry(catalog: Catalog, service_id: str) -> dict[str, Any]:
    return catalog.service_entries(service_id)[0]


PLACES = sorted(e.woonplaats for e in load_gazetteer().entries if e.postcodes)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    where=st.sampled_from(PLACES),
    need=st.sampled_from(NEEDS),
    weekday=st.sampled_from(DAYS),
    free_only=st.booleans(),
    age=st.sampled_from([None, 9, 16, 40, 70]),
)
def test_a_filtered_search_is_a_subset_of_the_unfiltered_one_or_says_it_relaxed(
    demo: Catalog, where: str, need: str, weekday: str | None, free_only: bool, age: int | None
) -> None:
    p = place(where)
    common = {"age": age, "municipality": p.municipality, "catalog": demo}
    filtered = advice.find(need, p.lat, p.lon, weekday=weekday, free_only=free_only, **common)
    unfiltered = advice.find(need, p.lat, p.lon, **common)
    # Never "nothing found" while the same search without the filter found something.
    assert bool(filtered.results) or not unfiltered.results
    if filtered.relaxed:
        assert filtered.results and set(filtered.relaxed) <= {"weekday", "free_only"}
        return
    radius = max([r.distance_km or 0.0 for r in filtered.results] + [0.1]) + 0.01
    allowed = advice.matching_ids(need, p.lat, p.lon, radius, **common)
    assert {r.service_id for r in filtered.results} <= allowed
    asked = set(parse_days(weekday)) if weekday else set()
    for result in filtered.results:
        assert not free_only or result.is_free
        if asked:
            days = open_weekdays(rules_from_json(entry(demo, result.service_id)["schedules"]))
            assert result.by_appointment or asked & set(days)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(where=st.sampled_from(PLACES), need=st.sampled_from(NEEDS), page=st.integers(0, 3))
def test_a_municipal_scheme_never_reaches_a_resident_of_another_municipality(
    demo: Catalog, where: str, need: str, page: int
) -> None:
    p = place(where)
    shown: list[str] = []
    for number in range(page + 1):
        found = advice.find(
            need, p.lat, p.lon, municipality=p.municipality, exclude=shown, first_page=number == 0, catalog=demo
        )
        for result in found.results:
            assert entry(demo, result.service_id)["residents_of"] in ("", municipality_key(p.municipality))
        shown += found.shown_ids


@pytest.mark.parametrize(("where", "municipality"), [("Sleen", "Coevorden"), ("Zweeloo", "Coevorden"), ("Assen", "Assen")])
def test_a_resident_gets_their_own_municipalitys_schemes(demo: Catalog, where: str, municipality: str) -> None:
    found = find(demo, where, "money")
    assert found.results
    assert {r.municipality for r in found.results if r.subcategory == "discount_pass"} == {municipality}


def test_every_municipality_has_its_own_schemes_in_the_demo_map(demo: Catalog) -> None:
    from socialmap.geo import MUNICIPALITIES

    for municipality in MUNICIPALITIES:
        town = place(municipality)
        found = advice.find("money", town.lat, town.lon, municipality=municipality, catalog=demo)
        names = " ".join(r.name for r in found.results)
        assert f"Meedoenregeling {municipality}" in names and f"Bijzondere bijstand {municipality}" in names


def test_a_wish_that_is_not_in_the_map_gives_the_closest_alternatives(demo: Catalog) -> None:
    found = find(demo, "Meppel", "youth", age=16, message="heb je ook iets met dansen")
    assert found.wish == "dansen" and found.wish_found is False
    assert len(found.results) == 3  # the alternatives, never nothing


@pytest.mark.parametrize("typed", ["koffieochtend in zweeloo", "koffieochtent in zweeloo", "koffieohtend zweeloo"])
def test_a_typo_in_the_wish_finds_the_same_coffee_mornings(demo: Catalog, typed: str) -> None:
    found = find(demo, "Zweeloo", "meeting", message=typed)
    assert found.wish_found and [r.subcategory for r in found.results] == ["coffee_morning"] * 3


@pytest.mark.parametrize(
    ("where", "need", "message", "subcategory"),
    [
        ("Emmen", "carer", "is er ook logeeropvang?", "short_stay"),
        ("Assen", "meeting", "is er een taalcafé", "library_activity"),
        ("Hoogeveen", "meeting", "ik wil graag wandelen", "walking_group"),
    ],
)
def test_a_wish_in_the_map_narrows_the_search(demo: Catalog, where: str, need: str, message: str, subcategory: str) -> None:
    found = find(demo, where, need, message=message)
    assert found.wish_found and found.results and found.results[0].subcategory == subcategory


@pytest.mark.parametrize(
    "message",
    ["ik zoek vrijwilligerswerk samen met anderen", "is er iets voor ouderen waar je met anderen kunt eten x"],
)
def test_ordinary_words_are_no_wish_and_no_place(demo: Catalog, message: str) -> None:
    found = find(demo, "Assen", "volunteer", message=message)
    assert found.wish in (None, "eten") and found.results


def test_the_place_name_is_never_a_wish(demo: Catalog) -> None:
    assert find(demo, "Zweeloo", "meeting", message="iets in zweeloo").wish is None


def test_a_carer_of_52_never_gets_the_young_carers_group(demo: Catalog) -> None:
    for found in (find(demo, "Emmen", "carer", age=52), find(demo, "Emmen", "carer", audience="mantelzorger")):
        assert found.results and not any("jonge mantelzorgers" in r.name for r in found.results)
    shown: list[str] = []
    for number in range(6):
        found = find(demo, "Emmen", "carer", exclude=shown, first_page=number == 0)
        assert not any("jonge mantelzorgers" in r.name for r in found.results)
        shown += found.shown_ids


def test_a_young_carer_gets_the_young_carers_group(demo: Catalog) -> None:
    shown: list[str] = []
    names: list[str] = []
    for number in range(4):
        found = find(demo, "Emmen", "carer", age=16, exclude=shown, first_page=number == 0)
        names += [r.name for r in found.results]
        shown += found.shown_ids
    assert any("jonge mantelzorgers" in n for n in names)


def test_a_16_year_old_gets_youth_offers_before_adult_ones(demo: Catalog) -> None:
    found = find(demo, "Meppel", "newcomer", age=16)
    assert found.results and advice._for_young(found.results[0])


def test_a_near_miss_by_age_is_explained(demo: Catalog) -> None:
    found = find(demo, "Meppel", "youth", age=13)
    assert found.near_miss is not None and advice.age_text(found.near_miss) == "voor 15 tot 24 jaar"
    assert find(demo, "Emmen", "carer", age=52).near_miss is None


def test_more_goes_through_everything_within_the_radius_then_widens(demo: Catalog) -> None:
    p = place("Zweeloo")
    first = advice.find("volunteer", p.lat, p.lon, municipality=p.municipality, catalog=demo)
    within = advice.matching_ids("volunteer", p.lat, p.lon, first.radius_km, municipality=p.municipality, catalog=demo)
    shown = list(first.shown_ids)
    widened = False
    for _ in range(60):
        found = advice.find(
            "volunteer", p.lat, p.lon, municipality=p.municipality, exclude=shown, first_page=False, catalog=demo
        )
        if not found.results:
            break
        assert not set(found.shown_ids) & set(shown)
        if found.more_widened:
            widened = True
            # everything within the first radius comes before (or on) the page that goes further
            assert within <= set(shown) | set(found.shown_ids)
        shown += found.shown_ids
    assert widened and len(shown) > len(within)


def test_a_filter_that_leaves_nothing_relaxes_and_says_so(demo: Catalog) -> None:
    found = find(demo, "Hoogeveen", "transport", weekday="zondag", free_only=True)
    assert found.results
    if found.relaxed:
        assert "free_only" in found.relaxed or "weekday" in found.relaxed


def test_volunteer_work_on_wednesday_and_free_keeps_the_vacancies(demo: Catalog) -> None:
    for kwargs in ({"weekday": "woensdag"}, {"free_only": True}, {"weekday": "woensdag", "free_only": True}):
        found = find(demo, "Hoogeveen", "volunteer", **kwargs)
        assert len(found.results) == 3 and not found.relaxed
        assert all(r.subcategory == "volunteer_vacancy" and r.is_free for r in found.results)


def _shown_loods(demo: Catalog) -> list[str]:
    found = find(demo, "Meppel", "youth", age=16)
    ids = found.shown_ids
    loods = next(r.service_id for r in advice.find(
        "youth", place("Meppel").lat, place("Meppel").lon, age=16, municipality="Meppel", catalog=demo,
        message="jongerencentrum",
    ).results if "Loods" in r.name)
    return [loods] + [i for i in ids if i != loods]


def test_answers_about_a_shown_card_come_from_the_catalog(demo: Catalog) -> None:
    shown = _shown_loods(demo)
    names = {sid: advice.service_name(sid, demo) for sid in shown}
    loods = advice.pick_shown(shown, "is de loods ook op vrijdag open?", names)
    assert loods is not None and "Loods" in names[loods]
    friday = advice.answer_about(loods, "is de loods ook op vrijdag open?", catalog=demo)
    assert friday is not None and friday.kind == "open_on_day"
    assert friday.values["day"] == "vrijdag" and friday.values["opens"] == "19:30"
    monday = advice.answer_about(loods, "en op maandag?", catalog=demo)
    assert monday is not None and monday.kind == "closed_on_day"
    assert monday.values["days"] == "woensdag en vrijdag"
    cost = advice.answer_about(loods, "kost dat iets?", catalog=demo)
    assert cost is not None and cost.kind == "cost_free"
    where = advice.answer_about(loods, "waar is het?", catalog=demo)
    assert where is not None and where.kind == "address" and "Meppel" in where.values["address"]
    signup = advice.answer_about(loods, "moet ik me aanmelden?", catalog=demo)
    assert signup is not None and signup.kind == "signup" and signup.values["application"]


def test_a_question_about_several_days_answers_for_the_first_open_one(demo: Catalog) -> None:
    loods = _shown_loods(demo)[0]
    weekend = advice.answer_about(loods, "is het eerste ook in het weekend?", catalog=demo)
    assert weekend is not None and weekend.kind == "closed_on_day"
    assert weekend.values["day"] == "zaterdag en zondag" and weekend.values["days"] == "woensdag en vrijdag"
    workdays = advice.answer_about(loods, "kan ik er doordeweeks heen?", catalog=demo)
    assert workdays is not None and workdays.kind == "open_on_day" and workdays.values["day"] == "woensdag"
    assert advice.weekdays_in("is er iets op zaterdag of zondag") == (5, 6)
    assert advice.weekdays_in("vrijdags") == (4,) and advice.weekdays_in("kost dat iets") == ()


def test_a_card_can_be_named_by_its_place_on_the_page() -> None:
    names = {"a": "Koffie A", "b": "Koffie B", "c": "Koffie C", "d": "Eettafel D", "e": "Inloop E"}
    assert advice.pick_shown(["a", "b", "c"], "is het tweede gratis?", names) == "b"
    assert advice.pick_shown(["a", "b", "c"], "en de laatste?", names) == "c"
    assert advice.pick_shown(["a", "b", "c", "d", "e"], "het eerste", names) == "d"  # the last page: d, e
    assert advice.pick_shown(["a", "b"], "het derde", names) == "a"  # no third card: the first one


def test_a_question_without_a_name_is_about_the_first_card_of_the_last_page() -> None:
    names = {"a": "Koffie A", "b": "Koffie B", "c": "Koffie C", "d": "Eettafel D"}
    assert advice.pick_shown(["a", "b", "c", "d"], "kost dat iets?", names) == "d"
    assert advice.pick_shown(["a", "b", "c"], "en de eettafel?", {**names}) is not None
    assert advice.pick_shown([], "kost dat iets?", names) is None


def test_a_question_with_no_known_kind_gets_a_summary_of_the_card(demo: Catalog) -> None:
    shown = _shown_loods(demo)
    summary = advice.answer_about(shown[0], "vertel eens", catalog=demo)
    assert summary is not None and summary.kind == "summary"
    assert summary.values["when"] == "wo en vr 19:30-22:30"


def test_every_answer_kind_has_a_response() -> None:
    import re as re_module

    from actions.results import RESPONSES

    kinds = set(re_module.findall(r'Answer\(\s*"([a-z_]+)"', Path(advice.__file__).read_text(encoding="utf-8")))
    assert kinds and kinds <= set(RESPONSES)


def test_an_audience_without_services_of_this_need_still_gets_the_need(demo: Catalog) -> None:
    found = find(demo, "Assen", "carer", audience="nieuwkomer")
    assert len(found.results) == 3 and not found.relaxed


def test_in_the_weekend_finds_what_is_open_on_saturday_or_sunday(demo: Catalog) -> None:
    found = find(demo, "Assen", "carer", weekday="weekend")
    assert found.results and not found.relaxed
    for result in found.results:
        days = set(open_weekdays(rules_from_json(entry(demo, result.service_id)["schedules"])))
        assert result.by_appointment or days & {5, 6}, result.name
    assert any("zaterdag en zondag" in reason for r in found.results for reason in r.reasons) or all(
        r.by_appointment for r in found.results
    )
    assert advice.day_phrase("weekend") == "zaterdag en zondag"
    assert advice.day_phrase("doordeweeks") == "maandag tot en met vrijdag"
    assert advice.day_phrase("Woensdag") == "woensdag"


def test_with_a_day_what_happens_that_day_comes_before_what_is_by_appointment(demo: Catalog) -> None:
    found = find(demo, "Assen", "meeting", weekday="woensdag")
    assert found.results and not found.results[0].by_appointment
    days = open_weekdays(rules_from_json(entry(demo, found.results[0].service_id)["schedules"]))
    assert 2 in days


def test_filter_phrase_names_what_the_search_kept() -> None:
    from socialmap.advice import filter_phrase

    assert filter_phrase(None, False) == ""
    assert filter_phrase("woensdag", False) == "op woensdag"
    assert filter_phrase(None, True) == "gratis"
    assert filter_phrase("weekend", True) == "gratis en op zaterdag en zondag"
