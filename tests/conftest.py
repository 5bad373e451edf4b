"""Shared fixtures: the test data (tests/data, nothing outside the repository), and small real
indexes built in tmp_path."""

# First: the check that no test reads outside the checkout (it also sets VIETSEARCH_HOME).
from tests.outside_reads import pytest_sessionfinish, pytest_terminal_summary  # noqa: F401, I001
from tests.outside_reads import without_hook

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TEST_DATA = Path(__file__).resolve().parent / "data"
SEED_DIR = TEST_DATA / "seed"  # the article the project was started from (../shared/data/seed)
SEED_FILE = SEED_DIR / "000_e74d3da79069b4c0.txt"
SEED_TEXT = SEED_FILE.read_text(encoding="utf-8")
SEED_TITLE, _, SEED_BODY = SEED_TEXT.strip().partition("\n")
SEED_BODY = SEED_BODY.strip()
RATE_LIMITS_OFF = {"RATE_LIMIT": "off", "WRITE_RATE_LIMIT": "off"}
NO_RATE_LIMITS = {f"VIETSEARCH_{name}": value for name, value in RATE_LIMITS_OFF.items()}


def debian_program(program: str, package: str) -> str:
    """The path of ``program``, installing Debian's ``package`` first when it is missing.

    The README's test command must work on a fresh machine that has only Python, so as root the
    package is installed with apt-get; anywhere else the test fails naming the package. Never a
    skip: a test that cannot run must not pass.
    """
    if shutil.which(program) is None and os.geteuid() == 0 and shutil.which("apt-get"):
        # Without the hook: a package's scripts run Debian's python3 from the root folder.
        env = {**without_hook(os.environ), "DEBIAN_FRONTEND": "noninteractive"}
        for command in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", package]):
            subprocess.run(command, env=env, check=True, capture_output=True, timeout=1200)
    path = shutil.which(program)
    if path is None:
        pytest.fail(f"{program} is missing: install Debian's {package} package (apt-get)")
    return path


@pytest.fixture(scope="session")
def corpus_index(tmp_path_factory):
    """A real index of the test corpus (tests/data/corpus) plus the seed article."""
    from indexer import build_index

    path = tmp_path_factory.mktemp("corpus_index")
    build_index([TEST_DATA / "corpus", SEED_DIR], path, workers=1)
    return path


@pytest.fixture(scope="session")
def sample_index(tmp_path_factory):
    """A real index of the test corpus plus the bundled sample (indexer/store/sample_corpus: the
    seed article and 186 Wikipedia articles): a vocabulary big enough to correct typos against."""
    from indexer import build_index
    from indexer.store.sample import SAMPLE_CORPUS

    path = tmp_path_factory.mktemp("sample_index")
    build_index([TEST_DATA / "corpus", SAMPLE_CORPUS], path, workers=1)
    return path


# --- web: the Flask app over the test corpus, and a real `python -m web` server ---------------


@pytest.fixture
def app(corpus_index):
    """The web app over the test corpus index, without rate limits (see test_hardening_server)."""
    from web import create_app

    return create_app({"TESTING": True, "INDEX": str(corpus_index), **RATE_LIMITS_OFF})


@pytest.fixture
def client(app):
    """A Flask test client for ``app``."""
    return app.test_client()


@pytest.fixture
def runner(app):
    """A runner for the app's Flask CLI commands."""
    return app.test_cli_runner()


@pytest.fixture(scope="session")
def live_server(corpus_index, tmp_path_factory):
    """``python -m web`` with two workers on a free port, over a copy of the test corpus index.

    Shared by the end-to-end and browser tests; tests that add documents use words no other
    test searches for. Rate limits are off: every test sends from 127.0.0.1
    (tests/test_hardening_server.py starts its own server to test them).
    """
    import shutil

    from tests.web_live import LiveServer

    index_dir = tmp_path_factory.mktemp("live") / "index"
    shutil.copytree(corpus_index, index_dir)
    server = LiveServer.start(
        index_dir, tmp_path_factory.mktemp("live_log") / "server.log", env=NO_RATE_LIMITS
    )
    yield server
    server.stop()
