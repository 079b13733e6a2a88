"""Named groups (resources/groups.toml) and counterfactual copies of comments that name them.

A comment that names a group gets a copy naming another group of the same
grammatical form, with the same labels (Dixon et al. 2018; Garg et al. 2019):
"les réfugiés sont des rats" and "les Arméniens sont des rats" are one lesson,
and so are their civil counterparts, so a group's name stops being a cue.

Only plural nouns after a determiner are swapped ("les Noirs", "des
migrantes", "aux chiites", "d'Arabes"; English plurals after a word
boundary): adjectives ("un chat noir") and singulars stay as they are, which
keeps French agreement right; "de" and "d'" follow the new word's first letter.
"""

import random
import re
import tomllib
from functools import lru_cache
from pathlib import Path

DEFAULT_GROUPS = Path(__file__).with_name("resources") / "groups.toml"
SWAPPED_FORMS = ("mpl", "fpl")
DETERMINERS = r"(?:les|des|ces|aux|nos|vos|leurs|mes|tes|ses|quelques|certains|certaines|plusieurs|de|d')"
_VOWEL = "aeiouyéèêâîôh"


@lru_cache(maxsize=1)
def load_groups(path=DEFAULT_GROUPS):
    with open(path, "rb") as fh:
        return tuple(tomllib.load(fh)["group"])


def group_terms(groups=None):
    """Every form of every group, lowercase: the names the shortcut audit watches."""
    return sorted({form for g in (groups or load_groups()) for form in g["forms"].values()})


@lru_cache(maxsize=1)
def _naming_pattern():
    """(regex of every plural form and English name, {lowercase form: group key}); a group's key is its
    masculine plural, else its English name."""
    key_of = {}
    for g in load_groups():
        key = g["forms"].get("mpl") or g["forms"]["en"]
        for form in ("mpl", "fpl", "en"):
            if form in g["forms"]:
                key_of.setdefault(g["forms"][form].lower(), key)
    words = sorted(key_of, key=lambda w: (-len(w), w))
    return re.compile(rf"(?i)(?<!\w)({'|'.join(map(re.escape, words))})(?!\w)"), key_of


def named_groups(text):
    """The keys of the groups a text names (plural forms, as "les réfugiés" or "refugees"), sorted."""
    pattern, key_of = _naming_pattern()
    return sorted({key_of[m.group(1).lower()] for m in pattern.finditer(text)})


class CounterfactualGroups:
    """Copies of labelled records with one named group swapped for another of the same form.

    copies: copies per record that names a group; seed: the random choice of groups.
    `augment(records)` returns only the new copies (their `source` ends in "+swap").
    """

    def __init__(self, copies=1, seed=13, groups=None):
        self.copies = copies
        self.seed = seed
        self.groups = groups

    def _patterns(self):
        groups = self.groups or load_groups()
        by_form = {form: [g["forms"][form] for g in groups if form in g["forms"]] for form in SWAPPED_FORMS}
        # Longest first so the regex prefers "arabes" to "arabe"; then alphabetical, so the order (and the
        # random choices made from it) never depends on Python's per-process string hashing.
        words = sorted({w for ws in by_form.values() for w in ws}, key=lambda w: (-len(w), w))
        french = re.compile(rf"(?i)(?<!\w)({DETERMINERS})(\s*)({'|'.join(map(re.escape, words))})(?!\w)")
        english = sorted({g["forms"]["en"] for g in groups if "en" in g["forms"]}, key=lambda w: (-len(w), w))
        english_re = re.compile(rf"(?i)(?<!\w)({'|'.join(map(re.escape, english))})(?!\w)")
        # A word in both plural forms ("arabes") is swapped as a masculine plural, the generic one.
        form_of = {w: form for form in reversed(SWAPPED_FORMS) for w in by_form[form]}
        return by_form, french, form_of, english, english_re

    def augment(self, records):
        by_form, french, form_of, english, english_re = self._patterns()
        rng = random.Random(self.seed)
        out = []
        for rec in records:
            for _ in range(self.copies):
                text = self._swap(rec["text"], rec["lang"], rng, by_form, french, form_of, english, english_re)
                if text and text != rec["text"]:
                    out.append(dict(rec, text=text, source=rec["source"] + "+swap"))
        return out

    def _swap(self, text, lang, rng, by_form, french, form_of, english, english_re):
        if lang == "en":
            found = {m.group(1).lower() for m in english_re.finditer(text)}
            if not found:
                return None
            old = rng.choice(sorted(found))
            new = rng.choice([w for w in english if w != old])
            return english_re.sub(lambda m: _case(new, m.group(1)) if m.group(1).lower() == old else m.group(0),
                                  text)
        if lang != "fr":
            return None
        found = {m.group(3).lower() for m in french.finditer(text)}
        if not found:
            return None
        old = rng.choice(sorted(found))
        new = rng.choice([w for w in by_form[form_of[old]] if w != old])

        def replace(m):
            det, space, word = m.groups()
            if word.lower() != old:
                return m.group(0)
            if det.lower() in ("de", "d'"):
                det, space = ("d'", "") if new[0] in _VOWEL else (det[0] + "e", " ")
            return det + space + _case(new, word)

        return french.sub(replace, text)


def _case(new, old):
    return new[0].upper() + new[1:] if old[:1].isupper() else new
