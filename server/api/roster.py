"""Roster import over HTTP. Small files: `POST /admin/roster` imports at once. District-size
files: preview (checked, nothing written), confirm, and the scheduler's job writes them
(server/roster_jobs.py); the admin follows its progress."""
from flask import request
from sqlalchemy import select

from schemas.roster import (read_roster, roster_import_schema, roster_import_summary_schema,
                            roster_preview_query_schema)
from server.api import api
from server.auth import require_admin, require_person
from server.authz import find_visible
from server.bodies import csv_body
from server.errors import ApiError
from server.extensions import db
from server.models import District
from server.models.roster_import import RosterImport
from server.models.types import utcnow
from server.roster import RosterProblems, check_roster, import_roster, plan_roster
from server.roster_jobs import create_import, visible_imports_query

RECENT_IMPORTS = 20


def _refused(problems: RosterProblems) -> ApiError:
    return ApiError(422, "invalid_roster", str(problems), fields=problems.by_line())


@api.post("/admin/roster")
def import_roster_csv():
    """Import a roster (text/csv) into the admin's own district, within the admin's scope, hashing
    its passwords in the request: for small files (use the preview for large ones).

    200 {"schools_created", "people_created", "people_updated"}; 422 `invalid_roster` with
    every bad line in `fields` ({"<line>": {"<column>": [messages]}}) and nothing written.
    """
    admin = require_admin()
    text = csv_body()
    district = db.session.get(District, admin.district_id)
    try:
        counts = import_roster(text, district, admin)
    except RosterProblems as problems:
        raise _refused(problems) from None
    db.session.commit()
    return counts


@api.post("/admin/roster/preview")
def preview_roster_csv():
    """Check a roster (text/csv) as the import would and answer what it would change, writing
    nobody: 201 with a pending import whose `plan` lists the people added, updated (with their
    changes) and unchanged, the schools created and, with `deactivate_missing=true`, the people of
    the admin's scope missing from the file who would be deactivated. Confirm it to import it.
    422 `invalid_roster` as for the import."""
    admin = require_admin()
    query = roster_preview_query_schema.load(request.args)
    text = csv_body()
    district = db.session.get(District, admin.district_id)
    rows, problems = read_roster(text)
    try:
        checked = check_roster(rows, district, admin, problems)
    except RosterProblems as problems:
        raise _refused(problems) from None
    plan = plan_roster(checked, district, admin, query["deactivate_missing"])
    roster_import = create_import(rows, plan, district, admin, query["deactivate_missing"])
    db.session.commit()
    return roster_import_schema.dump(roster_import), 201


@api.post("/admin/roster/imports/<import_id>/confirm")
def confirm_roster_import(import_id: str):
    """Confirm a previewed import: 202, and the scheduler writes it within seconds (follow it with
    GET). 409 unless it is pending (confirmed already, or expired)."""
    admin = require_person()
    roster_import = find_visible(visible_imports_query(admin).with_for_update(), RosterImport, import_id,
                                 "That import")
    if roster_import.state != "pending":
        raise ApiError(409, "not_pending", f"This import is {roster_import.state}, not waiting for confirmation.")
    roster_import.state, roster_import.confirmed_at = "confirmed", utcnow()
    db.session.commit()
    return roster_import_summary_schema.dump(roster_import), 202


@api.get("/admin/roster/imports/<import_id>")
def get_roster_import(import_id: str):
    """One import: its state, progress (rows prepared of all rows), plan, and once done the counts
    of what was written (or, failed, the error)."""
    admin = require_person()
    return roster_import_schema.dump(find_visible(visible_imports_query(admin), RosterImport, import_id,
                                                  "That import"))


@api.get("/admin/roster/imports")
def list_roster_imports():
    """The latest imports within the admin's scope, newest first (without their plans)."""
    admin = require_admin()
    found = db.session.scalars(visible_imports_query(admin).order_by(RosterImport.created_at.desc())
                               .limit(RECENT_IMPORTS))
    return {"imports": roster_import_summary_schema.dump(found, many=True)}
