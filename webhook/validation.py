"""Reading request bodies: raw bytes -> JSON -> checked fields, each failure an ApiError naming the field."""

import json

from flask import request

from classifier.labels import LANGUAGES

from .errors import ApiError
from .store import ID_CHARS


def json_body():
    """The request body parsed as a JSON object (400 with the reason otherwise)."""
    raw = request.get_data(cache=True)
    if not raw:
        raise ApiError(400, "request body is empty; send a JSON object")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ApiError(400, f"request body is not valid UTF-8 (byte 0x{raw[exc.start]:02x} at offset {exc.start})")
    try:
        body = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ApiError(400, f"invalid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}")
    except RecursionError:
        raise ApiError(400, "invalid JSON: nested too deeply")
    if not isinstance(body, dict):
        raise ApiError(400, f"request body must be a JSON object, not {type(body).__name__}")
    return body


def check_text(value, field, max_chars):
    """A comment text the pipeline can read: non-empty, bounded, valid Unicode, no control characters."""
    if not isinstance(value, str):
        raise ApiError(422, f"{field} must be a string", field)
    if not value.strip():
        raise ApiError(422, f"{field} must not be empty", field)
    if len(value) > max_chars:
        raise ApiError(422, f"{field} is longer than {max_chars} characters ({len(value)})", field)
    for i, ch in enumerate(value):
        code = ord(ch)
        if code == 0:
            raise ApiError(422, f"{field} contains a null byte at position {i}", field)
        if 0xD800 <= code <= 0xDFFF:
            raise ApiError(422, f"{field} contains invalid Unicode (lone surrogate U+{code:04X}) at position {i}",
                           field)
        if (code < 0x20 and ch not in "\t\n\r") or 0x7F <= code < 0xA0:
            raise ApiError(422, f"{field} contains control character U+{code:04X} at position {i}", field)
    return value


def check_id(value, field, max_len=ID_CHARS):
    if isinstance(value, bool) or not isinstance(value, (str, int)) or (isinstance(value, str) and not value.strip()):
        raise ApiError(422, f"{field} must be a non-empty string or an integer", field)
    value = str(value)
    if len(value) > max_len:
        raise ApiError(422, f"{field} is longer than {max_len} characters", field)
    check_text(value, field, max_len)
    return value


def optional_str(obj, key, field, max_len=2000):
    value = obj.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise ApiError(422, f"{field} must be a string", field)
    value = str(value)
    if len(value) > max_len:
        raise ApiError(422, f"{field} is longer than {max_len} characters", field)
    if value:
        check_text(value, field, max_len)
    return value


def optional_object(obj, key, field, keys):
    """An optional nested object with only string fields: `keys` maps each to its longest length."""
    value = obj.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ApiError(422, f"{field} must be an object", field)
    unknown = sorted(set(value) - set(keys))
    if unknown:
        raise ApiError(422, f"unknown field {field}.{unknown[0]}", f"{field}.{unknown[0]}")
    return {k: optional_str(value, k, f"{field}.{k}", keys[k]) for k in keys if value.get(k) is not None}


NATIVE_FIELDS = {"id", "text", "topic", "story", "author", "lang"}


def native_comment(obj, prefix, max_chars):
    """A native-API comment: {"id", "text", "topic"?, "story": {"id", "url"}?, "author": {"id"}?, "lang"?}."""
    if not isinstance(obj, dict):
        raise ApiError(422, f"{prefix or 'body'} must be a JSON object", prefix or None)
    name = (lambda f: f"{prefix}.{f}") if prefix else (lambda f: f)
    unknown = sorted(set(obj) - NATIVE_FIELDS)
    if unknown:
        raise ApiError(422, f"unknown field {name(unknown[0])}", name(unknown[0]))
    for required in ("id", "text"):
        if required not in obj:
            raise ApiError(422, f"missing field {name(required)}", name(required))
    lang = obj.get("lang")
    if lang is not None and lang not in LANGUAGES:
        raise ApiError(422, f"{name('lang')} must be one of {', '.join(LANGUAGES)}", name("lang"))
    return {
        "id": check_id(obj["id"], name("id")),
        "text": check_text(obj["text"], name("text"), max_chars),
        "topic": optional_str(obj, "topic", name("topic"), 100),
        "story": optional_object(obj, "story", name("story"), {"id": ID_CHARS, "url": 2000}),
        "author": optional_object(obj, "author", name("author"), {"id": ID_CHARS}),
        "lang": lang,
    }
