"""The people of PERSONAS.md, in 60+ conversations through the REST channel (tests/conversations/personas.yml).

Each turn meets the invariants of the conversation fuzzer and the expectations
written beside it; every conversation's transcript lands in results/conversations/.
"""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from typing import Any

import pytest
import yaml

from scripts.fuzz_conversations import BARE_SORRY, CRISIS

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
SPEC = yaml.safe_load((ROOT / "tests" / "conversations" / "personas.yml").read_text(encoding="utf-8"))
CONVERSATIONS = SPEC["conversations"]
OUT = ROOT / "results" / "conversations"
PLACE_QUESTION = re.compile(r"In welke plaats woon|postcode", re.IGNORECASE)


def is_card(message: dict[str, Any]) -> bool:
    custom = message.get("custom")
    return isinstance(custom, dict) and custom.get("type") == "result_card"


def turn_responses(stack: Any, sender: str) -> list[str]:
    events = stack.tracker(sender)["events"]
    last_user = max(i for i, e in enumerate(events) if e["event"] == "user")
    return [str((e.get("metadata") or {}).get("utter_action")) for e in events[last_user + 1 :] if e["event"] == "bot"]


def check_turn(turn: dict[str, Any], answer: list[dict[str, Any]], responses: list[str]) -> list[str]:
    """Return what is wrong with this answer (empty when all is well)."""
    problems = []
    texts = [str(m.get("text") or "") for m in answer]
    titles = [str(b.get("title") or "") for m in answer for b in (m.get("buttons") or [])]
    joined = "\n".join(texts + titles)
    lowered = joined.lower()
    if not answer:
        problems.append("no answer")
    keys = [(m.get("text"), str(m.get("buttons")), str(m.get("custom"))) for m in answer]
    if len(keys) != len(set(keys)):
        problems.append("a reply was sent twice")
    if any(BARE_SORRY.search(t) for t in texts):
        problems.append("bare 'Sorry'")
    expect = turn.get("expect") or {}
    crisis = turn["say"] in CRISIS or expect.get("first_113")
    if crisis and "113" not in next((t for t in texts if t), ""):
        problems.append("crisis without 113 first")
    if expect.get("first_113") is False and "113" in joined:
        problems.append("a 113 answer where none was due")
    cards = sum(1 for m in answer if is_card(m))
    if cards < int(expect.get("cards", 0)):
        problems.append(f"{cards} cards, expected at least {expect['cards']}")
    if expect.get("asks_place") and not PLACE_QUESTION.search(joined):
        problems.append("does not ask for the place")
    for text in expect.get("contains", []):
        if text.lower() not in lowered:
            problems.append(f"missing {text!r}")
    if expect.get("any_of") and not any(t.lower() in lowered for t in expect["any_of"]):
        problems.append(f"none of {expect['any_of']!r}")
    for text in expect.get("not_contains", []):
        if text.lower() in lowered:
            problems.append(f"unexpected {text!r}")
    for name in expect.get("responses", []):
        if name not in responses:
            problems.append(f"response {name} not used (used: {responses})")
    if expect.get("buttons") and not any(m.get("buttons") for m in answer):
        problems.append("no buttons")
    return problems


def transcript_line(who: str, message: dict[str, Any]) -> str:
    if is_card(message):
        return f"{who}: [kaart] {message['custom']['card'].get('name', '')}"
    buttons = " ".join(f"[{b.get('title')}]" for b in (message.get("buttons") or []))
    return f"{who}: {(message.get('text') or '').strip()} {buttons}".rstrip()


def test_the_spec_covers_every_persona_with_60_conversations() -> None:
    assert len(CONVERSATIONS) >= 60
    assert {c["persona"] for c in CONVERSATIONS} >= {"jansen", "peter", "sanne", "ahmed", "henk", "distress"}
    assert len({c["id"] for c in CONVERSATIONS}) == len(CONVERSATIONS)
    assert all(len(c["turns"]) >= 1 for c in CONVERSATIONS)
    assert sum(1 for c in CONVERSATIONS if len(c["turns"]) >= 2) >= 45


def test_the_turn_checks_can_fail() -> None:
    assert check_turn({"say": "x", "expect": {"cards": 1}}, [{"text": "Hallo"}], []) == ["0 cards, expected at least 1"]
    assert "crisis without 113 first" in check_turn({"say": CRISIS[0]}, [{"text": "Sorry, dat begrijp ik niet"}], [])
    assert "a reply was sent twice" in check_turn({"say": "x"}, [{"text": "a"}, {"text": "a"}], [])


@pytest.mark.parametrize("conversation", CONVERSATIONS, ids=[c["id"] for c in CONVERSATIONS])
def test_persona_conversation(stack: Any, conversation: dict[str, Any]) -> None:
    sender = f"persona-{conversation['id'][:40]}-{uuid.uuid4().hex[:8]}"
    lines = [f"# {conversation['id']} ({conversation['persona']})"]
    failures = []
    for number, turn in enumerate(conversation["turns"], start=1):
        answer = stack.send(sender, turn["say"])
        lines.append(f"Inwoner: {turn['say']}")
        lines.extend(transcript_line("Assistent", m) for m in answer)
        problems = check_turn(turn, answer, turn_responses(stack, sender))
        if problems:
            failures.append(f"turn {number} ({turn['say']!r}): " + "; ".join(problems))
            lines.append("!! " + "; ".join(problems))
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / f"{conversation['id']}.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert not failures, "\n".join(failures + [""] + lines)
