"""Perspective-compatible analysis: POST /v1alpha1/comments:analyze.

Google's Perspective API closes at the end of 2026; newsrooms (and Coral's
toxicity phase) that call it can point at this endpoint instead. Request and
response follow Perspective's shapes; this product adds DEHUMANISING and
SHOUTING to its attributes.
"""

import hashlib
import re

from flask import Blueprint, current_app, jsonify

from .auth import require_perspective_key
from .errors import ApiError
from .validation import check_text, json_body

bp = Blueprint("perspective", __name__)


def _severe(flags):
    return max(flags["dehumanising"]["score"], flags["threat"]["score"])


ATTRIBUTES = {
    "TOXICITY": lambda f: f["toxic"]["score"],
    "SEVERE_TOXICITY": _severe,
    "IDENTITY_ATTACK": lambda f: f["identity_attack"]["score"],
    "INSULT": lambda f: f["insult"]["score"],
    "THREAT": lambda f: f["threat"]["score"],
    "DEHUMANISING": lambda f: f["dehumanising"]["score"],
    "SHOUTING": lambda f: f["shouting"]["score"],
}
_SENTENCE = re.compile(r"[^\s.!?][^.!?\n]*[.!?]*")


def _error(message, field=None):
    return ApiError(400, message, field)


def _requested(body):
    requested = body.get("requestedAttributes")
    if not isinstance(requested, dict) or not requested:
        raise _error("requestedAttributes must be a non-empty object, e.g. {\"TOXICITY\": {}}",
                     "requestedAttributes")
    for name, options in requested.items():
        if name not in ATTRIBUTES:
            raise _error(f"Attribute {name} does not exist. Supported: {', '.join(ATTRIBUTES)}.",
                         "requestedAttributes")
        if options is not None and not isinstance(options, dict):
            raise _error(f"requestedAttributes.{name} must be an object", f"requestedAttributes.{name}")
    return list(requested)


def _sentences(text):
    """(begin, end) spans of the sentences of `text`, for spanScores."""
    spans = [(m.start(), m.end()) for m in _SENTENCE.finditer(text) if m.group(0).strip()]
    return spans or [(0, len(text))]


@bp.post("/v1alpha1/comments:analyze")
def analyze():
    settings = current_app.config["SETTINGS"]
    client = require_perspective_key(current_app.extensions["perspective_keys"])
    body = json_body()
    comment = body.get("comment")
    if not isinstance(comment, dict):
        raise _error("comment must be an object with a text field", "comment")
    text = check_text(comment.get("text"), "comment.text", settings.max_text_chars)
    if comment.get("type", "PLAIN_TEXT") != "PLAIN_TEXT":
        raise _error("comment.type must be PLAIN_TEXT", "comment.type")
    attributes = _requested(body)
    languages = body.get("languages")
    if languages is not None and (not isinstance(languages, list) or not all(isinstance(x, str) for x in languages)):
        raise _error("languages must be a list of language codes", "languages")
    lang = next((code.split("-")[0].lower() for code in languages or [] if code.split("-")[0].lower() in
                 ("fr", "en", "ar")), None)
    if languages and lang is None:
        raise _error(f"Attribute {attributes[0]} does not support request languages: {','.join(languages)}",
                     "languages")
    store = not bool(body.get("doNotStore", False))
    comment_id = "perspective:" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]
    service = current_app.extensions["service"]
    result = service.moderate([{"id": comment_id, "text": text, "lang": lang}], client=client,
                              source="perspective", store=store)[0]

    spans = []
    if body.get("spanAnnotations"):
        spans = _sentences(text)
        if len(spans) > 1:
            span_results = current_app.extensions["moderator"].moderate_many(
                [{"text": text[b:e], "lang": result.get("lang")} for b, e in spans])
        else:
            span_results = [result]
    scores = {}
    for name in attributes:
        summary = ATTRIBUTES[name](result["flags"])
        entry = {"summaryScore": {"value": round(summary, 4), "type": "PROBABILITY"}}
        if spans:
            entry["spanScores"] = [{"begin": b, "end": e, "score": {"value": round(ATTRIBUTES[name](r["flags"]), 4),
                                                                     "type": "PROBABILITY"}}
                                   for (b, e), r in zip(spans, span_results)]
        scores[name] = entry
    detected = result.get("lang") or "fr"
    answer = {"attributeScores": scores, "languages": languages or [detected], "detectedLanguages": [detected]}
    if isinstance(body.get("clientToken"), str):
        answer["clientToken"] = body["clientToken"]
    return jsonify(answer)
