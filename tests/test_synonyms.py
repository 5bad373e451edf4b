"""Abbreviations and synonyms: the shipped dictionary, query expansion, snippets, user files.

The documents below are written for these tests and indexed with the real indexer; every search
goes through ``indexer.search``.
"""

import json
import re
from importlib import resources

import pytest

from indexer import build_index, open_index, search
from indexer.cli import main
from indexer.language.normalize import fold
from indexer.language.segmentation import segment
from indexer.language.synonyms import (
    MAX_VARIANT_SYLLABLES,
    SynonymError,
    Synonyms,
    builtin_synonyms,
    load_synonyms,
    parse_rules,
    read_rules,
)

DOCUMENTS = [
    ("s01-ubnd-ha-noi", "UBND TP Hà Nội ban hành kế hoạch phòng dịch",
     "UBND TP Hà Nội vừa ban hành kế hoạch phòng, chống dịch trong mùa lễ hội. Các quận, huyện "
     "phải báo cáo kết quả trước ngày 30/6."),
    ("s02-uy-ban-ha-noi", "Hà Nội họp về giải phóng mặt bằng",
     "Sáng 12/4, Ủy ban nhân dân thành phố Hà Nội họp với các sở, ngành về giải phóng mặt bằng "
     "đường Vành đai 4. Ban tổ chức cho biết người dân được mời dự và góp ý."),
    ("s03-ubnd-quang-nam", "Quảng Nam khắc phục hậu quả mưa lũ",
     "UBND tỉnh Quảng Nam chỉ đạo các địa phương khắc phục hậu quả mưa lũ, sửa chữa trường học "
     "trước năm học mới."),
    ("s04-metro-tphcm", "Metro số 1 của TP.HCM chạy thử",
     "Tuyến metro Bến Thành - Suối Tiên của TP.HCM chạy thử toàn tuyến, dự kiến khai thác thương "
     "mại cuối năm."),
    ("s05-xe-buyt", "Thêm tuyến xe buýt điện",
     "Thành phố Hồ Chí Minh mở thêm ba tuyến xe buýt điện nối trung tâm với các khu đô thị mới."),
    ("s06-gia-nha", "TPHCM: giá nhà tiếp tục tăng",
     "Giá căn hộ ở TPHCM tăng trong quý I/2021, nguồn cung mới khan hiếm."),
    ("s07-hu-tieu", "Tiếng gõ hủ tiếu trong đêm Sài Gòn",
     "Gánh hủ tiếu gõ vẫn đi qua những con hẻm Sài Gòn mỗi đêm."),
    ("s08-bac-ho", "Học tập tư tưởng Hồ Chí Minh",
     "Chi bộ tổ chức học tập và làm theo tư tưởng, đạo đức, phong cách Hồ Chí Minh."),
    ("s09-ban-ghe", "Bàn ghế mới cho học sinh vùng cao",
     "Nhà trường nhận bàn ghế, sách vở; phụ huynh và nhân viên cùng dân bản dựng lại lớp học."),
    ("s10-uy-ban-nghe-an", "Ủy ban nhân dân tỉnh Nghệ An công bố quy hoạch",
     "Tỉnh công bố quy hoạch vùng ven biển đến năm 2030."),
    ("s11-duong-sat", "Tuyến đường sắt đô thị số 2 khởi công",
     "Tuyến đường sắt đô thị số 2 Nam Thăng Long - Trần Hưng Đạo khởi công sau nhiều năm chờ."),
]  # fmt: skip
HA_NOI = {"s01-ubnd-ha-noi", "s02-uy-ban-ha-noi"}
CITY = {"s04-metro-tphcm", "s05-xe-buyt", "s06-gia-nha"}


@pytest.fixture(scope="module")
def index_path(tmp_path_factory):
    folder = tmp_path_factory.mktemp("synonym_corpus")
    lines = [
        json.dumps({"id": i, "title": t, "body": b}, ensure_ascii=False) for i, t, b in DOCUMENTS
    ]
    (folder / "docs.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    path = tmp_path_factory.mktemp("synonym_index")
    build_index([folder], path, workers=1)
    return path


@pytest.fixture(scope="module")
def index(index_path):
    return open_index(index_path)


@pytest.fixture
def user_file(tmp_path):
    path = tmp_path / "synonyms.txt"
    path.write_text(
        "# our own\nĐSĐT, đường sắt đô thị\nmetro => đường sắt đô thị  # one way\n",
        encoding="utf-8",
    )
    return path


def ids(page):
    return [hit.id for hit in page.hits]


def found(index, query, **options):
    return set(ids(search(index, query, per_page=100, **options)))


# --- expansion in both directions, with and without accents ---------------------------------------


@pytest.mark.parametrize(
    "query", ["UBND Hà Nội", "ubnd ha noi", "Ủy ban nhân dân Hà Nội", "uy ban nhan dan ha noi"]
)
def test_abbreviation_and_long_form_find_the_same_documents(index, query):
    assert found(index, query) == HA_NOI


def test_without_the_dictionary_each_form_finds_only_itself(index):
    assert found(index, "UBND Hà Nội", synonyms=Synonyms()) == {"s01-ubnd-ha-noi"}
    assert found(index, "Ủy ban nhân dân Hà Nội", synonyms=Synonyms()) == {"s02-uy-ban-ha-noi"}


@pytest.mark.parametrize(
    "query",
    ["tphcm", "TPHCM", "TP.HCM", "tp hcm", "Tp. HCM", "TP Hồ Chí Minh", "thanh pho ho chi minh"],
)
def test_every_spelling_of_the_city_finds_the_others(index, query):
    assert found(index, query) == CITY  # not Sài Gòn (s07), not the president (s08)


def test_sai_gon_finds_the_city_but_not_the_other_way(index):
    assert found(index, "sài gòn") == CITY | {"s07-hu-tieu"}
    assert ids(search(index, "sai gon"))[0] == "s07-hu-tieu"
    assert "s07-hu-tieu" not in found(index, "TP.HCM")


@pytest.mark.parametrize(
    ("query", "first"),
    [
        ("UBND Hà Nội", "s01-ubnd-ha-noi"),
        ("ubnd ha noi", "s01-ubnd-ha-noi"),
        ("Ủy ban nhân dân Hà Nội", "s02-uy-ban-ha-noi"),
        ("tphcm", "s06-gia-nha"),
        ("TP.HCM", "s04-metro-tphcm"),
        ("Thành phố Hồ Chí Minh", "s05-xe-buyt"),
    ],
)
def test_the_form_typed_ranks_above_another_form(index, query, first):
    assert ids(search(index, query))[0] == first


def test_an_abbreviation_also_finds_its_long_form_in_titles(index):
    assert found(index, "UBND") == HA_NOI | {"s03-ubnd-quang-nam", "s10-uy-ban-nghe-an"}
    assert found(index, "title:UBND") == {"s01-ubnd-ha-noi", "s10-uy-ban-nghe-an"}


def test_excluding_an_abbreviation_excludes_its_long_form_too(index):
    assert found(index, "họp", synonyms=Synonyms()) == {"s02-uy-ban-ha-noi"}
    assert found(index, "họp -UBND", synonyms=Synonyms()) == {"s02-uy-ban-ha-noi"}
    assert found(index, "họp -UBND") == set()


def test_an_excluded_word_also_excludes_the_first_match(index):
    # Whoosh's AndNot skipped this check when the excluded word's first document (s01) came
    # before the first match (s02); see indexer.searching._AndNotMatcher.
    assert found(index, "họp -hà") == set()
    assert found(index, "họp -(ubnd OR họp)") == set()


def test_quoted_phrases_are_taken_literally(index):
    assert found(index, '"UBND"') == {"s01-ubnd-ha-noi", "s03-ubnd-quang-nam"}


# --- ordinary words ----------------------------------------------------------------------------


@pytest.mark.parametrize("query", ["Hồ Chí Minh", "ban", "bàn ghế", "nhân dân", "dân", "quý"])
def test_ordinary_words_find_what_they_found_without_the_dictionary(index, query):
    assert ids(search(index, query, per_page=100)) == ids(
        search(index, query, per_page=100, synonyms=Synonyms())
    )


@pytest.mark.parametrize(
    "text",
    [
        "ai",  # AI (trí tuệ nhân tạo) is left out: "ai" is a word
        "vật",  # VAT: vật, vắt
        "vat",
        "ca",  # CA (công an): cá, ca
        "tư",  # TƯ (Trung ương)
        "Mỹ thuật",  # Mỹ is not expanded to Hoa Kỳ
        "hồ chí minh",  # the president as often as the city
        "thành phố",
        "ủy bàn nhân dân",  # bàn is not the dictionary's ban
        "bàn",
        "đồng",
        "tp",
    ],
)
def test_ordinary_words_are_not_expanded(text):
    assert builtin_synonyms().find(segment(text).syllables) == []


# --- snippets -------------------------------------------------------------------------------------


def hit(page, doc_id):
    return next(h for h in page.hits if h.id == doc_id)


@pytest.mark.parametrize(
    ("query", "marks"),
    [("UBND", ["Ủy ban nhân dân"]), ("ubnd ha noi", ["Ủy ban nhân dân", "Hà Nội"])],
)
def test_snippets_mark_the_long_form_an_abbreviation_matched(index, query, marks):
    snippet = hit(search(index, query), "s02-uy-ban-ha-noi").snippet_html
    assert "Sáng 12/4, <mark>Ủy ban nhân dân</mark> thành phố" in snippet
    # "Ban tổ chức" and "người dân" in the same passage are other words: not marked.
    assert re.findall(r"<mark>(.*?)</mark>", snippet) == marks


def test_titles_mark_the_long_form_too(index):
    title = hit(search(index, "UBND"), "s10-uy-ban-nghe-an").title_html
    assert title == "<mark>Ủy ban nhân dân</mark> tỉnh Nghệ An công bố quy hoạch"


def test_snippets_mark_each_spelling_of_the_city(index):
    page = search(index, "tphcm")
    assert "<mark>TP.HCM</mark>" in hit(page, "s04-metro-tphcm").snippet_html
    assert "<mark>Thành phố Hồ Chí Minh</mark>" in hit(page, "s05-xe-buyt").snippet_html
    assert "<mark>TPHCM</mark>" in hit(page, "s06-gia-nha").snippet_html


def test_snippets_mark_an_abbreviation_found_by_its_long_form(index):
    page = search(index, "Ủy ban nhân dân Hà Nội")
    assert hit(page, "s01-ubnd-ha-noi").title_html.startswith("<mark>UBND</mark> TP <mark>Hà Nội")


def test_a_plain_query_marks_only_its_own_words(index):
    snippet = hit(search(index, "ban"), "s02-uy-ban-ha-noi").snippet_html
    assert "Ủy <mark>ban</mark> nhân dân" in snippet
    assert re.findall(r"<mark>(.*?)</mark>", snippet) == ["ban", "Ban"]


# --- a deployment's own dictionary ----------------------------------------------------------------


def test_own_entries_apply_to_the_same_index_without_a_rebuild(index, user_file):
    assert found(index, "ĐSĐT") == set()
    mine = load_synonyms(user_file)
    assert found(index, "ĐSĐT", synonyms=mine) == {"s11-duong-sat"}
    assert found(index, "dsdt", synonyms=mine) == {"s11-duong-sat"}
    assert found(index, "metro", synonyms=mine) == {"s04-metro-tphcm", "s11-duong-sat"}
    assert found(index, "đường sắt đô thị", synonyms=mine) == {"s11-duong-sat"}
    assert found(index, "UBND Hà Nội", synonyms=mine) == HA_NOI  # the shipped entries stay
    assert found(index, "UBND Hà Nội", synonyms=load_synonyms(user_file, builtin=False)) == {
        "s01-ubnd-ha-noi"
    }


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("UBND", "'UBND' is one variant; a line lists two or more"),
        ("UBND,, Ủy ban nhân dân", "an empty variant"),
        ("UBND, Ủy ban nhân dân,", "an empty variant"),
        ("Sài Gòn => TP.HCM => TPHCM", 'more than one "=>"'),
        ("=> TP.HCM", 'nothing before "=>"'),
        ("Sài Gòn =>", 'nothing after "=>"'),
        ("UBND, ---", "'---' has no letters or digits"),
        ("HN, " + "Hà Nội " * 9, f"has 18 syllables; the limit is {MAX_VARIANT_SYLLABLES}"),
    ],
)
def test_a_malformed_line_is_reported_with_file_and_line(tmp_path, line, problem):
    path = tmp_path / "mine.txt"
    path.write_text(f"# header\n\nĐSĐT, đường sắt đô thị\n{line}\n", encoding="utf-8")
    with pytest.raises(SynonymError) as error:
        load_synonyms(path)
    (reported,) = error.value.problems
    assert reported.startswith(f"{path}:4: ") and problem in reported


def test_every_malformed_line_is_reported_at_once(tmp_path):
    path = tmp_path / "mine.txt"
    path.write_bytes("UBND\nĐSĐT, đường sắt đô thị\n".encode() + b"\xff\xfe, x\n, y\n")
    with pytest.raises(SynonymError) as error:
        read_rules(path)
    assert [p.split(": ", 1)[0] for p in error.value.problems] == [
        f"{path}:1",
        f"{path}:3",
        f"{path}:4",
    ]
    assert error.value.problems[1] == f"{path}:3: not UTF-8 text"
    assert str(error.value) == "\n".join(error.value.problems)


def test_a_missing_file_is_reported(tmp_path):
    with pytest.raises(SynonymError, match=r"nope\.txt: cannot read the synonym file"):
        load_synonyms(tmp_path / "nope.txt")


def test_comments_blank_lines_bom_and_crlf_are_accepted():
    data = "\ufeff# comment\r\n\r\n   \r\nC#, C sharp  # a language\r\nA, B => C\r\n".encode()
    rules = parse_rules(data, "x.txt")
    assert [r.variants for r in rules] == [(("C",), ("C", "sharp")), (("A",), ("B",))]
    assert rules[1].targets == (("C",),)


# --- the shipped dictionary -----------------------------------------------------------------------

# The shape of a Vietnamese syllable without its diacritics: an onset (k, not c, before e, i, y),
# a vowel or a cluster of vowels that Vietnamese writes, and a final consonant; or a lone y (kỳ).
_SYLLABLE = re.compile(
    r"(?:ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|c(?![eiy])|[bdghklmnprstvx])?"
    r"(?:(?:oai|oay|oao|oeo|uay|uoi|uou|uya|uye|uyu|ieu|yeu|ye|ai|ao|au|ay|eo|eu|ia|ie|iu|oa|oe"
    r"|oi|oo|ua|ue|ui|uo|uu|uy|[aeiou])(?:ch|ng|nh|[cmnpt])?|y)"
)
NOT_A_WORD = {"eu": "EU: no Vietnamese word is spelled êu or eu on its own"}


def shipped_rules():
    data = (resources.files("indexer.language") / "data" / "synonyms.txt").read_bytes()
    return parse_rules(data, "synonyms.txt")


def test_the_shipped_dictionary_is_package_data_with_at_least_150_groups():
    assert len(shipped_rules()) >= 150
    assert len(builtin_synonyms()) > 2 * 150


def test_no_one_syllable_abbreviation_is_a_vietnamese_word_without_accents():
    for rule in shipped_rules():
        for variant in rule.variants:
            key = fold(variant[0])
            if len(variant) == 1 and key not in NOT_A_WORD:
                assert not _SYLLABLE.fullmatch(key), variant


def test_each_line_means_one_thing_and_expands_to_something():
    owner: dict[tuple[str, ...], int] = {}
    for number, rule in enumerate(shipped_rules()):
        keys = {tuple(fold(s) for s in v) for v in rule.variants + (rule.targets or ())}
        assert len(keys) > 1, rule  # variants differing only in case or accents need no line
        for variant in rule.variants:
            key = tuple(fold(s) for s in variant)
            assert owner.setdefault(key, number) == number, (variant, "is on two lines")


# --- configuration: the web app and the command line ----------------------------------------------


def test_the_web_app_uses_the_configured_file(index_path, user_file, monkeypatch):
    from web import create_app

    def hits(app):
        answer = app.test_client().get("/api/search", query_string={"q": "ĐSĐT"}).get_json()
        return [h["id"] for h in answer["hits"]]

    assert hits(create_app({"TESTING": True, "INDEX": str(index_path)})) == []
    config = {"TESTING": True, "INDEX": str(index_path), "SYNONYMS": str(user_file)}
    assert hits(create_app(config)) == ["s11-duong-sat"]
    monkeypatch.setenv("VIETSEARCH_SYNONYMS", str(user_file))
    assert hits(create_app({"TESTING": True, "INDEX": str(index_path)})) == ["s11-duong-sat"]


def test_the_web_app_refuses_a_malformed_file_at_start_up(index_path, tmp_path):
    from web import create_app

    bad = tmp_path / "bad.txt"
    bad.write_text("UBND, Ủy ban nhân dân\nHĐND\n", encoding="utf-8")
    with pytest.raises(SynonymError, match=re.escape(f"{bad}:2: 'HĐND' is one variant")):
        create_app({"TESTING": True, "INDEX": str(index_path), "SYNONYMS": str(bad)})


def test_the_command_line_takes_a_file(index_path, user_file, tmp_path, capsys):
    assert main(["search", "--index", str(index_path), "--synonyms", str(user_file), "ĐSĐT"]) == 0
    assert "s11-duong-sat" in capsys.readouterr().out
    bad = tmp_path / "bad.txt"
    bad.write_text(", x\n", encoding="utf-8")
    assert main(["search", "--index", str(index_path), "--synonyms", str(bad), "x"]) == 2
    assert capsys.readouterr().err == (
        f"indexer: error: {bad}:1: an empty variant (two commas in a row, or a comma at an end)\n"
    )
