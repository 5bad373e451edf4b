"""Related documents (``similar_documents``) and a document with a query's words marked
(``marked_document``), on small real indexes of the tests' own documents."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest

from indexer import (
    DocumentNotFound,
    Filters,
    InvalidParameter,
    VietsearchError,
    build_index,
    delete_documents,
    marked_document,
    open_index,
    search,
    similar_documents,
)
from tests.conftest import SEED_DIR, TEST_DATA
from tests.test_empty_index import KINDS, make_index

# Two documents about one thing (durian exports) the test corpus never mentions, and one with no
# word worth looking for (function words, numbers, single letters).
DURIAN = [
    {
        "id": "sau-rieng/xuat-khau",
        "title": "Sầu riêng Đắk Lắk xuất khẩu sang Trung Quốc tăng mạnh",
        "body": "Nông dân Đắk Lắk thu hoạch sầu riêng sớm để kịp xuất khẩu.\n\n"
        "Giá sầu riêng tại vườn tăng cao nhờ đơn hàng xuất khẩu chính ngạch.",
        "source": "baodaklak",
        "category": "kinh-te",
        "published": "2023-06-01T08:00:00+07:00",
    },
    {
        "id": "sau-rieng/gia-vuon",
        "title": "Giá sầu riêng tại vườn ở Đắk Lắk lập đỉnh",
        "body": "Thương lái thu mua sầu riêng Đắk Lắk để xuất khẩu; nông dân phấn khởi vì "
        "sầu riêng được giá.",
        "source": "baodaklak",
        "category": "kinh-te",
        "published": "2023-07-15T08:00:00+07:00",
    },
    {
        "id": "nothing-to-say",
        "title": "Và là của",
        "body": "1 2 3 và của là a b c 2023",
    },
]


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("similar")
    records = folder / "durian.jsonl"
    records.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in DURIAN) + "\n")
    build_index([TEST_DATA / "corpus", SEED_DIR, records], folder / "index", workers=1)
    return folder / "index"


@pytest.fixture(scope="module")
def index(index_dir):
    opened = open_index(index_dir)
    yield opened
    opened.close()


def every_similar(index, doc_id: str, **options) -> list[str]:
    return [hit.id for hit in similar_documents(index, doc_id, per_page=100, **options).hits]


def test_the_obviously_related_document_comes_first_and_the_document_itself_never(index):
    page = similar_documents(index, "sau-rieng/xuat-khau", per_page=3)
    assert page.hits[0].id == "sau-rieng/gia-vuon"
    assert page.query == "" and page.page == 1 and page.per_page == 3 and len(page.hits) <= 3
    assert "sau-rieng/xuat-khau" not in every_similar(index, "sau-rieng/xuat-khau")
    assert every_similar(index, "sau-rieng/gia-vuon")[0] == "sau-rieng/xuat-khau"


def test_hits_have_the_shape_of_search_hits(index):
    (found,) = [h for h in similar_documents(index, "sau-rieng/xuat-khau").hits[:1]]
    (searched,) = search(index, '"lập đỉnh"').hits
    assert found.__dataclass_fields__ == searched.__dataclass_fields__
    assert (found.title, found.url, found.source, found.published) == (
        "Giá sầu riêng tại vườn ở Đắk Lắk lập đỉnh",
        "",
        "baodaklak",
        "2023-07-15",
    )
    assert "<mark>" not in found.title_html + found.snippet_html
    assert found.snippet_html.startswith("Thương lái thu mua")


def test_a_seed_like_article_finds_its_neighbour_in_the_corpus(index):
    # The seed article and c01 are the two texts about Ba Đình, Hà Nội.
    assert every_similar(index, "c01-ha-noi-ba-dinh")[0] == "000_e74d3da79069b4c0"


def test_total_paging_and_facets_cover_the_whole_result_set(index):
    first = similar_documents(index, "c01-ha-noi-ba-dinh", per_page=2)
    second = similar_documents(index, "c01-ha-noi-ba-dinh", page=2, per_page=2)
    every = every_similar(index, "c01-ha-noi-ba-dinh")
    assert [h.id for h in first.hits + second.hits] == every[:4]
    assert first.total == len(every) == second.total
    assert sum(first.facets["source"].values()) <= first.total


def test_filters_apply_as_in_a_search(index):
    by_source = every_similar(index, "sau-rieng/xuat-khau", filters=Filters(source=("tuoitre",)))
    assert by_source and "sau-rieng/gia-vuon" not in by_source
    tuoitre = {h.id for h in search(index, "source:tuoitre", per_page=100).hits}
    assert set(by_source) <= tuoitre
    july = Filters(published_from=dt.date(2023, 7, 1), published_to=dt.date(2023, 7, 31))
    assert every_similar(index, "sau-rieng/xuat-khau", filters=july) == ["sau-rieng/gia-vuon"]
    june = Filters(published_from=dt.date(2023, 6, 1), published_to=dt.date(2023, 6, 30))
    assert every_similar(index, "sau-rieng/gia-vuon", filters=june) == ["sau-rieng/xuat-khau"]
    assert every_similar(index, "sau-rieng/gia-vuon", filters=Filters(category=("x",))) == []


@pytest.mark.parametrize(
    "options",
    [
        {"per_page": 0},
        {"per_page": 101},
        {"page": 0},
        {"page": 10_001},
        {"filters": Filters(published_from=dt.date(2024, 1, 2), published_to=dt.date(2024, 1, 1))},
    ],
)
def test_paging_and_filters_are_checked_like_a_search(index, options):
    with pytest.raises(InvalidParameter):
        similar_documents(index, "c01-ha-noi-ba-dinh", **options)


@pytest.mark.parametrize("doc_id", ["none-such", "", "C01-HA-NOI-BA-DINH", "sau-rieng"])
def test_an_unknown_id_is_document_not_found(index, doc_id):
    with pytest.raises(DocumentNotFound) as caught:
        similar_documents(index, doc_id)
    assert isinstance(caught.value, VietsearchError) and isinstance(caught.value, LookupError)
    assert repr(doc_id) in str(caught.value)


def test_a_document_without_significant_terms_gives_an_empty_page(index):
    page = similar_documents(index, "nothing-to-say")
    assert (page.total, page.hits) == (0, [])


def test_a_path_works_like_an_opened_index(index_dir):
    assert every_similar(index_dir, "sau-rieng/xuat-khau")[0] == "sau-rieng/gia-vuon"


def test_a_deleted_document_is_not_found_and_never_related(index_dir, tmp_path):
    copy = tmp_path / "index"
    shutil.copytree(index_dir, copy)
    opened = open_index(copy)
    assert "sau-rieng/gia-vuon" in every_similar(opened, "sau-rieng/xuat-khau")
    assert delete_documents(copy, ["sau-rieng/gia-vuon"]) == 1
    with pytest.raises(DocumentNotFound):
        similar_documents(opened, "sau-rieng/gia-vuon")
    assert "sau-rieng/gia-vuon" not in every_similar(opened, "sau-rieng/xuat-khau")
    opened.close()


@pytest.mark.parametrize("kind", KINDS)
def test_an_empty_index_has_no_document_to_be_like(kind, tmp_path):
    empty = open_index(make_index(kind, tmp_path / "index"))
    with pytest.raises(DocumentNotFound):
        similar_documents(empty, "c01-ha-noi-ba-dinh")
    with pytest.raises(DocumentNotFound):
        marked_document(empty, "c01-ha-noi-ba-dinh", "ha noi")
    empty.close()


# --- marked_document: the document page's text ------------------------------------------------


def test_a_folded_query_marks_the_accented_words_in_the_title_and_every_paragraph(index):
    document = marked_document(index, "c01-ha-noi-ba-dinh", "ba dinh ha noi")
    assert document.title_html == "Quận <mark>Ba Đình</mark> chỉnh trang hè phố quanh hồ Trúc Bạch"
    assert len(document.paragraphs_html) == 4
    first, _, _, last = document.paragraphs_html
    assert first.startswith("Ủy ban nhân dân quận <mark>Ba Đình</mark>, thành phố <mark>Hà Nội")
    assert "Sau quận <mark>Ba Đình</mark>, <mark>Hà Nội</mark> dự kiến" in last
    assert "&quot;Đi bộ buổi sáng" in last  # the text is escaped, the marks are not


def test_marks_follow_the_search_rules(index):
    # Accents typed mark that exact form only where the document has it; typos are corrected.
    exact = marked_document(index, "sau-rieng/xuat-khau", "sầu riêng")
    assert exact.title_html.startswith("<mark>Sầu riêng</mark> Đắk Lắk")
    corrected = marked_document(index, "sau-rieng/xuat-khau", "sau rieg")
    assert corrected.title_html.startswith("<mark>Sầu riêng</mark>")


def test_without_a_query_nothing_is_marked_and_the_fields_are_the_stored_ones(index):
    document = marked_document(index, "sau-rieng/xuat-khau")
    assert "<mark>" not in document.title_html + "".join(document.paragraphs_html)
    assert document.paragraphs_html == [
        "Nông dân Đắk Lắk thu hoạch sầu riêng sớm để kịp xuất khẩu.",
        "Giá sầu riêng tại vườn tăng cao nhờ đơn hàng xuất khẩu chính ngạch.",
    ]
    stored = index.document("sau-rieng/xuat-khau")
    assert {k: v for k, v in document.to_dict().items() if k in stored} == stored


def test_marked_document_refuses_what_search_refuses(index):
    with pytest.raises(VietsearchError):
        marked_document(index, "c01-ha-noi-ba-dinh", "x" * 10_000)


def test_the_significant_terms_are_words_and_syllables_of_the_topic(index):
    from indexer.searching.similar import STOP_SYLLABLES, significant_terms

    searcher = index.searcher()
    durian = significant_terms(searcher, index.document("sau-rieng/xuat-khau"))
    assert ("fold_bigrams", "sau rieng") in [(f, t) for f, t, _ in durian]
    # sầu folds to sau (after), in most documents: only the pair says sầu riêng.
    assert {"rieng", "dak", "lak"} <= {t for f, t, _ in durian if f == "body_fold"}
    seed = significant_terms(searcher, index.document("000_e74d3da79069b4c0"))
    syllables = {t for f, t, _ in seed if f == "body_fold"}
    assert ("fold_bigrams", "ba dinh") in [(f, t) for f, t, _ in seed]
    assert syllables and not syllables & {"xv", "xxvi", "2021", "la", "cua", "va"}
    assert all(len(t) > 1 and t.replace(" ", "").isalpha() for _, t, _ in seed)
    assert not {t for f, t, _ in seed if f == "body_fold"} & STOP_SYLLABLES
    assert len(syllables) <= 25 and len(seed) <= 50
    scores = [s for _, _, s in seed]
    assert scores == sorted(scores, reverse=True)
