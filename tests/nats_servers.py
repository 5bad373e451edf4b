"""A real three-server NATS JetStream cluster on 127.0.0.1, for the cluster tests and bench.

Debian's ``nats-server`` (installed with apt-get when missing, as root), each server with its
own store folder and free ports, user/password authentication and, by default, TLS with a CA
and certificate made now with the openssl command line. Servers can be killed with -9 and
started again on the same store.
"""

from __future__ import annotations

import json
import random
import signal
import socket
import subprocess
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from tests.cluster_configs import Auth, TlsFiles, nats_config

# Ports are picked from here on, outside the kernel's ephemeral range (``free_ports``).
_LOWEST_PORT = 20000
_RANDOM = random.SystemRandom()
# The streams the tests use: the default one, and a small one for the retention test.
TEST_STREAMS = ("vietsearch", "vietsearch_small")


def free_ports(count: int) -> list[int]:
    """Ports free right now, all different (their sockets are held open together).

    Chosen at random outside the kernel's ephemeral range: a port the kernel hands out (bind
    to port 0) may be handed out again, to any outgoing connection, between its release here
    and the server's bind; a port outside the range never is, and two test processes pick the
    same one only by chance."""
    low, high = _ephemeral_range()
    outside = [(_LOWEST_PORT, low), (high + 1, 65536)]
    outside = [(a, b) for a, b in outside if b - a >= 1000] or [(_LOWEST_PORT, 65536)]
    chosen: list[socket.socket] = []
    try:
        while len(chosen) < count:
            candidate = socket.socket()
            try:
                candidate.bind(("127.0.0.1", _RANDOM.randrange(*_RANDOM.choice(outside))))
            except OSError:
                candidate.close()  # taken: another
                continue
            chosen.append(candidate)
        return [s.getsockname()[1] for s in chosen]
    finally:
        for s in chosen:
            s.close()


def _ephemeral_range() -> tuple[int, int]:
    """The kernel's range of ports for port 0 and outgoing connections (Linux's default when
    unreadable)."""
    try:
        low, high = Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()
        return int(low), int(high)
    except (OSError, ValueError):
        return 32768, 60999


def make_tls(folder: Path) -> TlsFiles:
    """A throwaway CA and one certificate for 127.0.0.1 (server and client use)."""
    folder.mkdir(parents=True, exist_ok=True)

    def openssl(*args: str) -> None:
        subprocess.run(["openssl", *args], check=True, capture_output=True, cwd=folder)

    openssl(
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "2",
        "-subj",
        "/CN=vietsearch-test-ca",
        "-keyout",
        "ca-key.pem",
        "-out",
        "ca.pem",
    )
    openssl(
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-subj",
        "/CN=nats",
        "-keyout",
        "server-key.pem",
        "-out",
        "server.csr",
    )
    (folder / "ext.cnf").write_text(
        "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\n"
    )
    openssl(
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca-key.pem",
        "-CAcreateserial",
        "-days",
        "2",
        "-extfile",
        "ext.cnf",
        "-out",
        "server.pem",
    )
    return TlsFiles(folder / "ca.pem", folder / "server.pem", folder / "server-key.pem")


@dataclass
class NatsServer:
    """One nats-server of the cluster: its ports, files and process."""

    name: str
    client_port: int
    cluster_port: int
    http_port: int
    folder: Path
    process: subprocess.Popen | None = None

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def jsz(self, query: str = "") -> dict:
        """The server's /jsz monitoring document."""
        url = f"http://127.0.0.1:{self.http_port}/jsz{query}"
        with urllib.request.urlopen(url, timeout=1) as answer:
            return json.load(answer)


@dataclass
class NatsCluster:
    """``size`` servers clustered on 127.0.0.1; a context manager."""

    root: Path
    binary: str
    size: int = 3
    auth: Auth = field(default_factory=Auth)
    tls: TlsFiles | None = None
    servers: list[NatsServer] = field(default_factory=list)

    def __post_init__(self) -> None:
        ports = free_ports(3 * self.size)
        for i in range(self.size):
            name = f"n{i + 1}"
            client, route, http = ports[3 * i : 3 * i + 3]
            self.servers.append(NatsServer(name, client, route, http, self.root / name))

    @property
    def urls(self) -> list[str]:
        """The client URLs of every server."""
        scheme = "tls" if self.tls else "nats"
        return [f"{scheme}://127.0.0.1:{s.client_port}" for s in self.servers]

    def start_server(self, i: int) -> None:
        """Start server ``i`` on its store (a restart after ``kill``)."""
        s = self.servers[i]
        if s.running:
            return
        routes = [f"nats-route://127.0.0.1:{o.cluster_port}" for o in self.servers if o is not s]
        (s.folder / "store").mkdir(parents=True, exist_ok=True)
        conf = s.folder / "nats.conf"
        conf.write_text(
            nats_config(
                name=s.name,
                host="127.0.0.1",
                client_port=s.client_port,
                cluster_port=s.cluster_port,
                http_port=s.http_port,
                store_dir=s.folder / "store",
                routes=routes,
                auth=self.auth,
                tls=self.tls,
                streams=TEST_STREAMS,
            )
        )
        with open(s.folder / "log", "ab") as log:
            s.process = subprocess.Popen(
                [self.binary, "-c", str(conf)], stdout=log, stderr=log, start_new_session=True
            )

    def kill(self, i: int) -> None:
        """kill -9 server ``i``."""
        s = self.servers[i]
        if s.running:
            s.process.send_signal(signal.SIGKILL)
            s.process.wait(timeout=30)
        s.process = None

    def start(self, timeout: float = 30.0) -> NatsCluster:
        """Start every server; wait until they agree on a JetStream meta leader that counts
        every other server as a current peer."""
        for i in range(self.size):
            self.start_server(i)
        self.wait_meta_leader(timeout, all_current=True)
        return self

    def stop(self) -> None:
        """Stop every server (SIGTERM, then -9)."""
        for i, s in enumerate(self.servers):
            if s.running:
                s.process.terminate()
                try:
                    s.process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    self.kill(i)
            s.process = None

    def wait_meta_leader(self, timeout: float = 30.0, all_current: bool = False) -> str:
        """The meta leader's name once every running server names the same running one, and
        with ``all_current`` once the leader counts every other running server as a current
        peer (``start``: agreeing on a name was once not enough, the first stream made right
        after timed out; after a restart mid-test, a peer still catching up is the fault
        under test)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                metas = {s.name: s.jsz().get("meta_cluster", {}) for s in self.running()}
            except OSError:
                metas = {}
            named = {meta.get("leader") for meta in metas.values()}
            if len(named) == 1 and named <= set(metas):
                leader = named.pop()
                current = {
                    peer.get("name")
                    for peer in metas[leader].get("replicas", [])
                    if peer.get("current")
                }
                if not all_current or set(metas) - {leader} <= current:
                    return leader
            time.sleep(0.05)
        raise TimeoutError(f"no JetStream meta leader within {timeout} s; logs in {self.root}")

    def running(self) -> list[NatsServer]:
        """The servers whose process runs."""
        return [s for s in self.servers if s.running]

    def stream_leader(self, stream: str = "vietsearch") -> str | None:
        """The server leading ``stream``, if every running server names the same one."""
        named = set()
        for s in self.running():
            try:
                doc = s.jsz("?accounts=true&streams=true")
            except OSError:
                return None
            found = [d.get("cluster", {}).get("leader") for d in _stream_details(doc, stream)]
            named.add(found[0] if found else None)
        return named.pop() if len(named) == 1 else None

    def diagnosis(self, stream: str = "vietsearch", tail: int = 15) -> str:
        """What each server says when the cluster seems stuck: whether it runs, the meta leader
        it names, the leader and replicas of ``stream`` it knows (current or not, how far
        behind), and the end of its log (a node once stayed two minutes behind while every
        JetStream call timed out, and nothing said why: CI, 2026-12-07)."""
        lines = []
        for s in self.servers:
            lines.append(f"--- nats {s.name}: {'running' if s.running else 'not running'}")
            try:
                doc = s.jsz("?accounts=true&streams=true")
                lines.append(f"meta: {doc.get('meta_cluster')}")
                lines += [
                    f"{stream}: {d.get('cluster')} state {d.get('state')}"
                    for d in _stream_details(doc, stream)
                ]
            except (OSError, ValueError) as exc:
                lines.append(f"/jsz: {exc!r}")
            log = s.folder / "log"
            text = log.read_text(errors="replace") if log.exists() else ""
            lines += text.splitlines()[-tail:]
        return "\n".join(lines)

    def index_of(self, name: str) -> int:
        """The position of the server called ``name``."""
        return [s.name for s in self.servers].index(name)

    def __enter__(self) -> NatsCluster:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _stream_details(jsz: dict, stream: str) -> list[dict]:
    """The details of ``stream`` in a server's /jsz document (asked with streams=true)."""
    return [
        detail
        for account in jsz.get("account_details", [])
        for detail in account.get("stream_detail", [])
        if detail.get("name") == stream
    ]
