"""Signals: counting Rasa events into suppressed weekly counts per place, on crafted events.

Events have the shape Rasa's SQL event broker stores (one JSON object per row, with
sender_id and timestamp); the databases are real SQLite files in tmp dirs.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import Engine

from socialmap import db as _db
from socialmap import staff as staff_module
from socialmap.signals import broker, export
from socialmap.signals import model as m
from socialmap.signals.aggregator import Aggregator
from socialmap.signals.queries import Area, Period, PeriodError, dashboard
from socialmap.signals.report import write_report
from socialmap.signals.suppression import is_safe, suppress
from socialmap.signals.worker import purge

# Wednesday 11 November 2026, noon UTC: ISO week 2026-W46.
T0 = datetime(2026, 11, 11, 12, 0, tzinfo=timezone.utc).timestamp()
NOV = Period.month("2026-11")


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    return _db.get_engine(f"sqlite:///{tmp_path / 'signals.db'}")


def user(sender: str, intent: str, text_: str = "", t: float = T0) -> dict[str, Any]:
    return {"sender_id": sender, "event": "user", "text": text_, "timestamp": t,
            "parse_data": {"intent": {"name": intent, "confidence": 0.9}, "entities": [], "text": text_}}  # fmt: skip


def slot(sender: str, name: str, value: Any, t: float = T0) -> dict[str, Any]:
    return {"sender_id": sender, "event": "slot", "name": name, "value": value, "timestamp": t}


def action(sender: str, name: str, t: float = T0) -> dict[str, Any]:
    return {"sender_id": sender, "event": "action", "name": name, "timestamp": t}


def signal(need: str, place: str, municipality: str, *, nearest: float | None, radius: float = 10.0,
           audience: str | None = None, sub: str | None = None, pc4: str | None = None) -> dict[str, Any]:  # fmt: skip
    return {"need": need, "subcategory": sub, "audience": audience, "place_name": place,
            "municipality": municipality, "pc4": pc4, "total": 0 if nearest is None else 3,
            "nearest_km": nearest, "radius_km": radius, "widened": radius > 10, "wish_found": None}  # fmt: skip


def conversation(sender: str, place: str, municipality: str, need: str = "meeting", *, t: float = T0,
                 audience: str | None = None, nearest: float | None = 2.0, radius: float = 10.0,
                 extra: Iterable[dict[str, Any]] = ()) -> list[dict[str, Any]]:  # fmt: skip
    intent = {v: k for k, v in m.INTENT_NEEDS.items()}[need]
    events = [
        action(sender, "action_session_start", t),
        {"sender_id": sender, "event": "session_started", "timestamp": t},
        user(sender, intent, f"ik zoek iets in {place}, mijn nummer is 0612345678", t),
        slot(sender, "need", need, t),
        slot(sender, "place_name", place, t + 1),
        slot(sender, "municipality", municipality, t + 1),
        slot(sender, "search_signal", signal(need, place, municipality, nearest=nearest, radius=radius,
                                             audience=audience), t + 2),  # fmt: skip
    ]
    return events + [dict(e, sender_id=sender) for e in extra]


def counts(engine: Engine, **where: Any) -> dict[tuple[str, str, str, str], int]:
    with engine.connect() as conn:
        rows = conn.execute(select(m.counts)).mappings().all()
    return {
        (r["municipality"], r["woonplaats"], r["metric"], r["key"]): r["n"]
        for r in rows
        if all(r[k] == v for k, v in where.items())
    }


# --- counting ---------------------------------------------------------------------------


def test_a_conversation_counts_once_per_fact_under_its_woonplaats(engine: Engine) -> None:
    events = conversation("c1", "Westerbork", "Midden-Drenthe", "youth", audience="jongeren", nearest=None,
                          radius=50, extra=[user("c1", "find_youth_activity", "nog een keer"),
                                            user("c1", "express_loneliness", "ik ben alleen")])  # fmt: skip
    Aggregator(engine).ingest(events)
    got = counts(engine)
    place = ("Midden-Drenthe", "Westerbork")
    assert got[(*place, "conversation", "")] == 1
    assert got[(*place, "need", "youth")] == 1  # from the intent, the slot and the signal: once
    assert got[(*place, "audience", "jongeren")] == 1
    assert got[(*place, "loneliness", "")] == 1
    assert got[(*place, "gap", "youth||jongeren")] == 1
    assert got[(*place, "widened", "youth||jongeren")] == 1
    with engine.connect() as conn:
        weeks = {r[0] for r in conn.execute(select(m.counts.c.week))}
    assert weeks == {date(2026, 11, 9)}  # the Monday of ISO week 46


def test_no_text_and_no_conversation_id_is_stored(engine: Engine, tmp_path: Path) -> None:
    sender = "resident-7f3a9c"
    Aggregator(engine).ingest(conversation(sender, "Zweeloo", "Coevorden", extra=[
        slot(sender, "audience", "mijn buurvrouw Jannie Bakker"), slot(sender, "place_name", "Kerkstraat 12"),
        slot(sender, "search_signal", {"need": "ik wil dood", "place_name": "0612345678"}),
    ]))  # fmt: skip
    dump = "\n".join(sqlite3.connect(tmp_path / "signals.db").iterdump())
    for secret in (sender, "0612345678", "Jannie", "Kerkstraat", "ik zoek", "dood"):
        assert secret not in dump


def test_facts_before_the_place_wait_for_it_and_idle_conversations_count_as_unknown(engine: Engine) -> None:
    aggregator = Aggregator(engine, idle_minutes=30)
    aggregator.ingest([user("a", "express_loneliness", t=T0), user("b", "find_transport", t=T0),
                       slot("b", "municipality", "Tynaarlo", T0)])  # fmt: skip
    assert counts(engine) == {}
    aggregator.ingest([slot("a", "place_name", "Pesse", T0 + 60)])
    assert counts(engine)[("Hoogeveen", "Pesse", "loneliness", "")] == 1
    assert aggregator.flush_idle(datetime.fromtimestamp(T0, timezone.utc) + timedelta(hours=2)) == 2
    got = counts(engine)
    assert got[("Tynaarlo", "", "need", "transport")] == 1  # the municipality slot, no woonplaats
    assert ("Hoogeveen", "Pesse", "conversation", "") in got
    with engine.connect() as conn:
        assert conn.execute(select(m.conversations)).first() is None


def test_a_new_session_is_a_new_conversation_and_another_village_counts_there_too(engine: Engine) -> None:
    aggregator = Aggregator(engine)
    aggregator.ingest(conversation("c", "Hoogeveen", "Hoogeveen", "volunteer"))
    aggregator.ingest([slot("c", "place_name", "Pesse", T0 + 30)])
    aggregator.ingest(conversation("c", "Hoogeveen", "Hoogeveen", "volunteer", t=T0 + 7200))
    got = counts(engine)
    assert got[("Hoogeveen", "Hoogeveen", "conversation", "")] == 2
    assert got[("Hoogeveen", "Pesse", "need", "volunteer")] == 1


def test_handoffs_callbacks_crisis_fallback_and_csat_are_counted(engine: Engine) -> None:
    s = "h"
    Aggregator(engine).ingest(conversation(s, "Assen", "Assen", extra=[
        user(s, "nlu_fallback"), action(s, "action_default_fallback"), user(s, "crisis"), action(s, "utter_crisis"),
        slot(s, "handoff_status", "waiting"), user(s, "EXTERNAL_staff_joined"), slot(s, "handoff_status", "callback"),
        slot(s, "csat", 4), slot(s, "csat", "veel tekst"),
    ]))  # fmt: skip
    got = counts(engine, municipality="Assen")
    for metric, key in [("fallback", ""), ("crisis", ""), ("handoff", ""), ("callback", ""), ("csat", "4"),
                        ("handoff_outcome", "queued"), ("handoff_outcome", "staff_joined")]:  # fmt: skip
        assert got[("Assen", "Assen", metric, key)] == 1, metric
    assert not any(metric == "csat" and key != "4" for (_, _, metric, key) in got)


# --- the broker table, incrementally ------------------------------------------------------


def broker_db(path: Path, events: list[dict[str, Any]]) -> Engine:
    """Return an events table exactly like Rasa's SQLEventBroker creates and fills it."""
    engine = create_engine(f"sqlite:///{path}", future=True)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE IF NOT EXISTS events (id INTEGER PRIMARY KEY, sender_id VARCHAR(255), data TEXT)"))
        for e in events:
            conn.execute(text("INSERT INTO events (sender_id, data) VALUES (:s, :d)"),
                         {"s": e["sender_id"], "d": json.dumps(e)})  # fmt: skip
    return engine


def test_the_aggregator_reads_new_broker_rows_after_its_cursor(engine: Engine, tmp_path: Path) -> None:
    events_engine = broker_db(tmp_path / "events.db", conversation("x", "Emmen", "Emmen", "carer"))
    aggregator = Aggregator(engine)
    assert aggregator.run_until_done(events_engine, batch_size=3) == 7
    assert aggregator.run_until_done(events_engine) == 0
    broker_db(tmp_path / "events.db", conversation("y", "Emmen", "Emmen", "carer") + [
        {"sender_id": "y", "event": "user"}])  # fmt: skip
    with events_engine.begin() as conn:
        conn.execute(text("INSERT INTO events (sender_id, data) VALUES ('z', 'not json')"))
    assert aggregator.run_until_done(events_engine) == 9
    assert counts(engine)[("Emmen", "Emmen", "conversation", "")] == 2
    assert aggregator.cursor() == 16


def test_two_aggregators_never_count_a_row_twice(engine: Engine, tmp_path: Path) -> None:
    events_engine = broker_db(tmp_path / "events.db", conversation("x", "Emmen", "Emmen"))
    first, second = Aggregator(engine), Aggregator(engine)
    first.run_until_done(events_engine)
    second.run_until_done(events_engine)
    assert counts(engine)[("Emmen", "Emmen", "conversation", "")] == 1


def test_a_missing_broker_database_is_not_created(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "nothing-yet.db"
    assert Aggregator(engine).run_once(broker.events_engine(f"sqlite:///{path}")) == 0
    assert not path.exists()


def test_the_purge_deletes_broker_rows_older_than_the_retention_period(tmp_path: Path) -> None:
    now = datetime(2026, 12, 1, tzinfo=timezone.utc)
    old = conversation("old", "Assen", "Assen", t=(now - timedelta(days=40)).timestamp())
    new = conversation("new", "Assen", "Assen", t=(now - timedelta(days=3)).timestamp())
    events_engine = broker_db(tmp_path / "events.db", old + new)
    report = purge(28, now, events=events_engine)
    assert report["broker_events"] == len(old)
    with events_engine.connect() as conn:
        assert {r[0] for r in conn.execute(text("SELECT DISTINCT sender_id FROM events"))} == {"new"}


# --- suppression --------------------------------------------------------------------------


def test_a_single_small_cell_hides_a_second_one_so_the_total_does_not_give_it_away() -> None:
    cells = {"total": 30, "a": 3, "b": 12, "c": 15}
    hidden = suppress(cells, [("total", ["a", "b", "c"])])
    assert hidden == {"a", "b"}


def test_two_small_cells_that_together_are_below_five_are_not_enough() -> None:
    cells = {"total": 22, "a": 1, "b": 1, "c": 20}
    hidden = suppress(cells, [("total", ["a", "b", "c"])])
    assert hidden == {"a", "b", "c"} or "total" in hidden
    assert is_safe(cells, [("total", ["a", "b", "c"])], hidden)


def test_two_hidden_fours_are_not_left_alone_when_their_sum_pins_them_down() -> None:
    cells = {"total": 20, "a": 4, "b": 4, "c": 12}
    hidden = suppress(cells, [("total", ["a", "b", "c"])])
    assert hidden == {"a", "b", "c"}  # 20 - 12 = 8 would tell both are 4


def test_a_small_cell_with_nothing_to_hide_beside_it_hides_the_total() -> None:
    cells = {"total": 3, "a": 3, "b": 0}
    assert suppress(cells, [("total", ["a", "b"])]) == {"a", "total"}


@st.composite
def hierarchy(draw: st.DrawFn) -> tuple[dict[str, int], list[tuple[str, list[str]]]]:
    """Return a province of municipalities of villages over weeks, with random small and large counts."""
    cells: dict[str, int] = {}
    groups: list[tuple[str, list[str]]] = []
    municipalities = []
    n_weeks = draw(st.integers(1, 4))
    for mi in range(draw(st.integers(1, 4))):
        villages = []
        for vi in range(draw(st.integers(1, 4))):
            weeks = [f"M{mi}V{vi}W{w}" for w in range(n_weeks)]
            for w in weeks:
                cells[w] = draw(st.sampled_from([0, 1, 2, 3, 4, 5, 6, 9, 20]))
            village = f"M{mi}V{vi}"
            cells[village] = sum(cells[w] for w in weeks)
            groups.append((village, weeks))
            villages.append(village)
        cells[f"M{mi}"] = sum(cells[v] for v in villages)
        groups.append((f"M{mi}", villages))
        municipalities.append(f"M{mi}")
    cells["P"] = sum(cells[mu] for mu in municipalities)
    groups.append(("P", municipalities))
    return cells, groups


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(hierarchy())
def test_no_small_cell_is_shown_or_derivable_from_a_shown_total(
    table: tuple[dict[str, int], list[tuple[str, list[str]]]],
) -> None:
    cells, groups = table
    hidden = suppress(cells, groups)
    assert is_safe(cells, groups, hidden)
    assert all(cells[k] >= 5 or cells[k] == 0 for k in cells if k not in hidden)


# --- the dashboard --------------------------------------------------------------------------


def fill(engine: Engine, per_place: dict[tuple[str, str], int], need: str = "meeting", **kwargs: Any) -> None:
    aggregator = Aggregator(engine)
    for (place, municipality), n in per_place.items():
        for i in range(n):
            aggregator.ingest(conversation(f"{place}-{need}-{i}", place, municipality, need, **kwargs))


def test_dashboard_suppresses_small_villages_and_keeps_the_municipality_total_safe(engine: Engine) -> None:
    fill(engine, {("Westerbork", "Midden-Drenthe"): 3, ("Beilen", "Midden-Drenthe"): 9,
                  ("Smilde", "Midden-Drenthe"): 12})  # fmt: skip
    data = dashboard(NOV, Area("Midden-Drenthe"), engine=engine)
    rows = {r["woonplaats"]: r["conversation"] for r in data["areas"]}
    assert data["totals"]["conversation"] == 24
    assert rows["Westerbork"] == "<5"
    assert rows["Beilen"] == "x"  # complementary: else 24 - 9 - 12 gives Westerbork's 3
    assert rows["Smilde"] == 12
    assert rows["Hooghalen"] == 0
    province = dashboard(NOV, Area(), engine=engine)
    assert {r["name"]: r["conversation"] for r in province["areas"]}["Midden-Drenthe"] == 24
    points = {p["name"]: p["conversation"] for p in province["map"]}
    assert points["Westerbork"] == "<5" and points["Beilen"] == "x"
    serialised = json.dumps(province)
    assert '"conversation": 3' not in serialised and '"conversation": 9' not in serialised


def test_the_gaps_list_names_need_and_place_only_from_five_conversations(engine: Engine) -> None:
    fill(engine, {("Westerbork", "Midden-Drenthe"): 14}, "youth", audience="jongeren", nearest=None, radius=50)
    fill(engine, {("Zweeloo", "Coevorden"): 4}, "meeting", audience="ouderen", nearest=14.0)
    fill(engine, {("Assen", "Assen"): 8}, "meeting", nearest=1.5)
    data = dashboard(NOV, engine=engine)
    assert [g["text"] for g in data["gaps"]] == ["Jongeren in Westerbork: 14 zoekvragen, niets binnen 10 km"]
    assert data["widened"][0]["woonplaats"] == "Westerbork"
    assert data["totals"]["gap_any"] == 18
    assert dashboard(NOV, Area("Coevorden"), engine=engine)["totals"]["gap_any"] == "<5"


def test_weekly_trend_and_rates(engine: Engine) -> None:
    fill(engine, {("Assen", "Assen"): 10})
    fill(engine, {("Assen", "Assen"): 2}, "carer", t=T0 + 7 * 86400)
    data = dashboard(NOV, Area("Assen", "Assen"), engine=engine)
    assert [w["label"] for w in data["period"]["weeks"]] == ["2026-W45", "2026-W46", "2026-W47", "2026-W48"]
    # The period total (12) is shown, so W46's 10 is hidden too: else 12 - 10 gives W47's 2.
    assert data["totals"]["conversation"] == 12
    assert data["trend"] == [0, "x", "<5", 0]
    assert data["rates"]["handoff"] == 0


def test_synthetic_counts_are_marked_and_can_be_left_out(engine: Engine) -> None:
    synthetic = Aggregator(engine, synthetic=True)
    for i in range(6):
        synthetic.ingest(conversation(f"demo-{i}", "Assen", "Assen"))
    assert dashboard(NOV, engine=engine)["synthetic"] is True
    real = dashboard(NOV, source="echt", engine=engine)
    assert real["synthetic"] is False and real["totals"]["conversation"] == 0
    assert dashboard(NOV, source="demo", engine=engine)["totals"]["conversation"] == 6


def test_period_of_a_month_is_the_weeks_whose_thursday_falls_in_it() -> None:
    assert NOV.weeks[0] == date(2026, 11, 2) and NOV.weeks[-1] == date(2026, 11, 23)
    assert Period.month("2026-12").weeks[0] == date(2026, 11, 30)  # Thursday 3 December
    with pytest.raises(PeriodError):
        Period.month("2026-13")
    with pytest.raises(PeriodError):
        Area.parse(None, "Atlantis")


def test_export_and_report_show_what_the_dashboard_shows(engine: Engine, tmp_path: Path) -> None:
    fill(engine, {("Beilen", "Midden-Drenthe"): 7, ("Westerbork", "Midden-Drenthe"): 2})
    data = dashboard(NOV, Area("Midden-Drenthe"), engine=engine)
    csv_text = export.to_csv(data)
    assert "per gebied,Westerbork,Midden-Drenthe,Westerbork,conversation,,Gesprekken,,<5,nee" in csv_text
    assert ",2,nee" not in csv_text
    assert json.loads(export.to_json(data))["areas"] == data["areas"]
    out = tmp_path / "rapport.html"
    write_report("2026-11", out, municipality="Midden-Drenthe", engine=engine)
    page = out.read_text(encoding="utf-8")
    assert "Signalen uit de digitale assistent: Midden-Drenthe" in page and "&lt;5" in page
    assert "<svg" in page and "<script" not in page


# --- the policy role ------------------------------------------------------------------------


def test_a_policy_account_has_the_beleid_role_and_older_databases_get_the_column(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE staff_account (username VARCHAR(64) PRIMARY KEY, name VARCHAR(200) NOT NULL,"
                     " password_hash VARCHAR(255) NOT NULL, disabled BOOLEAN NOT NULL, failed_logins INTEGER NOT NULL,"
                     " locked_until DATETIME, created_at DATETIME NOT NULL, last_login_at DATETIME)")  # fmt: skip
        conn.execute("INSERT INTO staff_account VALUES ('anja', 'Anja', 'x', 0, 0, NULL, '2026-01-01 00:00:00.000000', NULL)")
    store = staff_module.StaffStore(_db.get_engine(f"sqlite:///{path}"))
    assert store.get("anja").role == "medewerker"  # type: ignore[union-attr]
    store.add("lotte", "Lotte Smit", "een lang wachtwoord", role="beleid")
    assert store.get("lotte").role == "beleid"  # type: ignore[union-attr]
    store.set_role("anja", "beleid")
    assert store.get("anja").role == "beleid"  # type: ignore[union-attr]
    with pytest.raises(staff_module.StaffError):
        store.set_role("anja", "koning")


def test_closed_tickets_are_counted_once_by_outcome_and_place(engine: Engine) -> None:
    from socialmap import handoff as hq
    from socialmap.signals.outcomes import count_outcomes

    queue = hq.HandoffQueue(engine)
    closed_at = datetime(2026, 11, 11, 12, tzinfo=timezone.utc)
    for i, outcome in enumerate(["helped", "helped", "referred"]):
        ticket = queue.request(f"conv-{i}", hq.HandoffSummary(need="carer", location="Zweeloo", municipality="Coevorden"),
                               now=closed_at - timedelta(minutes=5))  # fmt: skip
        queue.close(ticket.id, "anja", outcome, now=closed_at)
    aggregator = Aggregator(engine)
    assert count_outcomes(aggregator, now=closed_at + timedelta(seconds=1)) == 0  # not settled yet
    assert count_outcomes(aggregator, now=closed_at + timedelta(minutes=1)) == 3
    assert count_outcomes(aggregator, now=closed_at + timedelta(minutes=2)) == 0
    got = counts(engine)
    assert got[("Coevorden", "Zweeloo", "handoff_outcome", "helped")] == 2
    assert got[("Coevorden", "Zweeloo", "handoff_outcome", "referred")] == 1


def test_satisfaction_answers_are_counted_once_under_the_helpdesk_municipality(engine: Engine) -> None:
    from socialmap import handoff as hq
    from socialmap.signals.outcomes import count_csat

    queue = hq.HandoffQueue(engine)
    moment = datetime(2026, 11, 11, 12, tzinfo=timezone.utc)
    for score in (5, 5, 4, 1, 5, 3):
        assert queue.record_csat(queue.csat_invite("Sociaal team", now=moment), score, now=moment)
    aggregator = Aggregator(engine)
    assert count_csat(aggregator, "Assen") == 6
    assert count_csat(aggregator, "Assen") == 0
    data = dashboard(NOV, Area("Assen"), engine=engine)
    assert [s["count"] for s in data["csat"]["scores"]] == ["<5", 0, "<5", "<5", "<5"]
    # 6 answers over four small scores would pin them down (each at most 3): the total hides too.
    assert data["csat"]["responses"] == "x"
    assert data["csat"]["average"] is None  # with hidden scores an average would give them away
    for score in [5] * 10 + [4] * 6:
        queue.record_csat(queue.csat_invite(None, now=moment), score, now=moment)
    count_csat(aggregator, "Assen")
    data = dashboard(NOV, Area("Assen"), engine=engine)
    assert data["csat"]["responses"] == 22
    assert [s["count"] for s in data["csat"]["scores"]] == ["<5", 0, "<5", 7, "x"]


def test_the_worker_counts_new_broker_rows_within_seconds(engine: Engine, tmp_path: Path) -> None:
    import time

    from socialmap.signals.worker import SignalsWorker

    events_engine = broker_db(tmp_path / "events.db", [])
    worker = SignalsWorker(Aggregator(engine), events_engine, interval_s=0.1)
    worker.start()
    try:
        broker_db(tmp_path / "events.db", conversation("live", "Meppel", "Meppel", "digital"))
        deadline = time.monotonic() + 10
        while ("Meppel", "Meppel", "need", "digital") not in counts(engine) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert counts(engine)[("Meppel", "Meppel", "need", "digital")] == 1
        assert worker.last_error is None
    finally:
        worker.stop()
    assert not worker.is_alive()


def test_the_command_line_writes_the_month_report_and_an_export(engine: Engine, tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    fill(engine, {("Beilen", "Midden-Drenthe"): 7, ("Westerbork", "Midden-Drenthe"): 2})
    env = {**os.environ, "SOCIALMAP_DB_URL": str(engine.url), "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    out = tmp_path / "raad.html"
    run = subprocess.run(
        [sys.executable, "-m", "socialmap", "signals", "report", "--month", "2026-11", "--gemeente",
         "Midden-Drenthe", "--out", str(out)], env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert "Rapport geschreven" in run.stdout
    assert "Midden-Drenthe" in out.read_text(encoding="utf-8")
    csv_run = subprocess.run(
        [sys.executable, "-m", "socialmap", "signals", "export", "--month", "2026-11", "--gemeente",
         "Midden-Drenthe", "--format", "csv"], env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert "per gebied,Westerbork,Midden-Drenthe,Westerbork,conversation,,Gesprekken,,<5,nee" in csv_run.stdout


def test_the_demo_generator_is_synthetic_and_idempotent(tmp_path: Path) -> None:
    import shutil

    from scripts.make_signals_demo import generate
    from scripts.stack import ROOT

    shutil.copy(ROOT / "var" / "socialmap.db", tmp_path / "demo.db")
    engine = _db.get_engine(f"sqlite:///{tmp_path / 'demo.db'}")
    with engine.begin() as conn:  # the built map, without what `make run` counted on this machine
        conn.execute(m.counts.delete())
        conn.execute(m.conversations.delete())
    now = datetime(2026, 11, 30, tzinfo=timezone.utc)
    def everything() -> list[tuple[Any, ...]]:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(select(m.counts).order_by(*m.counts.primary_key.columns))]

    generate(engine, 300, 4, now=now)
    first = everything()
    generate(engine, 300, 4, now=now)
    assert everything() == first
    # Most synthetic conversations name a place; the rest count as "onbekend": all 300 are there.
    assert sum(row[-1] for row in first if row[3] == "conversation") == 300
    with engine.connect() as conn:
        assert {r[0] for r in conn.execute(select(m.counts.c.synthetic))} == {True}
        assert conn.execute(select(m.conversations)).first() is None


def test_a_replaced_event_store_is_counted_from_its_first_row(engine: Engine, tmp_path: Path) -> None:
    # A copy of the counts next to a new tracker database (the test stack, a restored server), or a
    # SQLite store whose ids started again at 1 after every row was purged: nothing may be lost.
    old_store = broker_db(tmp_path / "old.db", conversation("x", "Emmen", "Emmen") + conversation("y", "Assen", "Assen"))
    aggregator = Aggregator(engine)
    aggregator.run_until_done(old_store)
    cursor = aggregator.cursor()
    assert cursor > 7
    new_store = broker_db(tmp_path / "new.db", [])
    assert aggregator.run_until_done(new_store) == 0  # empty: nothing to count, the cursor waits
    new_store = broker_db(tmp_path / "new.db", conversation("z", "Emmen", "Emmen"))
    assert aggregator.run_until_done(new_store) == len(conversation("z", "Emmen", "Emmen"))
    assert counts(engine)[("Emmen", "Emmen", "conversation", "")] == 2
    assert aggregator.cursor() < cursor
    assert aggregator.run_until_done(new_store) == 0  # and never twice
