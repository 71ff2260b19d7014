"""The one JSON error shape: {"error": {"code", "message", "fields"}} for every API error."""
import logging

from flask import jsonify
from marshmallow import ValidationError
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)


class ApiError(Exception):
    """Raise anywhere in a request to answer with the error shape.

    `fields` maps a field name to a list of messages (nested mappings for nested data, keyed by
    line number for CSV rows).
    """

    def __init__(self, status: int, code: str, message: str, fields: dict | None = None,
                 headers: dict | None = None):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.fields = fields or {}
        self.headers = headers or {}


def not_found(what: str = "That") -> ApiError:
    return ApiError(404, "not_found", f"{what} was not found.")


def error_response(status: int, code: str, message: str, fields: dict | None = None, headers=None):
    response = jsonify({"error": {"code": code, "message": message, "fields": fields or {}}})
    response.status_code = status
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def _from_api_error(error: ApiError):
    return error_response(error.status, error.code, error.message, error.fields, error.headers)


def _from_validation_error(error: ValidationError):
    return error_response(422, "invalid", "Some fields are not valid.", error.normalized_messages())


def _from_http_exception(error: HTTPException):
    code = (error.name or "error").lower().replace(" ", "_").replace("-", "_")
    # The exception's own headers stay (Allow on a 405 lists the methods there are); the body is ours.
    headers = {name: value for name, value in error.get_headers() if name.lower() != "content-type"}
    return error_response(error.code or 500, code, error.description or error.name, headers=headers)


def _from_integrity_error(error: IntegrityError):
    # Two requests raced to create the same thing; the database kept one and refused the other.
    log.info("integrity error answered as 409: %s", error.orig)
    return error_response(409, "conflict", "That conflicts with a record saved at the same moment; try again.")


def _from_unexpected(error: Exception):
    log.exception("unhandled error", exc_info=error)
    return error_response(500, "internal", "Something went wrong on the server; nothing was saved.")


def register_error_handlers(app) -> None:
    app.register_error_handler(ApiError, _from_api_error)
    app.register_error_handler(ValidationError, _from_validation_error)
    app.register_error_handler(HTTPException, _from_http_exception)
    app.register_error_handler(IntegrityError, _from_integrity_error)
    app.register_error_handler(Exception, _from_unexpected)
