"""Redaction of personal data, the contact vault and the retention purge."""

from __future__ import annotations

import random
import re
import sqlite3
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import create_engine

from socialmap import privacy
from socialmap.privacy import (
    ContactVault,
    RetentionScheduler,
    is_valid_bsn,
    is_valid_iban,
    purge,
    redact,
    redact_bot_text,
)
from socialmap.redaction import normalize
from tests.socialmap.corpus import make_corpus

CORPUS = Path(__file__).parent / "corpus"


# --- single spellings -------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        ("mijn bsn is 111222333", "mijn bsn is [BSN]"),
        ("BSN: 1112.22.333", "BSN: [BSN]"),
        ("nummer 111 222 333 graag", "nummer [BSN] graag"),
        ("06-12345678", "[TELEFOON]"),
        ("bel 06 1234 5678", "bel [TELEFOON]"),
        ("+31 6 12345678", "[TELEFOON]"),
        ("0031612345678", "[TELEFOON]"),
        ("+31 (0)6 12 34 56 78", "[TELEFOON]"),
        ("050-1234567", "[TELEFOON]"),
        ("(0592) 123 456", "[TELEFOON]"),
        ("bel mijn werk: 0800-1234", "bel mijn werk: [TELEFOON]"),
        ("088 123 4567", "[TELEFOON]"),
        ("mail jan.jansen@gmail.com", "mail [E-MAIL]"),
        ("NL91ABNA0417164300", "[IBAN]"),
        ("NL91 ABNA 0417 1643 00", "[IBAN]"),
        ("rekening nl91abna0417164300.", "rekening [IBAN]."),
        ("Kerkstraat 12", "[ADRES]"),
        ("ik woon Hoofdweg 3a, 9401 AB Assen", "ik woon [ADRES], 9401 AB Assen"),
        ("Jan van Galenstraat 4-2", "[ADRES]"),
        ("geboren op 12-03-1950", "geboren op [GEBOORTEDATUM]"),
        ("geb. 1 maart 1950", "geb. [GEBOORTEDATUM]"),
        ("mijn geboortedatum is 12/03/1950", "mijn geboortedatum is [GEBOORTEDATUM]"),
        ("ik ben op 3 mei 1948 geboren", "ik ben op [GEBOORTEDATUM] geboren"),
    ],
)
def test_personal_data_is_replaced_by_its_tag(text: str, expected: str) -> None:
    assert redact(text).text == expected


@pytest.mark.parametrize(
    "text",
    [
        "9401 AB",
        "ik woon in 7741 AB Coevorden",
        "om 10:00 in Zweeloo",
        "het kost € 2,50 per keer",
        "mijn zoon van 15",
        "ik ben 67 jaar",
        "in 1950 geboren",
        "sinds 2019 mantelzorger",
        "bel 113 of 0800-0113",
        "De Luisterlijn: 088 0767 000",
        "ik woon aan de Kerkstraat",
        "bus 21 en lijn 4",
        "zomerkamp 2024",
        "van 09:00 tot 17:00",
        "op 12-03 ben ik jarig",
        "06-03-2025 10:00",  # an appointment: a recent date and a time, no phone number
        "de ijsbaan 3 keer per week",
        "14 0592",
        "1.500 euro per maand",
        "123456789",  # nine digits that fail the 11-proef
        "NL91ABNA041716430",  # too short for a Dutch IBAN
    ],
)
def test_ordinary_text_is_left_alone(text: str) -> None:
    assert redact(text).text == text


def test_found_items_keep_kind_and_original_span() -> None:
    text = "bel 06-12345678 of mail a@b.nl"
    result = redact(text)
    assert [(f.kind, f.value) for f in result.found] == [("telefoon", "06-12345678"), ("email", "a@b.nl")]
    for f in result.found:
        assert text[f.start : f.end] == f.value
    assert [f.value for f in result.contacts()] == ["06-12345678", "a@b.nl"]


def test_bot_text_keeps_organisation_contacts_but_not_a_residents_bsn() -> None:
    answer = "Welzijn Assen, Kerkstraat 1, 9401 AB Assen. Bel 0592-123456 of mail info@welzijn.nl."
    assert redact_bot_text(answer).text == answer
    assert redact_bot_text("Uw BSN 111222333 en 06-12345678").text == "Uw BSN [BSN] en [TELEFOON]"


def test_validators() -> None:
    assert is_valid_bsn("111222333") and is_valid_bsn("1112.22.333")
    assert not is_valid_bsn("111222334") and not is_valid_bsn("000000000")
    assert is_valid_iban("NL91 ABNA 0417 1643 00") and is_valid_iban("BE68539007547034")
    assert not is_valid_iban("NL92ABNA0417164300")


@pytest.mark.parametrize("value", [None, 123456789, b"bytes", "", " "])
def test_redact_accepts_anything(value: object) -> None:
    assert isinstance(redact(value).text, str)  # type: ignore[arg-type]


# --- corpora ----------------------------------------------------------------


def _corpus(name: str) -> list[list[str]]:
    return [line.split("\t") for line in (CORPUS / name).read_text(encoding="utf-8").splitlines()]


def test_personal_corpus_is_fully_redacted_in_every_class() -> None:
    rows = _corpus("personal.txt")
    assert len(rows) >= 700
    classes = {row[0] for row in rows}
    # Every finding of the security test is a class of its own in the corpus.
    for prefix in ("telefoon: scheiding", "telefoon: cijfers", "bsn: ", "e-mail: ", "iban: ", "adres: ", "geboortedatum: "):
        assert any(c.startswith(prefix) for c in classes), prefix
    missed = []
    for cls, tags, message, values in rows:
        out = redact(message).text
        if not make_corpus.personal_ok(out, tags, values, normalize):
            missed.append((cls, message, out))
    assert missed == []


def test_ordinary_corpus_is_unchanged_in_every_class() -> None:
    rows = _corpus("ordinary.txt")
    assert len(rows) >= 600
    classes = {row[0] for row in rows}
    for cls in ("tijden", "openingstijden", "prijzen", "postcode alleen", "leeftijden", "aantallen", "jaartallen",
                "landelijke nummers"):
        assert f"gewoon: {cls}" in classes
    wrong = []
    for cls, who, message in rows:
        out = (redact if who == "RES" else redact_bot_text)(message).text
        if out != message:
            wrong.append((cls, message, out))
    assert wrong == []


def test_corpus_files_are_what_the_generator_writes(tmp_path: Path) -> None:
    rng = random.Random(make_corpus.SEED)
    personal = make_corpus.personal_lines(rng) + make_corpus.class_personal_lines(random.Random(make_corpus.SEED + 1))
    ordinary = make_corpus.ordinary_lines(rng) + make_corpus.class_ordinary_lines(random.Random(make_corpus.SEED + 2))
    assert (CORPUS / "personal.txt").read_text(encoding="utf-8").splitlines() == personal
    assert (CORPUS / "ordinary.txt").read_text(encoding="utf-8").splitlines() == ordinary


@pytest.mark.parametrize(
    "text, tag",
    [
        ("bel 06\u201312345678", "[TELEFOON]"),  # en dash
        ("bel 06\u221212345678", "[TELEFOON]"),  # minus sign
        ("bel 06\u00a01234\u00a05678", "[TELEFOON]"),  # non-breaking spaces
        ("bel 06\u200b12345678", "[TELEFOON]"),  # zero-width space
        ("bel \uff10\uff16\uff11\uff12\uff13\uff14\uff15\uff16\uff17\uff18", "[TELEFOON]"),  # full width
        ("bel \u0660\u0666\u0661\u0662\u0663\u0664\u0665\u0666\u0667\u0668", "[TELEFOON]"),  # Arabic-Indic
        ("tel0612345678", "[TELEFOON]"),
        ("06,12,34,56,78", "[TELEFOON]"),
        ("06:12:34:56:78", "[TELEFOON]"),
        ("06.12.34.56.78", "[TELEFOON]"),
        ("0 6 1 2 3 4 5 6 7 8", "[TELEFOON]"),
        ("0592-123456", "[TELEFOON]"),
        ("111-222-333", "[BSN]"),
        ("111.222.333", "[BSN]"),
        ("111/222/333", "[BSN]"),
        ("111_222_333", "[BSN]"),
        ("11 12 22 333", "[BSN]"),
        ("jürgen@bücher.de", "[E-MAIL]"),
        ("jan @ gmail.com", "[E-MAIL]"),
        ("email: jan.jansen @ ziggo . nl", "[E-MAIL]"),
        ("jan at gmail punt com", "[E-MAIL]"),
        ("jan\uff20gmail.com", "[E-MAIL]"),
        ("jan@[192.168.1.1]", "[E-MAIL]"),
        ("NL91-ABNA-0417-1643-00", "[IBAN]"),
        ("91 ABNA 0417 1643 00", "[IBAN]"),
        ("ABNA 0417164300", "[IBAN]"),
        ("Kerkstraat nr. 12", "[ADRES]"),
        ("Kerkstraat nummer 12", "[ADRES]"),
        ("Kerkstraat12", "[ADRES]"),
        ("ik woon Hoofdstraat 3-B", "[ADRES]"),
        ("9401 AB 12", "[ADRES]"),
        ("ik woon Bisschopsmolen 4", "[ADRES]"),
        ("ik woon Schönfeldplein 4", "[ADRES]"),
        ("geboren 12 03 1942", "[GEBOORTEDATUM]"),
        ("geboren 12031943", "[GEBOORTEDATUM]"),
        ("ik ben van 12 maart 1942", "[GEBOORTEDATUM]"),
        ("geboren 1955/03/12", "[GEBOORTEDATUM]"),
        ("born March 12, 1942", "[GEBOORTEDATUM]"),
        ("ik ben geboren in maart 1942", "[GEBOORTEDATUM]"),
    ],
)
def test_every_leaking_class_of_the_security_test_is_redacted(text: str, tag: str) -> None:
    out = redact(text).text
    assert tag in out
    assert not any(ch.isdigit() for ch in out), out


def test_a_phone_number_after_a_long_run_of_digits_is_still_found() -> None:
    out = redact(" ".join(["1"] * 60) + " 0612345678").text
    assert out.endswith("[TELEFOON]")


def test_text_outside_a_finding_stays_as_typed() -> None:
    # The en dash of an opening time and the full-width digits of a room number are not touched.
    text = "open 9:00\u201317:00, kamer \uff11\uff12, bel 06\u201312345678"
    assert redact(text).text == "open 9:00\u201317:00, kamer \uff11\uff12, bel [TELEFOON]"
    # The value kept for a callback is the normalised number.
    assert redact("bel \uff10\uff16-12345678").contacts()[0].value == "06-12345678"


# --- properties -------------------------------------------------------------


def _bsn_strategy() -> st.SearchStrategy[str]:
    def make(digits: list[int]) -> str | None:
        total = sum(d * w for d, w in zip(digits, range(9, 1, -1), strict=True))
        last = total % 11
        return None if last > 9 else "".join(map(str, digits)) + str(last)

    return st.lists(st.integers(0, 9), min_size=8, max_size=8).map(make).filter(lambda v: v is not None)  # type: ignore[return-value]


def _iban_strategy() -> st.SearchStrategy[str]:
    def make(args: tuple[str, str]) -> str:
        bank, account = args
        numeric = "".join(str(int(ch, 36)) for ch in bank + account + "NL00")
        return f"NL{98 - int(numeric) % 97:02d}{bank}{account}"

    return st.tuples(
        st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=4, max_size=4),
        st.text(alphabet="0123456789", min_size=10, max_size=10),
    ).map(make)


_fragment = st.one_of(
    st.text(max_size=20),
    st.text(alphabet="0123456789 -.+()@/:abcNL", max_size=25),
    _bsn_strategy(),
    _iban_strategy(),
    st.emails(),
    st.sampled_from(
        ["Kerkstraat 12", "06-12345678", "geboren op 1-2-1950", "12-3-1960", "9401 AB", " ", "\n", "[BSN]", "[GEBOORTEDATUM]", "bsn"]
    ),
)
_messages = st.lists(_fragment, max_size=6).map(" ".join)

_NINE = re.compile(r"(?<!\d)\d{9}(?!\d)")


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_messages)
def test_redact_never_raises_and_is_idempotent(text: str) -> None:
    once = redact(text).text
    assert redact(once).text == once


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_messages)
def test_redact_never_leaves_a_valid_bsn_iban_or_email(text: str) -> None:
    out = redact(text).text
    assert not any(is_valid_bsn(m) for m in _NINE.findall(out))
    compact = re.sub(r"\s", "", out)
    assert not any(is_valid_iban(m) for m in re.findall(r"NL\d{2}[A-Z]{4}\d{10}", compact, re.IGNORECASE))
    assert privacy.EMAIL_RE.search(out) is None


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_redact_never_raises_on_any_text(text: str) -> None:
    assert isinstance(redact(text).text, str)
    assert isinstance(redact_bot_text(text).text, str)


# --- contact vault -----------------------------------------------------------


@pytest.fixture(autouse=True)
def _vault_key_in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Never the real var/vault.key.
    monkeypatch.delenv("SOCIALMAP_VAULT_KEY", raising=False)
    monkeypatch.setenv("SOCIALMAP_VAULT_KEY_FILE", str(tmp_path / "keys" / "vault.key"))


def test_vault_keeps_no_plain_text_on_disk(tmp_path: Path) -> None:
    path = tmp_path / "vault.db"
    engine = create_engine(f"sqlite:///{path}", future=True)
    vault = ContactVault(engine)
    vault.put("c1", "telefoon", "06-98765432")
    vault.put("c1", "email", "geheim.adres@example.nl")
    engine.dispose()
    raw = path.read_bytes()
    assert b"98765432" not in raw and b"geheim" not in raw
    con = sqlite3.connect(path)
    tokens = [row[0] for row in con.execute("SELECT token FROM contact_vault_enc")]
    con.close()
    assert len(tokens) == 2 and all(t.startswith("gAAAA") for t in tokens)  # Fernet tokens
    again = ContactVault(create_engine(f"sqlite:///{path}", future=True))
    assert again.pop_latest("c1") == "geheim.adres@example.nl"


def test_vault_key_file_is_created_private_once(tmp_path: Path) -> None:
    key_path = tmp_path / "keys" / "vault.key"
    first = privacy.load_key()
    assert key_path.exists() and (key_path.stat().st_mode & 0o777) == 0o600
    assert privacy.load_key() == first


def test_processes_that_start_together_share_one_key(tmp_path: Path) -> None:
    import threading

    keys: list[bytes] = []
    start = threading.Barrier(8)

    def load() -> None:
        start.wait()
        keys.append(privacy.load_key())

    threads = [threading.Thread(target=load) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert len(keys) == 8 and len(set(keys)) == 1
    assert sorted(p.name for p in (tmp_path / "keys").iterdir()) == ["vault.key"]


def test_vault_key_from_the_environment_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from cryptography.fernet import Fernet

    key = Fernet.generate_key()
    monkeypatch.setenv("SOCIALMAP_VAULT_KEY", key.decode())
    assert privacy.load_key() == key
    assert not (tmp_path / "keys" / "vault.key").exists()
    monkeypatch.setenv("SOCIALMAP_VAULT_KEY", "not-a-key")
    with pytest.raises(ValueError):
        privacy.load_key()


def test_vault_with_another_key_reads_nothing(tmp_path: Path) -> None:
    from cryptography.fernet import Fernet

    engine = create_engine(f"sqlite:///{tmp_path / 'v.db'}", future=True)
    ContactVault(engine, key=Fernet.generate_key()).put("c1", "telefoon", "06-11111111")
    assert ContactVault(engine, key=Fernet.generate_key()).pop_latest("c1") is None


def test_vault_drops_the_plain_text_table_of_earlier_versions(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE contact_vault (id INTEGER PRIMARY KEY, conversation_id TEXT, kind TEXT, value TEXT)")
    con.execute("INSERT INTO contact_vault VALUES (1, 'c1', 'telefoon', '06-12121212')")
    con.commit()
    con.close()
    ContactVault(create_engine(f"sqlite:///{path}", future=True)).ensure_schema()
    con = sqlite3.connect(path)
    names = {row[0] for row in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    con.close()
    assert "contact_vault" not in names and "contact_vault_enc" in names


@pytest.fixture()
def vault_engine(tmp_path: Path):  # type: ignore[no-untyped-def]
    engine = create_engine(f"sqlite:///{tmp_path / 'socialmap.db'}", future=True)
    yield engine
    engine.dispose()


def test_vault_pops_the_newest_contact_once(vault_engine) -> None:  # type: ignore[no-untyped-def]
    vault = ContactVault(vault_engine)
    vault.ensure_schema()
    vault.ensure_schema()  # idempotent
    vault.put("c1", "telefoon", "06-11111111")
    vault.put("c1", "email", "a@b.nl")
    vault.put("c2", "telefoon", "06-22222222")
    assert vault.latest("c1") == "a@b.nl"
    assert vault.pop_latest("c1") == "a@b.nl"
    assert vault.pop_latest("c1") == "06-11111111"
    assert vault.pop_latest("c1") is None
    assert vault.pop_latest("c2", kind="email") is None
    assert vault.forget("c2") == 1


def test_vault_entries_expire_after_one_day(vault_engine) -> None:  # type: ignore[no-untyped-def]
    now = datetime(2024, 5, 1, 12, tzinfo=timezone.utc)
    clock = {"now": now}
    vault = ContactVault(vault_engine, clock=lambda: clock["now"])
    vault.put("c1", "telefoon", "06-11111111")
    clock["now"] = now + timedelta(days=1, minutes=1)
    assert vault.pop_latest("c1") is None
    assert vault.purge_expired() == 1


def test_writing_a_contact_removes_expired_ones(vault_engine) -> None:  # type: ignore[no-untyped-def]
    now = datetime(2024, 5, 1, 12, tzinfo=timezone.utc)
    clock = {"now": now}
    vault = ContactVault(vault_engine, clock=lambda: clock["now"])
    vault.put("c1", "telefoon", "06-11111111")
    clock["now"] = now + timedelta(days=1, minutes=1)
    vault.put("c2", "telefoon", "06-22222222")
    con = vault_engine.raw_connection()
    try:
        assert con.execute("SELECT conversation_id FROM contact_vault_enc").fetchall() == [("c2",)]
    finally:
        con.close()


def test_vault_refuses_other_kinds(vault_engine) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError):
        ContactVault(vault_engine).put("c1", "bsn", "111222333")


# --- retention ----------------------------------------------------------------


def _make_tracker_db(path: Path, rows: list[tuple[str, float]]) -> None:
    con = sqlite3.connect(path)
    # The columns of Rasa's SQLTrackerStore `events` table.
    con.execute(
        "CREATE TABLE events (id INTEGER PRIMARY KEY, sender_id VARCHAR(255) NOT NULL, type_name VARCHAR(255) NOT NULL,"
        " timestamp FLOAT, intent_name VARCHAR(255), action_name VARCHAR(255), data TEXT)"
    )
    con.executemany(
        "INSERT INTO events (sender_id, type_name, timestamp, data) VALUES (?, 'user', ?, '{}')", rows
    )
    con.commit()
    con.close()


@pytest.fixture()
def retention_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    from socialmap import db
    from socialmap.settings import get_settings

    monkeypatch.setenv("SOCIALMAP_DB_URL", f"sqlite:///{tmp_path / 'socialmap.db'}")
    monkeypatch.setenv("TRACKER_DB_URL", f"sqlite:///{tmp_path / 'tracker.db'}")
    monkeypatch.setenv("SOCIALMAP_VAULT_KEY_FILE", str(tmp_path / "vault.key"))
    get_settings.cache_clear()
    db.dispose_all()
    yield tmp_path
    get_settings.cache_clear()
    db.dispose_all()


def test_purge_deletes_only_whole_conversations_whose_last_event_is_old(retention_env: Path) -> None:
    now = datetime(2024, 6, 1, tzinfo=timezone.utc)
    old = (now - timedelta(days=40)).timestamp()
    recent = (now - timedelta(days=2)).timestamp()
    _make_tracker_db(
        retention_env / "tracker.db",
        [("old", old), ("old", old + 60), ("mixed", old), ("mixed", recent), ("new", recent)],
    )
    vault = ContactVault()
    vault.put("old", "telefoon", "06-11111111")

    report = purge(days=28, now=now)

    assert report["conversations"] == 1
    assert report["days"] == 28
    con = sqlite3.connect(retention_env / "tracker.db")
    left = sorted({row[0] for row in con.execute("SELECT sender_id FROM events")})
    assert left == ["mixed", "new"]
    assert con.execute("SELECT COUNT(*) FROM events WHERE sender_id='mixed'").fetchone()[0] == 2
    con.close()
    assert report["contact_vault"] == 0  # stored "now", less than a day old


def test_purge_without_a_tracker_database_reports_zero_and_creates_nothing(retention_env: Path) -> None:
    assert purge(days=28)["conversations"] == 0
    assert not (retention_env / "tracker.db").exists()


def test_purge_calls_handoff_purge_when_it_exists(
    retention_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sys
    import types

    seen: list[datetime] = []
    fake = types.ModuleType("socialmap.handoff")
    fake.purge_older_than = lambda cutoff: (seen.append(cutoff), {"tickets": 2, "callbacks": 1})[1]  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "socialmap.handoff", fake)
    now = datetime(2024, 6, 1, tzinfo=timezone.utc)
    report = purge(days=10, now=now)
    assert report["handoff"] == {"tickets": 2, "callbacks": 1}
    assert seen == [now - timedelta(days=10)]


def test_purge_cli_prints_what_was_deleted(retention_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import argparse

    parser = argparse.ArgumentParser()
    privacy.register_cli(parser.add_subparsers())
    args = parser.parse_args(["purge", "--days", "7"])
    assert args.func(args) == 0
    out = capsys.readouterr().out
    assert "bewaartermijn: 7 dagen" in out and "verwijderde gesprekken: 0" in out


def test_retention_scheduler_runs_purge_and_stops() -> None:
    calls: list[int | None] = []
    scheduler = RetentionScheduler(
        interval_hours=1 / 3600 / 20, days=5, purge_fn=lambda d: calls.append(d) or {}
    )
    scheduler.start()
    deadline = time.monotonic() + 5
    while len(calls) < 3 and time.monotonic() < deadline:
        time.sleep(0.01)
    scheduler.stop()
    assert len(calls) >= 3 and set(calls) == {5}
    assert not scheduler.is_alive()


def test_retention_scheduler_survives_a_failing_purge() -> None:
    def broken(_days: int | None) -> dict:
        raise RuntimeError("database locked")

    scheduler = RetentionScheduler(interval_hours=1 / 3600 / 20, purge_fn=broken)
    scheduler.start()
    deadline = time.monotonic() + 5
    while scheduler.runs < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    scheduler.stop()
    assert scheduler.runs >= 2


def test_a_callback_contact_is_encrypted_at_rest_in_the_handoff_queue(tmp_path: Path) -> None:
    from socialmap import handoff as hq

    path = tmp_path / "queue.db"
    queue = hq.HandoffQueue(db_url=f"sqlite:///{path}")
    queue.stage_contact("test-0a1b2c3d4e5f", hq.Contact("phone", "0698765432"))
    request = queue.request_callback("test-0a1b2c3d4e5f", "morgen om 10 uur", hq.HandoffSummary())
    assert b"98765432" not in path.read_bytes()
    assert queue.callback_contact(request.id) == hq.Contact("phone", "0698765432")
    # A contact stored in plain text by an earlier version is still readable until it is deleted.
    con = sqlite3.connect(path)
    con.execute("UPDATE callback_contact SET value = '0611112222' WHERE callback_id = ?", (request.id,))
    con.commit()
    con.close()
    assert queue.callback_contact(request.id) == hq.Contact("phone", "0611112222")


@pytest.mark.parametrize(
    "text",
    [
        "AA00 NL54AAAA0000000000",
        "code XY12 NL91 ABNA 0417 1643 00 graag",
        "DE00-NL91ABNA0417164300",
        "ref AB12CD34 NL91.ABNA.0417.1643.00",
    ],
)
def test_an_invalid_iban_shape_does_not_hide_a_valid_iban_that_starts_inside_it(text: str) -> None:
    out = redact(text).text
    assert "[IBAN]" in out, out
    assert "0417" not in out and "ABNA" not in out.upper(), out
