"""Cluster mode with real parts: three nats-server processes (TLS, passwords), three vietsearch
nodes (``python -m web --cluster``, two gunicorn workers each) and HAProxy in front.

The writes, their answers and after_seq; what a node reports; and the faults of issue 19: two
of three NATS servers down, a node cut off from NATS, a node killed with -9, a node added from
a snapshot, a node whose position has left the stream's retention, clients without credentials
or TLS. Each fault test leaves the cluster whole again. The Jepsen-style run is
tests/test_cluster_jepsen.py.
"""

from __future__ import annotations

import contextlib
import json
import re
import subprocess
import sys
import threading
import time
from types import SimpleNamespace

import pytest
from whoosh import index as whoosh_index

from indexer import ClusterConfig, ClusterError, ClusterNode, Document, LogUnavailable
from indexer.replication.log import Log, LogConfig
from indexer.replication.node import read_applier_report
from indexer.store.commits import open_or_create
from indexer.store.locks import abandon, open_writer
from tests.cluster_nodes import MAX_LAG_S, ClusterUnderTest, Node
from tests.conftest import ROOT
from tests.test_web_openapi import validate
from tests.write_client import Client
from web.request_id import INCOMING_ID

WAIT_S = 60  # a bound on waits, not a timing assertion
PREFER = {"Prefer": "respond-async"}


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    running = ClusterUnderTest(tmp_path_factory.mktemp("cluster")).start()
    yield running
    running.stop()


def record(doc_id: str, word: str = "thử nghiệm") -> bytes:
    return json.dumps(
        {"id": doc_id, "title": f"Tin {word}", "body": f"Bài {word} số {doc_id}"}
    ).encode()


def stored(node: Node) -> dict[str, str]:
    """id -> title of every document in the node's latest commit, read from its folder."""
    with whoosh_index.open_dir(node.index).searcher() as searcher:
        return {f["id"]: f.get("title", "") for f in searcher.all_stored_fields()}


def header(reply, name: str) -> str:
    """A response header, whatever its case (HAProxy sends names in lower case)."""
    return {k.lower(): v for k, v in reply.headers.items()}[name.lower()]


def health(node: Node) -> tuple[int, dict]:
    reply = node.get("/healthz")
    return reply.status, reply.json()


def wait_converged(cluster: ClusterUnderTest, nodes: list[Node] | None = None) -> int:
    """Until every node has applied the whole stream; the stream's last sequence."""
    deadline = time.monotonic() + WAIT_S
    while True:
        states = [health(n)[1] for n in nodes or cluster.nodes]
        seqs = {(s["applied_seq"], s["stream_seq"]) for s in states}
        if len(seqs) == 1 and (seq := seqs.pop())[0] == seq[1]:
            return seq[0]
        assert time.monotonic() < deadline, f"not converged: {states}"
        time.sleep(0.1)


def quorum_now(log: Log) -> bool:
    """What the stream says of its quorum now (no answer: none)."""
    try:
        return log.state(timeout=1.0).quorum
    except LogUnavailable:
        return False


def wait_writes_resume(cluster: ClusterUnderTest, prefix: str, when: str) -> None:
    """Until a PUT through HAProxy (ids ``prefix-0``, ``prefix-1``...) answers 201."""
    attempts = iter(range(1000))

    def written() -> bool:
        doc_id = f"{prefix}-{next(attempts)}"
        with Client(cluster.haproxy.port) as client:
            return client.send("PUT", f"/api/documents/{doc_id}", record(doc_id)).status == 201

    wait_until(written, f"writes to resume {when}")


def wait_until(condition, what: str, timeout: float = WAIT_S):
    deadline = time.monotonic() + timeout
    while not (result := condition()):
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)
    return result


# --- writes and reads --------------------------------------------------------------------------


def test_writes_answer_as_a_single_node_does_plus_their_seq(cluster):
    with Client(cluster.haproxy.port) as client:
        created = client.send("PUT", "/api/documents/c-1", record("c-1"))
        replaced = client.send("PUT", "/api/documents/c-1", record("c-1", "lần hai"))
        batch = client.send(
            "POST", "/api/documents", b"[" + record("c-2") + b"," + record("c-1") + b"]"
        )
        missing = client.send("DELETE", "/api/documents/khong-co")
        deleted = client.send("DELETE", "/api/documents/c-2")
        invalid = client.send("PUT", "/api/documents/c-3", b'{"title": 5}')
    assert (created.status, created.json()["created"]) == (201, 1)
    assert (replaced.status, replaced.json()["replaced"]) == (200, 1)
    assert batch.json() | {"seq": 0} == {"indexed": 2, "created": 1, "replaced": 1, "seq": 0}
    assert missing.status == 404 and missing.json()["error"]["code"] == "document_not_found"
    assert deleted.status == 204
    assert (invalid.status, invalid.json()["error"]["code"]) == (400, "invalid_document")
    seqs = [created.json()["seq"], replaced.json()["seq"], batch.json()["seq"]]
    seqs.append(int(header(deleted, "Vietsearch-Seq")))
    assert seqs == sorted(seqs) and len(set(seqs)) == 4
    for node in cluster.nodes:  # every node, asked for at least the last write
        reply = node.get(f"/api/documents/c-1?after_seq={seqs[-1]}")
        assert (reply.status, reply.json()["title"]) == (200, "Tin thử nghiệm")
        assert node.get(f"/api/documents/c-2?after_seq={seqs[-1]}").status == 404


def test_no_request_is_sent_on_a_connection_a_node_may_be_closing(cluster):
    # A node closes a connection idle for 5 s; HAProxy used to keep each one open for the next
    # request, and a write sent on it as the node closed it got no answer (a CI run: the
    # client's connection dropped). Each connection to a node now carries one request.
    with Client(cluster.haproxy.port) as client:
        for n in range(2 * len(cluster.nodes)):  # round robin: every node answers
            assert client.send("GET", f"/api/search?q=tin+{n}").status == 200
    idle = {name: 0 for name, _ in cluster.haproxy.backends}
    deadline = time.monotonic() + 1  # less than the nodes' 5 s: kept connections still show
    while cluster.haproxy.idle_connections() != idle:
        assert time.monotonic() < deadline, cluster.haproxy.idle_connections()
        time.sleep(0.05)


def test_writes_need_the_token_as_on_a_single_node(cluster):
    with Client(cluster.haproxy.port, token="sai") as client:
        assert client.send("PUT", "/api/documents/t-1", record("t-1")).status == 401


@pytest.mark.parametrize("node_index", [0, 1, 2])
def test_a_get_by_id_sees_the_write_its_node_just_acknowledged(cluster, node_index):
    node = cluster.nodes[node_index]
    with Client(node.port) as client:
        for n in range(5):
            doc_id = f"ryw-{node_index}-{n}"
            assert client.send("PUT", f"/api/documents/{doc_id}", record(doc_id)).status == 201
            assert client.send("GET", f"/api/documents/{doc_id}").status == 200


@contextlib.contextmanager
def applying_held(node: Node):
    """The node's index writer held by this process: the node cannot apply the log meanwhile."""
    writer = open_writer(open_or_create(node.index), WAIT_S)
    try:
        yield
    finally:
        abandon(writer)


@pytest.mark.parametrize("node_index", [0, 1, 2])
def test_a_write_preferring_async_is_answered_once_the_log_has_it(cluster, node_index):
    """202 with its seq while the node cannot apply it; a GET by id on that node (either
    worker: a new connection each time) waits until it has applied it, and sees it."""
    node = cluster.nodes[node_index]
    doc_id = f"async-{node_index}"
    answers: list = []
    with applying_held(node):
        with Client(node.port) as client:
            reply = client.send("PUT", f"/api/documents/{doc_id}", record(doc_id), **PREFER)
        assert reply.status == 202
        assert header(reply, "Preference-Applied") == "respond-async"
        assert reply.json() == {"seq": reply.json()["seq"], "applied": False}
        assert node.get("/healthz").json()["applied_seq"] < reply.json()["seq"]
        readers = [
            threading.Thread(target=lambda: answers.append(node.get(f"/api/documents/{doc_id}")))
            for _ in range(4)
        ]
        for reader in readers:
            reader.start()
        time.sleep(0.5)  # the GETs are waiting now; the writer is released below
    for reader in readers:
        reader.join(WAIT_S)
    assert [(a.status, a.json().get("title")) for a in answers] == [(200, "Tin thử nghiệm")] * 4


def test_a_get_by_id_answers_503_when_its_node_cannot_apply_its_own_writes_in_time(cluster):
    node = cluster.nodes[1]
    with applying_held(node):
        with Client(node.port) as client:
            reply = client.send("DELETE", "/api/documents/async-1", **PREFER)
        assert reply.status == 202
        started = time.monotonic()
        late = node.get("/api/documents/async-1")
        assert time.monotonic() - started >= 2.0  # it waited its bound first
    assert (late.status, late.json()["error"]["code"]) == (503, "not_caught_up")
    assert node.get("/api/documents/async-1").status == 404  # applied once the writer is free


def test_a_batch_preferring_async_is_seen_with_its_seq_on_every_node(cluster):
    body = b"[" + record("async-b1", "macacxanh") + b"," + record("async-b2", "macacxanh") + b"]"
    with Client(cluster.haproxy.port) as client:
        reply = client.send("POST", "/api/documents", body, Prefer="wait=1, respond-async")
    assert reply.status == 202
    openapi = cluster.nodes[0].get("/api/openapi.json").json()
    as_flask = SimpleNamespace(
        status_code=reply.status, mimetype="application/json", get_json=lambda force: reply.json()
    )
    validate(openapi, "/api/documents", "post", as_flask)
    parameters = openapi["paths"]["/api/documents"]["post"]["parameters"]
    assert "Prefer" in [parameter["name"] for parameter in parameters]
    seq = reply.json()["seq"]
    for node in cluster.nodes:
        found = node.get(f"/api/search?q=macacxanh&after_seq={seq}").json()
        assert sorted(hit["id"] for hit in found["hits"]) == ["async-b1", "async-b2"]


def test_a_search_with_after_seq_finds_the_write_on_every_node(cluster):
    with Client(cluster.haproxy.port) as client:
        reply = client.send("PUT", "/api/documents/tim-1", record("tim-1", "tapirxanh"))
    seq = reply.json()["seq"]
    for node in cluster.nodes:
        found = node.get(f"/api/search?q=tapirxanh&after_seq={seq}").json()
        assert [hit["id"] for hit in found["hits"]] == ["tim-1"]


@pytest.mark.parametrize(
    "after_seq, status, code",
    [
        ("abc", 400, "invalid_parameter"),
        ("-1", 400, "invalid_parameter"),
        ("10" * 10, 400, "invalid_parameter"),
    ],
)
def test_after_seq_is_checked(cluster, after_seq, status, code):
    reply = cluster.nodes[0].get(f"/api/search?q=a&after_seq={after_seq}")
    assert (reply.status, reply.json()["error"]["code"]) == (status, code)


def test_after_seq_past_what_the_node_has_is_503_not_caught_up_after_the_bound(cluster):
    started = time.monotonic()
    reply = cluster.nodes[1].get("/api/search?q=a&after_seq=999999999")
    assert (reply.status, reply.json()["error"]["code"]) == (503, "not_caught_up")
    assert header(reply, "Retry-After") == "1"
    assert time.monotonic() - started >= 2.0  # it waited its bound first


def test_an_idempotency_key_makes_a_repeated_write_land_once(cluster):
    key = {"Idempotency-Key": f"khoa-{time.time_ns()}"}
    with Client(cluster.haproxy.port) as client:
        first = client.send("PUT", "/api/documents/idem-1", record("idem-1"), **key)
        again = client.send("PUT", "/api/documents/idem-1", record("idem-1"), **key)
        other = client.send("PUT", "/api/documents/idem-1", record("idem-1"))
        bad = client.send(
            "PUT", "/api/documents/idem-2", record("idem-2"), **{"Idempotency-Key": "has space"}
        )
    assert (first.status, again.status) == (201, 201)  # the first write's answer, twice
    assert first.json()["seq"] == again.json()["seq"]
    assert (other.status, other.json()["seq"]) == (200, first.json()["seq"] + 1)
    assert (bad.status, bad.json()["error"]["code"]) == (400, "invalid_idempotency_key")


def test_health_reports_the_node_place_in_the_log(cluster):
    seq = wait_converged(cluster)
    for node in cluster.nodes:
        status, body = health(node)
        assert status == 200
        # The index's own figures vary with its commits: only their presence is checked here.
        varying = {"documents": 0, "last_commit": "", "segments": 0, "size_bytes": 0}
        assert isinstance(body["segments"], int) and body["size_bytes"] > 0
        assert body | varying == {
            **varying,
            "status": "ok",
            "in_progress": None,
            "writable": True,
            "node": node.name,
            "applied_seq": seq,
            "stream_seq": seq,
            "lag_messages": 0,
            "lag_seconds": 0.0,
            "message": None,
        }


def test_metrics_show_the_node_place_in_the_log(cluster):
    from prometheus_client.parser import text_string_to_metric_families

    seq = wait_converged(cluster)
    for node in cluster.nodes:
        reply = node.get("/metrics")
        assert reply.status == 200
        samples = {
            sample.name: sample
            for family in text_string_to_metric_families(reply.text)
            for sample in family.samples
            if sample.name.startswith("vietsearch_cluster_")
        }
        assert samples["vietsearch_cluster_applied_seq"].value == seq
        assert samples["vietsearch_cluster_stream_seq"].value == seq
        assert samples["vietsearch_cluster_lag_messages"].value == 0
        assert samples["vietsearch_cluster_in_rotation"].value == 1
        assert samples["vietsearch_cluster_applied_seq"].labels == {"node": node.name}


def test_the_log_is_applied_by_one_process_per_node(cluster):
    """Each node has two workers; the stream is consumed once per node (one consumer each)."""
    consumers = set()
    for server in cluster.nats.running():  # each server lists the consumers it hosts
        doc = server.jsz("?accounts=true&streams=true&consumers=true")
        streams = [s for a in doc["account_details"] for s in a.get("stream_detail", [])]
        named = [s for s in streams if s["name"] == "vietsearch"]
        consumers |= {c["name"] for s in named for c in s.get("consumer_detail", [])}
    assert len(consumers) == len(cluster.nodes)


# --- faults ----------------------------------------------------------------------------------


def test_two_of_three_nats_servers_down_writes_503_searches_go_on(cluster):
    seq = wait_converged(cluster)
    # A connection that would remember what it saw for a minute: a no must not be remembered.
    watcher = Log(
        LogConfig(
            servers=tuple(cluster.nats.urls),
            user="vietsearch",
            password=cluster.nats.auth.password,
            tls_ca=str(cluster.nats.tls.ca),
            quorum_check_s=60.0,
        )
    ).connect()
    cluster.nats.kill(0)
    cluster.nats.kill(1)
    try:
        with Client(cluster.haproxy.port) as client:

            def refused():
                reply = client.send("PUT", "/api/documents/q-1", record("q-1"))
                return reply if reply.status == 503 else None

            reply = wait_until(refused, "writes to fail", timeout=20)
            error = reply.json()["error"]
            assert error["code"] == "log_unavailable" and header(reply, "Retry-After") == "2"
            assert error["outcome"] in ("not_written", "unknown")
            time.sleep(5)  # past the leader's silence bound: it fails without proposing
            reply = client.send("PUT", "/api/documents/q-2", record("q-2"))
            assert (reply.status, reply.json()["error"]["outcome"]) == (503, "not_written")
            for _ in range(6):  # every node stays in rotation, and searches answer
                assert client.send("GET", "/api/search?q=tin").status == 200
        for node in cluster.nodes:
            status, body = health(node)
            assert (status, body["status"], body["applied_seq"]) == (200, "log_unavailable", seq)
        assert not watcher.has_quorum()
    finally:
        cluster.nats.start_server(0)
    try:
        wait_until(lambda: quorum_now(watcher), "the quorum to be back")
        assert watcher.has_quorum()  # at once: the no of the outage was not kept
    finally:
        watcher.close()
    wait_writes_resume(cluster, "q-3", "with two servers")
    cluster.nats.start_server(1)
    wait_converged(cluster)
    # A write whose outcome was unknown is on every node or on none.
    held = [{"q-1", "q-2"} & set(stored(n)) for n in cluster.nodes]
    assert all(h == held[0] for h in held) and "q-2" not in held[0]


def test_a_node_cut_off_from_nats_serves_searches_reports_its_lag_and_leaves_rotation(cluster):
    cut = cluster.nodes[2]
    wait_converged(cluster)
    for link in cut.links:
        link.cut()
    try:
        status, body = wait_until(lambda: (h := health(cut))[0] == 503 and h, "503 lagging")
        assert body["status"] == "lagging" and body["lag_seconds"] > MAX_LAG_S
        # The request log says why the node left rotation (the answers HAProxy gets are not
        # kept anywhere else).
        assert '"route": "/healthz", "status": 503' in cut.log()
        assert '"reason": "lagging: this node' in cut.log()
        # HAProxy's fallback check (any lag) still finds it up: its lag is known, bounded by
        # when it last had everything, and a node that answers is better than none.
        stale = cut.get("/healthz?max_lag=86400")
        assert (stale.status, stale.json()["status"]) == (200, "ok"), stale.text
        cluster.wait_in_rotation([n.name for n in cluster.nodes if n is not cut])
        with Client(cluster.haproxy.port) as client:
            assert (
                client.send("PUT", "/api/documents/cut-1", record("cut-1", "okapivang")).status
                == 201
            )
        assert cut.get("/api/search?q=okapivang").json()["total"] == 0  # still answers, stale
        with Client(cut.port) as client:
            reply = client.send("PUT", "/api/documents/cut-2", record("cut-2"))
        assert (reply.status, reply.json()["error"]["outcome"]) == (503, "not_written")
    finally:
        for link in cut.links:
            link.restore()
    cluster.wait_in_rotation([n.name for n in cluster.nodes])
    seq = wait_converged(cluster)
    assert cut.get(f"/api/search?q=okapivang&after_seq={seq}").json()["total"] == 1


def applier_report(node: Node) -> dict:
    return read_applier_report(node.index)


def test_a_node_restarted_and_cut_off_before_it_caught_up_still_bounds_its_lag(cluster):
    """A node killed, restarted with writes to catch up on (its writer held, so it cannot),
    then cut off from NATS: its lag is still bounded by when it last had every batch before
    the restart, because its report keeps that moment and the index's position then. Its new
    applier used to start with no such moment and report none, so the node said only that it
    had not known itself caught up since it started, and failed even HAProxy's any-lag check:
    out of both backends, with an index good to the moment it was killed."""
    node, writer = cluster.nodes[2], cluster.nodes[0]
    wait_converged(cluster)
    wait_until(lambda: applier_report(node).get("caught_up_at"), "the node to know it had all")
    # The report says when the applier last began a step: recent while it runs.
    assert time.time() - applier_report(node)["stepped_at"] < 10, applier_report(node)
    old_pid = applier_report(node).get("pid")
    node.kill()
    killed_at = time.time()
    with Client(writer.port) as client:
        for n in range(5):
            reply = client.send("PUT", f"/api/documents/restart-{n}", record(f"restart-{n}"))
            assert reply.status == 201, reply.text
    try:
        with applying_held(node):
            node.start(wait=False)
            wait_until(lambda: applier_report(node).get("pid") not in (None, old_pid), "a report")
            for link in node.links:
                link.cut()
            try:

                def cut_off() -> dict | None:
                    found = health_or_none(node)
                    return found and "cannot reach any NATS server" in (found[1]["message"] or "")

                wait_until(cut_off, "the node to find itself cut off from NATS")
                asked_at = time.time()
                status, body = health(node)
                assert (status, body["status"]) == (503, "lagging"), body
                assert "last knew itself caught up" in body["message"], body
                stale = node.get("/healthz?max_lag=86400")
                assert (stale.status, stale.json()["status"]) == (200, "ok"), stale.text
                assert stale.json()["lag_seconds"] >= asked_at - killed_at, stale.text
            finally:
                for link in node.links:
                    link.restore()
    finally:
        node.wait_healthy()
    cluster.wait_in_rotation([n.name for n in cluster.nodes])
    wait_converged(cluster)
    assert {f"restart-{n}" for n in range(5)} <= set(stored(node))


def test_with_no_node_to_take_it_haproxy_answers_a_json_error_with_retry_after(cluster):
    """HAProxy's own 503 ("No server is available") was an HTML page: an API client got a body
    it could not read as every other error (the Jepsen runs' failed searches). Every server of
    both backends put in maintenance through the stats socket, then back."""
    servers = [f"{backend}/{n.name}" for backend in ("nodes", "stale") for n in cluster.nodes]
    try:
        for server in servers:
            cluster.haproxy.command(f"disable server {server}")
        with Client(cluster.haproxy.port) as client:
            reply = client.send("GET", "/api/search?q=tin")
            own = client.send("GET", "/api/search?q=tin", **{"X-Request-Id": "mine-1"})
            odd = client.send("GET", "/api/search?q=tin", **{"X-Request-Id": 'a"b'})
        assert reply.status == 503, reply.text
        assert header(reply, "Content-Type") == "application/json"
        assert header(reply, "Retry-After") == "2"
        assert reply.json()["error"]["code"] == "unavailable"
        # The request id every JSON error carries: HAProxy's own (one a node would keep), or
        # the client's when a node would keep it, in the body and the header alike.
        made = reply.json()["request_id"]
        assert INCOMING_ID.fullmatch(made) and made == header(reply, "X-Request-Id"), reply.text
        assert (own.json()["request_id"], header(own, "X-Request-Id")) == ("mine-1", "mine-1")
        replaced = odd.json()["request_id"]  # a quote: not kept, and the body stays JSON
        assert replaced not in ('a"b', "", made) and re.fullmatch(r"[0-9A-F-]+", replaced)
        # HAProxy's access log says who answered (no server: <NOSRV>, 503, "SC": refused on
        # the server side, at connection), under the same id.
        line = haproxy_log_line(cluster, "mine-1")
        assert " nodes/<NOSRV> " in line and " 503 " in line and " SC-- " in line, line
    finally:
        for server in servers:
            cluster.haproxy.command(f"enable server {server}")
    cluster.wait_in_rotation([n.name for n in cluster.nodes])


def haproxy_log_line(cluster, request_id: str) -> str:
    """HAProxy's access log line of the request ``request_id`` (its last field), once written."""
    return wait_until(
        lambda: next(
            (x for x in cluster.haproxy.log().splitlines() if x.endswith(f' "{request_id}"')),
            None,
        ),
        f"HAProxy's log line of request {request_id}",
        timeout=10,
    )


def test_haproxy_gives_each_request_an_id_that_its_node_keeps_and_logs(cluster):
    with Client(cluster.haproxy.port) as client:
        reply = client.send("GET", "/api/search?q=tin")
    assert reply.status == 200
    made = header(reply, "X-Request-Id")
    assert re.fullmatch(r"[0-9A-F-]+", made), made  # HAProxy's, not a node's own (lower case)
    wait_until(
        lambda: any(f'"request_id": "{made}"' in node.log() for node in cluster.nodes),
        "the id in a node's request log",
        timeout=10,
    )
    # And HAProxy's access log: the node that answered, 200, the same id.
    line = haproxy_log_line(cluster, made)
    served = {f" nodes/{node.name} " for node in cluster.nodes}
    assert any(name in line for name in served) and " 200 " in line, line
    assert '"GET /api/search?q=tin HTTP/1.1"' in line, line


def test_with_every_nats_server_down_searches_go_on_from_the_nodes_past_their_bound(cluster):
    """All three NATS servers killed: every node passes its lag bound and leaves rotation, and
    HAProxy sends searches to the nodes that are up anyway (the "nodes" backend's backups,
    which track the checks of "stale"); no search fails on the way out, while out, or back."""
    wait_converged(cluster)
    errors, searches = [], 0

    def search_once(client: Client) -> None:
        nonlocal searches
        reply = client.send("GET", "/api/search?q=tin")
        searches += 1
        if reply.status != 200:
            errors.append(f"{reply.status} {reply.text[:200]}")

    with Client(cluster.haproxy.port) as client:
        for i in range(len(cluster.nats.servers)):
            cluster.nats.kill(i)
        try:

            def every_node_out() -> bool:
                search_once(client)
                return all(state != "UP" for state in cluster.haproxy.states().values())

            wait_until(every_node_out, "every node out of rotation")
            for _ in range(20):  # answered by the fallbacks
                search_once(client)
            assert cluster.haproxy.states("stale") == {n.name: "UP" for n in cluster.nodes}
        finally:
            cluster.nats.start()

        def back_in_rotation() -> bool:
            search_once(client)
            return all(state == "UP" for state in cluster.haproxy.states().values())

        wait_until(back_in_rotation, "the nodes back in rotation")
    wait_writes_resume(cluster, "all-down", "once the stream has a leader again")
    wait_converged(cluster)
    assert errors == [] and searches > 20


def test_a_node_killed_with_9_during_writes_comes_back_with_every_acknowledged_write(cluster):
    victim = cluster.nodes[1]
    acknowledged, stop = [], threading.Event()

    def write() -> None:
        with Client(cluster.haproxy.port) as client:
            n = 0
            while not stop.is_set():
                n += 1
                try:
                    reply = client.send("PUT", f"/api/documents/k-{n}", record(f"k-{n}"))
                except OSError:
                    continue
                if reply.status in (200, 201):
                    acknowledged.append(f"k-{n}")

    writer = threading.Thread(target=write)
    writer.start()
    try:
        time.sleep(1.0)
        victim.kill()
        time.sleep(1.0)
        victim.start()
        time.sleep(1.0)
    finally:
        stop.set()
        writer.join()
    wait_converged(cluster)
    assert len(acknowledged) > 10
    for node in cluster.nodes:
        assert set(acknowledged) <= set(stored(node))
    assert stored(victim) == stored(cluster.nodes[0])
    cluster.wait_in_rotation([n.name for n in cluster.nodes])


def test_a_node_added_from_a_snapshot_converges(cluster, tmp_path):
    stop = threading.Event()

    def write() -> None:
        with Client(cluster.haproxy.port) as client:
            n = 0
            while not stop.is_set():
                n += 1
                client.send("PUT", f"/api/documents/snap-{n}", record(f"snap-{n}"))

    writer = threading.Thread(target=write)
    writer.start()
    try:
        time.sleep(0.5)
        snapshot = tmp_path / "snap"
        command = [
            sys.executable,
            "-m",
            "indexer",
            "snapshot",
            "--index",
            str(cluster.nodes[0].index),
            str(snapshot),
        ]
        taken = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=60)
        assert taken.returncode == 0, taken.stderr
        manifest = json.loads((snapshot / "SNAPSHOT.json").read_text())
        assert manifest["applied_seq"] > 0
        added = cluster.new_node("vs4")
        command = [
            sys.executable,
            "-m",
            "indexer",
            "restore",
            str(snapshot),
            "--index",
            str(added.index),
        ]
        restored = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=60)
        assert restored.returncode == 0, restored.stderr
        added.start()
        time.sleep(1.0)
    finally:
        stop.set()
        writer.join()
    try:
        wait_converged(cluster, [*cluster.nodes, added])
        assert stored(added) == stored(cluster.nodes[0])
    finally:
        added.stop()
        for link in added.links:
            link.close()


# --- retention, credentials, TLS ---------------------------------------------------------


def test_a_node_out_of_the_stream_retention_refuses_to_serve_and_names_the_snapshot(cluster):
    config = LogConfig(
        servers=tuple(cluster.nats.urls),
        stream="vietsearch_small",
        user="vietsearch",
        password=cluster.nats.auth.password,
        tls_ca=str(cluster.nats.tls.ca),
    )
    log = Log(config).connect()
    try:
        log.ensure_stream(replicas=3, max_msgs=5)
        for n in range(10):
            log.publish(b'{"format": 1, "put": [], "delete": ["x"]}', f"small-{n}", timeout=5)
    finally:
        log.close()
    node = cluster.new_node("vs-old")
    node.env["VIETSEARCH_STREAM"] = "vietsearch_small"
    node.start(wait=False)
    try:

        def refused():
            answer = health_or_none(node)
            return answer if answer and answer[1]["status"] == "out_of_retention" else None

        status, body = wait_until(refused, "out_of_retention")
        assert status == 503
        assert "vietsearch snapshot" in body["message"] and "restore" in body["message"]
        # Every process learns it from the applier's report, written every half second.
        search = wait_until(lambda: (r := node.get("/api/search?q=tin")).status == 503 and r, "503")
        assert search.json()["error"]["code"] == "out_of_retention"
    finally:
        node.stop()
        for link in node.links:
            link.close()


def health_or_none(node: Node):
    try:
        return health(node)
    except OSError:
        return None


@pytest.mark.parametrize(
    "change, refused_as",
    [
        ({"password": "sai"}, ClusterError),
        ({"password": None, "user": None}, ClusterError),
        ({"tls_ca": None, "plain": True}, (ClusterError, LogUnavailable)),
    ],
)
def test_a_client_without_the_credentials_or_tls_is_refused(cluster, change, refused_as):
    urls = cluster.nats.urls
    if change.pop("plain", False):
        urls = [u.replace("tls://", "nats://") for u in urls]
    fields = {
        "user": "vietsearch",
        "password": cluster.nats.auth.password,
        "tls_ca": str(cluster.nats.tls.ca),
    }
    log = Log(LogConfig(servers=tuple(urls), **(fields | change)))
    try:
        with pytest.raises(refused_as):
            log.connect()
    finally:
        log.close()


def test_a_node_with_the_wrong_password_does_not_start(cluster, tmp_path):
    node = cluster.new_node("vs-bad")
    node.env["VIETSEARCH_NATS_PASSWORD"] = "sai"
    node.start(wait=False)
    try:
        assert node.process.wait(timeout=60) == 1
        assert "vietsearch: error: cannot connect to NATS" in node.log()
        assert "uthorization" in node.log()
    finally:
        node.stop()
        for link in node.links:
            link.close()


def test_the_node_library_refuses_nothing_it_was_not_asked(cluster, tmp_path):
    """ClusterNode from the library: connect, publish, apply elsewhere, and wait for it."""
    settings = {
        "CLUSTER": ",".join(cluster.nats.urls),
        "NODE": "lib",
        "NATS_USER": "vietsearch",
        "NATS_PASSWORD": cluster.nats.auth.password,
        "NATS_CA": str(cluster.nats.tls.ca),
    }
    node = ClusterNode(ClusterConfig.from_settings(settings, cluster.nodes[0].index))
    try:
        node.connect()
        result = node.write([Document(id="lib-1", title="Tin thư viện")])
        assert result.applied and result.written.created == 1  # applied by vs1's applier
    finally:
        node.stop()


def test_a_write_sent_while_its_process_still_connects_waits_for_the_connection(cluster):
    """Each worker connects on its own thread: a write that reaches one before its connection
    is made (another worker already answers /healthz) waits within the write timeout, as the
    PUT of test_cluster_semantic did under a loaded CI run (503 'not reached NATS yet')."""
    settings = {
        "CLUSTER": ",".join(cluster.nats.urls),
        "NODE": "late",
        "NATS_USER": "vietsearch",
        "NATS_PASSWORD": cluster.nats.auth.password,
        "NATS_CA": str(cluster.nats.tls.ca),
    }
    node = ClusterNode(ClusterConfig.from_settings(settings, cluster.nodes[0].index))
    outcome: dict = {}

    def write() -> None:
        try:
            outcome["result"] = node.write([Document(id="late-1", title="Tin kết nối muộn")])
        except LogUnavailable as exc:
            outcome["error"] = exc

    writer = threading.Thread(target=write)
    try:
        writer.start()
        time.sleep(0.5)  # the write is waiting: nothing has connected this process yet
        assert writer.is_alive() and not outcome
        node.start()  # its thread connects, then waits its turn to apply (vs1 holds the lock)
        writer.join(WAIT_S)
        assert "error" not in outcome, outcome
        assert outcome["result"].applied and outcome["result"].written.created == 1
    finally:
        node.stop()
