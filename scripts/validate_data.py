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
from pathlib import Path

from scripts.stack import BIN, ROOT

UNUSED = re.compile(r"The utterance '([a-z_/]+)' is not used in any story or rule")
WARNING = re.compile(r"(UserWarning|FutureWarning|DeprecationWarning|WARNING|warning)[:\s]", re.IGNORECASE)


def responses_used_in_code() -> set[str]:
    """Return every response name that code under actions/ and web/ sends."""
    names: set[str] = set()
    for folder in ("actions", "web"):
        for path in (ROOT / folder).rglob("*.py"):
            names.update(re.findall(r"[\"'](utter_[a-z_]+)[\"']", path.read_text(encoding="utf-8")))
    return names


def main() -> int:
    proc = subprocess.run(
        [str(BIN / "rasa"), "data", "validate", "--fail-on-warnings", "--domain", "domain.yml", "--data", "data",
         "--config", "config.yml"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )  # fmt: skip
    output = proc.stdout + proc.stderr
    used_in_code = responses_used_in_code()
    problems: list[str] = []
    for line in output.splitlines():
        match = UNUSED.search(line)
        if match:
            if match.group(1) not in used_in_code:
                problems.append(f"response {match.group(1)} is used nowhere (not in rules, stories or code)")
            continue
        if "UserWarning" in line or re.search(r"\bwarning\b", line, re.IGNORECASE):
            if "Validating" in line or "validating" in line:
                continue
            problems.append(line.strip())
    if problems:
        print("rasa data validate: warnings\n  " + "\n  ".join(problems))
        print(output[-4000:], file=sys.stderr)
        return 1
    if proc.returncode != 0 and not any(UNUSED.search(line) for line in output.splitlines()):
        print(output[-4000:])
        return proc.returncode
    print("rasa data validate: no warnings (responses sent by custom actions checked against the code)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
