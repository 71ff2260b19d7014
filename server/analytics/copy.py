"""CSV straight from PostgreSQL: `COPY (SELECT ...) TO STDOUT WITH (FORMAT csv, HEADER)` through
psycopg 3, for tables whose every column comes from SQL (observations, notes, feedback).

The SELECT renders each column as the Python CSV writer would (server.analytics.writers), so
both paths give the same cells: timestamps as 2026-03-02T14:05:09Z, booleans as true/false, and
every text cell that begins with `=`, `+`, `-`, `@`, a tab or a carriage return prefixed with `'`
(ids are cast from uuid and need nothing). PostgreSQL ends rows with LF; the protocol sends each
row in a CopyData message of its own, so each message's last byte (the LF ending the row) is
replaced by CRLF, and line breaks inside quoted cells are left as they were written.
"""
from collections.abc import Iterator

import psycopg
from sqlalchemy import Text, case, cast, func, literal

from server.analytics.writers import BOM, CHUNK, FORMULA_STARTS
from server.extensions import db


def _rendered(column):
    expression = column.expression
    if column.type == "datetime":
        return func.to_char(func.timezone("UTC", expression), 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
    if column.type == "date":
        return func.to_char(expression, "YYYY-MM-DD")
    if column.type == "boolean":
        return case((expression.is_(True), "true"), (expression.is_(False), "false"))
    if column.type == "string" and column.format == "uuid":
        return cast(expression, Text)
    if column.type == "string":
        return case((func.left(expression, 1).in_(FORMULA_STARTS), literal("'", Text) + expression),
                    else_=expression)
    return expression


def copy_sql(table, conditions, columns=None) -> str:
    """The COPY statement for `table` (its `columns`, all by default), values bound in client-side
    by psycopg (COPY takes no server-side parameters)."""
    chosen = [table.column(name) for name in columns] if columns else list(table.columns)
    select = table.query([_rendered(column).label(column.name) for column in chosen], conditions)
    connection = db.session.connection()
    compiled = select.compile(dialect=connection.dialect, compile_kwargs={"render_postcompile": True})
    raw = connection.connection.driver_connection
    query = psycopg.ClientCursor(raw).mogrify(str(compiled), compiled.params)
    return f"COPY ({query}) TO STDOUT WITH (FORMAT csv, HEADER true)"


def copy_csv_chunks(table, conditions, counts: dict, bom: bool = False, columns=None) -> Iterator[bytes]:
    """The CSV of `table` in chunks of about CHUNK bytes; counts[table.name] is its row count."""
    statement = copy_sql(table, conditions, columns)
    raw = db.session.connection().connection.driver_connection
    pending, rows = bytearray(BOM if bom else b""), -1
    extend, append = pending.extend, pending.append
    with raw.cursor() as cursor, cursor.copy(statement) as copy:
        for row in copy:
            # Each CopyData message is one row ending with LF: the LF becomes CRLF.
            extend(row)
            pending[-1] = 13
            append(10)
            rows += 1
            if len(pending) >= CHUNK:
                counts[table.name] = rows
                yield bytes(pending)
                pending.clear()
    counts[table.name] = max(rows, 0)
    yield bytes(pending)
