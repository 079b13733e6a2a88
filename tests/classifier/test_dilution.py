"""A harmful sentence stays harmful among civil ones; a civil comment is not rejected for being long."""

from pathlib import Path

from classifier.functional import load_suite

ROOT = Path(__file__).resolve().parents[2]
SEVERITY = {"approve": 0, "review": 1, "reject": 2}

# Civil sentences of our own, of the kinds that surround a comment's point.
CIVIL = [
    "Merci pour cet article.",
    "Bonne journée à toute la rédaction.",
    "J'ai lu le reportage jusqu'au bout, il est très complet.",
    "Je le dis depuis des années, et je le redis ici calmement.",
    "Cordialement, un lecteur fidèle depuis vingt ans.",
    "Les chiffres du deuxième paragraphe sont intéressants.",
]


def wrapped(text, i):
    before, after = CIVIL[i % len(CIVIL)], CIVIL[(i + 2) % len(CIVIL)]
    return [f"{text} {after}", f"{before} {text}", f"{before} {text} {after}",
            f"{before} {CIVIL[(i + 1) % len(CIVIL)]} {text} {after}"]


def cases(gold):
    suite = load_suite(ROOT / "tests" / "functional")
    return [t for f in suite.functionalities if f.gold == gold and f.lang == "fr" for t in f.cases]


def test_harmful_comments_keep_their_decision_among_civil_sentences(moderator):
    harmful = [t for t in cases("toxic")]
    alone = moderator.moderate_many([{"text": t} for t in harmful])
    held = [(t, r["decision"]) for t, r in zip(harmful, alone) if r["decision"] != "approve"]
    variants = [(v, d) for i, (t, d) in enumerate(held) for v in wrapped(t, i)]
    results = moderator.moderate_many([{"text": v} for v, _ in variants])
    kept = [SEVERITY[r["decision"]] >= SEVERITY[d] for (_, d), r in zip(variants, results)]
    assert len(variants) >= 400
    assert sum(kept) / len(kept) >= 0.95, [v for (v, _), k in zip(variants, kept) if not k][:10]


def test_civil_comments_are_not_rejected_more_often_for_being_long(moderator):
    civil = cases("civil")
    short = moderator.moderate_many([{"text": t} for t in civil])
    long = moderator.moderate_many([{"text": v} for i, t in enumerate(civil) for v in wrapped(t, i)[2:]])
    rate = lambda results, d: sum(r["decision"] == d for r in results) / len(results)  # noqa: E731
    assert rate(long, "reject") <= rate(short, "reject") + 0.005
    assert rate(long, "approve") >= rate(short, "approve") - 0.05
