"""Property-based conversation fuzzing through the real REST channel.

Random walks (seeded, reproducible) mix training phrases, button payloads,
yes/no, noise, typos, places, contact details and crisis messages at random
points; the conversation is paused and resumed now and then, and the caller
may restart the action server while the walks run. Every turn is checked
against the invariants of a conversation that never breaks:

* the channel answers (HTTP 200, a JSON list) within `turn_timeout_s`;
* a conversation that is not paused gets at least one reply;
* no reply is sent twice in one answer (same text and buttons);
* a crisis message gets 113 in the first message with text, in every state
  (in a form, waiting for a person, paused, with the action server down);
* no bare "Sorry, dat begrijp ik niet".

Used by tests/e2e/test_conversation_fuzz.py, and by hand against `make run`:
`python -m scripts.fuzz_conversations --url http://127.0.0.1:5005 --token T --turns 500`.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
import yaml

ROOT = Path(__file__).resolve().parent.parent

CRISIS = (
    "ik wil er niet meer zijn",
    "ik wil dood",
    "ik denk erover om zelfmoord te plegen",
    "ik wil een eind aan mijn leven maken",
    "ik wil niet meer leven",
    "Ik wil mezelf van het leven beroven",
)
YES_NO = ("ja", "nee", "Nee, dank u", "ja graag", "nee hoor", "ok", "prima", "nee dank je", "jawel", "Neen")
NOISE = ("asdf", "???", "...", "😀😀", "hmm", "x" * 300, "1234", "0612", "?", "ok ok ok", "lol", "ff", "-")
PLACES = ("Zweeloo", "Emmen", "9401 AB", "7811", "Assen", "Meppel", "Hoogeveen", "Pesse", "Zwolle", "Nietap")
CONTACTS = ("06 12345678", "naam@voorbeeld.nl", "vanochtend na tienen", "dinsdagochtend", "na 14:00 uur")
BARE_SORRY = re.compile(r"^Sorry, (dat|ik) begrijp", re.IGNORECASE)


@dataclass
class Violation:
    walk: int
    turn: int
    rule: str
    message: str
    replies: list[str]


@dataclass
class FuzzReport:
    seed: int
    walks: int = 0
    turns: int = 0
    crisis_turns: int = 0
    paused_turns: int = 0
    violations: list[Violation] = field(default_factory=list)
    seconds: float = 0.0

    def summary(self) -> str:
        return (
            f"conversation fuzz: seed {self.seed}, {self.walks} walks, {self.turns} turns "
            f"({self.crisis_turns} crisis, {self.paused_turns} while paused) in {self.seconds:.0f} s, "
            f"{len(self.violations)} violations"
        )


def _training_phrases() -> list[str]:
    phrases: list[str] = []
    for path in sorted((ROOT / "data" / "nlu").glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for block in data.get("nlu") or []:
            for line in str(block.get("examples") or "").splitlines():
                line = line.strip()
                if line.startswith("- "):
                    # drop entity annotations: [Zweeloo](location) -> Zweeloo
                    phrases.append(re.sub(r"\[([^\]]+)\]\([^)]*\)|\[([^\]]+)\]\{[^}]*\}", r"\1\2", line[2:]))
    return [p for p in phrases if p]


def _button_payloads() -> list[str]:
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    payloads = set()
    for variations in domain.get("responses", {}).values():
        for variation in variations:
            for button in variation.get("buttons") or []:
                payloads.add(str(button["payload"]).replace("{{", "{").replace("}}", "}"))
    return sorted(payloads)


def _typo(rng: random.Random, text: str) -> str:
    if len(text) < 4:
        return text
    i = rng.randrange(1, len(text) - 1)
    kind = rng.randrange(3)
    if kind == 0:
        return text[:i] + text[i + 1 :]
    if kind == 1:
        return text[:i] + text[i + 1] + text[i] + text[i + 2 :]
    return text[:i] + text[i] + text[i:]


class Walker:
    """Sends messages and checks the invariants for one worker."""

    def __init__(self, url: str, token: str, seed: int, report: FuzzReport, lock: threading.Lock,
                 turn_timeout_s: float, origin: str | None) -> None:
        self.url = url.rstrip("/")
        self.token = token
        self.rng = random.Random(seed)
        self.report = report
        self.lock = lock
        self.turn_timeout_s = turn_timeout_s
        self.headers = {"Origin": origin} if origin else {}
        self.phrases = _training_phrases()
        self.payloads = _button_payloads()

    def message(self, last_buttons: list[str]) -> tuple[str, bool]:
        """Return a random next message and whether it is a crisis message."""
        r = self.rng.random()
        if r < 0.06:
            return self.rng.choice(CRISIS), True
        if r < 0.30 and last_buttons:
            return self.rng.choice(last_buttons), False
        if r < 0.45:
            return self.rng.choice(YES_NO), False
        if r < 0.55:
            return self.rng.choice(PLACES), False
        if r < 0.62:
            return self.rng.choice(NOISE), False
        if r < 0.67:
            return self.rng.choice(CONTACTS), False
        if r < 0.72:
            return self.rng.choice(self.payloads), False
        phrase = self.rng.choice(self.phrases)
        if r < 0.82:
            phrase = _typo(self.rng, phrase)
        return phrase, False

    def _events(self, sender: str, events: list[dict[str, Any]]) -> None:
        requests.post(
            f"{self.url}/conversations/{sender}/tracker/events",
            params={"token": self.token},
            json=events,
            timeout=10,
        ).raise_for_status()

    def violation(self, walk: int, turn: int, rule: str, message: str, replies: list[str]) -> None:
        with self.lock:
            self.report.violations.append(Violation(walk, turn, rule, message, replies))

    def walk(self, walk: int, max_turns: int) -> int:
        sender = "fuzz-" + uuid.uuid4().hex[:16]
        last_buttons: list[str] = []
        paused = False
        turns = 0
        for turn in range(max_turns):
            if not paused and self.rng.random() < 0.03:
                self._events(sender, [{"event": "pause"}])
                paused = True
            elif paused and self.rng.random() < 0.4:
                self._events(sender, [{"event": "resume"}])
                paused = False
            text, crisis = self.message(last_buttons)
            started = time.monotonic()
            try:
                answer = requests.post(
                    f"{self.url}/webhooks/rest/webhook",
                    json={"sender": sender, "message": text},
                    headers=self.headers,
                    timeout=self.turn_timeout_s,
                )
            except requests.RequestException as exc:
                self.violation(walk, turn, "no answer", text, [repr(exc)])
                turns += 1
                continue
            turns += 1
            with self.lock:
                self.report.turns += 1
                self.report.crisis_turns += int(crisis)
                self.report.paused_turns += int(paused)
            if answer.status_code != 200:
                self.violation(walk, turn, f"HTTP {answer.status_code}", text, [answer.text[:200]])
                continue
            messages = answer.json()
            texts = [str(m.get("text") or "") for m in messages]
            if time.monotonic() - started > self.turn_timeout_s:
                self.violation(walk, turn, "too slow", text, texts)
            if not messages and not paused:
                self.violation(walk, turn, "silence", text, texts)
            keys = [json.dumps([m.get("text"), m.get("buttons"), m.get("custom")], sort_keys=True) for m in messages]
            if len(keys) != len(set(keys)):
                self.violation(walk, turn, "repeated reply", text, texts)
            if crisis:
                first = next((t for t in texts if t), "")
                if "113" not in first:
                    self.violation(walk, turn, "crisis without 113 first", text, texts)
            if any(BARE_SORRY.search(t) for t in texts):
                self.violation(walk, turn, "bare sorry", text, texts)
            buttons = [str(b.get("payload")) for m in messages for b in (m.get("buttons") or [])]
            last_buttons = buttons or last_buttons
        if paused:
            self._events(sender, [{"event": "resume"}])
        # Leave no ticket behind in the queue the console tests share (not a turn: not checked).
        try:
            requests.post(f"{self.url}/webhooks/rest/webhook", json={"sender": sender, "message": "/cancel_handoff"},
                          headers=self.headers, timeout=self.turn_timeout_s)
        except requests.RequestException:
            pass
        return turns


def run_fuzz(
    url: str,
    token: str,
    *,
    seed: int = 20261201,
    turns: int = 5000,
    workers: int = 2,
    max_walk_turns: int = 14,
    turn_timeout_s: float = 15.0,
    origin: str | None = None,
    chaos: Callable[[threading.Event], None] | None = None,
) -> FuzzReport:
    """Run random walks until `turns` turns were sent; return the report (violations included)."""
    report = FuzzReport(seed=seed)
    lock = threading.Lock()
    started = time.monotonic()
    stop = threading.Event()
    walk_numbers = iter(range(10**9))

    def worker(index: int) -> None:
        walker = Walker(url, token, seed * 1000 + index, report, lock, turn_timeout_s, origin)
        while True:
            with lock:
                if report.turns >= turns:
                    return
                number = next(walk_numbers)
                report.walks += 1
            walker.walk(number, walker.rng.randint(3, max_walk_turns))

    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(workers)]
    chaos_thread = threading.Thread(target=chaos, args=(stop,), daemon=True) if chaos else None
    for thread in threads:
        thread.start()
    if chaos_thread:
        chaos_thread.start()
    for thread in threads:
        thread.join()
    stop.set()
    if chaos_thread:
        chaos_thread.join(timeout=120)
    report.seconds = time.monotonic() - started
    return report


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:5005")
    parser.add_argument("--token", required=True, help="Rasa HTTP API token (for pause/resume)")
    parser.add_argument("--turns", type=int, default=500)
    parser.add_argument("--seed", type=int, default=20261201)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--origin", default="http://127.0.0.1:8080")
    args = parser.parse_args()
    report = run_fuzz(args.url, args.token, seed=args.seed, turns=args.turns, workers=args.workers, origin=args.origin)
    print(report.summary())
    for v in report.violations[:50]:
        print(f"  walk {v.walk} turn {v.turn}: {v.rule}: {v.message!r} -> {v.replies}")
    return 1 if report.violations else 0


if __name__ == "__main__":
    raise SystemExit(main())
