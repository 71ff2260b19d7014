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

from sqlalchemy import select

from server import audit
from server.analytics import cells, copy, writers
from server.analytics.deidentified import Deidentification
from server.analytics.grid import Grid, lookfors_by_template
from server.analytics.privacy import suppression_threshold
from server.analytics.scope import Scope, criteria, described
from server.analytics.tables import OBSERVATIONS, TABLES, Table, rows
from server.extensions import db
from server.jsonutil import dumps_bytes
from server.models import School

# No primary key: a margin's school, grade and subject are empty, and a key may hold no empty value.
LOOKFOR_CELLS = Table("lookfor_cells", "Look-for answers counted by template version, month and place (district, "
                      "school, or school x grade x subject), long format; suppressed where fewer than k teachers "
                      "are behind a figure, or where it would give one away.", cells.CELL_COLUMNS, (), None)

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

    def audit_detail(self) -> dict:
        """What the audit event says of this kind of export."""
        return {"identified": True}

    def audited(self, chunks: Iterator[bytes], actor, via: str, fmt: str) -> Iterator[bytes]:
        complete = False
        try:
            yield from chunks
            complete = True
        finally:
            # The read (and its server-side cursor) ends before the event is written and committed.
            db.session.rollback()
            audit.record("export", actor, subject=self.scope.district, via=via, format=fmt,
                         filters=described(self.filters), rows=dict(self.counts), **self.audit_detail(),
                         complete=complete)
            db.session.commit()


def resources(tables, fmt: str) -> list[dict]:
    """Each table as a Frictionless tabular data resource, its Table Schema listing every column."""
    described = []
    for table in tables:
        resource = {
            "name": table.name, "path": f"{table.name}.{fmt}", "profile": "tabular-data-resource",
            "description": table.description, "format": fmt, "mediatype": MEDIA_TYPES[fmt], "encoding": "utf-8",
            "schema": {"fields": [column.field() for column in table.columns], "missingValues": [""]},
        }
        if table.primary_key:
            resource["schema"]["primaryKey"] = list(table.primary_key)
        if table.foreign_keys:
            resource["schema"]["foreignKeys"] = list(table.foreign_keys)
        if fmt == "csv":
            resource["dialect"] = CSV_DIALECT
        described.append(resource)
    return described


def csv_rule(fmt: str, bom: bool) -> str:
    return ("Text cells of the CSV files that began with =, +, -, @, a tab or a carriage return start with a ' "
            "added so that no spreadsheet runs them"
            + (", and each CSV file starts with a UTF-8 byte-order mark." if bom and fmt == "csv" else "."))


def datapackage(fmt: str, bom: bool, filters: dict, district_name: str) -> dict:
    created = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {
        "profile": "tabular-data-package",
        "name": "rounds-observations",
        "title": f"Rounds observations of {district_name}",
        "description": ("Submitted observations, their evidence notes, look-for answers and released feedback, "
                        "identified. " + csv_rule(fmt, bom)),
        "created": created,
        "rounds_filters": filters,
        "resources": resources(TABLES, fmt),
    }


@dataclass
class DeidentifiedExport(Export):
    """The de-identified export (server.analytics.deidentified, .grid, .cells): its row tables and
    lookfor_cells, the fixed grid read once, when the stream starts. `withheld` and `suppressed`
    say what it left out, for the data package and the audit event."""
    free_text: bool = False
    use_copy: bool = False
    _rows: Deidentification | None = field(default=None, repr=False)

    def __post_init__(self):
        self.k = suppression_threshold(self.scope.district)
        self.suppressed: dict = {}

    @property
    def withheld(self) -> dict:
        return dict(self._rows.withheld) if self._rows else {}

    def _deidentification(self) -> Deidentification:
        if self._rows is None:
            self._rows = Deidentification(Grid.of_district(self.scope.district, self.k), self.free_text)
            self._lookfors = lookfors_by_template(self.scope.district.id)
            nodes = self._rows.grid.selected(self.scope.schools(), self.scope.district_wide, self.filters)
            self._nodes = cells.shown(nodes, self._lookfors)
            self.suppressed = cells.suppression_counts(self._rows.grid, self._nodes)
        return self._rows

    def tables(self) -> tuple[Table, ...]:
        return self._deidentification().tables()

    def _written(self, table: Table, batches, fmt: str, bom: bool) -> Iterator[bytes]:
        batches = self._counted(table.name, batches)
        if fmt == "csv":
            return writers.csv_chunks(table.columns, batches, bom)
        return writers.jsonl_chunks(table.columns, batches)

    def table_chunks(self, table: Table, fmt: str, bom: bool = False) -> Iterator[bytes]:
        self.counts[table.name] = 0
        return self._written(table, rows(table, criteria(self.scope, self.filters), self.scope.district.id),
                             fmt, bom)

    def cell_chunks(self, fmt: str, bom: bool = False) -> Iterator[bytes]:
        grid = self._deidentification().grid
        names = dict(db.session.execute(select(School.id, School.name).where(
            School.district_id == self.scope.district.id)).all())
        self.counts[LOOKFOR_CELLS.name] = 0
        return self._written(LOOKFOR_CELLS, cells.cell_rows(grid, self._nodes, self._lookfors, names), fmt, bom)

    def files(self, fmt: str, bom: bool = False) -> Iterator[tuple[str, Iterator[bytes]]]:
        for table in self.tables():
            yield f"{table.name}.{fmt}", self.table_chunks(table, fmt, bom)
        yield f"{LOOKFOR_CELLS.name}.{fmt}", self.cell_chunks(fmt, bom)
        # Made once every table is written: it states how many rows were withheld.
        yield "datapackage.json", (dumps_bytes(self.datapackage(fmt, bom)) for _ in range(1))

    def stream(self, fmt: str, bom: bool = False) -> Iterator[bytes]:
        if fmt == "zip":
            return writers.zip_chunks(self.files("csv", bom))
        return self._observations(fmt, bom)

    def _observations(self, fmt: str, bom: bool) -> Iterator[bytes]:
        yield from self.table_chunks(self.tables()[0], fmt, bom)

    def datapackage(self, fmt: str, bom: bool = False) -> dict:
        created = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        k = self.k
        return {
            "profile": "tabular-data-package",
            "name": "rounds-observations-deidentified",
            "title": f"Rounds observations of {self.scope.district.name}, de-identified",
            "description": (
                "De-identified: submitted observations, their evidence notes, look-for answers and released "
                "feedback with no name, email or id of a person. Teachers, observers and records are pseudonyms "
                "that hold within this export only; the only date is the Monday of the visit's week "
                "(the district's timezone); lookfor_cells counts look-for answers by template version, month, "
                f"school, grade and subject, with every figure of fewer than {k} teachers suppressed, and others "
                "(complementary) so that none can be computed from the rest. A row shows its school, grade and "
                "subject only where that cell is published, and is withheld where not even the district's "
                "figures are. "
                + ("Free text is included word for word: names written in it are NOT removed. " if self.free_text
                   else "Free text is left out. ")
                + "A pseudonym links one teacher's rows within this export: share it under a data agreement. "
                + csv_rule(fmt, bom)),
            "created": created,
            "rounds_filters": described(self.filters),
            "rounds_deidentified": {"deidentified": True, "k": k, "free_text": self.free_text,
                                    "suppressed_nodes": dict(self.suppressed), "withheld_rows": self.withheld},
            "resources": resources((*self.tables(), LOOKFOR_CELLS), fmt),
        }

    def audit_detail(self) -> dict:
        return {"identified": False, "k": self.k, "free_text": self.free_text, "suppressed": dict(self.suppressed),
                "withheld": self.withheld}
