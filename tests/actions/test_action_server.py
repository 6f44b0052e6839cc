"""The action server entry (scripts/action_server.py): loopback, shared secret, actions off the event loop.

The server runs as a real process on 127.0.0.1 (the way scripts/stack.py starts it), with
its own SQLite database in a temp folder, and is called over HTTP.
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import textwrap
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from sanic import Sanic

from scripts.action_server import TOKEN_HEADER, create_app
from scripts.stack import ROOT
from socialmap import handoff as hq

SECRET = "test-secret-" + uuid.uuid4().hex
Sanic.test_mode = True


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "PYTHONPATH": str(ROOT),
            "SOCIALMAP_DB_URL": f"sqlite:///{tmp_path / 'socialmap.db'}",
            "SOCIALMAP_VAR_DIR": str(tmp_path),
            "SOCIALMAP_VAULT_KEY_FILE": str(tmp_path / "vault.key"),
            "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
        }
    )
    env.pop("ACTION_SERVER_TOKEN", None)
    env.pop("ACTION_SERVER_TOKEN_FILE", None)
    env.update(extra)
    return env


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    tmp_path = tmp_path_factory.mktemp("actions")
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "scripts.action_server", "--port", str(port)],
        cwd=ROOT,
        env=_env(tmp_path, ACTION_SERVER_TOKEN=SECRET),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while True:
        try:
            if requests.get(f"{url}/health", timeout=1).ok:
                break
        except requests.RequestException:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            out = proc.stdout.read().decode(errors="replace") if proc.stdout else ""
            proc.kill()
            raise RuntimeError(f"action server did not start:\n{out[-3000:]}")
        time.sleep(0.3)
    try:
        yield {"url": url, "port": port, "pid": proc.pid, "db_url": f"sqlite:///{tmp_path / 'socialmap.db'}"}
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


def _call(conversation: str, action: str = "action_cancel_handoff") -> dict[str, Any]:
    return {
        "next_action": action,
        "sender_id": conversation,
        "version": "3.6.2",
        "domain": {},
        "tracker": {
            "sender_id": conversation,
            "slots": {},
            "latest_message": {},
            "events": [],
            "paused": False,
            "followup_action": None,
            "active_loop": {},
            "latest_action_name": None,
        },
    }


@pytest.mark.parametrize(
    "headers",
    [{}, {TOKEN_HEADER: "wrong"}, {TOKEN_HEADER: ""}, {TOKEN_HEADER: SECRET[:-1]}, {"Authorization": SECRET}],
)
def test_a_call_without_the_secret_is_refused_and_changes_nothing(
    server: dict[str, Any], headers: dict[str, str]
) -> None:
    queue = hq.HandoffQueue(db_url=server["db_url"])
    conversation = "test-" + uuid.uuid4().hex[:12]
    ticket = queue.request(conversation, hq.HandoffSummary(), priority="normal")
    answer = requests.post(f"{server['url']}/webhook", json=_call(conversation), headers=headers, timeout=10)
    assert answer.status_code == 401
    assert answer.json() == {"error": "unauthorized"}
    assert queue.get(ticket.id).status == ticket.status  # the ticket was not cancelled


def test_a_non_ascii_secret_header_is_refused_not_a_server_error(server: dict[str, Any]) -> None:
    answer = requests.post(
        f"{server['url']}/webhook", data=b"{}", headers={TOKEN_HEADER: "g\u00e9heim".encode()}, timeout=10
    )
    assert answer.status_code == 401


def test_the_action_list_needs_the_secret_too_and_health_does_not(server: dict[str, Any]) -> None:
    assert requests.get(f"{server['url']}/actions", timeout=10).status_code == 401
    names = requests.get(f"{server['url']}/actions", headers={TOKEN_HEADER: SECRET}, timeout=10).json()
    assert {"name": "action_cancel_handoff"} in names
    assert requests.get(f"{server['url']}/health", timeout=10).json() == {"status": "ok"}


def test_rasa_with_the_secret_runs_the_action(server: dict[str, Any]) -> None:
    queue = hq.HandoffQueue(db_url=server["db_url"])
    conversation = "test-" + uuid.uuid4().hex[:12]
    ticket = queue.request(conversation, hq.HandoffSummary(), priority="normal")
    answer = requests.post(
        f"{server['url']}/webhook", json=_call(conversation), headers={TOKEN_HEADER: SECRET}, timeout=10
    )
    assert answer.status_code == 200, answer.text
    assert queue.get(ticket.id).status != ticket.status


def test_it_listens_on_loopback_only(server: dict[str, Any]) -> None:
    port_hex = f"{server['port']:04X}"
    listening = []
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:] + Path("/proc/net/tcp6").read_text().splitlines()[1:]:
        local, state = line.split()[1], line.split()[3]
        if local.endswith(":" + port_hex) and state == "0A":  # LISTEN
            listening.append(local.split(":")[0])
    assert listening == ["0100007F"]  # 127.0.0.1, not 0.0.0.0 or ::


def test_the_secret_is_not_on_the_command_line(server: dict[str, Any]) -> None:
    cmdline = Path(f"/proc/{server['pid']}/cmdline").read_bytes()
    assert SECRET.encode() not in cmdline


def test_it_refuses_to_start_without_a_secret(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "scripts.action_server", "--port", str(_free_port())],
        cwd=ROOT,
        env=_env(tmp_path),
        capture_output=True,
        timeout=120,
    )
    assert done.returncode == 2
    assert b"ACTION_SERVER_TOKEN" in done.stderr


# --- actions run off the event loop -------------------------------------------------


@pytest.fixture()
def blocking_actions(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A package with one action that blocks its thread for a second (like a slow PDOK call) and one quick."""
    package = f"blocking_actions_{uuid.uuid4().hex[:8]}"
    (tmp_path / package).mkdir()
    (tmp_path / package / "__init__.py").write_text(
        textwrap.dedent(
            """
            import time
            from rasa_sdk import Action

            class Slow(Action):
                def name(self):
                    return "action_slow"

                async def run(self, dispatcher, tracker, domain):
                    time.sleep(1.0)  # a synchronous HTTP call, as the geocoder makes
                    return []

            class Quick(Action):
                def name(self):
                    return "action_quick"

                async def run(self, dispatcher, tracker, domain):
                    dispatcher.utter_message(text="snel")
                    return []
            """
        )
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    return package


async def test_a_blocking_action_does_not_delay_other_conversations(blocking_actions: str) -> None:
    import threading

    app = create_app(SECRET, blocking_actions)
    port = _free_port()
    server = await app.create_server(host="127.0.0.1", port=port, return_asyncio_server=True, access_log=False)
    assert server is not None
    await server.startup()
    url = f"http://127.0.0.1:{port}/webhook"
    headers = {TOKEN_HEADER: SECRET}
    took: dict[str, list[float]] = {"slow": [], "quick": []}

    def call(action: str, kind: str) -> None:
        # Measured in its own thread: the server's event loop is this test's loop.
        started = time.monotonic()
        answer = requests.post(url, json=_call("test-0a1b2c3d4e5f", action), headers=headers, timeout=10)
        assert answer.status_code == 200, answer.text
        took[kind].append(time.monotonic() - started)

    def residents() -> None:
        slow = threading.Thread(target=call, args=("action_slow", "slow"))
        slow.start()
        time.sleep(0.2)  # the slow action is now blocking its thread
        quick = [threading.Thread(target=call, args=("action_quick", "quick")) for _ in range(5)]
        for thread in quick:
            thread.start()
        for thread in [slow, *quick]:
            thread.join(15)

    try:
        await asyncio.to_thread(residents)
    finally:
        await server.close()
    assert len(took["slow"]) == 1 and took["slow"][0] >= 1.0
    # On rasa_sdk's own executor each quick call waits for the sleeping action (about 0.8 s).
    assert len(took["quick"]) == 5 and max(took["quick"]) < 0.4, took
