"""Conversation fuzzing through the real REST channel: the invariants hold on every turn.

Thousands of seeded random walks (FUZZ_SEED, FUZZ_TURNS to change them) while the
action server is stopped and started again now and then. See scripts/fuzz_conversations.py.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

import pytest

from scripts.fuzz_conversations import run_fuzz

pytestmark = pytest.mark.e2e

TURNS = int(os.environ.get("FUZZ_TURNS", "5000"))
SEED = int(os.environ.get("FUZZ_SEED", "20261201"))
SUMMARY_FILE = Path(__file__).resolve().parents[2] / "results" / "conversation_fuzz.txt"


@pytest.mark.timeout(2400)
def test_no_flood_no_silence_and_113_in_every_state(stack: Any) -> None:
    restarts = 0

    def chaos(stop: threading.Event) -> None:
        # Every 45 s the action server goes away for 3 s, then comes back.
        nonlocal restarts
        while not stop.wait(45):
            stack.stack.stop("actions")
            stop.wait(3)
            stack.stack.start("actions")
            stack.stack.wait_ready(("actions",), timeout=120)
            restarts += 1

    report = run_fuzz(stack.rasa_url, stack.token, seed=SEED, turns=TURNS, workers=2, chaos=chaos)
    summary = report.summary() + f", {restarts} action-server restarts"
    print(summary)
    SUMMARY_FILE.parent.mkdir(parents=True, exist_ok=True)
    SUMMARY_FILE.write_text(summary + "\n", encoding="utf-8")  # printed at the end of the run (tests/conftest.py)
    details = "\n".join(
        f"walk {v.walk} turn {v.turn}: {v.rule}: {v.message!r} -> {v.replies}" for v in report.violations[:25]
    )
    assert report.turns >= TURNS
    assert report.crisis_turns > 0 and report.paused_turns > 0
    assert not report.violations, details
