"""`lookfor_cells`: the de-identified export's aggregates, in long format, from the fixed grid.

One row per node the export shows (server.analytics.grid), look-for of its template version and
statistic: for yes/no and scale look-fors, how many answers were each value; for counts and
timers, the quartiles (q1, median, q3: never a minimum or maximum, which would be one visit's
value); for text look-fors, how many answered. A suppressed node keeps its rows, so readers see
what is missing, with every figure empty.
"""
from collections.abc import Iterator

from server.analytics.grid import Grid, Node
from server.analytics.suppression import COMPLEMENTARY, FEWER_THAN_K
from server.analytics.tables import SLICE, Column
from server.reports.distributions import quantile

CELL_COLUMNS = (
    Column("template_id", "string", "The look-for template version.", format="uuid"),
    Column("template_version", "integer", "Its version number."),
    Column("key", "string", "The look-for's key (lookfor_values.key)."),
    Column("label", "string", "The look-for as observers saw it in that version."),
    Column("kind", "string", "yes_no, scale, count, timer or text."),
    Column("month", "string", "The month, YYYY-MM, in the district's timezone."),
    Column("level", "string", "district (every school), school (one school, every grade and subject) or cell "
           "(one school, grade and subject)."),
    Column("school_id", "string", "The school; empty at the district level.", format="uuid"),
    Column("school_name", "string", "The school's name; empty at the district level."),
    Column("grade", "string", "The grade, as observers wrote it; empty above the cell level (and in a cell of "
           "visits with no grade written)."),
    Column("subject", "string", "The subject, as observers wrote it; empty above the cell level (and in a cell of "
           "visits with no subject written)."),
    Column("suppressed", "string", "false if the figures are published; fewer_than_k if fewer than k teachers are "
           "behind them; complementary if they are withheld so that a suppressed node cannot be computed from "
           "the others. Every figure of a suppressed node is empty."),
    Column("n_observations", "integer", "Observations made with this template version in this month and place."),
    Column("n_teachers", "integer", "Distinct teachers observed in them."),
    Column("n_answered", "integer", "Of those observations, how many answered this look-for."),
    Column("statistic", "string", "What figure holds: count (answers equal to value), q1, median or q3 (of the "
           "whole-number answers of a count or timer), or answered (a text look-for: n_answered again)."),
    Column("value", "string", "For count: the answer counted (true or false for yes_no, a level's label for "
           "scale); empty otherwise."),
    Column("figure", "number", "The statistic's figure."),
)
YES_NO = ("true", "false")
QUARTILES = (("q1", 0.25), ("median", 0.5), ("q3", 0.75))


def _statistics(kind: str, levels: list, answers: dict) -> Iterator[tuple[str, str | None, object]]:
    """(statistic, value, figure) of one look-for's `answers` ({answer: how many}) in one node."""
    if kind in ("yes_no", "scale"):
        for value in (YES_NO if kind == "yes_no" else levels):
            yield "count", value, answers.get(value, 0)
    elif kind in ("count", "timer"):
        numbers = {int(value): count for value, count in answers.items() if value.isascii() and value.isdigit()}
        for name, p in QUARTILES:
            yield name, None, quantile(numbers, p)
    else:
        yield "answered", None, sum(answers.values())


def shown(nodes, lookfors: dict) -> list[Node]:
    """The `nodes` lookfor_cells holds: those of template versions with look-fors."""
    return [node for node in nodes if node.template_id in lookfors]


def suppression_counts(grid: Grid, nodes: list[Node]) -> dict:
    """How many `nodes` there are, and how many are suppressed for each reason."""
    counts = {"nodes": len(nodes), FEWER_THAN_K: 0, COMPLEMENTARY: 0}
    for node in nodes:
        if grid.status[node]:
            counts[grid.status[node]] += 1
    return counts


def cell_rows(grid: Grid, nodes: list[Node], lookfors: dict, school_names: dict) -> Iterator[list[tuple]]:
    """Batches of the lookfor_cells rows of `nodes` (see `shown`)."""
    batch = []
    for node in nodes:
        status = grid.status[node]
        figures = grid.figures[node]
        _name, version, described = lookfors[node.template_id]
        place = (node.month, node.level, node.school_id, school_names.get(node.school_id), node.grade, node.subject)
        for key, label, kind, levels in described:
            answers = figures.answers.get(key, {})
            head = (node.template_id, version, key, label, kind, *place, status or "false")
            for statistic, value, figure in _statistics(kind, levels, answers):
                if status:
                    batch.append((*head, None, None, None, statistic, value, None))
                else:
                    batch.append((*head, figures.observations, figures.teachers, sum(answers.values()),
                                  statistic, value, figure))
            if len(batch) >= SLICE:
                yield batch
                batch = []
    yield batch
