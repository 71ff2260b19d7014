"""Writing many rows at once: COPY on PostgreSQL, executemany elsewhere."""
from sqlalchemy import JSON, insert

from server.extensions import db
from server.jsonutil import dumps_bytes


def insert_rows(table, rows: list) -> None:
    """Insert `rows` (dicts with the same keys) into `table` in the session's transaction.

    Column defaults are not applied on PostgreSQL: rows must carry every NOT NULL column without
    a server default (timestamps included). COPY is several times faster there than INSERT:
    psycopg runs an executemany statement by statement, and re-parses a multi-row VALUES.
    """
    if not rows:
        return
    connection = db.session.connection()
    if connection.dialect.name != "postgresql":
        connection.execute(insert(table), rows)
        return
    from psycopg.types.json import Jsonb

    columns = list(rows[0])
    json_columns = {name for name in columns if isinstance(table.c[name].type, JSON)}
    names = ", ".join(f'"{name}"' for name in columns)
    driver = connection.connection.driver_connection
    with driver.cursor() as cursor, cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
        for row in rows:
            copy.write_row([Jsonb(row[name], dumps=dumps_bytes) if name in json_columns else row[name]
                            for name in columns])
