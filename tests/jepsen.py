"""A Jepsen-style check of cluster mode: clients write through HAProxy and every answer is kept,
while a nemesis kills vietsearch nodes and NATS servers with -9, one at a time, and starts them
again; then the history is checked against what every node holds.

Used by tests/test_cluster_jepsen.py (a short run) and bench/cluster.py (at least 100 faults).
The checks, after the faults stop and the nodes have applied the whole stream:
- every acknowledged write (2xx, or 202: in the log, not yet applied where it was sent) is on
  every node, with its content;
- every node holds the same documents, and the same search finds the same hits on each;
- a write not acknowledged (503, an error, no answer) is wholly present or wholly absent, the
  same on every node; one answered 503 with outcome ``not_written`` is absent;
- no write is in the log twice: each ``Idempotency-Key`` has at most one batch that counts
  (every node applies the log once each, tests/test_positions.py shows, so this is the count
  of copies every node applied).
"""

from __future__ import annotations

import http.client
import json
import random
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import quote

from whoosh import index as whoosh_index

from indexer.replication.log import DEADLINE_HEADER, MSG_ID_HEADER, Log, LogConfig, is_valid
from indexer.replication.node import read_applier_report
from indexer.store.positions import outcome_of, read_position
from tests.cluster_nodes import ClusterUnderTest, Node
from tests.write_client import Client

QUERIES = ["tin", "thử nghiệm", "bài số", "hà nội", "đợt"]


@dataclass
class Op:
    """One write request and what it got."""

    key: str
    ids: list[str]
    status: int | None = None  # None: no answer (the connection broke)
    outcome: str | None = None  # of a 503 log_unavailable
    seq: int | None = None


@dataclass
class History:
    """Every write, the faults, and the searches made meanwhile."""

    ops: list[Op] = field(default_factory=list)
    faults: list[tuple[float, str]] = field(default_factory=list)
    bad_answers: list[str] = field(default_factory=list)
    searches: int = 0
    cut_answers: int = 0
    search_errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def acknowledged(self) -> list[Op]:
        return [op for op in self.ops if op.status in (200, 201, 202)]


def body(op: Op) -> bytes:
    records = [
        {"id": i, "title": f"Tin {op.key}", "body": f"Bài số {i} đợt {op.key}"} for i in op.ids
    ]
    return json.dumps(records if len(records) > 1 else records[0], ensure_ascii=False).encode()


def client_loop(port: int, name: str, history: History, stop: threading.Event, rng) -> None:
    """Write until ``stop``: a PUT of one new document or a POST of a batch of 2-3 new ones;
    half of them answered once the log has them (``Prefer: respond-async``)."""
    with Client(port) as client:
        n = 0
        while not stop.is_set():
            n += 1
            key = f"{name}-{n}"
            size = rng.choice((1, 1, 2, 3))
            headers = {"Idempotency-Key": key}
            if rng.random() < 0.5:
                headers["Prefer"] = "respond-async"
            op = Op(key, [f"{key}-{k}" for k in range(size)])
            with history.lock:
                history.ops.append(op)
            method, path = (
                ("PUT", f"/api/documents/{op.ids[0]}") if size == 1 else ("POST", "/api/documents")
            )
            try:
                reply = client.send(method, path, body(op), **headers)
            except (OSError, http.client.HTTPException):
                continue  # no answer: unknown
            op.status = reply.status
            try:
                answer = reply.json()
            except ValueError:  # HAProxy's own page: 502 when a node died under the request
                answer = {}
            op.seq = answer.get("seq")
            op.outcome = answer.get("error", {}).get("outcome")
            if reply.status in (500, 400, 401):  # never acceptable: recorded, fails the check
                history.bad_answers.append(f"{method} {path}: {reply.status} {reply.text[:300]}")


def search_loop(port: int, history: History, stop: threading.Event) -> None:
    """Search through HAProxy until ``stop``. HAProxy sends a search again by itself when its
    node died before answering; when one dies in the middle of its answer, the client asks
    again once, as HTTP clients do for a GET (counted in ``cut_answers``). A search that still
    gets no 200 is an error."""
    with Client(port) as client:
        for n in range(10**9):
            if stop.is_set():
                return
            path = f"/api/search?q={quote(QUERIES[n % len(QUERIES)])}"
            ok, detail = _search(client, path)
            if not ok and detail.startswith("cut"):
                history.cut_answers += 1
                ok, detail = _search(client, path)
            history.searches += 1
            if not ok:
                history.search_errors.append(detail)


def _search(client: Client, path: str) -> tuple[bool, str]:
    try:
        reply = client.send("GET", path)
    except (OSError, http.client.HTTPException) as exc:
        return False, f"cut: {exc!r}"
    return reply.status == 200, f"{reply.status} {reply.text[:200]}"


def nemesis(
    cluster: ClusterUnderTest, faults: int, history: History, rng, pause=(0.5, 2.0)
) -> None:
    """``faults`` times: wait, kill -9 one node or NATS server, wait, start it again (and wait
    until it is back) before the next."""
    for _ in range(faults):
        time.sleep(rng.uniform(*pause))
        if rng.random() < 0.5:
            node = rng.choice(cluster.nodes)
            history.faults.append((time.time(), f"kill -9 node {node.name}"))
            node.kill()
            time.sleep(rng.uniform(*pause))
            node.start()
        else:
            i = rng.randrange(len(cluster.nats.servers))
            history.faults.append((time.time(), f"kill -9 nats {cluster.nats.servers[i].name}"))
            cluster.nats.kill(i)
            time.sleep(rng.uniform(*pause))
            cluster.nats.start_server(i)
            cluster.nats.wait_meta_leader()


def run(cluster: ClusterUnderTest, faults: int, clients: int = 4, seed: int = 19) -> History:
    """Clients and searches through HAProxy while the nemesis injects ``faults`` faults."""
    history, stop, rng = History(), threading.Event(), random.Random(seed)
    port = cluster.haproxy.port
    threads = [
        threading.Thread(
            target=client_loop, args=(port, f"c{i}", history, stop, random.Random(seed + i))
        )
        for i in range(clients)
    ]
    threads.append(threading.Thread(target=search_loop, args=(port, history, stop)))
    for thread in threads:
        thread.start()
    try:
        nemesis(cluster, faults, history, rng)
        time.sleep(1.0)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
    return history


def stored(node: Node) -> dict[str, str]:
    with whoosh_index.open_dir(node.index).searcher() as searcher:
        return {f["id"]: f.get("title", "") for f in searcher.all_stored_fields()}


def differences(cluster: ClusterUnderTest, held: list[dict[str, str]], history: History) -> str:
    """Where the nodes' documents differ: for each node, its position, the ids the others hold
    and it lacks, those it alone holds and those it holds with other content (at most 5 of
    each), and what the history says of the writes those ids came from."""
    every = set().union(*held)
    writes = {i: op for op in history.ops for i in op.ids}
    lines = []
    for node, mine in zip(cluster.nodes, held, strict=True):
        lacks = sorted(every - set(mine))
        others = [h for h in held if h is not mine]
        alone = sorted(i for i in mine if all(i not in h for h in others))
        other = sorted(i for i in mine if any(i in h and h[i] != mine[i] for h in others))
        lines.append(
            f"{node.name} (position {read_position(node.index).seq}, {len(mine)} documents): "
            f"lacks {len(lacks)} {lacks[:5]}, alone holds {len(alone)} {alone[:5]}, "
            f"other content {len(other)} {other[:5]}"
        )
        for i in (lacks + alone + other)[:5]:
            lines.append(f"    {i}: {writes.get(i)}")
    differing = {writes[i].key for i in every if len({h.get(i) for h in held}) > 1 and i in writes}
    return "\n".join(lines + _batches_of(cluster, sorted(differing)[:5]))


def _batches_of(cluster: ClusterUnderTest, keys: list[str]) -> list[str]:
    """For each write key, its batches in the stream (read from the leader): sequence, stamp,
    deadline and whether they count, and what each node's commit record says it did with
    them (``outcome_of``: [created, replaced, deleted], None for discarded or no record)."""
    if not keys:
        return []
    log = _connect(cluster)
    lines = []
    try:
        last = log.state().last_seq
        for n in range(1, last + 1):
            stamp, headers, _ = log.get(n, timeout=10)
            key = headers.get(MSG_ID_HEADER, "").split("~")[0]
            if key in keys:
                outcomes = {node.name: outcome_of(node.index, n) for node in cluster.nodes}
                deadline = headers.get(DEADLINE_HEADER)
                lines.append(
                    f"  batch {n} of {key}: stamp {stamp} deadline {deadline} "
                    f"counts {is_valid(stamp, headers)}; on the nodes: {outcomes}"
                )
    finally:
        log.close()
    return lines


def _diagnosis(node: Node) -> str:
    """What a node that did not converge says: its applier's report (which process holds the
    applier, its last trouble) and the end of its log without the health checks, which fill
    it (a node stuck at one position once showed nothing else: CI, 2026-12-03)."""
    lines = [x for x in node.log().splitlines() if '"route": "/healthz"' not in x]
    return f"applier report: {read_applier_report(node.index)}\n" + "\n".join(lines[-40:])[-4000:]


def lost_writes(held: dict[str, str], history: History) -> list[str]:
    """The keys of the acknowledged writes that ``held`` (a node's documents, as ``stored``
    gives them) lacks or holds with other content."""
    return [
        op.key
        for op in history.acknowledged()
        if any(held.get(i) != f"Tin {op.key}" for i in op.ids)
    ]


def lacking_report(cluster: ClusterUnderTest, history: History) -> str:
    """For each node, how many acknowledged writes its index lacks now: when a node did not
    converge, whether the others hold every acknowledged write is the check that matters."""
    acknowledged = history.acknowledged()
    lines = []
    for node in cluster.nodes:
        try:
            held = stored(node)
        except Exception as exc:  # noqa: BLE001 - a diagnosis must not hide the failure
            lines.append(f"{node.name}: could not read its index ({exc!r})")
            continue
        lacking = lost_writes(held, history)
        count = f"{len(lacking)} of {len(acknowledged)}"
        lines.append(f"{node.name} lacks {count} acknowledged writes {lacking[:5]}")
    return "\n".join(lines)


def wait_converged(
    cluster: ClusterUnderTest, timeout: float = 120, history: History | None = None
) -> tuple[int, float]:
    """(stream seq, seconds it took) once every node is healthy and has applied it all; when
    they do not, the error says what each node reports and, given ``history``, how many
    acknowledged writes each lacks."""
    started = time.monotonic()
    seen = "nothing"
    while True:
        try:
            states = [n.get("/healthz") for n in cluster.nodes]
            seen = "; ".join(
                f"{n.name}: {s.status} {s.text[:300]}"
                for n, s in zip(cluster.nodes, states, strict=True)
            )
            answers = [s.json() for s in states]
            seqs = {(a["applied_seq"], a["stream_seq"]) for a in answers}
            if all(s.status == 200 for s in states) and len(seqs) == 1:
                applied, last = seqs.pop()
                if applied == last:
                    return last, time.monotonic() - started
        except (OSError, ValueError, KeyError) as exc:
            seen = repr(exc)
        if time.monotonic() - started > timeout:
            logs = "\n".join(f"--- {n.name}:\n{_diagnosis(n)}" for n in cluster.nodes)
            logs += f"\n{cluster.nats.diagnosis()}"
            lacking = f"{lacking_report(cluster, history)}\n" if history is not None else ""
            raise TimeoutError(
                f"not converged in {timeout} s; last /healthz: {seen}\n{lacking}{logs}"
            )
        time.sleep(0.1)


def check(cluster: ClusterUnderTest, history: History, seq: int) -> dict:
    """Check the history against every node (see the module docstring); the figures."""
    assert not history.bad_answers, history.bad_answers[:5]
    held = [stored(node) for node in cluster.nodes]
    assert all(h == held[0] for h in held), "the nodes hold different documents: " + differences(
        cluster, held, history
    )
    everything = held[0]
    lost = lost_writes(everything, history)
    assert not lost, f"acknowledged writes lost: {lost[:10]}"
    partial, phantom = [], []
    for op in history.ops:
        present = [i in everything for i in op.ids]
        if any(present) and not all(present):
            partial.append(op.key)
        if op.outcome == "not_written" and any(present):
            phantom.append(op.key)
    assert not partial, f"writes applied in part: {partial[:10]}"
    assert not phantom, f"writes answered not_written but applied: {phantom[:10]}"
    duplicates = _applied_twice(cluster, seq)
    assert not duplicates, f"writes applied twice: {duplicates[:10]}"
    for query in QUERIES + [op.key for op in history.acknowledged()[::50]]:
        url = f"/api/search?q={quote(query)}&per_page=100&after_seq={seq}"
        pages = [n.get(url).json() for n in cluster.nodes]
        totals = {page["total"] for page in pages}
        assert len(totals) == 1, f"different totals for {query!r}: {totals}"
        if totals.pop() <= 100:  # all hits on one page: the same set (ties may order apart)
            hits = [sorted(h["id"] for h in page["hits"]) for page in pages]
            assert all(h == hits[0] for h in hits), f"different hits for {query!r}"
    unacknowledged = [op for op in history.ops if op.status not in (200, 201, 202)]
    return {
        "faults": len(history.faults),
        "writes": len(history.ops),
        "acknowledged": len(history.acknowledged()),
        "unacknowledged": len(unacknowledged),
        "unacknowledged_applied": sum(
            all(i in everything for i in op.ids) for op in unacknowledged
        ),
        "lost": len(lost),
        "duplicates": len(duplicates),
        "partial": len(partial),
        "searches": history.searches,
        "search_answers_cut_by_a_kill_then_asked_again": history.cut_answers,
        "search_errors": len(history.search_errors),
        "search_error_answers": history.search_errors[:5],
        "documents": len(everything),
    }


def _applied_twice(cluster: ClusterUnderTest, seq: int) -> list[str]:
    """Writes (Idempotency-Keys) the stream holds more than one valid batch of: each would be
    applied twice on every node. Ids are new when written, so the documents cannot show it."""
    log = _connect(cluster)
    copies: Counter = Counter()
    try:
        for n in range(1, seq + 1):
            stamp, headers, _ = log.get(n, timeout=10)
            key = headers.get(MSG_ID_HEADER, "").split("~")[0]
            copies[key] += is_valid(stamp, headers)
    finally:
        log.close()
    return [key for key, count in copies.items() if count > 1]


def _connect(cluster: ClusterUnderTest) -> Log:
    """A connection of this process to the cluster's write log."""
    nats = cluster.nats
    config = LogConfig(
        servers=tuple(nats.urls),
        user=nats.auth.user,
        password=nats.auth.password,
        tls_ca=str(nats.tls.ca) if nats.tls else None,
    )
    return Log(config).connect()
