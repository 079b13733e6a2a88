"""A newsroom's moderation archive: decided comments read one row at a time.

An archive says, for each comment, whether the newsroom published it or removed
it (and rarely why). Three formats are read, streamed so that an archive of
millions of rows never sits in memory:

- `csv`: a header line; a text column and either a label column (published /
  removed) or columns holding our flags (`--flag-columns insult=col,...`, the
  row is "removed" when any of them is true);
- `jsonl`: one JSON object per line, the same columns as keys;
- `coral-mongoexport`: Coral Talk's `comments` collection as `mongoexport
  --collection=comments` writes it (one document per line, extended JSON).
  What we rely on, from Coral's comment model: `revisions` is a list of
  `{"body": <HTML>, ...}` in the order they were written (the last is what was
  judged), `status` is one of NONE, APPROVED, REJECTED, PREMOD or
  SYSTEM_WITHHELD, and a deleted comment has `deletedAt` set and no body.
  APPROVED counts as published and REJECTED as removed; any other status (not
  decided yet) and deleted comments are skipped and counted.

Anything that cannot be read ends the command with an ArchiveError naming the
line and the column (or key).
"""

import csv
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from .data import DataError, read_jsonl
from .html_text import html_to_text
from .labels import HARM_FLAGS

FORMATS = ("csv", "jsonl", "coral-mongoexport")
REMOVED = frozenset({"1", "true", "yes", "removed", "rejected", "reject", "deleted", "hidden", "toxic"})
PUBLISHED = frozenset({"0", "false", "no", "published", "approved", "approve", "kept", "visible", "ok"})
CORAL_DECIDED = {"APPROVED": 0, "REJECTED": 1}
CSV_FIELD_LIMIT = 10_000_000  # a comment with a long quoted body is one field; the default limit is 128 KB


class ArchiveError(ValueError):
    """An archive that cannot be read; the message names the file, line and column."""


@dataclass(frozen=True)
class ArchiveRow:
    line: int
    text: str
    removed: int  # 1 when the newsroom removed the comment, 0 when it published it


@dataclass
class ArchiveSpec:
    """Where an archive is and how to read it: what the model card keeps to adapt again later."""

    path: Path
    format: str = "csv"
    text_column: str = "text"
    label_column: str = "label"
    flag_columns: dict = field(default_factory=dict)  # our flag -> column; used instead of label_column

    def __post_init__(self):
        self.path = Path(self.path)
        if self.format not in FORMATS:
            raise ArchiveError(f"unknown archive format {self.format!r}: use one of {', '.join(FORMATS)}")
        unknown = sorted(set(self.flag_columns) - set(HARM_FLAGS))
        if unknown:
            raise ArchiveError(f"--flag-columns names {', '.join(unknown)}, not flags of ours "
                               f"({', '.join(HARM_FLAGS)})")

    def as_dict(self):
        return {"path": str(self.path), "format": self.format, "text_column": self.text_column,
                "label_column": self.label_column, "flag_columns": dict(self.flag_columns)}


def parse_flag_columns(value):
    """"insult=col_a,threat=col_b" -> {"insult": "col_a", "threat": "col_b"}."""
    out = {}
    for item in filter(None, (v.strip() for v in (value or "").split(","))):
        flag, sep, column = item.partition("=")
        if not sep or not flag.strip() or not column.strip():
            raise ArchiveError(f"--flag-columns expects flag=column pairs separated by commas, not {item!r}")
        out[flag.strip()] = column.strip()
    return out


@dataclass
class ArchiveStats:
    """What reading the archive found, for the report and the model card."""

    rows: int = 0
    removed: int = 0
    skipped: dict = field(default_factory=dict)  # reason -> count

    def skip(self, reason):
        self.skipped[reason] = self.skipped.get(reason, 0) + 1


def file_sha256(path, chunk=1 << 20):
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def read_archive(spec, stats=None):
    """Yield ArchiveRow for every decided comment of the archive, in file order."""
    stats = stats if stats is not None else ArchiveStats()
    if not spec.path.is_file():
        raise ArchiveError(f"{spec.path}: no such archive file")
    reader = {"csv": _csv_rows, "jsonl": _jsonl_rows, "coral-mongoexport": _coral_rows}[spec.format]
    try:
        for row in reader(spec, stats):
            stats.rows += 1
            stats.removed += row.removed
            yield row
    except UnicodeDecodeError as exc:
        raise ArchiveError(f"{spec.path}: not valid UTF-8 ({exc.reason} at byte {exc.start} of a line)") from None


def _label(value, where):
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, (int, float)) and value in (0, 1):
        return int(value)
    text = str(value).strip().lower() if value is not None else ""
    if text in REMOVED:
        return 1
    if text in PUBLISHED:
        return 0
    raise ArchiveError(f"{where}: label {value!r} is neither published (0, false, published, approved) "
                       "nor removed (1, true, removed, rejected)")


def _removed(obj, spec, where):
    if spec.flag_columns:
        return int(any(_label(_get(obj, column, where), f"{where}, column {column!r}")
                       for column in spec.flag_columns.values()))
    return _label(_get(obj, spec.label_column, where), f"{where}, column {spec.label_column!r}")


def _get(obj, column, where):
    if column not in obj:
        raise ArchiveError(f"{where}: no column {column!r} (columns: {', '.join(map(str, obj))})")
    return obj[column]


def _text(obj, spec, where, stats):
    text = _get(obj, spec.text_column, where)
    if not isinstance(text, str):
        raise ArchiveError(f"{where}, column {spec.text_column!r}: expected text, got {type(text).__name__}")
    if not text.strip():
        stats.skip("empty text")
        return None
    return text


def _csv_rows(spec, stats):
    csv.field_size_limit(CSV_FIELD_LIMIT)
    with open(spec.path, encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        try:
            header = reader.fieldnames or []
        except csv.Error as exc:
            raise ArchiveError(f"{spec.path}:1: not a CSV header ({exc})") from None
        for column in [spec.text_column, *(spec.flag_columns.values() or [spec.label_column])]:
            if column not in header:
                raise ArchiveError(f"{spec.path}:1: no column {column!r} in the header "
                                   f"(columns: {', '.join(header) or 'none'})")
        while True:
            try:
                obj = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                raise ArchiveError(f"{spec.path}:{reader.line_num}: unreadable CSV ({exc})") from None
            where = f"{spec.path}:{reader.line_num}"
            if None in obj:
                raise ArchiveError(f"{where}: more fields than the header's {len(header)}")
            text = _text(obj, spec, where, stats)
            if text is not None:
                yield ArchiveRow(reader.line_num, text, _removed(obj, spec, where))


def _json_lines(path):
    """(line, object) of a JSON-lines file, read as training data is (data.read_jsonl)."""
    with open(path, encoding="utf-8-sig") as fh:
        if fh.read(64).lstrip().startswith("["):
            raise ArchiveError(f"{path}:1: a JSON array; export one document per line "
                               "(mongoexport without --jsonArray)")
    try:
        yield from read_jsonl(path)
    except DataError as exc:
        raise ArchiveError(str(exc)) from None


def _jsonl_rows(spec, stats):
    for lineno, obj in _json_lines(spec.path):
        where = f"{spec.path}:{lineno}"
        text = _text(obj, spec, where, stats)
        if text is not None:
            yield ArchiveRow(lineno, text, _removed(obj, spec, where))


def _coral_rows(spec, stats):
    for lineno, doc in _json_lines(spec.path):
        where = f"{spec.path}:{lineno}"
        status = doc.get("status")
        if status not in CORAL_DECIDED:
            if not isinstance(status, str):
                raise ArchiveError(f"{where}, key 'status': expected a Coral status string, got {status!r}")
            stats.skip(f"status {status}")
            continue
        if doc.get("deletedAt"):
            stats.skip("deleted")
            continue
        revisions = doc.get("revisions")
        if not isinstance(revisions, list) or not revisions or not isinstance(revisions[-1], dict):
            raise ArchiveError(f"{where}, key 'revisions': expected a non-empty list of revisions")
        body = revisions[-1].get("body")
        if body is None:
            stats.skip("no body")
            continue
        if not isinstance(body, str):
            raise ArchiveError(f"{where}, key 'revisions[-1].body': expected HTML text, got {type(body).__name__}")
        text = html_to_text(body)
        if not text.strip():
            stats.skip("empty text")
            continue
        yield ArchiveRow(lineno, text, CORAL_DECIDED[status])
