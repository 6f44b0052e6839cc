"""The handoff queue: its state machine, priority order, concurrency and callback requests."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import create_engine, event, select

from socialmap import handoff as hq
from socialmap import staff as st
from socialmap.handoff import HandoffQueue, HandoffSummary

T0 = datetime(2025, 3, 3, 10, 0, tzinfo=timezone.utc)


def _sqlite_engine(path: Path):  # type: ignore[no-untyped-def]
    # A private engine per test (socialmap.db caches per URL; tests want isolation).
    engine = create_engine(
        f"sqlite:///{path}", future=True, connect_args={"timeout": 10, "check_same_thread": False}
    )

    @event.listens_for(engine, "connect")
    def _pragmas(conn, _):  # type: ignore[no-untyped-def]
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA busy_timeout=10000")

    return engine


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "handoff.db"


@pytest.fixture
def fresh_queue(db_path: Path) -> HandoffQueue:
    return HandoffQueue(_sqlite_engine(db_path))


def make_summary(**fields) -> HandoffSummary:  # type: ignore[no-untyped-def]
    defaults = dict(
        need="meeting", need_label="Ontmoeten", location="Assen", municipality="Assen", reason="request_human"
    )
    defaults.update(fields)
    return HandoffSummary(**defaults)


def test_request_creates_a_waiting_ticket_with_its_summary(fresh_queue: HandoffQueue) -> None:
    ticket = fresh_queue.request(
        "conv-1", make_summary(shown_services=["Koffie-ochtend De Kloosterhof"]), now=T0
    )
    assert ticket.status == hq.WAITING
    assert ticket.summary.location == "Assen"
    assert ticket.summary.shown_services == ["Koffie-ochtend De Kloosterhof"]
    assert ticket.summary.reason_label == "Inwoner vroeg om een medewerker"
    assert fresh_queue.position(ticket.id) == 1


def test_asking_twice_does_not_queue_twice(fresh_queue: HandoffQueue) -> None:
    first = fresh_queue.request("conv-1", make_summary(), now=T0)
    second = fresh_queue.request("conv-1", make_summary(), now=T0 + timedelta(minutes=1))
    assert first.id == second.id
    assert len(fresh_queue.waiting()) == 1


def test_a_later_crisis_raises_the_priority_of_the_waiting_ticket(fresh_queue: HandoffQueue) -> None:
    fresh_queue.request("other", make_summary(), now=T0)
    mine = fresh_queue.request("conv-1", make_summary(), now=T0 + timedelta(minutes=1))
    assert fresh_queue.position(mine.id) == 2
    escalated = fresh_queue.request(
        "conv-1", make_summary(), priority="crisis", now=T0 + timedelta(minutes=2)
    )
    assert escalated.priority == "crisis"
    assert fresh_queue.position(mine.id) == 1


def test_queue_order_is_crisis_first_then_longest_waiting(fresh_queue: HandoffQueue) -> None:
    fresh_queue.request("early", make_summary(), now=T0)
    fresh_queue.request("late", make_summary(), now=T0 + timedelta(minutes=5))
    fresh_queue.request("crisis", make_summary(), priority="crisis", now=T0 + timedelta(minutes=9))
    assert [t.conversation_id for t in fresh_queue.waiting()] == ["crisis", "early", "late"]
    positions = {t.conversation_id: fresh_queue.position(t.id) for t in fresh_queue.waiting()}
    assert positions == {"crisis": 1, "early": 2, "late": 3}


@pytest.mark.parametrize("position, average, expected", [(1, 6, 6), (3, 6, 18), (2, 2.5, 5), (1, 0, 1)])
def test_expected_wait_grows_with_position(position: int, average: float, expected: int) -> None:
    assert hq.expected_wait_minutes(position, average) == expected


def test_waiting_minutes_count_from_entering_the_queue(fresh_queue: HandoffQueue) -> None:
    ticket = fresh_queue.request("conv-1", make_summary(), now=T0)
    assert ticket.waiting_minutes(T0 + timedelta(minutes=7, seconds=30)) == 7


def test_take_then_hand_back(fresh_queue: HandoffQueue) -> None:
    ticket = fresh_queue.request("conv-1", make_summary(), now=T0)
    taken = fresh_queue.take(ticket.id, "anja", "Anja de Vries")
    assert (taken.status, taken.taken_by, taken.taken_by_name) == (hq.TAKEN, "anja", "Anja de Vries")
    assert fresh_queue.position(ticket.id) == 0
    back = fresh_queue.hand_back(ticket.id, "anja")
    assert back.status == hq.HANDED_BACK
    assert fresh_queue.active_for("conv-1") is None
    assert [h["action"] for h in fresh_queue.history(ticket.id)] == ["requested", "taken", "handed_back"]


def test_second_employee_is_told_who_has_it(fresh_queue: HandoffQueue) -> None:
    ticket = fresh_queue.request("conv-1", make_summary(), now=T0)
    fresh_queue.take(ticket.id, "anja", "Anja de Vries")
    with pytest.raises(hq.AlreadyTaken) as caught:
        fresh_queue.take(ticket.id, "piet", "Piet Bakker")
    assert caught.value.holder_name == "Anja de Vries"
    assert "Anja de Vries heeft dit gesprek al overgenomen" in str(caught.value)


def test_only_the_holder_may_hand_back_or_close(fresh_queue: HandoffQueue) -> None:
    ticket = fresh_queue.request("conv-1", make_summary(), now=T0)
    fresh_queue.take(ticket.id, "anja", "Anja")
    with pytest.raises(hq.NotHolder):
        fresh_queue.hand_back(ticket.id, "piet")
    with pytest.raises(hq.NotHolder):
        fresh_queue.close(ticket.id, "piet", "helped")
    assert fresh_queue.get(ticket.id).status == hq.TAKEN


@pytest.mark.parametrize("outcome", sorted(hq.OUTCOMES))
def test_close_with_each_outcome(fresh_queue: HandoffQueue, outcome: str) -> None:
    ticket = fresh_queue.request("conv-1", make_summary(), now=T0)
    fresh_queue.take(ticket.id, "anja", "Anja")
    closed = fresh_queue.close(ticket.id, "anja", outcome)
    assert (closed.status, closed.outcome) == (hq.CLOSED, outcome)
    assert closed.as_dict()["outcome_label"] == hq.OUTCOMES[outcome]


def test_close_refuses_an_unknown_outcome(fresh_queue: HandoffQueue) -> None:
    ticket = fresh_queue.request("conv-1", make_summary(), now=T0)
    fresh_queue.take(ticket.id, "anja", "Anja")
    with pytest.raises(hq.HandoffError):
        fresh_queue.close(ticket.id, "anja", "whatever")


def test_a_waiting_ticket_can_be_closed_as_no_answer(fresh_queue: HandoffQueue) -> None:
    ticket = fresh_queue.request("conv-1", make_summary(), now=T0)
    closed = fresh_queue.close(ticket.id, "anja", "no_answer", staff_name="Anja")
    assert (closed.status, closed.outcome, closed.taken_by_name) == (hq.CLOSED, "no_answer", "Anja")


def test_finished_tickets_cannot_be_taken_again(fresh_queue: HandoffQueue) -> None:
    ticket = fresh_queue.request("conv-1", make_summary(), now=T0)
    fresh_queue.take(ticket.id, "anja", "Anja")
    fresh_queue.hand_back(ticket.id, "anja")
    with pytest.raises(hq.InvalidTransition):
        fresh_queue.take(ticket.id, "piet", "Piet")
    with pytest.raises(hq.InvalidTransition):
        fresh_queue.hand_back(ticket.id, "anja")


def test_a_new_request_after_hand_back_opens_a_new_ticket(fresh_queue: HandoffQueue) -> None:
    first = fresh_queue.request("conv-1", make_summary(), now=T0)
    fresh_queue.take(first.id, "anja", "Anja")
    fresh_queue.hand_back(first.id, "anja")
    second = fresh_queue.request("conv-1", make_summary(), now=T0 + timedelta(hours=1))
    assert second.id != first.id and second.status == hq.WAITING


def test_transfer_to_a_team_waits_again_with_the_note_and_keeps_its_place(fresh_queue: HandoffQueue) -> None:
    ticket = fresh_queue.request("conv-1", make_summary(), now=T0)
    fresh_queue.request("conv-2", make_summary(), now=T0 + timedelta(minutes=3))
    fresh_queue.take(ticket.id, "anja", "Anja")
    moved = fresh_queue.transfer(ticket.id, "anja", "Anja", note="Vraag over Wmo-vervoer", team="Wmo-loket")
    assert (moved.status, moved.team, moved.taken_by) == (hq.WAITING, "Wmo-loket", None)
    assert [(n.by_name, n.text, n.team) for n in moved.notes] == [
        ("Anja", "Vraag over Wmo-vervoer", "Wmo-loket")
    ]
    assert fresh_queue.position(ticket.id) == 1  # still ahead of conv-2, who came later
    taken = fresh_queue.take(ticket.id, "piet", "Piet")
    assert taken.notes[0].text == "Vraag over Wmo-vervoer"  # the note travels


def test_transfer_to_a_colleague_reserves_the_ticket_for_them(fresh_queue: HandoffQueue) -> None:
    ticket = fresh_queue.request("conv-1", make_summary(), now=T0)
    fresh_queue.take(ticket.id, "anja", "Anja")
    fresh_queue.transfer(ticket.id, "anja", "Anja", note="Voor jou, Piet", to_staff="piet")
    with pytest.raises(hq.NotHolder):
        fresh_queue.take(ticket.id, "kees", "Kees")
    assert fresh_queue.take(ticket.id, "piet", "Piet").taken_by == "piet"


@pytest.mark.parametrize(
    "note, team", [("", "Wmo-loket"), ("   ", "Wmo-loket"), ("x" * 2001, "Wmo-loket"), ("notitie", None)]
)
def test_transfer_needs_a_note_and_a_destination(
    fresh_queue: HandoffQueue, note: str, team: str | None
) -> None:
    ticket = fresh_queue.request("conv-1", make_summary(), now=T0)
    fresh_queue.take(ticket.id, "anja", "Anja")
    with pytest.raises(hq.HandoffError):
        fresh_queue.transfer(ticket.id, "anja", "Anja", note=note, team=team)
    assert fresh_queue.get(ticket.id).status == hq.TAKEN


def test_resident_can_cancel_while_waiting_but_not_once_taken(fresh_queue: HandoffQueue) -> None:
    ticket = fresh_queue.request("conv-1", make_summary(), now=T0)
    cancelled = fresh_queue.cancel("conv-1")
    assert cancelled is not None and cancelled.status == hq.CANCELLED
    assert fresh_queue.waiting() == []
    again = fresh_queue.request("conv-1", make_summary(), now=T0)
    fresh_queue.take(again.id, "anja", "Anja")
    assert fresh_queue.cancel("conv-1") is None
    assert fresh_queue.get(again.id).status == hq.TAKEN
    assert fresh_queue.get(ticket.id).status == hq.CANCELLED


def test_unknown_ticket_raises_not_found(fresh_queue: HandoffQueue) -> None:
    with pytest.raises(hq.TicketNotFound):
        fresh_queue.take("does-not-exist", "anja", "Anja")


def test_queue_survives_a_restart(db_path: Path) -> None:
    first = HandoffQueue(_sqlite_engine(db_path))
    ticket = first.request("conv-1", make_summary(), now=T0)
    first.take(ticket.id, "anja", "Anja")
    first.engine.dispose()
    reopened = HandoffQueue(_sqlite_engine(db_path))
    assert reopened.get(ticket.id).taken_by == "anja"
    assert reopened.taken()[0].summary.location == "Assen"


def race_to_take(db_path: Path, ticket_id: str, contenders: int) -> tuple[list[str], list[str]]:
    """Return (winners, holders named to the losers) after `contenders` threads call take() at once."""
    # Each thread has its own engine (its own connection), like separate processes.
    queues = [HandoffQueue(_sqlite_engine(db_path)) for _ in range(contenders)]
    barrier = threading.Barrier(contenders)
    winners: list[str] = []
    told: list[str] = []

    def attempt(queue: HandoffQueue, who: str) -> None:
        barrier.wait()
        try:
            queue.take(ticket_id, who, who.title())
            winners.append(who)
        except hq.AlreadyTaken as exc:
            told.append(exc.holder)

    threads = [threading.Thread(target=attempt, args=(q, f"staff{n}")) for n, q in enumerate(queues)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return winners, told


def test_racing_takes_on_a_real_sqlite_file_have_exactly_one_winner(db_path: Path) -> None:
    setup_queue = HandoffQueue(_sqlite_engine(db_path))
    for i in range(5):
        ticket_id = setup_queue.request(f"conv-{i}", make_summary(), now=T0).id
        winners, told = race_to_take(db_path, ticket_id, contenders=8)
        assert len(winners) == 1, winners
        assert len(told) == 7
        assert set(told) == set(winners)  # every loser was told who has it
        assert setup_queue.get(ticket_id).taken_by == winners[0]


@pytest.mark.parametrize(
    "text, kind, value",
    [
        ("06-12345678", "phone", "0612345678"),
        ("mijn nummer is 06 1234 5678", "phone", "0612345678"),
        ("+31 6 1234 5678", "phone", "0612345678"),
        ("0031612345678", "phone", "0612345678"),
        ("0592-123456", "phone", "0592123456"),
        ("+31 (0)592 123 456", "phone", "0592123456"),
        ("mail naar Jan.Jansen@Voorbeeld.NL graag", "email", "Jan.Jansen@voorbeeld.nl"),
    ],
)
def test_parse_contact_accepts_dutch_numbers_and_email(text: str, kind: str, value: str) -> None:
    assert hq.parse_contact(text) == hq.Contact(kind, value)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "bel me maar",
        "12345",
        "0612345",
        "06123456789",
        "0800-1234567",
        "0900 1234567",
        "jan@",
        "[TELEFOON]",
        "+44 20 7946 0958",
    ],
)
def test_parse_contact_refuses_what_we_cannot_call_or_mail(text: str) -> None:
    assert hq.parse_contact(text) is None


def test_callback_request_keeps_the_contact_apart_and_erases_it_when_closed(
    fresh_queue: HandoffQueue,
) -> None:
    fresh_queue.stage_contact("conv-1", hq.Contact("phone", "0612345678"))
    request = fresh_queue.request_callback("conv-1", "morgenochtend", make_summary(), now=T0)
    assert request.status == hq.CALLBACK_OPEN and request.contact_kind == "phone"
    assert "0612345678" not in str(request.as_dict())  # the request itself never carries the number
    assert fresh_queue.callback_contact(request.id) == hq.Contact("phone", "0612345678")
    taken = fresh_queue.take_callback(request.id, "anja", "Anja")
    assert taken.status == hq.CALLBACK_TAKEN
    with pytest.raises(hq.AlreadyTaken):
        fresh_queue.take_callback(request.id, "piet", "Piet")
    closed = fresh_queue.close_callback(request.id, "anja", "helped")
    assert closed.status == hq.CALLBACK_DONE
    assert fresh_queue.callback_contact(request.id) is None
    with fresh_queue.engine.connect() as conn:
        assert conn.execute(select(hq.callback_contacts)).all() == []


def test_callback_without_a_staged_contact_is_refused(fresh_queue: HandoffQueue) -> None:
    with pytest.raises(hq.NoContact):
        fresh_queue.request_callback("conv-1", "morgen", make_summary())


def test_cancelling_drops_open_callbacks_and_their_contact(fresh_queue: HandoffQueue) -> None:
    fresh_queue.stage_contact("conv-1", hq.Contact("email", "a@b.nl"))
    request = fresh_queue.request_callback("conv-1", "vrijdag", make_summary())
    assert fresh_queue.cancel_callbacks("conv-1") == 1
    assert fresh_queue.get_callback(request.id).status == hq.CALLBACK_CANCELLED
    assert fresh_queue.callback_contact(request.id) is None
    assert fresh_queue.callbacks() == []


def test_callbacks_list_crisis_first(fresh_queue: HandoffQueue) -> None:
    for conv, priority in [("a", "normal"), ("b", "crisis")]:
        fresh_queue.stage_contact(conv, hq.Contact("phone", "0612345678"))
        fresh_queue.request_callback(conv, "morgen", make_summary(), priority=priority, now=T0)
    assert [c.conversation_id for c in fresh_queue.callbacks()] == ["b", "a"]


def test_purge_deletes_finished_old_tickets_only(fresh_queue: HandoffQueue) -> None:
    old = fresh_queue.request("old", make_summary(), now=T0)
    fresh_queue.cancel("old", now=T0)
    live = fresh_queue.request("live", make_summary(), now=T0)
    assert fresh_queue.purge(T0 + timedelta(days=1)) == 1
    with pytest.raises(hq.TicketNotFound):
        fresh_queue.get(old.id)
    assert fresh_queue.get(live.id).status == hq.WAITING


def test_describe_moment_in_dutch() -> None:
    now = datetime(2025, 3, 7, 18, 0)  # a Friday evening
    assert hq.describe_moment(datetime(2025, 3, 7, 19, 0), now) == "vandaag om 19:00"
    assert hq.describe_moment(datetime(2025, 3, 8, 9, 0), now) == "morgen om 09:00"
    assert hq.describe_moment(datetime(2025, 3, 10, 9, 0), now) == "maandag 10 maart om 09:00"


def test_mark_urgent_moves_a_waiting_ticket_to_the_front(fresh_queue: HandoffQueue) -> None:
    fresh_queue.request("first", make_summary(), now=T0)
    mine = fresh_queue.request("conv-1", make_summary(), now=T0 + timedelta(minutes=1))
    assert fresh_queue.mark_urgent("conv-1", reason="crisis", now=T0 + timedelta(minutes=2)) is True
    ticket = fresh_queue.get(mine.id)
    assert ticket.urgent and ticket.priority == "crisis" and ticket.urgent_reason == "crisis"
    assert fresh_queue.position(mine.id) == 1
    assert ticket.as_dict()["urgent_reason"] == "crisis"


def test_mark_urgent_flags_a_ticket_a_medewerker_holds(fresh_queue: HandoffQueue) -> None:
    ticket = fresh_queue.request("conv-1", make_summary(), now=T0)
    fresh_queue.take(ticket.id, "anja", "Anja", now=T0)
    assert fresh_queue.mark_urgent("conv-1") is True
    held = fresh_queue.get(ticket.id)
    assert held.status == hq.TAKEN and held.as_dict()["urgent"] is True
    assert [e["action"] for e in fresh_queue.history(ticket.id)][-1] == "urgent"


def test_mark_urgent_without_an_active_ticket_is_false(fresh_queue: HandoffQueue) -> None:
    assert fresh_queue.mark_urgent("nobody") is False
    ticket = fresh_queue.request("conv-1", make_summary(), now=T0)
    fresh_queue.take(ticket.id, "anja", "Anja", now=T0)
    fresh_queue.hand_back(ticket.id, "anja", now=T0)
    assert fresh_queue.mark_urgent("conv-1") is False


def test_an_older_database_gets_the_new_columns(db_path: Path) -> None:
    engine = _sqlite_engine(db_path)
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "CREATE TABLE handoff_ticket (id VARCHAR(32) PRIMARY KEY, conversation_id VARCHAR(255) NOT NULL,"
            " status VARCHAR(16) NOT NULL, priority VARCHAR(16) NOT NULL, priority_rank INTEGER NOT NULL,"
            " team VARCHAR(100), assigned_to VARCHAR(64), requested_at DATETIME NOT NULL,"
            " queued_at DATETIME NOT NULL, taken_by VARCHAR(64), taken_by_name VARCHAR(200),"
            " taken_at DATETIME, closed_at DATETIME, outcome VARCHAR(32), summary TEXT NOT NULL,"
            " notes TEXT NOT NULL, updated_at DATETIME NOT NULL)"
        )
    queue = HandoffQueue(engine)
    queue.request("conv-1", make_summary(), now=T0)
    assert queue.mark_urgent("conv-1") is True


# --- presence, notes, outcomes, history, canned responses, CSAT ------------------------------


def test_a_waiting_resident_who_left_can_be_closed_as_no_answer(fresh_queue: HandoffQueue) -> None:
    ticket = fresh_queue.request("conv-1", make_summary(), now=T0)
    closed = fresh_queue.close(
        ticket.id, "anja", "no_answer", staff_name="Anja", now=T0 + timedelta(minutes=5)
    )
    assert closed.status == hq.CLOSED and closed.outcome == "no_answer"


def test_hand_back_records_an_outcome_and_it_can_be_corrected_later(fresh_queue: HandoffQueue) -> None:
    ticket = fresh_queue.request("conv-1", make_summary(), now=T0)
    fresh_queue.take(ticket.id, "anja", "Anja", now=T0)
    back = fresh_queue.hand_back(ticket.id, "anja", outcome="helped", now=T0)
    assert back.status == hq.HANDED_BACK and back.outcome == "helped"
    assert fresh_queue.record_outcome(ticket.id, "anja", "referred").outcome == "referred"
    with pytest.raises(hq.NotHolder):
        fresh_queue.record_outcome(ticket.id, "piet", "helped")
    with pytest.raises(hq.HandoffError):
        fresh_queue.record_outcome(ticket.id, "anja", "nonsense")


def test_the_waiting_clock_stops_when_the_ticket_is_taken(fresh_queue: HandoffQueue) -> None:
    ticket = fresh_queue.request("conv-1", make_summary(), now=T0)
    fresh_queue.take(ticket.id, "anja", "Anja", now=T0 + timedelta(minutes=3))
    fresh_queue.hand_back(ticket.id, "anja", now=T0 + timedelta(minutes=10))
    assert fresh_queue.get(ticket.id).waiting_minutes(now=T0 + timedelta(hours=5)) == 3


def test_waiting_level_warns_past_the_target(fresh_queue: HandoffQueue) -> None:
    ticket = fresh_queue.request("conv-1", make_summary(), now=T0)
    target = hq.WAIT_TARGET_MINUTES["normal"]
    assert ticket.as_dict(now=T0)["wait_level"] == "ok"
    assert ticket.as_dict(now=T0 + timedelta(minutes=target))["wait_level"] == "warning"
    assert ticket.as_dict(now=T0 + timedelta(minutes=2 * target))["wait_level"] == "late"


def test_internal_notes_are_kept_apart_from_handover_notes(fresh_queue: HandoffQueue) -> None:
    ticket = fresh_queue.request("conv-1", make_summary(), now=T0)
    noted = fresh_queue.add_note(ticket.id, "anja", "Anja", "Klinkt moe, later nog eens bellen", now=T0)
    assert [(n.kind, n.text) for n in noted.notes] == [("internal", "Klinkt moe, later nog eens bellen")]
    with pytest.raises(hq.HandoffError):
        fresh_queue.add_note(ticket.id, "anja", "Anja", "   ")


def test_team_inboxes_filter_the_waiting_list(fresh_queue: HandoffQueue) -> None:
    general = fresh_queue.request("general", make_summary(), now=T0)
    carer = fresh_queue.request("carer", make_summary(), now=T0)
    fresh_queue.take(carer.id, "anja", "Anja", now=T0)
    fresh_queue.transfer(carer.id, "anja", "Anja", note="Mantelzorg", team="Mantelzorgconsulent", now=T0)
    assert [t.id for t in fresh_queue.waiting(["Mantelzorgconsulent"])] == [carer.id]
    assert [t.id for t in fresh_queue.waiting([hq.GENERAL_TEAM])] == [general.id]
    assert len(fresh_queue.waiting()) == 2
    assert fresh_queue.waiting([]) == []


def test_staff_sent_services_join_already_shown(fresh_queue: HandoffQueue) -> None:
    ticket = fresh_queue.request("conv-1", make_summary(shown_services=["A"]), now=T0)
    fresh_queue.add_shown(ticket.id, "Koffie-ochtend")
    fresh_queue.add_shown(ticket.id, "Koffie-ochtend")
    assert fresh_queue.get(ticket.id).summary.shown_services == ["A", "Koffie-ochtend"]


def test_history_finds_yesterdays_conversation_by_place_date_outcome_and_words(
    fresh_queue: HandoffQueue,
) -> None:
    yesterday = T0 - timedelta(days=1)
    ticket = fresh_queue.request(
        "conv-1", make_summary(location="Zweeloo", municipality="Coevorden"), now=yesterday
    )
    fresh_queue.take(ticket.id, "anja", "Anja", now=yesterday)
    fresh_queue.close(ticket.id, "anja", "helped", now=yesterday)
    fresh_queue.keep_transcript(ticket.id, "Inwoner: ik zoek een koffieochtend bij het dorpshuis")
    other = fresh_queue.request("conv-2", make_summary(location="Assen"), now=T0)
    fresh_queue.take(other.id, "anja", "Anja", now=T0)
    fresh_queue.hand_back(other.id, "anja", now=T0)

    def ids(**filters) -> list[str]:  # type: ignore[no-untyped-def]
        return [item["id"] for item in fresh_queue.history_search(**filters)]

    assert ids() == [other.id, ticket.id]
    assert ids(place="zweeloo") == [ticket.id]
    assert ids(place="Coevorden", words="Dorpshuis koffieochtend") == [ticket.id]
    assert ids(words="dorpshuis fietsen") == []
    assert ids(outcome="helped") == [ticket.id]
    assert ids(date_from=T0 - timedelta(hours=1)) == [other.id]
    assert ids(date_to=T0 - timedelta(hours=1)) == [ticket.id]
    assert "dorpshuis" in fresh_queue.history_search(words="dorpshuis")[0]["excerpt"]


def test_history_keeps_closed_callbacks_without_their_contact(fresh_queue: HandoffQueue) -> None:
    fresh_queue.stage_contact("conv-cb", hq.Contact("phone", "0612345678"), now=T0)
    request = fresh_queue.request_callback("conv-cb", "dinsdagochtend", make_summary(), now=T0)
    fresh_queue.close_callback(request.id, "anja", "helped", now=T0)
    found = fresh_queue.history_search(words="dinsdagochtend")
    assert [(f["kind"], f["id"]) for f in found] == [("callback", request.id)]
    assert "0612345678" not in str(found)


def test_canned_responses_per_team_with_place_and_name_filled_in(fresh_queue: HandoffQueue) -> None:
    general = fresh_queue.save_canned("Welkom", "Goedemiddag, ik ben {medewerker}.", by="anja")
    carer = fresh_queue.save_canned(
        "Consulent", "Er is een consulent in {plaats}.", team="Mantelzorgconsulent"
    )
    fresh_queue.save_canned("Wmo", "Het Wmo-loket", team="Wmo-loket")
    assert [c.id for c in fresh_queue.canned_responses(["Mantelzorgconsulent"])] == [carer.id, general.id]
    assert carer.filled("Zweeloo", "Bert") == "Er is een consulent in Zweeloo."
    assert general.filled(None, "Anja") == "Goedemiddag, ik ben Anja."
    changed = fresh_queue.save_canned("Welkom", "Hallo, ik ben {medewerker}.", canned_id=general.id)
    assert changed.text.startswith("Hallo")
    fresh_queue.delete_canned(general.id)
    assert general.id not in [c.id for c in fresh_queue.canned_responses()]
    with pytest.raises(hq.HandoffError):
        fresh_queue.save_canned("", "tekst")


def test_csat_is_stored_once_without_identity_and_reported_per_team_and_week(
    fresh_queue: HandoffQueue, db_path: Path
) -> None:
    token = fresh_queue.csat_invite("Mantelzorgconsulent", now=T0)
    assert fresh_queue.record_csat(token, 7, now=T0) is False  # not a score
    assert fresh_queue.record_csat(token, 4, now=T0) is True
    assert fresh_queue.record_csat(token, 5, now=T0) is False  # one answer per invite
    late = fresh_queue.csat_invite(None, now=T0)
    assert fresh_queue.record_csat(late, 5, now=T0 + timedelta(days=2)) is False
    second = fresh_queue.csat_invite("Mantelzorgconsulent", now=T0)
    fresh_queue.record_csat(second, 2, now=T0)
    report = fresh_queue.csat_report()
    assert report == [
        {
            "team": "Mantelzorgconsulent",
            "week": hq.iso_week(T0),
            "answers": 2,
            "average": 3.0,
            "counts": {"1": 0, "2": 1, "3": 0, "4": 1, "5": 0},
        }
    ]
    with fresh_queue.engine.connect() as conn:
        columns = set(conn.execute(select(hq.csat_answers)).keys())
    # "municipality" is the helpdesk's (whose staff see the report), never the resident's place.
    assert columns == {"id", "team", "municipality", "week", "score"}


# --- teams and availability (staff console) --------------------------------------------------


def test_profile_keeps_teams_and_availability_apart_from_the_account(tmp_path: Path) -> None:
    store = st.StaffStore(db_url=f"sqlite:///{tmp_path / 'profiles.db'}")
    store.add("bert", "Bert Mulder", "correct paard batterij")
    store.add("anja", "Anja de Vries", "correct paard batterij", role="teamleider")
    assert store.profile("bert").teams == () and store.profile("bert").status == st.AWAY
    store.set_teams("bert", ["Mantelzorgconsulent", " Mantelzorgconsulent ", ""])
    assert store.profile("bert").teams == ("Mantelzorgconsulent",)
    assert store.available_count() == 0
    store.set_status("bert", st.AVAILABLE)
    store.set_status("anja", st.AVAILABLE)
    assert store.available_count() == 2
    assert store.available_count("Mantelzorgconsulent") == 1
    store.set_disabled("bert", True)
    assert store.available_count("Mantelzorgconsulent") == 0
    with pytest.raises(st.StaffError):
        store.set_status("bert", "op vakantie")
    with pytest.raises(st.StaffError):
        store.set_teams("niemand", ["Wmo-loket"])
    assert "teamleider" in st.CONVERSATION_ROLES and "teamleider" in st.LEAD_ROLES
