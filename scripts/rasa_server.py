"""Start `rasa` with the HTTP API token from the environment, never from the command line.

`python -m scripts.rasa_server run --model ... --enable-api ...` (scripts/stack.py starts it).

Every local user can read a process's command line (/proc/<pid>/cmdline), so
the token must not be there. Rasa 3.6 takes `--auth-token` only as an argument;
this launcher reads RASA_TOKEN (or the file named by RASA_TOKEN_FILE), adds it
to the arguments inside this process and runs Rasa's own CLI in the same
process: /proc shows the command without the token. Without a token it refuses
to start.
"""

from __future__ import annotations

import sys

from socialmap.settings import SettingsError, secret_from_env


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if any(a == "--auth-token" or a.startswith("--auth-token=") for a in args):
        print("error: pass the token in RASA_TOKEN or RASA_TOKEN_FILE, not on the command line", file=sys.stderr)
        return 2
    try:
        token = secret_from_env("RASA_TOKEN")
    except SettingsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if not token:
        print("error: RASA_TOKEN (or RASA_TOKEN_FILE) is not set; refusing to start the Rasa API", file=sys.stderr)
        return 2
    from rasa.__main__ import main as rasa_main

    # sys.argv is this process's copy: /proc/<pid>/cmdline keeps the original, token-free arguments.
    sys.argv = ["rasa", *args, "--auth-token", token]
    rasa_main()
    return 0


if __name__ == "__main__":
    sys.exit(main())
