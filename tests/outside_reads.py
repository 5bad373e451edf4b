"""The session-wide check that the tests read nothing outside the checkout.

Imported by tests/conftest.py before anything else, it installs an audit hook (see
tests/audit_site/sitecustomize.py) in the pytest process and, through PYTHONPATH and two
variables, in every Python process the tests start. At the end of the session every path that
any of them opened or listed outside the allowed places fails the session (exit status 1), named
with the process that read it; either way one line says what was checked:

    outside reads: none (48,213 paths checked here, 97 more processes audited)

Audit hooks cannot be removed, and there is no switch to turn this off. ``.ci/run`` also fails
when the line is missing from the log. A command started with an environment that leaves the
hook out is named in the log and counted in that line (the wheel test's pip, which reads its
package index and cache as the README's install step does, and apt-get, whose package scripts
run Debian's python3 from the root folder). What it cannot see: programs that
are not Python (wrk, chromium, apt-get) are checked only for the paths on their command line,
and C code that opens files without Python's ``open`` (none of our dependencies does for data).
"""

from __future__ import annotations

import importlib.util
import json
import os
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SITE = Path(__file__).resolve().parent / "audit_site"


def _hook_module():
    spec = importlib.util.spec_from_file_location(
        "tests_outside_reads_hook", SITE / "sitecustomize.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


HOOK = _hook_module()
LOGS = Path(tempfile.mkdtemp(prefix="outside-reads-"))
# Where vietsearch keeps its own files (the sample index) during the tests: not the user's.
HOME = Path(tempfile.mkdtemp(prefix="vietsearch-home-"))
ALLOWED = [str(ROOT), str(HOME)]


def install() -> None:
    """Install the hook here, and ask every Python process started from now on to do the same."""
    os.environ[HOOK.LOG_ENV] = str(LOGS)
    os.environ[HOOK.ALLOW_ENV] = os.pathsep.join(ALLOWED)
    os.environ["PYTHONPATH"] = os.pathsep.join(
        [str(SITE), *filter(None, [os.environ.get("PYTHONPATH")])]
    )
    os.environ["VIETSEARCH_HOME"] = str(HOME)


def without_hook(environment: dict[str, str]) -> dict[str, str]:
    """``environment`` without the hook, for a program that reads the system's files as the
    README's install steps do (pip, apt-get and the maintainer scripts it runs, Debian's
    python3 among them, from the root folder). It is named in the summary, not audited."""
    hook = {HOOK.LOG_ENV, HOOK.ALLOW_ENV, "PYTHONPATH"}
    return {k: v for k, v in environment.items() if k not in hook}


# Its log is a file too: processes forked from this one (multiprocessing) write to it.
AUDITOR = HOOK.Auditor(HOOK.default_roots() + ALLOWED, str(LOGS / f"{os.getpid()}.jsonl"))
install()
AUDITOR.start()


def processes() -> tuple[int, dict[str, str], list[str]]:
    """(how many processes were audited, {path read outside: the process that read it}, the
    commands run without the hook)."""
    started, outside, unaudited = 0, {}, []
    for log in sorted(LOGS.glob("*.jsonl")):
        records = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
        argv = next((" ".join(r["argv"]) for r in records if "start" in r), log.stem)
        started += sum("start" in r for r in records)
        unaudited += [r["unaudited"] for r in records if "unaudited" in r]
        for record in records:
            if "error" in record:  # the hook could not check a call: nothing may be assumed
                outside.setdefault(f"(hook failed: {record['error']})", f"in `{argv[:120]}`")
            if "outside" in record:
                outside.setdefault(record["outside"], f"{record['event']} in `{argv[:120]}`")
    return started, outside, unaudited


def findings() -> tuple[str, dict[str, str], list[str]]:
    """The summary line, every path read outside with where it was met, and the commands run
    without the hook."""
    started, outside, unaudited = processes()
    checked = f"{AUDITOR.checked:,} paths checked here, {started - 1} more processes audited"
    if unaudited:
        checked += f", {len(unaudited)} commands run without the hook (listed above)"
    if not outside:
        return f"outside reads: none ({checked})", outside, unaudited
    line = f"outside reads: {len(outside)} paths outside the checkout ({checked})"
    return line, outside, unaudited


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session) -> None:
    """Fail the session when anything was read outside the checkout."""
    found = session.config.stash[_FINDINGS] = findings()
    if found[1]:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter, config: pytest.Config) -> None:
    """Say what was checked, in one line, and name every path read outside."""
    line, outside, unaudited = config.stash.get(_FINDINGS, None) or findings()
    for command in unaudited:
        terminalreporter.write_line(f"outside reads: not audited: {command}")
    for path, where in sorted(outside.items()):
        terminalreporter.write_line(f"outside reads: {path}  ({where})", red=True)
    terminalreporter.write_line(line, red=bool(outside), green=not outside)


_FINDINGS = pytest.StashKey[tuple]()
