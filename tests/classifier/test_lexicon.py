from classifier.lexicon import default_lexicon
from classifier.normalise import normalise


def cues(text):
    return [(c.term, c.flag, c.start, c.end) for c in default_lexicon().find(normalise(text))]


def test_dehumanising_words_and_emoji_with_offsets():
    text = "ces bactéries 🦠 d'en face"
    assert cues(text) == [("bactéries", "dehumanising", 4, 13), ("🦠", "dehumanising", 14, 15)]


def test_obfuscated_words_are_found_in_their_original_spelling():
    found = cues("les c.a.f.a.r.d.s et les v3rmine")
    assert [c[0] for c in found] == ["c.a.f.a.r.d.s", "v3rmine"]


def test_words_inside_other_words_do_not_match():
    assert cues("la ratatouille et le pirate") == []


def test_counts_are_one_value_per_category():
    lex = default_lexicon()
    vec = lex.counts(lex.find(normalise("rats rats idiot")))
    assert vec.shape == (len(lex.categories),) and vec.sum() > 0
