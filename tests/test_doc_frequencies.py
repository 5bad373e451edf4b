"""Document frequencies looked up in batches (``ArrayTermsReader.doc_frequencies``, and
``Vocabulary`` over every segment) give exactly what Whoosh's ``doc_frequency`` gives, term by
term: held terms, missing ones, terms of exactly eight bytes and longer ones that share them."""

import itertools

import pytest

from indexer.codec import terms_reader
from indexer.codec.terms import FEW_TERMS
from indexer.documents.files import read_documents
from indexer.searching import vocabulary as vocabulary_module
from indexer.searching.searchers import open_index
from indexer.searching.vocabulary import Vocabulary
from indexer.store.build import write_documents
from tests.conftest import TEST_DATA

FIELDS = ["body", "body_fold", "title", "fold_bigrams", "completions"]


@pytest.fixture(scope="module")
def reader(tmp_path_factory):
    path = tmp_path_factory.mktemp("frequencies")
    documents = list(read_documents([TEST_DATA / "corpus"], print))
    write_documents(path, documents, batch_size=5, workers=1, merge=False)  # three segments
    index = open_index(path)
    yield index.searcher().reader()
    index.close()


def _asked(reader, field: str) -> list[str]:
    """Every term of the field, and near misses of each: one letter more, one less."""
    held = [t.decode("utf-8") for t in reader.lexicon(field)]
    near = [variant for t in held for variant in (t + "a", t[:-1], t + " x")]
    return held + near + ["", "zzzzzzzz", "ha noi chinh thuc zz"]


@pytest.mark.parametrize("field", FIELDS)
def test_one_segment_in_a_batch_as_whoosh_term_by_term(reader, field):
    leaves = [leaf for leaf, _ in reader.leaf_readers()]
    assert len(leaves) == 3
    asked = _asked(reader, field)
    for leaf in leaves:
        batch = terms_reader(leaf).doc_frequencies(field, [t.encode("utf-8") for t in asked])
        assert batch.tolist() == [leaf.doc_frequency(field, t) for t in asked]


@pytest.mark.parametrize("field", FIELDS)
def test_small_batches_one_term_at_a_time_as_whoosh(reader, field):
    """Up to ``FEW_TERMS`` terms are looked up one by one, not by the arrays: the same counts."""
    leaf = reader.leaf_readers()[0][0]
    asked = _asked(reader, field)
    for size in range(1, FEW_TERMS + 2):
        for first in range(0, len(asked), 7 * size):
            batch = asked[first : first + size]
            found = terms_reader(leaf).doc_frequencies(field, [t.encode("utf-8") for t in batch])
            assert found.tolist() == [leaf.doc_frequency(field, t) for t in batch]


@pytest.mark.parametrize("field", FIELDS)
def test_every_segment_summed_as_whoosh(reader, field):
    asked = _asked(reader, field)
    found = Vocabulary(reader).frequencies((field,), asked)
    assert found == {t: reader.doc_frequency(field, t) for t in asked}


def test_eight_byte_terms_and_longer_ones_sharing_their_bytes(reader):
    terms = [t.decode() for t in reader.lexicon("fold_bigrams")]
    sharing = [
        (a, b)
        for a, b in itertools.pairwise(sorted(terms, key=str.encode))
        if len(a.encode()) == 8 and b.encode().startswith(a.encode())
    ]
    assert sharing, "the corpus should hold an 8-byte pair that starts a longer one"
    asked = [t for pair in sharing for t in pair]
    assert Vocabulary(reader).frequencies(("fold_bigrams",), asked) == {
        t: reader.doc_frequency("fold_bigrams", t) for t in asked
    }


def test_a_field_the_segment_lacks_holds_nothing(reader):
    leaf = reader.leaf_readers()[0][0]
    assert terms_reader(leaf).doc_frequencies("no_such_field", [b"ha", b"noi"]).tolist() == [0, 0]


def test_a_batch_that_makes_the_memory_forget_still_answers_whole(reader, monkeypatch):
    # Forgetting used to happen between reading the remembered terms and answering, so the
    # terms of a batch that were remembered came back as held by no document.
    monkeypatch.setattr(vocabulary_module, "MAX_REMEMBERED", 5)
    fields = ("title", "body")  # a group no other test asks, so nothing of it is remembered
    held = [t.decode("utf-8") for t in reader.lexicon("title")][:20]
    vocabulary = Vocabulary(reader)
    vocabulary.frequencies(fields, held[:10])
    found = vocabulary.frequencies(fields, held)
    assert found == {
        t: max(reader.doc_frequency("title", t), reader.doc_frequency("body", t)) for t in held
    }
    assert all(found.values())


@pytest.mark.parametrize("field", FIELDS)
def test_the_terms_of_a_prefix_as_whooshs_expand_prefix(reader, field):
    prefixes = ["", "h", "ha", "ha n", "nguy", "đ", "zzzz"]
    prefixes += sorted({t.decode("utf-8")[:3] for t in reader.lexicon(field)})[:40]
    for prefix in prefixes:
        whooshs = [t.decode("utf-8") for t in reader.expand_prefix(field, prefix)]
        expected = {t: reader.doc_frequency(field, t) for t in whooshs}
        assert Vocabulary(reader).prefixed((field,), prefix, 10_000) == expected
    # At most ``limit`` terms a segment, the first in order.
    leaf = next(leaf for leaf, _ in reader.leaf_readers())
    terms, dfs = terms_reader(leaf).prefixed(field, b"", 3)
    assert terms == list(itertools.islice(leaf.lexicon(field), 3))
    assert dfs.tolist() == [leaf.doc_frequency(field, t) for t in terms]


def test_every_term_of_a_field_read_in_order_across_chunks(reader):
    from indexer.codec.terms import TERMS_CHUNK

    leaf = next(leaf for leaf, _ in reader.leaf_readers())
    table = terms_reader(leaf)._table.field("body")
    assert table.count > TERMS_CHUNK + 1  # more than one chunk
    every = list(table.terms_from(0))
    assert every == [table.term(i) for i in range(table.count)]
    assert list(table.terms_from(TERMS_CHUNK - 1))[:2] == every[TERMS_CHUNK - 1 : TERMS_CHUNK + 1]
    assert list(table.terms_from(table.count)) == []
