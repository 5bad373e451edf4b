"""Cluster mode, in one run: writes, replication lag, searches through HAProxy, and the faults.

    python bench/cluster.py [--seconds 20] [--faults 100] [--json OUT]

Starts what tests/test_cluster.py starts (three Debian nats-server processes with TLS and
passwords, three ``python -m web --cluster`` nodes of two workers each, HAProxy in front), and
one single node (``python -m web``, two workers, no NATS) on an index of its own, then measures:

1. acknowledged writes/s from 8 clients (keep-alive, one short new document per PUT): the single
   node's write path, the cluster's through HAProxy (answered once the node applied the write,
   the default), the cluster's answered once the log has the write (``Prefer: respond-async``,
   202; with the time every node took after the clients stopped to apply all of it), and the
   cluster's with two of its nodes paused (SIGSTOP, out of HAProxy: on one machine three nodes
   index every write on the same two cores, which a real cluster of three machines does not),
   interleaved twice so all see the same machine; the ratios to the single node; and the CPU
   each part used (the single server's processes; each node's applier and other processes,
   the NATS servers, HAProxy, this process), in cores and CPU ms a write;
2. replication lag at 20 writes/s through HAProxy: from the acknowledgement to the moment every
   node's index has committed the write (its recorded log position, read from each node's
   folder every 2 ms), p50 / p99 / max; for both answers;
3. searches/s through HAProxy with 3 nodes and with 1 (the other two disabled on HAProxy's
   admin socket), 8 client threads, 1-2 word queries. Everything runs on one machine: with 2
   cores this measures the overhead of the cluster's path, not scaling;
4. the quorum window: kill -9 both followers of the stream's leader and publish every 50 ms
   with the nodes' fail-fast check; how long after the kill a publish is still proposed
   (``maybe_written``) before writes fail without being proposed; 2 trials;
5. the nemesis: tests/jepsen.py with ``--faults`` kill -9s of nodes and NATS servers (at least
   100 for the record), then the checks and the time to converge after the last fault.

Targets (issue 19): lag p99 <= 2 s; cluster writes/s >= half the single node's; no search
error while the nemesis runs; lost 0, duplicates 0.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import statistics
import sys
import threading
import time
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[1]
# bench/http.py sits next to this file: with this folder on sys.path it would shadow the
# standard library's http package.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))

from indexer.replication.errors import LogUnavailable  # noqa: E402
from indexer.replication.log import Log, LogConfig  # noqa: E402
from indexer.store.positions import read_position  # noqa: E402
from tests import jepsen  # noqa: E402
from tests.cluster_nodes import ClusterUnderTest  # noqa: E402
from tests.web_live import LiveServer, fetch  # noqa: E402
from tests.write_client import WRITE_ENV, Client  # noqa: E402

OUT = ROOT / "bench" / "out"
CLIENTS = 8
LAG_RATE = 20
LAG_WRITES = 200
SLOW_COMMIT_S = ("0.5", "1.0", "2.5")  # bounds of /metrics' commit duration histogram
QUERIES = ["hà nội", "tin", "bài số", "thử nghiệm", "đợt", "số"]


def record(doc_id: str) -> bytes:
    return json.dumps({"title": f"Tin {doc_id}", "body": f"Bài thử nghiệm số {doc_id}"}).encode()


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def write_load(port: int, seconds: float, prefix: str, answered_by_the_log: bool = False) -> dict:
    """8 clients PUT new short documents for ``seconds``: acknowledged writes/s, latency.
    ``prefix`` must not look like the nemesis' ids (``c<client>-<n>-<k>``), which its checks
    read as its own. ``answered_by_the_log``: every PUT says ``Prefer: respond-async`` (202
    once the log has it)."""
    headers = {"Prefer": "respond-async"} if answered_by_the_log else {}
    acknowledged = (202,) if answered_by_the_log else (200, 201)
    latencies: list[float] = []
    errors = [0]
    stop = time.monotonic() + seconds

    def client(i: int) -> None:
        with Client(port) as c:
            n = 0
            while time.monotonic() < stop:
                n += 1
                doc_id = f"{prefix}-{i}-{n}"
                started = time.monotonic()
                try:
                    reply = c.send("PUT", f"/api/documents/{doc_id}", record(doc_id), **headers)
                except OSError:
                    errors[0] += 1
                    continue
                if reply.status in acknowledged:
                    latencies.append(time.monotonic() - started)
                else:
                    errors[0] += 1

    threads = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return {
        "writes_per_s": round(len(latencies) / seconds, 1),
        "p50_ms": round(percentile(latencies, 50) * 1000, 1),
        "p99_ms": round(percentile(latencies, 99) * 1000, 1),
        "errors": errors[0],
    }


def cpu_times(cluster: ClusterUnderTest) -> dict[str, float]:
    """CPU seconds used so far by each part of the cluster: every node's busiest process (its
    applier: it commits every batch) and its other processes, the NATS servers, HAProxy, and
    this process (the clients, and the cuttable TCP links between the nodes and NATS)."""
    tick = os.sysconf("SC_CLK_TCK")
    groups = {node.process.pid: node.name for node in cluster.nodes if node.process}
    per_node: dict[str, list[float]] = {name: [] for name in groups.values()}
    out = {"nats": 0.0, "haproxy": 0.0, "bench": time.process_time()}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
            command = Path(f"/proc/{entry}/cmdline").read_bytes()
        except OSError:
            continue
        used = (int(fields[11]) + int(fields[12])) / tick  # utime + stime
        pid, group = int(entry), int(fields[2])
        if group in groups:
            per_node[groups[group]].append(used)
        elif b"nats-server" in command:
            out["nats"] += used
        elif cluster.haproxy and cluster.haproxy.process and pid == cluster.haproxy.process.pid:
            out["haproxy"] += used
    for name, times in per_node.items():
        out[f"{name} applier"] = max(times, default=0.0)
        out[f"{name} others"] = sum(times) - max(times, default=0.0)
    return out


def family_cpu(pid: int) -> float:
    """CPU seconds used so far by process ``pid`` and its children (a server and its workers)."""
    tick, used = os.sysconf("SC_CLK_TCK"), 0.0
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(entry) == pid or int(fields[1]) == pid:
                used += (int(fields[11]) + int(fields[12])) / tick
    return used


def single_write_load(single: LiveServer, seconds: float, r: int) -> dict:
    """``write_load`` on the single node, with the CPU its processes and this one used."""
    before = {"server": family_cpu(single.process.pid), "bench": time.process_time()}
    figures = write_load(single.port, seconds, f"write-single-{r}")
    after = {"server": family_cpu(single.process.pid), "bench": time.process_time()}
    writes = round(figures["writes_per_s"] * seconds)
    return figures | {"cpu": cpu_split(before, after, seconds, writes)}


def cpu_split(before: dict[str, float], after: dict[str, float], seconds: float, writes: int):
    """Cores each part used over ``seconds``, and CPU ms a write in all."""
    cores = {k: round((after.get(k, 0.0) - before.get(k, 0.0)) / seconds, 2) for k in after}
    total = sum(cores.values())
    return {
        "cores": cores,
        "total_cores": round(total, 2),
        "cpu_ms_a_write": round(total * seconds / max(writes, 1) * 1000, 1),
    }


def cluster_write_load(cluster: ClusterUnderTest, seconds: float, r: int) -> dict:
    """``write_load`` through HAProxy, with the CPU each part of the cluster used."""
    before = cpu_times(cluster)
    figures = write_load(cluster.haproxy.port, seconds, f"write-cluster-{r}")
    writes = round(figures["writes_per_s"] * seconds)
    return figures | {"cpu": cpu_split(before, cpu_times(cluster), seconds, writes)}


def cluster_write_load_answered_by_the_log(
    cluster: ClusterUnderTest, seconds: float, r: int
) -> dict:
    """``cluster_write_load`` with ``Prefer: respond-async``, and how long after the clients
    stopped every node had applied every write (the CPU is counted until then)."""
    before = cpu_times(cluster)
    figures = write_load(cluster.haproxy.port, seconds, f"write-async-{r}", True)
    stopped = time.monotonic()
    jepsen.wait_converged(cluster, timeout=300)
    took = time.monotonic() - stopped
    writes = round(figures["writes_per_s"] * seconds)
    cpu = cpu_split(before, cpu_times(cluster), seconds + took, writes)
    return figures | {"all_applied_s_after_the_clients_stopped": round(took, 2), "cpu": cpu}


def writes_one_node_applying(cluster: ClusterUnderTest, seconds: float, prefix: str) -> dict:
    """``write_load`` through HAProxy with the other two nodes paused (SIGSTOP) and out of
    rotation: on one machine, the cost of the log's path without three nodes indexing every
    write on the same two cores. They catch up before this returns."""
    others = cluster.nodes[1:]
    for node in others:
        haproxy_command(cluster, f"disable server nodes/{node.name}")
        os.killpg(node.process.pid, signal.SIGSTOP)
    try:
        return write_load(cluster.haproxy.port, seconds, prefix)
    finally:
        for node in others:
            os.killpg(node.process.pid, signal.SIGCONT)
            haproxy_command(cluster, f"enable server nodes/{node.name}")
        jepsen.wait_converged(cluster, timeout=300)


def replication_lag(cluster: ClusterUnderTest, answered_by_the_log: bool = False) -> dict:
    """Writes at LAG_RATE/s; seconds from each acknowledgement until every node committed it
    (``answered_by_the_log``: each PUT says ``Prefer: respond-async``)."""
    headers = {"Prefer": "respond-async"} if answered_by_the_log else {}
    prefix = "lag-async" if answered_by_the_log else "lag"
    acked: dict[int, float] = {}
    visible: dict[str, dict[int, float]] = {node.name: {} for node in cluster.nodes}
    done = threading.Event()

    def watch() -> None:
        while not done.is_set() or any(len(v) < len(acked) for v in visible.values()):
            for node in cluster.nodes:
                applied, now = read_position(node.index).seq, time.monotonic()
                for seq in list(acked):
                    if seq <= applied and seq not in visible[node.name]:
                        visible[node.name][seq] = now
            time.sleep(0.002)

    commits_before = {node.name: commit_durations(node) for node in cluster.nodes}
    watcher = threading.Thread(target=watch)
    watcher.start()
    with Client(cluster.haproxy.port) as client:
        start = time.monotonic()
        for n in range(LAG_WRITES):
            time.sleep(max(0.0, start + n / LAG_RATE - time.monotonic()))
            doc_id = f"{prefix}-{n}"
            reply = client.send("PUT", f"/api/documents/{doc_id}", record(doc_id), **headers)
            if reply.status in (200, 201, 202):
                acked[reply.json()["seq"]] = time.monotonic()
    done.set()
    watcher.join(timeout=60)
    everywhere = {
        seq: max(v[seq] for v in visible.values())
        for seq in acked
        if all(seq in v for v in visible.values())
    }
    lags = [everywhere[seq] - acked[seq] for seq in everywhere]
    # Where a long lag came from: each node's own, its slow commits, its applier's last trouble.
    nodes = {}
    for node in cluster.nodes:
        own = [visible[node.name][seq] - acked[seq] for seq in visible[node.name]]
        after, before = commit_durations(node), commits_before[node.name]
        nodes[node.name] = {
            "max_ms": round(max(own, default=0.0) * 1000, 1),
            "commits_longer_than_s": {b: after[b] - before.get(b, 0) for b in SLOW_COMMIT_S},
            "applier_problem": applier_report(node).get("problem"),
        }
    return {
        "rate": LAG_RATE,
        "writes": len(acked),
        "p50_ms": round(percentile(lags, 50) * 1000, 1),
        "p99_ms": round(percentile(lags, 99) * 1000, 1),
        "max_ms": round(max(lags) * 1000, 1),
        "nodes": nodes,
    }


def applier_report(node) -> dict:
    """What the node's applier last reported (``applied/applier.json``)."""
    try:
        return json.loads((node.index / "applied" / "applier.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def commit_durations(node) -> dict[str, float]:
    """The node's commits so far that took longer than each of ``SLOW_COMMIT_S`` seconds
    (its /metrics histogram of group commits, all processes)."""
    total, at_most = 0.0, dict.fromkeys(SLOW_COMMIT_S, 0.0)
    reply = fetch(node.url + "/metrics")
    for line in reply.body.decode().splitlines():
        if line.startswith("vietsearch_group_commit_duration_seconds_bucket"):
            bound, count = line.split('le="')[1].split('"')[0], float(line.rsplit(" ", 1)[1])
            if bound == "+Inf":
                total += count
            elif bound in at_most:
                at_most[bound] += count
    return {bound: total - count for bound, count in at_most.items()}


def search_load(port: int, seconds: float) -> dict:
    """8 threads search through ``port`` for ``seconds``: requests/s, p50/p99, errors."""
    latencies: list[float] = []
    errors = [0]
    stop = time.monotonic() + seconds

    def client(i: int) -> None:
        with Client(port) as c:
            n = i
            while time.monotonic() < stop:
                n += 1
                started = time.monotonic()
                try:
                    ok = c.send("GET", f"/api/search?q={quote(QUERIES[n % len(QUERIES)])}").status
                except OSError:
                    ok = 0
                if ok == 200:
                    latencies.append(time.monotonic() - started)
                else:
                    errors[0] += 1

    threads = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return {
        "requests_per_s": round(len(latencies) / seconds, 1),
        "p50_ms": round(percentile(latencies, 50) * 1000, 1),
        "p99_ms": round(percentile(latencies, 99) * 1000, 1),
        "errors": errors[0],
    }


def haproxy_command(cluster: ClusterUnderTest, command: str) -> None:
    import socket

    with socket.socket(socket.AF_UNIX) as s:
        s.connect(str(cluster.haproxy.socket_path))
        s.sendall(command.encode() + b"\n")
        s.recv(65536)


def searches_1_and_3_nodes(cluster: ClusterUnderTest, seconds: float) -> dict:
    three = search_load(cluster.haproxy.port, seconds)
    for node in cluster.nodes[1:]:
        haproxy_command(cluster, f"disable server nodes/{node.name}")
    try:
        one = search_load(cluster.haproxy.port, seconds)
    finally:
        for node in cluster.nodes[1:]:
            haproxy_command(cluster, f"enable server nodes/{node.name}")
    return {
        "3_nodes": three,
        "1_node": one,
        "ratio_3_to_1": round(three["requests_per_s"] / max(one["requests_per_s"], 0.1), 2),
    }


def quorum_window(cluster: ClusterUnderTest, trials: int = 2) -> list[dict]:
    """Kill both followers of the stream leader; publish every 50 ms through a node's log."""
    nats = cluster.nats
    config = LogConfig(
        servers=tuple(nats.urls),
        user=nats.auth.user,
        password=nats.auth.password,
        tls_ca=str(nats.tls.ca),
    )
    out = []
    for trial in range(trials):
        jepsen.wait_converged(cluster)
        leader = None
        while leader is None:
            leader = nats.stream_leader()
            time.sleep(0.1)
        followers = [i for i, s in enumerate(nats.servers) if s.name != leader]
        log = Log(config).connect()
        try:
            killed = time.monotonic()
            for i in followers:
                nats.kill(i)
            proposed_until, first_refused = None, None
            while time.monotonic() - killed < 8:
                try:
                    log.publish(
                        b'{"format": 1, "put": [], "delete": ["q"]}',
                        f"qw-{trial}-{time.time_ns()}",
                        0.5,
                    )
                except LogUnavailable as exc:
                    at = time.monotonic() - killed
                    if exc.maybe_written:
                        proposed_until = at
                    elif first_refused is None and proposed_until is not None:
                        first_refused = at
                time.sleep(0.05)
        finally:
            log.close()
            for i in followers:
                nats.start_server(i)
            nats.wait_meta_leader()
        out.append(
            {
                "last_proposed_s": proposed_until and round(proposed_until, 2),
                "failing_fast_from_s": first_refused and round(first_refused, 2),
            }
        )
    return out


def nemesis(cluster: ClusterUnderTest, faults: int) -> dict:
    history = jepsen.run(cluster, faults=faults)
    last_fault = history.faults[-1][0] if history.faults else time.time()
    seq, took = jepsen.wait_converged(cluster, timeout=300)
    figures = jepsen.check(cluster, history, seq)
    figures["converged_s_after_the_last_fault"] = round(time.time() - last_fault, 2)
    figures["converged_s_after_the_clients_stopped"] = round(took, 2)
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20, help="each write and search phase")
    parser.add_argument("--faults", type=int, default=100, help="nemesis faults (0: skip)")
    parser.add_argument("--json", metavar="OUT", help="also write the figures here")
    args = parser.parse_args(argv)
    work = OUT / "cluster"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    figures: dict = {"started": time.strftime("%Y-%m-%d %H:%M:%S")}
    single_index = work / "single" / "index"
    single_index.parent.mkdir()
    cluster = ClusterUnderTest(work / "cluster").start()
    try:
        from indexer.store.commits import open_or_create

        open_or_create(single_index)
        single = LiveServer.start(
            single_index, work / "single" / "server.log", workers=2, env=WRITE_ENV
        )
        try:
            rounds = []
            for r in range(2):
                rounds.append(
                    {
                        "single": single_write_load(single, args.seconds, r),
                        "cluster": cluster_write_load(cluster, args.seconds, r),
                        "cluster_answered_by_the_log": cluster_write_load_answered_by_the_log(
                            cluster, args.seconds, r
                        ),
                        "cluster_one_node_applying": writes_one_node_applying(
                            cluster, args.seconds, f"write-one-{r}"
                        ),
                    }
                )
        finally:
            single.stop()
        single_rate = statistics.mean(x["single"]["writes_per_s"] for x in rounds)
        cluster_rate = statistics.mean(x["cluster"]["writes_per_s"] for x in rounds)
        one_rate = statistics.mean(x["cluster_one_node_applying"]["writes_per_s"] for x in rounds)
        log_rate = statistics.mean(x["cluster_answered_by_the_log"]["writes_per_s"] for x in rounds)
        figures["writes_8_clients"] = {
            "rounds": rounds,
            "single_per_s": round(single_rate, 1),
            "cluster_per_s": round(cluster_rate, 1),
            "ratio": round(cluster_rate / single_rate, 2),
            "cluster_answered_by_the_log_per_s": round(log_rate, 1),
            "ratio_answered_by_the_log": round(log_rate / single_rate, 2),
            "cluster_one_node_applying_per_s": round(one_rate, 1),
            "ratio_one_node_applying": round(one_rate / single_rate, 2),
        }
        print(json.dumps(figures["writes_8_clients"], indent=1), flush=True)
        figures["replication_lag"] = replication_lag(cluster)
        print(json.dumps(figures["replication_lag"]), flush=True)
        figures["replication_lag_answered_by_the_log"] = replication_lag(cluster, True)
        print(json.dumps(figures["replication_lag_answered_by_the_log"]), flush=True)
        figures["searches"] = searches_1_and_3_nodes(cluster, args.seconds)
        print(json.dumps(figures["searches"]), flush=True)
        figures["quorum_window"] = quorum_window(cluster)
        print(json.dumps(figures["quorum_window"]), flush=True)
        if args.faults:
            figures["nemesis"] = nemesis(cluster, args.faults)
            print(json.dumps(figures["nemesis"]), flush=True)
    finally:
        cluster.stop()
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=1, ensure_ascii=False))
    print(json.dumps(figures, indent=1, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
