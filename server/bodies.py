"""Reading request bodies: JSON through a marshmallow schema, or CSV text, within the size cap."""
import json

from flask import request

from server.errors import ApiError

# No request of Rounds nests deeper than a handful of levels (a push: body, ops, op, fields,
# look-fors, value). A limit far below the parser's recursion limit keeps every later step that
# walks the data (validation, storing, answering) safe from a body nested thousands deep.
MAX_NESTING = 32


def json_body(schema) -> dict:
    """Return the request's JSON body loaded through `schema`.

    415 unless the body is declared JSON, 400 if it does not parse or nests deeper than
    MAX_NESTING, 413 past MAX_CONTENT_LENGTH (raised by Werkzeug while reading), 422 with field
    messages if the schema refuses it.
    """
    if not request.is_json:
        raise ApiError(415, "unsupported_media_type",
                       "Send the body as JSON with Content-Type: application/json.")
    raw = request.get_data(cache=True)
    try:
        data = json.loads(raw)
    except (UnicodeDecodeError, ValueError) as error:
        raise ApiError(400, "malformed_json", f"The body is not valid JSON: {error}.") from None
    except RecursionError:
        raise _too_deeply_nested() from None
    if _nested_deeper_than(data, MAX_NESTING):
        raise _too_deeply_nested()
    return schema.load(data)


def _too_deeply_nested() -> ApiError:
    return ApiError(400, "too_deeply_nested",
                    f"The body is nested more than {MAX_NESTING} levels deep; no request needs that.")


def _nested_deeper_than(data, limit: int) -> bool:
    """Whether lists and objects in `data` nest more than `limit` deep (walked without recursion)."""
    level = [data]
    for _depth in range(limit):
        level = [child for item in level if isinstance(item, (list, dict))
                 for child in (item.values() if isinstance(item, dict) else item)]
        if not level:
            return False
    return any(isinstance(item, (list, dict)) for item in level)


def csv_body() -> str:
    """Return the request body as CSV text (UTF-8, a byte-order mark allowed)."""
    if request.mimetype not in ("text/csv", "application/csv"):
        raise ApiError(415, "unsupported_media_type", "Send the roster as CSV with Content-Type: text/csv.")
    raw = request.get_data(cache=True)
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ApiError(400, "malformed_csv", "The roster is not UTF-8 text; save the CSV as UTF-8.") from None
