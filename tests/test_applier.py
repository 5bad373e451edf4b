"""The applier against real NATS: three nats-server processes, no vietsearch node."""

from __future__ import annotations

import threading
import time

import pytest

from indexer.replication.applier import Applier
from indexer.replication.log import Log, LogConfig
from tests.conftest import debian_program
from tests.nats_servers import NatsCluster

HEARTBEAT_S = 0.2  # a step times out after 4 heartbeats + 5 s (applier.step)
WAIT_S = 30  # a bound on waits, not a timing assertion


@pytest.fixture(scope="module")
def nats(tmp_path_factory):
    binary = debian_program("nats-server", "nats-server")
    with NatsCluster(tmp_path_factory.mktemp("nats"), binary) as cluster:
        yield cluster


def connect(nats: NatsCluster, name: str) -> Log:
    config = LogConfig(
        servers=tuple(nats.urls), user=nats.auth.user, password=nats.auth.password, name=name
    )
    return Log(config).connect()


def test_an_idle_applier_keeps_its_consumer_and_applies_what_comes_after(nats):
    """Idle longer than a step's timeout: before, each idle step timed out and the applier
    made a new consumer (a request to the stream's leaders) every 5.8 s, and said so."""
    publisher, reader = connect(nats, "publisher"), connect(nats, "reader")
    publisher.ensure_stream(3)
    applied: list[int] = []
    applier = Applier(
        reader, lambda: max(applied, default=0), lambda es: applied.extend(e.seq for e in es),
        "test-index", heartbeat=HEARTBEAT_S,
    )  # fmt: skip
    consumers: list[str] = []
    make_consumer = applier._open

    def counted_open() -> None:
        make_consumer()
        consumers.append(applier._consumer)

    applier._open = counted_open
    thread = threading.Thread(target=applier.run, daemon=True)
    thread.start()
    try:
        first = publisher.publish(b"{}", "idle-1", timeout=5)
        deadline = time.monotonic() + WAIT_S
        while first not in applied:
            assert time.monotonic() < deadline, "the first batch was not applied"
            time.sleep(0.05)
        # What happened before it was idle is not this test's: on a loaded machine a CI run
        # saw the first consumer's creation time out (5 s) right after the stream was made,
        # and the applier made another, as it should.
        consumers[:], applier.problem = consumers[-1:], None
        time.sleep(4 * HEARTBEAT_S + 5 + 2)  # idle past a step's timeout
        second = publisher.publish(b"{}", "idle-2", timeout=5)
        while second not in applied:
            assert time.monotonic() < deadline, "the second batch was not applied"
            time.sleep(0.05)
    finally:
        applier.stop()
        thread.join(timeout=WAIT_S)
        publisher.close()
        reader.close()
    assert applied == [first, second]
    assert (len(consumers), applier.problem) == (1, None)  # the same consumer, no trouble


def test_an_applier_that_applied_all_there_was_says_when_though_no_heartbeat_came(nats):
    """``caught_up_at`` (how old a node's data can be while the stream cannot be asked) came
    only from heartbeats and expired pulls, which steady writes never let come: a node that
    had applied everything still said "never caught up", and /healthz took it out of rotation
    as soon as it lost NATS, even for HAProxy's any-lag fallback check. Here no heartbeat can
    come before the assertion (3 s idle), so only the deliveries' pending counts can tell."""
    publisher, reader = connect(nats, "publisher-drained"), connect(nats, "reader-drained")
    publisher.ensure_stream(3)
    applied: list[int] = []
    start = publisher.state().last_seq
    applier = Applier(
        reader, lambda: max(applied, default=start), lambda es: applied.extend(e.seq for e in es),
        "test-index", batch=8, heartbeat=3.0,
    )  # fmt: skip
    thread = threading.Thread(target=applier.run, daemon=True)
    thread.start()
    try:
        last = 0
        for i in range(20):
            last = publisher.publish(b"{}", f"drained-{i}", timeout=5)
        sent_at = time.time()
        deadline = time.monotonic() + WAIT_S
        while last not in applied:
            assert time.monotonic() < deadline, "the batches were not applied"
            time.sleep(0.01)
        # With the moment, the position the index had then (a restarted node keeps both, and
        # trusts the moment only while its index holds at least that much).
        while applier.caught_up_seq != last:
            assert time.monotonic() < deadline, ("caught up at", applier.caught_up_seq, last)
            time.sleep(0.01)
        caught_up_at = applier.caught_up_at
        # And when its last step began, for a node to report (one stuck in a call shows).
        while applier.stepped_at < sent_at:
            assert time.monotonic() < deadline, ("stepped at", applier.stepped_at, sent_at)
            time.sleep(0.01)
    finally:
        applier.stop()
        thread.join(timeout=WAIT_S)
        publisher.close()
        reader.close()
    assert applied == list(range(start + 1, last + 1))
    assert caught_up_at >= sent_at - 1.0, (caught_up_at, sent_at)
