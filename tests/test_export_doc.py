"""docs/export.md lists exactly the columns the export writes, with their types, table by table."""
import re
from pathlib import Path

import pytest

from server.analytics.deidentified import FREE_TEXT, Deidentification
from server.analytics.export import LOOKFOR_CELLS
from server.analytics.tables import TABLES

DOC = (Path(__file__).resolve().parent.parent / "docs" / "export.md").read_text()


def documented(table: str, heading: str = "") -> dict:
    """{column: type} from the doc's section on `table` (`heading` follows its name)."""
    section = re.search(rf"### `{table}`{re.escape(heading)}\n(.*?)(?=\n## |\n### |\Z)", DOC, re.S)[1]
    return {match[1]: match[2] for match in re.finditer(r"^\| `([a-z_]+)` \| ([a-z]+)", section, re.M)}


DEIDENTIFIED = (*Deidentification(None, free_text=True).tables(), LOOKFOR_CELLS)


@pytest.mark.parametrize("table", TABLES, ids=lambda table: table.name)
def test_the_doc_lists_exactly_the_columns_of_each_table_with_their_types(table):
    assert documented(table.name) == {column.name: column.type for column in table.columns}


def test_the_doc_states_the_csv_injection_rule_and_the_bom():
    assert "`=`, `+`, `-`, `@`, a tab or a carriage return" in DOC
    assert "`bom`" in DOC and "--bom" in DOC


@pytest.mark.parametrize("table", DEIDENTIFIED, ids=lambda table: table.name)
def test_the_doc_lists_exactly_the_columns_of_each_deidentified_table(table):
    assert documented(table.name, " (de-identified)") == {column.name: column.type for column in table.columns}


def test_the_doc_marks_every_free_text_column_and_says_names_in_it_stay():
    for table in DEIDENTIFIED:
        section = re.search(rf"### `{table.name}` \(de-identified\)\n(.*?)(?=\n## |\n### |\Z)", DOC, re.S)[1]
        for name in FREE_TEXT & set(table.names()):
            assert re.search(rf"^\| `{name}` \|.*Free text: only with `free_text=true`", section, re.M), name
    assert "names\n  written in them are not removed." in DOC and "`suppression_threshold`" in DOC
    assert "a teacher's pseudonym links" in DOC and "data agreement" in DOC
