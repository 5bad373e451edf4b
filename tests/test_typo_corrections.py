"""Corrections of mistyped syllables (indexer.searching.corrections) against a real index of the
test corpus plus the bundled sample: one row per kind of typo, accents kept, and nothing
corrected that was typed right."""

import pytest

from indexer.language.normalize import fold
from indexer.searching.corrections import corrector
from indexer.searching.searchers import open_index


@pytest.fixture(scope="module")
def index(sample_index):
    opened = open_index(sample_index)
    yield opened
    opened.close()


def best(index, typed: str, before: str = "", after: str = "") -> str:
    """The best correction of ``typed`` between its neighbours, or ``typed`` when none."""
    syllables = [s for s in (before, typed, after) if s]
    found = corrector(index.searcher()).correct_text(syllables)
    return found[typed][0].text if typed in found else typed


@pytest.mark.parametrize(
    ("kind", "typed", "meant"),
    [
        ("telex", "nguyeenx", "nguyễn"),
        ("telex", "tuyeenr", "tuyển"),
        ("telex", "dduwowngf", "đường"),
        ("telex, tone forgotten", "Tuyeens", "tuyến"),
        ("vni", "vie65t", "việt"),
        ("vni", "nguye6n4", "nguyễn"),
        ("doubled", "noii", "noi"),
        ("doubled", "sôngg", "sông"),
        ("doubled, accented", "ngườii", "người"),
        ("dropped", "ngyen", "nguyen"),
        ("dropped, accented", "đườg", "đường"),
        ("dropped, two letters: only a letter put back", "mắ", "mắt"),
        ("dropped, accents no syllable has", "vă", "văn"),
        ("dropped, accents no syllable has", "tâ", "tâm"),
        ("swapped", "ngyuen", "nguyen"),
        ("neighbour", "nguyrn", "nguyen"),
        ("wrong tone", "quồc", "quốc"),
        ("vowel mark", "đưoc", "được"),
        ("a horn left out", "ngưòi", "người"),
        ("no space", "quochoi", "quoc hoi"),
        ("no space, accented", "đườngphố", "đường phố"),
        ("loan word", "covit", "covid"),
    ],
)
def test_correction_of_each_kind(index, kind, typed, meant):
    assert best(index, typed) == meant


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("covid", "a loan word"),
        ("vietnam", "held as typed"),
        ("9h30", "a time"),
        ("x", "one letter"),
    ],
)
def test_words_the_index_holds_or_cannot_correct_are_left_alone(index, typed, kept):
    assert corrector(index.searcher()).correct_text([typed]) == {}


def test_a_correction_of_a_word_the_index_holds_weighs_less(index):
    fixer = corrector(index.searcher())
    (unknown, *_) = fixer.correct_text(["noii"])["noii"]
    assert (unknown.text, unknown.weight, unknown.share, unknown.sure) == ("noi", 1.0, 1.0, True)
    (held, *_) = fixer.correct_text(["dau", "hien"])["hien"]
    assert (held.text, held.kind, held.weight, held.sure) == ("tien", "context", 0.5, False)


@pytest.mark.parametrize(
    ("typed", "meant", "sure"),
    [
        # Held in 2 documents, never after "dau": a slip of "tien" (đầu tiên), suggested.
        (["dau", "rien"], "tien", True),
        # Held often (a common syllable), never after "dau": "tien" also matches, unsuggested.
        (["dau", "hien"], "tien", False),
        (["đầu", "hiện"], "tiện", False),  # accented: the reading keeps the accents typed
        (["viet", "nan"], "nam", False),
    ],
)
def test_a_held_syllable_beside_neighbours_it_never_follows(index, typed, meant, sure):
    found = corrector(index.searcher()).correct_text(typed)
    (best, *_) = found[typed[1]]
    assert (best.text, best.kind, best.sure) == (meant, "context", sure)


@pytest.mark.parametrize("typed", [["viet", "nam"], ["dau", "tien"], ["đầu", "tiên"]])
def test_held_syllables_beside_their_usual_neighbours_are_left_alone(index, typed):
    assert corrector(index.searcher()).correct_text(typed) == {}


def test_only_short_keyword_queries_get_readings_in_context(index):
    assert corrector(index.searcher()).correct_text(["dau", "hien"], context=False) == {}


def test_no_correction_for_the_most_frequent_syllables_typed_right(index):
    reader = index.searcher().reader()
    syllables = [t.decode() for t in reader.lexicon("body") if t.decode().isalpha()]
    frequent = sorted(syllables, key=lambda s: -reader.doc_frequency("body", s))[:1000]
    assert len(frequent) == 1000
    fixer = corrector(index.searcher())
    typed = frequent + [fold(s) for s in frequent]
    corrected = {s: fixer.corrections(s) for s in typed}
    assert {s: found for s, found in corrected.items() if found} == {}


@pytest.fixture(scope="module")
def abbreviations_index(tmp_path_factory):
    """A small index where ``hn`` (letters that are no syllable) is held by 5 documents and
    ``hơn`` by 60, and ``vs`` by 5 documents against 6 of ``và``, among 600 others (so that 5
    documents are not a common word's share)."""
    import json

    from indexer import build_index

    folder = tmp_path_factory.mktemp("abbreviations")
    rows = [
        {"id": f"hon-{n}", "title": f"Giá cao hơn năm trước {n}", "body": ""} for n in range(60)
    ]
    rows += [{"id": f"hn-{n}", "title": f"Trụ sở ở HN số {n}", "body": ""} for n in range(5)]
    rows += [{"id": f"vs-{n}", "title": f"Hàn Quốc vs Nhật Bản {n}", "body": ""} for n in range(5)]
    rows += [{"id": f"va-{n}", "title": f"Sông và núi {n}", "body": ""} for n in range(6)]
    rows += [{"id": f"tin-{n}", "title": f"Tin vắn {n}", "body": ""} for n in range(600)]
    source = folder / "docs.jsonl"
    source.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    build_index([source], folder / "index", workers=1)
    opened = open_index(folder / "index")
    yield opened
    opened.close()


@pytest.mark.parametrize(
    ("typed", "meant", "sure"),
    [
        # Letters that are no syllable, held, but never beside "cao" and "nam", and hơn is
        # twelve times commoner: a slip, suggested.
        (["cao", "hn", "nam"], "hon", True),
        # vs is hardly rarer than và: an abbreviation, at most matched as a reading.
        (["song", "vs", "nui"], "va", False),
    ],
)
def test_letters_that_are_no_syllable_are_suggested_away_only_for_a_far_commoner_reading(
    abbreviations_index, typed, meant, sure
):
    found = corrector(abbreviations_index.searcher()).correct_text(typed)
    (best, *_) = found[typed[1]]
    assert (best.text, best.kind, best.sure) == (meant, "context", sure)
