"""Plain text of a comment body sent as HTML (Coral's default format), keeping every word it carries.

A comment is judged on all the text its body holds, not on what one renderer
would show: a renderer that differs from ours (Coral's plain-text notification,
an e-mail, an export) must never show words that were not judged. So, with
Python's HTML parser (the standard library's tokenizer, not a regex):

- the markup of the formatting elements a comment editor produces (p, b, i, a,
  br, blockquote, ...) goes, block ends become line breaks, entities are decoded;
- everything else stays as text: a bare `<` ("x<y"), an unknown or malformed
  tag ("<y. Ces rats ...>"), attribute words inside a tag, an unclosed tag or
  comment, the content of comments, script and style, `alt` and `title` texts.
"""

import re
from html.parser import HTMLParser

# Elements of rich-text comment editors (Coral's included), whose markup carries no words.
FORMATTING = frozenset({
    "a", "abbr", "b", "blockquote", "br", "cite", "code", "del", "div", "em", "h1", "h2", "h3", "h4", "h5", "h6",
    "hr", "i", "img", "ins", "li", "mark", "ol", "p", "pre", "q", "s", "small", "span", "strike", "strong", "sub",
    "sup", "u", "ul", "script", "style",
})
BLOCKS = frozenset({"blockquote", "br", "div", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "li", "p", "pre",
                    "script", "style"})
# Attributes whose values are technical (links, classes): any other attribute keeps the tag as text.
TECHNICAL_ATTRIBUTES = frozenset({"href", "target", "rel", "class", "src", "dir", "lang", "id", "style",
                                  "width", "height", "type"})
SPOKEN_ATTRIBUTES = frozenset({"alt", "title", "aria-label"})
_END_TAG = re.compile(r"</\s*([a-zA-Z][a-zA-Z0-9]*)\s*>")


class _TextCollector(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts = []

    def handle_data(self, data):
        self.parts.append(data)

    def _tag(self, tag, attrs):
        names = {name for name, _ in attrs}
        if tag not in FORMATTING or names - TECHNICAL_ATTRIBUTES - SPOKEN_ATTRIBUTES:
            self.parts.append(self.get_starttag_text())
            return
        spoken = [value for name, value in attrs if name in SPOKEN_ATTRIBUTES and value]
        if spoken:
            self.parts.append(" " + " ".join(spoken) + " ")
        self.parts.append("\n" if tag in BLOCKS else "")

    handle_starttag = handle_startendtag = _tag

    def parse_endtag(self, i):
        # The standard parser keeps only an end tag's name: "</b rats>" would lose "rats".
        j = super().parse_endtag(i)
        if j > i:
            raw = self.rawdata[i:j]
            match = _END_TAG.fullmatch(raw)
            if match is None or match.group(1).lower() not in FORMATTING:
                self.parts.append(raw)
            elif match.group(1).lower() in BLOCKS:
                self.parts.append("\n")
        return j

    def handle_endtag(self, tag):
        pass  # parse_endtag above decides, with the raw text in hand

    def handle_comment(self, data):
        self.parts.append(" " + data + " ")

    def unknown_decl(self, data):
        self.parts.append(" " + data + " ")

    def handle_decl(self, decl):
        self.parts.append(" " + decl + " ")

    def handle_pi(self, data):
        self.parts.append(" " + data + " ")

    def close(self):
        super().close()
        # An unclosed <script> or <style> leaves its content unparsed (the parser waits for the end
        # tag): it is text the body carries all the same.
        if self.rawdata:
            self.parts.append(self.rawdata)
            self.rawdata = ""


def html_to_text(body):
    """The words of an HTML comment body as plain text, none dropped (see the module's docstring)."""
    if "<" not in body and "&" not in body:
        return body
    parser = _TextCollector()
    parser.feed(body)
    parser.close()  # what an unclosed construct held comes out as text here
    text = "".join(parser.parts)
    lines = (" ".join(line.split()) for line in text.splitlines())
    return "\n".join(line for line in lines if line).strip()
