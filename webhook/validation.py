"""Reading request bodies: raw bytes -> JSON -> checked fields, each failure an ApiError naming the field."""

import json
import re
import sys

from flask import current_app, request
from werkzeug.exceptions import RequestEntityTooLarge

from classifier.labels import LANGUAGES

from .errors import ApiError
from .store import AUTHOR_NAME_CHARS, ID_CHARS

# Only a \uD800-\uDFFF escape can put a surrogate in a parsed string (strict UTF-8 decoding refuses
# encoded ones): bodies without one skip the walk.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def _bounded_int(digits):
    # Python refuses to convert integers over sys.get_int_max_str_digits() digits with a ValueError
    # that is not a JSONDecodeError; no field takes such a number.
    limit = sys.get_int_max_str_digits()
    if limit and len(digits.lstrip("-")) > limit:
        raise ApiError(400, f"invalid JSON: a number has more than {limit} digits")
    return int(digits)


def lone_surrogate(value, path=""):
    """(field path, code point) of the first lone surrogate in a parsed JSON value, keys included; else None.
    The path never contains the surrogate itself: it is echoed back in the error."""
    if isinstance(value, str):
        for ch in value:
            if 0xD800 <= ord(ch) <= 0xDFFF:
                return path or "body", ord(ch)
    elif isinstance(value, dict):
        for key, item in value.items():
            found = lone_surrogate(key, f"{path or 'body'} (a field name)")
            found = found or lone_surrogate(item, f"{path}.{key}" if path else key)
            if found:
                return found
    elif isinstance(value, list):
        for i, item in enumerate(value):
            found = lone_surrogate(item, f"{path}[{i}]")
            if found:
                return found
    return None


def raw_body():
    """The request body's bytes; 413 when it is over MAX_CONTENT_LENGTH, chunked bodies included.

    Werkzeug stops a body without Content-Length (chunked) at the limit and hands back the cut bytes
    without an error; one more byte read from the server's stream tells a cut body from a whole one."""
    raw = request.get_data(cache=True)
    limit = current_app.config.get("MAX_CONTENT_LENGTH")
    if limit and request.content_length is None and len(raw) >= limit and request.environ["wsgi.input"].read(1):
        raise RequestEntityTooLarge()
    return raw


def json_body(surrogate_code=422):
    """The request body parsed as a JSON object (400 with the reason otherwise). A lone surrogate anywhere
    (a string no database or JSON encoder takes) is refused with `surrogate_code`, naming the field."""
    raw = raw_body()
    if not raw:
        raise ApiError(400, "request body is empty; send a JSON object")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ApiError(400, f"request body is not valid UTF-8 (byte 0x{raw[exc.start]:02x} at offset {exc.start})")
    try:
        body = json.loads(text, parse_int=_bounded_int)
    except json.JSONDecodeError as exc:
        raise ApiError(400, f"invalid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}")
    except RecursionError:
        raise ApiError(400, "invalid JSON: nested too deeply")
    if not isinstance(body, dict):
        raise ApiError(400, f"request body must be a JSON object, not {type(body).__name__}")
    found = _SURROGATE_ESCAPE.search(text) and lone_surrogate(body)
    if found:
        field, code = found
        raise ApiError(surrogate_code, f"{field} contains invalid Unicode (lone surrogate U+{code:04X})",
                       field if "(" not in field else None)
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
    """A native-API comment: {"id", "text", "topic"?, "story": {"id", "url"}?, "author": {"id", "name"?}?, "lang"?}."""
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
        "author": optional_object(obj, "author", name("author"), {"id": ID_CHARS, "name": AUTHOR_NAME_CHARS}),
        "lang": lang,
    }
