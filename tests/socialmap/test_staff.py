"""Staff accounts: scrypt hashing, lockout, sessions, CSRF and the `staff` CLI."""

from __future__ import annotations

import io
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select

from socialmap import staff as st
from socialmap.staff import StaffStore

T0 = datetime(2025, 3, 3, 9, 0, tzinfo=timezone.utc)
PASSWORD = "correct paard batterij"


@pytest.fixture
def fresh_staff(tmp_path: Path) -> StaffStore:
    engine = create_engine(f"sqlite:///{tmp_path / 'staff.db'}", future=True)
    return StaffStore(engine, session_minutes=60)


@pytest.fixture
def anja(fresh_staff: StaffStore) -> st.StaffAccount:
    return fresh_staff.add("anja", "Anja de Vries", PASSWORD, now=T0)


def test_password_hash_is_scrypt_with_a_random_salt() -> None:
    first, second = st.hash_password(PASSWORD), st.hash_password(PASSWORD)
    assert first.startswith("scrypt$16384$8$1$")
    assert first != second  # different salts
    assert PASSWORD not in first
    assert st.verify_password(PASSWORD, first) and st.verify_password(PASSWORD, second)
    assert not st.verify_password(PASSWORD + "!", first)


@pytest.mark.parametrize("stored", ["", "plain", "bcrypt$x$y$z$a$b", "scrypt$16384$8$1$!!$??"])
def test_verify_password_refuses_malformed_hashes(stored: str) -> None:
    assert st.verify_password(PASSWORD, stored) is False


def test_stored_hash_never_contains_the_password(fresh_staff: StaffStore, anja: st.StaffAccount) -> None:
    with fresh_staff.engine.connect() as conn:
        stored = conn.execute(select(st.accounts.c.password_hash)).scalar_one()
    assert PASSWORD not in stored and stored.startswith("scrypt$")


@pytest.mark.parametrize(
    "username, name, password",
    [
        ("a", "Anja", PASSWORD),
        ("Anja Vries", "Anja", PASSWORD),
        ("anja", "", PASSWORD),
        ("anja", "Anja", "kort"),
        ("anja", "Anja", " spatie vooraan "),
    ],
)
def test_add_refuses_bad_input(fresh_staff: StaffStore, username: str, name: str, password: str) -> None:
    with pytest.raises(st.StaffError):
        fresh_staff.add(username, name, password)


def test_add_refuses_a_duplicate_username(fresh_staff: StaffStore, anja: st.StaffAccount) -> None:
    with pytest.raises(st.StaffError, match="bestaat al"):
        fresh_staff.add("ANJA", "Andere Anja", PASSWORD)


def test_right_password_logs_in_and_wrong_does_not(fresh_staff: StaffStore, anja: st.StaffAccount) -> None:
    assert fresh_staff.authenticate("anja", PASSWORD, now=T0).name == "Anja de Vries"
    with pytest.raises(st.LoginFailed):
        fresh_staff.authenticate("anja", "verkeerd wachtwoord", now=T0)
    with pytest.raises(st.LoginFailed):
        fresh_staff.authenticate("onbekend", PASSWORD, now=T0)


def test_five_wrong_passwords_lock_the_account_for_fifteen_minutes(
    fresh_staff: StaffStore, anja: st.StaffAccount
) -> None:
    for attempt in range(4):
        with pytest.raises(st.LoginFailed):
            fresh_staff.authenticate("anja", "fout", now=T0 + timedelta(seconds=attempt))
    with pytest.raises(st.AccountLocked):
        fresh_staff.authenticate("anja", "fout", now=T0 + timedelta(seconds=5))
    # Even the right password is refused while locked.
    with pytest.raises(st.AccountLocked):
        fresh_staff.authenticate("anja", PASSWORD, now=T0 + timedelta(minutes=14))
    assert fresh_staff.authenticate("anja", PASSWORD, now=T0 + timedelta(minutes=16)).username == "anja"


def test_a_good_login_resets_the_failure_count(fresh_staff: StaffStore, anja: st.StaffAccount) -> None:
    for _ in range(4):
        with pytest.raises(st.LoginFailed):
            fresh_staff.authenticate("anja", "fout", now=T0)
    fresh_staff.authenticate("anja", PASSWORD, now=T0)
    for _ in range(4):
        with pytest.raises(st.LoginFailed):
            fresh_staff.authenticate("anja", "fout", now=T0)


def test_disabled_account_cannot_log_in_and_loses_its_sessions(
    fresh_staff: StaffStore, anja: st.StaffAccount
) -> None:
    session = fresh_staff.create_session("anja", now=T0)
    fresh_staff.set_disabled("anja", True)
    assert fresh_staff.session(session.token, now=T0) is None
    with pytest.raises(st.LoginFailed):
        fresh_staff.authenticate("anja", PASSWORD, now=T0)


def test_session_expires(fresh_staff: StaffStore, anja: st.StaffAccount) -> None:
    session = fresh_staff.create_session("anja", now=T0)
    assert session.token and len(session.token) >= 40
    live = fresh_staff.session(session.token, now=T0 + timedelta(minutes=59))
    assert live is not None and live.username == "anja" and live.csrf_token == session.csrf_token
    assert fresh_staff.session(session.token, now=T0 + timedelta(minutes=61)) is None


def test_database_keeps_only_a_hash_of_the_session_token(
    fresh_staff: StaffStore, anja: st.StaffAccount
) -> None:
    session = fresh_staff.create_session("anja", now=T0)
    with fresh_staff.engine.connect() as conn:
        stored = conn.execute(select(st.sessions.c.token_hash)).scalar_one()
    assert stored != session.token and session.token not in stored


def test_logout_ends_the_session(fresh_staff: StaffStore, anja: st.StaffAccount) -> None:
    session = fresh_staff.create_session("anja", now=T0)
    fresh_staff.end_session(session.token)
    assert fresh_staff.session(session.token, now=T0) is None


@pytest.mark.parametrize("token", [None, "", "x" * 500, "niet-bestaand"])
def test_unknown_tokens_give_no_session(
    fresh_staff: StaffStore, anja: st.StaffAccount, token: str | None
) -> None:
    assert fresh_staff.session(token) is None


def test_csrf_token_is_per_session_and_checked(fresh_staff: StaffStore, anja: st.StaffAccount) -> None:
    first = fresh_staff.create_session("anja", now=T0)
    second = fresh_staff.create_session("anja", now=T0)
    assert first.csrf_token != second.csrf_token
    assert st.check_csrf(first, first.csrf_token)
    assert not st.check_csrf(first, second.csrf_token)
    assert not st.check_csrf(first, None)
    assert not st.check_csrf(first, "")


def test_cli_adds_lists_and_disables(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from socialmap.__main__ import build_parser
    from socialmap.settings import get_settings

    monkeypatch.setenv("SOCIALMAP_DB_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    get_settings.cache_clear()
    try:
        parser = build_parser() if _all_cli_modules_present() else _staff_only_parser()
        monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
        args = parser.parse_args(["staff", "add", "anja", "--name", "Anja de Vries", "--password-stdin"])
        assert args.func(args) == 0
        assert "Anja de Vries" in capsys.readouterr().out
        monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
        args = parser.parse_args(["staff", "add", "anja", "--name", "Dubbel", "--password-stdin"])
        assert args.func(args) == 1
        assert "bestaat al" in capsys.readouterr().err
        args = parser.parse_args(["staff", "disable", "anja"])
        assert args.func(args) == 0
        args = parser.parse_args(["staff", "list"])
        assert args.func(args) == 0
        assert "anja\tAnja de Vries\tuitgeschakeld" in capsys.readouterr().out
    finally:
        get_settings.cache_clear()


def _all_cli_modules_present() -> bool:
    import importlib.util

    from socialmap.__main__ import COMMAND_MODULES

    return all(importlib.util.find_spec(name) is not None for name in COMMAND_MODULES)


def _staff_only_parser():  # type: ignore[no-untyped-def]
    import argparse

    parser = argparse.ArgumentParser()
    st.register_cli(parser.add_subparsers(dest="command", required=True))
    return parser


# --- issue 12: the lockout holds under parallel guesses ------------------------------


def _guess_in_parallel(store: StaffStore, username: str, guesses: int, now: datetime) -> list[str]:
    """Send `guesses` wrong passwords at once from as many threads; return the outcomes."""
    import threading

    outcomes: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(guesses)

    def guess(i: int) -> None:
        start.wait()
        try:
            store.authenticate(username, f"fout wachtwoord {i}", now=now)
            outcome = "ok"
        except st.AccountLocked:
            outcome = "locked"
        except st.LoginFailed:
            outcome = "failed"
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=guess, args=(i,)) for i in range(guesses)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return outcomes


def assert_parallel_guesses_lock(store: StaffStore) -> None:
    """Shared by the SQLite test here and the PostgreSQL test in tests/scale."""
    store.add("anja", "Anja de Vries", PASSWORD, now=T0)
    outcomes = _guess_in_parallel(store, "anja", 20, T0)
    assert len(outcomes) == 20 and "ok" not in outcomes
    assert outcomes.count("failed") <= st.MAX_FAILED_LOGINS - 1  # every guess counted
    # The right password is refused now: the account is locked.
    with pytest.raises(st.AccountLocked):
        store.authenticate("anja", PASSWORD, now=T0 + timedelta(seconds=1))
    assert store.authenticate("anja", PASSWORD, now=T0 + timedelta(minutes=16)).username == "anja"


def test_twenty_parallel_wrong_passwords_lock_the_account(fresh_staff: StaffStore) -> None:
    assert_parallel_guesses_lock(fresh_staff)


def test_unknown_and_known_usernames_get_the_same_answers(fresh_staff: StaffStore, anja: st.StaffAccount) -> None:
    def answers(username: str) -> list[str]:
        out = []
        for attempt in range(st.MAX_FAILED_LOGINS + 1):
            try:
                fresh_staff.authenticate(username, "fout", now=T0 + timedelta(seconds=attempt))
                out.append("ok")
            except st.StaffError as exc:
                out.append(f"{type(exc).__name__}: {exc}")
        return out

    known, unknown = answers("anja"), answers("niemand")
    assert known == unknown
    assert known[-1].startswith("AccountLocked")


def test_a_new_password_lifts_the_lock(fresh_staff: StaffStore, anja: st.StaffAccount) -> None:
    for attempt in range(st.MAX_FAILED_LOGINS):
        with pytest.raises(st.StaffError):
            fresh_staff.authenticate("anja", "fout", now=T0 + timedelta(seconds=attempt))
    fresh_staff.set_password("anja", PASSWORD + " nieuw")
    assert fresh_staff.authenticate("anja", PASSWORD + " nieuw", now=T0 + timedelta(seconds=10)).username == "anja"
