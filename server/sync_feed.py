"""The change feed: where each record last changed, in commit order, and reading it for pull.

Why not an auto-increment column? Concurrent transactions take ids in start order but commit in
any order: a reader that has seen id 11 committed moves its cursor past id 10, which commits a
moment later and is never read. Here every writing transaction takes its positions at its very
end from the one `sync_clock` row, with `UPDATE ... RETURNING`, and holds that row's lock until it
commits. The next writer cannot take positions until then, so positions become visible in order:
everything at or below the clock's committed value is already visible. docs/sync.md explains it.
"""
from sqlalchemy import and_, bindparam, func, select, tuple_, update

from server.authz import observation_read_rules
from server.bulk import insert_rows
from server.extensions import db
from server.models import Feedback, Observation, SyncChange, SyncClock, SyncConflict
from server.sync_records import TABLES, WIRE_FIELDS, wire_document
from server.sync_conflicts import open_conflicts_by_record

change_table = SyncChange.__table__
# A pull page examines the feed WINDOW positions at a time, at most MAX_WINDOWS times.
WINDOW = 2000
MAX_WINDOWS = 50


def record_changes(changes: dict, created: frozenset = frozenset()) -> None:
    """Give each changed record ((entity, record_id) -> observation_id) the next positions.

    `created` names the records created in this transaction: they have no feed row yet, and
    every older record has one (pushes, the demo and the migration all write it), so they are
    inserted without a look-up. Call last in the writing transaction: the clock row stays locked
    until commit.
    """
    if not changes:
        return
    top = db.session.execute(update(SyncClock).where(SyncClock.id == 1)
                             .values(position=SyncClock.position + len(changes))
                             .returning(SyncClock.position)).scalar_one()
    first = top - len(changes) + 1
    rows = [{"entity": entity, "record_id": record_id, "observation_id": observation_id, "position": first + n}
            for n, ((entity, record_id), observation_id) in enumerate(changes.items())]
    inserts = [r for r in rows if (r["entity"], r["record_id"]) in created]
    updates = [r for r in rows if (r["entity"], r["record_id"]) not in created]
    if updates:
        # New positions lie above every position handed out before, so the unique index on
        # position never sees two rows at one place.
        moved = db.session.execute(update(change_table).where(and_(
            change_table.c.entity == bindparam("b_entity"), change_table.c.record_id == bindparam("b_record_id")))
            .values(position=bindparam("b_position")),
            [{"b_entity": r["entity"], "b_record_id": r["record_id"], "b_position": r["position"]} for r in updates])
        if moved.rowcount != len(updates):
            inserts += _without_feed_row(updates)
    insert_rows(change_table, inserts)


def _without_feed_row(rows: list) -> list:
    """The rows whose record has no feed row yet (one written outside sync, e.g. by hand)."""
    keys = [(r["entity"], r["record_id"]) for r in rows]
    existing = {(entity, record_id) for entity, record_id in db.session.execute(
        select(change_table.c.entity, change_table.c.record_id).where(
            tuple_(change_table.c.entity, change_table.c.record_id).in_(keys)))}
    return [r for r in rows if (r["entity"], r["record_id"]) not in existing]


def visible_conflicts_query(person):
    """Open conflicts on records `person` may read, oldest first."""
    return (select(SyncConflict)
            .join(Observation, Observation.id == SyncConflict.observation_id)
            .outerjoin(Feedback, and_(SyncConflict.entity == "feedback", Feedback.id == SyncConflict.record_id))
            .where(SyncConflict.resolved_at.is_(None),
                   observation_read_rules(person, SyncConflict.entity)[0])
            .order_by(SyncConflict.created_at, SyncConflict.id))


def read_feed(person, cursor: int, limit: int) -> tuple[list, int, bool]:
    """Changes after `cursor` that `person` may read: ([change, ...], new cursor, has_more).

    The feed is read in windows of the next WINDOW positions, each filtered for what the person
    may read, until the page is full. A window is an index range scan whatever the planner's
    statistics say, so a page costs the same on a table loaded a second ago. The cursor may move
    past every position examined: all of them are committed (see the module docstring).
    """
    horizon = db.session.scalar(select(SyncClock.position).where(SyncClock.id == 1))
    found, scanned_to = [], cursor
    for _ in range(MAX_WINDOWS):
        window = (select(change_table).where(change_table.c.position > scanned_to)
                  .order_by(change_table.c.position).limit(WINDOW).subquery())
        size, last = db.session.execute(select(func.count(), func.max(window.c.position))).one()
        if not size:
            break
        may_read, held = observation_read_rules(person, window.c.entity)
        found += db.session.execute(
            select(window.c.entity, window.c.record_id, window.c.position, may_read.label("readable"))
            .join(Observation, Observation.id == window.c.observation_id)
            .outerjoin(Feedback, and_(window.c.entity == "feedback", Feedback.id == window.c.record_id))
            .where(held)
            .order_by(window.c.position).limit(limit + 1 - len(found))).all()
        scanned_to = last
        if len(found) > limit:
            page = found[:limit]
            return _documents(page), page[-1].position, True
        if size < WINDOW:
            # The end of the feed: nothing visible is left below the horizon either.
            return _documents(found), max(scanned_to, horizon), False
    else:
        # A long stretch of changes this person may not read: report progress, ask for more.
        return _documents(found), scanned_to, True
    return _documents(found), max(scanned_to, horizon), False


def _wire_columns(entity: str):
    table = TABLES[entity]
    columns = [table.c.id, *(table.c[name] for name in WIRE_FIELDS[entity])]
    if "version" in table.c:
        columns.append(table.c.version)
    return select(*columns)


def _gone(row) -> dict:
    return {"entity": row.entity, "record_id": row.record_id, "position": row.position, "gone": True}


def _documents(found) -> list:
    """The page's records, current state and open conflicts, in position order. A record the
    reader held once but may no longer read (withdrawn, deleted) comes as {"gone": true}, with
    its ids alone."""
    rows = [row for row in found if row.readable]
    if not rows:
        return [_gone(row) for row in found]
    first, last = rows[0].position, rows[-1].position
    loaded = {}
    for entity in {row.entity for row in rows}:
        # A range join on positions instead of an IN list of ids: the page is a position range.
        query = _wire_columns(entity).join(change_table, and_(
            change_table.c.entity == entity, change_table.c.record_id == TABLES[entity].c.id))
        page = query.where(change_table.c.position.between(first, last))
        for record in db.session.execute(page).mappings().all():
            loaded[(entity, record["id"])] = record
    for row in rows:
        if (row.entity, row.record_id) not in loaded:
            # Changed again since the page was read: send its newer state now (it comes once
            # more at its new position).
            table = TABLES[row.entity]
            query = _wire_columns(row.entity).where(table.c.id == row.record_id)
            loaded[(row.entity, row.record_id)] = db.session.execute(query).mappings().one()
    conflicts = open_conflicts_by_record((first, last))
    documents = []
    for row in found:
        if not row.readable:
            documents.append(_gone(row))
            continue
        record = loaded[(row.entity, row.record_id)]
        documents.append({
            "entity": row.entity, "record_id": row.record_id, "position": row.position,
            "version": record.get("version", 1), "data": wire_document(row.entity, record),
            "conflicts": conflicts.get((row.entity, row.record_id), []),
        })
    return documents
