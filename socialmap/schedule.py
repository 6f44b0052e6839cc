"""When a service runs: next session, "open now" and short Dutch text from HSDS schedules.

HSDS 3.0 schedules follow iCalendar RRULE fields. We support what social-map
data uses: `freq` WEEKLY (with `interval`) and MONTHLY (`bymonthday`, or
`byday` with an ordinal such as "1TU" = first Tuesday, "-1FR" = last Friday),
`opens_at` / `closes_at`, and `valid_from` / `valid_to` / `until`. A schedule
with days but no times is "the whole day"; a schedule with only a
`description` is shown as that text and never "open now".
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from socialmap.settings import WEEKDAYS_NL

TZ = ZoneInfo("Europe/Amsterdam")
DAY_CODES = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]
ORDINALS_NL = {1: "eerste", 2: "tweede", 3: "derde", 4: "vierde", 5: "vijfde", -1: "laatste"}
MONTHS_NL = [
    "januari", "februari", "maart", "april", "mei", "juni",
    "juli", "augustus", "september", "oktober", "november", "december",
]  # fmt: skip
# Look ahead far enough for a monthly "fifth Monday" but keep the loop bounded.
HORIZON_DAYS = 400

_BYDAY = re.compile(r"^([+-]?\d)?(MO|TU|WE|TH|FR|SA|SU)$")


@dataclass(frozen=True)
class Rule:
    """One parsed HSDS schedule."""

    freq: str | None
    interval: int
    days: tuple[tuple[int | None, int], ...]  # (ordinal or None, weekday 0 = Monday)
    monthdays: tuple[int, ...]
    opens: time | None
    closes: time | None
    valid_from: date | None
    valid_to: date | None
    anchor: date | None  # dtstart, for interval > 1
    description: str


def _parse_date(raw: Any) -> date | None:
    if not raw:
        return None
    try:
        return date.fromisoformat(str(raw)[:10])
    except ValueError:
        return None


def parse_time(raw: Any) -> time | None:
    """Return a time from "10:00", "10:00:00" or "24:00" (end of day), else None."""
    if raw is None or raw == "":
        return None
    match = re.match(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?", str(raw).strip())
    if not match:
        return None
    hours, minutes = int(match.group(1)), int(match.group(2))
    if hours == 24 and minutes == 0:
        return time(23, 59, 59)
    if hours > 23 or minutes > 59:
        return None
    return time(hours, minutes)


def parse_rule(row: dict[str, Any]) -> Rule:
    """Return the parsed form of one HSDS schedule row (unknown parts are left empty)."""
    days: list[tuple[int | None, int]] = []
    for part in str(row.get("byday") or "").upper().replace(" ", "").split(","):
        match = _BYDAY.match(part)
        if match:
            ordinal = int(match.group(1)) if match.group(1) else None
            days.append((ordinal, DAY_CODES.index(match.group(2))))
    monthdays: list[int] = []
    for part in str(row.get("bymonthday") or "").replace(" ", "").split(","):
        if part.lstrip("-").isdigit():
            monthdays.append(int(part))
    freq = str(row["freq"]).upper() if row.get("freq") else None
    try:
        interval = max(1, int(float(row.get("interval") or 1)))
    except (TypeError, ValueError):
        interval = 1
    valid_to = _parse_date(row.get("valid_to"))
    until = _parse_date(row.get("until"))
    if until and (valid_to is None or until < valid_to):
        valid_to = until
    return Rule(
        freq=freq,
        interval=interval,
        days=tuple(days),
        monthdays=tuple(monthdays),
        opens=parse_time(row.get("opens_at")),
        closes=parse_time(row.get("closes_at")),
        valid_from=_parse_date(row.get("valid_from")),
        valid_to=valid_to,
        anchor=_parse_date(row.get("dtstart")) or _parse_date(row.get("valid_from")),
        description=str(row.get("description") or "").strip(),
    )


ScheduleLike = dict[str, Any] | Rule


def _rule(item: ScheduleLike) -> Rule:
    return item if isinstance(item, Rule) else parse_rule(item)


@lru_cache(maxsize=8192)
def rules_from_json(schedules_json: str) -> tuple[Rule, ...]:
    """Return the parsed rules of a JSON list of HSDS schedules (cached: search cards repeat)."""
    return tuple(parse_rule(row) for row in json.loads(schedules_json or "[]"))


def weekdays_of(row: dict[str, Any]) -> set[int]:
    """Return the weekdays (0 = Monday) on which a schedule can have a session."""
    rule = parse_rule(row)
    if rule.days:
        return {day for _, day in rule.days}
    if rule.freq == "WEEKLY" and rule.anchor:
        return {rule.anchor.weekday()}
    return set()


def _occurs_on(rule: Rule, day: date) -> bool:
    if rule.valid_from and day < rule.valid_from:
        return False
    if rule.valid_to and day > rule.valid_to:
        return False
    if rule.freq == "MONTHLY":
        if rule.monthdays:
            last = (day.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
            return any(day.day == (md if md > 0 else last.day + md + 1) for md in rule.monthdays)
        for ordinal, weekday in rule.days:
            if day.weekday() != weekday:
                continue
            if ordinal is None:
                return True
            if ordinal > 0 and (day.day - 1) // 7 + 1 == ordinal:
                return True
            if ordinal < 0:
                days_left = ((day.replace(day=28) + timedelta(days=4)).replace(day=1) - day).days - 1
                if days_left // 7 + 1 == -ordinal:
                    return True
        return False
    weekdays = {d for _, d in rule.days} or ({rule.anchor.weekday()} if rule.anchor else set())
    if day.weekday() not in weekdays:
        return False
    if rule.interval > 1 and rule.anchor:
        weeks = (day - (rule.anchor - timedelta(days=rule.anchor.weekday()))).days // 7
        return weeks % rule.interval == 0
    return True


def _span(rule: Rule, day: date) -> tuple[datetime, datetime]:
    opens = rule.opens or time(0, 0)
    start = datetime.combine(day, opens, tzinfo=TZ)
    if rule.closes is None:
        end = datetime.combine(day + timedelta(days=1), time(0, 0), tzinfo=TZ)
    elif rule.closes <= opens:
        # Closes after midnight (an evening helpline until 02:00).
        end = datetime.combine(day + timedelta(days=1), rule.closes, tzinfo=TZ)
    else:
        end = datetime.combine(day, rule.closes, tzinfo=TZ)
    return start, end


def _sessions(rule: Rule, start_day: date) -> Iterable[tuple[datetime, datetime]]:
    if not rule.days and not rule.monthdays and not (rule.freq == "WEEKLY" and rule.anchor):
        return
    for offset in range(HORIZON_DAYS):
        day = start_day + timedelta(days=offset)
        if rule.valid_to and day > rule.valid_to:
            return
        if _occurs_on(rule, day):
            yield _span(rule, day)


def _local(now: datetime | None) -> datetime:
    if now is None:
        return datetime.now(TZ)
    if now.tzinfo is None:
        return now.replace(tzinfo=TZ)
    return now.astimezone(TZ)


def next_session(
    schedules: Iterable[ScheduleLike], now: datetime | None = None
) -> tuple[datetime, datetime] | None:
    """Return (start, end) of the first session that has not ended yet at `now`, or None.

    A session that is running now counts: its start lies in the past.
    """
    moment = _local(now)
    best: tuple[datetime, datetime] | None = None
    for row in schedules:
        rule = _rule(row)
        # Start a day early so a session that began yesterday and runs past midnight counts.
        for start, end in _sessions(rule, moment.date() - timedelta(days=1)):
            if end <= moment:
                continue
            if best is None or start < best[0]:
                best = (start, end)
            break
    return best


def next_occurrence(schedules: Iterable[ScheduleLike], now: datetime | None = None) -> datetime | None:
    """Return the start of the next session that starts after `now`, or None."""
    moment = _local(now)
    best: datetime | None = None
    for row in schedules:
        for start, _end in _sessions(_rule(row), moment.date()):
            if start > moment:
                if best is None or start < best:
                    best = start
                break
    return best


def is_open(schedules: Iterable[ScheduleLike], now: datetime | None = None) -> bool:
    """Return True when a session is running at `now`."""
    moment = _local(now)
    session = next_session(schedules, moment)
    return session is not None and session[0] <= moment < session[1]


def _hours(rule: Rule) -> str:
    if rule.opens is None and rule.closes is None:
        return ""
    opens = f"{rule.opens:%H:%M}" if rule.opens else "00:00"
    # "23:59" is how many systems write "until midnight".
    closes = "24:00" if rule.closes is None or rule.closes >= time(23, 59) else f"{rule.closes:%H:%M}"
    if opens == "00:00" and closes == "24:00":
        return "hele dag"
    return f"{opens} - {closes}"


def _join_nl(words: list[str]) -> str:
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " en " + words[-1]


def describe(row: ScheduleLike) -> str:
    """Return one schedule as short Dutch text, e.g. 'woensdag 10:00 - 12:00'."""
    return _describe(_rule(row))


@lru_cache(maxsize=4096)
def _describe(rule: Rule) -> str:
    hours = _hours(rule)
    if rule.freq == "MONTHLY" and rule.days:
        parts = [
            f"elke {ORDINALS_NL.get(o or 0, '')} {WEEKDAYS_NL[d]} van de maand".replace("  ", " ")
            for o, d in rule.days
        ]
        days_text = _join_nl(parts)
    elif rule.freq == "MONTHLY" and rule.monthdays:
        days_text = "elke maand op dag " + _join_nl([str(d) for d in rule.monthdays])
    else:
        weekdays = sorted({d for _, d in rule.days})
        if weekdays == list(range(7)):
            days_text = "elke dag"
        elif weekdays == list(range(5)):
            days_text = "maandag tot en met vrijdag"
        else:
            days_text = _join_nl([WEEKDAYS_NL[d] for d in weekdays])
        if rule.interval == 2 and days_text:
            days_text = "om de week op " + days_text
        elif rule.interval > 2 and days_text:
            days_text = f"elke {rule.interval} weken op {days_text}"
    if hours == "hele dag" and days_text == "elke dag":
        return "dag en nacht"
    text = " ".join(p for p in (days_text, hours) if p)
    return text or rule.description


def when_text(schedules: Iterable[ScheduleLike], now: datetime | None = None) -> str:
    """Return when the next session is, as short Dutch text ('woensdag 10:00 - 12:00', 'nu open tot 16:00').

    Falls back to the schedule description when there is no computable session.
    """
    rules = [_rule(r) for r in schedules]
    if not rules:
        return ""
    moment = _local(now)
    if any(describe(r) == "dag en nacht" for r in rules):
        return "dag en nacht"
    session = next_session(rules, moment)
    if session is None:
        return next((r.description for r in rules if r.description), "")
    start, end = session
    if start <= moment:
        return f"nu open tot {end:%H:%M}" if end.date() == moment.date() else "nu open"
    day_text = WEEKDAYS_NL[start.weekday()]
    if (start.date() - moment.date()).days >= 7:
        day_text += f" {start.day} {MONTHS_NL[start.month - 1]}"
    end_text = "24:00" if end.time() == time(0, 0) or end.time() == time(23, 59, 59) else f"{end:%H:%M}"
    if start.time() == time(0, 0) and end_text == "24:00":
        return day_text
    return f"{day_text} {start:%H:%M} - {end_text}"
