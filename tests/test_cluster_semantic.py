"""Cluster mode with an embedder: a node embeds the documents the write log brings it, with
the passages the snippets of hits found by meaning come from (a real model, all-MiniLM-L6-v2;
three nats-server processes, one node of two workers, HAProxy in front)."""

# First: the model's environment (Hugging Face's caches in a temporary folder, no hub).
from tests.semantic_model import MODEL, load_test_embedder  # noqa: I001

import json

from indexer.store.embedder_record import recorded_embedder
from tests.cluster_nodes import ClusterUnderTest
from tests.write_client import Client

BODY = (
    "The bakery on the corner sells fresh bread every morning before sunrise. "
    "Its queue starts early, and the rye loaves are gone by eight o'clock. "
    "Last night the football match ended with a late goal from the visiting striker. "
    "The home team's coach said his defenders lost their shape after the break. "
)


def test_a_node_embeds_what_the_log_brings_and_searches_by_meaning(tmp_path):
    embedder = load_test_embedder()
    cluster = ClusterUnderTest(
        tmp_path, nodes_count=1, extra_env={"VIETSEARCH_EMBEDDER": str(MODEL)}
    ).start()
    try:
        with Client(cluster.haproxy.port) as client:
            document = {"title": "Around town", "body": BODY}
            reply = client.send("PUT", "/api/documents/town", json.dumps(document).encode())
            assert reply.status == 201, reply.body
            seq = reply.json()["seq"]
            found = client.send(
                "GET", f"/api/search?q=soccer+game+score&semantic_ratio=1&after_seq={seq}"
            )
            assert found.status == 200, found.body
        [hit] = found.json()["hits"]
        assert hit["id"] == "town"
        assert hit["snippet_html"].startswith("…Last night the football match")
        assert recorded_embedder(cluster.nodes[0].index) == embedder.record()
    finally:
        cluster.stop()
