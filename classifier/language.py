"""Offline language detection: py3langid (its model ships in the wheel) plus Arabizi.

langid.py does not know Arabic written in Latin letters, which Lebanese and
Syrian readers use a lot, so a cheap cue (digits standing for Arabic letters
inside words, and Levantine function words) catches it first.
"""

import re
from functools import lru_cache

from .labels import LANGUAGES

_ARABIC_SCRIPT = re.compile(r"[\u0600-\u06FF\u0750-\u077F\u08A0-\u08FF\uFB50-\uFDFF\uFE70-\uFEFF]")
_LATIN = re.compile(r"[A-Za-zÀ-ÿ]")
_WORD = re.compile(r"[A-Za-zÀ-ÿ0-9']+")
# A digit used as an Arabic letter sits inside a word: 3am, ma7al, 2alb, 5alas.
_ARABIZI_TOKEN = re.compile(r"^(?=.*[a-z])(?:[a-z]*[235679][a-z]+|[a-z]+[235679][a-z]*)$", re.I)
_ARABIZI_WORDS = frozenset(
    "shou chou shu 3am mish msh yalla yallah wallah wallahi inshallah inchallah habibi habibti "
    "hayda hayde haydol heik hek leh lesh kif kteer ktir ktiir ba2a khalas ya3ni yaane yani "
    "akhi ykhrib yekhreb 7aram haram tfeh tfe wlek walak 3anjad bade badde baddon mafi ma3 "
    "nehna ne7na ente enta inta inte ana homme hiye huwe 3arab sha3b allah yar7amon yerhamon".split()
)


@lru_cache(maxsize=1)
def _identifier():
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    full = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    keep = [full.nb_classes.index(lang) for lang in LANGUAGES]
    # Rebuilt with only our three languages: the full 97-language table would
    # stay in every web worker's memory for nothing.
    return LanguageIdentifier(full.nb_ptc[:, keep].copy(), full.nb_pc[keep].copy(), list(LANGUAGES),
                              full.tk_nextmove, full.tk_output, norm_probs=True, tk_row=full.tk_row)


def looks_arabizi(text):
    """True when at least a quarter of the Latin words read as Arabizi."""
    words = [w.lower() for w in _WORD.findall(text) if not w.isdigit()]
    if not words:
        return False
    hits = sum(1 for w in words if w in _ARABIZI_WORDS or _ARABIZI_TOKEN.match(w))
    return hits >= 1 and hits >= 0.25 * len(words)


def detect_language(text, default="fr"):
    """Return "fr", "en" or "ar" for `text`; `default` when there is nothing to read.

    French is the default because it is this product's first language and the
    prior for a short, ambiguous comment ("ok", "?!").
    """
    arabic = len(_ARABIC_SCRIPT.findall(text))
    latin = len(_LATIN.findall(text))
    if arabic and arabic >= latin:
        return "ar"
    if latin == 0:
        return default
    if looks_arabizi(text):
        return "ar"
    if latin < 8:
        return default
    lang, _confidence = _identifier().classify(text)
    return lang
