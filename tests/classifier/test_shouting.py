from hypothesis import given, strategies as st

from classifier.shouting import is_shouting, letter_counts


def test_all_caps_comment_is_shouting():
    assert is_shouting("HONTE A CEUX QUI BOMBARDENT LES HOPITAUX D'ALEP")


def test_acronyms_alone_never_shout():
    assert not is_shouting("Selon l'OSDH et l'AFP, l'ONU demande une trêve à Alep-Est.")


def test_threshold_is_seventy_percent_of_twenty_letters():
    # 20 letters, 14 upper = exactly 70%
    assert is_shouting("ABCDEFGHIJKLMN" + "opqrst")
    assert not is_shouting("ABCDEFGHIJKLM" + "nopqrst")


def test_short_caps_are_not_shouting():
    assert not is_shouting("NON MAIS ALLO")  # 11 letters


def test_arabic_letters_count_but_are_never_upper():
    assert not is_shouting("هذا عار على العالم كله ومن يسكت عنه")


@given(st.text())
def test_rule_matches_definition(text):
    letters, upper = letter_counts(text)
    assert is_shouting(text) == (letters >= 20 and upper / max(letters, 1) >= 0.7)
