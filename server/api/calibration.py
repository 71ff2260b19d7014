"""Calibration: an observer's own co-observed lessons with agreement per look-for, and district
staff's view of which look-fors observers read differently (server.rounds.calibration)."""
from server import audit
from server.api import api
from server.auth import require_person
from server.authz import may_study
from server.errors import not_found
from server.extensions import db
from server.rounds.calibration import district_calibration, my_calibration


@api.get("/calibration")
def my_calibration_view():
    """The caller's co-observed lessons that every member has submitted, with each member's
    value per look-for, and agreement per look-for overall and with each partner. Anyone
    signed in may ask; someone who never co-observed gets empty lists."""
    return my_calibration(require_person())


@api.get("/reports/calibration")
def calibration_report_view():
    """District staff: agreement per look-for across the co-observed lessons of their schools,
    with n; never per observer."""
    person = require_person()
    if not may_study(person):
        raise not_found("That report")
    report = {"report": "calibration", "filters": {}, **district_calibration(person)}
    audit.record("report", person, report="calibration", filters={}, format="json")
    db.session.commit()
    return report
