"""One node of a cluster, as each of its server processes sees it.

Every process of a node (each gunicorn worker) has a ``ClusterNode``: it publishes the writes
its requests take, waits until the node has applied them, and answers health questions. One
process of the node, and one only, also applies the log: each runs ``start()``, whose thread
tries ``applier_lock`` on the index folder; the holder applies through its own group commit
(``LiveWriter.apply_log``), and when it dies the kernel frees the lock and another process
takes over within ``ELECTION_POLL_S``. The gunicorn master never opens the index (a Whoosh
file open across a fork would share its offset) and needs no thread that must survive forks.

The applier's process writes what only it knows (when it last had every batch, a fatal
error) to ``applied/applier.json`` in the index folder every ``REPORT_S``, for /healthz in
every process.
"""

from __future__ import annotations

import fcntl
import json
import os
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from indexer.documents.model import Document
from indexer.replication.acknowledged import AcknowledgedMark
from indexer.replication.applier import Applier, Entry, check_position, lag_seconds
from indexer.replication.batches import decode_batch, encode_batch
from indexer.replication.config import ClusterConfig
from indexer.replication.errors import (
    ClusterError,
    IndexAhead,
    LogUnavailable,
    OutOfRetention,
)
from indexer.replication.log import Log
from indexer.store.commits import open_or_create
from indexer.store.live import LiveWriter, Written
from indexer.store.positions import POSITIONS_DIR, outcome_of, read_position

ELECTION_POLL_S = 0.5
REPORT_S = 0.5
POLL_S = 0.005
APPLIER_LOCK = "APPLIER.lock"
STATUS_FILE = "applier.json"
# The applier's own writer waits this long for the index's writer (a CLI optimize, say).
APPLY_TIMEOUT_S = 60.0


@dataclass(frozen=True)
class WriteResult:
    """A write the log acknowledged: its sequence and, once applied here, what it did."""

    seq: int
    applied: bool
    written: Written | None = None  # None: not applied here in time, or its outcome forgotten


def read_applier_report(index_dir: Path) -> dict:
    """What the node's applier last wrote in ``applied/applier.json`` ({} before it did)."""
    try:
        path = Path(index_dir) / POSITIONS_DIR / STATUS_FILE
        return json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return {}


def applier_lock(index_dir: Path) -> IO | None:
    """The node's applier lock, held for the life of the process; None if another has it."""
    handle = open(Path(index_dir) / APPLIER_LOCK, "a+")  # noqa: SIM115 - held for life
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        return None
    return handle


class ClusterNode:
    """This process's part in the node; see the module docstring."""

    def __init__(self, config: ClusterConfig) -> None:
        self.config = config
        self._log: Log | None = None
        self._log_lock = threading.Lock()
        self._connected = threading.Event()
        self._stop = threading.Event()
        self._applier: Applier | None = None
        self._thread: threading.Thread | None = None
        self._problem: str | None = None
        self._applied = -1
        self._applied_changed = threading.Condition()
        self._waiting = 0
        self._poller: threading.Thread | None = None
        self._mark = AcknowledgedMark(config.index)
        self._seen_caught_up = 0.0  # when this process last found the node had applied it all
        # The applier's last word on when the node had it all, and what its index had then:
        # kept in every report, so that a restart (or a report of trouble) does not forget it.
        self._caught_up = (0.0, -1)

    @property
    def log(self) -> Log:
        """This process's connection to the stream; ``LogUnavailable`` until it is made."""
        log = self._log
        if log is None:
            raise LogUnavailable("this node has not reached NATS yet; nothing was sent")
        return log

    def connect(self) -> Log:
        """Connect now if not yet connected (the first connection; nats-py keeps it after)."""
        with self._log_lock:
            if self._log is None:
                log = Log(self.config.log_config())
                try:
                    self._log = log.connect()
                except Exception:
                    log.close()
                    raise
                self._connected.set()
            return self._log

    def log_within(self, timeout: float) -> Log:
        """This process's connection, waiting up to ``timeout`` s for ``start()``'s thread to
        make it; ``LogUnavailable`` past that."""
        # Each worker connects on its own: one may still be connecting (a model loading, a
        # slow server) when another already answers /healthz with 200, and a write sent to
        # it then deserves the write timeout, as one waiting for a quorum gets.
        self._connected.wait(timeout)
        return self.log

    def prepare_index(self) -> None:
        """Make an empty index if the folder has none: a new node starts empty and catches up
        from the stream (or from a snapshot restored first)."""
        open_or_create(self.config.index)

    # -- writes ---------------------------------------------------------------------------------
    def write(
        self,
        documents: list[Document] = (),
        deletions: list[str] = (),
        key: str | None = None,
        wait: bool = True,
    ) -> WriteResult:
        """Publish one write and wait (within the write timeout) until this node applied it.

        ``key`` (the client's ``Idempotency-Key``) makes a repeated write land once;
        ``LogUnavailable`` when the log did not acknowledge it in time. Without ``wait``,
        return once the log has it: this node's GETs by id still see it
        (``wait_acknowledged``).
        """
        started = time.monotonic()
        batch = encode_batch(documents, deletions)
        log = self.log_within(self.config.write_timeout)
        left = self.config.write_timeout - (time.monotonic() - started)
        seq = log.publish(batch, key or uuid.uuid4().hex, max(left, 0.5))
        if not wait:
            self._mark.raise_to(seq)
            return WriteResult(seq, applied=False)
        left = self.config.write_timeout - (time.monotonic() - started)
        if not self.wait_applied(seq, max(left, 1.0)):
            return WriteResult(seq, applied=False)
        outcome = outcome_of(self.config.index, seq)
        return WriteResult(seq, True, Written(*outcome, seq=seq) if outcome else None)

    def applied_seq(self) -> int:
        """The last log sequence this node's index has committed."""
        return read_position(self.config.index).seq

    def wait_acknowledged(self, timeout: float) -> bool:
        """Whether this node has applied every write it answered before applying it
        (``write(wait=False)``, in any of its processes), waiting up to ``timeout`` s."""
        mark = self._mark.read()
        return mark <= self._applied or self.wait_applied(mark, timeout)

    def wait_applied(self, seq: int, timeout: float) -> bool:
        """Whether this node's index has committed ``seq``, waiting up to ``timeout`` s.

        One thread of the process reads the index's position every ``POLL_S`` while anyone
        waits, and wakes them all: many waiting requests cost one reader, not one each.
        """
        deadline = time.monotonic() + timeout
        applied_now = self.applied_seq()
        with self._applied_changed:
            self._applied = max(self._applied, applied_now)
            self._waiting += 1
            self._applied_changed.notify_all()  # the poller may be idle
            if self._poller is None:
                self._poller = threading.Thread(target=self._poll, name="applied", daemon=True)
                self._poller.start()
            try:
                while self._applied < seq:
                    left = deadline - time.monotonic()
                    if left <= 0:
                        return False
                    self._applied_changed.wait(left)
                return True
            finally:
                self._waiting -= 1

    def _poll(self) -> None:
        while True:
            applied = self.applied_seq()
            with self._applied_changed:
                if applied != self._applied:
                    self._applied = applied
                    self._applied_changed.notify_all()
                if not self._waiting:
                    self._applied_changed.wait(1.0)  # idle until someone waits
            time.sleep(POLL_S)

    # -- applying the log (one process of the node) --------------------------------------------
    def start(self) -> None:
        """In a background thread: connect (trying again every second), then take part in the
        election of this node's applier."""
        self._thread = threading.Thread(target=self._run, name="cluster-node", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.connect()
                break
            except (LogUnavailable, ClusterError) as exc:
                self._problem = str(exc)
                self._stop.wait(1.0)
            except Exception as exc:  # noqa: BLE001 - this thread must live: it elects the applier
                self._problem = f"{type(exc).__name__}: {exc}"
                self._stop.wait(1.0)
        self._elect()

    def stop(self) -> None:
        """Stop applying (if this process was) and close the connection."""
        self._stop.set()
        if self._applier:
            self._applier.stop()
        if self._thread:
            self._thread.join(timeout=10)
        if self._log:
            self._log.close()
        self._mark.close()

    def _elect(self) -> None:
        lock = None
        while lock is None and not self._stop.is_set():
            lock = applier_lock(self.config.index)
            if lock is None:
                self._stop.wait(ELECTION_POLL_S)
        self._caught_up = self._seeded_caught_up()
        while not self._stop.is_set():
            try:
                self._apply_until_stopped()
                return
            except Exception as exc:  # noqa: BLE001 - keep the lock, report, and try again
                self._report(problem=f"{type(exc).__name__}: {exc}")
                self._stop.wait(1.0)

    def _apply_until_stopped(self) -> None:
        log = self.log
        log.ensure_stream(self.config.replicas)
        writer = LiveWriter(self.config.index, timeout_s=APPLY_TIMEOUT_S)
        writer.announce()

        def apply(entries: list[Entry]) -> None:
            writer.apply_log([decode_batch(e.seq, e.data, e.valid) for e in entries])

        self._applier = Applier(log, self.applied_seq, apply, str(self.config.index))
        self._applier.caught_up_at, self._applier.caught_up_seq = self._caught_up
        reporter = threading.Thread(target=self._keep_reporting, name="applier-report", daemon=True)
        reporter.start()
        self._applier.run()
        self._stop.wait()  # a fatal error: stay as the applier, reporting it, until stopped

    def _keep_reporting(self) -> None:
        while not self._stop.is_set():
            applier = self._applier
            error = applier.error if applier else None
            self._report(
                problem=applier.problem if applier else None,
                stepped_at=applier.stepped_at if applier else None,
                error=type(error).__name__ if error else None,
                message=str(error) if error else None,
            )
            self._stop.wait(REPORT_S)

    def _report(self, **fields) -> None:
        folder = self.config.index / POSITIONS_DIR
        folder.mkdir(exist_ok=True)
        applier = self._applier
        if applier and applier.caught_up_at >= self._caught_up[0]:
            self._caught_up = (applier.caught_up_at, applier.caught_up_seq)
        at, seq = self._caught_up
        record = {"node": self.config.node, "pid": os.getpid(), "at": time.time(), **fields}
        record |= {"caught_up_at": at, "caught_up_seq": seq}
        temporary = folder / f".{STATUS_FILE}.{os.getpid()}"
        temporary.write_text(json.dumps(record), encoding="utf-8")
        os.replace(temporary, folder / STATUS_FILE)

    # -- health ---------------------------------------------------------------------------------
    # A health check must answer well within HAProxy's check timeout (3 s) even while the
    # stream elects a leader: each question to NATS waits at most half a second.
    def health(self, max_lag: float | None = None) -> dict:
        """The node's place in the log and whether it should serve: ``status`` is ``ok``,
        ``log_unavailable`` (serving; the log has no quorum), ``lagging``,
        ``out_of_retention`` or ``index_ahead`` (the last three: take it out of rotation)."""
        bound = self.config.max_lag if max_lag is None else max_lag
        applied = self.applied_seq()
        report = self._read_report()
        out = {"node": self.config.node, "applied_seq": applied, "stream_seq": None}
        out |= {"lag_messages": None, "lag_seconds": None, "status": "ok", "message": None}
        asked_at = time.time()
        try:
            state = self.log.state(timeout=0.5)
        except (LogUnavailable, ClusterError) as exc:
            return self._unreachable(out, report, bound, exc)
        lag = _rounded(lag_seconds(self.log, applied, state.last_seq))
        if applied >= state.last_seq:  # not lag == 0: a server's clock ahead of ours says 0 too
            self._seen_caught_up = max(self._seen_caught_up, asked_at)
        out |= {"stream_seq": state.last_seq, "lag_messages": max(0, state.last_seq - applied)}
        out["lag_seconds"] = lag
        try:
            index = str(self.config.index)
            check_position(applied, state.first_seq, state.last_seq, self.config.stream, index)
        except (OutOfRetention, IndexAhead) as exc:
            return out | {"status": _status_of(exc), "message": str(exc)}
        if lag is not None and lag > bound:
            message = f"this node is {lag:.1f} s behind the write log (bound {bound:g} s)"
            return out | {"status": "lagging", "message": message}
        if not state.quorum:
            message = "the write log's leader hears from no majority: writes answer 503"
            return out | {"status": "log_unavailable", "message": message}
        return out

    def fatal_error(self) -> tuple[str, str] | None:
        """(status, message) when the applier found the stream cannot continue this index."""
        report = self._read_report()
        if not report.get("error"):
            return None
        return _status_of(report["error"]), report.get("message") or report["error"]

    def _unreachable(self, out: dict, report: dict, bound: float, exc: Exception) -> dict:
        """Health while the stream cannot be asked: bounded by when the applier last had it all."""
        if report.get("error"):
            return out | {"status": _status_of(report["error"]), "message": report.get("message")}
        # The applier's word, or this process's own last look, whichever is later: an applier
        # under steady writes may not have said so yet.
        reported = self._reported_caught_up(report, out["applied_seq"])[0]
        caught_up = max(reported, self._seen_caught_up)
        lag = _rounded(time.time() - caught_up) if caught_up else None
        out["lag_seconds"] = lag
        connected = self._log is not None and self._log.connected
        exc = exc if self._log is not None else (self._problem or exc)
        if connected:  # a server answers, the stream does not: no quorum anywhere, no writes
            return out | {"status": "log_unavailable", "message": f"the write log: {exc}"}
        if lag is None or lag > bound:
            cut = "cannot reach any NATS server"
            known = (
                "and has not known itself caught up since it started"
                if lag is None
                else f"and last knew itself caught up {lag:.1f} s ago (bound {bound:g} s)"
            )
            return out | {"status": "lagging", "message": f"this node {cut} ({exc}) {known}"}
        return out

    def _reported_caught_up(self, report: dict, applied: int | None = None) -> tuple[float, int]:
        """When the report says the node last had every batch, and the index's position then;
        (0, -1) when it says nothing or the index now holds less (a snapshot of earlier
        restored): the moment bounds the lag only while the index holds at least as much."""
        at, seq = report.get("caught_up_at"), report.get("caught_up_seq")
        applied = self.applied_seq() if applied is None else applied
        if not isinstance(at, float | int) or not isinstance(seq, int) or seq > applied:
            return (0.0, -1)
        return (float(at), seq)

    def _seeded_caught_up(self) -> tuple[float, int]:
        """``_reported_caught_up`` of the last report, or nothing known when the index's
        position cannot be read now: the election's thread must not die of it (its process
        would never apply again)."""
        try:
            return self._reported_caught_up(self._read_report())
        except Exception:  # noqa: BLE001 - knowing less only bounds the lag less
            return (0.0, -1)

    def _read_report(self) -> dict:
        return read_applier_report(self.config.index)


def _status_of(error: Exception | str) -> str:
    name = error if isinstance(error, str) else type(error).__name__
    return "index_ahead" if name == "IndexAhead" else "out_of_retention"


def _rounded(lag: float | None) -> float | None:
    """``lag`` to the millisecond, as health reports it and judges it: a lag of 3.0004 s
    reported 3.0 and judged over a 3 s bound said "lagging" with a lag within it."""
    return None if lag is None else round(lag, 3)
