"""A node's cluster settings: which NATS servers, which stream, which credentials, which bounds."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from indexer.replication.errors import ClusterError
from indexer.replication.log import LogConfig

DEFAULT_STREAM = "vietsearch"
# Seconds a write waits for the log's acknowledgement, then for this node to apply it.
WRITE_TIMEOUT_S = 5.0
# A node whose oldest unapplied batch is older than this answers /healthz with 503 lagging.
MAX_LAG_S = 10.0
# How long a search with after_seq waits for this node to apply that sequence.
AFTER_SEQ_TIMEOUT_S = 2.0
_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_URL = re.compile(r"^(nats|tls)://[^\s,/]+:[0-9]{1,5}$")


@dataclass(frozen=True)
class ClusterConfig:
    """Everything a node needs to take part in a cluster (see ``from_settings``)."""

    servers: tuple[str, ...]
    node: str
    index: Path
    stream: str = DEFAULT_STREAM
    user: str | None = None
    password: str | None = None
    creds_file: str | None = None
    tls_ca: str | None = None
    tls_cert: str | None = None
    tls_key: str | None = None
    write_timeout: float = WRITE_TIMEOUT_S
    max_lag: float = MAX_LAG_S
    after_seq_timeout: float = AFTER_SEQ_TIMEOUT_S

    @classmethod
    def from_settings(cls, settings: Mapping, index: Path) -> ClusterConfig | None:
        """The cluster settings among ``CLUSTER``, ``NODE``, ``STREAM``, ``NATS_USER``,
        ``NATS_PASSWORD``, ``NATS_CREDS``, ``NATS_CA``, ``NATS_CERT``, ``NATS_KEY``,
        ``CLUSTER_WRITE_TIMEOUT``, ``MAX_LAG``, ``AFTER_SEQ_TIMEOUT`` (the web's config, from
        ``VIETSEARCH_*``); None without ``CLUSTER``; ``ClusterError`` for a bad value."""
        urls = str(settings.get("CLUSTER") or "").strip()
        if not urls:
            return None
        servers = tuple(u.strip() for u in urls.split(",") if u.strip())
        for url in servers:
            if not _URL.match(url):
                raise ClusterError(f"CLUSTER: {url!r} is not nats://HOST:PORT or tls://HOST:PORT")
        return cls(
            servers=servers,
            node=_name("NODE", settings.get("NODE")),
            index=Path(index),
            stream=_name("STREAM", settings.get("STREAM") or DEFAULT_STREAM),
            user=_text(settings, "NATS_USER"),
            password=_text(settings, "NATS_PASSWORD"),
            creds_file=_text(settings, "NATS_CREDS"),
            tls_ca=_text(settings, "NATS_CA"),
            tls_cert=_text(settings, "NATS_CERT"),
            tls_key=_text(settings, "NATS_KEY"),
            write_timeout=_seconds("CLUSTER_WRITE_TIMEOUT", settings, WRITE_TIMEOUT_S),
            max_lag=_seconds("MAX_LAG", settings, MAX_LAG_S),
            after_seq_timeout=_seconds("AFTER_SEQ_TIMEOUT", settings, AFTER_SEQ_TIMEOUT_S),
        )

    def log_config(self) -> LogConfig:
        """How this node's connections reach the stream."""
        return LogConfig(
            servers=self.servers, stream=self.stream, user=self.user, password=self.password,
            creds_file=self.creds_file, tls_ca=self.tls_ca, tls_cert=self.tls_cert,
            tls_key=self.tls_key, name=f"vietsearch-{self.node}",
        )  # fmt: skip

    @property
    def replicas(self) -> int:
        """The stream's replicas when this node makes it: 3 on a cluster of three or more."""
        return 3 if len(self.servers) >= 3 else 1


def _text(settings: Mapping, setting: str) -> str | None:
    """A setting as text (Flask reads ``VIETSEARCH_NATS_PASSWORD=123`` as a number)."""
    value = settings.get(setting)
    return None if value is None or value == "" else str(value)


def _name(setting: str, value: object) -> str:
    text = str(value or "")
    if not _NAME.match(text):
        raise ClusterError(f"{setting} must be 1-64 letters, digits, _ or -, got {text!r}")
    return text


def _seconds(setting: str, settings: Mapping, default: float) -> float:
    value = settings.get(setting, default)
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        seconds = math.nan
    if not 0 < seconds < 3600:
        raise ClusterError(f"{setting} must be a number of seconds above 0, got {value!r}")
    return seconds
