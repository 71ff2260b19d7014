"""The de-identified export: nobody named, nothing joinable back, dates to the week, free text
only on request, and figures of fewer than k teachers suppressed so that no export, nor any two
exports together, gives one away."""
import io
import json
import re
import zipfile
from datetime import date, datetime, timedelta, timezone
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from server.analytics.privacy import DEFAULT_THRESHOLD, Pseudonyms, suppression_threshold
from server.analytics.suppression import COMPLEMENTARY, FEWER_THAN_K, suppressed
from server.extensions import db
from server.models import District
from tests.export_helpers import ExportWorld, csv_rows, jsonl_rows, zip_tables
from tests.test_exports import URL, audit_events, export

DEID = URL + "?deidentified=true"


# --- The threshold and the pseudonyms -------------------------------------------------------------

@pytest.mark.parametrize("stored, k", [
    ({}, DEFAULT_THRESHOLD), ({"suppression_threshold": 3}, 3), ({"suppression_threshold": 2}, 2),
    ({"suppression_threshold": 100}, 100), ({"suppression_threshold": 1}, DEFAULT_THRESHOLD),
    ({"suppression_threshold": 101}, DEFAULT_THRESHOLD), ({"suppression_threshold": "5"}, DEFAULT_THRESHOLD),
    ({"suppression_threshold": True}, DEFAULT_THRESHOLD), ({"suppression_threshold": 5.0}, DEFAULT_THRESHOLD),
    ({"suppression_threshold": None}, DEFAULT_THRESHOLD), (None, DEFAULT_THRESHOLD),
])
def test_the_threshold_is_the_districts_setting_or_ten_when_missing_or_not_valid(stored, k):
    assert suppression_threshold(District(name="D", timezone="UTC", settings=stored)) == k


def test_pseudonyms_hold_within_one_export_and_differ_across_exports():
    one, two = Pseudonyms(), Pseudonyms()
    assert one("teacher", "abc") == one("teacher", "abc") != two("teacher", "abc")
    assert re.fullmatch(r"T-[0-9a-f]{20}", one("teacher", "abc"))
    assert one("observer", "abc").startswith("O-") and one("observer", "abc")[2:] != one("teacher", "abc")[2:]
    assert one("note", None) is None
    assert "key" in repr(one) and not any(len(part) > 20 for part in re.findall(r"[0-9a-f]+", repr(one)))


# --- Suppression, as plain data -----------------------------------------------------------------

def tree(cells: dict) -> tuple[dict, dict]:
    """(teachers, parent_of) of a district "D" over schools over cells {(school, cell): teachers};
    a margin's teachers are its children's sum (every teacher in one cell)."""
    teachers, parent_of = {}, {}
    for (school, cell), count in cells.items():
        teachers[(school, cell)] = count
        parent_of[(school, cell)] = (school,)
        teachers[(school,)] = teachers.get((school,), 0) + count
        parent_of[(school,)] = ("D",)
        teachers[("D",)] = teachers.get(("D",), 0) + count
    return teachers, parent_of


def test_a_node_of_fewer_than_k_teachers_is_suppressed_and_its_lightest_sibling_with_it():
    teachers, parent_of = tree({("a", "4"): 1, ("a", "5"): 12, ("a", "6"): 11, ("b", "4"): 20, ("c", "4"): 30})
    status = suppressed(teachers, parent_of, 10)
    assert status[("a", "4")] == FEWER_THAN_K
    assert status[("a", "6")] == COMPLEMENTARY and status[("a", "5")] is False
    assert status[("a",)] is status[("D",)] is status[("b",)] is False


def test_ties_are_broken_the_same_way_every_time():
    teachers, parent_of = tree({("a", "1"): 1, ("a", "3"): 12, ("a", "2"): 12})
    for _ in range(3):
        status = suppressed(dict(reversed(teachers.items())), parent_of, 10)
        assert (status[("a", "2")], status[("a", "3")]) == (COMPLEMENTARY, False)


def test_a_suppressed_school_margin_takes_one_of_its_cells_and_a_sibling_school_with_it():
    # School a: 9 teachers in all (suppressed), its cells 5 + 4, both suppressed; school b has 10+.
    # The district would give a away as D - b: so b is suppressed too, and then one of b's cells.
    teachers, parent_of = tree({("a", "4"): 5, ("a", "5"): 4, ("b", "4"): 12, ("b", "5"): 15, ("c", "4"): 40})
    status = suppressed(teachers, parent_of, 10)
    assert status[("a",)] == FEWER_THAN_K and status[("b",)] == COMPLEMENTARY
    assert status[("b", "4")] == COMPLEMENTARY and status[("b", "5")] is False
    assert status[("c",)] is False and status[("D",)] is False


def test_an_only_child_suppressed_takes_its_parent():
    teachers = {("D",): 30, ("a",): 30, ("a", "4"): 30}
    status = suppressed(teachers, {("a",): ("D",), ("a", "4"): ("a",)}, 40)
    assert set(status.values()) == {FEWER_THAN_K}
    status = suppressed({"p": 30, "c": 30}, {"c": "p"}, 10)
    assert status == {"p": False, "c": False}


def determined(equations: list[dict], unknowns: list, target) -> bool:
    """Whether `target` is fixed by `equations` ({unknown: coefficient}, each summing to a known
    figure): whether its unit vector lies in their row space (Gaussian elimination over Fractions)."""
    index = {unknown: i for i, unknown in enumerate(unknowns)}
    rows = [[Fraction(0)] * len(unknowns) for _ in equations]
    for row, equation in zip(rows, equations):
        for unknown, coefficient in equation.items():
            row[index[unknown]] += coefficient
    rank_of = lambda matrix: _rank([list(r) for r in matrix])  # noqa: E731
    unit = [Fraction(int(i == index[target])) for i in range(len(unknowns))]
    return rank_of(rows) == rank_of(rows + [unit])


def _rank(matrix: list[list[Fraction]]) -> int:
    rank, columns = 0, len(matrix[0]) if matrix else 0
    for column in range(columns):
        pivot = next((r for r in range(rank, len(matrix)) if matrix[r][column] != 0), None)
        if pivot is None:
            continue
        matrix[rank], matrix[pivot] = matrix[pivot], matrix[rank]
        for r in range(len(matrix)):
            if r != rank and matrix[r][column] != 0:
                factor = matrix[r][column] / matrix[rank][column]
                matrix[r] = [a - factor * b for a, b in zip(matrix[r], matrix[rank])]
        rank += 1
    return rank


def attack_equations(parent_of: dict, status: dict) -> tuple[list[dict], list]:
    """The equations "parent - its children = 0" in the suppressed nodes (published ones are known)."""
    children: dict = {}
    for node, parent in parent_of.items():
        children.setdefault(parent, []).append(node)
    unknowns = sorted((node for node in status if status[node]), key=repr)
    equations = []
    for parent, kids in children.items():
        equation = {node: coefficient for node, coefficient in [(parent, 1), *((kid, -1) for kid in kids)]
                    if status[node]}
        if equation:
            equations.append(equation)
    return equations, unknowns


@settings(max_examples=150)
@given(st.dictionaries(st.tuples(st.sampled_from("abcd"), st.sampled_from("123")), st.integers(1, 14),
                       min_size=1), st.integers(2, 12))
def test_no_suppressed_node_can_be_computed_from_the_published_ones(cells, k):
    teachers, parent_of = tree(cells)
    status = suppressed(teachers, parent_of, k)
    assert all(status[node] for node, count in teachers.items() if count < k)
    equations, unknowns = attack_equations(parent_of, status)
    assert all(len(equation) != 1 for equation in equations)
    for node in unknowns:
        assert not determined(equations, unknowns, node), (node, status)


# --- The export -----------------------------------------------------------------------------------

MARCH = datetime(2026, 3, 3, 15, 0, tzinfo=timezone.utc)  # a Tuesday, 09:00 in Chicago
APRIL = datetime(2026, 4, 7, 15, 0, tzinfo=timezone.utc)


class DeidWorld(ExportWorld):
    """District One with k = 3: Lincoln, Grant and Hayes, and a March in which some cells have
    enough teachers and some do not; in April one teacher only (the district margin suppressed)."""

    def __init__(self, make):
        super().__init__(make)
        self.hayes = make.school(self.district, "Hayes")
        district = db.session.get(District, self.district.id)
        district.settings = {"suppression_threshold": 3}
        db.session.commit()
        self.make = make
        self.people = [self.teacher, self.grant_teacher, self.observer, self.grant_observer]

    def teachers(self, school, count):
        made = [self.make.person("teacher", school=school, name=f"Teacher {school.name} {i}") for i in range(count)]
        self.people += made
        return made

    def visit(self, school, teacher, grade, subject, started=MARCH, posted=True, turns=3, **fields):
        observer = self.observer if school is self.lincoln else self.grant_observer
        return self.observation(school=school, teacher=teacher, observer=observer, started=started, grade=grade,
                                subject=subject, template_id=self.template, template_version=2,
                                task_demand="Recall", lookfors={"target_posted": posted, "turns": turns,
                                                                "note": "Ms Moreno's class was calm"}, **fields)

    def march(self):
        """Lincoln: 4 Math 3 teachers, 5 Math 1, 6 Math 4; Grant: 4 Math 3, 5 Reading 2; Hayes: 4 Math 1."""
        plan = [(self.lincoln, "4", "Math", 3), (self.lincoln, "5", "Math", 1), (self.lincoln, "6", "Math", 4),
                (self.grant, "4", "Math", 3), (self.grant, "5", "Reading", 2), (self.hayes, "4", "Math", 1)]
        for n, (school, grade, subject, count) in enumerate(plan):
            for i, teacher in enumerate(self.teachers(school, count)):
                # Two visits each, a week apart, answered differently.
                self.visit(school, teacher, grade, subject, posted=i % 2 == 0, turns=n + i)
                self.visit(school, teacher, grade, subject, started=MARCH + timedelta(days=14, minutes=n),
                           posted=True, turns=2 * i)
        april = self.teachers(self.lincoln, 1)[0]
        self.withheld = self.visit(self.lincoln, april, "4", "Math", started=APRIL,
                                   notes=("Alone in April",), feedback={"released": True, "glow": "ok"})


@pytest.fixture
def world(make):
    return DeidWorld(make)


def cells_by_node(rows: list[dict]) -> dict:
    """{(template, month, level, school, grade, subject): {"suppressed", "n_observations", ...}} of lookfor_cells
    rows, checking that every look-for of a node states the same node figures."""
    nodes = {}
    for row in rows:
        node = (row["template_id"], row["month"], row["level"], row["school_id"], row["grade"], row["subject"])
        figures = {name: row[name] for name in ("suppressed", "n_observations", "n_teachers")}
        assert nodes.setdefault(node, figures) == figures
    return nodes


def test_the_zip_names_nobody_and_holds_no_id_the_database_knows(world, api_as):
    world.march()
    identified, _ = zip_tables(export(api_as(world.staff), "?format=zip").data)
    data = export(api_as(world.staff), "?format=zip&deidentified=true&free_text=true").data
    tables, package = zip_tables(data)
    assert [r["name"] for r in package["resources"]] == ["observations", "notes", "lookfor_values", "feedback",
                                                         "lookfor_cells"]
    secrets_ = {person.id for person in world.people} | {person.email for person in world.people}
    secrets_ |= {row["observation_id"] for row in identified["observations"]}
    secrets_ |= {row["note_id"] for row in identified["notes"]}
    secrets_ |= {row["feedback_id"] for row in identified["feedback"]}
    everything = b"".join(_unzipped(data)).decode()
    for secret in secrets_:
        assert secret not in everything and secret.replace("-", "") not in everything
    assert "Teacher " not in everything and "Alice Moreno" not in everything and "Maria Lopez" not in everything
    observations = tables["observations"]
    assert len(observations) == 28 and all(re.fullmatch(r"V-[0-9a-f]{20}", row["observation_id"])
                                           for row in observations)
    placed = [row for row in observations if row["placed_at"] == "cell"]
    assert all(row["teacher"].startswith("T-") and row["observer"].startswith("O-") for row in placed)
    assert len({row["teacher"] for row in placed}) == 7  # Lincoln 6 Math and Grant 4 Math
    ids = {row["observation_id"] for row in observations}
    assert {row["observation_id"] for row in tables["lookfor_values"]} == ids
    fields = [field for resource in package["resources"] for field in resource["schema"]["fields"]]
    assert not {field["type"] for field in fields} & {"datetime"}
    assert not {field["name"] for field in fields} & {"teacher_id", "observer_id", "author_id", "created_at",
                                                      "updated_at", "started_at", "teacher_name", "teacher_email"}


def _unzipped(data: bytes):
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in archive.namelist():
            yield archive.read(name)


def test_pseudonyms_join_the_tables_of_one_export_and_not_two(world, api_as):
    world.full_observation(teacher=world.teacher)
    staff = api_as(world.staff)
    district = db.session.get(District, world.district.id)
    district.settings = {"suppression_threshold": 2}
    db.session.commit()
    world.observation(teacher=world.make.person("teacher", school=world.lincoln), template_id=world.template,
                      template_version=2, grade="4", subject="Math")
    first, _ = zip_tables(export(staff, "?format=zip&deidentified=true").data)
    second, _ = zip_tables(export(staff, "?format=zip&deidentified=true").data)
    ids = {row["observation_id"] for row in first["observations"]}
    assert {row["observation_id"] for row in first["notes"]} < ids
    assert {row["observation_id"] for row in first["feedback"]} < ids
    assert not ids & {row["observation_id"] for row in second["observations"]}
    assert not {row["teacher"] for row in first["observations"]} & {row["teacher"] for row in second["observations"]}


def test_dates_are_the_monday_of_the_week_in_the_districts_timezone_and_times_are_whole_hours(world, api_as):
    # Sunday 8 March, 23:30 in Chicago, is already Monday 9 March in UTC: its week is that of 2 March.
    sunday_night = datetime(2026, 3, 9, 4, 30, tzinfo=timezone.utc)
    # 31 March 23:00 in Chicago is 1 April in UTC: its month is March.
    march_end = datetime(2026, 4, 1, 4, 0, tzinfo=timezone.utc)
    staff = api_as(world.staff)
    district = db.session.get(District, world.district.id)
    district.settings = {"suppression_threshold": 2}
    db.session.commit()
    other = world.make.person("teacher", school=world.lincoln)
    released = sunday_night + timedelta(hours=5, minutes=59)
    world.full_observation(started=sunday_night, ended_at=sunday_night + timedelta(minutes=12, seconds=59),
                           feedback=dict(released=True, released_at=released, read_at=released + timedelta(hours=20),
                                         acknowledged_at=released + timedelta(hours=24, minutes=59),
                                         support_commitment="I model it", support_due=date(2026, 3, 12),
                                         support_requested_at=released, usefulness=4,
                                         support_kept_at=datetime(2026, 3, 13, 4, 0, tzinfo=timezone.utc)))
    world.full_observation(started=march_end, teacher=other, ended_at=None, feedback=None)
    tables, _ = zip_tables(export(staff, "?format=zip&deidentified=true").data)
    assert [(row["week"], row["month"], row["minutes"]) for row in tables["observations"]] == [
        ("2026-03-02", "2026-03", "12"), ("2026-03-30", "2026-03", "")]
    [feedback] = tables["feedback"]
    assert (feedback["hours_to_release"], feedback["hours_to_read"], feedback["hours_to_acknowledge"]) == (
        "5", "20", "24")
    # Kept 12 March, 23:00 in Chicago (13 March in UTC): on its due day.
    assert feedback["support_due_week"] == "2026-03-09" and feedback["support_kept"] == "on_time"
    assert (feedback["support_promised"], feedback["support_requested"], feedback["usefulness"]) == ("true", "true",
                                                                                                     "4")


def test_free_text_is_left_out_unless_asked_for_and_then_the_package_warns(world, api_as):
    world.march()
    staff = api_as(world.staff)
    without, package = zip_tables(export(staff, "?format=zip&deidentified=true").data)
    for table, names in (("observations", {"teacher_doing", "students_doing", "task"}), ("notes", {"text"}),
                         ("feedback", {"glow", "wonder", "next_step", "reflection", "support_kept_note"})):
        fields = {f["name"] for r in package["resources"] if r["name"] == table for f in r["schema"]["fields"]}
        assert fields and not fields & names
    assert "note" not in {row["key"] for row in without["lookfor_values"]}
    assert "Moreno" not in json.dumps(without) and "Free text is left out." in package["description"]
    with_text, package = zip_tables(export(staff, "?format=zip&deidentified=true&free_text=1").data)
    assert "Ms Moreno's class was calm" in {row["value"] for row in with_text["lookfor_values"]}
    assert "names written in it are NOT removed" in package["description"]
    assert package["rounds_deidentified"]["free_text"] is True


def test_a_district_margin_of_fewer_than_k_teachers_withholds_its_rows_and_says_so(world, api_as):
    world.march()
    tables, package = zip_tables(export(api_as(world.staff), "?format=zip&deidentified=true").data)
    assert {row["month"] for row in tables["observations"]} == {"2026-03"}
    assert package["rounds_deidentified"]["withheld_rows"] == {"observations": 1, "notes": 1, "lookfor_values": 3,
                                                               "feedback": 1}
    assert tables["notes"] == [] and tables["feedback"] == []
    [event] = audit_events()
    assert event.detail["identified"] is False and event.detail["k"] == 3 and event.detail["free_text"] is False
    assert event.detail["withheld"] == package["rounds_deidentified"]["withheld_rows"]
    assert event.detail["suppressed"] == package["rounds_deidentified"]["suppressed_nodes"]
    assert event.detail["rows"]["observations"] == 28


def test_lookfor_cells_count_each_node_and_suppress_small_ones_and_their_complements(world, api_as):
    world.march()
    tables, package = zip_tables(export(api_as(world.staff), "?format=zip&deidentified=true").data)
    nodes = cells_by_node(tables["lookfor_cells"])
    T, L, G, H = world.template, world.lincoln.id, world.grant.id, world.hayes.id
    status = {node[2:]: figures["suppressed"] for node, figures in nodes.items() if node[1] == "2026-03"}
    assert status == {
        ("district", "", "", ""): "false",
        ("school", L, "", ""): "false", ("school", G, "", ""): "complementary", ("school", H, "", ""): "fewer_than_k",
        ("cell", L, "4", "Math"): "complementary", ("cell", L, "5", "Math"): "fewer_than_k",
        ("cell", L, "6", "Math"): "false",
        ("cell", G, "4", "Math"): "false", ("cell", G, "5", "Reading"): "fewer_than_k",
        ("cell", H, "4", "Math"): "fewer_than_k"}
    assert {figures["suppressed"] for node, figures in nodes.items() if node[1] == "2026-04"} == {"fewer_than_k"}
    assert nodes[(T, "2026-03", "district", "", "", "")] == {"suppressed": "false", "n_observations": "28",
                                                             "n_teachers": "14"}
    lincoln_6 = {(row["key"], row["statistic"], row["value"]): row["figure"] for row in tables["lookfor_cells"]
                 if row["month"] == "2026-03" and row["grade"] == "6" and row["school_id"] == L}
    # Four teachers (i = 0..3), each posted once (March 3: only i even) or twice: 2 + 4 = 6 of 8.
    assert (lincoln_6[("target_posted", "count", "true")], lincoln_6[("target_posted", "count", "false")]) == ("6", "2")
    # turns: 2+0..2+3 (n = 2) and 0, 2, 4, 6: 0 2 2 3 4 4 5 6 -> q1 2, median 3.5, q3 4.25.
    assert [lincoln_6[("turns", q, "")] for q in ("q1", "median", "q3")] == ["2", "3.5", "4.25"]
    assert lincoln_6[("demand", "count", "Recall")] == "8"
    hidden = [row for row in tables["lookfor_cells"] if row["suppressed"] != "false"]
    assert hidden and all(row[name] == "" for row in hidden
                          for name in ("n_observations", "n_teachers", "n_answered", "figure"))
    assert package["rounds_deidentified"]["suppressed_nodes"] == {"nodes": 13, "fewer_than_k": 7,
                                                                  "complementary": 2}


def grid_equations(nodes: dict) -> list[tuple]:
    """(parent, children) of the grid whose nodes are `nodes` (keys as in cells_by_node)."""
    children: dict = {}
    for node in nodes:
        template, month, level, school, _grade, _subject = node
        if level == "cell":
            children.setdefault((template, month, "school", school, "", ""), []).append(node)
        elif level == "school":
            children.setdefault((template, month, "district", "", "", ""), []).append(node)
    return list(children.items())


def test_no_suppressed_figure_can_be_computed_from_one_export_or_from_several_together(world, api_as):
    """The attack: an analyst holds several exports of overlapping filters and, for every parent,
    knows it is the sum of its children (n_observations, and each count of answers). Whatever the
    published figures, no suppressed node's figure is fixed by them: in one export, or in all."""
    world.march()
    staff, lincoln_staff = api_as(world.staff), api_as(world.lincoln_staff)
    queries = [(staff, ""), (staff, f"&school={world.lincoln.id}"), (staff, "&from=2026-03-10&to=2026-04-05"),
               (staff, "&grade=4"), (staff, f"&template={world.template}&subject=Math"), (lincoln_staff, "")]
    exports = []
    for client, query in queries:
        tables, _ = zip_tables(export(client, "?format=zip&deidentified=true" + query).data)
        exports.append(tables["lookfor_cells"])
    # Identical nodes agree, row for row, in every export that shows them.
    seen: dict = {}
    for rows in exports:
        for row in rows:
            place = tuple(row[n] for n in ("template_id", "month", "level", "school_id", "grade", "subject", "key",
                                           "statistic", "value"))
            assert seen.setdefault(place, row) == row
    structure = cells_by_node(exports[0])  # the unfiltered district-wide export shows every node
    assert all(set(cells_by_node(rows)) <= set(structure) for rows in exports)
    # The date range cutting March and April shows both months whole.
    assert {node[1] for node in cells_by_node(exports[2])} == {"2026-03", "2026-04"}
    # Lincoln's own staff see Lincoln's school margin and cells, never the district margin.
    assert {(node[2], node[3]) for node in cells_by_node(exports[5])} == {("school", world.lincoln.id),
                                                                          ("cell", world.lincoln.id)}
    for subset in ([exports[0]], [exports[1], exports[2]], [exports[3], exports[4], exports[5]], exports):
        known = {}
        for rows in subset:
            known.update({node: figures for node, figures in cells_by_node(rows).items()
                          if figures["suppressed"] == "false"})
        unknowns = sorted(node for node in structure if node not in known)
        assert unknowns
        equations = []
        for parent, kids in grid_equations(structure):
            equation = {node: c for node, c in [(parent, 1), *((kid, -1) for kid in kids)] if node not in known}
            if equation:
                equations.append(equation)
        assert all(len(equation) != 1 for equation in equations)
        for node in unknowns:
            assert not determined(equations, unknowns, node), node


def test_rows_are_never_finer_than_the_published_grid(world, api_as):
    world.march()
    tables, _ = zip_tables(export(api_as(world.staff), "?format=zip&deidentified=true").data)
    nodes = cells_by_node(tables["lookfor_cells"])
    children_suppressed: dict = {}
    for parent, kids in grid_equations(nodes):
        children_suppressed[parent] = sum(1 for kid in kids if nodes[kid]["suppressed"] != "false")
    groups: dict = {}
    for row in tables["observations"]:
        place = (row["template_id"], row["month"], row["placed_at"], row["school_id"], row["grade"], row["subject"])
        groups.setdefault(place, []).append(row)
    assert {place[2] for place in groups} == {"cell", "school", "district"}
    for (template, month, placed, school, grade, subject), rows in groups.items():
        node = (template, month, placed, school, grade, subject)
        assert nodes[node]["suppressed"] == "false"
        if placed == "cell":
            # Aggregating the rows of a published cell gives its published figures, nothing more.
            assert str(len(rows)) == nodes[node]["n_observations"]
            assert str(len({row["teacher"] for row in rows})) == nodes[node]["n_teachers"]
        else:
            # Rows placed above their cell mix at least two suppressed nodes, and no pseudonym
            # sorts them back into their cells (by teacher, or by an observer of one school).
            assert (grade, subject) == ("", "") and (placed == "school" or school == "")
            assert {(row["teacher"], row["observer"]) for row in rows} == {("", "")}
            assert children_suppressed[node] >= 2, node
    lincoln_hidden = groups[(world.template, "2026-03", "school", world.lincoln.id, "", "")]
    assert len(lincoln_hidden) == 2 * (3 + 1)  # grade 4 (complementary) and grade 5 (fewer than k)
    # Grant's grade 5 (its margin is complementary) and Hayes's one teacher.
    assert len(groups[(world.template, "2026-03", "district", "", "", "")]) == 2 * (2 + 1)


def test_filters_choose_whole_months_and_the_margins_above_the_cells_chosen(world, api_as):
    world.march()
    staff = api_as(world.staff)
    tables, _ = zip_tables(export(staff, "?format=zip&deidentified=true&grade=5").data)
    nodes = cells_by_node(tables["lookfor_cells"])
    assert {(n[2], n[3], n[4]) for n in nodes} == {("district", "", ""), ("school", world.lincoln.id, ""),
                                                   ("school", world.grant.id, ""), ("cell", world.lincoln.id, "5"),
                                                   ("cell", world.grant.id, "5")}
    assert {row["grade"] for row in tables["observations"]} <= {"5", ""}
    tables, _ = zip_tables(export(staff, f"?format=zip&deidentified=true&school={world.grant.id}").data)
    assert {n[3] for n in cells_by_node(tables["lookfor_cells"])} == {world.grant.id}
    assert {n[2] for n in cells_by_node(tables["lookfor_cells"])} == {"school", "cell"}
    tables, _ = zip_tables(export(staff, "?format=zip&deidentified=true&from=2026-03-20&to=2026-03-20").data)
    assert tables["observations"] == [] and {n[1] for n in cells_by_node(tables["lookfor_cells"])} == {"2026-03"}


def test_csv_and_jsonl_give_the_deidentified_observations_table(world, api_as):
    world.march()
    staff = api_as(world.staff)
    rows = csv_rows(export(staff, "?deidentified=true").data)
    assert len(rows) == 28 and list(rows[0])[:4] == ["observation_id", "teacher", "observer", "placed_at"]
    lines = jsonl_rows(export(staff, "?deidentified=true&format=jsonl&free_text=true").data)
    assert len(lines) == 28 and lines[0]["week"] == "2026-03-02" and lines[0]["task"] == ""
    assert audit_events()[-1].detail["format"] == "jsonl"


@pytest.mark.parametrize("who", ["teacher", "observer", "school_admin", "district_admin", "other_admin"])
def test_only_district_staff_get_a_deidentified_export(world, api_as, who):
    world.observation()
    response = api_as(getattr(world, who)).get(DEID + "&format=zip")
    assert response.status_code == 404 and response.get_json()["error"]["code"] == "not_found"
    assert audit_events() == []


def test_other_districts_staff_see_nothing_of_this_district(world, api_as):
    world.march()
    tables, _ = zip_tables(export(api_as(world.other_staff), "?format=zip&deidentified=true").data)
    assert all(rows == [] for rows in tables.values())
    error = export(api_as(world.lincoln_staff), f"?deidentified=true&school={world.grant.id}", 422).get_json()
    assert error["error"]["fields"] == {"school": ["Not a school you may export."]}


@pytest.mark.parametrize("query, field", [
    ("?deidentified=maybe", "deidentified"), ("?deidentified=true&free_text=2", "free_text"),
    ("?free_text=true", "free_text"), ("?deidentified=", "deidentified"),
])
def test_bad_values_of_the_new_parameters_are_field_errors(world, api_as, query, field):
    error = export(api_as(world.staff), query, 422).get_json()["error"]
    assert error["code"] == "invalid" and field in error["fields"], error


def test_memory_does_not_grow_with_the_number_of_deidentified_rows(world, api_as):
    import tracemalloc

    staff = api_as(world.staff)

    def peak_while_streaming():
        tracemalloc.start()
        response = staff.get(DEID + "&format=csv", buffered=False)
        try:
            size = sum(len(chunk) for chunk in response.response)
            return tracemalloc.get_traced_memory()[1], size
        finally:
            tracemalloc.stop()
            response.close()

    others = [world.make.person("teacher", school=world.lincoln) for _ in range(2)]
    for teacher in (world.teacher, *others):
        world.many_observations(1000, task="t" * 100, teacher_id=teacher.id)
    small, small_size = peak_while_streaming()
    for teacher in (world.teacher, *others):
        world.many_observations(3000, task="t" * 100, teacher_id=teacher.id)
    large, large_size = peak_while_streaming()
    assert large_size > 3.5 * small_size
    assert large < small * 1.5, (small, large)
