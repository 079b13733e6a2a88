"""Coral Talk's external moderation phase: POST /v1/coral/moderate.

Coral (checked against 9.11.8's `external.ts`) signs the raw body with
`X-Coral-Signature: sha256=<hex>` (several, comma-separated, while secrets
rotate), waits the phase's timeout (200 ms by default) and validates every
answer with its `ExternalModerationResponseSchema`; an answer that fails it is
ignored. So every answer here is one that schema accepts:

- approve: `{}` by default, "no opinion", so the pre-moderation phases that run
  after ours still apply (`CORAL_APPROVE_ANSWER=APPROVED` ends the pipeline
  with an approval instead);
- review: `SYSTEM_WITHHELD` with a FLAG action (COMMENT_DETECTED_TOXIC);
- reject: `REJECTED`, the FLAG action, and a `moderationAction` whose
  `rejectionReason` carries Coral's code and a short explanation in the
  comment's language, which Coral records and sends to the author (DSA).
- never a `tags` array: Coral's schema requires FEATURED or STAFF in one.

Coral sends no comment id (no version of `external.ts` does). A comment is
keyed on its thread (tenant, story, author, parent comment) and its text: a
retry of the same request is the same comment. An EDIT is stored as a new
version of the comment it edits: the same author's comment in the same thread,
received within `CORAL_EDIT_WINDOW_SECONDS`, whose text is closest to the new
text; with none, the edit is stored as a comment of its own.

`CORAL_BODY_FORMAT` says what Coral's phase is set to send: HTML (Coral's
default), read by `html_text` without dropping a word, or PLAIN_TEXT, taken as
it is.
"""

import datetime as dt
import difflib
import hashlib

from flask import Blueprint, Response, current_app, jsonify

from classifier.html_text import html_to_text

from .auth import require_coral_signature
from .errors import ApiError
from .store import AUTHOR_NAME_CHARS, ID_CHARS
from .validation import check_id, check_text, json_body, optional_str, raw_body

bp = Blueprint("coral", __name__)

FLAG_TOXIC = {"actionType": "FLAG", "reason": "COMMENT_DETECTED_TOXIC"}

# Coral's REJECTION_REASON_CODE for each of our flags, strongest first: the first raised one is sent.
REJECTION_CODES = (
    ("dehumanising", "HATE_SPEECH"),
    ("identity_attack", "HATE_SPEECH"),
    ("threat", "ABUSIVE"),
    ("insult", "HARASSMENT_BULLYING"),
    ("profanity", "OFFENSIVE"),
    ("shouting", "OFFENSIVE"),
    ("newsroom", "OTHER"),  # a model adapted to the newsroom's archive: removed as its moderators did
)

# The author reads this: short, in the comment's language, naming the words that decided.
EXPLANATIONS = {
    "fr": {"dehumanising": "Propos déshumanisants envers des personnes", "identity_attack":
           "Attaque contre un groupe de personnes", "threat": "Menace ou appel à la violence",
           "insult": "Insulte envers une personne", "profanity": "Langage grossier", "shouting":
           "Message écrit en majuscules", "newsroom": "Contraire à la charte de modération du journal",
           "words": "mots en cause"},
    "en": {"dehumanising": "Dehumanising language about people", "identity_attack": "Attack on a group of people",
           "threat": "Threat or call for violence", "insult": "Insult aimed at a person", "profanity":
           "Vulgar language", "shouting": "Written in capitals", "newsroom": "Against the newsroom's moderation "
           "charter", "words": "words at issue"},
    "ar": {"dehumanising": "كلام يجرّد الناس من إنسانيتهم", "identity_attack": "هجوم على مجموعة من الناس",
           "threat": "تهديد أو دعوة إلى العنف", "insult": "إهانة لشخص", "profanity": "كلام بذيء",
           "shouting": "رسالة بأحرف كبيرة", "newsroom": "مخالف لميثاق الإشراف في الصحيفة",
           "words": "الكلمات المعنية"},
}


def _object(body, key):
    value = body.get(key) or {}
    if not isinstance(value, dict):
        raise ApiError(422, f"{key} must be an object", key)
    return value


def _id(obj, key, field, max_len=ID_CHARS):
    value = obj.get(key)
    return None if value is None or value == "" else check_id(value, field, max_len)


def rejection(result):
    """Coral's moderationAction for a rejected comment: reason code and a short explanation."""
    raised = {name for name, flag in result["flags"].items() if flag.get("value")}
    decisive = [r.split(":", 1)[-1] for r in result.get("reasons", [])] or sorted(raised)
    flag, code = next(((f, c) for f, c in REJECTION_CODES if f in decisive), (None, "OTHER"))
    words = EXPLANATIONS.get(result.get("lang"), EXPLANATIONS["fr"])
    explanation = words.get(flag, words["insult"] if flag is None else flag)
    cues = list(dict.fromkeys(e["text"] for e in result.get("evidence", []) if e.get("kind") == "cue"))[:3]
    if cues:
        explanation += f" ({words['words']} : {', '.join(cues)})" if result.get("lang") == "fr" else \
            f" ({words['words']}: {', '.join(cues)})"
    return {"status": "REJECTED", "rejectionReason": {"code": code, "detailedExplanation": explanation[:500]}}


def answer(result, approve_answer):
    decision = result["decision"]
    if decision == "approve":
        # A bare "{}" is what Coral reads as "no opinion" (external.ts compares the text to "{}").
        body = '{"status": "APPROVED", "actions": []}' if approve_answer == "APPROVED" else "{}"
        return Response(body, mimetype="application/json")
    if decision == "review":
        return jsonify({"status": "SYSTEM_WITHHELD", "actions": [FLAG_TOXIC]})
    return jsonify({"status": "REJECTED", "actions": [FLAG_TOXIC], "moderationAction": rejection(result)})


def thread_key(tenant, story_id, author_id, parent):
    identity = "\x1f".join((tenant, story_id or "", author_id or "", parent or ""))
    return "coral:" + hashlib.sha256(identity.encode("utf-8")).hexdigest()[:24]


def comment_id_for(store, action, thread, text, window_seconds):
    """The stored comment this request is about (see the module docstring)."""
    own = f"{thread}:{hashlib.sha256(text.encode('utf-8')).hexdigest()[:24]}"
    if action != "EDIT":
        return own
    since = dt.datetime.now(dt.timezone.utc) - dt.timedelta(seconds=window_seconds)
    try:
        candidates = store.latest_versions(thread + ":", since)
    except Exception:  # the store is down: the edit is judged and journalled as a comment of its own
        return own
    if not candidates:
        return own
    return max(candidates, key=lambda c: difflib.SequenceMatcher(None, c[1], text).ratio())[0]


@bp.post("/v1/coral/moderate")
def moderate():
    settings = current_app.config["SETTINGS"]
    raw = raw_body()
    require_coral_signature(settings.coral_signing_secrets, raw)
    body = json_body()
    action = body.get("action")
    if action not in ("NEW", "EDIT"):
        raise ApiError(422, 'action must be "NEW" or "EDIT"', "action")
    comment, author, story = _object(body, "comment"), _object(body, "author"), _object(body, "story")
    site = _object(body, "site")
    raw_text = comment.get("body")
    if not isinstance(raw_text, str):
        raise ApiError(422, "comment.body must be a string", "comment.body")
    if settings.coral_body_format == "HTML":
        raw_text = html_to_text(check_text(raw_text, "comment.body", settings.max_text_chars * 4))
    text = check_text(raw_text, "comment.body", settings.max_text_chars)
    # The store's client column holds "coral:" + the tenant.
    tenant_chars = ID_CHARS - len("coral:")
    tenant = _id(body, "tenantID", "tenantID", tenant_chars) or _id(site, "id", "site.id", tenant_chars) or "coral"
    story_id, author_id = _id(story, "id", "story.id"), _id(author, "id", "author.id")
    author_name = optional_str(author, "username", "author.username", AUTHOR_NAME_CHARS) or None
    parent = _id(comment, "parentID", "comment.parentID")
    story_url = story.get("url")
    if story_url is not None and not isinstance(story_url, str):
        raise ApiError(422, "story.url must be a string", "story.url")
    service = current_app.extensions["service"]
    comment_id = comment_id_for(current_app.extensions["store"], action,
                                thread_key(tenant, story_id, author_id, parent), text,
                                settings.coral_edit_window_seconds)
    result = service.moderate(
        [{"id": comment_id, "text": text, "topic": None,
          "story": {"id": story_id, "url": check_text(story_url, "story.url", 2000) if story_url else None},
          "author": {"id": author_id, "name": author_name}}],
        client=f"coral:{tenant}", source="coral")[0]
    return answer(result, settings.coral_approve_answer)
