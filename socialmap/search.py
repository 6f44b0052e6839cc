"""Nearby search on the social map: `search(SearchQuery) -> SearchPage`, and the `search` CLI.

How a search runs: the grid cells that cover the radius are read from
`search_entry` through its (category, cell) index with every filter in SQL;
only those few candidates get an exact great-circle distance, are cut to the
radius and sorted. Services without a place (national helplines) match on the
filters alone and come after the nearby ones, without a distance. When the
caller gives no radius we start at a rural 10 km and widen to 25, 50 and
100 km while fewer than three services are found, and say so in `widened`.

What applies to whom is part of the filters: a municipality's own schemes
(`search_entry.residents_of`) only for its residents (`SearchQuery.municipality`),
youth-only services only when `include_youth_only`; a service without fixed
days suits any weekday. `socialmap.advice` builds the resident's search on top.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
from dataclasses import asdict, dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import bindparam, text
from sqlalchemy.engine import Connection

from socialmap import taxonomy
from socialmap.catalog import FTS_TABLE, Catalog, cell_key, fold_words, grid_cell, municipality_key
from socialmap.geo import distance_km, get_geocoder, load_gazetteer
from socialmap.schedule import TZ, next_session, opening_text, rules_from_json
from socialmap.settings import WEEKDAYS_NL

DEFAULT_RADIUS_KM = 10.0
WIDEN_STEPS_KM = (25.0, 50.0, 100.0)
MIN_RESULTS = 3
MAX_PAGE_SIZE = 200
KM_PER_DEGREE_LAT = 111.32

LANGUAGE_NAMES_NL = {
    "nl": "Nederlands", "en": "Engels", "de": "Duits", "fr": "Frans", "fy": "Fries", "ar": "Arabisch",
    "tr": "Turks", "pl": "Pools", "uk": "Oekraïens", "ru": "Russisch", "ti": "Tigrinya", "so": "Somalisch",
    "es": "Spaans", "pt": "Portugees", "fa": "Perzisch", "ur": "Urdu",
}  # fmt: skip

WEEKDAY_WORDS: dict[str, int] = {}
for _index, _name in enumerate(WEEKDAYS_NL):
    WEEKDAY_WORDS[_name] = _index
    WEEKDAY_WORDS[_name[:2]] = _index
for _index, _name in enumerate(
    ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
):
    WEEKDAY_WORDS[_name] = _index
    WEEKDAY_WORDS[_name[:3]] = _index
WEEKDAY_WORDS["woe"] = 2


class SearchError(ValueError):
    """The query cannot be run; the message is Dutch and says what to change."""


@dataclass
class SearchQuery:
    lat: float
    lon: float
    category: str | None = None  # taxonomy.CATEGORIES code
    subcategories: tuple[str, ...] = ()  # taxonomy.SUBCATEGORIES codes (any of)
    audience: str | None = None  # taxonomy.AUDIENCES code
    age: int | None = None  # matches minimum_age/maximum_age
    free_only: bool = False
    max_cost: float | None = None
    weekday: int | None = None  # 0 = Monday
    weekdays: tuple[int, ...] = ()  # any of these days ("in het weekend": 5, 6); beside or instead of weekday
    keywords: str | None = None
    language: str | None = None  # ISO 639-1, e.g. "nl", "en"
    radius_km: float | None = None  # None: rural default 10 km, widened 25 -> 50 -> 100 when < 3 results
    page: int = 0
    page_size: int = 3
    now: datetime | None = None  # for next session / open now (Europe/Amsterdam)
    # The resident's municipality: schemes for one municipality's residents reach only them.
    # None: the municipality of the village at the point (within 3 km), else only what is open to all.
    municipality: str | None = None
    include_youth_only: bool = True  # False: leave out services only for young people (max age <= 24)
    only_ids: tuple[str, ...] | None = None  # restrict to these services (a wish's matches)


@dataclass
class SearchResult:
    service_id: str
    name: str
    description: str
    category: str
    category_label: str
    subcategory: str | None
    subcategory_label: str | None
    organization: str
    location_name: str
    address: str  # "Kerkstraat 1, 9401 AB Assen" (may be "" for national lines)
    town: str
    municipality: str
    lat: float | None
    lon: float | None
    distance_km: float | None  # None for national / remote services
    next_session: datetime | None
    when_text: str  # "woensdag 10:00 - 12:00" or ""; Dutch, short
    cost_text: str  # "gratis" / "€ 2,50 per keer"
    is_free: bool
    phone: str
    email: str
    website: str
    route_url: str  # https://www.openstreetmap.org/directions?to=lat,lon (or "")
    reasons: list[str] = field(default_factory=list)  # why it matched, Dutch short phrases
    audiences: list[str] = field(default_factory=list)
    min_age: float | None = None
    max_age: float | None = None
    by_appointment: bool = False  # no fixed days: by appointment or whenever it suits


@dataclass
class SearchPage:
    results: list[SearchResult]
    total: int
    radius_km: float
    widened: bool  # radius was widened automatically
    page: int
    has_more: bool


def _validate(query: SearchQuery) -> None:
    if not (-90 <= query.lat <= 90 and -180 <= query.lon <= 180) or math.isnan(query.lat + query.lon):
        raise SearchError("De plaats heeft geen geldige coördinaten.")
    if query.category is not None and query.category not in taxonomy.CATEGORIES:
        raise SearchError(
            f"Onbekende categorie '{query.category}'. Kies uit: {', '.join(taxonomy.CATEGORIES)}."
        )
    unknown = [s for s in query.subcategories if s not in taxonomy.SUBCATEGORIES]
    if unknown:
        raise SearchError(f"Onbekende subcategorie '{unknown[0]}'.")
    if query.audience is not None and query.audience not in taxonomy.AUDIENCES:
        raise SearchError(
            f"Onbekende doelgroep '{query.audience}'. Kies uit: {', '.join(taxonomy.AUDIENCES)}."
        )
    if any(not 0 <= day <= 6 for day in query_days(query)):
        raise SearchError("De dag moet tussen 0 (maandag) en 6 (zondag) liggen.")
    if query.radius_km is not None and not 0 < query.radius_km <= 1000:
        raise SearchError("De straal moet tussen 0 en 1000 km liggen.")
    if query.page < 0 or not 1 <= query.page_size <= MAX_PAGE_SIZE:
        raise SearchError(f"Pagina moet 0 of hoger zijn en de paginagrootte 1 tot {MAX_PAGE_SIZE}.")
    if query.age is not None and not 0 <= query.age <= 130:
        raise SearchError("De leeftijd moet tussen 0 en 130 liggen.")


# A point this close to a village of the gazetteer lies in that village's municipality.
MUNICIPALITY_AT_KM = 3.0


@lru_cache(maxsize=4096)
def municipality_at(lat: float, lon: float) -> str | None:
    """Return the municipality of the gazetteer village within 3 km of a point, or None.

    For callers that know the resident's place but not the municipality (the staff
    console, an old conversation): the resident's own schemes then still appear.
    """
    gazetteer = load_gazetteer()
    low_lat, high_lat, low_lon, high_lon = _gazetteer_box()
    if not (low_lat <= lat <= high_lat and low_lon <= lon <= high_lon):
        return None
    best: tuple[float, str] | None = None
    for entry in gazetteer.entries:
        if abs(entry.lat - lat) > 0.05 or abs(entry.lon - lon) > 0.08:  # about 5 km: skip the far ones cheaply
            continue
        km = distance_km(lat, lon, entry.lat, entry.lon)
        if km <= MUNICIPALITY_AT_KM and (best is None or km < best[0]):
            best = (km, entry.gemeente)
    return best[1] if best else None


@lru_cache(maxsize=1)
def _gazetteer_box() -> tuple[float, float, float, float]:
    """Return the gazetteer's bounding box widened by about 5 km: (lat min, lat max, lon min, lon max)."""
    entries = load_gazetteer().entries
    return (
        min(e.lat for e in entries) - 0.05,
        max(e.lat for e in entries) + 0.05,
        min(e.lon for e in entries) - 0.08,
        max(e.lon for e in entries) + 0.08,
    )


def fts_expression(keywords: str) -> str:
    """Return an FTS5 MATCH expression: every word must occur, as a prefix, quoted for safety."""
    words = re.findall(r"\w+", keywords.lower())
    return " AND ".join(f'"{w}"*' for w in words)


def where_clauses(query: SearchQuery, fts: bool) -> tuple[list[str], dict[str, Any]]:
    """Return SQL conditions on `search_entry` for every filter except place, and their parameters.

    Plain SQL (valid on SQLite and PostgreSQL) because this runs on every
    search and building SQLAlchemy expressions cost more than the query itself.
    """
    conds: list[str] = []
    params: dict[str, Any] = {}
    if query.category:
        conds.append("category = :category")
        params["category"] = query.category
    if query.subcategories:
        parts = []
        for index, code in enumerate(query.subcategories):
            parts.append(f"subcategories LIKE :sub{index}")
            params[f"sub{index}"] = f"%|{code}|%"
        conds.append("(" + " OR ".join(parts) + ")")
    if query.audience:
        # A service for "iedereen" (or without a stated group) is for every group.
        conds.append("(audiences LIKE :audience OR audiences LIKE '%|iedereen|%' OR audiences = '|')")
        params["audience"] = f"%|{query.audience}|%"
    if query.age is not None:
        conds.append("(min_age IS NULL OR min_age <= :age) AND (max_age IS NULL OR max_age >= :age)")
        params["age"] = query.age
    if query.free_only or query.max_cost is not None:
        params["true"] = True
    if query.free_only:
        conds.append("is_free = :true")
    if query.max_cost is not None:
        conds.append("(is_free = :true OR min_cost <= :max_cost)")
        params["max_cost"] = query.max_cost
    if query_days(query):
        # Without fixed days (by appointment, a vacancy, a helpline on request) a service suits any day.
        conds.append("(weekdays = 0 OR (weekdays & :daybit) <> 0)")
        params["daybit"] = sum(1 << day for day in set(query_days(query)))
    municipality = query.municipality or municipality_at(query.lat, query.lon)
    if municipality:
        conds.append("(residents_of = '' OR residents_of = :municipality)")
        params["municipality"] = municipality_key(municipality)
    else:
        conds.append("residents_of = ''")
    if not query.include_youth_only:
        conds.append("(max_age IS NULL OR max_age > :youth_max)")
        params["youth_max"] = taxonomy.YOUTH_MAX_AGE
    if query.only_ids is not None:
        conds.append("service_id IN :only_ids")
        params["only_ids"] = list(query.only_ids) or [""]
    if query.language:
        conds.append("languages LIKE :language")
        params["language"] = f"%|{query.language.lower()}|%"
    if query.keywords:
        words = re.findall(r"\w+", query.keywords.lower())
        if words and fts:
            conds.append(f"service_id IN (SELECT service_id FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH :fts)")
            params["fts"] = fts_expression(query.keywords)
        else:
            # Word-start match on accent-folded text: the same services as FTS5's prefix match.
            for index, word in enumerate(fold_words(query.keywords).split()):
                conds.append(f"search_text LIKE :kw{index}")
                params[f"kw{index}"] = f"% {word}%"
    return conds, params


_LIGHT_COLUMNS = "id, service_id, lat, lon, name"


@lru_cache(maxsize=512)
def _statement(sql: str, expanding: tuple[str, ...]) -> Any:
    """Return a compiled-once text statement (the same filter shapes repeat all day)."""
    return text(sql).bindparams(*[bindparam(name, expanding=True) for name in expanding])


def cells_for(lat: float, lon: float, radius_km: float) -> list[int]:
    """Return the grid cell keys of the bounding box of a circle (a superset of the circle)."""
    dlat = radius_km / KM_PER_DEGREE_LAT
    cos_lat = math.cos(math.radians(lat))
    dlon = 180.0 if cos_lat < 0.01 else min(180.0, radius_km / (KM_PER_DEGREE_LAT * cos_lat))
    low = grid_cell(max(-90.0, lat - dlat), max(-180.0, lon - dlon))
    high = grid_cell(min(90.0, lat + dlat), min(180.0, lon + dlon))
    # Crossing the antimeridian does not occur in a Dutch catalog; the clamp keeps it correct, if wider.
    return [cell_key(r, c) for r in range(low[0], high[0] + 1) for c in range(low[1], high[1] + 1)]


def _candidates(
    conn: Connection, query: SearchQuery, radius_km: float, fts: bool, with_remote: bool
) -> list[Any]:
    """Return light rows (id, service_id, lat, lon, name) in the radius's grid cells (and the remote ones)."""
    conds, params = where_clauses(query, fts)
    extra = "".join(f" AND {c}" for c in conds)
    sql = f"SELECT {_LIGHT_COLUMNS} FROM search_entry WHERE cell IN :cells{extra}"
    if with_remote:
        # One round trip for both; the remote part uses the same (category, cell) index with cell NULL.
        sql += f" UNION ALL SELECT {_LIGHT_COLUMNS} FROM search_entry WHERE cell IS NULL{extra}"
    params["cells"] = cells_for(query.lat, query.lon, radius_km)
    expanding = ("cells", "only_ids") if "only_ids" in params else ("cells",)
    return list(conn.execute(_statement(sql, expanding), params))


def _nearest(rows: list[Any], query: SearchQuery, radius_km: float) -> list[tuple[float, Any]]:
    """Return (distance, row) within the radius, nearest first, one (the nearest) per service."""
    best: dict[str, tuple[float, Any]] = {}
    for row in rows:
        if row.lat is None:
            continue
        km = distance_km(query.lat, query.lon, row.lat, row.lon)
        if km > radius_km:
            continue
        current = best.get(row.service_id)
        if current is None or km < current[0]:
            best[row.service_id] = (km, row)
    return sorted(best.values(), key=lambda pair: (pair[0], pair[1].name, pair[1].service_id))


def _remote_only(rows: list[Any]) -> list[Any]:
    """Return the rows without a place, one per service, by name."""
    seen: dict[str, Any] = {}
    for row in rows:
        if row.lat is None:
            seen.setdefault(row.service_id, row)
    return sorted(seen.values(), key=lambda r: (r.name, r.service_id))


def _codes(bar: str) -> list[str]:
    return [c for c in bar.split("|") if c]


def format_km(km: float) -> str:
    """Return a distance as Dutch text: 0.45 -> '450 m', 3.24 -> '3,2 km'."""
    if km < 1:
        return f"{max(10, round(km * 1000, -1)):.0f} m"
    return f"{km:.1f}".replace(".", ",") + " km"


def _reasons(
    query: SearchQuery, entry: dict[str, Any], km: float | None, open_now: bool, place_name: str | None
) -> list[str]:
    reasons: list[str] = []
    if km is not None:
        reasons.append(f"{format_km(km)} van {place_name}" if place_name else f"op {format_km(km)} afstand")
    else:
        reasons.append("overal bereikbaar")
    subs = _codes(entry["subcategories"])
    for code in query.subcategories:
        if code in subs:
            reasons.append(taxonomy.label(code).lower())
    if entry["is_free"]:
        reasons.append("gratis")
    elif query.max_cost is not None and entry["cost_text"]:
        reasons.append(f"kost {entry['cost_text']}")
    if query_days(query):
        reasons.append("op afspraak" if not entry["weekdays"] else f"op {days_phrase(query_days(query))}")
    if open_now:
        reasons.append("nu open")
    audiences = _codes(entry["audiences"])
    if query.audience:
        if query.audience in audiences:
            reasons.append(f"voor {taxonomy.label(query.audience).lower()}")
        else:
            reasons.append("voor iedereen")
    if query.age is not None:
        low, high = entry["min_age"], entry["max_age"]
        if low is not None and high is not None:
            reasons.append(f"voor {low:.0f} tot {high:.0f} jaar")
        elif low is not None:
            reasons.append(f"vanaf {low:.0f} jaar")
        elif high is not None:
            reasons.append(f"tot en met {high:.0f} jaar")
        else:
            reasons.append("voor alle leeftijden")
    if query.keywords:
        reasons.append(f'past bij "{query.keywords.strip()}"')
    if query.language:
        name = LANGUAGE_NAMES_NL.get(query.language.lower(), query.language)
        reasons.append(f"in het {name}")
    return reasons


def _result(
    query: SearchQuery, entry: dict[str, Any], km: float | None, place_name: str | None, now: datetime
) -> SearchResult:
    schedules = rules_from_json(entry["schedules"])
    session = next_session(schedules, now)
    open_now = session is not None and session[0] <= now < session[1]
    subs = _codes(entry["subcategories"])
    subcategory = next((s for s in query.subcategories if s in subs), None) or (subs[0] if subs else None)
    category = entry["category"] or (taxonomy.category_of(subcategory) if subcategory else "")
    lat, lon = entry["lat"], entry["lon"]
    return SearchResult(
        service_id=entry["service_id"],
        name=entry["name"],
        description=entry["description"],
        category=category,
        category_label=taxonomy.label(category) if category else "",
        subcategory=subcategory,
        subcategory_label=taxonomy.label(subcategory) if subcategory else None,
        organization=entry["organization"],
        location_name=entry["location_name"],
        address=entry["address"],
        town=entry["town"],
        municipality=entry["municipality"],
        lat=lat,
        lon=lon,
        distance_km=None if km is None else round(km, 2),
        next_session=session[0] if session else None,
        when_text=opening_text(schedules),
        cost_text=entry["cost_text"],
        is_free=bool(entry["is_free"]),
        phone=entry["phone"],
        email=entry["email"],
        website=entry["website"],
        route_url=f"https://www.openstreetmap.org/directions?to={lat:.6f},{lon:.6f}"
        if lat is not None
        else "",
        reasons=_reasons(query, entry, km, open_now, place_name),
        audiences=_codes(entry["audiences"]),
        min_age=entry["min_age"],
        max_age=entry["max_age"],
        by_appointment=not entry["weekdays"],
    )


def search(
    query: SearchQuery, catalog: Catalog | None = None, *, place_name: str | None = None
) -> SearchPage:
    """Return one page of services matching the query, nearest first, remote services last.

    `place_name` (e.g. "Assen") only changes the wording of the distance reason.
    Raises SearchError (Dutch message) on an impossible query.
    """
    _validate(query)
    catalog = catalog or Catalog()
    fts = catalog.has_fts
    radii = [query.radius_km] if query.radius_km is not None else [DEFAULT_RADIUS_KM, *WIDEN_STEPS_KM]
    now = query.now.astimezone(TZ) if query.now and query.now.tzinfo else (query.now or datetime.now(TZ))
    if now.tzinfo is None:
        now = now.replace(tzinfo=TZ)
    with catalog.engine.connect() as conn:
        first = _candidates(conn, query, radii[0], fts, with_remote=True)
        remote = _remote_only(first)
        remote_ids = {r.service_id for r in remote}
        radius = radii[0]
        nearby = _nearest(first, query, radius)
        if len(radii) > 1 and len(nearby) + len(remote_ids - {r.service_id for _, r in nearby}) < MIN_RESULTS:
            # Too few close by: read the widest circle once, then take the first step that has enough
            # (the same answer as reading 25, 50 and 100 km one after the other, in one round trip).
            widest = _nearest(_candidates(conn, query, radii[-1], fts, with_remote=False), query, radii[-1])
            for radius in radii[1:]:
                nearby = [pair for pair in widest if pair[0] <= radius]
                if len(nearby) + len(remote_ids - {r.service_id for _, r in nearby}) >= MIN_RESULTS:
                    break
        nearby_ids = {row.service_id for _, row in nearby}
        combined: list[tuple[float | None, Any]] = [*nearby]
        combined += [(None, r) for r in remote if r.service_id not in nearby_ids]
        start = query.page * query.page_size
        window = combined[start : start + query.page_size]
        # Only the page's entries are read in full (schedules, contact, address).
        wanted = [row.id for _, row in window]
        full: dict[int, dict[str, Any]] = {}
        if wanted:
            page_rows = conn.execute(
                _statement("SELECT * FROM search_entry WHERE id IN :ids", ("ids",)), {"ids": wanted}
            )
            full = {r["id"]: dict(r) for r in page_rows.mappings()}
    return SearchPage(
        results=[_result(query, full[row.id], km, place_name, now) for km, row in window],
        total=len(combined),
        radius_km=radius,
        widened=query.radius_km is None and radius > DEFAULT_RADIUS_KM,
        page=query.page,
        has_more=start + query.page_size < len(combined),
    )


# -------------------------------------------------------------------- CLI


_AGE_RE = re.compile(r"\s*(\d{1,3})(?:[.,]0+)?\s*(?:jaar|jr\.?|years?)?(?:\s*oud)?\s*", re.IGNORECASE)
MAX_AGE = 120


def parse_age(raw: object) -> int | None:
    """Return an age in years from a slot or entity value ("15", 15.0, "15 jaar"), or None when it is not one.

    The model tags numbers in free text; a time ("14:00"), a postcode or any other
    text must never break a search or pass for an age.
    """
    if raw is None or isinstance(raw, bool):
        return None
    if isinstance(raw, (int, float)):
        age = int(raw) if float(raw).is_integer() else None
    else:
        m = _AGE_RE.fullmatch(str(raw))
        age = int(m.group(1)) if m else None
    return age if age is not None and 0 <= age <= MAX_AGE else None


WEEKEND = (5, 6)
WORKDAYS = (0, 1, 2, 3, 4)
DAY_GROUPS = {
    "weekend": WEEKEND, "het weekend": WEEKEND, "weekeinde": WEEKEND, "weekends": WEEKEND,
    "in het weekend": WEEKEND, "zaterdag en zondag": WEEKEND, "zaterdag of zondag": WEEKEND,
    "doordeweeks": WORKDAYS, "door de week": WORKDAYS, "werkdagen": WORKDAYS, "werkdag": WORKDAYS,
    "doordeweekse dagen": WORKDAYS,
}


def query_days(query: SearchQuery) -> tuple[int, ...]:
    """Return the days a query asks for: its day group, or its one weekday, or none."""
    if query.weekdays:
        return tuple(query.weekdays)
    return () if query.weekday is None else (query.weekday,)


def parse_days(raw: str) -> tuple[int, ...]:
    """Return the days of 'woensdag', 'weekend' or 'doordeweeks'; raise SearchError otherwise."""
    key = " ".join(raw.strip().lower().split())
    if key in DAY_GROUPS:
        return DAY_GROUPS[key]
    return (parse_weekday(key),)


def days_phrase(days: tuple[int, ...]) -> str:
    """Return days for a Dutch sentence after 'op': 'woensdag', 'zaterdag en zondag', 'maandag tot en met vrijdag'."""
    ordered = sorted(set(days))
    if tuple(ordered) == WORKDAYS:
        return "maandag tot en met vrijdag"
    names = [WEEKDAYS_NL[d] for d in ordered]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " en " + names[-1]


def parse_weekday(raw: str) -> int:
    """Return 0..6 for a Dutch or English weekday name or abbreviation; raise SearchError otherwise."""
    key = raw.strip().lower()
    if key.isdigit() and 0 <= int(key) <= 6:
        return int(key)
    if key in WEEKDAY_WORDS:
        return WEEKDAY_WORDS[key]
    raise SearchError(f"Onbekende dag '{raw}'. Gebruik bijvoorbeeld 'woensdag' of 'wednesday'.")


def register_cli(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the `search` command to the CLI."""
    parser = sub.add_parser("search", help="zoek aanbod in de buurt van een plaats of postcode")
    parser.add_argument(
        "--near", required=True, help='plaats of postcode, bijvoorbeeld "9401 AB" of "Zweeloo"'
    )
    parser.add_argument("--category", help="categorie: " + ", ".join(taxonomy.CATEGORIES))
    parser.add_argument("--sub", action="append", default=[], help="subcategorie (mag vaker)")
    parser.add_argument("--audience", help="doelgroep: " + ", ".join(taxonomy.AUDIENCES))
    parser.add_argument("--age", type=int)
    parser.add_argument("--free", action="store_true", help="alleen gratis aanbod")
    parser.add_argument("--max-cost", type=float)
    parser.add_argument("--day", help="dag: woensdag, wednesday, weekend of doordeweeks")
    parser.add_argument("--keywords")
    parser.add_argument("--language", help="taalcode, bijvoorbeeld nl of en")
    parser.add_argument("--radius", type=float, help="straal in km (standaard 10, groeit mee)")
    parser.add_argument("--page", type=int, default=1, help="pagina, vanaf 1")
    parser.add_argument("--page-size", type=int, default=5)
    parser.add_argument("--json", action="store_true", help="één JSON-object als uitvoer")
    parser.add_argument("--db", help="database-URL (standaard uit de instellingen)")
    parser.set_defaults(func=run_cli)


def _fail(message: str) -> int:
    print(message, file=sys.stderr)
    return 2


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(type(value))


def run_cli(args: argparse.Namespace, geocoder: Any = None) -> int:
    """Run `search`: geocode --near, search, print; return the exit code (2 on bad input).

    `geocoder` is anything with `geocode(text) -> GeocodeResult` (default: socialmap.geo's).
    """
    if geocoder is None:
        geocoder = get_geocoder()
    found = geocoder.geocode(args.near)
    if found.status == "outside":
        return _fail(
            f"{found.outside_name or args.near} ligt niet in ons gebied. Zoek met een plaats of postcode in Drenthe."
        )
    if found.status == "empty" or not args.near.strip():
        return _fail('Geef een plaats of postcode op, bijvoorbeeld --near "9401 AB".')
    if found.status != "ok" or found.place is None:
        hint = f" Bedoelt u {found.suggestion}?" if found.suggestion else ""
        return _fail(f"Ik ken de plaats '{args.near}' niet.{hint}")
    place = found.place
    try:
        query = SearchQuery(
            lat=place.lat,
            lon=place.lon,
            category=args.category,
            subcategories=tuple(args.sub),
            audience=taxonomy.AUDIENCE_SYNONYMS.get((args.audience or "").lower(), args.audience),
            age=args.age,
            free_only=args.free,
            max_cost=args.max_cost,
            weekdays=parse_days(args.day) if args.day else (),
            keywords=args.keywords,
            language=args.language,
            radius_km=args.radius,
            page=max(0, args.page - 1),
            page_size=args.page_size,
            municipality=place.municipality,
        )
        page = search(query, Catalog(args.db), place_name=place.name)
    except SearchError as exc:
        return _fail(str(exc))
    if args.json:
        payload = {
            "location": {
                "name": place.name,
                "municipality": place.municipality,
                "lat": place.lat,
                "lon": place.lon,
            },
            "results": [asdict(r) for r in page.results],
            "radius_km": page.radius_km,
            "widened": page.widened,
            "total": page.total,
            "page": page.page + 1,
            "has_more": page.has_more,
        }
        print(json.dumps(payload, ensure_ascii=False, default=_json_default))
        return 0
    print(render_text(page, place.name, place.municipality, query.page_size))
    return 0


def render_text(page: SearchPage, place_name: str, municipality: str, page_size: int) -> str:
    """Return the page as plain Dutch text for a helpdesk employee."""
    lines = [f"Zoeken rond {place_name} (gemeente {municipality}), straal {page.radius_km:.0f} km."]
    if page.widened:
        lines.append(f"Dichtbij was weinig te vinden. Daarom is gezocht tot {page.radius_km:.0f} km.")
    if not page.results:
        lines.append("Niets gevonden. Probeer minder filters of een andere plaats.")
        return "\n".join(lines)
    lines.append(f"{page.total} resultaten gevonden.")
    for number, r in enumerate(page.results, start=page.page * page_size + 1):
        where = ", ".join(p for p in (r.location_name, r.address) if p) or "landelijk, overal bereikbaar"
        distance = f" ({format_km(r.distance_km)})" if r.distance_km is not None else ""
        lines.append("")
        lines.append(f"{number}. {r.name} – {r.organization}" if r.organization else f"{number}. {r.name}")
        lines.append(f"   Waar: {where}{distance}")
        if r.when_text:
            lines.append(f"   Wanneer: {r.when_text}")
        if r.cost_text:
            lines.append(f"   Kosten: {r.cost_text}")
        contact = " · ".join(p for p in (r.phone, r.email, r.website) if p)
        if contact:
            lines.append(f"   Contact: {contact}")
        if r.route_url:
            lines.append(f"   Route: {r.route_url}")
        lines.append(f"   Waarom: {', '.join(r.reasons)}")
    if page.has_more:
        lines.append("")
        lines.append(f"Er is meer. Gebruik --page {page.page + 2} voor de volgende resultaten.")
    return "\n".join(lines)
