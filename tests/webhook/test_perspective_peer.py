"""Google's own Perspective client, built from the API's discovery document, against a running gunicorn."""

import pytest

from tests.webhook.peers import perspective_client
from tests.webhook.servers import gunicorn

KEY = "pk-peer"


@pytest.fixture(scope="module")
def server(settings, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("perspective-peer")
    with gunicorn(settings, tmp, PERSPECTIVE_API_KEYS=KEY) as base:
        yield base, tmp


def http_error(call):
    from googleapiclient.errors import HttpError

    with pytest.raises(HttpError) as info:
        call.execute()
    return info.value.resp.status, info.value.reason


def test_analyze_with_spans_languages_and_aliases(server):
    client = perspective_client(server[0], KEY)
    text = "Bravo 👏🏽 pour ce papier. Mais toi t'es un sale con."
    answer = client.comments().analyze(body={
        "comment": {"text": text}, "languages": ["fr"], "spanAnnotations": True, "clientToken": "t-7",
        "requestedAttributes": {"TOXICITY": {}, "INSULT_EXPERIMENTAL": {}, "PROFANITY": {}}}).execute()
    assert set(answer["attributeScores"]) == {"TOXICITY", "INSULT_EXPERIMENTAL", "PROFANITY"}
    assert answer["languages"] == ["fr"] and answer["detectedLanguages"] == ["fr"] and answer["clientToken"] == "t-7"
    spans = answer["attributeScores"]["INSULT_EXPERIMENTAL"]["spanScores"]
    units = text.encode("utf-16-le")
    assert [units[2 * s["begin"]:2 * s["end"]].decode("utf-16-le") for s in spans] == \
        ["Bravo 👏🏽 pour ce papier.", "Mais toi t'es un sale con."]
    assert spans[1]["score"]["value"] > 0.5 > spans[0]["score"]["value"]


def test_analyze_detects_arabic(server):
    client = perspective_client(server[0], KEY)
    answer = client.comments().analyze(body={"comment": {"text": "شكرا على المقال، معلومات مفيدة كتير"},
                                             "requestedAttributes": {"TOXICITY": {}}}).execute()
    assert answer["detectedLanguages"] == ["ar"]


def test_suggestscore_is_kept_for_training(server):
    from webhook.review.queue import corrected_records
    from webhook.store import Store

    client = perspective_client(server[0], KEY)
    answer = client.comments().suggestscore(body={
        "comment": {"text": "Le maire est un incapable notoire."}, "clientToken": "s-1",
        "attributeScores": {"INSULT": {"summaryScore": {"value": 0.9}}}}).execute()
    assert answer["clientToken"] == "s-1"
    records = corrected_records(Store(f"sqlite:///{server[1] / 'db.sqlite'}"))
    assert [r["insult"] for r in records if r["text"] == "Le maire est un incapable notoire."] == [True]


@pytest.mark.parametrize("body, status, reason", [
    ({"comment": {"text": ""}, "requestedAttributes": {"TOXICITY": {}}}, 400, "Comment must be non-empty."),
    ({"comment": {"text": "x"}, "requestedAttributes": {"NOPE": {}}}, 400, "Attribute NOPE does not exist"),
    ({"comment": {"text": "x"}, "requestedAttributes": {"TOXICITY": {}}, "languages": ["ja"]}, 400,
     "does not support request languages: ja"),
    ({"comment": {"text": "ab" * 10_300}, "requestedAttributes": {"TOXICITY": {}}}, 400, "too many bytes"),
])
def test_documented_errors(server, body, status, reason):
    got_status, got_reason = http_error(perspective_client(server[0], KEY).comments().analyze(body=body))
    assert got_status == status and reason in got_reason


def test_key_errors(server):
    body = {"comment": {"text": "x"}, "requestedAttributes": {"TOXICITY": {}}}
    assert http_error(perspective_client(server[0], "wrong").comments().analyze(body=body))[0] == 400
    assert http_error(perspective_client(server[0], None).comments().analyze(body=body))[0] == 403
