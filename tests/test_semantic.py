"""Embedders, vectors in the index and hybrid ranking, with a real model (all-MiniLM-L6-v2).

The model is English: these tests check the plumbing (the same text gives the same vector,
vectors follow their documents through merges, deletes and restarts, ratio 0 is the ranking
without vectors, ratio 1 the ranking by cosine), not the quality of Vietnamese results.
"""

# First: the model's environment (Hugging Face's caches in a temporary folder, no hub).
from tests.semantic_model import MODEL, load_test_embedder  # noqa: I001

import math
import shutil
import subprocess
import sys

import numpy as np
import pytest

from indexer import (
    Document,
    Filters,
    InvalidParameter,
    LiveWriter,
    build_index,
    delete_documents,
    nearest_documents,
    open_index,
    optimize,
    search,
)
from indexer.searching.meaning import index_vectors
from indexer.store.embedder_record import recorded_embedder
from tests.conftest import RATE_LIMITS_OFF, ROOT, SEED_DIR, TEST_DATA
from web import create_app

SOURCES = [TEST_DATA / "corpus", SEED_DIR]
QUERIES = ["hà nội", "bầu cử", "bóng đá", "ô nhiễm rác thải nhựa", "thời tiết", "ha noi metro"]


@pytest.fixture(scope="module")
def embedder():
    return load_test_embedder()


@pytest.fixture(scope="module")
def vector_index(tmp_path_factory, embedder):
    """The same sources as ``corpus_index`` (built without an embedder), with vectors."""
    path = tmp_path_factory.mktemp("vector_index")
    build_index(SOURCES, path, workers=1, embedder=embedder)
    return path


def vectors_by_id(path, embedder) -> dict[str, np.ndarray]:
    """Every live document's stored vector, by id, read from a freshly opened index."""
    index = open_index(path)
    searcher = index.searcher()
    matrix, present = index_vectors(searcher, embedder.fingerprint)
    found = {}
    for docnum, fields in searcher.iter_docs():
        assert present[docnum]
        found[fields["id"]] = matrix[docnum].copy()
    index.close()
    return found


def all_documents(path) -> list[dict]:
    index = open_index(path)
    documents = [fields for _, fields in index.searcher().iter_docs()]
    index.close()
    return documents


def test_the_same_text_gives_the_same_vector(embedder, vector_index):
    first = embedder.embed_documents(["Hồ Gươm"], ["Hà Nội mùa thu, gió heo may."])
    again = embedder.embed_documents(["Hồ Gươm"], ["Hà Nội mùa thu, gió heo may."])
    assert first.dtype == np.float32 and first.shape == (1, embedder.dimension)
    assert np.array_equal(first, again)
    assert math.isclose(float(np.linalg.norm(first[0])), 1.0, rel_tol=1e-5)
    # What the build's worker stored is what the model gives for that document.
    stored = vectors_by_id(vector_index, embedder)
    document = next(d for d in all_documents(vector_index) if d["id"] == "c01-ha-noi-ba-dinh")
    fresh = embedder.embed_documents([document["title"]], [document["body"]])[0]
    assert np.allclose(stored["c01-ha-noi-ba-dinh"], fresh, atol=1e-5)


def test_the_index_records_its_embedder(embedder, vector_index, corpus_index):
    record = recorded_embedder(vector_index)
    assert record == {
        "name": "model",
        "path": str(MODEL),
        "fingerprint": embedder.fingerprint,
        "dimension": 384,
    }
    assert recorded_embedder(corpus_index) is None
    assert not [p.name for p in corpus_index.iterdir() if "embedder" in p.name]


@pytest.mark.parametrize("query", QUERIES)
def test_ratio_zero_is_the_ranking_without_vectors(vector_index, corpus_index, query):
    plain = search(corpus_index, query, per_page=20)
    default = search(corpus_index, query, per_page=20, semantic_ratio=None)
    words_only = search(vector_index, query, per_page=20, semantic_ratio=0)
    for page in (plain, default, words_only):
        page.took_ms = 0
    # Hits, scores, snippets, facets, totals: bit for bit.
    assert words_only == plain and default == plain
    assert plain.total > 0


def brute_force_ranking(path, query: str) -> list[tuple[str, float]]:
    """Every document by the cosine of its text's vector with the query's, computed here with
    sentence-transformers itself."""
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(MODEL), device="cpu", local_files_only=True)
    documents = all_documents(path)
    texts = [f"{d['title']}\n{d['body']}" for d in documents]
    vectors = model.encode(texts, normalize_embeddings=True)
    wanted = model.encode([query], normalize_embeddings=True)[0]
    cosines = vectors @ wanted
    return sorted(
        ((d["id"], float(c)) for d, c in zip(documents, cosines, strict=True)),
        key=lambda pair: -pair[1],
    )


@pytest.mark.parametrize("query", ["bầu cử quốc hội", "football match"])
def test_ratio_one_is_the_ranking_by_cosine(vector_index, query):
    expected = brute_force_ranking(vector_index, query)
    page = search(vector_index, query, per_page=10, semantic_ratio=1)
    assert [hit.id for hit in page.hits] == [doc_id for doc_id, _ in expected[:10]]
    assert page.total == len(expected)  # every document has a vector, none filtered out
    low, high = expected[-1][1], expected[0][1]
    for hit, (_, cosine) in zip(page.hits, expected, strict=False):
        assert hit.score == round((cosine - low) / (high - low), 4)


def test_hybrid_ranking_fuses_both_sides_and_keeps_filters(vector_index):
    words = search(vector_index, "bầu cử", per_page=20, semantic_ratio=0)
    fused = search(vector_index, "bầu cử", per_page=20, semantic_ratio=0.5)
    assert {h.id for h in words.hits} < {h.id for h in fused.hits}  # meaning adds documents
    assert fused.hits[0].score <= 1.0
    assert [h.score for h in fused.hits] == sorted((h.score for h in fused.hits), reverse=True)
    only_meaning = [h for h in fused.hits if h.id not in {w.id for w in words.hits}]
    for hit in only_meaning:  # its leading text, unmarked
        assert "<mark>" not in hit.snippet_html and "<mark>" not in hit.title_html
        assert hit.snippet_html
    source = next(iter(fused.facets["source"]))
    filtered = search(
        vector_index, "bầu cử", per_page=20, semantic_ratio=0.5, filters=Filters(source=(source,))
    )
    assert filtered.hits and {h.source for h in filtered.hits} == {source}
    assert filtered.total == fused.facets["source"][source]
    newest = search(vector_index, "bầu cử", per_page=20, semantic_ratio=0.5, sort="newest")
    assert newest.total == fused.total
    days = [h.published for h in newest.hits if h.published]
    assert days == sorted(days, reverse=True)
    second = search(vector_index, "bầu cử", page=2, per_page=3, semantic_ratio=0.5)
    assert [h.id for h in second.hits] == [h.id for h in fused.hits[3:6]]


@pytest.mark.parametrize("ratio", [-0.1, 1.5, math.nan, math.inf, True, "0.5"])
def test_a_ratio_outside_zero_to_one_is_refused(vector_index, ratio):
    with pytest.raises(InvalidParameter, match="semantic_ratio must be a number from 0 to 1"):
        search(vector_index, "hà nội", semantic_ratio=ratio)


def test_meaning_on_an_index_without_vectors_is_refused(corpus_index):
    with pytest.raises(InvalidParameter, match="this index has none"):
        search(corpus_index, "hà nội", semantic_ratio=0.3)


def test_the_web_refuses_bad_ratios_with_400(vector_index, corpus_index):
    with_vectors = create_app({"TESTING": True, "INDEX": str(vector_index), **RATE_LIMITS_OFF})
    without = create_app({"TESTING": True, "INDEX": str(corpus_index), **RATE_LIMITS_OFF})
    for client, ratio, words in (
        (with_vectors.test_client(), "2", "from 0 to 1"),
        (with_vectors.test_client(), "abc", "from 0 to 1"),
        (without.test_client(), "0.5", "this index has none"),
    ):
        reply = client.get(f"/api/search?q=ha+noi&semantic_ratio={ratio}")
        assert reply.status_code == 400
        assert reply.json["error"]["code"] == "invalid_parameter"
        assert words in reply.json["error"]["message"]
    reply = with_vectors.test_client().get("/api/search?q=ha+noi&semantic_ratio=1")
    assert reply.status_code == 200 and reply.json["hits"]


def test_the_page_offers_the_ratio_only_with_vectors(vector_index, corpus_index):
    with_vectors = create_app({"TESTING": True, "INDEX": str(vector_index), **RATE_LIMITS_OFF})
    page = with_vectors.test_client().get("/search?q=ha+noi&semantic_ratio=0.5")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'name="semantic_ratio"' in html and '<option value="0.5" selected>' in html
    without = create_app({"TESTING": True, "INDEX": str(corpus_index), **RATE_LIMITS_OFF})
    html = without.test_client().get("/search?q=ha+noi").get_data(as_text=True)
    assert "semantic_ratio" not in html


def test_vectors_survive_merges_deletes_and_reopening(tmp_path, embedder):
    path = tmp_path / "index"
    build_index(SOURCES, path, workers=1, batch_size=4, merge=False, embedder=embedder)
    assert open_index(path).segment_count() > 1
    before = vectors_by_id(path, embedder)
    assert delete_documents(path, ["c07-bau-cu-da-nang"]) == 1
    optimize(path)
    index = open_index(path)
    assert index.segment_count() == 1 and index.deleted_count() == 0
    index.close()
    after = vectors_by_id(path, embedder)
    assert set(after) == set(before) - {"c07-bau-cu-da-nang"}
    for doc_id, vector in after.items():
        assert np.array_equal(vector, before[doc_id]), doc_id
    page = search(path, "bầu cử đà nẵng", per_page=50, semantic_ratio=1)
    assert "c07-bau-cu-da-nang" not in {h.id for h in page.hits}
    assert page.total == len(after)


def test_nearest_documents_exclude_the_document_itself(vector_index, embedder):
    index = open_index(vector_index)
    found = nearest_documents(index, "c01-ha-noi-ba-dinh", limit=3)
    searcher = index.searcher()
    ids = [searcher.stored_fields(docnum)["id"] for docnum, _ in found]
    assert len(ids) == 3 and "c01-ha-noi-ba-dinh" not in ids
    stored = vectors_by_id(vector_index, embedder)
    own = stored["c01-ha-noi-ba-dinh"]
    expected = sorted(
        ((i, float(v @ own)) for i, v in stored.items() if i != "c01-ha-noi-ba-dinh"),
        key=lambda pair: -pair[1],
    )
    assert ids == [i for i, _ in expected[:3]]
    allowed = np.zeros(searcher.doc_count_all(), dtype=bool)
    allowed[found[1][0]] = True
    assert [d for d, _ in nearest_documents(index, "c01-ha-noi-ba-dinh", 3, None, allowed)] == [
        found[1][0]
    ]
    assert nearest_documents(index, "no-such-document") == []
    for source in ("tuoitre", "vnexpress"):
        within = nearest_documents(index, "c01-ha-noi-ba-dinh", 20, Filters(source=(source,)))
        sources = {searcher.stored_fields(docnum)["source"] for docnum, _ in within}
        assert within and sources == {source}
    index.close()


def test_a_live_write_gets_a_vector_and_a_long_document_is_embedded(
    tmp_path, vector_index, embedder
):
    path = tmp_path / "index"
    shutil.copytree(vector_index, path)
    body = "Rừng ngập mặn Cần Giờ là lá phổi xanh của thành phố. " * 4000  # 212,000 characters
    # The embedder the index records; over the 500,000-character limit no document gets in.
    LiveWriter(path).replace([Document(id="rung", title="Cần Giờ", body=body)])
    stored = vectors_by_id(path, embedder)
    leading = embedder.embed_documents(["Cần Giờ"], [body[:4000]])[0]
    assert np.allclose(stored["rung"], leading, atol=1e-5)


def test_a_document_posted_over_the_web_gets_a_vector(tmp_path, vector_index, embedder):
    path = tmp_path / "index"
    shutil.copytree(vector_index, path)
    app = create_app(
        {"TESTING": True, "INDEX": str(path), "API_TOKEN": "t", "EMBEDDER": str(MODEL)}
        | RATE_LIMITS_OFF
    )
    body = '{"id": "moi", "title": "Quokka", "body": "A quokka visits Da Lat."}'
    reply = app.test_client().post(
        "/api/documents", data=body.encode(), headers={"Authorization": "Bearer t"}
    )
    assert reply.status_code in (200, 201), reply.get_data(as_text=True)
    stored = vectors_by_id(path, embedder)
    expected = embedder.embed_documents(["Quokka"], ["A quokka visits Da Lat."])[0]
    assert np.allclose(stored["moi"], expected, atol=1e-5)


def test_another_embedder_makes_build_embed_everything_again(tmp_path, vector_index):
    other = tmp_path / "other-model"
    shutil.copytree(MODEL, other)
    with open(other / "README.md", "a", encoding="utf-8") as readme:
        readme.write("\nA copy: the same weights, another fingerprint.\n")
    path = tmp_path / "index"
    shutil.copytree(vector_index, path)
    again = build_index(SOURCES, path, workers=1, embedder=load_embedder_from(other))
    assert again.indexed == len(all_documents(path)) and again.unchanged == 0
    assert recorded_embedder(path)["path"] == str(other)
    unchanged = build_index(SOURCES, path, workers=1, embedder=load_embedder_from(other))
    assert unchanged.indexed == 0


def load_embedder_from(folder):
    from indexer import load_embedder

    return load_embedder(folder)


def test_a_missing_model_folder_is_one_line_from_the_cli_and_the_server(tmp_path):
    missing = tmp_path / "no-model"
    done = subprocess.run(
        [sys.executable, "-m", "indexer", "build", str(SEED_DIR), "--index", str(tmp_path / "i")]
        + ["--embedder", str(missing)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        f"indexer: error: the embedder model folder {missing} cannot be used: no such folder"
    ]
    server = subprocess.run(
        [sys.executable, "-m", "web", "--index", str(tmp_path / "i"), "--embedder", str(missing)]
        + ["--port", "1"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert server.returncode == 1
    assert server.stderr.strip().splitlines()[-1] == (
        f"vietsearch: error: the embedder model folder {missing} cannot be used: no such folder"
    )
    assert len(server.stderr.strip().splitlines()) == 1


def test_the_server_setting_replaces_the_default_ratio(vector_index, corpus_index):
    def ids(app, url):
        reply = app.test_client().get(url)
        assert reply.status_code == 200, reply.get_data(as_text=True)
        return [hit["id"] for hit in reply.json["hits"]]

    config = {"TESTING": True, **RATE_LIMITS_OFF}
    by_meaning = create_app({**config, "INDEX": str(vector_index), "SEMANTIC_RATIO": "1"})
    plain = create_app({**config, "INDEX": str(vector_index)})
    query = "/api/search?q=b%E1%BA%A7u+c%E1%BB%AD&per_page=20"
    assert ids(by_meaning, query) == ids(plain, query + "&semantic_ratio=1")
    assert ids(by_meaning, query + "&semantic_ratio=0") == ids(plain, query + "&semantic_ratio=0")
    assert ids(by_meaning, query) != ids(plain, query + "&semantic_ratio=0")
    # An index without vectors: the setting does not apply (no 400 for every search).
    without = create_app({**config, "INDEX": str(corpus_index), "SEMANTIC_RATIO": "0.5"})
    assert ids(without, query) == ids(create_app({**config, "INDEX": str(corpus_index)}), query)
    with pytest.raises(ValueError, match="SEMANTIC_RATIO: semantic_ratio must be a number"):
        create_app({**config, "INDEX": str(vector_index), "SEMANTIC_RATIO": "2"})


def test_a_snapshot_keeps_the_vectors_and_the_embedder(tmp_path, vector_index, embedder):
    from indexer import restore, snapshot

    taken = tmp_path / "snapshot"
    snapshot(vector_index, taken)
    restored = tmp_path / "restored"
    restore(taken, restored)
    assert recorded_embedder(restored) == recorded_embedder(vector_index)
    before, after = vectors_by_id(vector_index, embedder), vectors_by_id(restored, embedder)
    assert before.keys() == after.keys()
    assert all(np.array_equal(before[i], after[i]) for i in before)
    query = "bầu cử quốc hội"
    assert [h.id for h in search(restored, query, semantic_ratio=1).hits] == [
        h.id for h in search(vector_index, query, semantic_ratio=1).hits
    ]


@pytest.mark.parametrize(
    "query, text",
    [
        ("bầu cử source:tuoitre", "bầu cử"),
        ('"hồ gươm" -category:the-thao OR hà nội', "hồ gươm hà nội"),
        ("-published:2020 bóng đá", "bóng đá"),
    ],
)
def test_the_query_is_embedded_without_its_filters_and_operators(query, text):
    from indexer.searching.hybrid import meaning_text

    assert meaning_text(query) == text


def test_similar_by_vectors_scores_every_document_for_the_related_documents_seam(
    vector_index, corpus_index
):
    from indexer.searching.meaning import similar_by_vectors

    index = open_index(vector_index)
    searcher = index.searcher()
    docnum = searcher.document_number(id="c01-ha-noi-ba-dinh")
    matches = similar_by_vectors(index, searcher, docnum)
    assert len(matches) == searcher.doc_count()  # itself included: the caller leaves it out
    best = [d for d, _ in matches.top(4) if d != docnum][:3]
    assert best == [d for d, _ in nearest_documents(index, "c01-ha-noi-ba-dinh", 3)]
    index.close()
    plain = open_index(corpus_index)
    with pytest.raises(InvalidParameter, match="this index has none"):
        similar_by_vectors(plain, plain.searcher(), 0)
    plain.close()


def test_a_real_server_searches_by_meaning_and_embeds_what_is_posted(
    tmp_path, vector_index, embedder
):
    """gunicorn's workers, forked after the master loaded the index's model, embed queries and
    posted documents (torch and numpy's BLAS on one thread each)."""
    import json
    import urllib.request
    from urllib.parse import quote

    from tests.conftest import NO_RATE_LIMITS
    from tests.web_live import LiveServer

    path = tmp_path / "index"
    shutil.copytree(vector_index, path)
    env = {**NO_RATE_LIMITS, "VIETSEARCH_API_TOKEN": "t"}
    server = LiveServer.start(path, tmp_path / "server.log", env=env)
    try:
        query = "bầu cử quốc hội"
        reply = server.get(f"/api/search?q={quote(query)}&semantic_ratio=1&per_page=5")
        assert reply.status == 200, reply.text
        expected = [h.id for h in search(vector_index, query, per_page=5, semantic_ratio=1).hits]
        assert [hit["id"] for hit in reply.json()["hits"]] == expected
        body = json.dumps({"id": "moi", "title": "Quokka", "body": "A quokka visits Da Lat."})
        request = urllib.request.Request(
            server.url("/api/documents"),
            data=body.encode(),
            method="POST",
            headers={"Authorization": "Bearer t", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=60) as posted:
            assert posted.status in (200, 201)
    finally:
        server.stop()
    stored = vectors_by_id(path, embedder)
    expected_vector = embedder.embed_documents(["Quokka"], ["A quokka visits Da Lat."])[0]
    assert np.allclose(stored["moi"], expected_vector, atol=1e-5)


def test_stats_name_the_embedder(vector_index, corpus_index):
    from indexer import index_stats

    assert index_stats(vector_index)["embedder"] == recorded_embedder(vector_index)
    assert index_stats(corpus_index)["embedder"] is None
    done = subprocess.run(
        [sys.executable, "-m", "indexer", "stats", "--index", str(vector_index)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0
    assert f"embedder: {MODEL} (384 dimensions)" in done.stdout.splitlines()


def test_the_build_workers_compute_the_same_vectors(tmp_path, vector_index, embedder):
    """Two forked worker processes (the model loaded in the parent first) give the vectors
    and passages one process gives."""
    path = tmp_path / "index"
    build_index(SOURCES, path, workers=2, batch_size=3, embedder=embedder)
    forked, single = vectors_by_id(path, embedder), vectors_by_id(vector_index, embedder)
    assert forked.keys() == single.keys()
    for doc_id, vector in forked.items():
        assert np.allclose(vector, single[doc_id], atol=1e-5), doc_id
    forked, single = passages_by_id(path), passages_by_id(vector_index)
    assert forked.keys() == single.keys()
    for doc_id, (spans, vectors) in forked.items():
        assert spans == single[doc_id][0] and spans, doc_id
        assert np.allclose(vectors, single[doc_id][1], atol=1e-3), doc_id  # float16


def test_related_documents_rank_by_vectors_when_the_index_has_them(vector_index, corpus_index):
    from indexer import Filters, similar_documents

    index = open_index(vector_index)
    doc_id = "c01-ha-noi-ba-dinh"
    nearest = nearest_documents(index, doc_id, 5)
    page = similar_documents(index, doc_id, per_page=5)
    searcher = index.searcher()
    assert [hit.id for hit in page.hits] == [searcher.stored_fields(d)["id"] for d, _ in nearest]
    assert [hit.score for hit in page.hits] == [round(score, 4) for _, score in nearest]
    assert doc_id not in [hit.id for hit in page.hits]
    assert page.total == searcher.doc_count() - 1  # every other document, ranked
    filtered = similar_documents(index, doc_id, filters=Filters(source=("tuoitre",)))
    assert filtered.total == 3  # the corpus's three from tuoitre, by their vectors
    assert all(hit.source == "tuoitre" for hit in filtered.hits)
    index.close()
    # The same document without vectors: by its significant terms, another ranking.
    plain = open_index(corpus_index)
    by_terms = similar_documents(plain, doc_id, per_page=5)
    assert [hit.score for hit in by_terms.hits] != [hit.score for hit in page.hits]
    plain.close()


# Three topics, two sentences each: about a passage's width apiece, so each is one passage.
BAKERY = (
    "The bakery on the corner sells fresh bread every morning before sunrise. "
    "Its queue starts early, and the rye loaves are gone by eight o'clock. "
)
FOOTBALL = (
    "Last night the football match ended with a late goal from the visiting striker. "
    "The home team's coach said his defenders lost their shape after the break. "
)
GARDEN = (
    "Gardeners in the city planted tulips along the river banks this spring. "
    "Volunteers watered the new beds while children painted small wooden signs. "
)


@pytest.fixture(scope="module")
def passages_index(tmp_path_factory, embedder):
    path = tmp_path_factory.mktemp("passages") / "index"
    LiveWriter(path, embedder=embedder).replace(
        [
            Document(id="mixed", title="Around town", body=BAKERY + FOOTBALL + GARDEN),
            Document(id="stocks", title="Markets", body="Share prices fell on Monday."),
        ]
    )
    return path


def test_a_first_write_with_an_embedder_makes_the_index_and_its_record(passages_index, embedder):
    assert recorded_embedder(passages_index) == embedder.record()
    assert open_index(passages_index).doc_count() == 2


def snippet_of(path, query: str, doc_id: str) -> str:
    page = search(path, query, semantic_ratio=1)
    return next(hit.snippet_html for hit in page.hits if hit.id == doc_id)


@pytest.mark.parametrize(
    "query, passage",
    [("soccer game score", FOOTBALL), ("blooming flowers gardening", GARDEN)],
)
def test_a_hit_found_by_meaning_alone_shows_its_best_passage_unmarked(
    passages_index, query, passage
):
    shown = snippet_of(passages_index, query, "mixed")
    assert "<mark>" not in shown  # no word of the query is in the document
    assert shown.startswith("…" + passage.split(".")[0])


def test_a_hit_the_words_found_keeps_its_marked_snippet(passages_index):
    shown = snippet_of(passages_index, "football striker", "mixed")
    assert "<mark>football</mark>" in shown and "<mark>striker</mark>" in shown
    assert snippet_of(passages_index, "soccer game score", "stocks") == (
        "Share prices fell on Monday."
    )


def passages_by_id(path) -> dict[str, tuple[list, np.ndarray]]:
    """Every live document's passages (ranges, vectors), by id, from the segments' files."""
    from indexer.semantic.vector_file import read_passages

    index = open_index(path)
    searcher = index.searcher()
    found = {}
    for leaf, offset in searcher.leaf_searchers():
        reader = leaf.reader()
        passages = read_passages(reader._segment, reader._storage)
        for docnum in reader.all_doc_ids():
            spans, vectors = passages.of(docnum)
            found[searcher.stored_fields(offset + docnum)["id"]] = (spans.tolist(), vectors.copy())
    index.close()
    return found


def test_passages_survive_merges_deletes_and_reopening(tmp_path, embedder):
    path = tmp_path / "index"
    build_index(SOURCES, path, workers=1, batch_size=4, merge=False, embedder=embedder)
    before = passages_by_id(path)
    assert all(spans for spans, _ in before.values())
    assert delete_documents(path, ["c07-bau-cu-da-nang"]) == 1
    optimize(path)
    after = passages_by_id(path)
    assert set(after) == set(before) - {"c07-bau-cu-da-nang"}
    for doc_id, (spans, vectors) in after.items():
        assert spans == before[doc_id][0], doc_id
        assert np.array_equal(vectors, before[doc_id][1]), doc_id


def test_passage_vectors_are_the_mean_of_the_tokens_the_model_read(embedder):
    body = BAKERY + FOOTBALL + "Word " * 2000  # the model reads about 256 tokens of it
    vectors, [(spans, passages)] = embedder.embed_with_passages(["Around town"], [body])
    assert np.allclose(vectors, embedder.embed_documents(["Around town"], [body]))
    assert spans.tolist()[:2] == [[0, len(BAKERY) - 1], [len(BAKERY), len(BAKERY + FOOTBALL) - 1]]
    assert 2 < len(spans) < 12  # the passages beyond what the model read get none
    assert np.allclose(np.linalg.norm(passages, axis=1), 1, atol=1e-5)
    alone = embedder.embed_query(FOOTBALL)
    assert int(np.argmax(passages @ alone)) == 1


def test_a_segment_written_before_passages_gives_the_leading_text(tmp_path, embedder):
    from indexer.store.commits import committing, open_or_create, replace_document
    from indexer.store.embedder_record import record_embedder
    from indexer.store.indexed_fields import analyse_documents

    path = tmp_path / "index"
    ix = open_or_create(path)
    record_embedder(path, embedder)
    [fields] = analyse_documents(
        [Document(id="mixed", title="Around town", body=BAKERY + FOOTBALL)], embedder
    )
    del fields["_passages"]  # what a version before passages wrote
    with committing(ix, timeout=10) as (writer, committed):
        replace_document(writer, committed, fields)
    assert snippet_of(path, "soccer game score", "mixed").startswith("The bakery on the corner")
