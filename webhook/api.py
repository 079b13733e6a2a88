"""Native API: POST /v1/moderate and POST /v1/moderate/batch."""

from flask import Blueprint, current_app, jsonify

from .auth import require_bearer
from .errors import ApiError
from .validation import json_body, native_comment

bp = Blueprint("api", __name__)

RESULT_FIELDS = ("id", "version", "decision", "reasons", "lang", "stance", "flags", "evidence",
                 "model_version", "policy_version", "queue")


def answer(result):
    return {k: result.get(k) for k in RESULT_FIELDS} | ({"stored": False} if result.get("stored") is False else {})


@bp.post("/v1/moderate")
def moderate():
    settings = current_app.config["SETTINGS"]
    client = require_bearer(current_app.extensions["api_keys"])
    comment = native_comment(json_body(), "", settings.max_text_chars)
    result = current_app.extensions["service"].moderate([comment], client=client, source="native")[0]
    return jsonify(answer(result))


@bp.post("/v1/moderate/batch")
def moderate_batch():
    settings = current_app.config["SETTINGS"]
    client = require_bearer(current_app.extensions["api_keys"])
    body = json_body()
    items = body.get("comments")
    if not isinstance(items, list):
        raise ApiError(422, "comments must be a list of comment objects", "comments")
    if not items:
        raise ApiError(422, "comments must not be empty", "comments")
    if len(items) > settings.max_batch:
        raise ApiError(422, f"comments holds {len(items)} comments; the limit is {settings.max_batch}", "comments")
    unknown = sorted(set(body) - {"comments"})
    if unknown:
        raise ApiError(422, f"unknown field {unknown[0]}", unknown[0])
    comments = [native_comment(c, f"comments[{i}]", settings.max_text_chars) for i, c in enumerate(items)]
    ids = [c["id"] for c in comments]
    if len(set(ids)) != len(ids):
        dup = next(i for i in ids if ids.count(i) > 1)
        raise ApiError(422, f"comment id {dup!r} appears twice in the batch", "comments")
    results = current_app.extensions["service"].moderate(comments, client=client, source="native")
    return jsonify({"results": [answer(r) for r in results]})
