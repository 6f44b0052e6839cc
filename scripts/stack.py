"""Start, watch and stop the three processes of the assistant.

Used by `make run` (scripts/run_all.py), by the test suite (one stack per test
session, tests/conftest.py) and by `make bench`. Each process logs to its own file.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

from socialmap.settings import secret_from_env, secure_dir, secure_file

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that is free right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def latest_model(models_dir: Path = ROOT / "models") -> Path:
    """Return the newest trained model archive, or raise with a clear message."""
    models = sorted(models_dir.glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    if not models:
        raise FileNotFoundError(f"no trained model in {models_dir}: run `make train` first")
    return models[-1]


@dataclass
class StackConfig:
    """Ports, files and secrets of one running stack."""

    var_dir: Path = ROOT / "var"
    log_dir: Path = ROOT / "var" / "logs"
    # Read when a config is made, not when this module is imported.
    rasa_port: int = field(default_factory=lambda: int(os.environ.get("RASA_PORT", 5005)))
    actions_port: int = field(default_factory=lambda: int(os.environ.get("ACTIONS_PORT", 5055)))
    web_port: int = field(default_factory=lambda: int(os.environ.get("WEB_PORT", 8080)))
    host: str = "127.0.0.1"
    # Secrets: from the environment, else new for every start. They reach the processes through
    # their environment (readable only by this user), never through a command line.
    token: str = field(default_factory=lambda: secret_from_env("RASA_TOKEN") or "lokaal-" + os.urandom(12).hex())
    action_token: str = field(
        default_factory=lambda: secret_from_env("ACTION_SERVER_TOKEN") or "acties-" + os.urandom(16).hex()
    )
    db_url: str = ""
    tracker_db_url: str = ""
    model: Path | None = None
    extra_env: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.db_url = self.db_url or os.environ.get("SOCIALMAP_DB_URL", "") or f"sqlite:///{self.var_dir / 'socialmap.db'}"
        self.tracker_db_url = (
            self.tracker_db_url or os.environ.get("TRACKER_DB_URL", "") or f"sqlite:///{self.var_dir / 'tracker.db'}"
        )

    @property
    def rasa_url(self) -> str:
        return f"http://{self.host}:{self.rasa_port}"

    @property
    def actions_url(self) -> str:
        return f"http://{self.host}:{self.actions_port}"

    @property
    def web_url(self) -> str:
        return f"http://{self.host}:{self.web_port}"

    def environment(self) -> dict[str, str]:
        """Return the environment every process of the stack runs with."""
        env = dict(os.environ)
        origins = os.environ.get("ALLOWED_ORIGINS") or f"{self.web_url},http://localhost:{self.web_port}"
        env.update(
            {
                "PYTHONPATH": str(ROOT),
                "RASA_TELEMETRY_ENABLED": "false",
                "TF_CPP_MIN_LOG_LEVEL": "2",
                "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
                "SOCIALMAP_VAR_DIR": str(self.var_dir),
                "SOCIALMAP_DB_URL": self.db_url,
                # The running processes never create an empty catalog; `make` builds it.
                "SOCIALMAP_DB_MUST_EXIST": "true",
                "TRACKER_DB_URL": self.tracker_db_url,
                # Rasa's event broker, counted by the signals dashboard (socialmap/signals/broker.py).
                "EVENT_BROKER_TYPE": os.environ.get("EVENT_BROKER_TYPE", "sql"),
                "EVENT_BROKER_URL": os.environ.get("EVENT_BROKER_URL") or f"sqlite:///{self.var_dir / 'events.db'}",
                "ACTION_ENDPOINT_URL": f"{self.actions_url}/webhook",
                "LOCK_STORE_TYPE": os.environ.get("LOCK_STORE_TYPE", "in_memory"),
                "LOCK_STORE_HOST": os.environ.get("LOCK_STORE_HOST", "localhost"),
                "LOCK_STORE_PORT": os.environ.get("LOCK_STORE_PORT", "6379"),
                "LOCK_STORE_DB": os.environ.get("LOCK_STORE_DB", "1"),
                "RASA_URL": self.rasa_url,
                "RASA_PORT": str(self.rasa_port),
                "RASA_TOKEN": self.token,
                "ACTION_SERVER_TOKEN": self.action_token,
                "ACTIONS_HOST": self.host,
                "SOCIALMAP_VAULT_KEY_FILE": os.environ.get("SOCIALMAP_VAULT_KEY_FILE")
                or str(self.var_dir / "vault.key"),
                "ACTIONS_PORT": str(self.actions_port),
                "WEB_PORT": str(self.web_port),
                "WEB_HOST": self.host,
                "ALLOWED_ORIGINS": origins,
            }
        )
        env.update(self.extra_env)
        env.pop("RASA_TOKEN_FILE", None)  # RASA_TOKEN above is the one this stack uses
        env.pop("ACTION_SERVER_TOKEN_FILE", None)
        return env


def isolated_config(var_dir: Path, log_dir: Path, **overrides: object) -> StackConfig:
    """Return a config on free ports that works on its own copy of the built social-map database.

    Tests and benchmarks use it so they never change the databases `make run` uses.
    """
    built = ROOT / "var" / "socialmap.db"
    if not built.exists():
        raise FileNotFoundError(f"{built} is missing: run `make setup` (or `make test`) first")
    shutil.copy(built, var_dir / "socialmap.db")
    settings: dict[str, object] = {
        "var_dir": var_dir,
        "log_dir": log_dir,
        "rasa_port": free_port(),
        "actions_port": free_port(),
        "web_port": free_port(),
        "db_url": f"sqlite:///{var_dir / 'socialmap.db'}",
        "tracker_db_url": f"sqlite:///{var_dir / 'tracker.db'}",
        "model": latest_model(),
    }
    settings.update(overrides)
    return StackConfig(**settings)  # type: ignore[arg-type]


class Stack:
    """The action server, the Rasa server and the web server as child processes."""

    def __init__(self, config: StackConfig | None = None) -> None:
        self.config = config or StackConfig()
        self.procs: dict[str, subprocess.Popen[bytes]] = {}
        self.secure_files()

    def secure_files(self) -> None:
        """Make var/ and the log folder 0700 and every file in them 0600 (databases, key, logs)."""
        for folder in (self.config.var_dir, self.config.log_dir):
            secure_dir(folder)
            for path in folder.iterdir():
                if path.is_file():
                    secure_file(path)

    # -- commands -------------------------------------------------------------
    def _command(self, name: str) -> list[str]:
        cfg = self.config
        if name == "actions":
            return [
                sys.executable, "-m", "scripts.action_server",
                "--host", cfg.host, "--port", str(cfg.actions_port),
            ]  # fmt: skip
        if name == "rasa":
            model = cfg.model or latest_model()
            return [
                # The launcher takes the API token from RASA_TOKEN: not on the command line.
                sys.executable, "-m", "scripts.rasa_server", "run",
                "--model", str(model),
                "--enable-api",
                "--interface", cfg.host, "--port", str(cfg.rasa_port),
                "--credentials", str(ROOT / "credentials.yml"),
                "--endpoints", str(ROOT / "endpoints.yml"),
                # No --cors: the channels check ALLOWED_ORIGINS themselves; Sanic-CORS on top
                # would send Access-Control-Allow-Origin twice and browsers refuse that.
            ]  # fmt: skip
        if name == "web":
            return [sys.executable, "-m", "web.server"]
        raise ValueError(name)

    def start(self, name: str) -> None:
        """Start one process ("actions", "rasa" or "web"), logging to var/logs/<name>.log."""
        path = self.config.log_dir / f"{name}.log"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        log = os.fdopen(fd, "ab")  # lives as long as the process
        secure_file(path)
        self.procs[name] = subprocess.Popen(
            self._command(name),
            cwd=ROOT,
            env=self.config.environment(),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            # Every file a process creates (tracker.db, the vault key, ...) is private to this user.
            umask=0o077,
        )
        log.close()  # the child has its own copy

    def stop(self, name: str, timeout: float = 15) -> None:
        """Stop one process: SIGTERM to its process group, SIGKILL if it hangs."""
        proc = self.procs.pop(name, None)
        if proc is None or proc.poll() is not None:
            return
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=5)
        except ProcessLookupError:
            pass

    def start_all(self, names: tuple[str, ...] = ("actions", "rasa", "web"), timeout: float = 240) -> None:
        for name in names:
            self.start(name)
        self.wait_ready(names, timeout)

    def stop_all(self) -> None:
        for name in list(self.procs)[::-1]:
            self.stop(name)

    # -- readiness --------------------------------------------------------------
    def _ready(self, name: str) -> bool:
        cfg = self.config
        try:
            if name == "actions":
                return requests.get(f"{cfg.actions_url}/health", timeout=2).ok
            if name == "rasa":
                answer = requests.get(f"{cfg.rasa_url}/status", params={"token": cfg.token}, timeout=2)
                return answer.ok and bool(answer.json().get("model_file"))
            if name == "web":
                return requests.get(f"{cfg.web_url}/", timeout=2).ok
        except (requests.RequestException, ValueError):
            return False
        return False

    def wait_ready(self, names: tuple[str, ...], timeout: float = 240) -> None:
        """Wait until every named process answers; raise with its log tail if one dies or hangs."""
        deadline = time.monotonic() + timeout
        pending = list(names)
        while pending:
            for name in list(pending):
                proc = self.procs.get(name)
                if proc is not None and proc.poll() is not None:
                    raise RuntimeError(f"{name} exited with {proc.returncode}:\n{self.log_tail(name)}")
                if self._ready(name):
                    pending.remove(name)
            if pending and time.monotonic() > deadline:
                raise TimeoutError(f"not ready after {timeout:.0f}s: {pending}\n{self.log_tail(pending[0])}")
            if pending:
                time.sleep(0.5)

    def log_tail(self, name: str, lines: int = 60) -> str:
        path = self.config.log_dir / f"{name}.log"
        if not path.exists():
            return "(no log)"
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])

    def rss_mb(self, name: str) -> float:
        """Return the resident memory of a process and its children in MB (Linux /proc)."""
        proc = self.procs.get(name)
        if proc is None:
            return 0.0
        total = 0
        for pid in _process_tree(proc.pid):
            try:
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
            except (FileNotFoundError, ProcessLookupError):
                continue
        return total / 1024


def _process_tree(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
        except (FileNotFoundError, IndexError, ValueError, ProcessLookupError):
            continue
    result, todo = [], [root]
    while todo:
        pid = todo.pop()
        result.append(pid)
        todo.extend(children.get(pid, []))
    return result
