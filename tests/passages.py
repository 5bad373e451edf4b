"""Realistic Vietnamese text the repository ships: passages of the bundled Wikipedia sample.

The tests once took the first documents of the dev set (../shared/data/dev, not shippable):
paragraphs of ~800 characters. ``wiki_passages`` gives text of that shape from the sample
(indexer/store/sample_corpus, CC BY-SA 4.0): each article cut into passages of whole paragraphs
of at least PASSAGE_CHARS characters, ordered so that the first ones come from different
articles (the first passage of every article, then the second of every article, ...).
``questions`` are dev-set-like queries asked about passages that ``wiki_passages(n)`` does not
hold for small ``n``, with and without accents.
"""

from __future__ import annotations

import itertools
import json
import random
import re
from functools import lru_cache

from indexer.documents.model import Document
from indexer.language.normalize import fold
from tests.conftest import ROOT

SAMPLE = ROOT / "indexer" / "store" / "sample_corpus" / "viwiki-sample.jsonl"
PASSAGE_CHARS = 600
# Question endings of the kind the dev set's (UIT-ViQuAD) questions have.
ASKING = ["là gì?", "ở đâu?", "vào năm nào?", "là ai?", "như thế nào?", "bao nhiêu?", "khi nào?"]
_SENTENCE = re.compile(r"[^.!?\n]{40,}[.!?]")


@lru_cache(maxsize=4)
def _all_passages(chars: int = PASSAGE_CHARS) -> tuple[Document, ...]:
    with open(SAMPLE, encoding="utf-8") as lines:
        articles = [json.loads(line) for line in lines]
    per_article = [list(_cut(article, chars)) for article in articles]
    rounds = itertools.zip_longest(*per_article)
    return tuple(passage for row in rounds for passage in row if passage is not None)


def _cut(article: dict, chars: int) -> list[Document]:
    chunks, chunk = [], []
    for paragraph in article["body"].split("\n"):
        chunk.append(paragraph)
        if sum(map(len, chunk)) >= chars:
            chunks.append(chunk)
            chunk = []
    if chunk:
        chunks.append(chunk)
    return [
        Document(id=f"{article['id']}-{n}", title=article["title"], body="\n".join(chunk))
        for n, chunk in enumerate(chunks)
    ]


def wiki_passages(count: int, chars: int = PASSAGE_CHARS) -> list[Document]:
    """The first ``count`` passages (see the module docstring) of at least ``chars`` characters
    (but an article's last); each a ``Document`` with an id (``viwiki-00123-2``: the article's id
    and the passage's number), a title and a body."""
    passages = _all_passages(chars)
    assert count <= len(passages), f"the sample has {len(passages)} passages"
    return list(passages[:count])


def questions(count: int, skip: int, seed: int = 13) -> list[str]:
    """``count`` questions, each 4-10 words of a sentence of passage ``skip + k`` followed by a
    question ending (``... là gì?``); the second half the same questions folded (no accents)."""
    rng = random.Random(seed)
    asked = []
    for passage in _all_passages()[skip : skip + count]:
        sentences = _SENTENCE.findall(passage.body) or [passage.body]
        words = rng.choice(sentences).split()
        size = rng.randint(4, min(10, len(words))) if len(words) >= 4 else len(words)
        start = rng.randrange(len(words) - size + 1)
        asked.append(
            " ".join(words[start : start + size]).rstrip(".,;:") + " " + rng.choice(ASKING)
        )
    return asked + [fold(question) for question in asked]
