"""The replicated write log: a NATS JetStream stream, through a synchronous facade over nats-py.

Request threads call ``Log.publish`` from any thread; the NATS connection lives on one
background thread running an asyncio loop. Make the ``Log`` after a fork (threads do not
survive one): each gunicorn worker has its own.

What ``publish`` promises (README "Cluster mode" has the evidence):
- it returns the batch's stream sequence only when JetStream acknowledged it (a quorum of the
  stream's servers stored it) and the batch counts under ``is_valid``, so every node applies it;
- otherwise it raises ``LogUnavailable``. ``maybe_written`` False: nothing was proposed, or what
  was is discarded by every node. True: the stream's leader may have proposed it just before
  losing its quorum; it is then applied on every node or on none, never in part.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import datetime as dt
import json
import ssl
import threading
import time
from collections.abc import Coroutine
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import urlparse

from indexer.replication.errors import ClusterError, LogUnavailable

try:  # the optional extra: pip install 'vietsearch[cluster]'
    import nats
    import nats.errors

    _NOT_SENT: tuple = (
        nats.errors.NoRespondersError,
        nats.errors.OutboundBufferLimitError,
        nats.errors.ConnectionClosedError,
        nats.errors.ConnectionReconnectingError,
        nats.errors.StaleConnectionError,
    )
    _CERTAINLY_NOT_SENT: tuple = (
        nats.errors.NoRespondersError,
        nats.errors.OutboundBufferLimitError,
    )
    _TIMEOUTS: tuple = (TimeoutError, nats.errors.TimeoutError)
except ImportError:  # pragma: no cover - the single-node install
    nats = None
    _NOT_SENT, _CERTAINLY_NOT_SENT, _TIMEOUTS = (), (), (TimeoutError,)

T = TypeVar("T")
DEADLINE_HEADER = "Vs-Deadline-Ns"
MSG_ID_HEADER = "Nats-Msg-Id"
# JetStream API errors (nats-server's errors.json) that mean "not now" rather than "never":
# 10008 JetStream temporarily unavailable, 10023 insufficient resources.
_UNAVAILABLE_CODES = {10008, 10023}
# 10158 (2.10+): a publish with the same id is being proposed: maybe written, not refused.
_IN_FLIGHT_CODE = 10158
_API = "$JS.API"


@dataclass(frozen=True)
class LogConfig:
    """How to reach the stream; credentials are a user and password, or a .creds file."""

    servers: tuple[str, ...]
    stream: str = "vietsearch"
    user: str | None = None
    password: str | None = None
    creds_file: str | None = None
    tls_ca: str | None = None
    tls_cert: str | None = None
    tls_key: str | None = None
    name: str = "vietsearch"
    connect_timeout: float = 2.0
    # A silent dead link (a partition) is noticed in about ping_interval * (pings + 1) s.
    ping_interval: float = 2.0
    max_outstanding_pings: int = 2
    reconnect_time_wait: float = 0.25
    duplicate_window: float = 120.0
    # The stream's leader hears from a live follower at least once a second (raft heartbeats):
    # a majority silent this long means no quorum, and a write fails without being proposed.
    follower_silent_s: float = 4.0
    quorum_check_s: float = 0.5


@dataclass(frozen=True)
class StreamState:
    """What /healthz and the applier need from the stream."""

    first_seq: int
    last_seq: int
    replicas: int
    leader: str | None
    quorum: bool


def stream_subject(stream: str) -> str:
    """The subject write batches go to; the stream captures ``<stream>.>`` (room for shards)."""
    return f"{stream}.batch"


def parse_nats_time_ns(text: str) -> int:
    """RFC 3339 with nanoseconds ('2026-12-02T06:04:28.278818395Z') -> unix nanoseconds."""
    if text.startswith("0001-01-01"):
        return 0
    head, _, frac = text.rstrip("Z").partition(".")
    base = dt.datetime.fromisoformat(head).replace(tzinfo=dt.timezone.utc)
    return int(base.timestamp()) * 10**9 + int((frac or "0")[:9].ljust(9, "0"))


def parse_headers(block: bytes) -> dict[str, str]:
    """b'NATS/1.0\\r\\nK: V\\r\\n\\r\\n' -> {'K': 'V'} (a stored message's header block)."""
    out = {}
    for line in block.decode().split("\r\n")[1:]:
        key, sep, value = line.partition(":")
        if sep:
            out[key.strip()] = value.strip()
    return out


def is_valid(timestamp_ns: int, headers: dict[str, str] | None) -> bool:
    """A batch counts iff the stream's leader stamped it no later than its publisher's deadline.

    Decided from the log alone, so every node decides the same: a batch that reached the
    stream late (flushed after a reconnection, say) is discarded everywhere, and its publisher
    has answered 503.
    """
    deadline = (headers or {}).get(DEADLINE_HEADER)
    return deadline is None or timestamp_ns <= int(deadline)


def _ssl_context(cfg: LogConfig) -> ssl.SSLContext | None:
    if not (cfg.tls_ca or cfg.tls_cert):
        return None
    ctx = ssl.create_default_context(cafile=cfg.tls_ca)
    if cfg.tls_cert:
        ctx.load_cert_chain(cfg.tls_cert, cfg.tls_key)
    return ctx


class Log:
    """A synchronous, thread-safe handle on the stream; see the module docstring."""

    def __init__(self, cfg: LogConfig) -> None:
        if nats is None:
            raise ClusterError("cluster mode needs nats-py: pip install 'vietsearch[cluster]'")
        self.cfg = cfg
        self.subject = stream_subject(cfg.stream)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="nats", daemon=True)
        self._thread.start()
        self.nc = None
        self._quorum: tuple[float, bool] = (0.0, False)
        self._rr = -1
        self._refusal: Exception | None = None

    def run(self, coro: Coroutine[Any, Any, T], timeout: float | None = None) -> T:
        """Run ``coro`` on the log's loop and wait for it (from any other thread)."""
        future = asyncio.run_coroutine_threadsafe(coro, self._loop)
        try:
            return future.result(timeout)
        except TimeoutError:
            future.cancel()
            raise

    def _configured_only(self, pool: list, _info: dict) -> tuple[Any, float]:
        """nats-py's reconnection hook: the configured servers in turn, never gossiped ones
        (a server's own address may not be reachable from here: proxies, NAT)."""
        wanted = [urlparse(u).netloc for u in self.cfg.servers]
        mine = [s for s in pool if s.uri.netloc in wanted]
        if not mine:
            return None, self.cfg.reconnect_time_wait
        self._rr = (self._rr + 1) % len(mine)
        return mine[self._rr], self.cfg.reconnect_time_wait

    def connect(self) -> Log:
        """Connect (and reconnect forever after); ``LogUnavailable`` if no server answers,
        ``ClusterError`` if one refuses the credentials or the TLS handshake."""
        c = self.cfg
        options: dict[str, Any] = dict(
            servers=list(c.servers), name=c.name, connect_timeout=c.connect_timeout,
            pending_size=0,  # a publish goes out now or fails: never sent late from a buffer
            ping_interval=c.ping_interval, max_outstanding_pings=c.max_outstanding_pings,
            allow_reconnect=True, max_reconnect_attempts=-1,
            reconnect_time_wait=c.reconnect_time_wait, tls=_ssl_context(c),
            reconnect_to_server_handler=self._configured_only, error_cb=self._on_error,
        )  # fmt: skip
        if c.creds_file:
            options["user_credentials"] = c.creds_file
        elif c.user:
            options.update(user=c.user, password=c.password)
        self._refusal = None
        self.nc = self.run(self._first_connection(options), timeout=c.connect_timeout * 4 + 10)
        return self

    async def _first_connection(self, options: dict):
        """nats.connect, given up after a few tries: it would try forever (reconnection is set
        to never stop), and a refusal of our credentials or certificate is final."""
        servers = ", ".join(self.cfg.servers)
        task = asyncio.ensure_future(nats.connect(**options))
        deadline = time.monotonic() + self.cfg.connect_timeout * 4
        while not task.done():
            if self._refusal is not None or time.monotonic() > deadline:
                task.cancel()  # not awaited: nats-py may take its time to end (close() waits)
                if self._refusal is not None:
                    raise ClusterError(f"cannot connect to NATS at {servers}: {self._refusal}")
                raise LogUnavailable(f"cannot connect to NATS at {servers}: no server answered")
            await asyncio.wait({task}, timeout=0.05)
        try:
            return task.result()
        except (nats.errors.Error, OSError) as exc:
            raise LogUnavailable(f"cannot connect to NATS at {servers}: {exc}") from exc

    async def _on_error(self, exc: Exception) -> None:
        """nats-py's error callback: remember a refusal (credentials, TLS), which is final;
        other connection errors show in ``connected`` and in the answers."""
        text = str(exc).lower()
        if isinstance(exc, ssl.SSLError) or "authorization" in text or "tls" in text:
            self._refusal = exc

    @property
    def connected(self) -> bool:
        """True while the client holds a live connection to some server."""
        return bool(self.nc and self.nc.is_connected)

    def close(self) -> None:
        """Close the connection and stop the loop thread."""
        if self.nc and not self.nc.is_closed:
            try:
                self.run(self.nc.close(), timeout=5)
            except Exception:  # noqa: BLE001 - closing is best effort
                pass
        with contextlib.suppress(Exception):
            self.run(_cancel_pending(), timeout=5)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)
        if not self._thread.is_alive():
            self._loop.close()

    # -- the JetStream API ------------------------------------------------------------------
    async def _api(self, subject: str, body: dict | None, timeout: float) -> dict:
        data = json.dumps(body).encode() if body is not None else b""
        try:
            msg = await self.nc.request(f"{_API}.{subject}", data, timeout=timeout)
        except (*_TIMEOUTS, *_NOT_SENT) as exc:
            raise LogUnavailable(f"{subject}: {type(exc).__name__}") from exc
        answer = json.loads(msg.data)
        error = answer.get("error")
        if error:
            retry = error.get("err_code") in _UNAVAILABLE_CODES
            cls = LogUnavailable if retry else ClusterError
            raise cls(f"{subject}: {error.get('err_code')} {error.get('description')}")
        return answer

    def api(self, subject: str, body: dict | None = None, timeout: float = 5.0) -> dict:
        """One JetStream API request, e.g. ``api('STREAM.INFO.vietsearch')``."""
        if not self.connected:
            raise LogUnavailable("not connected to NATS")
        try:
            return self.run(self._api(subject, body, timeout), timeout + 1)
        except TimeoutError as exc:
            raise LogUnavailable(f"{subject}: no answer") from exc

    def ensure_stream(
        self, replicas: int, max_age_s: float = 7 * 86400, max_msgs: int = -1
    ) -> dict:
        """Create the stream when missing; return its info. An existing stream is left as it
        is: its settings are the cluster's, whichever node made it."""
        try:
            return self.api(f"STREAM.INFO.{self.cfg.stream}")
        except ClusterError as exc:
            if "10059" not in str(exc):  # 10059: stream not found
                raise
        config = {
            "name": self.cfg.stream, "subjects": [f"{self.cfg.stream}.>"],
            "retention": "limits", "storage": "file", "num_replicas": replicas,
            "discard": "old", "max_age": int(max_age_s * 1e9), "max_msgs": max_msgs,
            "max_bytes": -1, "allow_direct": True, "max_msg_size": 8 * 1024 * 1024,
            "duplicate_window": int(self.cfg.duplicate_window * 1e9),
        }  # fmt: skip
        try:
            return self.api(f"STREAM.CREATE.{self.cfg.stream}", config, timeout=10)
        except ClusterError as exc:
            if "10058" in str(exc):  # another node made it meanwhile
                return self.api(f"STREAM.INFO.{self.cfg.stream}")
            raise

    def state(self, timeout: float = 2.0) -> StreamState:
        """The stream's first and last sequence, replicas, leader and whether it has a quorum."""
        info = self.api(f"STREAM.INFO.{self.cfg.stream}", timeout=timeout)
        state, cluster = info["state"], info.get("cluster", {})
        replicas = info["config"].get("num_replicas", 1)
        heard = [
            r
            for r in cluster.get("replicas", [])
            if r.get("active", 0) / 1e9 < self.cfg.follower_silent_s
        ]
        quorum = bool(cluster.get("leader")) and len(heard) + 1 > replicas // 2
        return StreamState(
            state["first_seq"], state["last_seq"], replicas, cluster.get("leader"), quorum
        )

    def get(self, seq: int, timeout: float = 2.0, direct: bool = False) -> tuple[int, dict, bytes]:
        """(timestamp_ns, headers, data) of message ``seq``.

        By default from the stream's leader (STREAM.MSG.GET), which has every acknowledged
        message; ``direct`` asks any replica (DIRECT.GET), which may not have stored a message
        acknowledged a moment ago: fine for measuring lag, wrong for checking a write.
        """
        if not self.connected:
            raise LogUnavailable("not connected to NATS")
        try:
            return self.run(self._get(seq, timeout, direct), timeout + 1)
        except TimeoutError as exc:
            raise LogUnavailable(f"get {seq}: no answer") from exc

    async def _get(self, seq: int, timeout: float, direct: bool) -> tuple[int, dict, bytes]:
        if not direct:
            subject = f"STREAM.MSG.GET.{self.cfg.stream}"
            m = (await self._api(subject, {"seq": seq}, timeout))["message"]
            headers = parse_headers(base64.b64decode(m.get("hdrs") or ""))
            return parse_nats_time_ns(m["time"]), headers, base64.b64decode(m.get("data") or "")
        body = json.dumps({"seq": seq}).encode()
        try:
            msg = await self.nc.request(f"{_API}.DIRECT.GET.{self.cfg.stream}", body, timeout)
        except (*_TIMEOUTS, *_NOT_SENT) as exc:
            raise LogUnavailable(f"direct get {seq}: {type(exc).__name__}") from exc
        headers = dict(msg.headers or {})
        if "Nats-Time-Stamp" not in headers:
            raise LogUnavailable(f"direct get {seq}: {headers.get('Status')}")
        return parse_nats_time_ns(headers["Nats-Time-Stamp"]), headers, msg.data

    # -- publishing -------------------------------------------------------------------------
    def has_quorum(self) -> bool:
        """Whether the stream has a leader hearing from a majority: a yes is remembered for
        ``quorum_check_s``, a no is asked again each time."""
        # A remembered no refused writes for up to half a second after the quorum was back
        # (test_a_node_cut_off_from_nats..., after the two-servers-down test): a refusal costs
        # one question (at most a second) while the log has no quorum, and no write after.
        checked_at, quorum = self._quorum
        if quorum and time.monotonic() - checked_at < self.cfg.quorum_check_s:
            return quorum
        try:
            quorum = self.state(timeout=min(1.0, self.cfg.connect_timeout)).quorum
        except LogUnavailable:
            quorum = False
        self._quorum = (time.monotonic(), quorum)
        return quorum

    def publish(self, batch: bytes, msg_id: str, timeout: float) -> int:
        """Append one batch; its stream sequence once a quorum stored it, else LogUnavailable.

        ``msg_id`` (one per write, the same when a write is sent again) makes JetStream drop a
        duplicate within the stream's duplicate window; the answer is then the first copy's
        sequence. If that copy was discarded (stamped past its deadline), the write goes again
        under ``msg_id~seq``, which every retrier derives alike: one copy counts, at most.
        """
        give_up = time.time() + timeout
        if not self.connected or not self.has_quorum():
            raise LogUnavailable("the write log has no quorum or no connection; nothing was sent")
        mid = msg_id
        while True:
            seq, duplicate = self._acknowledged(batch, mid, give_up)
            try:
                stamp, headers, _ = self.get(seq, timeout=max(0.5, give_up - time.time()))
            except LogUnavailable as exc:
                raise LogUnavailable(
                    f"{mid} (seq {seq}) acknowledged, not confirmed", True
                ) from exc
            if is_valid(stamp, headers):
                return seq
            if not duplicate or time.time() >= give_up:
                raise LogUnavailable(f"{mid} (seq {seq}) reached the log too late: discarded")
            mid = f"{mid}~{seq}"

    def _acknowledged(self, batch: bytes, msg_id: str, give_up: float) -> tuple[int, bool]:
        deadline_ns = int(give_up * 1e9)
        try:
            return self.run(
                self._publish(batch, msg_id, deadline_ns, give_up), give_up - time.time() + 1
            )
        except TimeoutError as exc:  # the loop thread itself was stuck
            raise LogUnavailable(f"no acknowledgement for {msg_id}", True) from exc

    async def _publish(self, batch: bytes, msg_id: str, deadline_ns: int, give_up: float):
        """Publish, sending again (same id) after failures that sent nothing, until ``give_up``."""
        headers = {MSG_ID_HEADER: msg_id, DEADLINE_HEADER: str(deadline_ns)}
        maybe, last = False, "no time left"
        while (left := give_up - time.time()) > 0.01:
            try:
                msg = await self.nc.request(self.subject, batch, timeout=left, headers=headers)
            except _NOT_SENT as exc:
                # Safe to send again: nothing went out, or nobody took it. Only "no responders"
                # and a full buffer prove nothing can land later (the server answered, or
                # nothing was queued); after the others, the outcome is not certain.
                last = type(exc).__name__
                maybe = maybe or not isinstance(exc, _CERTAINLY_NOT_SENT)
                await asyncio.sleep(min(0.1, max(0.0, give_up - time.time())))
                continue
            except _TIMEOUTS:
                raise LogUnavailable(f"no acknowledgement for {msg_id} in time", True) from None
            answer = json.loads(msg.data)
            error = answer.get("error")
            if not error:
                return int(answer["seq"]), bool(answer.get("duplicate"))
            code = error.get("err_code")
            if code not in _UNAVAILABLE_CODES and code != _IN_FLIGHT_CODE:
                raise ClusterError(f"the log refused {msg_id}: {code} {error.get('description')}")
            maybe, last = maybe or code == _IN_FLIGHT_CODE, f"{code} {error.get('description')}"
            await asyncio.sleep(0.05)
        raise LogUnavailable(f"no acknowledgement for {msg_id}: {last}", maybe)


async def _cancel_pending() -> None:
    """Cancel what still runs on the loop (nats-py's own tasks), and wait for it to end."""
    tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
