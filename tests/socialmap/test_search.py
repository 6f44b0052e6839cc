"""Tests for socialmap.search: ordering, radius, filters, paging, reasons and the CLI."""

from __future__ import annotations

import argparse
import json
import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from socialmap import search as search_module
from socialmap.catalog import Catalog
from socialmap.importer import import_documents
from socialmap.schedule import TZ
from socialmap.search import SearchError, SearchQuery, fts_expression, parse_weekday, search

ASSEN = (52.9928, 6.5642)  # the same point as the fixtures use
MONDAY_9 = datetime(2024, 5, 27, 9, 0, tzinfo=TZ)
KM_LAT = 1 / 111.2  # degrees of latitude per km


def north(km: float) -> tuple[float, float]:
    """Return the point `km` north of Assen."""
    return ASSEN[0] + km * KM_LAT, ASSEN[1]


def query(**kwargs: Any) -> SearchQuery:
    base: dict[str, Any] = {"lat": ASSEN[0], "lon": ASSEN[1], "now": MONDAY_9, "page_size": 10}
    return SearchQuery(**{**base, **kwargs})


def names(page: Any) -> list[str]:
    return [r.name for r in page.results]


def test_results_come_nearest_first_with_distance(
    fresh_catalog: Catalog, make_services: Any, service_doc: Any
) -> None:
    make_services(
        [
            service_doc(n, lat=north(km)[0], lon=ASSEN[1])
            for n, km in [("Ver", 8), ("Dicht", 1), ("Midden", 4)]
        ]
    )
    page = search(query(category="meeting"), fresh_catalog)
    assert names(page) == ["Dicht", "Midden", "Ver"]
    assert [round(r.distance_km or 0) for r in page.results] == [1, 4, 8]
    assert page.radius_km == 10 and not page.widened


def test_search_widens_radius_when_fewer_than_three_results(
    fresh_catalog: Catalog, make_services: Any, service_doc: Any
) -> None:
    make_services(
        [service_doc(n, lat=north(km)[0], lon=ASSEN[1]) for n, km in [("A", 5), ("B", 20), ("C", 40)]]
    )
    page = search(query(category="meeting"), fresh_catalog)
    assert page.widened and page.radius_km == 50
    assert names(page) == ["A", "B", "C"]


def test_explicit_radius_is_never_widened(
    fresh_catalog: Catalog, make_services: Any, service_doc: Any
) -> None:
    make_services([service_doc(n, lat=north(km)[0], lon=ASSEN[1]) for n, km in [("A", 5), ("B", 20)]])
    page = search(query(category="meeting", radius_km=10), fresh_catalog)
    assert names(page) == ["A"] and not page.widened and page.radius_km == 10


def test_widening_stops_at_100_km(fresh_catalog: Catalog, make_service: Any) -> None:
    make_service("Heel ver", lat=north(150)[0], lon=ASSEN[1])
    page = search(query(category="meeting"), fresh_catalog)
    assert page.results == [] and page.radius_km == 100 and page.widened


def test_national_lines_without_location_come_after_nearby_ones(
    fresh_catalog: Catalog, make_services: Any, service_doc: Any
) -> None:
    make_services(
        [
            service_doc(
                "Luisterlijn",
                lat=None,
                lon=None,
                category="talk",
                days="MO,TU,WE,TH,FR,SA,SU",
                opens="00:00",
                closes="24:00",
            ),
            service_doc("Praatgroep Assen", lat=north(2)[0], lon=ASSEN[1], category="talk"),
        ]
    )
    page = search(query(category="talk"), fresh_catalog)
    assert names(page) == ["Praatgroep Assen", "Luisterlijn"]
    national = page.results[1]
    assert national.distance_km is None and national.route_url == "" and national.when_text == "dag en nacht"
    assert "overal bereikbaar" in national.reasons
    # Two results only, so the radius was widened, but the national line counted.
    assert page.total == 2


def test_audience_filter_keeps_services_for_everyone(
    fresh_catalog: Catalog, make_services: Any, service_doc: Any
) -> None:
    make_services(
        [
            service_doc("Voor mantelzorgers", audiences=("mantelzorgers",)),
            service_doc("Voor iedereen", audiences=("iedereen",)),
            service_doc("Voor jongeren", audiences=("jongeren",)),
        ]
    )
    page = search(query(audience="mantelzorgers", radius_km=5), fresh_catalog)
    assert sorted(names(page)) == ["Voor iedereen", "Voor mantelzorgers"]
    reasons = {r.name: r.reasons for r in page.results}
    assert "voor mantelzorgers" in reasons["Voor mantelzorgers"]
    assert "voor iedereen" in reasons["Voor iedereen"]


def test_age_filter_uses_minimum_and_maximum_age(
    fresh_catalog: Catalog, make_services: Any, service_doc: Any
) -> None:
    make_services(
        [
            service_doc("Jongerenwerk", category="youth", min_age=15, max_age=24),
            service_doc("Sport 12+", category="youth", min_age=12),
            service_doc("Kinderclub", category="youth", max_age=12),
        ]
    )
    assert sorted(names(search(query(age=16, radius_km=5), fresh_catalog))) == ["Jongerenwerk", "Sport 12+"]
    assert sorted(names(search(query(age=10, radius_km=5), fresh_catalog))) == ["Kinderclub"]
    reasons = {r.name: r.reasons for r in search(query(age=16, radius_km=5), fresh_catalog).results}
    assert "voor 15 tot 24 jaar" in reasons["Jongerenwerk"] and "vanaf 12 jaar" in reasons["Sport 12+"]


def test_free_only_and_max_cost(fresh_catalog: Catalog, make_services: Any, service_doc: Any) -> None:
    make_services(
        [
            service_doc("Gratis", cost=0),
            service_doc("Goedkoop", cost=2.5),
            service_doc("Duur", cost=25),
        ]
    )
    free = search(query(free_only=True, radius_km=5), fresh_catalog)
    assert (
        names(free) == ["Gratis"]
        and free.results[0].cost_text == "gratis"
        and "gratis" in free.results[0].reasons
    )
    cheap = search(query(max_cost=5, radius_km=5), fresh_catalog)
    assert sorted(names(cheap)) == ["Goedkoop", "Gratis"]
    costs = {r.name: r.cost_text for r in cheap.results}
    assert costs["Goedkoop"] == "€ 2,50 per keer"


def test_weekday_filter_uses_schedules(fresh_catalog: Catalog, make_services: Any, service_doc: Any) -> None:
    make_services(
        [
            service_doc("Woensdag", days="WE"),
            service_doc("Maandag", days="MO,TH"),
            service_doc("Geen rooster", days=None),
        ]
    )
    page = search(query(weekday=2, radius_km=5), fresh_catalog)
    # A service without fixed days (by appointment) suits any day; one on other days does not.
    assert sorted(names(page)) == ["Geen rooster", "Woensdag"]
    by_name = {r.name: r for r in page.results}
    assert "op woensdag" in by_name["Woensdag"].reasons and "op afspraak" in by_name["Geen rooster"].reasons
    assert by_name["Woensdag"].when_text == "wo 10:00-12:00"
    assert by_name["Woensdag"].next_session == datetime(2024, 5, 29, 10, 0, tzinfo=TZ)
    assert by_name["Geen rooster"].by_appointment and not by_name["Woensdag"].by_appointment


def test_keywords_use_full_text_search(fresh_catalog: Catalog, make_services: Any, service_doc: Any) -> None:
    make_services(
        [
            service_doc("Repair Café", description="Samen kapotte spullen repareren"),
            service_doc("Breiclub", description="Breien en haken met koffie"),
        ]
    )
    assert names(search(query(keywords="repareren", radius_km=5), fresh_catalog)) == ["Repair Café"]
    assert names(search(query(keywords="cafe", radius_km=5), fresh_catalog)) == ["Repair Café"]  # diacritics
    assert names(search(query(keywords="brei koffie", radius_km=5), fresh_catalog)) == [
        "Breiclub"
    ]  # prefix, all words
    assert names(search(query(keywords='"; DROP TABLE x', radius_km=5), fresh_catalog)) == []


def test_keywords_fall_back_to_like_without_fts(
    fresh_catalog: Catalog, make_services: Any, service_doc: Any
) -> None:
    make_services([service_doc("Repair Café", description="Samen repareren")])

    class NoFtsCatalog(Catalog):
        @property
        def has_fts(self) -> bool:  # what PostgreSQL gets
            return False

    plain = NoFtsCatalog(engine=fresh_catalog.engine)
    assert names(search(query(keywords="repareren", radius_km=5), plain)) == ["Repair Café"]
    assert names(search(query(keywords="zwemmen", radius_km=5), plain)) == []


def test_language_filter(fresh_catalog: Catalog, make_services: Any, service_doc: Any) -> None:
    make_services([service_doc("Taalcafé", languages=("nl", "en")), service_doc("Alleen Nederlands")])
    page = search(query(language="en", radius_km=5), fresh_catalog)
    assert names(page) == ["Taalcafé"] and "in het Engels" in page.results[0].reasons
    assert sorted(names(search(query(language="nl", radius_km=5), fresh_catalog))) == [
        "Alleen Nederlands",
        "Taalcafé",
    ]


def test_subcategory_filter(fresh_catalog: Catalog, make_services: Any, service_doc: Any) -> None:
    make_services(
        [
            service_doc("Koffie", subcategories=("coffee_morning",)),
            service_doc("Eten", subcategories=("shared_meal",)),
        ]
    )
    page = search(query(subcategories=("shared_meal",), radius_km=5), fresh_catalog)
    assert names(page) == ["Eten"]
    assert page.results[0].subcategory == "shared_meal" and page.results[0].subcategory_label == "Eettafel"
    assert page.results[0].category == "meeting" and page.results[0].category_label == "Ontmoeten"


def test_paging_reports_has_more(fresh_catalog: Catalog, make_services: Any, service_doc: Any) -> None:
    make_services([service_doc(f"S{i}", lat=north(i + 0.5)[0], lon=ASSEN[1]) for i in range(7)])
    first = search(query(page_size=3), fresh_catalog)
    second = search(query(page_size=3, page=1), fresh_catalog)
    last = search(query(page_size=3, page=2), fresh_catalog)
    assert names(first) == ["S0", "S1", "S2"] and first.has_more and first.total == 7
    assert names(second) == ["S3", "S4", "S5"] and second.has_more
    assert names(last) == ["S6"] and not last.has_more


def test_result_card_fields(fresh_catalog: Catalog, make_service: Any) -> None:
    make_service("Koffieochtend", lat=north(3.2)[0], lon=ASSEN[1], town="Assen", phone="0592 111222")
    result = search(query(radius_km=5), fresh_catalog, place_name="Assen").results[0]
    assert (
        result.address == "Kerkstraat 1, 9401 AB Assen"
        and result.town == "Assen"
        and result.municipality == "Assen"
    )
    assert (
        result.route_url == f"https://www.openstreetmap.org/directions?to={north(3.2)[0]:.6f},{ASSEN[1]:.6f}"
    )
    assert result.reasons[0] == "3,2 km van Assen"
    assert result.phone == "0592 111222" and result.organization == "Stichting Koffieochtend"
    assert result.audiences == ["iedereen"]


def test_inactive_services_are_not_found(fresh_catalog: Catalog, make_service: Any) -> None:
    make_service("Gestopt", status="inactive")
    assert search(query(radius_km=5), fresh_catalog).results == []


@pytest.mark.parametrize(
    "bad",
    [
        {"lat": 95.0},
        {"category": "onbekend"},
        {"audience": "marsmannetjes"},
        {"subcategories": ("nope",)},
        {"weekday": 7},
        {"page": -1},
        {"page_size": 0},
        {"radius_km": -3},
        {"age": 200},
    ],
)
def test_impossible_queries_raise_a_dutch_search_error(fresh_catalog: Catalog, bad: dict[str, Any]) -> None:
    with pytest.raises(SearchError):
        search(query(**bad), fresh_catalog)


def test_fts_expression_quotes_every_word() -> None:
    assert fts_expression('koffie "OR" NEAR(') == '"koffie"* AND "or"* AND "near"*'


@pytest.mark.parametrize(("raw", "day"), [("woensdag", 2), ("wednesday", 2), ("Wed", 2), ("zo", 6), ("0", 0)])
def test_parse_weekday_takes_dutch_and_english(raw: str, day: int) -> None:
    assert parse_weekday(raw) == day


# ------------------------------------------------------------ property test

CATEGORIES = ["meeting", "carer", "youth"]
AUDIENCES = ["iedereen", "mantelzorgers", "jongeren", "ouderen"]

service_strategy = st.fixed_dictionaries(
    {
        "dlat": st.floats(-1.0, 1.0),
        "dlon": st.floats(-1.5, 1.5),
        "category": st.sampled_from(CATEGORIES),
        "audience": st.sampled_from(AUDIENCES),
        "cost": st.sampled_from([0.0, 3.0, 12.0]),
        "day": st.sampled_from(["MO", "WE", "FR"]),
    }
)


def _haversine(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = (
        math.sin((p2 - p1) / 2) ** 2
        + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    )
    return 2 * 6371.0088 * math.asin(math.sqrt(a))


def oracle(services: list[dict[str, Any]], q: SearchQuery) -> tuple[list[str], float]:
    """Brute force: filter every service, compute every distance, apply the widening rule."""
    day_codes = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]
    matching = []
    for s in services:
        if q.category and s["category"] != q.category:
            continue
        if q.audience and s["audience"] not in (q.audience, "iedereen"):
            continue
        if q.free_only and s["cost"] > 0:
            continue
        if q.max_cost is not None and s["cost"] > q.max_cost:
            continue
        if q.weekday is not None and s["day"] != day_codes[q.weekday]:
            continue
        matching.append((_haversine(q.lat, q.lon, s["lat"], s["lon"]), s["name"]))
    matching.sort()
    radii = [q.radius_km] if q.radius_km else [10.0, 25.0, 50.0, 100.0]
    for radius in radii:
        inside = [name for km, name in matching if km <= radius]
        if len(inside) >= 3:
            break
    return inside, radius


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    services=st.lists(service_strategy, min_size=0, max_size=25),
    category=st.sampled_from([None, *CATEGORIES]),
    audience=st.sampled_from([None, *AUDIENCES[1:]]),
    free_only=st.booleans(),
    max_cost=st.sampled_from([None, 5.0]),
    weekday=st.sampled_from([None, 0, 2]),
    radius=st.sampled_from([None, 5.0, 30.0]),
)
def test_search_matches_brute_force_oracle(
    tmp_path_factory: pytest.TempPathFactory,
    service_doc: Any,
    our_taxonomy: list[dict[str, Any]],
    services: list[dict[str, Any]],
    category: str | None,
    audience: str | None,
    free_only: bool,
    max_cost: float | None,
    weekday: int | None,
    radius: float | None,
) -> None:
    catalog = Catalog(f"sqlite:///{tmp_path_factory.mktemp('prop') / 'c.db'}")
    catalog.create_schema()
    assert import_documents(our_taxonomy, catalog, entity="taxonomy_term").ok
    docs, plain = [], []
    for index, s in enumerate(services):
        lat, lon = ASSEN[0] + s["dlat"], ASSEN[1] + s["dlon"]
        name = f"S{index:02d}"
        plain.append({**s, "lat": lat, "lon": lon, "name": name})
        docs.append(
            service_doc(
                name,
                lat=lat,
                lon=lon,
                category=s["category"],
                audiences=(s["audience"],),
                cost=s["cost"],
                days=s["day"],
            )
        )
    if docs:
        assert import_documents(docs, catalog).ok
    q = query(
        category=category,
        audience=audience,
        free_only=free_only,
        max_cost=max_cost,
        weekday=weekday,
        radius_km=radius,
        page_size=50,
    )
    page = search(q, catalog)
    expected, expected_radius = oracle(plain, q)
    assert names(page) == expected
    assert page.radius_km == expected_radius
    distances = [r.distance_km for r in page.results]
    assert distances == sorted(distances)
    assert all(d is not None and d <= page.radius_km + 1e-6 for d in distances)


# ------------------------------------------------------- who a service is for


def _area(doc: dict[str, Any], name: str, description: str, org: str | None = None) -> dict[str, Any]:
    doc["service_areas"] = [{"id": f"{doc['id'][:-4]}aaaa", "name": name, "description": description}]
    if org:
        doc["organization"]["name"] = org
    return doc


def test_municipal_schemes_reach_only_their_own_residents(
    fresh_catalog: Catalog, make_services: Any, service_doc: Any
) -> None:
    make_services(
        [
            # the municipality's own scheme: organisation "Gemeente X" and service area X
            _area(service_doc("Loket Coevorden", category="money"), "Coevorden", "Gemeente Coevorden", "Gemeente Coevorden"),
            # a municipal scheme by sub-category, whoever runs it
            _area(
                service_doc("Meedoen Emmen", category="money", subcategories=("discount_pass",)),
                "Emmen",
                "Voor Emmen",
            ),
            # said in words
            _area(service_doc("Logeren Emmen", category="carer"), "gemeente Emmen", "Alleen voor inwoners van de gemeente Emmen."),
            # an activity in a municipality is open to anyone nearby
            _area(service_doc("Koffie Emmen"), "Emmen", "In de gemeente Emmen. Iedereen is welkom."),
            service_doc("Landelijk", lat=None, lon=None, category="talk"),
        ]
    )
    everyone = {"Koffie Emmen", "Landelijk"}
    assert set(names(search(query(radius_km=5, municipality="Coevorden"), fresh_catalog))) == everyone | {
        "Loket Coevorden"
    }
    assert set(names(search(query(radius_km=5, municipality="Emmen"), fresh_catalog))) == everyone | {
        "Meedoen Emmen",
        "Logeren Emmen",
    }
    # Unknown municipality: the point's village tells it (Assen); far from any village, only what is open to all.
    assert set(names(search(query(radius_km=5), fresh_catalog))) == everyone
    assert search_module.municipality_at(*ASSEN) == "Assen"
    assert search_module.municipality_at(52.37, 4.89) is None  # Amsterdam


def test_an_unknown_municipality_is_that_of_the_village_at_the_point(
    fresh_catalog: Catalog, make_services: Any, service_doc: Any
) -> None:
    make_services([_area(service_doc("Meedoen Assen", category="money"), "Assen", "Gemeente", "Gemeente Assen")])
    assert names(search(query(radius_km=5), fresh_catalog)) == ["Meedoen Assen"]
    assert names(search(query(radius_km=5, municipality="Emmen"), fresh_catalog)) == []


def test_free_means_no_cost_or_an_option_that_says_free_and_volunteering_is_free(
    fresh_catalog: Catalog, make_services: Any, service_doc: Any
) -> None:
    said_free = service_doc("Zegt gratis", cost=None)
    said_free["cost_options"] = [{"id": str(said_free["id"])[:-4] + "cccc", "option": "Gratis", "currency": "EUR"}]
    make_services(
        [
            said_free,
            service_doc("Vacature", category="volunteer", subcategories=("volunteer_vacancy",), cost=5),
            service_doc("Betaald", cost=3),
        ]
    )
    page = search(query(radius_km=5, free_only=True), fresh_catalog)
    assert sorted(names(page)) == ["Vacature", "Zegt gratis"]
    assert all(r.cost_text == "gratis" for r in page.results)


def test_youth_only_services_can_be_left_out(fresh_catalog: Catalog, make_services: Any, service_doc: Any) -> None:
    make_services(
        [
            service_doc("Jongerenwerk", audiences=("jongeren",), min_age=15, max_age=24),
            service_doc("Voor iedereen"),
            service_doc("Pensioencursus", min_age=55),
        ]
    )
    assert sorted(names(search(query(radius_km=5, include_youth_only=False), fresh_catalog))) == [
        "Pensioencursus",
        "Voor iedereen",
    ]
    assert len(search(query(radius_km=5), fresh_catalog).results) == 3


def test_only_ids_restricts_the_search(fresh_catalog: Catalog, make_services: Any, service_doc: Any) -> None:
    docs = [service_doc("Een"), service_doc("Twee"), service_doc("Drie")]
    make_services(docs)
    page = search(query(radius_km=5, only_ids=(docs[1]["id"],)), fresh_catalog)
    assert names(page) == ["Twee"]
    assert search(query(radius_km=5, only_ids=()), fresh_catalog).results == []


MUNICIPALITY_NAMES = ["Assen", "Coevorden", "Emmen", "Aa en Hunze"]


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    services=st.lists(
        st.tuples(
            st.sampled_from([None, *MUNICIPALITY_NAMES]),
            st.sampled_from(["scheme", "gemeente", "words", "activity"]),
            st.floats(-0.3, 0.3),
        ),
        min_size=1,
        max_size=12,
    ),
    resident=st.sampled_from([None, *MUNICIPALITY_NAMES]),
)
def test_a_municipal_scheme_never_reaches_a_resident_of_another_municipality(
    tmp_path_factory: pytest.TempPathFactory,
    service_doc: Any,
    our_taxonomy: list[dict[str, Any]],
    services: list[tuple[str | None, str, float]],
    resident: str | None,
) -> None:
    catalog = Catalog(f"sqlite:///{tmp_path_factory.mktemp('area') / 'c.db'}")
    catalog.create_schema()
    assert import_documents(our_taxonomy, catalog, entity="taxonomy_term").ok
    docs, owner = [], {}
    for index, (area, kind, dlat) in enumerate(services):
        doc = service_doc(f"S{index:02d}", lat=ASSEN[0] + dlat, category="money", subcategories=(
            ("discount_pass",) if kind == "scheme" else ()
        ))
        if area is not None:
            org = f"Gemeente {area}" if kind == "gemeente" else None
            text = f"Alleen voor inwoners van de gemeente {area}." if kind == "words" else "Iedereen is welkom."
            _area(doc, area, text, org)
        docs.append(doc)
        owner[doc["name"]] = area if area is not None and kind != "activity" else None
    assert import_documents(docs, catalog).ok
    page = search(query(radius_km=100, municipality=resident, page_size=50), catalog)
    own = resident or "Assen"  # unknown: the municipality of the village at the point (Assen)
    for result in page.results:
        assert owner[result.name] in (None, own), (result.name, owner[result.name], resident)
    # And every service open to all, or of the resident's own municipality, is found.
    assert {r.name for r in page.results} == {n for n, o in owner.items() if o in (None, own)}


# ------------------------------------------------------------------- CLI


@dataclass(frozen=True)
class _Place:
    name: str
    municipality: str
    lat: float
    lon: float
    province: str = "Drenthe"
    kind: str = "woonplaats"


@dataclass(frozen=True)
class _Result:
    status: str
    query: str
    place: _Place | None = None
    outside_name: str | None = None
    suggestion: str | None = None


class GazetteerOfTwo:
    """A tiny geocoder with the socialmap.geo contract: Assen is known, Zwolle is outside."""

    def geocode(self, text: str) -> _Result:
        key = text.strip().lower()
        if key in ("assen", "9401 ab"):
            return _Result("ok", text, _Place("Assen", "Assen", *ASSEN))
        if key == "zwolle":
            return _Result("outside", text, outside_name="Zwolle")
        if not key:
            return _Result("empty", text)
        return _Result("unknown", text, suggestion="Assen" if key == "asen" else None)


def run(argv: list[str], catalog_url: str) -> int:
    parser = argparse.ArgumentParser()
    search_module.register_cli(parser.add_subparsers(dest="command"))
    args = parser.parse_args([*argv, "--db", catalog_url])
    return search_module.run_cli(args, geocoder=GazetteerOfTwo())


def test_cli_json_prints_one_object_with_location_and_distances(
    catalog_url: str, make_service: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    make_service("Koffieochtend", lat=north(2)[0], lon=ASSEN[1], days="WE")
    assert (
        run(
            [
                "search",
                "--near",
                "9401 AB",
                "--category",
                "meeting",
                "--free",
                "--day",
                "wednesday",
                "--json",
            ],
            catalog_url,
        )
        == 0
    )
    payload = json.loads(capsys.readouterr().out)
    assert payload["location"] == {"name": "Assen", "municipality": "Assen", "lat": ASSEN[0], "lon": ASSEN[1]}
    assert payload["results"][0]["name"] == "Koffieochtend"
    assert payload["results"][0]["distance_km"] == pytest.approx(2.0, abs=0.05)
    assert payload["widened"] is True and payload["radius_km"] == 100


def test_cli_text_output_is_readable_dutch(
    catalog_url: str, make_service: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    make_service("Koffieochtend", lat=north(2)[0], lon=ASSEN[1], days="WE")
    assert run(["search", "--near", "Assen", "--day", "woensdag"], catalog_url) == 0
    out = capsys.readouterr().out
    assert "1. Koffieochtend – Stichting Koffieochtend" in out
    assert "Wanneer: wo 10:00-12:00" in out and "Kosten: gratis" in out and "op woensdag" in out


@pytest.mark.parametrize(
    ("near", "message"),
    [
        ("Zwolle", "Zwolle ligt niet in ons gebied"),
        ("Asen", "Bedoelt u Assen?"),
        ("Nergenshuizen", "Ik ken de plaats"),
    ],
)
def test_cli_unknown_or_outside_place_exits_2_with_dutch_message(
    catalog_url: str, fresh_catalog: Catalog, near: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["search", "--near", near], catalog_url) == 2
    assert message in capsys.readouterr().err


def test_cli_bad_day_exits_2(
    catalog_url: str, fresh_catalog: Catalog, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["search", "--near", "Assen", "--day", "blauwdag"], catalog_url) == 2
    assert "Onbekende dag" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("raw", "age"),
    [("15", 15), (15.0, 15), ("15 jaar", 15), ("81 jaar oud", 81), ("14:00", None), ("7811", None),
     ("\\b[1-9][0-9]{3}\\b", None), ("", None), (None, None), (True, None), (15.5, None), ("-3", None)],
)
def test_an_age_is_a_whole_number_of_years_or_nothing(raw: object, age: int | None) -> None:
    from socialmap.search import parse_age

    assert parse_age(raw) == age
