"""The shipped demo social map: HSDS-shaped, complete for every municipality, real places, reproducible."""

from __future__ import annotations

import csv
import json
import math
import re
import uuid
from collections import defaultdict
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

import pytest

from scripts import make_demo_data
from socialmap import taxonomy
from socialmap.catalog import Catalog
from socialmap.importer import import_paths

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "socialmap" / "data" / "demo"
GAZETTEER = ROOT / "socialmap" / "data" / "gazetteer" / "drenthe.csv"
HSDS_DATAPACKAGE = ROOT / "socialmap" / "data" / "hsds_schema" / "datapackage.json"

MUNICIPALITIES = (
    "Aa en Hunze", "Assen", "Borger-Odoorn", "Coevorden", "De Wolden", "Emmen",
    "Hoogeveen", "Meppel", "Midden-Drenthe", "Noordenveld", "Tynaarlo", "Westerveld",
)  # fmt: skip
# Generous box around the province (Meppel in the west to Emmen/Ter Apel in the east).
DRENTHE_BOX = (52.55, 53.25, 6.05, 7.15)
PC6 = re.compile(r"^(\d{4}) ([A-Z]{2})$")
TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
DAY_TOKEN = re.compile(r"^(-?[1-5])?(MO|TU|WE|TH|FR|SA|SU)$")
EXAMPLE_EMAIL = re.compile(r"^[a-z0-9.\-]+@voorbeeld-[a-z]+\.nl$")
EXAMPLE_URL = re.compile(r"^https://www\.voorbeeld-[a-z]+\.nl/")

# The real national lines: name -> (numbers that must be listed, website).
NATIONAL_LINES = {
    "113 Zelfmoordpreventie": ({"113", "0800-0113"}, "https://www.113.nl"),
    "De Luisterlijn": ({"088 0767 000"}, "https://www.deluisterlijn.nl"),
    "Mantelzorglijn": ({"030 760 60 55"}, "https://www.mantelzorg.nl"),
    "De Kindertelefoon": ({"0800-0432"}, "https://www.kindertelefoon.nl"),
}


@cache
def table(name: str) -> list[dict[str, str]]:
    """Return the rows of one CSV of the committed package."""
    with (DEMO / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@cache
def by_id(name: str) -> dict[str, dict[str, str]]:
    return {row["id"]: row for row in table(name)}


@lru_cache(maxsize=1)
def gazetteer() -> dict[str, dict[str, Any]]:
    """Return the gazetteer read independently of the generator: woonplaats -> row."""
    lines = [line for line in GAZETTEER.read_text(encoding="utf-8").splitlines() if not line.startswith("#")]
    return {
        row["woonplaats"]: {
            "gemeente": row["gemeente"],
            "lat": float(row["lat"]),
            "lon": float(row["lon"]),
            "postcodes": set((row["postcodes"] or "").split()),
        }
        for row in csv.DictReader(lines)
    }


@lru_cache(maxsize=1)
def service_terms() -> dict[str, dict[str, set[str]]]:
    """Return service id -> {"codes": term codes, "values": "code=value" strings} from attributes.csv."""
    terms = by_id("taxonomy_terms.csv")
    result: dict[str, dict[str, set[str]]] = defaultdict(lambda: {"codes": set(), "values": set()})
    for attr in table("attributes.csv"):
        code = terms[attr["taxonomy_term_id"]]["code"]
        result[attr["link_id"]]["codes"].add(code)
        if attr["value"]:
            result[attr["link_id"]]["values"].add(f"{code}={attr['value']}")
    return result


@lru_cache(maxsize=1)
def service_places() -> dict[str, list[tuple[dict[str, str], dict[str, str]]]]:
    """Return service id -> [(location, address)] of its physical places."""
    locations = by_id("locations.csv")
    addresses = {row["location_id"]: row for row in table("addresses.csv")}
    places: dict[str, list[tuple[dict[str, str], dict[str, str]]]] = defaultdict(list)
    for sal in table("service_at_location.csv"):
        location = locations[sal["location_id"]]
        if location["location_type"] == "physical":
            places[sal["service_id"]].append((location, addresses[location["id"]]))
    return places


def national_services() -> dict[str, dict[str, str]]:
    return {s["name"]: s for s in table("services.csv") if s["name"] in NATIONAL_LINES}


def km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Return the great-circle distance in kilometres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(a))


def test_package_has_at_least_400_services_at_250_physical_locations() -> None:
    physical = [loc for loc in table("locations.csv") if loc["location_type"] == "physical"]
    assert len(table("services.csv")) >= 400
    assert len(physical) >= 250


@pytest.mark.parametrize("municipality", MUNICIPALITIES)
def test_every_category_and_subcategory_is_offered_in_the_municipality(municipality: str) -> None:
    offered: set[str] = set()
    for service_id, places in service_places().items():
        if any(address["region"] == municipality for _loc, address in places):
            offered |= service_terms()[service_id]["codes"]
    missing = (set(taxonomy.CATEGORIES) | set(taxonomy.SUBCATEGORIES)) - offered
    assert not missing, f"{municipality} lacks {sorted(missing)}"


def test_services_are_spread_over_many_towns_with_more_in_bigger_ones() -> None:
    per_town: dict[str, int] = defaultdict(int)
    for places in service_places().values():
        for _location, address in places:
            per_town[address["city"]] += 1
    assert len(per_town) >= 100
    assert per_town["Assen"] > per_town["Loon"]
    assert per_town["Emmen"] > per_town["Weerdinge"]


def test_every_location_lies_in_drenthe_near_its_woonplaats() -> None:
    places = gazetteer()
    addresses = {row["location_id"]: row for row in table("addresses.csv")}
    lat_min, lat_max, lon_min, lon_max = DRENTHE_BOX
    for location in table("locations.csv"):
        if location["location_type"] != "physical":
            continue
        lat, lon = float(location["latitude"]), float(location["longitude"])
        assert lat_min < lat < lat_max and lon_min < lon < lon_max, location["name"]
        town = places[addresses[location["id"]]["city"]]
        assert km(lat, lon, town["lat"], town["lon"]) < 5.0, location["name"]


def test_every_address_has_a_postcode_and_municipality_of_its_woonplaats() -> None:
    places = gazetteer()
    for address in table("addresses.csv"):
        match = PC6.match(address["postal_code"])
        assert match, address["postal_code"]
        assert match.group(2) not in {"SA", "SD", "SS"}  # letter pairs PostNL does not issue
        town = places[address["city"]]
        assert match.group(1) in town["postcodes"], (address["city"], address["postal_code"])
        assert address["region"] == town["gemeente"]
        assert (address["state_province"], address["country"], address["address_type"]) == (
            "Drenthe",
            "NL",
            "physical",
        )


def test_generator_rebuilds_the_committed_files_byte_for_byte(tmp_path: Path) -> None:
    assert make_demo_data.main(["--out", str(tmp_path), "--gazetteer", str(GAZETTEER)]) == 0
    committed = sorted(p.name for p in DEMO.iterdir() if p.is_file())
    assert sorted(p.name for p in tmp_path.iterdir()) == committed
    for name in committed:
        assert (tmp_path / name).read_bytes() == (DEMO / name).read_bytes(), (
            f"{name} differs: run the generator"
        )


def test_generator_reports_a_missing_gazetteer(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert make_demo_data.main(["--out", str(tmp_path), "--gazetteer", str(tmp_path / "none.csv")]) == 2
    assert "gazetteer not found" in capsys.readouterr().err
    assert not list(tmp_path.glob("*.csv"))


@pytest.mark.parametrize("name", sorted(NATIONAL_LINES))
def test_national_line_is_present_with_its_real_number(name: str) -> None:
    numbers, website = NATIONAL_LINES[name]
    service = national_services()[name]
    listed = {p["number"] for p in table("phones.csv") if p["service_id"] == service["id"]}
    assert numbers <= listed
    assert service["url"] == website
    assert {"talk", "helpline"} <= service_terms()[service["id"]]["codes"]
    areas = [a["name"] for a in table("service_areas.csv") if a["service_id"] == service["id"]]
    assert areas == ["Nederland"]
    assert service["id"] not in service_places()  # no physical place: reachable everywhere


def test_national_lines_have_their_real_hours() -> None:
    schedules = {s["service_id"]: s for s in table("schedules.csv")}
    lines = national_services()
    kindertelefoon = schedules[lines["De Kindertelefoon"]["id"]]
    assert (kindertelefoon["byday"], kindertelefoon["opens_at"], kindertelefoon["closes_at"]) == (
        "MO,TU,WE,TH,FR,SA,SU", "11:00", "21:00")  # fmt: skip
    for always_open in ("113 Zelfmoordpreventie", "De Luisterlijn"):
        row = schedules[lines[always_open]["id"]]
        assert len(row["byday"].split(",")) == 7 and row["opens_at"] == "00:00"
    assert lines["De Kindertelefoon"]["maximum_age"] == "18"


def test_every_reference_points_to_an_existing_row() -> None:
    descriptor = json.loads((DEMO / "datapackage.json").read_text(encoding="utf-8"))
    paths = {r["name"]: r["path"] for r in descriptor["resources"]}
    for resource in descriptor["resources"]:
        for fk in resource["schema"].get("foreignKeys", []):
            targets = by_id(paths[fk["reference"]["resource"]])
            for row in table(resource["path"]):
                value = row[fk["fields"]]
                assert not value or value in targets, (resource["path"], fk["fields"], value)
    services, terms = by_id("services.csv"), by_id("taxonomy_terms.csv")
    for attr in table("attributes.csv"):
        assert attr["link_id"] in services and attr["link_type"] == "service"
    for term in terms.values():
        assert not term["parent_id"] or term["parent_id"] in terms


def test_ids_are_unique_uuids_in_every_table() -> None:
    for path in DEMO.glob("*.csv"):
        ids = [row["id"] for row in table(path.name)]
        assert len(ids) == len(set(ids)), path.name
        for value in ids:
            uuid.UUID(value)


def test_csv_headers_are_exactly_those_of_hsds_3() -> None:
    spec = json.loads(HSDS_DATAPACKAGE.read_text(encoding="utf-8"))
    hsds = {r["path"]: [f["name"] for f in r["schema"]["fields"]] for r in spec["resources"]}
    for path in DEMO.glob("*.csv"):
        with path.open(encoding="utf-8") as handle:
            header = next(csv.reader(handle))
        assert header == hsds[path.name], path.name


def test_package_imports_without_errors_or_warnings(tmp_path: Path) -> None:
    report = import_paths([DEMO], Catalog(f"sqlite:///{tmp_path / 'demo.db'}"))
    assert report.errors == [] and report.warnings == []
    assert report.counts["service"] == len(table("services.csv"))


def test_taxonomy_terms_mirror_socialmap_taxonomy() -> None:
    taxonomies = {t["name"]: t["id"] for t in table("taxonomies.csv")}
    assert set(taxonomies) == {taxonomy.CATEGORY_TAXONOMY_ID, taxonomy.AUDIENCE_TAXONOMY_ID}
    terms = {t["code"]: t for t in table("taxonomy_terms.csv")}
    for code, term in {**taxonomy.CATEGORIES, **taxonomy.SUBCATEGORIES}.items():
        assert terms[code]["name"] == term.label
        assert terms[code]["taxonomy_id"] == taxonomies[taxonomy.CATEGORY_TAXONOMY_ID]
        if term.parent:
            assert terms[code]["parent_id"] == terms[term.parent]["id"]
    for code, term in taxonomy.AUDIENCES.items():
        assert terms[code]["name"] == term.label
        assert terms[code]["taxonomy_id"] == taxonomies[taxonomy.AUDIENCE_TAXONOMY_ID]


def test_every_service_links_its_subcategory_category_and_an_audience() -> None:
    for service in table("services.csv"):
        codes = service_terms()[service["id"]]["codes"]
        subs = codes & set(taxonomy.SUBCATEGORIES)
        assert len(subs) == 1, service["name"]
        assert taxonomy.category_of(next(iter(subs))) in codes
        assert codes & set(taxonomy.AUDIENCES), service["name"]


@pytest.mark.parametrize(
    ("category", "audience"),
    [
        ("carer", "mantelzorgers"),
        ("youth", "jongeren"),
        ("money", "minima"),
        ("retirement", "gepensioneerden"),
        ("newcomer", "nieuwkomers"),
    ],
)
def test_services_of_a_category_carry_its_audience(category: str, audience: str) -> None:
    for service in table("services.csv"):
        codes = service_terms()[service["id"]]["codes"]
        if category in codes:
            assert audience in codes, service["name"]


def test_youth_services_are_for_ages_15_to_24() -> None:
    for service in table("services.csv"):
        if "youth" in service_terms()[service["id"]]["codes"]:
            assert (service["minimum_age"], service["maximum_age"]) == ("15", "24"), service["name"]


def test_volunteer_vacancies_state_hours_home_work_and_who_fits() -> None:
    vacancies = [s for s in table("services.csv") if "volunteer_vacancy" in service_terms()[s["id"]]["codes"]]
    assert len(vacancies) >= 24
    for service in vacancies:
        terms = service_terms()[service["id"]]
        values = dict(v.split("=", 1) for v in terms["values"])
        assert 1 <= int(values["uren_per_week"]) <= 8
        assert values["vanuit_huis"] in {"ja", "nee"}
        assert terms["codes"] & {"jongeren", "gepensioneerden", "nieuwkomers"}
        assert f"{values['uren_per_week']} uur per week" in service["description"]
    assert any(
        dict(v.split("=", 1) for v in service_terms()[s["id"]]["values"])["vanuit_huis"] == "ja"
        for s in vacancies
    )


def test_schedules_are_valid_weekly_or_monthly_rules() -> None:
    for row in table("schedules.csv"):
        assert row["freq"] in {"WEEKLY", "MONTHLY"}
        tokens = row["byday"].split(",")
        assert all(DAY_TOKEN.match(t) for t in tokens), row["byday"]
        if row["freq"] == "WEEKLY":
            assert all(t.isalpha() for t in tokens)
        assert TIME.match(row["opens_at"]) and TIME.match(row["closes_at"])
        assert row["opens_at"] < row["closes_at"]


def test_costs_are_free_or_a_small_amount_in_euro() -> None:
    options = table("cost_options.csv")
    assert {o["service_id"] for o in options} == {s["id"] for s in table("services.csv")}
    amounts = [float(o["amount"]) for o in options]
    assert all(o["currency"] == "EUR" for o in options)
    assert all(a == 0 or 1.5 <= a <= 5 for a in amounts)
    assert sum(a == 0 for a in amounts) > len(amounts) / 2  # most of the offer is free


def test_local_contact_details_use_example_domains_only() -> None:
    national = {s["id"] for s in national_services().values()}
    for service in table("services.csv"):
        if service["id"] in national:
            continue
        assert EXAMPLE_EMAIL.match(service["email"]), service["email"]
        assert EXAMPLE_URL.match(service["url"]), service["url"]
    for row in table("contacts.csv") + table("organizations.csv"):
        assert not row["email"] or EXAMPLE_EMAIL.match(row["email"]), row["email"]


def test_local_phone_numbers_use_the_area_code_of_their_region() -> None:
    codes = {"0592", "0591", "0599", "0524", "0528", "0522", "0521", "0593", "050"}
    national = {s["id"] for s in national_services().values()}
    for phone in table("phones.csv"):
        if phone["service_id"] not in national:
            assert phone["number"].split(" ")[0] in codes, phone["number"]
            assert len(re.sub(r"\D", "", phone["number"])) == 10


def test_package_says_it_is_demo_data() -> None:
    descriptor = json.loads((DEMO / "datapackage.json").read_text(encoding="utf-8"))
    assert "DEMO" in descriptor["title"] and "DEMODATA" in descriptor["description"]
    assert "DEMO" in (DEMO / "README.md").read_text(encoding="utf-8")
    notices = [m for m in table("metadata.csv") if m["resource_type"] == "dataset"]
    assert notices and "DEMODATA" in notices[0]["replacement_value"]
    assert "scripts/make_demo_data.py" in notices[0]["replacement_value"]


def test_languages_include_dutch_for_every_service_and_some_others() -> None:
    by_service: dict[str, set[str]] = defaultdict(set)
    for row in table("languages.csv"):
        by_service[row["service_id"]].add(row["code"])
    assert all("nl" in by_service[s["id"]] for s in table("services.csv"))
    assert {"en", "de", "ar", "uk"} <= set().union(*by_service.values())


SCHEMES = ("discount_pass", "special_assistance", "carer_appreciation", "carer_consultant", "short_stay")


@pytest.mark.parametrize("municipality", MUNICIPALITIES)
def test_every_municipality_has_its_own_schemes_for_its_residents_only(municipality: str) -> None:
    terms = service_terms()
    areas = {row["service_id"]: row for row in table("service_areas.csv")}
    own = {
        code
        for sid, area in areas.items()
        if area["name"] == municipality and area["description"] == f"Alleen voor inwoners van de gemeente {municipality}."
        for code in terms[sid]["codes"]
    }
    assert set(SCHEMES) <= own


def test_activities_welcome_anyone_and_say_so() -> None:
    terms = service_terms()
    for area in table("service_areas.csv"):
        codes = terms[area["service_id"]]["codes"]
        if codes & {"coffee_morning", "walking_group", "hobby_club", "volunteer_vacancy", "youth_sport"}:
            assert area["description"].endswith("Iedereen is welkom."), area
