"""Perspective-compatible analysis: its request and answer shapes, its errors."""

import pytest

TEXT = "Tu n'es qu'un idiot. Le reste de l'article est juste."


def analyze(client, body, key=None):
    url = "/v1alpha1/comments:analyze" + (f"?key={key}" if key else "")
    return client.post(url, json=body)


def test_summary_scores_for_each_requested_attribute(client, app):
    r = analyze(client, {"comment": {"text": TEXT}, "requestedAttributes": {"TOXICITY": {}, "INSULT": {},
                                                                            "DEHUMANISING": {}, "SHOUTING": {}}})
    assert r.status_code == 200
    scores = r.json["attributeScores"]
    assert set(scores) == {"TOXICITY", "INSULT", "DEHUMANISING", "SHOUTING"}
    assert scores["INSULT"]["summaryScore"]["type"] == "PROBABILITY"
    assert scores["INSULT"]["summaryScore"]["value"] > 0.5 > scores["DEHUMANISING"]["summaryScore"]["value"]
    assert r.json["languages"] == ["fr"] and "spanScores" not in scores["INSULT"]
    assert app.extensions["store"].count(source="perspective") == 1


def test_span_scores_when_asked(client):
    r = analyze(client, {"comment": {"text": TEXT}, "requestedAttributes": {"INSULT": {}}, "spanAnnotations": True})
    spans = r.json["attributeScores"]["INSULT"]["spanScores"]
    assert [(s["begin"], s["end"]) for s in spans] == [(0, 20), (21, len(TEXT))]
    assert spans[0]["score"]["value"] > spans[1]["score"]["value"]


def test_do_not_store_stores_nothing(client, app):
    r = analyze(client, {"comment": {"text": TEXT}, "requestedAttributes": {"TOXICITY": {}}, "doNotStore": True})
    assert r.status_code == 200 and app.extensions["store"].count() == 0


@pytest.mark.parametrize("body, message", [
    ({"comment": {"text": "x"}, "requestedAttributes": {"PROFANITY": {}}}, "Attribute PROFANITY does not exist"),
    ({"comment": {"text": "x"}, "requestedAttributes": {}}, "requestedAttributes"),
    ({"comment": {"text": "x"}}, "requestedAttributes"),
    ({"comment": "x", "requestedAttributes": {"TOXICITY": {}}}, "comment"),
    ({"comment": {"text": "x"}, "requestedAttributes": {"TOXICITY": {}}, "languages": ["ja"]}, "languages"),
])
def test_perspective_style_400_errors(client, body, message):
    r = analyze(client, body)
    assert r.status_code == 400 and r.json["error"]["status"] == "INVALID_ARGUMENT"
    assert message in r.json["error"]["message"]


def test_keys_in_the_query_string(make_app):
    client = make_app(perspective_api_keys=("pk-1",)).test_client()
    body = {"comment": {"text": "bonjour"}, "requestedAttributes": {"TOXICITY": {}}}
    assert analyze(client, body).status_code == 401
    assert analyze(client, body, key="wrong").status_code == 401
    assert analyze(client, body, key="pk-1").status_code == 200
