"""Perspective-compatible analysis: POST /v1alpha1/comments:analyze and comments:suggestscore.

Google's Perspective API closes at the end of 2026; newsrooms (and Coral's
toxicity phase) that call it can point at this endpoint instead. Requests,
answers and errors follow Perspective's documentation and Google's discovery
document (`commentanalyzer.v1alpha1`), which the tests run through Google's own
Python client. What differs is said in docs/perspective.md.

- TOXICITY is the probability that any harm flag, profanity included, is true
  (labels.md section 2); the French `*_EXPERIMENTAL` names are aliases; this
  product adds DEHUMANISING and SHOUTING.
- Span offsets count UTF-16 code units, as JavaScript and Google's clients do.
- A Perspective client decides by itself from the scores: analyze stores the
  comment for audit but never puts it in the moderators' queue (unless
  PERSPECTIVE_QUEUE=1); `doNotStore` stores nothing.
- suggestscore stores the suggested scores as a labelled example that the next
  `train` reads, like a moderator's correction.
"""

import hashlib
import re

from flask import Blueprint, current_app, jsonify

from .auth import require_perspective_key
from .errors import ApiError
from .validation import check_text, json_body

bp = Blueprint("perspective", __name__)

MAX_TEXT_BYTES = 20_480  # Perspective's published limit: 20 KB of UTF-8
# Sentences past the 100th get no span: scoring them as one last span read the whole comment through the
# pipeline a second time; the summary score covers the whole comment.
MAX_SPANS = 100

ATTRIBUTES = {
    # Decisions stored before the harm head existed rank by their strongest harm flag.
    "TOXICITY": lambda r: r["flags"].get("harm", {}).get("score") or max(
        r["flags"][f]["score"] for f in ("toxic", "profanity") if f in r["flags"]),
    "SEVERE_TOXICITY": lambda r: max(r["flags"]["dehumanising"]["score"], r["flags"]["threat"]["score"]),
    "IDENTITY_ATTACK": lambda r: r["flags"]["identity_attack"]["score"],
    "INSULT": lambda r: r["flags"]["insult"]["score"],
    "THREAT": lambda r: r["flags"]["threat"]["score"],
    "PROFANITY": lambda r: r["flags"].get("profanity", {}).get("score", 0.0),
    "DEHUMANISING": lambda r: r["flags"]["dehumanising"]["score"],
    "SHOUTING": lambda r: r["flags"]["shouting"]["score"],
}
# Perspective's names for French and other languages' models before they left the experimental stage.
ALIASES = {f"{name}_EXPERIMENTAL": name for name in ATTRIBUTES}
# The flags a suggested attribute score speaks for (suggestscore).
SUGGESTED_FLAGS = {"SEVERE_TOXICITY": None, "IDENTITY_ATTACK": "identity_attack", "INSULT": "insult",
                   "THREAT": "threat", "PROFANITY": "profanity", "DEHUMANISING": "dehumanising"}
SUPPORTED_LANGUAGES = ("fr", "en", "ar")
SCORE_TYPES = (None, "", "SCORE_TYPE_UNSPECIFIED", "PROBABILITY")
TEXT_TYPES = (None, "", "TEXT_TYPE_UNSPECIFIED", "PLAIN_TEXT")
_SENTENCE = re.compile(r"[^\s.!?][^.!?\n]*[.!?]*")


def _error(message, field=None):
    return ApiError(400, message, field)


def _canonical(name):
    return ALIASES.get(name, name)


def _attribute_options(body, key):
    """{name: (canonical name, options)} of `requestedAttributes` or `attributeScores`, checked."""
    requested = body.get(key)
    if not isinstance(requested, dict) or not requested:
        raise _error(f"{key} must be a non-empty object, e.g. {{\"TOXICITY\": {{}}}}", key)
    out = {}
    for name, options in requested.items():
        if _canonical(name) not in ATTRIBUTES:
            raise _error(f"Attribute {name} does not exist. Supported: {', '.join(ATTRIBUTES)}.", key)
        if options is not None and not isinstance(options, dict):
            raise _error(f"{key}.{name} must be an object", f"{key}.{name}")
        out[name] = (_canonical(name), options or {})
    return out


def _threshold(name, options):
    if options.get("scoreType") not in SCORE_TYPES:
        raise _error(f"requestedAttributes.{name}.scoreType: only PROBABILITY is supported",
                     f"requestedAttributes.{name}.scoreType")
    threshold = options.get("scoreThreshold")
    if threshold is not None and (isinstance(threshold, bool) or not isinstance(threshold, (int, float))
                                  or not 0 <= threshold <= 1):
        raise _error(f"requestedAttributes.{name}.scoreThreshold must be a number between 0 and 1",
                     f"requestedAttributes.{name}.scoreThreshold")
    return threshold


def _comment_text(body, settings):
    comment = body.get("comment")
    if not isinstance(comment, dict):
        raise _error("comment must be an object with a text field", "comment")
    if comment.get("type") not in TEXT_TYPES:
        raise _error("comment.type: only PLAIN_TEXT is supported", "comment.type")
    text = comment.get("text")
    if not isinstance(text, str):
        raise _error("comment.text must be a string", "comment.text")
    if not text.strip():
        raise _error("Comment must be non-empty.", "comment.text")
    if len(text.encode("utf-8", "surrogatepass")) > MAX_TEXT_BYTES:
        raise _error(f"Comment text was too many bytes: the limit is {MAX_TEXT_BYTES} bytes of UTF-8.",
                     "comment.text")
    try:
        return check_text(text, "comment.text", settings.max_text_chars)
    except ApiError as exc:
        raise _error(exc.message, exc.field) from None


def _language_hint(body, attribute):
    languages = body.get("languages")
    if languages is None:
        return None, None
    if not isinstance(languages, list) or not all(isinstance(x, str) for x in languages):
        raise _error("languages must be a list of language codes", "languages")
    codes = [code.split("-")[0].lower() for code in languages]
    hint = next((code for code in codes if code in SUPPORTED_LANGUAGES), None)
    if languages and hint is None:
        shown = ",".join(code for code in codes if code.isascii() and code.isalnum())[:100] or "?"
        raise _error(f"Attribute {attribute} does not support request languages: {shown}", "languages")
    return hint, languages


def _sentences(text):
    """(begin, end) code-point spans of the first MAX_SPANS sentences of `text`."""
    spans = []
    for m in _SENTENCE.finditer(text):
        if m.group(0).strip():
            spans.append((m.start(), m.end()))
            if len(spans) == MAX_SPANS:
                break
    return spans or [(0, len(text))]


def utf16_offsets(text):
    """A function from a code-point offset of `text` to its UTF-16 code-unit offset."""
    units, total = [0], 0
    for ch in text:
        total += 2 if ord(ch) > 0xFFFF else 1
        units.append(total)
    return units.__getitem__


def _echo(body, answer):
    token = body.get("clientToken")
    if isinstance(token, str):
        answer["clientToken"] = token.encode("utf-8", "replace").decode("utf-8")[:1000]
    return answer


def _comment_id(text):
    return "perspective:" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


@bp.post("/v1alpha1/comments:analyze")
def analyze():
    settings = current_app.config["SETTINGS"]
    client = require_perspective_key(current_app.extensions["perspective_keys"])
    body = json_body(surrogate_code=400)  # Google answers 400 INVALID_ARGUMENT
    text = _comment_text(body, settings)
    attributes = _attribute_options(body, "requestedAttributes")
    thresholds = {name: _threshold(name, options) for name, (_, options) in attributes.items()}
    hint, languages = _language_hint(body, next(iter(attributes)))
    store = not bool(body.get("doNotStore", False))
    service = current_app.extensions["service"]
    result = service.moderate([{"id": _comment_id(text), "text": text, "lang": hint}], client=client,
                              source="perspective", store=store, queue=settings.perspective_queue)[0]
    detected = result.get("lang") or "fr"

    spans, span_results = [], []
    if body.get("spanAnnotations"):
        spans = _sentences(text)
        span_results = [result] if len(spans) == 1 else current_app.extensions["moderator"].moderate_many(
            [{"text": text[b:e], "lang": detected} for b, e in spans])
        to_utf16 = utf16_offsets(text)
        spans = [(to_utf16(b), to_utf16(e)) for b, e in spans]
    scores = {}
    for name, (canonical, _) in attributes.items():
        limit = thresholds[name]
        summary = round(ATTRIBUTES[canonical](result), 4)
        entry = {}
        if limit is None or summary >= limit:
            entry["summaryScore"] = {"value": summary, "type": "PROBABILITY"}
        if spans:
            span_scores = [{"begin": b, "end": e, "score": {"value": round(ATTRIBUTES[canonical](r), 4),
                                                            "type": "PROBABILITY"}}
                           for (b, e), r in zip(spans, span_results)]
            entry["spanScores"] = [s for s in span_scores if limit is None or s["score"]["value"] >= limit]
            if not entry["spanScores"]:
                del entry["spanScores"]
        if entry:
            scores[name] = entry
    return jsonify(_echo(body, {"attributeScores": scores, "languages": languages or [detected],
                                "detectedLanguages": [detected]}))


@bp.post("/v1alpha1/comments:suggestscore")
def suggest_score():
    """A client's suggested scores for a comment, kept as a labelled example for the next `train`.

    A suggested score of 0.5 or more raises the attribute's flag; TOXICITY alone
    says "harmful" without saying how: the example then takes the model's
    strongest harm flag, or none when TOXICITY is suggested under 0.5.
    """
    settings = current_app.config["SETTINGS"]
    client = require_perspective_key(current_app.extensions["perspective_keys"])
    body = json_body(surrogate_code=400)  # Google answers 400 INVALID_ARGUMENT
    text = _comment_text(body, settings)
    suggested = {}
    for name, (canonical, entry) in _attribute_options(body, "attributeScores").items():
        value = (entry.get("summaryScore") or {}).get("value") if isinstance(entry.get("summaryScore"), dict) \
            else None
        if value is None:
            values = [s.get("score", {}).get("value") for s in entry.get("spanScores") or []
                      if isinstance(s, dict) and isinstance(s.get("score"), dict)]
            value = max((v for v in values if isinstance(v, (int, float))), default=None)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
            raise _error(f"attributeScores.{name}.summaryScore.value must be a number between 0 and 1",
                         f"attributeScores.{name}")
        suggested[canonical] = float(value)
    hint, languages = _language_hint(body, next(iter(suggested)))
    community = body.get("communityId") if isinstance(body.get("communityId"), str) else None
    result = current_app.extensions["service"].suggest(
        {"id": _comment_id(text), "text": text, "lang": hint}, suggested,
        client=client + (f":{community[:40]}" if community else ""))
    answer = {"detectedLanguages": [result.get("lang") or "fr"]}
    if languages:
        answer["requestedLanguages"] = languages
    return jsonify(_echo(body, answer))
