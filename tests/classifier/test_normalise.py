from hypothesis import given, settings, strategies as st

from classifier.normalise import normalise


def test_dotted_letters_and_leetspeak_are_undone():
    n = normalise("ces b.a.c.t.e.r.i.e.s wahab1tes", lang="fr")
    assert "bacteries" in n.text and "wahabites" in n.text
    assert "bacteries wahabites" in n.match_text


def test_offsets_point_into_the_original_text():
    original = "Les R@TS d'Alep 🐀"
    n = normalise(original, lang="fr")
    start = n.match_text.index("rats")
    assert n.span(start, start + 4) == (4, 8)
    assert original[4:8] == "R@TS"
    assert [(e.emoji, e.start, e.end, e.name) for e in n.emoji] == [("🐀", 16, 17, "rat")]


def test_emoji_are_spelled_out_in_the_comment_language():
    assert "cochon" in normalise("les voilà 🐖", lang="fr").text
    assert "pig" in normalise("there they are 🐖", lang="en").text


def test_all_caps_are_folded_before_embedding():
    n = normalise("HONTE A CEUX QUI SE TAISENT SUR ALEP")
    assert n.shouting and n.text == "honte a ceux qui se taisent sur alep"


def test_arabizi_digits_are_letters_not_leetspeak():
    n = normalise("ya 7aram shou 3am ysir b halab")
    assert n.lang == "ar" and "7aram" in n.text and "3am" in n.text


def test_years_ordinals_and_times_are_left_alone():
    assert normalise("le 1er décembre 2016 à 10h", lang="fr").text == "le 1er décembre 2016 à 10h"


def test_urls_mentions_invisible_and_control_characters():
    n = normalise("voir https://example.org/x?y=1 @redaction\u200b ok\x07\u202e", lang="fr")
    assert n.text == "voir URL @user ok"


def test_nfkc_folds_compatibility_forms():
    assert normalise("ｒａｔｓ", lang="fr").match_text == "rats"


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(codec=None), max_size=300))
def test_any_unicode_is_normalised_without_error(text):
    n = normalise(text)
    assert len(n.match_text) == len(n.offsets)
    assert all(0 <= o < len(text) for o in n.offsets)
    assert n.lang in ("fr", "en", "ar")
