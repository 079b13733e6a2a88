"""Count the training corpus and write the counts into training_data/README.md.

`python scripts/data_card.py` rewrites the part of the data card between the
counts markers; `--check` exits 1 when the card is out of date (a test runs it).
"""

import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from classifier.data import corpus_files, read_jsonl  # noqa: E402
from classifier.labels import HARM_FLAGS  # noqa: E402

DATA = ROOT / "training_data"
CARD = DATA / "README.md"
START, END = "<!-- counts:start -->", "<!-- counts:end -->"
FLAGS = HARM_FLAGS + ("shouting", "toxic")
# Registers of everyday writing (as opposed to argued news-site comments), which issue 11 wants at 40%+.
INFORMAL = {"forum", "social", "sms", "banter", "arabizi", "levantine", "groups", "cues"}


def table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def counts_markdown():
    files = corpus_files(DATA)
    per_file = {p.relative_to(DATA).as_posix(): [rec for _, rec in read_jsonl(p)] for p in files}
    rows = [r for recs in per_file.values() for r in recs]
    langs = Counter(r["lang"] for r in rows)
    out = [f"Total: **{len(rows)}** comments in {len(files)} files; "
           + ", ".join(f"{lang} {n} ({n / len(rows):.0%})" for lang, n in langs.most_common()) + "."]
    registers = Counter()
    for name, recs in per_file.items():
        registers[tuple(name.split("/")[:2])] += len(recs)
    informal = sum(n for (_, register), n in registers.items() if register in INFORMAL)
    out += ["", f"Informal registers (forum, social, SMS, banter, Arabizi, Levantine, group and cue batches written "
                f"across registers): **{informal}** comments, {informal / len(rows):.0%}.", "",
            table(["language", "register", "comments", "civil", "profanity only", "toxic"],
                  [[lang, register, n,
                    sum(not r["toxic"] and not r["profanity"] for f, recs in per_file.items()
                        if f.startswith(f"{lang}/{register}/") for r in recs),
                    sum(not r["toxic"] and r["profanity"] for f, recs in per_file.items()
                        if f.startswith(f"{lang}/{register}/") for r in recs),
                    sum(r["toxic"] for f, recs in per_file.items() if f.startswith(f"{lang}/{register}/") for r in recs)]
                   for (lang, register), n in sorted(registers.items())])]
    out += ["", table(["file", "comments", *FLAGS],
                      [[name, len(recs), *(sum(r[f] for r in recs) for f in FLAGS)] for name, recs in per_file.items()]
                      + [["**all**", len(rows), *(sum(r[f] for r in rows) for f in FLAGS)]])]
    topics = Counter(r["topic"] for r in rows)
    out += ["", table(["topic", "comments", "toxic"],
                      [[t, n, sum(r["toxic"] for r in rows if r["topic"] == t)] for t, n in topics.most_common()])]
    aleppo = [r for r in rows if r["topic"] == "syria-aleppo-2016"]
    stances = sorted({r["stance"] for r in aleppo})
    out += ["", "Stance on `syria-aleppo-2016`, civil and toxic, per language:", "",
            table(["stance", "comments", "civil", "toxic", "fr", "en", "ar"],
                  [[s, sum(r["stance"] == s for r in aleppo),
                    sum(r["stance"] == s and not r["toxic"] for r in aleppo),
                    sum(r["stance"] == s and r["toxic"] for r in aleppo),
                    *(sum(r["stance"] == s and r["lang"] == lang for r in aleppo) for lang in ("fr", "en", "ar"))]
                   for s in stances])]
    return "\n".join(out)


def render(card_text):
    head, _, rest = card_text.partition(START)
    _, _, tail = rest.partition(END)
    return f"{head}{START}\n{counts_markdown()}\n{END}{tail}"


def main(argv):
    current = CARD.read_text(encoding="utf-8")
    fresh = render(current)
    if "--check" in argv:
        if fresh != current:
            print("training_data/README.md counts are out of date: run python scripts/data_card.py")
            return 1
        return 0
    CARD.write_text(fresh, encoding="utf-8")
    print(counts_markdown())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
