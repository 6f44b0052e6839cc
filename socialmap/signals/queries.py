"""The signals of one area over one period, as a policy advisor reads them, suppressed.

`dashboard(period, area)` returns a JSON-ready dict: every count is an int or "<5"
(see suppression.py); the same dict feeds the web page, the CSV/JSON export and the
council report, so what one shows, all show.
"""

from __future__ import annotations

import calendar
import math
import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.engine import Engine

from socialmap import db as _db
from socialmap import taxonomy
from socialmap.signals import model as m
from socialmap.signals.aggregator import Places, default_places
from socialmap.signals.suppression import Group, label, suppress

PROVINCE = "Drenthe"
CellKey = tuple[str, str, str, str]  # place id, metric, key, "P" (the period) or a week's Monday
SOURCES = {"alles": None, "echt": False, "demo": True}
MONTH_RE = re.compile(r"(\d{4})-(\d{2})")
MONTHS_NL = [
    "januari", "februari", "maart", "april", "mei", "juni",
    "juli", "augustus", "september", "oktober", "november", "december",
]  # fmt: skip

# Columns of the table of areas (and the map): metric -> Dutch column head.
AREA_COLUMNS: dict[str, str] = {
    "conversation": "Gesprekken",
    "loneliness": "Eenzaamheid",
    "gap_any": "Niets binnen 10 km",
    "handoff": "Naar medewerker",
    "callback": "Terugbellen",
}
HEADLINE = ("conversation", "loneliness", "crisis", "distress", "fallback", "handoff", "callback", "searched",
            "gap_any", "widened_any")  # fmt: skip
TREND_METRICS = ("conversation", "need", "audience")
PLACE_METRICS = (*AREA_COLUMNS, "gap", "widened")


class PeriodError(ValueError):
    """A period or area the dashboard cannot show; the message is Dutch."""


@dataclass(frozen=True)
class Period:
    """Whole ISO weeks: from the Monday of `start` up to and including the week of `end`."""

    start: date
    end: date
    label: str = ""

    @property
    def weeks(self) -> list[date]:
        first = self.start - timedelta(days=self.start.weekday())
        last = self.end - timedelta(days=self.end.weekday())
        return [first + timedelta(weeks=i) for i in range((last - first).days // 7 + 1)]

    @classmethod
    def month(cls, text: str) -> Period:
        """Return the weeks of a month ("2026-11"): the ISO weeks whose Thursday falls in it."""
        match = MONTH_RE.fullmatch(text.strip())
        if not match or not 1 <= int(match.group(2)) <= 12:
            raise PeriodError("Geef een maand als JJJJ-MM, bijvoorbeeld 2026-11.")
        year, month = int(match.group(1)), int(match.group(2))
        first = date(year, month, 1)
        last = date(year, month, calendar.monthrange(year, month)[1])
        # The Monday of the week holding the first Thursday of the month, and of the last Thursday.
        first_thursday = first + timedelta(days=(3 - first.weekday()) % 7)
        last_thursday = last - timedelta(days=(last.weekday() - 3) % 7)
        return cls(
            first_thursday - timedelta(days=3),
            last_thursday + timedelta(days=3),
            f"{MONTHS_NL[month - 1]} {year}",
        )

    @classmethod
    def parse(cls, start: str | None, end: str | None, *, today: date | None = None) -> Period:
        """Return the period between two ISO dates; default the last 12 weeks up to `today`."""
        today = today or date.today()
        try:
            end_day = date.fromisoformat(end) if end else today
            start_day = date.fromisoformat(start) if start else end_day - timedelta(weeks=11)
        except ValueError as exc:
            raise PeriodError("Geef de datums als JJJJ-MM-DD.") from exc
        if start_day > end_day:
            raise PeriodError("De begindatum ligt na de einddatum.")
        if (end_day - start_day).days > 3 * 366:
            raise PeriodError("Kies een periode van hoogstens drie jaar.")
        return cls(start_day, end_day)

    def describe(self) -> str:
        weeks = self.weeks
        first, last = m.iso_week_label(weeks[0]), m.iso_week_label(weeks[-1])
        span = f"week {first} tot en met {last}" if first != last else f"week {first}"
        return f"{self.label} ({span})" if self.label else span


@dataclass(frozen=True)
class Area:
    """Drenthe as a whole, one municipality, or one woonplaats of it."""

    municipality: str | None = None
    woonplaats: str | None = None

    @property
    def level(self) -> str:
        return "woonplaats" if self.woonplaats else "gemeente" if self.municipality else "provincie"

    @property
    def name(self) -> str:
        return self.woonplaats or self.municipality or PROVINCE

    @classmethod
    def parse(cls, municipality: str | None, woonplaats: str | None, places: Places | None = None) -> Area:
        """Return the area for the given names; only names of the gazetteer (or "onbekend")."""
        places = places or default_places()
        municipality = (municipality or "").strip() or None
        woonplaats = (woonplaats or "").strip() or None
        if woonplaats:
            if woonplaats not in places.municipality_of:
                raise PeriodError("Deze woonplaats kennen we niet in Drenthe.")
            return cls(places.municipality_of[woonplaats], woonplaats)
        if municipality and municipality not in places.municipalities and municipality != m.UNKNOWN:
            raise PeriodError("Deze gemeente kennen we niet in Drenthe.")
        return cls(municipality, None)


def _place_id(municipality: str | None = None, woonplaats: str | None = None) -> str:
    if woonplaats is not None:
        return f"W:{municipality}/{woonplaats}"
    if municipality is not None:
        return f"M:{municipality}"
    return "P"


def dashboard(
    period: Period,
    area: Area | None = None,
    *,
    source: str = "alles",
    engine: Engine | None = None,
    places: Places | None = None,
) -> dict[str, Any]:
    """Return the suppressed signals of `area` over `period` as a JSON-ready dict."""
    area = area or Area()
    places = places or default_places()
    engine = engine or _db.get_engine()
    m.ensure_schema(engine)
    if source not in SOURCES:
        raise PeriodError("Kies als bron alles, echt of demo.")
    c = m.counts.c
    weeks = period.weeks
    where = [c.week >= weeks[0], c.week <= weeks[-1]]
    if SOURCES[source] is not None:
        where.append(c.synthetic == SOURCES[source])
    if area.municipality:
        where.append(c.municipality == area.municipality)
    if area.woonplaats:
        where.append(c.woonplaats == area.woonplaats)
    with engine.connect() as conn:
        # Per place only what the table of areas, the map and the gap lists show; the rest for the area.
        by_place = conn.execute(
            select(c.municipality, c.woonplaats, c.metric, c.key, func.sum(c.n))
            .where(and_(*where, c.metric.in_(PLACE_METRICS)))
            .group_by(c.municipality, c.woonplaats, c.metric, c.key)
        ).all()
        by_area = conn.execute(
            select(c.metric, c.key, func.sum(c.n)).where(and_(*where)).group_by(c.metric, c.key)
        ).all()
        by_week = conn.execute(
            select(c.week, c.metric, c.key, func.sum(c.n))
            .where(and_(*where, c.metric.in_(TREND_METRICS)))
            .group_by(c.week, c.metric, c.key)
        ).all()
        synthetic = (
            conn.execute(select(c.week).where(and_(*where, c.synthetic.is_(True))).limit(1)).first() is not None
        )
    return _build(period, area, places, by_place, by_area, by_week, synthetic, source)


def _build(
    period: Period,
    area: Area,
    places: Places,
    by_place: list[Any],
    by_area: list[Any],
    by_week: list[Any],
    synthetic: bool,
    source: str,
) -> dict[str, Any]:
    cells: dict[CellKey, int] = defaultdict(int)
    groups: list[Group] = []
    top = _place_id(area.municipality, area.woonplaats) if area.woonplaats else _place_id(area.municipality)
    municipalities_seen: set[str] = set()
    woonplaatsen: dict[str, set[str]] = defaultdict(set)
    for metric, key, n in by_area:
        cells[(top, metric, key, "P")] += int(n or 0)
    for municipality, woonplaats, metric, key, n in by_place:
        n = int(n or 0)
        municipalities_seen.add(municipality)
        woonplaatsen[municipality].add(woonplaats)
        for pid in {_place_id(municipality), _place_id(municipality, woonplaats)} - {top}:
            cells[(pid, metric, key, "P")] += n
    # The areas the table and the map show, and the sums that tie them together.
    if area.level == "provincie":
        child_municipalities = sorted(places.municipalities | municipalities_seen)
    else:
        child_municipalities = [area.municipality] if area.municipality else []
    for municipality in child_municipalities:
        known = {w for w, g in places.municipality_of.items() if g == municipality}
        woonplaatsen[municipality] |= known
    metrics_by_area = tuple(AREA_COLUMNS)
    for metric in metrics_by_area:
        if area.level == "provincie":
            groups.append(((top, metric, "", "P"), [(_place_id(mu), metric, "", "P") for mu in child_municipalities]))
        for municipality in child_municipalities:
            groups.append(
                (
                    (_place_id(municipality), metric, "", "P"),
                    [(_place_id(municipality, w), metric, "", "P") for w in sorted(woonplaatsen[municipality])],
                )
            )
    # Weekly series: the period's total of a series is the sum of its weeks.
    series_keys: set[tuple[str, str]] = {("conversation", "")}
    series_keys |= {("need", code) for code in taxonomy.CATEGORIES}
    series_keys |= {("audience", code) for code in taxonomy.AUDIENCES}
    for week, metric, key, n in by_week:
        cells[(top, metric, key, week.isoformat())] += int(n or 0)
        series_keys.add((metric, key))
    week_ids = [w.isoformat() for w in period.weeks]
    for metric, key in series_keys:
        groups.append(((top, metric, key, "P"), [(top, metric, key, w) for w in week_ids]))
    # Satisfaction: the number of answers is the sum of the five scores.
    scores = [(top, "csat", str(s), "P") for s in range(1, 6)]
    cells[(top, "csat", "*", "P")] = sum(cells.get(k, 0) for k in scores)
    groups.append(((top, "csat", "*", "P"), scores))
    # Postcode areas of one woonplaats.
    pc4_keys = sorted(key for (pid, metric, key, when) in list(cells) if pid == top and metric == "pc4")
    if area.level == "woonplaats" and pc4_keys:
        cells[(top, "pc4", "*", "P")] = sum(cells[(top, "pc4", k, "P")] for k in pc4_keys)
        groups.append(((top, "pc4", "*", "P"), [(top, "pc4", k, "P") for k in pc4_keys]))

    hidden = suppress(cells, groups)  # type: ignore[arg-type]

    def value(key: CellKey) -> int | str:
        return label(cells.get(key, 0), key in hidden)

    def total(metric: str, key: str = "") -> int | str:
        return value((top, metric, key, "P"))

    headline = {metric: total(metric) for metric in HEADLINE}
    conversations = headline["conversation"]

    def rate(metric: str) -> int | None:
        num, den = headline[metric], conversations
        if isinstance(num, str) or isinstance(den, str) or den == 0:
            return None
        return round(100 * num / den)

    def area_row(municipality: str, woonplaats: str | None) -> dict[str, Any]:
        pid = _place_id(municipality, woonplaats)
        row: dict[str, Any] = {"municipality": municipality, "woonplaats": woonplaats or ""}
        if woonplaats is not None:
            row["name"] = woonplaats or f"{municipality} (plaats onbekend)"
            lat_lon = places.coordinates.get(woonplaats) if woonplaats else None
        else:
            row["name"] = municipality if municipality != m.UNKNOWN else "Plaats onbekend"
            lat_lon = None
        row["lat"], row["lon"] = lat_lon if lat_lon else (None, None)
        for metric in metrics_by_area:
            row[metric] = value((pid, metric, "", "P"))
        return row

    if area.level == "provincie":
        area_rows = [area_row(mu, None) for mu in child_municipalities]
    elif area.level == "gemeente":
        area_rows = [area_row(area.municipality or "", w) for w in sorted(woonplaatsen[area.municipality or ""])]
    else:
        area_rows = []
    map_points = []
    for municipality in child_municipalities:
        for w in sorted(woonplaatsen[municipality]):
            if not w or w not in places.coordinates or (area.woonplaats and w != area.woonplaats):
                continue
            lat, lon = places.coordinates[w]
            map_points.append(
                {"name": w, "municipality": municipality, "lat": lat, "lon": lon,
                 "conversation": value((_place_id(municipality, w), "conversation", "", "P"))}
            )  # fmt: skip

    def series(metric: str, table: dict[str, Any]) -> list[dict[str, Any]]:
        rows = []
        for code in table:
            rows.append(
                {
                    "code": code,
                    "label": taxonomy.label(code),
                    "total": total(metric, code),
                    "weeks": [value((top, metric, code, w)) for w in week_ids],
                }
            )
        return rows

    subneeds = [
        {"code": code, "category": term.parent, "label": term.label, "total": total("subneed", code)}
        for code, term in taxonomy.SUBCATEGORIES.items()
    ]

    def top_list(metric: str, limit: int = 10) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        for (pid, met, key, when), n in cells.items():
            if met != metric or when != "P" or not pid.startswith("W:") or (pid, met, key, when) in hidden:
                continue
            municipality, woonplaats = pid[2:].split("/", 1)
            if not woonplaats or n <= 0:
                continue
            need, sub, audience = m.split_gap_key(key)
            found.append(
                {
                    "need": need, "need_label": taxonomy.label(need) if need else "",
                    "subcategory": sub, "subcategory_label": taxonomy.label(sub) if sub else "",
                    "audience": audience, "audience_label": taxonomy.label(audience) if audience else "",
                    "woonplaats": woonplaats, "municipality": municipality, "count": int(n),
                    "what": _what(need, sub, audience),
                }
            )  # fmt: skip
        found.sort(key=lambda g: (-g["count"], g["woonplaats"], g["what"]))
        for item in found:
            if metric == "gap":
                item["text"] = f"{item['what']} in {item['woonplaats']}: {item['count']} zoekvragen, niets binnen 10 km"
            else:
                item["text"] = f"{item['what']} in {item['woonplaats']}: {item['count']} zoekvragen, gezocht tot verder dan 25 km"
        return found[:limit]

    outcome_codes = sorted(
        {key for (pid, metric, key, when) in cells if pid == top and metric == "handoff_outcome"},
        key=lambda code: list(m.HANDOFF_OUTCOMES).index(code) if code in m.HANDOFF_OUTCOMES else 99,
    )
    responses = value((top, "csat", "*", "P"))
    score_values = [value(k) for k in scores]
    average = None
    if not isinstance(responses, str) and responses > 0 and not any(isinstance(v, str) for v in score_values):
        average = round(sum((i + 1) * int(v) for i, v in enumerate(score_values)) / responses, 1)
    pc4_rows = (
        [{"pc4": k, "conversation": value((top, "pc4", k, "P"))} for k in pc4_keys] if area.level == "woonplaats" else []
    )
    return {
        "synthetic": synthetic,
        "source": source,
        "threshold": m.THRESHOLD,
        "suppressed_as": {"small": m.SUPPRESSED, "complementary": m.HIDDEN},
        "period": {
            "from": period.weeks[0].isoformat(),
            "to": (period.weeks[-1] + timedelta(days=6)).isoformat(),
            "label": period.describe(),
            "weeks": [{"monday": w, "label": m.iso_week_label(date.fromisoformat(w))} for w in week_ids],
        },
        "area": {"level": area.level, "name": area.name, "municipality": area.municipality or "",
                 "woonplaats": area.woonplaats or ""},  # fmt: skip
        "totals": headline,
        "rates": {"handoff": rate("handoff"), "callback": rate("callback"), "loneliness": rate("loneliness"),
                  "fallback": rate("fallback"), "gap_any": rate("gap_any")},  # fmt: skip
        "trend": [value((top, "conversation", "", w)) for w in week_ids],
        "areas": area_rows,
        "map": map_points,
        "needs": series("need", taxonomy.CATEGORIES),
        "subneeds": subneeds,
        "audiences": series("audience", taxonomy.AUDIENCES),
        "gaps": top_list("gap"),
        "widened": top_list("widened"),
        "handoff_outcomes": [
            {"code": code, "label": m.HANDOFF_OUTCOMES.get(code, code), "count": total("handoff_outcome", code)}
            for code in outcome_codes
        ],
        "csat": {
            "responses": responses,
            "average": average,
            "scores": [{"score": i + 1, "count": v} for i, v in enumerate(score_values)],
        },
        "pc4": pc4_rows,
    }


def _what(need: str, sub: str, audience: str) -> str:
    """Return 'Jongeren' / 'Koffieochtend voor ouderen': what was searched, in Dutch."""
    what = taxonomy.label(sub) if sub else taxonomy.label(need) if need else "Iets"
    if audience and audience != "iedereen" and taxonomy.label(audience).lower() != what.lower():
        return f"{what} voor {taxonomy.label(audience).lower()}"
    return what


def circle_radius(value: int | str, largest: int, max_r: float = 22.0, min_r: float = 3.0) -> float:
    """Return a circle radius whose area grows with the count; a hidden count gets the smallest circle."""
    if isinstance(value, str) or value <= 0 or largest <= 0:
        return min_r if isinstance(value, str) else 0.0
    return max(min_r, max_r * math.sqrt(value / largest))
