"""Shared fixtures: one running stack (action server + Rasa + web) per test session.

Rasa loads its model in about half a minute, so every end-to-end and browser
test shares the one stack started here, on free ports, with its own copy of
the social-map database and its own tracker database in a temp folder.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import yaml

from scripts.stack import ROOT, Stack, isolated_config
from socialmap.settings import WEEKDAYS_NL

RUN_STARTED = time.time()
os.environ.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")
os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
# Contacts are encrypted at rest (socialmap.vault): tests use a key of their own, never var/vault.key.
os.environ.setdefault("SOCIALMAP_VAULT_KEY", "J0BNqcLlEQ6MdlGC7HBgQqoSqrKQnnxYtPR1JwDCJ7A=")


class RunningStack:
    """Handles for tests: URLs, the API token, and small helpers to talk to the assistant."""

    def __init__(self, stack: Stack, var_dir: Path) -> None:
        self.stack = stack
        self.var_dir = var_dir
        cfg = stack.config
        self.rasa_url = cfg.rasa_url
        self.actions_url = cfg.actions_url
        self.web_url = cfg.web_url
        self.token = cfg.token
        self.db_url = cfg.db_url
        self.tracker_db_url = cfg.tracker_db_url
        self.env = cfg.environment()

    def send(self, sender: str, text: str, timeout: float = 30) -> list[dict[str, Any]]:
        """Send one resident message through the REST channel; return the bot's answers."""
        answer = requests.post(
            f"{self.rasa_url}/webhooks/rest/webhook", json={"sender": sender, "message": text}, timeout=timeout
        )
        answer.raise_for_status()
        return list(answer.json())

    def texts(self, sender: str, text: str) -> str:
        """Send a message and return all answer texts joined by newlines."""
        return "\n".join(m.get("text") or "" for m in self.send(sender, text))

    def tracker(self, sender: str) -> dict[str, Any]:
        answer = requests.get(
            f"{self.rasa_url}/conversations/{sender}/tracker", params={"token": self.token}, timeout=10
        )
        answer.raise_for_status()
        return dict(answer.json())

    def add_staff(self, username: str, password: str, name: str) -> None:
        """Create a staff account through the real command line."""
        subprocess.run(
            [sys.executable, "-m", "socialmap", "staff", "add", username, "--name", name, "--password-stdin"],
            input=password.encode(),
            env=self.env,
            cwd=ROOT,
            check=True,
            capture_output=True,
        )


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    """Start the whole assistant once for the test session and stop it afterwards."""
    var_dir = tmp_path_factory.mktemp("var")
    # The helpdesk is open around the clock in tests, so the queue path is deterministic;
    # the closed path (callback requests) is tested against the queue directly.
    deployment = yaml.safe_load((ROOT / "deployment.yml").read_text(encoding="utf-8"))
    deployment["opening_hours"] = {day: ["00:00", "23:59"] for day in WEEKDAYS_NL}
    (var_dir / "deployment.yml").write_text(yaml.safe_dump(deployment, allow_unicode=True), encoding="utf-8")
    # Every municipality's helpdesk too (socialmap.tenants): a resident of Emmen is queued for Emmen's.
    tenants_dir = var_dir / "deployments"
    tenants_dir.mkdir()
    for source in sorted((ROOT / "deployments").glob("*.yml")):
        tenant = yaml.safe_load(source.read_text(encoding="utf-8"))
        tenant["opening_hours"] = deployment["opening_hours"]
        (tenants_dir / source.name).write_text(yaml.safe_dump(tenant, allow_unicode=True), encoding="utf-8")
    config = isolated_config(
        var_dir,
        ROOT / "results" / "logs",
        token="test-" + uuid.uuid4().hex,
        extra_env={
            "SOCIALMAP_DEPLOYMENT": str(var_dir / "deployment.yml"),
            "SOCIALMAP_DEPLOYMENTS_DIR": str(tenants_dir),
        },
    )
    for name in ("actions", "rasa", "web"):
        (config.log_dir / f"{name}.log").unlink(missing_ok=True)
    running = Stack(config)
    try:
        running.start_all(timeout=300)
        yield RunningStack(running, var_dir)
    finally:
        running.stop_all()


@pytest.fixture
def sender() -> str:
    """A fresh conversation id."""
    return "test-" + uuid.uuid4().hex[:12]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Run the browser tests last: Playwright's sync API leaves an event loop behind that
    breaks async tests collected after it; the stack is shared, so one run still suffices."""
    items.sort(key=lambda item: 1 if "tests/browser/" in str(item.fspath).replace("\\", "/") else 0)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Print the figures that tests wrote to results/ in this run (the conversation fuzzer's walks and turns)."""
    fuzz = ROOT / "results" / "conversation_fuzz.txt"
    if fuzz.exists() and fuzz.stat().st_mtime >= RUN_STARTED:
        terminalreporter.write_line(fuzz.read_text(encoding="utf-8").strip())
