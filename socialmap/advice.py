"""What to show a resident for a need: the search plan per need and audience, and result cards.

The assistant asks one question ("what do you need, where do you live") and
this module turns the answer into a search that fits the person: an informal
carer sees respite care, the mantelzorgconsulent and peers side by side; a
young person sport, jongerenwerk and the Jeugdfonds; someone near retirement
volunteering and pension-preparation courses; someone on a low income the
discount schemes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from socialmap.catalog import Catalog
from socialmap.search import (
    SearchError,
    SearchPage,
    SearchQuery,
    SearchResult,
    format_km,
    parse_weekday,
    search,
)
from socialmap.taxonomy import AUDIENCE_SYNONYMS, AUDIENCES, CATEGORIES, SUBCATEGORIES

# How many candidates one search fetches; the resident sees three at a time.
CANDIDATES = 40
PAGE_SIZE = 3
# Youth offers are for 15-24 (taxonomy "jongeren"); older people asking are no youth question.
YOUTH_MAX_AGE = 24


@dataclass(frozen=True)
class Plan:
    """A search plan: which categories to search and which groups to mix on the first page."""

    category: str | None
    subcategories: tuple[str, ...] = ()
    # On the first page, the nearest result of each group comes first.
    groups: tuple[tuple[str, ...], ...] = ()
    audience: str | None = None


PLANS: dict[str, Plan] = {
    "meeting": Plan("meeting"),
    "volunteer": Plan("volunteer"),
    "carer": Plan(
        "carer",
        groups=(("respite_care", "short_stay", "day_care"), ("carer_consultant",), ("peer_group",)),
    ),
    "youth": Plan(
        None,
        subcategories=("youth_sport", "youth_work", "social_skills", "buddy", "youth_fund"),
        groups=(("youth_sport",), ("youth_work", "buddy", "social_skills"), ("youth_fund",)),
    ),
    "money": Plan("money", groups=(("discount_pass",), ("youth_fund",), ("special_assistance",))),
    "digital": Plan("digital"),
    "transport": Plan("transport"),
    "talk": Plan("talk"),
    "retirement": Plan(
        None,
        subcategories=("volunteer_vacancy", "pension_course", "coffee_morning", "walking_group", "hobby_club"),
        groups=(("volunteer_vacancy",), ("pension_course",), ("coffee_morning", "walking_group", "hobby_club")),
    ),
    "newcomer": Plan("newcomer"),
}

# Words in the resident's "activity" that point at one kind of offer.
ACTIVITY_HINTS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"koffie"), "coffee_morning"),
    (re.compile(r"eettafel|samen eten|maaltijd|eten"), "shared_meal"),
    (re.compile(r"wandel|lopen"), "walking_group"),
    (re.compile(r"brei|haak|schilder|knutsel|hobby|creatie|handwerk|teken|koor|zing|muziek|repair"), "hobby_club"),
    (re.compile(r"bieb|bibliothe|lees|boek|taalcaf"), "library_activity"),
    (re.compile(r"buurthuis|dorpshuis|ontmoetingsruimte"), "community_centre"),
    (re.compile(r"burenhulp|buren"), "neighbour_help"),
    (re.compile(r"sport|voetbal|hockey|tennis|zwem|fitness|dans|korfbal|judo|turn|atletiek|basketbal|handbal"), "youth_sport"),
    (re.compile(r"jongerenwerk|jongerencentrum|chill"), "youth_work"),
    (re.compile(r"logeer"), "short_stay"),
    (re.compile(r"dagbesteding"), "day_care"),
    (re.compile(r"lotgeno|praatgroep"), "peer_group"),
    (re.compile(r"regiotaxi|taxi"), "regiotaxi"),
    (re.compile(r"chauffeur|rijden|vervoer|automaatje"), "volunteer_driver"),
    (re.compile(r"cursus|computer|digid|tablet|telefoon|laptop"), "digital_course"),
]

# Which need an activity hint belongs to, so a hint never drags a search
# into another topic (a "sportclub" for a carer stays a carer search).
_HINT_NEED = {code: term.parent for code, term in SUBCATEGORIES.items()}


def normalise_audience(raw: str | None) -> str | None:
    """Return the audience code for a resident's word ("mantelzorger" -> "mantelzorgers"), or None."""
    if not raw:
        return None
    key = raw.strip().lower()
    if key in AUDIENCES:
        return key
    return AUDIENCE_SYNONYMS.get(key)


def weekday_index(raw: str | None) -> int | None:
    """Return 0..6 for a weekday name ("woensdag", "wo", "wednesday"), or None when there is none."""
    if not raw:
        return None
    try:
        return parse_weekday(raw)
    except SearchError:
        return None


def plan_for(need: str | None, activity: str | None = None, age: int | None = None) -> Plan:
    """Return the search plan for a need, narrowed by the activity the resident named."""
    plan = PLANS.get(need or "", PLANS["meeting"])
    if need == "youth" and age is not None and age > YOUTH_MAX_AGE:
        # "mijn vader van 78 ..." is not a youth question, whatever the classifier said:
        # a youth search with that age can only come back empty.
        plan = PLANS["meeting"]
    if activity:
        text = activity.lower()
        for pattern, sub in ACTIVITY_HINTS:
            if pattern.search(text):
                hint_need = _HINT_NEED.get(sub)
                allowed = {plan.category} | {SUBCATEGORIES[s].parent for s in plan.subcategories}
                if hint_need in allowed or sub in plan.subcategories:
                    return Plan(None, subcategories=(sub,), audience=plan.audience)
                break
    return plan


@dataclass
class Found:
    """One page of results for the resident, with what the assistant should say about it."""

    results: list[SearchResult]
    radius_km: float
    widened: bool
    has_more: bool
    national: bool = False
    shown_ids: list[str] = field(default_factory=list)


def find(
    need: str | None,
    lat: float,
    lon: float,
    *,
    audience: str | None = None,
    age: int | None = None,
    weekday: str | None = None,
    free_only: bool = False,
    activity: str | None = None,
    exclude: list[str] | None = None,
    first_page: bool = True,
    catalog: Catalog | None = None,
) -> Found:
    """Return the next three results for this resident, skipping those already shown."""
    audience_code = normalise_audience(audience)
    plan = plan_for(need, activity, age)
    query = SearchQuery(
        lat=lat,
        lon=lon,
        category=plan.category,
        subcategories=plan.subcategories,
        audience=audience_code if audience_code and audience_code != "iedereen" else None,
        age=age,
        free_only=free_only,
        weekday=weekday_index(weekday),
        page=0,
        page_size=CANDIDATES,
    )
    page: SearchPage = search(query, catalog)
    seen = set(exclude or [])
    candidates = [r for r in page.results if r.service_id not in seen]
    chosen: list[SearchResult] = []
    if first_page and plan.groups:
        for group in plan.groups:
            match = next((r for r in candidates if r.subcategory in group and r not in chosen), None)
            if match is not None:
                chosen.append(match)
    for result in candidates:
        if len(chosen) >= PAGE_SIZE:
            break
        if result not in chosen:
            chosen.append(result)
    chosen = chosen[:PAGE_SIZE]
    remaining = len(candidates) - len(chosen)
    return Found(
        results=chosen,
        radius_km=page.radius_km,
        widened=page.widened,
        has_more=remaining > 0 or page.has_more,
        national=bool(chosen) and all(r.distance_km is None for r in chosen),
        shown_ids=[r.service_id for r in chosen],
    )


def card(result: SearchResult, place_name: str | None = None) -> dict[str, str]:
    """Return the fields of one result card (text for the response, data for the widget)."""
    what = result.subcategory_label or result.category_label
    where_parts = [p for p in (result.address or result.location_name or result.town,) if p]
    distance = format_km(result.distance_km) if result.distance_km is not None else ""
    if distance:
        where_parts.append(f"{distance} van {place_name}" if place_name else distance)
    where = ", ".join(where_parts) if where_parts else "telefonisch of online"
    contact = " | ".join(p for p in (result.phone, result.email, result.website) if p) or "-"
    return {
        "service_id": result.service_id,
        "name": result.name,
        "what": what,
        "description": result.description,
        "where": where,
        "distance": distance,
        "when": result.when_text or "op afspraak of zie de website",
        "cost": result.cost_text or "onbekend",
        "contact": contact,
        "phone": result.phone,
        "email": result.email,
        "website": result.website,
        "route_url": result.route_url or "-",
        "organization": result.organization,
    }


def category_label(need: str | None) -> str:
    """Return the Dutch label of a need (category), or ''."""
    term = CATEGORIES.get(need or "")
    return term.label if term else ""
