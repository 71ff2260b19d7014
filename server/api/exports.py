"""Exports for district staff: the observations of the schools they study, streamed."""
from datetime import datetime, timezone

from flask import Response, request, stream_with_context

from schemas.exports import export_query_schema
from server.analytics.export import MEDIA_TYPES, DeidentifiedExport, Export
from server.analytics.scope import Scope, filter_errors
from server.api import api
from server.auth import require_person
from server.authz import may_study
from server.errors import ApiError, not_found


@api.get("/exports/observations")
def export_observations():
    """Submitted observations of the schools in the caller's scope, filtered, as CSV or JSON Lines
    (the observations table) or as a zip data package (observations, notes, lookfor_values,
    feedback and datapackage.json). Streamed as it is read; recorded in the audit log when done.
    A school or template outside the caller's scope is a field error (422). With deidentified=true,
    the de-identified export of the same observations (docs/export.md), and lookfor_cells in the zip."""
    person = require_person()
    if not may_study(person):
        raise not_found("That export")
    query = export_query_schema.load(request.args)
    fmt, bom = query.pop("format"), query.pop("bom")
    deidentified, free_text = query.pop("deidentified"), query.pop("free_text")
    scope = Scope.of_person(person)
    errors = filter_errors(scope, query)
    if errors:
        raise ApiError(422, "invalid", "Some fields are not valid.", errors)
    export = DeidentifiedExport(scope, query, free_text=free_text) if deidentified else Export(scope, query)
    chunks = export.audited(export.stream(fmt, bom), person, via="api", fmt=fmt)
    response = Response(stream_with_context(chunks), mimetype=MEDIA_TYPES[fmt])
    day = datetime.now(timezone.utc).strftime("%Y-%m-%d")
    response.headers["Content-Disposition"] = f'attachment; filename="rounds-observations-{day}.{fmt}"'
    response.headers["Cache-Control"] = "no-store"
    return response
