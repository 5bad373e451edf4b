"""The production server: gunicorn, configured in code, with a worker that reads request heads
itself so slow clients never hold a thread (``connections``)."""

from web.server.gunicorn import main

__all__ = ["main"]
