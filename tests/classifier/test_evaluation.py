"""Held-out evaluation: breakdowns and the worst errors a moderator should look at."""

from classifier.evaluation import evaluate, worst_errors
from classifier.labels import BEHAVIOUR_FLAGS, HARM_FLAGS


def record(text, topic="syria-aleppo-2016", lang="fr", **flags):
    rec = {"text": text, "topic": topic, "lang": lang, "stance": None, "shouting": False, "source": "written:test"}
    rec.update({f: bool(flags.get(f)) for f in HARM_FLAGS})
    rec["toxic"] = any(rec[f] for f in BEHAVIOUR_FLAGS)
    return rec


def output(decision="approve", evidence=(), **scores):
    flags = {f: {"score": scores.get(f, 0.0), "value": scores.get(f, 0.0) >= 0.5} for f in HARM_FLAGS}
    return {"flags": flags, "decision": decision, "evidence": list(evidence)}


def test_worst_errors_are_the_most_confident_mistakes_first():
    records = [record("juste", threat=True), record("manqué", dehumanising=True), record("fausse alerte"),
               record("presque")]
    results = [output(threat=0.9), output(dehumanising=0.05), output("reject", [{"kind": "cue"}], threat=0.7),
               output(insult=0.55)]
    errors = worst_errors(records, results, n=2)
    assert [e["text"] for e in errors] == ["manqué", "fausse alerte"]
    assert errors[0]["gold"] == ["dehumanising"] and errors[0]["predicted"] == [] and errors[0]["error"] == 0.95
    assert errors[1]["evidence"] == [{"kind": "cue"}] and errors[1]["decision"] == "reject"


def test_evaluate_breaks_down_by_language_and_topic(moderator):
    records = [record("Ces rats d'Alep-Est doivent être exterminés.", dehumanising=True),
               record("Pensées aux civils d'Alep.", topic="monde"),
               record("These rats must be exterminated.", lang="en", topic="monde", dehumanising=True),
               record("Peace to the people of Aleppo.", lang="en")]
    report = evaluate(moderator, records)
    assert set(report["by_language"]) == {"fr", "en"} and set(report["by_topic"]) == {"syria-aleppo-2016", "monde"}
    assert report["by_topic"]["monde"]["n"] == 2
