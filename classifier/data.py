"""Labelled comments: reading JSONL with useful errors, and checking the contract.

A record is one training comment with the fields of the label contract
(labels.RECORD_FIELDS). `check_record` applies the contract's consistency
rules: `toxic` is the union of the four behaviour flags, `shouting` follows
the capitals rule, and a topic's stance is one of its labels.
"""

import hashlib
import json
import tomllib
from pathlib import Path

from .labels import BEHAVIOUR_FLAGS, HARM_FLAGS, LANGUAGES, RECORD_FIELDS, STANCE_LABELS
from .shouting import is_shouting

BOOL_FIELDS = HARM_FLAGS + ("shouting", "toxic")


class DataError(ValueError):
    """Bad input data; the message names the file and line."""


def read_jsonl(path):
    """Yield (line_number, object) for each non-blank line of a JSONL file.

    Raises DataError naming the file and line on a missing file, bad UTF-8,
    invalid JSON or a line that is not a JSON object.
    """
    path = Path(path)
    try:
        # utf-8-sig: a file saved by an editor that writes a byte-order mark reads like any other.
        fh = open(path, encoding="utf-8-sig")
    except FileNotFoundError:
        raise DataError(f"{path}: file not found") from None
    except IsADirectoryError:
        raise DataError(f"{path}: is a directory, expected a JSONL file") from None
    with fh:
        lineno = 0
        try:
            for lineno, line in enumerate(fh, start=1):
                if not line.strip():
                    continue
                try:
                    obj = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise DataError(f"{path}:{lineno}: invalid JSON: {exc.msg} (column {exc.colno})") from None
                if not isinstance(obj, dict):
                    raise DataError(f"{path}:{lineno}: expected a JSON object, got {type(obj).__name__}")
                yield lineno, obj
        except UnicodeDecodeError as exc:
            raise DataError(f"{path}:{lineno + 1}: not valid UTF-8 ({exc.reason})") from None


def read_toml(path):
    """A TOML file as a dict; DataError naming the file when it is missing or invalid."""
    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise DataError(f"{path}: file not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise DataError(f"{path}: invalid TOML: {exc}") from None


def write_jsonl(path, records):
    """Write dicts to a JSONL file (UTF-8, one a line), creating its directory; returns the count."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as fh:
        for rec in records:
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
    return len(records)


def check_record(rec):
    """Return the list of contract problems of one training record (empty when valid)."""
    problems = []
    missing = [f for f in RECORD_FIELDS if f not in rec]
    if missing:
        return [f"missing field(s): {', '.join(missing)}"]
    extra = sorted(set(rec) - set(RECORD_FIELDS))
    if extra:
        problems.append(f"unknown field(s): {', '.join(extra)}")
    if not isinstance(rec["text"], str) or not rec["text"].strip():
        problems.append("text must be a non-empty string")
    if rec["lang"] not in LANGUAGES:
        problems.append(f"lang must be one of {LANGUAGES}, not {rec['lang']!r}")
    if rec["topic"] is not None and (not isinstance(rec["topic"], str) or not rec["topic"]):
        problems.append("topic must be a non-empty string or null")
    if not isinstance(rec["source"], str) or not rec["source"]:
        problems.append("source must be a non-empty string")
    for name in BOOL_FIELDS:
        if not isinstance(rec[name], bool):
            problems.append(f"{name} must be true or false, not {rec[name]!r}")
    if problems:
        return problems
    union = any(rec[f] for f in BEHAVIOUR_FLAGS)
    if rec["toxic"] != union:
        problems.append(f"toxic is {rec['toxic']} but the union of {', '.join(BEHAVIOUR_FLAGS)} is {union}")
    if rec["shouting"] != is_shouting(rec["text"]):
        problems.append(f"shouting is {rec['shouting']} but the capitals rule says {is_shouting(rec['text'])}")
    allowed = STANCE_LABELS.get(rec["topic"])
    stance = rec["stance"]
    if allowed is not None and stance not in allowed:
        problems.append(f"stance for topic {rec['topic']!r} must be one of {allowed}, not {stance!r}")
    elif stance is not None and not (isinstance(stance, str) and stance):
        problems.append(f"stance must be a label or null, not {stance!r}")
    return problems


EVALUATION_DEFAULTS = {"topic": None, "stance": None, "source": "evaluation", "profanity": False}
"""What a labelled file given to `evaluate` may leave out: it is the newsroom's data, not our corpus."""


def completed(rec):
    """A labelled comment for evaluation with the fields it may omit filled in: lang detected, topic and
    stance null, source "evaluation", profanity false, shouting by the capitals rule, toxic as the union."""
    from .language import detect_language

    rec = {**EVALUATION_DEFAULTS, **rec}
    if isinstance(rec.get("text"), str):
        rec.setdefault("lang", detect_language(rec["text"]))
        rec.setdefault("shouting", is_shouting(rec["text"]))
    if all(isinstance(rec.get(f), bool) for f in BEHAVIOUR_FLAGS):
        rec.setdefault("toxic", any(rec[f] for f in BEHAVIOUR_FLAGS))
    return rec


def load_records(paths, validate=True, what="training data", complete=None):
    """Load labelled records from JSONL files; raise DataError listing contract problems.

    complete: a function applied to each record first (`completed` for evaluation files).
    """
    records, problems = [], []
    for path in paths:
        for lineno, rec in read_jsonl(path):
            rec = complete(rec) if complete else rec
            issues = check_record(rec) if validate else []
            problems.extend(f"{path}:{lineno}: {p}" for p in issues)
            records.append(rec)
    if problems:
        shown = "\n  ".join(problems[:20])
        more = f"\n  ... and {len(problems) - 20} more" if len(problems) > 20 else ""
        raise DataError(f"{len(problems)} problem(s) in {what}:\n  {shown}{more}")
    return records


def corpus_files(directory):
    directory = Path(directory)
    if not directory.is_dir():
        raise DataError(f"{directory}: training-data directory not found")
    # The corpus is laid out as <lang>/<register>/<kind>.jsonl so a newcomer sees what it covers.
    files = sorted(directory.rglob("*.jsonl"))
    if not files:
        raise DataError(f"{directory}: no *.jsonl training files")
    return files


def text_key(text):
    """Identity of a comment for de-duplication: case and spacing do not matter."""
    return " ".join(text.casefold().split())


def merge_corrections(corpus, corrections):
    """Corpus records with moderator-corrected records winning for the same text."""
    corrected = {text_key(r["text"]): r for r in corrections}
    merged = [r for r in corpus if text_key(r["text"]) not in corrected]
    return merged + list(corrected.values())


def dedupe(records):
    seen, out = set(), []
    for rec in records:
        key = text_key(rec["text"])
        if key not in seen:
            seen.add(key)
            out.append(rec)
    return out


def records_hash(records):
    """sha256 of the records in a canonical form: the model card's training-data hash."""
    digest = hashlib.sha256()
    for rec in sorted(records, key=lambda r: (r["text"], r["topic"])):
        digest.update(json.dumps(rec, sort_keys=True, ensure_ascii=False).encode("utf-8"))
        digest.update(b"\n")
    return digest.hexdigest()
