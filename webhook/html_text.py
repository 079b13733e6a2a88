"""Plain text of a comment body that may be HTML (Coral sends rich text)."""

import html
import re

import nh3

_BREAKS = re.compile(r"<\s*br\s*/?\s*>|<\s*/\s*(?:p|div|li|blockquote|h[1-6])\s*>", re.I)


def html_to_text(body):
    """Text a reader sees: tags removed (script and style with their content), entities decoded.

    nh3 (the Ammonia sanitiser) does the parsing, so malformed or hostile HTML
    cannot smuggle markup through; block ends become line breaks so words of
    two paragraphs do not run together.
    """
    if "<" not in body and "&" not in body:
        return body
    text = nh3.clean(_BREAKS.sub("\n", body), tags=set(), strip_comments=True)
    return html.unescape(text).strip()
