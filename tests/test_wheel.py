"""The wheel, installed in a fresh venv, serves the bundled sample from any folder.

The wheel is built (``pip wheel``) from a copy of the checkout, so that the build leaves nothing
in it, and installed with pip as the machine's pip is set up (its index, cache and wheel folders:
the README's install step reads the same); pip runs without the outside-reads hook and the
session's summary names it. The installed ``vietsearch`` then runs from a folder outside the
checkout, with a ``VIETSEARCH_HOME`` of its own: it must import the installed package, find the
sample corpus in it, build the sample's index in that home (nothing in site-packages), search it
and serve it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.outside_reads import without_hook
from tests.web_live import LiveServer

LEFT_OUT = shutil.ignore_patterns(
    ".git", ".venv", "__pycache__", "*.egg-info", "build", "bench", ".pytest_cache",
    ".ruff_cache", ".hypothesis", "test-artifacts",
)  # fmt: skip
PIP_TIMEOUT_S = 600
pytestmark = pytest.mark.slow  # pip installs numpy, scipy, scikit-learn...: 40-100 s


def run(command: list, cwd: Path, env: dict, timeout: float = 120) -> subprocess.CompletedProcess:
    """Run ``command``; fail the test with its output when it fails."""
    done = subprocess.run(
        [str(part) for part in command],
        cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout,
    )  # fmt: skip
    assert done.returncode == 0, (command, done.stdout[-2000:], done.stderr[-3000:])
    return done


def pip_environment() -> dict[str, str]:
    """This environment without the hook (pip reads its own index and cache) and without any
    vietsearch setting."""
    return {k: v for k, v in without_hook(os.environ).items() if not k.startswith("VIETSEARCH")}


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> dict:
    """A fresh venv with the wheel installed: {venv, wheel, seconds to build, to install}."""
    work = tmp_path_factory.mktemp("wheel")
    source, wheels, venv = work / "source", work / "wheels", work / "venv"
    shutil.copytree(ROOT, source, ignore=LEFT_OUT)
    env = pip_environment()
    started = time.monotonic()
    run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", wheels, source], work, env,
        PIP_TIMEOUT_S)  # fmt: skip
    built = time.monotonic()
    (wheel,) = wheels.glob("vietsearch-*.whl")
    run([sys.executable, "-m", "venv", venv], work, dict(os.environ))
    run([venv / "bin" / "python", "-m", "pip", "install", "-q", wheel], work, env, PIP_TIMEOUT_S)
    print(f"wheel built in {built - started:.1f} s, installed in {time.monotonic() - built:.1f} s")
    return {"venv": venv, "wheel": wheel, "work": work}


def user_environment(home: Path) -> dict[str, str]:
    """A user's environment: no vietsearch setting but its home; the session's hook kept."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("VIETSEARCH_")}
    return {**env, "VIETSEARCH_HOME": str(home)}


def test_the_wheel_holds_the_packages_and_the_sample_and_nothing_else(installed):
    names = zipfile.ZipFile(installed["wheel"]).namelist()
    tops = {name.split("/")[0] for name in names if not name.startswith("vietsearch-")}
    assert tops == {"indexer", "web"}
    assert "indexer/store/sample_corpus/viwiki-sample.jsonl" in names
    assert "indexer/store/sample_corpus/000_e74d3da79069b4c0.txt" in names
    assert "indexer/language/data/synonyms.txt" in names
    assert "web/templates/base.html" in names or any(n.startswith("web/templates/") for n in names)
    metadata = (
        zipfile.ZipFile(installed["wheel"])
        .read(next(n for n in names if n.endswith("entry_points.txt")))
        .decode()
    )
    assert "vietsearch = web.cli:main" in metadata


def test_the_installed_command_searches_the_sample_from_another_folder(installed, tmp_path):
    venv, elsewhere, home = installed["venv"], tmp_path / "elsewhere", tmp_path / "home"
    elsewhere.mkdir()
    env = user_environment(home)
    where = run([venv / "bin" / "python", "-c", "import indexer; print(indexer.__file__)"],
                elsewhere, env)  # fmt: skip
    assert Path(where.stdout.strip()).is_relative_to(venv)

    found = run([venv / "bin" / "vietsearch", "search", "--json", "Kon Tum"], elsewhere, env)
    page = json.loads(found.stdout)
    assert page["total"] >= 1 and page["hits"][0]["title"] == "Kon Tum"
    assert page["hits"][0]["url"] == "https://vi.wikipedia.org/wiki/Kon_Tum"
    assert "<mark>Kon Tum</mark>" in page["hits"][0]["snippet_html"]
    assert (home / "sample-index").is_dir()
    stats = run([venv / "bin" / "vietsearch", "stats", "--json"], elsewhere, env)
    assert json.loads(stats.stdout)["documents"] > 180
    site_packages = next((venv / "lib").glob("python3*/site-packages"))
    assert not list(site_packages.rglob("_MAIN_*.toc")), "an index was written into the venv"
    assert list(elsewhere.iterdir()) == []


def test_the_installed_command_serves_the_sample(installed, tmp_path):
    venv, home = installed["venv"], tmp_path / "home"
    (tmp_path / "elsewhere").mkdir()
    env = user_environment(home)
    run([venv / "bin" / "vietsearch", "search", "hà nội"], tmp_path / "elsewhere", env)
    program = (str(venv / "bin" / "vietsearch"), "serve")
    index = home / "sample-index"
    server = LiveServer.start(
        index, tmp_path / "server.log", workers=1, env={"VIETSEARCH_HOME": str(home)},
        program=program,
    )  # fmt: skip
    try:
        page = server.get("/api/search?q=ha+noi").json()
        assert page["total"] > 10 and page["hits"][0]["snippet_html"]
        assert server.get("/").status == 200
        assert "Hà Nội" in server.get("/api/suggest?q=ha+n").json()["completions"]
    finally:
        server.stop()
    assert "using the sample index" in server.log()
