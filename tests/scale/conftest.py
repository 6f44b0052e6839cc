"""Session fixtures that start a throw-away PostgreSQL cluster and Redis server on 127.0.0.1.

Both run from the Debian packages (`make scale-deps` installs them). When a
binary is missing the fixture fails with a clear message instead of skipping:
a skipped scale test would let the PostgreSQL path rot unnoticed.

PostgreSQL refuses to run as root, so under root the cluster is created and
run as the `postgres` OS user, in a temp folder that user owns. Trust
authentication is fine here: the server only listens on 127.0.0.1 and its unix
socket lives in that private folder.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

PG_USER = "postgres"
START_TIMEOUT_S = 30.0


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def postgres_bin_dir() -> Path:
    """Return the folder with initdb/pg_ctl of the newest installed PostgreSQL; fail when there is none."""
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda p: int(Path(p).parent.parent.name) if Path(p).parent.parent.name.isdigit() else 0,
    )
    if found:
        return Path(found[-1]).parent
    on_path = shutil.which("initdb")
    if on_path and shutil.which("pg_ctl"):
        return Path(on_path).parent
    pytest.fail(
        "PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb and no initdb on PATH). "
        "Run `make scale-deps` (apt-get install postgresql redis-server).",
        pytrace=False,
    )


def redis_server_binary() -> str:
    """Return the path of redis-server; fail when it is not installed."""
    found = shutil.which("redis-server") or (
        "/usr/bin/redis-server" if os.path.exists("/usr/bin/redis-server") else None
    )
    if not found:
        pytest.fail(
            "redis-server is not installed. Run `make scale-deps` (apt-get install postgresql redis-server).",
            pytrace=False,
        )
    return found


def _as_pg_user(argv: list[str]) -> list[str]:
    """Return argv run as the postgres OS user when we are root (PostgreSQL refuses root)."""
    if os.geteuid() == 0:
        return ["runuser", "-u", PG_USER, "--", *argv]
    return argv


@dataclass(frozen=True)
class PostgresServer:
    """A running throw-away PostgreSQL cluster."""

    host: str
    port: int
    user: str

    def url(self, database: str, driver: str = "postgresql+psycopg2") -> str:
        """Return the SQLAlchemy URL of one database of this cluster."""
        return f"{driver}://{self.user}@{self.host}:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        """Create an empty database and return its psycopg2 SQLAlchemy URL."""
        import psycopg2

        conn = psycopg2.connect(host=self.host, port=self.port, user=self.user, dbname="postgres")
        try:
            conn.autocommit = True  # CREATE DATABASE cannot run inside a transaction
            with conn.cursor() as cur:
                cur.execute(f'CREATE DATABASE "{name}"')
        finally:
            conn.close()
        return self.url(name)


@dataclass(frozen=True)
class RedisServer:
    """A running throw-away Redis server."""

    host: str
    port: int


def _run(argv: list[str], what: str) -> None:
    done = subprocess.run(argv, capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        pytest.fail(f"{what} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}", pytrace=False)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """Start a PostgreSQL cluster on 127.0.0.1 for the session; always stop it and remove its folder."""
    bin_dir = postgres_bin_dir()
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        pytest.fail("runuser (util-linux) is needed to run PostgreSQL as the postgres user.", pytrace=False)
    base = Path(tempfile.mkdtemp(prefix="socialmap-pg-"))
    if os.geteuid() == 0:
        try:
            owner = pwd.getpwnam(PG_USER)
        except KeyError:
            shutil.rmtree(base, ignore_errors=True)
            pytest.fail(
                f"OS user '{PG_USER}' is missing; install the Debian postgresql package.", pytrace=False
            )
        os.chown(base, owner.pw_uid, owner.pw_gid)
    data_dir, log_file = base / "data", base / "server.log"
    port = free_port()
    pg_ctl = str(bin_dir / "pg_ctl")
    started = False
    try:
        _run(
            _as_pg_user(
                [
                    str(bin_dir / "initdb"),
                    "-D",
                    str(data_dir),
                    "-U",
                    PG_USER,
                    "--auth=trust",
                    "-E",
                    "UTF8",
                    "--locale=C.UTF-8",
                    "--no-sync",
                ]
            ),
            "initdb",
        )
        # fsync off: the cluster is thrown away, and the machine is shared with a benchmark.
        options = f"-h 127.0.0.1 -p {port} -k {base} -c fsync=off -c full_page_writes=off"
        _run(
            _as_pg_user(
                [
                    pg_ctl,
                    "-D",
                    str(data_dir),
                    "-l",
                    str(log_file),
                    "-o",
                    options,
                    "-w",
                    "-t",
                    str(int(START_TIMEOUT_S)),
                    "start",
                ]
            ),
            "pg_ctl start",
        )
        started = True
        yield PostgresServer(host="127.0.0.1", port=port, user=PG_USER)
    finally:
        if started:
            subprocess.run(
                _as_pg_user([pg_ctl, "-D", str(data_dir), "-m", "fast", "-w", "stop"]),
                capture_output=True,
                timeout=60,
            )
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    """Start a Redis server on 127.0.0.1 without persistence; always stop it and remove its folder."""
    import redis

    binary = redis_server_binary()
    base = Path(tempfile.mkdtemp(prefix="socialmap-redis-"))
    port = free_port()
    process = subprocess.Popen(
        [
            binary,
            "--bind",
            "127.0.0.1",
            "--port",
            str(port),
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(base),
            "--protected-mode",
            "yes",
            "--loglevel",
            "warning",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        client = redis.Redis(host="127.0.0.1", port=port, socket_timeout=1)
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            if process.poll() is not None:
                output = process.stdout.read().decode(errors="replace") if process.stdout else ""
                pytest.fail(f"redis-server stopped at start ({process.returncode}):\n{output}", pytrace=False)
            try:
                if client.ping():
                    break
            except redis.ConnectionError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(
                    f"redis-server did not answer on 127.0.0.1:{port} in {START_TIMEOUT_S:.0f} s.",
                    pytrace=False,
                )
            time.sleep(0.05)
        client.close()
        yield RedisServer(host="127.0.0.1", port=port)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        if process.stdout:
            process.stdout.close()
        shutil.rmtree(base, ignore_errors=True)
