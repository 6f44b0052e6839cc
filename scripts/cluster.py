"""`make run-cluster`: the assistant as a province would run it, on this one machine.

PostgreSQL (social map, handoff queue, Rasa's tracker store and event broker), Redis
(Rasa's lock store, socket.io's message queue, live-chat presence), two or more Rasa
replicas, two action servers, the web process and nginx in front on one port. Every
process is the same code with the same settings names as `make run`; only the
environment differs (see README "Deployment for a province").

nginx routes, all on 127.0.0.1:

* public port: `/socket.io/` to the Rasa replicas by client address (`ip_hash`): the
  widget falls back to long-polling on networks that block WebSockets, and every
  polling request must reach the replica that holds its engine.io session. A WebSocket
  is one TCP connection and needs no stickiness; emits reach it on any replica through
  Redis. `/webhooks/rest/webhook` goes to the least busy replica (each request stands
  alone: the tracker lives in PostgreSQL, the lock in Redis). Everything else goes to
  the web process. Rasa's HTTP API is not reachable on this port.
* internal API port (the web process's RASA_URL): the replicas' HTTP API, least busy
  first; a replica that refuses connections is skipped.
* internal actions port (every replica's action endpoint): the action servers.

Used by tests/scale/test_cluster.py and scripts/bench_cluster.py with their own stores.
"""

from __future__ import annotations

import argparse
import grp
import os
import pwd
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

from scripts.stack import ROOT, Stack, StackConfig, free_port, latest_model

NGINX_CANDIDATES = ("nginx", "/usr/sbin/nginx")
PG_USER = "postgres"


def nginx_binary() -> str:
    """Return the nginx binary (Debian's, `make scale-deps`), or raise."""
    for candidate in NGINX_CANDIDATES:
        found = shutil.which(candidate) or (candidate if os.access(candidate, os.X_OK) else None)
        if found:
            return found
    raise FileNotFoundError("nginx is not installed: run `make scale-deps`")


@dataclass(frozen=True)
class Stores:
    """Where the shared state of a cluster lives."""

    db_url: str  # social map + handoff queue (SQLAlchemy URL)
    tracker_db_url: str  # Rasa's SQL tracker store
    events_url: str  # Rasa's SQL event broker (counted by the signals dashboard)
    redis_host: str
    redis_port: int
    lock_db: int = 1
    socketio_db: int = 0

    @property
    def socketio_redis_url(self) -> str:
        return f"redis://{self.redis_host}:{self.redis_port}/{self.socketio_db}"


NGINX_CONF = """\
# Rendered by scripts/cluster.py. One worker is enough for a few thousand connections.
{user}worker_processes 1;
daemon off;
pid {run_dir}/nginx.pid;
error_log {log_dir}/nginx-error.log warn;
events {{ worker_connections 4096; }}

http {{
    access_log {access_log};
    client_body_temp_path {run_dir}/client_body;
    proxy_temp_path {run_dir}/proxy;
    fastcgi_temp_path {run_dir}/fastcgi;
    uwsgi_temp_path {run_dir}/uwsgi;
    scgi_temp_path {run_dir}/scgi;
    # Rasa sends the whole tracker and domain to the action server: keep such bodies in memory.
    client_max_body_size 16m;
    client_body_buffer_size 1m;

    map $http_upgrade $connection_upgrade {{
        default upgrade;
        ''      close;
    }}

    # socket.io: sticky by client address, for the long-polling fallback (see scripts/cluster.py).
    upstream rasa_socket {{
        ip_hash;
{rasa_servers}
    }}
    # REST channel and HTTP API: any replica; the tracker and the lock are shared.
    upstream rasa_any {{
        least_conn;
{rasa_servers}
        keepalive 32;
    }}
    upstream actions {{
        least_conn;
{action_servers}
        keepalive 16;
    }}
    upstream web {{
        server 127.0.0.1:{web_port};
        keepalive 8;
    }}

    server {{
        listen 127.0.0.1:{public_port};
        client_max_body_size 64k;  # what the REST channel accepts anyway
        proxy_http_version 1.1;
        proxy_set_header Host $http_host;
        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        proxy_set_header X-Forwarded-Proto $scheme;

        location /socket.io/ {{
            proxy_pass http://rasa_socket;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection $connection_upgrade;
            proxy_buffering off;
            proxy_read_timeout 3600s;
        }}
        location = /webhooks/rest/webhook {{
            proxy_pass http://rasa_any;
            proxy_set_header Connection "";
            proxy_read_timeout 60s;
        }}
        # presence and staff typing are for the staff console, through the internal port only
        location /webhooks/ {{ return 404; }}
        location / {{
            proxy_pass http://web;
            proxy_set_header Connection "";
        }}
    }}

    # Internal: the web process reaches Rasa's HTTP API here (RASA_URL).
    server {{
        listen 127.0.0.1:{api_port};
        location / {{
            proxy_pass http://rasa_any;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_next_upstream error timeout http_502 http_503;
            proxy_read_timeout 60s;
        }}
    }}

    # Internal: every Rasa replica's action endpoint.
    server {{
        listen 127.0.0.1:{actions_port};
        location / {{
            proxy_pass http://actions;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_next_upstream error timeout http_502 http_503;
            proxy_read_timeout 30s;
        }}
    }}
}}
"""


@dataclass
class Cluster:
    """The processes of a scaled-out assistant on one machine, in front of given stores."""

    stores: Stores
    var_dir: Path
    log_dir: Path
    replicas: int = 2
    action_servers: int = 2
    token: str = field(default_factory=lambda: "cluster-" + os.urandom(12).hex())
    action_token: str = field(default_factory=lambda: "acties-" + os.urandom(16).hex())
    model: Path | None = None
    extra_env: dict[str, str] = field(default_factory=dict)
    public_port: int = field(default_factory=free_port)
    api_port: int = field(default_factory=free_port)
    actions_port: int = field(default_factory=free_port)
    web_port: int = field(default_factory=free_port)
    # nginx's access log ("off" for the benchmark)
    access_log: str = ""

    def __post_init__(self) -> None:
        self.model = self.model or latest_model()
        self.rasa_ports = [free_port() for _ in range(self.replicas)]
        self.action_ports = [free_port() for _ in range(self.action_servers)]
        self.members: dict[str, Stack] = {}
        self.nginx: subprocess.Popen[bytes] | None = None
        self.run_dir = Path(tempfile.mkdtemp(prefix="socialmap-nginx-"))
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self.access_log = self.access_log or str(self.log_dir / "nginx-access.log")

    # -- addresses ----------------------------------------------------------------
    @property
    def public_url(self) -> str:
        return f"http://127.0.0.1:{self.public_port}"

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.api_port}"

    def replica_url(self, index: int) -> str:
        """Return the direct URL of Rasa replica `index` (0-based), bypassing nginx."""
        return f"http://127.0.0.1:{self.rasa_ports[index]}"

    def environment(self) -> dict[str, str]:
        """Return what differs from one machine: the shared stores and the nginx addresses."""
        s = self.stores
        return {
            "TRACKER_DB_URL": s.tracker_db_url,
            "EVENT_BROKER_TYPE": "sql",
            "EVENT_BROKER_URL": s.events_url,
            # Rasa's own "redis" type races between replicas (see rasa_addons/lock_store.py)
            "LOCK_STORE_TYPE": "rasa_addons.lock_store.AtomicRedisLockStore",
            "LOCK_STORE_HOST": s.redis_host,
            "LOCK_STORE_PORT": str(s.redis_port),
            "LOCK_STORE_DB": str(s.lock_db),
            "SOCKETIO_REDIS_URL": s.socketio_redis_url,
            "ACTION_ENDPOINT_URL": f"http://127.0.0.1:{self.actions_port}/webhook",
            "RASA_URL": self.api_url,
            "RASA_PUBLIC_URL": self.public_url,
            "ALLOWED_ORIGINS": f"{self.public_url},http://localhost:{self.public_port}",
            **self.extra_env,
        }

    def _member(self, name: str, **ports: int) -> Stack:
        config = StackConfig(
            var_dir=self.var_dir,
            log_dir=self.log_dir / name,
            token=self.token,
            action_token=self.action_token,
            db_url=self.stores.db_url,
            tracker_db_url=self.stores.tracker_db_url,
            model=self.model,
            extra_env=self.environment(),
            **ports,  # type: ignore[arg-type]
        )
        config.log_dir.mkdir(parents=True, exist_ok=True)
        stack = Stack(config)
        self.members[name] = stack
        return stack

    # -- lifecycle ------------------------------------------------------------------
    def build_social_map(self) -> None:
        """Create the schema and import the demo social map into the shared database."""
        subprocess.run(
            [sys.executable, "-m", "socialmap", "build-db", "--db", self.stores.db_url],
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT), "SOCIALMAP_DB_URL": self.stores.db_url},
            check=True,
            capture_output=True,
            timeout=600,
        )

    def prepare_rasa_tables(self) -> None:
        """Create the tracker store's and event broker's tables with Rasa's own classes, once.

        Replicas starting at the same moment would both run CREATE TABLE, and PostgreSQL
        refuses the second one (rasa exits).
        """
        code = (
            "import sys\n"
            "from rasa.core.brokers.sql import SQLEventBroker\n"
            "from rasa.core.tracker_store import SQLTrackerStore\n"
            "SQLEventBroker(host=sys.argv[1])\n"
            "SQLTrackerStore(None, host=sys.argv[2])\n"
        )
        subprocess.run(
            [sys.executable, "-c", code, self.stores.events_url, self.stores.tracker_db_url],
            cwd=ROOT,
            env={**os.environ, "RASA_TELEMETRY_ENABLED": "false", "SQLALCHEMY_SILENCE_UBER_WARNING": "1"},
            check=True,
            capture_output=True,
            timeout=300,
        )

    def write_nginx_conf(self) -> Path:
        def servers(ports: list[int]) -> str:
            return "\n".join(f"        server 127.0.0.1:{p} max_fails=1 fail_timeout=5s;" for p in ports)

        user = ""
        if os.geteuid() == 0:  # workers drop root; their temp folders must be theirs
            worker = pwd.getpwnam("nobody")
            user = f"user nobody {grp.getgrgid(worker.pw_gid).gr_name};\n"
            os.chown(self.run_dir, worker.pw_uid, worker.pw_gid)
        conf = self.run_dir / "nginx.conf"
        conf.write_text(
            NGINX_CONF.format(
                user=user,
                run_dir=self.run_dir,
                log_dir=self.log_dir,
                access_log=self.access_log,
                rasa_servers=servers(self.rasa_ports),
                action_servers=servers(self.action_ports),
                web_port=self.web_port,
                public_port=self.public_port,
                api_port=self.api_port,
                actions_port=self.actions_port,
            ),
            encoding="utf-8",
        )
        return conf

    def start_nginx(self) -> None:
        conf = self.write_nginx_conf()
        log = open(self.log_dir / "nginx.log", "ab")  # noqa: SIM115 - the child keeps its copy
        self.nginx = subprocess.Popen(
            [nginx_binary(), "-p", str(self.run_dir), "-c", str(conf)],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        deadline = time.monotonic() + 20
        while True:
            if self.nginx.poll() is not None:
                error_log = self.log_dir / "nginx-error.log"
                raise RuntimeError(f"nginx exited: {error_log.read_text() if error_log.exists() else ''}")
            try:
                requests.get(f"{self.public_url}/", timeout=2)
                return
            except requests.RequestException:
                if time.monotonic() > deadline:
                    raise TimeoutError("nginx does not answer") from None
                time.sleep(0.2)

    def start(self, timeout: float = 420) -> None:
        """Start everything; raise with the failing process's log tail when one does not come up."""
        self.prepare_rasa_tables()
        self.start_nginx()  # first: the replicas reach the action servers through it
        for i, port in enumerate(self.action_ports):
            self._member(f"actions-{i + 1}", actions_port=port).start("actions")
        for i, port in enumerate(self.rasa_ports):
            self._member(f"rasa-{i + 1}", rasa_port=port).start("rasa")
        self._member("web", web_port=self.web_port).start("web")
        for name, stack in self.members.items():
            kind = name.split("-")[0]
            stack.wait_ready((kind,), timeout)

    def kill_replica(self, index: int) -> None:
        """SIGKILL Rasa replica `index` (0-based), as a crash would."""
        proc = self.members[f"rasa-{index + 1}"].procs.get("rasa")
        if proc is not None and proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)

    def start_replica(self, index: int, timeout: float = 300) -> None:
        stack = self.members[f"rasa-{index + 1}"]
        stack.start("rasa")
        stack.wait_ready(("rasa",), timeout)

    def rss_mb(self) -> dict[str, float]:
        """Return the resident memory of every member in MB."""
        return {name: stack.rss_mb(name.split("-")[0]) for name, stack in self.members.items()}

    def stop(self) -> None:
        """Stop every process this cluster started, nginx last; remove nginx's folder."""
        for stack in list(self.members.values())[::-1]:
            stack.stop_all()
        if self.nginx is not None and self.nginx.poll() is None:
            try:
                os.killpg(self.nginx.pid, signal.SIGTERM)
                self.nginx.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.nginx.pid, signal.SIGKILL)
                self.nginx.wait(timeout=5)
            except ProcessLookupError:
                pass
        shutil.rmtree(self.run_dir, ignore_errors=True)


# -- throw-away PostgreSQL and Redis for `make run-cluster` and the benchmark ---------------


def _as_pg_user(argv: list[str]) -> list[str]:
    """Return argv run as the postgres OS user when we are root (PostgreSQL refuses root)."""
    return ["runuser", "-u", PG_USER, "--", *argv] if os.geteuid() == 0 else argv


def _postgres_bin() -> Path:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parts[-3]))
    if not found:
        raise FileNotFoundError("PostgreSQL is not installed: run `make scale-deps`")
    return found[-1].parent


class LocalStores:
    """A PostgreSQL cluster and a Redis server in a temp folder on 127.0.0.1, gone after `stop()`."""

    def __init__(self) -> None:
        self.base = Path(tempfile.mkdtemp(prefix="socialmap-cluster-stores-"))
        self.pg_port = free_port()
        self.redis_port = free_port()
        self.pg_ctl = str(_postgres_bin() / "pg_ctl")
        self.pg_started = False
        self.redis: subprocess.Popen[bytes] | None = None

    def start(self) -> Stores:
        """Start both servers, create the three databases and return where they are."""
        if os.geteuid() == 0:
            owner = pwd.getpwnam(PG_USER)
            os.chown(self.base, owner.pw_uid, owner.pw_gid)
        data = self.base / "pg"
        subprocess.run(
            _as_pg_user([str(_postgres_bin() / "initdb"), "-D", str(data), "-U", PG_USER, "--auth=trust",
                         "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"]),  # fmt: skip
            check=True, capture_output=True, timeout=120,
        )  # fmt: skip
        options = f"-h 127.0.0.1 -p {self.pg_port} -k {self.base} -c max_connections=200"
        subprocess.run(
            _as_pg_user([self.pg_ctl, "-D", str(data), "-l", str(self.base / "pg.log"), "-o", options,
                         "-w", "-t", "30", "start"]),  # fmt: skip
            check=True, capture_output=True, timeout=60,
        )  # fmt: skip
        self.pg_started = True
        self.redis = subprocess.Popen(
            ["redis-server", "--bind", "127.0.0.1", "--port", str(self.redis_port), "--save", "",
             "--appendonly", "no", "--dir", str(self.base), "--loglevel", "warning"],  # fmt: skip
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        )  # fmt: skip
        import psycopg2
        import redis

        deadline = time.monotonic() + 30
        while True:
            try:
                if redis.Redis(host="127.0.0.1", port=self.redis_port, socket_timeout=1).ping():
                    break
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        conn = psycopg2.connect(host="127.0.0.1", port=self.pg_port, user=PG_USER, dbname="postgres")
        conn.autocommit = True
        with conn.cursor() as cur:
            for name in ("socialmap", "rasa", "events"):
                cur.execute(f'CREATE DATABASE "{name}"')
        conn.close()
        pg = f"{PG_USER}@127.0.0.1:{self.pg_port}"
        return Stores(
            db_url=f"postgresql+psycopg2://{pg}/socialmap",
            tracker_db_url=f"postgresql://{pg}/rasa",
            events_url=f"postgresql://{pg}/events",
            redis_host="127.0.0.1",
            redis_port=self.redis_port,
        )

    def stop(self) -> None:
        if self.redis is not None and self.redis.poll() is None:
            self.redis.terminate()
            self.redis.wait(timeout=10)
        if self.pg_started:
            subprocess.run(
                _as_pg_user([self.pg_ctl, "-D", str(self.base / "pg"), "-m", "fast", "-w", "stop"]),
                capture_output=True,
                timeout=60,
            )
        shutil.rmtree(self.base, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--replicas", type=int, default=2, help="Rasa replicas (each about 1.5 GB)")
    parser.add_argument("--action-servers", type=int, default=2)
    parser.add_argument("--port", type=int, default=int(os.environ.get("CLUSTER_PORT", 8088)), help="nginx")
    args = parser.parse_args(argv)

    def _stop(*_: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _stop)
    stores = LocalStores()
    cluster: Cluster | None = None
    var_dir = Path(tempfile.mkdtemp(prefix="socialmap-cluster-var-"))
    try:
        print("==> starting PostgreSQL and Redis", flush=True)
        shared = stores.start()
        cluster = Cluster(
            shared,
            var_dir=var_dir,
            log_dir=ROOT / "var" / "logs" / "cluster",
            replicas=args.replicas,
            action_servers=args.action_servers,
            public_port=args.port,
        )
        print("==> importing the social map into PostgreSQL", flush=True)
        cluster.build_social_map()
        print(f"==> starting nginx, {args.action_servers} action servers, {args.replicas} Rasa replicas"
              " (a minute or two) and the web process", flush=True)  # fmt: skip
        cluster.start()
        print(
            "\nDe assistent draait als cluster. / The assistant runs as a cluster.\n"
            f"  demo site (resident chat):  {cluster.public_url}/\n"
            f"  staff console:              {cluster.public_url}/medewerkers/"
            f"  (add staff: SOCIALMAP_DB_URL={shared.db_url} .venv/bin/python -m socialmap staff add ...)\n"
            f"  Rasa replicas (direct):     {', '.join(cluster.replica_url(i) for i in range(args.replicas))}\n"
            f"  PostgreSQL / Redis:         127.0.0.1:{stores.pg_port} / 127.0.0.1:{stores.redis_port}\n"
            f"  nginx config:               {cluster.run_dir / 'nginx.conf'}\n"
            f"  logs:                       {cluster.log_dir}/\n"
            "Conversations live in this run's PostgreSQL and are gone after Ctrl-C.\nPress Ctrl-C to stop.",
            flush=True,
        )
        while True:
            for name, member in cluster.members.items():
                for proc in member.procs.values():
                    if proc.poll() is not None:
                        print(f"error: {name} stopped with exit code {proc.returncode}; see {member.config.log_dir}/")
                        return 1
            time.sleep(1)
    except KeyboardInterrupt:
        return 0
    finally:
        print("\n==> stopping", flush=True)
        if cluster is not None:
            cluster.stop()
        stores.stop()
        shutil.rmtree(var_dir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
