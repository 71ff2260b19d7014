"""A report's figures as one flat CSV table (RFC 4180): the screens' "Download CSV".

The table is long ("tidy"): one line per figure. `section` is the report's part, the identity
columns say which group the figure belongs to (school, month, look-for, level...), `measure` is
the figure's path inside its section (`by_school.levels.count`), `value` the figure. Only the
identity columns a report uses are there. Text cells that a spreadsheet would run as a formula
(starting with =, +, -, @, tab or carriage return) get a leading apostrophe.
"""
import csv
import io

from server.analytics.writers import neutralised as _safe_text

# Answer key -> column name, in column order. Every other key holds figures (or labels of them).
IDENTITY = {"template_id": "template_id", "family_id": "template_family_id", "name": "template",
            "version": "template_version", "key": "lookfor", "label": "lookfor_label", "kind": "kind",
            "unit": "unit", "school_id": "school_id", "school": "school", "grade": "grade", "subject": "subject",
            "month": "month", "week": "week", "teacher_id": "teacher_id", "teacher": "teacher",
            "last_visit": "last_visit", "observer_id": "observer_id", "observer": "observer", "level": "level",
            "state": "state", "from": "bin_from", "to": "bin_to"}
NOT_FIGURES = {"report", "filters", "days"}


def figures(report: dict) -> list[dict]:
    """Every figure of `report`: {"section", identity columns..., "measure", "value"}."""
    lines = []
    for section, content in report.items():
        if section not in NOT_FIGURES:
            _walk(content, section, {}, [], lines)
    return lines


def _walk(node, section: str, identity: dict, path: list, lines: list) -> None:
    if isinstance(node, dict):
        here = {**identity, **{IDENTITY[k]: v for k, v in node.items() if k in IDENTITY}}
        for key, value in node.items():
            if key not in IDENTITY:
                _walk(value, section, here, [*path, key], lines)
    elif isinstance(node, list):
        for item in node:
            if isinstance(item, dict):
                _walk(item, section, identity, path, lines)
    elif node is None or (isinstance(node, (int, float)) and not isinstance(node, bool)):
        # None is a figure there is no value for (a share of nothing, the last visit of no one).
        lines.append({"section": section, **identity, "measure": ".".join(path), "value": node})


def neutralised(cell):
    if isinstance(cell, str):
        return _safe_text(cell)
    return "" if cell is None else cell


def to_csv(report: dict) -> str:
    lines = figures(report)
    used = {column for line in lines for column in line}
    columns = ["section", *(c for c in IDENTITY.values() if c in used), "measure", "value"]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    for line in lines:
        writer.writerow([neutralised(line.get(column)) for column in columns])
    return out.getvalue()
