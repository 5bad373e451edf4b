"""python -m web [--index DIR] [--host 127.0.0.1] [--port 8000] [--workers N]

Serves vietsearch with gunicorn (never Flask's development server). Each worker opens the
index itself after the fork and warms up before taking requests.
"""

from __future__ import annotations

import argparse
import logging
import os
import socket
import struct
import sys
from pathlib import Path

from gunicorn.app.base import BaseApplication

from indexer import (
    DEFAULT_INDEX,
    EmbedderUnavailable,
    IndexMissing,
    VietsearchError,
    ensure_embedded_index,
    index_embedder,
    open_index,
    warm_up_index,
)
from indexer.cli import positive_number
from web import create_app
from web.cluster import start_cluster
from web.documents import announce_writes
from web.errors import ApiError
from web.server.cluster_options import add_cluster_arguments, check_cluster, cluster_settings
from web.server.production import (
    make_run_folder,
    publish_settings,
    remove_run_folder,
    run_master,
    worker_hooks,
)
from web.server.vacant import create_if_vacant
from web.worker_index import current_index

# Searches take turns on a worker's index (web.worker_index), so threads serve slow connections, not
# parallel searches: a few stalled clients must not make a worker queue everyone else.
THREADS_PER_WORKER = 8
# Like gunicorn's own wait for a new connection's first bytes (DEFAULT_WORKER_DATA_TIMEOUT).
CLIENT_IO_TIMEOUT_S = 5
SERVER_SETTINGS = {
    # gthread, except that the main loop reads request heads (web.server.connections): a client that
    # connects and sends nothing, or half a request, never holds a thread.
    "worker_class": "web.server.connections.HeadFirstWorker",
    "threads": THREADS_PER_WORKER,
    "timeout": 30,  # a worker silent this long is killed and replaced
    "graceful_timeout": 10,
    "keepalive": 5,
    # A 1,000-character Vietnamese query is up to ~9,000 bytes once percent-encoded.
    "limit_request_line": 8190,
    "limit_request_fields": 50,
    "limit_request_field_size": 8190,
    "preload_app": False,
    # The runtime control socket has one default path per user, which two servers would share.
    "control_socket_disable": True,
    "errorlog": "-",
    "loglevel": "info",
}


class Server(BaseApplication):
    """gunicorn, configured in code; every worker builds its own app."""

    def __init__(self, app_config: dict, settings: dict):
        self.app_config = app_config
        self.settings = settings
        super().__init__()

    def load_config(self) -> None:
        """Apply our settings to gunicorn's config."""
        for name, value in self.settings.items():
            self.cfg.set(name, value)

    def load(self):
        """Build the app (in the worker, since the app is not preloaded)."""
        return create_app(self.app_config)

    def run(self):
        """Run the master; its SIGHUP reloads the settings (web.server.production)."""
        run_master(self)


def bound_socket_waits(server) -> None:
    """Make every read and write on a client socket give up after CLIENT_IO_TIMEOUT_S.

    A thread reads a request's body (web.server.connections reads the head) and writes the answer
    with blocking calls and no deadline, so a client that stops sending its body, or stops reading,
    would hold the thread for good. Accepted sockets inherit these options from the listener
    (Linux), whatever gunicorn does to them later.
    """
    limit = struct.pack("ll", CLIENT_IO_TIMEOUT_S, 0)
    for listener in server.LISTENERS:
        for option in (socket.SO_RCVTIMEO, socket.SO_SNDTIMEO):
            listener.sock.setsockopt(socket.SOL_SOCKET, option, limit)


class StalledClientLog(logging.Filter):
    """One line, not a traceback, when a client was dropped for stalling (see above)."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite gunicorn's socket-error record when the error is our timeout."""
        error = record.exc_info[1] if record.exc_info else None
        if isinstance(error, (BlockingIOError, TimeoutError)):
            record.msg, record.args, record.exc_info, record.exc_text = (
                "dropped a client that stalled for %d s",
                (CLIENT_IO_TIMEOUT_S,),
                None,
                None,
            )
            record.levelno, record.levelname = logging.INFO, "INFO"
        return True


def warm_up(worker) -> None:
    """Open the index and load pyvi's model, the syllable grammar and the term tables before
    the worker takes its first request; with writes enabled, tell builds of the index that this
    worker takes writes."""
    logging.getLogger("gunicorn.error").addFilter(StalledClientLog())
    app = worker.wsgi
    with app.app_context():
        try:
            with current_index().use() as index:
                warm_up_index(index)
        except ApiError as exc:
            worker.log.warning("index not ready: %s", exc.message)
        announce_writes()
        start_cluster()  # cluster mode: connect, and elect the process that applies the log


def _port(value: str) -> int:
    if not value.isdigit() or not 0 <= int(value) <= 65535:
        raise argparse.ArgumentTypeError(f"expected a port from 0 to 65535, got {value!r}")
    return int(value)


def add_serve_arguments(parser: argparse.ArgumentParser) -> None:
    """The server's options but ``--index``: for ``python -m web`` and ``vietsearch serve``."""
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=_port, default=8000, help="port (default 8000)")
    parser.add_argument("--workers", type=positive_number, default=2, help="processes (default 2)")
    parser.add_argument(
        "--embedder",
        default=os.environ.get("VIETSEARCH_EMBEDDER"),
        metavar="MODEL_FOLDER",
        help="sentence-transformers model folder for searches by meaning and for the vectors "
        "of written documents (default: $VIETSEARCH_EMBEDDER, else the one the index records)",
    )
    add_cluster_arguments(parser)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The command line; see the module docstring."""
    parser = argparse.ArgumentParser(prog="python -m web", description="Serve vietsearch.")
    parser.add_argument(
        "--index",
        default=os.environ.get("VIETSEARCH_INDEX"),
        help="index folder (default: $VIETSEARCH_INDEX, else the sample index, built if missing)",
    )
    add_serve_arguments(parser)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Start the server; return when it stops."""
    return serve(parse_args(argv))


def serve(args: argparse.Namespace) -> int:
    """Serve ``args.index`` (None or the sample's folder: the sample, built if missing; a missing
    or empty folder: a new empty index) with ``args``' host, port and workers."""
    index = args.index
    if index is None or Path(index).resolve() == DEFAULT_INDEX.resolve():
        print(f"vietsearch: using the sample index in {DEFAULT_INDEX}", file=sys.stderr)
        # Builds it if missing; every file it opens is closed again before gunicorn forks.
        index = str(ensure_embedded_index())
    try:
        open_index(index).close()  # reads the table of contents only; nothing stays open
    except IndexMissing:
        pass  # answered with 503 until an index is built
    except VietsearchError as exc:
        print(f"vietsearch: error: {exc}", file=sys.stderr)
        return 1
    try:
        # The embedder named, or the index's own: a missing model folder stops the start here.
        embedder = index_embedder(index, getattr(args, "embedder", None))
    except EmbedderUnavailable as exc:
        print(f"vietsearch: error: {exc}", file=sys.stderr)
        return 1
    if embedder is not None:
        os.environ["VIETSEARCH_EMBEDDER"] = embedder.path  # for every worker's app
    run_dir = make_run_folder()  # before any app: where every worker's metrics go
    try:
        return _serve(args, index, run_dir)
    finally:
        remove_run_folder(run_dir)


def _serve(args: argparse.Namespace, index: str, run_dir) -> int:
    cluster = cluster_settings(args)
    app_config = {"INDEX": index, "RUN_DIR": str(run_dir), **cluster}
    try:
        # Bad settings fail here, once, not in every worker.
        app = create_app({"INDEX": index, **cluster})
        publish_settings(app_config, run_dir)  # the checked copy every worker starts from
    except ValueError as exc:
        print(f"vietsearch: error: {exc}", file=sys.stderr)
        return 2
    if create_if_vacant(index):
        print(f"vietsearch: created an empty index in {index}", file=sys.stderr)
    if (refused := check_cluster(app)) is not None:
        print(f"vietsearch: error: {refused}", file=sys.stderr)
        return 1
    host = f"[{args.host}]" if ":" in args.host else args.host
    settings = dict(
        SERVER_SETTINGS,
        bind=f"{host}:{args.port}",
        workers=args.workers,
        when_ready=bound_socket_waits,
        post_worker_init=warm_up,
        **worker_hooks(),
    )
    print(f"vietsearch: serving {index} on http://{host}:{args.port}", file=sys.stderr)
    Server(app_config, settings).run()
    return 0
