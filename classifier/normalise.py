"""Text normalisation, the one place where a comment is cleaned before it is read.

`normalise(text)` returns two views of the comment:
  - `text`: what the encoder embeds (NFKC, no invisible characters, URLs and
    mentions replaced, obfuscation undone, emoji spelled out in the comment's
    language, ALL-CAPS folded so that shouting does not change the meaning);
  - `match_text` with `offsets`: a casefolded, accent-free form for lexicon
    matching, where `offsets[i]` is the index in the original text of
    `match_text[i]`, so evidence points at what the reader actually wrote.
"""

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import emoji

from .language import detect_language
from .shouting import is_shouting

# EMOJI_DATA carries English names only until a language is loaded.
emoji.config.load_language(["fr", "ar"])

_INVISIBLE = frozenset(
    "\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180e\u200b\u200c\u200e\u200f"
    "\u202a\u202b\u202c\u202d\u202e\u2060\u2061\u2062\u2063\u2064\u2066\u2067\u2068\u2069"
    "\u206a\u206b\u206c\u206d\u206e\u206f\ufeff\ufe00\ufe01\ufe0e\ufe0f"
)
# Zero-width joiner is kept: it glues emoji sequences that `emoji` knows as one.
_URL = re.compile(r"(?:https?://|www\.)\S+", re.I)
_MENTION = re.compile(r"(?<![\w@])@\w{2,}")
# Letters split by dots, dashes, stars or underscores (b.a.c.t.e.r.i.e.s), or by
# single spaces when there are at least five of them (r a t s would be too risky
# in French, where "y a" and "à" are words).
_SPLIT_PUNCT = re.compile(r"(?<!\w)(?:\w[.\-_*·•]){2,}\w(?!\w)")
_SPLIT_SPACE = re.compile(r"(?<!\w)(?:\w ){4,}\w(?!\w)")
_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s", "€": "e"})
# A leet digit only counts inside a run of letters (wahab1tes, r@ts), so that
# ordinals, years, times and model names (1er, 2016, h24, covid19) are left alone.
_LEET_WORD = re.compile(r"(?<![\w@$€])[^\W\d_]+(?:[013457@$€]+[^\W\d_]+)+(?![\w@$€])")
_REPEAT = re.compile(r"([^\W\d_])\1{2,}")
_MAX_EMOJI_NAME = 60


@dataclass(frozen=True)
class EmojiHit:
    emoji: str
    start: int
    end: int
    name: str

    def as_dict(self):
        return {"emoji": self.emoji, "start": self.start, "end": self.end, "name": self.name}


@dataclass(frozen=True)
class Normalised:
    original: str
    text: str
    lang: str
    shouting: bool
    emoji: tuple
    match_text: str
    offsets: tuple

    def span(self, start, end):
        """Map a [start, end) span of `match_text` to the original text."""
        first = self.offsets[start]
        last = self.offsets[end - 1] if end > start else first
        return first, last + 1


class _Tracked:
    """A string whose characters remember where they came from in the original."""

    def __init__(self, chars, offsets):
        self.chars = chars
        self.offsets = offsets

    @property
    def text(self):
        return "".join(self.chars)

    def sub(self, pattern, replace):
        text = self.text
        chars, offsets, pos = [], [], 0
        for m in pattern.finditer(text):
            chars.extend(self.chars[pos:m.start()])
            offsets.extend(self.offsets[pos:m.start()])
            new = replace(m)
            span = self.offsets[m.start():m.end()]
            chars.extend(new)
            offsets.extend(_align(m.group(0), new, span))
            pos = m.end()
        chars.extend(self.chars[pos:])
        offsets.extend(self.offsets[pos:])
        return _Tracked(chars, offsets)

    def map_chars(self, fn):
        chars, offsets = [], []
        for ch, off in zip(self.chars, self.offsets):
            for out in fn(ch):
                chars.append(out)
                offsets.append(off)
        return _Tracked(chars, offsets)


def _align(old, new, span):
    """Offsets for `new`, which replaces `old` (whose characters sit at `span`).

    Same length: one to one (leetspeak). Deletions (b.a.c.t -> bact): each kept
    character keeps its own offset. Anything else points at the start.
    """
    if len(new) == len(old):
        return list(span)
    out, j = [], 0
    for ch in new:
        while j < len(old) and old[j] != ch:
            j += 1
        if j == len(old):
            return [span[min(i, len(span) - 1)] for i in range(len(new))]
        out.append(span[j])
        j += 1
    return out


@lru_cache(maxsize=8192)
def _clean_char(ch):
    if ch in _INVISIBLE:
        return ""
    cat = unicodedata.category(ch)
    if cat == "Cc":
        return " " if ch in "\t\n\r\x0b\x0c" else ""
    if cat in ("Cs", "Co", "Cn"):
        # Lone surrogates and unassigned code points cannot be read by anyone.
        return ""
    return unicodedata.normalize("NFKC", ch)


@lru_cache(maxsize=8192)
def _fold_char(ch):
    decomposed = unicodedata.normalize("NFD", ch.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _join_split_letters(m):
    return re.sub(r"[.\-_*·• ]", "", m.group(0))


def _undo_leet(m):
    return m.group(0).translate(_LEET)


def _clean(text, lang_hint=None):
    tracked = _Tracked(list(text), list(range(len(text)))).map_chars(_clean_char)
    tracked = tracked.sub(_URL, lambda m: "URL").sub(_MENTION, lambda m: "@user")
    tracked = tracked.sub(_SPLIT_PUNCT, _join_split_letters).sub(_SPLIT_SPACE, _join_split_letters)
    lang = lang_hint or detect_language(tracked.text)
    if lang != "ar":
        # In Arabizi, digits inside words are letters (3am, 7aram): never "undo" them.
        tracked = tracked.sub(_LEET_WORD, _undo_leet)
    tracked = tracked.sub(_REPEAT, lambda m: m.group(1))
    return tracked, lang


def _emoji_name(data, lang):
    name = data.get(lang) or data.get("en") or ""
    return name.strip(":").replace("_", " ")[:_MAX_EMOJI_NAME]


def _may_hold_emoji(text):
    # Every emoji but © and ® lies at U+2000 or above: most comments skip the emoji scanner.
    return any(ch >= "\u2000" or ch in "\u00a9\u00ae" for ch in text)


def find_emoji(text, lang="fr"):
    """Emoji of `text` with their offsets and their name in `lang`."""
    if not _may_hold_emoji(text):
        return ()
    hits = []
    for item in emoji.emoji_list(text):
        data = emoji.EMOJI_DATA.get(item["emoji"]) or {}
        hits.append(EmojiHit(item["emoji"], item["match_start"], item["match_end"], _emoji_name(data, lang)))
    return tuple(hits)


def normalise(text, lang=None):
    """Normalise a comment. `lang` skips detection when the CMS already knows it."""
    if not isinstance(text, str):
        raise TypeError(f"comment text must be a string, not {type(text).__name__}")
    tracked, lang = _clean(text, lang)
    clean = tracked.text
    shouting = is_shouting(text)
    readable = clean.lower() if shouting else clean
    if _may_hold_emoji(readable):
        readable = emoji.replace_emoji(readable, replace=lambda chars, data: f" {_emoji_name(data, lang)} ")
    readable = " ".join(readable.split())
    folded = tracked.map_chars(_fold_char)
    return Normalised(
        original=text,
        text=readable,
        lang=lang,
        shouting=shouting,
        emoji=find_emoji(text, lang),
        match_text=folded.text,
        offsets=tuple(folded.offsets),
    )
