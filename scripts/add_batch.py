"""Add a drafted batch of training comments to the corpus, in the contract's full form.

Writers draft compact lines, one comment each:

    {"text": "...", "flags": ["insult", "profanity"], "topic": "societe", "stance": null}

and this script fills in what follows from the contract (`toxic` is the union
of the four harm flags, `shouting` is the capitals rule), checks every record,
drops exact duplicates of the corpus, and appends to the target file:

    python scripts/add_batch.py DRAFT.jsonl training_data/fr/forum/gaming.jsonl --lang fr --source forum-gaming-fr

It prints the batch's counts (civil/toxic/profanity) so a writer can keep the
civil share and the balance of the brief.
"""

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from classifier.data import DataError, check_record, corpus_files, read_jsonl, text_key  # noqa: E402
from classifier.labels import BEHAVIOUR_FLAGS, HARM_FLAGS, RECORD_FIELDS  # noqa: E402
from classifier.shouting import is_shouting  # noqa: E402


def full_record(draft, lang, source):
    flags = draft.get("flags") or []
    unknown = sorted(set(flags) - set(HARM_FLAGS))
    if unknown:
        raise ValueError(f"unknown flag(s) {unknown}; use {HARM_FLAGS}")
    rec = {"text": draft["text"], "lang": draft.get("lang", lang), "topic": draft.get("topic") or "societe",
           "stance": draft.get("stance")}
    rec.update({f: f in flags for f in HARM_FLAGS})
    rec["shouting"] = is_shouting(rec["text"])
    rec["toxic"] = any(rec[f] for f in BEHAVIOUR_FLAGS)
    rec["source"] = f"written:{source}"
    return {k: rec[k] for k in RECORD_FIELDS}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("draft")
    parser.add_argument("target")
    parser.add_argument("--lang", required=True, choices=("fr", "en", "ar"))
    parser.add_argument("--source", required=True, help="batch name, e.g. forum-gaming-fr")
    args = parser.parse_args(argv)

    seen = {text_key(rec["text"]) for path in corpus_files(ROOT / "training_data") for _, rec in read_jsonl(path)}
    added, problems, dupes = [], [], 0
    try:
        for lineno, draft in read_jsonl(args.draft):
            try:
                rec = full_record(draft, args.lang, args.source)
            except (KeyError, ValueError) as exc:
                problems.append(f"{args.draft}:{lineno}: {exc}")
                continue
            issues = check_record(rec)
            if issues:
                problems.extend(f"{args.draft}:{lineno}: {p}" for p in issues)
                continue
            key = text_key(rec["text"])
            if key in seen:
                dupes += 1
                continue
            seen.add(key)
            added.append(rec)
    except DataError as exc:
        sys.exit(str(exc))
    if problems:
        sys.exit("nothing added:\n  " + "\n  ".join(problems[:30]))
    target = Path(args.target)
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target, "a", encoding="utf-8") as fh:
        for rec in added:
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
    counts = Counter(f for rec in added for f in (*HARM_FLAGS, "toxic", "shouting") if rec[f])
    civil = sum(not rec["toxic"] and not rec["profanity"] for rec in added)
    print(f"added {len(added)} to {target} ({dupes} duplicates skipped); civil {civil}, "
          + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))


if __name__ == "__main__":
    main()
