"""Credentials: API keys (kept only as SHA-256 hashes), Coral's HMAC signatures, Perspective keys.

An endpoint whose credential is not configured answers nobody, unless
ALLOW_UNAUTHENTICATED_LOOPBACK=1 (`make run` sets it for the local demo): then it
answers loopback clients whose request carries no proxy header. Loopback alone
proves nothing behind a reverse proxy on the same host (docs/deploy.md), where
every client arrives from 127.0.0.1.
"""

import hashlib
import hmac
import ipaddress

from flask import current_app, request

from .errors import ApiError


def key_hash(key):
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


class KeyRing:
    """A set of secrets held as hashes; `matches(key)` compares in constant time."""

    def __init__(self, keys):
        self._hashes = tuple(key_hash(k) for k in keys)

    def __bool__(self):
        return bool(self._hashes)

    def matches(self, key):
        if not key:
            return False
        digest = key_hash(key)
        found = False
        for known in self._hashes:
            found |= hmac.compare_digest(digest, known)
        return found


def from_loopback():
    try:
        return ipaddress.ip_address(request.remote_addr or "").is_loopback
    except ValueError:
        return False


PROXY_HEADERS = ("X-Forwarded-For", "Forwarded", "X-Real-IP")


def require_open_or_loopback(configured, what, code=401):
    if configured:
        return
    if not current_app.config["SETTINGS"].allow_unauthenticated_loopback:
        raise ApiError(code, f"{what} is not configured on this server: this endpoint is closed")
    if not from_loopback():
        raise ApiError(code, f"{what} is not configured on this server; only loopback clients are served")
    if any(h in request.headers for h in PROXY_HEADERS):
        raise ApiError(code, f"{what} is not configured on this server; a request through a proxy "
                             "is not a loopback client")


def require_bearer(ring):
    """Native API: `Authorization: Bearer KEY` with a configured key (loopback only when none is configured)."""
    if not ring:
        require_open_or_loopback(False, "MODERATION_API_KEYS")
        return "local"
    scheme, _, key = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        raise ApiError(401, "missing credential: send Authorization: Bearer <API key>")
    if not ring.matches(key.strip()):
        raise ApiError(401, "invalid API key")
    return "cms:" + key_hash(key.strip())[:12]


def coral_signature_valid(secrets, raw_body, header):
    """True when any `sha256=<hex>` in the comma-separated header is the HMAC-SHA256 of the body
    under any configured secret. Every pair is compared, in constant time; a value that is not ASCII
    cannot be a hex digest, and compare_digest refuses non-ASCII strings, so it is dropped first."""
    if not header:
        return False
    offered = []
    for part in header.split(","):
        scheme, _, value = part.strip().partition("=")
        if scheme == "sha256" and value and value.isascii():
            offered.append(value.strip().lower())
    valid = False
    for secret in secrets:
        expected = hmac.new(secret.encode("utf-8"), raw_body, hashlib.sha256).hexdigest()
        for value in offered:
            valid |= hmac.compare_digest(expected, value)
    return valid


def require_coral_signature(secrets, raw_body):
    if not secrets:
        require_open_or_loopback(False, "CORAL_SIGNING_SECRETS")
        return
    header = request.headers.get("X-Coral-Signature", "")
    if not header:
        raise ApiError(401, "missing X-Coral-Signature header")
    if not coral_signature_valid(secrets, raw_body, header):
        raise ApiError(401, "invalid X-Coral-Signature: no signature matches a configured secret")


def require_perspective_key(ring):
    if not ring:
        require_open_or_loopback(False, "PERSPECTIVE_API_KEYS", code=403)  # Google's code for a refused key
        return "perspective:local"
    # Google's answers: 403 PERMISSION_DENIED without a key, 400 INVALID_ARGUMENT for a wrong one.
    key = request.args.get("key", "")
    if not key:
        raise ApiError(403, "The request is missing a valid API key.")
    if not ring.matches(key):
        raise ApiError(400, "API key not valid. Please pass a valid API key.")
    return "perspective:" + key_hash(key)[:12]
