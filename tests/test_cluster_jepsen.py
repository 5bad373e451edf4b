"""The short Jepsen-style run of cluster mode (the long one, 100+ faults, is bench/cluster.py).

Four clients write through HAProxy (new ids, one document or a batch of two or three, each
with an Idempotency-Key) and one searches, while a nemesis kills vietsearch nodes and NATS
servers with -9, one at a time at random moments, and starts them again. Then: every
acknowledged write is on every node, the nodes hold the same documents and find the same hits,
an unacknowledged write is wholly there or wholly absent on all of them (absent when it was
answered ``not_written``), no write is in the log twice, and no search failed.
"""

from __future__ import annotations

import pytest

from tests import jepsen
from tests.cluster_nodes import ClusterUnderTest

FAULTS = 20


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    running = ClusterUnderTest(tmp_path_factory.mktemp("jepsen")).start()
    yield running
    running.stop()


@pytest.mark.slow
def test_no_acknowledged_write_is_lost_through_kill_9_of_nodes_and_nats_servers(cluster):
    history = jepsen.run(cluster, faults=FAULTS)
    seq, _ = jepsen.wait_converged(cluster, history=history)
    figures = jepsen.check(cluster, history, seq)
    assert figures["faults"] == FAULTS
    assert figures["acknowledged"] > 50, figures
    assert figures["search_errors"] == 0, history.search_errors[:5]
    assert (figures["lost"], figures["duplicates"], figures["partial"]) == (0, 0, 0)
    # What a failure to converge would report, checked here where it must say nothing is lacking.
    report = jepsen.lacking_report(cluster, history)
    assert report.count(" lacks 0 of ") == len(cluster.nodes), report
