"""The shortcut audit of the training corpus: which tokens a model could learn a flag from.

For each flag, the words, bigrams and emoji most associated with it, by the
log-odds ratio with an informative Dirichlet prior (Monroe, Colaresi and Quinn
2008): a z-score that ranks tokens by how much more often they appear in
comments with the flag than without it, with their counts. A ranked list is
for reading; the bars are on the tokens that are not harmful in themselves
(resources/shortcuts.toml and the group names of groups.toml):

- a group's name or a neutral phrase ("j'espère", "je te souhaite") is toxic in
  at most `bar` of the comments that hold it (0.5: civil at least as often);
- a word of harm with civil uses ("rats", "tuer", 🐀) is civil in at least a
  fifth of the comments that hold it.
"""

import re
import tomllib
import unicodedata
from collections import Counter
from pathlib import Path

import emoji
import numpy as np

from .groups import group_terms
from .labels import HARM_FLAGS, label

WATCH_LIST = Path(__file__).with_name("resources") / "shortcuts.toml"
AUDITED_FLAGS = (*HARM_FLAGS, "toxic")
_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?|\d+")


def _fold(text):
    return unicodedata.normalize("NFC", text.casefold().replace("’", "'"))


def tokens(text):
    """The set of words, word bigrams and emoji of one comment (casefolded)."""
    folded = _fold(text)
    words = _WORD.findall(folded)
    out = set(words) | {f"{a} {b}" for a, b in zip(words, words[1:])}
    out |= {e["emoji"] for e in emoji.emoji_list(text)}
    return out


def contains(folded_text, phrase):
    return re.search(rf"(?<!\w){re.escape(_fold(phrase))}(?!\w)", folded_text) is not None


def log_odds(with_flag, without_flag, prior):
    """z-scores of the log-odds ratio with an informative Dirichlet prior, per token."""
    n1, n2, a0 = sum(with_flag.values()), sum(without_flag.values()), sum(prior.values())
    z = {}
    for token, a in prior.items():
        y1, y2 = with_flag.get(token, 0), without_flag.get(token, 0)
        delta = (np.log((y1 + a) / (n1 + a0 - y1 - a)) - np.log((y2 + a) / (n2 + a0 - y2 - a)))
        z[token] = float(delta / np.sqrt(1 / (y1 + a) + 1 / (y2 + a)))
    return z


def watch_list(path=WATCH_LIST):
    with open(path, "rb") as fh:
        spec = tomllib.load(fh)
    return (group_terms() + list(spec["neutral"]), list(spec["harm_cues"]),
            float(spec.get("harm_cue_min_civil_share", 0.2)))


def audit(records, min_count=15, bar=0.5, top=15):
    """The report: top tokens per flag, and the watch list's tokens against their bars."""
    token_sets = [tokens(r["text"]) for r in records]
    df = Counter(t for ts in token_sets for t in ts)
    kept = {t: c for t, c in df.items() if c >= min_count}
    prior = {t: 0.01 * c for t, c in kept.items()}
    ranked = {}
    for flag in AUDITED_FLAGS:
        yes = Counter(t for ts, r in zip(token_sets, records) if label(r, flag) for t in ts if t in kept)
        no = Counter(t for ts, r in zip(token_sets, records) if not label(r, flag) for t in ts if t in kept)
        z = log_odds(yes, no, prior)
        ranked[flag] = [{"token": t, "z": round(v, 2), "with_flag": yes.get(t, 0), "count": kept[t]}
                        for t, v in sorted(z.items(), key=lambda kv: -kv[1])[:top]]

    neutral, harm_cues, min_civil = watch_list()
    folded = [_fold(r["text"]) for r in records]
    watched = []
    for kind, terms in (("neutral", neutral), ("harm_cue", harm_cues)):
        for term in dict.fromkeys(terms):
            hits = [r for f, r in zip(folded, records) if contains(f, term)]
            if len(hits) < min_count:
                continue
            toxic_share = sum(r["toxic"] for r in hits) / len(hits)
            civil_share = sum(not label(r, "harm") for r in hits) / len(hits)
            ok = toxic_share <= bar if kind == "neutral" else civil_share >= min_civil
            watched.append({"term": term, "kind": kind, "count": len(hits), "toxic_share": round(toxic_share, 3),
                            "civil_share": round(civil_share, 3), "ok": ok})
    failing = [w for w in watched if not w["ok"]]
    return {"comments": len(records), "min_count": min_count, "bar": bar, "harm_cue_min_civil_share": min_civil,
            "top_tokens": ranked, "watched": watched, "failing": failing, "ok": not failing}


def format_report(report):
    lines = [f"{report['comments']} comments; tokens seen in at least {report['min_count']} comments"]
    for flag, rows in report["top_tokens"].items():
        lines.append(f"\nmost associated with {flag} (z, comments with the flag / comments):")
        lines.append("  " + ", ".join(f"{r['token']} {r['z']:.1f} ({r['with_flag']}/{r['count']})" for r in rows))
    lines.append(f"\nwatched tokens (neutral: toxic share <= {report['bar']:.0%}; harm cues: civil share >= "
                 f"{report['harm_cue_min_civil_share']:.0%}):")
    for w in sorted(report["watched"], key=lambda w: (w["ok"], -w["toxic_share"])):
        lines.append(f"  {'FAIL' if not w['ok'] else 'ok  '} {w['kind']:9} {w['term']:22} {w['count']:>6} comments, "
                     f"toxic {w['toxic_share']:.0%}, civil {w['civil_share']:.0%}")
    lines.append(f"\ndata audit: {'PASS' if report['ok'] else 'FAIL'} ({len(report['failing'])} watched tokens over "
                 "their bar)")
    return "\n".join(lines)
