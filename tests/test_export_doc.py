"""docs/export.md lists exactly the columns the export writes, with their types, table by table."""
import re
from pathlib import Path

import pytest

from server.analytics.tables import TABLES

DOC = (Path(__file__).resolve().parent.parent / "docs" / "export.md").read_text()


def documented(table: str) -> dict:
    """{column: type} from the doc's section on `table`."""
    section = re.search(rf"### `{table}`\n(.*?)(?=\n### |\Z)", DOC, re.S)[1]
    return {match[1]: match[2] for match in re.finditer(r"^\| `([a-z_]+)` \| ([a-z]+)", section, re.M)}


@pytest.mark.parametrize("table", TABLES, ids=lambda table: table.name)
def test_the_doc_lists_exactly_the_columns_of_each_table_with_their_types(table):
    assert documented(table.name) == {column.name: column.type for column in table.columns}


def test_the_doc_states_the_csv_injection_rule_and_the_bom():
    assert "`=`, `+`, `-`, `@`, a tab or a carriage return" in DOC
    assert "`bom`" in DOC and "--bom" in DOC
