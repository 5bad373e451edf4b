"""Applying the write log in order, once per node, from the index's own last commit.

The index is the only record of a node's position: ``position()`` is the log sequence committed
together with the documents it covers (``indexer.store.positions``). The applier reads the
stream from there through an ephemeral pull consumer (one server, in memory, no acks) that it
makes itself, checks every sequence, and makes a new consumer from the index's position after
any gap, server death or error. A durable consumer would be a second position to keep in step
with the index, and a ``kill -9`` between the commit and its ack would put them out of step.

``apply(entries)`` must commit the entries' documents and the last entry's sequence together;
an entry that is not ``valid`` advances the sequence and writes nothing.
"""

from __future__ import annotations

import asyncio
import json
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from indexer.replication.errors import IndexAhead, LogUnavailable, OutOfRetention
from indexer.replication.log import MSG_ID_HEADER, Log, StreamState, is_valid

# An index ahead of the stream is believed only once the stream has said so for this long: for
# a moment after it restarts, a nats-server 2.9 replica answers STREAM.INFO from its own store,
# before it has caught up (even naming the leader), so the stream seems to end early. A CI run
# of the Jepsen test stopped a node for good on such an answer (796 against the 816 it had
# applied). A replica answers so for at most nats-server's lost-quorum interval (10 s).
AHEAD_CONFIRM_S = 15.0

SNAPSHOT_HINT = (
    "take a snapshot on a node that is up to date (vietsearch snapshot --index DIR OUT), "
    "restore it here (vietsearch restore OUT --index {index}) and start this node again"
)


class ConsumerLost(Exception):
    """The consumer vanished or stalled (its server died, the leader moved): make another."""


@dataclass(frozen=True)
class Entry:
    """One batch of the log, as the applier hands it to ``apply``."""

    seq: int
    ts_ns: int
    data: bytes
    headers: dict[str, str] = field(default_factory=dict)
    pending: int = -1  # messages the consumer held after this one when it sent it (-1: unknown)

    @property
    def valid(self) -> bool:
        """False for a batch stamped past its deadline: its publisher answered 503."""
        return is_valid(self.ts_ns, self.headers)

    @property
    def msg_id(self) -> str | None:
        """The write's id (``Idempotency-Key``, or one the node made up)."""
        return self.headers.get(MSG_ID_HEADER)


def parse_delivery(msg) -> Entry:
    """An entry from a consumer's delivery, whose reply subject carries its sequence and time.

    ``$JS.ACK.<stream>.<consumer>.<delivered>.<stream seq>.<consumer seq>.<ts ns>.<pending>``
    (nats-server 2.9; later servers add tokens in front, so count from the end).
    """
    tokens = msg.reply.split(".")
    return Entry(
        int(tokens[-4]), int(tokens[-2]), msg.data, dict(msg.headers or {}), int(tokens[-1])
    )


def check_position(applied: int, first_seq: int, last_seq: int, stream: str, index: str) -> None:
    """Raise ``OutOfRetention`` or ``IndexAhead`` when the stream cannot continue the index."""
    hint = SNAPSHOT_HINT.format(index=index)
    if applied + 1 < first_seq and last_seq >= first_seq:
        raise OutOfRetention(
            f"the index {index} has applied the write log up to {applied}, but stream {stream} "
            f"now starts at {first_seq}: batches {applied + 1}..{first_seq - 1} are gone; {hint}"
        )
    if applied > last_seq:
        raise IndexAhead(
            f"the index {index} has applied the write log up to {applied}, but stream {stream} "
            f"ends at {last_seq}: is it the right stream, or was it made anew? {hint}"
        )


class Applier:
    """The one consumer of the stream on a node; see the module docstring."""

    def __init__(
        self,
        log: Log,
        position: Callable[[], int],
        apply: Callable[[list[Entry]], None],
        index: str,
        batch: int = 256,
        heartbeat: float = 1.0,
        ahead_confirm_s: float = AHEAD_CONFIRM_S,
    ) -> None:
        self.log, self.position, self.apply, self.index = log, position, apply, index
        self.batch, self.heartbeat, self.ahead_confirm_s = batch, heartbeat, ahead_confirm_s
        self._ahead_since: float | None = None  # when the stream first seemed to end early
        self.applied = -1
        self.error: Exception | None = None  # fatal: OutOfRetention / IndexAhead
        self.problem: str | None = None  # the latest passing trouble, for the logs
        # When the consumer last said it had nothing more (a heartbeat, an empty pull, or a
        # batch applied whose last entry left nothing pending), and what the index had then:
        # how far behind we can be, at most, while the stream cannot be asked. The node seeds
        # both from its last report, so that a restart does not forget them.
        self.caught_up_at = 0.0
        self.caught_up_seq = -1
        # When the last step began: one stuck in a call shows here (the node reports it).
        self.stepped_at = 0.0
        self._consumer: str | None = None
        self._sub = None
        self._left = 0  # messages the outstanding pull request still owes
        self._stop = threading.Event()

    def stop(self) -> None:
        """Make ``run`` return after its current step."""
        self._stop.set()

    def run(self) -> None:
        """Apply until stopped or until the position is impossible (kept in ``error``)."""
        backoff = 0.05
        while not self._stop.is_set():
            try:
                self.step()
                backoff = 0.05
            except (OutOfRetention, IndexAhead) as exc:
                self.error = exc
                return
            except Exception as exc:  # noqa: BLE001 - anything else: start again from the index
                self.problem = f"{type(exc).__name__}: {exc}"
                self._drop_consumer()
                self._stop.wait(backoff)
                backoff = min(backoff * 2, 1.0)
        self._drop_consumer()

    def step(self) -> int:
        """Fetch what is there (waiting up to a few heartbeats) and apply it; how many."""
        self.stepped_at = time.time()
        if self._consumer is None:
            self._open()
        entries = self.log.run(self._fetch(), timeout=self.heartbeat * 4 + 5)
        fetched_at = time.time()
        fresh = self._in_order(entries)
        if fresh:
            self.apply(fresh)
            self.applied = fresh[-1].seq
            # Under steady writes no heartbeat or empty pull ever comes (a request is spent
            # before it idles or expires): the deliveries' own count of what is pending tells.
            if fresh[-1] is entries[-1] and entries[-1].pending == 0:
                self._caught_up(fetched_at)
        return len(fresh)

    def _caught_up(self, at: float) -> None:
        """The index had every entry of the stream at ``at``: it has ``applied`` now."""
        if at >= self.caught_up_at:
            self.caught_up_at, self.caught_up_seq = at, self.applied

    def _open(self) -> None:
        """Read the index's position, check it against the stream, make a consumer."""
        self.applied = self.position()
        asked_at = time.time()
        state = self.log.state()
        self.check_stream(self.applied, state)
        if self.applied == state.last_seq:  # nothing to fetch: caught up already
            self._caught_up(asked_at)
        self.log.run(self._create_consumer(self.applied + 1), timeout=15)

    def check_stream(self, applied: int, state: StreamState) -> None:
        """``check_position`` of ``applied`` (the index's position) against a stream's ``state``,
        except that an index ahead of the stream is only a passing trouble (``LogUnavailable``:
        ask again) until the stream has said so for ``ahead_confirm_s`` (``AHEAD_CONFIRM_S``)."""
        try:
            check_position(
                applied, state.first_seq, state.last_seq, self.log.cfg.stream, self.index
            )
        except IndexAhead as exc:
            now = time.monotonic()
            if self._ahead_since is None:
                self._ahead_since = now
            if now - self._ahead_since >= self.ahead_confirm_s:
                raise
            raise LogUnavailable(f"not believed yet: {exc}") from exc
        self._ahead_since = None

    def _in_order(self, entries: list[Entry]) -> list[Entry]:
        """The entries that continue exactly from ``applied``; a gap means reading again."""
        out, expected = [], self.applied + 1
        for entry in entries:
            if entry.seq < expected:
                continue  # already applied (delivered before a consumer was replaced)
            if entry.seq > expected:
                if out:
                    break  # apply the part in order first; the gap shows again next time
                self.check_stream(self.applied, self.log.state())
                raise ConsumerLost(f"gap: expected seq {expected}, got {entry.seq}")
            out.append(entry)
            expected += 1
        return out

    # -- the consumer -------------------------------------------------------------------------
    async def _create_consumer(self, start_seq: int) -> None:
        nc, stream = self.log.nc, self.log.cfg.stream
        inbox = nc.new_inbox()
        self._sub = await nc.subscribe(inbox)
        self._inbox = inbox
        name = f"applier_{os.getpid()}_{time.time_ns() % 10**12}"
        config = {
            "name": name, "deliver_policy": "by_start_sequence", "opt_start_seq": start_seq,
            "ack_policy": "none", "replay_policy": "instant", "mem_storage": True,
            "num_replicas": 1, "inactive_threshold": int(30e9), "max_waiting": 16,
        }  # fmt: skip
        body = {"stream_name": stream, "config": config}
        await self.log._api(f"CONSUMER.CREATE.{stream}.{name}", body, timeout=5)
        self._consumer, self._left = name, 0

    def _drop_consumer(self) -> None:
        name, sub = self._consumer, self._sub
        self._consumer, self._sub, self._left = None, None, 0
        if name is None or not self.log.connected:
            return
        try:
            self.log.run(sub.unsubscribe(), timeout=2)
            self.log.api(f"CONSUMER.DELETE.{self.log.cfg.stream}.{name}", timeout=1)
        except Exception:  # noqa: BLE001 - an orphan consumer expires after 30 s idle
            pass

    async def _pull(self) -> None:
        request = {
            "batch": self.batch,
            "expires": int(self.heartbeat * 5e9),
            "idle_heartbeat": int(self.heartbeat * 1e9),
        }
        subject = f"$JS.API.CONSUMER.MSG.NEXT.{self.log.cfg.stream}.{self._consumer}"
        await self.log.nc.publish(subject, json.dumps(request).encode(), reply=self._inbox)
        self._left = self.batch

    async def _fetch(self) -> list[Entry]:
        """The entries there now, or the first to come; none when the server says there is
        nothing new (a heartbeat, or the pull request's end), so that an idle applier keeps
        its consumer instead of timing out in ``step`` and making a new one every few s."""
        if self._left <= 0:
            await self._pull()
        out: list[Entry] = []
        while True:
            msg = await self._next(wait=not out)
            if msg is None:
                return out
            status = (msg.headers or {}).get("Status")
            if status is None:
                out.append(parse_delivery(msg))
                self._left -= 1
                if self._left <= 0:
                    return out  # the request is spent: the next fetch makes another
            elif status in ("404", "408"):  # nothing more / the request expired: ask again
                self._left = 0
                if not out:  # else caught up once they are applied (their count pending: 0)
                    self._caught_up(time.time())
                return out
            elif status == "100":  # idle heartbeat: the server is there, nothing is new
                if not out:
                    self._caught_up(time.time())
                    return out
            else:  # 409 and others: the consumer is gone or moved
                raise ConsumerLost(f"{status} {(msg.headers or {}).get('Description')}")

    async def _next(self, wait: bool):
        """The next delivery: waiting up to three heartbeats if ``wait``, else only if queued."""
        if not wait:
            try:
                return self._sub._pending_queue.get_nowait()  # nats-py has no public peek
            except asyncio.QueueEmpty:
                return None
        try:
            return await self._sub.next_msg(timeout=self.heartbeat * 3)
        except Exception as exc:  # nats-py's TimeoutError: not even a heartbeat came
            raise ConsumerLost("no message nor heartbeat for three heartbeats") from exc


def lag_seconds(log: Log, applied: int, last_seq: int) -> float | None:
    """How old the oldest batch not applied here is (0 when none is missing)."""
    if last_seq <= applied:
        return 0.0
    try:
        stamp, _, _ = log.get(applied + 1, timeout=0.5, direct=True)
    except LogUnavailable:
        return None
    return max(0.0, time.time() - stamp / 1e9)
