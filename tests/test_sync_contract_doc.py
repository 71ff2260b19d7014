"""docs/sync-contract.md describes the sync the code implements: every wire field of every entity
(which are required and which fixed), every key of an op, the limits; and the README and the docs
link only to files that are in the repository."""
import re
from pathlib import Path

import pytest

from schemas.sync import MAX_OPS_PER_PUSH, MAX_PULL_LIMIT
from sync.entities import ENTITIES
from sync.ops import ENVELOPE

ROOT = Path(__file__).resolve().parent.parent
CONTRACT = (ROOT / "docs" / "sync-contract.md").read_text()
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def field_rows(entity: str) -> dict:
    """{field: the rest of its table row} from the contract's section on `entity`."""
    section = re.search(rf"### `{entity}`.*?\n(.*?)(?=\n##)", CONTRACT, re.S)[1]
    rows = {}
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if line.startswith("| `"):
            for name in re.findall(r"`([a-z_]+)`", cells[0]):
                rows[name] = " | ".join(cells[1:])
    return rows


@pytest.mark.parametrize("entity", sorted(ENTITIES))
def test_the_contract_lists_exactly_the_wire_fields_of_each_entity(entity):
    rows = field_rows(entity)
    definition = ENTITIES[entity]
    assert set(rows) == set(definition.fields)
    assert {name for name, row in rows.items() if "required" in row} == set(definition.required_on_create)
    assert {name for name, row in rows.items() if "fixed" in row} == set(definition.immutable)


def test_the_contract_names_every_key_of_an_op_and_the_limits():
    envelope = re.search(r"An op has exactly these keys:(.*?)\n- ", CONTRACT, re.S)[1]
    assert set(re.findall(r"`([a-z_]+)`", envelope)) - set(ENTITIES) == set(ENVELOPE)
    assert f"At most {MAX_OPS_PER_PUSH} ops per push" in CONTRACT
    assert f"is 1 to {MAX_PULL_LIMIT}" in CONTRACT


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda path: path.name)
def test_readme_and_docs_link_only_to_files_in_the_repository(document):
    text = document.read_text()
    assert "shared/design" not in text
    for target in re.findall(r"\]\(([^)#\s]+)", text):
        if not target.startswith(("http://", "https://")):
            assert (document.parent / target).exists(), f"{document.name} links to missing {target}"
