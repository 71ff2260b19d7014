"""Reading request bodies: JSON through a marshmallow schema, or CSV text, within the size cap."""
import json

from flask import request

from server.errors import ApiError


def json_body(schema) -> dict:
    """Return the request's JSON body loaded through `schema`.

    415 unless the body is declared JSON, 400 if it does not parse, 413 past MAX_CONTENT_LENGTH
    (raised by Werkzeug while reading), 422 with field messages if the schema refuses it.
    """
    if not request.is_json:
        raise ApiError(415, "unsupported_media_type",
                       "Send the body as JSON with Content-Type: application/json.")
    raw = request.get_data(cache=True)
    try:
        data = json.loads(raw)
    except (UnicodeDecodeError, ValueError) as error:
        raise ApiError(400, "malformed_json", f"The body is not valid JSON: {error}.") from None
    return schema.load(data)


def csv_body() -> str:
    """Return the request body as CSV text (UTF-8, a byte-order mark allowed)."""
    if request.mimetype not in ("text/csv", "application/csv"):
        raise ApiError(415, "unsupported_media_type", "Send the roster as CSV with Content-Type: text/csv.")
    raw = request.get_data(cache=True)
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ApiError(400, "malformed_csv", "The roster is not UTF-8 text; save the CSV as UTF-8.") from None
