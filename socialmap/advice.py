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
from dataclasses import dataclass, field, replace

from socialmap import wishes
from socialmap.catalog import Catalog, fold_words
from socialmap.geo import load_gazetteer
from socialmap.schedule import clock_text, hours_on, open_weekdays, opening_text, rules_from_json
from socialmap.search import (
    DEFAULT_RADIUS_KM,
    MAX_PAGE_SIZE,
    WEEKEND,
    WIDEN_STEPS_KM,
    WORKDAYS,
    SearchError,
    SearchPage,
    SearchQuery,
    SearchResult,
    days_phrase,
    format_km,
    parse_days,
    parse_weekday,
    query_days,
    search,
)
from socialmap.settings import WEEKDAYS_NL
from socialmap.taxonomy import (
    AUDIENCE_SYNONYMS,
    AUDIENCES,
    CATEGORIES,
    SUBCATEGORIES,
    YOUNG_AUDIENCES,
    YOUTH_MAX_AGE,
)
from socialmap.wishes import Wish

# How many candidates one search fetches; the resident sees three at a time.
CANDIDATES = 40
PAGE_SIZE = 3
# Enough for every page within a radius; a resident never reads more than this.
MAX_CANDIDATES = 200
# A service this many years out of the resident's age is worth a word ("alleen voor 18+").
NEAR_MISS_YEARS = 3
# Needs where activity words say what a scheme pays for, not what to look for.
NO_WISH_NEEDS = frozenset({"money"})
# Needs where a young person also gets the youth offers (youth work, a buddy, sport).
YOUTH_TOO = frozenset({"meeting", "newcomer"})
YOUTH_SUBCATEGORIES = ("youth_work", "buddy", "youth_sport")


@dataclass(frozen=True)
class Plan:
    """A search plan: which categories to search and which groups to mix on the first page."""

    category: str | None
    subcategories: tuple[str, ...] = ()
    # On the first page, the nearest result of each group comes first.
    groups: tuple[tuple[str, ...], ...] = ()
    audience: str | None = None
    # The groups are a promise ("respite care, the consultant and peers side by side"):
    # a group with nothing within the radius is looked for further away.
    reach: bool = False


PLANS: dict[str, Plan] = {
    # Company first: coffee mornings and the village house, a meal or a club; help from
    # neighbours (boodschappenhulp) is in the category too but is no place to meet people.
    "meeting": Plan(
        "meeting",
        groups=(
            ("coffee_morning", "community_centre"),
            ("shared_meal", "shop_coffee_corner"),
            ("walking_group", "hobby_club", "library_activity"),
        ),
    ),
    "volunteer": Plan("volunteer"),
    "carer": Plan(
        "carer",
        groups=(("respite_care", "short_stay", "day_care"), ("carer_consultant",), ("peer_group",)),
        reach=True,
    ),
    "youth": Plan(
        None,
        subcategories=("youth_sport", "youth_work", "social_skills", "buddy", "youth_fund"),
        groups=(("youth_sport",), ("youth_work", "buddy", "social_skills"), ("youth_fund",)),
    ),
    "money": Plan("money", groups=(("discount_pass",), ("youth_fund",), ("special_assistance",)), reach=True),
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


def day_group(raw: str | None) -> tuple[int, ...]:
    """Return the days of a day group ('weekend', 'doordeweeks'), or () for one day or none."""
    if not raw:
        return ()
    try:
        days = parse_days(raw)
    except SearchError:
        return ()
    return days if len(days) > 1 else ()


def day_phrase(raw: str | None) -> str:
    """Return the asked day(s) for a sentence after 'op': 'woensdag', 'zaterdag en zondag'."""
    if not raw:
        return ""
    try:
        return days_phrase(parse_days(raw))
    except SearchError:
        return str(raw).lower()


def filter_phrase(weekday: str | None, free_only: bool) -> str:
    """Return the filters a search kept, for 'Dit is er ... in de buurt van X': 'op woensdag', 'gratis en op vrijdag'."""
    day = day_phrase(weekday)
    parts = (["gratis"] if free_only else []) + ([f"op {day}"] if day else [])
    return " en ".join(parts)


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
    # Filters that left nothing and were dropped to show something: "weekday", "free_only".
    relaxed: tuple[str, ...] = ()
    wish: str | None = None  # the wish as the resident will read it back ("dansen")
    wish_found: bool | None = None  # None: no wish; False: the cards are the closest alternatives
    near_miss: SearchResult | None = None  # a nearer service left out by age only
    total: int = 0  # services that fit within the radius
    more_widened: bool = False  # "meer" went past the first page's radius
    subcategory: str | None = None  # the sub-category the search was narrowed to, if any
    first_radius_km: float = 0.0

    @property
    def nearest_km(self) -> float | None:
        distances = [r.distance_km for r in self.results if r.distance_km is not None]
        return min(distances) if distances else None

    @property
    def all_free(self) -> bool:
        return bool(self.results) and all(r.is_free for r in self.results)

    @property
    def far(self) -> bool:
        """Every local card lies beyond the default radius: 'Dichtbij vond ik weinig' is true."""
        nearest = self.nearest_km
        return nearest is not None and nearest > DEFAULT_RADIUS_KM

    @property
    def some_far(self) -> bool:
        return any(r.distance_km is not None and r.distance_km > DEFAULT_RADIUS_KM for r in self.results)


def _audience_filter(audience: str | None, need: str | None) -> str | None:
    """Return the audience to filter on, or None.

    "Iedereen" filters nothing. "Kinderen" or "jongeren" in a question that is not a
    youth search ("kunnen mijn kinderen gratis op voetbal?") says who it is for, not
    which services to keep: the household's meedoenregeling fits too. Youth-only
    services come in through the age and `is_young` instead.
    """
    if not audience or audience == "iedereen":
        return None
    if audience in YOUNG_AUDIENCES and need != "youth":
        return None
    return audience


def is_young(age: int | None, audience: str | None, need: str | None) -> bool:
    """Return True when the search is for a young person (or a parent asking for one)."""
    if age is not None:
        return age <= YOUTH_MAX_AGE
    return audience in YOUNG_AUDIENCES or need == "youth"


def _for_young(result: SearchResult) -> bool:
    return bool(set(result.audiences) & YOUNG_AUDIENCES) or (
        result.max_age is not None and result.max_age <= YOUTH_MAX_AGE
    )


def age_text(result: SearchResult) -> str:
    """Return who a service is for by age, in short Dutch: 'voor 18+', 'voor 15 tot 24 jaar', 'tot 17 jaar'."""
    low, high = result.min_age, result.max_age
    if low is not None and high is not None:
        return f"voor {low:.0f} tot {high:.0f} jaar"
    if low is not None:
        return f"voor {low:.0f}+"
    if high is not None:
        return f"tot {high:.0f} jaar"
    return ""


# One resident turn asks the same query more than once (the wish, relaxing, the groups): ask SQL once.
_Memo = dict[str, SearchPage]


def _all(query: SearchQuery, catalog: Catalog | None, memo: _Memo | None = None) -> SearchPage:
    """Return every fitting service within the (auto-widened) radius, nearest first."""
    key = repr(query)
    if memo is not None and key in memo:
        return memo[key]
    page = _all_uncached(query, catalog)
    if memo is not None:
        memo[key] = page
    return page


def _all_uncached(query: SearchQuery, catalog: Catalog | None) -> SearchPage:
    first = search(replace(query, page=0, page_size=MAX_PAGE_SIZE), catalog)
    results = list(first.results)
    page = first
    while page.has_more and len(results) < MAX_CANDIDATES:
        page = search(
            replace(query, radius_km=first.radius_km, page=page.page + 1, page_size=MAX_PAGE_SIZE), catalog
        )
        results += page.results
    return SearchPage(results, first.total, first.radius_km, first.widened, 0, False)


def _with_relaxing(
    query: SearchQuery, catalog: Catalog | None, memo: _Memo | None = None
) -> tuple[SearchPage, tuple[str, ...]]:
    """Return the results, dropping a filter that leaves nothing (day first, then cost) and saying which."""
    page = _all(query, catalog, memo)
    if page.results:
        return page, ()
    if query.audience is not None:
        # The group named ("nieuwkomers") is a preference: the need's services for anyone still fit,
        # and each card says who it is for.
        return _with_relaxing(replace(query, audience=None), catalog, memo)
    if not query_days(query) and not query.free_only:
        return page, ()
    attempts: list[tuple[tuple[str, ...], SearchQuery]] = []
    if bool(query_days(query)):
        attempts.append((("weekday",), replace(query, weekday=None, weekdays=())))
    if query.free_only:
        attempts.append((("free_only",), replace(query, free_only=False)))
    if bool(query_days(query)) and query.free_only:
        attempts.append((("weekday", "free_only"), replace(query, weekday=None, weekdays=(), free_only=False)))
    for relaxed, loose in attempts:
        loose_page = _all(loose, catalog, memo)
        if loose_page.results:
            return loose_page, relaxed
    return page, ()


def _order(results: list[SearchResult], young: bool, on_day: bool = False) -> list[SearchResult]:
    """Return the results nearest first; services for young people first for a young person; with a
    day asked for, what happens on that day before what is by appointment (both fit the day)."""
    if not young and not on_day:
        return results
    # sorted() is stable: within each group the distance order stays.
    return sorted(results, key=lambda r: (young and not _for_young(r), on_day and r.by_appointment))


def _wish_ids(catalog: Catalog, wish: Wish, in_names: bool) -> tuple[str, ...]:
    return tuple(sorted(catalog.services_matching(wish.alternatives, in_names=in_names)))


def _vocabulary(catalog: Catalog) -> frozenset[str]:
    try:
        return catalog.vocabulary()
    except Exception:  # an empty or older database: no spelling step, the rest still works
        return frozenset()


def _is_place(word: str) -> bool:
    return load_gazetteer().lookup(word) is not None


def _prepare(
    need: str | None,
    lat: float,
    lon: float,
    audience: str | None,
    age: int | None,
    weekday: str | None,
    free_only: bool,
    activity: str | None,
    message: str | None,
    municipality: str | None,
    place_words: tuple[str, ...],
    catalog: Catalog,
) -> tuple[Plan, SearchQuery, bool, Wish | None]:
    """Return the plan, the query before any wish or relaxing, whether it is for a young person, and the wish."""
    audience_code = normalise_audience(audience)
    young = is_young(age, audience_code, need)
    wish = None
    if need not in NO_WISH_NEEDS:
        wish = wishes.extract(activity, message, _vocabulary(catalog), not_wishes=place_words, is_place=_is_place)
    plan = plan_for(need, wishes.hint_text(wish) or activity, age)
    if age is not None and age <= YOUTH_MAX_AGE and need in YOUTH_TOO and len(plan.subcategories) != 1:
        # A 16-year-old who is new here or wants company: youth offers belong in the search.
        own = tuple(code for code, term in SUBCATEGORIES.items() if term.parent == plan.category)
        groups = (("youth_work", "buddy"), ("youth_sport",), *plan.groups[:1])
        plan = Plan(None, subcategories=own + YOUTH_SUBCATEGORIES, groups=groups, audience=plan.audience)
    base = SearchQuery(
        lat=lat,
        lon=lon,
        category=plan.category,
        subcategories=plan.subcategories,
        audience=_audience_filter(audience_code, need),
        age=age,
        free_only=free_only,
        weekday=weekday_index(weekday),
        weekdays=day_group(weekday),
        municipality=municipality,
        include_youth_only=young,
        page=0,
        page_size=CANDIDATES,
    )
    return plan, base, young, wish


def matching_ids(
    need: str | None,
    lat: float,
    lon: float,
    radius_km: float,
    *,
    audience: str | None = None,
    age: int | None = None,
    weekday: str | None = None,
    free_only: bool = False,
    municipality: str | None = None,
    catalog: Catalog | None = None,
) -> set[str]:
    """Return the ids of every service that fits this resident's need and filters within `radius_km`."""
    catalog = catalog or Catalog()
    _plan, base, _young, _wish = _prepare(
        need, lat, lon, audience, age, weekday, free_only, None, None, municipality, (), catalog
    )
    return {r.service_id for r in _all(replace(base, radius_km=radius_km), catalog).results}


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
    message: str | None = None,
    municipality: str | None = None,
    place_words: tuple[str, ...] = (),
    exclude: list[str] | None = None,
    first_page: bool = True,
    catalog: Catalog | None = None,
) -> Found:
    """Return the next three results for this resident, skipping those already shown.

    - Only what applies: a municipality's schemes only for its residents, youth-only
      services only for young people (or a parent asking), age limits kept.
    - A wish (`activity`, or activity words in `message`) narrows the search; when it
      is not in the map, `wish_found` is False and the cards are the closest alternatives.
    - A day or cost filter that leaves nothing is dropped and named in `relaxed`.
    - Paging (`first_page=False`) goes on through everything within the radius, then
      widens (`more_widened`).
    """
    catalog = catalog or Catalog()
    plan, base, young, wish = _prepare(
        need, lat, lon, audience, age, weekday, free_only, activity, message, municipality, place_words, catalog
    )
    narrowed = plan.subcategories[0] if len(plan.subcategories) == 1 and not plan.groups else None
    memo: _Memo = {}
    wish_found: bool | None = None
    page: SearchPage | None = None
    relaxed: tuple[str, ...] = ()
    if wish is not None:
        strong = _wish_ids(catalog, wish, in_names=True)
        page, relaxed = _with_relaxing(replace(base, only_ids=strong), catalog, memo)
        wish_found = bool(page.results)
        if not wish_found:
            broad = plan_for(need, None, age)
            base = replace(base, category=broad.category, subcategories=broad.subcategories)
            plan = broad
            weak = _wish_ids(catalog, wish, in_names=False)
            near, relaxed_near = _with_relaxing(replace(base, only_ids=weak), catalog, memo)
            rest, relaxed = _with_relaxing(base, catalog, memo)
            if near.results and len(relaxed_near) <= len(relaxed):
                ids = {r.service_id for r in near.results}
                merged = near.results + [r for r in rest.results if r.service_id not in ids]
                page = SearchPage(merged, len(merged), rest.radius_km, rest.widened, 0, False)
                relaxed = relaxed_near if not rest.results else relaxed
            else:
                page = rest
    if page is None:
        page, relaxed = _with_relaxing(base, catalog, memo)
    first_radius = page.radius_km
    seen = set(exclude or [])
    on_day = bool(query_days(base)) and "weekday" not in relaxed
    candidates = [r for r in _order(page.results, young, on_day) if r.service_id not in seen]
    more_widened = False
    radius = first_radius
    if not first_page and len(candidates) < PAGE_SIZE:
        # Everything within the radius is shown: go on further away, and say so.
        for wider in (r for r in (*WIDEN_STEPS_KM, 150.0) if r > first_radius):
            query = replace(base, radius_km=wider)
            if wish is not None and wish_found:
                query = replace(query, only_ids=_wish_ids(catalog, wish, in_names=True))
            if "weekday" in relaxed:
                query = replace(query, weekday=None, weekdays=())
            if "free_only" in relaxed:
                query = replace(query, free_only=False)
            further = _all(query, catalog, memo)
            known = {r.service_id for r in candidates} | seen
            extra = [r for r in _order(further.results, young, on_day) if r.service_id not in known]
            if extra:
                candidates += extra
                radius = wider
                more_widened = True
            if len(candidates) >= PAGE_SIZE:
                break
    chosen: list[SearchResult] = []
    if first_page and plan.groups:
        for group in plan.groups:
            match = next((r for r in candidates if r.subcategory in group and r not in chosen), None)
            if match is None and plan.reach:
                # The plan promises this kind of help side by side: look further for it (the resident's
                # own mantelzorgconsulent may lie 13 km away while peers meet nearby).
                group_query = replace(base, subcategories=group)
                if wish is not None and wish_found:
                    group_query = replace(group_query, only_ids=_wish_ids(catalog, wish, in_names=True))
                if "weekday" in relaxed:
                    group_query = replace(group_query, weekday=None, weekdays=())
                if "free_only" in relaxed:
                    group_query = replace(group_query, free_only=False)
                group_page = _all(group_query, catalog, memo)  # the same filters as the rest, never relaxed further
                match = next((r for r in _order(group_page.results, young, on_day) if r.service_id not in seen), None)
                if match is not None and match.distance_km is not None:
                    steps = (DEFAULT_RADIUS_KM, *WIDEN_STEPS_KM)
                    reach = next((r for r in steps if r >= match.distance_km), steps[-1])
                    radius = max(radius, reach)
            if match is not None and match not in chosen:
                chosen.append(match)
    for result in candidates:
        if len(chosen) >= PAGE_SIZE:
            break
        if result not in chosen:
            chosen.append(result)
    chosen = chosen[:PAGE_SIZE]
    remaining = len(candidates) - len(chosen)
    near_miss = None
    if age is not None and chosen:
        scope = replace(base, only_ids=_wish_ids(catalog, wish, in_names=True)) if wish is not None else base
        near_miss = _near_miss(scope, chosen, catalog)
    return Found(
        results=chosen,
        radius_km=radius,
        widened=page.widened or more_widened,
        has_more=remaining > 0 or radius < WIDEN_STEPS_KM[-1],
        national=bool(chosen) and all(r.distance_km is None for r in chosen),
        shown_ids=[r.service_id for r in chosen],
        relaxed=relaxed,
        wish=wish.text if wish else None,
        wish_found=wish_found,
        near_miss=near_miss,
        total=len(page.results),
        more_widened=more_widened,
        subcategory=narrowed,
        first_radius_km=first_radius,
    )


def _near_miss(query: SearchQuery, chosen: list[SearchResult], catalog: Catalog) -> SearchResult | None:
    """Return a service nearer than the last card that only the age kept out, or None."""
    limit = max((r.distance_km for r in chosen if r.distance_km is not None), default=None)
    if limit is None or query.age is None:
        return None
    age = query.age
    loose = search(replace(query, age=None, include_youth_only=True, radius_km=max(limit, 0.1), page_size=10), catalog)
    shown = {r.service_id for r in chosen}
    for result in loose.results:
        if result.service_id in shown:
            continue
        # Only a near miss: a 16-year-old and "18+", not a 52-year-old and a youth group.
        too_young = result.min_age is not None and result.min_age - NEAR_MISS_YEARS <= age < result.min_age
        too_old = result.max_age is not None and result.max_age < age <= result.max_age + NEAR_MISS_YEARS
        if too_young or too_old:
            return result
    return None


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


# ---------------------------------------------------------------- questions about a shown card

# What a follow-up question asks, by its words (checked in this order).
QUESTION_KINDS: list[tuple[str, re.Pattern[str]]] = [
    ("cost", re.compile(r"\b(kost|kosten|kostte|prijs|betalen|betaal|gratis|geld|duur|euro)\b")),
    ("signup", re.compile(r"aanmeld|inschrijv|opgeven|opgave|meedoen|mag ik (zomaar )?komen|binnenlopen|afspraak")),
    ("address", re.compile(r"\b(waar|adres|ligt|zit het|zit dat|route|ver)\b")),
    ("contact", re.compile(r"bellen|\bbel\b|telefoon|nummer|mail|contact|bereik")),
    ("when", re.compile(r"wanneer|open|tijd|tijden|hoe laat|welke dag|dagen|elke week|rooster|uur\b")),
]
_DAY_WORDS = {name: index for index, name in enumerate(WEEKDAYS_NL)}


def question_kind(text: str) -> str:
    """Return what a question about a card asks: 'cost', 'signup', 'address', 'contact', 'when', or ''."""
    low = text.lower()
    for kind, pattern in QUESTION_KINDS:
        if pattern.search(low):
            return kind
    return ""


_DAY_GROUPS = (
    (re.compile(r"\b(?:weekend|weekeinde|weekends|zaterdag\s+(?:of|en)\s+zondag)\b"), WEEKEND),
    (re.compile(r"\b(?:doordeweeks|door\s+de\s+week|werkdag(?:en)?|doordeweekse)\b"), WORKDAYS),
)


def weekday_in(text: str) -> int | None:
    """Return the weekday (0 = Monday) named in a question ('op vrijdag', 'vrijdags'), or None."""
    for word in re.findall(r"[a-z]+", text.lower()):
        for name, index in _DAY_WORDS.items():
            if word in (name, name + "s", name + "en", name + "middag", name + "ochtend", name + "avond"):
                return index
    return None


def weekdays_in(text: str) -> tuple[int, ...]:
    """Return the days a question asks about: one named day, the weekend, workdays, or none."""
    low = text.lower()
    for pattern, days in _DAY_GROUPS:
        if pattern.search(low):
            return days
    day = weekday_in(low)
    return () if day is None else (day,)


_ORDINALS = {"eerste": 0, "1e": 0, "tweede": 1, "2e": 1, "derde": 2, "3e": 2, "laatste": -1}
_NAME_STOP = frozenset(wishes.STOP_WORDS | {"voor", "bij", "het", "de", "een", "van", "in", "op", "ook", "dat", "die"})


def pick_shown(shown_ids: list[str], text: str, names: dict[str, str], page_size: int = PAGE_SIZE) -> str | None:
    """Return the id of the card a question is about: the one it names, else the first of the last page."""
    if not shown_ids:
        return None
    named = named_card(shown_ids, text, names, page_size)
    return named if named is not None else shown_ids[((len(shown_ids) - 1) // page_size) * page_size]


def named_card(shown_ids: list[str], text: str, names: dict[str, str], page_size: int = PAGE_SIZE) -> str | None:
    """Return the id of the card a question names ("het tweede", "de eettafel"), or None when it names none."""
    if not shown_ids:
        return None
    page_start = ((len(shown_ids) - 1) // page_size) * page_size
    page = shown_ids[page_start:]
    folded = fold_words(text).split()
    for word in folded:
        # "is het tweede ook ...": a card by its place on the last page shown
        position = _ORDINALS.get(word)
        if position is not None and (position < len(page) or position == -1):
            return page[position]
    words = {w for w in folded if len(w) >= 3 and w not in _NAME_STOP}
    best, best_score = None, 0
    for service_id in reversed(shown_ids):  # the latest cards win a tie
        name_words = set(fold_words(names.get(service_id, "")).split()) - _NAME_STOP
        score = len(words & name_words)
        if score > best_score:
            best, best_score = service_id, score
    return best


@dataclass(frozen=True)
class Answer:
    """The answer to a question about a card: what kind of answer, and the facts it says."""

    kind: str  # "open_on_day", "closed_on_day", "cost_free", ... (the action picks the response)
    values: dict[str, str]


def answer_about(
    service_id: str, text: str, weekday: int | None = None, catalog: Catalog | None = None
) -> Answer | None:
    """Return the honest answer, from the catalog, to a question about one shown service; None if unknown."""
    catalog = catalog or Catalog()
    entries = catalog.service_entries(service_id)
    if not entries:
        return None
    entry = entries[0]
    service = catalog.get("service", service_id) or {}
    rules = rules_from_json(entry["schedules"])
    contact = " | ".join(p for p in (entry["phone"], entry["email"], entry["website"]) if p) or "-"
    lat, lon = entry["lat"], entry["lon"]
    route = f"https://www.openstreetmap.org/directions?to={lat:.6f},{lon:.6f}" if lat is not None else ""
    name = entry["name"]
    base = {"name": name, "contact": contact}
    asked = (weekday,) if weekday is not None else weekdays_in(text)
    kind = "day" if asked else question_kind(text)
    if kind in ("day", "when"):
        open_days = open_weekdays(rules)
        if not open_days:
            if not rules or not opening_text(rules):
                return Answer("by_appointment", base)
            return Answer("when", {**base, "when": opening_text(rules)})
        if kind == "when":
            return Answer("when", {**base, "when": opening_text(rules)})
        # "ook in het weekend?": the first asked day it is open answers; closed on all of them says so.
        day = next((d for d in asked if hours_on(rules, d)), None)
        if day is None:
            values = {**base, "day": days_phrase(asked)}
            return Answer("closed_on_day", {**values, "days": days_phrase(tuple(open_days))})
        hours = hours_on(rules, day)
        values = {**base, "day": WEEKDAYS_NL[day]}
        first = hours[0]
        if first.opens is None and first.closes is None:
            return Answer("open_on_day_all_day", values)
        times = {"opens": clock_text(first.opens), "closes": clock_text(first.closes, closing=True)}
        if first.recurrence:
            return Answer("open_on_day_sometimes", {**values, **times, "recurrence": first.recurrence})
        return Answer("open_on_day", {**values, **times})
    if kind == "cost":
        if entry["is_free"]:
            return Answer("cost_free", base)
        if entry["cost_text"]:
            return Answer("cost", {**base, "cost": entry["cost_text"]})
        return Answer("cost_unknown", base)
    if kind == "signup":
        application = str(service.get("application_process") or "").strip()
        if application:
            return Answer("signup", {**base, "application": application})
        return Answer("signup_unknown", base)
    if kind == "address":
        if entry["address"]:
            return Answer("address", {**base, "address": entry["address"], "route_url": route or "-"})
        return Answer("address_remote", base)
    if kind == "contact":
        return Answer("contact", base)
    where = entry["address"] or entry["location_name"] or "telefonisch of online"
    return Answer(
        "summary",
        {
            **base,
            "when": opening_text(rules) or "op afspraak",
            "cost": entry["cost_text"] or "onbekend",
            "where": where,
        },
    )


def service_name(service_id: str, catalog: Catalog | None = None) -> str:
    """Return the name of a service in the search index, or '' when it is gone."""
    entries = (catalog or Catalog()).service_entries(service_id)
    return str(entries[0]["name"]) if entries else ""
