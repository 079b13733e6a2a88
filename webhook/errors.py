"""Every error is answered in JSON with a reason, in Google's API error shape
(the one Perspective clients already parse): {"error": {"code", "status", "message", "field"?}}.
"""

import logging

from flask import jsonify
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)

STATUS_NAMES = {400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED", 404: "NOT_FOUND",
                405: "METHOD_NOT_ALLOWED", 408: "DEADLINE_EXCEEDED", 413: "PAYLOAD_TOO_LARGE", 415: "UNSUPPORTED_MEDIA_TYPE",
                422: "INVALID_ARGUMENT", 500: "INTERNAL", 503: "UNAVAILABLE"}


class ApiError(Exception):
    """An error with an HTTP status and a reason for the client; `field` names the offending field."""

    def __init__(self, code, message, field=None):
        super().__init__(message)
        self.code, self.message, self.field = code, message, field


def error_response(code, message, field=None):
    body = {"code": code, "status": STATUS_NAMES.get(code, "ERROR"), "message": message}
    if field is not None:
        body["field"] = field
    response = jsonify({"error": body})
    response.status_code = code
    return response


def register(app):
    @app.errorhandler(ApiError)
    def api_error(exc):
        app.extensions["metrics"].error(f"http_{exc.code}")
        return error_response(exc.code, exc.message, exc.field)

    @app.errorhandler(HTTPException)
    def http_error(exc):
        app.extensions["metrics"].error(f"http_{exc.code}")
        page = app.extensions.get("error_pages", lambda _exc: None)(exc)
        if page is not None:  # the review area answers people with pages (webhook.review.views.error_page)
            return page
        message = {413: f"request body is larger than {app.config['MAX_CONTENT_LENGTH']} bytes"}.get(
            exc.code, exc.description)
        return error_response(exc.code, message)

    @app.errorhandler(Exception)
    def unexpected(exc):
        # A bug must still get an answer, and the log says what happened, not what was sent.
        log.exception("unhandled error", extra={"error_type": type(exc).__name__})
        app.extensions["metrics"].error("unhandled")
        return error_response(500, "internal error; the request was not lost if it was stored, retry it")
