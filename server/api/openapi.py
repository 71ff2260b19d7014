"""The API's OpenAPI 3.1 document, for anyone: it describes routes, never data."""
from flask import current_app, jsonify, request

from server.api import api
from server.openapi import openapi_document


@api.get("/openapi.json")
def openapi():
    response = jsonify(openapi_document(current_app))
    # Public and the same until the next deploy: caches may keep it if they check back first.
    response.headers["Cache-Control"] = "no-cache"
    response.add_etag()
    return response.make_conditional(request)
