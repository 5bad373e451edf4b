"""Opening an index for searching reads its files; it must not copy them into the process.

With memory maps, Whoosh 2.7.4 copies every segment sub-file it opens into a BytesIO: 646 MB
per worker on the news corpus, before any search. Searchers use plain reads instead
(indexer.store.opening._ReadStorage), so opening a searcher costs a small, fixed amount of memory
whatever the size of the index.
"""

import tracemalloc

from indexer.searching.searchers import open_index
from indexer.store.build import write_documents
from tests.passages import wiki_passages

DOCUMENTS = 700


def test_opening_a_searcher_does_not_copy_the_index_into_memory(tmp_path):
    documents = wiki_passages(DOCUMENTS)
    write_documents(tmp_path, documents, workers=1)
    on_disk = sum(f.stat().st_size for f in tmp_path.iterdir() if f.suffix == ".seg")
    assert on_disk > 2_000_000  # big enough for a copy to show

    tracemalloc.start()
    try:
        index = open_index(tmp_path)
        searcher = index.searcher()
        searcher.doc_count()
        allocated, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    index.close()
    assert allocated < on_disk / 10, (allocated, on_disk)
