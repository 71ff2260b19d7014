"""The few SQL expressions whose spelling differs between SQLite and PostgreSQL.

Days, months and weeks are of the district's time zone ("2026-03-05", "2026-03", and the Monday
"2026-03-02"): PostgreSQL converts with `timezone()`, SQLite with `rounds_local()`, a function of
ours registered on every SQLite connection (`local_text`). Durations are whole hours, rounded
down. Everything else in the reports is portable SQLAlchemy.
"""
from datetime import date

from sqlalchemy import Integer, case, cast, func, literal, select, true, union_all

from server.extensions import db
from server.models import Observation


def _postgres() -> bool:
    return db.engine.dialect.name == "postgresql"


def visit_at():
    """When the visit happened: its start, or when the record was made if it has none."""
    return func.coalesce(Observation.started_at, Observation.created_at)


def month_of(moment, zone: str):
    """The moment's month in `zone`, as YYYY-MM."""
    if _postgres():
        return func.to_char(func.timezone(zone, moment), "YYYY-MM")
    return func.rounds_local(moment, zone, "month")


def week_of(moment, zone: str):
    """The Monday starting the moment's week in `zone`, as YYYY-MM-DD."""
    if _postgres():
        return func.to_char(func.date_trunc("week", func.timezone(zone, moment)), "YYYY-MM-DD")
    return func.rounds_local(moment, zone, "week")


def day_of(moment, zone: str):
    """The moment's day in `zone`, as YYYY-MM-DD."""
    if _postgres():
        return func.to_char(func.timezone(zone, moment), "YYYY-MM-DD")
    return func.rounds_local(moment, zone, "day")


def as_date(value) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) else value


def whole_hours(start, end):
    """Hours from `start` to `end`: whole seconds (half away from zero), then rounded down."""
    if _postgres():
        return cast(func.floor(func.round(func.extract("epoch", end - start)) / 3600), Integer)
    # Whole seconds first: julianday's floating point puts 5 h a hair below 5.
    seconds = cast(func.round((func.julianday(end) - func.julianday(start)) * 86400), Integer)
    return (seconds - ((seconds % 3600) + 3600) % 3600) // 3600


# The look-for answer that is an observation's core field (`binds`), under a key no look-for can
# have (keys start with a letter), so it travels with the others.
BOUND_KEY_PREFIX = "@"


def lookfor_answers(conditions, *columns):
    """A common table expression of one row per answered look-for of the counted observations: `columns` (labelled
    Observation expressions), then `key` and `value` (the answer as text: "true", "false", a
    whole number's digits, or the text). Answers stored in core fields come as "@<field>"."""
    if _postgres():
        pair = func.jsonb_each_text(Observation.lookfors).table_valued("key", "value").lateral("answer")
        stored = select(*columns, pair.c.key, pair.c.value).select_from(Observation).join(pair, true())
        value = pair.c.value
    else:
        pair = func.json_each(Observation.lookfors).table_valued("key", "value", "type").alias("answer")
        value = case((pair.c.type.in_(("true", "false")), pair.c.type), else_=cast(pair.c.value, db.String))
        stored = select(*columns, pair.c.key, value.label("value")).select_from(Observation).join(pair, true())
    stored = stored.where(*conditions, value.is_not(None))
    bound = select(*columns, literal(BOUND_KEY_PREFIX + "task_demand").label("key"),
                   Observation.task_demand.label("value")).where(*conditions, Observation.task_demand.is_not(None))
    # Materialized: the report groups these rows several ways in one statement, and the look-fors
    # are unpacked from their JSON once, not once per grouping.
    return union_all(stored, bound).cte("answers").prefix_with("MATERIALIZED")
