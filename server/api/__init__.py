"""The JSON API under /api. Each module adds the routes of one resource to `api`."""
from flask import Blueprint

from server.auth import authenticate

api = Blueprint("api", __name__, url_prefix="/api")
api.before_request(authenticate)

from server.api import (audit, auth, calibration, devices, exports, health, inbox,  # noqa: E402,F401
                        judgment_words, observations, openapi, people, push, reports, roster, settings, sync,
                        templates)
