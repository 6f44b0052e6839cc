"""Issue 12 on the running stack: no secret on a command line, private files, the action server shut.

Uses the session stack of tests/conftest.py (action server, Rasa and web on 127.0.0.1).
"""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
import requests

from tests.conftest import RunningStack

pytestmark = pytest.mark.e2e


def test_no_process_of_the_stack_shows_a_secret_on_its_command_line(stack: RunningStack) -> None:
    secrets = [stack.token.encode(), stack.env["ACTION_SERVER_TOKEN"].encode()]
    assert set(stack.stack.procs) == {"actions", "rasa", "web"}
    for name, proc in stack.stack.procs.items():
        cmdline = Path(f"/proc/{proc.pid}/cmdline").read_bytes()
        assert not any(s in cmdline for s in secrets), name


def test_the_databases_and_var_are_private(stack: RunningStack) -> None:
    stack.send("test-" + "0a1b2c3d4e5f", "hallo")  # the tracker database exists after a turn
    assert stat.S_IMODE(stack.var_dir.stat().st_mode) == 0o700
    files = [p for p in stack.var_dir.iterdir() if p.is_file()]
    assert any(p.name == "tracker.db" for p in files)
    assert {p.name: stat.S_IMODE(p.stat().st_mode) for p in files} == {p.name: 0o600 for p in files}


def test_a_direct_call_to_the_action_server_is_refused(stack: RunningStack) -> None:
    call = {"next_action": "action_cancel_handoff", "sender_id": "test-0a1b2c3d4e5f", "tracker": {}, "domain": {}}
    assert requests.post(f"{stack.actions_url}/webhook", json=call, timeout=5).status_code == 401
    assert requests.get(f"{stack.actions_url}/actions", timeout=5).status_code == 401


def test_rasa_still_reaches_the_action_server_with_the_secret(stack: RunningStack) -> None:
    # A search turn runs the search action: result cards (not the apology) mean the secret header works.
    answers = stack.send("test-1a2b3c4d5e6f", "Ik zoek een koffieochtend in Assen")
    texts = " ".join(str(m.get("text") or "") for m in answers)
    assert "Sorry, er ging" not in texts
    assert any(isinstance(m.get("custom"), dict) for m in answers), answers


def test_slash_text_with_a_phone_number_reaches_neither_tracker_nor_log(stack: RunningStack) -> None:
    sender = "test-2a3b4c5d6e7f"
    answers = stack.send(sender, "/greet 06-12345678")
    answers += stack.send(sender, '/inform{"location": "0612345678"}')
    assert "12345678" not in json.dumps(answers)
    tracker = stack.tracker(sender)
    assert "12345678" not in json.dumps(tracker)
    texts = [e.get("text") for e in tracker["events"] if e.get("event") == "user"]
    assert texts[:2] == ["greet [TELEFOON]", 'inform{"location": "[TELEFOON]"}']
    log = (stack.stack.config.log_dir / "rasa.log").read_text(errors="replace")
    assert "12345678" not in log


def test_metadata_is_whitelisted_on_the_way_into_the_tracker(stack: RunningStack) -> None:
    sender = "test-3a4b5c6d7e8f"
    body = {"sender": sender, "message": "hallo", "metadata": {"page": "/hulp", "secret": "jan@geheimdomein.nl"}}
    assert requests.post(f"{stack.rasa_url}/webhooks/rest/webhook", json=body, timeout=30).ok
    tracker = json.dumps(stack.tracker(sender))
    assert "geheimdomein" not in tracker and '"page": "/hulp"' in tracker
    huge = {"sender": sender, "message": "hallo", "metadata": {"page": "x" * 5_000_000}}
    assert requests.post(f"{stack.rasa_url}/webhooks/rest/webhook", json=huge, timeout=30).status_code == 413
