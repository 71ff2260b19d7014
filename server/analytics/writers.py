"""Rendering rows as bytes: CSV (RFC 4180), JSON Lines, and a zip written as it goes.

Each writer takes the table's columns and an iterable of row batches (server.analytics.tables) and
yields chunks of bytes of about CHUNK bytes, so an HTTP response or a file receives the export a
piece at a time.

CSV: UTF-8 (optionally after a byte-order mark, for Excel), CRLF line ends, fields quoted when
they hold a comma, quote or line break, quotes doubled. A text cell that begins with `=`, `+`,
`-`, `@`, a tab or a carriage return gets a `'` in front, so that no spreadsheet runs it as a
formula (CSV injection). Numbers, dates, booleans and ids are never text of that kind.
JSON Lines: one JSON object per line, values untouched (no spreadsheet reads them).
"""
import csv
import io
import zipfile
from collections.abc import Iterable, Iterator
from datetime import date, datetime

from server.jsonutil import dumps_bytes

CHUNK = 64 * 1024
BOM = "\ufeff".encode()
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralised(text: str) -> str:
    """`text` as a spreadsheet may show it without running it as a formula."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def timestamp(value: datetime) -> str:
    """A UTC datetime as ISO 8601 to the second, e.g. 2026-03-02T14:05:09Z (Table Schema's default)."""
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


def _csv_cell(column):
    """A function from a value of `column` to what csv.writer should write, or None if the value
    is written as it is (ints and None; csv writes None as an empty field)."""
    if column.type == "datetime":
        return lambda value: None if value is None else timestamp(value)
    if column.type == "date":
        return lambda value: None if value is None else value.isoformat()
    if column.type == "boolean":
        return lambda value: None if value is None else ("true" if value else "false")
    if column.type == "string" and column.format != "uuid":
        return lambda value: None if value is None else neutralised(value)
    return None


def csv_chunks(columns, batches: Iterable[list], bom: bool = False) -> Iterator[bytes]:
    """The header line and every row as CSV."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([column.name for column in columns])
    cells = [(i, cell) for i, cell in enumerate(map(_csv_cell, columns)) if cell is not None]
    prefix = BOM if bom else b""
    for batch in batches:
        if cells:
            batch = [_converted(row, cells) for row in batch]
        writer.writerows(batch)
        if buffer.tell() >= CHUNK:
            yield prefix + buffer.getvalue().encode()
            prefix = b""
            buffer.seek(0)
            buffer.truncate()
    yield prefix + buffer.getvalue().encode()


def _converted(row, cells) -> list:
    row = list(row)
    for i, cell in cells:
        row[i] = cell(row[i])
    return row


def _json_value(value):
    if isinstance(value, datetime):
        return timestamp(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def jsonl_chunks(columns, batches: Iterable[list]) -> Iterator[bytes]:
    """One JSON object per row, keyed by column name, each on its own line (LF)."""
    names = [column.name for column in columns]
    pending, size = [], 0
    for batch in batches:
        for row in batch:
            line = dumps_bytes({name: _json_value(value) for name, value in zip(names, row)}) + b"\n"
            pending.append(line)
            size += len(line)
        if size >= CHUNK:
            yield b"".join(pending)
            pending, size = [], 0
    yield b"".join(pending)


class _Outbox:
    """A write-only file that keeps what is written until it is taken: zipfile writes into it, the
    stream takes from it. It cannot seek, so zipfile writes each entry's sizes after its data."""

    def __init__(self):
        self.parts: list[bytes] = []
        self.size = 0

    def write(self, data) -> int:
        self.parts.append(bytes(data))
        self.size += len(data)
        return len(data)

    def flush(self) -> None:
        pass

    def take(self) -> bytes:
        data, self.parts, self.size = b"".join(self.parts), [], 0
        return data


def zip_chunks(entries: Iterable[tuple[str, Iterable[bytes]]]) -> Iterator[bytes]:
    """A zip of (name, chunks) entries, yielded as it is written: nothing is held but the chunk
    being compressed. Entries are deflated and use ZIP64 sizes, so none has a size limit."""
    outbox = _Outbox()
    with zipfile.ZipFile(outbox, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as archive:
        for name, chunks in entries:
            with archive.open(name, "w", force_zip64=True) as entry:
                for chunk in chunks:
                    entry.write(chunk)
                    if outbox.size >= CHUNK:
                        yield outbox.take()
            yield outbox.take()
    yield outbox.take()
