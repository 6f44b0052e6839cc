"""Run `rasa test core` on tests/test_stories.yml with --fail-on-prediction-errors.

The action server runs beside it (stories with custom actions need it).
"""

from __future__ import annotations

import subprocess
import sys

from scripts.stack import BIN, ROOT, Stack, StackConfig, free_port, latest_model


def main() -> int:
    stack = Stack(StackConfig(actions_port=free_port(), log_dir=ROOT / "results" / "logs"))
    stack.start_all(("actions",), timeout=120)
    try:
        proc = subprocess.run(
            [str(BIN / "rasa"), "test", "core", "--model", str(latest_model()), "--stories", "tests/test_stories.yml",
             "--endpoints", "endpoints.yml", "--fail-on-prediction-errors", "--out", "results/stories"],
            cwd=ROOT,
            env=stack.config.environment(),
        )  # fmt: skip
        return proc.returncode
    finally:
        stack.stop_all()


if __name__ == "__main__":
    sys.exit(main())
