"""Feature helpers: quoted and negated words are marked for the word n-grams."""

from classifier.features import mark_scope


def test_quoted_words_are_mentions_not_uses():
    assert "q_vermine" in mark_scope("traiter les refugies de « vermine » est indigne").split()
    assert "vermine" not in mark_scope('les appeler "vermine", jamais').split()


def test_negation_marks_the_rest_of_its_clause_only():
    tokens = mark_scope("ce ne sont pas des rats, ce sont des voisins").split()
    assert "neg_rats" in tokens and "rats" not in tokens
    assert "voisins" in tokens and "neg_voisins" not in tokens
    assert "neg_vermine" in mark_scope("ce n'est pas une vermine").split()


def test_plain_hate_is_left_as_it_is():
    assert mark_scope("ces rats doivent partir").split() == ["ces", "rats", "doivent", "partir", "|"]
