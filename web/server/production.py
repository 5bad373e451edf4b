"""What ``python -m web`` adds to gunicorn for production: a run folder, metrics of every
worker, counts flushed at exit, and settings reloaded on SIGHUP without restarting a worker.

The run folder (a fresh temporary folder per server, removed when it stops) holds
``metrics/``, where each worker's Prometheus values live (``PROMETHEUS_MULTIPROC_DIR``, set
before any worker starts), and ``settings/``, the numbered copies of checked settings that
workers follow (``web.settings``, ``web.reload``).

gunicorn's own SIGHUP starts new workers with a fresh app, which would fail to boot on a bad
synonym file and stop the server; here SIGHUP checks the settings in the master instead, and
only settings that pass reach the workers.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

from gunicorn.arbiter import Arbiter

from web.settings import SettingsRefused, check_settings, merged_config, publish

MULTIPROCESS_DIR = "PROMETHEUS_MULTIPROC_DIR"


def make_run_folder() -> Path:
    """A fresh run folder, with the metrics folder named in the environment for the workers."""
    run_dir = Path(tempfile.mkdtemp(prefix="vietsearch-run-"))
    (run_dir / "metrics").mkdir()
    os.environ[MULTIPROCESS_DIR] = str(run_dir / "metrics")
    return run_dir


def remove_run_folder(run_dir: Path) -> None:
    """Remove the run folder when the server stops."""
    shutil.rmtree(run_dir, ignore_errors=True)
    if os.environ.get(MULTIPROCESS_DIR) == str(run_dir / "metrics"):
        del os.environ[MULTIPROCESS_DIR]


def publish_settings(app_config: dict, run_dir: Path) -> dict:
    """Check the reloadable settings and keep them as the run folder's next copy; return what
    is in force. ``SettingsRefused`` if they do not pass."""
    checked = check_settings(merged_config(app_config))
    publish(run_dir, checked)
    return checked.summary()


def worker_hooks() -> dict:
    """gunicorn settings: forget dead workers' live metrics; write analytics at a worker's exit."""
    return {"child_exit": forget_worker, "worker_exit": flush_counts}


def forget_worker(server, worker) -> None:
    """gunicorn's child_exit, in the master: the worker's live gauges go."""
    from web.prometheus import mark_process_dead  # the master sets the folder first

    mark_process_dead(worker.pid)


def flush_counts(server, worker) -> None:
    """gunicorn's worker_exit, in the worker: write the analytics counts still in memory."""
    app = getattr(worker, "wsgi", None)
    recorder = getattr(app, "extensions", {}).get("vietsearch_analytics")
    if recorder is not None:
        recorder.close()


class SettingsArbiter(Arbiter):
    """gunicorn's master, whose SIGHUP reloads the checked settings (see the module)."""

    def handle_hup(self) -> None:
        """Check the settings files; publish them for the workers, or log why not."""
        self.log.info("Hang up: checking the settings again")
        try:
            summary = publish_settings(self.app.app_config, Path(self.app.app_config["RUN_DIR"]))
        except SettingsRefused as exc:
            for problem in exc.problems:
                self.log.error("settings reload refused: %s", problem)
            self.log.error("the settings in force stay as they were")
            _count_reload("refused")
            return
        self.log.info("settings reloaded; every worker uses them within a second: %s", summary)
        _count_reload("applied")


def run_master(application) -> None:
    """``BaseApplication.run`` with ``SettingsArbiter``."""
    try:
        SettingsArbiter(application).run()
    except RuntimeError as exc:
        print(f"\nError: {exc}\n", file=sys.stderr)
        sys.exit(1)


def _count_reload(outcome: str) -> None:
    from web.metrics import process_metrics

    process_metrics().reloads.labels(outcome).inc()
