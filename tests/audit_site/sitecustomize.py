"""Records every file or folder a Python process opens outside the places it may read.

The test session (tests/outside_reads.py) installs this in its own process and puts this folder
on PYTHONPATH, so that every Python process the tests start (``python -m web`` and its gunicorn
workers, ``python -m indexer``, the wheel's ``vietsearch``, pip) imports it at start-up as
``sitecustomize`` and records the same way. Hooks added with ``sys.addaudithook`` cannot be
removed; each process appends to its own file in ``$OUTSIDE_READS_LOG``: a ``start`` line when
the hook is installed, then one ``outside`` line per path the first time it is met.

A path may be read when it lies under the checkout, this process's Python (its venv, its
installation, its site-packages), the temporary folder, a system folder (``SYSTEM_ROOTS``), or
a root listed in ``$OUTSIDE_READS_ALLOW``. Everything else is recorded, whether or not it exists:
the attempt is the fault.
"""

from __future__ import annotations

import json
import os
import re
import site
import sys
import tempfile
import threading

LOG_ENV = "OUTSIDE_READS_LOG"
ALLOW_ENV = "OUTSIDE_READS_ALLOW"
# Read by any program: the system's libraries, settings, devices and the kernel's views.
SYSTEM_ROOTS = ("/usr", "/lib", "/lib64", "/bin", "/sbin", "/etc", "/proc", "/sys", "/dev")
# Audit events that read a path (their first argument), and those that start programs.
PATH_EVENTS = frozenset({"open", "os.listdir", "os.scandir", "glob.glob", "glob.glob/2"})
SPAWN_EVENTS = frozenset({"subprocess.Popen", "os.exec", "os.posix_spawn", "os.spawn"})


class Auditor:
    """The audit hook of one process: which paths it met outside, and how many it checked."""

    def __init__(self, allowed: list[str], log_path: str | None):
        self.allowed = tuple(sorted({_real(root) for root in allowed if root}))
        self.log_path = log_path
        self.checked = 0
        self.outside: dict[str, str] = {}  # path -> the event that met it first
        self._decided: dict[str, bool] = {}
        self._busy = threading.local()

    def __call__(self, event: str, args: tuple) -> None:
        """The hook: check the paths an event reads, and the paths given to a program."""
        if event not in PATH_EVENTS and event not in SPAWN_EVENTS:
            return
        if getattr(self._busy, "now", False):
            return  # our own log write
        self._busy.now = True
        try:
            if event in PATH_EVENTS:
                self.check(args[0] if args else None, event)
            else:
                for argument in _program_paths(event, args):
                    self.check(argument, f"{event} argument")
                self._note_unaudited(event, args)
        except Exception as error:  # never break the call audited: record the failure instead
            self._write({"error": f"{event}: {error!r}"})
        finally:
            self._busy.now = False

    def check(self, path, event: str) -> None:
        """Record ``path`` if it lies outside every allowed root."""
        if isinstance(path, bytes):
            path = os.fsdecode(path)
        if not isinstance(path, (str, os.PathLike)):
            return  # a file descriptor, or None (the current folder, checked at chdir)
        path = os.fspath(path)
        self.checked += 1
        inside = self._decided.get(path)
        if inside is None:
            inside = self._decided[path] = self.is_allowed(path)
        if not inside and path not in self.outside:
            self.outside[path] = event
            self._write({"outside": _real(path), "event": event})

    def _note_unaudited(self, event: str, args: tuple) -> None:
        """A program started with an environment that leaves the hook out (pip installing the
        wheel's dependencies, say) is not audited: say so, so that the summary names it."""
        env = args[3] if event == "subprocess.Popen" and len(args) > 3 else None
        if event in ("os.exec", "os.posix_spawn") and len(args) > 2:
            env = args[2]
        if isinstance(env, dict) and LOG_ENV not in env and os.fsencode(LOG_ENV) not in env:
            argv = args[1] if len(args) > 1 else ()
            words = [os.fsdecode(a) if isinstance(a, bytes) else str(a) for a in argv or ()]
            self._write({"unaudited": " ".join(words)[:200]})

    def is_allowed(self, path: str) -> bool:
        """Whether ``path`` (relative to the current folder) lies under an allowed root."""
        real = _real(path.split("*", 1)[0] or ".")  # a glob pattern: its fixed start
        return any(real == root or real.startswith(root.rstrip("/") + "/") for root in self.allowed)

    def start(self) -> None:
        """Install the hook and say so in the log."""
        sys.addaudithook(self)
        self._write({"start": os.getpid(), "argv": sys.argv, "executable": sys.executable})

    def _write(self, record: dict) -> None:
        if not self.log_path:
            return
        self._busy.now = True
        try:
            line = json.dumps(record, ensure_ascii=False) + "\n"
            descriptor = os.open(self.log_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            try:
                os.write(descriptor, line.encode("utf-8"))
            finally:
                os.close(descriptor)
        finally:
            self._busy.now = False


def default_roots() -> list[str]:
    """The roots every process may read: its Python, the temporary folder, the system's."""
    roots = [sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix]
    roots += site.getsitepackages() + [site.getusersitepackages(), tempfile.gettempdir()]
    return roots + list(SYSTEM_ROOTS)


def _program_paths(event: str, args: tuple) -> list[str]:
    """The arguments of a program start that name a path: absolute, climbing with .. or from
    the home folder, as a word (an awk or sh program is not a path; a path with spaces is
    missed) or as the value of an ``--option=``, and that exists: a program cannot read what is
    not there, and words shaped like paths are not always paths (openssl's ``-subj /CN=nats``)."""
    if event == "os.spawn":
        argv = args[2] if len(args) > 2 else ()
    else:
        argv = args[1] if len(args) > 1 else ()
    if isinstance(argv, (str, bytes, os.PathLike)):
        argv = [argv]
    found = []
    for argument in argv or ():
        argument = os.fsdecode(argument) if isinstance(argument, bytes) else str(argument)
        value = argument.partition("=")[2] if argument.startswith("-") else argument
        if (value.startswith(("/", "../", "~")) or value == "..") and not _SPACE.search(value):
            if os.path.lexists(os.path.expanduser(value)):
                found.append(os.path.expanduser(value))
    return found


_SPACE = re.compile(r"\s")


def _real(path: str) -> str:
    return os.path.realpath(os.path.abspath(path))


def install_from_environment() -> Auditor | None:
    """In a process the tests started: install the hook when the session asked for it."""
    log_folder = os.environ.get(LOG_ENV)
    if not log_folder:
        return None
    allowed = default_roots() + os.environ.get(ALLOW_ENV, "").split(os.pathsep)
    auditor = Auditor(allowed, os.path.join(log_folder, f"{os.getpid()}.jsonl"))
    auditor.start()
    return auditor


AUDITOR = install_from_environment()
