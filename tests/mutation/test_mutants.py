"""The mutation check's mutants: each is the source with one mistake in one place, nothing else."""
from tests.mutation.check import _tests_for
from tests.mutation.mutants import Mutant, mutants_of

SOURCE = '''"""A docstring with a > b in it."""
from sqlalchemy import and_

LIMIT = 3  # a comment that stays


def winner(mine: "Stamp", theirs) -> "Stamp":
    """Ünïcödé before the code must not shift it."""
    label = "é" if mine.hlc > theirs.hlc else "ü"
    if mine.hlc > theirs.hlc and not theirs.deleted:
        return mine
    return theirs


def readable(a, b, c):
    return and_(a, b, c)
'''


def descriptions(source=SOURCE):
    return [m.description for m in mutants_of("example.py", source)]


def test_the_lower_clock_winning_is_one_of_the_mutants():
    mutated = [m.source for m in mutants_of("example.py", SOURCE)]
    assert SOURCE.replace("    if mine.hlc > theirs.hlc and", "    if (mine.hlc < theirs.hlc) and") in mutated
    assert SOURCE.replace('"é" if mine.hlc > theirs.hlc else', '"é" if (mine.hlc < theirs.hlc) else') in mutated


def test_conditions_are_removed_and_forced_and_boolean_operators_swapped():
    found = descriptions()
    assert "condition removed: `mine.hlc > theirs.hlc and not theirs.deleted` -> `(not theirs.deleted)`" in found
    assert "condition always True: `mine.hlc > theirs.hlc and not theirs.deleted` -> `(True)`" in found
    assert "and/or swapped: `mine.hlc > theirs.hlc and not theirs.deleted` -> " \
           "`(mine.hlc > theirs.hlc or not theirs.deleted)`" in found
    assert "not removed: `not theirs.deleted` -> `(theirs.deleted)`" in found
    assert "condition removed: `and_(a, b, c)` -> `(and_(a, c))`" in found
    assert "function swapped: `and_(a, b, c)` -> `(or_(a, b, c))`" in found
    assert "number changed: `3` -> `(4)`" in found


def test_docstrings_and_annotations_are_left_alone():
    for mutant in mutants_of("example.py", SOURCE):
        assert mutant.source.startswith('"""A docstring with a > b in it."""')
        assert 'def winner(mine: "Stamp", theirs) -> "Stamp":' in mutant.source
        assert '"""Ünïcödé before the code must not shift it."""' in mutant.source


def test_each_mutant_changes_one_place_and_keeps_lines_and_comments():
    mutants = mutants_of("example.py", SOURCE)
    assert len({m.source for m in mutants}) == len(mutants) > 15
    for mutant in mutants:
        compile(mutant.source, "mutant", "exec")
        before, after = SOURCE.splitlines(), mutant.source.splitlines()
        assert len(after) == len(before) and "# a comment that stays" in mutant.source
        changed = [n for n, (old, new) in enumerate(zip(before, after), 1) if old != new]
        assert changed == [mutant.line], mutant.description


def test_a_mutant_is_judged_by_the_passing_tests_that_run_its_line_fastest_first():
    coverage = {"by_file": {"m.py": {"": {1, 2}, "slow": {5, 6}, "fast": {6}, "broken": {6}, "other": {9}}},
                "durations": {"slow": 9.0, "fast": 0.5, "broken": 0.1, "other": 1.0}, "failed": ["broken"]}

    def judges(line):
        return _tests_for(coverage, Mutant("m.py", line, 1, line, "", ""))

    assert judges(6) == ["fast", "slow"]
    assert judges(2) == ["fast", "other", "slow"]  # run at import only: every test of the file
    assert judges(7) == []
