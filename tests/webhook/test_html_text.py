from hypothesis import given, settings, strategies as st

from webhook.html_text import html_to_text


def test_tags_go_scripts_go_with_their_content_entities_are_decoded():
    assert html_to_text("<p>Bonne <b>analyse</b> &amp; merci</p><script>alert(1)</script>") == "Bonne analyse & merci"


def test_paragraphs_and_breaks_do_not_glue_words():
    assert html_to_text("<p>un</p><p>deux<br>trois</p>").split() == ["un", "deux", "trois"]


def test_plain_text_is_untouched():
    assert html_to_text("a < b et c > d") .startswith("a < b")


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("<>/=\"'&;ab pscript")), max_size=200))
def test_no_markup_survives(body):
    out = html_to_text(body)
    assert "<script" not in out.lower()
