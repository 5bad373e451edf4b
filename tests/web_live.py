"""A real ``python -m web`` server in a subprocess, and a tiny HTTP client for tests."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from tests.conftest import ROOT
from tests.nats_servers import free_ports

STARTUP_TIMEOUT_S = 60
REQUEST_TIMEOUT_S = 15
# Straight to the server, whatever proxy the environment names.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


@dataclass
class Reply:
    """One HTTP response, read in full."""

    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")

    def json(self):
        return json.loads(self.body)


def free_port() -> int:
    """A TCP port nothing listens on right now (outside the ports the kernel hands out:
    ``tests.nats_servers.free_ports``)."""
    return free_ports(1)[0]


def fetch(url: str, method: str = "GET", data: bytes | None = None) -> Reply:
    """Request ``url``; HTTP errors are replies too, network errors raise."""
    request = urllib.request.Request(url, method=method, data=data)
    try:
        with _OPENER.open(request, timeout=REQUEST_TIMEOUT_S) as response:
            return Reply(response.status, dict(response.headers), response.read())
    except urllib.error.HTTPError as error:
        with error:
            return Reply(error.code, dict(error.headers), error.read())


@dataclass
class LiveServer:
    """A running server: its base URL, index folder, process and log."""

    base_url: str
    index_dir: Path
    process: subprocess.Popen
    log_path: Path

    @classmethod
    def start(
        cls,
        index_dir: Path,
        log_path: Path,
        workers: int = 2,
        env: dict[str, str] | None = None,
        wrap: tuple[str, ...] = (),
        program: tuple[str, ...] = (sys.executable, "-m", "web"),
    ) -> LiveServer:
        """Start the server and wait (bounded) until /healthz answers 200.

        ``env`` adds ``VIETSEARCH_*`` settings (the caller's own are never passed on); ``wrap``
        is a command that runs the server (and must ``exec`` it, so signals reach it);
        ``program`` the server's command before its options (``vietsearch serve``, say).
        """
        port = free_port()
        environment = {k: v for k, v in os.environ.items() if not k.startswith("VIETSEARCH_")}
        environment.update(env or {})
        command = [*wrap, *program, "--index", str(index_dir)]
        command += ["--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)]
        with open(log_path, "wb") as log:  # the server keeps its own copy of the descriptor
            process = subprocess.Popen(command, cwd=ROOT, env=environment, stdout=log, stderr=log)
        server = cls(f"http://127.0.0.1:{port}", Path(index_dir), process, Path(log_path))
        server._wait_until_ready()
        return server

    @property
    def port(self) -> int:
        """The port the server listens on."""
        return int(self.base_url.rsplit(":", 1)[1])

    def url(self, path: str) -> str:
        """An absolute URL on this server."""
        return self.base_url + path

    def get(self, path: str, **kwargs) -> Reply:
        """Request ``path`` on this server."""
        return fetch(self.url(path), **kwargs)

    def log(self) -> str:
        """What the server has written so far."""
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def stop(self) -> None:
        """Stop gracefully (SIGTERM), then kill if it lingers."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)

    def _wait_until_ready(self) -> None:
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"python -m web exited early:\n{self.log()}")
            try:
                if self.get("/healthz").status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"python -m web was not ready in {STARTUP_TIMEOUT_S} s:\n{self.log()}")
