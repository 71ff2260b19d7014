"""The arithmetic of report distributions, on plain data: quartiles from grouped counts agree
with Python's statistics module, histograms cover every value once, and CSV cells a spreadsheet
would run as formulas are neutralised."""
import statistics

from hypothesis import given, strategies as st

from server.reports.csv_table import figures, neutralised, to_csv
from server.reports.distributions import bin_width, histogram, level_counts, quantile, quartiles

values = st.lists(st.integers(0, 100_000), min_size=2, max_size=60)


def counted(items) -> dict:
    counts = {}
    for item in items:
        counts[item] = counts.get(item, 0) + 1
    return counts


@given(values)
def test_quartiles_from_grouped_counts_match_the_inclusive_method(items):
    expected = statistics.quantiles(items, n=4, method="inclusive")
    got = quartiles(counted(items))
    # Quartiles are given to two decimals.
    assert all(abs(a - b) <= 0.005 for a, b in zip([got["q1"], got["median"], got["q3"]], expected))
    assert (got["min"], got["max"]) == (min(items), max(items))


def test_no_values_have_no_quartiles():
    assert quartiles({}) is None and quantile({}, 0.5) is None and quartiles({3: 0}) is None


@given(values)
def test_a_histogram_counts_every_value_once_in_at_most_twelve_bins(items):
    low, high = min(items), max(items)
    width = bin_width(low, high)
    bins = histogram(counted(items), width, low, high)
    assert len(bins) <= 12 and sum(b["count"] for b in bins) == len(items)
    assert all(b["to"] - b["from"] == width for b in bins)
    assert bins[0]["from"] <= low < bins[0]["to"] and bins[-1]["from"] <= high < bins[-1]["to"]


def test_level_counts_keep_the_levels_order_and_show_zeros():
    assert level_counts({"All": 2, "odd": 5}, [("None", "None"), ("All", "All")]) == [
        {"level": "None", "count": 0}, {"level": "All", "count": 2}]


def test_formula_like_text_gets_an_apostrophe_and_numbers_do_not():
    assert [neutralised(c) for c in ("=SUM(A1)", "+1", "-2", "@x", "\tx", "\rx", "plain", 5, None)] == [
        "'=SUM(A1)", "'+1", "'-2", "'@x", "'\tx", "'\rx", "plain", 5, ""]


def test_csv_is_one_line_per_figure_with_its_groups():
    report = {"report": "x", "filters": {"school": None}, "by_school": [
        {"school_id": "s1", "school": "=Lincoln", "n_observations": 3, "levels": [{"level": "Yes", "count": 2}],
         "share": None, "labels": ["Yes", "No"]}]}
    assert figures(report) == [
        {"section": "by_school", "school_id": "s1", "school": "=Lincoln", "measure": "n_observations", "value": 3},
        {"section": "by_school", "school_id": "s1", "school": "=Lincoln", "level": "Yes", "measure": "levels.count",
         "value": 2},
        {"section": "by_school", "school_id": "s1", "school": "=Lincoln", "measure": "share", "value": None}]
    assert to_csv(report).split("\r\n")[:2] == ["section,school_id,school,level,measure,value",
                                                "by_school,s1,'=Lincoln,,n_observations,3"]
