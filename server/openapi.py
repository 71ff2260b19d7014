"""The OpenAPI 3.1 document of the JSON API, built from the marshmallow schemas the handlers use.

`openapi_document(app)` describes every /api route of `app.url_map` (OPERATIONS says, per route,
who may call it, what it reads and what it answers) and raises if a route has no entry, so the
document cannot silently fall behind the code. Request bodies, query parameters and answers come
from the schemas in schemas/ (and server/openapi_answers.py for answers built by hand) through
apispec's marshmallow plugin; each error status points at the one error shape.

Authentication, as the document states it:
- `session`: the browser session cookie from POST /api/auth/login; with it, every write also
  needs `csrf` (the X-CSRF-Token header, the csrf_token of /api/me).
- `deviceToken`: `Authorization: Bearer <token>` from POST /api/devices; it works on every route,
  and push and pull take nothing else.
Any /api route answers 401 to an Authorization header that is not a valid device token.
"""
import importlib.metadata
import re
from dataclasses import dataclass, field

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Flask
from marshmallow import Schema, validate

from schemas.devices import DeviceRevokedSchema, DeviceSchema, ReportedDeviceListSchema, enrol_device_schema
from schemas.fields import storable
from schemas.observations import EvidenceNoteSchema, FeedbackSchema, ObservationSchema, observation_list_query_schema
from schemas.people import (PasswordLinkSchema, PasswordSetSchema, PersonChangedSchema, PersonSchema, login_schema,
                            new_person_schema, person_update_schema, set_password_schema)
from schemas import calibration, reports
from schemas.exports import AuditListSchema, audit_query_schema, export_query_schema
from schemas.judgment_words import JudgmentWordHistorySchema, judgment_word_list_edit_schema
from schemas.settings import (DistrictSettingsSchema, SchoolListSchema, SchoolSchema, district_update_schema,
                              new_school_schema, school_update_schema)
from schemas.roster import (RosterImportListSchema, RosterImportSchema, RosterImportSummarySchema,
                            roster_preview_query_schema)
from schemas.push import endpoint_schema, preferences_schema, read_marks_schema, subscription_schema
from schemas.sync import pull_query_schema, push_schema
from schemas.templates import (TemplateSchema, new_template_schema, not_blank, template_edit_schema,
                               template_list_query_schema)
from server import openapi_answers as answers
from server.analytics.export import MEDIA_TYPES as EXPORT_MEDIA_TYPES
from server.auth import CSRF_HEADER
from sync import hlc as clocks
from sync.entities import UUID_FORM
from sync.ops import ENVELOPE, MAX_SEQ

DESCRIPTION = """Rounds' JSON API: sign-in, devices, people, rosters, look-for templates,
observations and sync (docs/sync.md).

Authenticate with the browser session cookie from POST /api/auth/login, sending its csrf_token as
the X-CSRF-Token header on every write; or with an enrolled device's token (POST /api/devices) as
`Authorization: Bearer <token>`, which push and pull require. An Authorization header that is not a
valid device token is answered 401 on every route.

Every error answer has one shape, `{"error": {"code", "message", "fields"}}`, where `fields` maps
each bad field to its messages. Anything the caller may not see answers 404."""
PUBLIC, OPTIONAL, PERSON, DEVICE = "public", "optional", "person", "device"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
# Schemas of schemas/ dumped whole: every field is in every answer.
DUMPED_WHOLE = (PersonSchema, answers.MeSchema, DeviceSchema, TemplateSchema, ObservationSchema,
                EvidenceNoteSchema, FeedbackSchema)
ERROR_MEANINGS = {
    400: "The body does not parse (malformed JSON, or CSV that is not UTF-8).",
    401: "Not signed in, or the Authorization header is not a valid device token.",
    403: "Not allowed: the caller's role or scope, a missing or wrong X-CSRF-Token on a "
         "cookie-authenticated write, a write from another site's page, or sync without a device token.",
    404: "No such thing, or nothing the caller may see.",
    409: "Conflicts with the current state, or with a record saved at the same moment.",
    413: "The body is larger than the server accepts.",
    415: "The body is not of the media type this route reads.",
    422: "Some fields (or query parameters) are not valid; `fields` says which and why.",
    429: "Too many failed sign-ins (or unusable password links); wait as long as Retry-After says.",
    503: "The database cannot be reached (or, for the push key, web push is not set up).",
}


@dataclass(frozen=True)
class Operation:
    """One route: who may call it (`auth`), what it reads and answers, and its own errors
    (those every route of its kind answers are added: see `_error_statuses`)."""
    summary: str
    auth: str
    answer: type[Schema] | None = None
    status: int = 200
    body: Schema | None = None
    csv: bool = False
    query: Schema | None = None
    errors: tuple[int, ...] = ()
    links: dict = field(default_factory=dict)
    csv_answer: bool = False  # `?format=csv` answers the same figures as text/csv
    files: tuple[str, ...] = ()  # media types of a file answered instead of JSON (exports)


def _link(operation_id: str, **parameters: str) -> dict:
    return {"operationId": operation_id, "parameters": parameters}


TEMPLATE_LINKS = {"GetTemplate": _link("get_template", template_id="$response.body#/id"),
                  "EditTemplate": _link("edit_template", template_id="$response.body#/id"),
                  "PublishTemplate": _link("publish_template", template_id="$response.body#/id")}

OPERATIONS = {
    ("GET", "/api/health"): Operation("Whether the database is reachable", PUBLIC, answers.HealthSchema,
                                      errors=(503,)),
    ("GET", "/api/openapi.json"): Operation("This document", PUBLIC),
    ("POST", "/api/auth/login"): Operation(
        "Sign in: starts a browser session (cookie) and returns me", PUBLIC, answers.MeSchema,
        body=login_schema, errors=(429,)),
    ("POST", "/api/auth/logout"): Operation("End the browser session", OPTIONAL, status=204),
    ("GET", "/api/me"): Operation("The caller, and the session's CSRF token", PERSON, answers.MeSchema),
    ("POST", "/api/devices"): Operation(
        "Enrol this device; its token is in this answer only", PERSON, answers.EnrolledDeviceSchema, 201,
        body=enrol_device_schema, errors=(409,),
        links={"RevokeDevice": _link("revoke_device", device_id="$response.body#/device_id")}),
    ("GET", "/api/devices"): Operation("My devices, and for an admin those of the people they administer",
                                       PERSON, answers.DeviceListSchema),
    ("DELETE", "/api/devices/<device_id>"): Operation("Revoke a device at once", PERSON, status=204),
    ("GET", "/api/admin/people"): Operation("People in the admin's scope", PERSON, answers.PeopleListSchema),
    ("GET", "/api/admin/people/<person_id>"): Operation("One person in the admin's scope", PERSON, PersonSchema),
    ("POST", "/api/admin/people"): Operation("Add a person within the admin's scope", PERSON, PersonSchema, 201,
                                             body=new_person_schema, errors=(409,)),
    ("PATCH", "/api/admin/people/<person_id>"): Operation(
        "Change a person's name, roles or school; deactivate (revoking every device) or reactivate them", PERSON,
        PersonChangedSchema, body=person_update_schema, errors=(409,)),
    ("POST", "/api/admin/people/<person_id>/password-link"): Operation(
        "A one-time link for the person to set a password (72 hours); earlier links stop working", PERSON,
        PasswordLinkSchema, 201, errors=(409,)),
    ("POST", "/api/auth/password"): Operation(
        "Set a password with a one-time link's token; the person's browser sessions end", PUBLIC,
        PasswordSetSchema, body=set_password_schema, errors=(429,)),
    ("GET", "/api/admin/people/<person_id>/devices"): Operation(
        "A person's devices with what each last reported when it synced", PERSON, ReportedDeviceListSchema),
    ("DELETE", "/api/admin/people/<person_id>/devices/<device_id>"): Operation(
        "Revoke a person's device (a lost tablet), saying what becomes of its unsent changes", PERSON,
        DeviceRevokedSchema),
    ("POST", "/api/admin/roster"): Operation(
        "Import a roster CSV into the admin's district: all lines or none", PERSON, answers.RosterCountsSchema,
        csv=True, errors=(409,)),
    ("POST", "/api/admin/roster/preview"): Operation(
        "Check a roster CSV and answer what importing it would change (a pending import)", PERSON,
        RosterImportSchema, 201, csv=True, query=roster_preview_query_schema),
    ("POST", "/api/admin/roster/imports/<import_id>/confirm"): Operation(
        "Confirm a previewed import; the scheduler writes it", PERSON, RosterImportSummarySchema, 202, errors=(409,)),
    ("GET", "/api/admin/roster/imports/<import_id>"): Operation(
        "One roster import: state, progress, plan, counts", PERSON, RosterImportSchema),
    ("GET", "/api/admin/roster/imports"): Operation("The latest roster imports in the admin's scope", PERSON,
                                                    RosterImportListSchema),
    ("GET", "/api/observations"): Operation("Observations the caller may read, newest first", PERSON,
                                            answers.ObservationListSchema, query=observation_list_query_schema),
    ("GET", "/api/observations/<observation_id>"): Operation("One observation", PERSON, ObservationSchema),
    ("GET", "/api/templates"): Operation("Templates the caller may read", PERSON, answers.TemplateListSchema,
                                         query=template_list_query_schema),
    ("POST", "/api/templates"): Operation("Create a template (version 1, a draft)", PERSON, TemplateSchema, 201,
                                          body=new_template_schema, errors=(409,), links=TEMPLATE_LINKS),
    ("GET", "/api/templates/<template_id>"): Operation("One template version", PERSON, TemplateSchema),
    ("PATCH", "/api/templates/<template_id>"): Operation(
        "Edit a draft (200), or make a published version's next version as a draft (201)", PERSON,
        TemplateSchema, body=template_edit_schema, errors=(409,), links=TEMPLATE_LINKS),
    ("POST", "/api/templates/<template_id>/publish"): Operation("Publish a draft", PERSON, TemplateSchema,
                                                                errors=(409,)),
    ("GET", "/api/templates/<template_id>/versions"): Operation(
        "The versions of a template's family the caller may read, with who made and published each", PERSON,
        answers.TemplateVersionsSchema),
    ("POST", "/api/sync/push"): Operation(
        "Send this device's ops; each is applied or refused on its own", DEVICE, answers.PushAnswerSchema,
        body=push_schema, errors=(409,)),
    ("GET", "/api/sync/pull"): Operation("Changes after `cursor` that the caller may read", DEVICE,
                                         answers.PullAnswerSchema, query=pull_query_schema),
    ("GET", "/api/conflicts"): Operation("Open conflicts on records the caller may read", PERSON,
                                         answers.ConflictListSchema),
    ("GET", "/api/sync/rejected"): Operation("The caller's refused ops, newest first", PERSON,
                                             answers.RejectedListSchema),
    ("GET", "/api/push/key"): Operation("The VAPID public key browsers subscribe with", PERSON,
                                        answers.PushKeySchema, errors=(503,)),
    ("POST", "/api/push/subscriptions"): Operation(
        "Keep this device's push subscription (by endpoint)", DEVICE, answers.SubscriptionIdSchema, 201,
        body=subscription_schema),
    ("DELETE", "/api/push/subscriptions"): Operation("Forget this device's push subscription", DEVICE,
                                                     status=204, body=endpoint_schema),
    ("GET", "/api/push/preferences"): Operation("Kinds of notification the caller does not want pushed",
                                                PERSON, answers.PushPreferencesAnswerSchema),
    ("PUT", "/api/push/preferences"): Operation("Choose which kinds are not pushed (the inbox has all)", PERSON,
                                                answers.PushPreferencesAnswerSchema, body=preferences_schema),
    ("GET", "/api/admin/push/problems"): Operation(
        "Pushes that did not go out and will not by themselves, for the people the admin administers",
        PERSON, answers.PushProblemListSchema),
    ("GET", "/api/inbox"): Operation("The caller's notifications, newest first, in words", PERSON,
                                     answers.InboxSchema),
    ("POST", "/api/inbox/read"): Operation("Mark some of the caller's notifications read", PERSON,
                                           answers.UnreadSchema, body=read_marks_schema),
}
# Reports (server/api/reports.py): 404 to anyone who may not see them.
OPERATIONS.update({
    ("GET", "/api/reports/lookfors"): Operation(
        "Look-for answers per template version, by school, grade, subject and month", PERSON,
        reports.LookForsReportSchema, query=reports.report_query_schema, errors=(404,), csv_answer=True),
    ("GET", "/api/reports/coverage"): Operation(
        "Teachers not visited, visits per teacher, weeks x schools, observers' load", PERSON,
        reports.CoverageReportSchema, query=reports.coverage_query_schema, errors=(404,), csv_answer=True),
    ("GET", "/api/reports/feedback-loop"): Operation(
        "Feedback released, acknowledged and rated; support commitments kept", PERSON,
        reports.FeedbackLoopReportSchema, query=reports.report_query_schema, errors=(404,), csv_answer=True),
    ("GET", "/api/reports/core"): Operation(
        "Task demand over months; share of notes marked as inference", PERSON, reports.CoreReportSchema,
        query=reports.report_query_schema, errors=(404,), csv_answer=True),
    ("GET", "/api/reports/my-feedback"): Operation(
        "How teachers rated the caller's own feedback", PERSON, reports.MyFeedbackReportSchema,
        query=reports.my_feedback_query_schema, errors=(404,), csv_answer=True),
})
# Calibration (server/api/calibration.py): the caller's co-observed lessons; district staff's view.
OPERATIONS.update({
    ("GET", "/api/calibration"): Operation(
        "The caller's co-observed lessons that every member submitted, with agreement per look-for", PERSON,
        calibration.MyCalibrationSchema),
    ("GET", "/api/reports/calibration"): Operation(
        "Agreement per look-for across the district's co-observed lessons; no observer named", PERSON,
        calibration.CalibrationReportSchema, errors=(404,)),
})
# Exports and the audit log (server/api/exports.py, server/api/audit.py): 404 to anyone who may not see them.
OPERATIONS.update({
    ("GET", "/api/exports/observations"): Operation(
        "Submitted observations of the schools the caller studies: CSV, JSON Lines or a zip data package",
        PERSON, query=export_query_schema, errors=(404,), files=tuple(EXPORT_MEDIA_TYPES.values())),
    ("GET", "/api/audit"): Operation("Audit events of the people the admin administers, newest first", PERSON,
                                     AuditListSchema, query=audit_query_schema, errors=(404,)),
})
# The district's settings and schools (server/api/settings.py).
OPERATIONS.update({
    ("GET", "/api/admin/settings"): Operation(
        "The admin's district: name, time zone, every setting with its value, default and meaning", PERSON,
        DistrictSettingsSchema),
    ("PATCH", "/api/admin/settings"): Operation(
        "Change the district's name, time zone or settings (admins of the whole district)", PERSON,
        DistrictSettingsSchema, body=district_update_schema, errors=(409,)),
    ("GET", "/api/admin/schools"): Operation("The schools the admin administers", PERSON, SchoolListSchema),
    ("POST", "/api/admin/schools"): Operation(
        "Add a school to the district (admins of the whole district)", PERSON, SchoolSchema, 201,
        body=new_school_schema, errors=(409,)),
    ("PATCH", "/api/admin/schools/<school_id>"): Operation(
        "Change a school's name or time zone", PERSON, SchoolSchema, body=school_update_schema, errors=(409,)),
})
# The district's judgment words for the evidence-not-judgment hint (server/api/judgment_words.py).
OPERATIONS.update({
    ("GET", "/api/admin/judgment-words"): Operation(
        "The district's judgment words: the current list (the default until one is saved) and its versions", PERSON,
        JudgmentWordHistorySchema, errors=(404,)),
    ("PUT", "/api/admin/judgment-words"): Operation(
        "Save a new version of the district's judgment words (admins of the whole district)", PERSON,
        JudgmentWordHistorySchema, body=judgment_word_list_edit_schema, errors=(404, 409)),
})
# PATCH on a published template answers 201 with its new draft, beside 200 for a draft edited.
EXTRA_SUCCESS = {("PATCH", "/api/templates/<template_id>"): 201}


def api_routes(app: Flask) -> set[tuple[str, str]]:
    """(method, Flask rule) of every /api route of `app`, HEAD and OPTIONS aside."""
    return {(method, rule.rule) for rule in app.url_map.iter_rules() if rule.rule.startswith("/api/")
            for method in rule.methods - {"HEAD", "OPTIONS"}}


def openapi_document(app: Flask) -> dict:
    """The document for `app`, built once per app. Raises LookupError for a route OPERATIONS lacks."""
    if "rounds_openapi" not in app.extensions:
        app.extensions["rounds_openapi"] = _build(app)
    return app.extensions["rounds_openapi"]


def _build(app: Flask) -> dict:
    missing = sorted(api_routes(app) - OPERATIONS.keys())
    if missing:
        raise LookupError(f"These API routes are not described in server/openapi.py: {missing}")
    names: dict[str, type[Schema]] = {}
    plugin = MarshmallowPlugin(schema_name_resolver=lambda schema: _component_name(schema, names))
    spec = APISpec(title="Rounds API", version=_version(), openapi_version="3.1.0",
                   plugins=[plugin], info={"description": DESCRIPTION})
    plugin.converter.add_attribute_function(_text_rules)
    spec.components.security_scheme("session", {
        "type": "apiKey", "in": "cookie", "name": app.config["SESSION_COOKIE_NAME"],
        "description": "The browser session from POST /api/auth/login."})
    spec.components.security_scheme("csrf", {
        "type": "apiKey", "in": "header", "name": CSRF_HEADER,
        "description": "The session's csrf_token (from sign-in or GET /api/me), on writes made with the cookie."})
    spec.components.security_scheme("deviceToken", {
        "type": "http", "scheme": "bearer", "description": "An enrolled device's token (POST /api/devices)."})
    spec.components.schema("Error", schema=answers.ErrorSchema)
    spec.components.schema("TemplateEdit", schema=template_edit_schema)
    spec.components.schema("Op", _op_schema())
    for (method, rule), operation in sorted(OPERATIONS.items(), key=lambda item: (item[0][1], item[0][0])):
        view = app.view_functions[_endpoint(app, method, rule)]
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule)
        spec.path(path=path, operations={method.lower(): _operation(method, rule, operation, view)})
    document = spec.to_dict()
    _require_every_field_of_whole_dumps(document, names)
    _ops_may_be_anything(document)
    _no_null_in_query(document)
    return document


def _version() -> str:
    try:
        return importlib.metadata.version("rounds")
    except importlib.metadata.PackageNotFoundError:  # run from a checkout that was never installed
        return "unknown"


def _endpoint(app: Flask, method: str, rule: str) -> str:
    return next(r.endpoint for r in app.url_map.iter_rules() if r.rule == rule and method in r.methods)


def _component_name(schema, names: dict) -> str:
    cls = schema if isinstance(schema, type) else type(schema)
    name = cls.__name__.removesuffix("Schema")
    names[name] = cls
    return name


def _operation(method: str, rule: str, operation: Operation, view) -> dict:
    result = {
        "operationId": view.__name__,
        "tags": [view.__module__.rsplit(".", 1)[-1]],
        "summary": operation.summary,
        "security": _security(method, operation.auth),
        "responses": _responses(method, rule, operation),
    }
    if view.__doc__:
        result["description"] = " ".join(view.__doc__.split())
    parameters = [{"in": "path", "name": name, "required": True, "schema": {"type": "string"}}
                  for name in re.findall(r"<(?:[^:<>]+:)?([^<>]+)>", rule)]
    if operation.query is not None:
        parameters.append({"in": "query", "schema": operation.query})
    if parameters:
        result["parameters"] = parameters
    if operation.body is not None:
        result["requestBody"] = {"required": True, "content": {"application/json": {"schema": operation.body}}}
    if operation.csv:
        roster = {"type": "string", "description": "CSV, UTF-8: a header line naming the columns email, name, "
                  "roles, school and optionally school_timezone and password, then one person per line.",
                  "examples": ["email,name,roles,school\nana@school.org,Ana Ruiz,teacher,Lincoln\n"]}
        result["requestBody"] = {"required": True, "content": {"text/csv": {"schema": roster}}}
    return result


def _security(method: str, auth: str) -> list[dict]:
    device = {"deviceToken": []}
    session = {"session": []} if method in SAFE_METHODS else {"session": [], "csrf": []}
    return {PUBLIC: [], OPTIONAL: [{}, session, device], PERSON: [session, device], DEVICE: [device]}[auth]


def _error_statuses(method: str, rule: str, operation: Operation) -> set[int]:
    statuses = {401, *operation.errors}
    if operation.auth in (PERSON, DEVICE):
        statuses.add(403)
    if method not in SAFE_METHODS:
        statuses.add(403)
    # An admin route answers 404 to anyone who is not an admin (server.auth.require_admin).
    if "<" in rule or rule.startswith("/api/admin/"):
        statuses.add(404)
    if operation.body is not None or operation.csv:
        statuses |= {400, 413, 415, 422}
    if operation.query is not None:
        statuses.add(422)
    return statuses


def _responses(method: str, rule: str, operation: Operation) -> dict:
    responses = {}
    for status in sorted({operation.status, EXTRA_SUCCESS.get((method, rule), operation.status)}):
        if operation.files:
            responses[str(status)] = {"description": "The file, streamed.",
                                      "content": {media: {"schema": {"type": "string"}} for media in operation.files}}
        elif operation.answer is None and status == 204:
            responses[str(status)] = {"description": "Done; no content."}
        elif operation.answer is None:
            responses[str(status)] = {"description": "The OpenAPI 3.1 document.",
                                      "content": {"application/json": {"schema": {"type": "object"}}}}
        else:
            responses[str(status)] = {"description": "Success.",
                                      "content": {"application/json": {"schema": operation.answer}}}
        if operation.links:
            responses[str(status)]["links"] = operation.links
        if operation.csv_answer:
            responses[str(status)]["content"]["text/csv"] = {"schema": {"type": "string"}}
    error = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for status in sorted(_error_statuses(method, rule, operation)):
        responses[str(status)] = {"description": ERROR_MEANINGS[status], "content": error}
    if 429 in operation.errors:
        responses["429"]["headers"] = {"Retry-After": {"schema": {"type": "string"}}}
    return responses


def _op_schema() -> dict:
    """One op of a push, as docs/sync.md describes it (sync.ops checks it on the server)."""
    uuid = {"type": "string", "pattern": _ecma(UUID_FORM.pattern)}
    return {
        "type": "object",
        "description": "One change to one record. `fields` holds the entity's fields (docs/sync.md).",
        "properties": {
            "op_id": uuid, "record_id": uuid,
            "seq": {"type": "integer", "minimum": 1, "maximum": MAX_SEQ},
            "entity": {"type": "string", "enum": list(answers.ENTITY_NAMES)},
            "base_version": {"type": "integer", "minimum": 0, "maximum": MAX_SEQ},
            "hlc": {"type": "string", "pattern": _ecma(clocks.PATTERN.pattern)},
            "fields": {"type": "object", "minProperties": 1},
            "resolve_conflict": {"anyOf": [uuid, {"type": "null"}]},
        },
        "required": sorted(ENVELOPE - {"resolve_conflict"}),
        "additionalProperties": False,
    }


def _ops_may_be_anything(document: dict) -> None:
    """A push takes any JSON values as ops: each that is not an Op is refused in `results`, on its
    own, with the push answered 200. The items say so, and name the Op they should be."""
    ops = document["components"]["schemas"]["Push"]["properties"]["ops"]
    ops["items"] = {"anyOf": [{"$ref": "#/components/schemas/Op"}, {}],
                    "description": "An Op; anything else is refused in the answer's results."}


def _no_null_in_query(document: dict) -> None:
    """A query string cannot say null: an optional parameter left out stands for it."""
    for operations in document["paths"].values():
        for operation in operations.values():
            for parameter in operation.get("parameters", ()):
                schema = parameter["schema"]
                if isinstance(schema.get("type"), list) and "null" in schema["type"]:
                    schema["type"] = next(t for t in schema["type"] if t != "null")
                    if "enum" in schema:
                        schema["enum"] = [value for value in schema["enum"] if value is not None]
                    if schema.get("default", "") is None:
                        del schema["default"]


def _require_every_field_of_whole_dumps(document: dict, names: dict) -> None:
    for name, cls in names.items():
        if cls in DUMPED_WHOLE:
            component = document["components"]["schemas"][name]
            component["required"] = sorted(component["properties"])


# Python's whitespace (what str.strip() removes), as a character class for any regex dialect.
_SPACE_CLASS = "".join(f"\\u{code:04x}" if code <= 0xFFFF else "" for code in range(0x10000) if chr(code).isspace())


def _ecma(pattern: str) -> str:
    """A Python pattern used with re.match and ending in \\Z, as an anchored ECMA-262 pattern."""
    return "^" + pattern.removesuffix("\\Z") + "$"


def _text_rules(self, field, **kwargs) -> dict:
    """Patterns for what marshmallow checks in code: text a database can store (no NUL), text
    that is not blank, and Python regexes rewritten for JSON Schema (ECMA-262, search semantics)."""
    validators = getattr(field, "validators", ())
    regexes = [v for v in validators if isinstance(v, validate.Regexp)]
    if regexes:
        return {"pattern": _ecma(regexes[0].regex.pattern)}
    if not_blank in validators:
        return {"pattern": f"^(?![{_SPACE_CLASS}]*$)[^\\u0000]*$"}
    if storable in validators:
        return {"pattern": "^[^\\u0000]*$"}
    return {}
