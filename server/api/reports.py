"""Reports: district staff's distributions (look-fors, coverage, feedback loop, instructional
core), and an observer's own ratings. Each view is audited; `?format=csv` gives the same figures
as one flat table.

A whole-district report without filters, for district-wide staff, is read from the district's
summary (server.reports.summary), brought up to date first; any other is counted from the
observations. Both give the same figures."""
from flask import Response, request
from sqlalchemy import exists, select

from schemas.reports import coverage_query_schema, my_feedback_query_schema, report_query_schema
from server import audit
from server.api import api
from server.auth import require_person
from server.authz import may_study
from server.errors import not_found
from server.extensions import db
from server.models import District, Observation, Person
from server.reports import summary
from server.reports.core import core_report
from server.reports.coverage import coverage_report
from server.reports.csv_table import to_csv
from server.reports.feedback_loop import feedback_loop_report, my_feedback_report
from server.reports.filters import load_filters
from server.reports.lookfors import lookfors_report


@api.get("/reports/lookfors")
def lookfors_report_view():
    """How each look-for was answered, per template version: overall and by school, grade,
    subject and month."""
    return _district_report("lookfors", report_query_schema, lookfors_report)


@api.get("/reports/coverage")
def coverage_report_view():
    """Teachers not visited in the last `days` days, visits per teacher, a weeks x schools grid,
    and observers' load."""
    return _district_report("coverage", coverage_query_schema, coverage_report, "days")


@api.get("/reports/feedback-loop")
def feedback_loop_report_view():
    """Time to released feedback, acknowledgement, usefulness ratings and support commitments,
    per school."""
    return _district_report("feedback_loop", report_query_schema, feedback_loop_report)


@api.get("/reports/core")
def core_report_view():
    """Task-demand levels over months, and the share of evidence notes marked as inference."""
    return _district_report("core", report_query_schema, core_report)


@api.get("/reports/my-feedback")
def my_feedback_report_view():
    """How teachers rated the caller's own feedback (for anyone who observes), naming no one."""
    person = require_person()
    if not _has_observed(person):
        raise not_found("That report")
    query = my_feedback_query_schema.load(request.args)
    report = my_feedback_report(person, query["from_"], query["to"])
    shown = {"from": query["from_"].isoformat() if query["from_"] else None,
             "to": query["to"].isoformat() if query["to"] else None}
    return _answer(person, {"report": report["report"], "filters": shown, **report}, query["format"])


def _has_observed(person: Person) -> bool:
    return person.has_role("observer") or bool(db.session.scalar(
        select(exists().where(Observation.observer_id == person.id))))


def _district_report(name: str, schema, build, *parameters: str):
    person = require_person()
    if not may_study(person):
        raise not_found("That report")
    query = schema.load(request.args)
    filters = load_filters(person, query)
    extra = {parameter: query[parameter] for parameter in parameters}
    reader = None
    if person.school_id is None and not filters.filtered():
        reader = summary.current(db.session.get(District, person.district_id))
    report = build(person, filters, **extra, summary=reader)
    return _answer(person, {"report": report["report"], "filters": {**filters.shown(), **extra}, **report},
                   query["format"])


def _answer(person: Person, report: dict, answer_format: str):
    """The report as JSON or CSV, after its audit event is committed."""
    audit.record("report", person, report=report["report"], filters=report["filters"], format=answer_format)
    db.session.commit()
    if answer_format == "csv":
        return Response(to_csv(report), mimetype="text/csv", headers={
            "Content-Disposition": f'attachment; filename="rounds-{report["report"].replace("_", "-")}.csv"'})
    return report
