"""`make run`: start the action server, Rasa and the demo site; Ctrl-C stops all of it.

`make shell` (`--shell`): the action server plus `rasa shell` in this terminal.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time

from scripts.stack import BIN, ROOT, Stack, StackConfig, latest_model


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--shell", action="store_true", help="rasa shell instead of the servers")
    args = parser.parse_args(argv)
    stack = Stack(StackConfig())
    cfg = stack.config

    def _stop(*_: object) -> None:
        raise KeyboardInterrupt

    # Ctrl-C and a supervisor's SIGTERM both stop everything. Set SIGINT explicitly: a shell
    # that starts this in the background has told it to ignore SIGINT.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _stop)
    try:
        if args.shell:
            stack.start_all(("actions",))
            env = cfg.environment()
            return subprocess.call(
                [str(BIN / "rasa"), "shell", "--model", str(latest_model()), "--endpoints", "endpoints.yml"],
                cwd=ROOT,
                env=env,
            )
        print("==> starting the action server, Rasa (this takes about half a minute) and the demo site")
        stack.start_all()
        print(
            "\nDe assistent draait. / The assistant is running.\n"
            f"  demo site (resident chat):  {cfg.web_url}/\n"
            f"  staff console:              {cfg.web_url}/medewerkers/\n"
            f"  Rasa REST channel:          {cfg.rasa_url}/webhooks/rest/webhook\n"
            f"  Rasa HTTP API (loopback):   {cfg.rasa_url}/status?token=..."
            f" ({'RASA_TOKEN' if os.environ.get('RASA_TOKEN') else 'a random token for this run; set RASA_TOKEN to choose one'})\n"
            f"  action server (loopback):   {cfg.actions_url}/health (every other call needs the shared secret,"
            f" {'ACTION_SERVER_TOKEN' if os.environ.get('ACTION_SERVER_TOKEN') else 'new for this run'})\n"
            f"  logs:                       {cfg.log_dir}/\n"
            "Press Ctrl-C to stop.",
            flush=True,
        )
        while True:
            for name, proc in list(stack.procs.items()):
                if proc.poll() is not None:
                    print(f"error: {name} stopped with exit code {proc.returncode}; see {cfg.log_dir}/{name}.log")
                    print(stack.log_tail(name, 20))
                    return 1
            time.sleep(1)
    except KeyboardInterrupt:
        return 0
    finally:
        print("\n==> stopping", flush=True)
        stack.stop_all()


if __name__ == "__main__":
    sys.exit(main())
