"""Writing JSON fast: orjson, with the standard library for what orjson refuses.

Sync writes megabytes of JSON per push (each op into the op log, JSON columns, the answer);
orjson writes it several times faster than the json module. It refuses lone surrogates and
integers beyond 64 bits, which a tablet may still send, so those fall back to the json module.
Parsing stays with the json module: orjson reads integers beyond 64 bits as floats, which would
change what a tablet sent before it is kept.
"""
import json

import orjson
from flask.json.provider import DefaultJSONProvider


def dumps_storable(value) -> str:
    """JSON text that any database text column stores: NUL and lone surrogates are escaped."""
    try:
        return orjson.dumps(value).decode()
    except TypeError:
        return json.dumps(value, ensure_ascii=True, separators=(",", ":"))


def dumps_bytes(value) -> bytes:
    try:
        return orjson.dumps(value)
    except TypeError:
        return json.dumps(value, separators=(",", ":")).encode()


class FastJSONProvider(DefaultJSONProvider):
    """Flask's JSON, written by orjson where it can."""

    sort_keys = False

    def dumps(self, obj, **kwargs) -> str:
        try:
            return orjson.dumps(obj).decode()
        except TypeError:
            return super().dumps(obj, **kwargs)

