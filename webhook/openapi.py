"""The OpenAPI 3.1 document of the service, served at /openapi.json.

tests/webhook/test_openapi.py checks it against the code: every route is
documented with its methods, every documented route exists, and real answers
validate against the response schemas.
"""

from classifier import __version__
from classifier.labels import DECISIONS, HARM_FLAGS, LANGUAGES

from .perspective import ALIASES, ATTRIBUTES

FLAG_NAMES = [*HARM_FLAGS, "shouting", "toxic"]

_flag = {"type": "object", "required": ["score", "value"],
         "properties": {"score": {"type": "number", "minimum": 0, "maximum": 1}, "value": {"type": "boolean"}}}
_error = {"type": "object", "required": ["error"], "properties": {"error": {
    "type": "object", "required": ["code", "status", "message"],
    "properties": {"code": {"type": "integer"}, "status": {"type": "string"}, "message": {"type": "string"},
                   "field": {"type": "string"}}}}}
_comment = {
    "type": "object", "required": ["id", "text"], "additionalProperties": False,
    "properties": {
        "id": {"type": ["string", "integer"], "maxLength": 200,
               "description": "the CMS's comment id; a retry with the same id and "
                                                              "text returns the stored decision"},
        "text": {"type": "string", "minLength": 1},
        "topic": {"type": "string", "description": "stance topic, e.g. syria-aleppo-2016; without it, the topic rules of TOPICS_FILE "
                                                    "match the story, else stance is null"},
        "story": {"type": "object", "additionalProperties": False,
                  "properties": {"id": {"type": ["string", "integer"], "maxLength": 200},
                                 "url": {"type": "string"}}},
        "author": {"type": "object", "additionalProperties": False,
                   "properties": {"id": {"type": ["string", "integer"], "maxLength": 200},
                                  "name": {"type": ["string", "integer"], "maxLength": 200,
                                           "description": "shown to moderators"}}},
        "lang": {"type": "string", "enum": list(LANGUAGES)},
    },
}
_evidence = {"type": "object", "required": ["kind"], "properties": {
    "kind": {"type": "string", "enum": ["cue", "rule", "neighbour"]},
    "text": {"type": "string"}, "flag": {"type": "string"}, "category": {"type": "string"},
    "start": {"type": "integer"}, "end": {"type": "integer"}, "similarity": {"type": "number"},
    "flags": {"type": "array", "items": {"type": "string"}}, "stance": {"type": ["string", "null"]},
    "topic": {"type": "string"}}}
_result = {
    "type": "object",
    "required": ["id", "decision", "stance", "flags", "evidence", "model_version", "queue"],
    "properties": {
        "id": {"type": "string"}, "version": {"type": ["integer", "null"]},
        "decision": {"type": "string", "enum": list(DECISIONS)},
        "reasons": {"type": "array", "items": {"type": "string"}},
        "lang": {"type": ["string", "null"]},
        "stance": {"type": "object", "required": ["topic", "label", "scores"], "properties": {
            "topic": {"type": ["string", "null"]}, "label": {"type": ["string", "null"]},
            "scores": {"type": "object", "additionalProperties": {"type": "number"}}}},
        "flags": {"type": "object", "required": FLAG_NAMES, "properties": {f: _flag for f in FLAG_NAMES} | {
            "harm": {**_flag, "description": "any harm flag, profanity included (Perspective's TOXICITY)"},
            "newsroom": {**_flag, "description": "only from a model adapted to the newsroom's archive "
                                                 "(`python -m classifier adapt`): its moderators would remove this"}}},
        "evidence": {"type": "array", "items": _evidence},
        "model_version": {"type": "string"}, "policy_version": {"type": ["string", "null"]},
        "queue": {"type": ["string", "null"], "enum": ["review", None]},
        "stored": {"type": "boolean", "description": "false when the store was down and the decision was "
                                                     "journalled locally, to be stored when it returns"},
    },
}
_coral_request = {"type": "object", "required": ["action", "comment"], "properties": {
    "action": {"type": "string", "enum": ["NEW", "EDIT"]},
    "comment": {"type": "object", "required": ["body"], "properties": {
        "body": {"type": "string", "description": "HTML or plain text, as CORAL_BODY_FORMAT says"},
        "parentID": {"type": ["string", "null"]}}},
    "author": {"type": "object", "properties": {"id": {"type": "string"}, "role": {"type": "string"},
                                                "username": {"type": "string", "maxLength": 200}}},
    "story": {"type": "object", "properties": {"id": {"type": "string"}, "url": {"type": "string"}}},
    "site": {"type": "object", "properties": {"id": {"type": "string"}}},
    "tenantID": {"type": "string"}, "tenantDomain": {"type": "string"}}}
# What Coral's ExternalModerationResponseSchema accepts (external.ts); `{}` is "no opinion".
_coral_response = {"type": "object", "additionalProperties": False, "properties": {
    "status": {"type": "string", "enum": ["APPROVED", "REJECTED", "SYSTEM_WITHHELD"]},
    "actions": {"type": "array", "items": {"type": "object", "required": ["actionType", "reason"], "properties": {
        "actionType": {"type": "string", "enum": ["FLAG"]},
        "reason": {"type": "string", "enum": ["COMMENT_DETECTED_TOXIC"]}}}},
    "moderationAction": {"type": "object", "required": ["status", "rejectionReason"], "properties": {
        "status": {"type": "string", "enum": ["REJECTED"]},
        "rejectionReason": {"type": "object", "required": ["code"], "properties": {
            "code": {"type": "string", "enum": ["HATE_SPEECH", "ABUSIVE", "HARASSMENT_BULLYING", "OFFENSIVE",
                                                "OTHER"]},
            "detailedExplanation": {"type": "string"}}}}}}}
_score = {"type": "object", "required": ["value", "type"],
          "properties": {"value": {"type": "number"}, "type": {"type": "string"}}}
_perspective_request = {"type": "object", "required": ["comment", "requestedAttributes"], "properties": {
    "comment": {"type": "object", "required": ["text"], "properties": {
        "text": {"type": "string"}, "type": {"type": "string", "enum": ["TEXT_TYPE_UNSPECIFIED", "PLAIN_TEXT"]}}},
    "requestedAttributes": {"type": "object", "minProperties": 1,
                            "propertyNames": {"enum": [*ATTRIBUTES, *ALIASES]},
                            "additionalProperties": {"type": "object", "properties": {
                                "scoreType": {"type": "string", "enum": ["SCORE_TYPE_UNSPECIFIED", "PROBABILITY"]},
                                "scoreThreshold": {"type": "number", "minimum": 0, "maximum": 1}}}},
    "languages": {"type": "array", "items": {"type": "string"}},
    "doNotStore": {"type": "boolean"}, "spanAnnotations": {"type": "boolean"},
    "clientToken": {"type": "string"}}}
_perspective_response = {"type": "object", "required": ["attributeScores", "languages"], "properties": {
    "attributeScores": {"type": "object", "additionalProperties": {
        "type": "object", "properties": {
            "summaryScore": _score,
            "spanScores": {"type": "array", "items": {"type": "object", "required": ["begin", "end", "score"],
                                                      "properties": {"begin": {"type": "integer"},
                                                                     "end": {"type": "integer"},
                                                                     "score": _score}}}}}},
    "languages": {"type": "array", "items": {"type": "string"}},
    "detectedLanguages": {"type": "array", "items": {"type": "string"}},
    "clientToken": {"type": "string"}}}
_suggest_request = {"type": "object", "required": ["comment", "attributeScores"], "properties": {
    "comment": _perspective_request["properties"]["comment"],
    "attributeScores": {"type": "object", "minProperties": 1, "propertyNames": {"enum": [*ATTRIBUTES, *ALIASES]},
                        "additionalProperties": {"type": "object", "properties": {"summaryScore": _score}}},
    "languages": {"type": "array", "items": {"type": "string"}}, "communityId": {"type": "string"},
    "clientToken": {"type": "string"}}}
_suggest_response = {"type": "object", "properties": {
    "detectedLanguages": {"type": "array", "items": {"type": "string"}},
    "requestedLanguages": {"type": "array", "items": {"type": "string"}}, "clientToken": {"type": "string"}}}


def _json(schema):
    return {"application/json": {"schema": schema}}


def _errors(*codes):
    reasons = {400: "invalid JSON or arguments", 401: "missing or invalid credential", 403: "missing API key",
               413: "body too large", 422: "a field is wrong; `field` names it", 503: "store unavailable, retry"}
    return {str(c): {"description": reasons[c], "content": _json({"$ref": "#/components/schemas/Error"})}
            for c in codes}


def _op(summary, request, response, security, *errors):
    op = {"summary": summary, "responses": {"200": {"description": "OK", "content": _json(response)},
                                            **_errors(*errors)}}
    if request is not None:
        op["requestBody"] = {"required": True, "content": _json(request)}
    if security:
        op["security"] = security
    return op


def document():
    return {
        "openapi": "3.1.0",
        "info": {"title": "Comment moderation webhook", "version": __version__,
                 "description": "Moderation decisions (approve, review, reject) for reader comments, with flags, "
                                "evidence and stance. Labels: docs/labels.md."},
        "paths": {
            "/v1/moderate": {"post": _op("Moderate one comment", {"$ref": "#/components/schemas/Comment"},
                                         {"$ref": "#/components/schemas/Result"}, [{"bearer": []}],
                                         400, 401, 413, 422)},
            "/v1/moderate/batch": {"post": _op(
                "Moderate up to 500 comments",
                {"type": "object", "required": ["comments"], "additionalProperties": False,
                 "properties": {"comments": {"type": "array", "minItems": 1, "maxItems": 500,
                                             "items": {"$ref": "#/components/schemas/Comment"}}}},
                {"type": "object", "required": ["results"],
                 "properties": {"results": {"type": "array", "items": {"$ref": "#/components/schemas/Result"}}}},
                [{"bearer": []}], 400, 401, 413, 422)},
            "/v1/coral/moderate": {"post": _op("Coral Talk external moderation phase", _coral_request,
                                               _coral_response, [{"coralSignature": []}], 400, 401, 413, 422)},
            "/v1alpha1/comments:analyze": {"post": _op("Perspective-compatible analysis", _perspective_request,
                                                       _perspective_response, [{"perspectiveKey": []}],
                                                       400, 403, 413)},
            "/v1alpha1/comments:suggestscore": {"post": _op(
                "Perspective-compatible score suggestion, kept as a labelled example for the next training",
                _suggest_request, _suggest_response, [{"perspectiveKey": []}], 400, 403, 413, 503)},
            "/healthz": {"get": _op("The process is up", None, {"type": "object"}, None)},
            "/readyz": {"get": {"summary": "Model loaded and store reachable", "responses": {
                "200": {"description": "ready", "content": _json({"type": "object"})},
                "503": {"description": "not ready", "content": _json({"type": "object"})}}}},
            "/metrics": {"get": {"summary": "Prometheus metrics", "responses": {
                "200": {"description": "text exposition format", "content": {"text/plain": {"schema": {
                    "type": "string"}}}}}}},
            "/openapi.json": {"get": _op("This document", None, {"type": "object"}, None)},
        },
        "components": {
            "schemas": {"Comment": _comment, "Result": _result, "Error": _error},
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer",
                           "description": "an API key from MODERATION_API_KEYS; without any, loopback only"},
                "coralSignature": {"type": "apiKey", "in": "header", "name": "X-Coral-Signature",
                                   "description": "sha256=<hex HMAC-SHA256 of the raw body>, comma-separated"},
                "perspectiveKey": {"type": "apiKey", "in": "query", "name": "key"},
            },
        },
    }
