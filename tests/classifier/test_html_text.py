import pytest
from hypothesis import given, settings, strategies as st

from classifier.html_text import html_to_text


def test_tags_go_entities_are_decoded_script_content_stays_as_text():
    assert html_to_text("<p>Bonne <b>analyse</b> &amp; merci</p><script>alert(1)</script>") == \
        "Bonne analyse & merci\nalert(1)"


@pytest.mark.parametrize("body, kept", [
    ("Pour moi x<y. Ces rats doivent être éradiqués", "x<y. Ces rats doivent être éradiqués"),
    ("a <!-- Ces rats", "<!-- Ces rats"),
    ("a <!-- Ces rats --> b", "Ces rats"),
    ("<b>jamais fermé ces rats", "jamais fermé ces rats"),
    ("x<y. Ces rats doivent être éradiqués> fin", "<y. Ces rats doivent être éradiqués>"),
    ("<b ces rats>ok</b>", "<b ces rats>"),
    ("a</b ces rats> b", "</b ces rats>"),
    ("<p>x</p", "x</p"),
    ("<img alt='ces rats' src=x>", "ces rats"),
    ("a<![CDATA[ces rats]]>b", "ces rats"),
    ("<script> rats >script<", "rats"),  # found by the property test below: an unclosed script
    ("<style>ces rats", "ces rats"),
])
def test_no_word_is_dropped(body, kept):
    assert kept in html_to_text(body)


def test_paragraphs_and_breaks_do_not_glue_words():
    assert html_to_text("<p>un</p><p>deux<br>trois</p>").split() == ["un", "deux", "trois"]


def test_plain_text_is_untouched():
    assert html_to_text("a < b et c > d") .startswith("a < b")


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["<", ">", "</", "<!--", "-->", "<b>", "</p>", "<br>", "&amp;", "&", "=", "'", '"',
                                 " ", "p", "b", "script"]), max_size=30),
       st.sampled_from(["rats", "vermine", "cafards"]))
def test_a_word_survives_any_markup_around_it(prefix, word):
    body = "".join(prefix) + " " + word + " " + "".join(reversed(prefix))
    assert word in html_to_text(body)
