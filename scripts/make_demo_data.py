"""Generate the demo social map of Drenthe as an HSDS 3.0 tabular data package.

Run `python -m scripts.make_demo_data` to (re)write `socialmap/data/demo/`.
The output is DEMO DATA: the local services, organisations, people, addresses,
phone numbers and e-mail addresses are fictional. Only the four national
helplines (113 Zelfmoordpreventie, De Luisterlijn, de Mantelzorglijn and De
Kindertelefoon) are real.

The generator is deterministic: a fixed random seed, ids derived with uuid5
from a fixed namespace and a fixed "generated on" date, so running it twice
gives byte-identical files. It reads the places from the gazetteer
(`socialmap/data/gazetteer/drenthe.csv`); after the gazetteer changes, run it
again and commit the new files.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import math
import random
import re
import sys
import unicodedata
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from socialmap import taxonomy

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = ROOT / "socialmap" / "data" / "demo"
DEFAULT_GAZETTEER = ROOT / "socialmap" / "data" / "gazetteer" / "drenthe.csv"

SEED = 20240917
# Fixed namespace: every id in the package is uuid5(NAMESPACE, "<table>:<n>").
NAMESPACE = uuid.UUID("6f1c3b52-8a4e-4d1b-9c57-2f0e7d1a9b30")
# A fixed date keeps the output identical between runs (no datetime.now()).
GENERATED_ON = "2025-01-06"
DEMO_NOTICE = (
    "DEMODATA: fictieve diensten, organisaties, personen, adressen, telefoonnummers en e-mailadressen, "
    "gemaakt door scripts/make_demo_data.py. Alleen de landelijke hulplijnen (113 Zelfmoordpreventie, "
    "De Luisterlijn, de Mantelzorglijn en De Kindertelefoon) zijn echt."
)
EXTRA_SERVICES = 118  # on top of one service per sub-category per municipality

MUNICIPALITIES = (
    "Aa en Hunze", "Assen", "Borger-Odoorn", "Coevorden", "De Wolden", "Emmen",
    "Hoogeveen", "Meppel", "Midden-Drenthe", "Noordenveld", "Tynaarlo", "Westerveld",
)  # fmt: skip

# Where the town hall is; municipal services (kortingspas, bijstand) are offered there.
SEATS = {
    "Aa en Hunze": "Gieten", "Assen": "Assen", "Borger-Odoorn": "Exloo", "Coevorden": "Coevorden",
    "De Wolden": "Zuidwolde", "Emmen": "Emmen", "Hoogeveen": "Hoogeveen", "Meppel": "Meppel",
    "Midden-Drenthe": "Beilen", "Noordenveld": "Roden", "Tynaarlo": "Vries", "Westerveld": "Diever",
}  # fmt: skip

# Rough size of the bigger places (about the square root of the population in
# thousands, times 1.5): bigger towns get more services. Unlisted places weigh 1.
TOWN_WEIGHT = {
    "Assen": 12, "Emmen": 11, "Hoogeveen": 9, "Meppel": 8, "Coevorden": 5, "Roden": 5,
    "Klazienaveen": 4, "Zuidlaren": 4, "Beilen": 4, "Eelde": 3, "Paterswolde": 3,
    "Emmer-Compascuum": 3, "Nieuw-Amsterdam": 3, "Erica": 3, "Schoonebeek": 3, "Hollandscheveld": 3,
    "Gieten": 3, "Borger": 3, "Nieuw-Buinen": 3, "Zuidwolde": 3, "Vries": 3, "Smilde": 2,
    "Bovensmilde": 2, "Westerbork": 2, "Annen": 2, "Rolde": 2, "Exloo": 2, "Valthermond": 2,
    "Tweede Exloërmond": 2, "Dalen": 2, "Sleen": 2, "Ruinen": 2, "Ruinerwold": 2, "De Wijk": 2,
    "Peize": 2, "Norg": 2, "Havelte": 2, "Dwingeloo": 2, "Diever": 2, "Vledder": 2, "Nijeveen": 2,
    "Pesse": 2, "Zwartemeer": 2, "Gasselternijveen": 2, "Odoorn": 2, "Oosterhesselen": 2,
}  # fmt: skip

# Inhabitants (thousands, CBS 2023, rounded): the extra services follow the population.
POPULATION_K = {
    "Aa en Hunze": 25, "Assen": 69, "Borger-Odoorn": 26, "Coevorden": 36, "De Wolden": 24, "Emmen": 108,
    "Hoogeveen": 56, "Meppel": 35, "Midden-Drenthe": 34, "Noordenveld": 32, "Tynaarlo": 35, "Westerveld": 20,
}  # fmt: skip

# Telephone area codes; a few places dial another code than their municipality.
AREA_CODE = {
    "Aa en Hunze": "0592", "Assen": "0592", "Borger-Odoorn": "0591", "Coevorden": "0524",
    "De Wolden": "0528", "Emmen": "0591", "Hoogeveen": "0528", "Meppel": "0522",
    "Midden-Drenthe": "0593", "Noordenveld": "050", "Tynaarlo": "050", "Westerveld": "0521",
}  # fmt: skip
AREA_CODE_TOWN = {
    "Gasselte": "0599", "Gasselternijveen": "0599", "Borger": "0599", "Nieuw-Buinen": "0599",
    "Buinen": "0599", "Drouwen": "0599", "Vries": "0592", "Norg": "0592", "Smilde": "0592",
    "Bovensmilde": "0592", "Ruinen": "0522", "Ruinerwold": "0522", "De Wijk": "0522",
    "Koekange": "0522", "IJhorst": "0522", "Havelte": "0521",
}  # fmt: skip

DAYS_NL = {"MO": "maandag", "TU": "dinsdag", "WE": "woensdag", "TH": "donderdag",
           "FR": "vrijdag", "SA": "zaterdag", "SU": "zondag"}  # fmt: skip
ORDINALS_NL = {"1": "eerste", "2": "tweede", "3": "derde", "4": "vierde", "-1": "laatste"}
WEEKDAYS = ("MO", "TU", "WE", "TH", "FR")

STREETS = (
    "Kerkstraat", "Brink", "Dorpsstraat", "Hoofdweg", "Hoofdstraat", "Stationsstraat", "Molenweg",
    "Schoolstraat", "Esweg", "Julianastraat", "Wilhelminastraat", "Beatrixlaan", "Oranjestraat",
    "Zuideinde", "Noordeinde", "Boslaan", "Nieuweweg", "Torenstraat", "Parklaan", "Sportlaan",
    "Burgemeester Jansenlaan", "Kanaalweg", "Marktstraat", "Heideweg", "Veldweg", "Lindelaan",
    "Eikenlaan", "Berkenlaan", "Meester Vosstraat", "De Es", "Achterstraat", "Tolweg",
)  # fmt: skip
FIRST_NAMES = (
    "Anja", "Gerda", "Jannie", "Marga", "Hennie", "Ingrid", "Roelie", "Fenna", "Sanne", "Lotte",
    "Esther", "Wilma", "Albert", "Harm", "Jan", "Roelof", "Geert", "Henk", "Bert", "Jeroen",
    "Mark", "Sander", "Thijs", "Lucas", "Karin", "Marieke", "Annemiek", "Hilde", "Jochem", "Klaas",
)  # fmt: skip
LAST_NAMES = (
    "Hoving", "Bakker", "Mulder", "Smit", "de Vries", "Lubbers", "Jansen", "Hofstee", "Brink",
    "Wolters", "Kuiper", "Zwiers", "Oosting", "Kremer", "Hilbrands", "Boer", "Dijkstra", "Meijer",
    "Nijenhuis", "Veenstra", "Tiesing", "Lanting", "Schepers", "Snippe", "Drenth", "Pranger",
    "Wubs", "Bos", "Roelofs", "Hadders", "Kamping", "Moes", "Boelens", "Seinen", "Everts",
)  # fmt: skip
HOUSE_NAMES = (
    "De Brink", "'t Hoekje", "De Spil", "De Schakel", "De Kloosterhof", "Ons Huis", "De Eshof",
    "Het Trefpunt", "De Boerhoorn", "De Pompe", "De Wenakker", "De Viersprong", "De Hunze",
    "Het Anker", "De Kastanje", "De Molenhof", "De Buitenplaats", "De Hoeksteen", "De Lindehof",
    "Het Baken", "De Zandhorst", "De Markeschoor", "De Bosrand", "De Klokkenstoel",
)  # fmt: skip
FARM_NAMES = ("De Hooiberg", "De Esker", "De Zonnehoeve", "Het Eikenhof", "De Ploeg", "De Wilgenhoeve",
              "Het Veldhuis", "De Schapenkamp", "De Heidehof", "De Hulstkamp", "De Vlindertuin", "De Boomgaard")  # fmt: skip
CARE_HOMES = ("De Linde", "Het Zonnehuis", "De Lariks", "Meerwiek", "De Horst", "Het Hof", "De Westerhof",
              "De Burcht", "Nij Dennenoord", "De Bloemert")  # fmt: skip
YOUTH_PLACES = (
    "De Schuur",
    "The Spot",
    "De Loods",
    "Het Honk",
    "De Bunker",
    "JOP-plek De Hangplek",
    "De Keet",
)
SPORT_PARKS = ("Sportpark De Bosrand", "Sportpark Het Noord", "Sportpark De Weide", "Sportpark De Esch",
               "Sporthal De Kolk", "Sporthal De Spil", "Sportpark Zuid", "Sporthal De Marke")  # fmt: skip

EMAIL_RE = re.compile(r"^[a-z0-9.\-]+@voorbeeld-[a-z]+\.nl$")

FieldSpec = tuple[str, str, str | None, bool, bool, tuple[str, ...] | None]

# HSDS 3.0 tables written by this generator: (file, description, fields, foreign keys).
# Copied from the HSDS 3.0 datapackage.json (openreferral/specification); the
# order of the fields is the order of the CSV columns.
# fmt: off
HSDS_TABLES: dict[str, tuple[str, str, list[FieldSpec], list[tuple[str, str]]]] = {
    "organization": (
        "organizations.csv",
        "The details about each organization delivering services.",
        [
            ("id", "string", "uuid", True, True, None),
            ("name", "string", None, True, False, None),
            ("alternate_name", "string", None, False, False, None),
            ("description", "string", None, True, False, None),
            ("email", "string", "email", False, False, None),
            ("website", "string", "uri", False, False, None),
            ("tax_status", "string", None, False, False, None),
            ("tax_id", "string", None, False, False, None),
            ("year_incorporated", "number", None, False, False, None),
            ("legal_status", "string", None, False, False, None),
            ("logo", "string", None, False, False, None),
            ("uri", "string", "uri", False, False, None),
            ("parent_organization_id", "string", "uuid", False, False, None),
        ],
        [],
    ),
    "service": (
        "services.csv",
        "The details of the services provided by organizations to a range of different groups.",
        [
            ("id", "string", "uuid", True, True, None),
            ("organization_id", "string", "uuid", True, False, None),
            ("program_id", "string", "uuid", False, False, None),
            ("name", "string", None, True, False, None),
            ("alternate_name", "string", None, False, False, None),
            ("description", "string", None, False, False, None),
            ("url", "string", "uri", False, False, None),
            ("email", "string", "email", False, False, None),
            ("status", "string", None, True, False, ("active", "inactive", "defunct", "temporarily closed")),
            ("interpretation_services", "string", None, False, False, None),
            ("application_process", "string", None, False, False, None),
            ("fees_description", "string", None, False, False, None),
            ("wait_time", "string", None, False, False, None),
            ("fees", "string", None, False, False, None),
            ("accreditations", "string", None, False, False, None),
            ("eligibility_description", "string", None, False, False, None),
            ("minimum_age", "number", None, False, False, None),
            ("maximum_age", "number", None, False, False, None),
            ("assured_date", "date", None, False, False, None),
            ("assurer_email", "string", "email", False, False, None),
            ("licenses", "string", None, False, False, None),
            ("alert", "string", None, False, False, None),
            ("last_modified", "datetime", None, False, False, None),
        ],
        [("organization_id", "organization")],
    ),
    "location": (
        "locations.csv",
        "The details of the locations where organizations operate.",
        [
            ("id", "string", "uuid", True, True, None),
            ("location_type", "string", None, True, False, ("physical", "postal", "virtual")),
            ("url", "string", "uri", False, False, None),
            ("organization_id", "string", "uuid", False, False, None),
            ("name", "string", None, False, False, None),
            ("alternate_name", "string", None, False, False, None),
            ("description", "string", None, False, False, None),
            ("transportation", "string", None, False, False, None),
            ("latitude", "number", None, False, False, None),
            ("longitude", "number", None, False, False, None),
            ("external_identifier", "string", None, False, False, None),
            ("external_identifier_type", "string", None, False, False, None),
        ],
        [("organization_id", "organization")],
    ),
    "address": (
        "addresses.csv",
        "The addresses of locations where organizations operate.",
        [
            ("id", "string", "uuid", True, True, None),
            ("location_id", "string", "uuid", False, False, None),
            ("attention", "string", None, False, False, None),
            ("address_1", "string", None, True, False, None),
            ("address_2", "string", None, False, False, None),
            ("city", "string", None, True, False, None),
            ("region", "string", None, False, False, None),
            ("state_province", "string", None, True, False, None),
            ("postal_code", "string", None, True, False, None),
            ("country", "string", None, True, False, None),
            ("address_type", "string", None, True, False, ("physical", "postal", "virtual")),
        ],
        [("location_id", "location")],
    ),
    "service_at_location": (
        "service_at_location.csv",
        "Link between a service and a specific location.",
        [
            ("id", "string", "uuid", True, True, None),
            ("service_id", "string", "uuid", True, False, None),
            ("location_id", "string", "uuid", True, False, None),
            ("description", "string", None, False, False, None),
        ],
        [("service_id", "service"), ("location_id", "location")],
    ),
    "schedule": (
        "schedules.csv",
        "The details of when a service or location is open (iCal RRULE fields).",
        [
            ("id", "string", "uuid", True, True, None),
            ("service_id", "string", "uuid", False, False, None),
            ("location_id", "string", "uuid", False, False, None),
            ("service_at_location_id", "string", "uuid", False, False, None),
            ("valid_from", "date", None, False, False, None),
            ("valid_to", "date", None, False, False, None),
            ("dtstart", "date", None, False, False, None),
            ("timezone", "number", None, False, False, None),
            ("until", "date", None, False, False, None),
            ("count", "number", None, False, False, None),
            ("wkst", "string", None, False, False, ("MO", "TU", "WE", "TH", "FR", "SA", "SU")),
            ("freq", "string", None, False, False, ("WEEKLY", "MONTHLY")),
            ("interval", "number", None, False, False, None),
            ("byday", "string", None, False, False, None),
            ("byweekno", "string", None, False, False, None),
            ("bymonthday", "string", None, False, False, None),
            ("byyearday", "string", None, False, False, None),
            ("description", "string", None, False, False, None),
            ("opens_at", "time", "%H:%M", False, False, None),
            ("closes_at", "time", "%H:%M", False, False, None),
            ("schedule_link", "string", "uri", False, False, None),
            ("attending_type", "string", None, False, False, None),
            ("notes", "string", None, False, False, None),
        ],
        [("location_id", "location"), ("service_id", "service"), ("service_at_location_id", "service_at_location")],
    ),
    "cost_option": (
        "cost_options.csv",
        "The costs of a service at certain points in time.",
        [
            ("id", "string", "uuid", True, True, None),
            ("service_id", "string", "uuid", True, False, None),
            ("valid_from", "date", None, False, False, None),
            ("valid_to", "date", None, False, False, None),
            ("option", "string", None, False, False, None),
            ("currency", "string", None, False, False, None),
            ("amount", "number", None, False, False, None),
            ("amount_description", "string", None, False, False, None),
        ],
        [("service_id", "service")],
    ),
    "phone": (
        "phones.csv",
        "The details of the telephone numbers used to contact organizations, services and locations.",
        [
            ("id", "string", "uuid", True, True, None),
            ("location_id", "string", "uuid", False, False, None),
            ("service_id", "string", "uuid", False, False, None),
            ("organization_id", "string", "uuid", False, False, None),
            ("contact_id", "string", "uuid", False, False, None),
            ("service_at_location_id", "string", "uuid", False, False, None),
            ("number", "string", None, True, False, None),
            ("extension", "number", None, False, False, None),
            ("type", "string", None, False, False, None),
            ("description", "string", None, False, False, None),
        ],
        [("contact_id", "contact"), ("location_id", "location"), ("organization_id", "organization"), ("service_id", "service"), ("service_at_location_id", "service_at_location")],
    ),
    "contact": (
        "contacts.csv",
        "The details of the named contacts for services and organizations.",
        [
            ("id", "string", "uuid", True, True, None),
            ("organization_id", "string", "uuid", False, False, None),
            ("service_id", "string", "uuid", False, False, None),
            ("service_at_location_id", "string", "uuid", False, False, None),
            ("location_id", "string", "uuid", False, False, None),
            ("name", "string", None, False, False, None),
            ("title", "string", None, False, False, None),
            ("department", "string", None, False, False, None),
            ("email", "string", "email", False, False, None),
        ],
        [("location_id", "location"), ("organization_id", "organization"), ("service_id", "service"), ("service_at_location_id", "service_at_location")],
    ),
    "language": (
        "languages.csv",
        "The details of the languages that are spoken at locations or services.",
        [
            ("id", "string", "uuid", True, True, None),
            ("service_id", "string", "uuid", False, False, None),
            ("location_id", "string", "uuid", False, False, None),
            ("phone_id", "string", "uuid", False, False, None),
            ("name", "string", None, False, False, None),
            ("code", "string", None, False, False, None),
            ("note", "string", None, False, False, None),
        ],
        [("location_id", "location"), ("phone_id", "phone"), ("service_id", "service")],
    ),
    "accessibility": (
        "accessibility.csv",
        "The details of the arrangements for access to locations for people who have disabilities.",
        [
            ("id", "string", "uuid", True, True, None),
            ("location_id", "string", "uuid", False, False, None),
            ("description", "string", None, False, False, None),
            ("details", "string", None, False, False, None),
            ("url", "string", "uri", False, False, None),
        ],
        [("location_id", "location")],
    ),
    "service_area": (
        "service_areas.csv",
        "The details of the geographic area for which a service is available.",
        [
            ("id", "string", "uuid", True, True, None),
            ("service_id", "string", "uuid", False, False, None),
            ("name", "string", None, False, False, None),
            ("description", "string", None, False, False, None),
            ("extent", "string", None, False, False, None),
            ("extent_type", "string", None, False, False, None),
            ("uri", "string", None, False, False, None),
        ],
        [("service_id", "service")],
    ),
    "taxonomy": (
        "taxonomies.csv",
        "The details of the taxonomies used in the taxonomy terms.",
        [
            ("id", "string", "uuid", True, True, None),
            ("name", "string", None, True, False, None),
            ("description", "string", None, True, False, None),
            ("uri", "string", "uri", False, False, None),
            ("version", "string", None, False, False, None),
        ],
        [],
    ),
    "taxonomy_term": (
        "taxonomy_terms.csv",
        "Each service can be categorized according to one or more taxonomy terms.",
        [
            ("id", "string", "uuid", True, True, None),
            ("code", "string", None, False, True, None),
            ("name", "string", None, True, False, None),
            ("description", "string", None, True, False, None),
            ("parent_id", "string", "uuid", False, False, None),
            ("taxonomy", "string", None, False, False, None),
            ("language", "string", None, False, False, None),
            ("taxonomy_id", "string", "uuid", False, False, None),
            ("term_uri", "string", "uri", False, False, None),
        ],
        [("taxonomy_id", "taxonomy")],
    ),
    "attribute": (
        "attributes.csv",
        "Links taxonomy terms to services (category, sub-category, audience, vacancy details).",
        [
            ("id", "string", "uuid", True, True, None),
            ("link_id", "string", "uuid", True, False, None),
            ("taxonomy_term_id", "string", "uuid", True, False, None),
            ("link_type", "string", None, False, False, None),
            ("link_entity", "string", None, True, False, None),
            ("value", "string", None, False, False, None),
        ],
        [("taxonomy_term_id", "taxonomy_term")],
    ),
    "metadata": (
        "metadata.csv",
        "Changes made to the data; here: the notice that this package is demo data.",
        [
            ("id", "string", "uuid", True, True, None),
            ("resource_id", "string", "uuid", True, False, None),
            ("resource_type", "string", None, True, False, None),
            ("last_action_date", "date", None, True, False, None),
            ("last_action_type", "string", None, True, False, None),
            ("field_name", "string", None, True, False, None),
            ("previous_value", "string", None, True, False, None),
            ("replacement_value", "string", None, True, False, None),
            ("updated_by", "string", None, True, False, None),
        ],
        [],
    ),
}
# fmt: on

# Extra terms (children of the volunteer_vacancy sub-category) whose attribute
# `value` carries the vacancy details.
VACANCY_DETAIL_TERMS = {
    "uren_per_week": ("Uren per week", "Hoeveel uur per week u ongeveer vrijwilliger bent"),
    "vanuit_huis": ("Vanuit huis", "Of u dit vrijwilligerswerk (deels) thuis kunt doen: ja of nee"),
}


class GazetteerError(ValueError):
    """The gazetteer cannot be read; the message names the file and line."""


@dataclass(frozen=True)
class Town:
    """One woonplaats from the gazetteer."""

    name: str
    municipality: str
    lat: float
    lon: float
    postcodes: tuple[str, ...]

    @property
    def weight(self) -> int:
        return TOWN_WEIGHT.get(self.name, 1)


def read_gazetteer(path: Path) -> list[Town]:
    """Return the places of the gazetteer that have at least one PC4 postcode."""
    if not path.exists():
        raise GazetteerError(f"{path}: gazetteer not found")
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if not line.startswith("#")]
    towns: list[Town] = []
    for lineno, row in enumerate(csv.DictReader(lines), start=2):
        try:
            postcodes = tuple(p for p in re.split(r"[\s;|]+", row["postcodes"] or "") if p)
            town = Town(row["woonplaats"].strip(), row["gemeente"].strip(), float(row["lat"]),
                        float(row["lon"]), postcodes)  # fmt: skip
        except (KeyError, TypeError, ValueError) as exc:
            raise GazetteerError(f"{path}: row {lineno}: {exc}") from exc
        # Without a PC4 we cannot write a valid address, so the place gets no venue.
        if town.postcodes and town.municipality in MUNICIPALITIES:
            towns.append(town)
    missing = set(MUNICIPALITIES) - {t.municipality for t in towns}
    if missing:
        raise GazetteerError(f"{path}: no places for {', '.join(sorted(missing))}")
    return towns


def slug(text: str) -> str:
    """Return `text` as a lowercase ASCII slug for e-mail addresses and URLs."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def short_slug(text: str, limit: int) -> str:
    """Return a slug cut at a word boundary to at most `limit` characters."""
    if len(text) <= limit:
        return text
    return text[: limit + 1].rsplit("-", 1)[0]


def euro(amount: float) -> str:
    """Return an amount the Dutch way: 2.5 -> '€ 2,50'."""
    return "€ " + f"{amount:.2f}".replace(".", ",")


@dataclass
class Schedule:
    """A recurring session: weekly on `days`, or monthly on e.g. '1SA'."""

    days: tuple[str, ...]
    opens: str
    closes: str
    freq: str = "WEEKLY"

    def day_names(self) -> str:
        """Return the days of a weekly schedule as Dutch words, e.g. 'dinsdag en vrijdag'."""
        names = [DAYS_NL[re.sub(r"^-?\d", "", d)] for d in self.days]
        return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " en " + names[-1]

    def text(self) -> str:
        """Return the schedule as a Dutch phrase, e.g. 'elke woensdag van 10:00 tot 12:00 uur'."""
        hours = f"van {self.opens} tot {self.closes} uur"
        if self.freq == "MONTHLY":
            ordinal, day = re.match(r"(-?\d)([A-Z]{2})", self.days[0]).groups()  # type: ignore[union-attr]
            return f"elke {ORDINALS_NL[ordinal]} {DAYS_NL[day]} van de maand {hours}"
        if len(self.days) == 7:
            return f"elke dag {hours}"
        order = list(DAYS_NL)
        first, last = order.index(self.days[0]), order.index(self.days[-1])
        if len(self.days) >= 4 and last - first + 1 == len(self.days):  # a run such as MO..FR
            return f"van {DAYS_NL[self.days[0]]} tot en met {DAYS_NL[self.days[-1]]} {hours}"
        names = [DAYS_NL[d] for d in self.days]
        joined = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " en " + names[-1]
        return f"elke {joined} {hours}"


@dataclass
class Offer:
    """One service to write: what the templates return."""

    subcategory: str
    name: str
    description: str
    venue: str  # venue kind, see Builder.venue
    audiences: tuple[str, ...]
    org: str = "welzijn"  # organisation kind, see Builder.org
    schedule: Schedule | None = None
    cost: float = 0.0
    cost_unit: str = "per keer"
    min_age: int | None = None
    max_age: int | None = None
    application: str = "U hoeft zich niet aan te melden. U kunt gewoon binnenlopen."
    eligibility: str = ""
    languages: tuple[str, ...] = ("nl",)
    details: dict[str, str] = field(default_factory=dict)  # vacancy detail code -> value
    area: str = "gemeente"  # "gemeente" or "woonplaats"


@dataclass
class Ctx:
    """Everything a template may use to fill in its text."""

    town: Town
    municipality: str
    welzijn: str
    rng: random.Random

    def pick(self, options: Iterable[Any]) -> Any:
        return self.rng.choice(list(options))

    def day(self, days: Iterable[str] = WEEKDAYS) -> str:
        return self.pick(days)

    def slot(self, morning: bool = True) -> tuple[str, str]:
        if morning:
            return self.pick([("09:30", "11:30"), ("10:00", "12:00"), ("10:00", "11:30"), ("09:00", "11:00")])
        return self.pick([("13:30", "15:30"), ("14:00", "16:00"), ("14:00", "16:30"), ("19:00", "21:00")])

    def weekly(self, morning: bool = True, days: Iterable[str] = WEEKDAYS, count: int = 1) -> Schedule:
        chosen = self.rng.sample(list(days), count)
        ordered = tuple(d for d in DAYS_NL if d in chosen)
        return Schedule(ordered, *self.slot(morning))

    def cost(self, options: Iterable[float] = (1.5, 2.0, 2.5, 3.0)) -> float:
        return float(self.pick(options))

    def langs(self, extra: tuple[str, ...] = ("en", "de"), chance: float = 0.25) -> tuple[str, ...]:
        chosen = ["nl"] + [code for code in extra if self.rng.random() < chance]
        return tuple(chosen)


LANGUAGE_NAMES = {"nl": "Nederlands", "en": "Engels", "de": "Duits", "ar": "Arabisch", "uk": "Oekraïens"}
MEETING_AUDIENCE = ("iedereen", "ouderen")
YOUTH_MIN_AGE, YOUTH_MAX_AGE = 15, 24  # the youth category is for 15 to 24 year olds


def _t_community_centre(c: Ctx) -> Offer:
    s = c.weekly(True, count=3)
    return Offer(
        "community_centre",
        "Inloop in {venue}",
        "{venue} is de ontmoetingsplek van {town}. Op {days} staat de koffie klaar. U kunt een krant lezen, "
        "een spelletje doen of een praatje maken. Er zijn ook cursussen en activiteiten. Kijk op het "
        "prikbord wat er deze maand te doen is.",
        "dorpshuis",
        MEETING_AUDIENCE,
        org="host",
        schedule=s,
        cost=0.0,
    )


def _t_coffee_morning(c: Ctx) -> Offer:
    where = c.pick(["dorpshuis", "dorpshuis", "kerk", "zorgcentrum"])
    return Offer(
        "coffee_morning",
        c.pick(["Koffieochtend in {venue}", "Koffie-inloop {town}", "Ochtend voor ontmoeting {town}"]),
        "Elke week is er een koffieochtend in {venue}. U bent welkom voor een kop koffie en een praatje. "
        "Vrijwilligers ontvangen u. U hoeft zich niet aan te melden. Komt u voor het eerst? Dan stellen we u "
        "graag aan de anderen voor.",
        where,
        MEETING_AUDIENCE,
        org="host",
        schedule=c.weekly(True),
        cost=c.cost((0.0, 0.0, 1.5, 2.0)),
    )


def _t_shop_coffee_corner(c: Ctx) -> Offer:
    return Offer(
        "shop_coffee_corner",
        "Koffiehoek bij {venue}",
        "Bij {venue} staat een grote tafel met koffie en thee. Na het boodschappen doen kunt u even "
        "gaan zitten en met anderen praten. De koffie is gratis. Op {days} schuift ook een vrijwilliger "
        "van {welzijn} aan. Met haar of hem kunt u praten over vragen die u heeft.",
        "winkel",
        MEETING_AUDIENCE,
        org="host",
        schedule=c.weekly(True, count=2),
        cost=0.0,
    )


def _t_shared_meal(c: Ctx) -> Offer:
    s = c.weekly(False, days=("TU", "WE", "TH", "FR"))
    s.opens, s.closes = c.pick([("12:00", "13:30"), ("17:30", "19:00"), ("12:30", "14:00")])
    return Offer(
        "shared_meal",
        c.pick(["Eettafel {town}", "Samen eten in {venue}", "Buurtmaaltijd {town}"]),
        "Eet u vaak alleen? Schuif dan aan bij de eettafel. Vrijwilligers koken een verse maaltijd met "
        "soep, hoofdgerecht en toetje. U eet samen met ongeveer tien anderen. Meld u uiterlijk de dag "
        "ervoor aan. Heeft u een dieet? Zeg het bij de aanmelding.",
        c.pick(["dorpshuis", "zorgcentrum"]),
        MEETING_AUDIENCE,
        org="host",
        schedule=s,
        cost=c.cost((4.0, 4.5, 5.0)),
        cost_unit="per maaltijd",
        application="Meld u uiterlijk de dag ervoor aan bij de contactpersoon.",
    )


def _t_walking_group(c: Ctx) -> Offer:
    return Offer(
        "walking_group",
        c.pick(["Wandelgroep {town}", "Samen wandelen in {town}", "Beweegwandeling {town}"]),
        "Samen wandelen is gezond en gezellig. We lopen ongeveer een uur in een rustig tempo door het "
        "dorp en de omgeving. Na afloop drinken we samen koffie in {venue}. Iedereen kan meedoen, ook "
        "met een rollator op de korte route.",
        c.pick(["dorpshuis", "kerk"]),
        MEETING_AUDIENCE,
        org="host",
        schedule=c.weekly(True, days=WEEKDAYS + ("SA",)),
        cost=0.0,
    )


def _t_hobby_club(c: Ctx) -> Offer:
    kind = c.pick(
        [
            (
                "Repair Café {town}",
                "Is uw broodrooster, fiets of broek kapot? Neem hem mee naar het Repair Café. "
                "Vrijwilligers repareren samen met u. Ondertussen drinkt u een kop koffie met anderen. Repareren is "
                "gratis; een vrijwillige bijdrage mag.",
                "MONTHLY",
            ),
            (
                "Handwerkclub {town}",
                "Breien, haken of borduren doet u hier samen. Beginners zijn welkom; er is "
                "altijd iemand die u iets kan leren. Neem uw eigen werk mee of begin aan iets nieuws.",
                "WEEKLY",
            ),
            (
                "Schilderclub {town}",
                "Samen schilderen met waterverf of acryl. Een vrijwilliger met ervaring geeft "
                "tips. U heeft geen ervaring nodig. Materiaal is aanwezig.",
                "WEEKLY",
            ),
            (
                "Klaverjasclub {town}",
                "Houdt u van kaarten? Kom klaverjassen in {venue}. We spelen in wisselende "
                "tafels, zodat u steeds met anderen speelt.",
                "WEEKLY",
            ),
            (
                "Zangkoor Vrolijke Noten {town}",
                "Zingt u graag? Het koor zingt Nederlandse liedjes en "
                "meezingers. U hoeft geen noten te kunnen lezen.",
                "WEEKLY",
            ),
            (
                "Biljartclub {town}",
                "Biljarten in {venue}, voor beginners en gevorderden. Na afloop drinken we samen iets.",
                "WEEKLY",
            ),
        ]
    )
    name, text, freq = kind
    if freq == "MONTHLY":
        s = Schedule((c.pick(["1SA", "2SA", "3SA", "-1SA"]),), "10:00", "13:00", "MONTHLY")
        cost = 0.0
    else:
        s = c.weekly(c.rng.random() < 0.5)
        cost = c.cost((1.5, 2.0, 2.5, 3.0))
    return Offer("hobby_club", name, text, "dorpshuis", MEETING_AUDIENCE, org="host", schedule=s, cost=cost)


def _t_library_activity(c: Ctx) -> Offer:
    name, text, aud, langs = c.pick(
        [
            (
                "Taalcafé {town}",
                "In het Taalcafé oefent u Nederlands praten. U praat in kleine groepjes over "
                "gewone onderwerpen, zoals boodschappen of het weer. Vrijwilligers helpen u. Iedereen die "
                "Nederlands wil oefenen is welkom.",
                ("iedereen", "nieuwkomers"),
                ("nl", "en", "ar", "uk"),
            ),
            (
                "Leesclub in Bibliotheek {town}",
                "Eén keer per week praten we over een boek dat we allemaal "
                "gelezen hebben. De bibliotheek regelt de boeken. Nieuwe leden zijn welkom.",
                MEETING_AUDIENCE,
                ("nl",),
            ),
            (
                "Lezing en ontmoeting in Bibliotheek {town}",
                "Elke week is er een korte lezing over een onderwerp "
                "uit de streek, zoals de geschiedenis van het dorp of de natuur. Daarna drinken we samen koffie.",
                MEETING_AUDIENCE,
                ("nl",),
            ),
            (
                "Samen de krant lezen {town}",
                "We lezen samen de krant en praten over het nieuws. Koffie en thee staan klaar.",
                MEETING_AUDIENCE,
                ("nl",),
            ),
        ]
    )
    return Offer(
        "library_activity",
        name,
        text,
        "bibliotheek",
        aud,
        org="bibliotheek",
        schedule=c.weekly(c.rng.random() < 0.6),
        cost=c.cost((0.0, 0.0, 1.5, 2.0)),
        languages=langs,
    )


def _t_neighbour_help(c: Ctx) -> Offer:
    name, text = c.pick(
        [
            (
                "Burenhulp {town}",
                "Heeft u even hulp nodig? Denk aan een boodschap, een lamp vervangen of de "
                "hond uitlaten. Bel de burenhulp. Een vrijwilliger uit uw buurt helpt u graag. Het is gratis.",
            ),
            (
                "Buurtinitiatief Samen in {town}",
                "Bewoners van {town} zorgen samen voor een fijne buurt. Ze "
                "organiseren een buurtbarbecue, een opschoondag en helpen elkaar met kleine klussen. Iedereen kan "
                "meedoen of een idee aandragen.",
            ),
            (
                "Boodschappenhulp {town}",
                "Kunt u zelf niet goed boodschappen doen? Een vrijwilliger gaat met u "
                "mee, of doet de boodschappen voor u. U betaalt alleen de boodschappen.",
            ),
        ]
    )
    return Offer(
        "neighbour_help",
        name,
        text,
        "dorpshuis",
        ("iedereen", "ouderen"),
        org="host",
        schedule=None,
        cost=0.0,
        application="Bel de contactpersoon. Zij zoekt een vrijwilliger bij u in de buurt.",
    )


VACANCIES: tuple[tuple[str, str, str, tuple[str, ...], tuple[int, ...], bool], ...] = (
    # (name, tasks, venue kind, suitable for, hours per week, from home)
    (
        "Vrijwillige chauffeur",
        "U rijdt inwoners die slecht ter been zijn naar de huisarts, het ziekenhuis of "
        "familie. U rijdt in uw eigen auto en krijgt een kilometervergoeding.",
        "welzijn",
        ("gepensioneerden",),
        (3, 4, 6),
        False,
    ),
    (
        "Gastvrouw of gastheer in {venue}",
        "U zet koffie, ontvangt bezoekers en zorgt dat iedereen zich welkom "
        "voelt. U maakt een praatje en houdt de ruimte netjes.",
        "dorpshuis",
        ("gepensioneerden", "nieuwkomers"),
        (2, 3, 4),
        False,
    ),
    (
        "Taalmaatje",
        "U oefent elke week Nederlands met een nieuwe inwoner. U praat, leest samen en helpt bij "
        "brieven. U krijgt een korte training.",
        "bibliotheek",
        ("gepensioneerden", "jongeren"),
        (1, 2),
        False,
    ),
    (
        "Belvrijwilliger Telefooncirkel",
        "U belt elke ochtend een paar oudere inwoners. U vraagt hoe het gaat. "
        "Neemt iemand niet op? Dan volgt u een vast stappenplan.",
        "welzijn",
        ("gepensioneerden", "jongeren"),
        (1, 2),
        True,
    ),
    (
        "Coach bij Klik & Tik",
        "U helpt cursisten met de computer, tablet of telefoon. U legt rustig uit hoe "
        "iets werkt. U hoeft geen expert te zijn.",
        "bibliotheek",
        ("jongeren", "gepensioneerden"),
        (2, 3),
        False,
    ),
    (
        "Vrijwilliger Repair Café",
        "U repareert samen met bezoekers kapotte spullen, zoals fietsen, lampen en "
        "kleding. Handig zijn met gereedschap of naald en draad is fijn.",
        "dorpshuis",
        ("gepensioneerden", "jongeren", "nieuwkomers"),
        (1, 2),
        False,
    ),
    (
        "Kookvrijwilliger eettafel",
        "U kookt samen met andere vrijwilligers een maaltijd voor ongeveer tien "
        "gasten. U doet boodschappen, kookt en ruimt op.",
        "dorpshuis",
        ("gepensioneerden", "nieuwkomers"),
        (3, 4),
        False,
    ),
    (
        "Sportbegeleider jeugd",
        "U helpt de trainer bij de training van jongeren. U zet materiaal klaar en "
        "moedigt aan. Een sportachtergrond is fijn, maar niet nodig.",
        "sportpark",
        ("jongeren",),
        (2, 3, 4),
        False,
    ),
    (
        "Vrijwilliger website en sociale media",
        "U schrijft korte berichten over activiteiten en zet ze op de "
        "website en sociale media. Dit kunt u grotendeels thuis doen.",
        "welzijn",
        ("jongeren", "nieuwkomers"),
        (2, 3),
        True,
    ),
    (
        "Maatje voor een oudere",
        "U bezoekt één keer per week een oudere die weinig mensen ziet. U drinkt "
        "koffie, maakt een wandeling of speelt een spelletje.",
        "welzijn",
        ("gepensioneerden", "jongeren", "nieuwkomers"),
        (2,),
        False,
    ),
    (
        "Hulp bij thuisadministratie",
        "U helpt inwoners om hun post en rekeningen te ordenen. U krijgt een "
        "training. Een deel van het werk doet u thuis aan de telefoon.",
        "welzijn",
        ("gepensioneerden",),
        (2, 3),
        True,
    ),
    (
        "Tuinvrijwilliger op {venue}",
        "U werkt in de moestuin samen met deelnemers van de dagbesteding. U "
        "zaait, wiedt en oogst. Buiten zijn vindt u fijn.",
        "zorgboerderij",
        ("gepensioneerden", "nieuwkomers", "jongeren"),
        (3, 4, 6),
        False,
    ),
    (
        "Voorlezer in Bibliotheek {town}",
        "U leest voor aan kinderen of aan ouderen die zelf niet meer goed kunnen lezen.",
        "bibliotheek",
        ("gepensioneerden", "jongeren"),
        (1, 2),
        False,
    ),
    (
        "Wandelbegeleider",
        "U loopt voorop bij de wandelgroep en let op dat niemand achterblijft. U kent de "
        "routes in de omgeving.",
        "dorpshuis",
        ("gepensioneerden",),
        (2,),
        False,
    ),
    (
        "Telefonist vervoersdienst",
        "U neemt de telefoon aan en plant de ritten van de vrijwillige chauffeurs. "
        "Dit kan thuis, met een laptop van de organisatie.",
        "welzijn",
        ("gepensioneerden", "nieuwkomers"),
        (3, 4),
        True,
    ),
)


def _t_volunteer_vacancy(c: Ctx) -> Offer:
    name, tasks, venue, suitable, hours_options, home = c.pick(VACANCIES)
    hours = c.pick(hours_options)
    who = {
        "gepensioneerden": "mensen rond hun pensioen",
        "jongeren": "jongeren",
        "nieuwkomers": "nieuwe inwoners",
    }
    suitable_text = ", ".join(who[s] for s in suitable)
    home_text = (
        "Een deel van het werk kunt u thuis doen." if home else "Dit werk doet u op locatie, niet thuis."
    )
    return Offer(
        "volunteer_vacancy",
        f"Vacature: {name} ({{town}})",
        f"Wat gaat u doen? {tasks} Tijd: ongeveer {hours} uur per week. {home_text} "
        f"Geschikt voor: {suitable_text}. U krijgt begeleiding en bent verzekerd via de gemeente. "
        "Vrijwilligerswerk kost u niets.",
        venue,
        suitable,
        org="host" if venue in ("dorpshuis", "zorgboerderij", "sportpark") else venue,
        schedule=None,
        cost=0.0,
        application="Reageer via de contactpersoon. U maakt eerst kennis, zonder verplichtingen.",
        details={"uren_per_week": str(hours), "vanuit_huis": "ja" if home else "nee"},
        languages=("nl", "en") if "nieuwkomers" in suitable and c.rng.random() < 0.4 else ("nl",),
    )


def _t_respite_care(c: Ctx) -> Offer:
    return Offer(
        "respite_care",
        c.pick(["Respijtzorg: vrijwillige inzet thuis", "Even vrij: respijtzorg thuis"]),
        "Respijtzorg betekent dat iemand de zorg even van u overneemt. Zo heeft u tijd voor uzelf. Een "
        "getrainde vrijwilliger van {welzijn} komt bij u thuis, bijvoorbeeld één dagdeel per week. De "
        "vrijwilliger is er voor uw naaste, zodat u even weg kunt. Dit is gratis.",
        "welzijn",
        ("mantelzorgers",),
        org="welzijn",
        schedule=None,
        cost=0.0,
        application="Bel de mantelzorgconsulent. Samen bekijkt u wat u nodig heeft.",
    )


def _t_short_stay(c: Ctx) -> Offer:
    return Offer(
        "short_stay",
        "Logeerhuis {venue_short}",
        "Uw naaste kan een paar dagen of een weekend logeren in {venue}. Er is dag en nacht begeleiding. "
        "U heeft dan even rust. Logeren kan met een indicatie van de gemeente (Wmo) of de Wet langdurige "
        "zorg. U betaalt een kleine eigen bijdrage per nacht.",
        "logeerhuis",
        ("mantelzorgers",),
        org="host",
        schedule=Schedule(("FR", "SA", "SU"), "16:00", "23:59"),
        cost=c.cost((3.0, 4.0, 5.0)),
        cost_unit="per nacht (eigen bijdrage)",
        application="Vraag een indicatie aan bij het Wmo-loket. Daarna plant u de logeerdagen met het logeerhuis.",
        eligibility="Voor mensen die thuis zorg krijgen van een mantelzorger en een indicatie hebben.",
    )


def _t_day_care(c: Ctx) -> Offer:
    return Offer(
        "day_care",
        "Dagbesteding {venue_short}",
        "Op {venue} hebben ouderen en mensen met geheugenproblemen een zinvolle dag. Ze helpen bij de "
        "dieren, werken in de tuin of doen iets creatiefs. Begeleiders zijn de hele dag aanwezig. Voor u "
        "als mantelzorger betekent dit een vrije dag. Vervoer kan worden geregeld.",
        "zorgboerderij",
        ("mantelzorgers", "ouderen"),
        org="host",
        schedule=Schedule(
            tuple(sorted(c.rng.sample(list(WEEKDAYS), 3), key=list(DAYS_NL).index)), "09:30", "15:30"
        ),
        cost=0.0,
        application="Dagbesteding gaat via een indicatie van het Wmo-loket. De mantelzorgconsulent helpt u daarbij.",
        eligibility="Met een indicatie van de gemeente (Wmo).",
    )


def _t_carer_consultant(c: Ctx) -> Offer:
    s = Schedule(WEEKDAYS, "09:00", "17:00")
    return Offer(
        "carer_consultant",
        "Mantelzorgconsulent {welzijn}",
        "Zorgt u voor iemand in uw omgeving? Dan bent u mantelzorger. De mantelzorgconsulent denkt met u "
        "mee. Bijvoorbeeld over hoe u de zorg volhoudt, over respijtzorg of over regelingen van de "
        "gemeente. Een gesprek is gratis. De consulent komt ook bij u thuis.",
        "welzijn",
        ("mantelzorgers",),
        org="welzijn",
        schedule=s,
        cost=0.0,
        application="Bel of mail voor een afspraak. U hoort binnen een week van ons.",
    )


def _t_peer_group(c: Ctx) -> Offer:
    name, text = c.pick(
        [
            (
                "Lotgenotengroep mantelzorgers dementie {town}",
                "Zorgt u voor iemand met dementie? In deze groep praat u "
                "met anderen in dezelfde situatie. U deelt ervaringen en tips. Een mantelzorgconsulent begeleidt de groep.",
            ),
            (
                "Mantelzorgcafé {town}",
                "In het mantelzorgcafé ontmoet u andere mantelzorgers. Er is vaak een "
                "korte lezing, bijvoorbeeld over regelingen of over omgaan met stress. Daarna is er tijd om te praten.",
            ),
            (
                "Praatgroep jonge mantelzorgers {town}",
                "Zorgt u als jongere voor een ouder, broer of zus? In deze "
                "groep praat u met leeftijdsgenoten die hetzelfde meemaken. Een jongerenwerker begeleidt de groep.",
            ),
        ]
    )
    young = name.startswith("Praatgroep jonge")
    return Offer(
        "peer_group",
        name,
        text,
        c.pick(["welzijn", "dorpshuis", "bibliotheek"]),
        ("mantelzorgers", "jongeren") if young else ("mantelzorgers",),
        org="welzijn",
        schedule=Schedule((c.pick(["2TU", "1WE", "3TH", "2MO"]),), *c.slot(False), "MONTHLY"),
        cost=0.0,
        min_age=YOUTH_MIN_AGE if young else None,
        max_age=YOUTH_MAX_AGE if young else None,
    )


def _t_carer_appreciation(c: Ctx) -> Offer:
    return Offer(
        "carer_appreciation",
        "Mantelzorgwaardering {gemeente}",
        "De gemeente {gemeente} wil mantelzorgers bedanken. Eén keer per jaar kunt u de mantelzorgwaardering "
        "aanvragen: een bon van € 100 of een leuke activiteit. U vraagt dit zelf aan, of de persoon voor wie u "
        "zorgt doet dat voor u.",
        "gemeentehuis",
        ("mantelzorgers",),
        org="gemeente",
        schedule=Schedule(WEEKDAYS, "09:00", "16:30"),
        cost=0.0,
        application="Vraag de waardering aan via het formulier op de website of aan de balie van het gemeentehuis.",
        eligibility="Voor mantelzorgers die zorgen voor iemand die in de gemeente {gemeente} woont.",
    )


def _t_youth_sport(c: Ctx) -> Offer:
    s = c.weekly(False, days=("MO", "TU", "WE", "TH"), count=c.pick((1, 2)))
    s.opens, s.closes = c.pick([("16:00", "17:30"), ("18:30", "20:00"), ("19:00", "20:30")])
    sport, where = c.pick(
        [
            ("voetbal", "sportpark"),
            ("korfbal", "sportpark"),
            ("volleybal", "sportpark"),
            ("kickboksen", "sportpark"),
            ("hockey", "sportpark"),
            ("basketbal", "sportpark"),
            ("freerunning", "sportpark"),
            ("zwemmen", "sportpark"),
        ]
    )
    return Offer(
        "youth_sport",
        f"{sport.capitalize()} voor jongeren in {{town}}",
        f"Wilt u sporten? Doe mee met {sport} voor jongeren van 15 tot 24 jaar. U traint samen met "
        "leeftijdsgenoten. De eerste drie keer zijn gratis. Daarna betaalt u een klein bedrag per keer. Is dat "
        "te duur? Dan kan het Jeugdfonds Sport & Cultuur of de meedoenregeling helpen.",
        where,
        ("jongeren",),
        org="sportclub",
        schedule=s,
        cost=c.cost((2.0, 2.5, 3.0)),
        cost_unit="per training",
        min_age=YOUTH_MIN_AGE,
        max_age=YOUTH_MAX_AGE,
        languages=c.langs(("en",), 0.3),
    )


def _t_youth_work(c: Ctx) -> Offer:
    s = c.weekly(False, days=("TU", "WE", "TH", "FR"), count=2)
    s.opens, s.closes = c.pick([("19:00", "22:00"), ("15:00", "18:00"), ("19:30", "22:30")])
    return Offer(
        "youth_work",
        c.pick(["Jongerenwerk {town}", "Inloop jongerencentrum {venue_short}"]),
        "Bij het jongerenwerk kunnen jongeren van 15 tot 24 jaar chillen, gamen, muziek maken en elkaar "
        "ontmoeten. U kunt ook met een jongerenwerker praten over school, werk, geld of thuis. Wat u vertelt, "
        "blijft tussen u en de jongerenwerker.",
        "jongerencentrum",
        ("jongeren",),
        org="welzijn",
        schedule=s,
        cost=0.0,
        min_age=YOUTH_MIN_AGE,
        max_age=YOUTH_MAX_AGE,
        languages=c.langs(("en",), 0.4),
    )


def _t_social_skills(c: Ctx) -> Offer:
    name, text = c.pick(
        [
            (
                "Kanjertraining voor jongeren {town}",
                "In de Kanjertraining leert u voor uzelf opkomen en rekening "
                "houden met anderen. U oefent met situaties uit het dagelijks leven. De training is er ook voor "
                "scholen: een school kan een groep aanmelden.",
            ),
            (
                "Weerbaarheidstraining Sterk in je schoenen {town}",
                "Vindt u het lastig om nee te zeggen of om uw "
                "mening te geven? In acht bijeenkomsten oefent u dit in een kleine groep met andere jongeren.",
            ),
            (
                "Training Sociale vaardigheden {town}",
                "U oefent in een kleine groep jongeren met contact maken, "
                "samenwerken en omgaan met spanning. Een jongerenwerker begeleidt de training.",
            ),
        ]
    )
    return Offer(
        "social_skills",
        name,
        text,
        c.pick(["jongerencentrum", "welzijn"]),
        ("jongeren",),
        org="welzijn",
        schedule=Schedule(
            (c.day(("MO", "TU", "WE", "TH")),), *c.pick([("15:30", "17:00"), ("19:00", "20:30")])
        ),
        cost=0.0,
        min_age=YOUTH_MIN_AGE,
        max_age=YOUTH_MAX_AGE,
        application="Meld u aan via de contactpersoon. Uw ouders of school mogen u ook aanmelden.",
    )


def _t_buddy(c: Ctx) -> Offer:
    return Offer(
        "buddy",
        c.pick(["Buddyproject Maatje {gemeente}", "Jongerenmaatje {gemeente}"]),
        "Een buddy is een vrijwilliger die met een jongere optrekt, bijvoorbeeld één keer per week. U gaat "
        "samen sporten, koffie drinken of zoekt uit hoe u een baan of opleiding vindt. Een buddy luistert en "
        "denkt met u mee. Het is gratis.",
        "welzijn",
        ("jongeren",),
        org="welzijn",
        schedule=None,
        cost=0.0,
        min_age=YOUTH_MIN_AGE,
        max_age=YOUTH_MAX_AGE,
        application="Meld u aan via de contactpersoon. U krijgt eerst een kennismakingsgesprek.",
        languages=c.langs(("en",), 0.5),
    )


def _t_discount_pass(c: Ctx) -> Offer:
    return Offer(
        "discount_pass",
        "Meedoenregeling {gemeente}",
        "Heeft u een laag inkomen? Met de meedoenregeling krijgt u korting op sport, cultuur en uitjes. "
        "Bijvoorbeeld op de contributie van een sportclub, een cursus of een zwemabonnement. Voor kinderen "
        "is er ook geld voor school en zwemles.",
        "gemeentehuis",
        ("minima",),
        org="gemeente",
        schedule=Schedule(WEEKDAYS, "09:00", "16:30"),
        cost=0.0,
        application="Vraag de regeling aan via de website of aan de balie van het gemeentehuis. Neem uw "
        "inkomensgegevens mee.",
        eligibility="Voor inwoners van de gemeente {gemeente} met een inkomen tot 120 procent van het sociaal minimum.",
    )


def _t_youth_fund(c: Ctx) -> Offer:
    return Offer(
        "youth_fund",
        "Jeugdfonds Sport & Cultuur Drenthe in {gemeente}",
        "Het Jeugdfonds Sport & Cultuur betaalt de contributie van een sportclub of de les voor muziek, dans "
        "of theater. Ook sportkleding of een instrument kan. Het geld gaat rechtstreeks naar de club of "
        "school. Een intermediair, zoals een leerkracht of de buurtsportcoach, vraagt het aan.",
        "welzijn",
        ("minima", "kinderen", "jongeren"),
        org="jeugdfonds",
        schedule=None,
        cost=0.0,
        min_age=4,
        max_age=17,
        application="Vraag een intermediair om de aanvraag te doen, bijvoorbeeld de leerkracht of de buurtsportcoach.",
        eligibility="Voor kinderen en jongeren van 4 tot 18 jaar in een gezin met weinig geld.",
    )


def _t_special_assistance(c: Ctx) -> Offer:
    return Offer(
        "special_assistance",
        "Bijzondere bijstand {gemeente}",
        "Heeft u kosten die u niet kunt betalen, zoals een nieuwe bril, een wasmachine of reiskosten voor "
        "ziekenbezoek? Dan kunt u bijzondere bijstand aanvragen bij de gemeente. De gemeente kijkt naar uw "
        "inkomen en uw situatie.",
        "gemeentehuis",
        ("minima",),
        org="gemeente",
        schedule=Schedule(WEEKDAYS, "09:00", "12:30"),
        cost=0.0,
        application="Vraag het aan vóórdat u de kosten maakt. Neem uw bankafschriften en de rekening of offerte mee.",
        eligibility="Voor inwoners van de gemeente {gemeente} met een laag inkomen en weinig vermogen.",
    )


def _t_digital_course(c: Ctx) -> Offer:
    name, text = c.pick(
        [
            (
                "Klik & Tik in Bibliotheek {town}",
                "Bij Klik & Tik leert u stap voor stap werken met de computer "
                "en internet. U oefent in uw eigen tempo. Vrijwilligers helpen u als u vastloopt.",
            ),
            (
                "Cursus Digisterker in Bibliotheek {town}",
                "In deze cursus leert u werken met de websites van de "
                "overheid, zoals mijnoverheid.nl en de Belastingdienst. U leert ook hoe u DigiD gebruikt.",
            ),
            (
                "Cursus Werken met uw smartphone {town}",
                "Leer in vier lessen bellen, appen, foto's maken en "
                "veilig internetten met uw eigen telefoon of tablet.",
            ),
        ]
    )
    return Offer(
        "digital_course",
        name,
        text,
        "bibliotheek",
        ("iedereen", "ouderen"),
        org="bibliotheek",
        schedule=c.weekly(True),
        cost=c.cost((0.0, 0.0, 2.5, 5.0)),
        cost_unit="per les",
        application="Meld u aan bij de bibliotheek, aan de balie of per telefoon.",
        languages=c.langs(("en",), 0.2),
    )


def _t_digital_walk_in(c: Ctx) -> Offer:
    return Offer(
        "digital_walk_in",
        "Informatiepunt Digitale Overheid in de bibliotheek {town}",
        "Heeft u vragen over DigiD, toeslagen, uw belastingaangifte of een formulier van de gemeente? Loop "
        "binnen bij het Informatiepunt Digitale Overheid. Een medewerker helpt u op weg. U hoeft geen "
        "afspraak te maken. De hulp is gratis.",
        "bibliotheek",
        ("iedereen", "ouderen"),
        org="bibliotheek",
        schedule=c.weekly(True, count=2),
        cost=0.0,
        languages=c.langs(("en",), 0.3),
    )


def _t_regiotaxi(c: Ctx) -> Offer:
    return Offer(
        "regiotaxi",
        "Regiotaxi Drenthe in {gemeente}",
        "De Regiotaxi brengt u van deur tot deur in de regio. U belt minstens een uur van tevoren om een rit "
        "te bestellen. Heeft u een Wmo-pas? Dan betaalt u een lager tarief.",
        "gemeentehuis",
        ("ouderen", "iedereen"),
        org="regiotaxi",
        schedule=Schedule(tuple(DAYS_NL), "06:00", "23:59"),
        cost=c.cost((2.5, 3.0)),
        cost_unit="per rit (met Wmo-pas)",
        application="Bel minstens een uur voor uw rit. Een Wmo-pas vraagt u aan bij het Wmo-loket van de gemeente.",
    )


def _t_volunteer_driver(c: Ctx) -> Offer:
    return Offer(
        "volunteer_driver",
        c.pick(["Rijmaatje {gemeente}", "Vrijwillige vervoersdienst {town}", "Plusbus {town}"]),
        "Vrijwillige chauffeurs rijden u naar de huisarts, de kapper, het ziekenhuis of een verjaardag. U "
        "betaalt een kleine vergoeding per rit. Bel minstens twee dagen van tevoren. De chauffeur helpt u "
        "zo nodig bij het in- en uitstappen.",
        "welzijn",
        ("ouderen", "iedereen"),
        org="welzijn",
        schedule=Schedule(WEEKDAYS, "09:00", "12:00"),
        cost=c.cost((1.5, 2.0, 2.5, 3.0)),
        cost_unit="per rit",
        application="Bel de planning op werkdagen tussen 9:00 en 12:00 uur om een rit te bestellen.",
    )


def _t_local_helpline(c: Ctx) -> Offer:
    return Offer(
        "helpline",
        "Telefooncirkel {gemeente}",
        "Woont u alleen? Bij de Telefooncirkel belt een vrijwilliger u elke ochtend even op. Zo weet u dat er "
        "iemand aan u denkt. Neemt u niet op? Dan belt de vrijwilliger uw contactpersoon. Voor een gesprek "
        "over hoe het met u gaat kunt u ook zelf bellen.",
        "welzijn",
        ("ouderen",),
        org="welzijn",
        schedule=Schedule(WEEKDAYS + ("SA",), "09:00", "10:30"),
        cost=0.0,
        application="Bel de contactpersoon om u aan te melden.",
    )


def _t_pension_course(c: Ctx) -> Offer:
    name = c.pick(
        ["Cursus Met pensioen, en nu?", "Cursus Vitaal met pensioen", "Cursus Op weg naar uw pensioen"]
    )
    return Offer(
        "pension_course",
        name + " ({town})",
        "Gaat u binnenkort met pensioen, of bent u net gestopt met werken? In vijf bijeenkomsten denkt u na "
        "over wat u belangrijk vindt. Hoe vult u uw dagen? Wat doet u met uw ervaring? U hoort ook over "
        "vrijwilligerswerk in de buurt. U praat met anderen in dezelfde situatie.",
        c.pick(["bibliotheek", "welzijn"]),
        ("gepensioneerden",),
        org="welzijn",
        schedule=c.weekly(c.rng.random() < 0.5, days=("MO", "TU", "WE", "TH")),
        cost=c.cost((2.5, 5.0)),
        cost_unit="per bijeenkomst",
        application="Meld u aan bij de contactpersoon. Er zijn twaalf plaatsen.",
        min_age=55,
    )


def _t_welcome_newcomer(c: Ctx) -> Offer:
    name, text, langs = c.pick(
        [
            (
                "Welkom in {gemeente}: kennismakingsochtend",
                "Bent u net verhuisd naar {gemeente}? Op de "
                "kennismakingsochtend hoort u wat er te doen is in uw dorp of wijk. U ontmoet andere nieuwe inwoners "
                "en mensen van verenigingen.",
                ("nl", "en", "de"),
            ),
            (
                "Welkomstmaatje {town}",
                "Een vrijwilliger uit het dorp laat u de omgeving zien. Waar is de huisarts? "
                "Welke clubs zijn er? Het welkomstmaatje neemt u mee naar activiteiten.",
                ("nl", "en"),
            ),
            (
                "Inloop voor nieuwkomers {town}",
                "Nieuw in Nederland? Elke week is er een inloop voor nieuwkomers. U "
                "krijgt hulp bij brieven, de taal en de weg in de gemeente.",
                ("nl", "en", "ar", "uk"),
            ),
        ]
    )
    return Offer(
        "welcome_newcomer",
        name,
        text,
        c.pick(["bibliotheek", "welzijn", "dorpshuis"]),
        ("nieuwkomers",),
        org="welzijn",
        schedule=c.weekly(True),
        cost=0.0,
        languages=langs,
    )


def _t_welcome_vulnerable(c: Ctx) -> Offer:
    return Offer(
        "welcome_vulnerable",
        c.pick(["Warm welkom in {town}", "Landingsplek {gemeente}", "Kwartier maken in {town}"]),
        "Bent u net verhuisd en heeft u psychische klachten? Dan kan het moeilijk zijn om mensen te leren "
        "kennen. Een ervaringsdeskundige of vrijwilliger helpt u om uw plek te vinden in de buurt. U gaat "
        "samen naar activiteiten, in uw eigen tempo.",
        "welzijn",
        ("nieuwkomers",),
        org="welzijn",
        schedule=None,
        cost=0.0,
        application="Meld u zelf aan, of vraag uw begeleider, huisarts of wijkteam om dat te doen.",
    )


Template = Callable[[Ctx], Offer]
TEMPLATES: dict[str, Template] = {
    "community_centre": _t_community_centre, "coffee_morning": _t_coffee_morning,
    "shop_coffee_corner": _t_shop_coffee_corner, "shared_meal": _t_shared_meal,
    "walking_group": _t_walking_group, "hobby_club": _t_hobby_club, "library_activity": _t_library_activity,
    "neighbour_help": _t_neighbour_help, "volunteer_vacancy": _t_volunteer_vacancy,
    "respite_care": _t_respite_care, "short_stay": _t_short_stay, "day_care": _t_day_care,
    "carer_consultant": _t_carer_consultant, "peer_group": _t_peer_group,
    "carer_appreciation": _t_carer_appreciation, "youth_sport": _t_youth_sport, "youth_work": _t_youth_work,
    "social_skills": _t_social_skills, "buddy": _t_buddy, "discount_pass": _t_discount_pass,
    "youth_fund": _t_youth_fund, "special_assistance": _t_special_assistance,
    "digital_course": _t_digital_course, "digital_walk_in": _t_digital_walk_in, "regiotaxi": _t_regiotaxi,
    "volunteer_driver": _t_volunteer_driver, "helpline": _t_local_helpline,
    "pension_course": _t_pension_course, "welcome_newcomer": _t_welcome_newcomer,
    "welcome_vulnerable": _t_welcome_vulnerable,
}  # fmt: skip

# Where a municipality's one-per-sub-category service goes: the seat (town hall,
# welfare office), a big town with a library, or any place weighted by size.
PLACEMENT = {
    "carer_consultant": "seat", "carer_appreciation": "seat", "discount_pass": "seat", "youth_fund": "seat",
    "special_assistance": "seat", "regiotaxi": "seat", "helpline": "seat", "buddy": "seat",
    "respite_care": "seat", "welcome_vulnerable": "seat", "digital_walk_in": "big", "library_activity": "big",
    "youth_sport": "big",
    "digital_course": "big", "youth_work": "big", "social_skills": "big", "pension_course": "big",
    "community_centre": "village", "day_care": "village",
}  # fmt: skip

# What the extra services are, by weight: mostly meeting places and vacancies.
EXTRA_MIX = {
    "coffee_morning": 5, "community_centre": 4, "shared_meal": 3, "walking_group": 3, "hobby_club": 4,
    "shop_coffee_corner": 3, "neighbour_help": 2, "volunteer_vacancy": 8, "youth_sport": 3, "youth_work": 1,
    "digital_course": 1, "peer_group": 1, "welcome_newcomer": 1, "volunteer_driver": 1, "day_care": 1,
}  # fmt: skip

# Meeting places serve their own village rather than the whole municipality.
LOCAL_MEETING = {
    "community_centre",
    "coffee_morning",
    "shared_meal",
    "walking_group",
    "hobby_club",
    "shop_coffee_corner",
    "neighbour_help",
}

# Schemes of the municipality (minima, bijstand, Wmo, mantelzorg) for its own residents only:
# their service area says "Alleen voor inwoners van de gemeente ...".
RESIDENTS_ONLY = {"discount_pass", "special_assistance", "carer_appreciation", "short_stay", "day_care",
                  "carer_consultant", "respite_care", "regiotaxi", "welcome_vulnerable", "youth_fund"}  # fmt: skip

# Sub-categories that a municipality offers once (a second copy would be a duplicate).
ONCE_PER_MUNICIPALITY = {"carer_consultant", "carer_appreciation", "discount_pass", "youth_fund",
                         "special_assistance", "regiotaxi", "helpline", "buddy", "respite_care", "welcome_vulnerable"}  # fmt: skip


@dataclass(frozen=True)
class NationalLine:
    """A real national helpline (checked against the organisations' own websites, 2024)."""

    key: str
    org_name: str
    org_description: str
    name: str
    description: str
    website: str
    phones: tuple[tuple[str, str], ...]  # (number, description)
    schedule: Schedule
    schedule_text: str
    audiences: tuple[str, ...]
    cost_text: str
    min_age: int | None = None
    max_age: int | None = None


NATIONAL_LINES = (
    NationalLine(
        "113",
        "Stichting 113 Zelfmoordpreventie",
        "113 Zelfmoordpreventie is de landelijke organisatie voor hulp bij gedachten aan zelfmoord.",
        "113 Zelfmoordpreventie",
        "Denkt u aan zelfmoord? Of maakt u zich zorgen om iemand anders? Praat erover met 113. Bel gratis "
        "0800-0113 of bel 113. U kunt ook chatten via 113.nl. 113 is dag en nacht bereikbaar. U mag anoniem "
        "blijven. Bent u in direct gevaar? Bel dan 112.",
        "https://www.113.nl",
        (("0800-0113", "Gratis, dag en nacht"), ("113", "Dag en nacht; u betaalt uw gewone belkosten")),
        Schedule(tuple(DAYS_NL), "00:00", "23:59"),
        "Dag en nacht bereikbaar, 7 dagen per week.",
        ("iedereen",),
        "Gratis via 0800-0113 en de chat. Anoniem.",
    ),
    NationalLine(
        "luisterlijn",
        "De Luisterlijn",
        "De Luisterlijn is een landelijke hulplijn voor een vertrouwelijk gesprek, met getrainde vrijwilligers.",
        "De Luisterlijn",
        "Wilt u uw verhaal kwijt? Bij De Luisterlijn luistert een getrainde vrijwilliger naar u. U kunt bellen "
        "met 088 0767 000, of chatten en mailen via deluisterlijn.nl. De Luisterlijn is dag en nacht bereikbaar. "
        "U hoeft uw naam niet te zeggen.",
        "https://www.deluisterlijn.nl",
        (("088 0767 000", "Dag en nacht; u betaalt uw gewone belkosten"),),
        Schedule(tuple(DAYS_NL), "00:00", "23:59"),
        "Dag en nacht bereikbaar, 7 dagen per week.",
        ("iedereen", "ouderen"),
        "Gratis; u betaalt alleen uw gewone belkosten.",
    ),
    NationalLine(
        "mantelzorglijn",
        "MantelzorgNL",
        "MantelzorgNL is de landelijke vereniging voor mantelzorgers en vrijwilligers in de zorg.",
        "Mantelzorglijn",
        "Heeft u een vraag over mantelzorg? Bijvoorbeeld over regelingen, respijtzorg of hoe u de zorg "
        "volhoudt? Bel de Mantelzorglijn: 030 760 60 55. U kunt ook mailen of chatten via mantelzorg.nl. De "
        "Mantelzorglijn is op werkdagen bereikbaar van 9:00 tot 17:00 uur.",
        "https://www.mantelzorg.nl",
        (("030 760 60 55", "Op werkdagen; u betaalt uw gewone belkosten"),),
        Schedule(WEEKDAYS, "09:00", "17:00"),
        "Op werkdagen van 9:00 tot 17:00 uur.",
        ("mantelzorgers",),
        "Gratis; u betaalt alleen uw gewone belkosten.",
    ),
    NationalLine(
        "kindertelefoon",
        "Stichting De Kindertelefoon",
        "De Kindertelefoon is er voor alle kinderen en jongeren tot 18 jaar.",
        "De Kindertelefoon",
        "Kinderen en jongeren tot 18 jaar kunnen gratis en anoniem praten met De Kindertelefoon. Bel "
        "0800-0432 of chat via kindertelefoon.nl. Over alles wat hen bezighoudt: thuis, school, pesten of "
        "verliefdheid. Elke dag van 11:00 tot 21:00 uur. Het nummer staat niet op de telefoonrekening.",
        "https://www.kindertelefoon.nl",
        (("0800-0432", "Gratis en anoniem, elke dag van 11:00 tot 21:00 uur"),),
        Schedule(tuple(DAYS_NL), "11:00", "21:00"),
        "Elke dag van 11:00 tot 21:00 uur.",
        ("kinderen", "jongeren"),
        "Gratis en anoniem.",
        min_age=8,
        max_age=18,
    ),
)


class Builder:
    """Collects the rows of every table while the services are generated."""

    def __init__(self, towns: list[Town], seed: int = SEED) -> None:
        self.rng = random.Random(seed)
        self.towns = towns
        self.rows: dict[str, list[dict[str, Any]]] = {name: [] for name in HSDS_TABLES}
        self._counters: dict[str, int] = defaultdict(int)
        self._orgs: dict[str, str] = {}
        self._venues: dict[tuple[str, ...], tuple[str, str]] = {}  # key -> (location id, name)
        self._used_names: dict[str, set[str]] = defaultdict(set)  # town -> venue names in use
        self._addresses: set[tuple[str, str]] = set()
        self._service_names: set[tuple[str, str]] = set()
        self.terms: dict[str, str] = {}  # code -> term id
        self.services_per_town: dict[str, int] = defaultdict(int)

    # -- ids and generic rows -------------------------------------------------

    def new_id(self, table: str) -> str:
        """Return the next deterministic uuid of `table`."""
        self._counters[table] += 1
        return str(uuid.uuid5(NAMESPACE, f"{table}:{self._counters[table]}"))

    def add(self, table: str, **values: Any) -> str:
        """Append one row to `table` (missing columns stay empty) and return its id."""
        row_id = values.pop("id", None) or self.new_id(table)
        columns = [spec[0] for spec in HSDS_TABLES[table][2]]
        unknown = set(values) - set(columns)
        if unknown:
            raise KeyError(f"{table}: unknown columns {sorted(unknown)}")
        self.rows[table].append({"id": row_id, **values})
        return row_id

    def phone_number(self, town: Town) -> str:
        """Return a fictional local number with the right area code, e.g. '0592 347 812'."""
        code = AREA_CODE_TOWN.get(town.name, AREA_CODE[town.municipality])
        if len(code) == 3:  # 050: seven subscriber digits
            digits = f"{self.rng.randint(2, 9)}{self.rng.randint(0, 999999):06d}"
            return f"{code} {digits[:3]} {digits[3:5]} {digits[5:]}"
        digits = f"{self.rng.randint(2, 9)}{self.rng.randint(0, 99999):05d}"
        return f"{code} {digits[:3]} {digits[3:]}"

    def person(self) -> tuple[str, str]:
        """Return a fictional contact name and its e-mail local part."""
        first, last = self.rng.choice(FIRST_NAMES), self.rng.choice(LAST_NAMES)
        return f"{first} {last}", f"{slug(first)}.{slug(last).replace('-', '')}"

    # -- taxonomy ---------------------------------------------------------------

    def build_taxonomy(self) -> None:
        """Write the two taxonomies and their terms (ids derived from the codes)."""
        tax_ids = {}
        for code, description in (
            (taxonomy.CATEGORY_TAXONOMY_ID, "Categorieën en subcategorieën van de sociale kaart (Drenthe)."),
            (taxonomy.AUDIENCE_TAXONOMY_ID, "Doelgroepen van de sociale kaart."),
        ):
            tax_ids[code] = self.add(
                "taxonomy",
                id=str(uuid.uuid5(NAMESPACE, f"taxonomy:{code}")),
                name=code,
                description=description,
                version="1.0",
            )

        def term(code: str, t_name: str, description: str, tax: str, parent: str | None = None) -> None:
            self.terms[code] = self.add(
                "taxonomy_term",
                id=str(uuid.uuid5(NAMESPACE, f"taxonomy_term:{code}")),
                code=code,
                name=t_name,
                description=description,
                parent_id=self.terms[parent] if parent else "",
                taxonomy=tax,
                language="nl",
                taxonomy_id=tax_ids[tax],
            )

        for t in taxonomy.CATEGORIES.values():
            term(t.code, t.label, t.description, taxonomy.CATEGORY_TAXONOMY_ID)
        for t in taxonomy.SUBCATEGORIES.values():
            term(t.code, t.label, t.description, taxonomy.CATEGORY_TAXONOMY_ID, t.parent)
        for code, (d_name, d_description) in VACANCY_DETAIL_TERMS.items():
            term(code, d_name, d_description, taxonomy.CATEGORY_TAXONOMY_ID, "volunteer_vacancy")
        for t in taxonomy.AUDIENCES.values():
            term(t.code, t.label, t.description, taxonomy.AUDIENCE_TAXONOMY_ID)

    def link(self, service_id: str, code: str, value: str = "") -> None:
        self.add(
            "attribute",
            link_id=service_id,
            taxonomy_term_id=self.terms[code],
            link_type="service",
            link_entity="service",
            value=value,
        )

    # -- organisations and venues ----------------------------------------------

    def org(self, key: str, name: str, description: str, domain: str) -> str:
        """Return the id of the organisation `key`, creating it on first use."""
        if key not in self._orgs:
            self._orgs[key] = self.add(
                "organization",
                name=name,
                description=description,
                email=f"info.{slug(name)}@{domain}",
                website=f"https://www.{domain}/{slug(name)}",
                legal_status="Stichting" if "Gemeente" not in name else "",
            )
        return self._orgs[key]

    def welzijn_name(self, municipality: str) -> str:
        return f"Welzijn {municipality}"

    def unique_house_name(self, town: Town, pool: Iterable[str]) -> str:
        options = [n for n in pool if n not in self._used_names[town.name]] or list(pool)
        chosen = self.rng.choice(options)
        self._used_names[town.name].add(chosen)
        return chosen

    def venue_key(self, kind: str, town: Town, seat: Town) -> tuple[tuple[str, ...], Town]:
        """Return the key of the venue a service of `kind` in `town` uses, and the venue's town.

        Town halls exist once per municipality (at the seat); welfare offices and
        libraries once per bigger town (villages use the seat's); community
        centres once per village (big towns have a few). Shops, farms, sports
        parks and care homes are new every time, which gives the demo many places.
        """
        if kind == "gemeentehuis":
            return (kind, town.municipality), seat
        if kind == "welzijn":
            town = town if town.weight >= 3 else seat
            return (kind, town.name), town
        if kind == "bibliotheek":
            town = town if town.weight >= 2 else seat
            return (kind, town.name), town
        if kind in ("dorpshuis", "kerk", "jongerencentrum"):
            return (kind, town.name, str(self.rng.randrange(1 + town.weight // 4))), town
        self._counters[f"venue:{kind}"] += 1
        return (kind, town.name, str(self._counters[f"venue:{kind}"])), town

    def venue(self, key: tuple[str, ...], town: Town, seat: Town) -> tuple[str, str, str]:
        """Return (location id, venue name, short name) of the venue `key`, creating it on first use."""
        if key in self._venues:
            loc_id, name = self._venues[key]
            return loc_id, name, name.split(" ", 1)[-1]
        name, short, org_id, description = self._venue_identity(key[0], town, seat)
        loc_id = self._add_location(town, name, description, org_id, key[0])
        self._venues[key] = (loc_id, name)
        return loc_id, name, short

    def _venue_identity(self, kind: str, town: Town, seat: Town) -> tuple[str, str, str, str]:
        municipality = town.municipality
        welzijn_id = self.org(
            f"welzijn:{municipality}",
            self.welzijn_name(municipality),
            f"Welzijnsorganisatie voor alle inwoners van de gemeente {municipality}. (Demodata)",
            "voorbeeld-welzijn.nl",
        )
        if kind == "gemeentehuis":
            org_id = self.org(
                f"gemeente:{municipality}",
                f"Gemeente {municipality}",
                f"De gemeente {municipality}: Wmo-loket, werk en inkomen. (Demodata)",
                "voorbeeld-gemeente.nl",
            )
            return (
                f"Gemeentehuis {municipality}",
                municipality,
                org_id,
                "Het gemeentehuis met het Wmo-loket en de balie Werk en Inkomen.",
            )
        if kind == "welzijn":
            name = f"Kantoor {self.welzijn_name(municipality)}" + (
                f" {town.name}" if town.name != municipality else ""
            )
            return (
                name,
                town.name,
                welzijn_id,
                "Kantoor van het welzijnswerk, met spreekkamers en een inloop.",
            )
        if kind == "bibliotheek":
            org_id = self.org(
                f"bibliotheek:{municipality}",
                f"Bibliotheek {municipality}",
                f"De openbare bibliotheek in de gemeente {municipality}. (Demodata)",
                "voorbeeld-bibliotheek.nl",
            )
            return (
                f"Bibliotheek {town.name}",
                town.name,
                org_id,
                "Openbare bibliotheek met leestafel, computers en een koffiehoek.",
            )
        if kind == "dorpshuis":
            house = self.unique_house_name(town, HOUSE_NAMES)
            prefix = "Buurthuis" if town.weight >= 4 else ("MFC" if town.weight == 3 else "Dorpshuis")
            org_id = self.org(
                f"dorpshuis:{town.name}:{house}",
                f"Stichting {prefix} {house} {town.name}",
                f"Stichting die {prefix.lower()} {house} in {town.name} beheert. (Demodata)",
                "voorbeeld-dorpshuis.nl",
            )
            return (
                f"{prefix} {house}",
                house,
                org_id,
                f"Het {'buurthuis' if prefix == 'Buurthuis' else 'dorpshuis'} van {town.name}, met een grote zaal en een keuken.",
            )
        if kind == "kerk":
            house = self.unique_house_name(
                town, ("De Voorhof", "Het Kruispunt", "De Ark", "De Open Hof", "Het Ontmoetingshuis")
            )
            org_id = self.org(
                f"kerk:{town.name}:{house}",
                f"Stichting Ontmoetingscentrum {house} {town.name}",
                f"Ontmoetingscentrum bij de kerk in {town.name}. (Demodata)",
                "voorbeeld-vereniging.nl",
            )
            return f"Ontmoetingscentrum {house}", house, org_id, "Zaal naast de kerk, met koffie en thee."
        if kind == "jongerencentrum":
            house = self.unique_house_name(town, YOUTH_PLACES)
            return (
                f"Jongerencentrum {house}",
                house,
                welzijn_id,
                f"Plek voor jongeren in {town.name}, met biljart, gameconsole en bar.",
            )
        if kind == "winkel":
            last = self.rng.choice(LAST_NAMES)
            shop = self.rng.choice(
                [
                    f"Bakkerij {last}",
                    f"Supermarkt {last}",
                    f"Kapsalon {self.rng.choice(FIRST_NAMES)}",
                    f"Boekhandel {last}",
                    f"Koffiebranderij {last}",
                    f"Tuincentrum {last}",
                ]
            )
            shop = self.unique_house_name(town, [shop])
            org_id = self.org(
                f"winkel:{town.name}:{shop}",
                f"{shop} {town.name}",
                f"Winkel in {town.name} met een koffiehoek voor buurtbewoners. (Demodata)",
                "voorbeeld-winkel.nl",
            )
            return shop, shop, org_id, "Winkel met een koffietafel voor klanten en buurtbewoners."
        if kind == "zorgboerderij":
            farm = self.unique_house_name(town, FARM_NAMES)
            org_id = self.org(
                f"zorgboerderij:{town.name}:{farm}",
                f"Zorgboerderij {farm}",
                f"Zorgboerderij met dagbesteding in {town.name}. (Demodata)",
                "voorbeeld-zorg.nl",
            )
            return (
                f"Zorgboerderij {farm}",
                farm,
                org_id,
                "Boerderij met dieren, een moestuin en een huiskamer.",
            )
        if kind in ("logeerhuis", "zorgcentrum"):
            home = self.unique_house_name(town, CARE_HOMES)
            label = "Logeerhuis" if kind == "logeerhuis" else "Woonzorgcentrum"
            org_id = self.org(
                f"{kind}:{town.name}:{home}",
                f"Stichting {label} {home}",
                f"{label} {home} in {town.name}. (Demodata)",
                "voorbeeld-zorg.nl",
            )
            return f"{label} {home}", home, org_id, f"{label} met een huiskamer en een tuin."
        if kind == "sportpark":
            park = self.unique_house_name(town, SPORT_PARKS)
            org_id = self.org(
                f"sport:{town.name}",
                f"Sportvereniging {town.name}",
                f"Omnisportvereniging in {town.name}. (Demodata)",
                "voorbeeld-vereniging.nl",
            )
            return park, park, org_id, f"Sportaccommodatie in {town.name} met kleedkamers en kantine."
        raise ValueError(f"unknown venue kind {kind!r}")

    def _add_location(self, town: Town, name: str, description: str, org_id: str, kind: str) -> str:
        # Jitter around the village centre: up to ~500 m in villages, ~1.5 km in towns.
        radius_m = 250 + 110 * min(town.weight, 12) * self.rng.random()
        angle = self.rng.uniform(0, 2 * math.pi)
        dlat = radius_m * math.cos(angle) / 111_320
        dlon = radius_m * math.sin(angle) / (111_320 * math.cos(math.radians(town.lat)))
        loc_id = self.add(
            "location",
            location_type="physical",
            organization_id=org_id,
            name=name,
            description=description,
            transportation=self.rng.choice(
                [
                    "Bushalte op 200 meter. Gratis parkeren voor de deur.",
                    "Gratis parkeren naast het gebouw.",
                    "Bushalte vlak bij de ingang. Fietsenstalling aanwezig.",
                    "Parkeren op het plein. Bushalte op 5 minuten lopen.",
                ]
            ),
            latitude=round(town.lat + dlat, 6),
            longitude=round(town.lon + dlon, 6),
        )
        street = "Raadhuisplein" if kind == "gemeentehuis" else self.rng.choice(STREETS)
        number = (
            "1"
            if kind == "gemeentehuis"
            else str(self.rng.randint(1, 120)) + self.rng.choice(["", "", "", "a"])
        )
        while (town.name, f"{street} {number}") in self._addresses and kind != "gemeentehuis":
            number = str(self.rng.randint(1, 180))
        self._addresses.add((town.name, f"{street} {number}"))
        letters = "ABCDEGHJKLMNPRSTVWXZ"
        pair = self.rng.choice(letters) + self.rng.choice(letters)
        while pair in ("SA", "SD", "SS"):  # PostNL does not issue these letter pairs
            pair = self.rng.choice(letters) + self.rng.choice(letters)
        self.add(
            "address",
            location_id=loc_id,
            address_1=f"{street} {number}",
            city=town.name,
            region=town.municipality,
            state_province="Drenthe",
            postal_code=f"{self.rng.choice(town.postcodes)} {pair}",
            country="NL",
            address_type="physical",
        )
        if self.rng.random() < 0.85:
            self.add(
                "accessibility",
                location_id=loc_id,
                description="Rolstoeltoegankelijk",
                details=self.rng.choice(
                    [
                        "Ingang zonder drempel. Er is een invalidentoilet.",
                        "Ingang met een hellingbaan. Invalidentoilet en ringleiding aanwezig.",
                        "Alles op de begane grond. Er is een invalidenparkeerplaats bij de deur.",
                    ]
                ),
            )
        else:
            self.add(
                "accessibility",
                location_id=loc_id,
                description="Beperkt toegankelijk",
                details="Er is een drempel bij de ingang. Bel vooraf, dan helpen we u naar binnen.",
            )
        return loc_id

    # -- services ---------------------------------------------------------------

    def add_offer(self, offer: Offer, town: Town, seat: Town) -> str | None:
        """Write one service with its location, schedule, cost, contact and taxonomy links.

        Return the service id, or None (and write nothing) when the place
        already has a service of that name: the caller then draws another one.
        """
        municipality = town.municipality
        welzijn = self.welzijn_name(municipality)
        key, venue_town = self.venue_key(offer.venue, town, seat)
        values = {"town": venue_town.name, "gemeente": municipality, "welzijn": welzijn}
        known = self._venues.get(key)
        if known or "{venue" not in offer.name:
            preview_venue = known[1] if known else ""
            preview = offer.name.format(
                **values, venue=preview_venue, venue_short=preview_venue.split(" ", 1)[-1]
            )
            if (venue_town.name, preview) in self._service_names:
                return None
        loc_id, venue_name, venue_short = self.venue(key, venue_town, seat)
        values.update(venue=venue_name, venue_short=venue_short)
        name = offer.name.format(**values)
        if (venue_town.name, name) in self._service_names:
            # Only when a pool of venue names ran out; the venue name tells them apart.
            name = f"{name} ({venue_name}, {self._counters['dup'] + 2})"
            self._counters["dup"] += 1
        self._service_names.add((venue_town.name, name))
        when = offer.schedule.text() if offer.schedule else ""
        days = offer.schedule.day_names() if offer.schedule else ""
        description = offer.description.format(**values, days=days)
        if offer.schedule:
            description += f" Wanneer: {when}."
        cost_text = "Gratis." if offer.cost == 0 else f"{euro(offer.cost)} {offer.cost_unit}."
        org_id = self._offer_org(offer.org, municipality, venue_town, loc_id)
        org_name = next(r["name"] for r in self.rows["organization"] if r["id"] == org_id)
        domain = self._domain_of(org_id)
        service_slug = (
            slug(name) if slug(venue_town.name) in slug(name) else slug(f"{name} {venue_town.name}")
        )
        service_id = self.add(
            "service",
            organization_id=org_id,
            name=name,
            description=description,
            url=f"https://www.{domain}/{slug(municipality)}/{service_slug}",
            email=f"{short_slug(service_slug, 40)}@{domain}",
            status="active",
            application_process=offer.application,
            fees_description=cost_text,
            eligibility_description=offer.eligibility.format(**values),
            minimum_age=offer.min_age if offer.min_age is not None else "",
            maximum_age=offer.max_age if offer.max_age is not None else "",
            last_modified=f"{GENERATED_ON}T09:00:00Z",
        )
        self.services_per_town[venue_town.name] += 1
        sal_id = self.add(
            "service_at_location",
            service_id=service_id,
            location_id=loc_id,
            description=f"{name} in {venue_name}, {venue_town.name}.",
        )
        if offer.schedule:
            self._add_schedule(service_id, sal_id, offer.schedule)
        # HSDS puts the unit in amount_description ("per 1 hour session"), next to the amount.
        self.add(
            "cost_option",
            service_id=service_id,
            valid_from=GENERATED_ON,
            option="Gratis" if offer.cost == 0 else offer.cost_unit.split(" (")[0].capitalize(),
            currency="EUR",
            amount=_number(offer.cost),
            amount_description="gratis" if offer.cost == 0 else offer.cost_unit,
        )
        contact_name, local = self.person()
        contact_id = self.add(
            "contact",
            service_id=service_id,
            name=contact_name,
            title=self.rng.choice(["Coördinator", "Contactpersoon", "Vrijwilligerscoördinator"]),
            department=org_name,
            email=f"{local}@{domain}",
        )
        self.add(
            "phone",
            service_id=service_id,
            contact_id=contact_id,
            number=self.phone_number(venue_town),
            type="voice",
            description="Demonummer (fictief). Bereikbaar op werkdagen.",
        )
        for code in offer.languages:
            self.add("language", service_id=service_id, name=LANGUAGE_NAMES[code], code=code)
        if offer.subcategory in RESIDENTS_ONLY:
            self.add(
                "service_area",
                service_id=service_id,
                name=municipality,
                description=f"Alleen voor inwoners van de gemeente {municipality}.",
            )
        elif offer.area == "woonplaats":
            self.add(
                "service_area",
                service_id=service_id,
                name=venue_town.name,
                description=f"Voor {venue_town.name} en omgeving. Iedereen is welkom.",
            )
        else:
            self.add(
                "service_area",
                service_id=service_id,
                name=municipality,
                description=f"In de gemeente {municipality}. Iedereen is welkom.",
            )
        self.link(service_id, offer.subcategory)
        self.link(service_id, taxonomy.category_of(offer.subcategory))
        for audience in offer.audiences:
            self.link(service_id, audience)
        for code, value in offer.details.items():
            self.link(service_id, code, value)
        return service_id

    def _offer_org(self, kind: str, municipality: str, town: Town, loc_id: str) -> str:
        if kind == "host":  # the organisation that runs the venue
            return next(r["organization_id"] for r in self.rows["location"] if r["id"] == loc_id)
        if kind == "welzijn":
            return self.org(
                f"welzijn:{municipality}",
                self.welzijn_name(municipality),
                f"Welzijnsorganisatie voor alle inwoners van de gemeente {municipality}. (Demodata)",
                "voorbeeld-welzijn.nl",
            )
        if kind == "gemeente":
            return self.org(
                f"gemeente:{municipality}",
                f"Gemeente {municipality}",
                f"De gemeente {municipality}: Wmo-loket, werk en inkomen. (Demodata)",
                "voorbeeld-gemeente.nl",
            )
        if kind == "bibliotheek":
            return self.org(
                f"bibliotheek:{municipality}",
                f"Bibliotheek {municipality}",
                f"De openbare bibliotheek in de gemeente {municipality}. (Demodata)",
                "voorbeeld-bibliotheek.nl",
            )
        if kind == "sportclub":
            return next(r["organization_id"] for r in self.rows["location"] if r["id"] == loc_id)
        if kind == "jeugdfonds":
            return self.org(
                "jeugdfonds",
                "Jeugdfonds Sport & Cultuur Drenthe",
                "Fonds dat sport en cultuur betaalt voor kinderen uit gezinnen met weinig geld. "
                "(Demodata: de contactgegevens zijn fictief.)",
                "voorbeeld-fonds.nl",
            )
        if kind == "regiotaxi":
            return self.org(
                "regiotaxi",
                "Regiotaxi Drenthe",
                "Vervoer op afroep in heel Drenthe. (Demodata: de contactgegevens zijn fictief.)",
                "voorbeeld-vervoer.nl",
            )
        raise ValueError(f"unknown organisation kind {kind!r}")

    def _domain_of(self, org_id: str) -> str:
        row = next(r for r in self.rows["organization"] if r["id"] == org_id)
        return str(row["email"]).split("@", 1)[1]

    def _add_schedule(self, service_id: str, sal_id: str, s: Schedule) -> None:
        self.add(
            "schedule",
            service_id=service_id,
            service_at_location_id=sal_id,
            valid_from=GENERATED_ON,
            dtstart=GENERATED_ON,
            wkst="MO",
            freq=s.freq,
            interval=1,
            byday=",".join(s.days),
            description=s.text()[0].upper() + s.text()[1:] + ".",
            opens_at=s.opens,
            closes_at=s.closes,
            attending_type="Op locatie",
            notes="Niet op feestdagen.",
        )

    def add_national_line(self, line: NationalLine) -> str:
        """Write one real national helpline: a virtual location, no address, area Nederland."""
        domain = line.website.removeprefix("https://www.")
        org_id = self.add(
            "organization", name=line.org_name, description=line.org_description, website=line.website
        )
        loc_id = self.add(
            "location",
            location_type="virtual",
            url=line.website,
            organization_id=org_id,
            name=f"{line.name} (telefoon en chat)",
            description="Landelijk bereikbaar per telefoon en online.",
        )
        service_id = self.add(
            "service",
            organization_id=org_id,
            name=line.name,
            description=line.description,
            url=line.website,
            status="active",
            application_process="Bel of chat. U hoeft zich niet aan te melden.",
            fees_description=line.cost_text,
            minimum_age=line.min_age if line.min_age is not None else "",
            maximum_age=line.max_age if line.max_age is not None else "",
            eligibility_description="Voor iedereen in Nederland."
            if line.max_age is None
            else f"Voor kinderen en jongeren tot {line.max_age} jaar.",
            last_modified=f"{GENERATED_ON}T09:00:00Z",
        )
        sal_id = self.add(
            "service_at_location",
            service_id=service_id,
            location_id=loc_id,
            description=f"{line.name}: telefoon en chat via {domain}.",
        )
        self._add_schedule(service_id, sal_id, line.schedule)
        self.rows["schedule"][-1]["attending_type"] = "Telefonisch of online"
        self.rows["schedule"][-1]["notes"] = line.schedule_text
        self.add(
            "cost_option",
            service_id=service_id,
            valid_from=GENERATED_ON,
            option="Gratis",
            currency="EUR",
            amount=0,
            amount_description=line.cost_text,
        )
        for number, description in line.phones:
            self.add("phone", service_id=service_id, number=number, type="voice", description=description)
        self.add("language", service_id=service_id, name="Nederlands", code="nl")
        self.add(
            "service_area",
            service_id=service_id,
            name="Nederland",
            description="Landelijk: voor heel Nederland.",
        )
        self.link(service_id, "helpline")
        self.link(service_id, "talk")
        for audience in line.audiences:
            self.link(service_id, audience)
        return service_id


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


def _weighted_town(rng: random.Random, towns: list[Town], load: dict[str, int]) -> Town:
    """Return a town, favouring big ones and places that have little so far."""
    weights = [t.weight**1.4 / (1 + load[t.name]) ** 0.5 for t in towns]
    return rng.choices(towns, weights=weights, k=1)[0]


def _pools(places: list[Town], seat: Town) -> dict[str, list[Town]]:
    """Return the candidate towns of a municipality for each PLACEMENT kind."""
    return {
        "seat": [seat],
        "big": [t for t in places if t.weight >= 2] or [seat],
        "village": [t for t in places if t is not seat] or [seat],
        "any": places,
    }


def build(towns: list[Town], seed: int = SEED) -> Builder:
    """Return a Builder holding every row of the demo package."""
    b = Builder(towns, seed)
    b.build_taxonomy()
    by_municipality: dict[str, list[Town]] = defaultdict(list)
    for town in towns:
        by_municipality[town.municipality].append(town)
    seats = {}
    for municipality in MUNICIPALITIES:
        places = sorted(by_municipality[municipality], key=lambda t: t.name)
        by_municipality[municipality] = places
        seats[municipality] = next(
            (t for t in places if t.name == SEATS[municipality]), max(places, key=lambda t: t.weight)
        )
    # One service per sub-category in every municipality.
    for municipality in MUNICIPALITIES:
        seat = seats[municipality]
        pools = _pools(by_municipality[municipality], seat)
        for code in TEMPLATES:
            town = _weighted_town(b.rng, pools[PLACEMENT.get(code, "any")], b.services_per_town)
            ctx = Ctx(town, municipality, b.welzijn_name(municipality), b.rng)
            for _attempt in range(20):
                if b.add_offer(TEMPLATES[code](ctx), town, seat):
                    break
            else:
                raise RuntimeError(f"could not place {code} in {municipality}")
    # Extra services, shared out by population; mostly meeting places and vacancies.
    total = sum(POPULATION_K.values())
    extra_codes = [c for c in EXTRA_MIX if c not in ONCE_PER_MUNICIPALITY]
    for municipality in MUNICIPALITIES:
        seat = seats[municipality]
        pools = _pools(by_municipality[municipality], seat)
        count = max(5, round(EXTRA_SERVICES * POPULATION_K[municipality] / total))
        added = 0
        for _attempt in range(count * 20):
            if added == count:
                break
            code = b.rng.choices(extra_codes, weights=[EXTRA_MIX[c] for c in extra_codes], k=1)[0]
            town = _weighted_town(b.rng, pools[PLACEMENT.get(code, "any")], b.services_per_town)
            offer = TEMPLATES[code](Ctx(town, municipality, b.welzijn_name(municipality), b.rng))
            if code in LOCAL_MEETING:
                offer.area = "woonplaats"
            if b.add_offer(offer, town, seat):
                added += 1
    for line in NATIONAL_LINES:
        b.add_national_line(line)
    dataset_id = str(uuid.uuid5(NAMESPACE, "dataset:sociale-kaart-drenthe-demo"))
    b.add(
        "metadata",
        resource_id=dataset_id,
        resource_type="dataset",
        last_action_date=GENERATED_ON,
        last_action_type="create",
        field_name="herkomst",
        previous_value="(nieuw)",
        replacement_value=DEMO_NOTICE,
        updated_by="scripts/make_demo_data.py",
    )
    for service in list(b.rows["service"]):
        national = service["url"].startswith("https://www.") and "voorbeeld-" not in service["url"]
        b.add(
            "metadata",
            resource_id=service["id"],
            resource_type="service",
            last_action_date=GENERATED_ON,
            last_action_type="create",
            field_name="herkomst",
            previous_value="(nieuw)",
            replacement_value="Echte landelijke hulplijn." if national else "DEMODATA: fictieve dienst.",
            updated_by="scripts/make_demo_data.py",
        )
    return b


def datapackage(b: Builder) -> dict[str, Any]:
    """Return the datapackage.json descriptor for the tables in `b`."""
    resources = []
    for name, (path, description, fields, fkeys) in HSDS_TABLES.items():
        schema_fields = []
        for f_name, f_type, f_format, required, unique, enum in fields:
            spec: dict[str, Any] = {"name": f_name, "type": f_type}
            if f_format:
                spec["format"] = f_format
            constraints: dict[str, Any] = {"required": required, "unique": unique}
            if enum:
                constraints["enum"] = list(enum)
            spec["constraints"] = constraints
            schema_fields.append(spec)
        schema: dict[str, Any] = {"primaryKey": "id", "fields": schema_fields}
        if fkeys:
            schema["foreignKeys"] = [
                {"fields": f, "reference": {"resource": r, "fields": "id"}} for f, r in fkeys
            ]
        resources.append(
            {
                "name": name,
                "path": path,
                "description": description,
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "profile": "tabular-data-resource",
                "count": len(b.rows[name]),
                "schema": schema,
            }
        )
    return {
        "name": "sociale-kaart-drenthe-demo",
        "title": "Sociale kaart Drenthe - DEMODATA",
        "description": DEMO_NOTICE,
        "profile": "tabular-data-package",
        "version": "1.0.0",
        "hsds_version": "3.0",
        "created": GENERATED_ON,
        "keywords": ["HSDS", "Open Referral", "sociale kaart", "Drenthe", "demo"],
        "sources": [{"title": "Gegenereerd door scripts/make_demo_data.py"}],
        # Same licence as the code of this project; the data is invented.
        "licenses": [
            {
                "name": "EUPL-1.2",
                "path": "https://eupl.eu/1.2/nl/",
                "title": "European Union Public Licence 1.2",
            }
        ],
        "resources": resources,
    }


README = """# Demo social map (DEMODATA)

This folder is a **demo** social map of Drenthe, an HSDS 3.0 tabular data
package (CSV tables + `datapackage.json`). It makes the assistant useful on
first start. It is generated by `scripts/make_demo_data.py`; do not edit the
files by hand, change the generator and run it again:

    python -m scripts.make_demo_data

**Everything local is fictional**: the services, organisations, people,
addresses, postcodes (PC4 real, letters invented), phone numbers, e-mail
addresses and websites (all on `voorbeeld-*.nl` domains). Do not call or mail
them. Only the four national lines are real: 113 Zelfmoordpreventie
(113 / 0800-0113), De Luisterlijn (088 0767 000), the Mantelzorglijn
(030 760 60 55) and De Kindertelefoon (0800-0432).

Figures: {services} services ({national} national lines) at {locations}
locations ({physical} physical), from {organizations} organisations, in all 12
municipalities; every category and sub-category is present in every
municipality.

Taxonomy: `taxonomies.csv` has `sociale-kaart` (categories and sub-categories
of `socialmap/taxonomy.py`) and `doelgroep` (audiences). Services link to
their sub-category, category and audience terms through `attributes.csv`
(`link_type` = `service`). Volunteer vacancies carry two more terms, children
of `volunteer_vacancy`: `uren_per_week` (value: hours per week) and
`vanuit_huis` (value: `ja` or `nee`).

The national lines have a `virtual` location (no address, no coordinates)
and the service area `Nederland`. Every local service has one physical
location, an address whose `region` is its municipality, a service area (the
municipality, or the village for meeting places), a cost option in EUR, a
contact, a phone number and its languages; most have a weekly or monthly
schedule. The municipality's own schemes (meedoenregeling, bijzondere
bijstand, mantelzorgwaardering, Wmo care such as logeeropvang, dagbesteding,
respijtzorg and the regiotaxi, the mantelzorgconsulent, Kwartier maken, the
Jeugdfonds desk of the municipality) are in
every municipality, and their service area says "Alleen voor inwoners van de
gemeente ...": the assistant shows them only to that municipality's residents.
Activities and meeting places welcome anyone ("Iedereen is welkom").

The places come from `socialmap/data/gazetteer/drenthe.csv`. After that file
changes, run the generator again and commit the result:
`tests/socialmap/test_demo_data.py` fails while the committed files differ
from what the generator makes.

A municipality replaces this folder with its own data in the same form:
`python -m socialmap import PATH`.
"""


def to_csv(table: str, rows: list[dict[str, Any]]) -> str:
    """Return the rows of `table` as CSV text with the HSDS header."""
    columns = [spec[0] for spec in HSDS_TABLES[table][2]]
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n", extrasaction="raise")
    writer.writeheader()
    for row in rows:
        writer.writerow({c: row.get(c, "") for c in columns})
    return buffer.getvalue()


def write_package(b: Builder, out_dir: Path) -> list[Path]:
    """Write every CSV, datapackage.json and README.md into `out_dir`; return the paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for table, (path, *_rest) in HSDS_TABLES.items():
        target = out_dir / path
        target.write_text(to_csv(table, b.rows[table]), encoding="utf-8")
        written.append(target)
    descriptor = out_dir / "datapackage.json"
    descriptor.write_text(json.dumps(datapackage(b), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    written.append(descriptor)
    locations = b.rows["location"]
    readme = out_dir / "README.md"
    readme.write_text(
        README.format(
            services=len(b.rows["service"]),
            national=len(NATIONAL_LINES),
            locations=len(locations),
            physical=sum(1 for loc in locations if loc["location_type"] == "physical"),
            organizations=len(b.rows["organization"]),
        ),
        encoding="utf-8",
    )
    written.append(readme)
    return written


def main(argv: list[str] | None = None) -> int:
    """Generate the package; return the process exit code."""
    parser = argparse.ArgumentParser(
        prog="python -m scripts.make_demo_data", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output folder (default: %(default)s)")
    parser.add_argument(
        "--gazetteer", type=Path, default=DEFAULT_GAZETTEER, help="places CSV (default: %(default)s)"
    )
    args = parser.parse_args(argv)
    try:
        towns = read_gazetteer(args.gazetteer)
    except GazetteerError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    builder = build(towns)
    write_package(builder, args.out)
    physical = sum(1 for loc in builder.rows["location"] if loc["location_type"] == "physical")
    print(
        f"{len(builder.rows['service'])} services, {physical} physical locations, "
        f"{len(builder.rows['organization'])} organisations -> {args.out}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
