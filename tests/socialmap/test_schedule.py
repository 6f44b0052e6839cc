"""Tests for socialmap.schedule: next session, open now and the Dutch text."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest

from socialmap.schedule import (
    TZ,
    describe,
    hours_on,
    is_open,
    next_occurrence,
    next_session,
    open_weekdays,
    opening_text,
    weekdays_of,
    when_text,
)

MONDAY_9 = datetime(2024, 5, 27, 9, 0, tzinfo=TZ)  # Monday 27 May 2024


def weekly(byday: str, opens: str = "10:00", closes: str = "12:00", **extra: object) -> dict[str, object]:
    return {"id": "s1", "freq": "WEEKLY", "byday": byday, "opens_at": opens, "closes_at": closes, **extra}


def test_next_occurrence_of_weekly_wednesday_is_this_wednesday() -> None:
    assert next_occurrence([weekly("WE")], MONDAY_9) == datetime(2024, 5, 29, 10, 0, tzinfo=TZ)


def test_next_occurrence_picks_the_earliest_of_several_schedules() -> None:
    schedules = [weekly("FR"), weekly("TU", "14:00", "16:00")]
    assert next_occurrence(schedules, MONDAY_9) == datetime(2024, 5, 28, 14, 0, tzinfo=TZ)


def test_next_occurrence_skips_a_session_that_already_started_today() -> None:
    now = datetime(2024, 5, 29, 11, 0, tzinfo=TZ)
    assert next_occurrence([weekly("WE")], now) == datetime(2024, 6, 5, 10, 0, tzinfo=TZ)


def test_open_now_during_the_session_and_closed_after_it() -> None:
    schedules = [weekly("WE")]
    assert is_open(schedules, datetime(2024, 5, 29, 10, 30, tzinfo=TZ))
    assert not is_open(schedules, datetime(2024, 5, 29, 12, 0, tzinfo=TZ))
    assert not is_open(schedules, MONDAY_9)


def test_running_session_is_the_next_session() -> None:
    start, end = next_session([weekly("WE")], datetime(2024, 5, 29, 11, 0, tzinfo=TZ)) or (None, None)
    assert start == datetime(2024, 5, 29, 10, 0, tzinfo=TZ)
    assert end == datetime(2024, 5, 29, 12, 0, tzinfo=TZ)


def test_validity_window_is_respected() -> None:
    assert next_occurrence([weekly("WE", valid_to="2024-05-01")], MONDAY_9) is None
    later = weekly("WE", valid_from="2024-06-10")
    assert next_occurrence([later], MONDAY_9) == datetime(2024, 6, 12, 10, 0, tzinfo=TZ)


def test_every_other_week_counts_from_dtstart() -> None:
    rule = weekly("WE", interval=2, dtstart="2024-05-22")
    assert next_occurrence([rule], MONDAY_9) == datetime(2024, 6, 5, 10, 0, tzinfo=TZ)


def test_monthly_first_tuesday() -> None:
    rule = {"id": "m", "freq": "MONTHLY", "byday": "1TU", "opens_at": "19:30", "closes_at": "21:00"}
    assert next_occurrence([rule], MONDAY_9) == datetime(2024, 6, 4, 19, 30, tzinfo=TZ)
    assert describe(rule) == "elke eerste dinsdag van de maand 19:30 - 21:00"


def test_monthly_last_friday() -> None:
    rule = {"id": "m", "freq": "MONTHLY", "byday": "-1FR", "opens_at": "10:00", "closes_at": "11:00"}
    assert next_occurrence([rule], MONDAY_9) == datetime(2024, 5, 31, 10, 0, tzinfo=TZ)


def test_local_time_stays_right_across_the_dst_change() -> None:
    # Clocks go forward on Sunday 31 March 2024; a Monday 10:00 session stays 10:00 local (UTC+2).
    found = next_occurrence([weekly("MO")], datetime(2024, 3, 30, 12, 0, tzinfo=TZ))
    assert found is not None and found.hour == 10 and found.utcoffset() == timedelta(hours=2)


def test_session_past_midnight_is_open_after_midnight() -> None:
    rule = weekly("FR", "22:00", "02:00")
    assert is_open([rule], datetime(2024, 5, 25, 1, 0, tzinfo=TZ))  # Saturday 01:00


def test_naive_now_is_taken_as_amsterdam_time() -> None:
    assert is_open([weekly("WE")], datetime(2024, 5, 29, 10, 30))


@pytest.mark.parametrize(
    ("schedule", "text"),
    [
        (weekly("WE"), "woensdag 10:00 - 12:00"),
        (weekly("MO,WE"), "maandag en woensdag 10:00 - 12:00"),
        (weekly("MO,TU,WE,TH,FR", "09:00", "17:00"), "maandag tot en met vrijdag 09:00 - 17:00"),
        (weekly("MO,TU,WE,TH,FR,SA,SU", "00:00", "24:00"), "dag en nacht"),
        (weekly("MO,TU,WE,TH,FR,SA,SU", "00:00", "23:59"), "dag en nacht"),
        (weekly("TH", interval=2), "om de week op donderdag 10:00 - 12:00"),
        ({"id": "d", "description": "Op afspraak"}, "Op afspraak"),
    ],
)
def test_describe_gives_short_dutch_text(schedule: dict[str, object], text: str) -> None:
    assert describe(schedule) == text


def test_when_text_names_the_next_day_or_says_open_now() -> None:
    assert when_text([weekly("WE")], MONDAY_9) == "woensdag 10:00 - 12:00"
    assert when_text([weekly("WE")], datetime(2024, 5, 29, 10, 15, tzinfo=TZ)) == "nu open tot 12:00"
    assert when_text([], MONDAY_9) == ""
    assert when_text([{"id": "d", "description": "Op afspraak"}], MONDAY_9) == "Op afspraak"


def test_when_text_adds_the_date_when_more_than_a_week_away() -> None:
    rule = weekly("WE", valid_from="2024-06-10")
    assert when_text([rule], MONDAY_9) == "woensdag 12 juni 10:00 - 12:00"


def test_weekdays_of_reads_byday() -> None:
    assert weekdays_of(weekly("MO,WE")) == {0, 2}
    assert weekdays_of({"id": "x"}) == set()


def test_garbage_fields_do_not_crash() -> None:
    rule = {"id": "g", "freq": "WEEKLY", "byday": "XX,WE", "opens_at": "late", "interval": "abc"}
    assert weekdays_of(rule) == {2}
    assert next_occurrence([rule], MONDAY_9) == datetime(2024, 5, 29, 0, 0, tzinfo=TZ)


@pytest.mark.parametrize(
    ("schedules", "text"),
    [
        ([weekly("TU,WE,FR", "10:00", "11:30")], "di, wo en vr 10:00-11:30"),
        ([weekly("MO,TU,WE,TH,FR", "09:00", "12:00")], "ma t/m vr 9:00-12:00"),
        ([weekly("MO,TU,WE,TH,SA", "09:00", "12:00")], "ma t/m do en za 9:00-12:00"),
        ([{"id": "m", "freq": "MONTHLY", "byday": "2TU", "opens_at": "14:00", "closes_at": "16:00"}],
         "elke 2e dinsdag van de maand 14:00-16:00"),
        ([{"id": "m", "freq": "MONTHLY", "byday": "-1FR", "opens_at": "14:00", "closes_at": "16:00"}],
         "elke laatste vrijdag van de maand 14:00-16:00"),
        ([weekly("MO,TU,WE,TH,FR,SA,SU", "00:00", "23:59")], "dag en nacht"),
        ([weekly("FR,SA,SU", "16:00", "23:59")], "vr t/m zo 16:00-24:00"),
        ([weekly("TU"), weekly("WE")], "di en wo 10:00-12:00"),  # two schedules, same hours: one phrase
        ([weekly("TU"), weekly("TH", "19:00", "21:00")], "di 10:00-12:00; do 19:00-21:00"),
        ([weekly("TH", interval=2)], "om de week op do 10:00-12:00"),
        ([{"id": "d", "description": "Op afspraak"}], "Op afspraak"),
        ([], ""),
    ],
)
def test_opening_text_names_every_day_in_short_dutch(schedules: list[dict[str, object]], text: str) -> None:
    assert opening_text(schedules) == text


def test_hours_on_a_day_and_the_open_weekdays() -> None:
    rules = [weekly("TU,WE", "10:00", "11:30"), {"id": "m", "freq": "MONTHLY", "byday": "2FR", "opens_at": "14:00"}]
    tuesday = hours_on(rules, 1)
    assert [(h.opens, h.closes, h.recurrence) for h in tuesday] == [(time(10, 0), time(11, 30), "")]
    assert hours_on(rules, 4)[0].recurrence == "elke 2e vrijdag van de maand"
    assert hours_on(rules, 0) == []
    assert open_weekdays(rules) == [1, 2, 4]


def test_sessions_come_from_dateutil_rrule_with_until_and_interval() -> None:
    rule = weekly("MO", valid_from="2024-05-01", until="2024-06-05", dtstart="2024-05-06", interval=2)
    starts = []
    moment = MONDAY_9 - timedelta(days=30)
    for _ in range(5):
        nxt = next_occurrence([rule], moment)
        if nxt is None:
            break
        starts.append(nxt.date().isoformat())
        moment = nxt
    assert starts == ["2024-05-06", "2024-05-20", "2024-06-03"]
