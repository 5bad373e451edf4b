"""vietsearch nodes of a cluster as real processes, HAProxy in front, and a cuttable link.

``ClusterUnderTest`` starts a NATS cluster (tests.nats_servers), ``nodes`` ``python -m web
--cluster ...`` processes on 127.0.0.1 (two gunicorn workers each), each reaching every NATS
server through its own ``TcpLink`` (so a test can cut one node off), and Debian's HAProxy in
front with fast health checks. Everything is stopped by ``stop``; a node can be killed with -9
(its whole process group: the gunicorn master and its workers) and started again.
"""

from __future__ import annotations

import os
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from tests.cluster_configs import FAST, haproxy_config
from tests.conftest import ROOT, debian_program
from tests.nats_servers import NatsCluster, free_ports, make_tls
from tests.web_live import Reply, fetch
from tests.write_client import TOKEN

STARTUP_TIMEOUT_S = 90
MAX_LAG_S = 3


class TcpLink:
    """127.0.0.1:``port`` forwarded to ``target``; ``cut()`` drops every connection and
    refuses new ones (a node cut off from that server), ``restore()`` forwards again."""

    def __init__(self, target: tuple[str, int]):
        self.target = target
        self.port = free_ports(1)[0]
        self.up = True
        self._pairs: list[tuple[socket.socket, socket.socket]] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._server = socket.create_server(("127.0.0.1", self.port))
        self._server.settimeout(0.1)
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                client, _ = self._server.accept()
            except OSError:
                continue
            try:
                if not self.up:
                    raise OSError("cut")
                upstream = socket.create_connection(self.target, timeout=2)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._pairs.append((client, upstream))
            threading.Thread(target=self._pump, args=(client, upstream), daemon=True).start()

    def _pump(self, a: socket.socket, b: socket.socket) -> None:
        peer = {a: b, b: a}
        try:
            while not self._stop.is_set() and self.up:
                ready, _, _ = select.select([a, b], [], [], 0.1)
                for s in ready:
                    data = s.recv(65536)
                    if not data:
                        return
                    peer[s].sendall(data)
        except OSError:
            return
        finally:
            for s in (a, b):
                s.close()

    def cut(self) -> None:
        """Close every forwarded connection and refuse new ones."""
        self.up = False
        with self._lock:
            pairs, self._pairs = self._pairs, []
        for pair in pairs:
            for s in pair:
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def restore(self) -> None:
        """Forward again."""
        self.up = True

    def close(self) -> None:
        """Stop forwarding for good."""
        self.cut()
        self._stop.set()
        self._server.close()


@dataclass
class Node:
    """One vietsearch node: ``python -m web --cluster ...`` in its own process group."""

    name: str
    index: Path
    port: int
    links: list[TcpLink]
    env: dict[str, str]
    log_path: Path
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def command(self) -> list[str]:
        urls = ",".join(f"{self.env['SCHEME']}://127.0.0.1:{link.port}" for link in self.links)
        return [
            sys.executable,
            "-m",
            "web",
            "--index",
            str(self.index),
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--workers",
            "2",
            "--cluster",
            urls,
            "--node",
            self.name,
        ]

    def start(self, wait: bool = True) -> None:
        """Start the node; with ``wait``, until /healthz answers 200."""
        environment = {k: v for k, v in os.environ.items() if not k.startswith("VIETSEARCH_")}
        environment |= {k: v for k, v in self.env.items() if k.startswith("VIETSEARCH_")}
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                self.command(),
                cwd=ROOT,
                env=environment,
                stdout=log,
                stderr=log,
                start_new_session=True,
            )
        if wait:
            self.wait_healthy()

    def wait_healthy(self, timeout: float = STARTUP_TIMEOUT_S) -> None:
        """Until /healthz answers 200 (the node follows the log within its lag bound)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"node {self.name} exited:\n{self.log()[-3000:]}")
            try:
                if self.get("/healthz").status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise TimeoutError(f"node {self.name} not healthy in {timeout} s:\n{self.log()[-3000:]}")

    def kill(self) -> None:
        """kill -9 the node's master and workers at once."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)
        self.process = None

    def stop(self) -> None:
        """Stop gracefully (SIGTERM), else kill."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()
        self.process = None

    def get(self, path: str, **kwargs) -> Reply:
        """Request ``path`` on this node directly."""
        return fetch(self.url + path, **kwargs)

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")


@dataclass
class Haproxy:
    """Debian's haproxy in the foreground, in front of ``backends``."""

    root: Path
    backends: list[tuple[str, str]]
    port: int = field(default_factory=lambda: free_ports(1)[0])
    process: subprocess.Popen | None = None
    # HAProxy refuses a stats socket path of more than 97 characters, which a test's own
    # folder under CI's temporary folder can exceed: the socket gets a short folder of its own.
    socket_path: Path = field(
        default_factory=lambda: Path(tempfile.mkdtemp(prefix="haproxy-")) / "stats.sock"
    )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Haproxy:
        binary = debian_program("haproxy", "haproxy")
        conf = self.root / "haproxy.cfg"
        conf.write_text(
            haproxy_config(
                bind=f"127.0.0.1:{self.port}",
                backends=self.backends,
                timings=FAST,
                stats_socket=str(self.socket_path),
            )
        )
        with open(self.root / "haproxy.log", "ab") as log:
            self.process = subprocess.Popen(
                [binary, "-db", "-f", str(conf)], stdout=log, stderr=log, start_new_session=True
            )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and self.process.poll() is None:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return self
            except OSError:
                time.sleep(0.05)
        self.stop()
        said = (self.root / "haproxy.log").read_text(errors="replace").strip().splitlines()
        raise RuntimeError(f"haproxy did not open its port: {said[-3:]}")

    def log(self) -> str:
        """What HAProxy wrote: its access log (one line per request) and its warnings."""
        return (self.root / "haproxy.log").read_text(encoding="utf-8", errors="replace")

    def states(self, backend: str = "nodes") -> dict[str, str]:
        """{server: UP/DOWN/...} from the stats socket."""
        return {name: row["status"].split()[0] for name, row in self._servers(backend).items()}

    def idle_connections(self, backend: str = "nodes") -> dict[str, int]:
        """{server: connections to it that HAProxy keeps open, idle, for later requests (its
        "idle" and "safe" lists: a connection goes to the latter after an idempotent request)}."""
        return {
            name: int(row["idle_conn_cur"]) + int(row["safe_conn_cur"])
            for name, row in self._servers(backend).items()
        }

    def command(self, line: str) -> str:
        """One command to the stats socket (``disable server nodes/vs1``), its answer."""
        with socket.socket(socket.AF_UNIX) as s:
            s.connect(str(self.socket_path))
            s.sendall(line.encode() + b"\n")
            data = b""
            while chunk := s.recv(65536):
                data += chunk
        return data.decode()

    def _servers(self, backend: str) -> dict[str, dict[str, str]]:
        """Each server's row of ``show stat`` from the stats socket."""
        lines = self.command("show stat").splitlines()
        head = lines[0].lstrip("# ").split(",")
        rows = [dict(zip(head, line.split(","), strict=False)) for line in lines[1:] if line]
        return {
            r["svname"]: r
            for r in rows
            if r.get("pxname") == backend
            and r["svname"] not in ("BACKEND", "FRONTEND")
            and r.get("bck") != "1"  # the stale fallbacks: "nodes" is the fresh ones
        }

    def stop(self) -> None:
        if self.process is not None:
            if self.process.poll() is None:
                self.process.terminate()
            self.process.wait(timeout=10)
        shutil.rmtree(self.socket_path.parent, ignore_errors=True)


@dataclass
class ClusterUnderTest:
    """NATS, nodes and HAProxy; see the module docstring."""

    root: Path
    nodes_count: int = 3
    tls: bool = True
    extra_env: dict[str, str] = field(default_factory=dict)  # more settings for every node
    nats: NatsCluster | None = None
    nodes: list[Node] = field(default_factory=list)
    haproxy: Haproxy | None = None

    def start(self) -> ClusterUnderTest:
        """Start everything; on a failure, stop what was started and raise."""
        try:
            return self._start()
        except BaseException:
            self.stop()
            raise

    def _start(self) -> ClusterUnderTest:
        binary = debian_program("nats-server", "nats-server")
        tls = make_tls(self.root / "certs") if self.tls else None
        self.nats = NatsCluster(self.root / "nats", binary, tls=tls).start()
        for i in range(self.nodes_count):
            self.nodes.append(self.new_node(f"vs{i + 1}"))
        for node in self.nodes:
            node.start(wait=False)
        for node in self.nodes:
            node.wait_healthy()
        backends = [(n.name, f"127.0.0.1:{n.port}") for n in self.nodes]
        self.haproxy = Haproxy(self.root, backends).start()
        self.wait_in_rotation([n.name for n in self.nodes])
        return self

    def node_env(self) -> dict[str, str]:
        env = {
            "SCHEME": "tls" if self.nats.tls else "nats",
            "VIETSEARCH_API_TOKEN": TOKEN,
            "VIETSEARCH_RATE_LIMIT": "off",
            "VIETSEARCH_WRITE_RATE_LIMIT": "off",
            "VIETSEARCH_NATS_USER": self.nats.auth.user,
            "VIETSEARCH_NATS_PASSWORD": self.nats.auth.password,
            "VIETSEARCH_MAX_LAG": str(MAX_LAG_S),
        }
        if self.nats.tls:
            env["VIETSEARCH_NATS_CA"] = str(self.nats.tls.ca)
        return env | self.extra_env

    def new_node(self, name: str, index: Path | None = None) -> Node:
        """A node (not started) with its own index folder and links to every NATS server."""
        folder = self.root / name
        folder.mkdir(exist_ok=True)
        links = [TcpLink(("127.0.0.1", s.client_port)) for s in self.nats.servers]
        index = index or folder / "index"
        return Node(name, index, free_ports(1)[0], links, self.node_env(), folder / "server.log")

    def wait_in_rotation(self, names: list[str], timeout: float = 30) -> None:
        """Until HAProxy has exactly ``names`` UP."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            states = self.haproxy.states()
            if sorted(n for n, s in states.items() if s == "UP") == sorted(names):
                return
            time.sleep(0.1)
        raise TimeoutError(f"HAProxy: {self.haproxy.states()}, wanted {names} UP")

    def stop(self) -> None:
        if self.haproxy:
            self.haproxy.stop()
        for node in self.nodes:
            node.stop()
            for link in node.links:
                link.close()
        if self.nats:
            self.nats.stop()

    def remove(self, node: Node) -> None:
        """Stop a node and forget it (its folder stays)."""
        node.stop()
        for link in node.links:
            link.close()
        self.nodes.remove(node)


def copy_index(source: Path, target: Path) -> None:
    """A copy of an index folder (for tests that compare a node with what it was)."""
    shutil.copytree(source, target)
