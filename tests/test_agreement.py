"""Agreement statistics (server/rounds/agreement.py) on plain data, checked against published
worked examples first and then against the product's promises."""
import pytest

from server.rounds.agreement import (adjacent_agreement, code, cohen_kappa, exact_agreement, krippendorff_alpha,
                                     lookfor_agreement, pair_agreement)

N = None
# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", the example of section C:
# 4 observers (rows) x 12 units (columns), blanks where an observer gave no value. The paper
# reports alpha = 0.743 (nominal), 0.815 (ordinal), 0.849 (interval).
KRIPPENDORFF_2011 = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, N, N, N],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, N, 3],
    [N, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, N],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, N],
]
UNITS = [list(unit) for unit in zip(*KRIPPENDORFF_2011)]

SCALE = {"key": "students_state_target", "label": "Students can say what they are learning", "kind": "scale",
         "levels": ["None", "A few", "Most", "All"]}
YES_NO = {"key": "target_posted", "label": "Learning target posted", "kind": "yes_no"}
COUNT = {"key": "student_questions", "label": "Questions asked by students", "kind": "count"}
TIMER = {"key": "student_talk", "label": "Time students talk", "kind": "timer"}


def table_pairs(table):
    """Pairs (row value, column value), one per case of a two-rater contingency table."""
    return [(row, column) for row, counts in enumerate(table) for column, count in enumerate(counts)
            for _ in range(count)]


@pytest.mark.parametrize("level, published", [("nominal", 0.743), ("ordinal", 0.815), ("interval", 0.849)])
def test_alpha_matches_krippendorffs_worked_example(level, published):
    assert round(krippendorff_alpha(UNITS, level), 3) == published


def test_alpha_uses_only_units_two_observers_rated():
    # Unit 12 of the example has one value: it pairs with nothing, so dropping it changes nothing.
    assert krippendorff_alpha(UNITS[:11], "nominal") == pytest.approx(krippendorff_alpha(UNITS, "nominal"))


def test_kappa_matches_the_textbook_grant_proposal_example():
    # 50 proposals, two readers: both yes 20, A yes B no 5, A no B yes 10, both no 15;
    # p_o = 0.70, p_e = 0.50, kappa = 0.40 (the worked example of Wikipedia's "Cohen's kappa").
    pairs = table_pairs([[20, 5], [10, 15]])
    assert exact_agreement(pairs) == pytest.approx(0.70)
    assert cohen_kappa(pairs) == pytest.approx(0.40)


def test_kappa_is_undefined_when_both_raters_always_gave_one_value():
    assert cohen_kappa([(1, 1)] * 6) is None
    assert cohen_kappa([]) is None


def test_alpha_is_undefined_without_variety_or_without_pairs():
    assert krippendorff_alpha([[2, 2], [2, 2, 2]], "ordinal", range(4)) is None
    assert krippendorff_alpha([[1], [2, N]], "nominal") is None


def test_exact_and_adjacent_agreement_on_scale_levels():
    pairs = [(0, 0), (1, 2), (3, 1), (2, 2)]
    assert exact_agreement(pairs) == 0.5
    assert adjacent_agreement(pairs) == 0.75


def test_values_are_coded_by_kind():
    assert [code(SCALE, v) for v in ("None", "Most", "All", "Lots", None)] == [0, 2, 3, None, None]
    assert [code(YES_NO, v) for v in (True, False, 1, None)] == [1, 0, None, None]
    assert [code(COUNT, v) for v in (0, 7, True, "7")] == [0, 7, None, None]


def test_lookfor_agreement_gives_every_figure_with_its_n():
    units = [["Most", "Most"], ["A few", "Most"], ["All", "All"], ["None", "A few", "None"], ["Most", None]]
    figures = lookfor_agreement(SCALE, units)
    assert figures["n"] == 4  # the last lesson has one rating
    assert figures["level_of_measurement"] == "ordinal"
    assert figures["exact"] == {"value": 0.5, "n": 6}  # pairs: MM, fM, AA, and Nf, NN, fN
    assert figures["adjacent"] == {"value": 1.0, "n": 6}
    assert figures["alpha"]["n"] == 4 and -1 <= figures["alpha"]["value"] <= 1


def test_low_agreement_on_a_scale_names_the_level_read_differently():
    units = [["Most", "A few"], ["Most", "All"], ["Most", "None"], ["A few", "Most"], ["All", "Most"], ["None", "None"]]
    figures = lookfor_agreement(SCALE, units)
    assert figures["alpha"]["value"] < 0.667
    assert figures["reading"] == "Low agreement: talk about what 'Most' means before the next visit."


def test_high_agreement_reads_as_such_and_few_lessons_are_a_first_impression():
    units = [[True, True], [False, False], [True, True], [True, True], [False, False]]
    assert lookfor_agreement(YES_NO, units)["reading"] == "High agreement: you read this look-for the same way."
    assert lookfor_agreement(YES_NO, units[:2])["reading"].startswith("Only 2 lessons so far: a first impression. ")


def test_counts_and_timers_are_interval_and_say_what_to_agree_on():
    units = [[3, 9], [0, 5], [4, 1], [2, 8], [7, 0]]
    figures = lookfor_agreement(COUNT, units)
    assert figures["level_of_measurement"] == "interval" and "adjacent" not in figures
    assert figures["reading"] == "Low agreement: talk about what counts as one before the next visit."
    assert "start and stop the timer" in lookfor_agreement(TIMER, units)["reading"]


def test_nothing_to_compare_is_said_plainly():
    figures = lookfor_agreement(SCALE, [["Most", None]])
    assert figures["n"] == 0 and figures["alpha"]["value"] is None
    assert figures["reading"] == "Not yet rated by two observers in the same lesson."


def test_pair_agreement_gives_kappa_for_two_observers_and_leaves_blanks_out():
    pairs = [(True, True), (False, False), (True, False), (None, True)]
    figures = pair_agreement(YES_NO, pairs)
    assert figures["n"] == 3
    assert figures["exact"]["value"] == pytest.approx(0.667)
    assert figures["kappa"] == {"value": round(cohen_kappa([(1, 1), (0, 0), (1, 0)]), 3), "n": 3}


def test_complete_agreement_without_variety_is_not_called_a_statistic():
    figures = pair_agreement(SCALE, [("Most", "Most"), ("Most", "Most")])
    assert figures["kappa"]["value"] is None and figures["exact"]["value"] == 1.0
    assert "Every rating was the same" in figures["reading"]


def test_two_levels_read_differently_as_often_are_both_named():
    figures = pair_agreement(SCALE, [("Most", "A few"), ("Most", "A few"), ("None", "None")])
    assert figures["reading"].endswith("talk about what 'A few' and 'Most' mean before the next visit.")
