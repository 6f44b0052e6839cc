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

from dateutil.rrule import FR, MO, MONTHLY, SA, SU, TH, TU, WE, WEEKLY, rrule

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


_RRULE_DAYS = (MO, TU, WE, TH, FR, SA, SU)


@lru_cache(maxsize=4096)
def _recurrence(rule: Rule, start_day: date) -> rrule | None:
    """Return the dateutil rrule of the days a rule has a session, from `start_day` on, or None."""
    if not rule.days and not rule.monthdays and not (rule.freq == "WEEKLY" and rule.anchor):
        return None
    first = max(d for d in (start_day, rule.valid_from) if d is not None)
    # HSDS dtstart is the first session; with an interval the weeks (months) count from it.
    if rule.interval > 1 and rule.anchor:
        begin = rule.anchor
    else:
        begin = max(first, rule.anchor) if rule.anchor else first
    until = datetime.combine(rule.valid_to, time(23, 59)) if rule.valid_to else None
    kwargs: dict[str, Any] = {
        "dtstart": datetime.combine(begin, time(0, 0)),
        "interval": rule.interval,
        "until": until,
        "wkst": MO,
    }
    if rule.freq == "MONTHLY":
        if rule.monthdays:
            kwargs["bymonthday"] = rule.monthdays
        else:
            kwargs["byweekday"] = [
                _RRULE_DAYS[d] if o is None else _RRULE_DAYS[d](o) for o, d in rule.days
            ]
        return rrule(MONTHLY, **kwargs)
    weekdays = sorted({d for _, d in rule.days})
    if not weekdays and rule.anchor:
        weekdays = [rule.anchor.weekday()]
    return rrule(WEEKLY, byweekday=[_RRULE_DAYS[d] for d in weekdays], **kwargs)


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
    recurrence = _recurrence(rule, start_day)
    if recurrence is None:
        return
    horizon = datetime.combine(start_day + timedelta(days=HORIZON_DAYS), time(0, 0))
    for moment in recurrence.xafter(datetime.combine(start_day, time(0, 0)), inc=True):
        if moment > horizon:
            return
        yield _span(rule, moment.date())


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


# ---------------------------------------------------------------- every day it is open

DAY_SHORT_NL = ("ma", "di", "wo", "do", "vr", "za", "zo")


def clock_text(moment: time | None, closing: bool = False) -> str:
    """Return a time the Dutch way without a leading zero: 9:00, 16:30; 24:00 for end of day."""
    if moment is None:
        return "24:00" if closing else "0:00"
    if closing and moment >= time(23, 59):
        return "24:00"
    return f"{moment.hour}:{moment.minute:02d}"


def hours_text(rule: ScheduleLike) -> str:
    """Return the hours of a rule as '10:00-11:30' ('9:00-12:00'), or '' when it has none."""
    parsed = _rule(rule)
    if parsed.opens is None and parsed.closes is None:
        return ""
    return f"{clock_text(parsed.opens)}-{clock_text(parsed.closes, closing=True)}"


def days_text(weekdays: Iterable[int]) -> str:
    """Return weekdays in short Dutch: 'di, wo en vr', 'ma t/m vr', 'ma t/m do en za', 'elke dag'."""
    days = sorted(set(weekdays))
    if len(days) == 7:
        return "elke dag"
    runs: list[list[int]] = []
    for day in days:
        if runs and day == runs[-1][-1] + 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    parts: list[str] = []
    for run in runs:
        if len(run) >= 3:
            parts.append(f"{DAY_SHORT_NL[run[0]]} t/m {DAY_SHORT_NL[run[-1]]}")
        else:
            parts.extend(DAY_SHORT_NL[d] for d in run)
    return _join_nl(parts)


def _ordinal_text(ordinal: int | None) -> str:
    if ordinal is None:
        return ""
    if ordinal == -1:
        return "laatste "
    if ordinal < 0:
        return f"{-ordinal}e na laatste "
    return f"{ordinal}e "


def _rule_days_text(rule: Rule) -> str:
    if rule.freq == "MONTHLY" and rule.days:
        return _join_nl([f"elke {_ordinal_text(o)}{WEEKDAYS_NL[d]} van de maand" for o, d in rule.days])
    if rule.freq == "MONTHLY" and rule.monthdays:
        return "elke maand op de " + _join_nl([f"{d}e" if d > 0 else "laatste dag" for d in rule.monthdays])
    weekdays = sorted({d for _, d in rule.days}) or ([rule.anchor.weekday()] if rule.anchor else [])
    if not weekdays:
        return ""
    text = days_text(weekdays)
    if rule.interval == 2:
        return f"om de week op {text}"
    if rule.interval > 2:
        return f"elke {rule.interval} weken op {text}"
    return text


@lru_cache(maxsize=4096)
def _opening_text(rules: tuple[Rule, ...]) -> str:
    # Weekly rules with the same hours are told together: "di en wo 10:00-12:00".
    merged: dict[str, set[int]] = {}
    parts: list[str] = []
    descriptions: list[str] = []
    for rule in rules:
        hours = hours_text(rule)
        weekly = rule.freq in (None, "WEEKLY") and rule.interval == 1 and rule.days
        if weekly:
            merged.setdefault(hours, set()).update(d for _, d in rule.days)
            continue
        rule_days = _rule_days_text(rule)
        if rule_days:
            parts.append(" ".join(p for p in (rule_days, hours) if p))
        elif rule.description:
            descriptions.append(rule.description)
    weekly_parts = []
    for hours, weekdays in merged.items():
        day_part = days_text(weekdays)
        if day_part == "elke dag" and hours in ("", "0:00-24:00"):
            weekly_parts.append("dag en nacht")
        else:
            weekly_parts.append(" ".join(p for p in (day_part, "" if hours == "0:00-24:00" else hours) if p))
    texts = weekly_parts + parts
    return "; ".join(texts) if texts else (descriptions[0] if descriptions else "")


def opening_text(schedules: Iterable[ScheduleLike]) -> str:
    """Return every day a service is open, in short Dutch.

    'di, wo en vr 10:00-11:30', 'ma t/m vr 9:00-12:00', 'elke 2e dinsdag van de maand 14:00-16:00',
    'dag en nacht'; the schedule's description when it has no computable days; '' without schedules.
    """
    return _opening_text(tuple(_rule(r) for r in schedules))


@dataclass(frozen=True)
class DayHours:
    """When a service is open on one weekday: its hours, and how often ('' weekly, else the rule text)."""

    opens: time | None
    closes: time | None
    recurrence: str  # "" for every week, else e.g. "elke 2e vrijdag van de maand"


def hours_on(schedules: Iterable[ScheduleLike], weekday: int) -> list[DayHours]:
    """Return the sessions a service can have on a weekday (0 = Monday), earliest first."""
    found = []
    for item in schedules:
        rule = _rule(item)
        weekdays = {d for _, d in rule.days} or ({rule.anchor.weekday()} if rule.anchor and rule.freq == "WEEKLY" else set())
        if weekday not in weekdays:
            continue
        every_week = rule.freq in (None, "WEEKLY") and rule.interval == 1
        found.append(DayHours(rule.opens, rule.closes, "" if every_week else _rule_days_text(rule)))
    return sorted(found, key=lambda h: h.opens or time(0, 0))


def open_weekdays(schedules: Iterable[ScheduleLike]) -> list[int]:
    """Return the weekdays (0 = Monday) on which a service has any session, sorted."""
    days: set[int] = set()
    for item in schedules:
        rule = _rule(item)
        days |= {d for _, d in rule.days} or ({rule.anchor.weekday()} if rule.anchor and rule.freq == "WEEKLY" else set())
    return sorted(days)
