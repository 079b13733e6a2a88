"""Coral Talk's external moderation phase: POST /v1/coral/moderate.

Coral signs the raw body with `X-Coral-Signature: sha256=<hex>` (several,
comma-separated, while secrets rotate) and expects a status and actions back
within its per-phase timeout. Coral sends no comment id before the comment
exists (newer versions send `comment.id`, used when present), so a comment is
otherwise identified by tenant, story, author, parent and text: a retry of the
same request is the same comment. An EDIT of a known id with new text is a new
version of it, re-scored.
"""

import hashlib

from flask import Blueprint, current_app, jsonify, request

from .auth import require_coral_signature
from .errors import ApiError
from .html_text import html_to_text
from .validation import check_text, json_body

bp = Blueprint("coral", __name__)

STATUS = {"approve": "APPROVED", "review": "SYSTEM_WITHHELD", "reject": "REJECTED"}


def _object(body, key):
    value = body.get(key) or {}
    if not isinstance(value, dict):
        raise ApiError(422, f"{key} must be an object", key)
    return value


def _str(obj, key, field):
    value = obj.get(key)
    if value is not None and (isinstance(value, bool) or not isinstance(value, (str, int))):
        raise ApiError(422, f"{field} must be a string", field)
    return None if value is None else str(value)


@bp.post("/v1/coral/moderate")
def moderate():
    settings = current_app.config["SETTINGS"]
    raw = request.get_data(cache=True)
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
    text = check_text(html_to_text(check_text(raw_text, "comment.body", settings.max_text_chars * 4)),
                      "comment.body", settings.max_text_chars)
    tenant = _str(body, "tenantID", "tenantID") or _str(site, "id", "site.id") or "coral"
    story_id, author_id = _str(story, "id", "story.id"), _str(author, "id", "author.id")
    parent = _str(comment, "parentID", "comment.parentID") or ""
    comment_id = _str(comment, "id", "comment.id")
    if not comment_id:
        identity = "\x1f".join((tenant, story_id or "", author_id or "", parent, text))
        comment_id = "coral:" + hashlib.sha256(identity.encode("utf-8")).hexdigest()[:32]
    result = current_app.extensions["service"].moderate(
        [{"id": comment_id, "text": text, "topic": None, "story": {"id": story_id, "url": _str(story, "url", "story.url")},
          "author": {"id": author_id}}],
        client=f"coral:{tenant}", source="coral")[0]
    decision = result["decision"]
    actions = []
    if decision != "approve":
        actions.append({"actionType": "FLAG", "reason": "COMMENT_DETECTED_TOXIC"})
    # Coral's tags are its own enum (FEATURED, STAFF...): the flags travel in the stored decision instead.
    return jsonify({"status": STATUS[decision], "actions": actions, "tags": []})
