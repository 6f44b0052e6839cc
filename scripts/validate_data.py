"""`make validate`: `rasa data validate`, failing on every warning.

One kind of warning cannot be fixed in the data: "The utterance 'X' is not
used in any story or rule" for responses that a custom action (or the staff
console) sends with `response="X"`. Rasa's validator only looks at stories and
rules. For those, this script checks the other way round: the response must be
named in the code under actions/ or web/. A response that nothing uses still fails.
"""

from __future__ import annotations

import re
import subprocess
import sys

import yaml

from scripts.stack import BIN, ROOT

UNUSED = re.compile(r"The utterance '([a-z_/]+)' is not used in any story or rule")
# Rasa 3.6 lists a retrieval intent twice when it merges domain.yml with the NLU data,
# although domain.yml must name it for the rules to use it: not a fault in the data.
RETRIEVAL_DUPLICATE = re.compile(r"duplicated intents have been found across multiple domain files: (faq)$")
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def responses_used_elsewhere() -> set[str]:
    """Return the responses that code under actions/ and web/ sends, that forms ask with, and utter_default."""
    names: set[str] = {"utter_default"}  # sent by Rasa's own action_default_fallback
    sources = [p for folder in ("actions", "web", "rasa_addons") for p in (ROOT / folder).rglob("*.py")]
    sources.append(ROOT / "socialmap" / "dialogue.py")  # the conversation-repair tables the fallback uses
    for path in sources:
        names.update(re.findall(r"[\"'](utter_[a-z_]+)[\"']", path.read_text(encoding="utf-8")))
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    for form in (domain.get("forms") or {}).values():
        names.update(f"utter_ask_{slot}" for slot in form.get("required_slots", []))
    return names


def warnings_in(output: str) -> list[str]:
    """Return each Rasa UserWarning's message (joined with its continuation line)."""
    lines = [ANSI.sub("", line) for line in output.splitlines()]
    found = []
    for index, line in enumerate(lines):
        if "UserWarning: " not in line:
            continue
        message = line.split("UserWarning: ", 1)[1].strip()
        if message.endswith(":") and index + 1 < len(lines):
            message += " " + lines[index + 1].strip()
        found.append(message)
    return found


def main() -> int:
    proc = subprocess.run(
        [str(BIN / "rasa"), "data", "validate", "--domain", "domain.yml", "--data", "data", "--config", "config.yml"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    output = proc.stdout + proc.stderr
    allowed = responses_used_elsewhere()
    problems = []
    for message in warnings_in(output):
        unused = UNUSED.search(message)
        if unused and unused.group(1) in allowed:
            continue
        if RETRIEVAL_DUPLICATE.search(message):
            continue
        problems.append(message)
    if proc.returncode != 0:
        problems.append(f"rasa data validate exited with {proc.returncode}")
    if problems:
        print("rasa data validate found problems:\n  " + "\n  ".join(problems))
        return 1
    print("rasa data validate: no warnings (responses sent by custom actions checked against the code)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
