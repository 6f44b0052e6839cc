"""`make bench-cluster`: the load test against one Rasa replica and against two behind nginx, in one run.

The cluster of `make run-cluster` (scripts/cluster.py) on throw-away PostgreSQL and Redis.
First the load goes straight to replica 1 (`one_*`), then through nginx's REST route to
both replicas (`two_*`); the ratio says what the second replica adds on this machine. Then
the CPU time each process used per message answered, from which an 8-core estimate follows.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

from scripts.bench import load
from scripts.cluster import Cluster, LocalStores
from scripts.stack import ROOT, _process_tree


def cpu_seconds(cluster: Cluster) -> dict[str, float]:
    """Return the CPU time (user + system) each member's process tree has used so far."""
    tick = os.sysconf("SC_CLK_TCK")
    result: dict[str, float] = {}
    for name, member in cluster.members.items():
        total = 0.0
        for proc in member.procs.values():
            for pid in _process_tree(proc.pid):
                try:
                    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                    total += (int(fields[11]) + int(fields[12])) / tick
                except (FileNotFoundError, IndexError, ValueError):
                    continue
        result[name] = total
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--think", type=float, default=2.0, help="seconds between a resident's messages (stress)")
    args = parser.parse_args(argv)
    stores = LocalStores()
    var_dir = Path(tempfile.mkdtemp(prefix="bench-cluster-var-"))
    cluster: Cluster | None = None
    figures: dict[str, float] = {}
    try:
        cluster = Cluster(stores.start(), var_dir=var_dir, log_dir=ROOT / "results" / "bench-logs" / "cluster",
                          access_log="off")  # fmt: skip
        cluster.build_social_map()
        cluster.start()
        for label, base in (("one", cluster.replica_url(0)), ("two", cluster.public_url)):
            before = cpu_seconds(cluster)
            run = load(f"{base}/webhooks/rest/webhook", args.users, args.seconds, args.think)
            after = cpu_seconds(cluster)
            figures.update({k.replace("load_", f"{label}_"): v for k, v in run.items()})
            msgs = max(1, int(run["load_msgs"]))
            used = {name: after[name] - before[name] for name in after}
            figures[f"{label}_cpu_ms_per_msg"] = 1000 * sum(used.values()) / msgs
            figures[f"{label}_rasa_cpu_ms_per_msg"] = 1000 * sum(v for n, v in used.items() if n.startswith("rasa")) / msgs
        figures["two_vs_one_throughput"] = figures["two_msgs_per_s"] / figures["one_msgs_per_s"]
        for name, mb in cluster.rss_mb().items():
            figures[f"rss_mb_{name}"] = mb
        # Rasa is single-threaded per replica: on 8 cores, about 7 replicas (one core for the rest);
        # throughput bound by the total CPU per message, if PostgreSQL and Redis keep up.
        figures["estimate_8_cores_msgs_per_s"] = 8 * 1000 / figures["two_cpu_ms_per_msg"]
    finally:
        if cluster is not None:
            cluster.stop()
        stores.stop()
        shutil.rmtree(var_dir, ignore_errors=True)
    for name, value in figures.items():
        print(f"{name}: {value:.2f}" if isinstance(value, float) else f"{name}: {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
