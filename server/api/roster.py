"""Roster import over HTTP: an admin sends a CSV of people and gets back what changed."""
from server.api import api
from server.auth import require_role
from server.bodies import csv_body
from server.errors import ApiError
from server.extensions import db
from server.models import District
from server.roster import RosterProblems, import_roster


@api.post("/admin/roster")
def import_roster_csv():
    """Import a roster (text/csv) into the admin's own district, within the admin's scope.

    200 {"schools_created", "people_created", "people_updated"}; 422 `invalid_roster` with
    every bad line in `fields` ({"<line>": {"<column>": [messages]}}) and nothing written.
    """
    admin = require_role("admin")
    text = csv_body()
    district = db.session.get(District, admin.district_id)
    try:
        counts = import_roster(text, district, admin)
    except RosterProblems as problems:
        raise ApiError(422, "invalid_roster", str(problems), fields=problems.by_line()) from None
    db.session.commit()
    return counts
