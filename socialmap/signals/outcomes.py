"""How handoffs and callbacks ended, and satisfaction answers, counted from the handoff queue's tables.

Rasa's events say that a resident was queued, taken over or handed back; how a closed
ticket or callback ended ("Geholpen", "Doorverwezen", ...) only the queue knows. This
counts closed tickets and callbacks once, by the week they were closed and the place in
their summary, in a time window after a cursor (the queue keeps them for the retention
period only, so they are counted well before they go).
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta

from sqlalchemy import and_, insert, inspect, select, update
from sqlalchemy.engine import Engine

from socialmap import db as _db
from socialmap import handoff as hq
from socialmap.signals import model as m
from socialmap.signals.aggregator import Aggregator, Cell

CURSOR = "outcomes_until"
# A close that commits later than this after its timestamp would be missed; closes take milliseconds.
SETTLE = timedelta(seconds=5)


def count_outcomes(aggregator: Aggregator, now: datetime | None = None) -> int:
    """Count the tickets and callbacks closed since the last run; return how many."""
    engine: Engine = aggregator.engine
    names = set(inspect(engine).get_table_names())
    if not {hq.tickets.name, hq.callbacks.name} <= names:
        return 0
    upper = _db.utc_naive(now) - SETTLE
    counted = 0
    with engine.begin() as conn:
        row = conn.execute(select(m.meta.c.value).where(m.meta.c.name == CURSOR)).first()
        lower = datetime.fromisoformat(row[0]) if row else datetime(2000, 1, 1)
        if upper <= lower:
            return 0
        cells: Counter[Cell] = Counter()
        for table, metric in ((hq.tickets, "handoff_outcome"), (hq.callbacks, "callback_outcome")):
            rows = conn.execute(
                select(table.c.closed_at, table.c.outcome, table.c.summary).where(
                    and_(table.c.closed_at > lower, table.c.closed_at <= upper, table.c.outcome.is_not(None))
                )
            ).all()
            for closed_at, outcome, summary in rows:
                if outcome not in hq.OUTCOMES:
                    continue
                try:
                    facts = hq.HandoffSummary.from_json(summary)
                except (ValueError, TypeError):
                    facts = hq.HandoffSummary()
                place = aggregator.places.lookup(facts.location) or (
                    (facts.municipality, "") if facts.municipality in aggregator.places.municipalities else None
                )
                municipality, woonplaats = place or (m.UNKNOWN, "")
                cells[(m.week_of(closed_at), municipality, woonplaats, metric, outcome)] += 1
                counted += 1
        aggregator.write_cells(conn, cells)
        if row is None:
            conn.execute(insert(m.meta).values(name=CURSOR, value=upper.isoformat()))
        else:
            conn.execute(update(m.meta).where(m.meta.c.name == CURSOR).values(value=upper.isoformat()))
    return counted


def count_csat(aggregator: Aggregator, municipality: str | None = None) -> int:
    """Count the satisfaction answers stored since the last run (table csat_answer); return how many.

    An answer keeps only team, ISO week and score, so it counts under the municipality of
    this deployment's helpdesk (default Settings.deployment.municipality), without a woonplaats.
    """
    engine: Engine = aggregator.engine
    if hq.csat_answers.name not in set(inspect(engine).get_table_names()):
        return 0
    if municipality is None:
        from socialmap.settings import get_settings

        municipality = get_settings().deployment.municipality
    if municipality not in aggregator.places.municipalities:
        municipality = m.UNKNOWN
    name = "csat_answers"
    with engine.begin() as conn:
        row = conn.execute(select(m.cursors.c.last_id).where(m.cursors.c.name == name)).first()
        last_id = int(row[0]) if row else 0
        rows = conn.execute(
            select(hq.csat_answers.c.id, hq.csat_answers.c.week, hq.csat_answers.c.score)
            .where(hq.csat_answers.c.id > last_id)
            .order_by(hq.csat_answers.c.id)
        ).all()
        if not rows:
            return 0
        cells: Counter[Cell] = Counter()
        for _, week, score in rows:
            try:
                year, number = str(week).split("-W")
                monday = date.fromisocalendar(int(year), int(number), 1)
            except ValueError:
                continue
            if isinstance(score, int) and 1 <= score <= 5:
                cells[(monday, municipality, "", "csat", str(score))] += 1
        aggregator.write_cells(conn, cells)
        values = {"last_id": int(rows[-1][0]), "updated_at": _db.utc_naive()}
        if row is None:
            conn.execute(insert(m.cursors).values(name=name, **values))
        else:
            moved = conn.execute(
                update(m.cursors).where(and_(m.cursors.c.name == name, m.cursors.c.last_id == last_id)).values(**values)
            )
            if moved.rowcount != 1:
                raise RuntimeError("another aggregator counted these answers; rolled back")
    return len(rows)
