"""Turn Rasa's conversation events into counts of conversations per week, place and signal.

The aggregator reads the rows Rasa's SQL event broker writes (table `events`: id,
sender_id, data = the event as JSON) after its cursor, and keeps, per conversation in
progress, only codes: the place (a gazetteer woonplaats), the need and audience codes,
and which facts it already counted, so each fact counts once per conversation, week and
place. Facts that arrive before the place is known wait until it is; a conversation that
never names a place counts under its municipality (slot `municipality`) or "onbekend"
once it has been idle for `idle_minutes`.

What it never keeps: message text, entity text, conversation ids (the working state is
keyed by a salted hash and deleted when the conversation goes idle).
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import re
import secrets
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from functools import lru_cache
from typing import Any

from sqlalchemy import and_, bindparam, delete, insert, select, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from socialmap import db as _db
from socialmap import taxonomy
from socialmap.geo import read_gazetteer
from socialmap.signals import model as m

log = logging.getLogger(__name__)

PC4_RE = re.compile(r"[1-9][0-9]{3}")
Cell = tuple[date, str, str, str, str]  # week, municipality, woonplaats, metric, key


@dataclass(frozen=True)
class Places:
    """The gazetteer as the aggregator needs it: woonplaats -> municipality, and the municipalities."""

    municipality_of: Mapping[str, str]
    municipalities: frozenset[str]
    coordinates: Mapping[str, tuple[float, float]]
    postcodes: frozenset[str]

    def lookup(self, name: Any) -> tuple[str, str] | None:
        """Return (municipality, woonplaats) for a resolved place name, or None."""
        if not isinstance(name, str):
            return None
        name = name.strip()
        if name in self.municipality_of:
            return self.municipality_of[name], name
        if name in self.municipalities:
            return name, ""
        return None


@lru_cache(maxsize=1)
def default_places() -> Places:
    """Return the places of the shipped gazetteer of Drenthe."""
    entries = read_gazetteer()
    return Places(
        municipality_of={e.woonplaats: e.gemeente for e in entries},
        municipalities=frozenset(e.gemeente for e in entries),
        coordinates={e.woonplaats: (e.lat, e.lon) for e in entries},
        postcodes=frozenset(pc for e in entries for pc in e.postcodes),
    )


@dataclass
class ConversationState:
    """What the aggregator remembers of one conversation in progress: codes only."""

    municipality: str | None = None
    woonplaats: str | None = None
    hint: str | None = None  # municipality from the slot, used when no woonplaats ever comes
    need: str | None = None
    audience: str | None = None
    started: bool = False
    counted: set[str] = field(default_factory=set)
    pending: list[tuple[str, str, str]] = field(default_factory=list)  # (week iso date, metric, key)
    last_at: datetime | None = None
    dirty: bool = False

    def dumps(self) -> str:
        return json.dumps(
            {
                "m": self.municipality,
                "w": self.woonplaats,
                "h": self.hint,
                "n": self.need,
                "a": self.audience,
                "s": self.started,
                "c": sorted(self.counted),
                "p": self.pending,
            },
            separators=(",", ":"),
        )

    @classmethod
    def loads(cls, raw: str, last_at: datetime | None) -> ConversationState:
        data = json.loads(raw)
        return cls(
            municipality=data.get("m"),
            woonplaats=data.get("w"),
            hint=data.get("h"),
            need=data.get("n"),
            audience=data.get("a"),
            started=bool(data.get("s")),
            counted=set(data.get("c") or ()),
            pending=[tuple(p) for p in data.get("p") or ()],  # type: ignore[misc]
            last_at=last_at,
        )


def _valid_code(value: Any, table: Mapping[str, Any]) -> str | None:
    return value if isinstance(value, str) and value in table else None


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or math.isnan(float(value)):
        return None
    return float(value)


def _moment(event: Mapping[str, Any]) -> datetime:
    stamp = _number(event.get("timestamp"))
    if stamp is None:
        return datetime.now(timezone.utc)
    return datetime.fromtimestamp(stamp, timezone.utc)


class Aggregator:
    """Counts conversations per week, place, metric and key from Rasa events."""

    def __init__(
        self,
        engine: Engine | None = None,
        *,
        synthetic: bool = False,
        places: Places | None = None,
        idle_minutes: float = 60.0,
        cursor_name: str = "rasa_events",
    ) -> None:
        self.engine = engine or _db.get_engine()
        m.ensure_schema(self.engine)
        self.synthetic = synthetic
        self.places = places or default_places()
        self.idle = timedelta(minutes=idle_minutes)
        self.cursor_name = cursor_name
        self._salt: str | None = None

    # -- the working state ---------------------------------------------------------------

    def _conversation_key(self, conn: Connection, sender_id: str) -> str:
        if self._salt is None:
            row = conn.execute(select(m.meta.c.value).where(m.meta.c.name == "salt")).first()
            if row is None:
                salt = secrets.token_hex(16)
                conn.execute(insert(m.meta).values(name="salt", value=salt))
                self._salt = salt
            else:
                self._salt = str(row[0])
        return hashlib.sha256((self._salt + "\x00" + sender_id).encode("utf-8")).hexdigest()

    def _load(self, conn: Connection, keys: list[str]) -> dict[str, ConversationState]:
        states: dict[str, ConversationState] = {}
        for start in range(0, len(keys), 500):
            chunk = keys[start : start + 500]
            rows = conn.execute(
                select(m.conversations.c.key, m.conversations.c.state, m.conversations.c.last_at).where(
                    m.conversations.c.key.in_(chunk)
                )
            )
            for key, raw, last_at in rows:
                states[key] = ConversationState.loads(raw, last_at)
        return states

    def _save(self, conn: Connection, states: dict[str, ConversationState], existing: set[str]) -> None:
        updates: list[dict[str, Any]] = []
        inserts: list[dict[str, Any]] = []
        for key, state in states.items():
            if not state.dirty:
                continue
            values = {"state": state.dumps(), "last_at": _db.utc_naive(state.last_at), "synthetic": self.synthetic}
            (updates if key in existing else inserts).append({"k": key, **values})
        if updates:
            conn.execute(
                update(m.conversations)
                .where(m.conversations.c.key == bindparam("k"))
                .values(state=bindparam("state"), last_at=bindparam("last_at"), synthetic=bindparam("synthetic")),
                updates,
            )
        if inserts:
            conn.execute(insert(m.conversations), [{"key": r.pop("k"), **r} for r in inserts])

    # -- counting ------------------------------------------------------------------------

    def _emit(self, state: ConversationState, cells: Counter[Cell], week: date, metric: str, key: str) -> None:
        state.dirty = True
        if state.municipality is None:
            item = (week.isoformat(), metric, key)
            if item not in state.pending:
                state.pending.append(item)
            return
        woonplaats = state.woonplaats or ""
        fact = f"{week.isoformat()}|{state.municipality}|{woonplaats}|{metric}|{key}"
        if fact in state.counted:
            return
        state.counted.add(fact)
        cells[(week, state.municipality, woonplaats, metric, key)] += 1

    def _flush_pending(self, state: ConversationState, cells: Counter[Cell]) -> None:
        pending, state.pending = state.pending, []
        for week_iso, metric, key in pending:
            self._emit(state, cells, date.fromisoformat(week_iso), metric, key)

    def _set_place(
        self, state: ConversationState, cells: Counter[Cell], week: date, place: tuple[str, str]
    ) -> None:
        municipality, woonplaats = place
        if (state.municipality, state.woonplaats) == (municipality, woonplaats):
            return
        had_place = state.municipality is not None
        state.municipality, state.woonplaats = municipality, woonplaats
        state.dirty = True
        self._flush_pending(state, cells)
        if had_place:
            # Asking again for another village is a signal from that village too.
            if state.started:
                self._emit(state, cells, week, "conversation", "")
            if state.need:
                self._emit(state, cells, week, "need", state.need)
            if state.audience:
                self._emit(state, cells, week, "audience", state.audience)

    def _conclude(self, state: ConversationState, cells: Counter[Cell]) -> None:
        """Count what still waits for a place: under the municipality hint, else 'onbekend'."""
        if state.pending:
            state.municipality = state.hint or m.UNKNOWN
            state.woonplaats = ""
            self._flush_pending(state, cells)

    def _search_signal(self, state: ConversationState, cells: Counter[Cell], week: date, signal: Any) -> None:
        if not isinstance(signal, Mapping):
            return
        need = _valid_code(signal.get("need"), taxonomy.CATEGORIES)
        if need is None:
            return
        sub = _valid_code(signal.get("subcategory"), taxonomy.SUBCATEGORIES)
        audience = _valid_code(signal.get("audience"), taxonomy.AUDIENCES)
        place = self.places.lookup(signal.get("place_name")) or (
            (signal["municipality"], "") if signal.get("municipality") in self.places.municipalities else None
        )
        if place is not None and place[1]:
            self._set_place(state, cells, week, place)
        elif place is not None and state.municipality is None:
            state.hint = place[0]
        pc4 = signal.get("pc4")
        if isinstance(pc4, str) and PC4_RE.fullmatch(pc4) and pc4 in self.places.postcodes:
            self._emit(state, cells, week, "pc4", pc4)
        state.need = need
        self._emit(state, cells, week, "need", need)
        if sub:
            self._emit(state, cells, week, "subneed", sub)
        if audience:
            state.audience = audience
            self._emit(state, cells, week, "audience", audience)
        key = m.gap_key(need, sub, audience)
        self._emit(state, cells, week, "search", key)
        self._emit(state, cells, week, "searched", "")
        nearest = _number(signal.get("nearest_km"))
        if nearest is None or nearest > m.GAP_KM:
            self._emit(state, cells, week, "gap", key)
            self._emit(state, cells, week, "gap_any", "")
        radius = _number(signal.get("radius_km"))
        if radius is not None and radius > m.WIDENED_KM:
            self._emit(state, cells, week, "widened", key)
            self._emit(state, cells, week, "widened_any", "")
        if signal.get("wish_found") is False:
            self._emit(state, cells, week, "wish_missing", key)

    def _apply(self, state: ConversationState, cells: Counter[Cell], event: Mapping[str, Any]) -> None:
        kind = event.get("event")
        moment = _moment(event)
        week = m.week_of(moment)
        state.last_at = moment
        state.dirty = True
        if kind == "user":
            parse = event.get("parse_data") or {}
            intent = (parse.get("intent") or {}).get("name") if isinstance(parse, Mapping) else None
            if not isinstance(intent, str):
                return
            if intent.startswith("EXTERNAL_"):
                outcome = {"EXTERNAL_staff_joined": "staff_joined", "EXTERNAL_handed_back": "handed_back"}
                if intent in outcome:
                    self._emit(state, cells, week, "handoff_outcome", outcome[intent])
                return
            if not state.started and intent != "start_conversation":
                state.started = True
                self._emit(state, cells, week, "conversation", "")
            if intent in m.INTENT_NEEDS:
                state.need = m.INTENT_NEEDS[intent]
                self._emit(state, cells, week, "need", state.need)
            elif intent == "express_loneliness":
                self._emit(state, cells, week, "loneliness", "")
            elif intent == "crisis":
                self._emit(state, cells, week, "crisis", "")
            elif intent == "express_distress":
                self._emit(state, cells, week, "distress", "")
            elif intent in m.FALLBACK_INTENTS:
                self._emit(state, cells, week, "fallback", "")
        elif kind == "action":
            name = event.get("name")
            if name in m.FALLBACK_ACTIONS:
                self._emit(state, cells, week, "fallback", "")
            elif name in m.CRISIS_ACTIONS:
                self._emit(state, cells, week, "crisis", "")
            elif name == "action_cancel_handoff":
                self._emit(state, cells, week, "handoff_outcome", "cancelled")
        elif kind == "bot":
            meta = event.get("metadata") or {}
            utter = meta.get("utter_action") if isinstance(meta, Mapping) else None
            if utter == "utter_helpdesk_closed":
                self._emit(state, cells, week, "handoff_outcome", "closed_hours")
            elif utter == "utter_handoff_declined":
                self._emit(state, cells, week, "handoff_outcome", "declined")
        elif kind == "slot":
            self._slot(state, cells, week, event.get("name"), event.get("value"))

    def _slot(self, state: ConversationState, cells: Counter[Cell], week: date, name: Any, value: Any) -> None:
        if name == "place_name":
            place = self.places.lookup(value)
            if place is not None and place[1]:
                self._set_place(state, cells, week, place)
            elif place is not None and state.municipality is None:
                state.hint = place[0]
        elif name == "municipality":
            if isinstance(value, str) and value in self.places.municipalities:
                state.hint = value
        elif name == "need":
            need = _valid_code(value, taxonomy.CATEGORIES)
            if need:
                state.need = need
                self._emit(state, cells, week, "need", need)
        elif name == "audience":
            audience = _valid_code(value, taxonomy.AUDIENCES)
            if audience:
                state.audience = audience
                self._emit(state, cells, week, "audience", audience)
        elif name == "search_signal":
            self._search_signal(state, cells, week, value)
        elif name == "handoff_status":
            if value == "waiting":
                self._emit(state, cells, week, "handoff", "")
                self._emit(state, cells, week, "handoff_outcome", "queued")
            elif value == "callback":
                self._emit(state, cells, week, "callback", "")
        elif name in {"csat", "csat_score"}:
            score = _number(value)
            if score is not None and score == int(score) and 1 <= score <= 5:
                self._emit(state, cells, week, "csat", str(int(score)))

    # -- writing -------------------------------------------------------------------------

    def write_cells(self, conn: Connection, cells: Counter[Cell]) -> None:
        """Add counted cells to the aggregate (inside the caller's transaction)."""
        self._write_cells(conn, cells)

    def _write_cells(self, conn: Connection, cells: Counter[Cell]) -> None:
        if not cells:
            return
        rows = [
            {"week": week, "municipality": mu, "woonplaats": w, "metric": metric, "key": key,
             "synthetic": self.synthetic, "n": n}
            for (week, mu, w, metric, key), n in cells.items()
        ]  # fmt: skip
        dialect = conn.engine.dialect.name
        if dialect in {"sqlite", "postgresql"}:
            # One upsert statement, executed for all cells at once (executemany).
            if dialect == "sqlite":
                from sqlalchemy.dialects.sqlite import insert as upsert
            else:
                from sqlalchemy.dialects.postgresql import insert as upsert  # type: ignore[assignment]
            stmt = upsert(m.counts)
            stmt = stmt.on_conflict_do_update(
                index_elements=[c.name for c in m.counts.primary_key.columns],
                set_={"n": m.counts.c.n + stmt.excluded.n},
            )
            conn.execute(stmt, rows)
            return
        c = m.counts.c
        for row in rows:
            where = and_(*(c[name] == row[name] for name in ("week", "municipality", "woonplaats", "metric", "key",
                                                               "synthetic")))  # fmt: skip
            if conn.execute(update(m.counts).where(where).values(n=c.n + row["n"])).rowcount == 0:
                conn.execute(insert(m.counts).values(**row))

    def _ingest(self, conn: Connection, events: Iterable[Mapping[str, Any]]) -> int:
        batch = [e for e in events if isinstance(e, Mapping) and isinstance(e.get("sender_id"), str)]
        if not batch:
            return 0
        keys = {e["sender_id"]: self._conversation_key(conn, e["sender_id"]) for e in batch}
        states = self._load(conn, sorted(set(keys.values())))
        existing = set(states)
        cells: Counter[Cell] = Counter()
        for event in batch:
            key = keys[event["sender_id"]]
            state = states.get(key)
            if event.get("event") == "session_started" and state is not None:
                self._conclude(state, cells)
                state = None
            if state is None:
                state = states[key] = ConversationState()
            self._apply(state, cells, event)
        self._write_cells(conn, cells)
        self._save(conn, states, existing)
        return len(batch)

    def ingest(self, events: Iterable[Mapping[str, Any]]) -> int:
        """Count a batch of Rasa events (dicts with sender_id) in one transaction; return how many."""
        with self.engine.begin() as conn:
            return self._ingest(conn, events)

    def ingest_into(self, conn: Connection, events: Iterable[Mapping[str, Any]]) -> int:
        """Count a batch of Rasa events inside the caller's transaction (the broker consumers use it)."""
        return self._ingest(conn, events)

    def salted_key(self, conn: Connection, value: str) -> str:
        """Return sha256(salt + value) with the aggregate's secret salt, as conversation keys are made."""
        return self._conversation_key(conn, value)

    def flush_idle(self, now: datetime | None = None) -> int:
        """Count what idle conversations still held and forget them; return how many were forgotten."""
        cutoff = _db.utc_naive(now) - self.idle
        with self.engine.begin() as conn:
            rows = conn.execute(
                select(m.conversations.c.key, m.conversations.c.state, m.conversations.c.last_at).where(
                    and_(m.conversations.c.last_at < cutoff, m.conversations.c.synthetic == self.synthetic)
                )
            ).all()
            cells: Counter[Cell] = Counter()
            for _, raw, last_at in rows:
                self._conclude(ConversationState.loads(raw, last_at), cells)
            self._write_cells(conn, cells)
            for start in range(0, len(rows), 500):
                chunk = [r[0] for r in rows[start : start + 500]]
                conn.execute(delete(m.conversations).where(m.conversations.c.key.in_(chunk)))
        return len(rows)

    # -- reading the broker table --------------------------------------------------------

    def _ensure_cursor(self) -> None:
        if getattr(self, "_cursor_ready", False):
            return
        try:
            with self.engine.begin() as conn:
                if conn.execute(select(m.cursors.c.name).where(m.cursors.c.name == self.cursor_name)).first() is None:
                    conn.execute(insert(m.cursors).values(name=self.cursor_name, last_id=0, updated_at=_db.utc_naive()))
        except IntegrityError:
            pass  # another aggregator made it at the same moment
        self._cursor_ready = True

    def cursor(self) -> int:
        """Return the id of the last broker row counted (0 before the first)."""
        with self.engine.connect() as conn:
            row = conn.execute(select(m.cursors.c.last_id).where(m.cursors.c.name == self.cursor_name)).first()
        return int(row[0]) if row else 0

    def run_once(self, events_engine: Engine, batch_size: int = 5000) -> int:
        """Count the broker rows after the cursor (at most `batch_size`); return how many were read.

        Counting and moving the cursor happen in one transaction, and the cursor only moves
        from the value this run started at: two web processes never count a row twice.
        """
        from socialmap.signals.broker import read_events

        self._ensure_cursor()
        with self.engine.begin() as conn:
            # FOR UPDATE (PostgreSQL): a second aggregator waits here instead of counting the same rows.
            row = conn.execute(
                select(m.cursors.c.last_id).where(m.cursors.c.name == self.cursor_name).with_for_update()
            ).first()
            last_id = int(row[0]) if row else 0
            rows, new_id, read = read_events(events_engine, last_id, batch_size)
            if read == 0:
                return 0
            self._ingest(conn, (event for _, event in rows))
            now = _db.utc_naive()
            if row is None:
                conn.execute(insert(m.cursors).values(name=self.cursor_name, last_id=new_id, updated_at=now))
            else:
                moved = conn.execute(
                    update(m.cursors)
                    .where(and_(m.cursors.c.name == self.cursor_name, m.cursors.c.last_id == last_id))
                    .values(last_id=new_id, updated_at=now)
                )
                if moved.rowcount != 1:
                    raise RuntimeError("another aggregator moved the cursor; this batch is rolled back")
        return read

    def run_until_done(self, events_engine: Engine, batch_size: int = 5000) -> int:
        """Count every broker row after the cursor; return how many were read."""
        total = 0
        while True:
            n = self.run_once(events_engine, batch_size)
            total += n
            if n < batch_size:
                return total


def iter_events(raw_rows: Iterable[tuple[int, str | None, str | None]]) -> Iterator[tuple[int, dict[str, Any]]]:
    """Return (id, event) for broker rows, skipping rows that are not JSON objects."""
    for row_id, sender_id, data in raw_rows:
        try:
            event = json.loads(data or "")
        except ValueError:
            log.warning("signals: broker row %s is not JSON; skipped", row_id)
            continue
        if not isinstance(event, dict):
            continue
        event.setdefault("sender_id", sender_id)
        yield int(row_id), event
