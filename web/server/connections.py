"""The production server's worker: gunicorn's gthread, minus the ways a slow client holds it up.

gunicorn 27's gthread worker has three places where one client that sends slowly, or not at
all, blocks a thread or the worker itself:

- it hands each new connection to a thread at once, which waits up to 5 s for the first bytes
  and then reads the request head with blocking calls (measured: behind 40 connections that
  sent nothing, or half a request, a search on 2 workers of 8 threads waited 20 s);
- after a response it drains the unread part of a request body in the thread, up to 5 s;
- it closes connections gracefully (RFC 9112 section 9.6: FIN, then read until the client
  closes) on the main loop, blocking it up to 2 s per connection: ten clients that ask for
  ``Connection: close`` and then keep the connection open stall every request to the worker
  for 20 s.

Here the main loop collects each request head with non-blocking reads and gives a connection
to a thread only once its head is complete (within ``HEAD_TIMEOUT_S`` of its first chance to
send it; a head over ``MAX_HEAD_BYTES`` gets 414 or 431); a thread drains an unread body only
if it is already there (``BODY_DRAIN_S``), else the connection is closed; and the graceful
close lingers in the poller, not in a blocking call. A body that the application reads is still
read by its thread, each read bounded by the socket timeouts that ``python -m web`` sets.
"""

from __future__ import annotations

import contextlib
import errno
import selectors
import socket
import time
from functools import partial

from gunicorn import util
from gunicorn.workers.gthread import TConn, ThreadWorker

HEAD_TIMEOUT_S = 5.0
# Well above any browser's request head; gunicorn's own limits (request line 8,190 bytes, 50
# header fields) refuse anything longer anyway.
MAX_HEAD_BYTES = 64 * 1024
BODY_DRAIN_S = 0.05
LINGER_S = 2.0  # as gunicorn's own graceful close
_HEAD_END = b"\r\n\r\n"


class _Conn(TConn):
    """A connection whose graceful close is handed back to the worker's poller."""

    def __init__(self, worker: HeadFirstWorker, *args):
        super().__init__(*args)
        self.worker = worker

    def close(self, graceful=False):
        """Close now, or (graceful) send FIN and let the worker drain what the client sends."""
        if graceful:
            self.worker.linger(self.sock)
        else:
            super().close()


class HeadFirstWorker(ThreadWorker):
    """A gthread worker whose threads only ever see connections with a complete request head."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._heads: dict[TConn, bytearray] = {}
        self._lingering: dict[socket.socket, float] = {}  # socket: when to give up on it

    def accept(self, listener):
        """Take a new connection and wait, in the poller, for its request head."""
        if self.cfg.is_ssl:  # TLS records are not a request head: leave TLS to gthread
            return super().accept(listener)
        try:
            sock, client = listener.accept()
        except OSError as exc:
            if exc.errno not in (errno.EAGAIN, errno.ECONNABORTED, errno.EWOULDBLOCK):
                raise
            return
        self.nr_conns += 1
        self._collect_head(_Conn(self, self.cfg, sock, client, listener.getsockname()))

    def on_client_socket_readable(self, conn, client):
        """A kept-alive connection starts its next request: collect its head first too."""
        if self.cfg.is_ssl:
            return super().on_client_socket_readable(conn, client)
        self.poller.unregister(client)
        self.keepalived_conns.remove(conn)
        self._collect_head(conn)

    def handle(self, conn):
        """Serve the request whose head the main loop has read (in a thread)."""
        head = self._heads.pop(conn, None)
        if head is not None:
            conn.sock.setblocking(True)
            conn.init()
            conn.parser.unreader.unread(bytes(head))
        return super().handle(conn)

    def _keepalive_after(self, conn, keepalive):
        # gthread waits up to 5 s here for the rest of a body nobody read (a 405 or 413 to a
        # client that sends slowly); drain only what has arrived, else close the connection.
        if not keepalive:
            return False
        return bool(conn.parser.finish_body(deadline=time.monotonic() + BODY_DRAIN_S))

    def linger(self, sock: socket.socket) -> None:
        """Close ``sock`` gracefully without blocking: FIN now, drain in the poller, close."""
        try:
            sock.shutdown(socket.SHUT_WR)
            sock.setblocking(False)
            self.poller.register(sock, selectors.EVENT_READ, self._drain)
        except (OSError, ValueError, KeyError):
            with contextlib.suppress(OSError):
                sock.close()
            return
        self._lingering[sock] = time.monotonic() + LINGER_S

    def murder_pending(self):
        """Close the connections whose head did not arrive in time, and stop lingering."""
        now = time.monotonic()
        while self.pending_conns and self.pending_conns[0].timeout <= now:
            self._close(self.pending_conns.popleft())
            self.log.info("dropped a client that stalled for %d s", HEAD_TIMEOUT_S)
        # Deadlines were added in order, so the expired ones come first.
        while self._lingering:
            sock, until = next(iter(self._lingering.items()))
            if until > now:
                break
            self._stop_lingering(sock)

    def _collect_head(self, conn: TConn) -> None:
        conn.sock.setblocking(False)
        # Every connection waits the same time, so the queue stays sorted by deadline (gthread's
        # own use of it, for connections a thread gave up on, never happens here).
        conn.timeout = time.monotonic() + HEAD_TIMEOUT_S
        self.pending_conns.append(conn)
        self._heads[conn] = bytearray()
        self.poller.register(conn.sock, selectors.EVENT_READ, partial(self._read_head, conn))

    def _read_head(self, conn: TConn, client) -> None:
        head = self._heads[conn]
        try:
            data = conn.sock.recv(MAX_HEAD_BYTES + 1 - len(head))
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data = b""
        head += data
        complete = _HEAD_END in head[max(0, len(head) - len(data) - 3) :]
        if data and not complete and len(head) <= MAX_HEAD_BYTES:
            return
        self.pending_conns.remove(conn)
        if complete:
            self.poller.unregister(client)
            conn.data_ready = True  # gthread's handle() must not wait for data again
            self.enqueue_req(conn)
            return
        if data:  # over MAX_HEAD_BYTES without an end: refused as gunicorn refuses
            with contextlib.suppress(OSError):
                if b"\r\n" in head:
                    util.write_error(conn.sock, 431, "Request Header Fields Too Large", "")
                else:
                    util.write_error(conn.sock, 414, "URI Too Long", "")
        self._close(conn)

    def _close(self, conn: TConn) -> None:
        with contextlib.suppress(KeyError, ValueError, OSError):
            self.poller.unregister(conn.sock)
        self._heads.pop(conn, None)
        self.nr_conns -= 1
        TConn.close(conn)

    def _drain(self, sock: socket.socket) -> None:
        try:
            if sock.recv(65536):
                return
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            pass
        self._stop_lingering(sock)

    def _stop_lingering(self, sock: socket.socket) -> None:
        self._lingering.pop(sock, None)
        with contextlib.suppress(KeyError, ValueError, OSError):
            self.poller.unregister(sock)
        with contextlib.suppress(OSError):
            sock.close()
