"""Shared fixtures: paths to the shared data, and small real indexes built in tmp_path."""

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
DEV = SHARED / "dev"
SEED_DIR = SHARED / "seed"
SEED_FILE = SEED_DIR / "000_e74d3da79069b4c0.txt"
SEED_TEXT = SEED_FILE.read_text(encoding="utf-8")
SEED_TITLE, _, SEED_BODY = SEED_TEXT.strip().partition("\n")
SEED_BODY = SEED_BODY.strip()
TEST_DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture(scope="session")
def corpus_index(tmp_path_factory):
    """A real index of the test corpus (tests/data/corpus) plus the seed article."""
    from indexer import build_index

    path = tmp_path_factory.mktemp("corpus_index")
    build_index([TEST_DATA / "corpus", SEED_DIR], path, workers=1)
    return path
