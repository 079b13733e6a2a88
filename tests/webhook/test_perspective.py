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
    # Stored for audit, never queued: a Perspective client decides by itself from the scores.
    assert app.extensions["store"].count(source="perspective") == 1
    assert app.extensions["store"].count(source="perspective", queue="review") == 0


def test_analyze_queues_only_when_configured(make_app):
    app = make_app(perspective_queue=True)
    analyze(app.test_client(), {"comment": {"text": TEXT}, "requestedAttributes": {"INSULT": {}}})
    assert app.extensions["store"].count(source="perspective", queue="review") == 1


def test_toxicity_is_any_harm_flag_profanity_included(client):
    r = analyze(client, {"comment": {"text": "Putain, quelle soirée de merde, le bus est encore en retard."},
                         "requestedAttributes": {"TOXICITY": {}, "PROFANITY": {}, "PROFANITY_EXPERIMENTAL": {},
                                                 "TOXICITY_EXPERIMENTAL": {}}})
    scores = {k: v["summaryScore"]["value"] for k, v in r.json["attributeScores"].items()}
    assert scores["PROFANITY"] > 0.5 and scores["TOXICITY"] >= scores["PROFANITY"] - 0.2
    assert scores["PROFANITY_EXPERIMENTAL"] == scores["PROFANITY"]
    assert scores["TOXICITY_EXPERIMENTAL"] == scores["TOXICITY"]


def test_score_threshold_leaves_out_low_scores(client):
    r = analyze(client, {"comment": {"text": "Merci pour cet article très clair."},
                         "requestedAttributes": {"TOXICITY": {"scoreThreshold": 0.9},
                                                 "SHOUTING": {"scoreType": "PROBABILITY"}}})
    assert r.status_code == 200 and "TOXICITY" not in r.json["attributeScores"]
    assert "SHOUTING" in r.json["attributeScores"]


def test_detected_language_is_the_detected_one_not_the_hint(client):
    r = analyze(client, {"comment": {"text": "الله يحمي لبنان وأهله، كل الاحترام للمسعفين"},
                         "requestedAttributes": {"TOXICITY": {}}, "languages": ["ar"]})
    assert r.json["detectedLanguages"] == ["ar"] and r.json["languages"] == ["ar"]
    r = analyze(client, {"comment": {"text": "الله يحمي لبنان وأهله، كل الاحترام للمسعفين"},
                         "requestedAttributes": {"TOXICITY": {}}})
    assert r.json["detectedLanguages"] == ["ar"] and r.json["languages"] == ["ar"]


def test_span_offsets_count_utf16_code_units(client):
    text = "Super 😀😀 article. Tu es un idiot."
    r = analyze(client, {"comment": {"text": text}, "requestedAttributes": {"INSULT": {}}, "spanAnnotations": True})
    units = text.encode("utf-16-le")
    sliced = [units[2 * s["begin"]:2 * s["end"]].decode("utf-16-le")
              for s in r.json["attributeScores"]["INSULT"]["spanScores"]]
    assert sliced == ["Super 😀😀 article.", "Tu es un idiot."]


def test_span_work_is_bounded(client, app):
    calls = []
    moderator = app.extensions["moderator"]
    original = moderator.moderate_many
    moderator.moderate_many = lambda comments: calls.append(len(comments)) or original(comments)
    try:
        r = analyze(client, {"comment": {"text": "V. " * 3000}, "requestedAttributes": {"INSULT": {}},
                             "spanAnnotations": True, "doNotStore": True})
    finally:
        moderator.moderate_many = original
    assert r.status_code == 200 and len(r.json["attributeScores"]["INSULT"]["spanScores"]) == 100
    assert calls == [1, 100]


def test_spans_past_the_cap_are_not_scored_again(client, app):
    """20 KB of "V. " (6,666 sentences): the span pass reads the first 100 sentences, not the whole comment a
    second time (it used to: the 100th span held the other 6,566)."""
    read = []
    moderator = app.extensions["moderator"]
    original = moderator.moderate_many
    moderator.moderate_many = lambda comments: read.append(sum(len(c["text"]) for c in comments)) or original(comments)
    text = "Espèce d'idiot. " + "V. " * 6660
    try:
        r = analyze(client, {"comment": {"text": text}, "requestedAttributes": {"INSULT": {}},
                             "spanAnnotations": True, "doNotStore": True})
    finally:
        moderator.moderate_many = original
    spans = r.json["attributeScores"]["INSULT"]["spanScores"]
    assert r.status_code == 200 and len(spans) == 100 and spans[-1]["end"] < 400
    assert spans[0]["score"]["value"] > 0.5 > spans[1]["score"]["value"]
    whole, span_pass = read
    assert whole == len(text) and span_pass < 400, read


def test_suggested_scores_become_a_labelled_example_for_training(client, app):
    from webhook.review.queue import corrected_records

    text = "Tu es vraiment un génie incompris, toi."
    r = client.post("/v1alpha1/comments:suggestscore", json={
        "comment": {"text": text}, "attributeScores": {"INSULT": {"summaryScore": {"value": 1}}},
        "communityId": "/forum/sport", "clientToken": "c-1"})
    assert r.status_code == 200 and r.json["clientToken"] == "c-1" and r.json["detectedLanguages"] == ["fr"]
    (record,) = corrected_records(app.extensions["store"])
    assert record["text"] == text and record["insult"] and record["toxic"]
    assert record["source"].startswith("suggestion:")
    assert app.extensions["store"].count(queue="review") == 0


def test_a_suggested_zero_toxicity_clears_every_flag(client, app):
    from webhook.review.queue import corrected_records

    client.post("/v1alpha1/comments:suggestscore", json={
        "comment": {"text": "Ces rats du métro m'ont encore réveillé cette nuit."},
        "attributeScores": {"TOXICITY": {"summaryScore": {"value": 0}}}})
    (record,) = corrected_records(app.extensions["store"])
    assert not any(record[f] for f in ("dehumanising", "identity_attack", "insult", "threat", "profanity"))


def test_span_scores_when_asked(client):
    r = analyze(client, {"comment": {"text": TEXT}, "requestedAttributes": {"INSULT": {}}, "spanAnnotations": True})
    spans = r.json["attributeScores"]["INSULT"]["spanScores"]
    assert [(s["begin"], s["end"]) for s in spans] == [(0, 20), (21, len(TEXT))]
    assert spans[0]["score"]["value"] > spans[1]["score"]["value"]


def test_do_not_store_stores_nothing(client, app):
    r = analyze(client, {"comment": {"text": TEXT}, "requestedAttributes": {"TOXICITY": {}}, "doNotStore": True})
    assert r.status_code == 200 and app.extensions["store"].count() == 0


@pytest.mark.parametrize("body, message", [
    ({"comment": {"text": "x"}, "requestedAttributes": {"FLIRTATION": {}}}, "Attribute FLIRTATION does not exist"),
    ({"comment": {"text": " "}, "requestedAttributes": {"TOXICITY": {}}}, "Comment must be non-empty."),
    ({"comment": {"text": ""}, "requestedAttributes": {"TOXICITY": {}}}, "Comment must be non-empty."),
    ({"comment": {"text": "é" * 10_241}, "requestedAttributes": {"TOXICITY": {}}}, "too many bytes"),
    ({"comment": {"text": "x", "type": "HTML"}, "requestedAttributes": {"TOXICITY": {}}}, "PLAIN_TEXT"),
    ({"comment": {"text": "x"}, "requestedAttributes": {"TOXICITY": {"scoreType": "RAW"}}}, "PROBABILITY"),
    ({"comment": {"text": "x"}, "requestedAttributes": {"TOXICITY": {"scoreThreshold": 2}}}, "scoreThreshold"),
    ({"comment": {"text": "x"}, "requestedAttributes": {}}, "requestedAttributes"),
    ({"comment": {"text": "x"}}, "requestedAttributes"),
    ({"comment": "x", "requestedAttributes": {"TOXICITY": {}}}, "comment"),
    ({"comment": {"text": "x"}, "requestedAttributes": {"TOXICITY": {}}, "languages": ["ja"]}, "languages"),
])
def test_perspective_style_400_errors(client, body, message):
    r = analyze(client, body)
    assert r.status_code == 400 and r.json["error"]["status"] == "INVALID_ARGUMENT"
    assert message in r.json["error"]["message"]


def test_unspecified_text_type_is_plain_text(client):
    body = {"comment": {"text": "bonjour", "type": "TEXT_TYPE_UNSPECIFIED"}, "requestedAttributes": {"TOXICITY": {}}}
    assert analyze(client, body).status_code == 200


def test_keys_in_the_query_string_answer_as_google_does(make_app):
    client = make_app(perspective_api_keys=("pk-1",)).test_client()
    body = {"comment": {"text": "bonjour"}, "requestedAttributes": {"TOXICITY": {}}}
    assert analyze(client, body).status_code == 403
    wrong = analyze(client, body, key="wrong")
    assert wrong.status_code == 400 and wrong.json["error"]["status"] == "INVALID_ARGUMENT"
    assert analyze(client, body, key="pk-1").status_code == 200


# Civil comments written for this test, in the registers a French news site receives. Perspective users
# act on TOXICITY >= 0.7 (or 0.8): a civil comment must stay below it, and rarely above 0.5.
CIVIL = [
    "Très bon article, merci d'avoir pris le temps d'interroger les habitants du quartier.",
    "Je ne suis pas d'accord avec la conclusion : le budget de la culture a baissé deux années de suite.",
    "Quelqu'un sait à quelle heure ouvre la mairie annexe le samedi ?",
    "Mon grand-père était ouvrier chez Renault, il aurait adoré lire ce reportage.",
    "Les chiffres de l'Insee disent l'inverse, il faudrait citer vos sources.",
    "Bravo aux bénévoles de la Croix-Rouge, ils étaient là toute la nuit.",
    "J'espère que la ligne de tram sera prête avant la rentrée, on en a vraiment besoin.",
    "Article un peu long mais instructif, surtout la partie sur les loyers.",
    "Les musulmans de mon immeuble ont organisé un iftar ouvert à tous, c'était très sympa.",
    "En tant que personne handicapée, je confirme que la gare reste inaccessible en fauteuil.",
    "Le match d'hier soir était une tuerie, quel but à la dernière minute !",
    "Franchement je crève de chaud dans ce bureau, vivement la clim.",
    "Mes voisins chiites et sunnites ont fêté ensemble la victoire de l'équipe nationale.",
    "Je te souhaite bon courage pour ton concours, tu vas y arriver.",
    "Ce ministre a menti sur les chiffres du chômage, c'est grave et il doit s'expliquer.",
    "Les réfugiés syriens de Tripoli tiennent maintenant la moitié des boulangeries du souk.",
    "Petite erreur dans l'infographie : la Bekaa n'est pas au nord du pays.",
    "J'ai lu ça en écoutant du Fairouz, ambiance parfaite pour un dimanche matin.",
    "Il faudrait interdire les voitures en centre-ville, les rues seraient enfin respirables.",
    "Ma fille est en couple avec une femme depuis cinq ans et on l'adore.",
    "Les personnes âgées de la résidence attendent toujours leurs vaccins, c'est inquiétant.",
    "Ce film m'a tué, j'ai pleuré du début à la fin.",
    "Les rats envahissent les égouts de la ville depuis la grève des éboueurs.",
    "Je pense que la réforme des retraites est injuste pour les femmes aux carrières hachées.",
    "Merci pour cette enquête sur les foyers de travailleurs migrants, c'est trop rare.",
]


def test_civil_comments_stay_under_perspective_users_thresholds(client):
    scores = [analyze(client, {"comment": {"text": t}, "requestedAttributes": {"TOXICITY": {}}, "doNotStore": True})
              .json["attributeScores"]["TOXICITY"]["summaryScore"]["value"] for t in CIVIL]
    high = [(t, s) for t, s in zip(CIVIL, scores) if s >= 0.7]
    assert high == [], high
    assert sum(s >= 0.5 for s in scores) <= 1, [(t, s) for t, s in zip(CIVIL, scores) if s >= 0.5]
