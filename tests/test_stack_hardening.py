"""Issue 12, items 4 and 7: secrets never on a command line, private files, the action server started safely.

The processes here are real (the action server on 127.0.0.1); Rasa itself is started by
tests/e2e/test_secrets_on_the_stack.py, once, with the session stack.
"""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

import pytest
import requests

from scripts import rasa_server
from scripts.stack import ROOT, Stack, StackConfig, free_port
from socialmap.settings import SettingsError, get_settings, secret_from_env


def _config(tmp_path: Path, **overrides: object) -> StackConfig:
    settings: dict[str, object] = {
        "var_dir": tmp_path / "var",
        "log_dir": tmp_path / "var" / "logs",
        "actions_port": free_port(),
        "rasa_port": free_port(),
        "web_port": free_port(),
        "db_url": f"sqlite:///{tmp_path / 'var' / 'socialmap.db'}",
        "tracker_db_url": f"sqlite:///{tmp_path / 'var' / 'tracker.db'}",
        "model": tmp_path / "model.tar.gz",
    }
    settings.update(overrides)
    return StackConfig(**settings)  # type: ignore[arg-type]


def test_no_secret_is_on_any_command_line(tmp_path: Path) -> None:
    stack = Stack(_config(tmp_path))
    cfg = stack.config
    for name in ("actions", "rasa", "web"):
        command = " ".join(stack._command(name))
        assert cfg.token not in command and cfg.action_token not in command
        assert "--auth-token" not in command
    assert stack._command("actions")[1:3] == ["-m", "scripts.action_server"]
    assert "127.0.0.1" in stack._command("actions")


def test_every_start_gets_its_own_secrets_unless_the_environment_sets_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("RASA_TOKEN", raising=False)
    monkeypatch.delenv("ACTION_SERVER_TOKEN", raising=False)
    first, second = _config(tmp_path), _config(tmp_path)
    assert first.token != second.token and first.action_token != second.action_token
    assert len(first.action_token) >= 32
    env = first.environment()
    assert env["RASA_TOKEN"] == first.token and env["ACTION_SERVER_TOKEN"] == first.action_token
    monkeypatch.setenv("ACTION_SERVER_TOKEN", "van-de-beheerder-0123456789")
    assert _config(tmp_path).action_token == "van-de-beheerder-0123456789"


def test_the_stack_makes_var_private(tmp_path: Path) -> None:
    var = tmp_path / "var"
    var.mkdir(mode=0o755)
    for name in ("socialmap.db", "tracker.db", "vault.key"):
        (var / name).write_bytes(b"x")
        os.chmod(var / name, 0o644)
    Stack(_config(tmp_path))
    assert stat.S_IMODE(var.stat().st_mode) == 0o700
    assert stat.S_IMODE((var / "logs").stat().st_mode) == 0o700
    for name in ("socialmap.db", "tracker.db", "vault.key"):
        assert stat.S_IMODE((var / name).stat().st_mode) == 0o600, name


def test_a_started_process_has_no_secret_in_proc_and_creates_private_files(tmp_path: Path) -> None:
    stack = Stack(_config(tmp_path))
    stack.start("actions")
    try:
        stack.wait_ready(("actions",), timeout=90)
        pid = stack.procs["actions"].pid
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        assert stack.config.action_token.encode() not in cmdline and stack.config.token.encode() not in cmdline
        umask = next(line for line in Path(f"/proc/{pid}/status").read_text().splitlines() if line.startswith("Umask"))
        assert umask.split()[1] == "0077"
        log = stack.config.log_dir / "actions.log"
        assert stat.S_IMODE(log.stat().st_mode) == 0o600
        # Loopback and the shared secret, as started by the stack.
        url = stack.config.actions_url
        assert requests.post(f"{url}/webhook", json={}, timeout=5).status_code == 401
    finally:
        stack.stop_all()


def test_the_rasa_launcher_takes_the_token_from_the_environment_only(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("RASA_TOKEN", raising=False)
    monkeypatch.delenv("RASA_TOKEN_FILE", raising=False)
    assert rasa_server.main(["run", "--enable-api"]) == 2
    assert "RASA_TOKEN" in capsys.readouterr().err
    monkeypatch.setenv("RASA_TOKEN", "geheim-token-123")
    assert rasa_server.main(["run", "--auth-token", "op-de-regel"]) == 2
    seen: list[list[str]] = []
    import rasa.__main__

    monkeypatch.setattr(rasa.__main__, "main", lambda: seen.append(list(sys.argv)))
    monkeypatch.setattr(sys, "argv", ["x"])
    assert rasa_server.main(["run", "--enable-api"]) == 0
    assert seen == [["rasa", "run", "--enable-api", "--auth-token", "geheim-token-123"]]


def test_a_token_file_works_and_there_is_no_default_token(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RASA_TOKEN", raising=False)
    monkeypatch.delenv("RASA_TOKEN_FILE", raising=False)
    get_settings.cache_clear()
    try:
        assert get_settings().rasa_token == ""
        token_file = tmp_path / "token"
        token_file.write_text("uit-een-bestand\n")
        monkeypatch.setenv("RASA_TOKEN_FILE", str(token_file))
        get_settings.cache_clear()
        assert get_settings().rasa_token == "uit-een-bestand"
        monkeypatch.setenv("RASA_TOKEN_FILE", str(tmp_path / "missing"))
        with pytest.raises(SettingsError):
            secret_from_env("RASA_TOKEN")
    finally:
        get_settings.cache_clear()
    sources = [p for d in ("socialmap", "scripts", "web", "rasa_addons", "actions") for p in (ROOT / d).rglob("*.py")]
    assert not [p for p in sources if "change-me-local-token" in p.read_text(encoding="utf-8")]


def test_the_action_endpoint_sends_the_secret_header(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from rasa.utils.endpoints import read_endpoint_config

    # endpoints.yml reads everything from the environment, as the stack sets it.
    config = _config(tmp_path)
    for name, value in config.environment().items():
        monkeypatch.setenv(name, value)
    endpoint = read_endpoint_config(str(ROOT / "endpoints.yml"), "action_endpoint")
    assert endpoint is not None and endpoint.headers == {"X-Action-Token": config.action_token}


def test_the_web_server_refuses_to_start_without_a_token(tmp_path: Path) -> None:
    import subprocess

    env = {k: v for k, v in os.environ.items() if k not in ("RASA_TOKEN", "RASA_TOKEN_FILE")}
    env.update({"PYTHONPATH": str(ROOT), "WEB_PORT": str(free_port()), "SOCIALMAP_VAR_DIR": str(tmp_path)})
    done = subprocess.run(
        [sys.executable, "-m", "web.server"], cwd=ROOT, env=env, capture_output=True, timeout=120
    )
    assert done.returncode != 0 and b"RASA_TOKEN" in done.stderr


def test_the_stack_reads_its_secrets_from_files_too(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RASA_TOKEN", raising=False)
    monkeypatch.delenv("ACTION_SERVER_TOKEN", raising=False)
    (tmp_path / "rasa").write_text("rasa-uit-bestand\n")
    (tmp_path / "acties").write_text("acties-uit-bestand\n")
    monkeypatch.setenv("RASA_TOKEN_FILE", str(tmp_path / "rasa"))
    monkeypatch.setenv("ACTION_SERVER_TOKEN_FILE", str(tmp_path / "acties"))
    config = _config(tmp_path)
    assert (config.token, config.action_token) == ("rasa-uit-bestand", "acties-uit-bestand")
    env = config.environment()
    assert env["RASA_TOKEN"] == "rasa-uit-bestand" and "RASA_TOKEN_FILE" not in env
