"""A throw-away RabbitMQ server (Debian's rabbitmq-server) on free ports in a temp folder.

For the signals consumer tests and `make bench`: its own node name, Erlang cookie (HOME),
mnesia and log folders, AMQP, management, distribution and epmd ports, so it never meets
a RabbitMQ of the machine. `stop()` stops the node, then its private epmd, and removes
the folder; `kill()` stops it hard (the broker "going away"), `start()` brings it back
with the same data (durable queues and persistent messages survive).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

SERVER = "/usr/lib/rabbitmq/bin/rabbitmq-server"  # the real script (/usr/sbin's wrapper su's to rabbitmq)
CTL = "/usr/lib/rabbitmq/bin/rabbitmqctl"
START_TIMEOUT_S = 60.0


class RabbitMQError(RuntimeError):
    """The server is not installed or did not start."""


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _port_open(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


class LocalRabbitMQ:
    """One RabbitMQ node with the management plugin, user `socialmap`, listening on 127.0.0.1 only."""

    def __init__(self, username: str = "socialmap", password: str | None = None) -> None:
        if not os.path.exists(SERVER):
            raise RabbitMQError(
                f"{SERVER} is missing: run `make scale-deps` (apt-get install rabbitmq-server)"
            )
        self.base = Path(tempfile.mkdtemp(prefix="socialmap-rabbitmq-"))
        os.chmod(self.base, 0o700)
        self.username = username
        self.password = password or os.urandom(12).hex()
        self.port = free_port()
        self.management_port = free_port()
        self.dist_port = free_port()
        self.epmd_port = free_port()
        self.node = f"socialmap-{os.getpid()}-{self.port}@localhost"
        (self.base / "mnesia").mkdir()
        (self.base / "log").mkdir()
        (self.base / "enabled_plugins").write_text("[rabbitmq_management].\n")
        conf = self.base / "rabbitmq.conf"
        conf.write_text(
            f"listeners.tcp.1 = 127.0.0.1:{self.port}\n"
            f"management.tcp.ip = 127.0.0.1\nmanagement.tcp.port = {self.management_port}\n"
            f"default_user = {self.username}\ndefault_pass = {self.password}\n"
            "default_user_tags.administrator = true\nloopback_users = none\n"
            "log.console = false\nlog.file.level = warning\n"
        )
        os.chmod(conf, 0o600)
        (self.base / "rabbitmq-env.conf").write_text("")
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def env(self) -> dict[str, str]:
        b = self.base
        return {
            **os.environ,
            "HOME": str(b),  # the Erlang cookie lives here
            "RABBITMQ_NODENAME": self.node,
            "RABBITMQ_NODE_IP_ADDRESS": "127.0.0.1",
            "RABBITMQ_NODE_PORT": str(self.port),
            "RABBITMQ_DIST_PORT": str(self.dist_port),
            "ERL_EPMD_PORT": str(self.epmd_port),
            "ERL_EPMD_ADDRESS": "127.0.0.1",
            "RABBITMQ_MNESIA_BASE": str(b / "mnesia"),
            "RABBITMQ_LOG_BASE": str(b / "log"),
            "RABBITMQ_CONFIG_FILE": str(b / "rabbitmq.conf"),
            "RABBITMQ_ADVANCED_CONFIG_FILE": str(b / "advanced.config"),
            "RABBITMQ_CONF_ENV_FILE": str(b / "rabbitmq-env.conf"),
            "RABBITMQ_ENABLED_PLUGINS_FILE": str(b / "enabled_plugins"),
            "RABBITMQ_PID_FILE": str(b / "rabbitmq.pid"),
        }

    @property
    def management_url(self) -> str:
        return f"http://127.0.0.1:{self.management_port}"

    def start(self, timeout_s: float = START_TIMEOUT_S) -> None:
        """Start the node and wait until AMQP and the management API answer."""
        out = open(self.base / "server.out", "ab")  # noqa: SIM115 - lives as long as the process
        self.process = subprocess.Popen([SERVER], env=self.env, stdout=out, stderr=subprocess.STDOUT,
                                        start_new_session=True, cwd=self.base)  # fmt: skip
        out.close()
        deadline = time.monotonic() + timeout_s
        while not (_port_open(self.port) and _port_open(self.management_port)):
            if self.process.poll() is not None:
                raise RabbitMQError(f"rabbitmq-server stopped at start ({self.process.returncode}):\n"
                                    + (self.base / "server.out").read_text(errors="replace")[-3000:])  # fmt: skip
            if time.monotonic() > deadline:
                raise RabbitMQError(f"rabbitmq-server did not listen on {self.port} in {timeout_s:.0f} s")
            time.sleep(0.2)

    def ctl(self, *args: str, timeout_s: float = 60.0) -> str:
        """Run rabbitmqctl against this node and return its output."""
        done = subprocess.run([CTL, "-n", self.node, *args], env=self.env, capture_output=True, text=True,
                              timeout=timeout_s)  # fmt: skip
        if done.returncode != 0:
            raise RabbitMQError(f"rabbitmqctl {' '.join(args)} failed: {done.stdout}{done.stderr}")
        return done.stdout

    def kill(self) -> None:
        """Stop the node hard, as a crash would (SIGKILL to its process group)."""
        if self.process is not None and self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.process.wait(timeout=30)
        self.process = None
        deadline = time.monotonic() + 15
        while _port_open(self.port) and time.monotonic() < deadline:
            time.sleep(0.1)

    def stop(self) -> None:
        """Stop the node and its epmd; remove the folder. Safe to call twice."""
        if self.process is not None and self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGTERM)
                self.process.wait(timeout=30)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                self.kill()
        self.process = None
        self._stop_epmd()
        shutil.rmtree(self.base, ignore_errors=True)

    def _stop_epmd(self) -> None:
        """Kill the epmd that Erlang started for this node (it listens on our private epmd port)."""
        epmd = shutil.which("epmd") or "/usr/lib/erlang/bin/epmd"
        if os.path.exists(epmd):
            subprocess.run([epmd, "-port", str(self.epmd_port), "-kill"], env=self.env, capture_output=True,
                           timeout=15)  # fmt: skip
        for pid in self.epmd_pids():
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

    def epmd_pids(self) -> list[int]:
        """Return the pids of epmd processes started with this node's private ERL_EPMD_PORT."""
        found = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                if (entry / "comm").read_text().strip() != "epmd":
                    continue
                environ = (entry / "environ").read_bytes().split(b"\0")
            except OSError:
                continue
            if f"ERL_EPMD_PORT={self.epmd_port}".encode() in environ:
                found.append(int(entry.name))
        return found

    def beam_pids(self) -> list[int]:
        """Return the pids of Erlang VMs running this node (empty once it is stopped)."""
        found = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                cmdline = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if b"beam" in cmdline.split(b"\0")[0] and b"-home\0" + str(self.base).encode() + b"\0" in cmdline:
                found.append(int(entry.name))
        return found
