"""Reloading the settings of ``web.settings`` while the server runs.

``POST /api/admin/reload`` (behind the API token) reads and checks the settings file and the
synonym file now: 400 ``invalid_settings`` with every problem (``file:line: why``) and nothing
changed, or 200 and the new settings in force in this worker at once and in every other worker
within a second. ``SIGHUP`` to the server's master process does the same check there
(``web.server.production``), logging the problems, and never restarts a worker.

Workers follow the run folder's numbered copies: before a request, at most once a second, a
worker looks for a newer copy and applies it. A rate limit that did not change keeps its
counts.
"""

from __future__ import annotations

import threading
import time

from flask import Blueprint, Flask, current_app, jsonify

from web import metrics
from web.errors import ApiError
from web.settings import (
    RELOADABLE,
    Checked,
    SettingsRefused,
    check_settings,
    current_generation,
    load_published,
    publish,
)

FOLLOW_INTERVAL_S = 1.0

bp = Blueprint("reload", __name__)


def load_settings(app: Flask) -> None:
    """Put the settings file's values (or, in a server's worker, the newest checked copy) into
    ``app.config``, over the environment's; ``SettingsRefused`` if the file has problems.

    From then on the worker looks for newer checked settings before every request, ahead of
    every other check: a client the old rate limit refuses must meet the new one.
    """
    base = {name: app.config.get(name) for name in (*RELOADABLE, "SETTINGS")}
    app.extensions["vietsearch_settings_base"] = base
    run_dir = app.config.get("RUN_DIR")
    generation = current_generation(run_dir) if run_dir else 0
    if generation:
        checked = load_published(run_dir, generation)
        copy = run_dir and f"{run_dir}/settings/{generation}/synonyms.txt"
        app.config.update(checked.values, SYNONYMS=copy if checked.values["SYNONYMS"] else None)
    elif base["SETTINGS"]:
        app.config.update(check_settings(base).values)
    app.extensions["vietsearch_settings_state"] = {
        "generation": generation,
        "checked_at": time.monotonic(),
        "lock": threading.Lock(),
    }
    app.before_request(follow_settings)


def register_reload(app: Flask) -> None:
    """Add POST /api/admin/reload."""
    app.register_blueprint(bp)


@bp.post("/api/admin/reload")
def reload():
    """Check the settings files now; use them if they pass, else say why (400)."""
    try:
        checked = check_settings(current_app.extensions["vietsearch_settings_base"])
    except SettingsRefused as exc:
        _count("refused")
        for problem in exc.problems:
            current_app.logger.error("settings reload refused: %s", problem)
        message = "The settings were not changed: " + "; ".join(exc.problems)
        raise ApiError(400, "invalid_settings", message, problems=exc.problems) from None
    run_dir = current_app.config.get("RUN_DIR")
    if run_dir:
        publish(run_dir, checked)
    apply(current_app, checked)
    _count("applied")
    return jsonify(checked.summary())


def follow_settings() -> None:
    """Apply the run folder's newest checked settings if this worker does not have them yet."""
    app = current_app._get_current_object()
    state = app.extensions["vietsearch_settings_state"]
    run_dir = app.config.get("RUN_DIR")
    now = time.monotonic()
    if not run_dir or now - state["checked_at"] < FOLLOW_INTERVAL_S:
        return
    if not state["lock"].acquire(blocking=False):
        return  # another thread of this worker is at it
    try:
        state["checked_at"] = now
        generation = current_generation(run_dir)
        if generation > state["generation"]:
            try:
                apply(app, load_published(run_dir, generation))
            except (OSError, ValueError) as exc:  # keep what is in force
                state["generation"] = generation
                app.logger.error("could not apply settings %d: %s", generation, exc)
    finally:
        state["lock"].release()


def apply(app: Flask, checked: Checked) -> None:
    """Use ``checked`` from the next request on."""
    limits = app.extensions["vietsearch_limits"]
    app.extensions["vietsearch_limits"] = {
        kind: limits.get(kind) if _same(limits.get(kind), new) else new
        for kind, new in checked.limits.items()
    }
    app.extensions["vietsearch_synonyms"] = checked.synonyms
    app.config.update(RATE_LIMIT=checked.values["RATE_LIMIT"])
    app.config.update(WRITE_RATE_LIMIT=checked.values["WRITE_RATE_LIMIT"])
    state = app.extensions["vietsearch_settings_state"]
    state["generation"] = max(state["generation"], checked.generation)
    app.logger.info("settings in force: %s", checked.summary())


def _same(old, new) -> bool:
    if old is None or new is None:
        return old is new
    return (old.count, old.unit) == (new.count, new.unit)


def _count(outcome: str) -> None:
    if current_app.extensions.get("vietsearch_metrics"):
        metrics.process_metrics().reloads.labels(outcome).inc()
