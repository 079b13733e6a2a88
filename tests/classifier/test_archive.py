"""Reading moderation archives: CSV, JSONL and Coral's mongoexport, with errors that name line and column."""

import json

import pytest

from classifier.archive import ArchiveError, ArchiveSpec, ArchiveStats, parse_flag_columns, read_archive


def rows(spec, stats=None):
    return [(r.line, r.text, r.removed) for r in read_archive(spec, stats)]


def write(path, text):
    path.write_text(text, encoding="utf-8")
    return path


def test_csv_labels_in_the_spellings_newsrooms_use(tmp_path):
    path = write(tmp_path / "a.csv", "\ufeffbody,status\n"
                 "Merci pour ce reportage,published\n"
                 "Bande de clowns,removed\n"
                 "\"Sur deux\nlignes\",0\n"
                 "Dégage,REJECTED\n"
                 "D'accord avec vous,approved\n")
    got = rows(ArchiveSpec(path, "csv", text_column="body", label_column="status"))
    assert got == [(2, "Merci pour ce reportage", 0), (3, "Bande de clowns", 1), (5, "Sur deux\nlignes", 0),
                   (6, "Dégage", 1), (7, "D'accord avec vous", 0)]


@pytest.mark.parametrize("content, message", [
    ("text,label\nBonjour,peut-être\n", "a.csv:2, column 'label': label 'peut-être'"),
    ("texte,label\nBonjour,0\n", "a.csv:1: no column 'text' in the header (columns: texte, label)"),
    ("text,label\nBonjour,0,en trop\n", "a.csv:2: more fields than the header's 2"),
])
def test_csv_errors_name_the_line_and_the_column(tmp_path, content, message):
    path = write(tmp_path / "a.csv", content)
    with pytest.raises(ArchiveError) as error:
        rows(ArchiveSpec(path))
    assert str(error.value).startswith(f"{path.parent}/{message}")


def test_bad_utf8_is_an_archive_error(tmp_path):
    path = tmp_path / "a.csv"
    path.write_bytes(b"text,label\nd\xe9sol\xe9,0\n")
    with pytest.raises(ArchiveError, match="not valid UTF-8"):
        rows(ArchiveSpec(path))


def test_jsonl_with_our_flags_instead_of_a_label(tmp_path):
    lines = [{"comment": "Quelle belle journée", "ins": False, "thr": False},
             {"comment": "Je vais te retrouver", "ins": False, "thr": True},
             {"comment": "   ", "ins": False, "thr": False}]
    path = write(tmp_path / "a.jsonl", "\n".join(json.dumps(x, ensure_ascii=False) for x in lines) + "\n")
    stats = ArchiveStats()
    spec = ArchiveSpec(path, "jsonl", text_column="comment", flag_columns=parse_flag_columns("insult=ins,threat=thr"))
    assert rows(spec, stats) == [(1, "Quelle belle journée", 0), (2, "Je vais te retrouver", 1)]
    assert stats.rows == 2 and stats.removed == 1 and stats.skipped == {"empty text": 1}


def test_jsonl_errors_name_the_line(tmp_path):
    path = write(tmp_path / "a.jsonl", '{"text": "ok", "label": 0}\n{"text": "cassé", "label": 1,}\n')
    with pytest.raises(ArchiveError, match=r"a.jsonl:2: invalid JSON: .* \(column 30\)"):
        rows(ArchiveSpec(path, "jsonl"))
    path = write(tmp_path / "b.jsonl", '{"text": "ok", "label": 0}\n{"text": "sans label"}\n')
    with pytest.raises(ArchiveError, match=r"b.jsonl:2: no column 'label'"):
        rows(ArchiveSpec(path, "jsonl"))


def test_options_are_checked():
    with pytest.raises(ArchiveError, match="unknown archive format 'xml'"):
        ArchiveSpec("x", "xml")
    with pytest.raises(ArchiveError, match="not flags of ours"):
        ArchiveSpec("x", "csv", flag_columns={"spam": "s"})
    with pytest.raises(ArchiveError, match="flag=column"):
        parse_flag_columns("insult")


def coral_comment(n, status, bodies, deleted=False):
    """A comment document as `mongoexport --collection=comments` writes it (canonical extended JSON)."""
    doc = {
        "_id": {"$oid": f"65a0c0ffee{n:014d}"}, "id": f"0d6c{n:04d}-6a3e-4a53-9d0e-2f0b1b7c{n:04d}",
        "tenantID": "t-1", "storyID": "s-1", "authorID": f"a-{n}", "parentID": None, "status": status,
        "revisions": [{"id": f"r-{n}-{i}", "body": body, "actionCounts": {},
                       "createdAt": {"$date": "2026-11-0%dT10:00:00.000Z" % (i + 1)}} for i, body in enumerate(bodies)],
        "createdAt": {"$date": "2026-11-01T10:00:00.000Z"}, "tags": [], "childIDs": [], "actionCounts": {},
    }
    if deleted:
        doc["deletedAt"] = {"$date": "2026-11-03T10:00:00.000Z"}
        doc["revisions"][-1]["body"] = None
    return json.dumps(doc)


def test_coral_mongoexport_reads_the_latest_revision_of_decided_comments(tmp_path):
    path = write(tmp_path / "comments.json", "\n".join([
        coral_comment(1, "APPROVED", ["<p>Premier jet</p>", "<p>Merci pour cet <b>article</b> &amp; les photos</p>"]),
        coral_comment(2, "REJECTED", ["<p>Espèce d'<i>abruti</i></p>"]),
        coral_comment(3, "NONE", ["<p>Pas encore décidé</p>"]),
        coral_comment(4, "PREMOD", ["<p>En attente</p>"]),
        coral_comment(5, "REJECTED", ["<p>Effacé</p>"], deleted=True),
        coral_comment(6, "SYSTEM_WITHHELD", ["<p>Retenu</p>"]),
    ]) + "\n")
    stats = ArchiveStats()
    got = rows(ArchiveSpec(path, "coral-mongoexport"), stats)
    assert got == [(1, "Merci pour cet article & les photos", 0), (2, "Espèce d'abruti", 1)]
    assert stats.skipped == {"status NONE": 1, "status PREMOD": 1, "deleted": 1, "status SYSTEM_WITHHELD": 1}


def test_coral_markup_never_hides_words_from_the_archive(tmp_path):
    path = write(tmp_path / "comments.json", coral_comment(1, "REJECTED", ["<p>a <y. tous des rats> b</p>"]) + "\n")
    assert "tous des rats" in rows(ArchiveSpec(path, "coral-mongoexport"))[0][1]


def test_coral_export_as_an_array_or_without_revisions_is_refused_clearly(tmp_path):
    path = write(tmp_path / "array.json", "[" + coral_comment(1, "APPROVED", ["<p>x</p>"]) + "]\n")
    with pytest.raises(ArchiveError, match="without --jsonArray"):
        rows(ArchiveSpec(path, "coral-mongoexport"))
    path = write(tmp_path / "norev.json", json.dumps({"status": "APPROVED", "revisions": []}) + "\n")
    with pytest.raises(ArchiveError, match=r"norev.json:1, key 'revisions'"):
        rows(ArchiveSpec(path, "coral-mongoexport"))
    path = write(tmp_path / "nostatus.json", json.dumps({"revisions": [{"body": "x"}]}) + "\n")
    with pytest.raises(ArchiveError, match=r"nostatus.json:1, key 'status'"):
        rows(ArchiveSpec(path, "coral-mongoexport"))
