"""Rosters: one CSV row per person, read and checked without looking at the database.

`read_roster(text)` turns CSV text into loaded rows and problems keyed by physical line number
(the header is line 1). `roster_row_schema` checks one row; `create-user` reuses it so that a
person made by hand obeys the same rules as an imported one.
"""
import csv
import io
import re
from functools import lru_cache
from zoneinfo import available_timezones

from marshmallow import Schema, ValidationError, fields, post_load, pre_load, validate, validates_schema

from schemas.fields import storable
from schemas.people import ROLES

COLUMNS = ("email", "name", "roles", "school", "school_timezone", "password")
# `school` is required in the header even though its cells may be empty: leaving the column out
# by mistake would otherwise move every existing person to district-wide scope.
REQUIRED_COLUMNS = ("email", "name", "roles", "school")
MAX_ROWS = 10_000
ROLE_SEPARATORS = re.compile(r"[;\s]+")

Problems = dict[int, dict[str, list[str]]]


def _cell(max_length: int, min_length: int = 0, error: str | None = None, **kwargs) -> fields.String:
    return fields.String(validate=[validate.Length(min_length, max_length, error=error), storable], **kwargs)


@lru_cache(maxsize=1)
def _known_timezones() -> frozenset[str]:
    # Listing the zones reads the tz database once per process instead of once per row.
    return frozenset(available_timezones())


def timezone_name(value: str) -> None:
    """Refuse anything but an IANA timezone name known to this system."""
    if value not in _known_timezones():
        raise ValidationError(f"Unknown timezone {value!r}; use an IANA name such as America/Chicago.")


class RoleList(fields.Field):
    """One or more role names separated by `;` or spaces, loaded as a sorted list without repeats."""

    def _deserialize(self, value, attr, data, **kwargs) -> list[str]:
        if not isinstance(value, str):
            raise ValidationError("Not a valid string.")
        names = {name.lower() for name in ROLE_SEPARATORS.split(value) if name}
        if not names:
            raise ValidationError(f"Give at least one role: {', '.join(ROLES)}.")
        unknown = sorted(names - set(ROLES))
        if unknown:
            raise ValidationError(f"Unknown role {', '.join(map(repr, unknown))}; the roles are {', '.join(ROLES)}.")
        return sorted(names)


class RosterRowSchema(Schema):
    """One person. Blank cells count as absent; absent optional values load as None."""

    email = fields.Email(required=True, validate=[validate.Length(max=254), storable])
    name = _cell(200, 1, required=True)
    roles = RoleList(required=True)
    school = _cell(200, load_default=None)
    school_timezone = fields.String(load_default=None, validate=timezone_name)
    password = _cell(1024, 10, load_default=None, error="A password needs 10 to 1024 characters.")

    @pre_load
    def drop_blank_cells(self, data, **kwargs):
        if not isinstance(data, dict):
            return data
        cleaned = {key: value.strip() if isinstance(value, str) else value for key, value in data.items()}
        # Passwords keep their spaces: they are typed exactly as given.
        if isinstance(data.get("password"), str):
            cleaned["password"] = data["password"]
        return {key: value for key, value in cleaned.items() if value not in ("", None)}

    @validates_schema(skip_on_field_errors=False)
    def check_school(self, data, **kwargs):
        if "teacher" in (data.get("roles") or ()) and not data.get("school"):
            raise ValidationError("A teacher needs a school.", field_name="school")
        if data.get("school_timezone") and not data.get("school"):
            raise ValidationError("A school timezone needs a school.", field_name="school_timezone")

    @post_load
    def lowercase_email(self, data, **kwargs):
        data["email"] = data["email"].lower()
        return data


roster_row_schema = RosterRowSchema()


def read_roster(text: str) -> tuple[list[tuple[int, dict]], Problems]:
    """Return (rows, problems) for CSV `text`.

    rows are (line number, loaded row) for every row that passed the schema; problems maps a
    line number to {column: [messages]}. A bad header stops reading (nothing else can be
    trusted); so does a row past MAX_ROWS. Blank lines, and lines of empty cells, are skipped.
    """
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    rows: list[tuple[int, dict]] = []
    problems: Problems = {}
    try:
        columns, header_problems = _read_header(next(reader, []))
        if header_problems:
            return [], {1: header_problems}
        count, last_line = 0, reader.line_num
        for cells in reader:
            # A quoted cell may span lines: the row starts just after the previous one ended.
            line, last_line = last_line + 1, reader.line_num
            if not any(cell.strip() for cell in cells):
                continue
            count += 1
            if count > MAX_ROWS:
                problems[line] = {"roster": [f"A roster holds at most {MAX_ROWS} people; split the file."]}
                break
            row, row_problems = _read_row(columns, cells)
            if row_problems:
                problems[line] = row_problems
            else:
                rows.append((line, row))
    except csv.Error as error:
        problems[reader.line_num] = {"csv": [f"Not readable as CSV: {error}."]}
    return rows, problems


def _read_header(header: list[str]) -> tuple[list[str], dict[str, list[str]]]:
    columns = [name.strip().lower() for name in header]
    problems: dict[str, list[str]] = {}
    if not any(columns):
        return columns, {"header": [f"The first line must name the columns: {', '.join(COLUMNS)}."]}
    for position, name in enumerate(columns, start=1):
        if not name:
            problems.setdefault("header", []).append(f"Column {position} has no name.")
        elif name not in COLUMNS:
            problems[name] = [f"Unknown column; the columns are {', '.join(COLUMNS)}."]
        elif columns.index(name) != position - 1:
            problems[name] = ["This column appears more than once."]
    for name in REQUIRED_COLUMNS:
        if name not in columns:
            problems[name] = ["This column is missing."]
    return columns, problems


def _read_row(columns: list[str], cells: list[str]) -> tuple[dict | None, dict[str, list[str]]]:
    extra = cells[len(columns):]
    if any(cell.strip() for cell in extra):
        return None, {"roster": [f"This line has {len(cells)} values but the header names {len(columns)} columns."]}
    try:
        return roster_row_schema.load(dict(zip(columns, cells))), {}
    except ValidationError as error:
        return None, error.normalized_messages()


class RosterPreviewQuerySchema(Schema):
    """`POST /api/admin/roster/preview?deactivate_missing=true` also plans to deactivate the active
    people of the admin's scope whom the file does not list."""

    deactivate_missing = fields.Boolean(load_default=False)


class RosterImportSchema(Schema):
    """A roster import as the admin follows it: `plan` is what the preview showed (in the answers
    about one import), `counts` what the job wrote (when done), `error` why it failed."""

    id = fields.String(required=True)
    state = fields.String(required=True, metadata={"enum": ["pending", "confirmed", "running", "done", "failed"]})
    admin_id = fields.String(allow_none=True, required=True)
    school_id = fields.String(allow_none=True, required=True)
    options = fields.Dict(required=True)
    progress = fields.Method("_progress", required=True,
                             metadata={"description": "Rows prepared (passwords hashed) of all rows."})
    plan_counts = fields.Method("_plan_counts", required=True)
    plan = fields.Dict()
    counts = fields.Dict(allow_none=True, required=True)
    error = fields.Dict(allow_none=True, required=True)
    created_at = fields.AwareDateTime(required=True)
    confirmed_at = fields.AwareDateTime(allow_none=True, required=True)
    finished_at = fields.AwareDateTime(allow_none=True, required=True)

    def _progress(self, roster_import) -> dict:
        return {"done": roster_import.progress_done, "total": roster_import.progress_total}

    def _plan_counts(self, roster_import) -> dict:
        return roster_import.plan["counts"]


class RosterImportSummarySchema(RosterImportSchema):
    """An import without its plan (lists, and the answer to a confirmation)."""

    class Meta:
        exclude = ("plan",)


class RosterImportListSchema(Schema):
    imports = fields.List(fields.Nested(RosterImportSummarySchema), required=True)


roster_preview_query_schema = RosterPreviewQuerySchema()
roster_import_schema = RosterImportSchema()
roster_import_summary_schema = RosterImportSummarySchema()
