"""Cue words and emoji that point at a behaviour flag, with their offsets.

The curated list lives in resources/lexicon.toml so a newsroom can read and
extend it. A hit is a cue for evidence and a feature for the model, never a
verdict on its own: "une bactérie résistante" is literal, "traiter les réfugiés
de « vermine » est indigne" condemns the word.
"""

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

DEFAULT_LEXICON = Path(__file__).with_name("resources") / "lexicon.toml"


@dataclass(frozen=True)
class Cue:
    term: str
    category: str
    flag: str
    start: int
    end: int

    def as_dict(self):
        return {"kind": "cue", "text": self.term, "category": self.category,
                "flag": self.flag, "start": self.start, "end": self.end}


class Lexicon:
    """Regular-expression cues grouped by category; see resources/lexicon.toml."""

    def __init__(self, categories):
        self.categories = tuple(categories)
        self.flags = {name: spec["flag"] for name, spec in categories.items()}
        self._patterns = {}
        for name, spec in categories.items():
            words = [t for t in spec["terms"] if re.search(r"\w", t)]
            symbols = [t for t in spec["terms"] if not re.search(r"\w", t)]
            parts = []
            if words:
                parts.append(r"(?<!\w)(?:" + "|".join(words) + r")(?!\w)")
            if symbols:
                parts.append("|".join(re.escape(s) for s in symbols))
            self._patterns[name] = re.compile("|".join(parts))

    @classmethod
    def from_file(cls, path=DEFAULT_LEXICON):
        with open(path, "rb") as fh:
            return cls(tomllib.load(fh)["categories"])

    def find(self, normalised):
        """Cues of a `Normalised` comment, with offsets into its original text."""
        cues = []
        for name, pattern in self._patterns.items():
            for m in pattern.finditer(normalised.match_text):
                start, end = normalised.span(m.start(), m.end())
                cues.append(Cue(normalised.original[start:end], name, self.flags[name], start, end))
        cues.sort(key=lambda c: (c.start, c.end))
        return cues

    def counts(self, cues):
        """Shape (n_categories,) float vector: log1p of the cue count per category."""
        vec = np.zeros(len(self.categories), dtype=np.float32)
        index = {name: i for i, name in enumerate(self.categories)}
        for cue in cues:
            vec[index[cue.category]] += 1
        return np.log1p(vec)


@lru_cache(maxsize=1)
def default_lexicon():
    return Lexicon.from_file()
