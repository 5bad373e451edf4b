"""Rate limits per client address: 429 with Retry-After once a client goes over its limit.

Two settings, each ``N/second``, ``N/minute``, ``N/hour``, ``N/day`` or ``off``: ``RATE_LIMIT``
for reads (GET, HEAD, OPTIONS) and ``WRITE_RATE_LIMIT`` for everything else, counted
separately; from the environment they are ``VIETSEARCH_RATE_LIMIT`` and
``VIETSEARCH_WRITE_RATE_LIMIT``. A client may send N requests at once, then one every period/N
(the generic cell rate algorithm: one timestamp per client). Static assets and /healthz are not
limited.

A client is its address (an IPv6 client, its /64 network, which one machine may own whole). The
counts live in each worker process: with W workers, a client whose connections the kernel
spreads over all of them gets up to W times the limit. Behind a reverse proxy every request
comes from the proxy's address, so limit there instead (and set ``off`` here).
"""

from __future__ import annotations

import ipaddress
import math
import re
import threading
import time

from flask import Flask, current_app, request
from werkzeug.exceptions import TooManyRequests

DEFAULT_RATE_LIMIT = "120/minute"
DEFAULT_WRITE_RATE_LIMIT = "30/minute"
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
UNLIMITED_PATHS = ("/static/", "/healthz", "/metrics")
_PERIODS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}
_RATE = re.compile(r"\s*([0-9]{1,9})\s*/\s*(second|minute|hour|day)s?\s*", re.IGNORECASE)
_SWEEP_AT_LEAST = 1024


class RateLimit:
    """N requests per period for each client, in one process's memory; thread-safe."""

    def __init__(self, count: int, unit: str):
        self.count = count
        self.unit = unit
        self.period_s = _PERIODS[unit]
        self._interval = self.period_s / count
        self._due: dict[str, float] = {}  # when each client's allowance is whole again
        self._sweep_above = _SWEEP_AT_LEAST
        self._lock = threading.Lock()

    def wait_s(self, client: str, now: float | None = None) -> float:
        """Count one request from ``client``; return 0 if allowed, else seconds until it is."""
        now = time.monotonic() if now is None else now
        with self._lock:
            due = max(self._due.get(client, now), now)
            over = due + self._interval - now - self.period_s
            if over > 0:
                return over
            self._due[client] = due + self._interval
            if len(self._due) > self._sweep_above:
                self._sweep(now)
            return 0.0

    def __str__(self) -> str:
        return f"{self.count:,} per {self.unit}"

    def _sweep(self, now: float) -> None:
        # A client whose allowance is whole again is the same as one never seen.
        self._due = {client: due for client, due in self._due.items() if due > now}
        self._sweep_above = max(_SWEEP_AT_LEAST, 2 * len(self._due))


def parse_rate(setting: str, name: str) -> RateLimit | None:
    """``"120/minute"`` as a RateLimit, ``"off"`` as None; ValueError naming ``name`` otherwise."""
    text = str(setting).strip()
    if text.lower() == "off":
        return None
    match = _RATE.fullmatch(text)
    if not match or int(match[1]) == 0:
        raise ValueError(
            f"{name} must be N/second, N/minute, N/hour or N/day (N at least 1) or off; "
            f"got {text[:40]!r}"
        )
    return RateLimit(int(match[1]), match[2].lower())


def register_rate_limits(app: Flask) -> None:
    """Check the app's two settings now, and limit every request from then on."""
    app.extensions["vietsearch_limits"] = {
        "read": parse_rate(app.config["RATE_LIMIT"], "RATE_LIMIT"),
        "write": parse_rate(app.config["WRITE_RATE_LIMIT"], "WRITE_RATE_LIMIT"),
    }
    app.before_request(refuse_over_limit)


def refuse_over_limit() -> None:
    """Raise 429 with Retry-After (whole seconds) if this client is over its limit."""
    if request.path.startswith(UNLIMITED_PATHS):
        return
    kind = "read" if request.method in READ_METHODS else "write"
    limit = current_app.extensions["vietsearch_limits"][kind]
    if limit is None:
        return
    wait = limit.wait_s(client_key(request.remote_addr))
    if wait:
        seconds = max(1, math.ceil(wait))
        raise TooManyRequests(
            f"Too many {kind}s from your address (the limit is {limit}); try again in {seconds} s.",
            retry_after=seconds,
        )


def client_key(address: str | None) -> str:
    """Who is counted: the address, or for IPv6 its /64 network."""
    try:
        parsed = ipaddress.ip_address(address or "")
    except ValueError:
        return address or ""
    if parsed.version == 4:
        return str(parsed)
    if parsed.ipv4_mapped:
        return str(parsed.ipv4_mapped)
    return str(ipaddress.ip_network(f"{parsed}/64", strict=False))
