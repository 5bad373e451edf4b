"""The command line of cluster mode for ``python -m web``, and its check before the fork.

``--cluster nats://HOST:PORT[,...] --node NAME [--stream NAME]`` and the NATS credentials; each
also comes from ``VIETSEARCH_*`` (the password only from ``VIETSEARCH_NATS_PASSWORD``: a
command line is visible to every user of the machine). See web.cluster.
"""

from __future__ import annotations

import argparse
import os
import re
import socket

from flask import Flask

from indexer import ClusterError, ClusterNode, LogUnavailable

# Option -> app setting; unset options leave the setting to VIETSEARCH_<SETTING>.
OPTIONS = {
    "cluster": "CLUSTER",
    "node": "NODE",
    "stream": "STREAM",
    "nats_user": "NATS_USER",
    "nats_creds": "NATS_CREDS",
    "nats_ca": "NATS_CA",
    "nats_cert": "NATS_CERT",
    "nats_key": "NATS_KEY",
    "max_lag": "MAX_LAG",
}


def add_cluster_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the cluster options to ``python -m web``'s parser."""
    group = parser.add_argument_group("cluster mode (README: Cluster mode)")
    group.add_argument(
        "--cluster",
        metavar="URLS",
        help="NATS servers, nats://HOST:PORT or tls://HOST:PORT, comma-separated; turns cluster "
        "mode on ($VIETSEARCH_CLUSTER)",
    )
    group.add_argument("--node", help="this node's name ($VIETSEARCH_NODE; default: host name)")
    group.add_argument("--stream", help="the write log's stream (default: vietsearch)")
    group.add_argument("--nats-user", help="NATS user; the password: $VIETSEARCH_NATS_PASSWORD")
    group.add_argument("--nats-creds", metavar="FILE", help="a NATS .creds file instead")
    group.add_argument("--nats-ca", metavar="FILE", help="CA certificates for TLS to NATS")
    group.add_argument("--nats-cert", metavar="FILE", help="client certificate (mutual TLS)")
    group.add_argument("--nats-key", metavar="FILE", help="its private key")
    group.add_argument(
        "--max-lag",
        metavar="SECONDS",
        help="/healthz answers 503 lagging past this lag (default 10)",
    )


def cluster_settings(args: argparse.Namespace) -> dict:
    """The app settings the cluster options give (only those given, plus a default node)."""
    settings = {OPTIONS[o]: getattr(args, o) for o in OPTIONS if getattr(args, o) is not None}
    if (settings.get("CLUSTER") or os.environ.get("VIETSEARCH_CLUSTER")) and not (
        settings.get("NODE") or os.environ.get("VIETSEARCH_NODE")
    ):
        settings["NODE"] = re.sub(r"[^A-Za-z0-9_-]", "-", socket.gethostname())[:64]
    return settings


def check_cluster(app: Flask) -> str | None:
    """Before the workers fork: connect once and make the stream if missing. A refusal
    (credentials, TLS, permissions) is returned as a message; NATS out of reach is not an
    error (the node serves searches and connects when it can), only a warning printed."""
    config = app.extensions.get("vietsearch_cluster")
    if config is None:
        return None
    node = ClusterNode(config)
    node.prepare_index()
    try:
        node.connect().ensure_stream(config.replicas)
    except ClusterError as exc:
        return str(exc)
    except LogUnavailable as exc:
        print(f"vietsearch: warning: {exc}; serving, and connecting when it can", flush=True)
    finally:
        node.stop()  # the connection's thread ends here: nothing crosses the fork
    return None
