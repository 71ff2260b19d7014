"""One export: its tables as CSV or JSON Lines, the data package describing them, the zip of both,
and the audit event that records it.

An `Export` is made once the filters are valid (schemas.exports, then scope.filter_errors). Its
streams read the database only while they are consumed. `audited(chunks, actor, via)` passes a
stream through and, when it ends or is abandoned (the client went away), commits an audit event
of its own: who, the filters, the format, the rows of each table, identified, and whether it
completed.
"""
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone

from server import audit
from server.analytics import copy, writers
from server.analytics.scope import Scope, criteria, described
from server.analytics.tables import OBSERVATIONS, TABLES, Table, rows
from server.extensions import db
from server.jsonutil import dumps_bytes

MEDIA_TYPES = {"csv": "text/csv", "jsonl": "application/x-ndjson", "zip": "application/zip"}
CSV_DIALECT = {"delimiter": ",", "lineTerminator": "\r\n", "quoteChar": '"', "doubleQuote": True, "header": True}


@dataclass
class Export:
    scope: Scope
    filters: dict
    # COPY on PostgreSQL for CSV of tables made wholly in SQL; False forces the Python writer.
    use_copy: bool = True
    counts: dict = field(default_factory=dict)

    def table_chunks(self, table: Table, fmt: str, bom: bool = False) -> Iterator[bytes]:
        """`table` as CSV or JSON Lines; self.counts[table.name] counts its rows as they go."""
        conditions = criteria(self.scope, self.filters)
        self.counts[table.name] = 0
        if fmt == "csv" and self.use_copy and table.expand is None and db.engine.dialect.name == "postgresql":
            return copy.copy_csv_chunks(table, conditions, self.counts, bom)
        batches = self._counted(table.name, rows(table, conditions, self.scope.district.id))
        if fmt == "csv":
            return writers.csv_chunks(table.columns, batches, bom)
        return writers.jsonl_chunks(table.columns, batches)

    def _counted(self, name: str, batches):
        for batch in batches:
            self.counts[name] += len(batch)
            yield batch

    def files(self, fmt: str, bom: bool = False) -> Iterator[tuple[str, Iterator[bytes]]]:
        """(file name, chunks) of every table, then datapackage.json."""
        for table in TABLES:
            yield f"{table.name}.{fmt}", self.table_chunks(table, fmt, bom)
        yield "datapackage.json", iter([dumps_bytes(self.datapackage(fmt, bom))])

    def stream(self, fmt: str, bom: bool = False) -> Iterator[bytes]:
        """The observations table as csv or jsonl, or every table and the data package as a zip."""
        if fmt == "zip":
            return writers.zip_chunks(self.files("csv", bom))
        return self.table_chunks(OBSERVATIONS, fmt, bom)

    def datapackage(self, fmt: str, bom: bool = False) -> dict:
        """A Frictionless (tabular) Data Package describing every table and column."""
        return datapackage(fmt, bom, described(self.filters), self.scope.district.name)

    def audited(self, chunks: Iterator[bytes], actor, via: str, fmt: str) -> Iterator[bytes]:
        complete = False
        try:
            yield from chunks
            complete = True
        finally:
            # The read (and its server-side cursor) ends before the event is written and committed.
            db.session.rollback()
            audit.record("export", actor, subject=self.scope.district, via=via, format=fmt,
                         filters=described(self.filters), rows=dict(self.counts), identified=True,
                         complete=complete)
            db.session.commit()


def datapackage(fmt: str, bom: bool, filters: dict, district_name: str) -> dict:
    resources = []
    for table in TABLES:
        resource = {
            "name": table.name, "path": f"{table.name}.{fmt}", "profile": "tabular-data-resource",
            "description": table.description, "format": fmt, "mediatype": MEDIA_TYPES[fmt], "encoding": "utf-8",
            "schema": {"fields": [column.field() for column in table.columns],
                       "primaryKey": list(table.primary_key), "missingValues": [""]},
        }
        if table.foreign_keys:
            resource["schema"]["foreignKeys"] = list(table.foreign_keys)
        if fmt == "csv":
            resource["dialect"] = CSV_DIALECT
        resources.append(resource)
    created = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {
        "profile": "tabular-data-package",
        "name": "rounds-observations",
        "title": f"Rounds observations of {district_name}",
        "description": ("Submitted observations, their evidence notes, look-for answers and released feedback, "
                        "identified. Text cells of the CSV files that began with =, +, -, @, a tab or a "
                        "carriage return start with a ' added so that no spreadsheet runs them"
                        + (", and each CSV file starts with a UTF-8 byte-order mark." if bom and fmt == "csv"
                           else ".")),
        "created": created,
        "rounds_filters": filters,
        "resources": resources,
    }
