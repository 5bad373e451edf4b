"""The check that no test reads outside the checkout (tests/outside_reads.py) sees what it must.

A probe process gets the session's hook through PYTHONPATH, as every process the tests start
does, but writes to a log of its own, so that what it reads on purpose here does not fail the
session.
"""

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.outside_reads import AUDITOR, HOME, HOOK, without_hook

OUTSIDE = ROOT.parent / "outside-reads-probe" / "data.txt"  # need not exist: trying is the fault

# The paths come in a variable: on the command line, this session would find them (and fail).
PROBE = """
import glob, os
paths = os.environ["PROBE_PATHS"].split(os.pathsep)
for path in paths:
    try:
        open(path).close()
    except OSError:
        pass
try:
    os.listdir(os.path.dirname(paths[0]))
except OSError:
    pass
glob.glob(os.path.dirname(paths[0]) + "/*.txt")
"""


@pytest.mark.parametrize(
    "path, allowed",
    [
        (ROOT / "README.md", True),
        (ROOT / "tests" / "data" / "seed", True),
        (Path(tempfile.gettempdir()) / "x", True),
        (HOME / "sample-index" / "_MAIN_1.toc", True),
        (Path(sys.prefix) / "lib", True),
        (Path("/proc/self/status"), True),
        (Path("/etc/hosts"), True),
        (ROOT.parent / "shared" / "data" / "seed" / "000_e74d3da79069b4c0.txt", False),
        (ROOT / ".." / "shared", False),
        (Path.home() / ".config" / "x", Path.home().is_relative_to(tempfile.gettempdir())),
        (Path("/opt/x"), False),
        (Path("/var/lib/x"), False),
    ],
)
def test_which_paths_may_be_read(path, allowed):
    assert AUDITOR.is_allowed(str(path)) is allowed


def test_a_link_to_outside_counts_as_outside(tmp_path):
    link = tmp_path / "link"
    link.symlink_to(ROOT.parent)
    assert not AUDITOR.is_allowed(str(link / "shared"))
    assert AUDITOR.is_allowed(str(tmp_path / "plain"))


def test_a_relative_path_is_taken_from_the_current_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    assert AUDITOR.is_allowed("tests/conftest.py")
    assert not AUDITOR.is_allowed("../shared/data")


@pytest.mark.parametrize(
    "event, args, named",
    [
        ("subprocess.Popen", ("cat", ["cat", "{d}/data.txt"], None, None), ["{d}/data.txt"]),
        ("subprocess.Popen", ("x", ["x", "--file=../y", "-v", "z"], None, None), ["../y"]),
        ("os.posix_spawn", ("/bin/ls", ["ls", "/"], {}), ["/"]),
        ("os.exec", ("/usr/bin/python3", ["python3", "-c", "1"], {}), []),
        ("subprocess.Popen", ("awk", ["awk", "/^x$/ {exit}", "{d}/a"], None, None), ["{d}/a"]),
        # Not there, so nothing can be read from it: an X.509 subject, a path that does not exist.
        ("subprocess.Popen", ("openssl", ["openssl", "-subj", "/CN=nats"], None, None), []),
        ("subprocess.Popen", ("cat", ["cat", "{d}/missing"], None, None), []),
    ],
)
def test_paths_on_a_command_line_are_checked(event, args, named, tmp_path, monkeypatch):
    folder = tmp_path / "work"
    folder.mkdir()
    for name in ("data.txt", "a"):
        (tmp_path / name).write_text("x", encoding="utf-8")
    (tmp_path / "y").write_text("x", encoding="utf-8")
    monkeypatch.chdir(folder)  # so ../y is tmp_path/y, which exists

    def placed(value):
        if isinstance(value, list):
            return [placed(v) for v in value]
        return value.replace("{d}", str(tmp_path)) if isinstance(value, str) else value

    args = tuple(placed(a) for a in args)
    assert HOOK._program_paths(event, args) == placed(named)


def test_a_started_python_process_records_what_it_reads_outside(tmp_path):
    logs = tmp_path / "logs"
    logs.mkdir()
    inside = ROOT / "README.md"
    probed = os.pathsep.join(map(str, [OUTSIDE, inside, tmp_path / "t"]))
    # The session's PYTHONPATH and allowed roots, another log.
    env = {**os.environ, HOOK.LOG_ENV: str(logs), "PROBE_PATHS": probed}
    subprocess.run([sys.executable, "-c", PROBE], env=env, check=True, timeout=60)

    (log,) = logs.glob("*.jsonl")
    records = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    assert records[0]["start"] > 0 and records[0]["argv"][0] == "-c"
    outside = {(r["outside"], r["event"]) for r in records if "outside" in r}
    folder = str(OUTSIDE.parent.resolve())
    assert outside == {
        (str(OUTSIDE.resolve()), "open"),
        (folder, "os.listdir"),
        (folder + "/*.txt", "glob.glob"),
    }


def test_the_hook_in_this_process_is_installed_and_counting():
    before = AUDITOR.checked
    (ROOT / "pyproject.toml").read_bytes()
    assert AUDITOR.checked > before
    assert os.environ["PYTHONPATH"].split(os.pathsep)[0] == str(ROOT / "tests" / "audit_site")


def test_apt_get_runs_without_the_hook_as_its_package_scripts_read_the_root_folder(tmp_path):
    # Installing chromium runs py3compile, which runs "python3 -m py_compile -" from the root
    # folder: with the hook, the search for the module lists "/" and failed the session (CI,
    # 2026-12-03, on a machine without chromium). apt-get is given an environment without it.
    logs = tmp_path / "logs"
    logs.mkdir()
    command = [sys.executable, "-m", "py_compile", "-"]
    hooked = {**os.environ, HOOK.LOG_ENV: str(logs)}
    subprocess.run(command, cwd="/", env=hooked, input="", text=True, check=True, timeout=60)
    (log,) = logs.glob("*.jsonl")
    records = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    assert ("/", "os.listdir") in {(r["outside"], r["event"]) for r in records if "outside" in r}
    log.unlink()
    plain = without_hook(hooked)
    subprocess.run(command, cwd="/", env=plain, input="", text=True, check=True, timeout=60)
    assert list(logs.iterdir()) == []
