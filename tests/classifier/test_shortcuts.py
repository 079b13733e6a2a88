"""The shortcut audit (python -m classifier data-audit) and the counterfactual copies it relies on."""

from pathlib import Path

from classifier.data import corpus_files, load_records
from classifier.groups import CounterfactualGroups, group_terms, load_groups
from classifier.shortcuts import audit, format_report, tokens

ROOT = Path(__file__).resolve().parents[2]


def rec(text, lang="fr", toxic=False, **flags):
    base = dict.fromkeys(("dehumanising", "identity_attack", "insult", "threat", "profanity"), False)
    return {"text": text, "lang": lang, "source": "written:t", **base, **flags, "toxic": toxic}


def test_the_corpus_teaches_no_group_name_or_neutral_phrase_as_a_cue_of_harm():
    report = audit(load_records(corpus_files(ROOT / "training_data")))
    assert report["ok"], format_report(report)
    assert len(report["watched"]) >= 60  # group names, wishes and harm words with civil uses are all judged


def test_a_group_named_mostly_in_toxic_comments_fails_the_audit():
    records = [rec(f"Les Kurdes sont des rats {i}", toxic=True, dehumanising=True) for i in range(20)]
    records += [rec(f"Les Kurdes ont ouvert un café {i}") for i in range(5)]
    report = audit(records, min_count=10)
    failing = {w["term"] for w in report["failing"]}
    assert "kurdes" in failing and not report["ok"]
    assert "rats" in {t["token"] for t in report["top_tokens"]["dehumanising"]}


def test_tokens_are_words_bigrams_and_emoji():
    assert {"ces", "rats", "ces rats", "🐀"} <= tokens("Ces rats 🐀")


def test_every_ground_of_labels_md_has_named_groups():
    grounds = {g["ground"] for g in load_groups()}
    assert {"religion", "origin", "nationality", "migration", "sexual orientation", "gender identity", "sex",
            "disability", "age", "social situation", "place of residence"} <= grounds
    assert len(load_groups()) >= 40 and "musulmans" in group_terms()


def test_counterfactual_copies_keep_agreement_and_labels():
    records = [rec("Les réfugiés sont des rats.", toxic=True, dehumanising=True),
               rec("Beaucoup d'Arméniens vivent à Bourj Hammoud."),
               rec("Un chat noir dort sur le muret."),
               rec("Muslims run the best bakery in town", lang="en")]
    copies = CounterfactualGroups(copies=1, seed=3).augment(records)
    by_source = {c["text"]: c for c in copies}
    assert len(copies) == 3 and all(c["source"] == "written:t+swap" for c in copies)
    first = next(c for c in copies if c["dehumanising"])
    assert first["text"].startswith("Les ") and first["text"].endswith(" sont des rats.") and first["toxic"]
    assert "réfugiés" not in first["text"]
    second = next(t for t in by_source if "Bourj" in t)
    # "de"/"d'" follow the new group's first letter.
    assert second.startswith("Beaucoup d'") or second.startswith("Beaucoup de ")
    assert not any("chat" in t for t in by_source)  # adjectives are never swapped
