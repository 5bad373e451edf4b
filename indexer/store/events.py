"""What the library reports as it works, for whoever watches it (the web's Prometheus metrics).

The library never imports a metrics package: it calls the listeners registered here with an
event name and plain numbers, and does nothing at all when none is registered. Events:

- ``searcher_refreshed``: ``seconds`` a searcher took to pick up a new commit.
- ``group_committed``: one group commit of ``indexer.store.live``: ``batches`` and
  ``documents`` in it, ``seconds`` it held the writer, and ``waits``, each batch's seconds
  between being queued and its commit starting.

A listener must be quick and must not raise: it runs on the thread that did the work (a raising
listener is dropped from the call, never from the work).
"""

from __future__ import annotations

import threading
from collections.abc import Callable

Listener = Callable[..., None]

_listeners: tuple[Listener, ...] = ()
_lock = threading.Lock()


def add_listener(listener: Listener) -> None:
    """Call ``listener(event, **values)`` for every event from now on (once, however often
    it is added)."""
    global _listeners
    with _lock:
        if listener not in _listeners:
            _listeners = (*_listeners, listener)


def remove_listener(listener: Listener) -> None:
    """Stop calling ``listener``; nothing happens if it was not registered."""
    global _listeners
    with _lock:
        _listeners = tuple(known for known in _listeners if known != listener)


def emit(event: str, **values) -> None:
    """Tell every listener about ``event``; a listener's error never reaches the caller."""
    for listener in _listeners:  # a tuple, replaced whole: no lock on this path
        try:
            listener(event, **values)
        except Exception:  # watching must never break the work watched
            pass
